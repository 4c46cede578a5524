"""SPARQL 1.1 Protocol, query operation: read a request into a checked `SparqlRequest`.

Parameters are decoded strictly as UTF-8 (a query is never silently mangled),
exactly one ``query`` is required, any ``update`` is refused, and the graphs
named by ``default-graph-uri``/``named-graph-uri`` or by ``FROM``/``FROM NAMED``
must belong to this dataset: the server never fetches a graph from elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from flask import Request
from pyoxigraph import NamedNode

from kg.web.sparql_text import QueryInfo, inspect_query

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SparqlRequest:
    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None
    info: QueryInfo | None = None

    @property
    def has_protocol_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    pairs = []
    try:
        for part in raw.split(b"&"):
            if not part:
                continue
            name, _, value = part.partition(b"=")
            pairs.append(tuple(unquote_to_bytes(x.replace(b"+", b" ")).decode("utf-8") for x in (name, value)))
        return pairs
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {where} is not valid UTF-8 (percent-encode UTF-8 bytes)") from None


def _charset_ok(request: Request) -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset {charset!r} is not supported; send UTF-8")


def _body_text(request: Request) -> str:
    try:
        return request.get_data(cache=True).decode("utf-8", "strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the request body is not valid UTF-8") from None


def _collect(request: Request) -> tuple[list[tuple[str, str]], str | None]:
    """(parameters, query from a direct POST body)."""
    params = _pairs(request.query_string, "query string")
    if request.method != "POST":
        return params, None
    mimetype = request.mimetype
    if mimetype == UPDATE_BODY:
        raise ProtocolError(400, "this endpoint is read-only: SPARQL Update is not accepted")
    if mimetype == FORM:
        _charset_ok(request)
        return params + _pairs(request.get_data(cache=True), "form body"), None
    if mimetype == QUERY_BODY:
        _charset_ok(request)
        return params, _body_text(request)
    if not mimetype and not request.get_data(cache=True):
        return params, None
    raise ProtocolError(415, f"unsupported content type {mimetype or '(none)'}: use {FORM} or {QUERY_BODY}")


def _graph_iris(values: list[str], parameter: str) -> tuple[str, ...]:
    for value in values:
        try:
            NamedNode(value)
        except ValueError:
            raise ProtocolError(400, f"{parameter}={value!r} is not an absolute IRI") from None
    return tuple(values)


def parse_request(request: Request, max_query_bytes: int,
                  prefixes: dict[str, str] | None = None) -> SparqlRequest:
    """Checked query request (``prefixes``: predeclared ones); no query at all gives ``query=None``."""
    params, body_query = _collect(request)
    names = [name for name, _ in params]
    if "update" in names:
        raise ProtocolError(400, "this endpoint is read-only: the update parameter is not accepted")
    queries = [value for name, value in params if name == "query"]
    if body_query is not None:
        if queries:
            raise ProtocolError(400, "the query is given both in the body and as a parameter")
        queries = [body_query]
    if len(queries) > 1:
        raise ProtocolError(400, "the query parameter is repeated; send exactly one query")
    formats = [value for name, value in params if name == "format"]
    default = _graph_iris([v for n, v in params if n == "default-graph-uri"], "default-graph-uri")
    named = _graph_iris([v for n, v in params if n == "named-graph-uri"], "named-graph-uri")
    query = queries[0] if queries else None
    if query is not None:
        if len(query.encode("utf-8")) > max_query_bytes:
            raise ProtocolError(413, f"the query is larger than {max_query_bytes} bytes")
        if not query.strip():
            raise ProtocolError(400, "the query is empty")
    return SparqlRequest(query, default, named, formats[-1] if formats else None,
                         _inspect(query, prefixes) if query else None)


#: Queries longer than this are lexed afresh each time rather than remembered.
_REMEMBERED_QUERY_CHARS = 4096


def _inspect(query: str, prefixes: dict[str, str] | None) -> QueryInfo:
    """`inspect_query`, remembered for short texts: endpoints see the same queries repeatedly."""
    if len(query) > _REMEMBERED_QUERY_CHARS:
        return inspect_query(query, prefixes)
    info = _inspect_remembered(query, tuple(prefixes.items()) if prefixes else ())
    return replace(info, from_graphs=list(info.from_graphs), from_named_graphs=list(info.from_named_graphs),
                   unresolved=list(info.unresolved))


@lru_cache(maxsize=1024)
def _inspect_remembered(query: str, prefixes: tuple[tuple[str, str], ...]) -> QueryInfo:
    return inspect_query(query, dict(prefixes))


def check_query(req: SparqlRequest, is_local_graph) -> None:
    """Refuse updates, SERVICE and graphs outside this dataset (400)."""
    info = req.info
    if info is None:
        return
    if info.update_keyword:
        raise ProtocolError(400, f"this endpoint is read-only: {info.update_keyword} (SPARQL Update) "
                                 "is not accepted")
    if info.uses_service:
        raise ProtocolError(400, "SERVICE is not allowed: this endpoint does not query other endpoints")
    if info.unresolved:
        raise ProtocolError(400, f"FROM {info.unresolved[0]}: the graph IRI cannot be resolved")
    named = [*info.from_graphs, *info.from_named_graphs, *req.default_graphs, *req.named_graphs]
    for iri in named:
        if not is_local_graph(iri):
            raise ProtocolError(400, f"graph <{iri}> is not part of this dataset; "
                                     "this endpoint never fetches remote graphs")
