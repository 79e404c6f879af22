"""Settings for `make bench`: the real settings (from the environment, DEBUG off) plus a bare view and a
Server-Timing header (config/bench_urls.py).

The bare view answers in the same processes with the same middleware, so the pages are measured as a
ratio to the framework's own limit on this machine in this run (bench/RESULTS.md).
"""

from __future__ import annotations

from config.env import env_str
from config.settings import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
MIDDLEWARE = ["config.bench_urls.server_timing", *MIDDLEWARE]  # noqa: F405

# The bench shares a Redis server with other runs: its cache keys and broker queues carry a prefix of
# their own, so that cleaning up deletes only them.
BENCH_KEY_PREFIX = env_str("BENCH_KEY_PREFIX", "nt-bench")
CACHES["default"]["KEY_PREFIX"] = BENCH_KEY_PREFIX  # noqa: F405
if not CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": f"{BENCH_KEY_PREFIX}-broker:",
    }
