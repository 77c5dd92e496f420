"""The inventories we ship work as they are, and so does their vault flow.

Each one passes the settings checks (playbooks/preflight.yml contacts no
host). A copy of staging given the vault file its README flow makes hands
the secret to the app's environment, and cannot be read without the
password.
"""

import json
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


@pytest.fixture
def fleet(tmp_path):
    """A web host behind a balancer, each with its address on their private network."""
    inventory = tmp_path / "fleet"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(
        yaml.safe_dump(
            {
                "web": {
                    "hosts": {
                        "web1": {"ansible_host": "203.0.113.11", "app_lb_address": "10.0.0.11"}
                    }
                },
                "lb": {
                    "hosts": {"lb1": {"ansible_host": "203.0.113.5", "app_lb_address": "10.0.0.5"}}
                },
            }
        )
    )
    (inventory / "group_vars/web.yml").write_text("app_repo: file:///srv/git/hello.git\n")
    return inventory


def preflight(inventory, *extra):
    """The settings checks of the inventory, given these extra variables."""
    args = [arg for value in extra for arg in ("-e", value)]
    return run(TOOLS / "ansible-playbook", "-i", inventory, "playbooks/preflight.yml", *args)


def test_https_ends_on_the_balancers_and_the_web_hosts_let_in_and_trust_them_alone(fleet):
    # What provision.yml reads from the balancer: its route to web1 starts at 10.0.0.5.
    routes = json.dumps({"__fleet_lb_routes": {"results": [{"stdout_lines": ["10.0.0.5"]}]}})
    web = (
        "[nginx_tls_mode, nginx_trusted_proxies, firewall_allowed_tcp_ports,"
        " firewall_trusted_tcp_ports, firewall_trusted_sources]"
    )

    def wiring(host, expression, *extra):
        shown = show(fleet, host, f"msg={{{{ ({expression}) | to_json }}}}", *extra)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        return json.loads(yaml.safe_load(shown.stdout.split("=>", 1)[1])["msg"])

    tls = ("-e", "tls_mode=self_signed")
    assert wiring("web1", web, *tls, "-e", routes) == [
        "none",
        ["10.0.0.5"],
        [],
        [80, 8091, 8092],
        ["10.0.0.5"],
    ]
    # Before the routes are read (preflight), the ports stay open to anyone.
    assert wiring("web1", web, *tls) == ["none", [], [80, 8091, 8092], [80, 8091, 8092], []]
    balancer = "[lb_tls_mode, lb_tls_port, firewall_allowed_tcp_ports, firewall_trusted_sources]"
    assert wiring("lb1", balancer, *tls, "-e", routes) == ["self_signed", 443, [80, 443], []]
    checked = preflight(fleet, "tls_mode=self_signed")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    "extra, message",
    [
        (["tls_mode=provided"], "lb_tls_certificate must hold a PEM certificate"),
        (["tls_mode=letsencrypt"], "lb_letsencrypt_email must be an e-mail address"),
        (
            ["tls_mode=letsencrypt", "tls_letsencrypt_email=ops@example.com"],
            "lb_server_names must hold public DNS names only",
        ),
        (["tls_mode=self_signed", "app_https_port=80"], "lb_tls_port must be a port number"),
    ],
)
def test_a_wrong_balancer_tls_setting_stops_at_the_settings_checks(fleet, extra, message):
    checked = preflight(fleet, *extra)
    assert checked.returncode != 0
    assert message in checked.stdout + checked.stderr, checked.stdout
