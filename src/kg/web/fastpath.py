"""The WSGI layer in front of Flask: common headers, the access log, and cached answers without Flask.

Every response leaves here with the CORS and security headers and one line on
the ``kg.web.access`` logger. A SPARQL request that the full path (Flask,
`kg.web.protocol` checks, negotiation) has already resolved once, and whose
answer is still in the response cache, is answered here directly: the cache
remembers per raw request (method, query string, body, content type, Accept)
the key it resolved to after every check passed (`AnswerCache.route`), so a
request that would be refused (400, 413, 415, 406, a redirect) never has a
route and always reaches Flask. Both paths build their headers with the same
functions below, so a cached answer looks the same whichever path serves it.
With the cache off there are no routes and every request goes through Flask.
"""
from __future__ import annotations

import io
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from kg.web.cache import Key
from kg.web.negotiation import BY_NAME
from kg.web.workers import Answer

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
#: HTTP caches may reuse a cached answer this long; afterwards they revalidate with its ETag
#: (a rebuild swapped in meanwhile is then seen within this delay).
CACHE_CONTROL = "public, max-age=60"
SPARQL_PATH = "/sparql"
#: POST bodies up to this size take part in routes; larger requests always go through Flask.
MAX_ROUTED_BODY = 8192

StartResponse = Callable[..., Any]


def answer_headers(answer: Answer) -> list[tuple[str, str]]:
    """Headers of a 200 answer to a SPARQL query (Content-Length and the static ones aside)."""
    headers = [("Content-Type", BY_NAME[answer.format].content_type), ("Vary", "Accept"),
               ("Server-Timing", f"query;dur={answer.seconds * 1000:.1f}")]
    if answer.etag:
        headers += [("ETag", answer.etag), ("Cache-Control", CACHE_CONTROL)]
    return headers


def not_modified_headers(answer: Answer) -> list[tuple[str, str]]:
    """Headers of the 304 for a cached answer (no entity headers, as Werkzeug sends it)."""
    return [("Vary", "Accept"), ("ETag", answer.etag or ""), ("Cache-Control", CACHE_CONTROL)]


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
    if method == "GET":
        return ("GET", environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT"))
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
    return ("POST", environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE", ""),
            environ.get("HTTP_ACCEPT"), body)


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
    """The access-log line of one response (time, client, request line, status, duration, size)."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    size = next((int(v) for k, v in headers if k.lower() == "content-length"), -1)
    path = "/" + environ.get("PATH_INFO", "").encode("latin1").decode(errors="replace").lstrip("/")
    query = environ.get("QUERY_STRING", "").encode("latin1").decode(errors="replace")
    outcome = environ.get("kg.outcome")
    access_log.info(
        '%s %s "%s %s" %d %.1fms %dB%s',
        _timestamp(), environ.get("REMOTE_ADDR"),
        environ.get("REQUEST_METHOD"), f"{path}?{query}".rstrip("?")[:200], int(status[:3]),
        (time.perf_counter() - started) * 1000, size, f" {outcome}" if outcome else "",
    )


class Front:
    """WSGI middleware around the Flask app (``app.wsgi_app``); see the module docstring."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], service: Any):
        self.app = app
        self.service = service
        self.answered = 0  # requests answered here without Flask

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        answer: Answer | None = None
        cache, raw, generation = self.service.cache, None, 0
        if cache is not None and environ.get("PATH_INFO") == SPARQL_PATH:
            raw = raw_key(environ)
            if raw is not None:
                self.service.follow_rebuilds()
                generation = cache.generation
                hit = cache.route(raw)
                answer = hit[1] if hit else None
        if answer is not None:
            status, headers, body = self.cached_response(environ, answer, started)
            start_response(status, headers)
            return [body] if body else []
        captured: list[Any] = []

        def finish(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not any(name.lower() == "access-control-allow-origin" for name, _ in headers):
                headers = [*headers, *STATIC_HEADERS]
            captured[:] = (status, headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, finish)
        key = environ.get("kg.cache_key")
        if raw is not None and key is not None:
            cache.remember(raw, key, generation)
        if captured:
            log_access(environ, captured[0], captured[1], started)
        return body

    def inline_hit(self, method: str, path: str, query: str, accept: str | None) -> Answer | None:
        """The cached answer of a GET that may be answered on the server's own loop, else None."""
        cache = self.service.cache
        if cache is None or method != "GET" or path != SPARQL_PATH or self.service.reload_due():
            return None
        hit = cache.route(("GET", query, accept))
        return hit[1] if hit else None

    def cached_response(self, environ: dict[str, Any], answer: Answer,
                        started: float) -> tuple[str, list[tuple[str, str]], bytes]:
        """(status, headers, body) for a cached answer, logged; a 304 if the client holds it."""
        if environ.get("REQUEST_METHOD") == "GET" and etag_matches(environ.get("HTTP_IF_NONE_MATCH"),
                                                                    answer.etag):
            status, headers, body = "304 NOT MODIFIED", not_modified_headers(answer), b""
        else:
            status, body = "200 OK", answer.body
            headers = [*answer_headers(answer), ("Content-Length", str(len(body)))]
        headers += STATIC_HEADERS
        self.answered += 1
        log_access(environ, status, headers, started)
        return status, headers, body
