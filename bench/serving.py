#!/usr/bin/env python3
"""Serving throughput of the deployed stack against what people run instead.

In one throwaway systemd container (the demo's image and flags), deploys the
sample app with deploy.yml, then measures with the same load tool (wrk, in
the same container, on loopback), one after the other:

  stack   our stack as deployed: nginx -> Gunicorn (our defaults) over a unix socket
  plain   gunicorn --workers=4 --bind=127.0.0.1:8000 hello_world:app, in the same release
  flask   flask run (the development server), in the same release

at each concurrency (1, 32, 128): requests/s, p50 and p99 latency, errors.
Then a static file through nginx against the same file through Flask (plain
Gunicorn), and good-client throughput at concurrency 32 while 200 slow
clients hold connections open (each sends a header line every 10 s and
never finishes its request; bounded, loopback only). Prints markdown tables
of ratios to the alternatives measured in the same run; --out writes them.

usage: bench/serving.py [--duration 8] [--concurrency 1 32 128] [--out docs/bench-serving.md]
Run after `make demo` (image, tool virtualenv and app repository in place).
"""

import argparse
import os
import pathlib
import platform
import re
import subprocess
import time

import hosts

HOST = "bench-serving"
RELEASE = "/srv/hello/current"
TARGETS = {
    # An explicit port: the image has no /etc/services for wrk to look "http" up in.
    "stack": "http://127.0.0.1:80",
    "plain": "http://127.0.0.1:8000",
    "flask": "http://127.0.0.1:5000",
}
ALTERNATIVES = {
    "plain": [
        f"{RELEASE}/.venv/bin/gunicorn",
        "--workers=4",
        "--bind=127.0.0.1:8000",
        "hello_world:app",
    ],
    "flask": [f"{RELEASE}/.venv/bin/flask", "--app", "hello_world", "run", "--port", "5000"],
}
SLOW_CLIENTS = """
import socket, sys, time
target, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
host, port = target.rsplit(":", 1)
clients = []
for _ in range(count):
    try:
        c = socket.create_connection((host, int(port)), timeout=5)
        c.sendall(b"GET / HTTP/1.1\\r\\nHost: localhost\\r\\n")
        clients.append(c)
    except OSError:
        pass
print(len(clients), "slow clients connected", flush=True)
end = time.monotonic() + seconds
while time.monotonic() < end:
    time.sleep(min(10, max(0, end - time.monotonic())))
    for c in clients:
        try:
            c.sendall(b"X-Slow: 1\\r\\n")
        except OSError:
            pass
"""


def inside(*argv, check=True, host=HOST):
    return hosts.inside(*argv, host=host, check=check)


def deploy():
    run = hosts.playbook(hosts.start("serving", [HOST], "docker"), "deploy.yml")
    if run.returncode != 0:
        raise SystemExit(f"deploy failed:\n{run.stdout[-3000:]}")
    inside("apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk")
    for name, argv in ALTERNATIVES.items():
        inside("systemctl", "stop", f"bench-{name}", check=False)
        inside(
            "systemd-run",
            f"--unit=bench-{name}",
            "--uid=hello",
            f"--working-directory={RELEASE}",
            "--collect",
            *argv,
        )
    for url in TARGETS.values():
        wait_for(url)


def wait_for(url):
    for _ in range(60):
        if (
            inside(
                "curl", "-fsS", "-o", "/dev/null", "-H", "Host: localhost", url + "/", check=False
            ).returncode
            == 0
        ):
            return
        time.sleep(0.5)
    raise SystemExit(f"{url} does not answer")


def milliseconds(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, connections, seconds, host=HOST):
    """requests/s, p50 and p99 in ms, and failed requests of one wrk run in the container."""
    threads = min(2, connections)
    out = inside(
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout=5s",
        "-H",
        "Host: localhost",
        url,
        host=host,
    ).stdout
    latency = dict(
        (p, milliseconds(v, u))
        for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)$", out, re.M)
    )
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": errors,
    }


