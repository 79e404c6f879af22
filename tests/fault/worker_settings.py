"""Settings for the workers the fault tests start: the integration workers' settings, plus an email
backend named by the test (TEST_EMAIL_BACKEND), so a test can stop a worker at the moment it chooses."""

from __future__ import annotations

import os

from tests.integration.worker_settings import *  # noqa: F403

EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", EMAIL_BACKEND)  # noqa: F405
