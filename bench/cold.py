"""P1's pages, and P1b: each page's server time on the first request after a catalog change.

`targets` names the pages P1 loads with wrk and P1b times: the catalog and the cast parent's course page
(a course they hold a place on), signed out and signed in as that parent, whose session is written with
Django's session store as logging in would.

P1b bumps the catalog version (what every service that changes a course or its places does on commit),
then requests the page once from the running server, one request at a time, and reads the server's own
time from the Server-Timing header of the bench settings (config/bench_urls.py: from the first middleware
in to the response out, so neither the network nor the client counts). Each sample is a first request
after a bump, the worst case a visitor meets; the median of the samples is judged.
"""

from __future__ import annotations

import statistics

import requests
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from bench.rush import percentile
from bench.seed import cast
from classes.catalog_cache import bump_catalog_version
from classes.models import Booking

SAMPLES = 15


def signed_in_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def targets(out: str) -> list[dict]:
    """The pages of P1 and P1b: (key, label, path, cookie)."""
    parent = cast().parent
    course = (
        Booking.objects.filter(parent=parent, status=Booking.Status.CONFIRMED)
        .select_related("course")
        .order_by("pk")
        .first()
        .course
    )
    cookie = signed_in_cookie(parent)
    catalog, course_page = reverse("classes:catalog"), course.get_absolute_url()
    pages = [
        ("catalog_signed_out", "catalog, signed out", catalog, ""),
        ("catalog_signed_in", "catalog, signed in", catalog, cookie),
        ("course_page_signed_out", "course page, signed out", course_page, ""),
        ("course_page_signed_in", "course page, signed in", course_page, cookie),
        # As the site spells the place, so the page is kept like the other canonical catalog pages.
        ("catalog_near", "catalog near a town (25 km), signed out", f"{catalog}?near=Madrid&within=25", ""),
    ]
    return [{"key": key, "label": label, "path": path, "cookie": sent} for key, label, path, sent in pages]


def server_timing(header: str) -> dict[str, float]:
    timings = {}
    for metric in header.split(","):
        name, _semicolon, duration = metric.strip().partition(";dur=")
        if duration:
            timings[name] = float(duration)
    return timings


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p90": percentile(ordered, 90), "max": ordered[-1]}


def main(out: str, base_url: str, *pages: str) -> list[dict]:
    """Pages as `key|path|cookie`; SAMPLES cold requests each, after two warm ones (per-process caches)."""
    results = []
    http = requests.Session()
    for page in pages:
        key, path, cookie = page.split("|", 2)
        headers = {"Cookie": cookie} if cookie else {}
        for _warm in range(2):
            http.get(base_url + path, headers=headers, timeout=30)
        app, cpu, client, statuses = [], [], [], set()
        for _sample in range(SAMPLES):
            bump_catalog_version()
            response = http.get(base_url + path, headers=headers, timeout=30)
            timing = server_timing(response.headers.get("Server-Timing", ""))
            statuses.add(response.status_code)
            app.append(timing.get("app", float("nan")))
            cpu.append(timing.get("cpu", float("nan")))
            client.append(response.elapsed.total_seconds() * 1000)
        results.append(
            {
                "key": key,
                "path": path,
                "samples": SAMPLES,
                "statuses": sorted(statuses),
                "server_ms": _summary(app),
                "server_cpu_ms": _summary(cpu),
                "client_ms": _summary(client),
            }
        )
    return results
