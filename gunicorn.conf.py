"""gunicorn's settings for the web process: docker-compose.yml and the Dockerfile start it with
`gunicorn --config=gunicorn.conf.py`, and `make bench` measures it (README, Benchmarks).

Sync workers, one process per core (two on the two cores the bench runs on). `make bench` compares them,
in the same run and the same rounds, with 2 × cores + 1 sync workers and with two gthread workers of four
threads, for pages under load and a hundred parents booking at once, and its report says which the numbers
favour (bench/RESULTS.md, "Gunicorn worker class"). Two runs in a row favoured two sync workers over the
gthread workers this was before, by far: with pages served mostly from the cache a request is short CPU
work, and threads of one process only take turns on its interpreter lock; at the rush the course lock is
held for less time with fewer requests in flight. A slow client is the proxy's to absorb (nginx or the
platform's load balancer buffers requests and responses), as gunicorn's documentation advises for sync
workers.

Each setting can be changed from the environment: WEB_WORKER_CLASS (gthread or sync), WEB_CONCURRENCY
(worker processes; one per core), WEB_THREADS (threads per gthread worker), PORT, WEB_ACCESS_LOG (true or
false).
"""

from __future__ import annotations

import os
import tempfile

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int

wsgi_app = "config.wsgi:application"
bind = [f"0.0.0.0:{env_int('PORT', 8000, minimum=1)}"]

worker_class = env_choice("WEB_WORKER_CLASS", "sync", {"gthread", "sync"})
workers = env_int("WEB_CONCURRENCY", 2, minimum=1)
threads = env_int("WEB_THREADS", 4 if worker_class == "gthread" else 1, minimum=1)
if worker_class == "sync" and threads > 1:
    # gunicorn would quietly run gthread workers instead: say so rather than run what was not asked for.
    raise ImproperlyConfigured("WEB_THREADS applies to gthread workers; set WEB_WORKER_CLASS=gthread.")

# The heartbeat file on memory, not on the container's overlay filesystem, where a slow write can get a
# busy worker killed as unresponsive.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
control_socket_disable = True
accesslog = "-" if env_bool("WEB_ACCESS_LOG", True) else None

# Several workers share their request series through prometheus_client's multiprocess mode: each writes
# its numbers to files in one directory, and a scrape of /metrics, answered by any one worker, adds them
# all up (config/metrics.py). A fresh empty directory for every start, unless one is given, and a worker's
# files are marked dead when it exits, so that its gauges are not read as live.
if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="nurturing-touch-metrics-")


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
