"""The inventories we ship work as they are, and so does their vault flow.

Each one passes the settings checks (playbooks/preflight.yml contacts no
host). A copy of staging given the vault file its README flow makes hands
the secret to the app's environment, and cannot be read without the
password.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INVENTORIES = sorted(path.name for path in (ROOT / "inventory").iterdir() if path.is_dir())
TOOLS = Path(sys.executable).parent


def run(*argv, cwd=ROOT):
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "NO_COLOR": "1"}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)


def show(inventory, host, expression, *vault):
    """What a variable expression gives a host of the inventory (ansible's debug, no connection)."""
    return run(
        TOOLS / "ansible",
        host,
        "-i",
        inventory,
        *vault,
        "-m",
        "ansible.builtin.debug",
        "-a",
        expression,
    )


def test_staging_and_production_are_shipped():
    assert {"demo", "staging", "production"} <= set(INVENTORIES)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_inventory_passes_the_settings_checks(inventory):
    checked = run(
        TOOLS / "ansible-playbook", "-i", f"inventory/{inventory}", "playbooks/preflight.yml"
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert " failed=0 " in checked.stdout


@pytest.mark.parametrize(
    "setting, value",
    [
        ("provision_skip_unchanged", "provision_skip_unchanged=sometimes"),
        ("provision_record", "provision_record=provisioned.json"),
        ("provision_watch", '{"provision_watch": ["/etc", "srv/hello"]}'),
        ("provision_watch", '{"provision_watch": []}'),
    ],
)
def test_a_wrong_provisioning_setting_stops_at_the_settings_checks(setting, value):
    checked = run(
        TOOLS / "ansible-playbook", "-i", "inventory/demo", "playbooks/preflight.yml", "-e", value
    )
    assert checked.returncode != 0
    assert f"{setting} must be" in checked.stdout + checked.stderr


@pytest.fixture
def staging_with_vault(tmp_path):
    """inventory/staging plus group_vars/web/vault.yml, as the README makes it."""
    inventory = tmp_path / "staging"
    shutil.copytree(ROOT / "inventory/staging", inventory)
    password = inventory / ".vault-pass"
    password.write_text("correct horse battery staple\n")
    web_vars = inventory / "group_vars/web"
    secrets = yaml.safe_load((web_vars / "vault.yml.example").read_text())
    secrets["vault_app_environment"]["SECRET_KEY"] = "s3cret-from-the-vault"
    (web_vars / "vault.yml").write_text(yaml.safe_dump(secrets))
    encrypted = run(
        TOOLS / "ansible-vault",
        "encrypt",
        f"--vault-password-file={password}",
        web_vars / "vault.yml",
    )
    assert encrypted.returncode == 0, encrypted.stderr
    assert (web_vars / "vault.yml").read_text().startswith("$ANSIBLE_VAULT;")
    return inventory


def test_vault_file_feeds_the_app_environment(staging_with_vault):
    host = "staging.example.com"
    password = staging_with_vault / ".vault-pass"
    vault = f"--vault-password-file={password}"
    shown = show(staging_with_vault, host, "msg={{ app_environment.SECRET_KEY }}", vault)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "s3cret-from-the-vault" in shown.stdout
    locked = run(TOOLS / "ansible-inventory", "-i", staging_with_vault, "--host", host)
    assert locked.returncode != 0
    assert "vault" in (locked.stdout + locked.stderr).lower()
    assert "s3cret-from-the-vault" not in locked.stdout + locked.stderr


def test_without_a_vault_file_the_app_gets_no_environment():
    shown = show("inventory/staging", "staging.example.com", "var=app_environment")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "app_environment: {}" in shown.stdout
