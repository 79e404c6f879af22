"""The targets of the "Scale" issue, and the verdicts on one run's figures, computed here and nowhere else.

A time target is met only when the figure was measured and is within it: a step stopped at its cap, a
figure that is missing or a run with errors is MISSED. P1, P1b, P3 are judged on the 10k data set served
with the configured gunicorn workers (gunicorn.conf.py); the 1k figures and the other worker classes are
shown beside them, not judged.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

P1_RATIO = 0.40
P1_P99_MS = 100
P1B_SERVER_MS = 30
P2_QUERIES = 12
P3_PARENTS, P3_CONFIRMED, P3_WAITLISTED = 100, 10, 90
P3_P95_S = 1.0
P3_MAX_S = 1.5
P4_QUEUED_S = 10
P4_DELIVERED_S = 60
P5_PDF_MEDIAN_MS = 50
P5_CERTIFICATES_S = 60
# Not a Scale target: the association dashboard's own (its issue asks for a render within a second).
DASHBOARD_MS = 1000

PAGES = {
    "catalog_signed_out": "catalog, signed out",
    "catalog_signed_in": "catalog, signed in",
    "course_page_signed_out": "course page, signed out",
    "course_page_signed_in": "course page, signed in",
    "catalog_near": "catalog near a town (25 km), signed out",
}


@dataclass(frozen=True)
class Verdict:
    target: str  # P1, P1b, …
    what: str
    measured: str
    wanted: str
    passed: bool
    # Where it missed, the key of the profile that shows where the time went (report.py looks it up).
    explain: str = ""


def _within(value: float | None, limit: float) -> bool:
    return value is not None and not math.isnan(value) and value <= limit


# P1: pages under load --------------------------------------------------------------------------------


def p1_pages(rounds: list[list[dict]]) -> dict:
    """Each page's figures across the rounds of one server: its req/s as a ratio to the bare view of the
    same round (the mean of the bare runs before and after it), then the median over the rounds."""
    bare_by_round, pages = [], {}
    for runs in rounds:
        bare = statistics.mean(run["requests_per_second"] for run in runs if run["key"] == "bare")
        bare_by_round.append(bare)
        for run in runs:
            if run["key"] == "bare":
                continue
            page = pages.setdefault(run["key"], {"rounds": []})
            page["rounds"].append({**run, "ratio": run["requests_per_second"] / bare})
    for page in pages.values():
        runs = page["rounds"]
        page.update(
            ratio=statistics.median(run["ratio"] for run in runs),
            rps=statistics.median(run["requests_per_second"] for run in runs),
            p50_ms=statistics.median(run["p50_ms"] for run in runs),
            p99_ms=statistics.median(run["p99_ms"] for run in runs),
            errors=sum(run["non_2xx"] + run["socket_errors"] for run in runs),
        )
    return {"bare_rps": statistics.median(bare_by_round), "pages": pages}


def p1_met(page: dict) -> bool:
    return page["ratio"] >= P1_RATIO and _within(page["p99_ms"], P1_P99_MS) and page["errors"] == 0


def p1_verdicts(server: dict) -> list[Verdict]:
    figures = p1_pages(server["p1"])
    verdicts = []
    for key, label in PAGES.items():
        page = figures["pages"][key]
        errors = f", {page['errors']} errors" if page["errors"] else ""
        verdicts.append(
            Verdict(
                "P1",
                label,
                f"{page['ratio']:.0%} of bare ({page['rps']:,.0f} of {figures['bare_rps']:,.0f} req/s); "
                f"p99 {page['p99_ms']:.0f} ms{errors}",
                f"≥ {P1_RATIO:.0%} of bare; p99 ≤ {P1_P99_MS} ms",
                p1_met(page),
                explain=f"pages:{key}",
            )
        )
    return verdicts


def p1b_verdicts(server: dict) -> list[Verdict]:
    verdicts = []
    for page in server["p1b"]:
        median = page["server_ms"]["median"]
        ok = page["statuses"] == [200]
        verdicts.append(
            Verdict(
                "P1b",
                f"{PAGES[page['key']]}, cold",
                f"server {median:.1f} ms (median of {page['samples']}; max {page['server_ms']['max']:.1f} ms)"
                + ("" if ok else f"; statuses {page['statuses']}"),
                f"server ≤ {P1B_SERVER_MS} ms",
                ok and _within(median, P1B_SERVER_MS),
                explain=f"cold:{page['key']}",
            )
        )
    return verdicts


# P2: queries per page ----------------------------------------------------------------------------------


def p2_compare(p2: dict) -> dict:
    small = {(page["page"], page["who"]): page for page in p2["1k"]["pages"]}
    large = {(page["page"], page["who"]): page for page in p2["10k"]["pages"]}
    rows, problems = [], []
    for key, page in large.items():
        other = small.get(key)
        equal = other is not None and other["cold"] == page["cold"]
        ok = equal and page["cold"] <= P2_QUERIES and page["status"] == 200
        if not ok:
            problems.append(key)
        rows.append({"key": key, "small": other, "large": page, "equal": equal, "ok": ok})
    return {
        "rows": rows,
        "problems": problems,
        "most": max((page["cold"] for page in large.values()), default=0),
        "unmapped": p2["10k"]["unmapped"],
    }


def p2_verdicts(p2: dict) -> list[Verdict]:
    compared = p2_compare(p2)
    problems = compared["problems"]
    unmapped = compared["unmapped"]
    measured = f"{len(compared['rows'])} pages; most {compared['most']} queries"
    if problems:
        measured += "; differ, exceed or fail: " + ", ".join(f"{page} ({who})" for page, who in problems)
    if unmapped:
        measured += "; not mapped: " + ", ".join(unmapped)
    return [
        Verdict(
            "P2",
            "SQL queries per page, 1k vs 10k courses",
            measured,
            f"equal; each ≤ {P2_QUERIES}",
            not problems and not unmapped,
            explain="p2",
        )
    ]


# P3: a hundred parents, ten places ----------------------------------------------------------------------


def p3_verdicts(p3: dict) -> list[Verdict]:
    exact = (p3["confirmed"], p3["waitlisted"], p3["errors"]) == (P3_CONFIRMED, P3_WAITLISTED, 0)
    return [
        Verdict(
            "P3",
            "100 parents, 10 places: outcome",
            f"{p3['confirmed']} confirmed / {p3['waitlisted']} waitlisted / {p3['errors']} errors "
            f"(waitlist positions {p3['waitlist_positions']})",
            f"{P3_CONFIRMED} / {P3_WAITLISTED} / 0",
            exact and p3["other_bookings"] == 0 and p3["waitlist_positions"].endswith("each once"),
        ),
        Verdict(
            "P3",
            "100 parents: answer time p95",
            f"{p3['p95_seconds']:.2f} s",
            f"≤ {P3_P95_S:g} s",
            _within(p3["p95_seconds"], P3_P95_S) and p3["errors"] == 0,
            explain="booking",
        ),
        Verdict(
            "P3",
            "100 parents: slowest answer",
            f"{p3['max_seconds']:.2f} s",
            f"≤ {P3_MAX_S:g} s",
            _within(p3["max_seconds"], P3_MAX_S) and p3["errors"] == 0,
            explain="booking",
        ),
    ]


# P4: reminders -------------------------------------------------------------------------------------------


def p4_figures(p4: dict) -> dict:
    alone, race = p4["alone"], p4["race"]
    sweep = alone["sweep"]
    stopped = "seconds" not in sweep
    queued = alone["queued_seconds"]
    delivered = alone["delivered_seconds"]
    return {
        "queued_s": queued if queued is not None else float(p4["caps"]["sweep"]),
        "queued_capped": queued is None,
        "sweep_stopped": stopped,
        "delivered_s": delivered if delivered is not None else float(p4["caps"]["delivery"]),
        "delivered_capped": delivered is None,
        "race_delivered_s": race["delivered_seconds"],
        "race_complete": race["recipients"] == p4["due"],
        "duplicates": alone["recipients_twice"] + race["recipients_twice"],
    }


def p4_verdicts(p4: dict) -> list[Verdict]:
    figures = p4_figures(p4)
    due, race = p4["due"], p4["race"]

    def seconds(value: float, capped: bool) -> str:
        return f"not done after {value:.0f} s (stopped)" if capped else f"{value:.1f} s"

    return [
        Verdict(
            "P4",
            f"{due:,} reminders due: queued",
            seconds(figures["queued_s"], figures["queued_capped"]),
            f"≤ {P4_QUEUED_S} s",
            not figures["queued_capped"] and _within(figures["queued_s"], P4_QUEUED_S),
            explain="p4:sweep",
        ),
        Verdict(
            "P4",
            f"{due:,} reminders: all at SMTP, 2 workers",
            seconds(figures["delivered_s"], figures["delivered_capped"])
            + (
                ""
                if not figures["delivered_capped"]
                else f" ({p4['alone']['at_smtp_when_done']:,} of {due:,})"
            ),
            f"≤ {P4_DELIVERED_S} s",
            not figures["delivered_capped"] and _within(figures["delivered_s"], P4_DELIVERED_S),
            explain="p4:workers",
        ),
        Verdict(
            "P4",
            "two racing sweeps: reminders sent twice",
            f"{figures['duplicates']} twice; {race['recipients']:,} of {due:,} delivered",
            "0 twice, every one delivered",
            figures["duplicates"] == 0 and figures["race_complete"],
        ),
    ]


# P5: certificates ----------------------------------------------------------------------------------------


def p5_verdicts(p5: dict) -> list[Verdict]:
    if "pending" in p5:
        return [Verdict("P5", "certificate PDFs", p5["pending"], "measured", False)]
    median_ms = p5["pdf_median_seconds"] * 1000
    emailed = p5["emailed_seconds"]
    complete = (
        p5["smtp_recipients"] == p5["certificates"]
        and p5["smtp_recipients_twice"] == 0
        and p5["with_pdf"] == p5["certificates"]
    )
    return [
        Verdict(
            "P5",
            "certificate PDF, median",
            f"{median_ms:.0f} ms (p95 {p5['pdf_p95_seconds'] * 1000:.0f} ms)",
            f"≤ {P5_PDF_MEDIAN_MS} ms",
            _within(median_ms, P5_PDF_MEDIAN_MS),
            explain="p5:pdf",
        ),
        Verdict(
            "P5",
            f"{p5['certificates']} issued and emailed with PDF",
            (f"{emailed:.0f} s" if emailed is not None else f"not done after {p5['cap']} s (stopped)")
            + f"; {p5['with_pdf']} with PDF, {p5['smtp_recipients_twice']} twice",
            f"≤ {P5_CERTIFICATES_S} s, each once with its PDF",
            complete and _within(emailed, P5_CERTIFICATES_S),
            explain="p5:workers",
        ),
    ]


def judged_server(results: dict) -> dict:
    return next(server for server in results["servers"] if server["size"] == "10k" and server["configured"])


def verdicts(results: dict) -> list[Verdict]:
    server = judged_server(results)
    return [
        *p1_verdicts(server),
        *p1b_verdicts(server),
        *p2_verdicts(results["p2"]),
        *p3_verdicts(server["p3"]),
        *p4_verdicts(results["p4"]),
        *p5_verdicts(results["p5"]),
        *dashboard_verdicts(results.get("dashboard")),
    ]


def dashboard_verdicts(dashboard: dict | None) -> list[Verdict]:
    if dashboard is None:
        return []
    ok = set(dashboard["statuses"]) == {200}
    return [
        Verdict(
            "D",
            "association dashboard (admin), in-process",
            f"{dashboard['median_ms']:.0f} ms (median of {dashboard['samples']}; "
            f"max {dashboard['max_ms']:.0f} ms)" + ("" if ok else f"; statuses {dashboard['statuses']}"),
            f"≤ {DASHBOARD_MS} ms",
            ok and _within(dashboard["median_ms"], DASHBOARD_MS),
        )
    ]


# The worker class --------------------------------------------------------------------------------------


def worker_score(server: dict) -> dict:
    """What a worker class achieved at 10k: each page's req/s and p99, P3's answer times and checks."""
    figures = p1_pages(server["p1"])
    pages = figures["pages"].values()
    return {
        "label": server["label"],
        "bare_rps": figures["bare_rps"],
        "pages": figures["pages"],
        "p1_met": sum(p1_met(page) for page in pages),
        "page_rps": statistics.geometric_mean(max(page["rps"], 0.01) for page in pages),
        "worst_p99_ms": max(page["p99_ms"] for page in pages),
        "p3": server["p3"],
        "p3_outcome": p3_verdicts(server["p3"])[0].passed,
        "p3_met": sum(verdict.passed for verdict in p3_verdicts(server["p3"])),
    }


def worker_comparison(results: dict) -> dict:
    """Every worker class measured at 10k, and the one the numbers favour: the most first places among
    three criteria, each in absolute terms (a ratio to the bare view would favour a class whose bare view
    is slow): pages' req/s (geometric mean of the four), their worst p99, and P3's p95; a tie goes to the
    most page req/s. A class whose P3 ended in errors or the wrong outcome is never favoured."""
    scores = [worker_score(server) for server in results["servers"] if server["size"] == "10k"]
    sound = [score for score in scores if score["p3_outcome"]] or scores
    firsts = dict.fromkeys((score["label"] for score in sound), 0)
    for best in (
        max(sound, key=lambda score: score["page_rps"]),
        min(sound, key=lambda score: score["worst_p99_ms"]),
        min(sound, key=lambda score: score["p3"]["p95_seconds"]),
    ):
        firsts[best["label"]] += 1
    favoured = max(sound, key=lambda score: (firsts[score["label"]], score["page_rps"]))
    configured = judged_server(results)["label"]
    return {"scores": scores, "firsts": firsts, "favoured": favoured["label"], "configured": configured}
