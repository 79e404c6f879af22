"""Settings for the test suite: the real settings, on Postgres, with fast hashing and eager Celery.

Integration tests start real workers in subprocesses with their own environment; these values are only
for code running inside pytest.
"""

from __future__ import annotations

import os

# Celery reads CELERY_BROKER_URL from the environment before settings: a developer's export must not leak in.
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-for-the-suite-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nurturing_touch")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))

from config.settings import *  # noqa: F403

# Plain http in tests; the production posture is asserted against the real settings module.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False  # tasks are published to memory://; tests run services directly
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
OUTBOX_QUEUED_STUCK_SECONDS = 2
OUTBOX_SENDING_STUCK_SECONDS = 3
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing folder
# Pay-online courses work in tests; each test that talks to Stripe starts its own localstripe and points
# STRIPE_API_BASE at it (payments/tests/conftest.py).
PAYMENTS_ENABLED = True
