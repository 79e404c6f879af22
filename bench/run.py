"""`make bench`: seed, serve, measure, judge, and write bench/RESULTS.md and bench/results.json.

Run as `python -m bench.run`; `--quick` (or BENCH_SCALE=0.1) for a reduced run while developing, whose
report goes to bench/out/quick/ and never over the committed one.

The orchestrator itself never sets Django up: every step that needs it runs as `python -m bench.phase …`
with the bench database in its environment, so each database can be dropped and created freely. The
shared Redis server is used under a key prefix of this run (cache DB 11 by default) and only those keys
are deleted afterwards; Postgres gets two databases of its own (1k and 10k courses), dropped and created
each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import runpy
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

from bench.report import write_report
from bench.targets import verdicts

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT_DIR / "bench" / "out"
VAR_DIR = PROJECT_DIR / "var" / "bench"
PYTHON = sys.executable
WRK_CONNECTIONS = 16
WRK_THREADS = 2
# The worker classes compared on two cores: as many sync workers as cores, 2 × cores + 1 sync workers
# (gunicorn's rule of thumb), and two gthread workers of four threads.
WORKER_CLASSES = [
    {"worker_class": "sync", "workers": 2, "threads": 1},
    {"worker_class": "sync", "workers": 5, "threads": 1},
    {"worker_class": "gthread", "workers": 2, "threads": 4},
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "nurturing_touch_bench"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the data, one round, one second each"
    )
    parser.add_argument("--scale", type=float, default=None, help="data size factor (BENCH_SCALE, default 1)")
    parser.add_argument("--seconds", type=int, default=None, help="each wrk run (BENCH_SECONDS, default 3)")
    parser.add_argument("--rounds", type=int, default=None, help="P1 rounds of the judged server (default 3)")
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the comparison of gunicorn worker classes"
    )
    args = parser.parse_args()
    quick = args.quick
    args.scale = args.scale or float(os.environ.get("BENCH_SCALE", "0.1" if quick else "1"))
    args.seconds = args.seconds or int(os.environ.get("BENCH_SECONDS", "1" if quick else "3"))
    args.rounds = args.rounds or (1 if quick else 3)
    args.quick = quick or args.scale != 1
    return args


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


def configured_workers() -> dict:
    """What gunicorn.conf.py gives with no WEB_* variables set: the deployment's defaults."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("WEB_")}
    try:
        config = runpy.run_path(str(PROJECT_DIR / "gunicorn.conf.py"))
    finally:
        os.environ.update(saved)
    return {key: config[key] for key in ("worker_class", "workers", "threads")}


