"""bench/results.json: one run's key figures as numbers, nested by target (`"P1": {"bare_rps": …}`), next
to RESULTS.md and committed with it, so a later run can be compared with it by a program."""

from __future__ import annotations

import statistics

from bench.targets import (
    PAGES,
    judged_server,
    p1_pages,
    p2_compare,
    p4_figures,
    verdicts,
    worker_comparison,
)


def _p1(server: dict) -> dict:
    figures = p1_pages(server["p1"])
    p1 = {"bare_rps": figures["bare_rps"]}
    for key in PAGES:
        page = figures["pages"][key]
        p1[f"{key}_ratio"] = page["ratio"]
        p1[f"{key}_rps"] = page["rps"]
        p1[f"{key}_p50_ms"] = page["p50_ms"]
        p1[f"{key}_p99_ms"] = page["p99_ms"]
        p1[f"{key}_errors"] = page["errors"]
    return p1


def _p1b(server: dict) -> dict:
    p1b = {}
    for page in server["p1b"]:
        p1b[f"{page['key']}_server_ms"] = page["server_ms"]["median"]
        p1b[f"{page['key']}_server_max_ms"] = page["server_ms"]["max"]
        p1b[f"{page['key']}_server_cpu_ms"] = page["server_cpu_ms"]["median"]
    return p1b


def _p3(p3: dict) -> dict:
    return {
        "p50_s": p3["p50_seconds"],
        "p95_s": p3["p95_seconds"],
        "max_s": p3["max_seconds"],
        "confirmed": p3["confirmed"],
        "waitlisted": p3["waitlisted"],
        "errors": p3["errors"],
        "server_ms_p50": p3["server_ms_p50"],
    }


def _seed_seconds(seed: dict) -> float:
    return seed["insert_seconds"] + seed["analyze_seconds"]


def _rounded(value):
    """Floats to four significant digits, so a diff between two runs' files reads as figures."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def key_figures(results: dict) -> dict:
    return _rounded(_key_figures(results))


def _key_figures(results: dict) -> dict:
    server = judged_server(results)
    small = next(s for s in results["servers"] if s["size"] == "1k" and s["configured"])
    p4, p5 = results["p4"], results["p5"]
    p4_numbers = p4_figures(p4)
    compared = p2_compare(results["p2"])
    workers = worker_comparison(results)
    judged = verdicts(results)
    return {
        "run": {
            "date": results["machine"]["date"],
            "quick": results["quick"],
            "scale": results["scale"],
            "total_s": results["total_seconds"],
            "seed_1k_s": _seed_seconds(results["seed"]["1k"]),
            "seed_10k_s": _seed_seconds(results["seed"]["10k"]),
            "load_average_start": results["machine"]["load_average"][0],
            "load_average_end": results["machine"]["load_average_end"][0],
        },
        "dataset": results["seed"]["10k"]["counts"],
        "dataset_1k": results["seed"]["1k"]["counts"],
        "P1": {**_p1(server), "workers": workers["configured"]},
        "P1_1k": _p1(small),
        "P1b": _p1b(server),
        "P1b_1k": _p1b(small),
        "P2": {
            "pages": len(compared["rows"]),
            "most_queries_10k": compared["most"],
            "most_queries_1k": max(page["cold"] for page in results["p2"]["1k"]["pages"]),
            "pages_missing": len(compared["problems"]) + len(compared["unmapped"]),
        },
        "P3": _p3(server["p3"]),
        "P3_1k": _p3(small["p3"]),
        "P4": {
            "due": p4["due"],
            "queued_s": p4_numbers["queued_s"],
            "queued_capped": p4_numbers["queued_capped"],
            "delivered_s": p4_numbers["delivered_s"],
            "delivered_capped": p4_numbers["delivered_capped"],
            "duplicates": p4_numbers["duplicates"],
            "race_delivered": p4["race"]["recipients"],
            "race_delivered_s": p4_numbers["race_delivered_s"],
        },
        "P5": (
            {}
            if "pending" in p5
            else {
                "pdf_median_ms": p5["pdf_median_seconds"] * 1000,
                "pdf_p95_ms": p5["pdf_p95_seconds"] * 1000,
                "certificates": p5["certificates"],
                "issue_s": p5["issue_seconds"],
                "emailed_s": p5["emailed_seconds"],
                "with_pdf": p5["with_pdf"],
                "duplicates": p5["smtp_recipients_twice"],
            }
        ),
        "workers": {
            "favoured": workers["favoured"],
            "configured": workers["configured"],
            "compared": [
                {
                    "label": score["label"],
                    "bare_rps": score["bare_rps"],
                    "page_rps_geometric_mean": score["page_rps"],
                    "worst_page_p99_ms": score["worst_p99_ms"],
                    "median_page_ratio": statistics.median(page["ratio"] for page in score["pages"].values()),
                    "p1_met": score["p1_met"],
                    "p3_p95_s": score["p3"]["p95_seconds"],
                    "p3_max_s": score["p3"]["max_seconds"],
                    "p3_errors": score["p3"]["errors"],
                    "p3_met": score["p3_met"],
                    "first_places": workers["firsts"].get(score["label"], 0),
                }
                for score in workers["scores"]
            ],
        },
        "verdicts": [
            {"target": verdict.target, "what": verdict.what, "met": verdict.passed} for verdict in judged
        ],
        "met": sum(verdict.passed for verdict in judged),
        "judged": len(judged),
    }
