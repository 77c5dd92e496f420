import socket

import pytest

from hello_world import app, create_app


@pytest.fixture(params=["module app", "factory app"])
def client(request):
    flask_app = app if request.param == "module app" else create_app()
    return flask_app.test_client()


def test_index_says_hola_mundo(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Hola, mundo"


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "release": None, "scheme": "http"}


def test_unknown_path_is_404(client):
    assert client.get("/nope").status_code == 404


def test_factory_builds_a_new_app_each_time():
    assert create_app() is not create_app()


def test_healthz_names_the_release(client, tmp_path, monkeypatch):
    record = tmp_path / "RELEASE.json"
    record.write_text('{"id": "20260101T000000Z-abc"}', encoding="utf-8")
    monkeypatch.setattr("release_info.RELEASE_FILE", record)
    assert client.get("/healthz").get_json()["release"] == "20260101T000000Z-abc"


def test_trusted_hosts_refuse_other_hosts(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "hello.test, localhost")
    client = create_app().test_client()
    assert client.get("/", headers={"Host": "hello.test"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.test"}).status_code == 400


@pytest.mark.parametrize(
    ("listening", "status", "database"), [(True, 200, "reachable"), (False, 503, "unreachable")]
)
def test_healthz_checks_the_database_server(client, monkeypatch, listening, status, database):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://hello@127.0.0.1:{port}/hello")
        if not listening:
            server.close()
        response = client.get("/healthz")
    assert response.status_code == status
    assert response.get_json()["database"] == database


def test_healthz_ignores_a_database_without_a_server(client, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/hello/shared/hello.db")
    assert client.get("/healthz").get_json() == {"status": "ok", "release": None, "scheme": "http"}


def test_healthz_reports_the_scheme_the_app_sees(client):
    assert client.get("/healthz", base_url="https://localhost").get_json()["scheme"] == "https"
