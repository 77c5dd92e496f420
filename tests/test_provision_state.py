"""The record that lets a run skip provisioning sees every change that matters.

plugins/modules/provision_state.py fingerprints what provisioning manages and
says why a host differs from its record; plugins/lookup/role_digest.py sums
up the roles' files. Both run here on real files in a temporary directory.
"""

import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


state = load("provision_state", "plugins/modules/provision_state.py")
role_digest = load("role_digest", "plugins/lookup/role_digest.py")


@pytest.fixture
def host(tmp_path):
    etc = tmp_path / "etc"
    (etc / "nginx/sites-enabled").mkdir(parents=True)
    (etc / "nginx/nginx.conf").write_text("events {}\n")
    (etc / "nginx/sites-enabled/hello.conf").symlink_to("../sites-available/hello.conf")
    (etc / "upstream.conf").write_text("server unix:/run/hello.sock;\n")
    (tmp_path / "srv/hello/releases").mkdir(parents=True)
    (tmp_path / "srv/hello/releases/one").write_text("code\n")
    return tmp_path


def record_of(host, digests=None, units=None):
    return {
        "format": state.FORMAT,
        "digests": digests or {"base": "b1", "nginx": "n1", "gunicorn": "g1"},
        "paths": state.fingerprint_paths(
            [str(host / "etc"), f"{host}/srv/hello/", f"{host}/srv/hello/releases/"],
            [str(host / "etc/upstream.conf")],
        ),
        "units": units or {},
    }


def test_an_unchanged_host_matches_its_record(host):
    assert state.host_differences(record_of(host), record_of(host)) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda h: (h / "etc/nginx/nginx.conf").write_text("events {}\n# by hand\n"),
            "nginx/nginx.conf changed",
        ),
        (lambda h: (h / "etc/nginx/nginx.conf").chmod(0o600), "nginx/nginx.conf changed"),
        (lambda h: (h / "etc/nginx/nginx.conf").unlink(), "nginx/nginx.conf is gone"),
        (lambda h: (h / "etc/nginx/extra.conf").write_text("x\n"), "nginx/extra.conf is new"),
        (lambda h: shutil.rmtree(h / "etc/nginx"), "etc/nginx is gone"),
        (lambda h: (h / "etc/upstream.conf").chmod(0o600), "upstream.conf changed"),
        (lambda h: (h / "srv/hello/releases").chmod(0o777), "srv/hello/releases changed"),
        (
            lambda h: (
                (h / "etc/nginx/sites-enabled/hello.conf").unlink(),
                (h / "etc/nginx/sites-enabled/hello.conf").symlink_to("/elsewhere"),
            ),
            "sites-enabled/hello.conf changed",
        ),
    ],
)
def test_a_change_by_hand_is_named(host, change, expected):
    before = record_of(host)
    change(host)
    found = state.host_differences(before, record_of(host))
    assert any(line.endswith(expected) for line in found), found


def test_content_the_deploy_owns_is_not_drift(host):
    before = record_of(host)
    (host / "etc/upstream.conf").write_text("server unix:/run/hello-blue.sock;\n")
    (host / "srv/hello/releases/two").write_text("new release\n")
    (host / "srv/hello/current").symlink_to("releases/two")
    assert state.host_differences(before, record_of(host)) == []


def test_a_role_whose_files_or_settings_changed_runs_again_alone(host):
    assert state.due(record_of(host), record_of(host)) == ([], [])
    edited = {"base": "b1", "nginx": "n2", "gunicorn": "g2"}
    assert state.due(record_of(host), record_of(host, edited)) == (
        ["nginx", "gunicorn"],
        ["the files or settings of nginx, gunicorn changed"],
    )
    # A role the record has not seen (the host joined group lb) runs too.
    more = {"base": "b1", "nginx": "n1", "gunicorn": "g1", "lb": "l1"}
    assert state.due(record_of(host), record_of(host, more)) == (
        ["lb"],
        ["the files or settings of lb changed"],
    )


