"""The WSGI layer in front of Flask: common headers, the access log, and known queries without Flask.

Every response leaves here with the CORS and security headers and one line on
the ``kg.web.access`` logger. A SPARQL request that the full path (Flask,
`kg.web.protocol` checks, negotiation) has already resolved once is run here
directly: the service remembers per raw request (method, query string, body,
content type, Accept) the job it resolved to after every check passed
(`kg.web.cache.Routes`), and `Front` hands that job straight to the query
service, which answers from the cache or runs it (with the cache off too). A
request that would be refused (400, 413, 415, 406, a redirect) never has a
route and always reaches Flask. Both paths build their answers and query
failures (busy, timeout, query error) with the same functions below, so a
response looks the same whichever path serves it.
"""
from __future__ import annotations

import io
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from werkzeug.http import HTTP_STATUS_CODES

from kg.web.cache import Key
from kg.web.negotiation import BY_NAME
from kg.web.service import Busy
from kg.web.sparql_text import syntax_error_message
from kg.web.workers import Answer, Job, QueryError, QueryTimeout

access_log = logging.getLogger("kg.web.access")
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}
#: Pages load nothing from elsewhere (no CDN), so the policy can be strict.
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
}
STATIC_HEADERS = [*CORS.items(), *SECURITY.items()]
SPARQL_PATH = "/sparql"
#: Query strings and POST bodies up to this size take part in routes; larger ones always go through Flask.
MAX_ROUTED_BODY = 8192
RETRY_AFTER_SECONDS = 2
TEXT = "text/plain; charset=utf-8"

StartResponse = Callable[..., Any]


def answer_headers(answer: Answer, caching: str) -> list[tuple[str, str]]:
    """Headers of a 200 answer to a SPARQL query (Content-Length and the static ones aside);
    ``caching`` is the Cache-Control value sent with answers that have an ETag."""
    headers = [("Content-Type", BY_NAME[answer.format].content_type), ("Vary", "Accept"),
               ("Server-Timing", f"query;dur={answer.seconds * 1000:.1f}")]
    if answer.etag:
        headers += [("ETag", answer.etag), ("Cache-Control", caching)]
    return headers


def query_failure(exc: Exception, query: str) -> tuple[int, str, dict[str, str]]:
    """(status, message, extra headers) for a query the service could not answer (`Busy`,
    `QueryTimeout`, `QueryError`); the Flask error handlers and `Front` both answer with it."""
    if isinstance(exc, Busy):
        return 503, str(exc), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if isinstance(exc, QueryTimeout):
        return 503, (f"{exc}: the query ran longer than this endpoint allows. "
                     "Add a LIMIT or more specific patterns."), {}
    if isinstance(exc, QueryError) and exc.syntax:
        return 400, syntax_error_message(query, str(exc)), {}
    return 500, str(exc), {}


def not_modified_headers(answer: Answer, caching: str) -> list[tuple[str, str]]:
    """Headers of the 304 for a cached answer (no entity headers, as Werkzeug sends it)."""
    return [("Vary", "Accept"), ("ETag", answer.etag or ""), ("Cache-Control", caching)]


def etag_matches(if_none_match: str | None, etag: str | None) -> bool:
    """Weak comparison of If-None-Match against ``etag`` (RFC 9110 13.1.2)."""
    if not if_none_match or not etag:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def raw_key(environ: dict[str, Any]) -> Key | None:
    """What the full path's decision depends on, or None when the request cannot be routed.

    A POST body is read here and put back as a fresh stream, so Flask still sees it.
    """
    method = environ.get("REQUEST_METHOD")
    query = environ.get("QUERY_STRING", "")
    if len(query) > MAX_ROUTED_BODY:
        return None
    if method == "GET":
        return ("GET", query, environ.get("HTTP_ACCEPT"))
    if method != "POST":
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 <= length <= MAX_ROUTED_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return ("POST", query, environ.get("CONTENT_TYPE", ""),
            environ.get("HTTP_ACCEPT"), body)


_ACCESS_LINE = '%s %s "%s %s" %d %.1fms %dB%s'
_second: tuple[int, str] = (0, "")


def _timestamp() -> str:
    """``datetime.now(timezone.utc).isoformat(timespec="milliseconds")``, formatted once a second."""
    global _second
    now = time.time()
    second = int(now)
    if _second[0] != second:
        _second = (second, datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_second[1]}.{int((now - second) * 1000):03d}+00:00"


