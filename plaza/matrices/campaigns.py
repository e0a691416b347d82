"""Matrix campaigns (矩阵联动): a topic bound to a matrix for a period, and what it brought.

Nothing about a campaign's progress is stored: it is read from the square when asked. A member
*joined* when it posted an original carrying the topic, or reposted a post carrying it, within
the period (followers-only and direct posts and replies do not count). The square links reposts
to their original's topics in ``status_topics``, and post ids are time-ordered, so one range scan
of that table's key (topic, post id) finds every post of the period. Reads and discussions come
from hot search (``HotService.topic``), the peak rank from its heat curve over the period, and
each member post's reads from ``HotService.post_reads``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from plaza.clock import as_utc, utcnow
from plaza.errors import Invalid, NotFound
from plaza.matrices import matrices as matrices_service
from plaza.matrices.matrices import matrix_in, member_ids_query, require_manager
from plaza.square.text import topic_key
from plaza.storage.db import Database
from plaza.storage.ids import id_at, new_id
from plaza.storage.schema import (
    favourites,
    matrix_campaigns,
    status_topics,
    statuses,
    topics,
)

if TYPE_CHECKING:
    from plaza.hot.service import HotService

#: Longest period of one campaign.
MAX_DAYS = 366
#: Member posts listed in a campaign's propagation table (most reposted first).
PROPAGATION_LIMIT = 100
#: Characters of a member post's text shown in the propagation table.
EXCERPT_CHARS = 60
#: Ids are made from the clock a moment apart from ``created_at``: the id range is widened by
#: this much and ``created_at`` decides.
_ID_SLACK_MS = 5_000
STATES = ("upcoming", "running", "ended")


@dataclass(frozen=True)
class CampaignSpec:
    """What a person asks for when starting a campaign."""

    topic: str
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Participation:
    """One member's part in a campaign: when it first joined, with which post and how, and how
    many originals and reposts carrying the topic it made in the period."""

    account_id: int
    first_at: datetime
    first_status_id: int
    first_kind: str  # original / repost
    originals: int
    reposts: int


@dataclass(frozen=True, slots=True)
class PostReach:
    """Linked propagation (联动传播) of one member's original post in the topic: its reposts
    (all, by distinct accounts, and by other members of the matrix), replies, likes and reads."""

    status_id: int
    account_id: int
    created_at: datetime
    excerpt: str
    reposts: int
    reposters: int
    member_reposts: int
    replies: int
    likes: int
    reads: int


@dataclass(frozen=True)
class CampaignReport:
    """A campaign with everything it brought."""

    campaign: Row[Any]
    matrix: Row[Any]
    state: str
    members: int
    joined: tuple[Participation, ...]
    reads: int
    discussions: int
    peak_rank: int | None
    peak_heat: int | None
    peak_at: float | None
    propagation: tuple[PostReach, ...]

    @property
    def coverage(self) -> float:
        """Share of the members that joined (0–1)."""
        return len(self.joined) / self.members if self.members else 0.0


# --- rules ------------------------------------------------------------------------------------

def clean_topic(name: str) -> tuple[str, str]:
    """(display name, key) of a topic as a person writes it: ``#一起守护这座城#`` or without marks."""
    display = unicodedata.normalize("NFC", (name or "").strip().strip("#").strip())
    key = topic_key(display)
    if not key or len(display) > 100 or any(c in "#@" or unicodedata.category(c)[0] == "C" for c in display):
        raise Invalid("campaign_topic_invalid")
    return display, key


#: A time written without an offset is read as China Standard Time, the time of the square.
CHINA_TIME = timezone(timedelta(hours=8))


def parse_time(value: str | None, name: str = "time") -> datetime:
    """An ISO 8601 time (``2022-08-21T20:00:00+08:00``, ``…Z``, ``2022-08-21 20:00``, or a date,
    meaning its midnight); without an offset it is China Standard Time."""
    text = (value or "").strip()
    if not text:
        raise Invalid("parameter_missing", name=name)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise Invalid("campaign_time_invalid", value=text[:40]) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TIME)
    return moment.astimezone(UTC)


