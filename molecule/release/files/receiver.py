#!/usr/bin/env python3
"""A webhook receiver for the tests: 127.0.0.1 only, bounded in time.

usage: receiver.py PORT OUT SECONDS

Answers every POST with 204 and appends {"path", "headers", "body"} as one
JSON line to OUT. Stops after SECONDS.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server dispatches a POST to a method of exactly this name
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        with open(self.server.out, "a", encoding="utf-8") as handle:
            event = {"path": self.path, "headers": dict(self.headers), "body": body}
            handle.write(json.dumps(event) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main(port, out, seconds):
    server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    server.out = out
    threading.Timer(float(seconds), server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:])
