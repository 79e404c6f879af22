"""bench/RESULTS.md and bench/results.json from one run: every figure and every verdict is computed here
from that run's measurements (bench/targets.py judges); the prose around them holds no figure of its own."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report.profiles import explanations
from bench.report.sections import (
    data_set_lines,
    growth_table,
    load_text,
    p1_rounds_table,
    p1b_table,
    p2_lines,
    p3_table,
    p4_lines,
    p5_text,
    summary_table,
    table,
    worker_lines,
)
from bench.summary import key_figures
from bench.targets import judged_server, verdicts


def write_report(results: dict, directory: Path) -> str:
    """Write RESULTS.md and results.json in `directory`; returns the summary (what `make bench` prints)."""
    machine = results["machine"]
    judged = verdicts(results)
    server = judged_server(results)
    summary = summary_table(judged)
    met = sum(verdict.passed for verdict in judged)
    timings = results["timings"]
    sections = [
        "# Bench results",
        "",
        "Written by `make bench` (`python -m bench.run`): every figure and every verdict below comes from "
        "the one run described here, judged by `bench/targets.py`; `bench/results.json` holds the same "
        "run's figures. The machine is shared: compare ratios within a run rather than absolute numbers "
        "between runs.",
        "",
        *(
            [
                "**A reduced run** (`--quick` or `BENCH_SCALE`): sizes, rounds and durations are not "
                "those of the targets.",
                "",
            ]
            if results["quick"]
            else []
        ),
        f"- **Date**: {machine['date']}; the whole run took {results['total_seconds'] / 60:.1f} min.",
        f"- **Machine**: {machine['cpus']} CPUs ({machine['cpu_model']}), {machine['memory_gib']} GiB "
        "memory; "
        f"load average (1, 5, 15 min) {load_text(machine.get('load_average'))} at the start, "
        f"{load_text(machine.get('load_average_end'))} at the end (other work on the machine shows here).",
        f"- **Software**: Python {machine['python']}, PostgreSQL {machine['postgres']}, Redis (shared "
        "server), "
        f"gunicorn as gunicorn.conf.py configures it ({server['label']}), DEBUG off, wrk on the same machine "
        f"({results['wrk']['connections']} connections, {results['wrk']['threads']} threads, "
        f"{results['wrk']['seconds']} s a run after 1 s of warming).",
        *data_set_lines(results),
        "- Bench data is bulk-written (Postgres COPY, `bench/seed/`) in the states the services would "
        "leave; what is measured goes through HTTP, the services and the Celery tasks.",
        "",
        "## Summary",
        "",
        f"{met} of {len(judged)} targets met.",
        "",
        summary,
        "",
        "## From 1k to 10k courses",
        "",
        "The same cast, the same pages, the configured workers; the cost of a page should not grow with the "
        "catalog.",
        "",
        growth_table(results),
        "",
        "## Gunicorn worker class",
        "",
        "P1 and P3 on the 10k data with each worker class in this run, the same rounds for each: round by "
        "round, each class in turn with a gunicorn of its own, in an order that rotates every round, so "
        "that a machine getting busier during the run weighs on every class alike; P3 after each class's "
        "last round.",
        "",
        *worker_lines(results),
        "",
        "## P1 — pages under load",
        "",
        "wrk against gunicorn; in each round the bare view (`/bench/bare`: an HttpResponse through every "
        "middleware, in the same gunicorn) runs first and last and each page is compared with the mean of "
        "the two; the verdict takes each page's median round. Signed in: the cast's parent, with bookings "
        "in every state; the course page is one of their courses. Rounds of the judged server (10k, "
        f"{server['label']}):",
        "",
        p1_rounds_table(server),
        "",
        "## P1b — the first request after a catalog change",
        "",
        "The catalog version is bumped (as every service that changes a course or its places does on "
        "commit), then the page is requested once, one request at a time; the server's time is read from "
        "the `Server-Timing` header the bench settings add (`config/bench_urls.py`: first middleware in to "
        "response out), so neither the network nor the client counts. The median of the samples is judged.",
        "",
        p1b_table(results),
        "",
        "## P2 — SQL queries per page",
        "",
        "Django's test client with `CaptureQueriesContext` (`bench/queries.py`), every named URL pattern the "
        "resolver knows. A page is requested once to warm per-process caches, the catalog version is bumped, "
        "and the next request is counted (*cold*); *warm* is one more. The cast owns more at 10k "
        "(`SMALL_CAST` and `LARGE_CAST` in bench/seed/shapes.py), so a query per booking, course or family "
        "shows.",
        "",
        *p2_lines(results),
        "",
        "## P3 — a hundred parents book ten places at once",
        "",
        "A ten-place course built and published through the services; 100 parents with verified addresses "
        "and signed-in sessions, one thread each, released together by a `threading.Barrier`, POST the "
        "booking form to gunicorn (`bench/rush.py`). Server time comes from `Server-Timing`.",
        "",
        p3_table(results),
        "",
        "## P4 — reminders",
        "",
        "Two Celery workers (solo pool) deliver to an aiosmtpd server counting messages by recipient; each "
        "family is a new account with one reminder due (`bench/delivery/`). The sweep is the beat task "
        "`classes.tasks.queue_session_reminders`, in a process of its own; *queued* ends when it has "
        "returned and the outbox holds a row for every reminder, *delivered* when SMTP has every one. The "
        "race: two sweeps at the same instant while `notifications.tasks.requeue_stuck_emails` hands rows "
        "still waiting to the workers again, so that two tasks race for one row.",
        "",
        *p4_lines(results),
        "",
        "## P5 — certificate PDFs",
        "",
        p5_text(results),
        "",
        "## Where the time goes, for what missed",
        "",
        "Profiles taken in this run: P1, P1b and P3 in-process with cProfile after the measurements (same "
        "data, same cache); P4 and P5 sampled while they ran (`bench/profiling.py`). Shares are of the "
        "profiled time; *own* is time in the function itself.",
        "",
        *(explanations(results, judged) or ["Every target was met."]),
        HOW_TO_RUN,
        "",
        "## Steps of this run",
        "",
        table(
            ["step", "seconds"],
            [
                *([name, f"{seconds:.1f}"] for name, seconds in timings.items()),
                ["**total**", f"{results['total_seconds']:.0f}"],
            ],
        ),
        "",
    ]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "RESULTS.md").write_text("\n".join(sections))
    (directory / "results.json").write_text(json.dumps(key_figures(results), indent=2) + "\n")
    return f"{met} of {len(judged)} targets met\n\n{summary}"


HOW_TO_RUN = """## How to run it

