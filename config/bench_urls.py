"""What `make bench` adds to the site (config.settings_bench): /bench/bare, a view that does nothing, the
baseline pages are compared with; and a middleware that tells the client how long the server took."""

from __future__ import annotations

import time

from django.http import HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "server_timing", "urlpatterns"]


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def server_timing(get_response):
    """First in the middleware list: `Server-Timing: app;dur=<ms>, cpu;dur=<ms>` on every response, the
    time from the request entering the first middleware to the response leaving it and the CPU time this
    thread spent meanwhile, so the bench reads a cold page's server time without the network or wrk."""

    def middleware(request):
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = get_response(request)
        app = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        response["Server-Timing"] = f"app;dur={app:.2f}, cpu;dur={cpu:.2f}"
        return response

    return middleware


urlpatterns = [path("bench/bare", bare, name="bench_bare"), *site_urlpatterns]
