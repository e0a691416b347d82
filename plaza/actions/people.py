"""Signing up, signing in and editing one's profile: what every interface calls (the web's
forms, the Mastodon API's sign-up and OAuth password grant, ``update_credentials``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from plaza import i18n
from plaza.errors import Forbidden, Unauthorized
from plaza.instance import Plaza
from plaza.square import accounts


async def sign_in(plaza: Plaza, login: str, password: str, *, address: str) -> Row[Any]:
    """The account for a username or e-mail and its password. Rate-limited per client address;
    the Argon2 check runs on the bounded compute pool. Wrong credentials are 401
    ``sign_in_failed``; a suspended account or one awaiting approval 403."""
    plaza.limits.hit("sign_in", address)
    row = await plaza.compute(lambda: accounts.authenticate(plaza.db, login, password))
    if row is None:
        raise Unauthorized("sign_in_failed")
    accounts.check_active(row)
    return row


async def sign_up(plaza: Plaza, *, username: str, password: str, address: str, display_name: str | None = None,
                  email: str | None = None, home_city: str | None = None, locale: str | None = None) -> Row[Any]:
    """A new citizen account, when registrations are open (rate-limited per client address).
    Without a city the account lives in the instance's default city (``PLAZA_DEFAULT_CITY``)
    until its owner changes it; it waits for an administrator when approval is required."""
    settings = plaza.settings
    if not settings.registrations_open:
        raise Forbidden("registrations_closed")
    plaza.limits.hit("sign_up", address)
    city = settings.default_city if home_city is None else home_city
    return await plaza.compute(lambda: accounts.create(
        plaza.db, username=username, display_name=display_name or None, password=password,
        email=email or None, home_city=city, locale=i18n.normalise(locale),
        approved=not settings.approval_required))


async def update_profile(plaza: Plaza, account_id: int, **changes: Any) -> Row[Any]:
    """Edit one's own profile (display name, note, city, language, bot flag, pictures); only the
    editable fields, each validated. Returns the account as it now is."""
    db = plaza.db
    return await db.batched(lambda: accounts.update_profile(db, account_id, **changes))
