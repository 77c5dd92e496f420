import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from worker import run

APP = Path(__file__).resolve().parent.parent


def test_run_writes_release_pid_and_beats(tmp_path):
    state_file = tmp_path / "worker.json"
    state = run(state_file, "r1", interval=0.01, beats=3)
    written = json.loads(state_file.read_text(encoding="utf-8"))
    assert written == state
    assert written["release"] == "r1"
    assert written["beats"] == 3
    assert written["stopped"] is True


def test_sigterm_stops_it_cleanly(tmp_path):
    state_file = tmp_path / "worker.json"
    code = (
        "import pathlib, worker; "
        f"worker.run(pathlib.Path({str(state_file)!r}), 'r2', interval=0.05)"
    )
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=APP)
    try:
        deadline = time.monotonic() + 10
        while not state_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert json.loads(state_file.read_text(encoding="utf-8"))["pid"] == worker.pid
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
    finally:
        worker.kill()
    final = json.loads(state_file.read_text(encoding="utf-8"))
    assert final["stopped"] is True
    assert final["release"] == "r2"
