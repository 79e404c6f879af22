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


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_emails(email_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of rows; a row to retry gets a task of its own at its time, and the rows a
    failure left unattempted go back to the broker as one batch (progress: each hop attempts a row)."""
    attempted, unattempted = services.deliver_emails(email_ids)
    outcomes: dict[str, int] = {}
    for email_id, outcome, retry_in in attempted:
        if outcome is services.DeliveryOutcome.RETRY and retry_in is not None:
            services.enqueue_delivery(email_id, countdown=retry_in)
        outcomes[outcome.value] = outcomes.get(outcome.value, 0) + 1
    if unattempted:
        services.enqueue_deliveries(unattempted)
    return outcomes


@shared_task(ignore_result=True)
def requeue_stuck_emails() -> int:
    return services.requeue_stuck_emails()


@shared_task(ignore_result=True)
def purge_sent_email_bodies() -> int:
    return services.purge_sent_email_bodies()


@shared_task(ignore_result=True)
def record_heartbeat() -> None:
    services.record_heartbeat()
