"""/metrics under gunicorn with several workers: any worker's scrape reports the requests every worker
served (gunicorn.conf.py turns on prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.support import free_port, stop_process_group, wait_until

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-the-gunicorn-test-0123456789"
REFUSED = re.compile(
    r'^django_http_responses_total_by_status_view_method_total\{[^}]*status="403"[^}]*\} (\S+)$', re.M
)


def refused_in(scrape: str) -> float:
    return sum(float(value) for value in REFUSED.findall(scrape))


def test_a_scrape_adds_up_the_requests_of_every_gunicorn_worker(tmp_path):
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "SECRET_KEY": "gunicorn-metrics-test-secret-key-0123456789abcdef",
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "VAR_DIR": str(tmp_path / "var"),
        "METRICS_TOKEN": TOKEN,
        "PORT": str(port),
        "WEB_WORKER_CLASS": "sync",
        "WEB_CONCURRENCY": "2",
        "WEB_ACCESS_LOG": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config=gunicorn.conf.py"],
        cwd=PROJECT_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/metrics"), what="gunicorn to answer")
        before = refused_in(_scrape(base))

        def refused_request(_index: int) -> int:
            return requests.get(f"{base}/metrics", headers={"Connection": "close"}, timeout=10).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(refused_request, range(60)))
        scrapes = [refused_in(_scrape(base)) for _ in range(6)]
    finally:
        stop_process_group(server)

    assert statuses == [403] * 60
    assert all(seen - before == 60 for seen in scrapes), scrapes


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 403
    except requests.RequestException:
        return False


def _scrape(base: str) -> str:
    response = requests.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}", "Connection": "close"}, timeout=10
    )
    assert response.status_code == 200
    return response.text
