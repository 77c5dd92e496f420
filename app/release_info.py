"""What the deploy tells a release about itself, for the app's programs.

The deploy writes RELEASE.json (its id, commit and version) into each
release, beside the code. The web app names the release in ``/healthz``; the
migration, the worker and the job record which release ran them.
"""

import json
from pathlib import Path

RELEASE_FILE = Path(__file__).resolve().with_name("RELEASE.json")


def release_id(default: str | None = None) -> str | None:
    """The id of the release this code belongs to, or ``default`` outside one."""
    try:
        return json.loads(RELEASE_FILE.read_text(encoding="utf-8"))["id"]
    except (OSError, ValueError, KeyError):
        return default


def write_json(path: Path, data: dict) -> None:
    """Replace ``path`` with ``data`` in one step: a reader never sees half of it."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(data) + "\n", encoding="utf-8")
    partial.replace(path)
