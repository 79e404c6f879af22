"""Run a console command in this process under a StackSampler and write what it sampled when the process
exits: `python -m bench.sampled <out.json> <marker> <command> [args…]`.

`make bench` starts its Celery workers this way (marker `celery/app/trace.py`: only stacks running a task
count), so the profile of a delivery that misses its target comes from the workers that did it.
"""

from __future__ import annotations

import atexit
import json
import sys
from importlib.metadata import entry_points
from pathlib import Path

from bench.profiling import StackSampler


def main(argv: list[str]) -> None:
    out, marker, command, *args = argv
    (entry,) = [entry for entry in entry_points(group="console_scripts") if entry.name == command]
    sampler = StackSampler(marker=marker).start()
    atexit.register(lambda: Path(out).write_text(json.dumps(sampler.stop())))
    sys.argv = [command, *args]
    sys.exit(entry.load()())


if __name__ == "__main__":
    main(sys.argv[1:])