def log_access(environ: dict[str, Any], status: str, headers: list[tuple[str, str]], started: float) -> None:
    """The access-log line of one response (time, client, request line, status, duration, size).

    The record is made and handled directly: `Logger.info` would also walk the stack for the
    caller (the same every time), a sizeable share of a light query's cost in this process.
    """
    if not access_log.isEnabledFor(logging.INFO):
        return
    size = next((int(v) for k, v in headers if k.lower() == "content-length"), -1)
    path = "/" + environ.get("PATH_INFO", "").encode("latin1").decode(errors="replace").lstrip("/")
    query = environ.get("QUERY_STRING", "").encode("latin1").decode(errors="replace")
    outcome = environ.get("kg.outcome")
    args = (_timestamp(), environ.get("REMOTE_ADDR"),
            environ.get("REQUEST_METHOD"), f"{path}?{query}".rstrip("?")[:200], int(status[:3]),
            (time.perf_counter() - started) * 1000, size, f" {outcome}" if outcome else "")
    access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, _ACCESS_LINE, args,
                                            None, "log_access"))


class Front:
    """WSGI middleware around the Flask app (``app.wsgi_app``); see the module docstring."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], service: Any):
        self.app = app
        self.service = service
        self.answered = 0  # requests answered here without Flask

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        raw, generation = None, 0
        if environ.get("PATH_INFO") == SPARQL_PATH:
            raw = raw_key(environ)
            if raw is not None:
                self.service.follow_rebuilds()
                generation = self.service.routes.generation
                job = self.service.routes.get(raw)
                reply = self.dispatch(environ, job, started) if job is not None else None
                if reply is not None:
                    start_response(reply[0], reply[1])
                    return [reply[2]] if reply[2] else []
        captured: list[Any] = []

        def finish(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not any(name.lower() == "access-control-allow-origin" for name, _ in headers):
                headers = [*headers, *STATIC_HEADERS]
            captured[:] = (status, headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, finish)
        job = environ.get("kg.job")
        if raw is not None and job is not None:
            self.service.routes.remember(raw, job, generation)
        if captured:
            log_access(environ, captured[0], captured[1], started)
        return body

    def dispatch(self, environ: dict[str, Any], job: Job,
                 started: float) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """(status, headers, body) of a routed job run by the service, as the Flask view would answer;
        None (Flask takes over) for any failure other than the service's own."""
        try:
            answer = self.service.run(job)
        except (Busy, QueryTimeout, QueryError) as exc:
            code, message, extra = query_failure(exc, job.query)
            if isinstance(exc, QueryTimeout):
                environ["kg.outcome"] = "timeout"
            body = (message.rstrip("\n") + "\n").encode("utf-8")
            headers = [*extra.items(), ("Content-Type", TEXT), ("Content-Length", str(len(body))),
                       *STATIC_HEADERS]
            status = f"{code} {HTTP_STATUS_CODES[code].upper()}"
            self.answered += 1
            log_access(environ, status, headers, started)
            return status, headers, body
        except Exception:  # noqa: BLE001 - unexpected: the full path answers (and reports) it its way
            return None
        return self.cached_response(environ, answer, started)

    def inline_hit(self, method: str, path: str, query: str, accept: str | None) -> Answer | None:
        """The cached answer of a GET that may be answered on the server's own loop, else None."""
        cache = self.service.cache
        if cache is None or method != "GET" or path != SPARQL_PATH or self.service.reload_due():
            return None
        job = self.service.routes.get(("GET", query, accept))
        return cache.get(job) if job is not None else None

    def cached_response(self, environ: dict[str, Any], answer: Answer,
                        started: float) -> tuple[str, list[tuple[str, str]], bytes]:
        """(status, headers, body) for an answer, logged; a 304 if the client holds it (cached ones)."""
        caching = self.service.cache_control
        if environ.get("REQUEST_METHOD") == "GET" and etag_matches(environ.get("HTTP_IF_NONE_MATCH"),
                                                                    answer.etag):
            status, headers, body = "304 NOT MODIFIED", not_modified_headers(answer, caching), b""
        else:
            status, body = "200 OK", answer.body
            headers = [*answer_headers(answer, caching), ("Content-Length", str(len(body)))]
        headers += STATIC_HEADERS
        self.answered += 1
        log_access(environ, status, headers, started)
        return status, headers, body
