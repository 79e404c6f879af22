"""/healthz against a real broker that really goes away: a redis-server of the test's own, stopped and
started again (the shared server is never touched)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from tests.support import forget_broker_pools

pytestmark = [pytest.mark.fault, pytest.mark.django_db]


def health(client) -> tuple[int, dict]:
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()


def test_healthz_follows_the_broker_going_down_and_coming_back(client, redis_server, celery_on_broker):
    status, body = health(client)
    assert (status, body["broker"]) == (200, "ok")

    redis_server.stop()
    forget_broker_pools(celery_app, close=True)
    status, body = health(client)

    assert status == 503
    assert (body["status"], body["broker"], body["database"]) == ("error", "error", "ok")

    redis_server.start()
    forget_broker_pools(celery_app, close=True)
    status, body = health(client)

    assert status == 200
    assert body["broker"] == "ok"
