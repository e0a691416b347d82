"""The events hot search counts, and what each one adds to a topic's counters and heat.

| kind       | what happened                                      | counters                  |
|------------|----------------------------------------------------|---------------------------|
| `read`     | a topic page view, or a timeline showed a post     | 阅读量 reads              |
|            | carrying the topic                                 |                           |
| `search`   | someone searched the keyword                       | searches                  |
| `click`    | a search result for the keyword was opened         | clicks                    |
| `original` | an original post carries the topic                 | 原创量 originals, 讨论量   |
| `repost`   | a repost carries the topic                         | 讨论量 discussions, 互动量 |
| `reply`    | a reply to a post carrying the topic               | 互动量 interactions        |
| `like`     | a like of a post carrying the topic                | 互动量 interactions        |

Reads also count per post (阅读数 of one post: each time a timeline shows it, a repost's display
counting for its original) for the first ``POST_READS_DAYS`` days of the post's life, which is
as long as they are kept.

Everything except reads also feeds a *participation* class of the heat formula (search,
discussion or interaction, see ``plaza.hot.heat``); originals and reposts are the ``uses`` of
the per-day history (Mastodon's ``Tag.history``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ACTIVITY_KINDS",
    "DAY_OFFSET_SECONDS",
    "DISCUSSION",
    "EFFECTS",
    "INTERACTION",
    "PARTICIPANT_KINDS",
    "POST_READS_DAYS",
    "SEARCH",
    "USE_KINDS",
    "Event",
    "EventKind",
    "day_start",
]


class EventKind(StrEnum):
    READ = "read"
    SEARCH = "search"
    CLICK = "click"
    ORIGINAL = "original"
    REPOST = "repost"
    REPLY = "reply"
    LIKE = "like"


#: Participation classes of the heat formula.
SEARCH = 0
DISCUSSION = 1
INTERACTION = 2

#: kind → ((participation class, units one event adds to the account's count), ...)
EFFECTS: dict[str, tuple[tuple[int, float], ...]] = {
    EventKind.SEARCH: ((SEARCH, 1.0),),
    EventKind.CLICK: ((SEARCH, 1.0),),
    EventKind.ORIGINAL: ((DISCUSSION, 1.0),),
    EventKind.REPOST: ((DISCUSSION, 1.0), (INTERACTION, 1.0)),
    EventKind.REPLY: ((INTERACTION, 1.0),),
    EventKind.LIKE: ((INTERACTION, 0.5),),
}
#: Every kind except reads: they go through the per-account path.
ACTIVITY_KINDS = frozenset(EFFECTS)
#: Kinds whose account is a topic participant (参与者).
PARTICIPANT_KINDS = frozenset(
    {EventKind.ORIGINAL, EventKind.REPOST, EventKind.REPLY, EventKind.LIKE}
)
#: Kinds counted as ``uses`` in the per-day history.
USE_KINDS = frozenset({EventKind.ORIGINAL, EventKind.REPOST})

#: Days of its life during which a post's reads are counted and kept (its id tells its age).
POST_READS_DAYS = 30

#: History days are Beijing days (UTC+8, no daylight saving): a day starts at 00:00 CST.
DAY_OFFSET_SECONDS = 8 * 3600


def day_start(at: float, offset: int = DAY_OFFSET_SECONDS) -> int:
    """The UNIX time at which the (UTC+offset) day holding ``at`` began."""
    return int((at + offset) // 86400 * 86400 - offset)


@dataclass(frozen=True, slots=True)
class Event:
    """One counted event, in full (the recorder's fast methods take the same facts unboxed).

    ``topic`` is the topic key (``plaza.square.text.topic_key``) or a searched keyword; ``city`` is
    the 6-digit code of the prefecture-level city the activity belongs to (the post's city, else
    the author's home city) or None; ``trust`` is the account's weight from
    ``plaza.hot.trust.trust_weight`` (None: anonymous).
    """

    kind: EventKind
    topic: str
    account_id: int | None
    city: str | None
    at: float
    trust: float | None = None
