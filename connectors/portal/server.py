"""The city-portal page server (python -m connectors.portal): static page, the rasa-webchat widget from our node_modules, no CDN."""
import logging
from pathlib import Path

from flask import Flask, abort, jsonify, send_file, send_from_directory

from bot.settings import ROOT, Settings

PAGE = Path(__file__).resolve().parent / "page"
WIDGET = ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"


def create_app(settings: Settings) -> Flask:
    app = Flask(__name__, static_folder=None)

    rasa = settings.rasa_url.rstrip("/")
    # The widget bundle asks Google Fonts for its font: the policy keeps every request on our own servers.
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
        f"img-src 'self' data: {rasa}; connect-src 'self' {rasa} {rasa.replace('http', 'ws', 1)}"
    )

    @app.after_request
    def keep_requests_local(response):
        response.headers["Content-Security-Policy"] = policy
        return response

    @app.get("/")
    def index():
        return send_from_directory(PAGE, "index.html")

    @app.get("/config.json")
    def config():
        # The page learns where the Rasa server is from here, so one page works on any port.
        return jsonify({"socketUrl": settings.rasa_url, "socketPath": "/socket.io/"})

    @app.get("/webchat.js")
    def webchat():
        if not WIDGET.exists():
            abort(404, "rasa-webchat is not installed: run `npm ci`")
        return send_file(WIDGET, mimetype="application/javascript", max_age=3600)

    @app.get("/static/<path:name>")
    def static_file(name: str):
        return send_from_directory(PAGE, name)

    return app


def main() -> None:
    from waitress import serve

    logging.basicConfig(level=logging.INFO)
    settings = Settings.load()
    print(f"city portal on http://127.0.0.1:{settings.portal_port}/ (Rasa at {settings.rasa_url})", flush=True)
    serve(create_app(settings), host="127.0.0.1", port=settings.portal_port, threads=4)

