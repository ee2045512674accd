"""Redis gone from under a running store, then back on its port: the
object cache does without it (counted), invalidations still reach every
worker of the host through the host's store, the throttle counts in each
process with one warning, so does the failed-login budget (a login, right
or wrong, never fails with Redis), and all of it returns to Redis by
itself."""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
import webtest
from dogpile.cache.api import NO_VALUE
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from emporium.accounts.services import create_user
from emporium.cache.metrics import CacheCollector
from emporium.cache.services import cache_from_settings
from emporium.config import configure
from emporium.interfaces import IPasswordHasher
from emporium.security.counters import PREFIX
from tests.conftest import build_database, make_settings
from tests.services import ensure_debian_packages, free_port, stop, wait_for_port

HANG_GUARD = 30.0


@contextmanager
def redis_on(port: int, workdir: Path) -> Iterator[subprocess.Popen]:
    binary = ensure_debian_packages(["redis-server"], "redis-server")
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, process=process)
        yield process
    finally:
        stop(process, signal.SIGKILL)


def eventually(check, what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def worker_cache(path: Path, url: str, retry_after: str = "0.2"):
    """The object cache as one worker process of a host has it."""
    cache = cache_from_settings(
        {
            "cache.tiers": "memory local redis",
            "cache.local.arguments.path": str(path),
            "cache.redis.arguments.url": url,
            "cache.redis.arguments.prefix": "gone:",
            "cache.redis.arguments.retry_after": retry_after,
        }
    )
    cache.bus.host.interval = 0  # every read polls the host's log
    cache.listen()
    assert cache.bus.ready.wait(HANG_GUARD)
    return cache


def skipped(cache) -> float:
    for family in CacheCollector(cache).collect():
        if family.name == "emporium_cache_tier_skipped":
            return sum(s.value for s in family.samples if s.labels["tier"] == "redis")
    raise AssertionError("no emporium_cache_tier_skipped metric")


def test_the_cache_does_without_redis_and_returns_to_it(tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    direct = redis.Redis(port=port)
    with redis_on(port, tmp_path / "redis") as server:
        first = worker_cache(tmp_path / "objects", url)
        second = worker_cache(tmp_path / "objects", url)
        first.set_many({"pricing:1": 100})
        assert second.get("pricing:1") == 100  # now in its memory tier too
        stop(server, signal.SIGKILL)

        first.invalidate(["pricing:1"])
        # No channel: the host's log told the other worker.
        assert second.get("pricing:1") is NO_VALUE
        assert skipped(first) >= 1 and skipped(second) >= 1

    with redis_on(port, tmp_path / "redis"):
        eventually(lambda: first.bus.ready.is_set(), "the channel came back")
        first.set_many({"pricing:2": 7})
        eventually(
            lambda: direct.exists("gone:pricing:2") or first.set_many({"pricing:2": 7}),
            "the cache tier went back to Redis",
        )
        second.tiers[0].clear()  # its memory: the value must come from Redis
        second.tiers[1].clear()
        assert second.get("pricing:2") == 7
        first.invalidate(["pricing:2"])
        eventually(
            lambda: second.get("pricing:2") is NO_VALUE, "the channel carries again"
        )
    first.close()
    second.close()


def test_deletions_skipped_while_redis_was_failing_are_made_after(tmp_path):
    port = free_port()
    direct = redis.Redis(port=port)
    with redis_on(port, tmp_path / "redis") as server:
        cache = worker_cache(
            tmp_path / "objects", f"redis://127.0.0.1:{port}/0", retry_after="3"
        )
        cache.set_many({"pricing:3": 1})
        assert direct.exists("gone:pricing:3")
        server.send_signal(signal.SIGSTOP)  # a hiccup: its data are kept
        try:
            assert cache.get("pricing:9") is NO_VALUE  # times out: left alone
        finally:
            server.send_signal(signal.SIGCONT)
        cache.invalidate(["pricing:3"])  # while the tier is left alone
        assert direct.exists("gone:pricing:3")  # the stale copy is still there
        eventually(
            lambda: (
                cache.get("pricing:4") is NO_VALUE
                and not direct.exists("gone:pricing:3")
            ),
            "the skipped deletion was made",
        )
        cache.close()


def test_the_throttle_warns_once_and_returns_to_redis(tmp_path, caplog):
    port = free_port()
    direct = redis.Redis(port=port, db=1)
    settings = make_settings(
        f"sqlite:///{tmp_path / 'shop.sqlite'}",
        **{
            "emporium.throttle.enabled": "true",
            "emporium.throttle.storage": f"redis://127.0.0.1:{port}/1",
        },
    )
    build_database(settings, products=5)
    app = webtest.TestApp(
        configure(settings).make_wsgi_app(),
        extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "10.4.0.1"},
    )
    with redis_on(port, tmp_path / "redis") as server:
        app.get("/", status=200)
        assert direct.keys(PREFIX + "*")
        stop(server, signal.SIGKILL)
        with caplog.at_level(logging.WARNING, logger="emporium.security.counters"):
            for _ in range(20):
                app.get("/", status=200)
        warnings = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    with redis_on(port, tmp_path / "redis"):
        assert not direct.keys(PREFIX + "*")  # a new, empty Redis
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="emporium.security.counters"):
            eventually(
                lambda: app.get("/", status=200) and direct.keys(PREFIX + "*"),
                "the throttle went back to Redis",
            )
        assert [r.getMessage() for r in caplog.records] == [
            "throttle counters in Redis again"
        ]


