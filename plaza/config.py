"""Configuration in one place: every setting is a ``PLAZA_*`` environment variable (see README)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from plaza.errors import Invalid
from plaza.files import create_private, private_dir


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _city(code: str) -> str:
    """A setting that names a city: a 6-digit division code of a city (a county's reads as its
    city's); anything else stops the start with a message saying what is wrong."""
    from plaza import regions

    code = code.strip()
    city = regions.city_code(code) if len(code) == 6 and code.isdigit() else None
    if city is None:
        raise ValueError(f"PLAZA_DEFAULT_CITY={code!r} is not a city's 6-digit division code (e.g. 500000)")
    return city


def parse_trusted_proxies(value: str | None) -> tuple[str, ...]:
    """``PLAZA_TRUSTED_PROXIES``: comma-separated addresses or networks (``10.0.0.0/8``); a
    mistyped one stops the start rather than being silently ignored (uvicorn would treat it as a
    literal that never matches)."""
    proxies: list[str] = []
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            if "/" in item:
                ipaddress.ip_network(item)
            else:
                ipaddress.ip_address(item)
        except ValueError:
            raise Invalid("trusted_proxies_invalid", value=item) from None
        proxies.append(item)
    return tuple(proxies)


def normalise_database_url(url: str) -> str:
    """Accept a plain ``postgresql://user@host:port/db`` and pick Plaza's driver (psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    """Everything Plaza reads from its environment, resolved once at start-up."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str = ""
    max_post_chars: int = 2000
    rate_limits: bool = True
    #: limits-style strings ("10/minute"); see README.
    rate_limit_sign_in: str = "10/minute"
    rate_limit_sign_up: str = "5/hour"
    rate_limit_posting: str = "300/hour"
    rate_limit_media: str = "30 per 30 minutes"
    rate_limit_apps: str = "30/hour"
    rate_limit_follows: str = "400/day"
    #: cases a citizen (or an Open311 key) may file (plaza.desk)
    rate_limit_cases: str = "30/hour"
    #: help requests a person may file (plaza.help): generous — a surge is when they are needed
    rate_limit_help: str = "60/hour"
    #: hours after which a help request nobody moved comes back to the verifiers (回访)
    help_follow_up_hours: float = 6.0
    #: screen every public post for a help request (求助): on unless an instance says otherwise
    help_screening: bool = True
    password_grant: bool = True
    approval_required: bool = False
    registrations_open: bool = True
    max_image_bytes: int = 8 * 1024 * 1024
    #: Largest request body other than an image upload (JSON and forms), in bytes.
    max_body_bytes: int = 1024 * 1024
    sqlite_synchronous: str = "NORMAL"
    #: Bytes of the SQLite file each connection maps into memory (``PRAGMA mmap_size``); 0 reads
    #: pages with ``pread`` into SQLite's own bounded page cache instead.
    sqlite_mmap_bytes: int = 0
    public_url: str = ""
    #: Addresses or networks of the reverse proxies whose ``X-Forwarded-For`` and
    #: ``X-Forwarded-Proto`` are believed; empty: no forwarded header is.
    trusted_proxies: tuple[str, ...] = ()
    default_locale: str = "zh-CN"
    #: The city (6-digit division code) of a sign-up that names none, and the 同城 feed and list
    #: a visitor without a home city is shown first.
    default_city: str = "110000"
    instance_title: str = "Plaza 政务广场"
    #: Redis for hot search (热搜) shared by several processes; empty: one process, in memory.
    redis_url: str = ""
    #: Prefix of every Redis key hot search writes (several instances may share one Redis).
    redis_prefix: str = "plaza:hot:"
    #: Seconds between hot-list refreshes (the published rule recomputes every minute).
    hot_refresh_seconds: float = 60.0
    #: Whether hot search counts anything (off: nothing is recorded, the lists stay empty).
    hot_enabled: bool = True
    #: The worker's index under ``plaza serve --workers N`` (set by the server, not by people).
    worker: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def is_https(self) -> bool:
        """Whether people reach Plaza over HTTPS (``PLAZA_PUBLIC_URL``): then the session cookie is
        ``Secure`` and every response asks browsers to keep to HTTPS (HSTS)."""
        return self.public_url.strip().lower().startswith("https://")

    @property
    def hot_snapshot_path(self) -> Path:
        """Where the in-memory hot-search engine saves itself (when there is no Redis)."""
        # Without Redis each worker counts its own share: one file each, so none overwrites another.
        return self.data_dir / ("hot.snapshot" if self.worker in ("", "0") else f"hot.snapshot.{self.worker}")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _secret(data_dir: Path) -> str:
    """A per-instance secret kept in the data folder, so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_dir(data_dir)
    return create_private(path, secrets.token_urlsafe(48).encode()).decode().strip()


def load_settings(env: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Read ``PLAZA_*`` variables (or ``env``) into :class:`Settings`; keyword overrides win."""
    e = dict(os.environ if env is None else env)
    data_dir = Path(e.get("PLAZA_DATA_DIR", "data")).expanduser().resolve()
    if "data_dir" in overrides:
        data_dir = Path(str(overrides.pop("data_dir"))).resolve()
    database_url = e.get("PLAZA_DATABASE_URL") or f"sqlite:///{data_dir / 'plaza.db'}"
    values: dict[str, object] = dict(
        host=e.get("PLAZA_HOST", "127.0.0.1"),
        port=int(e.get("PLAZA_PORT", "8000")),
        data_dir=data_dir,
        database_url=normalise_database_url(database_url),
        secret_key=e.get("PLAZA_SECRET_KEY", ""),
        max_post_chars=int(e.get("PLAZA_MAX_POST_CHARS", "2000")),
        rate_limits=e.get("PLAZA_RATE_LIMITS", "on").strip().lower() not in {"off", "0", "false", "no"},
        rate_limit_sign_in=e.get("PLAZA_RATE_LIMIT_SIGN_IN", "10/minute"),
        rate_limit_sign_up=e.get("PLAZA_RATE_LIMIT_SIGN_UP", "5/hour"),
        rate_limit_posting=e.get("PLAZA_RATE_LIMIT_POSTING", "300/hour"),
        rate_limit_media=e.get("PLAZA_RATE_LIMIT_MEDIA", "30 per 30 minutes"),
        rate_limit_apps=e.get("PLAZA_RATE_LIMIT_APPS", "30/hour"),
        rate_limit_follows=e.get("PLAZA_RATE_LIMIT_FOLLOWS", "400/day"),
        rate_limit_cases=e.get("PLAZA_RATE_LIMIT_CASES", "30/hour"),
        rate_limit_help=e.get("PLAZA_RATE_LIMIT_HELP", "60/hour"),
        help_follow_up_hours=float(e.get("PLAZA_HELP_FOLLOW_UP_HOURS", "6")),
        help_screening=_bool(e.get("PLAZA_HELP_SCREENING"), True),
        password_grant=_bool(e.get("PLAZA_PASSWORD_GRANT"), True),
        approval_required=_bool(e.get("PLAZA_APPROVAL_REQUIRED"), False),
        registrations_open=_bool(e.get("PLAZA_REGISTRATIONS_OPEN"), True),
        max_image_bytes=int(e.get("PLAZA_MAX_IMAGE_BYTES", str(8 * 1024 * 1024))),
        max_body_bytes=int(e.get("PLAZA_MAX_BODY_BYTES", str(1024 * 1024))),
        sqlite_synchronous=e.get("PLAZA_SQLITE_SYNCHRONOUS", "NORMAL").upper(),
        sqlite_mmap_bytes=int(e.get("PLAZA_SQLITE_MMAP_MB", "0")) * 2**20,
        public_url=e.get("PLAZA_PUBLIC_URL", ""),
        trusted_proxies=parse_trusted_proxies(e.get("PLAZA_TRUSTED_PROXIES")),
        default_locale=e.get("PLAZA_DEFAULT_LOCALE", "zh-CN"),
        default_city=_city(e.get("PLAZA_DEFAULT_CITY", "110000")),
        redis_url=e.get("PLAZA_REDIS_URL", ""),
        redis_prefix=e.get("PLAZA_REDIS_PREFIX", "plaza:hot:"),
        hot_refresh_seconds=float(e.get("PLAZA_HOT_REFRESH_SECONDS", "60")),
        hot_enabled=_bool(e.get("PLAZA_HOT"), True),
        worker=e.get("PLAZA_WORKER", ""),
    )
    values.update(overrides)
    if "database_url" in overrides:
        values["database_url"] = normalise_database_url(str(overrides["database_url"]))
    if not values["secret_key"]:
        values["secret_key"] = _secret(data_dir)
    return Settings(**values)  # type: ignore[arg-type]
