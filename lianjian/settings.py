"""Settings for 联建: one module, driven by the environment.

Production differs from development only by environment variables:
``LIANJIAN_DATABASE_URL``, ``LIANJIAN_SECRET_KEY``, ``LIANJIAN_DEBUG``,
``LIANJIAN_ALLOWED_HOSTS``, ``LIANJIAN_DATA_DIR``, ``LIANJIAN_CONN_MAX_AGE``,
``LIANJIAN_HSTS_SECONDS``, ``LIANJIAN_REPLICA_URL`` (README, 生产部署; docs/deploy.md).
Helpers fail loudly on bad values.

The defaults are production-safe: debug pages only with ``LIANJIAN_DEBUG=true`` (``make
dev``); persistent database connections only under the production server, which
``lianjian.wsgi`` announces before these settings load.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("LIANJIAN_DATA_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; anything but the known spellings is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int, *, low: int = 0) -> int:
    """Read a whole number of at least ``low``; anything else is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return value


def secret_key() -> str:
    """The key from the environment, else one kept in DATA_DIR so sessions survive restarts."""
    key = os.environ.get("LIANJIAN_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Off unless asked for: gunicorn and `make run` serve the product as users see it.
DEBUG = env_bool("LIANJIAN_DEBUG", False)
SECRET_KEY = secret_key()
ALLOWED_HOSTS = [
    h
    for h in os.environ.get("LIANJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h
]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("LIANJIAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from local static files, no CDN
    "django_tasks",
    "django_tasks_db",  # the queue of background tasks in the database (docs/tasks.md)
    "lianjian.core",
    "lianjian.accounts",
    "lianjian.notifications",
    "lianjian.orgs",
    "lianjian.deadlines",
    "lianjian.alliances",
    "lianjian.activities",
    "lianjian.keytasks",
    "lianjian.decisions",
    "lianjian.carriers",
    "lianjian.consultations",
    "lianjian.sharing",
    "lianjian.supervision",
    "lianjian.points",
    "lianjian.appraisals",
    "lianjian.assessment",
    "lianjian.proposals",
    "lianjian.projects",
    "lianjian.home",
    "lianjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lianjian.core.middleware.RejectControlCharactersMiddleware",
    "lianjian.core.middleware.ConflictMiddleware",
    "lianjian.core.middleware.AtomicWritesMiddleware",
]

ROOT_URLCONF = "lianjian.urls"
WSGI_APPLICATION = "lianjian.wsgi.application"

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
                "lianjian.core.context_processors.navigation",
                "lianjian.notifications.context_processors.inbox",
            ],
        },
    }
]

