"""The ``plaza`` command line: serve, migrate, load the demo, manage accounts, show hot search,
appoint topic hosts.

It only parses and calls the services; every user error (:class:`plaza.errors.PlazaError`) is
printed as one line — in English when ``PLAZA_LOCALE`` (or else ``LC_ALL`` / ``LC_MESSAGES`` /
``LANG``) starts with ``en``, in Chinese otherwise — and the command exits with status 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from plaza import i18n
from plaza.accounts import policy
from plaza.accounts.kinds import DEPARTMENT_TYPES, KINDS, LEVELS, ORGANISATION_TYPES
from plaza.accounts.policy import ROLES
from plaza.config import Settings, load_settings
from plaza.errors import Invalid, NotFound, PlazaError
from plaza.files import keep_private

#: The command line's own words, ``key -> (Chinese, English)``.
MESSAGES: dict[str, tuple[str, str]] = {
    "serving": ("Plaza 已启动：{url}（按 Ctrl+C 停止）", "Plaza is serving at {url} (Ctrl+C to stop)"),
    "hot_per_worker": ("注意：未设置 PLAZA_REDIS_URL，{workers} 个工作进程各自统计热搜，榜单互不相同；"
                       "多进程请配置 Redis",
                       "Note: without PLAZA_REDIS_URL each of the {workers} workers counts hot search "
                       "on its own and their lists differ; set up Redis for several workers"),
    "db_upgraded": ("数据库已升级：{before} → {after}（{url}）", "Database upgraded: {before} → {after} ({url})"),
    "db_current": ("数据库已是最新版本 {after}，无需升级（{url}）",
                   "Database already at the newest revision {after}; nothing to do ({url})"),
    "db_empty": ("空", "empty"),
    "db_not_current": ("数据库结构不是最新版本：请先运行 plaza db upgrade",
                       "The database schema is not up to date: run `plaza db upgrade` first"),
    "db_unreachable": ("无法连接数据库（{url}）：{error}", "Cannot reach the database ({url}): {error}"),
    "media_cleaned": ("已删除 {removed} 张图片（超过 {hours} 小时未使用的上传、已删除微博的图片、不再使用的头像）",
                      "Removed {removed} images (uploads unused for over {hours} hours, images of deleted "
                      "posts, avatars and headers no longer in use)"),
    "account_created": ("已创建账号 @{username}（{display_name}，{kind}）",
                        "Created account @{username} ({display_name}, {kind})"),
    "account_verified": ("已认证政务号 @{username}：{agency}，{region}，{level}",
                         "Verified government account @{username}: {agency}, {region}, {level}"),
    "role_set": ("@{username} 的角色已设为 {role}", "@{username} now has the role {role}"),
    "government_options_need_kind": (
        "--agency/--region/--level/--department-type/--parent 只适用于政务号（--kind government）",
        "--agency/--region/--level/--department-type/--parent apply only to --kind government"),
    "city_required": ("请用 --city 指定所在城市（6 位行政区划代码，如 500000）",
                      "Give the home city with --city (a 6-digit division code, e.g. 500000)"),
    "password_stdin_empty": ("标准输入中没有密码", "No password on standard input"),
    "password_conflict": ("--password 与 --password-stdin 只能选一个",
                          "Use either --password or --password-stdin, not both"),
    "password_prompt": ("密码", "Password"),
    "demo_loading": ("正在载入演示数据（种子 {seed}，市民 {citizens}，微博 {posts}）……",
                     "Loading the demo (seed {seed}, {citizens} citizens, {posts} posts)…"),
    "demo_loaded": ("演示数据已载入：{accounts} 个账号，{follows} 个关注，{posts} 条微博（其中 {replies} 条评论、"
                    "{reblogs} 条转发），{likes} 个赞，{topics} 个话题，用时 {seconds:.1f} 秒",
                    "Demo loaded: {accounts} accounts, {follows} follows, {posts} posts ({replies} replies, "
                    "{reblogs} reposts), {likes} likes, {topics} topics in {seconds:.1f} s"),
    "demo_loaded_help": ("求助与应急：{incidents} 个事件，{warnings} 条生效中的预警，{requests} 条求助（在办 {open} 条，"
                         "已公示 {published} 条），用时 {seconds:.1f} 秒",
                         "Help in emergencies: {incidents} incidents, {warnings} warnings in force, {requests} help "
                         "requests ({open} open, {published} published) in {seconds:.1f} s"),
    "demo_loaded_index": ("政务指数：{period} 月写入 {posts} 条微博与互动，{events} 个热点事件，{ranked} 个政务号已排名，用时 {seconds:.1f} 秒",
                          "Evaluation index: {posts} posts and replies written for {period}, {events} hot events, "
                          "{ranked} government accounts ranked in {seconds:.1f} s"),
    "demo_stage_index": ("政务指数：{done}", "evaluation index: {done}"),
    "demo_stage_cast": ("政务号、媒体和组织账号：{done}", "government, media and organisation accounts: {done}"),
    "demo_stage_citizens": ("市民账号：{done}/{total}", "citizens: {done}/{total}"),
    "demo_stage_follows": ("关注：{done}", "follows: {done}"),
    "demo_stage_posts": ("微博：{done}/{total}", "posts: {done}/{total}"),
    "demo_stage_likes": ("赞：{done}", "likes: {done}"),
    "demo_stage_matrices": ("政务矩阵：{done} 个，矩阵联动话题：{total} 个", "government matrices: {done}, campaigns: {total}"),
    "demo_stage_hosts": ("话题主持人和导语：{done}/{total} 个话题", "topic hosts and descriptions: {done}/{total} topics"),
    "demo_stage_admin": ("管理员账号：已创建", "administrator: created"),
    "demo_skipped": ("  跳过 {count} 条（{reason}）", "  skipped {count} ({reason})"),
    "demo_already": ("演示数据已经载入过，本次未做任何更改", "The demo is already loaded; nothing changed"),
    "demo_sign_ins": ("演示账号（密码 {password}）：", "Demo sign-ins (password {password}):"),
    "demo_replayed": ("热搜回放：{posts} 条带话题的微博、{likes} 个赞、模拟 {reads} 次阅读和 {searches} 次搜索，"
                      "刷新 {refreshes} 次；全国热搜 {entries} 条，{cities} 个城市有同城热搜，用时 {seconds:.1f} 秒",
                      "Hot search replay: {posts} posts with topics, {likes} likes, {reads} simulated reads and "
                      "{searches} searches, {refreshes} refreshes; {entries} entries on the national list, "
                      "{cities} cities with a list, in {seconds:.1f} s"),
    "demo_not_loaded": ("还没有载入演示数据：请先运行 plaza demo load", "The demo is not loaded: run `plaza demo load` first"),
    "demo_as_admin": ("管理员", "administrator"),
    "demo_as_citizen": ("市民（重庆）", "citizen of Chongqing"),
    "demo_as_government": ("政务号 重庆发布", "government account 重庆发布"),
    "hot_title_national": ("全国热搜", "National hot search"),
    "hot_title_city": ("{name}同城热搜（{code}）", "Hot search of {name} ({code})"),
    "hot_refreshed_at": ("更新于 {time}（北京时间）", "refreshed at {time} (Beijing time)"),
    "hot_never_refreshed": ("尚未刷新过", "never refreshed yet"),
    "hot_source_redis": ("数据来源：Redis {where}，与所有服务器进程共享",
                         "Source: Redis {where}, shared with every server process"),
    "hot_source_snapshot": ("数据来源：内存引擎保存的快照 {path}（写入于 {time}，北京时间）",
                            "Source: the memory engine's snapshot {path} (written {time}, Beijing time)"),
    "hot_source_no_snapshot": ("数据来源：内存引擎，但还没有快照文件 {path}（服务器尚未保存过热搜数据）",
                               ("Source: the memory engine, but there is no snapshot file {path} yet "
                                "(the server has not saved hot search yet)")),
    "hot_refresh_local": ("已在本命令的进程中按快照重新计算；运行中的服务器保留自己的榜单，不受影响，快照文件也未改写",
                          ("Recomputed in this command's process from the snapshot; a running server "
                           "keeps its own lists, and the snapshot file was not rewritten")),
    "hot_refresh_shared": ("已重新计算并发布到 Redis，所有服务器进程立即可见",
                           "Recomputed and published to Redis; every server process serves it at once"),
    "hot_pinned": ("置顶", "Pinned"),
    # Official warnings (plaza warnings)
    "warning_imported": ("已导入预警 {id}（{msg_type}）：{event}，地区 {areas}，由 @{username} 发布",
                         "Imported warning {id} ({msg_type}): {event}, areas {areas}, posted by @{username}"),
    "warnings_none": ("目前没有生效中的预警", "No warning is in force"),
    "hot_empty": ("（榜单为空）", "(the list is empty)"),
    "hot_columns": ("排名  话题  热度  标签  阅读量  讨论量", "rank  topic  heat  label  reads  discussions"),
    # Rebuilding hot search's counters from the database (plaza hot rebuild)
    "hot_rebuilt": ("已根据数据库重算 {topics} 个话题的计数（读取微博 {posts} 条、赞 {likes} 个，用时 {seconds:.1f} 秒），"
                    "已写入 {where}",
                    "Recounted {topics} topics from {posts} posts and {likes} likes in {seconds:.1f} s; "
                    "written to {where}"),
    "hot_rebuild_kept": ("阅读量、各条微博的阅读数、搜索量和热度无法从数据库恢复，保持原样",
                         "Reads (per topic and per post), searches and heat cannot be recovered from "
                         "the database and were kept as they were"),
    # Topic hosts (主持人)
    "topic_host_added": ("@{username}（{display_name}）现在是 #{topic}# 的主持人",
                         "@{username} ({display_name}) now hosts #{topic}#"),
    "topic_host_removed": ("@{username} 不再是 #{topic}# 的主持人", "@{username} no longer hosts #{topic}#"),
    "topic_hosts_of": ("#{topic}# 的主持人：", "Hosts of #{topic}#:"),
    "topic_no_hosts": ("#{topic}# 还没有主持人", "#{topic}# has no hosts"),
}


def locale() -> str:
    """English when the environment asks for it, else Chinese."""
    for name in ("PLAZA_LOCALE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else i18n.DEFAULT_LOCALE
    return i18n.DEFAULT_LOCALE


def _(key: str, **params: Any) -> str:
    """A command-line message in the chosen language (service messages come from :mod:`plaza.i18n`)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return i18n.gettext(key, locale(), **params)
    text = entry[1 if locale() == "en" else 0]
    return text.format(**params)


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return url


