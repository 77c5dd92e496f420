#!/usr/bin/env python3
"""Deploy time for a fleet of 1, 3 and 8 web hosts, one batch of 100%.

For each size, starts that many throwaway systemd containers (tools/demo-host,
the demo's image and flags), provisions and deploys the sample app on all of
them at once (cold), then times code-only redeploys (v2 and main in turn)
and no-change reruns of playbooks/deploy.yml with app_serial=100%, and
removes the containers. Prints a markdown table; --out writes it too.

Ansible reaches the containers as it reaches real servers
(inventory/production): over SSH as a sudo user, "deploy", with a key (the
containers start as a VPS provider hands one over: that user, the key, sudo;
the access role then takes the user over and hardens sshd), pipelining and a
persistent master connection (ansible.cfg), each host's key pinned.
--connection docker uses `docker exec` instead (the Molecule scenarios' way),
which costs more CPU per step on this machine.
Goal (issue: fleet deploys): 8 hosts take at most 1.5x the time of 1 host.

Here the controller and every "host" share one machine's cores, so each
code-only run also reports where the CPU went: the controller
(ansible-playbook and its workers, docker CLI included), the containers
(their cgroups: Git, pip, Gunicorn boots, health checks), and the whole
machine's busy share (/proc/stat; Docker's daemons are the rest). A run
whose machine is busy ~100% is bound by CPU, not by serial work: on real
servers each host's share runs on its own CPU.

usage: bench/fleet.py [--sizes 1 3 8] [--runs 3] [--connection ssh|docker]
                      [--out docs/bench-fleet.md]
Run after `make demo` (image, tool virtualenv and app repository in place).
"""

import argparse
import json
import os
import pathlib
import platform
import resource
import shlex
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLAYBOOK = str(ROOT / ".venv/bin/ansible-playbook")
IMAGE = "flask-vps:debian12"
SSH = ROOT / "build/bench/ssh"
ADDRESS = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub"
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


def hosts(size):
    return [f"bench-web{i}" for i in range(1, size + 1)]


def ssh_key():
    key = SSH / "id_ed25519"
    if not key.exists():
        SSH.mkdir(parents=True, exist_ok=True)
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key]
        subprocess.run(keygen, check=True)
    return key


def docker_out(*argv):
    run = subprocess.run(["docker", *argv], check=True, capture_output=True, text=True)
    return run.stdout.strip()


def start(size, connection):
    for name in hosts(size):
        subprocess.run([ROOT / "tools/demo-host", name, IMAGE, "", ROOT / "build/git"], check=True)
    inventory = ROOT / f"build/bench/fleet-{size}-{connection}"
    inventory.mkdir(parents=True, exist_ok=True)
    lines = ["---", "web:", "  hosts:"]
    if connection == "docker":
        via_docker = "{ansible_connection: community.docker.docker}"
        lines += [f"    {name}: {via_docker}" for name in hosts(size)]
    else:
        key = ssh_key()
        public = key.with_suffix(".pub").read_text().strip()
        known_hosts = inventory / "known_hosts"
        pins = []
        for name in hosts(size):
            docker_out("exec", name, "sh", "-c", VPS_USER.format(key=shlex.quote(public)))
            address = docker_out("inspect", "-f", ADDRESS, name)
            host_key = docker_out("exec", name, "cat", HOST_KEY).split()[:2]
            pins.append(" ".join([address, *host_key]))
            lines.append(f"    {name}: {{ansible_host: {address}}}")
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


def stop(size):
    subprocess.run(["docker", "rm", "-f", *hosts(size)], check=True, capture_output=True)


# CPU time of every Docker container, in seconds (cgroup v1 or v2).
CONTAINERS_CPU = [
    (pathlib.Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage"), 1e9, None),
    (pathlib.Path("/sys/fs/cgroup/system.slice"), 1e6, "docker-*.scope/cpu.stat"),
]


def containers_cpu():
    for path, unit, pattern in CONTAINERS_CPU:
        if pattern is None and path.exists():
            return int(path.read_text()) / unit
        if pattern is not None and path.exists():
            stats = (f.read_text().split() for f in path.glob(pattern))
            return sum(int(s[s.index("usage_usec") + 1]) for s in stats) / unit
    return float("nan")


def machine_busy():
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    fields = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def timed(inventory, playbook, *extra):
    """Wall time and CPU use of one ansible-playbook run."""
    argv = [PLAYBOOK, "-i", str(inventory), str(ROOT / playbook), "-e", "app_serial=100%"]
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    containers, (busy, total) = containers_cpu(), machine_busy()
    started = time.monotonic()
    run = subprocess.run([*argv, *extra], env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after, total_after = machine_busy()
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(argv + list(extra))} failed:\n{run.stdout[-3000:]}")
    return {
        "wall": elapsed,
        "controller": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        "containers": containers_cpu() - containers,
        "busy": (busy_after - busy) / max(total_after - total, 1),
    }


def bench(size, runs, connection):
    inventory = start(size, connection)
    try:
        cold = timed(inventory, "deploy.yml", "-e", "app_version=main")
        versions = (["v2", "main"] * runs)[:runs]
        code_only = [
            timed(inventory, "playbooks/deploy.yml", "-e", f"app_version={version}")
            for version in versions
        ]
        # The version the last code-only run left live: an odd number of
        # runs ends on v2.
        no_change = [
            timed(inventory, "playbooks/deploy.yml", "-e", f"app_version={versions[-1]}")
            for _ in range(runs)
        ]
    finally:
        stop(size)

    def median(key, sample):
        return statistics.median(run[key] for run in sample)

    return {
        "cold": cold["wall"],
        "code_only": median("wall", code_only),
        "no_change": median("wall", no_change),
        "controller": median("controller", code_only),
        "containers": median("containers", code_only),
        "busy": median("busy", code_only),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 8])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connection", choices=["ssh", "docker"], default="ssh")
    parser.add_argument("--out")
    args = parser.parse_args()
    results = {size: bench(size, args.runs, args.connection) for size in args.sizes}
    base = results[args.sizes[0]]
    rows = [
        f"Fleet deploys, one batch of 100% (`app_serial=100%`), {os.cpu_count()} cores, "
        f"{platform.platform()}; medians of {args.runs} runs (`bench/fleet.py`); "
        + (
            "over SSH as a sudo user, as to real servers."
            if args.connection == "ssh"
            else "over `docker exec` (`--connection docker`)."
        ),
        "",
        "| web hosts | cold provision + deploy | code-only redeploy | no-change rerun "
        f"| code-only vs {args.sizes[0]} host | code-only CPU: controller | containers "
        "| machine busy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, result in results.items():
        rows.append(
            f"| {size} | {result['cold']:.1f} s | {result['code_only']:.1f} s "
            f"| {result['no_change']:.1f} s | {result['code_only'] / base['code_only']:.2f}x "
            f"| {result['controller']:.1f} s | {result['containers']:.1f} s "
            f"| {result['busy']:.0%} |"
        )
    table = "\n".join(rows) + "\n"
    print(table)
    if args.out:
        pathlib.Path(args.out).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
