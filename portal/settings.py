"""Settings for the district Party-building information platform.

Everything that differs between machines comes from the environment (django-environ);
README.md lists every variable. With no DATABASE_URL the portal runs on an embedded
PostgreSQL under var/, with no REDIS_URL Celery runs tasks eagerly and the cache is local.
"""

import os
from datetime import timedelta
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
    API_TOKEN_DEFAULT_DAYS=(int, 90),
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
# AUTH_PASSWORD_VALIDATORS: see "Authentication and sessions (issue 9)" at the end.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# Chinese only: the UI's texts are written in Chinese (they are the gettext msgids) and no
# other catalogue exists, so a browser asking for English would get Chinese pages with
# English dates and Django's own messages in English. One language keeps every page whole.
LANGUAGES = [("zh-hans", "简体中文")]
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
    # Choice sets whose field names repeat across models (status, kind, ...) get stable,
    # readable enum names, so clients generated from the schema do not see hash suffixes.
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": path
        for name, path in {
            "RegionLevel": "portal.models.Region.Level",
            "ImportJobStatus": "portal.models.ImportJob.Status",
            "InboxItemKind": "portal.inbox.models.InboxItem.Kind",
            "OrganizationKind": "organizations.models.Organization.Kind",
            "ElectionKind": "organizations.models.Election.Kind",
            "MemberEducation": "members.models.Member.Education",
            "MemberCategory": "members.models.Member.Category",
            "MemberStatus": "members.models.Member.Status",
            "TransferKind": "members.models.Transfer.Kind",
            "TransferState": "members.models.Transfer.State",
            "DuesKind": "members.models.DuesKind",
            "MeetingKind": "members.models.MeetingKind",
            "BuildingKind": "buildings.models.Building.Kind",
            "EnterpriseKind": "buildings.models.Enterprise.Kind",
            "EnterpriseStatus": "buildings.models.Enterprise.Status",
            "ServiceSiteKind": "buildings.models.ServiceSite.Kind",
            "CoverageLevel": "buildings.models.CoverageSummary.Level",
            "CaseState": "grids.models.Case.State",
            "CaseLevel": "grids.models.Case.Level",
            "WishState": "grids.models.Wish.State",
            "ResidentUnitKind": "regional.models.ResidentUnit.Kind",
            "JointMeetingLevel": "regional.models.JointMeeting.Level",
            "NeedCategory": "regional.models.Need.Category",
            "NeedStatus": "regional.models.Need.Status",
            "ResourceKind": "regional.models.Resource.Kind",
            "ProjectStatus": "regional.models.Project.Status",
            "PairingStatus": "regional.models.Pairing.Status",
            "IndustryIssueStatus": "regional.models.IndustryIssue.Status",
            "TrainingKind": "cadres.models.TrainingRecord.Kind",
            "LadderEducation": "cadres.models.Education",
            "ReportJobKind": "reports.models.ReportJob.Kind",
            "ReportJobState": "reports.models.ReportJob.State",
            "DuesExemptionReason": "members.models.DuesExemption.Reason",
        }.items()
    },
}

PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# LOGGING: see "Deployment, headers, logging" at the end.

# Days a member or unit has to fulfil a micro-wish they claimed before it is released.
WISH_CLAIM_DAYS = env.int("WISH_CLAIM_DAYS", default=14)
# Days a generated report file stays downloadable before it expires.
REPORT_FILE_DAYS = env.int("REPORT_FILE_DAYS", default=7)

# --- Deployment, headers, logging (issue 9) ---
# Production overrides live in portal/settings_production.py (docs/deploy.md); what follows
# holds in every profile, so development and the tests see the same headers as production.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the pages send the token from the template (hx-headers)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind nginx, which sets X-Forwarded-Proto (deploy/nginx.conf). Trusted only when
# BEHIND_TLS_PROXY is set: a client reaching gunicorn directly could otherwise claim https.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Behind pgbouncer in transaction pooling mode (docs/deploy.md): server-side cursors do not
# survive a transaction boundary there, and persistent connections are pgbouncer's job.
if env.bool("DB_BEHIND_PGBOUNCER", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Content-Security-Policy (django-csp 4): no inline script, no inline style anywhere. Leaflet
# and ECharts set element styles through the CSSOM, which style-src does not govern; their
# tiles/markers/canvas exports are data: images. The API docs page adds a hash for the one
# <style> block of Swagger UI (portal/api_docs.py).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Logs: console plus a file under LOG_DIR (`make test` points it at var/log/test and scans
# it). Every handler masks 18-digit ID numbers and mobile numbers (portal.logscan) as
# defence in depth: code should not log them in the first place.
# A Celery worker started in-process exports its level as a number (``CELERY_LOG_LEVEL=40``).
_celery_log_level = env.str("CELERY_LOG_LEVEL", default="WARNING")
_celery_log_level = int(_celery_log_level) if _celery_log_level.isdigit() else _celery_log_level
LOG_DIR = Path(env.str("LOG_DIR", default=str(VAR_DIR / "log")))
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_numbers": {"()": "portal.logscan.MaskPersonalNumbers"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal_numbers"],
        },
        "file": {
            # Reopens the file after logrotate moved it (deploy/logrotate.conf).
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_DIR / "portal.log"),
            "formatter": "plain",
            "filters": ["mask_personal_numbers"],
            "delay": True,
        },
    },
    "root": {"handlers": ["console", "file"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "portal.audit": {"level": "INFO", "handlers": ["console", "file"], "propagate": False},
        "celery": {"level": _celery_log_level},
    },
}

