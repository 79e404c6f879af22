"""Thin Celery wrappers around instructors services, run by beat."""

from __future__ import annotations

from celery import shared_task

from instructors import services


@shared_task(ignore_result=True)
def queue_booking_notices() -> int:
    return services.queue_booking_notices()


@shared_task(ignore_result=True)
def queue_booking_digests() -> int:
    return services.queue_booking_digests()
