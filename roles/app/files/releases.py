#!/usr/bin/env python3
"""What a host holds, read in one pass, printed as JSON for the app role.

usage: releases.py RELEASES_DIR VENVS_DIR HISTORY_FILE CURRENT_LINK BACKUPS_DIR

For each release directory: its RELEASE.json, its failed mark and reason,
its virtualenv, its state (live, previous, failed, rolled back), the
releases that ran migrations since it last served (a rollback to it would
cross them), from the history file (one JSON event per line: deploy,
rollback, auto-rollback, migrate, restore), and whether the shared data was
backed up before its migrations. Also every virtualenv, and every backup
(<name>.tar.gz in BACKUPS_DIR), oldest first.
Read-only; standard library only, so it runs on the host's python3.
"""

import json
import os
import sys


def dirs(path):
    if not os.path.isdir(path):
        return []
    return sorted(e.name for e in os.scandir(path) if e.is_dir(follow_symlinks=False))


def text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def load(line, default):
    try:
        return json.loads(line)
    except ValueError:
        return default


class History:
    """The host's events, oldest first; a line that does not parse is skipped."""

    def __init__(self, path, live):
        self.events = [e for e in (load(line, None) for line in text(path).splitlines()) if e]
        self.live = live
        # Switches of "current", with their positions.
        self.switches = [
            (i, e)
            for i, e in enumerate(self.events)
            if e.get("action") in ("deploy", "rollback", "auto-rollback")
        ]
        # The release that served before the live one (an automatic rollback
        # back to it does not count: the release it left never really served).
        self.previous = next(
            (
                e.get("from", "")
                for _, e in reversed(self.switches)
                if e.get("release") == live and e.get("action") != "auto-rollback"
            ),
            "",
        )

    def state(self, release, failed):
        left = next((e for _, e in reversed(self.switches) if e.get("from") == release), {})
        rolled_back = release != self.live and left.get("action", "deploy") != "deploy"
        holds = {
            "live": release == self.live,
            "previous": release == self.previous,
            "failed": failed,
            "rolled back": rolled_back,
        }
        return [name for name, true in holds.items() if true]

    def migrated(self, release):
        return any(
            e.get("action") == "migrate" and e.get("release") == release for e in self.events
        )

    def migrations_since(self, release):
        """Releases that ran migrations after RELEASE last served (or, if it
        never served per the history, releases newer than it that did)."""
        served = [i for i, e in self.switches if e.get("release") == release]
        return sorted(
            {
                e["release"]
                for i, e in enumerate(self.events)
                if e.get("action") == "migrate"
                and e.get("release") != release
                and (i > served[-1] if served else e.get("release", "") > release)
            }
        )


def backups(path):
    """Backup names, oldest first (by the time each was written)."""
    if not os.path.isdir(path):
        return []
    found = [
        (e.stat(follow_symlinks=False).st_mtime, e.name.removesuffix(".tar.gz"))
        for e in os.scandir(path)
        if e.is_file(follow_symlinks=False) and e.name.endswith(".tar.gz")
    ]
    return [name for _, name in sorted(found)]


def main(releases, venvs, history_file, current, backups_dir):
    live = os.path.basename(os.readlink(current)) if os.path.islink(current) else ""
    history = History(history_file, live)
    saved = backups(backups_dir)
    found = {}
    for release in dirs(releases):
        mark = os.path.join(releases, release, ".failed")
        failed = os.path.exists(mark)
        link = os.path.join(releases, release, ".venv")
        found[release] = {
            "failed": failed,
            "reason": " ".join(text(mark).split())[:1000],
            "venv": os.readlink(link) if os.path.islink(link) else "",
            "record": load(text(os.path.join(releases, release, "RELEASE.json")), {}),
            "state": history.state(release, failed),
            "migrated": history.migrated(release),
            "migrations_since": history.migrations_since(release),
            # The newest backup taken before its migrations ("" if none).
            "backup": next(
                (b for b in reversed(saved) if b == release or b.startswith(release + "-")), ""
            ),
        }
    venv_paths = [os.path.join(venvs, v) for v in dirs(venvs)]
    print(json.dumps({"releases": found, "venvs": venv_paths, "backups": saved}))


if __name__ == "__main__":
    main(*sys.argv[1:])
