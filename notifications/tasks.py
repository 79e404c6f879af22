"""Thin Celery wrappers around the outbox services; each owns its retry policy."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_email(email_id: int) -> str:
    outcome, retry_in = services.deliver_email(email_id)
    if outcome is services.DeliveryOutcome.RETRY and retry_in is not None:
        services.enqueue_delivery(email_id, countdown=retry_in)
    return outcome.value


@shared_task(ignore_result=True)
def requeue_stuck_emails() -> int:
    return services.requeue_stuck_emails()


@shared_task(ignore_result=True)
def purge_sent_email_bodies() -> int:
    return services.purge_sent_email_bodies()


@shared_task(ignore_result=True)
def record_heartbeat() -> None:
    services.record_heartbeat()
