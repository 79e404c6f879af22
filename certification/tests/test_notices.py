"""Renewal-due emails 30 and 7 days before expiry and the expired email: each once, however often beat
sweeps, and afresh after a renewal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from certification import services, tasks
from certification.tests.factories import CertificateFactory
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def sweep_twice_at(moment) -> list[int]:
    with time_machine.travel(moment, tick=False):
        return [tasks.queue_expiry_notices(), tasks.queue_expiry_notices()]


def keys() -> list[str]:
    return list(OutgoingEmail.objects.order_by("created_at", "pk").values_list("key", flat=True))


def test_thirty_day_seven_day_and_expired_emails_fire_once_each():
    certificate = CertificateFactory(valid_until=timezone.now() + timedelta(days=60))
    end = certificate.valid_until
    day = end.date().isoformat()

    assert sweep_twice_at(end - timedelta(days=31)) == [0, 0]
    assert sweep_twice_at(end - timedelta(days=30)) == [1, 0]
    assert sweep_twice_at(end - timedelta(days=20)) == [0, 0]
    assert sweep_twice_at(end - timedelta(days=7)) == [1, 0]
    assert sweep_twice_at(end - timedelta(seconds=1)) == [0, 0]
    assert sweep_twice_at(end + timedelta(seconds=1)) == [1, 0]
    assert sweep_twice_at(end + timedelta(days=3)) == [0, 0]

    assert keys() == [
        f"renewal-due:{certificate.pk}:30:{day}",
        f"renewal-due:{certificate.pk}:7:{day}",
        f"certificate-expired:{certificate.pk}:{day}",
    ]
    templates = list(OutgoingEmail.objects.order_by("created_at", "pk").values_list("template", flat=True))
    assert templates == ["certificate_renewal_due", "certificate_renewal_due", "certificate_expired"]
    assert OutgoingEmail.objects.get(key=f"renewal-due:{certificate.pk}:7:{day}").subject == (
        "Your certificate expires in 7 days"
    )


def test_a_sweep_that_was_down_sends_only_the_nearest_reminder():
    certificate = CertificateFactory(valid_until=timezone.now() + timedelta(days=60))

    assert sweep_twice_at(certificate.valid_until - timedelta(days=5)) == [1, 0]

    assert keys() == [f"renewal-due:{certificate.pk}:7:{certificate.valid_until.date().isoformat()}"]


def test_renewal_starts_a_fresh_set_of_notices(staff):
    certificate = CertificateFactory(valid_until=timezone.now() + timedelta(days=60))
    sweep_twice_at(certificate.valid_until - timedelta(days=30))
    with time_machine.travel(certificate.valid_until - timedelta(days=29), tick=False):
        renewed = services.renew_certificate(certificate, actor=staff, reason="Renewal fee paid.")

    assert sweep_twice_at(renewed.valid_until - timedelta(days=30)) == [1, 0]
    assert f"renewal-due:{certificate.pk}:30:{renewed.valid_until.date().isoformat()}" in keys()


def test_revoked_certificates_get_no_renewal_or_expiry_email(staff):
    certificate = CertificateFactory(valid_until=timezone.now() + timedelta(days=60))
    services.revoke_certificate(certificate, actor=staff, reason="Breach.", public_statement="Revoked.")

    assert sweep_twice_at(certificate.valid_until - timedelta(days=10)) == [0, 0]
    assert sweep_twice_at(certificate.valid_until + timedelta(hours=1)) == [0, 0]


def test_long_expired_certificates_stay_quiet():
    certificate = CertificateFactory(
        issued_at=timezone.now() - timedelta(days=500), valid_until=timezone.now() - timedelta(days=90)
    )

    assert sweep_twice_at(timezone.now()) == [0, 0]
    assert certificate.pk and not OutgoingEmail.objects.exists()


def test_beat_runs_the_certification_sweeps(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "certification.tasks.queue_expiry_notices",
        "certification.tasks.requeue_pending_certificate_emails",
    } <= scheduled
    for name in scheduled:
        module, task = name.rsplit(".", 1)
        if module == "certification.tasks":
            assert callable(getattr(tasks, task))
