"""Thin Celery wrappers around certification services; each owns its retry policy."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from certification import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # A lock timeout (another run holds the certificate) or a database blip: try again shortly. The
    # service re-checks everything under the lock, so a retry after success queues nothing.
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=5,
)
def queue_certificate_email(certificate_id: int, version: int) -> str:
    return services.queue_certificate_email(certificate_id, version=version).value


@shared_task(ignore_result=True)
def queue_expiry_notices() -> int:
    return services.queue_expiry_notices()


@shared_task(ignore_result=True)
def requeue_pending_certificate_emails() -> int:
    return services.requeue_pending_certificate_emails()
