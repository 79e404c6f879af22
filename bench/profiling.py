"""Where the time goes, captured in the run whose figures it explains.

Two tools: `profiled` runs a function under cProfile (for in-process work that can afford its overhead: a
page rendered a hundred times, a booking), and `StackSampler`, a thread that samples stacks every few
milliseconds, for work whose duration is itself a measurement (a reminder sweep, a Celery worker
delivering): it costs about one percent, where cProfile would double the time.

Both describe the time the same way, as shares of what was profiled: `ours`, the project's functions by
the time spent in them and what they call (the wrappers every request passes through left out); `hotspots`,
the functions by the time spent in their own code; `areas`, that own time added up by package (Django's
templates, its ORM, psycopg waiting on Postgres, one of our apps…).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from types import CodeType

PROJECT_DIR = str(Path(__file__).resolve().parent.parent) + "/"
TOP = 12
# The project's own frames every request or task passes through: they contain everything and say nothing.
WRAPPERS = ("bench/", "config/bench_urls.py", "accounts/middleware.py")


def short_path(filename: str) -> str:
    """A file as a reader finds it: relative to the project, or to site-packages, or the stdlib's name."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    if filename.startswith(PROJECT_DIR):
        return filename[len(PROJECT_DIR) :]
    if "/lib/python3" in filename:
        return "stdlib/" + filename.rsplit("/lib/python3", 1)[-1].split("/", 1)[-1]
    return filename


def _is_ours(path: str) -> bool:
    """A file of this project (short_path strips the project's directory and site-packages alike)."""
    first = path.split("/", 1)[0]
    return "/" in path and first not in ("stdlib", "~") and first in _project_folders()


@cache
def _project_folders() -> frozenset[str]:
    return frozenset(entry.name for entry in Path(PROJECT_DIR).iterdir() if entry.is_dir())


def area(path: str) -> str:
    """django.template, django.db, psycopg, classes (ours), stdlib, builtins…"""
    if path.startswith(("~", "<")) or "/" not in path:
        return "builtins (C code)"
    if path.startswith("stdlib/"):
        return "Python stdlib"
    parts = path.split("/")
    if _is_ours(path):
        return f"{parts[0]} (ours)"
    if parts[0] == "django" and len(parts) > 2:
        return f"django.{parts[1]}"
    return parts[0]


def describe(
    inclusive: Iterable[tuple[str, float]], own: Iterable[tuple[str, float]], *, top: int = TOP
) -> dict:
    """`inclusive` and `own`: (function as "path:line name", share of the total) pairs."""
    own = sorted(own, key=lambda item: -item[1])
    by_area: Counter[str] = Counter()
    for function, share in own:
        by_area[area(function.split(":", 1)[0])] += share
    ours = [
        (function, share)
        for function, share in sorted(inclusive, key=lambda item: -item[1])
        if _is_ours(function.split(":", 1)[0]) and not function.startswith(WRAPPERS)
    ]
    own_share = dict(own)
    return {
        "ours": [
            {"function": name, "share": share, "own": own_share.get(name, 0.0)} for name, share in ours[:top]
        ],
        "hotspots": [{"function": name, "share": share} for name, share in own[:top]],
        "areas": [{"area": name, "share": share} for name, share in by_area.most_common(top)],
    }


def profiled(work: Callable[[], object], *, top: int = TOP) -> dict:
    """Run `work` under cProfile: its wall seconds and where the profiled time went."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(work)
    seconds = time.perf_counter() - started
    stats = pstats.Stats(profile)
    total = stats.total_tt or 1
    inclusive, own = [], []
    for (filename, line, name), (_calls, _primitive, own_s, cumulative_s, _callers) in stats.stats.items():
        function = f"{short_path(filename)}:{line} {name}"
        inclusive.append((function, cumulative_s / total))
        own.append((function, own_s / total))
    return {"seconds": seconds, "tool": "cProfile", **describe(inclusive, own, top=top)}


def _code_name(code: CodeType) -> str:
    return f"{short_path(code.co_filename)}:{code.co_firstlineno} {code.co_qualname}"


class StackSampler:
    """Samples the stacks of this process's threads every `interval` seconds, from a daemon thread.

    Only stacks that pass through a file whose path contains `marker` count (a Celery task being run),
    so that idle threads waiting for work do not fill the profile; without a marker, the main thread's
    stack is sampled whatever it is doing. A function is counted once per sample it appears in
    (inclusive) and once more when it is the innermost frame (own).
    """

    def __init__(self, *, marker: str = "", interval: float = 0.005) -> None:
        self.marker = marker
        self.interval = interval
        # Counted by code object while sampling (cheap), named once at the end.
        self.inclusive: Counter[CodeType] = Counter()
        self.own: Counter[CodeType] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-stack-sampler", daemon=True)
        self._main = threading.main_thread().ident

    def start(self) -> StackSampler:
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == me or (not self.marker and ident != self._main):
                    continue
                codes = []
                while frame is not None:
                    codes.append(frame.f_code)
                    frame = frame.f_back
                if not codes or (self.marker and not any(self.marker in code.co_filename for code in codes)):
                    continue
                self.samples += 1
                self.own[codes[0]] += 1
                self.inclusive.update(set(codes))

    def stop(self) -> dict:
        """Stop sampling; every function's shares of the samples (`sampled` describes them)."""
        self._stop.set()
        self._thread.join(timeout=2)
        samples = self.samples or 1
        return {
            "seconds": time.perf_counter() - self.started,
            "tool": "sampling",
            "samples": self.samples,
            "inclusive": [(_code_name(code), n / samples) for code, n in self.inclusive.items()],
            "own": [(_code_name(code), n / samples) for code, n in self.own.items()],
        }


def sampled(*samplings: dict, top: int = TOP) -> dict:
    """One description of several processes' samples (two workers), each weighted by its samples."""
    total = sum(sampling["samples"] for sampling in samplings) or 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for sampling in samplings:
        weight = sampling["samples"] / total
        for name, share in sampling["inclusive"]:
            inclusive[name] += share * weight
        for name, share in sampling["own"]:
            own[name] += share * weight
    return {
        "tool": "sampling",
        "samples": sum(sampling["samples"] for sampling in samplings),
        "processes": len(samplings),
        **describe(inclusive.items(), own.items(), top=top),
    }
