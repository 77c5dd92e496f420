"""The sample app deployed by this project: a Flask app with a health endpoint.

Gunicorn serves it as ``hello_world:app``; ``hello_world:create_app()`` is the
app-factory form of the same app, which the tests deploy too.
"""

import json
import os
from pathlib import Path

from flask import Blueprint, Flask, jsonify

# Written by the deploy into each release: which release this code is.
RELEASE_FILE = Path(__file__).with_name("RELEASE.json")

pages = Blueprint("pages", __name__)


def release_id() -> str | None:
    try:
        return json.loads(RELEASE_FILE.read_text(encoding="utf-8"))["id"]
    except (OSError, ValueError, KeyError):
        return None


@pages.get("/")
def index() -> str:
    return "Hola, mundo"


@pages.get("/healthz")
def healthz():
    """Readiness: the app imported, booted and answers requests."""
    return jsonify(status="ok", release=release_id())


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
