"""Flask app factory and waitress server of the SPARQL endpoint.

Routes: ``/sparql`` (SPARQL 1.1 Protocol, query operation), ``/`` (query UI),
``/id/...`` (entity IRIs, see `kg.web.views_data`), ``/page/...`` and
``/data/...`` (their HTML and RDF documents), ``/.well-known/void`` and
``/dumps/<file>``. `kg.web.fastpath.Front` wraps the Flask app: it adds the
CORS and security headers, writes one line per request on the
``kg.web.access`` logger (the library never configures logging itself) and
runs repeated queries without Flask.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, g, request
from pyoxigraph import Store
from werkzeug.exceptions import HTTPException

from kg.resources import resource_dir
from kg.settings import Settings
from kg.web.fastpath import TEXT, Front, query_failure
from kg.web.inline import create_server
from kg.web.negotiation import NotAcceptable, UnknownFormat, prefers_html
from kg.web.pages import iri_filter, literal_filter
from kg.web.protocol import ProtocolError
from kg.web.service import Busy, QueryService
from kg.web.workers import QueryError, QueryTimeout


def _default_queries_dir() -> Path | None:
    try:
        return resource_dir("queries")
    except FileNotFoundError:
        return None


def create_app(settings: Settings, *, store: Store | None = None, in_process: bool = False,
               queries_dir: Path | None = None, isolate_network: bool = True) -> Flask:
    """The endpoint app. With ``store`` (e.g. in memory) queries run in-process without a timeout;
    otherwise ``settings.store`` is opened read-only by worker processes (``in_process`` opens it
    in the server process instead, for comparison)."""
    from kg.web import views_data, views_sparql

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_query_bytes * 3 + 65536
    app.config["KG_QUERIES_DIR"] = queries_dir or _default_queries_dir()
    service = QueryService(settings, store=store, in_process=in_process, isolate_network=isolate_network)
    app.extensions["kg"] = service
    app.add_template_filter(iri_filter, "iri")
    app.add_template_filter(literal_filter, "lit")
    app.register_blueprint(views_sparql.bp)
    app.register_blueprint(views_data.bp)
    _register_errors(app)
    app.wsgi_app = Front(app.wsgi_app, service)  # type: ignore[method-assign]
    return app


def _text(message: str, status: int, **headers: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status=status, headers=headers,
                    content_type=TEXT)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ProtocolError)
    def protocol_error(exc: ProtocolError) -> Response:
        return _text(exc.message, exc.status)

    @app.errorhandler(NotAcceptable)
    def not_acceptable(exc: NotAcceptable) -> Response:
        return _text(str(exc), 406, Vary="Accept")

    @app.errorhandler(UnknownFormat)
    def unknown_format(exc: UnknownFormat) -> Response:
        return _text(str(exc), 400)

    @app.errorhandler(Busy)
    @app.errorhandler(QueryTimeout)
    @app.errorhandler(QueryError)
    def query_failed(exc: Exception) -> Response:
        if isinstance(exc, QueryTimeout):
            request.environ["kg.outcome"] = "timeout"
        status, message, headers = query_failure(exc, g.get("kg_query") or "")
        return _text(message, status, **headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | HTTPException:
        if prefers_html(request.accept_mimetypes, ()):
            return exc  # browsers get Werkzeug's small HTML page
        return _text(f"{exc.code} {exc.name}: {exc.description}", exc.code or 500)


def make_server(settings: Settings, app: Flask | None = None, port: int | None = None):
    """A waitress server for the app (not yet running); ``port=0`` picks a free port.

    Cached answers are served on waitress's loop thread (`kg.web.inline`).
    """
    app = app or create_app(settings)
    front = app.wsgi_app if isinstance(app.wsgi_app, Front) else None
    return create_server(
        app, front, host=settings.host, port=settings.port if port is None else port,
        threads=settings.server_threads, ident="kg",
        max_request_body_size=settings.max_query_bytes * 3 + 65536,
    )


def serve(settings: Settings) -> None:
    """Serve until interrupted; the worker processes stop with the server."""
    app = create_app(settings)
    server = make_server(settings, app)
    try:
        server.run()
    finally:
        app.extensions["kg"].close()
