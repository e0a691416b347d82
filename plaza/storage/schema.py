"""The tables of every capability, in one metadata so Alembic sees the whole database.

Ids are 64-bit time-ordered integers (:mod:`plaza.storage.ids`); times are UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite's INTEGER is 64-bit and the rowid

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("username", String(30), nullable=False),
    Column("username_key", String(30), nullable=False, unique=True),
    Column("display_name", String(30), nullable=False),
    Column("display_name_key", String(60), nullable=False, unique=True),
    Column("kind", String(16), nullable=False, default="citizen"),
    Column("note", Text, nullable=False, default=""),
    Column("home_city", String(6), nullable=False),
    Column("locale", String(10), nullable=False, default="zh-CN"),
    Column("email", String(254), nullable=True, unique=True),
    Column("password_hash", String(255), nullable=True),
    Column("role", String(16), nullable=False, default="user"),
    Column("approved", Boolean, nullable=False, default=True),
    Column("suspended", Boolean, nullable=False, default=False),
    Column("bot", Boolean, nullable=False, default=False),
    Column("avatar", String(255), nullable=True),
    Column("header", String(255), nullable=True),
    # Government accounts (政务号): the verified agency and its place in the matrix tree.
    Column("agency", String(100), nullable=True),
    Column("region_code", String(6), nullable=True),
    Column("level", String(16), nullable=True),
    Column("department_type", String(32), nullable=True),
    Column("parent_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("verified_at", DateTime(timezone=True), nullable=True),
    Column("organisation_type", String(32), nullable=True),
    Column("followers_count", Integer, nullable=False, default=0),
    Column("following_count", Integer, nullable=False, default=0),
    Column("statuses_count", Integer, nullable=False, default=0),
    Column("last_status_at", DateTime(timezone=True), nullable=True),
    # Accounts with very many followers are not fanned out on write; followers pull their posts
    # when they read their home timeline (see plaza.square.feeds). Sticky once set.
    Column("pull_feed", Boolean, nullable=False, default=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "home_city"),
    Index(None, "parent_id"),
    Index(None, "kind", "region_code"),
    Index("ix_accounts_pull_feed", "id", sqlite_where=text("pull_feed"), postgresql_where=text("pull_feed")),
    # Suspended accounts are few; read paths leave out their posts (``account_id NOT IN …``).
    Index("ix_accounts_suspended", "id", sqlite_where=text("suspended"), postgresql_where=text("suspended")),
)

oauth_apps = Table(
    "oauth_apps",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("website", String(255), nullable=True),
    Column("redirect_uris", Text, nullable=False),
    Column("scopes", String(255), nullable=False),
    Column("client_id", String(64), nullable=False, unique=True),
    # The secret is shown once at registration and kept only as a hash.
    Column("client_secret_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("app_id", ID, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("scopes", String(255), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("code_challenge", String(128), nullable=True),
    Column("code_challenge_method", String(10), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # A used code is kept (until a day after it expires) so that a replay can revoke the token
    # its first use gave (RFC 6749 4.1.2).
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("token_id", ID, nullable=True),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("app_id", ID, ForeignKey("oauth_apps.id", ondelete="CASCADE"), nullable=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True),
    Column("scopes", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index(None, "account_id"),
)

#: Web sessions (登录会话): what a browser's cookie points at. Separate from ``access_tokens`` so
#: a session secret is never a bearer token; kept after sign-out (``ended_at``) as a history.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_agent", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Index(None, "account_id"),
)

statuses = Table(
    "statuses",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("spoiler_text", String(255), nullable=False, default=""),
    Column("sensitive", Boolean, nullable=False, default=False),
    Column("visibility", String(10), nullable=False),
    Column("language", String(10), nullable=True),
    Column("in_reply_to_id", ID, nullable=True),
    Column("in_reply_to_account_id", ID, nullable=True),
    Column("reblog_of_id", ID, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=True),
    Column("city", String(6), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("replies_count", Integer, nullable=False, default=0),
    Column("reblogs_count", Integer, nullable=False, default=0),
    Column("favourites_count", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("edited_at", DateTime(timezone=True), nullable=True),
    Index(None, "account_id", "id"),
    Index(None, "in_reply_to_id"),
    # One repost per account per post (migration 0014): concurrent reposts insert ON CONFLICT.
    Index(None, "reblog_of_id", "account_id", unique=True,
          sqlite_where=text("reblog_of_id IS NOT NULL"), postgresql_where=text("reblog_of_id IS NOT NULL")),
    Index(None, "city", "id"),
    Index(None, "visibility", "id"),
)

topics = Table(
    "topics",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: A post's topics. ``public``: the post is listed under the topic (on its timeline, page and hot
#: search): a public post, or a public repost of a public post, of an account not suspended —
#: never an unlisted, followers-only or direct one (plaza.square.visibility; a suspension
#: changes its account's rows, plaza.square.topics.relist_posts_of).
status_topics = Table(
    "status_topics",
    metadata,
    Column("topic_id", ID, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True),
    Column("public", Boolean, nullable=False),
    Index(None, "status_id"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Index(None, "account_id", "status_id"),
)

favourites = Table(
    "favourites",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "status_id"),
    Index(None, "status_id"),
)

follows = Table(
    "follows",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("target_account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "target_account_id"),
    Index(None, "target_account_id", "id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("from_account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(20), nullable=False),
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "account_id", "id"),
)

media_attachments = Table(
    "media_attachments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="SET NULL"), nullable=True),
    Column("type", String(10), nullable=False),
    #: "status" (an image of a post), "avatar" or "header" (a profile's pictures, public)
    Column("purpose", String(10), nullable=False, server_default="status"),
    Column("content_type", String(40), nullable=False),
    #: an unguessable random name (the file's capability); rows before migration 0010 keep "<id>.<ext>"
    Column("file_name", String(255), nullable=False),
    Column("file_size", Integer, nullable=False),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    #: the timelines' smaller copy (Mastodon's "small"), also unguessable; none for old rows
    Column("thumbnail_file_name", String(255), nullable=True),
    Column("thumbnail_width", Integer, nullable=True),
    Column("thumbnail_height", Integer, nullable=True),
    Column("description", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    #: set when its post is deleted or its upload expired: no longer served, files removed next
    Column("discarded_at", DateTime(timezone=True), nullable=True),
    Index(None, "status_id"),
    Index(None, "account_id"),
    Index(None, "file_name", unique=True),
    Index(None, "thumbnail_file_name"),
    Index(None, "discarded_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("status_id", ID, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: Segmented text for full-text search (jieba tokens joined by spaces, see plaza.square.search);
#: indexed by migration 0002: the FTS5 table ``search_fts`` (kept in sync by triggers) on SQLite;
#: on PostgreSQL a generated column ``lexemes`` (the tokens as a tsvector) with a GIN index. That
#: column exists on PostgreSQL only, so it is deliberately not declared here; never write to it.
search_documents = Table(
    "search_documents",
    metadata,
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True),
    Column("tokens", Text, nullable=False),
)

#: Materialised home timelines (fan-out on write): one row per post per follower, written in the
#: post's own transaction, so a post is in its followers' home timelines once the create returns.
#: Lean on purpose (migration 0005): no foreign keys and no second index, clustered on its key on
#: SQLite; a deleted post's rows are removed by key (plaza.square.feeds.on_delete), and a row
#: whose post is gone is skipped when read.
home_feed = Table(
    "home_feed",
    metadata,
    Column("account_id", ID, primary_key=True),
    Column("status_id", ID, primary_key=True),
    sqlite_with_rowid=False,
)

# --- Topic hosts (话题主持人) and topic descriptions (导语) — plaza.square.topics, migration 0008 ---

#: Accounts appointed by an administrator or moderator to look after a topic (主持人), at most a
#: few per topic; removing a host deletes the row.
topic_hosts = Table(
    "topic_hosts",
    metadata,
    Column("topic_id", ID, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("appointed_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "account_id"),
)

#: A topic's description (导语): plain text a host or a staff member wrote, shown on its page.
topic_descriptions = Table(
    "topic_descriptions",
    metadata,
    Column("topic_id", ID, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("description", Text, nullable=False),
    Column("updated_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# --- Government matrices (政务矩阵) and matrix campaigns (矩阵联动): plaza/matrices -------------

#: A named group of government accounts. ``kind`` says how its members are chosen: ``region``
#: (every government account within ``region_code``), ``department`` (of ``department_type``,
#: within ``region_code`` when set), ``tree`` (``root_id`` and its descendants by ``parent_id``)
#: or ``manual`` (by hand only). Derived kinds are re-synced from their rule.
matrices = Table(
    "matrices",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("name", String(60), nullable=False),
    Column("name_key", String(120), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("kind", String(16), nullable=False),
    Column("region_code", String(6), nullable=True),
    Column("department_type", String(32), nullable=True),
    Column("root_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("owner_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("created_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("synced_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "owner_id"),
)

#: Members of a matrix: ``source`` is ``rule`` (brought by the matrix's rule) or ``hand`` (added by
#: hand). A removed member keeps its row with ``removed_at`` set, so a re-sync does not bring back
#: an account someone took out; only rows without ``removed_at`` are members.
matrix_members = Table(
    "matrix_members",
    metadata,
    Column("matrix_id", ID, ForeignKey("matrices.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(8), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=True),
    Index(None, "account_id"),
)

#: A campaign (矩阵联动): a topic (by key, as ``plaza.square.text.topic_key`` makes it, and the name
#: it is shown under) bound to a matrix from ``starts_at`` to ``ends_at``. Who joined and what it
#: brought is read from the square's posts (``status_topics`` by topic and id range), not stored.
matrix_campaigns = Table(
    "matrix_campaigns",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("matrix_id", ID, ForeignKey("matrices.id", ondelete="CASCADE"), nullable=False),
    Column("topic_key", String(200), nullable=False),
    Column("topic_name", String(100), nullable=False),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("ended_early_at", DateTime(timezone=True), nullable=True),
    Column("created_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "matrix_id", "id"),
    Index(None, "topic_key"),
)

# --- hot search history (热搜历史, issue 3): plaza.hot.history --------------------------------
# Times here are UNIX seconds (Float), as hot search counts them: curves and records do arithmetic
# on them in the same way on SQLite and PostgreSQL.

#: The lists refreshes published, stored when they changed (``list_key``: "national" or a city
#: code); ``entries`` is compact JSON, ``[["topic key", heat], …]`` in rank order.
hot_lists = Table(
    "hot_lists",
    metadata,
    Column("list_key", String(8), primary_key=True),
    Column("refreshed_at", Float, primary_key=True),
    Column("entries", Text, nullable=False),
    Index(None, "refreshed_at"),
)

#: The newest stored list of each list (what the next refresh compares with).
hot_list_heads = Table(
    "hot_list_heads",
    metadata,
    Column("list_key", String(8), primary_key=True),
    Column("refreshed_at", Float, nullable=False),
)

#: A topic's long-term figures on one list, kept after its stored lists are pruned.
hot_topic_records = Table(
    "hot_topic_records",
    metadata,
    Column("topic", String(200), primary_key=True),
    Column("list_key", String(8), primary_key=True),
    Column("first_onboard_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("seconds_on_list", Float, nullable=False),
    Column("peak_rank", Integer, nullable=False),
    Column("peak_heat", BigInteger, nullable=False),
    Column("peak_at", Float, nullable=False),
    Column("half_life_seconds", Float, nullable=True),
    # records still waiting for their half-life, looked up when a full list sits low enough
    Index("ix_hot_topic_records_waiting", "list_key", "peak_heat",
          sqlite_where=text("half_life_seconds IS NULL"),
          postgresql_where=text("half_life_seconds IS NULL")),
)

#: Administrators' actions on hot search (pin, block, review, refresh …), never rewritten.
hot_admin_actions = Table(
    "hot_admin_actions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(20), nullable=False),
    Column("topic", String(200), nullable=True),
    Column("city", String(6), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Index(None, "account_id"),
)

#: Where each subject of a workflow is (plaza.workflow): its state and version, one row per
#: subject, moved only by a compare-and-swap on ``version``.
workflow_subjects = Table(
    "workflow_subjects",
    metadata,
    Column("workflow", String(32), primary_key=True),
    Column("subject_id", ID, primary_key=True, autoincrement=False),
    Column("state", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "workflow", "state"),
)

#: Every step ever taken, only ever appended to: a subject's history, seq 1 being its start.
workflow_events = Table(
    "workflow_events",
    metadata,
    Column("workflow", String(32), primary_key=True),
    Column("subject_id", ID, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("action", String(32), nullable=False),
    Column("from_state", String(32), nullable=True),
    Column("to_state", String(32), nullable=False),
    Column("actor_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("agency_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("role", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("data", Text, nullable=False, default="{}"),
)

#: The time limits of each subject: started by one step, stopped by another (or the end).
workflow_timers = Table(
    "workflow_timers",
    metadata,
    Column("workflow", String(32), primary_key=True),
    Column("subject_id", ID, primary_key=True, autoincrement=False),
    Column("name", String(32), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("stopped_at", DateTime(timezone=True), nullable=True),
    #: when the overdue sweep found it run out (once: the sweep is idempotent)
    Column("overdue_at", DateTime(timezone=True), nullable=True),
    Index("ix_workflow_timers_running", "workflow", "due_at",
          sqlite_where=text("stopped_at IS NULL"), postgresql_where=text("stopped_at IS NULL")),
)


# --- the city service desk (城市服务台, plaza.desk) -------------------------------------------------

#: People who act for an agency (经办人): a personal account with a role on a government account,
#: so every step a department takes names who took it.
agency_operators = Table(
    "agency_operators",
    metadata,
    Column("agency_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    #: "operator" (经办) or "manager" (负责人: may also appoint operators)
    Column("role", String(16), nullable=False, default="operator"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "account_id"),
)

#: A service desk: a government account's (the city's or a county's) public service column.
desks = Table(
    "desks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("region_code", String(6), nullable=False),
    #: the column topic (栏目话题) whose posts open cases, without the #s: 马上办
    Column("topic", String(40), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: The departments a desk forwards to (government accounts of its region).
desk_departments = Table(
    "desk_departments",
    metadata,
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)

#: The dispatch catalogue (派单目录) of a desk: three levels, a leaf is a service (Open311).
desk_categories = Table(
    "desk_categories",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", ID, ForeignKey("desk_categories.id", ondelete="CASCADE"), nullable=True),
    Column("level", Integer, nullable=False),
    Column("name", String(40), nullable=False),
    #: the names from the top joined by "/": 城乡建设/安全生产/安全隐患
    Column("path", String(200), nullable=False),
    #: the Open311 service_code
    Column("code", String(16), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("active", Boolean, nullable=False, default=True),
    UniqueConstraint("desk_id", "path"),
    UniqueConstraint("desk_id", "code"),
    Index(None, "parent_id"),
)

#: Who is responsible (牵头 and 协办) for a category (and everything under it) in a county ("" for
#: the desk's whole region); the most specific rule wins.
desk_rules = Table(
    "desk_rules",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), nullable=False),
    Column("category_id", ID, ForeignKey("desk_categories.id", ondelete="CASCADE"), nullable=False),
    Column("county_code", String(6), nullable=False, default=""),
    Column("lead_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    #: co-handlers' account ids, comma-separated
    Column("co_handler_ids", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("desk_id", "category_id", "county_code"),
)

#: Time limits of a desk per category (and everything under it) and urgency; without a row, the
#: defaults of plaza.desk.limits.
desk_limits = Table(
    "desk_limits",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), nullable=False),
    Column("category_id", ID, ForeignKey("desk_categories.id", ondelete="CASCADE"), nullable=True),
    Column("urgency", String(10), nullable=False),
    #: "2h" (clock hours) or "5d" (working days)
    Column("acknowledge", String(8), nullable=False),
    Column("resolve", String(8), nullable=False),
    Index(None, "desk_id", "category_id"),
)

#: A case still being handled (the partial indexes of the queue; plaza.desk.cases says the same).
OPEN_CASE = "state NOT IN ('closed', 'rejected')"
#: What intake compares an open case nearby by (plaza.desk.cases.nearest).
NEARBY_COLUMNS = ("state", "category_id", "lat", "lon", "signature")
#: A case a department must still answer by its deadline.
DUE_CASE = "resolve_by IS NOT NULL AND replied_at IS NULL"

#: A citizen's case (诉求工单). The workflow (plaza.desk.workflow) holds its state and history;
#: this row keeps what the queue, the board and the metrics read, kept in step by every move.
cases = Table(
    "cases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), nullable=False),
    Column("citizen_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    #: "post", "web", "open311" or "api"
    Column("source", String(8), nullable=False),
    Column("source_status_id", ID, ForeignKey("statuses.id", ondelete="SET NULL"), nullable=True),
    Column("open311_key_id", ID, nullable=True),
    #: a token an Open311 client follows the request by before it has an id (GET tokens/{token})
    Column("token", String(40), nullable=True, unique=True),
    Column("category_id", ID, ForeignKey("desk_categories.id", ondelete="SET NULL"), nullable=True),
    Column("urgency", String(10), nullable=False, default="ordinary"),
    Column("title", String(120), nullable=False, default=""),
    #: as written (personal data included: staff and the citizen only) and as the public reads it
    Column("text", Text, nullable=False),
    Column("public_text", Text, nullable=False),
    Column("address", String(200), nullable=False, default=""),
    Column("public_address", String(200), nullable=False, default=""),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("county_code", String(6), nullable=True),
    Column("city_code", String(6), nullable=True),
    #: the citizen's name hidden from the public (匿名)
    Column("anonymous", Boolean, nullable=False, default=False),
    Column("contact_name", String(60), nullable=False, default=""),
    Column("contact_phone", String(30), nullable=False, default=""),
    Column("contact_email", String(254), nullable=False, default=""),
    Column("media_ids", Text, nullable=False, default=""),
    Column("state", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("department_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("co_handler_ids", Text, nullable=False, default=""),
    Column("duplicate_of", ID, nullable=True),
    Column("rework_count", Integer, nullable=False, default=0),
    Column("return_count", Integer, nullable=False, default=0),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("escalated", Boolean, nullable=False, default=False),
    Column("overdue", Boolean, nullable=False, default=False),
    #: working days a department asked to add (延期), until the desk answers
    Column("extension_days", Integer, nullable=True),
    Column("reject_reason", String(24), nullable=True),
    Column("result", String(12), nullable=True),
    Column("reply_text", Text, nullable=True),
    Column("reply_status_id", ID, nullable=True),
    Column("satisfaction", String(24), nullable=True),
    Column("fixed", Boolean, nullable=True),
    Column("accepted_at", DateTime(timezone=True), nullable=True),
    Column("forwarded_at", DateTime(timezone=True), nullable=True),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("replied_at", DateTime(timezone=True), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("acknowledge_by", DateTime(timezone=True), nullable=True),
    Column("resolve_by", DateTime(timezone=True), nullable=True),
    #: working hours from forwarding to acknowledging and to the reply, for the metrics
    Column("acknowledge_hours", Float, nullable=True),
    Column("reply_hours", Float, nullable=True),
    Column("acknowledged_on_time", Boolean, nullable=True),
    Column("replied_on_time", Boolean, nullable=True),
    #: the text's near-duplicate signature (plaza.similarity), hex
    Column("signature", Text, nullable=False, default=""),
    #: what intake found: the router's proposals (JSON: category, department, confidence, best
    #: first) and the most similar open case with its score
    Column("proposals", Text, nullable=False, default="", server_default=""),
    Column("similar_to", ID, nullable=True),
    Column("similar_score", Float, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "desk_id", "state", "created_at"),
    Index(None, "desk_id", "created_at"),
    Index(None, "department_id", "state", "created_at"),
    Index(None, "citizen_id", "created_at"),
    Index(None, "source_status_id"),
    Index(None, "desk_id", "category_id", "created_at"),
    # The staff queue's views (plaza.desk.cases.queue): each a small part of a desk's cases, read
    # newest first (or the soonest due first) without touching the rest.
    Index("ix_cases_desk_open", "desk_id", "created_at", sqlite_where=text(OPEN_CASE),
          postgresql_where=text(OPEN_CASE)),
    # intake's look for the same problem reported nearby: a county's open cases, newest first, with
    # what the comparison reads (covering: the cases themselves are not visited)
    Index("ix_cases_desk_open_county", "desk_id", "county_code", "created_at", *NEARBY_COLUMNS,
          sqlite_where=text(OPEN_CASE), postgresql_where=text(OPEN_CASE)),
    Index("ix_cases_desk_overdue", "desk_id", "created_at", sqlite_where=text("overdue"),
          postgresql_where=text("overdue")),
    Index("ix_cases_desk_escalated", "desk_id", "created_at", sqlite_where=text("escalated"),
          postgresql_where=text("escalated")),
    Index("ix_cases_desk_extension", "desk_id", "created_at", sqlite_where=text("extension_days IS NOT NULL"),
          postgresql_where=text("extension_days IS NOT NULL")),
    Index("ix_cases_desk_due", "desk_id", "resolve_by", sqlite_where=text(DUE_CASE),
          postgresql_where=text(DUE_CASE)),
)

#: Citizens following a case they did not file (theirs was linked to it as a duplicate).
case_followers = Table(
    "case_followers",
    metadata,
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)

#: Every read of a case's personal data by staff or a department (who, which case, when).
case_data_reads = Table(
    "case_data_reads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("agency_id", ID, nullable=True),
    Column("via", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index(None, "case_id"),
)

#: A desk's trained router (plaza.desk.router), the newest only.
desk_models = Table(
    "desk_models",
    metadata,
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), primary_key=True),
    Column("trained_at", DateTime(timezone=True), nullable=False),
    Column("examples", Integer, nullable=False),
    Column("model", LargeBinary, nullable=False),
)

#: Past cases imported for training (``plaza desk import-cases``): history the desk did not handle.
desk_training_cases = Table(
    "desk_training_cases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("category_id", ID, ForeignKey("desk_categories.id", ondelete="CASCADE"), nullable=False),
    Column("department_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("title", String(120), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "desk_id"),
)

#: Open311 clients registered by an administrator (``plaza open311 key create NAME``); the key is
#: stored hashed.
open311_keys = Table(
    "open311_keys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

#: The desk's figures kept as they change (plaza.desk.rollup): per desk, grouping (``total``,
#: ``department``, ``category`` — the first-level one —, ``leaf`` — the case's own —, ``county``),
#: Beijing day of receipt and group member ("" for none), how many of the cases received that day
#: meet each condition the figures count, and the working hours to acknowledge and to reply as
#: histograms ("bucket:count,…"). Every step of a case adds its change in one UPSERT.
CASE_ROLLUP_COUNTS = (
    "received", "accepted", "ack_decided", "ack_on_time", "ack_pending", "reply_decided", "reply_on_time",
    "reply_pending", "open", "closed", "rated", "satisfied", "basically_satisfied", "dissatisfied", "replied",
    "reworked", "forwarded", "returned", "resolved")
case_rollup = Table(
    "case_rollup",
    metadata,
    Column("desk_id", ID, ForeignKey("desks.id", ondelete="CASCADE"), primary_key=True),
    Column("dimension", String(10), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("member", String(24), primary_key=True),
    *(Column(name, Integer, nullable=False, default=0, server_default="0") for name in CASE_ROLLUP_COUNTS),
    Column("acknowledge_hours", Text, nullable=False, default="", server_default=""),
    Column("reply_hours", Text, nullable=False, default="", server_default=""),
)


# --- help in emergencies (求助, plaza.help) -----------------------------------------------------------

#: States in which a help request still waits for someone (partial indexes are written as this).
OPEN_HELP = "state IN ('submitted', 'verified', 'dispatched', 'claimed', 'in_progress')"

#: A help request (求助): who needs what, where, how urgently, and how to reach them. Its state,
#: history and timers are the "help" workflow's; this row keeps what the queue, the public list
#: and the totals read, kept in step by the workflow's observer.
help_requests = Table(
    "help_requests",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    #: "web", "api" or "post"; ``detected`` when screening found it in a post (a draft: nobody
    #: filed it, a verifier confirms it is one)
    Column("source", String(8), nullable=False),
    Column("detected", Boolean, nullable=False, default=False),
    Column("detect_score", Float, nullable=True),
    Column("need", String(16), nullable=False),
    Column("people", Integer, nullable=True),
    #: comma-separated: elderly, children, disabled, pregnant, patients
    Column("vulnerable", String(80), nullable=False, default=""),
    Column("signals", String(160), nullable=False, default=""),
    Column("urgency", Integer, nullable=False, default=0),
    Column("urgency_reasons", Text, nullable=False, default=""),
    #: as written (personal data: the entitled only) and masked
    Column("text", Text, nullable=False),
    Column("public_text", Text, nullable=False),
    Column("place_text", String(200), nullable=False, default=""),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("county_code", String(6), nullable=True),
    Column("city_code", String(6), nullable=True),
    #: False when the place could not be resolved to a county: kept as text, flagged for a verifier
    Column("place_resolved", Boolean, nullable=False, default=False),
    Column("contact_name", String(60), nullable=False, default=""),
    Column("contact_phone", String(30), nullable=False, default=""),
    Column("second_phone", String(30), nullable=False, default=""),
    #: the contact's number, keyed-hashed (plaza.help.triage.phone_hash), to find the same person
    Column("phone_hash", String(32), nullable=True),
    Column("on_behalf", Boolean, nullable=False, default=False),
    Column("requester_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("source_status_id", ID, nullable=True),
    Column("incident_id", ID, nullable=True),
    Column("media_ids", Text, nullable=False, default=""),
    #: the text's near-duplicate signature (plaza.similarity), hex
    Column("signature", Text, nullable=False, default=""),
    Column("similar_to", ID, nullable=True),
    Column("similar_score", Float, nullable=True),
    Column("merged_into", ID, nullable=True),
    #: posts, forms and calls that reported it (a merge adds the duplicate's)
    Column("sources_count", Integer, nullable=False, default=1),
    #: the verifier working it, until when (a lock that expires)
    Column("locked_by", ID, nullable=True),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("verifier_id", ID, nullable=True),
    Column("verified_at", DateTime(timezone=True), nullable=True),
    Column("unreachable_count", Integer, nullable=False, default=0),
    Column("close_reason", String(8), nullable=True),
    #: the responder (a team's account) that claimed it, and the person who did
    Column("responder_id", ID, nullable=True),
    Column("claimed_by", ID, nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("people_helped", Integer, nullable=True),
    Column("completion_note", Text, nullable=True),
    Column("completion_media", Text, nullable=False, default=""),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("published_status_id", ID, nullable=True),
    #: back for a call-back round (回访): nobody moved it within its time
    Column("needs_follow_up", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "state", "urgency", "created_at"),
    Index(None, "phone_hash"),
    Index(None, "source_status_id"),
    Index(None, "requester_id", "created_at"),
    Index(None, "responder_id", "state"),
    Index(None, "incident_id", "state"),
    Index(None, "county_code", "created_at"),
    # duplicate search: the open requests of a county, newest first, what the comparison reads covered
    Index("ix_help_requests_open_county", "county_code", "created_at", "state", "lat", "lon", "signature",
          sqlite_where=text(OPEN_HELP), postgresql_where=text(OPEN_HELP)),
)

#: Every report of a request (a post, a repost, a form, a merged duplicate's): kept when
#: requests merge, so a person reported by five posts is one request with five sources.
help_sources = Table(
    "help_sources",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("request_id", ID, ForeignKey("help_requests.id", ondelete="CASCADE"), nullable=False),
    #: "post", "repost", "web", "api"
    Column("kind", String(8), nullable=False),
    Column("status_id", ID, nullable=True),
    Column("account_id", ID, nullable=True),
    Column("contact_name", String(60), nullable=False, default=""),
    Column("contact_phone", String(30), nullable=False, default=""),
    Column("second_phone", String(30), nullable=False, default=""),
    Column("phone_hash", String(32), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "request_id"),
    Index(None, "status_id", unique=True),
    Index(None, "phone_hash"),
)

#: Who responds (救助力量): rescue teams, NGOs, departments — each an account (its operators act
#: for it) with what it can do, where, and how many requests it takes at once.
help_responders = Table(
    "help_responders",
    metadata,
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    #: comma-separated needs it meets (rescue, medical, …)
    Column("capabilities", String(120), nullable=False),
    #: the region it works in (a province, city or county code)
    Column("region_code", String(6), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("capacity", Integer, nullable=False, default=5),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_by", ID, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "region_code"),
)

#: A request offered to a responder (派遣): it shows in their list of requests to claim.
help_offers = Table(
    "help_offers",
    metadata,
    Column("request_id", ID, ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("responder_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("offered_at", DateTime(timezone=True), nullable=False),
    Index(None, "responder_id", "offered_at"),
)

#: Verifiers (核实员) granted by an administrator, or by an organisation for itself.
help_verifiers = Table(
    "help_verifiers",
    metadata,
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("organisation_id", ID, nullable=True),
    Column("granted_by", ID, nullable=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

#: Each read of a request's personal data: who, in which role, why, through which door.
help_data_reads = Table(
    "help_data_reads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("request_id", ID, ForeignKey("help_requests.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("why", String(200), nullable=False, default=""),
    Column("via", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index(None, "request_id"),
    Index(None, "account_id", "at"),
)

#: Official warnings (预警, plaza.help.warnings): every CAP message — an Alert, an Update that
#: replaces an earlier one (``references_id``; the earlier gets ``superseded_by``), a Cancel that
#: withdraws one (the withdrawn gets ``cancelled_at``) — issued here or imported, with its post
#: (``status_id``) and its CAP document (as received for imports, as written for Plaza's own).
warnings = Table(
    "warnings",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("identifier", String(255), nullable=False, unique=True),
    Column("sender", String(255), nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="SET NULL"), nullable=True),
    Column("cap_status", String(10), nullable=False, default="Actual"),
    Column("msg_type", String(10), nullable=False),
    Column("references_id", ID, ForeignKey("warnings.id", ondelete="SET NULL"), nullable=True),
    Column("superseded_by", ID, nullable=True),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    Column("event", String(255), nullable=False),
    Column("type", String(32), nullable=True),
    Column("level", String(8), nullable=True),
    Column("severity", String(10), nullable=False),
    Column("urgency", String(10), nullable=False),
    Column("certainty", String(10), nullable=False),
    Column("headline", Text, nullable=True),
    Column("description", Text, nullable=True),
    Column("instruction", Text, nullable=True),
    Column("area_description", Text, nullable=False, default=""),
    Column("polygon", Text, nullable=True),
    Column("sent", DateTime(timezone=True), nullable=False),
    Column("onset", DateTime(timezone=True), nullable=True),
    Column("expires", DateTime(timezone=True), nullable=False),
    Column("source", String(8), nullable=False),
    Column("cap_xml", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "expires"),
    Index(None, "status_id"),
    Index(None, "references_id"),
)

#: The areas of a warning: each division code it names, and each city that code covers (a
#: province's every city, a county's city, a city itself) — so the warnings of a city are found by
#: index, and a reader's home city decides what is pinned for them.
warning_areas = Table(
    "warning_areas",
    metadata,
    Column("warning_id", ID, ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", String(6), primary_key=True),
    Column("city_code", String(6), primary_key=True),
    Index(None, "city_code", "warning_id"),
)


# --- Incidents (事件) and their donation projects (公益项目): plaza/help/incidents.py, migration 0023 ---

#: An emergency that gathers topics, official updates, help requests, responders, warnings and
#: donations (2022 重庆山火, 台风梅花). ``active`` until it is ended; ``mode`` (incident mode, 事件模式)
#: puts its banner and help form on the front page and its cities' feeds while it is active.
incidents = Table(
    "incidents",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("slug", String(60), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    #: wildfire, typhoon, flood, earthquake, … (plaza.help.incidents.KINDS)
    Column("kind", String(16), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    #: the organisation or government account that runs it (its posts are official updates)
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("mode", Boolean, nullable=False, default=False),
    Column("created_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "active", "mode"),
)

#: The places an incident affects: a county, a city or a province (GB/T 2260), with the city it
#: belongs to (None for a province) so a city's feed finds its incidents.
incident_regions = Table(
    "incident_regions",
    metadata,
    Column("incident_id", ID, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", String(6), primary_key=True),
    Column("city_code", String(6), nullable=True),
    Column("province_code", String(6), nullable=False),
    Index(None, "city_code"),
    Index(None, "province_code"),
)

#: An incident's topics by name (a topic may be named before any post uses it); ``topic_key``
#: as plaza.square.text.topic_key makes it.
incident_topics = Table(
    "incident_topics",
    metadata,
    Column("incident_id", ID, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_key", String(200), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Index(None, "topic_key"),
)

#: The accounts that respond (rescue teams, NGOs, departments).
incident_responders = Table(
    "incident_responders",
    metadata,
    Column("incident_id", ID, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    #: what it does there, in a few words (搜救, 物资, 医疗 …)
    Column("role", String(40), nullable=False, default=""),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Index(None, "account_id"),
)

#: A donation project (公益项目, in the style of 微公益) an organisation runs for an incident. Money
#: is in fen (分); ``raised_fen`` and ``disbursed_fen`` are the sums of the ledger's receipts and
#: disbursements, kept in step in each entry's transaction.
donation_projects = Table(
    "donation_projects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("incident_id", ID, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("goal_fen", BigInteger, nullable=False),
    Column("raised_fen", BigInteger, nullable=False, default=0),
    Column("disbursed_fen", BigInteger, nullable=False, default=0),
    #: the number of ledger entries (the last one's ``seq``)
    Column("entries", Integer, nullable=False, default=0),
    Column("created_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "incident_id"),
)

#: A project's public ledger (公示): only ever appended to; a mistake is answered by a later entry.
donation_ledger = Table(
    "donation_ledger",
    metadata,
    Column("project_id", ID, ForeignKey("donation_projects.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    #: "receipt" (money in) or "disbursement" (money out)
    Column("kind", String(16), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    #: who gave or received it (a donor may be "匿名")
    Column("counterpart", String(100), nullable=False),
    Column("purpose", String(200), nullable=False, default=""),
    #: when the money moved (the entry is written at ``created_at``)
    Column("at", DateTime(timezone=True), nullable=False),
    Column("entered_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    #: where to check it: a receipt number, a bank reference, an invoice
    Column("evidence", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# --- the evaluation index (政务指数, plaza.index) -----------------------------------------------------

#: An account brought in from elsewhere (``plaza import weibo|mastodon|csv``): where from, its id
#: there, and what that site said of it (its followers are not follow rows here). Re-importing
#: finds it by (origin, origin_id).
imported_accounts = Table(
    "imported_accounts",
    metadata,
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    #: "weibo", "mastodon" or "csv"
    Column("origin", String(16), nullable=False),
    Column("origin_id", String(64), nullable=False),
    Column("followers_count", BigInteger, nullable=False, default=0),
    #: Weibo's verified_type (1–7: government and institutions), when the source says it
    Column("verified_type", Integer, nullable=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("origin", "origin_id"),
)

#: A post brought in from elsewhere. Its counters (replies, reposts, likes) are on its statuses row
#: as the source counted them — Weibo's are not recomputable here — and its reads when known.
imported_statuses = Table(
    "imported_statuses",
    metadata,
    Column("status_id", ID, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True),
    Column("origin", String(16), nullable=False),
    Column("origin_id", String(64), nullable=False),
    #: reads (阅读数) when the source gives them; None when it does not
    Column("reads_count", BigInteger, nullable=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("origin", "origin_id"),
)

#: The counts of one account on one Beijing day, what every period's index is rolled up from
#: (plaza.index.daily): written for a day at once, rewritten when the day is computed again.
INDEX_DAILY_COUNTS = (
    "posts", "originals", "replies_given", "replies_to_citizens",
    "reposts", "comments", "original_reposts", "original_comments", "likes",
    "trusted_reposts", "trusted_likes", "reposters", "trusted_reposters",
    "reads", "reads_posts", "reads_max", "likes_max",
    "mentions", "mentions_answered", "followers_gained", "trusted_followers_gained",
)
index_daily = Table(
    "index_daily",
    metadata,
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    *(Column(name, BigInteger, nullable=False, default=0, server_default="0") for name in INDEX_DAILY_COUNTS),
    #: minutes from a mention to the account's answer, as a histogram (plaza.desk.rollup's form)
    Column("answer_minutes", Text, nullable=False, default="", server_default=""),
    Index(None, "day"),
)

#: Which days have been computed, and when (an incremental run computes the days not done).
index_days = Table(
    "index_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Column("accounts", Integer, nullable=False, default=0),
)

#: The day counts kept as the square writes (migration 0026, :mod:`plaza.index.kept`): triggers on
#: the square's tables append each act the index counts here, in the act's own transaction; the
#: fold adds them to ``index_daily`` and empties it. ``kind``: 1 post, 2 repost, 3 comment,
#: 4 like, 5 mention, 6 answer, 7 follow, 8 count the day again; ``at`` the id whose Beijing day
#: the act counts on; ``ref``/``a``/``b`` per kind (the migration's docstring); ``sign`` -1 undoes.
index_journal = Table(
    "index_journal",
    metadata,
    Column("seq", ID, primary_key=True, autoincrement=True),
    Column("kind", SmallInteger, nullable=False),
    Column("account_id", ID, nullable=True),
    Column("at", ID, nullable=False),
    Column("ref", ID, nullable=True),
    Column("a", SmallInteger, nullable=False),
    Column("b", SmallInteger, nullable=False),
    Column("sign", SmallInteger, nullable=False),
)

#: Likes a government account's post got on a day (the day's most-liked post: ``likes_max``).
index_post_likes = Table(
    "index_post_likes",
    metadata,
    Column("status_id", ID, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),
    Column("account_id", ID, nullable=False),
    Column("likes", BigInteger, nullable=False),
    Index(None, "account_id", "day"),
)

#: Who reposted a government account's posts on a day, and how often (distinct reposters).
index_reposters = Table(
    "index_reposters",
    metadata,
    Column("account_id", ID, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),
    Column("reposter_id", ID, primary_key=True, autoincrement=False),
    Column("trusted", SmallInteger, nullable=False),
    Column("reposts", BigInteger, nullable=False),
)

#: Days to count again from the square's rows (what the journal could not judge: imports,
#: accounts deleted), once they are over.
index_recount = Table(
    "index_recount",
    metadata,
    Column("day", Date, primary_key=True),
)

#: Since when every act is journaled (one row): days from then on are kept whole.
index_keeping = Table(
    "index_keeping",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("since_id", ID, nullable=False),
)

#: A period's index: every ranked account's indicators, dimension scores and composite.
index_results = Table(
    "index_results",
    metadata,
    Column("period", String(12), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("composite", Float, nullable=False),
    Column("reach", Float, nullable=True),
    Column("service", Float, nullable=True),
    Column("interaction", Float, nullable=True),
    Column("recognition", Float, nullable=True),
    Column("bci", Float, nullable=False),
    Column("wci", Float, nullable=True),
    Column("rank", Integer, nullable=False),
    #: the raw and normalised indicators and the compliance flags, as JSON
    Column("figures", Text, nullable=False),
    Column("flags", Integer, nullable=False, default=0),
    #: the account's groups as they were when computed (a ranking by region, level or department
    #: type reads one index, not every result joined to its account): its division, the city and
    #: province (000000 for national bodies) that hold it
    Column("region_code", String(6), nullable=True),
    Column("city", String(6), nullable=True),
    Column("province", String(6), nullable=True),
    Column("level", String(16), nullable=True),
    Column("department_type", String(32), nullable=True),
    Index(None, "period", "rank"),
    Index(None, "period", "province", "rank"),
    Index(None, "period", "city", "rank"),
    Index(None, "period", "region_code", "rank"),
    Index(None, "period", "level", "rank"),
    Index(None, "period", "department_type", "rank"),
)

#: When each period's index was computed, with what weights.
index_periods = Table(
    "index_periods",
    metadata,
    Column("period", String(12), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Column("accounts", Integer, nullable=False),
    #: the weights and rules the run used, as JSON
    Column("settings", Text, nullable=False),
)

#: A ranked group of a computed period (kind: province, city, region_code, level or
#: department_type — the groups each result keeps): its size and its medians (composite and
#: dimensions, JSON); each result's rank in its groups is in its figures (``group_ranks``).
index_groups = Table(
    "index_groups",
    metadata,
    Column("period", String(12), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("key", String(32), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("median", Text, nullable=False),
)

#: A hot event (热点事件): a topic that reached the national or a city's top list, who had to
#: answer it, and whether and when one of them did (plaza.index.response).
index_events = Table(
    "index_events",
    metadata,
    Column("topic", String(200), primary_key=True),
    Column("list_key", String(8), primary_key=True),
    Column("reached_at", DateTime(timezone=True), nullable=False),
    Column("region_code", String(6), nullable=True),
    Column("department_type", String(32), nullable=True),
    #: the responsible accounts' ids, as JSON
    Column("responsible", Text, nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Column("answered_by", ID, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Index(None, "reached_at"),
)

#: City statistics (城市统计) imported from CSV: one value of one measure for a region and year.
region_statistics = Table(
    "region_statistics",
    metadata,
    Column("region_code", String(6), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("measure", String(40), primary_key=True),
    Column("value", Float, nullable=False),
)
