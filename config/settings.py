"""Settings for Nurturing Touch, read from the environment.

With no environment at all the project runs on embedded defaults (SQLite, a filesystem Celery broker,
local media, console email) so that `make run` needs no server. DATABASE_URL, CELERY_BROKER_URL,
REDIS_URL and AWS_STORAGE_BUCKET_NAME switch to Postgres, Redis and S3-compatible storage.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.credential_keys import read_signing_keys
from config.env import env_amount, env_bool, env_choice, env_currency, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# Core: refuse the development key anywhere DEBUG is off.
DEV_SECRET_KEY = "dev-insecure-nurturing-touch-key-do-not-use-in-production"
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: the development key is refused when DEBUG is off.")
if not DEBUG and len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("SECRET_KEY must be at least 40 characters when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django_countries",
    "csp",
    "allauth",
    "allauth.account",
    "django_prometheus",
    # Our apps, lowest floor first (docs/architecture.md).
    "notifications",
    "accounts",
    "payments",
    "classes",
    "certification",
    "instructors",
    "privacy",
    "association",
]

MIDDLEWARE = [
    # django-prometheus times requests between its two middlewares: first and last, so the latency
    # /metrics reports includes every other middleware.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "config.navigation.NavigationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "config.navigation.navigation",
            ],
        },
    },
]

# Database: SQLite in WAL mode with immediate transactions by default, so the web process and the worker
# can write side by side; DATABASE_URL switches to Postgres.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Bounded waits: a lock held too long becomes "please try again", not a hung request.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c lock_timeout={env_int('DB_LOCK_TIMEOUT_MS', 3000)}"
            f" -c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 30000)}"
        )
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by every replica, so allauth's and our rate limits hold
# across them); per-process memory otherwise.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}}
    # A signed-in request reads its session from Redis, and from the database only when Redis has lost it
    # (sessions are still written to the database, so none is lost with the cache).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Authentication: email is the login (accounts.User); django-allauth handles signup and verification.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Nurturing Touch: "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# Languages: every user-facing string is translatable; English and Spanish ship.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# locale/_packages words some of Django's and allauth's own messages our way (tú, not usted).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "_packages"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# Static files through whitenoise (hashed, compressed); media locally or on S3-compatible storage.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
# Private files (email attachments, certificate PDFs) live in a storage of their own that no route serves
# (its files' .url would fall back to MEDIA_URL, where the media view refuses anything but photos): they
# are streamed only by views that check who is asking. Public media (instructor photos) is served at
# MEDIA_URL in every deployment (config.media, or the bucket's own URLs on S3).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    _media_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "private", "querystring_auth": True, "querystring_expire": 300},
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _media_storage,
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security: strict outside DEBUG. Behind a TLS-terminating proxy, TRUSTED_PROXY_COUNT says how many
# proxies append to X-Forwarded-For (the client address is the entry that many from the right; with 0 it is
# the socket's address and the header is ignored), and SECURE_PROXY_SSL_HEADER names the header the proxy
# sets to "https" (e.g. X-Forwarded-Proto). Neither is trusted unless configured: anyone can send them.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes and Prometheus reach each replica directly, over the private network, in plain http; a redirect
# would not protect the scrape's token, which is sent before any redirect comes back.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content Security Policy (django-csp): our own scripts only, never inline ones; no third-party
# assets at all. Inline style attributes stay allowed (emails shown in admin carry them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "frame-src": [SELF],
    }
}

# Email: console by default (and every email is in the outbox, readable in admin).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Nurturing Touch <hello@nurturingtouch.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The outbox (notifications): retries, stuck-row timeouts, retention; settings so tests can shorten them.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6, minimum=1)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 60, minimum=1)
OUTBOX_QUEUED_STUCK_SECONDS = env_int("OUTBOX_QUEUED_STUCK_SECONDS", 300, minimum=1)
OUTBOX_SENDING_STUCK_SECONDS = env_int("OUTBOX_SENDING_STUCK_SECONDS", 900, minimum=1)
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 90, minimum=1)

# Celery: an embedded filesystem broker by default (folders under var/), Redis when CELERY_BROKER_URL says so.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport needs its folders to exist before the first message.
    for _folder in ("queue", "processed"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task whose worker died is handed out again after this; the outbox sweeper covers the gap.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 4, minimum=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing gives up quickly when the broker is down: the row waits in the outbox for the sweeper.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {
        "task": "notifications.tasks.record_heartbeat",
        "schedule": timedelta(seconds=env_int("BEAT_HEARTBEAT_SECONDS", 30, minimum=1)),
    },
    "outbox-requeue-stuck": {
        "task": "notifications.tasks.requeue_stuck_emails",
        "schedule": timedelta(minutes=1),
    },
    "waitlist-expire-offers": {"task": "classes.tasks.expire_offers", "schedule": timedelta(minutes=1)},
    "session-reminders": {"task": "classes.tasks.queue_session_reminders", "schedule": timedelta(minutes=5)},
    "home-practice-guides": {
        "task": "classes.tasks.queue_home_practice_guides",
        "schedule": timedelta(minutes=10),
    },
    "course-evaluation-requests": {
        "task": "classes.tasks.queue_evaluation_requests",
        "schedule": timedelta(minutes=15),
    },
    "instructor-booking-notices": {
        "task": "instructors.tasks.queue_booking_notices",
        "schedule": timedelta(minutes=1),
    },
    "instructor-booking-digests": {
        "task": "instructors.tasks.queue_booking_digests",
        "schedule": crontab(hour=18, minute=0),
    },
    "certificate-expiry-notices": {
        "task": "certification.tasks.queue_expiry_notices",
        "schedule": crontab(minute=23),
    },
    "certificate-pending-emails": {
        "task": "certification.tasks.requeue_pending_certificate_emails",
        "schedule": timedelta(minutes=5),
    },
    "erase-expired-baby-notes": {
        "task": "classes.tasks.erase_expired_baby_notes",
        "schedule": crontab(minute=41, hour=3),
    },
    "payments-expire-holds": {"task": "classes.tasks.expire_payment_holds", "schedule": timedelta(minutes=1)},
    "payments-reconcile": {"task": "payments.tasks.reconcile_payments", "schedule": timedelta(minutes=1)},
    "payments-retry-refunds": {"task": "payments.tasks.send_due_refunds", "schedule": timedelta(minutes=1)},
    "outbox-purge-bodies": {
        "task": "notifications.tasks.purge_sent_email_bodies",
        "schedule": crontab(minute=17),
    },
}

# Metrics (config/metrics.py, README "Metrics"): /metrics answers only a request that carries
# "Authorization: Bearer <METRICS_TOKEN>" and, when METRICS_ALLOWED_NETWORKS lists any, comes from one of
# them (by client address, as TRUSTED_PROXY_COUNT reads it). With no token set, nobody may scrape.
METRICS_TOKEN = env_str("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters; leave it unset to refuse all.")
try:
    METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(cidr) for cidr in env_list("METRICS_ALLOWED_NETWORKS")]
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS must list networks (CIDR): {error}") from None

# Domain settings (docs/domain.md): numbers that are policy, not constants.
BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS = env_int(
    "BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS", 24, minimum=0
)
WAITLIST_OFFER_HOURS = env_int("WAITLIST_OFFER_HOURS", 24, minimum=1)
WAITLIST_OFFER_CLOSE_HOURS = env_int("WAITLIST_OFFER_CLOSE_HOURS", 2, minimum=0)
REMINDER_HOURS_BEFORE = env_int("REMINDER_HOURS_BEFORE", 24, minimum=1)
BABY_NOTES_RETENTION_DAYS = env_int("BABY_NOTES_RETENTION_DAYS", 90, minimum=1)
CERTIFICATION_PRACTICUM_FAMILIES = env_int("CERTIFICATION_PRACTICUM_FAMILIES", 5, minimum=1)
CERTIFICATION_PASS_MARK = env_int("CERTIFICATION_PASS_MARK", 80, minimum=0)
CERTIFICATION_DEADLINE_MONTHS = env_int("CERTIFICATION_DEADLINE_MONTHS", 6, minimum=1)
CERTIFICATION_VALIDITY_MONTHS = env_int("CERTIFICATION_VALIDITY_MONTHS", 12, minimum=1)
CERTIFICATION_MIN_ATTENDANCE_PERCENT = env_int("CERTIFICATION_MIN_ATTENDANCE_PERCENT", 80, minimum=1)
# A practicum family counts only once it has sent its evaluation (docs/domain.md, Certification).
CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION = env_bool("CERTIFICATION_PRACTICUM_REQUIRES_EVALUATION", True)
# Renewing a certificate online (docs/domain.md, Certification): the fee in major units (0: free) and its
# currency; the window opens OPENS_DAYS before the certificate's end and closes GRACE_DAYS after it.
CERTIFICATE_RENEWAL_FEE = env_amount("CERTIFICATE_RENEWAL_FEE", "60.00")
CERTIFICATE_RENEWAL_CURRENCY = env_currency("CERTIFICATE_RENEWAL_CURRENCY", "EUR")
CERTIFICATE_RENEWAL_OPENS_DAYS = env_int("CERTIFICATE_RENEWAL_OPENS_DAYS", 60, minimum=0)
CERTIFICATE_RENEWAL_GRACE_DAYS = env_int("CERTIFICATE_RENEWAL_GRACE_DAYS", 90, minimum=0)
# Families' evaluations (docs/domain.md, Evaluations): how long the emailed link works, how long after a
# course's last session the sweep still asks (a beat that was down catches up, old courses are left alone),
# and how many answers a course needs before its instructor sees anything: fewer would let one family's
# answers be told apart, so never below 2.
EVALUATION_LINK_DAYS = env_int("EVALUATION_LINK_DAYS", 60, minimum=1)
EVALUATION_REQUEST_WITHIN_DAYS = env_int("EVALUATION_REQUEST_WITHIN_DAYS", 14, minimum=1)
EVALUATION_MIN_ANSWERS = env_int("EVALUATION_MIN_ANSWERS", 3, minimum=2)

# Signed credentials (certification/credentials/, README "Signed credentials"): Ed25519 keys as a JWK set,
# inline or in a file, and the kid of the one that signs. Unset, a key is generated on first use into
# CREDENTIAL_KEY_FILE under VAR_DIR (never committed); `manage.py check --deploy` warns about that in
# production, where every replica must sign with the same published keys.
CREDENTIAL_SIGNING_KEYS, CREDENTIAL_SIGNING_KID = read_signing_keys(
    env_str("CREDENTIAL_SIGNING_KEYS"), env_str("CREDENTIAL_SIGNING_KID")
)
CREDENTIAL_KEY_FILE = VAR_DIR / "credential-keys.json"
# Entries per Bitstring Status List: at least 131,072 so that a position reveals nothing (the spec's floor).
CREDENTIAL_STATUS_LIST_SIZE = env_int("CREDENTIAL_STATUS_LIST_SIZE", 131072, minimum=131072)

# Payments (payments/, README "Payments"): Stripe when STRIPE_SECRET_KEY is set; otherwise the fake Stripe
# server (localstripe) that `make run` and the tests start, at STRIPE_API_BASE. PAYMENTS_ENABLED off: no
# course takes money online (every course is paid at the course). The pay pages' CSP admits the origins of
# STRIPE_JS_URL and STRIPE_API_BASE, and only while payments are on (payments.views).
_stripe_secret_key = env_str("STRIPE_SECRET_KEY")
PAYMENTS_ENABLED = env_bool("PAYMENTS_ENABLED", bool(_stripe_secret_key) or DEBUG)
STRIPE_API_BASE = env_str(
    "STRIPE_API_BASE", "https://api.stripe.com" if _stripe_secret_key else "http://127.0.0.1:8420"
).rstrip("/")
STRIPE_JS_URL = env_str(
    "STRIPE_JS_URL",
    "https://js.stripe.com/v3/" if _stripe_secret_key else f"{STRIPE_API_BASE}/js.stripe.com/v3/",
)
STRIPE_SECRET_KEY = _stripe_secret_key or "sk_test_localstripe"
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_localstripe")
if PAYMENTS_ENABLED and _stripe_secret_key and not STRIPE_PUBLISHABLE_KEY.startswith("pk_"):
    raise ImproperlyConfigured("Set STRIPE_PUBLISHABLE_KEY (pk_…) beside STRIPE_SECRET_KEY.")
if PAYMENTS_ENABLED and _stripe_secret_key and STRIPE_WEBHOOK_SECRET == "whsec_localstripe":
    raise ImproperlyConfigured("Set STRIPE_WEBHOOK_SECRET: the endpoint secret Stripe shows for the webhook.")
# Every page of the payment flow says "Test payments — no real money" unless the keys are live ones.
PAYMENTS_TEST_MODE = not STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 15, minimum=1)
# The association may require every new course to be paid online when booking.
PAYMENTS_REQUIRE_ONLINE = env_bool("PAYMENTS_REQUIRE_ONLINE", False)
# How long a place booked on a pay-online course is held while the family pays.
PAYMENT_HOLD_MINUTES = env_int("PAYMENT_HOLD_MINUTES", 15, minimum=1)
# A payment still pending this long after its last change is asked about at Stripe (a lost webhook).
PAYMENT_RECONCILE_AFTER_SECONDS = env_int("PAYMENT_RECONCILE_AFTER_SECONDS", 180, minimum=1)
REFUND_MAX_ATTEMPTS = env_int("REFUND_MAX_ATTEMPTS", 5, minimum=1)
REFUND_RETRY_BASE_SECONDS = env_int("REFUND_RETRY_BASE_SECONDS", 60, minimum=1)
REFUND_SENDING_STUCK_SECONDS = env_int("REFUND_SENDING_STUCK_SECONDS", 600, minimum=1)
# Who issues receipts and credit notes (payments.services.receipts): printed on each, and kept with it as
# it was on the day it was issued. Receipts are numbered per year of the site's time zone (TIME_ZONE).
ASSOCIATION_NAME = env_str("ASSOCIATION_NAME", "Nurturing Touch — Infant Massage Association")
ASSOCIATION_ADDRESS = env_str("ASSOCIATION_ADDRESS", "Calle Mayor 3, 28013 Madrid, Spain")
ASSOCIATION_TAX_ID = env_str("ASSOCIATION_TAX_ID", "G00000000")
ASSOCIATION_EMAIL = env_str("ASSOCIATION_EMAIL", "hello@nurturingtouch.example")
# The share of a card payment a family cancelling before the cutoff gets back, for a new course
# (docs/domain.md, Paying online); each course keeps its own once created.
COURSE_REFUND_PERCENT_DEFAULT = env_int("COURSE_REFUND_PERCENT_DEFAULT", 100, minimum=0, maximum=100)

# Logging: everything to stdout, for the process manager or container runtime to collect.
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
