"""Concertation settings: one module, fed by environment variables (see README, "Configuration")."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from concertation.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_object_storage,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of a `make run` install: SQLite database, uploaded files, generated secret key.
VAR_DIR = Path(env_str("CONCERTATION_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # Local installs get a random key kept on disk, so sessions survive restarts without
    # anyone committing a secret. Production sets SECRET_KEY explicitly.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Public base URL, used in e-mails and calendar feeds where there is no request.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# "dsfr" is the State design system (for ARS and other State bodies); "neutral" keeps the
# components but drops the Marianne font and the "République française" brand block, which
# are reserved to the State.
THEME = env_choice("CONCERTATION_THEME", ("dsfr", "neutral"), "dsfr")
SITE_TITLE = env_str("SITE_TITLE", "Concertation santé")
SITE_TAGLINE = env_str("SITE_TAGLINE", "Journées de concertation et démocratie en santé")
OPERATOR_NAME = env_str("OPERATOR_NAME", "Agences régionales de santé")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "dsfr",
    "django_tasks_db",
    "axes",
    "concertation.core",
    "concertation.territories",
    "concertation.accounts",
    "concertation.campaigns",
    "concertation.events",
    "concertation.registrations",
    "concertation.contributions",
    "concertation.analysis_runs",
    "concertation.synthesis",
    "concertation.projects",
    "concertation.national",
    "concertation.dashboards",
    "concertation.front",
    "concertation.api",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view reads the body; after sessions and auth, for the page's template.
    "concertation.core.middleware.RequestBodyLimitMiddleware",
    "concertation.core.middleware.CleanTextMiddleware",
    # The audit trail's channel: the screen's URL name (core/audit.py).
    "concertation.core.audit.AuditChannelMiddleware",
    # Rate limit, ETag and CORS of /api/ (api/middleware.py).
    "concertation.api.middleware.ApiMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked login into its page (accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "concertation.urls"
WSGI_APPLICATION = "concertation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "concertation" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "concertation.core.context_processors.site",
            ],
            # Tests set this to raise on undefined variables (see tests/conftest.py).
            "string_if_invalid": "",
            "builtins": ["concertation.core.templatetags.dates"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # Server-side prepared statements, for the hand-written statements of the hot paths only:
    # `concertation.core.sql` asks for them, Django's cursors bind on the client and never
    # prepare, and no count of executions reaches this threshold. (Django leaves them off by
    # default for transaction-mode poolers such as PgBouncer, which this set-up does not use.)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "concertation.sqlite3",
            # WAL lets the web server read while the task worker writes. A write waits this
            # many seconds for the lock (SQLite's busy timeout) before `database is locked`:
            # long enough for the worker's longest write (a package, an analysis result), short
            # of gunicorn's 30 s; past it the request gets the « réessayez » page (503) and the
            # worker tries again later (core/worker.py).
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SQLITE_BUSY_TIMEOUT", 10),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# One process: its own memory. Several servers: REDIS_URL (redis://host:6379/0), so that the
# public page cache and the API's rate limits are shared (sessions, sign-in lockouts and
# sign-up limits already live in the database).
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "TIMEOUT": 300,
        "KEY_PREFIX": "concertation",
    } if REDIS_URL else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "concertation",
        "TIMEOUT": 300,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing (organisers' sign-in, admin): django-axes, see accounts/lockout.py. Its
# backend comes first: it refuses a locked login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "concertation.accounts.lockout.Handler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
# Failures within AXES_COOLOFF_TIME: per account and address, per account, per address.
LOGIN_FAILURE_LIMITS = (env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5),
                        env_int("LOGIN_FAILURES_PER_ACCOUNT", 10),
                        env_int("LOGIN_FAILURES_PER_ADDRESS", 20))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMITS[0]
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # in hours, as axes reads it
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every start; lockouts are still logged
AXES_LOCKOUT_CALLABLE = "concertation.accounts.lockout.locked_out"
# The client's address as the sign-up limits read it (TRUSTED_PROXIES, X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "concertation.registrations.network.client_ip"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "backoffice:home"
LOGOUT_REDIRECT_URL = "front:home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "concertation" / "static"]
# Uploaded and generated files: the local disk (MEDIA_ROOT) of one server, or with
# MEDIA_STORAGE_URL (s3://KEY:SECRET@host/bucket, see env.py) an S3-compatible bucket that
# several servers share, its objects private.
MEDIA_STORAGE = env_object_storage("MEDIA_STORAGE_URL")
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": MEDIA_STORAGE}
    if MEDIA_STORAGE else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A file in a bucket is handed out as a redirect to a signed URL valid this many seconds,
# once its view has checked who may read it (core/downloads.py); 0 streams it through Django.
MEDIA_SIGNED_URL_SECONDS = env_int("MEDIA_SIGNED_URL_SECONDS", 60)
# Without a collectstatic (tests, development), serve straight from the apps' folders.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
# MEDIA_URL is routed nowhere: files are served by views that check their object's visibility
# (`core/downloads.py`). Behind nginx, MEDIA_ACCEL_REDIRECT_PREFIX names an `internal`
# location aliasing MEDIA_ROOT (e.g. "/protected-media/") and nginx sends the bytes; behind
# Apache (mod_xsendfile) or lighttpd, MEDIA_X_SENDFILE=1 does the same with X-Sendfile.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_ACCEL_REDIRECT_PREFIX = env_str("MEDIA_ACCEL_REDIRECT_PREFIX", "")
MEDIA_X_SENDFILE = env_bool("MEDIA_X_SENDFILE", False)
# Uploaded documents (PDF) are limited to this many bytes.
MAX_DOCUMENT_SIZE = env_int("MAX_DOCUMENT_SIZE", 10 * 1024 * 1024)
# A whole request body (a document and the form around it) past this is refused from its
# Content-Length before it is read (core/middleware.py), so no upload reaches the disk.
MAX_REQUEST_BODY = env_int("MAX_REQUEST_BODY", MAX_DOCUMENT_SIZE + 1024 * 1024)
# The fields other than files (Django counts files apart): no form needs more than Django's
# default; past it, a 400 (RequestDataTooBig).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Files above this go to a temporary file while read, below it stay in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The first handler stops a file at MAX_DOCUMENT_SIZE while it streams in (core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "concertation.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Mail goes to the console unless an SMTP host is given.
_EMAIL_HOST = env_str("EMAIL_HOST")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_USER"),
                "password": env_str("EMAIL_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
        if _EMAIL_HOST
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "concertation@localhost")

# Everything is served from this origin: no inline script, so pages can be cached whole.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# ProConnect, the State's OpenID Connect federation for agents (see README, "ProConnect"):
# organisers and staff may sign in through it when all three are set; otherwise its button is
# not shown and its URLs answer 404. PROCONNECT_ACR lists the acceptable `acr` values (asked
# for with acr_values and checked in the ID token); empty asks for none.
PROCONNECT_CLIENT_ID = env_str("PROCONNECT_CLIENT_ID")
PROCONNECT_CLIENT_SECRET = env_str("PROCONNECT_CLIENT_SECRET")
PROCONNECT_DISCOVERY_URL = env_str("PROCONNECT_DISCOVERY_URL")
PROCONNECT_ACR = env_list("PROCONNECT_ACR", ["eidas1"])
_proconnect_set = [PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET, PROCONNECT_DISCOVERY_URL]
if any(_proconnect_set) and not all(_proconnect_set):
    raise ImproperlyConfigured(
        "PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET and PROCONNECT_DISCOVERY_URL "
        "go together: set all three or none"
    )
if PROCONNECT_DISCOVERY_URL:
    _proconnect_url = urlsplit(PROCONNECT_DISCOVERY_URL)
    # Plain http only to this machine (a provider run by the tests or a developer).
    if _proconnect_url.scheme != "https" and _proconnect_url.hostname not in (
        "127.0.0.1", "localhost", "::1"
    ):
        raise ImproperlyConfigured(
            f"PROCONNECT_DISCOVERY_URL must be an https URL, got {PROCONNECT_DISCOVERY_URL!r}"
        )
    # The sign-in button and the logout form lead to the provider through a redirect, which
    # browsers check against form-action.
    SECURE_CSP["form-action"].append(f"{_proconnect_url.scheme}://{_proconnect_url.netloc}")

# HTTPS=1 in production: secure cookies, HSTS and redirection to https.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
# A load balancer probes each server over plain HTTP: its answers must not be a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Whole-page cache of public pages for anonymous visitors (see concertation/core/public_cache.py).
PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", True)

# Sign-ups allowed per hour from one network address. Per e-mail address, sign-ups are never
# refused (that would let anyone lock an address's owner out): past this many attempts an hour
# with an address already registered, its owner is no longer mailed about them.
REGISTRATION_RATE_PER_IP = env_int("REGISTRATION_RATE_PER_IP", 30)
REGISTRATION_RATE_PER_EMAIL = env_int("REGISTRATION_RATE_PER_EMAIL", 5)
# Requests for a link by e-mail (login link, confirmation again) per hour, counted apart from
# sign-ups: from one network address (a venue's attendees share one), and for one address.
LINK_REQUEST_RATE_PER_IP = env_int("LINK_REQUEST_RATE_PER_IP", 60)
LINK_REQUEST_RATE_PER_EMAIL = env_int("LINK_REQUEST_RATE_PER_EMAIL", 5)
# Reverse proxies in front of the server (addresses or networks). Only a request coming from one
# of them is believed about its client's address (the last X-Forwarded-For entry not added by a
# trusted proxy); otherwise the connection's own address counts. Empty: X-Forwarded-For ignored.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# How long the personal link sent to a participant stays valid, in days.
REGISTRATION_LINK_DAYS = env_int("REGISTRATION_LINK_DAYS", 400)
# How long an e-mail login link (participants only, single use) stays valid, in minutes.
LOGIN_LINK_MINUTES = env_int("LOGIN_LINK_MINUTES", 15)
# Attempts before an e-mail is left for an organiser to look at.
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 8)
# A background task due for longer than this means no worker takes them: the organisers'
# home page warns, and `manage.py check_queue` exits non-zero (core/queue.py).
QUEUE_STALL_MINUTES = env_int("QUEUE_STALL_MINUTES", 5)

# The public API's limit per client address and minute (`api/middleware.py`): past it, 429.
API_RATE_PER_MINUTE = env_int("API_RATE_PER_MINUTE", 300)
# Organisers' webhooks (`api/webhooks.py`): attempts before a delivery is given up (1, 2, 4 …
# minutes apart, at most an hour: about a day), the receiver's time to answer, and whether an
# address on a private or loopback network may receive (never in production: a webhook would
# let an organiser make the server call its own network).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 12)
WEBHOOK_TIMEOUT_S = env_int("WEBHOOK_TIMEOUT_S", 10)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
