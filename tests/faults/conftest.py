"""Fault tests (issue 9, item 7): real processes (Celery workers, gunicorn, a private
PostgreSQL cluster) are killed or restarted while they work.

They never touch what other tests share: workers consume a queue of their own on the Redis
database of FAULT_REDIS_URL (default db 5), and PostgreSQL is restarted only in a private
cluster started in a temporary directory on a free port.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
FAULT_REDIS_URL = os.environ.get("FAULT_REDIS_URL", "redis://127.0.0.1:6379/5")
#: Cache marks of queued refreshes (buildings.tasks, dashboard.tasks).
PENDING_KEYS = ("buildings:coverage-refresh-pending", "dashboard:refresh-pending")


def need(condition, message):
    """Skip (fail under CI=true) when the machine lacks what a fault test needs."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def database_url(settings_dict=None, name=None):
    """A DATABASE_URL for a child process: the test database this test runs on."""
    s = settings_dict or connection.settings_dict
    auth = quote(s["USER"] or "postgres", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{name or s['NAME']}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**overrides):
    """The environment of a child process: the test's, with our settings and log folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_DIR=str(settings.LOG_DIR),
        VAR_DIR=str(settings.VAR_DIR),
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Processes:
    """Child processes in sessions of their own, killed (whole group) at teardown."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started = []

    def start(self, name, args, env, cwd=ROOT):
        output = (self.tmp_path / f"{name}.out").open("wb")
        process = subprocess.Popen(  # noqa: S603
            args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.output_path = output.name
        self.started.append(process)
        return process

    def kill(self, process, sig=signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def check_alive(self, process):
        """Fail the test with the process's output if it has exited."""
        if process.poll() is not None:
            pytest.fail(
                f"{process.args[:6]} exited ({process.returncode}):\n{self.output(process)[-3000:]}"
            )
        return False

    def output(self, process):
        return Path(process.output_path).read_text(errors="replace")

    def close(self):
        # SIGKILL the whole group (pool children too): a warm shutdown could wait for a
        # task; the database rolls back whatever a killed connection had not committed.
        for process in self.started:
            self.kill(process)


@pytest.fixture
def processes(tmp_path):
    registry = Processes(tmp_path)
    yield registry
    registry.close()


@pytest.fixture
def fault_redis():
    """The Redis database the fault tests' workers use, reachable, or the test skips."""
    import redis

    client = redis.Redis.from_url(FAULT_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        need(False, f"fault tests need Redis at {FAULT_REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.fixture
def fault_queue(fault_redis):
    """A queue of this test's own; afterwards its keys and the "refresh pending" marks of
    the cache (Django's key format), which would hold back a later test's refreshes, go."""
    queue = f"faults-{uuid.uuid4().hex[:10]}"
    yield queue
    for key in fault_redis.scan_iter(match=f"*{queue}*"):
        fault_redis.delete(key)
    # Messages a killed worker held (kombu's "unacked" hash: [message, exchange, queue]).
    for tag, payload in fault_redis.hscan_iter("unacked"):
        if json.loads(payload)[-1] == queue:
            fault_redis.hdel("unacked", tag)
            fault_redis.zrem("unacked_index", tag)
    fault_redis.delete(*[f":1:{key}" for key in PENDING_KEYS])


def start_worker(processes, queue, name, **env):
    """A real ``celery worker`` (prefork pool, one child) consuming only ``queue``."""
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.faults.worker_app",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        f"--queues={queue}",
        f"--hostname={name}-{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    environment = child_env(
        DATABASE_URL=database_url(),
        REDIS_URL=FAULT_REDIS_URL,
        FAULT_QUEUE=queue,
        CELERY_LOG_LEVEL="INFO",
        **env,
    )
    return processes.start(name, args, environment)


def wait_for(predicate, timeout, message, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s: {message}")


def which(program, *folders):
    for folder in folders:
        path = Path(folder) / program
        if path.exists():
            return str(path)
    return shutil.which(program)
