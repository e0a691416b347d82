"""The ``plaza`` command line: serve, migrate, load the demo, manage accounts, show hot search.

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
from plaza.config import Settings, load_settings
from plaza.errors import Invalid, NotFound, PlazaError
from plaza.square.accounts import DEPARTMENT_TYPES, KINDS, LEVELS, ORGANISATION_TYPES, ROLES

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
    "demo_stage_cast": ("政务号、媒体和组织账号：{done}", "government, media and organisation accounts: {done}"),
    "demo_stage_citizens": ("市民账号：{done}/{total}", "citizens: {done}/{total}"),
    "demo_stage_follows": ("关注：{done}", "follows: {done}"),
    "demo_stage_posts": ("微博：{done}/{total}", "posts: {done}/{total}"),
    "demo_stage_likes": ("赞：{done}", "likes: {done}"),
    "demo_stage_admin": ("管理员账号：已创建", "administrator: created"),
    "demo_skipped": ("  跳过 {count} 条（{reason}）", "  skipped {count} ({reason})"),
    "demo_already": ("演示数据已经载入过，本次未做任何更改", "The demo is already loaded; nothing changed"),
    "demo_sign_ins": ("演示账号（密码 {password}）：", "Demo sign-ins (password {password}):"),
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
    "hot_empty": ("（榜单为空）", "(the list is empty)"),
    "hot_columns": ("排名  话题  热度  标签  阅读量  讨论量", "rank  topic  heat  label  reads  discussions"),
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
    """A :class:`plaza.app.Plaza` for one command, its engine disposed afterwards."""
    from plaza.app import Plaza
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
        for reason, count in sorted(report.skipped.items()):
            click.echo(_("demo_skipped", reason=reason, count=count))
    else:
        click.echo(_("demo_already"))
    click.echo(_("demo_sign_ins", password=report.password))
    for username, what in report.sign_ins:
        click.echo(f"  {username:<16} {_('demo_as_' + what)}")


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
    from plaza.square.accounts import NATIONAL_REGION

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
    from plaza.square import accounts
    from plaza.square.accounts import GovernmentProfile

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
    from plaza.square import accounts
    from plaza.square.accounts import GovernmentProfile

    with _plaza() as instance:
        row = _find(instance, username)
        row = accounts.verify_government(instance.db, row.id, GovernmentProfile(
            agency, region, level, department_type, parent))
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


if __name__ == "__main__":  # pragma: no cover
    main()