class PlazaGroup(click.Group):
    """The root group: turns user errors into one translated line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlazaError as exc:
            click.echo(exc.message(locale()), err=True)
            ctx.exit(1)
        except OperationalError as exc:
            settings = ctx.obj if isinstance(ctx.obj, Settings) else load_settings()
            error = str(exc.orig or exc).strip().splitlines()[0]
            click.echo(_("db_unreachable", url=safe_url(settings.database_url), error=error), err=True)
            ctx.exit(1)


def _settings(**overrides: Any) -> Settings:
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    click.get_current_context().find_root().obj = settings
    return settings


@contextmanager
def _plaza(*, migrate: bool = False) -> Iterator[Any]:
    """A :class:`plaza.instance.Plaza` for one command, its engine disposed afterwards."""
    from plaza.instance import Plaza
    from plaza.storage.migrate import is_current, upgrade

    settings = _settings()
    instance = Plaza.from_settings(settings)
    try:
        if migrate:
            upgrade(instance.db.engine)
        elif not is_current(instance.db.engine):
            raise click.ClickException(_("db_not_current"))
        yield instance
    finally:
        instance.db.dispose()


@click.group(cls=PlazaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plaza", prog_name="plaza")
def main() -> None:
    """Plaza 政务广场 — the public square where government and citizens meet.

    Settings come from PLAZA_* environment variables (PLAZA_DATA_DIR, PLAZA_DATABASE_URL, …).
    """
    keep_private()  # the database, keys and snapshots it creates are its owner's only


# --- serve -------------------------------------------------------------------------------------


@main.command()
@click.option("--host", help="Address to listen on (default: PLAZA_HOST or 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: PLAZA_PORT or 8000).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes; they share the one database.")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              default="info", show_default=True)
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log one line per request.")
def serve(host: str | None, port: int | None, workers: int, log_level: str, access_log: bool) -> None:
    """Migrate the database, then serve HTTP (Mastodon API and web pages)."""
    from plaza import serve as serving

    settings = _settings(host=host, port=port)
    if workers > 1 and settings.hot_enabled and not settings.redis_url:
        click.echo(_("hot_per_worker", workers=workers), err=True)
    serving.serve(settings, workers, log_level=log_level, access_log=access_log,
                  announce=lambda url: click.echo(_("serving", url=url)))


# --- db ----------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema (safe to run every start)."""
    from alembic.runtime.migration import MigrationContext

    from plaza.storage.engine import make_engine
    from plaza.storage.migrate import upgrade

    settings = _settings()
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
        upgrade(engine)
        with engine.connect() as conn:
            after = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    url = safe_url(settings.database_url)
    if before == after:
        click.echo(_("db_current", after=after, url=url))
    else:
        click.echo(_("db_upgraded", before=before or _("db_empty"), after=after, url=url))


# --- media -------------------------------------------------------------------------------------


@main.group("media")
def media_group() -> None:
    """Stored images (uploads, posts' images, avatars and headers)."""


@media_group.command("cleanup")
@click.option("--older-than-hours", type=click.FloatRange(min=0), default=24, show_default=True,
              help="Remove uploads never attached to a post (and replaced avatars) older than this.")
def media_cleanup(older_than_hours: float) -> None:
    """Remove unused uploads and the files of deleted posts' images (the server does this every
    hour; safe to run at any time)."""
    from datetime import timedelta

    from plaza.square import media

    with _plaza() as instance:
        removed = media.cleanup(instance.db, instance.settings.media_dir,
                                unused_for=timedelta(hours=older_than_hours))
    click.echo(_("media_cleaned", removed=removed, hours=f"{older_than_hours:g}"))


# --- demo --------------------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """Demo data: the seed story's cast, citizens, follows, posts and likes."""


