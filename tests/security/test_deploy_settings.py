"""Deployment profile and headers (issue 9, item 5): ``manage.py check --deploy`` is clean
with portal/settings_production.py, keys are required from the environment, and every page
carries the CSP, HSTS-ready and cookie settings (portal/settings.py, "Deployment, headers,
logging")."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_DIR")
    }
    s = connection.settings_dict
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings_production",
        SECRET_KEY="x7-" + "k" * 20 + "Q9zL!pR4#vW2^mN8&bT5*yH1(cF6)gJ3",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        BLIND_INDEX_KEY="b" * 48,
        DATABASE_URL=f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}"
        f":{s['PORT'] or 5432}/{s['NAME']}",
        REDIS_URL="redis://127.0.0.1:6379/5",
        ALLOWED_HOSTS="dangjian.example.gov.cn",
        DEBUG="false",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, **env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_check_deploy_reports_nothing_in_production(db):
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_production_refuses_to_start_without_a_key(db, missing):
    result = manage("check", **{missing: ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


@pytest.mark.slow
def test_production_refuses_debug(db):
    result = manage("check", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_settings_values(db):
    """The values --deploy does not look at, read from the profile itself."""
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD,"
        " s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, s.SECURE_CROSS_ORIGIN_OPENER_POLICY,"
        " s.SECURE_PROXY_SSL_HEADER, s.DEBUG)"
    )
    result = manage("shell", "--no-imports", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "63072000",
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "Lax",
        "DENY",
        "same-origin",
        "same-origin",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "False",
    ]


def test_every_page_carries_the_security_headers(client_for, users, client):
    login = client.get("/accounts/login/")
    page = client_for(users["admin"]).get("/")
    for response in (login, page):
        csp = response["Content-Security-Policy"]
        directives = dict(
            (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in csp.split(";"))
        )
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["form-action"] == "'self'"
        assert directives["base-uri"] == "'self'"
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "Content-Security-Policy-Report-Only" not in response
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert login.status_code == 200 and page.status_code == 200
    csrf = login.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"


def test_api_docs_scripts_come_from_files(client_for, users):
    """Swagger UI's start-up script is a separate request, so the page needs no inline
    script; its one inline <style> is allowed by hash on that page only."""
    response = client_for(users["admin"]).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html
    csp = response["Content-Security-Policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp
    script = client_for(users["admin"]).get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
