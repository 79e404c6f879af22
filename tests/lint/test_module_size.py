"""The module size check `make lint` runs (scripts/check_module_size.py): any module of ours over 500 lines
fails it, migrations and tests excepted."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_module_size.py"


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("check_module_size", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(root: Path, relative: str, lines: int) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x = 1\n" * lines, encoding="utf-8")


def test_a_module_over_the_limit_is_reported_with_its_length(check, tmp_path):
    write(tmp_path, "classes/models.py", 501)
    write(tmp_path, "classes/views.py", 500)

    assert check.oversized(tmp_path) == [(Path("classes/models.py"), 501)]


def test_bench_and_scripts_count_like_the_apps(check, tmp_path):
    write(tmp_path, "bench/run.py", 501)
    write(tmp_path, "scripts/tool.py", 501)

    assert [path for path, _lines in check.oversized(tmp_path)] == [
        Path("bench/run.py"),
        Path("scripts/tool.py"),
    ]


def test_migrations_tests_and_folders_not_ours_are_skipped(check, tmp_path):
    for relative in (
        "classes/migrations/0001_initial.py",
        "classes/tests/factories.py",
        "classes/test_things.py",
        "tests/fault/test_lock_timeout.py",
        ".venv/lib/python3.11/site-packages/django/db/models/base.py",
        "var/bench/generated.py",
        "node_modules/some/tool.py",
    ):
        write(tmp_path, relative, 900)

    assert check.oversized(tmp_path) == []


def test_the_script_fails_naming_each_oversized_module_and_passes_without_one(check, tmp_path, capsys):
    write(tmp_path, "notifications/services.py", 680)

    assert check.main(tmp_path) == 1
    assert capsys.readouterr().out == "notifications/services.py: 680 lines (over 500: make it a package)\n"

    (tmp_path / "notifications" / "services.py").unlink()

    assert check.main(tmp_path) == 0
    assert capsys.readouterr().out == ""