def test_a_change_on_the_host_or_no_record_sends_it_through_every_role(host):
    every = ["base", "nginx", "gunicorn"]
    before = record_of(host)
    (host / "etc/nginx/nginx.conf").write_text("events {}\n# by hand\n")
    edited = {"base": "b1", "nginx": "n2", "gunicorn": "g1"}
    roles, found = state.due(before, record_of(host, edited))
    assert roles == every and found[0].endswith("nginx/nginx.conf changed")
    assert state.due(None, record_of(host)) == (every, ["no record of an earlier provisioning"])
    older = dict(record_of(host), format=state.FORMAT - 1)
    assert state.due(older, record_of(host)) == (
        every,
        ["the record is from an older version of this check"],
    )


def test_a_service_that_stopped_is_drift_one_that_started_is_not(host):
    before = record_of(host, units={"nginx.service": "active", "hello.service": "inactive"})
    started = record_of(host, units={"nginx.service": "active", "hello.service": "active"})
    assert state.host_differences(before, started) == []
    stopped = record_of(host, units={"nginx.service": "failed", "hello.service": "active"})
    assert state.host_differences(before, stopped) == ["nginx.service is failed"]
    disabled = record_of(host, units={"hello.service": "active"})
    assert state.host_differences(before, disabled) == ["nginx.service is no longer enabled"]


def test_enabled_units_are_the_links_systemctl_enable_makes(tmp_path):
    for wants, unit in [
        ("multi-user.target.wants", "nginx.service"),
        ("multi-user.target.wants", "hello-slot@blue.service"),
        ("sockets.target.wants", "hello.socket"),
        ("sysinit.target.requires", "nftables.service"),
    ]:
        (tmp_path / wants).mkdir(exist_ok=True)
        (tmp_path / wants / unit).symlink_to(f"/lib/systemd/system/{unit}")
    (tmp_path / "hello.service").write_text("[Service]\n")
    enabled = ["hello.socket", "nftables.service", "nginx.service"]
    assert state.enabled_units(str(tmp_path)) == enabled


def test_role_digest_follows_every_file_of_the_roles(tmp_path):
    for role in ("base", "nginx"):
        (tmp_path / role / "tasks").mkdir(parents=True)
        (tmp_path / role / "tasks/main.yml").write_text("---\n")
    (tmp_path / "nginx/templates").mkdir()
    (tmp_path / "nginx/templates/site.conf.j2").write_text("server {}\n")
    search = [str(tmp_path)]
    first = role_digest.digest_roles(["base", "nginx"], search)
    assert role_digest.digest_roles(["base", "nginx"], search) == first
    (tmp_path / "nginx/templates/site.conf.j2").write_text("server { listen 81; }\n")
    edited = role_digest.digest_roles(["base", "nginx"], search)
    assert edited != first
    os.rename(tmp_path / "nginx/templates/site.conf.j2", tmp_path / "nginx/templates/other.conf.j2")
    assert role_digest.digest_roles(["base", "nginx"], search) not in (first, edited)
    assert role_digest.digest_roles(["base"], search) != role_digest.digest_roles(["nginx"], search)


def test_the_record_play_knows_every_tag_of_the_provisioning_plays():
    """A run skipping one of these tags is partial and must not record."""
    plays = yaml.safe_load((ROOT / "playbooks/provision.yml").read_text())
    record = next(play for play in plays if play.get("name") == "Record each provisioned host")
    given = set()
    for play in plays:
        for entry in play.get("roles", []):
            given |= set(entry.get("tags", []))
            tasks = ROOT / "roles" / entry["role"] / "tasks"
            for path in tasks.glob("*.yml"):
                for listed in re.findall(r"^\s*tags: \[([^\]]*)\]", path.read_text(), re.M):
                    given |= {tag.strip() for tag in listed.split(",")}
    assert set(record["vars"]["__provision_tags"]) == given - {"always"}
