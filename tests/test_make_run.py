"""``make run`` on a machine with nothing set serves the demo district.

No DATABASE_URL, no REDIS_URL, an empty VAR_DIR: the portal starts its embedded PostgreSQL
(pgserver), migrates, loads the demo district, creates the admin account (printing its
password once) and serves with gunicorn. The test signs in with that password, then stops
everything it started: make's process group and the embedded PostgreSQL.
"""

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 240  # seconds: install check, migrate, demo seed, gunicorn boot
#: Variables a make run from a plain shell would not have.
DROPPED_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
    "MAKEOVERRIDES",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_pids():
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def processes_mentioning(text):
    """PIDs of processes whose command line contains ``text``."""
    found = []
    for pid in _proc_pids():
        if pid == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if text in cmdline.replace(b"\0", b" ").decode(errors="replace"):
            found.append(pid)
    return found


def _stat(pid):
    """(state, ppid, pgrp) of a process, None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ")".
    state, ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
    return state, int(ppid), int(pgrp)


def alive(pid):
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def children_of(pid):
    return [p for p in _proc_pids() if (stat := _stat(p)) and stat[1] == pid and stat[0] != "Z"]


def group_members(pgid):
    return [p for p in _proc_pids() if (stat := _stat(p)) and stat[2] == pgid and stat[0] != "Z"]


def pg_ctl_path():
    pattern = "lib/python*/site-packages/pgserver/pginstall/bin/pg_ctl"
    matches = sorted((ROOT / ".venv").glob(pattern))
    return matches[0] if matches else None


def stop_embedded_postgres(var_dir: Path):
    """Stop the PostgreSQL that pgserver started for ``var_dir`` (as the ``pgserver`` system
    user when we are root) with pg_ctl; kill what is left of it if that fails.

    Returns the PIDs of the server's processes, to check afterwards that all are gone: only
    the postmaster's command line names ``var_dir``, its children are ``postgres: ...``.
    """
    pgdata = var_dir / "pgdata"
    pid_file = pgdata / "postmaster.pid"
    postmaster = None
    if pid_file.exists():
        postmaster = int(pid_file.read_text().split()[0])
    server = set(processes_mentioning(str(var_dir)))
    if postmaster is not None:
        server |= {postmaster, *children_of(postmaster)}
    pg_ctl = pg_ctl_path()
    if pg_ctl and pid_file.exists():
        user = "pgserver" if os.geteuid() == 0 and pgdata.stat().st_uid != 0 else None
        subprocess.run(
            [str(pg_ctl), "-D", str(pgdata), "-m", "fast", "-w", "-t", "30", "stop"],
            user=user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in server) and time.monotonic() < deadline:
        time.sleep(0.3)
    for pid in server:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return server


def stop_process_group(process: subprocess.Popen):
    if process.poll() is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # stragglers of an exited make
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # gunicorn shuts its workers down on TERM
        process.wait(timeout=30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


class Browser:
    """Just enough of a browser for Django's login form: cookies and the CSRF token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path, timeout=10):
        with self.opener.open(self.base + path, timeout=timeout) as response:  # noqa: S310
            return response.status, response.geturl(), response.read().decode()

    def post(self, path, data, timeout=30):
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.geturl(), response.read().decode()


def wait_for_login_page(browser, process, output: Path):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"make run exited with {process.returncode} before serving:\n"
                + output.read_text(errors="replace")[-4000:]
            )
        try:
            status, _url, html = browser.get("/accounts/login/", timeout=5)
            if status == 200 and "区域党建信息平台" in html:
                return html
            last_error = f"HTTP {status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last_error = exc
        time.sleep(1)
    pytest.fail(
        f"make run did not serve /accounts/login/ within {STARTUP_TIMEOUT} s ({last_error}):\n"
        + output.read_text(errors="replace")[-4000:]
    )


def test_make_run_serves_the_demo_without_any_configuration():
    assert shutil.which("make"), "make is needed to run `make run`"
    var_dir = Path(tempfile.mkdtemp(prefix="partyportal-make-run-", dir="/tmp"))
    var_dir.chmod(0o755)  # pgserver's own system user must reach var_dir/pgdata
    output = var_dir.parent / f"{var_dir.name}.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env["VAR_DIR"] = str(var_dir)
    # The superuser would first enrol TOTP (tests/security/test_auth_otp.py covers that);
    # here the point is the demo district served with nothing configured.
    env["OTP_ENFORCED"] = "false"
    base = f"http://127.0.0.1:{port}"
    process = None
    try:
        with output.open("wb") as log:
            process = subprocess.Popen(
                ["make", "run", "HOST=127.0.0.1", f"PORT={port}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one below
            )
        browser = Browser(base)
        login_html = wait_for_login_page(browser, process, output)

        printed = output.read_text(errors="replace")
        assert "Empty database: loading the demo district" in printed
        match = re.search(r"username: admin\s+password: (\S+)", printed)
        assert match, f"make run printed no admin password:\n{printed[-4000:]}"
        assert "password:" in printed

        # Sign in with the printed password: the demo district is there, in Chinese.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_html).group(1)
        status, url, home = browser.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": "admin", "password": match.group(1)},
        )
        assert status == 200 and url == f"{base}/", url
        assert "徐汇区" in home
        status, _url, tree = browser.get("/organizations/tree/")
        assert status == 200 and "中共上海市徐汇区委员会" in tree
        status, _url, api = browser.get("/api/v1/organizations/?limit=1&format=json")
        assert status == 200 and re.search(r'"count":\s*([3-9]\d{3})', api), api[:300]
        status, _url, css = browser.get("/static/vendor/bootstrap/bootstrap.min.css")
        assert status == 200 and len(css) > 100_000
    finally:
        if process is not None:
            stop_process_group(process)
        server = stop_embedded_postgres(var_dir)
        time.sleep(0.5)
        leftovers = [pid for pid in server if alive(pid)]
        leftovers += processes_mentioning(str(var_dir))
        if process is not None:
            leftovers += group_members(process.pid)
        shutil.rmtree(var_dir, ignore_errors=True)
        output.unlink(missing_ok=True)
    assert not leftovers, f"processes left behind: {leftovers}"
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.urlopen(f"{base}/accounts/login/", timeout=3)  # noqa: S310