def under_slow_clients(url, seconds):
    """wrk at concurrency 32 while 200 slow clients hold connections open."""
    host_port = url.removeprefix("http://")
    if ":" not in host_port:
        host_port += ":80"
    slow = subprocess.Popen(
        [
            "docker",
            "exec",
            HOST,
            "python3",
            "-c",
            SLOW_CLIENTS,
            host_port,
            "200",
            str(seconds + 15),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    print("   ", slow.stdout.readline().strip())
    time.sleep(2)
    try:
        return wrk(url + "/", 32, seconds)
    finally:
        slow.terminate()
        slow.wait()
        inside("pkill", "-f", "slow clients connected", check=False)


def row(name, result, base=None):
    ratio = f"{result['rps'] / base['rps']:.2f}x" if base else ""
    return (
        f"| {name} | {result['rps']:,.0f} | {ratio} | {result['p50']:.2f} | {result['p99']:.2f} "
        f"| {result['errors']} |"
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32, 128])
    parser.add_argument("--out", type=pathlib.Path)
    parser.add_argument("--keep", action="store_true", help="leave the container running")
    args = parser.parse_args()
    deploy()
    try:
        config = inside("cat", "/etc/hello/gunicorn.conf.py").stdout
        workers = inside(
            "python3", "-c", "import os; print(len(os.sched_getaffinity(0)) * 2 + 1)"
        ).stdout.strip()
        worker_class = re.search(r'^worker_class = "(\w+)"', config, re.M).group(1)
        lines = [
            f"Serving the sample app, {os.cpu_count()} cores, {platform.platform()};",
            f"wrk {args.duration} s per cell, in the same container, on loopback",
            "(`bench/serving.py`).",
            "",
            f"- stack: nginx -> Gunicorn as deployed: {workers} {worker_class} workers",
            "  (2 x CPUs + 1),",
            "  over the unix socket, in its systemd sandbox",
            "- plain: `gunicorn --workers=4 --bind=127.0.0.1:8000 hello_world:app`",
            "- flask: `flask --app hello_world run` (the development server)",
            "",
        ]
        results = {}
        for connections in args.concurrency:
            lines += [
                f"**Concurrency {connections}** (`GET /`)",
                "",
                "| server | requests/s | vs plain | p50 ms | p99 ms | failed |",
                "|---|---|---|---|---|---|",
            ]
            for name, url in TARGETS.items():
                print(f"wrk -c{connections} {name}", flush=True)
                results[name, connections] = wrk(url + "/", connections, args.duration)
            for name in TARGETS:
                lines.append(row(name, results[name, connections], results["plain", connections]))
            stack, plain, flask = (results[n, connections] for n in TARGETS)
            lines += [
                "",
                f"stack vs plain: {stack['rps'] / plain['rps']:.2f}x throughput, "
                f"p99 {stack['p99']:.2f} ms against {plain['p99']:.2f} ms; "
                f"stack vs flask run: {stack['rps'] / flask['rps']:.2f}x.",
                "",
            ]
        print("static file", flush=True)
        static = {
            name: wrk(TARGETS[name] + "/static/hello.txt", 32, args.duration)
            for name in ("stack", "plain")
        }
        lines += [
            "**Static file** (`/static/hello.txt`, concurrency 32)",
            "",
            "| served by | requests/s | vs Flask | p50 ms | p99 ms | failed |",
            "|---|---|---|---|---|---|",
            row("nginx (stack)", static["stack"], static["plain"]),
            row("Flask (plain Gunicorn)", static["plain"], static["plain"]),
            "",
        ]
        print("slow clients", flush=True)
        slow = {
            name: under_slow_clients(TARGETS[name], args.duration) for name in ("stack", "plain")
        }
        lines += [
            "**200 slow clients** holding connections open, good clients at concurrency 32",
            "",
            "| server | requests/s | share of its unloaded figure | p50 ms | p99 ms | failed |",
            "|---|---|---|---|---|---|",
        ]
        for name in ("stack", "plain"):
            share = slow[name]["rps"] / results.get((name, 32), slow[name])["rps"]
            lines.append(
                f"| {name} | {slow[name]['rps']:,.0f} | {share:.0%} | {slow[name]['p50']:.2f} "
                f"| {slow[name]['p99']:.2f} | {slow[name]['errors']} |"
            )
        text = "\n".join(lines) + "\n"
        print(text)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
    finally:
        if not args.keep:
            hosts.stop([HOST])


if __name__ == "__main__":
    main()
