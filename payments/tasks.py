"""Thin Celery wrappers around payments services: refunds to send, intents to close, the sweeps."""

from __future__ import annotations

from celery import shared_task

from payments import services


@shared_task(ignore_result=True)
def send_refund(refund_id: int) -> str:
    return services.send_refund(refund_id)


@shared_task(ignore_result=True)
def send_due_refunds() -> int:
    return services.send_due_refunds()


@shared_task(ignore_result=True)
def close_intent(payment_id: int) -> str:
    return services.close_intent(payment_id)


@shared_task(ignore_result=True)
def reconcile_payments() -> int:
    return services.reconcile_payments()
