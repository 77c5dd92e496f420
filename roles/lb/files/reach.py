"""Does this balancer reach each web host's site? A TCP connection will do.

argv: a JSON object of web host -> "address:port" (lb_backends) and a
timeout in seconds. A connection proves the route, the web host's firewall
and a listener; no request is sent, since before the first deploy the
app's socket would hold it until Gunicorn had code to run.
Exits 1 naming each host it cannot reach, and why.
"""

import json
import socket
import sys


def main():
    backends, timeout = json.loads(sys.argv[1]), float(sys.argv[2])
    unreachable = []
    for name, address in sorted(backends.items()):
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except socket.timeout:
            unreachable.append(f"{name} at {address}: no answer in {timeout:g} s")
        except OSError as error:
            unreachable.append(f"{name} at {address}: {error.strerror or error}")
    if unreachable:
        sys.exit("cannot reach " + "; ".join(unreachable))
    print(f"reached {len(backends)}")


main()
