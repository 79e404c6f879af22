"""Hypothesis for the bad-input suite: a small, deadline-free profile so it stays a few minutes on CI.

HYPOTHESIS_PROFILE=thorough runs many more examples when someone wants to look harder.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The world of the access sweep: Alice's family, Carol's courses, Bob, Dave and Erin.
from tests.access.conftest import world  # noqa: F401

# The world is built once per test (a function-scoped fixture) and every example runs in a savepoint
# that is rolled back, so examples do not see each other's changes.
settings.register_profile(
    "ci",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Filled by the suite, printed at the end of the run (the issue asks for the number to be shown).
FUZZED: set[str] = set()


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZED:
        terminalreporter.section("bad input")
        terminalreporter.write_line(f"{len(FUZZED)} forms fuzzed: {', '.join(sorted(FUZZED))}")
