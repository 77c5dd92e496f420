"""The sample app deployed by this project: a Flask app with a health endpoint."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hola, mundo"


@app.get("/healthz")
def healthz():
    """Readiness: the app imported, booted and answers requests."""
    return jsonify(status="ok")
