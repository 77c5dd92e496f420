"""The sample app deployed by this project: a Flask app with a health endpoint.

Gunicorn serves it as ``hello_world:app``; ``hello_world:create_app()`` is the
app-factory form of the same app, which the tests deploy too.
"""

import os
import socket
from urllib.parse import urlsplit

from flask import Blueprint, Flask, jsonify, request

from release_info import release_id

# Default ports of the database URL schemes a Flask app usually names.
DATABASE_PORTS = {"postgres": 5432, "postgresql": 5432, "mysql": 3306, "redis": 6379}

pages = Blueprint("pages", __name__)


@pages.get("/")
def index() -> str:
    return "Hola, mundo"


def database_reachable() -> bool | None:
    """Whether the server of DATABASE_URL accepts a TCP connection (None: no server).

    A release that cannot reach its database must not take traffic, so the
    deploy's health gate, which calls /healthz, fails for it.
    """
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    scheme = url.scheme.split("+")[0]
    if not url.hostname:
        return None
    try:
        port = url.port or DATABASE_PORTS.get(scheme)
        if port is None:
            return None
        with socket.create_connection((url.hostname, port), timeout=1):
            return True
    except (OSError, ValueError):
        return False


@pages.get("/healthz")
def healthz():
    """Readiness: the app imported, booted, answers and reaches its database.

    "scheme" is the one the app sees: "https" when the client's connection
    ended in TLS at nginx or at a load balancer in front (X-Forwarded-Proto),
    so the URLs the app builds start with https:// too.
    """
    database = database_reachable()
    if database is False:
        return jsonify(status="unavailable", release=release_id(), database="unreachable"), 503
    body = {"status": "ok", "release": release_id(), "scheme": request.scheme}
    if database:
        body["database"] = "reachable"
    return jsonify(body)


def create_app() -> Flask:
    """App factory: a new app with the pages and the settings below.

    TRUSTED_HOSTS (comma-separated, from the environment) makes the app refuse
    requests for any other Host with 400, as Flask's TRUSTED_HOSTS and
    Django's ALLOWED_HOSTS do; unset, any host is served.
    """
    new_app = Flask(__name__)
    trusted = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",")]
    if any(trusted):
        new_app.config["TRUSTED_HOSTS"] = [host for host in trusted if host]
    new_app.register_blueprint(pages)
    return new_app


app = create_app()
