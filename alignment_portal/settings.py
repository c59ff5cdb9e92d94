"""Settings for the alignment portal.

One module for every environment: each knob is an environment variable with a safe
development default (see `.env.example`). Production values are checked at start-up, and an
unsafe combination stops the process with a message that says what to change.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _DEV_SECRET_KEY
if not DEBUG and (
    SECRET_KEY == _DEV_SECRET_KEY
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is missing or weak. With DJANGO_DEBUG off it must be at least 50 "
        "random characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

_LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or (_LOCAL_HOSTS if DEBUG else [])
if DEBUG and any(host not in _LOCAL_HOSTS for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is on while DJANGO_ALLOWED_HOSTS names a public host "
        f"({', '.join(ALLOWED_HOSTS)}). Debug pages leak secrets: turn DJANGO_DEBUG off."
    )
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must name the site's host(s) when debug is off")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The public address for links in emails (invitations, resets, exports). Required with debug
# off: a default would send people links to 127.0.0.1.
SITE_URL = env_str("SITE_URL").rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SITE_URL must be set when debug is off: the public address of the site, e.g. "
            "https://portal.example.com (emailed links are built from it).")
    SITE_URL = "http://127.0.0.1:8000"
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its templates, for the form renderer below
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "ninja",
    "alignment_portal.organizations",
    "alignment_portal.scoring",
    "alignment_portal.api",
    "alignment_portal.feeds",
    "alignment_portal.notifications",
    "alignment_portal.scenarios",
    "metrics",
    "goals",
    "initiatives",
    "alignment_portal.benefits",
    "alignment_portal.playbooks",
    "alignment_portal.consultants",
    "alignment_portal.two_factor",
    "alignment_portal.data_export",
    "alignment_portal.renewals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: their own choice, else the browser's Accept-Language (LANGUAGES).
    "django.middleware.locale.LocaleMiddleware",
    # ...unless the person chose one for themselves (organizations/language.py).
    "alignment_portal.organizations.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor this session (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # An organization that requires two-factor sends members without it to set it up.
    "alignment_portal.two_factor.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "alignment_portal.api.middleware.ApiBodyLimitMiddleware",
    "alignment_portal.lib.uploads.UploadLimitMiddleware",
    # A database that is restarting answers 503 + Retry-After, not 500 (lib/unavailable.py).
    "alignment_portal.lib.unavailable.DatabaseUnavailableMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alignment_portal.urls"
WSGI_APPLICATION = "alignment_portal.wsgi.application"

# Each form field in one box (label, help, errors, control): alignment_portal/lib/forms.py.
FORM_RENDERER = "alignment_portal.lib.forms.PortalFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alignment_portal.organizations.context_processors.current_organization",
            ],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL (or anything dj-database-url reads) from
# DATABASE_URL. Persistent connections with health checks: measured here, ~8x throughput.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # WAL and a busy timeout let the dev server and the in-process tasks share it.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds what every process must agree on: API rate limits, sign-up and reset
# throttles, sessions. Redis from CACHE_URL; without it, production falls back to a database
# table (shared, slower) and development to process memory (limits then count per process).
# Which one is in use is logged at start-up (organizations/apps.py).
_CACHE_URL = env_str("CACHE_URL")
CACHE_TABLE = "portal_cache"
# Django's RedisCache, with a Redis that is down read as a miss (lib/cache.py).
if _CACHE_URL:
    CACHES = {"default": {"BACKEND": "alignment_portal.lib.cache.FailOpenRedisCache",
                          "LOCATION": _CACHE_URL}}
elif not DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": CACHE_TABLE}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long a dashboard section or chart stays cached (its key moves with every change and
# recompute anyway); 0 renders every request afresh, as the first one after a change is.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 600)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): 5 failures for one username from one address lock that pair
# for 15 minutes; a success resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address behind DJANGO_PROXY_COUNT proxies (alignment_portal/lib/client_ip.py):
# the Nth X-Forwarded-For entry from the right; with none, REMOTE_ADDR.
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "alignment_portal.lib.client_ip.client_ip"
NINJA_NUM_PROXIES = PROXY_COUNT
AXES_VERBOSE = False
# Two-factor sign-in (alignment_portal/two_factor/): TOTP codes from an authenticator app, or
# one of ten single-use recovery codes. A wrong code counts as a failed sign-in for django-axes
# (the same AXES_FAILURE_LIMIT locks the person out). The issuer is the name the app shows.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Alignment Portal")
# How long after the password the code may be given, in seconds.
TWO_FACTOR_PENDING_SECONDS = 300

# The portal speaks English and German (locale/de/LC_MESSAGES, compiled by `make messages`).
# Numbers and dates follow the active language (Django's formats); money is formatted with
# Babel in the organization's currency (organizations/templatetags/local_formats.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js is served from the copy the plotly package carries: no CDN, no vendored duplicate.
STATICFILES_DIRS = [BASE_DIR / "static", ("plotly", Path(plotly.__file__).parent / "package_data")]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or (VAR_DIR / "static"))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
# Uploaded files (consultants' logos) live under MEDIA_ROOT; nothing serves the folder as
# such: each file is served by its view, to who may see it (consultants/views.py).
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT") or (VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security. DJANGO_HTTPS (on by default when debug is off) turns on the redirect, HSTS and
# secure cookies; off, the site serves plain HTTP (a private network or a local load test).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Sessions are read from the cache (Redis in production) and written through to the
# database: one query less on every page, and nothing lost when the cache is flushed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy: scripts only from this site or with the per-request nonce; nothing
# from a CDN. Inline style attributes are allowed (htmx's indicator style and plotly's SVG
# styling use them); inline script is not.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Email: the console unless an SMTP host is configured (Django 6.1's MAILERS setting).
EMAIL_HOST_NAME = env_str("EMAIL_HOST")
if EMAIL_HOST_NAME:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST_NAME,
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Alignment Portal <portal@localhost>")

# Celery: a broker from CELERY_BROKER_URL; without one, tasks run in-process (eagerly).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
if CELERY_TASK_SOFT_TIME_LIMIT > CELERY_TASK_TIME_LIMIT:
    # Celery would refuse every publish, and the site would silently queue nothing.
    raise ImproperlyConfigured(
        f"CELERY_TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT}) must not exceed "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT}).")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down must not hang the web request that enqueues: fail fast, no publish
# retries. What could not be queued is caught up by the periodic sweep.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
    "visibility_timeout": 3600,
}
CELERY_BEAT_SCHEDULE: dict = {}
# Scoring: catch up organizations marked for recompute but not done (broker down, worker
# died), and snapshot every organization's scores nightly for the history charts.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["scoring-sweep-recomputes"] = {
    "task": "scoring.sweep_recomputes", "schedule": env_int("SCORING_SWEEP_SECONDS", 300)}
CELERY_BEAT_SCHEDULE["scoring-nightly-snapshot"] = {
    "task": "scoring.snapshot_scores", "schedule": crontab(hour=2, minute=15)}
# Notifications: one pass an hour of due, overdue and escalated values, high flags and the
# weekly digests (alignment_portal/notifications/). Idempotent, so a missed or doubled beat
# is harmless.
CELERY_BEAT_SCHEDULE["notifications-hourly-pass"] = {
    "task": "notifications.run_pass",
    "schedule": crontab(minute=env_int("NOTIFY_PASS_MINUTE", 5)),
}
# Slack and Teams webhooks must be https; these hosts may use plain http (a local test
# server). The URLs are stored encrypted under NOTIFY_WEBHOOK_KEY (derived from SECRET_KEY
# when unset, so rotating SECRET_KEY then means pasting the webhook URLs again).
NOTIFY_WEBHOOK_HTTP_HOSTS = env_list("NOTIFY_WEBHOOK_HTTP_HOSTS")
NOTIFY_WEBHOOK_KEY = env_str("NOTIFY_WEBHOOK_KEY")

# Uploaded CSV files never confirmed are deleted a day after their upload.
CELERY_BEAT_SCHEDULE["metrics-purge-unconfirmed-imports"] = {
    "task": "metrics.purge_unconfirmed_imports", "schedule": crontab(minute=40)}
CELERY_BEAT_SCHEDULE["benefits-purge-unconfirmed-imports"] = {
    "task": "benefits.purge_unconfirmed_imports", "schedule": crontab(minute=42)}

# Accounts whose sign-up was never confirmed are deleted after a week (organizations/limits.py).
CELERY_BEAT_SCHEDULE["organizations-purge-unconfirmed-accounts"] = {
    "task": "organizations.purge_unconfirmed_accounts", "schedule": crontab(hour=3, minute=30)}

# Security log events are kept 13 months (organizations/security_log.py).
CELERY_BEAT_SCHEDULE["organizations-purge-security-log"] = {
    "task": "organizations.purge_security_log", "schedule": crontab(hour=3, minute=45)}

# Uploads: a multipart body over this is refused from its Content-Length, before it is read,
# and while it streams (alignment_portal/lib/uploads.py). The CSV import's own limit is 5 MB;
# the margin is for the form's other fields.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024 + 64 * 1024

# An organization's archive (alignment_portal/data_export/): built by a task into
# DATA_EXPORT_DIR, mailed as a signed link that works DATA_EXPORT_LINK_DAYS days, then deleted.
DATA_EXPORT_DIR = Path(env_str("DATA_EXPORT_DIR") or (VAR_DIR / "exports"))
DATA_EXPORT_LINK_DAYS = env_int("DATA_EXPORT_LINK_DAYS", 7)
CELERY_BEAT_SCHEDULE["data-export-purge-expired"] = {
    "task": "data_export.purge_expired", "schedule": crontab(hour=4, minute=10)}
# Organizations whose deletion was asked 14 days ago are removed (organizations/deletion.py).
CELERY_BEAT_SCHEDULE["organizations-delete-due"] = {
    "task": "organizations.delete_due_organizations", "schedule": crontab(minute=25)}

# Feeds: run the pull feeds that are due (alignment_portal/feeds/tasks.py).
CELERY_BEAT_SCHEDULE["feeds-run-due"] = {
    "task": "feeds.run_due_feeds", "schedule": env_int("FEEDS_BEAT_SECONDS", 60)}
# Hosts a pull feed may reach over plain http and on a private or loopback address (every
# other host: https and public addresses only). Development serves its own sample feed.
FEEDS_ALLOWED_HOSTS = env_list("FEEDS_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

# API: requests per token and window (django-ninja's throttle syntax, e.g. 120/m, 10/s).
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "120/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
