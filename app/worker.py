"""The sample app's background worker: what ``app_processes`` runs beside Gunicorn.

A real app's worker takes jobs from a queue (RQ, Celery, Dramatiq); this one
writes, every second, which release it runs, its PID and when it started to
``instance/worker.json`` (a shared directory that outlives releases), so a
test can see that a deploy restarted it onto the new release. On SIGTERM,
as systemd stops it, it finishes its beat, notes that it stopped, and exits 0.
"""

import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from release_info import release_id, write_json

STATE_FILE = Path(__file__).parent / "instance" / "worker.json"


def run(path: Path, release: str, interval: float = 1.0, beats: int | None = None) -> dict:
    """Beat until SIGTERM (or ``beats`` times); return the last state written."""
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    state = {
        "release": release,
        "pid": os.getpid(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "beats": 0,
        "stopped": False,
    }
    while not stopping and (beats is None or state["beats"] < beats):
        state["beats"] += 1
        write_json(path, state)
        time.sleep(interval)
    state["stopped"] = True
    write_json(path, state)
    return state


def main() -> int:
    state = run(STATE_FILE, release_id("unknown"))
    print(f"worker of release {state['release']} stopped after {state['beats']} beats")
    return 0


if __name__ == "__main__":
    sys.exit(main())
