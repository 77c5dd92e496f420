"""Throwaway hosts for the benches, and how Ansible reaches them.

Each host is a systemd container started by tools/demo-host (the demo's image
and flags). Ansible reaches them as it reaches real servers
(inventory/production): over SSH as a sudo user, "deploy", with a key. The
containers start as a VPS provider hands one over (that user, the key,
sudo); the access role takes the user over and hardens sshd at the first
deploy. Pipelining and a persistent master connection come from ansible.cfg,
and each host's key is pinned. The "docker" connection uses `docker exec`
instead (the Molecule scenarios' way), which costs more CPU per step on
this machine.
"""

import json
import os
import pathlib
import shlex
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGE = "flask-vps:debian12"
SSH = ROOT / "build/bench/ssh"
ADDRESS = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub"
CONNECTIONS = ["ssh", "docker"]
# The benches time the web app's deploy, as the alternatives they compare
# with do: without the demo's background worker (app_processes), whose
# restart and 3 s settle would add to every code-only deploy. Host
# variables, since they outrank the demo's group_vars. Nor the demo's timed
# job (app_schedules), which would only add to the provisioning.
WEB_ONLY = "app_processes: [], app_schedules: []"
# What a VPS provider hands over: a sudo user that logs in with your key.
VPS_USER = """
id deploy >/dev/null 2>&1 || useradd --create-home --shell /bin/bash deploy
install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh
printf '%s\\n' {key} > /home/deploy/.ssh/authorized_keys
chown deploy:deploy /home/deploy/.ssh/authorized_keys
chmod 0600 /home/deploy/.ssh/authorized_keys
printf 'deploy ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/deploy
chmod 0440 /etc/sudoers.d/deploy
"""


def sh(*argv, check=True, **kwargs):
    return subprocess.run(
        [str(a) for a in argv], check=check, capture_output=True, text=True, **kwargs
    )


def inside(*argv, host, check=True):
    return sh("docker", "exec", host, *argv, check=check)


def ssh_key():
    key = SSH / "id_ed25519"
    if not key.exists():
        SSH.mkdir(parents=True, exist_ok=True)
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key)
    return key


def start(name, hosts, connection):
    """Start the containers; return build/bench/<name>, an inventory of them
    in group web, with the demo's settings."""
    for host in hosts:
        sh("docker", "rm", "-f", host, check=False)
        sh(ROOT / "tools/demo-host", host, IMAGE, "", ROOT / "build/git")
    inventory = ROOT / "build/bench" / name
    inventory.mkdir(parents=True, exist_ok=True)
    lines = ["---", "web:", "  hosts:"]
    if connection == "docker":
        docker = "ansible_connection: community.docker.docker"
        lines += [f"    {host}: {{{docker}, {WEB_ONLY}}}" for host in hosts]
    else:
        key = ssh_key()
        public = key.with_suffix(".pub").read_text().strip()
        known_hosts = inventory / "known_hosts"
        pins = []
        for host in hosts:
            inside("sh", "-c", VPS_USER.format(key=shlex.quote(public)), host=host)
            address = sh("docker", "inspect", "-f", ADDRESS, host).stdout.strip()
            host_key = inside("cat", HOST_KEY, host=host).stdout.split()[:2]
            pins.append(" ".join([address, *host_key]))
            lines.append(f"    {host}: {{ansible_host: {address}, {WEB_ONLY}}}")
        known_hosts.write_text("\n".join(pins) + "\n", encoding="utf-8")
        lines += [
            "  vars:",
            "    ansible_user: deploy",
            f"    ansible_ssh_private_key_file: {key}",
            f"    ansible_ssh_common_args: -o UserKnownHostsFile={known_hosts}"
            " -o StrictHostKeyChecking=yes",
            f"    access_deploy_user_keys: {json.dumps([public])}",
        ]
    (inventory / "hosts.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    group_vars = inventory / "group_vars"
    if not group_vars.exists():
        group_vars.symlink_to(ROOT / "inventory/demo/group_vars")
    return inventory


def stop(hosts):
    sh("docker", "rm", "-f", *hosts, check=False)


def playbook(inventory, name, *extra):
    """One ansible-playbook run with the project's settings."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    argv = [ROOT / ".venv/bin/ansible-playbook", "-i", inventory, ROOT / name, *extra]
    return subprocess.run([str(a) for a in argv], env=env, capture_output=True, text=True)
