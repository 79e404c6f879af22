"""Where the time goes, for a target the run missed: the same work profiled in-process with cProfile, on
the same database and cache, after the measurements (so the profiler's overhead never reaches a figure).

`pages`: a page requested forty times through Django's test client, after a few requests to warm the
process, beside the bare view for scale. `cold`: the first request after a catalog change, fifteen times.
`booking`: thirty parents booking one course, one after another, as each booking holds the course's lock.
"""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

from bench.cold import SAMPLES as COLD_SAMPLES
from bench.profiling import profiled
from bench.rush import signed_in_parents, ten_place_course
from classes.catalog_cache import bump_catalog_version

HOST = "127.0.0.1"
REQUESTS = 40
BOOKINGS = 30


def _get(client: Client, path: str, cookie: str):
    headers = {"Cookie": cookie} if cookie else {}
    return client.get(path, headers=headers, HTTP_HOST=HOST)


def _per_request_ms(client: Client, path: str, cookie: str, count: int) -> float:
    started = time.perf_counter()
    for _request in range(count):
        _get(client, path, cookie)
    return (time.perf_counter() - started) / count * 1000


def pages(out: str, *pages: str) -> dict:
    """Pages as `key|path|cookie`."""
    client = Client(raise_request_exception=False)
    for _warm in range(5):
        _get(client, "/bench/bare", "")
    explained = {"bare_ms": _per_request_ms(client, "/bench/bare", "", REQUESTS), "requests": REQUESTS}
    for page in pages:
        key, path, cookie = page.split("|", 2)
        for _warm in range(5):
            _get(client, path, cookie)
        explained[key] = {
            "per_request_ms": _per_request_ms(client, path, cookie, REQUESTS),
            "profile": profiled(
                lambda path=path, cookie=cookie: [_get(client, path, cookie) for _ in range(REQUESTS)]
            ),
        }
    return explained


def cold(out: str, *pages: str) -> dict:
    """Pages as `key|path|cookie`: each request after a bump of the catalog version."""
    client = Client(raise_request_exception=False)
    explained = {"requests": COLD_SAMPLES}
    for page in pages:
        key, path, cookie = page.split("|", 2)
        for _warm in range(3):
            _get(client, path, cookie)

        def first_requests(path=path, cookie=cookie) -> None:
            for _request in range(COLD_SAMPLES):
                bump_catalog_version()
                _get(client, path, cookie)

        explained[key] = {"profile": profiled(first_requests)}
        explained[key]["per_request_ms"] = explained[key]["profile"]["seconds"] / COLD_SAMPLES * 1000
    return explained


def booking(out: str) -> dict:
    """BOOKINGS parents book a fresh ten-place course one after another (ten places, then the waitlist)."""
    course = ten_place_course()
    parents = signed_in_parents(BOOKINGS)
    url = reverse("classes:book", kwargs={"pk": course.pk})
    client = Client(raise_request_exception=False)

    def book_all() -> None:
        for session_key, baby_id in parents:
            client.post(
                url,
                {"baby": baby_id, "expected": "book"},
                headers={"Cookie": f"sessionid={session_key}"},
                HTTP_HOST=HOST,
            )

    profile = profiled(book_all)
    return {"bookings": BOOKINGS, "per_booking_ms": profile["seconds"] / BOOKINGS * 1000, "profile": profile}
