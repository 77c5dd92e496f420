import json
import sqlite3

from migrate import migrate
from report import report


def test_each_run_counts_and_reads_the_database(tmp_path):
    migrate(tmp_path / "hello.db", "r1")
    migrate(tmp_path / "hello.db", "r2")
    first = report(tmp_path, "r2")
    second = report(tmp_path, "r3")
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == second
    assert (first["runs"], second["runs"]) == (1, 2)
    assert second["release"] == "r3"
    assert second["releases_recorded"] == 2


def test_a_database_not_migrated_yet_reports_none(tmp_path):
    state = report(tmp_path, "r1")
    assert state["releases_recorded"] == 0
    with sqlite3.connect(tmp_path / "hello.db") as db:
        assert db.execute("SELECT COUNT(*) FROM releases").fetchone()[0] == 0
