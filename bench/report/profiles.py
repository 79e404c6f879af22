"""The profiles RESULTS.md shows where a target was missed, as bench/profiling.py describes them."""

from __future__ import annotations

from bench import targets
from bench.profiling import sampled
from bench.report.remedies import reading
from bench.report.sections import table
from bench.targets import PAGES, p2_compare


def profile_lines(description: dict) -> list[str]:
    """A profile as bench/profiling.py describes it: own time by area, our functions, the hotspots."""
    areas = ", ".join(f"{entry['area']} {entry['share']:.0%}" for entry in description["areas"][:8])
    return [
        f"Own time by area: {areas}.",
        "",
        table(
            ["our code (time in it and in what it calls)", "share", "own"],
            [[f"`{e['function']}`", f"{e['share']:.0%}", f"{e['own']:.0%}"] for e in description["ours"]],
        ),
        "",
        table(
            ["hotspots (time in their own code)", "share"],
            [[f"`{e['function']}`", f"{e['share']:.0%}"] for e in description["hotspots"]],
        ),
        "",
    ]


def explanations(results: dict, judged: list[targets.Verdict]) -> list[str]:
    # In the summary's order, each profile once (two verdicts may share one).
    missed = list(
        dict.fromkeys(verdict.explain for verdict in judged if not verdict.passed and verdict.explain)
    )
    explained = results["explained"]
    p4, p5 = results["p4"], results["p5"]
    lines = []
    for key in missed:
        kind, _colon, name = key.partition(":")
        start = len(lines)
        if kind == "pages" and name in explained.get("pages", {}):
            page = explained["pages"][name]
            lines += [
                f"### P1, {PAGES[name]}: in-process, {explained['pages']['requests']} requests (cProfile)",
                "",
                f"{page['per_request_ms']:.2f} ms a request through Django's test client without the "
                f"profiler (the bare view: {explained['pages']['bare_ms']:.2f} ms).",
                "",
                *profile_lines(page["profile"]),
            ]
        elif kind == "cold" and name in explained.get("cold", {}):
            page = explained["cold"][name]
            lines += [
                f"### P1b, {PAGES[name]}: {explained['cold']['requests']} first requests after a change "
                "(cProfile)",
                "",
                f"{page['per_request_ms']:.1f} ms a request in-process, profiler included.",
                "",
                *profile_lines(page["profile"]),
            ]
        elif kind == "booking" and "booking" in explained:
            booking = explained["booking"]
            lines += [
                f"### P3: {booking['bookings']} bookings of one course, one after another, in-process "
                "(cProfile)",
                "",
                f"{booking['per_booking_ms']:.1f} ms a booking, profiler included. The bookings of one "
                "course wait for each other on its lock, so the last of a hundred parents answered at once "
                "waits for the ninety-nine bookings before its own.",
                "",
                *profile_lines(booking["profile"]),
            ]
        elif key == "p4:sweep":
            sweep = p4["alone"]["sweep"]
            lines += ["### P4: the reminder sweep, sampled as it ran", ""]
            if "profile" in sweep:
                lines += [
                    f"{sweep['profile']['samples']} samples.",
                    "",
                    *profile_lines(sampled(sweep["profile"])),
                ]
            else:
                lines += ["Stopped at its cap: no profile was written.", ""]
        elif key == "p4:workers" and p4["worker_profiles"]:
            workers = sampled(*p4["worker_profiles"])
            lines += [
                f"### P4: the two Celery workers, sampled while running tasks ({workers['samples']} samples)",
                "",
                *profile_lines(workers),
            ]
        elif key == "p5:pdf" and "pdf_profile" in p5:
            lines += [
                f"### P5: certificate PDFs, {p5['pdf_profiled']} rendered (cProfile)",
                "",
                *profile_lines(p5["pdf_profile"]),
            ]
        elif key == "p5:workers" and p5.get("worker_profiles"):
            workers = sampled(*p5["worker_profiles"])
            lines += [
                "### P5: issuing, sampled as it ran",
                "",
                *profile_lines(sampled(p5["issue_profile"])),
                f"### P5: the two Celery workers, sampled while running tasks ({workers['samples']} samples)",
                "",
                *profile_lines(workers),
            ]
        elif key == "p2":
            compared = p2_compare(results["p2"])
            for page, who in compared["problems"]:
                row = next(row for row in compared["rows"] if row["key"] == (page, who))
                error = row["large"].get("error")
                lines += [
                    f"### P2: {page} ({who}), the 10k page's cold queries",
                    "",
                    *([f"The page failed: `{error}`.", ""] if error else []),
                    "```",
                    *row["large"]["sql"],
                    "```",
                    "",
                ]
        if (words := reading(key)) is not None and len(lines) > start:
            # Under the profile's heading: what the profile suggests would reach the target.
            lines[start + 2 : start + 2] = [
                f"*What would reach it (our reading of such profiles):* {words}",
                "",
            ]
    return lines
