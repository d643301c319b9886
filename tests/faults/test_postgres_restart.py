"""PostgreSQL restarted under load (issue 9, item 7): gunicorn keeps persistent connections
(CONN_MAX_AGE > 0) with CONN_HEALTH_CHECKS, so after the server is back every request
succeeds; none fails with a stale connection ("server closed the connection unexpectedly").

The restarted server is a private cluster in a temporary directory on a free port (the
shared server stays untouched), loaded with a copy of this test's database.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal.accounts.models import ApiToken
from tests.faults.conftest import (
    ROOT,
    child_env,
    database_url,
    free_port,
    need,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ID = "11010519491231002X"  # GB 11643's own example number

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
STALE = (
    "server closed the connection unexpectedly",
    "connection already closed",
    "terminating connection due to administrator command",
)


class Cluster:
    """A throw-away PostgreSQL cluster; initdb refuses root, so it runs as ``postgres``."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.dir, "postgres")

    def run(self, *args, **kwargs):
        return subprocess.run(  # noqa: S603
            [*self.prefix, *map(str, args)],
            check=True,
            capture_output=True,
            timeout=kwargs.pop("timeout", 120),
            **kwargs,
        )

    def ctl(self, *args):
        self.run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "server.log", "-w", *args)

    def start(self):
        self.run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        settings = (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
            "max_connections = 20\nshared_buffers = 16MB\n"
        )
        self.run("sh", "-c", f"cat >> {self.data}/postgresql.conf", input=settings.encode())
        self.ctl("start")

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster():
    need((PG_BIN / "initdb").exists(), f"no PostgreSQL binaries in {PG_BIN}")
    private = Cluster()
    try:
        private.start()
        yield private
    finally:
        private.stop()


def copy_database(cluster, name="portal"):
    """This test's database (migrated, with the fixture's rows) into the private cluster."""
    dump = subprocess.run(  # noqa: S603
        [PG_BIN / "pg_dump", "-Fc", "--no-owner", "-d", database_url()],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    subprocess.run(  # noqa: S603
        [PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", name],
        check=True,
        timeout=60,
    )
    subprocess.run(  # noqa: S603
        [PG_BIN / "pg_restore", "--no-owner", "--exit-on-error", "-d", cluster.url(name)],
        input=dump,
        check=True,
        capture_output=True,
        timeout=120,
    )


class Load(threading.Thread):
    """Requests in a loop, one after another, recording (start, end, outcome)."""

    def __init__(self, url, token):
        super().__init__(daemon=True)
        self.request = urllib.request.Request(  # noqa: S310
            url, headers={"Authorization": f"Token {token}"}
        )
        self.results = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                with urllib.request.urlopen(self.request, timeout=20) as response:  # noqa: S310
                    outcome = response.status
                    response.read()
            except urllib.error.HTTPError as exc:
                outcome = exc.code
            except OSError as exc:
                outcome = repr(exc)
            self.results.append((start, time.monotonic(), outcome))
            time.sleep(0.02)


def test_app_recovers_from_a_postgresql_restart_without_stale_connections(
    cluster, users, processes, tmp_path
):
    _token, key = ApiToken.issue(users["admin"], name="fault test")
    copy_database(cluster)
    port = free_port()
    gunicorn = processes.start(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "portal.wsgi:application",
        ],
        child_env(
            DATABASE_URL=cluster.url("portal"),
            DB_CONN_MAX_AGE=600,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS=2,
            GUNICORN_THREADS=2,
            THROTTLE_LIST="100000/min",
            REDIS_URL="",
        ),
    )
    url = f"http://127.0.0.1:{port}/api/v1/organizations/?page_size=5"

    def up():
        processes.check_alive(gunicorn)
        try:
            with urllib.request.urlopen(  # noqa: S310
                urllib.request.Request(url, headers={"Authorization": f"Token {key}"}), timeout=5
            ) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(up, 60, "gunicorn never answered")
    load = Load(url, key)
    load.start()
    time.sleep(3)  # every worker thread now holds a persistent connection

    down = time.monotonic()
    cluster.ctl("restart", "-m", "fast")
    back = time.monotonic()
    log_dir = Path(child_env()["LOG_DIR"])
    offsets = {path: path.stat().st_size for path in log_dir.glob("*.log")}
    output_offset = len(processes.output(gunicorn))
    time.sleep(5)
    load.stop.set()
    load.join(timeout=30)

    before = [r for r in load.results if r[1] < down]
    during = [r for r in load.results if r[1] >= down and r[0] < back]
    after = [r for r in load.results if r[0] >= back]
    assert before and all(outcome == 200 for _s, _e, outcome in before), before[-5:]
    assert len(after) >= 10, f"too few requests after the restart: {after}"
    # Not one failure once the server is back: stale connections were dropped and reopened.
    assert [r for r in after if r[2] != 200] == []
    # The down window may have failed requests; they are 500s, not hangs or lost workers.
    assert all(outcome in (200, 500, 503) for _s, _e, outcome in during), during
    recent = processes.output(gunicorn)[output_offset:]
    for path, offset in offsets.items():
        with path.open(errors="replace") as log:
            log.seek(offset)
            recent += log.read()
    assert not [phrase for phrase in STALE if phrase in recent], recent[-2000:]

    # gunicorn's own access log masks an ID number in a request line (deploy/gunicorn.conf.py).
    access_log = log_dir / "gunicorn-access.log"
    start = access_log.stat().st_size
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/?q={ID}") as response:  # noqa: S310
        assert response.status == 200
    logged = wait_for(
        lambda: access_log.read_text(errors="replace")[start:], 10, "no access log line"
    )
    assert ID not in logged and f"q={ID[:3]}{'*' * 13}{ID[-2:]}" in logged
