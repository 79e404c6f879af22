"""`make bench`: seed, serve, measure, and write bench/RESULTS.md. Run as `python -m bench.run`.

The orchestrator itself never imports Django: every step that needs it runs as `python -m bench.phase …`
with the bench database in its environment, so each database can be dropped and created freely. The
shared Redis server is used under a key prefix of this run (cache DB 11 by default) and only those keys
are deleted afterwards; Postgres gets two databases of its own, dropped and created each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import urlopen

import psycopg
import redis

from bench.report import write_results

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT_DIR / "bench" / "out"
VAR_DIR = PROJECT_DIR / "var" / "bench"
PYTHON = sys.executable
WRK_CONNECTIONS = 16
WRK_THREADS = 2
P1_ROUNDS = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "nurturing_touch_bench"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "4")))
    return parser.parse_args()


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    memory = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else platform.processor() or "unknown",
        "memory_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "python": platform.python_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_id = secrets.token_hex(4)
        self.prefix = f"nt-bench-{self.run_id}"
        self.small_db = f"{args.database}_small"
        self.secret_key = "bench-only-secret-key-" + secrets.token_hex(24)
        self.results: dict = {"machine": machine(), "timings": {}}

    def env(self, database: str | None = None) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings_bench",
            DATABASE_URL=f"{self.args.postgres}/{database or self.args.database}",
            SECRET_KEY=self.secret_key,
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            SECURE_SSL_REDIRECT="false",
            REDIS_URL=self.args.redis,
            CELERY_BROKER_URL=self.args.redis,
            BENCH_KEY_PREFIX=self.prefix,
            VAR_DIR=str(VAR_DIR),
            STATIC_ROOT=str(VAR_DIR / "static"),
            LOG_LEVEL="WARNING",
            PYTHONWARNINGS="ignore",
        )
        return env

    def step(self, name: str):
        return _Step(self, name)

    def phase(self, module: str, *args: str, database: str | None = None) -> dict:
        out = OUT_DIR / f"{module.replace(':', '-')}-{database or 'large'}.json"
        subprocess.run(
            [PYTHON, "-m", "bench.phase", module, str(out), *args],
            cwd=PROJECT_DIR,
            env=self.env(database),
            check=True,
        )
        return json.loads(out.read_text())

    def manage(self, *args: str, database: str | None = None) -> None:
        subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=self.env(database),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    # Postgres and Redis ---------------------------------------------------------------------------

    def admin_sql(self, *statements: str) -> None:
        with psycopg.connect(f"{self.args.postgres}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def fresh_databases(self) -> None:
        """The large database migrated; the small one a copy of it made before any row is seeded."""
        self.admin_sql(
            f'DROP DATABASE IF EXISTS "{self.small_db}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{self.args.database}" WITH (FORCE)',
            f'CREATE DATABASE "{self.args.database}"',
        )
        self.manage("migrate", "--noinput")
        self.admin_sql(f'CREATE DATABASE "{self.small_db}" TEMPLATE "{self.args.database}"')

    def postgres_version(self) -> str:
        with psycopg.connect(f"{self.args.postgres}/postgres") as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def forget_redis_keys(self) -> None:
        client = redis.Redis.from_url(self.args.redis)
        try:
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        finally:
            client.close()

    # The web server and the load tool -------------------------------------------------------------

    @contextmanager
    def gunicorn(self):
        port = free_port()
        log = (OUT_DIR / "gunicorn.log").open("wb")
        process = subprocess.Popen(
            [
                str(PROJECT_DIR / ".venv" / "bin" / "gunicorn"),
                "config.wsgi:application",
                "--workers=2",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{port}",
                "--no-control-socket",
                "--log-level=warning",
            ],
            cwd=PROJECT_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urlopen(f"{base_url}/bench/bare", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {(OUT_DIR / 'gunicorn.log').read_text()}")
                time.sleep(0.2)
            yield base_url
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()

    def wrk(self, url: str, *, seconds: int, cookie: str = "") -> dict:
        command = [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{WRK_CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "--timeout=10s",
        ]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        return parse_wrk(output)

    def load(self, base_url: str, targets: list[tuple[str, str, str]]) -> list[dict]:
        """Rounds of: the bare view, every page, the bare view again, each run warmed for a second first.
        A page is compared with the bare view of its own round, so a machine that gets busier halfway
        (they are shared) moves both sides of the ratio; the report takes the median round."""
        rounds = []
        for _round in range(P1_ROUNDS):
            runs = []
            for label, path, cookie in [
                ("bare Django view", "/bench/bare", ""),
                *targets,
                ("bare Django view", "/bench/bare", ""),
            ]:
                self.wrk(base_url + path, seconds=1, cookie=cookie)
                runs.append(
                    {
                        "page": label,
                        "path": path,
                        **self.wrk(base_url + path, seconds=self.args.seconds, cookie=cookie),
                    }
                )
            rounds.append(runs)
        return rounds

    # The run ----------------------------------------------------------------------------------------

    def run(self) -> None:
        if shutil.which("wrk") is None:
            sys.exit("wrk is not installed: sudo apt-get install -y wrk")
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
        VAR_DIR.mkdir(parents=True)
        self.results["machine"]["postgres"] = self.postgres_version()
        try:
            with self.step("databases: create and migrate"):
                self.fresh_databases()
            with self.step("collectstatic"):
                self.manage("collectstatic", "--noinput")
            with self.step("seed small (bulk)"):
                self.results["small"] = self.phase("seed", "small", database=self.small_db)
            with self.step("P2 queries, small"):
                self.results["p2_small"] = self.phase("queries", database=self.small_db)
            with self.step("seed large (bulk)"):
                self.results["large"] = self.phase("seed", "large")
            with self.step("P2 queries, large"):
                self.results["p2_large"] = self.phase("queries")
            p2 = self.results["p2_large"]
            with self.gunicorn() as base_url:
                with self.step("P1 load (wrk)"):
                    self.results["p1"] = self.load(
                        base_url,
                        [
                            ("catalog /classes/", "/classes/", ""),
                            ("catalog, filtered", "/classes/?city=Madrid", ""),
                            ("course page", p2["course_url"], ""),
                            (
                                "catalog, signed in (not cached)",
                                "/classes/",
                                f"sessionid={p2['parent_session']}",
                            ),
                        ],
                    )
                with self.step("P3 booking rush (HTTP)"):
                    self.results["p3"] = self.phase("rush", base_url)
            with self.step("P4 reminders, P5 certificates (workers, SMTP)"):
                delivery = self.phase("delivery")
                self.results["p4"], self.results["p5"] = delivery["p4"], delivery["p5"]
        finally:
            self.forget_redis_keys()
            with suppress(Exception):
                self.admin_sql(f'DROP DATABASE IF EXISTS "{self.small_db}" WITH (FORCE)')
        self.results["machine"]["load_average_end"] = os.getloadavg()
        (OUT_DIR / "results.json").write_text(json.dumps(self.results, indent=2, default=str))
        print(write_results(self.results, PROJECT_DIR / "bench" / "RESULTS.md"))


class _Step:
    def __init__(self, bench: Bench, name: str) -> None:
        self.bench, self.name = bench, name

    def __enter__(self):
        print(f"[bench] {self.name} …", flush=True)
        self.started = time.monotonic()

    def __exit__(self, *exc) -> None:
        seconds = time.monotonic() - self.started
        self.bench.results["timings"][self.name] = round(seconds, 1)
        print(f"[bench] {self.name}: {seconds:.1f}s", flush=True)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _milliseconds(latency["50"]),
        "p99_ms": _milliseconds(latency["99"]),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(count) for count in errors.groups()) if errors else 0,
    }


if __name__ == "__main__":
    Bench(parse_args()).run()
