#!/usr/bin/env python3
"""Deploy time for a fleet of 1, 3, 4 and 8 web hosts, one batch of 100%.

For each size, starts that many throwaway systemd containers (tools/demo-host,
the demo's image and flags), provisions and deploys the sample app on all of
them at once (cold), then times code-only redeploys (v2 and main in turn)
and no-change reruns of playbooks/deploy.yml with app_serial=100%, and
removes the containers. Prints a markdown table; --out writes it too.

Ansible reaches the containers over SSH as a sudo user, as it reaches real
servers (bench/hosts.py says how); --connection docker uses `docker exec`.
Goal (issue: fleet deploys): 8 hosts take at most 1.5x the time of 1 host.

Here the controller and every "host" share one machine's cores, so each
code-only run also reports where the CPU went: the controller
(ansible-playbook and its workers, docker CLI included), the containers
(their cgroups: Git, pip, Gunicorn boots, health checks), and the whole
machine's busy share (/proc/stat; Docker's daemons are the rest). A run
whose machine is busy ~100% is bound by CPU, not by serial work: on real
servers each host's share runs on its own CPU. The last column, the CPU
floor, is that CPU over the machine's cores: no run here can be faster.

usage: bench/fleet.py [--sizes 1 3 4 8] [--runs 3] [--connection ssh|docker]
                      [--out docs/bench-fleet.md]
Run after `make demo` (image, tool virtualenv and app repository in place).
"""

import argparse
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import time

from hosts import CONNECTIONS, ROOT, start, stop

PLAYBOOK = str(ROOT / ".venv/bin/ansible-playbook")


def hosts(size):
    return [f"bench-web{i}" for i in range(1, size + 1)]


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
    inventory = start(f"fleet-{size}-{connection}", hosts(size), connection)
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
        stop(hosts(size))

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
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 4, 8])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connection", choices=CONNECTIONS, default="ssh")
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
        )
        + " The sample app's web service alone, without the demo's worker and timed job.",
        "",
        "| web hosts | cold provision + deploy | code-only redeploy | no-change rerun "
        f"| code-only vs {args.sizes[0]} host | code-only CPU: controller | containers "
        "| machine busy | CPU floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, result in results.items():
        # The shortest wall time that CPU fits in on this machine's cores.
        floor = (result["controller"] + result["containers"]) / os.cpu_count()
        rows.append(
            f"| {size} | {result['cold']:.1f} s | {result['code_only']:.1f} s "
            f"| {result['no_change']:.1f} s | {result['code_only'] / base['code_only']:.2f}x "
            f"| {result['controller']:.1f} s | {result['containers']:.1f} s "
            f"| {result['busy']:.0%} | {floor:.1f} s ({floor / base['code_only']:.2f}x) |"
        )
    rows += [
        "",
        "CPU floor: the code-only run's CPU (controller and containers) over the",
        "machine's cores, the shortest time it could take here with every core busy",
        f"throughout; in brackets, as a ratio to {args.sizes[0]} host's code-only run.",
    ]
    table = "\n".join(rows) + "\n"
    print(table)
    if args.out:
        pathlib.Path(args.out).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
