"""The Celery application: configuration from Django settings (CELERY_*), tasks found in each app.

Each task's outcome is also counted for /metrics (config/metrics.py). The worker is another process than
the web, so the counts go where both can read them: the shared cache (Redis when REDIS_URL is set; with the
per-process memory cache of `make run` the web never sees the worker's counts).
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_failure, task_retry, task_success
from django.core.cache import cache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("nurturing_touch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

TASK_OUTCOMES = ("succeeded", "failed", "retried")


def task_outcome_key(task_name: str, outcome: str) -> str:
    return f"metrics:celery-tasks:{outcome}:{task_name}"


def count_task_outcome(task_name: str, outcome: str) -> None:
    """Add one to a task's count of an outcome in the shared cache; the key is created on first use and
    never expires (an eviction reads, to Prometheus, as a counter reset)."""
    key = task_outcome_key(task_name, outcome)
    try:
        cache.incr(key)
    except ValueError:
        # Missing: create it. Another process may have created it first, in which case add() declines.
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)


# Celery logs and swallows an exception a signal handler raises, so an unreachable cache costs a count,
# never a task's result.
@task_success.connect
def _count_success(sender=None, **kwargs) -> None:
    count_task_outcome(sender.name, "succeeded")


@task_failure.connect
def _count_failure(sender=None, **kwargs) -> None:
    count_task_outcome(sender.name, "failed")


@task_retry.connect
def _count_retry(sender=None, **kwargs) -> None:
    count_task_outcome(sender.name, "retried")
