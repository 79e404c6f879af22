"""The sections of bench/RESULTS.md, each a table or a few lines computed from one run's results."""

from __future__ import annotations

from bench import targets
from bench.targets import PAGES, p1_pages, p2_compare, p4_figures, worker_comparison

PAGE_KEYS = list(PAGES)


def whole(value: float) -> str:
    return f"{value:,.0f}"


def decimal(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def load_text(loads: list[float] | None) -> str:
    return ", ".join(f"{load:.1f}" for load in loads) if loads else "unknown"


def verdict_text(passed: bool) -> str:
    return "met" if passed else "**MISSED**"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def growth_factor(small: float | None, large: float | None) -> str:
    if not small or large is None:
        return "—"
    return f"×{large / small:.2f}"


# Sections -------------------------------------------------------------------------------------------------


def summary_table(judged: list[targets.Verdict]) -> str:
    return table(
        ["#", "what (10k courses)", "measured", "target", "verdict"],
        [[v.target, v.what, v.measured, v.wanted, verdict_text(v.passed)] for v in judged],
    )


def data_set_lines(results: dict) -> list[str]:
    lines = []
    for size in ("1k", "10k"):
        seed = results["seed"][size]
        count = {name: whole(value) for name, value in seed["counts"].items()}
        parts = ", ".join(f"{part} {seconds:.1f} s" for part, seconds in seed["parts_seconds"].items())
        lines.append(
            f"- **{size}**: {count['courses']} published courses ahead with {count['sessions']} sessions "
            f"and {count['bookings']} bookings ({count['cancelled_bookings']} cancelled); "
            f"{count['instructors']} instructors with certificates; {count['past_courses']} past courses "
            f"({count['past_sessions']} sessions, {count['past_bookings']} bookings); "
            f"{count['draft_courses']} drafts; {count['users']} users. Seeded in "
            f"{seed['insert_seconds']:.1f} s (+ {seed['analyze_seconds']:.1f} s VACUUM ANALYZE): {parts}."
        )
    maintained = results["seed"]["10k"]["counts"]["first_session_at_maintained"]
    lines.append(
        "- `Course.first_session_at` "
        + ("exists and was filled for every bulk-written course." if maintained else "does not exist yet.")
    )
    return lines


def growth_table(results: dict) -> str:
    servers = {server["size"]: server for server in results["servers"] if server["configured"]}
    small, large = p1_pages(servers["1k"]["p1"]), p1_pages(servers["10k"]["p1"])
    cold = {
        size: {page["key"]: page["server_ms"]["median"] for page in servers[size]["p1b"]} for size in servers
    }
    most = {size: max(page["cold"] for page in results["p2"][size]["pages"]) for size in ("1k", "10k")}
    p95 = {size: servers[size]["p3"]["p95_seconds"] for size in servers}
    figures = [("bare view, req/s", small["bare_rps"], large["bare_rps"], whole)]
    for key, label in PAGES.items():
        a, b = small["pages"][key], large["pages"][key]
        figures += [
            (f"{label}: share of bare", a["ratio"], b["ratio"], lambda value: f"{value:.0%}"),
            (f"{label}: p99 ms", a["p99_ms"], b["p99_ms"], decimal),
            (f"{label}: cold server ms", cold["1k"][key], cold["10k"][key], decimal),
        ]
    figures += [
        ("most SQL queries on a page", most["1k"], most["10k"], str),
        ("P3 p95 s", p95["1k"], p95["10k"], lambda value: decimal(value, 2)),
    ]
    return table(
        ["figure", "1k", "10k", "10k ÷ 1k"],
        [[label, shown(a), shown(b), growth_factor(a, b)] for label, a, b, shown in figures],
    )


def worker_lines(results: dict) -> list[str]:
    comparison = worker_comparison(results)
    rows = []
    for score in comparison["scores"]:
        pages, p3 = score["pages"], score["p3"]
        rows.append(
            [
                score["label"] + (" (configured)" if score["label"] == comparison["configured"] else ""),
                whole(score["bare_rps"]),
                *(f"{whole(pages[key]['rps'])} / {decimal(pages[key]['p99_ms'], 0)}" for key in PAGE_KEYS),
                whole(score["page_rps"]),
                f"{score['p1_met']} of {len(PAGE_KEYS)}",
                f"{decimal(p3['p95_seconds'], 2)} / {decimal(p3['max_seconds'], 2)} / {p3['errors']}",
                f"{score['p3_met']} of 3",
                comparison["firsts"].get(score["label"], "—"),
            ]
        )
    agrees = comparison["favoured"] == comparison["configured"]
    return [
        table(
            [
                "workers (2 cores)",
                "bare req/s",
                *(f"{label}: req/s / p99 ms" for label in PAGES.values()),
                "pages req/s (geometric mean)",
                "P1 met",
                "P3 p95 / max s / errors",
                "P3 met",
                "first places",
            ],
            rows,
        ),
        "",
        f"The numbers of this run favour **{comparison['favoured']}** (`bench/targets.py` "
        "`worker_comparison`: the most first places among pages' req/s, their worst p99 and P3's p95, "
        "in absolute terms; a tie goes to the most page req/s). gunicorn.conf.py configures "
        f"**{comparison['configured']}**" + (", the same." if agrees else ": **they differ** in this run."),
    ]


def p1_rounds_table(server: dict) -> str:
    rows = []
    for number, runs in enumerate(server["p1"], start=1):
        bare = sum(run["requests_per_second"] for run in runs if run["key"] == "bare") / 2
        for run in runs:
            rows.append(
                [
                    number,
                    run["label"],
                    whole(run["requests_per_second"]),
                    "—" if run["key"] == "bare" else f"{run['requests_per_second'] / bare:.0%}",
                    decimal(run["p50_ms"]),
                    decimal(run["p99_ms"]),
                    run["non_2xx"] + run["socket_errors"],
                ]
            )
    return table(["round", "page", "req/s", "of bare", "p50 ms", "p99 ms", "errors"], rows)


def p1b_table(results: dict) -> str:
    rows = []
    for server in results["servers"]:
        if not server["configured"]:
            continue
        for page in server["p1b"]:
            rows.append(
                [
                    server["size"],
                    PAGES[page["key"]],
                    decimal(page["server_ms"]["median"]),
                    decimal(page["server_ms"]["p90"]),
                    decimal(page["server_ms"]["max"]),
                    decimal(page["server_cpu_ms"]["median"]),
                    decimal(page["client_ms"]["median"]),
                    ", ".join(str(status) for status in page["statuses"]),
                ]
            )
    return table(
        ["data", "page", "server ms (median)", "p90", "max", "server CPU ms", "client ms", "status"], rows
    )


def p2_lines(results: dict) -> list[str]:
    compared = p2_compare(results["p2"])
    rows = [
        [
            row["key"][0],
            row["key"][1],
            row["large"]["status"],
            row["small"]["cold"] if row["small"] else "–",
            row["large"]["cold"],
            row["large"]["warm"],
            "yes" if row["ok"] else "**no**",
        ]
        for row in compared["rows"]
    ]
    rows += [
        [name, "", "", "", "", "", "**not mapped in bench/queries.py**"] for name in compared["unmapped"]
    ]
    lines = [table(["page", "as", "status", "1k", "10k (cold)", "10k (warm)", "met"], rows)]
    not_pages = results["p2"]["10k"]["not_pages"]
    lines += [
        "",
        "Not pages (POST-only actions, files, token-only endpoints): "
        + ", ".join(f"`{n}`" for n in not_pages)
        + ".",
    ]
    return lines


def p3_table(results: dict) -> str:
    rows = []
    for server in results["servers"]:
        p3 = server["p3"]
        rows.append(
            [
                server["size"],
                server["label"] + (" (configured)" if server["configured"] else ""),
                f"{p3['confirmed']} / {p3['waitlisted']} / {p3['other_bookings']}",
                p3["waitlist_positions"],
                p3["errors"],
                decimal(p3["p50_seconds"], 2),
                decimal(p3["p95_seconds"], 2),
                decimal(p3["max_seconds"], 2),
                decimal(p3["server_ms_p50"]),
                decimal(p3["server_ms_sum"] / 1000, 2),
            ]
        )
    return table(
        [
            "data",
            "workers",
            "confirmed / waitlisted / other",
            "waitlist positions",
            "errors",
            "p50 s",
            "p95 s",
            "slowest s",
            "server ms per booking (median)",
            "server s, all 100",
        ],
        rows,
    )


def sweep_text(sweep: dict) -> str:
    if sweep.get("stopped"):
        return "stopped at its cap"
    if "failed" in sweep:
        return f"failed (exit {sweep['failed']})"
    return f"returned {whole(sweep['returned'])} after {sweep['seconds']:.1f} s"


def p4_lines(results: dict) -> list[str]:
    p4 = results["p4"]
    figures = p4_figures(p4)
    alone, race = p4["alone"], p4["race"]
    return [
        f"{whole(p4['due'])} reminders due, then {whole(p4['due'])} more for the race; caps: a sweep "
        f"{p4['caps']['sweep']} s, delivery {p4['caps']['delivery']} s; during the race, rows waiting longer "
        f"than {p4['requeue']['threshold_seconds']} s were handed out again every "
        f"{p4['requeue']['every_seconds']} s.",
        "",
        table(
            ["step", "sweeps", "queued s", "delivered s", "at SMTP", "received twice"],
            [
                [
                    "one sweep, two workers delivering",
                    sweep_text(alone["sweep"]),
                    decimal(alone["queued_seconds"]),
                    decimal(alone["delivered_seconds"]),
                    f"{whole(alone['recipients'])} of {whole(p4['due'])}",
                    alone["recipients_twice"],
                ],
                [
                    f"two sweeps at once ({whole(race['rows_handed_out_again'])} rows handed out again)",
                    "; ".join(sweep_text(sweep) for sweep in race["sweeps"]),
                    "—",
                    decimal(race["delivered_seconds"]),
                    f"{whole(race['recipients'])} of {whole(p4['due'])}",
                    race["recipients_twice"],
                ],
            ],
        ),
        "",
        f"Duplicates over both steps: {figures['duplicates']}.",
    ]


def p5_text(results: dict) -> str:
    p5 = results["p5"]
    if "pending" in p5:
        return f"Pending: {p5['pending']}."
    return (
        f"`certification.pdf.render_certificate_pdf` on {p5['pdf_samples']} certificates in one process: "
        f"median {p5['pdf_median_seconds'] * 1000:.1f} ms, p95 {p5['pdf_p95_seconds'] * 1000:.1f} ms "
        f"({p5['pdf_bytes'] / 1024:.0f} KiB each). {p5['certificates']} eligible trainees issued one after "
        f"another with `issue_certificate` in {p5['issue_seconds']:.1f} s; at SMTP: {p5['smtp_recipients']} "
        f"trainees, {p5['with_pdf']} with the PDF attached, {p5['smtp_recipients_twice']} twice; "
        + (
            f"the last {p5['emailed_seconds']:.1f} s after the first issue."
            if p5["emailed_seconds"] is not None
            else f"stopped at its cap of {p5['cap']} s."
        )
    )


# Profiles of what missed ------------------------------------------------------------------------------