def validate_period(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
    if ends_at <= starts_at:
        raise Invalid("campaign_period_invalid")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise Invalid("campaign_period_too_long", days=MAX_DAYS)
    return starts_at, ends_at


def state_of(campaign: Row[Any], now: datetime | None = None) -> str:
    """``upcoming``, ``running`` or ``ended``."""
    now = now or utcnow()
    if now < as_utc(campaign.starts_at):
        return "upcoming"
    return "running" if now < as_utc(campaign.ends_at) else "ended"


# --- campaigns --------------------------------------------------------------------------------

def create(db: Database, actor: Row[Any] | None, matrix_id: int, spec: CampaignSpec, *,
           now: datetime | None = None) -> Row[Any]:
    """Start a campaign of a matrix (its managers; ``actor`` None is the operator)."""
    display, key = clean_topic(spec.topic)
    title = unicodedata.normalize("NFC", (spec.title or "").strip()) or f"#{display}#"
    if len(title) > 100 or any(unicodedata.category(c)[0] == "C" for c in title):
        raise Invalid("campaign_title_invalid")
    description = (spec.description or "").strip()
    if len(description) > 500:
        raise Invalid("text_too_long", limit=500, length=len(description))
    starts_at, ends_at = validate_period(spec.starts_at, spec.ends_at)
    campaign_id = new_id()
    with db.write() as conn:
        matrix = matrix_in(conn, matrix_id)
        require_manager(actor, matrix)
        stored = conn.execute(select(topics.c.name).where(topics.c.key == key)).first()
        conn.execute(insert(matrix_campaigns).values(
            id=campaign_id, matrix_id=matrix_id, topic_key=key, topic_name=stored.name if stored else display,
            title=title, description=description, starts_at=starts_at, ends_at=ends_at, ended_early_at=None,
            created_by=actor.id if actor is not None else None, created_at=now or utcnow()))
        return conn.execute(select(matrix_campaigns).where(matrix_campaigns.c.id == campaign_id)).one()


def get(db: Database, campaign_id: int) -> Row[Any]:
    with db.read() as conn:
        row = conn.execute(select(matrix_campaigns).where(matrix_campaigns.c.id == campaign_id)).first()
    if row is None:
        raise NotFound("campaign_not_found")
    return row


def list_for(db: Database, matrix_id: int) -> list[Row[Any]]:
    """A matrix's campaigns, newest first."""
    with db.read() as conn:
        return list(conn.execute(select(matrix_campaigns).where(matrix_campaigns.c.matrix_id == matrix_id)
                                 .order_by(matrix_campaigns.c.id.desc())))


def _campaign_in(conn: Connection, campaign_id: int) -> tuple[Row[Any], Row[Any]]:
    campaign = conn.execute(select(matrix_campaigns).where(matrix_campaigns.c.id == campaign_id)).first()
    if campaign is None:
        raise NotFound("campaign_not_found")
    return campaign, matrix_in(conn, campaign.matrix_id)


def end(db: Database, actor: Row[Any] | None, campaign_id: int, *, now: datetime | None = None) -> Row[Any]:
    """End a running campaign now (an ended one stays as it is; one not started yet is deleted
    instead)."""
    now = now or utcnow()
    with db.write() as conn:
        campaign, matrix = _campaign_in(conn, campaign_id)
        require_manager(actor, matrix)
        state = state_of(campaign, now)
        if state == "upcoming":
            raise Invalid("campaign_not_started")
        if state == "running":
            conn.execute(update(matrix_campaigns).where(matrix_campaigns.c.id == campaign_id)
                         .values(ends_at=now, ended_early_at=now))
        return conn.execute(select(matrix_campaigns).where(matrix_campaigns.c.id == campaign_id)).one()


def delete_campaign(db: Database, actor: Row[Any] | None, campaign_id: int) -> None:
    with db.write() as conn:
        _campaign, matrix = _campaign_in(conn, campaign_id)
        require_manager(actor, matrix)
        conn.execute(delete(matrix_campaigns).where(matrix_campaigns.c.id == campaign_id))


# --- tracking ---------------------------------------------------------------------------------

def _ms(moment: datetime) -> int:
    return int(as_utc(moment).timestamp() * 1000)


def _period_posts(conn: Connection, campaign: Row[Any], topic_id: int) -> Any:
    """Member posts and reposts carrying the topic within the period: (account, id, time, repost)."""
    start, finish = as_utc(campaign.starts_at), as_utc(campaign.ends_at)
    stmt = (select(statuses.c.account_id, statuses.c.id, statuses.c.created_at, statuses.c.reblog_of_id,
                   func.substr(statuses.c.text, 1, EXCERPT_CHARS).label("excerpt"))
            .select_from(status_topics.join(statuses, statuses.c.id == status_topics.c.status_id))
            .where(status_topics.c.topic_id == topic_id,
                   status_topics.c.status_id >= id_at(max(0, _ms(start) - _ID_SLACK_MS)),
                   status_topics.c.status_id < id_at(_ms(finish) + _ID_SLACK_MS),
                   status_topics.c.public.is_(True),
                   statuses.c.in_reply_to_id.is_(None),
                   statuses.c.created_at >= start, statuses.c.created_at < finish,
                   statuses.c.account_id.in_(member_ids_query(campaign.matrix_id)))
            .order_by(statuses.c.id))
    return conn.execute(stmt).all()


def _topic_id(conn: Connection, key: str) -> int | None:
    row = conn.execute(select(topics.c.id).where(topics.c.key == key)).first()
    return int(row.id) if row is not None else None


def participation(db: Database, campaign: Row[Any]) -> list[Participation]:
    """Members who joined, in the order they joined."""
    with db.read() as conn:
        topic_id = _topic_id(conn, campaign.topic_key)
        rows = _period_posts(conn, campaign, topic_id) if topic_id is not None else []
    return _participation(rows)


def _participation(rows: Any) -> list[Participation]:
    first: dict[int, Any] = {}
    originals: dict[int, int] = {}
    reposts: dict[int, int] = {}
    for row in rows:  # oldest first
        first.setdefault(row.account_id, row)
        tally = reposts if row.reblog_of_id is not None else originals
        tally[row.account_id] = tally.get(row.account_id, 0) + 1
    return [Participation(account_id, as_utc(row.created_at), int(row.id),
                          "repost" if row.reblog_of_id is not None else "original",
                          originals.get(account_id, 0), reposts.get(account_id, 0))
            for account_id, row in first.items()]


def _counts(conn: Connection, stmt: Any) -> dict[int, int]:
    return {int(key): int(count) for key, count in conn.execute(stmt)}


def _reach(conn: Connection, campaign: Row[Any], originals: list[Any]) -> list[PostReach]:
    """Reposts, replies and likes of the member originals (all of them, not only those made in
    the period: what a post brings goes on after the campaign ends)."""
    ids = [int(r.id) for r in originals]
    members = member_ids_query(campaign.matrix_id)
    reblog_of, reply_to = statuses.c.reblog_of_id, statuses.c.in_reply_to_id
    reposts: dict[int, int] = {}
    reposters: dict[int, int] = {}
    member_reposts: dict[int, int] = {}
    replies: dict[int, int] = {}
    likes: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for key, count, distinct in conn.execute(
                select(reblog_of, func.count(), func.count(statuses.c.account_id.distinct()))
                .where(reblog_of.in_(chunk)).group_by(reblog_of)):
            reposts[int(key)], reposters[int(key)] = int(count), int(distinct)
        member_reposts.update(_counts(conn, select(reblog_of, func.count()).where(
            reblog_of.in_(chunk), statuses.c.account_id.in_(members)).group_by(reblog_of)))
        replies.update(_counts(conn, select(reply_to, func.count()).where(reply_to.in_(chunk))
                               .group_by(reply_to)))
        likes.update(_counts(conn, select(favourites.c.status_id, func.count())
                             .where(favourites.c.status_id.in_(chunk)).group_by(favourites.c.status_id)))
    return [PostReach(i, int(row.account_id), as_utc(row.created_at), row.excerpt or "", reposts.get(i, 0),
                      reposters.get(i, 0), member_reposts.get(i, 0), replies.get(i, 0), likes.get(i, 0), 0)
            for i, row in zip(ids, originals, strict=True)]


def report(db: Database, hot: HotService, campaign_id: int, *, now: datetime | None = None) -> CampaignReport:
    """Everything a campaign brought: who joined and when, coverage, reads and discussions, the
    best rank on the national hot list during the period, and each member post's reach."""
    campaign = get(db, campaign_id)
    matrix = matrices_service.get(db, campaign.matrix_id)
    with db.read() as conn:
        topic_id = _topic_id(conn, campaign.topic_key)
        rows = _period_posts(conn, campaign, topic_id) if topic_id is not None else []
        originals = [r for r in rows if r.reblog_of_id is None]
        reach = _reach(conn, campaign, originals)
        members = matrices_service.counts(conn, [matrix.id])[matrix.id]
    reads_by_post = hot.post_reads([p.status_id for p in reach]) if reach else {}
    reach = [replace(p, reads=reads_by_post.get(p.status_id, 0)) for p in reach]
    reach.sort(key=lambda p: (-p.reposts, -p.reads, -p.likes, p.status_id))
    topic = hot.topic(campaign.topic_name)
    points = hot.curve(campaign.topic_name, since=as_utc(campaign.starts_at).timestamp(),
                       until=as_utc(campaign.ends_at).timestamp())
    listed = [p for p in points if p.rank is not None]
    peak = min(listed, key=lambda p: (p.rank, -p.heat)) if listed else None
    return CampaignReport(
        campaign=campaign, matrix=matrix, state=state_of(campaign, now), members=members,
        joined=tuple(_participation(rows)), reads=topic.reads, discussions=topic.discussions,
        peak_rank=peak.rank if peak else None, peak_heat=peak.heat if peak else None,
        peak_at=peak.at if peak else None, propagation=tuple(reach[:PROPAGATION_LIMIT]))
