"""Backups of the shared data hold what the app wrote, and put it back whole.

roles/app/files/backup.py runs here as the role runs it (python3 -c SOURCE
create|restore ...) on a real shared directory: an SQLite database in WAL
mode that another process keeps writing to, a file the app replaces by
renaming, a shared file beside the directory.
"""

import sqlite3
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

BACKUP = (Path(__file__).resolve().parent.parent / "roles/app/files/backup.py").read_text()


def run(*args: object) -> str:
    done = subprocess.run(
        [sys.executable, "-c", BACKUP, *map(str, args)], capture_output=True, text=True, check=True
    )
    return done.stdout


def rows(database: Path) -> list[int]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT n FROM t ORDER BY n")]


def shared_dir(root: Path) -> Path:
    shared = root / "shared"
    (shared / "instance").mkdir(parents=True)
    with sqlite3.connect(shared / "instance" / "app.db") as db:
        db.execute("PRAGMA journal_mode=wal")
        db.execute("CREATE TABLE t (n INTEGER)")
        db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
    (shared / "config.toml").write_text("answer = 1\n")
    return shared


def test_backup_under_writes_is_consistent_and_leaves_side_files_out(tmp_path):
    shared = shared_dir(tmp_path)
    writing = threading.Event()
    stop = threading.Event()

    def write():
        with sqlite3.connect(shared / "instance" / "app.db") as db:
            n = 100
            while not stop.is_set():
                db.execute("INSERT INTO t VALUES (?)", (n,))
                db.commit()
                n += 1
                writing.set()

    writer = threading.Thread(target=write)
    writer.start()
    writing.wait()
    try:
        said = run("create", shared, tmp_path / "b.tar.gz")
    finally:
        stop.set()
        writer.join()
    assert "(1 SQLite databases)" in said
    archive = tmp_path / "b.tar.gz"
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob("*.partial"))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "out")
    assert sorted(names) == ["config.toml", "instance", "instance/app.db"]
    copied = rows(tmp_path / "out" / "instance" / "app.db")
    # A consistent copy: every row up to the last one it holds, no gap.
    assert copied == list(range(len(copied)))
    assert len(copied) >= 100


def test_restore_puts_the_data_back_and_keeps_what_the_backup_lacks(tmp_path):
    shared = shared_dir(tmp_path)
    run("create", shared, tmp_path / "b.tar.gz")
    with sqlite3.connect(shared / "instance" / "app.db") as db:
        db.execute("DELETE FROM t WHERE n >= 10")
    (shared / "config.toml").write_text("answer = 2\n")
    (shared / "uploads").mkdir()
    (shared / "uploads" / "new.txt").write_text("kept\n")
    said = run("restore", tmp_path / "b.tar.gz", shared)
    assert said.startswith("restored config.toml, instance in ")
    assert rows(shared / "instance" / "app.db") == list(range(100))
    assert (shared / "config.toml").read_text() == "answer = 1\n"
    assert (shared / "uploads" / "new.txt").read_text() == "kept\n"
    # Nothing is left beside the shared directory.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tar.gz", "shared"]


def test_restore_refuses_a_path_outside_the_shared_directory(tmp_path):
    shared = shared_dir(tmp_path)
    (tmp_path / "evil").write_text("x")
    with tarfile.open(tmp_path / "bad.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "evil", arcname="../evil")
    failed = subprocess.run(
        [sys.executable, "-c", BACKUP, "restore", tmp_path / "bad.tar.gz", shared],
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0
    assert "unsafe path in the archive: ../evil" in failed.stderr
    assert (shared / "config.toml").read_text() == "answer = 1\n"


def test_a_second_backup_of_the_same_name_keeps_the_first(tmp_path):
    shared = shared_dir(tmp_path)
    run("create", shared, tmp_path / "backups" / "r1.tar.gz")
    (shared / "config.toml").write_text("answer = 2\n")
    said = run("create", shared, tmp_path / "backups" / "r1.tar.gz")
    names = sorted(p.name for p in (tmp_path / "backups").iterdir())
    again = [name for name in names if name != "r1.tar.gz"]
    assert len(names) == 2 and len(again) == 1
    assert again[0].startswith("r1-") and again[0] in said
    assert oct((tmp_path / "backups").stat().st_mode & 0o777) == "0o700"
    run("restore", tmp_path / "backups" / "r1.tar.gz", shared)
    assert (shared / "config.toml").read_text() == "answer = 1\n"
