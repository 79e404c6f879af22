"""Signs of life read by /healthz and the metrics: Celery beat's heartbeat, the oldest queued email."""

from __future__ import annotations

from django.db.models import Min
from django.utils import timezone

from notifications.models import Heartbeat, OutgoingEmail

BEAT_HEARTBEAT = "beat"


def record_heartbeat(name: str = BEAT_HEARTBEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def heartbeat_age_seconds(name: str = BEAT_HEARTBEAT) -> float | None:
    beat = Heartbeat.objects.filter(name=name).first()
    return None if beat is None else (timezone.now() - beat.at).total_seconds()


def oldest_queued_email_age_seconds() -> float | None:
    oldest = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).aggregate(at=Min("created_at"))[
        "at"
    ]
    return None if oldest is None else (timezone.now() - oldest).total_seconds()
