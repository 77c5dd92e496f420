#!/usr/bin/env python3
"""Health gate: each endpoint, in order, must answer like a healthy release.

usage: gate.py SPEC

SPEC is JSON: {"path", "host", "statuses", "body", "header", "release",
"tries", "delay", "timeout", "via": [{"label", "url", "socket"}]}. Each "via"
gets GET <url><path> with Host: <host> (over the unix socket <socket> when one
is given) until the answer has one of the statuses, contains <body> and, when
<header> and <release> are set, names <release> in that header: proof that
it came from the new workers, not from old ones finishing a reload. At most
<tries> tries each, <delay> seconds apart. Prints what answered as JSON; when
an endpoint never does, says what it got last on stderr and exits 1.
Standard library only: it runs on the host's python3, in one round trip
for every endpoint of the gate.
"""

import http.client
import json
import socket
import ssl
import sys
import time
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a unix socket (Gunicorn's own, before nginx)."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def ask(via, spec):
    """(status, body, release header) of one GET, or (error name, "", "")."""
    url = urllib.parse.urlsplit(via["url"])
    timeout = float(spec["timeout"])
    if via.get("socket"):
        connection = UnixConnection(via["socket"], timeout)
    elif url.scheme == "https":
        connection = http.client.HTTPSConnection(
            url.hostname, url.port or 443, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
    try:
        path = url.path.rstrip("/") + spec["path"]
        connection.request("GET", path, headers={"Host": spec["host"]})
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        release = response.getheader(spec["header"], "") if spec["header"] else ""
        return response.status, body, release
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__, "", ""
    finally:
        connection.close()


def healthy(answer, spec):
    status, body, release = answer
    return (
        status in spec["statuses"]
        and spec["body"] in body
        and (not spec["header"] or not spec["release"] or release == spec["release"])
    )


def describe(answer, spec):
    status, body, release = answer
    words = [f"status {status}"]
    if spec["header"] and spec["release"] and release != spec["release"]:
        words.append(f"{spec['header']} {release or 'missing'}, not {spec['release']}")
    if body:
        words.append("body " + " ".join(body.split())[:200])
    return ", ".join(words)


def main(spec):
    spec["statuses"] = [int(status) for status in spec["statuses"]]
    tries = max(1, int(spec["tries"]))
    passed = []
    for via in spec["via"]:
        started = time.monotonic()
        for attempt in range(1, tries + 1):
            answer = ask(via, spec)
            if healthy(answer, spec):
                break
            if attempt < tries:
                time.sleep(float(spec["delay"]))
        else:
            print(
                f"Health check through {via['label']} never answered as expected in {attempt} tries"
                f" ({time.monotonic() - started:.1f} s): {describe(answer, spec)}",
                file=sys.stderr,
            )
            return 1
        passed.append(
            {
                "via": via["label"],
                "status": answer[0],
                "tries": attempt,
                "seconds": round(time.monotonic() - started, 2),
            }
        )
    print(json.dumps(passed))
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
