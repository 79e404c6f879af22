"""The association's dashboard in Django admin (association/views.py) on the 10k data set: a staff member
opens it a few times through Django's test client, in-process, after one request to warm the process;
each request's wall time is kept. Its target (a second) is the one its issue set, not a Scale target."""

from __future__ import annotations

import statistics
import time

from django.test import Client
from django.urls import reverse

from bench.seed import cast

SAMPLES = 5


def main(out: str) -> dict:
    client = Client(raise_request_exception=False)
    client.force_login(cast().staff)
    url = reverse("association:dashboard")
    statuses, times = [], []
    client.get(url, HTTP_HOST="127.0.0.1")
    for _sample in range(SAMPLES):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        times.append((time.perf_counter() - started) * 1000)
        statuses.append(response.status_code)
    return {
        "samples": SAMPLES,
        "median_ms": statistics.median(times),
        "max_ms": max(times),
        "statuses": statuses,
    }
