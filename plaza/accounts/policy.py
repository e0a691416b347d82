"""Who may do what (角色与权限): the one place that says which role may take which action.

Plaza has three roles: ``user`` (everyone), ``moderator`` (管理员 who look after the square) and
``admin`` (the instance's administrators). Whoever runs the ``plaza`` command line on the server
is the :data:`OPERATOR`, who may do what an administrator may. Capabilities and interfaces ask
:func:`may` / :func:`require` instead of comparing role names themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from plaza.accounts.kinds import NATIONAL_REGION
from plaza.errors import Forbidden

ROLES = ("user", "moderator", "admin")


class Permission(StrEnum):
    """Actions beyond what every account may do with its own things."""

    #: delete other people's posts, open posts and profiles of suspended accounts for review
    MODERATE_POSTS = "moderate_posts"
    #: approve sign-ups that wait for approval
    APPROVE_ACCOUNTS = "approve_accounts"
    #: suspend and unsuspend accounts (封禁)
    SUSPEND_ACCOUNTS = "suspend_accounts"
    #: make and unmake moderators
    CHANGE_ROLES = "change_roles"
    #: verify an account as a government account (政务号认证)
    VERIFY_GOVERNMENT = "verify_government"
    #: pin, block and review hot search (热搜)
    MANAGE_HOT_SEARCH = "manage_hot_search"
    #: appoint and remove topic hosts (主持人), write any topic's description
    MANAGE_TOPICS = "manage_topics"
    #: manage every government matrix (政务矩阵), not only one's own
    MANAGE_MATRICES = "manage_matrices"
    #: screen and verify help requests (核实求助)
    VERIFY_HELP = "verify_help"
    #: issue, update and cancel official warnings (预警) for any region, import CAP documents
    ISSUE_WARNINGS = "issue_warnings"
    #: open, change and end incidents (事件) and their incident mode (事件模式); an incident's own
    #: account changes its own without this
    MANAGE_INCIDENTS = "manage_incidents"


_MODERATOR = frozenset({
    Permission.MODERATE_POSTS, Permission.APPROVE_ACCOUNTS, Permission.SUSPEND_ACCOUNTS,
    Permission.MANAGE_HOT_SEARCH, Permission.MANAGE_TOPICS, Permission.MANAGE_MATRICES, Permission.VERIFY_HELP,
    Permission.MANAGE_INCIDENTS,
})
#: role → what it may do. Verification and roles are an administrator's acts.
GRANTS: dict[str, frozenset[Permission]] = {
    "user": frozenset(),
    "moderator": _MODERATOR,
    "admin": frozenset(Permission),
}
#: Permissions that act on another account: never on oneself, and on a moderator or an
#: administrator only by an administrator.
ON_ACCOUNTS = frozenset({Permission.APPROVE_ACCOUNTS, Permission.SUSPEND_ACCOUNTS,
                         Permission.CHANGE_ROLES, Permission.VERIFY_GOVERNMENT})


@dataclass(frozen=True, slots=True)
class Operator:
    """Whoever runs the ``plaza`` command line: the server's operator, who may do what an
    administrator may; recorded as no account (``id`` None)."""

    id: None = None
    role: str = "admin"


OPERATOR = Operator()


def is_staff(actor: Any | None) -> bool:
    """A moderator or an administrator (or the operator)."""
    return actor is not None and actor.role in ("moderator", "admin")


def may(actor: Any | None, permission: Permission, target: Any | None = None) -> bool:
    """Whether ``actor`` (an account row, the operator, or None for nobody signed in) may take
    ``permission``'s action, on ``target`` (an account row) where it acts on an account."""
    if actor is None or permission not in GRANTS.get(actor.role, frozenset()):
        return False
    if permission in ON_ACCOUNTS and target is not None and actor is not OPERATOR:
        if target.id == actor.id:
            return False
        if is_staff(target) and actor.role != "admin":
            return False
    return True


def require(actor: Any | None, permission: Permission, target: Any | None = None, *,
            key: str = "forbidden") -> None:
    """Raise :class:`~plaza.errors.Forbidden` (with message ``key``) unless :func:`may`."""
    if not may(actor, permission, target):
        raise Forbidden(key)


#: Department types (部门类型) whose verified government accounts issue official warnings (预警发布)
#: for their own region: meteorology, emergency management, flood control, earthquake, fire.
WARNING_DEPARTMENTS = frozenset({"meteorology", "emergency_management", "flood_control", "earthquake",
                                 "fire_rescue"})


def covers(region_code: str, code: str) -> bool:
    """Whether the division ``region_code`` contains ``code`` (itself included): a province its
    cities and counties, a city its counties; :data:`~plaza.accounts.kinds.NATIONAL_REGION` all."""
    if region_code == NATIONAL_REGION:
        return True
    if region_code.endswith("0000"):
        return code[:2] == region_code[:2]
    if region_code.endswith("00"):
        return code[:4] == region_code[:4]
    return code == region_code


def may_warn(actor: Any | None, region_codes: Iterable[str]) -> bool:
    """Whether ``actor`` may issue (update, cancel) an official warning for these areas: whoever
    holds :attr:`Permission.ISSUE_WARNINGS` anywhere; a verified government account of a warning
    department (:data:`WARNING_DEPARTMENTS`) inside its own region — a national one anywhere."""
    if may(actor, Permission.ISSUE_WARNINGS):
        return True
    if actor is None or getattr(actor, "kind", None) != "government" or actor.verified_at is None:
        return False
    if actor.department_type not in WARNING_DEPARTMENTS or actor.suspended:
        return False
    region = actor.region_code or ""
    if actor.level == "national":
        region = NATIONAL_REGION
    codes = list(region_codes)
    return bool(codes) and bool(region) and all(covers(region, code) for code in codes)


def may_issue_any_warning(actor: Any | None) -> bool:
    """Whether ``actor`` may issue warnings at all (somewhere): shows the web form."""
    if may(actor, Permission.ISSUE_WARNINGS):
        return True
    return (actor is not None and getattr(actor, "kind", None) == "government" and actor.verified_at is not None
            and actor.department_type in WARNING_DEPARTMENTS and not actor.suspended)
