"""Account trust for hot search (热搜): how much one account's activity may move a list.

Hot search counts people, not events, and not all people equally: an account a farm created
yesterday must not weigh what a citizen active for a year weighs. The weight is a number in
[0, 1], computed from what Plaza knows about the account:

    age      = min(1, age_days / 60) ** 2            # 0 when new, 0.25 at 30 days, 1 from 60 days
    activity = 0.4 + 0.6 * min(1, active_days_30 / 15)
    trust    = age * activity
    trust    = max(trust, 0.9)        if verified      # real-name or government verified (政务号)
    trust    = trust / (1 + spam_reports)              # upheld spam reports
    trust    = max(TRUST_FLOOR, trust), or 0 when the account is silenced

So a fresh, unverified, inactive account weighs ``TRUST_FLOOR`` (0.002): a farm of 1,000 of them
counts as about two trusted citizens. Anonymous readers and searchers weigh ``ANONYMOUS_TRUST``.
Weights travel as integer *units* (``TRUST_UNITS`` per 1.0) so that sums are exact in memory and
in Redis and every engine adds up to the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ANONYMOUS_TRUST",
    "ANONYMOUS_UNITS",
    "TRUST_FLOOR",
    "TRUST_UNITS",
    "TrustInputs",
    "trust_units",
    "trust_weight",
]

#: Integer units per trust 1.0 (permille): exact sums, few distinct values to aggregate.
TRUST_UNITS = 1000
#: The weight of a fresh, unverified, inactive account.
TRUST_FLOOR = 0.002
#: The weight of a reader or searcher who is not signed in.
ANONYMOUS_TRUST = 0.01
#: Age (days) from which an account counts fully.
FULL_AGE_DAYS = 60.0
#: Active days in the last 30 from which an account counts as fully active.
FULL_ACTIVE_DAYS = 15.0
#: The least weight of a verified account.
VERIFIED_TRUST = 0.9


@dataclass(frozen=True, slots=True)
class TrustInputs:
    """What the trust weight is computed from (all of it already on the account row)."""

    age_days: float
    verified: bool = False
    #: Days with a post, reply, repost or like in the last 30 days.
    active_days_30: int = 0
    #: Spam reports a moderator upheld.
    spam_reports: int = 0
    #: Silenced (limited) by a moderator: the account's activity does not count at all.
    silenced: bool = False


def trust_weight(inputs: TrustInputs) -> float:
    """The account's trust weight in [0, 1] (formula in the module docstring)."""
    if inputs.silenced:
        return 0.0
    age = min(1.0, max(0.0, inputs.age_days) / FULL_AGE_DAYS) ** 2
    activity = 0.4 + 0.6 * min(1.0, max(0, inputs.active_days_30) / FULL_ACTIVE_DAYS)
    trust = age * activity
    if inputs.verified:
        trust = max(trust, VERIFIED_TRUST)
    trust /= 1 + max(0, inputs.spam_reports)
    return max(TRUST_FLOOR, min(1.0, trust))


def trust_units(weight: float) -> int:
    """A weight in [0, 1] as integer units (``TRUST_UNITS`` per 1.0), clamped."""
    return max(0, min(TRUST_UNITS, round(weight * TRUST_UNITS)))


ANONYMOUS_UNITS = trust_units(ANONYMOUS_TRUST)
