#!/usr/bin/env python3
"""Deploy times on one host, and what a redeploy under load costs its clients.

In a throwaway systemd container (the demo's image and flags), reached over
SSH as a sudo user as real servers are (bench/hosts.py; --connection docker:
`docker exec`), times:

  cold        provision + deploy of the bare container (deploy.yml)
  no-change   deploy.yml again, nothing to do: provisioning is skipped on
              the host's record; and with provision_skip_unchanged=false,
              every task
  code-only   a new commit, dependencies unchanged, trial and health gates
              included: playbooks/deploy.yml (the release alone; and with
              the soak off) and deploy.yml (provision + release), each run
              deploying the version not live (v2 and main in turn)
  --tags pip  deploy.yml --tags pip
  baseline    the alternative, on the same host in the same run: a
              Capistrano-style Git deploy with Ansistrano's steps
              (bench/baseline.yml: fetch, export, link, no virtualenv,
              no reload, no checks), v2 and main in turn

each the median of --runs runs (cold: one), and as a ratio to the
baseline. Then the downtime: wrk at concurrency 32 through nginx in the
container, for as long as a code-only redeploy takes, once with the
redeploy and once without; failed requests and p99 of both. Prints a
markdown table; --out writes it too.

usage: bench/deploys.py [--runs 3] [--connection ssh|docker] [--out docs/bench-deploys.md]
Run after `make demo` (image, tool virtualenv and app repository in place).
"""

import argparse
import itertools
import os
import pathlib
import platform
import statistics
import threading
import time

from hosts import CONNECTIONS, inside, playbook, start, stop
from serving import wrk

HOST = "bench-deploys"
BASELINE = "baseline: Ansistrano's steps (bench/baseline.yml)"
GOALS = {
    "no-change": 10.0,
    "code-only (release alone)": 7.0,
    "code-only, soak off (app_soak_seconds=0)": 7.0,
}


def timed(inventory, name, *extra):
    started = time.monotonic()
    run = playbook(inventory, name, *extra)
    elapsed = time.monotonic() - started
    if run.returncode != 0:
        raise SystemExit(f"{name} {' '.join(extra)} failed:\n{run.stdout[-3000:]}")
    return elapsed


def cells(result):
    return f"{result['rps']:,.0f} | {result['p50']:.2f} | {result['p99']:.2f} | {result['errors']}"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connection", choices=CONNECTIONS, default="ssh")
    parser.add_argument("--out", type=pathlib.Path)
    args = parser.parse_args()
    inventory = start(f"deploys-{args.connection}", [HOST], args.connection)

    def deploy(name, *extra):
        return timed(inventory, name, *extra)

    try:
        times = {"cold": [deploy("deploy.yml")]}
        print(f"cold: {times['cold'][0]:.1f} s", flush=True)
        inside("apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk", host=HOST)
        # The new package is a change provisioning notices: this run goes
        # through every task and records the host as it is now.
        deploy("deploy.yml")
        # Each code-only run deploys the version that is not live: v2, main, v2...
        live = ["main"]

        def other_version():
            live[0] = "v2" if live[0] == "main" else "main"
            return f"app_version={live[0]}"

        baseline = itertools.cycle(["v2", "main"])
        cases = {
            BASELINE: lambda: deploy("bench/baseline.yml", "-e", f"app_version={next(baseline)}"),
            "no-change": lambda: deploy("deploy.yml"),
            "no-change, every task": lambda: deploy(
                "deploy.yml", "-e", "provision_skip_unchanged=false"
            ),
            "code-only (release alone)": lambda: deploy(
                "playbooks/deploy.yml", "-e", other_version()
            ),
            "code-only, soak off (app_soak_seconds=0)": lambda: deploy(
                "playbooks/deploy.yml", "-e", other_version(), "-e", "app_soak_seconds=0"
            ),
            "code-only (provision + release)": lambda: deploy("deploy.yml", "-e", other_version()),
            "--tags pip": lambda: deploy(
                "deploy.yml", "--tags", "pip", "-e", f"app_version={live[0]}"
            ),
        }
        for name, case in cases.items():
            times[name] = [case() for _ in range(args.runs)]
            print(f"{name}: {[round(t, 1) for t in times[name]]}", flush=True)
        # Downtime: the same wrk run alongside a redeploy and alone.
        seconds = round(statistics.median(times["code-only (release alone)"])) + 4
        loaded = {}
        load = threading.Thread(
            target=lambda: loaded.update(wrk("http://127.0.0.1:80/", 32, seconds, host=HOST))
        )
        load.start()
        time.sleep(2)
        redeploy = deploy("playbooks/deploy.yml", "-e", other_version())
        load.join()
        quiet = wrk("http://127.0.0.1:80/", 32, seconds, host=HOST)
        machine = f"{os.cpu_count()} cores, {platform.platform()}"
        via = "over SSH as a sudo user" if args.connection == "ssh" else "over `docker exec`"
        lines = [
            f"Deploys to one host, {machine}, {via}; wall time of ansible-playbook,",
            f"its start included; median of {args.runs} runs, cold: one (`bench/deploys.py`).",
            "The sample app's web service alone, as the baseline deploys it: without the",
            "demo's worker and timed job (`app_processes`, `app_schedules`).",
            "",
            "| what | median | vs baseline | runs | goal |",
            "|---|---|---|---|---|",
        ]
        base = statistics.median(times[BASELINE])
        for name, values in times.items():
            goal = f"<= {GOALS[name]:.0f} s" if name in GOALS else ""
            runs = ", ".join(f"{v:.1f}" for v in values)
            median = statistics.median(values)
            # A cold run provisions the host too, which the baseline does not.
            ratio = "" if name == "cold" else f"{median / base:.2f}x"
            lines.append(f"| {name} | {median:.1f} s | {ratio} | {runs} | {goal} |")
        lines += [
            "",
            "The baseline does what Ansistrano's Git strategy does, in fewer tasks than",
            "Ansistrano itself runs: it builds no virtualenv, reloads nothing, tries and",
            "checks nothing.",
            "",
            f"**Downtime**: wrk at concurrency 32 through nginx for {seconds} s,",
            f"with a code-only redeploy ({redeploy:.1f} s) and without.",
            "",
            "| during | requests/s | p50 ms | p99 ms | failed |",
            "|---|---|---|---|---|",
            f"| a redeploy | {cells(loaded)} |",
            f"| nothing | {cells(quiet)} |",
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
    finally:
        stop([HOST])


if __name__ == "__main__":
    main()
