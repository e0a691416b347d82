"""Password hashing with Argon2id (argon2-cffi), re-hashed when the parameters change.

The parameters are OWASP's recommended configuration for Argon2id (19 MiB of memory, 2 passes,
1 lane: about 25 ms of one core here), not argon2-cffi's default (RFC 9106's second choice: 64
MiB, 3 passes, 4 lanes: about 200 ms of CPU). Plaza runs on small servers where people sign in
together — a dozen at a meeting, hundreds after an emergency warning: with the default, twelve
sign-ins at once are 2.4 CPU-seconds, more than a 2-core server has in the second they expect
an answer (BENCHMARKS.md, the soak). A hash made with other parameters still verifies, and is
made anew with these at its owner's next sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: A hash to verify against when the account does not exist, so timing does not tell.
_DUMMY = _hasher.hash("plaza-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
