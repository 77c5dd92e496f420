"""The sample app deployed by this project: a Flask app with a health endpoint.

Gunicorn serves it as ``hello_world:app``; ``hello_world:create_app()`` is the
app-factory form of the same app, which the tests deploy too.
"""

import json
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
    """App factory: a new app with the same pages."""
    factory_app = Flask(__name__)
    factory_app.register_blueprint(pages)
    return factory_app


app = Flask(__name__)
app.register_blueprint(pages)