def _submit(app, path: str, **fields):
    page = app.get(path)
    form = next(f for f in page.forms.values() if f.action.startswith(path))
    for name, value in fields.items():
        form[name] = value
    return form.submit(status="*")


def test_logins_and_account_pages_answer_while_redis_is_gone(tmp_path, caplog):
    port = free_port()
    settings = make_settings(
        f"sqlite:///{tmp_path / 'shop.sqlite'}",
        **{
            "emporium.throttle.enabled": "true",
            "emporium.throttle.storage": f"redis://127.0.0.1:{port}/1",
            "emporium.throttle.login_failures": "3/minute",
        },
    )
    build_database(settings, products=5)
    config = configure(settings)
    with Session(create_engine(settings["sqlalchemy.url"])) as session, session.begin():
        hasher = config.registry.getUtility(IPasswordHasher)
        create_user(
            session,
            hasher,
            "owner@example.com",
            "a good password",
            roles="customer administrator",
        )
    wsgi = config.make_wsgi_app()

    def browser(address: str) -> webtest.TestApp:
        return webtest.TestApp(
            wsgi, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": address}
        )

    def login(app, path: str, password: str):
        return _submit(app, path, email="owner@example.com", password=password)

    with redis_on(port, tmp_path / "redis") as server:
        assert login(browser("10.5.0.1"), "/account/login", "wrong").status_int == 400
        stop(server, signal.SIGKILL)
        with caplog.at_level(logging.WARNING):
            for path, home in (
                ("/account/login", "/account/orders"),
                ("/admin/login", "/admin/"),
            ):
                # A wrong password is refused as ever, a right one logs in.
                assert login(browser("10.5.0.2"), path, "wrong").status_int == 400
                app = browser("10.5.0.3")
                assert login(app, path, "a good password").status_int == 303
                assert app.get(home).status_int == 200
            app = browser("10.5.0.4")
            assert login(app, "/account/login", "a good password").status_int == 303
            form = next(
                f
                for f in app.get("/account/orders").forms.values()
                if f.action == "/account/logout"
            )
            assert form.submit().status_int == 303
            new = browser("10.5.0.5")
            registered = _submit(
                new,
                "/account/register",
                email="new@example.com",
                name="New",
                password="another good password",
            )
            assert registered.status_int == 303, registered.status
            # The budget still counts, in this process: the fourth wrong
            # password from one address in a minute is refused.
            guesser = browser("10.5.0.6")
            statuses = [
                _submit(
                    guesser, "/account/login", email="new@example.com", password="wrong"
                ).status_int
                for _ in range(4)
            ]
            assert statuses == [400, 400, 400, 429], statuses
        warnings = [
            r.getMessage()
            for r in caplog.records
            if r.name == "emporium.security.counters"
            and "failed-login budget unavailable" in r.getMessage()
        ]
        assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    with redis_on(port, tmp_path / "redis"):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="emporium.security.counters"):
            eventually(
                lambda: (
                    login(browser("10.5.0.7"), "/account/login", "wrong")
                    and "failed-login budget in Redis again" in caplog.text
                ),
                "the failed-login budget went back to Redis",
            )
        assert redis.Redis(port=port, db=1).keys("LIMITS*")