@demo.command("load")
@click.option("--seed", type=int, default=2022, show_default=True)
@click.option("--citizens", type=click.IntRange(min=0), default=3000, show_default=True)
@click.option("--posts", type=click.IntRange(min=0), default=6000, show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and the sign-ins.")
def demo_load(seed: int, citizens: int, posts: int, quiet: bool) -> None:
    """Load the demo once (a second run changes nothing) and print the demo sign-ins."""
    from plaza.demo.load import load_demo

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "cast":
            click.echo(_("demo_loading", seed=seed, citizens=citizens, posts=posts))
        click.echo("  " + _("demo_stage_" + stage, done=done, total=total))

    with _plaza(migrate=True) as instance:
        report = load_demo(instance, seed=seed, citizens=citizens, posts=posts,
                           progress=None if quiet else progress)
        if report.loaded:
            click.echo(_("demo_loaded", accounts=report.accounts, follows=report.follows,
                         posts=report.posts, replies=report.replies, reblogs=report.reblogs,
                         likes=report.likes, topics=report.topics, seconds=report.seconds))
            if report.help_requests:
                click.echo(_("demo_loaded_help", incidents=report.incidents, warnings=report.warnings,
                             requests=report.help_requests, open=report.help_open,
                             published=report.help_published, seconds=report.help_seconds))
            if report.index_ranked:
                click.echo(_("demo_loaded_index", period=report.index_period, posts=report.index_posts,
                             events=report.index_events, ranked=report.index_ranked, seconds=report.index_seconds))
            for reason, count in sorted(report.skipped.items()):
                click.echo(_("demo_skipped", reason=reason, count=count))
            _replay(instance, seed)
        else:
            click.echo(_("demo_already"))
    click.echo(_("demo_sign_ins", password=report.password))
    for username, what in report.sign_ins:
        click.echo(f"  {username:<16} {_('demo_as_' + what)}")


def _replay(instance: Any, seed: int) -> None:
    from plaza.demo.load import ADMIN_USERNAME
    from plaza.demo.replay import replay_demo
    from plaza.square import accounts as account_service

    admin = account_service.find_by_username(instance.db, ADMIN_USERNAME)
    report = replay_demo(instance, seed=seed, pin_by=admin.id if admin is not None else None)
    click.echo(_("demo_replayed", posts=report.posts, likes=report.likes, reads=report.reads,
                 searches=report.searches, refreshes=report.refreshes,
                 entries=report.national_entries, cities=report.city_lists, seconds=report.seconds))


@demo.command("replay")
@click.option("--seed", type=int, default=2022, show_default=True)
def demo_replay(seed: int) -> None:
    """Replay the demo's week into hot search, compressed into the last three hours, with a
    simulated audience (reads, searches), and pin the demo announcements. `plaza demo load` does
    this once after loading; run it again to bring a demo's lists back to life (its counters
    then count the demo's activity once more). Stop the server first when it runs without Redis:
    it would overwrite the replayed state with its own at its next snapshot."""
    from plaza.demo.load import is_loaded

    with _plaza() as instance:
        if not is_loaded(instance):
            raise click.ClickException(_("demo_not_loaded"))
        _replay(instance, seed)


# --- account -----------------------------------------------------------------------------------


@main.group()
def account() -> None:
    """Accounts: create, verify as government, set roles."""


def _read_password(password: str | None, password_stdin: bool) -> str:
    if password is not None and password_stdin:
        raise click.UsageError(_("password_conflict"))
    if password is not None:
        return password
    if password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError(_("password_stdin_empty"))
        return line
    value: str = click.prompt(_("password_prompt"), hide_input=True, confirmation_prompt=True)
    return value


def _government_options(func: Any) -> Any:
    for option in reversed([
        click.option("--agency", help="Agency (机构), e.g. 中共重庆市委宣传部."),
        click.option("--region", "region", metavar="CODE",
                     help="6-digit division code (行政区划代码); 000000 for national bodies."),
        click.option("--level", type=click.Choice(list(LEVELS)), help="Administrative level."),
        click.option("--department-type", type=click.Choice(list(DEPARTMENT_TYPES)),
                     help="Department type."),
        click.option("--parent", metavar="USERNAME", help="Parent government account in the matrix."),
    ]):
        func = option(func)
    return func


def _home_city_for(region: str | None) -> str | None:
    """A government account's home city defaults to its region's city (Beijing for national)."""
    from plaza import regions
    from plaza.accounts.kinds import NATIONAL_REGION

    if not region:
        return None
    if region == NATIONAL_REGION:
        return "110000"
    code = regions.city_code(region)
    if code is None and regions.is_place(region):  # a province: its capital is not implied
        return None
    if code is None:
        raise Invalid("region_invalid", code=region)
    return code


@account.command("create")
@click.argument("username")
@click.option("--display-name", help="Name shown on posts (may be Chinese, unique).")
@click.option("--password", help="Password (prefer --password-stdin or the prompt).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--city", metavar="CODE", help="Home city, a 6-digit division code (e.g. 500000).")
@click.option("--email")
@click.option("--kind", type=click.Choice(KINDS),
              default="citizen", show_default=True)
@_government_options
@click.option("--organisation-type", type=click.Choice(list(ORGANISATION_TYPES)))
@click.option("--role", type=click.Choice(ROLES), default="user",
              show_default=True)
def account_create(username: str, display_name: str | None, password: str | None,
                   password_stdin: bool, city: str | None, email: str | None, kind: str,
                   agency: str | None, region: str | None, level: str | None,
                   department_type: str | None, parent: str | None,
                   organisation_type: str | None, role: str) -> None:
    """Create an account (government accounts are verified at once)."""
    from plaza.accounts.government import GovernmentProfile
    from plaza.square import accounts

    government = None
    if kind == "government":
        government = GovernmentProfile(agency or "", region or "", level or "",
                                       department_type or "", parent)
        city = city or _home_city_for(region)
    elif any(v is not None for v in (agency, region, level, department_type, parent)):
        raise click.UsageError(_("government_options_need_kind"))
    if not city:
        raise click.UsageError(_("city_required"))
    secret = _read_password(password, password_stdin)
    with _plaza() as instance:
        row = accounts.create(instance.db, username=username, display_name=display_name,
                              password=secret, home_city=city, email=email, kind=kind, role=role,
                              government=government, organisation_type=organisation_type)
    click.echo(_("account_created", username=row.username, display_name=row.display_name,
                 kind=row.kind))


@account.command("verify")
@click.argument("username")
@click.option("--agency", required=True, help="Agency (机构), e.g. 中共重庆市委宣传部.")
@click.option("--region", required=True, metavar="CODE",
              help="6-digit division code (行政区划代码); 000000 for national bodies.")
@click.option("--level", required=True, type=click.Choice(list(LEVELS)), help="Administrative level.")
@click.option("--department-type", required=True, type=click.Choice(list(DEPARTMENT_TYPES)),
              help="Department type.")
@click.option("--parent", metavar="USERNAME", help="Parent government account in the matrix.")
def account_verify(username: str, agency: str, region: str, level: str, department_type: str,
                   parent: str | None) -> None:
    """Verify an existing account as a government account (政务号), or correct its data."""
    from plaza.accounts import government
    from plaza.accounts.government import GovernmentProfile

    with _plaza() as instance:
        row = _find(instance, username)
        row = government.verify(instance.db, row.id, GovernmentProfile(
            agency, region, level, department_type, parent), by=policy.OPERATOR)
    click.echo(_("account_verified", username=row.username, agency=row.agency,
                 region=row.region_code, level=row.level))


@account.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def account_set_role(username: str, role: str) -> None:
    """Make an account an administrator, a moderator, or an ordinary user again."""
    from plaza.square import accounts

    with _plaza() as instance:
        row = _find(instance, username)
        accounts.set_flags(instance.db, row.id, role=role)
    click.echo(_("role_set", username=row.username, role=role))


def _find(instance: Any, username: str) -> Any:
    from plaza.square import accounts

    row = accounts.find_by_username(instance.db, username)
    if row is None:
        raise NotFound("account_not_found")
    return row


# --- hot search ----------------------------------------------------------------------------


@main.group()
def hot() -> None:
    """Hot search (热搜): the national list and each city's."""


def _beijing(at: float) -> str:
    from datetime import datetime, timedelta, timezone

    return datetime.fromtimestamp(at, timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")


def _hot_service(instance: Any) -> Any:
    """A hot-search service of this command's own that never writes the memory snapshot (a
    running server owns that file)."""
    from plaza.hot.service import HotService

    return HotService.from_settings(instance.settings, instance.db, persist=False)


def _city_option(city: str | None) -> str | None:
    from plaza import regions

    if not city:
        return None
    code = regions.city_code(city) if len(city) == 6 and city.isdigit() else None
    if code is None:
        raise Invalid("city_invalid", code=city[:12])
    return code


def _show_hot(service: Any, city: str | None) -> None:
    from plaza import regions

    if service.shared:
        click.echo(_("hot_source_redis", where=service.describe))
    else:
        path = Path(service.describe)
        if path.exists():
            click.echo(_("hot_source_snapshot", path=path, time=_beijing(path.stat().st_mtime)))
        else:
            click.echo(_("hot_source_no_snapshot", path=path))
    snapshot = service.hot_list(city)
    if city is None:
        title = _("hot_title_national")
    else:
        division = regions.lookup(city)
        title = _("hot_title_city", name=division.name if division else city, code=city)
    when = _("hot_refreshed_at", time=_beijing(snapshot.refreshed_at)) if snapshot else _("hot_never_refreshed")
    click.echo(f"{title} · {when}")
    entries = snapshot.entries if snapshot is not None else ()
    names = service.names([e.topic for e in entries] + ([snapshot.pinned.topic] if snapshot and snapshot.pinned else []))
    if snapshot is not None and snapshot.pinned is not None:
        pinned = snapshot.pinned
        click.echo(f"  {_('hot_pinned')}  #{names[pinned.topic]}#  {pinned.note}".rstrip())
    if not entries:
        click.echo("  " + _("hot_empty"))
        return
    click.echo("  " + _("hot_columns"))
    for e in entries:
        click.echo(f"  {e.rank:>2}  #{names[e.topic]}#  {e.heat:,}  {e.label or '-'}  {e.reads:,}  {e.discussions:,}")


@hot.command("show")
@click.option("--city", metavar="CODE", help="A city's list (6-digit code, e.g. 500000); default national.")
def hot_show(city: str | None) -> None:
    """Print the list the last refresh published."""
    with _plaza() as instance:
        _show_hot(_hot_service(instance), _city_option(city))


@hot.command("refresh")
@click.option("--city", metavar="CODE", help="A city's list to print afterwards; default national.")
def hot_refresh(city: str | None) -> None:
    """Fold pending events and recompute every list now, then print one."""
    code = _city_option(city)
    with _plaza() as instance:
        service = _hot_service(instance)
        service.refresh()
        click.echo(_("hot_refresh_shared" if service.shared else "hot_refresh_local"))
        _show_hot(service, code)


@hot.command("rebuild")
def hot_rebuild() -> None:
    """Recount hot search's counters from the posts in the database (after a crash).

    \b
    Restored for every topic from the posts, reposts and likes in the database:
      originals (原创量), discussions (讨论量 = originals + reposts),
      interactions (互动量 = replies + reposts + likes), participants, and the
      per-day uses and accounts of the last 7 days (Mastodon's Tag.history).
    Cannot be restored (never stored per event) and kept as the engine has them:
      reads (阅读量, and each post's 阅读数), searches and click-throughs, and heat
      (it builds up again from new activity); lists and administrators' controls
      are untouched.

    \b
    Memory engine (no PLAZA_REDIS_URL): stop the server first; this rewrites the
    snapshot file, which a running server would overwrite at its next save.
    Redis: may run while the server serves; counts recorded during the run may be
    missing from these counters afterwards.
    """
    import time

    from plaza.hot.service import HotService

    started = time.monotonic()
    with _plaza() as instance:
        service = HotService.from_settings(instance.settings, instance.db)
        counted, posts, likes = service.rebuild()
        service.save()
    click.echo(_("hot_rebuilt", topics=len(counted.topics()), posts=posts, likes=likes,
                 seconds=time.monotonic() - started, where=service.describe))
    click.echo(_("hot_rebuild_kept"))


# --- topics ----------------------------------------------------------------------------------


@main.group()
def topic() -> None:
    """Topics (话题): their hosts (主持人)."""


@topic.group("host")
def topic_host() -> None:
    """Appoint, remove and list a topic's hosts (主持人), as the server's operator."""


@topic_host.command("add")
@click.argument("name")
@click.argument("username")
def topic_host_add(name: str, username: str) -> None:
    """Appoint USERNAME as a host of the topic NAME (at most 5 hosts)."""
    from plaza.square import topics

    with _plaza() as instance:
        row = _find(instance, username)
        curation = topics.appoint_host(instance.db, name, int(row.id), by=policy.OPERATOR)
    click.echo(_("topic_host_added", username=row.username, display_name=row.display_name,
                 topic=curation.name))


@topic_host.command("remove")
@click.argument("name")
@click.argument("username")
def topic_host_remove(name: str, username: str) -> None:
    """Remove USERNAME from the hosts of the topic NAME."""
    from plaza.square import topics

    with _plaza() as instance:
        row = _find(instance, username)
        curation = topics.remove_host(instance.db, name, int(row.id), by=policy.OPERATOR)
    click.echo(_("topic_host_removed", username=row.username, topic=curation.name))


@topic_host.command("list")
@click.argument("name")
def topic_host_list(name: str) -> None:
    """Print the hosts of the topic NAME."""
    from plaza.square import topics

    with _plaza() as instance:
        curation = topics.curation(instance.db, name)
    if curation is None:
        raise NotFound("topic_not_found")
    if not curation.hosts:
        click.echo(_("topic_no_hosts", topic=curation.name))
        return
    click.echo(_("topic_hosts_of", topic=curation.name))
    for host in curation.hosts:
        click.echo(f"  @{host.username}  {host.display_name}")


# --- government matrices (政务矩阵) and matrix campaigns (矩阵联动) -----------------------------

MESSAGES.update({
    "matrix_created": ("已组建矩阵“{name}”（{kind}）：{members} 个成员", "Created the matrix {name} ({kind}): {members} members"),
    "matrix_kind_needed": ("请选择一种组建方式：--from-tree、--region、--department 或 --manual",
                           "Choose how to build it: --from-tree, --region, --department or --manual"),
    "matrix_none": ("还没有政务矩阵", "There are no matrices yet"),
    "matrix_line": ("{id}  {name}  [{kind}]  {members} 个成员", "{id}  {name}  [{kind}]  {members} members"),
    "matrix_header": ("{name}（{kind}，{members} 个成员）", "{name} ({kind}, {members} members)"),
    "matrix_owner_line": ("负责账号：@{username}", "Owner: @{username}"),
    "matrix_rule_line": ("规则：{rule}", "Rule: {rule}"),
    "matrix_campaign_line": ("联动活动 {id}：#{topic}#  {start} – {end}  {state}",
                             "Campaign {id}: #{topic}#  {start} – {end}  {state}"),
    "matrix_added": ("已加入 {n} 个成员，现有 {members} 个", "Added {n}; the matrix now has {members} members"),
    "matrix_removed": ("已移出 {n} 个成员，现有 {members} 个", "Removed {n}; the matrix now has {members} members"),
    "matrix_synced": ("已同步：加入 {added} 个，移出 {removed} 个，现有 {members} 个成员",
                      "Synced: {added} joined, {removed} left; {members} members now"),
    "matrix_deleted": ("已删除矩阵“{name}”", "Deleted the matrix {name}"),
    "campaign_created": ("已发起联动活动 {id}：“{title}” #{topic}#，{start} – {end}（北京时间）",
                         "Started campaign {id}: {title} #{topic}#, {start} – {end} (Beijing time)"),
    "campaign_report": ("{title}  #{topic}#  {start} – {end}（北京时间）  {state}",
                        "{title}  #{topic}#  {start} – {end} (Beijing time)  {state}"),
    "campaign_counters": ("参与 {joined}/{members}（{coverage:.0%}）  阅读 {reads}  讨论 {discussions}  热搜最高 {rank}",
                          "joined {joined}/{members} ({coverage:.0%})  reads {reads}  discussions {discussions}  "
                          "best rank {rank}"),
    "campaign_joined_line": ("  {at}  @{username}  {how}", "  {at}  @{username}  {how}"),
    "campaign_state_upcoming": ("未开始", "upcoming"),
    "campaign_state_running": ("进行中", "running"),
    "campaign_state_ended": ("已结束", "ended"),
    "campaign_kind_original": ("原创", "original"),
    "campaign_kind_repost": ("转发", "repost"),
    "campaign_reach_line": ("  {id}  @{username}  转发 {reposts}（矩阵内 {members}）  评论 {replies}  赞 {likes}  阅读 {reads}",
                            "  {id}  @{username}  reposts {reposts} ({members} by members)  replies {replies}  "
                            "likes {likes}  reads {reads}"),
})


def _matrix_kind(kind: str) -> str:
    from plaza.matrices.matrices import KINDS

    return KINDS[kind][1 if locale() == "en" else 0]


def _beijing_time(value: Any) -> str:
    from plaza.clock import as_utc
    from plaza.matrices.campaigns import CHINA_TIME

    return as_utc(value).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def _usernames_to_ids(instance: Any, usernames: tuple[str, ...]) -> list[int]:
    return [int(_find(instance, name).id) for name in usernames]


@main.group()
def matrix() -> None:
    """Government matrices (政务矩阵): build, list, show, change and re-sync them."""


@matrix.command("create")
@click.argument("name")
@click.option("--from-tree", "root", metavar="USERNAME", help="A government account and all its descendants.")
@click.option("--region", metavar="CODE", help="Every government account in a division (province, city, county).")
@click.option("--department", metavar="TYPE", type=click.Choice(list(DEPARTMENT_TYPES)),
              help="One department line (within --region, or nationwide).")
@click.option("--manual", is_flag=True, help="By hand: the accounts given with --member.")
@click.option("--member", "members", metavar="USERNAME", multiple=True, help="Also add this account (repeatable).")
@click.option("--owner", metavar="USERNAME", help="The government account that manages it.")
@click.option("--description", default="", help="One or two sentences about it.")
def matrix_create(name: str, root: str | None, region: str | None, department: str | None, manual: bool,
                  members: tuple[str, ...], owner: str | None, description: str) -> None:
    """Create a matrix: --from-tree USERNAME | --region CODE [--department TYPE] | --department TYPE | --manual."""
    from plaza.matrices import matrices
    from plaza.matrices.matrices import MatrixSpec

    chosen = [bool(root), bool(region or department), manual]
    if sum(chosen) != 1:
        raise click.UsageError(_("matrix_kind_needed"))
    kind = "tree" if root else "manual" if manual else "department" if department else "region"
    with _plaza() as instance:
        spec = MatrixSpec(name=name, kind=kind, description=description, region_code=region,
                          department_type=department, root_id=int(_find(instance, root).id) if root else None,
                          member_ids=tuple(_usernames_to_ids(instance, members)),
                          owner_id=int(_find(instance, owner).id) if owner else None)
        row = matrices.create(instance.db, None, spec)
        count = matrices.members_count(instance.db, row.id)
    click.echo(_("matrix_created", name=row.name, kind=_matrix_kind(row.kind), members=count))


@matrix.command("list")
def matrix_list() -> None:
    """Every matrix, newest first."""
    from plaza.matrices import matrices
    from plaza.square.pagination import Page

    with _plaza() as instance:
        found, page = [], Page(limit=200)
        while True:
            batch = matrices.list_matrices(instance.db, page)
            found.extend(batch)
            if len(batch) < page.limit:
                break
            page = Page(max_id=batch[-1].matrix.id, limit=200)
    if not found:
        click.echo(_("matrix_none"))
    for summary in found:
        m = summary.matrix
        click.echo(_("matrix_line", id=m.id, name=m.name, kind=_matrix_kind(m.kind), members=summary.members_count))


@matrix.command("show")
@click.argument("name")
def matrix_show(name: str) -> None:
    """A matrix's rule, owner, members (by level) and campaigns."""
    from plaza.matrices import campaigns, matrices
    from plaza.square import accounts

    with _plaza() as instance:
        row = matrices.find(instance.db, name)
        members = matrices.members(instance.db, row.id)
        owner = accounts.get(instance.db, row.owner_id) if row.owner_id else None
        found = campaigns.list_for(instance.db, row.id)
    click.echo(_("matrix_header", name=row.name, kind=_matrix_kind(row.kind), members=len(members)))
    rule = " ".join(str(v) for v in (row.region_code, row.department_type) if v)
    if rule:
        click.echo(_("matrix_rule_line", rule=rule))
    if owner is not None:
        click.echo(_("matrix_owner_line", username=owner.username))
    for member in members:
        a = member.account
        click.echo(f"  @{a.username}  {a.display_name}  {a.agency or ''}  {a.region_code or ''}  {a.level or ''}")
    for c in found:
        click.echo(_("matrix_campaign_line", id=c.id, topic=c.topic_name, start=_beijing_time(c.starts_at),
                     end=_beijing_time(c.ends_at), state=_("campaign_state_" + campaigns.state_of(c))))


@matrix.command("add")
@click.argument("name")
@click.argument("usernames", nargs=-1, required=True)
def matrix_add(name: str, usernames: tuple[str, ...]) -> None:
    """Add government accounts to a matrix by hand."""
    from plaza.matrices import matrices

    with _plaza() as instance:
        row = matrices.find(instance.db, name)
        added = matrices.add_members(instance.db, None, row.id, _usernames_to_ids(instance, usernames))
        count = matrices.members_count(instance.db, row.id)
    click.echo(_("matrix_added", n=added, members=count))


@matrix.command("remove")
@click.argument("name")
@click.argument("usernames", nargs=-1, required=True)
def matrix_remove(name: str, usernames: tuple[str, ...]) -> None:
    """Take accounts out of a matrix (a re-sync does not bring them back)."""
    from plaza.matrices import matrices

    with _plaza() as instance:
        row = matrices.find(instance.db, name)
        removed = matrices.remove_members(instance.db, None, row.id, _usernames_to_ids(instance, usernames))
        count = matrices.members_count(instance.db, row.id)
    click.echo(_("matrix_removed", n=removed, members=count))


@matrix.command("sync")
@click.argument("name")
def matrix_sync(name: str) -> None:
    """Re-apply a derived matrix's rule: new accounts join, those that no longer match leave."""
    from plaza.matrices import matrices

    with _plaza() as instance:
        row = matrices.find(instance.db, name)
        result = matrices.sync(instance.db, None, row.id)
        count = matrices.members_count(instance.db, row.id)
    click.echo(_("matrix_synced", added=len(result.added), removed=len(result.removed), members=count))


@matrix.command("delete")
@click.argument("name")
def matrix_delete(name: str) -> None:
    """Delete a matrix and its campaigns."""
    from plaza.matrices import matrices

    with _plaza() as instance:
        row = matrices.find(instance.db, name)
        matrices.delete_matrix(instance.db, None, row.id)
    click.echo(_("matrix_deleted", name=row.name))


@main.group()
def campaign() -> None:
    """Matrix campaigns (矩阵联动): a topic bound to a matrix for a period."""


@campaign.command("create")
@click.argument("matrix_name", metavar="MATRIX")
@click.argument("topic")
@click.option("--start", required=True, metavar="TIME", help="ISO 8601; without an offset, Beijing time.")
@click.option("--end", required=True, metavar="TIME", help="ISO 8601; without an offset, Beijing time.")
@click.option("--title", default="", help="Default: the topic.")
@click.option("--description", default="")
def campaign_create(matrix_name: str, topic: str, start: str, end: str, title: str, description: str) -> None:
    """Start a campaign of MATRIX (its name or id) for TOPIC."""
    from plaza.matrices import campaigns, matrices
    from plaza.matrices.campaigns import CampaignSpec

    spec = CampaignSpec(topic=topic, starts_at=campaigns.parse_time(start, "--start"),
                        ends_at=campaigns.parse_time(end, "--end"), title=title, description=description)
    with _plaza() as instance:
        row = campaigns.create(instance.db, None, matrices.find(instance.db, matrix_name).id, spec)
    click.echo(_("campaign_created", id=row.id, title=row.title, topic=row.topic_name,
                 start=_beijing_time(row.starts_at), end=_beijing_time(row.ends_at)))


@campaign.command("show")
@click.argument("campaign_id", type=int)
def campaign_show(campaign_id: int) -> None:
    """Who joined a campaign and when, its counters and each member post's reach."""
    from plaza.matrices import campaigns
    from plaza.square import accounts

    with _plaza() as instance:
        report = campaigns.report(instance.db, _hot_service(instance), campaign_id)
        with instance.db.read() as conn:
            people = accounts.get_many(conn, {p.account_id for p in report.joined} | {p.account_id for p in report.propagation})
    c = report.campaign
    click.echo(_("campaign_report", title=c.title, topic=c.topic_name, start=_beijing_time(c.starts_at),
                 end=_beijing_time(c.ends_at), state=_("campaign_state_" + report.state)))
    click.echo(_("campaign_counters", joined=len(report.joined), members=report.members, coverage=report.coverage,
                 reads=report.reads, discussions=report.discussions, rank=report.peak_rank or "-"))
    for p in report.joined:
        click.echo(_("campaign_joined_line", at=_beijing_time(p.first_at), username=people[p.account_id].username,
                     how=_("campaign_kind_" + p.first_kind)))
    for r in report.propagation:
        click.echo(_("campaign_reach_line", id=r.status_id, username=people[r.account_id].username,
                     reposts=r.reposts, members=r.member_reposts, replies=r.replies, likes=r.likes, reads=r.reads))


# --- official warnings (预警) ----------------------------------------------------------------------


@main.group("warnings")
def warnings_group() -> None:
    """Official warnings (预警): import CAP 1.2 documents, list the warnings in force."""


@warnings_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_username", metavar="USERNAME",
              help="The account that posts it (default: the account named by the document's sender).")
def warnings_import(path: Path, as_username: str | None) -> None:
    """Import a CAP 1.2 document (validated against the OASIS schema) as a warning."""
    import asyncio

    from plaza.actions import warnings as warning_actions
    from plaza.help import cap

    document = path.read_bytes()
    alert = cap.parse(document)
    with _plaza() as instance:
        username = as_username or alert.sender.split("@", 1)[0]
        from plaza.square import accounts

        author = accounts.find_by_username(instance.db, username)
        if author is None:
            raise Invalid("warning_author_required") if as_username is None else NotFound("account_not_found")
        done = asyncio.run(warning_actions.import_cap(instance, policy.OPERATOR, document, as_account=author))
    click.echo(_("warning_imported", id=done.row.id, event=done.row.event, msg_type=done.row.msg_type,
                 areas=",".join(done.codes) or "-", username=author.username))


@warnings_group.command("list")
@click.option("--all", "every", is_flag=True, help="Every message, not only the warnings in force.")
@click.option("--area", metavar="CODE", help="Only those covering this division code.")
def warnings_list(every: bool, area: str | None) -> None:
    """The warnings in force (id, level, event, areas, expiry in Beijing time)."""
    import asyncio

    from plaza.actions import warnings as warning_actions

    with _plaza() as instance:
        found = asyncio.run(warning_actions.list_warnings(instance, area=area, every=every))
    if not found:
        click.echo(_("warnings_none"))
    for item in found:
        click.echo("\t".join([item["id"], item["level"] or "-", item["event"], ",".join(item["areas"]) or "-",
                              (item["expires"] or "")[:16].replace("T", " "), item["msg_type"],
                              "" if item["in_force"] else "-"]))


# --- the service desk (服务台) ----------------------------------------------------------------------


@main.group("desk")
def desk_group() -> None:
    """City service desks (城市服务台): desks, departments, operators, rules, time limits, the router."""


@desk_group.command("create")
@click.argument("username")
@click.option("--region", metavar="CODE", help="The desk's region (a city or county code); default the account's.")
@click.option("--topic", help="The column topic whose posts open cases, e.g. 马上办.")
@click.option("--no-catalogue", is_flag=True, help="Start with an empty catalogue instead of the shipped one.")
def desk_create(username: str, region: str | None, topic: str | None, no_catalogue: bool) -> None:
    """Open a desk on a verified government account (with the 12345 catalogue: 517 categories)."""
    from plaza.desk import desks

    with _plaza() as instance, instance.db.write() as conn:
        desk = desks.create(conn, username, region_code=region, topic=topic, with_catalogue=not no_catalogue)
    click.echo(_("desk_created", desk=desk.username, region=desk.region_code, topic=desk.topic or "-"))


@desk_group.command("list")
def desk_list() -> None:
    """The desks, their regions, topics and departments."""
    from plaza.desk import desks

    with _plaza() as instance, instance.db.read() as conn:
        for desk in desks.all_desks(conn):
            names = " ".join("@" + d.username for d in desks.departments(conn, desk))
            click.echo(f"@{desk.username}\t{desk.region_code}\t#{desk.topic or '-'}#\t{names}")


@desk_group.command("department")
@click.argument("desk")
@click.argument("usernames", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Stop forwarding to them.")
def desk_department(desk: str, usernames: tuple[str, ...], remove: bool) -> None:
    """Let a desk forward to government accounts of its region (or stop)."""
    from plaza.desk import desks

    with _plaza() as instance, instance.db.write() as conn:
        found = desks.get(conn, desk)
        for name in usernames:
            if remove:
                desks.remove_department(conn, found, name)
            else:
                desks.add_department(conn, found, name)
    click.echo(_("desk_departments_set", desk=desk, count=len(usernames)))


@desk_group.command("operator")
@click.argument("agency")
@click.argument("person")
@click.option("--role", type=click.Choice(["operator", "manager"]), default="operator", show_default=True)
@click.option("--remove", is_flag=True, help="Dismiss the operator.")
def desk_operator(agency: str, person: str, role: str, remove: bool) -> None:
    """Let a person act for a government account (a desk's or a department's) — every step they
    take names them and the agency."""
    from plaza.accounts import operators

    with _plaza() as instance:
        agency_row, person_row = _find(instance, agency), _find(instance, person)
        with instance.db.write() as conn:
            if remove:
                operators.dismiss(conn, agency_row.id, person_row.id)
            else:
                operators.appoint(conn, agency_row.id, person_row.id, role)
    click.echo(_("desk_operator_set", agency=agency_row.username, person=person_row.username,
                 role="-" if remove else role))


@desk_group.command("rule")
@click.argument("desk")
@click.argument("category")
@click.argument("lead")
@click.option("--county", metavar="CODE", help="Only in this county (default: the whole region).")
@click.option("--co", "co_handlers", multiple=True, metavar="USERNAME", help="A co-handler (协办), repeatable.")
def desk_rule(desk: str, category: str, lead: str, county: str | None, co_handlers: tuple[str, ...]) -> None:
    """Make LEAD responsible for CATEGORY (a path, code or unique name, and everything under it)."""
    from plaza.desk import desks

    with _plaza() as instance, instance.db.write() as conn:
        desks.set_rule(conn, desks.get(conn, desk), category, county, lead, co_handlers)
    click.echo(_("desk_rule_set", desk=desk, category=category, lead=lead))


@desk_group.command("limit")
@click.argument("desk")
@click.option("--category", help="A category (default: the whole desk).")
@click.option("--urgency", type=click.Choice(["ordinary", "urgent"]), default="ordinary", show_default=True)
@click.option("--acknowledge", required=True, help="e.g. 2h (clock hours) or 1d (working days).")
@click.option("--resolve", required=True, help="e.g. 5d (working days).")
def desk_limit(desk: str, category: str | None, urgency: str, acknowledge: str, resolve: str) -> None:
    """Set the time limits of a desk (or of one of its categories) for an urgency."""
    from plaza.desk import catalogue, desks, limits

    with _plaza() as instance, instance.db.write() as conn:
        found = desks.get(conn, desk)
        category_id = catalogue.find(conn, found.id, category).id if category else None
        limits.set_limits(conn, found.id, category_id, urgency, acknowledge, resolve)
    click.echo(_("desk_limit_set", desk=desk, urgency=urgency, acknowledge=acknowledge, resolve=resolve))


@desk_group.command("category")
@click.argument("desk")
@click.argument("path")
def desk_category(desk: str, path: str) -> None:
    """Add a category to a desk's catalogue (e.g. 城乡建设/城市建设和市政管理/共享单车)."""
    from plaza.desk import catalogue, desks

    with _plaza() as instance, instance.db.write() as conn:
        made = catalogue.add(conn, desks.get(conn, desk).id, path)
    click.echo(_("desk_category_added", path=made.path, code=made.code))


@desk_group.command("sweep")
def desk_sweep() -> None:
    """Check every case's time limits now (the server does this every minute)."""
    from plaza.desk.workflow import CASE
    from plaza.workflow import engine

    with _plaza() as instance:
        marked = engine.sweep(instance.db, CASE)
    click.echo(_("desk_swept", count=marked))


@desk_group.command("import-cases")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--desk", "desk_name", required=True, help="The desk (its account's username).")
def desk_import_cases(path: Path, desk_name: str) -> None:
    """Load past cases for training the router (CSV: text, category, [department, created_at, title])."""
    from plaza.desk import routing

    with _plaza() as instance:
        loaded, refused = routing.import_cases(instance.db, desk_name, path)
    for line, key in refused[:20]:
        click.echo(_("desk_import_refused", line=line, why=_(key)), err=True)
    click.echo(_("desk_imported", count=loaded, refused=len(refused)))


@desk_group.command("train")
@click.option("--desk", "desk_name", required=True, help="The desk (its account's username).")
def desk_train(desk_name: str) -> None:
    """Train the desk's router on its history now (the server also retrains nightly)."""
    import time

    from plaza.desk import routing

    with _plaza() as instance:
        started = time.monotonic()
        count = routing.train(instance.db, desk_name)
    click.echo(_("desk_trained", desk=desk_name, count=count, seconds=time.monotonic() - started))


@desk_group.command("evaluate")
@click.option("--desk", "desk_name", required=True, help="The desk (its account's username).")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
def desk_evaluate(desk_name: str, folds: int) -> None:
    """Top-1 and top-3 accuracy of the router by cross-validation on the desk's history."""
    from plaza.desk import routing

    with _plaza() as instance:
        result = routing.evaluation(instance.db, desk_name, folds=folds)
    click.echo(_("desk_evaluated", n=result.n, folds=folds, top1=result.top1, top3=result.top3,
                 baseline=result.baseline_top1))


@desk_group.group("rollup")
def desk_rollup() -> None:
    """The desks' figures kept as cases move (what the board and the metrics read)."""


MESSAGES.update({
    "desk_rollup_rebuilt": ("已根据工单重算 {desks} 个服务台的汇总：{cases} 件工单，{rows} 行，用时 {seconds:.1f} 秒",
                            "Rebuilt the rollup of {desks} desk(s) from {cases} cases: {rows} rows in {seconds:.1f} s"),
})


@desk_rollup.command("rebuild")
@click.option("--desk", "desk_name", help="Only this desk (its account's username); default every desk.")
def desk_rollup_rebuild(desk_name: str | None) -> None:
    """Recompute the rollup from the cases (after loading cases straight into the database)."""
    import time

    from sqlalchemy import func, select

    from plaza.desk import desks, rollup
    from plaza.storage.schema import cases

    with _plaza() as instance, instance.db.write() as conn:
        started = time.monotonic()
        found = desks.get(conn, desk_name) if desk_name else None
        rows = rollup.rebuild(conn, found.id if found else None)
        counted = conn.execute(select(func.count()).select_from(cases)
                               .where(*([cases.c.desk_id == found.id] if found else []))).scalar_one()
        count = 1 if found else len(desks.all_desks(conn))
    click.echo(_("desk_rollup_rebuilt", desks=count, cases=counted, rows=rows, seconds=time.monotonic() - started))


# --- the evaluation index (政务指数) ----------------------------------------------------------------

MESSAGES.update({
    "index_computed": ("{period}：{accounts} 个政务号已排名（计算 {days} 天的日数据，{events} 个热点事件），用时 {seconds:.1f} 秒",
                       "{period}: {accounts} government accounts ranked ({days} days counted, {events} hot events) in {seconds:.1f} s"),
    "index_top_line": ("{rank:>4}  {composite:6.2f}  {name}（@{username}）", "{rank:>4}  {composite:6.2f}  {name} (@{username})"),
})


@main.group("index")
def index_group() -> None:
    """The evaluation index (政务指数): compute a period's indicators, rankings and hot events."""


def _weights(raw: str | None) -> dict[str, float] | None:
    """``reach=0.3,service=0.35,interaction=0.35`` → a mapping (checked by the index)."""
    if not raw:
        return None
    out: dict[str, float] = {}
    for part in raw.split(","):
        name, _sep, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError as exc:
            raise click.BadParameter(_("index_weights_invalid", reason=part.strip())) from exc
    return out


@index_group.command("compute")
@click.option("--period", "period_text", metavar="PERIOD",
              help="2026-11 (month), 2026-Q4, 2026-W45 or 2026-11-07; default the month so far.")
@click.option("--weights", metavar="W", help="The composite's weights, e.g. reach=0.3,service=0.35,interaction=0.35.")
@click.option("--response-hours", type=float, default=24.0, show_default=True,
              help="A hot event counts as answered within this many hours.")
@click.option("--top", type=int, default=10, show_default=True, help="Show the first N of the ranking.")
@click.option("--recount", is_flag=True,
              help="Count every day of the period again from the square's rows (days kept as the square wrote them "
                   "included).")
def index_compute(period_text: str | None, weights: str | None, response_hours: float, top: int,
                  recount: bool) -> None:
    """Compute a period's index: its days not counted yet (days kept as the square writes are only
    rolled up), the hot events and who answered them, every government account's indicators,
    scores and rank."""
    import time

    from plaza.index import compute, response

    with _plaza() as instance:
        started = time.monotonic()
        try:
            chosen = _weights(weights)
            settings = (compute.Settings(weights=chosen, response_hours=response_hours) if chosen
                        else compute.Settings(response_hours=response_hours))
        except ValueError as exc:
            raise click.BadParameter(_("index_weights_invalid", reason=str(exc))) from exc
        period = compute.period_for(period_text)
        if recount:
            from plaza.index import daily

            daily.compute_days(instance.db, period.first, period.end, recount=True)
        ranked = compute.compute_period(instance.db, period, settings=settings)
        events = response.events_of(instance.db, period)
        with instance.db.read() as conn:
            from sqlalchemy import select

            from plaza.storage.schema import accounts, index_days

            days = conn.execute(select(index_days.c.day).where(index_days.c.day >= period.first,
                                                               index_days.c.day < period.end)).all()
            names = {r.id: r for r in conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.display_name)
                                                   .where(accounts.c.id.in_([r.account_id for r in ranked[:top]])))}
    click.echo(_("index_computed", period=period.key, accounts=len(ranked), days=len(days), events=len(events),
                 seconds=time.monotonic() - started))
    for result in ranked[:top]:
        who = names[result.account_id]
        click.echo(_("index_top_line", rank=result.rank, composite=result.composite, name=who.display_name,
                     username=who.username))


MESSAGES.update({
    "index_statistics_imported": ("已导入城市统计数据：读取 {rows} 行，保存 {values} 个数值（{regions} 个地区，年份 {years}，统计项 {measures}）",
                                  "Imported city statistics: {rows} lines read, {values} values stored ({regions} regions, "
                                  "years {years}, statistics {measures})"),
    "index_statistics_skipped": ("跳过 {count} 处：", "Skipped {count}:"),
    "index_statistics_skipped_line": ("  第 {line} 行：{reason}", "  line {line}: {reason}"),
    "index_statistics_nothing": ("没有读到任何数值，什么也没有导入", "Nothing could be read; nothing was imported"),
    "index_statistics_file_or_example": ("请给出一个 CSV 文件，或用 --example 导入随附的示例数据（二者选一）",
                                         "Give a CSV file, or --example for the shipped example (one of the two)"),
    "index_correlate_title": ("{period}：政务号影响力与所在地区统计数据的相关性（{accounts} 个政务号，{paired} 个有统计数据）",
                              "{period}: government accounts' influence against their region's statistics "
                              "({accounts} accounts, {paired} with statistics)"),
    "index_correlate_columns": ("指标|统计项|分组|n|Pearson r [95% 区间]|Spearman ρ [95% 区间]|p(ρ)",
                                "measure|statistic|group|n|Pearson r [95% CI]|Spearman ρ [95% CI]|p(ρ)"),
    "index_correlate_small_groups": ("另有 {count} 行的分组不足 3 个账号，未列出", "{count} more rows of groups with fewer than 3 "
                                     "accounts are not listed"),
    "index_correlate_summary": ("小结：", "Summary:"),
})


@index_group.command("statistics")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--example", is_flag=True, help="Import the example shipped with Plaza (rounded public figures).")
def index_statistics(file: Path | None, example: bool) -> None:
    """Import city statistics (城市统计) from a CSV: region_code (or code), year, then any statistic
    as a column (population, gdp, …). Re-importing replaces the values; bad lines are reported."""
    from plaza.index import statistics

    if (file is None) == (not example):
        raise click.UsageError(_("index_statistics_file_or_example"))
    with _plaza() as instance:
        report = statistics.import_csv(instance.db, file if file is not None else statistics.EXAMPLE.read_bytes())
    if report.skipped:
        click.echo(_("index_statistics_skipped", count=len(report.skipped)), err=True)
        for skipped in report.skipped:
            click.echo(_("index_statistics_skipped_line", line=skipped.line, reason=skipped.message(locale())), err=True)
    years = f"{report.years[0]}–{report.years[-1]}" if len(report.years) > 1 else "".join(map(str, report.years)) or "-"
    click.echo(_("index_statistics_imported", rows=report.rows, values=report.values, regions=len(report.regions),
                 years=years, measures=", ".join(report.measures) or "-"))
    if not report.values:
        click.echo(_("index_statistics_nothing"), err=True)
        click.get_current_context().exit(1)


def _figure(value: float | None, ci: list[float] | None) -> str:
    if value is None:
        return "-"
    return f"{value:+.2f} [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else f"{value:+.2f}"


def _table(header: list[str], lines: list[list[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Columns padded to their widest cell, Chinese characters counting two."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(line[i]) for line in [header, *lines]) for i in range(len(header))]
    out = []
    for line in [header, *lines]:
        cells = [(" " * (w - width(c)) + c) if i in right else (c + " " * (w - width(c)))
                 for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        out.append("  ".join(cells).rstrip())
    return out


@index_group.command("correlate")
@click.option("--period", "period_text", metavar="PERIOD", help="A computed period, e.g. 2026-11; default the newest month.")
@click.option("--year", type=click.IntRange(1900, 2100), help="The statistics' year; default the latest up to the period's.")
@click.option("--statistic", "statistic_names", multiple=True, metavar="NAME",
              help="Only this statistic (repeatable); default every one imported.")
@click.option("--measure", "measure_names", multiple=True, metavar="NAME",
              help="Only this influence measure (repeatable); default followers, pagerank, reposts, bci, composite, reach.")
@click.option("--by", "groupings", multiple=True, type=click.Choice(["all", "level", "department_type"]),
              help="The groups (repeatable); default all three.")
def index_correlate(period_text: str | None, year: int | None, statistic_names: tuple[str, ...],
                    measure_names: tuple[str, ...], groupings: tuple[str, ...]) -> None:
    """Correlate each influence measure of a computed period with the city statistics (Pearson
    and Spearman with 95% bootstrap intervals), over all accounts, per level and per department
    type; print the table and a short summary."""
    from plaza.index import rankings, statistics

    with _plaza() as instance:
        with instance.db.read() as conn:
            period = rankings.default_period(conn, period_text)
            dataset = statistics.load(conn, period, statistic_year=year,
                                      measures=measure_names or statistics.DEFAULT_MEASURES,
                                      statistics=statistic_names or None)
        result = statistics.analyse(dataset, by=groupings or statistics.GROUPINGS)
    click.echo(_("index_correlate_title", period=period.key, accounts=result["accounts"], paired=result["paired"]))
    lines, small = [], 0
    for row in result["rows"]:
        if row["n"] < 3 and row["group"] != "all":
            small += 1
            continue
        p = row["spearman_p"]
        lines.append([row["measure"], row["statistic"], row["group"], str(row["n"]),
                      _figure(row["pearson"], row["pearson_ci"]), _figure(row["spearman"], row["spearman_ci"]),
                      "-" if p is None else "<0.001" if p < 0.001 else f"{p:.3f}"])
    for line in _table(_("index_correlate_columns").split("|"), lines, right=frozenset({3})):
        click.echo(line)
    if small:
        click.echo(_("index_correlate_small_groups", count=small))
    click.echo()
    click.echo(_("index_correlate_summary"))
    for sentence in statistics.summary(result, locale()):
        click.echo("  " + sentence)


# --- Open311 (civic apps' API keys) -------------------------------------------------------------

MESSAGES.update({
    "open311_key_created": ("已为“{name}”创建 Open311 密钥（编号 {id}）。密钥只显示这一次，请交给该应用妥善保存：",
                            "Created the Open311 key of {name} (id {id}). It is shown this once; give it to the app:"),
    "open311_key_revoked": ("已吊销“{name}”的 Open311 密钥（编号 {id}），于 {at}", "Revoked the Open311 key of {name} (id {id}) at {at}"),
    "open311_keys_none": ("还没有 Open311 密钥", "There are no Open311 keys yet"),
    "open311_key_line": ("{id}  {name}  创建于 {created}  {state}", "{id}  {name}  created {created}  {state}"),
    "open311_key_in_use": ("有效", "in use"),
    "open311_key_revoked_at": ("已于 {at} 吊销", "revoked {at}"),
})


@main.group("open311")
def open311_group() -> None:
    """Open311 GeoReport v2 (/open311/v2): the civic apps allowed to file requests."""


@open311_group.group("key")
def open311_key() -> None:
    """Create, list and revoke the API keys of civic apps."""


@open311_key.command("create")
@click.argument("name")
def open311_key_create(name: str) -> None:
    """Register the app NAME; prints its key alone on the last line (shown only this once)."""
    from plaza.api.open311 import keys

    with _plaza() as instance, instance.db.write() as conn:
        key, secret = keys.create(conn, name)
    click.echo(_("open311_key_created", name=key.name, id=key.id))
    click.echo(secret)


@open311_key.command("list")
def open311_key_list() -> None:
    """Every key: id, app name, when it was created, whether it is revoked (never the key)."""
    from plaza.api.open311 import keys

    with _plaza() as instance, instance.db.read() as conn:
        found = keys.all_keys(conn)
    if not found:
        click.echo(_("open311_keys_none"))
        return
    for key in found:
        state = (_("open311_key_revoked_at", at=_beijing_time(key.revoked_at)) if key.revoked_at
                 else _("open311_key_in_use"))
        click.echo(_("open311_key_line", id=key.id, name=key.name, created=_beijing_time(key.created_at), state=state))


@open311_key.command("revoke")
@click.argument("name_or_id", metavar="NAME_OR_ID")
def open311_key_revoke(name_or_id: str) -> None:
    """Stop the key of an app (by its name or id) from filing anything more."""
    from plaza.api.open311 import keys

    with _plaza() as instance, instance.db.write() as conn:
        key = keys.revoke(conn, name_or_id)
    click.echo(_("open311_key_revoked", name=key.name, id=key.id, at=_beijing_time(key.revoked_at)))


# --- imports into the evaluation index (政务指数) ---------------------------------------------------

MESSAGES.update({
    "import_origin_weibo": ("微博", "Weibo"),
    "import_origin_mastodon": ("Mastodon 存档", "the Mastodon archive"),
    "import_origin_csv": ("CSV", "the CSV file"),
    "import_progress": ("导入中", "Importing"),
    "import_summary": ("已从{origin}导入（{files} 个文件，用时 {seconds:.1f} 秒）：账号 新建 {accounts_created}、更新 "
                       "{accounts_updated}、未变 {accounts_unchanged}；微博 新建 {posts_created}、更新 {posts_updated}、"
                       "未变 {posts_unchanged}（每秒 {rate:,.0f} 条）",
                       "Imported from {origin} ({files} file(s) in {seconds:.1f} s): accounts {accounts_created} "
                       "created, {accounts_updated} updated, {accounts_unchanged} unchanged; posts {posts_created} "
                       "created, {posts_updated} updated, {posts_unchanged} unchanged ({rate:,.0f} posts/s)"),
    "import_skipped": ("跳过 {count} 条：", "Skipped {count}:"),
    "import_skipped_by_reason": ("  {reason}：{count}", "  {reason}: {count}"),
    "import_notes": ("请核对 {count} 项：", "To check, {count}:"),
    "import_line": ("  {where}：{why}{detail}", "  {where}: {why}{detail}"),
    "import_more": ("  ……另有 {count} 条（--report 文件列出全部）", "  … {count} more (--report FILE lists them all)"),
    "import_report_written": ("完整报告已写入 {path}", "The full report is in {path}"),
    "import_nothing": ("没有导入任何内容：{why}", "Nothing was imported: {why}"),
    "import_nothing_weibo": ("没有可读的微博记录。微博文件应为 weibo-crawler 的 JSON（weibo/<昵称>/<uid>.json）或微博 API 的 "
                             "status 对象（JSON 列表、{{\"statuses\": [...]}} 或 JSON Lines）",
                             "no Weibo record could be read. Weibo files are weibo-crawler's JSON "
                             "(weibo/<name>/<uid>.json) or Weibo API status objects (a JSON list, "
                             "{{\"statuses\": [...]}}, or JSON Lines)"),
    "import_nothing_mastodon": ("存档里没有可导入的公开嘟文", "the archive holds no public post to import"),
    "import_nothing_csv": ("CSV 里没有可读的行", "no row of the CSV could be read"),
    "import_unreadable": ("无法读取：{error}", "Cannot read {error}"),
    "import_unreadable_mastodon": ("Mastodon 存档是导出的 .zip / .tar.gz 或其解压目录，内含 outbox.json 和 actor.json",
                                   "A Mastodon archive is the exported .zip or .tar.gz, or the folder it unpacks "
                                   "to, holding outbox.json and actor.json"),
    "import_unreadable_csv": ("CSV 须为 UTF-8，首行为列名：{columns}",
                              "The CSV must be UTF-8 with a header row: {columns}"),
    # why a record was skipped, or is worth a look
    "import_why_unreadable_file": ("文件无法读取", "file cannot be read"),
    "import_why_bad_json": ("不是合法的 JSON", "not JSON"),
    "import_why_not_a_status": ("不是一条微博", "not a post"),
    "import_why_no_id": ("缺少编号（id / mid）", "no id (id / mid)"),
    "import_why_no_author": ("缺少作者", "no author"),
    "import_why_bad_date": ("时间无法识别", "time not understood"),
    "import_why_bad_count": ("计数无效（负数或无法识别）", "count invalid (negative or unreadable)"),
    "import_why_original_author_unknown": ("转发的原微博作者不明（原微博已删除？）",
                                           "the reposted original's author is unknown (deleted?)"),
    "import_why_bad_original": ("转发的原微博无法读取", "the reposted original cannot be read"),
    "import_why_original_missing": ("转发的原微博不在导入数据中", "the reposted original is not in the data"),
    "import_why_repost_twice": ("同一账号再次转发同一条微博（只保留一次）",
                                "the same account reposted the same original again (kept once)"),
    "import_why_not_public": ("非公开嘟文（仅关注者或私信）不导入", "not public (followers-only or direct): not imported"),
    "import_why_bad_kind": ("账号类型无效（citizen、government、media、organisation）",
                            "kind invalid (citizen, government, media, organisation)"),
    "import_why_bad_region": ("行政区划代码无效", "division code invalid"),
    "import_why_bad_row": ("行格式有误", "malformed row"),
    "import_why_bad_encoding": ("不是 UTF-8，此后的行未读取", "not UTF-8; the lines after it were not read"),
    "import_why_place_unresolved": ("地点无法识别，已用默认城市", "place not resolved; the default city was used"),
    "import_why_display_name_taken": ("昵称已被占用，已改名", "display name taken; renamed"),
})

#: Skip and note lines printed before "… N more".
_IMPORT_LINES = 20


@main.group("import")
def import_group() -> None:
    """Import real data into the evaluation index (政务指数): Weibo, a Mastodon archive, CSV.

    Imported accounts and posts keep their counters as the source counted them and are marked
    as imported; importing again updates the counters and duplicates nothing.
    """


def _import_city(city: str | None, instance: Any) -> str:
    from plaza.square.accounts import validate_city

    return validate_city(city) if city else str(instance.settings.default_city)


@contextmanager
def _import_progress() -> Iterator[Any]:
    """A progress bar on standard error when it is a terminal (None otherwise)."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=_("import_progress"), file=sys.stderr)
            bar.__enter__()
        bar.update(max(0, min(done, bar.length) - bar.pos))

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _import_why(reason: str) -> str:
    key = "import_why_" + reason
    return _(key) if key in MESSAGES else reason


def _import_report(report: Any, report_path: Path | None, nothing: str) -> None:
    """The summary, the first skip and note lines, the full report to a file; exit 1 when
    nothing at all was imported."""
    click.echo(_("import_summary", origin=_("import_origin_" + report.origin), files=report.files,
                 seconds=report.seconds, accounts_created=report.accounts_created,
                 accounts_updated=report.accounts_updated, accounts_unchanged=report.accounts_unchanged,
                 posts_created=report.posts_created, posts_updated=report.posts_updated,
                 posts_unchanged=report.posts_unchanged, rate=report.posts_per_second))
    for title, items, count in (("import_skipped", report.skipped, report.skipped_count),
                                ("import_notes", report.notes, len(report.notes))):
        if not count:
            continue
        click.echo(_(title, count=count))
        if title == "import_skipped" and len(report.skipped_by_reason) > 1:
            for reason, n in report.skipped_by_reason.most_common():
                click.echo(_("import_skipped_by_reason", reason=_import_why(reason), count=n))
        for item in items[:_IMPORT_LINES]:
            click.echo(_("import_line", where=item.where, why=_import_why(item.reason),
                         detail=f" ({item.detail})" if item.detail else ""))
        if count > _IMPORT_LINES:
            click.echo(_("import_more", count=count - _IMPORT_LINES))
    if report_path is not None:
        with report_path.open("w", encoding="utf-8", newline="") as out:
            out.write("kind\twhere\treason\tdetail\n")
            for kind, items in (("skipped", report.skipped), ("note", report.notes)):
                for item in items:
                    fields = (kind, item.where, item.reason, item.detail)
                    out.write("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields) + "\n")
        click.echo(_("import_report_written", path=report_path))
    if report.imported == 0:
        first = report.skipped[0] if report.skipped else None
        why = _(nothing)
        if first is not None:
            detail = f" ({first.detail})" if first.detail else ""
            why = f"{first.where}: {_import_why(first.reason)}{detail}. {why}"
        click.echo(_("import_nothing", why=why), err=True)
        click.get_current_context().exit(1)


_report_option = click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
                              help="Write every skipped record and note (tab-separated) to this file.")
_chunk_option = click.option("--chunk", type=click.IntRange(100, 100_000), default=5_000, show_default=True,
                             help="Posts written per transaction.")


@import_group.command("weibo")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--city", metavar="CODE",
              help="The city of accounts whose place does not resolve (default: PLAZA_DEFAULT_CITY).")
@_report_option
@_chunk_option
def import_weibo(paths: tuple[Path, ...], city: str | None, report_path: Path | None, chunk: int) -> None:
    """Import weibo-crawler's JSON files (weibo/<name>/<uid>.json) and Weibo API status files
    (a JSON list, {"statuses": [...]}, or JSON Lines); a directory is searched for *.json,
    *.jsonl and *.ndjson. A Weibo account becomes weibo_<uid>; verified_type 1 makes it a
    government account (region, level and department from its name and verification)."""
    from plaza.index import imports

    with _plaza() as instance, _import_progress() as progress:
        report = imports.import_weibo(instance.db, paths, default_city=_import_city(city, instance), chunk=chunk,
                                      progress=progress)
    _import_report(report, report_path, "import_nothing_weibo")


@import_group.command("mastodon")
@click.argument("archive", type=click.Path(exists=True, path_type=Path))
@click.option("--city", metavar="CODE", help="The account's home city (default: PLAZA_DEFAULT_CITY).")
@_report_option
@_chunk_option
def import_mastodon(archive: Path, city: str | None, report_path: Path | None, chunk: int) -> None:
    """Import a Mastodon account archive: the .zip or .tar.gz Mastodon exports (or the folder it
    unpacks to) with outbox.json and actor.json. Public and unlisted posts are imported;
    followers-only and direct posts, and boosts of others' posts, are skipped."""
    from plaza.index import imports

    with _plaza() as instance, _import_progress() as progress:
        chosen = _import_city(city, instance)
        try:
            report = imports.import_mastodon(instance.db, archive, default_city=chosen, home_city=chosen,
                                             chunk=chunk, progress=progress)
        except imports.UnreadableInput as exc:
            click.echo(_("import_unreadable", error=exc), err=True)
            click.echo(_("import_unreadable_mastodon"), err=True)
            click.get_current_context().exit(1)
    _import_report(report, report_path, "import_nothing_mastodon")


@import_group.command("csv")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--city", metavar="CODE",
              help="The city of accounts whose place does not resolve (default: PLAZA_DEFAULT_CITY).")
@_report_option
@_chunk_option
def import_csv(path: Path, city: str | None, report_path: Path | None, chunk: int) -> None:
    """Import posts from a CSV file, one post per row (UTF-8, with or without a BOM; header
    required). Columns: account, display_name, kind, region_code, post_id, created_at, text,
    reposts, comments, likes, reads, repost_of — account, post_id and created_at required;
    created_at without an offset is Beijing time; repost_of names the original's post_id."""
    from plaza.index import imports
    from plaza.index.imports import csvfile

    with _plaza() as instance, _import_progress() as progress:
        try:
            report = imports.import_csv(instance.db, path, default_city=_import_city(city, instance), chunk=chunk,
                                        progress=progress)
        except imports.UnreadableInput as exc:
            click.echo(_("import_unreadable", error=exc), err=True)
            click.echo(_("import_unreadable_csv", columns=", ".join(csvfile.COLUMNS)), err=True)
            click.get_current_context().exit(1)
    _import_report(report, report_path, "import_nothing_csv")


if __name__ == "__main__":  # pragma: no cover
    main()
