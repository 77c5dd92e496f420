"""The soak passes a release only while it stays healthy under real traffic.

roles/app/files/soak.py runs here as the role runs it (python3 -c SOURCE ARGS)
against a real HTTP server on loopback (the liveness path) and a log that
another thread appends to while it watches, as nginx does ("<time> <status>
<release>" per answer).
"""

import http.server
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SOAK = (Path(__file__).resolve().parent.parent / "roles/app/files/soak.py").read_text()
RELEASE = "20261129T140000Z-abcdef123456"
OLDER = "20261128T090000Z-000000000000"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def liveness():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.status = 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def soak(log, server, answers, release=RELEASE, max_percent=5.0):
    """Run soak.py for 0.6 s while ANSWERS ((status, release) each) are logged."""

    def traffic():
        time.sleep(0.2)
        with log.open("a") as handle:
            for status, answered_by in answers:
                handle.write(f"{time.time():.3f} {status} {answered_by}\n")

    writer = threading.Thread(target=traffic)
    writer.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/healthz"
    args = [str(log), release, url, "hello.test", "0.6", "0.2", str(max_percent), "200"]
    run = subprocess.run(
        [sys.executable, "-c", SOAK, *args], capture_output=True, text=True, check=False
    )
    writer.join()
    return run, json.loads(run.stdout)


def test_a_healthy_release_passes_and_other_releases_answers_do_not_count(tmp_path, liveness):
    log = tmp_path / "soak.log"
    log.write_text(f"{time.time() - 60:.3f} 500 {RELEASE}\n")  # before the soak: not read
    run, said = soak(log, liveness, [(200, RELEASE)] * 40 + [(502, OLDER)] * 10)
    assert run.returncode == 0, run.stderr
    assert said["answers"] == 40
    assert said["answers_5xx"] == 0
    assert said["liveness"]["failed"] == 0
    assert said["failed"] == ""
    assert run.stderr == ""


def test_too_many_5xx_fail_it_and_the_json_says_why(tmp_path, liveness):
    log = tmp_path / "soak.log"
    # nginx's own 502 (no release: the app is gone) counts against it too.
    run, said = soak(log, liveness, [(200, RELEASE)] * 18 + [(500, RELEASE), (502, "-")])
    assert run.returncode == 1
    assert said["answers"] == 20
    assert said["percent_5xx"] == 10.0
    assert said["failed"].startswith(f"soak of {RELEASE} over ")
    assert said["failed"].endswith(
        "2 of 20 answers of the release were 5xx (10.0%, over the 5.0% allowed)"
    )
    assert run.stderr.strip() == said["failed"]


def test_a_canary_is_matched_by_its_commit_on_every_host(tmp_path, liveness):
    log = tmp_path / "soak.log"
    web1, web2 = "20261129T140001Z-abcdef123456", "20261129T140002Z-abcdef123456"
    answers = [(500, web1)] * 3 + [(200, web2)] * 7
    run, said = soak(log, liveness, answers + [(500, OLDER)] * 10, release="-abcdef123456")
    assert run.returncode == 1
    assert (said["answers"], said["answers_5xx"]) == (10, 3)
    assert "3 of 10 answers of the release were 5xx (30.0%" in said["failed"]


def test_a_failing_liveness_path_fails_it_with_no_traffic_at_all(tmp_path, liveness):
    liveness.status = 503
    run, said = soak(tmp_path / "absent.log", liveness, [])
    assert run.returncode == 1
    assert said["answers"] == 0
    polls = said["liveness"]["polls"]
    assert polls >= 3
    assert said["liveness"]["failed"] == polls
    assert f"failed {polls} of {polls} polls (got {[503] * min(polls, 5)})" in said["failed"]
