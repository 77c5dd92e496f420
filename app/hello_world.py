"""The sample app deployed by this project: a Flask app with a health endpoint.

Gunicorn serves it as ``hello_world:app``; ``hello_world:create_app()`` is the
app-factory form of the same app, which the tests deploy too.
"""

from flask import Blueprint, Flask, jsonify

pages = Blueprint("pages", __name__)


@pages.get("/")
def index() -> str:
    return "Hola, mundo"


@pages.get("/healthz")
def healthz():
    """Readiness: the app imported, booted and answers requests."""
    return jsonify(status="ok")


def create_app() -> Flask:
    """App factory: a new app with the same pages."""
    factory_app = Flask(__name__)
    factory_app.register_blueprint(pages)
    return factory_app


app = Flask(__name__)
app.register_blueprint(pages)