# --- Authentication and sessions (issue 9) ---
# Password policy, login lockout (django-axes), idle/absolute session limits, TOTP two-factor
# (django-otp), the auth event log and the audit tables' retention. docs/security.md.
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "portal.accounts.middleware.SessionTimeoutMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("portal.accounts.middleware.SessionTimeoutMiddleware") + 1,
    "portal.accounts.middleware.OTPRequiredMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks
AUTHENTICATION_BACKENDS = [
    # Refuses locked-out credentials before any password is checked (portal.accounts.security).
    "portal.accounts.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": max(PASSWORD_MIN_LENGTH, 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Validates nothing: records every password change in the auth event log.
    {"NAME": "portal.accounts.security.PasswordChangeAudit"},
]

# Lockout: 5 failures lock the username (from any address) and the username+address pair
# for 30 minutes. Attempts live in the database (AxesDatabaseHandler), so a cache or Redis
# restart lifts no lock. The client address is REMOTE_ADDR; X-Forwarded-For is read only
# when TRUSTED_PROXY_COUNT says how many proxies (nginx) append to it.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "portal.accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portal.middleware.client_ip"
AXES_VERBOSE = False
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sessions end after 30 minutes without a request and 12 hours after sign-in, whichever
# comes first (portal.accounts.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT

# Two-factor sign-in (TOTP): required of superusers and the roles below, optional for the
# rest (they enrol from the user menu). OTP_ENFORCED=false turns the requirement off.
OTP_ENFORCED = env.bool("OTP_ENFORCED", default=True)
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["district_admin", "security_admin"])
OTP_TOTP_ISSUER = "区域党建信息平台"

# Audit rows are kept at least 180 days; older ones are archived to ARCHIVE_ROOT (gzip JSON
# lines + SHA-256 manifest) and only then deleted (portal.accounts.archive).
AUDIT_RETENTION_DAYS = max(env.int("AUDIT_RETENTION_DAYS", default=180), 180)
ARCHIVE_ROOT = Path(env.str("ARCHIVE_ROOT", default=str(VAR_DIR / "archive")))

# --- API, uploads (issue 9) ---
# Throttling per API token (else signed-in user, else address) in four scopes
# (portal.throttling); counts in the default cache (Redis with REDIS_URL). Rates "N/s|min|hour|day".
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["portal.throttling.PortalThrottle"]
THROTTLE_RATES = {
    "list": env.str("THROTTLE_LIST", default="1200/min"),
    "export": env.str("THROTTLE_EXPORT", default="60/min"),
    "lookup": env.str("THROTTLE_LOOKUP", default="300/min"),
    "write": env.str("THROTTLE_WRITE", default="600/min"),
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "portal.throttling.ThrottleMiddleware",
)
# API tokens always expire; the admin picks 1..API_TOKEN_MAX_DAYS (default above: 90).
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# CORS closed: no cross-origin reads of the API unless CORS_ALLOWED_ORIGINS lists origins
# (comma separated, e.g. https://street.example.gov.cn). Never with credentials.
INSTALLED_APPS += ["corsheaders"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware"),
    "corsheaders.middleware.CorsMiddleware",
)
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|open311)/.*$"
CORS_ALLOW_CREDENTIALS = False
# Uploads (portal.uploads): request bodies, imports (checked by content, XLSX zip-bomb and
# XML entity checks), photos (re-encoded by Pillow, EXIF dropped).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_ZIP_MAX_ENTRIES = env.int("IMPORT_ZIP_MAX_ENTRIES", default=1000)
IMPORT_ZIP_MAX_UNCOMPRESSED = env.int("IMPORT_ZIP_MAX_UNCOMPRESSED", default=400 * 1024 * 1024)
IMPORT_ZIP_MAX_RATIO = env.int("IMPORT_ZIP_MAX_RATIO", default=100)
CASE_PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