def worker_label(config: dict) -> str:
    if config["worker_class"] == "gthread":
        return f"gthread, {config['workers']} workers × {config['threads']} threads"
    return f"sync, {config['workers']} workers"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_id = secrets.token_hex(4)
        self.prefix = f"nt-bench-{self.run_id}"
        self.databases = {"1k": f"{args.database}_1k", "10k": args.database}
        self.secret_key = "bench-only-secret-key-" + secrets.token_hex(24)
        self.results: dict = {
            "machine": machine(),
            "quick": args.quick,
            "scale": args.scale,
            "wrk": {"connections": WRK_CONNECTIONS, "threads": WRK_THREADS, "seconds": args.seconds},
            "timings": {},
            "seed": {},
            "p2": {},
            "servers": [],
            "explained": {},
        }
        self.out_dir = OUT_DIR / "quick" if args.quick else OUT_DIR
        self.report_dir = self.out_dir if args.quick else PROJECT_DIR / "bench"

    def env(self, size: str, **extra: str) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings_bench",
            DATABASE_URL=f"{self.args.postgres}/{self.databases[size]}",
            SECRET_KEY=self.secret_key,
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            SECURE_SSL_REDIRECT="false",
            REDIS_URL=self.args.redis,
            CELERY_BROKER_URL=self.args.redis,
            # Each database has its own cache keys: a catalog version or page of one is never read as
            # the other's.
            BENCH_KEY_PREFIX=f"{self.prefix}-{size}",
            VAR_DIR=str(VAR_DIR),
            STATIC_ROOT=str(VAR_DIR / "static"),
            LOG_LEVEL="WARNING",
            PYTHONWARNINGS="ignore",
            **extra,
        )
        return env

    def step(self, name: str):
        return _Step(self, name)

    def phase(self, module: str, *args: str, size: str = "10k", **extra: str):
        out = self.out_dir / f"{module.replace(':', '-')}-{size}.json"
        out.unlink(missing_ok=True)
        subprocess.run(
            [PYTHON, "-m", "bench.phase", module, str(out), *args],
            cwd=PROJECT_DIR,
            env=self.env(size, **extra),
            check=True,
        )
        return json.loads(out.read_text())

    def manage(self, *args: str, size: str = "10k") -> None:
        subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=self.env(size),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    # Postgres and Redis ---------------------------------------------------------------------------

    def admin_sql(self, *statements: str) -> None:
        with psycopg.connect(f"{self.args.postgres}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def fresh_databases(self) -> None:
        """The 10k database migrated; the 1k one a copy of it made before any row is seeded."""
        small, large = self.databases["1k"], self.databases["10k"]
        self.admin_sql(
            f'DROP DATABASE IF EXISTS "{small}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{large}" WITH (FORCE)',
            f'CREATE DATABASE "{large}"',
        )
        self.manage("migrate", "--noinput")
        self.admin_sql(f'CREATE DATABASE "{small}" TEMPLATE "{large}"')

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
    def gunicorn(self, size: str, config: dict):
        """gunicorn with the project's gunicorn.conf.py, its worker settings given as the environment
        variables it reads (WEB_WORKER_CLASS, WEB_CONCURRENCY, WEB_THREADS), no access log."""
        port = free_port()
        log_path = self.out_dir / f"gunicorn-{size}-{config['worker_class']}-{config['workers']}.log"
        log = log_path.open("wb")
        env = self.env(
            size,
            WEB_WORKER_CLASS=config["worker_class"],
            WEB_CONCURRENCY=str(config["workers"]),
            WEB_THREADS=str(config["threads"]),
            WEB_ACCESS_LOG="false",
        )
        process = subprocess.Popen(
            [
                str(PROJECT_DIR / ".venv" / "bin" / "gunicorn"),
                "--config=gunicorn.conf.py",
                f"--bind=127.0.0.1:{port}",
                "--log-level=warning",
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urlopen(f"{base_url}/bench/bare", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {log_path.read_text()}")
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

    def load(self, base_url: str, pages: list[dict], *, rounds: int) -> list[list[dict]]:
        """Rounds of: the bare view, every page, the bare view again, each run warmed for a second first.
        A page is compared with the bare view of its own round, so a machine that gets busier halfway
        (they are shared) moves both sides of the ratio; the verdict takes the median round."""
        bare = {"key": "bare", "label": "bare Django view", "path": "/bench/bare", "cookie": ""}
        measured = []
        for _round in range(rounds):
            runs = []
            for page in [bare, *pages, bare]:
                self.wrk(base_url + page["path"], seconds=1, cookie=page["cookie"])
                stats = self.wrk(base_url + page["path"], seconds=self.args.seconds, cookie=page["cookie"])
                runs.append({"key": page["key"], "label": page["label"], "path": page["path"], **stats})
            measured.append(runs)
        return measured

    def measure_1k(self, config: dict) -> None:
        """The configured workers on the 1k data: P1, P1b and P3, for the figures' growth to 10k."""
        label, pages = worker_label(config), self.pages["1k"]
        server = {"size": "1k", "label": label, "config": config, "configured": True}
        with self.gunicorn("1k", config) as base_url:
            with self.step(f"P1 load, 1k, {label}"):
                server["p1"] = self.load(base_url, pages, rounds=max(self.args.rounds - 1, 1))
            with self.step("P1b cold pages, 1k"):
                server["p1b"] = self.phase("cold", base_url, *_specs(pages), size="1k")
            with self.step(f"P3 booking rush, 1k, {label}"):
                server["p3"] = self.phase("rush", base_url, size="1k")
        self.results["servers"].append(server)

    def measure_10k(self, configs: list[dict]) -> None:
        """Every worker class on the 10k data, the configured one first in the list. P1 round by round,
        each class in turn with a gunicorn of its own, the order rotating every round, so that a machine
        that gets busier during the run (another job, autovacuum) weighs on every class alike; P1b (the
        configured class) and P3 after each class's last round."""
        pages = self.pages["10k"]
        servers = [
            {"size": "10k", "label": worker_label(c), "config": c, "configured": n == 0, "p1": []}
            for n, c in enumerate(configs)
        ]
        rounds = self.args.rounds
        for number in range(rounds):
            last = ", then P1b and P3" if number == rounds - 1 else ""
            with self.step(
                f"10k, round {number + 1} of {rounds}: P1 for {len(servers)} worker classes{last}"
            ):
                for server in servers[number % len(servers) :] + servers[: number % len(servers)]:
                    with self.gunicorn("10k", server["config"]) as base_url:
                        server["p1"] += self.load(base_url, pages, rounds=1)
                        if number < rounds - 1:
                            continue
                        if server["configured"]:
                            server["p1b"] = self.phase("cold", base_url, *_specs(pages), size="10k")
                        server["p3"] = self.phase("rush", base_url, size="10k")
        self.results["servers"] += servers

    # The run ----------------------------------------------------------------------------------------

    def run(self) -> None:
        if shutil.which("wrk") is None:
            sys.exit("wrk is not installed: sudo apt-get install -y wrk")
        started = time.monotonic()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
        VAR_DIR.mkdir(parents=True)
        self.results["machine"]["postgres"] = self.postgres_version()
        configured = configured_workers()
        self.results["configured_workers"] = configured
        compared = [] if self.args.no_compare else [c for c in WORKER_CLASSES if c != configured]
        scale = str(self.args.scale)
        try:
            with self.step("databases: create and migrate"):
                self.fresh_databases()
            with self.step("collectstatic"):
                self.manage("collectstatic", "--noinput")
            self.pages = {}
            for size in ("1k", "10k"):
                with self.step(f"seed {size} (bulk)"):
                    self.results["seed"][size] = self.phase("seed", size, scale, size=size)
                with self.step(f"P2 queries, {size}"):
                    self.results["p2"][size] = self.phase("queries", size=size)
                self.pages[size] = self.phase("cold:targets", size=size)
            with self.step("association dashboard, 10k"):
                self.results["dashboard"] = self.phase("dashboard", size="10k")
            self.measure_1k(configured)
            self.measure_10k([configured, *compared])
            with self.step("P4 reminders, P5 certificates (workers, SMTP)"):
                delivery = self.phase("delivery", scale, OUTBOX_QUEUED_STUCK_SECONDS="1")
                self.results["p4"], self.results["p5"] = delivery["p4"], delivery["p5"]
            with self.step("profiles of what missed"):
                self.explain()
        finally:
            self.forget_redis_keys()
            with suppress(Exception):
                self.admin_sql(f'DROP DATABASE IF EXISTS "{self.databases["1k"]}" WITH (FORCE)')
        self.results["machine"]["load_average_end"] = os.getloadavg()
        self.results["total_seconds"] = time.monotonic() - started
        (self.out_dir / "raw.json").write_text(json.dumps(self.results, indent=2, default=str))
        print(write_report(self.results, self.report_dir))

    def explain(self) -> None:
        """Profile, in-process on the 10k data, what the verdicts say missed (P4 and P5 carry their own,
        taken while they ran)."""
        missed = {verdict.explain for verdict in verdicts(self.results) if not verdict.passed}
        pages = {page["key"]: page for page in self.pages["10k"]}
        slow = [pages[key.split(":", 1)[1]] for key in sorted(missed) if key.startswith("pages:")]
        cold = [pages[key.split(":", 1)[1]] for key in sorted(missed) if key.startswith("cold:")]
        if slow:
            self.results["explained"]["pages"] = self.phase("explain:pages", *_specs(slow))
        if cold:
            self.results["explained"]["cold"] = self.phase("explain:cold", *_specs(cold))
        if "booking" in missed:
            self.results["explained"]["booking"] = self.phase("explain:booking")


def _specs(pages: list[dict]) -> list[str]:
    return [f"{page['key']}|{page['path']}|{page['cookie']}" for page in pages]


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
