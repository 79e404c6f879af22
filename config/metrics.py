"""/metrics for Prometheus: django-prometheus's request series, and gauges read when Prometheus scrapes.

Only a scrape that carries the token (and, when networks are configured, comes from one of them) is
answered; anyone else gets 403, the same whether the token is wrong, missing or not configured at all.
What an authorized scrape costs is fixed: one aggregate over the outbox, one heartbeat row, one read of
the task counters from the shared cache (config/celery.py counts them in the worker).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import math
import os
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from accounts.addresses import client_address
from config.celery import TASK_OUTCOMES, task_outcome_key
from config.celery import app as celery_app
from notifications.models import OutgoingEmail
from notifications.services import heartbeat_age_seconds

logger = logging.getLogger(__name__)


def scrape_allowed(request: HttpRequest) -> bool:
    """Whether the request may read /metrics: "Authorization: Bearer <METRICS_TOKEN>" (compared in
    constant time), from a METRICS_ALLOWED_NETWORKS network when any is listed. With no token set, no one."""
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        return False
    networks = settings.METRICS_ALLOWED_NETWORKS
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except (PermissionDenied, ValueError):
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def outbox_state() -> dict:
    """The outbox's unsent rows counted by status in one aggregate. Only queued, sending and failed rows are
    read, through the (status, next_attempt_at) index: sent rows, nearly all of the table, are never
    touched. The oldest queued email is dated by created_at, as /healthz dates it."""
    queued = Q(status=OutgoingEmail.Status.QUEUED)
    return OutgoingEmail.objects.filter(
        status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENDING, OutgoingEmail.Status.FAILED]
    ).aggregate(
        queued=Count("pk", filter=queued),
        due=Count("pk", filter=queued & Q(next_attempt_at__lte=timezone.now())),
        sending=Count("pk", filter=Q(status=OutgoingEmail.Status.SENDING)),
        failed=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED)),
        oldest_queued_at=Min("created_at", filter=queued),
    )


@functools.cache
def task_names() -> tuple[str, ...]:
    """Our tasks' names. The web process imports a task module only when it first queues one of its tasks,
    so every app's tasks module is imported here, once."""
    celery_app.autodiscover_tasks(force=True)
    return tuple(sorted(name for name in celery_app.tasks if not name.startswith("celery.")))


class OutboxCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        try:
            state = outbox_state()
        except DatabaseError:
            # The scrape still shows the request series, which matter most while the database is down.
            logger.exception("Metrics: the outbox could not be read")
            return
        oldest = state["oldest_queued_at"]
        yield GaugeMetricFamily(
            "outbox_emails_queued", "Emails waiting to be sent, due now or later.", value=state["queued"]
        )
        yield GaugeMetricFamily(
            "outbox_emails_due", "Queued emails whose next attempt is due now.", value=state["due"]
        )
        yield GaugeMetricFamily(
            "outbox_emails_sending", "Emails a worker has claimed and is sending.", value=state["sending"]
        )
        yield GaugeMetricFamily(
            "outbox_emails_failed", "Emails given up on, waiting for staff to retry.", value=state["failed"]
        )
        yield GaugeMetricFamily(
            "outbox_oldest_queued_email_age_seconds",
            "Age of the oldest queued email; 0 when none is queued.",
            value=0 if oldest is None else (timezone.now() - oldest).total_seconds(),
        )


class CeleryCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        keys = {
            task_outcome_key(name, outcome): (name, outcome)
            for name in task_names()
            for outcome in TASK_OUTCOMES
        }
        try:
            counts = cache.get_many(list(keys))
        except Exception:
            # Whatever the cache backend raises: a scrape shows what it can.
            logger.exception("Metrics: the task counters could not be read from the cache")
        else:
            tasks = CounterMetricFamily(
                "celery_tasks",
                "Tasks the workers finished, by task and outcome (succeeded, failed, retried).",
                labels=["task", "outcome"],
            )
            for key, (name, outcome) in keys.items():
                tasks.add_metric([name, outcome], counts.get(key, 0))
            yield tasks
        try:
            age = heartbeat_age_seconds()
        except DatabaseError:
            logger.exception("Metrics: the beat heartbeat could not be read")
            return
        yield GaugeMetricFamily(
            "celery_beat_heartbeat_age_seconds",
            "Seconds since Celery beat last recorded its heartbeat; +Inf when it never has.",
            value=math.inf if age is None else age,
        )


def request_series() -> Collector:
    """django-prometheus's series: this process's, or every worker's when gunicorn's workers share
    PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, as django-prometheus's own view)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
@require_GET
def scrape(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain; charset=utf-8")
    registry = CollectorRegistry()
    for collector in (request_series(), OutboxCollector(), CeleryCollector()):
        registry.register(collector)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4)


urlpatterns = [path("metrics", scrape, name="metrics")]
