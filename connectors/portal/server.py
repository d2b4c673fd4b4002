"""The city-portal page server (python -m connectors.portal): static page, the rasa-webchat widget from our node_modules, no CDN."""
import gzip
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Tuple

from flask import Flask, Response, abort, jsonify, request, send_file, send_from_directory

from bot.media import TYPES, MediaStore
from bot.settings import ROOT, Settings

PAGE = Path(__file__).resolve().parent / "page"
WIDGET = ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"
# rasa-webchat 1.0.1 puts `@import url(https://fonts.googleapis.com/...)` into each of its style sheets. Our
# Content-Security-Policy blocks the request (rightly: no outside server learns who opens the page), which
# costs a console error each; the widget has no option to leave the font out, so we serve it without them.
FONT_IMPORT = re.compile(rb"@import url\(https://fonts\.googleapis\.com/[^)]*\);")

log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def widget_bundle(mtime_ns: int) -> Tuple[bytes, bytes]:
    """The widget bundle without the font imports, plain and gzipped (3.4 times smaller, for slow phone networks)."""
    body, removed = FONT_IMPORT.subn(b"", WIDGET.read_bytes())
    if not removed:
        log.warning("no Google-Fonts import found in %s: has rasa-webchat changed?", WIDGET)
    return body, gzip.compress(body, compresslevel=9, mtime=mtime_ns // 10**9)


def create_app(settings: Settings) -> Flask:
    app = Flask(__name__, static_folder=None)

    rasa = settings.rasa_url.rstrip("/")
    # Every request stays on our own servers: the page's, and the Rasa server's Socket.IO channel.
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

    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(PAGE, "emblem.svg", mimetype="image/svg+xml", max_age=86400)

    @app.get("/config.json")
    def config():
        # The page learns where the Rasa server is from here, so one page works on any port.
        return jsonify({"socketUrl": settings.rasa_url, "socketPath": "/socket.io/"})

    @app.get("/webchat.js")
    def webchat():
        if not WIDGET.exists():
            abort(404, "rasa-webchat is not installed: run `npm ci`")
        plain, zipped = widget_bundle(WIDGET.stat().st_mtime_ns)
        compressed = "gzip" in request.accept_encodings
        response = Response(zipped if compressed else plain, mimetype="application/javascript")
        if compressed:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        response.cache_control.public = True
        response.cache_control.max_age = 3600
        response.add_etag()
        return response.make_conditional(request)

    photos = MediaStore.from_settings(settings)

    @app.get("/media/<name>")
    def photo(name: str):
        # Read-only, by content hash: a name is unguessable and never changes; nothing lists the folder.
        path = photos.path(name)
        if path is None:
            abort(404)
        response = send_file(path, mimetype=TYPES[name.rsplit(".", 1)[1]], max_age=31536000, conditional=True)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.cache_control.private = True  # a citizen's photo: no shared cache keeps it
        response.cache_control.public = False
        response.cache_control.immutable = True
        return response

    @app.get("/static/<path:name>")
    def static_file(name: str):
        return send_from_directory(PAGE, name)

    return app


def main() -> None:
    from waitress import serve

    logging.basicConfig(level=logging.INFO)
    settings = Settings.load()
    print(f"city portal on http://127.0.0.1:{settings.portal_port}/ (Rasa at {settings.rasa_url})", flush=True)
    serve(create_app(settings), host=settings.portal_host, port=settings.portal_port, threads=4)
