"""The sample app's database migration, run by the deploy before traffic moves.

It creates the SQLite database in instance/ (a shared directory that outlives
releases) and records each release it migrates, so a test can see that data
written by one release is still there in the next one and after a rollback.
"""

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from release_info import release_id

DATABASE = Path(__file__).parent / "instance" / "hello.db"


def migrate(database: Path, release: str) -> int:
    """Apply the schema and record the release; return how many are recorded."""
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE IF NOT EXISTS releases (id TEXT PRIMARY KEY, migrated_at TEXT)")
        db.execute(
            "INSERT OR IGNORE INTO releases VALUES (?, ?)",
            (release, datetime.now(UTC).isoformat(timespec="seconds")),
        )
        return db.execute("SELECT COUNT(*) FROM releases").fetchone()[0]


def main() -> int:
    release = release_id("unknown")
    count = migrate(DATABASE, release)
    print(f"migrated {DATABASE} for release {release}; {count} releases recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
