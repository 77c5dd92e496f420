import sqlite3

from migrate import migrate


def test_migrate_records_each_release_once(tmp_path):
    database = tmp_path / "hello.db"
    assert migrate(database, "r1") == 1
    assert migrate(database, "r2") == 2
    assert migrate(database, "r2") == 2
    with sqlite3.connect(database) as db:
        ids = [row[0] for row in db.execute("SELECT id FROM releases ORDER BY id")]
    assert ids == ["r1", "r2"]
