"""Thin Celery wrappers around classes services, run by beat."""

from __future__ import annotations

from celery import shared_task

from classes import services


@shared_task(ignore_result=True)
def expire_offers() -> int:
    return services.expire_offers()
