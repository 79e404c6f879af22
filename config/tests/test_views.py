from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes.tests.factories import SessionFactory
from notifications.tests.factories import HeartbeatFactory, OutgoingEmailFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_ok_with_no_data_yet(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "beat_heartbeat_age_seconds": None,
        "oldest_queued_email_age_seconds": None,
    }


def test_healthz_reports_the_age_of_the_last_beat_and_of_the_oldest_queued_email(client):
    now = timezone.now().replace(microsecond=0)
    HeartbeatFactory(at=now - timedelta(seconds=30))
    OutgoingEmailFactory(created_at=now - timedelta(minutes=2))
    OutgoingEmailFactory(created_at=now - timedelta(minutes=1))
    OutgoingEmailFactory(sent=True, created_at=now - timedelta(hours=3))

    with time_machine.travel(now, tick=False):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["beat_heartbeat_age_seconds"] == 30.0
    assert body["oldest_queued_email_age_seconds"] == 120.0


def test_home_page_lists_an_upcoming_course(client):
    session = SessionFactory(course__title="Baby massage in Lavapiés")

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert session.course.title in response.content.decode()
