import json

import release_info
from release_info import release_id, write_json


def test_release_id_reads_the_file_the_deploy_writes(tmp_path, monkeypatch):
    release_file = tmp_path / "RELEASE.json"
    release_file.write_text(
        json.dumps({"id": "20260101T000000Z-abc", "commit": "abc"}), encoding="utf-8"
    )
    monkeypatch.setattr(release_info, "RELEASE_FILE", release_file)
    assert release_id() == "20260101T000000Z-abc"
    assert release_id("unknown") == "20260101T000000Z-abc"


def test_release_id_outside_a_release_is_the_default(tmp_path, monkeypatch):
    monkeypatch.setattr(release_info, "RELEASE_FILE", tmp_path / "RELEASE.json")
    assert release_id() is None
    assert release_id("unknown") == "unknown"
    (tmp_path / "RELEASE.json").write_text("{not json", encoding="utf-8")
    assert release_id("unknown") == "unknown"
    (tmp_path / "RELEASE.json").write_text("{}", encoding="utf-8")
    assert release_id("unknown") == "unknown"


def test_write_json_replaces_the_file_whole(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("old", encoding="utf-8")
    write_json(path, {"runs": 2})
    assert json.loads(path.read_text(encoding="utf-8")) == {"runs": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
