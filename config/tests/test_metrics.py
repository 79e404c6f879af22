"""/metrics: refused to anyone without the token, and for Prometheus the request, outbox and Celery series."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from celery.signals import task_failure, task_retry
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from config.tests.test_settings import (  # noqa: F401 - environment and production are fixtures
    environment,
    production,
    refusal_from,
    settings_from,
)
from notifications.models import Heartbeat, OutgoingEmail
from notifications.tasks import deliver_email, record_heartbeat, requeue_stuck_emails
from notifications.tests.factories import HeartbeatFactory, OutgoingEmailFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-the-suite-0123456789abcdef"
BEARER = f"Bearer {TOKEN}"


def scrape(client, authorization: str | None = BEARER, **extra):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.get(reverse("metrics"), headers=headers, **extra)


def samples(response) -> dict[tuple[str, frozenset], float]:
    """Every sample of the exposition, by name and labels."""
    families = text_string_to_metric_families(response.content.decode())
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels) -> float:
    return scraped[(name, frozenset(labels.items()))]


def outbox(*, queued: int, sending: int, failed: int, sent: int) -> None:
    OutgoingEmailFactory.create_batch(queued)
    OutgoingEmailFactory.create_batch(sending, status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now())
    OutgoingEmailFactory.create_batch(failed, status=OutgoingEmail.Status.FAILED, attempts=6)
    OutgoingEmailFactory.create_batch(sent, sent=True)


# Who may scrape


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_scrape_without_the_token_is_refused(client):
    response = scrape(client, authorization=None)

    assert response.status_code == 403
    assert b"outbox_" not in response.content


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer metrics-token-for-the-suite-0123456789abcdeX",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer ",
    ],
)
@override_settings(METRICS_TOKEN=TOKEN)
def test_a_scrape_with_a_wrong_token_is_refused(client, authorization):
    response = scrape(client, authorization=authorization)

    assert response.status_code == 403
    assert b"outbox_" not in response.content


@override_settings(METRICS_TOKEN="")
@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer None"])
def test_with_no_token_configured_every_scrape_is_refused(client, authorization):
    assert scrape(client, authorization=authorization).status_code == 403


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_signed_in_staff_member_without_the_token_is_refused(client, staff):
    client.force_login(staff)

    assert scrape(client, authorization=None).status_code == 403


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[ipaddress.ip_network("10.0.0.0/8")])
def test_the_token_from_outside_the_allowed_networks_is_refused(client):
    outside = scrape(client, REMOTE_ADDR="203.0.113.7")
    inside = scrape(client, REMOTE_ADDR="10.20.30.40")

    assert outside.status_code == 403
    assert inside.status_code == 200


@override_settings(
    METRICS_TOKEN=TOKEN,
    METRICS_ALLOWED_NETWORKS=[ipaddress.ip_network("10.0.0.0/8")],
    TRUSTED_PROXY_COUNT=1,
    ALLAUTH_TRUSTED_PROXY_COUNT=1,
)
def test_behind_a_proxy_the_network_is_the_clients_not_the_proxys(client):
    # The proxy (10.0.0.2) is inside the network; the client it speaks for is not.
    through_proxy = scrape(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    # A client cannot talk its way in by sending the header itself: the proxy appends the real address.
    forged = scrape(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.7")
    from_inside = scrape(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.9.8.7")

    assert through_proxy.status_code == 403
    assert forged.status_code == 403
    assert from_inside.status_code == 200


def test_a_short_token_refuses_to_start(production):  # noqa: F811
    assert "METRICS_TOKEN" in refusal_from({**production, "METRICS_TOKEN": "guessable"})


def test_allowed_networks_that_are_not_networks_refuse_to_start(production):  # noqa: F811
    env = {**production, "METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,intranet"}

    assert "METRICS_ALLOWED_NETWORKS" in refusal_from(env)


def test_the_token_and_networks_are_read_from_the_environment(production):  # noqa: F811
    env = {**production, "METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8, fd00::/8"}

    values = settings_from(env, "METRICS_TOKEN", "METRICS_ALLOWED_NETWORKS")

    assert values["METRICS_TOKEN"] == TOKEN
    assert values["METRICS_ALLOWED_NETWORKS"] == ["10.0.0.0/8", "fd00::/8"]


# What Prometheus reads


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_scrape_shows_request_latency_the_outbox_celery_tasks_and_the_beat(client):
    now = timezone.now().replace(microsecond=0)
    healthz_requests = (
        REGISTRY.get_sample_value(
            "django_http_requests_latency_seconds_by_view_method_count", {"view": "healthz", "method": "GET"}
        )
        or 0
    )
    client.get(reverse("healthz"))
    # 3 queued (2 due; the oldest, 20 minutes old, retrying in 4 minutes), 1 sending, 1 failed, 2 sent.
    OutgoingEmailFactory(created_at=now - timedelta(minutes=10), next_attempt_at=now - timedelta(minutes=10))
    OutgoingEmailFactory(created_at=now - timedelta(minutes=2), next_attempt_at=now)
    OutgoingEmailFactory(
        created_at=now - timedelta(minutes=20), attempts=2, next_attempt_at=now + timedelta(minutes=4)
    )
    outbox(queued=0, sending=1, failed=1, sent=2)
    # Beat's last heartbeat, 45 seconds ago, by the real task, whose success is counted as in the worker.
    with time_machine.travel(now - timedelta(seconds=45), tick=False):
        record_heartbeat.apply()
    # A delivery that failed and a sweep retried twice, signalled as the worker's tracer signals them.
    task_failure.send(sender=deliver_email, task_id="t1", exception=SMTPServerDisconnected(), einfo=None)
    task_retry.send(sender=requeue_stuck_emails, request=None, reason=OperationalError(), einfo=None)
    task_retry.send(sender=requeue_stuck_emails, request=None, reason=OperationalError(), einfo=None)

    with time_machine.travel(now, tick=False):
        response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    scraped = samples(response)
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(scraped, latency, view="healthz", method="GET") == healthz_requests + 1
    assert value(scraped, "outbox_emails_queued") == 3
    assert value(scraped, "outbox_emails_due") == 2
    assert value(scraped, "outbox_emails_sending") == 1
    assert value(scraped, "outbox_emails_failed") == 1
    assert value(scraped, "outbox_oldest_queued_email_age_seconds") == 20 * 60
    assert value(scraped, "celery_beat_heartbeat_age_seconds") == 45
    tasks = "celery_tasks_total"
    assert value(scraped, tasks, task="notifications.tasks.record_heartbeat", outcome="succeeded") == 1
    assert value(scraped, tasks, task="notifications.tasks.deliver_email", outcome="failed") == 1
    assert value(scraped, tasks, task="notifications.tasks.deliver_email", outcome="succeeded") == 0
    assert value(scraped, tasks, task="notifications.tasks.requeue_stuck_emails", outcome="retried") == 2


@override_settings(METRICS_TOKEN=TOKEN)
def test_an_empty_outbox_and_a_beat_that_never_ran(client):
    scraped = samples(scrape(client))

    assert value(scraped, "outbox_emails_queued") == 0
    assert value(scraped, "outbox_emails_failed") == 0
    assert value(scraped, "outbox_oldest_queued_email_age_seconds") == 0
    assert value(scraped, "celery_beat_heartbeat_age_seconds") == float("inf")
    assert value(scraped, "celery_tasks_total", task="classes.tasks.expire_offers", outcome="failed") == 0
    assert not Heartbeat.objects.exists()


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_scrape_costs_the_same_queries_however_full_the_outbox(client):
    HeartbeatFactory()
    outbox(queued=1, sending=1, failed=1, sent=1)
    scrape(client)  # the first scrape of the process imports the task modules
    with CaptureQueriesContext(connection) as small:
        scraped_small = samples(scrape(client))
    outbox(queued=40, sending=10, failed=15, sent=60)
    for _ in range(3):
        record_heartbeat.apply()
    with CaptureQueriesContext(connection) as large:
        scraped_large = samples(scrape(client))

    assert (value(scraped_small, "outbox_emails_queued"), value(scraped_large, "outbox_emails_queued")) == (
        1,
        41,
    )
    # One aggregate over the outbox's unsent rows, one heartbeat row.
    assert len(small) == len(large) == 2, [query["sql"] for query in large.captured_queries]


@override_settings(METRICS_TOKEN=TOKEN)
def test_task_counts_kept_in_redis_reach_the_scrape(client, redis_cache):
    """Production's worker and web share only the Redis cache: counts made there are the ones scraped."""
    for _ in range(3):
        record_heartbeat.apply()
    task_failure.send(sender=deliver_email, task_id="t1", exception=SMTPServerDisconnected(), einfo=None)

    scraped = samples(scrape(client))

    tasks = "celery_tasks_total"
    assert value(scraped, tasks, task="notifications.tasks.record_heartbeat", outcome="succeeded") == 3
    assert value(scraped, tasks, task="notifications.tasks.deliver_email", outcome="failed") == 1
    assert any(":metrics:celery-tasks:" in key for key in redis_cache.stored_keys())


