"""The sample app also lives on a PaaS, started as the VPS starts it.

app/Procfile (Heroku, Dokku) and app/render.yaml (Render) must name the same
start, release and worker commands, serve the WSGI target this project
deploys, run the worker the VPS runs beside Gunicorn and the job it runs on
a timer, and work: the start command, run here on a port of 127.0.0.1,
answers "Hola, mundo", the worker runs until SIGTERM stops it cleanly, and
the job writes its report. requirements.txt, for pip users and PaaS builds, must be
exactly what uv exports from uv.lock.
"""

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
TOOLS = Path(sys.executable).parent  # the tool virtualenv: gunicorn, flask, uv


def procfile():
    entries = {}
    for line in (APP / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            kind, command = line.split(":", 1)
            entries[kind.strip()] = command.strip()
    return entries


def render_service(kind="web"):
    services = yaml.safe_load((APP / "render.yaml").read_text())["services"]
    (service,) = [service for service in services if service["type"] == kind]
    return service


def deployed(name):
    return yaml.safe_load((ROOT / "group_vars/all/main.yml").read_text())[name]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_procfile_and_blueprint_run_the_same_commands():
    service = render_service()
    assert service["type"] == "web" and service["runtime"] == "python"
    assert procfile()["web"] == service["startCommand"]
    assert procfile()["release"] == service["preDeployCommand"]
    assert service["buildCommand"] == "pip install -r requirements.txt"


def test_start_command_serves_the_target_the_vps_deploys():
    argv = shlex.split(procfile()["web"])
    assert argv[0] == "gunicorn"
    assert argv[-1] == deployed("app_wsgi_target")
    binds = [arg for arg in argv if arg.startswith(("--bind", "-b"))]
    assert binds == [], "the platform's $PORT decides the bind"


def test_release_command_is_the_migration_the_vps_runs():
    hooks = yaml.safe_load((ROOT / "inventory/demo/group_vars/web.yml").read_text())["app_hooks"]
    migrations = [hook["command"] for hook in hooks if hook.get("migration")]
    assert migrations == [procfile()["release"]]


def test_worker_is_the_process_the_vps_runs_beside_gunicorn():
    worker = render_service("worker")
    assert worker["runtime"] == "python"
    assert worker["buildCommand"] == render_service()["buildCommand"]
    assert procfile()["worker"] == worker["startCommand"]
    demo = yaml.safe_load((ROOT / "inventory/demo/group_vars/web.yml").read_text())
    assert demo["app_processes"] == [{"name": "worker", "command": procfile()["worker"]}]


def test_timed_job_is_the_one_the_vps_runs_on_its_timer():
    cron = render_service("cron")
    assert cron["buildCommand"] == render_service()["buildCommand"]
    demo = yaml.safe_load((ROOT / "inventory/demo/group_vars/web.yml").read_text())
    (job,) = demo["app_schedules"]
    assert job["command"] == cron["startCommand"]
    # Every N minutes: cron's "*/N * * * *" is systemd's OnCalendar "*:0/N".
    every = re.fullmatch(r"\*/(\d+) \* \* \* \*", cron["schedule"])
    assert every and job["on_calendar"] == f"*:0/{every.group(1)}"


def test_health_check_path_is_the_deploys_gate():
    demo = yaml.safe_load((ROOT / "inventory/demo/group_vars/web.yml").read_text())
    assert render_service()["healthCheckPath"] == demo["app_health_path"]


def test_requirements_txt_is_the_lock_exported():
    exported = subprocess.run(
        [
            TOOLS / "uv",
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--format=requirements-txt",
        ],
        cwd=APP,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def pins(text):
        return [line for line in text.splitlines() if line and not line.lstrip().startswith("#")]

    assert pins((APP / "requirements.txt").read_text()) == pins(exported)
    assert {"flask", "gunicorn"} <= {pin.split("==")[0] for pin in pins(exported)}


@pytest.fixture
def app_copy(tmp_path):
    """The app as a platform checks it out: a fresh copy, no database yet."""
    copy = tmp_path / "app"
    skip = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.db")
    shutil.copytree(APP, copy, ignore=skip)
    return copy


def answers_hola_mundo(server, port):
    """Wait until the server on 127.0.0.1:port answers / with Hola, mundo."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                assert answer.status == 200
                assert answer.read().decode() == "Hola, mundo"
                return
        except OSError:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "no answer within 60 s"
            time.sleep(0.2)


def test_uv_runs_the_app_locally(app_copy, tmp_path):
    """The README's local command: uv builds the locked environment, Gunicorn serves."""
    port = free_port()
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
        "UV_CACHE_DIR": str(ROOT / "build/uv-cache"),
        # The system's CAs (behind a TLS-inspecting proxy, its CA is there too).
        "SSL_CERT_FILE": os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
    }
    argv = ["run", "--frozen", "--no-dev", "gunicorn", "--workers=4", f"--bind=127.0.0.1:{port}"]
    server = subprocess.Popen([TOOLS / "uv", *argv, "hello_world:app"], cwd=app_copy, env=env)
    try:
        answers_hola_mundo(server, port)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_release_then_start_command_answer_on_loopback(app_copy):
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}",
        "PORT": str(port),
        # Loopback only here; on the platform, $PORT alone binds 0.0.0.0.
        "GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{port}",
    }
    release = subprocess.run(
        shlex.split(procfile()["release"].replace("python", sys.executable, 1)),
        cwd=app_copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "migrated" in release.stdout
    server = subprocess.Popen(shlex.split(render_service()["startCommand"]), cwd=app_copy, env=env)
    try:
        answers_hola_mundo(server, port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_worker_command_runs_and_stops_on_sigterm(app_copy):
    """The Procfile's worker, as the platform (or systemd) starts and stops it."""
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    state = app_copy / "instance" / "worker.json"
    worker = subprocess.Popen(shlex.split(procfile()["worker"]), cwd=app_copy, env=env)
    try:
        deadline = time.monotonic() + 30
        while not state.exists():
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker wrote no state"
            time.sleep(0.1)
        worker.terminate()
        assert worker.wait(timeout=30) == 0
    finally:
        worker.kill()
    assert '"stopped": true' in state.read_text(encoding="utf-8")


def test_timed_job_command_runs_and_reports(app_copy):
    """The cron job's command, as the platform (or systemd's timer) runs it, twice."""
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    for run in (1, 2):
        job = subprocess.run(
            shlex.split(render_service("cron")["startCommand"]),
            cwd=app_copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert f"report {run} by release" in job.stdout
    report = json.loads((app_copy / "instance" / "report.json").read_text(encoding="utf-8"))
    assert report["runs"] == 2
