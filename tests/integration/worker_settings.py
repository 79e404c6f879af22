"""Settings for processes the integration tests start (a real Celery worker).

config.settings_test pins the broker to memory://, which a separate process cannot share, and points at
the database name pytest-django creates only inside the pytest process. The tests pass both, and the SMTP
server's address, through the environment.
"""

from __future__ import annotations

import os

from config.settings_test import *  # noqa: F403

CELERY_BROKER_URL = os.environ["TEST_CELERY_BROKER_URL"]
# The key prefix keeps this run's queues apart from any other run sharing the Redis database.
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": os.environ["TEST_CELERY_KEY_PREFIX"]}
DATABASES["default"]["NAME"] = os.environ["TEST_DB_NAME"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ["TEST_EMAIL_HOST"]
EMAIL_PORT = int(os.environ["TEST_EMAIL_PORT"])
EMAIL_TIMEOUT = 5
