#!/usr/bin/env python3
"""Steady HTTP load that counts every failed request.

Sends GET requests from a few threads, each on a new connection (as browsers
behind separate clients would), at a steady rate if one is given, until a
stop file appears, a request budget is spent or a time limit passes,
whichever comes first. A request fails when it raises (refused, reset,
timeout) or answers anything but the expected status. It records which
releases answered (a response header), in the order first seen and second
by second, and which answered the failed requests, so a test can see
traffic move from one release to the next and nowhere else.

Writes a JSON summary (--out) and prints one line; stdlib only, so it runs on
the controller or inside a target with its system Python.
"""

import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="for example http://127.0.0.1/")
    parser.add_argument("--host", help="Host header (default: the URL's)")
    parser.add_argument("--status", type=int, default=200, help="expected status")
    parser.add_argument("--header", default="X-Release", help="header naming the release")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0, help="requests/s in all, 0: no limit")
    parser.add_argument("--max-requests", type=int, default=200_000, help="request budget")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="time limit")
    parser.add_argument("--timeout", type=float, default=10.0, help="per request")
    parser.add_argument("--stop-file", help="stop once this file exists")
    parser.add_argument("--out", help="write the JSON summary here")
    return parser.parse_args()


class Tally:
    """What every thread saw, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.failed = 0
        self.failures = {}
        # release that answered a failed request ("" when none did) -> count
        self.failed_by_release = {}
        # release -> {first, last (s since start), answers}, in order first seen
        self.releases = {}
        # second since start -> {release: answers}: which releases answered when
        self.timeline = {}
        self.max_latency = 0.0

    def record(self, started, latency, release=None, failure=None):
        with self.lock:
            self.requests += 1
            self.max_latency = max(self.max_latency, latency)
            if failure is not None:
                self.failed += 1
                self.failures[failure] = self.failures.get(failure, 0) + 1
                key = release or ""
                self.failed_by_release[key] = self.failed_by_release.get(key, 0) + 1
                return
            seen = self.releases.setdefault(release, {"first": round(started, 3), "answers": 0})
            seen["last"] = round(started, 3)
            seen["answers"] += 1
            second = self.timeline.setdefault(int(started), {})
            second[release] = second.get(release, 0) + 1


def worker(args, target, tally, deadline, budget):
    path = target.path or "/"
    if target.query:
        path += "?" + target.query
    headers = {"Host": args.host or target.netloc, "Connection": "close"}
    interval = args.concurrency / args.rate if args.rate > 0 else 0
    next_at = time.monotonic()
    while time.monotonic() < deadline and next(budget, None) is not None:
        if args.stop_file and os.path.exists(args.stop_file):
            return
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
        started = time.monotonic()
        connection = http.client.HTTPConnection(
            target.hostname, target.port or 80, timeout=args.timeout
        )
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            latency = time.monotonic() - started
            tally.record(started - tally.t0, latency, failure=type(error).__name__)
            continue
        finally:
            connection.close()
        latency = time.monotonic() - started
        if response.status != args.status:
            tally.record(
                started - tally.t0,
                latency,
                release=response.getheader(args.header, ""),
                failure=f"HTTP {response.status}",
            )
        else:
            tally.record(started - tally.t0, latency, release=response.getheader(args.header, ""))


def main():
    args = parse_args()
    target = urllib.parse.urlsplit(args.url)
    tally = Tally()
    tally.t0 = time.monotonic()
    started_at = time.time()
    deadline = tally.t0 + args.max_seconds
    # A shared iterator is the request budget; next() on it is thread-safe
    # enough for a counter because each value is taken once under the GIL.
    budget = iter(range(args.max_requests))
    threads = [
        threading.Thread(target=worker, args=(args, target, tally, deadline, budget), daemon=True)
        for _ in range(args.concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - tally.t0
    summary = {
        "url": args.url,
        # Wall-clock start (epoch s): "first" and "last" below count from it.
        "started_at": round(started_at, 3),
        "seconds": round(elapsed, 1),
        "requests": tally.requests,
        "failed": tally.failed,
        "failures": tally.failures,
        "failed_by_release": tally.failed_by_release,
        "releases": tally.releases,
        "timeline": [tally.timeline.get(second, {}) for second in range(int(elapsed) + 1)],
        "max_latency_ms": round(tally.max_latency * 1000),
    }
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
    moves = " -> ".join(
        f"{release or '-'} ({seen['answers']})" for release, seen in tally.releases.items()
    )
    print(
        f"requests: {tally.requests}, failed: {tally.failed} {tally.failures or ''}, "
        f"max latency {summary['max_latency_ms']} ms, releases: {moves}"
    )


if __name__ == "__main__":
    main()
