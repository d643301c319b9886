"""Settings for the district Party-building information platform.

Everything that differs between machines comes from the environment (django-environ);
README.md lists every variable. With no DATABASE_URL the portal runs on an embedded
PostgreSQL under var/, with no REDIS_URL Celery runs tasks eagerly and the cache is local.
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, ""),
    REDIS_URL=(str, ""),
    VAR_DIR=(str, str(BASE_DIR / "var")),
    API_MAX_PAGE_SIZE=(int, 1000),
    API_COUNT_CAP=(int, 10000),
    API_TOKEN_DEFAULT_DAYS=(int, 365),
    SECURE_COOKIES=(bool, False),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

VAR_DIR = Path(env("VAR_DIR"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_key(name, make):
    """A key from the environment, else one generated once and kept under var/ (a fresh
    machine runs with no set-up; production sets the variable)."""
    if env.str(name, default=""):
        return env.str(name)
    key_file = VAR_DIR / name.lower()
    if not key_file.exists():
        # Written whole under a temporary name, then linked into place: processes starting
        # together (test workers) all end up reading the one key that won.
        temp = key_file.with_name(f".{key_file.name}.{os.getpid()}")
        temp.write_text(make())
        temp.chmod(0o600)
        try:
            os.link(temp, key_file)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return key_file.read_text().strip()


def _fernet_key():
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _random_key():
    import secrets

    return secrets.token_urlsafe(48)


def _django_key():
    from django.core.management.utils import get_random_secret_key

    return get_random_secret_key()


SECRET_KEY = _local_key("SECRET_KEY", _django_key)

# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation: portal/crypto.py).
FIELD_ENCRYPTION_KEYS = [
    key.strip()
    for key in _local_key("FIELD_ENCRYPTION_KEYS", _fernet_key).split(",")
    if key.strip()
]
BLIND_INDEX_KEY = _local_key("BLIND_INDEX_KEY", _random_key)
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "portal",
    "portal.accounts",
    "portal.inbox",
    "organizations",
    "members",
    "buildings",
    "grids",
    "regional",
    "cadres",
    # The portal's top: it reads every app above, none of them reads it.
    "dashboard",
    "search",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "portal.middleware.AuditContextMiddleware",
    "portal.middleware.BrowserAccessMiddleware",
]

ROOT_URLCONF = "portal.urls"
# Widgets render through TEMPLATES, so our own widget templates under templates/ are found.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.navigation",
            ],
        },
    },
]

if env("DATABASE_URL"):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from portal.embedded_db import database_settings

    DATABASES = {"default": database_settings(VAR_DIR)}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Keep connections between requests (a new PostgreSQL connection costs a few milliseconds of
# a page's budget); health checks drop one the server closed. DB_CONN_MAX_AGE=0 turns it off.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env("SECURE_COOKIES")
CSRF_COOKIE_SECURE = env("SECURE_COOKIES")
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.permissions.ScopedModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
}
API_MAX_PAGE_SIZE = env("API_MAX_PAGE_SIZE")
API_COUNT_CAP = env("API_COUNT_CAP")
# django-filter: an unset choice filter reads 全部 (all) rather than dashes.
FILTERS_EMPTY_CHOICE_LABEL = "全部"
API_TOKEN_DEFAULT_DAYS = env("API_TOKEN_DEFAULT_DAYS")

SPECTACULAR_SETTINGS = {
    "TITLE": "区域党建信息平台 API",
    "DESCRIPTION": (
        "REST API for street offices' systems. Authenticate with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"portal.audit": {"level": "INFO", "handlers": ["console"], "propagate": False}},
}

# Days a member or unit has to fulfil a micro-wish they claimed before it is released.
WISH_CLAIM_DAYS = env.int("WISH_CLAIM_DAYS", default=14)
# Days a generated report file stays downloadable before it expires.
REPORT_FILE_DAYS = env.int("REPORT_FILE_DAYS", default=7)
