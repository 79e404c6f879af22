"""Site-wide pages: home, health, and the friendly error pages."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from classes.selectors import upcoming_courses
from config.celery import app as celery_app
from notifications.services import heartbeat_age_seconds, oldest_queued_email_age_seconds

logger = logging.getLogger(__name__)


def home(request):
    city = request.GET.get("near", "").strip()[:100]
    return render(request, "home.html", {"courses": upcoming_courses(limit=6), "city": city})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: database unreachable")
        return False
    return True


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("Health check: broker unreachable")
        return False
    return True


@never_cache
def healthz(request):
    database_ok = _database_ok()
    broker_ok = _broker_ok()
    body = {
        "database": "ok" if database_ok else "error",
        "broker": "ok" if broker_ok else "error",
        "beat_heartbeat_age_seconds": heartbeat_age_seconds() if database_ok else None,
        "oldest_queued_email_age_seconds": oldest_queued_email_age_seconds() if database_ok else None,
    }
    body["status"] = "ok" if database_ok and broker_ok else "error"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    # Rendered without the request: the error may be the database itself, which context processors need.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
