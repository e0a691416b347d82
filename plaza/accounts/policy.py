"""Who may do what (角色与权限): the one place that says which role may take which action.

Plaza has three roles: ``user`` (everyone), ``moderator`` (管理员 who look after the square) and
``admin`` (the instance's administrators). Whoever runs the ``plaza`` command line on the server
is the :data:`OPERATOR`, who may do what an administrator may. Capabilities and interfaces ask
:func:`may` / :func:`require` instead of comparing role names themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
