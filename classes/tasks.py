"""Thin Celery wrappers around classes services, run by beat."""

from __future__ import annotations

from celery import shared_task

from classes import services
from classes.services import evaluations, privacy


@shared_task(ignore_result=True)
def expire_offers() -> int:
    return services.expire_offers()


@shared_task(ignore_result=True)
def expire_payment_holds() -> int:
    return services.expire_payment_holds()


@shared_task(ignore_result=True)
def queue_session_reminders() -> int:
    return services.queue_session_reminders()


@shared_task(ignore_result=True)
def queue_home_practice_guides() -> int:
    return services.queue_home_practice_guides()


@shared_task(ignore_result=True)
def queue_evaluation_requests() -> int:
    return evaluations.queue_evaluation_requests()


@shared_task(ignore_result=True)
def erase_expired_baby_notes() -> int:
    return privacy.erase_expired_baby_notes()
