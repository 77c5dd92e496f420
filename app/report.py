"""The sample app's scheduled job: what ``app_schedules`` runs on a timer.

A real app's job sends a digest, prunes old rows or refreshes a cache; this
one reads the database the migrations keep in instance/ and writes a report
to ``instance/report.json``: which release ran it, when, how many releases
the database has recorded, and how many times the job has run, so a test can
see each run of the timer land.
"""

import json
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from release_info import release_id, write_json

INSTANCE = Path(__file__).parent / "instance"


def report(instance: Path, release: str) -> dict:
    """Write the report (in one step: a reader never sees half of it) and return it."""
    path = instance / "report.json"
    try:
        runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
    except (OSError, ValueError, KeyError):
        runs = 0
    with sqlite3.connect(instance / "hello.db") as db:
        db.execute("CREATE TABLE IF NOT EXISTS releases (id TEXT PRIMARY KEY, migrated_at TEXT)")
        recorded = db.execute("SELECT COUNT(*) FROM releases").fetchone()[0]
    state = {
        "release": release,
        "pid": os.getpid(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "releases_recorded": recorded,
        "runs": runs + 1,
    }
    write_json(path, state)
    return state


def main() -> int:
    state = report(INSTANCE, release_id("unknown"))
    runs, release, recorded = state["runs"], state["release"], state["releases_recorded"]
    print(f"report {runs} by release {release}: {recorded} releases recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
