"""Production profile: ``DJANGO_SETTINGS_MODULE=portal.settings_production``.

The base settings plus everything ``manage.py check --deploy`` asks for (tested in
tests/security/test_deploy_settings.py). Keys come from the environment only: a missing
SECRET_KEY, FIELD_ENCRYPTION_KEYS or BLIND_INDEX_KEY stops the process instead of quietly
generating one under var/ (which would make every encrypted field unreadable elsewhere).
docs/deploy.md describes each variable; deploy/portal.env.example is a template.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_BASE_DIR = Path(__file__).resolve().parent.parent
if (_BASE_DIR / ".env").exists():
    environ.Env.read_env(_BASE_DIR / ".env", overwrite=False)

REQUIRED = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "DATABASE_URL", "REDIS_URL")
_missing = [name for name in REQUIRED if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )
if os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on"):
    raise ImproperlyConfigured("DEBUG must be off in production.")

from portal.settings import *  # noqa: E402, F403
from portal.settings import env  # noqa: E402

DEBUG = False
if ALLOWED_HOSTS == ["127.0.0.1", "localhost", "[::1]", "testserver"]:  # noqa: F405
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the portal's host name(s).")

# HTTPS only: nginx terminates TLS and sets X-Forwarded-Proto (deploy/nginx.conf). gunicorn
# listens on a unix socket only nginx can reach, so the header cannot be forged by a client.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000)  # two years
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Long-lived names a browser only sends over HTTPS to this exact host.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Static files are collected once at deploy time and served by nginx (hashed names, cached).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

# Celery never runs tasks in the web process in production.
CELERY_TASK_ALWAYS_EAGER = False

# drf-spectacular's deploy check generates the whole OpenAPI schema on every `manage.py`
# start-up to report naming hints; the schema is checked by the test suite instead.
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "ENABLE_DJANGO_DEPLOY_CHECK": False}  # noqa: F405