DATABASE_URL = (
    os.environ.get("LIANJIAN_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'lianjian.sqlite3'}"
)
# WhiteNoise serves from STATIC_ROOT after `collectstatic`, from the apps' folders before.
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
# Persistent connections pay off under the production server (lianjian.wsgi sets
# LIANJIAN_CONN_MAX_AGE=60 for gunicorn's few long-lived workers). Under `runserver` every
# request runs in a new thread, and each thread would keep its connection open until it
# aged out: 60 requests held 46 PostgreSQL connections and 10 parallel ones exhausted the
# server's 100. So by default a connection closes at the end of its request. The health
# check makes a kept connection that died (PostgreSQL restarted) reconnect instead of
# failing one request per stale connection.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("LIANJIAN_CONN_MAX_AGE", 0), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes; the busy timeout avoids
    # "database is locked" under short write bursts.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
# A read replica for reports and dashboards (docs/deploy.md): only the views wrapped in
# lianjian.core.dbrouters.reads_from_replica read from it; writes, migrations and every other
# read stay on the primary, so a page always sees the request's own writes. Under tests the
# alias mirrors the test database (TEST MIRROR); on PostgreSQL without a replica the alias
# still exists (an unused alias opens no connection) so that tests/test_dbrouter.py can
# route to a second connection in CI.
REPLICA_URL = os.environ.get("LIANJIAN_REPLICA_URL", "").strip()
LIANJIAN_READ_REPLICA = bool(REPLICA_URL)
if REPLICA_URL or DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    replica = dj_database_url.parse(
        REPLICA_URL or DATABASE_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    if replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ValueError(
            "LIANJIAN_REPLICA_URL needs PostgreSQL for both the primary"
            f" (LIANJIAN_DATABASE_URL) and the replica, got {REPLICA_URL!r}"
        )
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = replica
DATABASE_ROUTERS = ["lianjian.core.dbrouters.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# How many years ahead a planned date (a deadline, an agreement's end, a booking) may lie;
# see lianjian/core/validation.py and docs/security.md §3.
LIANJIAN_PLANNING_YEARS = int(os.environ.get("LIANJIAN_PLANNING_YEARS", "10"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    # A password equal or close to the username or the name is refused (docs/security.md §8).
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock an account after this many failed logins in a row, for this many minutes.
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCK_MINUTES = 15

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = env_bool("LIANJIAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# A CSRF failure gets the product's Chinese page, never Django's English one with the reason.
CSRF_FAILURE_VIEW = "lianjian.core.views.csrf_failure"

# Content-Security-Policy on every response (docs/security.md §1). Scripts only from our own
# static files: no inline script, no event-handler attributes, no eval. Styles: stylesheets
# only from our static files (style-src-elem), but style *attributes* stay allowed because
# ECharts writes its tooltips as HTML with inline style="…" and chart boxes set their height
# with one; browsers without the CSP3 -elem/-attr split fall back to style-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("LIANJIAN_BEHIND_PROXY", False) else None
)
# HSTS (Strict-Transport-Security, sent on HTTPS responses only): off until the site is
# known to be served over HTTPS for good, since browsers then refuse plain HTTP for the
# whole period. Preloading is for the browsers' built-in list, whose conditions are checked.
SECURE_HSTS_SECONDS = env_int("LIANJIAN_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LIANJIAN_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("LIANJIAN_HSTS_PRELOAD", False)
if not SECURE_HSTS_SECONDS and (SECURE_HSTS_INCLUDE_SUBDOMAINS or SECURE_HSTS_PRELOAD):
    raise ValueError(
        "LIANJIAN_HSTS_INCLUDE_SUBDOMAINS/LIANJIAN_HSTS_PRELOAD need LIANJIAN_HSTS_SECONDS > 0"
    )
if SECURE_HSTS_PRELOAD and (SECURE_HSTS_SECONDS < 31536000 or not SECURE_HSTS_INCLUDE_SUBDOMAINS):
    raise ValueError(
        "LIANJIAN_HSTS_PRELOAD needs LIANJIAN_HSTS_SECONDS >= 31536000 and "
        "LIANJIAN_HSTS_INCLUDE_SUBDOMAINS=true"
    )

# Uploaded Excel files are read in memory up to this size; larger ones are refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024


def env_count(name: str, default: int) -> int:
    """A positive whole number (a size in bytes, a count) from the environment; anything
    else is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


# Excel imports (docs/excel.md, 导入上限): the file's size, the data rows below the header,
# the columns of a row. The screens accept fewer rows: their validation and import run as
# background tasks (docs/tasks.md), so the bound is no longer a request's timeout but it
# stays a bound; larger files go through `lianjian import`.
IMPORT_MAX_BYTES = env_count("LIANJIAN_IMPORT_MAX_BYTES", 100 * 1024 * 1024)
IMPORT_MAX_ROWS = env_count("LIANJIAN_IMPORT_MAX_ROWS", 500_000)
IMPORT_SCREEN_MAX_ROWS = env_count("LIANJIAN_IMPORT_SCREEN_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = env_count("LIANJIAN_IMPORT_MAX_COLUMNS", 100)
# No uploaded file is received beyond IMPORT_MAX_BYTES (lianjian/core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "lianjian.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Background tasks (docs/tasks.md): Django's task framework through the django-tasks
# backport. The default keeps the queue in the database, worked by `lianjian db_worker`
# (`make run` starts one beside the web server, `make worker` runs one alone);
# LIANJIAN_TASKS_BACKEND names another backend class (RQ on Redis for several servers,
# django_tasks.backends.immediate.ImmediateBackend to run each task inside the request;
# the test suite uses that one, tests/conftest.py).
TASKS_BACKEND = os.environ.get("LIANJIAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]}}
if TASKS_BACKEND.startswith("django_tasks_rq."):
    # Several servers: the queue on Redis, worked by `lianjian rqworker --job-class
    # django_tasks_rq.Job`; needs `pip install django-tasks-rq` (docs/tasks.md).
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        "default": {"URL": os.environ.get("LIANJIAN_REDIS_URL", "redis://127.0.0.1:6379/0")}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