`make bench` installs the test tools, checks that Postgres and Redis answer and that wrk is installed
(it installs it with apt-get when run as root), then runs `python -m bench.run`, which:

1. drops and creates the databases `nurturing_touch_bench` (10k) and `nurturing_touch_bench_1k` (the latter
   dropped again at the end), migrates, and runs `collectstatic` into `var/bench/`;
2. bulk-writes each data set (`bench/seed/`, `bench/bulk.py`) and counts each page's queries on it
   (`bench/queries.py`, P2);
3. serves each with gunicorn as `gunicorn.conf.py` configures it (DEBUG off, `config.settings_bench`: the
   real settings plus `/bench/bare` and a `Server-Timing` header) and drives it with wrk (P1), times the
   first request after a catalog change (`bench/cold.py`, P1b) and books a course a hundred times at once
   (`bench/rush.py`, P3); then does P1 and P3 again on the 10k data with the other worker classes;
4. starts two Celery workers and an SMTP server for the reminder sweeps and the certificates
   (`bench/delivery/`, P4 and P5);
5. judges every figure (`bench/targets.py`), profiles what missed (`bench/explain.py`), and writes this
   file and `bench/results.json`; the raw figures are in `bench/out/raw.json` (not committed).

Redis is the shared server: the cache and the broker queues of a run live under its own key prefix in
database 11 and only those keys are deleted afterwards. Options: `--quick` (a tenth of the data, one round,
no comparison skipped; its report goes to `bench/out/quick/`), `--scale`/`BENCH_SCALE`,
`--seconds`/`BENCH_SECONDS` (each wrk run), `--rounds`, `--no-compare` (configured workers only);
`BENCH_POSTGRES` (`postgres://postgres@127.0.0.1:5432`), `BENCH_DATABASE`, `BENCH_REDIS_URL`
(`redis://127.0.0.1:6379/11`)."""
