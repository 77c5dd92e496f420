"""Does this balancer reach each web host's site? Any HTTP answer will do.

argv: a JSON object of web host -> "address:port" (lb_backends) and a
timeout in seconds. Before the first deploy a web host's nginx answers 502,
which still proves the path: the route, the web host's firewall, its nginx.
Exits 1 naming each host it cannot reach, and why.
"""

import json
import socket
import sys


def answers(address, timeout):
    """The first line a plain HTTP request to address ("host:port") gets."""
    host, _, port = address.rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as conn:
        conn.sendall(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        return conn.makefile("rb").readline()


def main():
    backends, timeout = json.loads(sys.argv[1]), float(sys.argv[2])
    unreachable = []
    for name, address in sorted(backends.items()):
        try:
            line = answers(address, timeout)
        except socket.timeout:
            unreachable.append(f"{name} at {address}: no answer in {timeout:g} s")
        except OSError as error:
            unreachable.append(f"{name} at {address}: {error.strerror or error}")
        else:
            if not line.startswith(b"HTTP/"):
                unreachable.append(f"{name} at {address}: answered {line[:40]!r}, not HTTP")
    if unreachable:
        sys.exit("cannot reach " + "; ".join(unreachable))
    print(f"reached {len(backends)}")


main()
