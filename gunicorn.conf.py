"""gunicorn's settings for the web process: docker-compose.yml and the Dockerfile start it with
`gunicorn --config=gunicorn.conf.py`, and `make bench` measures it (README, Benchmarks).

gthread workers, two processes of four threads, for the two cores the bench runs on. `make bench`
compares them, in the same run and the same rounds, with as many sync workers as cores and with
2 × cores + 1 of them, for pages under load and a hundred parents booking at once, and its report says
which the numbers favour in that run (bench/RESULTS.md, "Gunicorn worker class"). A worker's threads
overlap their waits on Postgres and Redis and keep connections alive, and a slow request or client holds
one thread, not a whole process.

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

worker_class = env_choice("WEB_WORKER_CLASS", "gthread", {"gthread", "sync"})
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
