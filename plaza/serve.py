"""Run Plaza under uvicorn: migrate, then serve ``plaza.app:create_app`` on one or more workers.

The application is built by the factory in every worker process, from the same ``PLAZA_*``
environment, so the settings the command line resolved are exported before uvicorn starts.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

from plaza.config import Settings
from plaza.storage.engine import make_engine
from plaza.storage.migrate import upgrade

APP_FACTORY = "plaza.app:create_app"


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def event_loop() -> str:
    """uvloop when installed (uvicorn[standard] brings it), else asyncio."""
    return "uvloop" if _available("uvloop") else "asyncio"


def http_protocol() -> str:
    """httptools when installed, else h11."""
    return "httptools" if _available("httptools") else "h11"


def export_settings(settings: Settings, environ: dict[str, str] | None = None) -> None:
    """Write what the command line decided into ``PLAZA_*`` variables, so every worker's
    :func:`plaza.config.load_settings` reads the same instance (the factory takes no arguments)."""
    env = os.environ if environ is None else environ
    env["PLAZA_HOST"] = settings.host
    env["PLAZA_PORT"] = str(settings.port)
    env["PLAZA_DATA_DIR"] = str(settings.data_dir)
    env["PLAZA_DATABASE_URL"] = settings.database_url
    env["PLAZA_SQLITE_SYNCHRONOUS"] = settings.sqlite_synchronous
    env["PLAZA_RATE_LIMITS"] = "on" if settings.rate_limits else "off"
    if settings.public_url:
        env["PLAZA_PUBLIC_URL"] = settings.public_url


def migrate(settings: Settings) -> None:
    """Bring the database to the newest schema (what ``plaza db upgrade`` does)."""
    engine = make_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def serve(settings: Settings, workers: int = 1, *, announce: Callable[[str], None] | None = None,
          log_level: str = "info", access_log: bool = True) -> None:
    """Migrate, then serve until interrupted. With ``workers`` > 1 the workers are forked from
    one process that has already loaded Plaza and the segmenter's dictionary, so they share
    that memory (each worker builds its own app and engine; they share the one database)."""
    import uvicorn

    if workers < 1:
        raise ValueError("workers must be at least 1")
    migrate(settings)
    export_settings(settings)
    if announce is not None:
        announce(settings.base_url)
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        loop=event_loop(),
        http=http_protocol(),
        lifespan="auto",
        log_level=log_level,
        access_log=access_log,
        # X-Forwarded-For / -Proto are believed only from the proxies PLAZA_TRUSTED_PROXIES names:
        # from anyone else they would let a client pick the address its rate limits count.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        # SIGTERM: requests in flight get 5 s to finish, then the application's own shutdown
        # (hot search's last flush, the writer's last batch) — within 10 s in all
        timeout_graceful_shutdown=5,
    )
    if workers == 1:
        preload()
        uvicorn.Server(config).run()
        return
    Prefork(config, workers).run()


def preload() -> None:
    """What every worker needs and never changes: the application's modules, its page templates
    and the Chinese segmenter's dictionary, loaded once before forking. Loading the dictionary
    takes ~60 MB for a moment (jieba's dict, then made a 4 MB trie): that memory goes back to the
    system before the fork, or every worker would start with it."""
    import gc

    import plaza.api.mastodon
    import plaza.api.plaza
    import plaza.app
    import plaza.web.routes  # noqa: F401 - the interface layers create_app imports in each worker
    from plaza.square import search
    from plaza.web.rendering import ENV

    for name in ENV.list_templates():  # compiled once, shared, rather than in every worker
        ENV.get_template(name)
    search.warm_up()
    gc.collect()
    _trim_heap()


class Prefork:
    """Workers forked from a loaded parent, sharing its memory copy-on-write (uvicorn's own
    ``--workers`` starts each from a fresh interpreter, which loads everything N times).

    The parent checks the address is free, preloads, freezes its objects out of the garbage
    collector's reach (a collection would touch, and so copy, every shared page), then forks;
    each worker listens on its own socket bound with ``SO_REUSEPORT``, so the kernel spreads
    connections evenly (on one shared socket the first worker to wake takes most keep-alive
    connections and the other idles). A worker that dies is replaced; SIGTERM or SIGINT stops
    them all (each finishes its requests first). A worker dies with its parent.
    """

    def __init__(self, config: Any, workers: int) -> None:
        self.config = config
        self.workers = workers
        self.children: dict[int, int] = {}  # pid → worker index
        self.stopping = False

    def run(self) -> None:
        import gc

        _listen(self.config.host, self.config.port).close()  # fail here, early, if the port is taken
        _fewer_malloc_arenas()
        preload()  # ends with a collection
        gc.freeze()
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for _ in range(self.workers):
            self._fork()
        while self.children:
            try:
                pid, _status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            self.children.pop(pid, None)
            if not self.stopping:
                time.sleep(0.5)  # a worker that dies at once must not spin the parent
                self._fork()

    def _fork(self) -> None:
        index = min(set(range(self.workers)) - set(self.children.values()), default=0)
        pid = os.fork()
        if pid:
            self.children[pid] = index
            return
        os.environ["PLAZA_WORKER"] = str(index)
        code = 0
        try:
            _die_with_parent()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            import uvicorn

            uvicorn.Server(self.config).run(sockets=[_listen(self.config.host, self.config.port)])
        except BaseException:  # noqa: BLE001 - report, then leave without running the parent's code
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)

    def _stop(self, signum: int, _frame: Any) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.pop(pid, None)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket that other Plaza workers may bind too (``SO_REUSEPORT``)."""
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def _fewer_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own malloc arena; a worker's few threads
    (event loop, writer, checkpoint) then keep several half-empty ones. Two are plenty."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return


def _trim_heap() -> None:
    """glibc: return free memory at the top of the heap to the system (malloc_trim)."""
    try:
        ctypes.CDLL(None, use_errno=True).malloc_trim(0)
    except (OSError, AttributeError):
        return


def _die_with_parent() -> None:
    """Linux: the kernel sends this worker SIGKILL when its parent dies (however it died)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