UNREACHABLE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


@override_settings(METRICS_TOKEN=TOKEN)
def test_an_unreachable_cache_costs_the_task_counts_not_the_task_nor_the_scrape(client):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        result = record_heartbeat.apply()
        response = scrape(client)

    assert result.successful()
    assert Heartbeat.objects.exists()
    assert response.status_code == 200
    scraped = samples(response)
    assert value(scraped, "outbox_emails_queued") == 0
    assert value(scraped, "celery_beat_heartbeat_age_seconds") < 60
    assert not any(name == "celery_tasks_total" for name, _ in scraped)


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("the database is unreachable")


@override_settings(METRICS_TOKEN=TOKEN)
def test_with_the_database_down_the_scrape_still_shows_requests_and_task_counts(client):
    client.get(reverse("healthz"))
    task_failure.send(sender=deliver_email, task_id="t1", exception=SMTPServerDisconnected(), einfo=None)

    with connection.execute_wrapper(refuse_every_query):
        response = scrape(client)

    assert response.status_code == 200
    names = {name for name, _ in samples(response)}
    assert "django_http_requests_latency_seconds_by_view_method_count" in names
    assert "celery_tasks_total" in names
    assert not names & {"outbox_emails_queued", "outbox_emails_failed", "celery_beat_heartbeat_age_seconds"}
