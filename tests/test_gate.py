"""The health gate lets a release through only when it answers as a healthy one.

roles/app/files/gate.py runs here as the role runs it (python3 -c SOURCE SPEC)
against real HTTP servers: one on loopback TCP (nginx's place) and one on a
unix socket (Gunicorn's), each answering from a script of releases.
"""

import http.server
import json
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest

GATE = (Path(__file__).resolve().parent.parent / "roles/app/files/gate.py").read_text()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        server = self.server
        status, body, release = server.answers[min(server.served, len(server.answers) - 1)]
        server.served += 1
        server.seen.append((self.path, self.headers["Host"]))
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        if release:
            self.send_header("X-Release", release)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _ = super().get_request()
        return request, ("unix", 0)


def serve(server, answers):
    server.answers, server.served, server.seen = answers, 0, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers(tmp_path):
    made = []

    def make(tcp_answers, socket_answers=None):
        tcp = serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler), tcp_answers)
        made.append(tcp)
        via = [{"label": "nginx", "url": f"http://127.0.0.1:{tcp.server_address[1]}"}]
        unix = None
        if socket_answers is not None:
            path = str(tmp_path / "gunicorn.sock")
            unix = serve(UnixServer(path, Handler), socket_answers)
            made.append(unix)
            via.insert(0, {"label": "the app's socket", "url": "http://localhost", "socket": path})
        return tcp, unix, via

    yield make
    for server in made:
        server.shutdown()
        server.server_close()


def gate(via, **overrides):
    spec = {
        "path": "/healthz",
        "host": "example.com",
        "statuses": [200],
        "body": "ok",
        "header": "X-Release",
        "release": "new",
        "tries": 3,
        "delay": 0.05,
        "timeout": 2,
        "via": via,
    } | overrides
    return subprocess.run(
        [sys.executable, "-c", GATE, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_healthy_release_passes_through_its_socket_then_nginx(servers):
    tcp, unix, via = servers([(200, "ok", "new")], [(200, "ok", "new")])
    run = gate(via)
    assert run.returncode == 0, run.stderr
    assert [step["via"] for step in json.loads(run.stdout)] == ["the app's socket", "nginx"]
    # Each got the health path with the site's Host header.
    assert unix.seen == tcp.seen == [("/healthz", "example.com")]


def test_answers_of_old_workers_do_not_count(servers):
    tcp, _, via = servers([(200, "ok", "old"), (200, "ok", "old"), (200, "ok", "new")])
    run = gate(via)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)[0]["tries"] == 3


@pytest.mark.parametrize(
    "answers, says",
    [
        ([(503, '{"status": "broken"}', "new")], 'status 503, body {"status": "broken"}'),
        ([(200, "starting", "new")], "status 200, body starting"),
        ([(200, "ok", "old")], "X-Release old, not new"),
        ([(200, "ok", "")], "X-Release missing, not new"),
    ],
)
def test_an_unhealthy_answer_fails_the_gate_saying_what_came_back(servers, answers, says):
    tcp, _, via = servers(answers)
    run = gate(via)
    assert run.returncode == 1
    assert "Health check through nginx never answered as expected in 3 tries" in run.stderr
    assert says in run.stderr
    assert tcp.served == 3


def test_the_socket_failing_stops_the_gate_before_nginx(servers):
    tcp, _, via = servers([(200, "ok", "new")], [(500, "Internal Server Error", "new")])
    run = gate(via)
    assert run.returncode == 1
    assert "through the app's socket" in run.stderr and "status 500" in run.stderr
    assert tcp.served == 0


def test_nothing_listening_is_a_failure_not_a_crash(tmp_path):
    run = gate(
        [
            {
                "label": "the app's socket",
                "url": "http://localhost",
                "socket": str(tmp_path / "gone.sock"),
            }
        ]
    )
    assert run.returncode == 1
    assert "status FileNotFoundError" in run.stderr


def test_without_a_release_to_match_any_release_passes(servers):
    _, _, via = servers([(200, "ok", "old")])
    assert gate(via, release="").returncode == 0
    assert gate(via, header="").returncode == 0


def test_accepted_statuses_are_the_given_ones(servers):
    _, _, via = servers([(204, "", "new")])
    assert gate(via, statuses=["204"], body="").returncode == 0
    assert gate(via, statuses=[200], body="").returncode == 1
