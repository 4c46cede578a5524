"""A client for a SPARQL 1.1 store the user already runs (Oxigraph server, Virtuoso, ...).

The graph is written with the Graph Store HTTP Protocol and switched in with
SPARQL Update (see `kg.remote_load`); it is read back with the SPARQL 1.1
Protocol. Requests that are safe to repeat are retried with exponential backoff
on connection errors and 5xx answers; a 4xx answer is raised at once with the
server's own message, since repeating it cannot help.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

import requests
from requests.auth import AuthBase, HTTPDigestAuth
from urllib3.exceptions import NewConnectionError
from pyoxigraph import Quad, RdfFormat, Triple, parse

if TYPE_CHECKING:
    from kg.remote_load import LoadReport

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
#: Graph names of a load in progress; any graph under it is a leftover of a failed or killed load.
STAGING_PREFIX = "urn:x-kg:staging:"
#: Rows asked for per page: Virtuoso cuts larger result sets at its ResultSetMaxRows (10,000 by default).
PAGE_ROWS = 5000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Answers of a proxy whose upstream may still be working on the request.
GATEWAY_STATUSES = frozenset({502, 504})
MESSAGE_CHARS = 2000
#: Operations per update request on Virtuoso, which refuses 2,000 MOVEs in one request ("SQ200: Query too large").
VIRTUOSO_UPDATE_BATCH = 250
#: Operations per request when only dropping graphs, where atomicity does not matter.
DROP_BATCH = 500

Rows = list[dict[str, str]]
Auth = AuthBase | tuple[str, str] | None


class RemoteError(Exception):
    """A request the server refused or that could not be completed."""

    def __init__(self, message: str, status: int | None = None, url: str = "", sent: bool = True):
        super().__init__(f"{message} ({status or 'no answer'} from {url})" if url else message)
        self.status = status
        self.message = message
        self.url = url
        self.sent = sent

    @property
    def maybe_applied(self) -> bool:
        """True when the server may have run (or still be running) the request despite the error."""
        return self.sent and (self.status is None or self.status in GATEWAY_STATUSES)

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRY_STATUSES


def _maybe_sent(exc: requests.RequestException) -> bool:
    """False only when no connection was made, so the server cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not (isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError))


class QueryResult(NamedTuple):
    status: int
    content_type: str
    body: bytes


def iri(value: str) -> str:
    """An IRI in SPARQL syntax; refuses characters that would break out of ``<...>``."""
    if any(ch in value for ch in '<>"{}|^`\\') or any(ord(ch) <= 0x20 for ch in value):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def sparql_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid SPARQL string literal


class RemoteStore:
    """One remote SPARQL 1.1 store: query, update and Graph Store endpoints.

    ``auth`` is given to every request: a ``(user, password)`` pair means HTTP
    Basic, any ``requests`` auth object works (Virtuoso's write endpoints want
    `HTTPDigestAuth`). ``update_batch`` caps the operations sent in one update
    request (None: no cap, so a load's switch is one request).
    """

    def __init__(self, endpoint_url: str, *, update_url: str | None = None, gsp_url: str | None = None,
                 auth: Auth = None, timeout: float = 60.0, retries: int = 3, backoff: float = 0.5,
                 staging_prefix: str = STAGING_PREFIX, update_batch: int | None = None,
                 session: requests.Session | None = None):
        self.endpoint_url = endpoint_url
        self.update_url = update_url or endpoint_url
        self.gsp_url = gsp_url
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.staging_prefix = staging_prefix
        self.update_batch = update_batch
        self.session = session or requests.Session()
        self.session.auth = auth
        self.requests_sent = 0
        self.retries_done = 0

    @classmethod
    def oxigraph(cls, base_url: str, **options) -> "RemoteStore":
        """``oxigraph serve``: /query, /update and /store."""
        base = base_url.rstrip("/")
        return cls(f"{base}/query", update_url=f"{base}/update", gsp_url=f"{base}/store", **options)

    @classmethod
    def virtuoso(cls, base_url: str, user: str, password: str, **options) -> "RemoteStore":
        """Virtuoso: reads on /sparql, writes on its digest-protected /sparql-auth and /sparql-graph-crud-auth."""
        base = base_url.rstrip("/")
        options.setdefault("update_batch", VIRTUOSO_UPDATE_BATCH)
        return cls(f"{base}/sparql", update_url=f"{base}/sparql-auth", gsp_url=f"{base}/sparql-graph-crud-auth",
                   auth=HTTPDigestAuth(user, password), **options)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- HTTP ---------------------------------------------------------------------------------

    def send(self, method: str, url: str, *, retry: bool = True, **kwargs) -> requests.Response:
        """One request, repeated on connection errors and 5xx when ``retry``; 4xx raise at once."""
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            if attempt:
                self.retries_done += 1
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return self._send_once(method, url, **kwargs)
            except RemoteError as exc:
                if not exc.retryable or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _send_once(self, method: str, url: str, **kwargs) -> requests.Response:
        self.requests_sent += 1
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise RemoteError(f"{type(exc).__name__}: {exc}", None, url, sent=_maybe_sent(exc)) from exc
        if response.status_code >= 400:
            text = response.content[:MESSAGE_CHARS].decode("utf-8", "replace").strip()
            raise RemoteError(text or response.reason or "error", response.status_code, url)
        return response

    # -- SPARQL 1.1 Protocol ------------------------------------------------------------------

    def query(self, text: str, accept: str = SPARQL_JSON, default_graph_uris: Iterable[str] = (),
              named_graph_uris: Iterable[str] = ()) -> QueryResult:
        """Forward a read query (POST form); the answer comes back as the server sent it."""
        form = [("query", text)]
        form += [("default-graph-uri", uri) for uri in default_graph_uris]
        form += [("named-graph-uri", uri) for uri in named_graph_uris]
        response = self.send("POST", self.endpoint_url, data=form, headers={"Accept": accept})
        return QueryResult(response.status_code, response.headers.get("Content-Type", ""), response.content)

    def select(self, text: str) -> Rows:
        """SELECT solutions as ``{variable: lexical value}`` rows (the shape `kg.store.stats_from` takes)."""
        body = json.loads(self.query(text, SPARQL_JSON).body)
        return [{name: term["value"] for name, term in binding.items()} for binding in body["results"]["bindings"]]

    def ask(self, text: str) -> bool:
        return bool(json.loads(self.query(text, SPARQL_JSON).body)["boolean"])

    def update(self, text: str, *, retry: bool = True, timeout: float | tuple | None = None) -> None:
        """Run a SPARQL Update (POST form); only idempotent updates should be retried."""
        self.send("POST", self.update_url, retry=retry, data={"update": text}, headers={"Accept": "*/*"},
                  timeout=timeout or self.timeout)

    def _select_pages(self, body: str, order: str) -> Iterator[dict[str, str]]:
        offset = 0
        while True:
            rows = self.select(f"{body} ORDER BY {order} LIMIT {PAGE_ROWS} OFFSET {offset}")
            yield from rows
            if len(rows) < PAGE_ROWS:
                return
            offset += PAGE_ROWS

    # -- dataset helpers ----------------------------------------------------------------------

    def named_graphs(self, prefix: str = "") -> list[str]:
        """Names of the non-empty named graphs whose IRI starts with ``prefix``."""
        body = (f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), {sparql_string(prefix)})) }}")
        return sorted(row["g"] for row in self._select_pages(body, "?g"))

    def graph_sizes(self, prefix: str = "") -> dict[str, int]:
        """Triples per named graph under ``prefix`` (VoID's void:triples per graph)."""
        body = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), {sparql_string(prefix)})) }} GROUP BY ?g")
        return {row["g"]: int(row["n"]) for row in self._select_pages(body, "?g")}

    def triples(self, prefix: str = "") -> int:
        """Triples in all named graphs under ``prefix``."""
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(STRSTARTS(STR(?g), {sparql_string(prefix)})) }}")
        return int(rows[0]["n"]) if rows else 0

    def graph(self, name: str) -> list[Triple]:
        """The triples of one named graph, fetched with a Graph Store GET."""
        response = self.send("GET", self._gsp(), params={"graph": name}, headers={"Accept": N_TRIPLES})
        media = response.headers.get("Content-Type", N_TRIPLES).split(";")[0].strip()
        fmt = RdfFormat.from_media_type(media) or RdfFormat.N_TRIPLES
        return [quad.triple for quad in parse(response.content, format=fmt)]

    def drop_graphs(self, names: Iterable[str]) -> None:
        """DROP SILENT each graph (idempotent, so retried)."""
        names = list(names)
        batch = min(self.update_batch or DROP_BATCH, DROP_BATCH)
        for start in range(0, len(names), batch):
            self.update(" ;\n".join(f"DROP SILENT GRAPH {iri(n)}" for n in names[start:start + batch]))

    def clear_graphs(self, prefix: str) -> list[str]:
        """Drop every named graph under ``prefix``; an empty prefix is refused (it would hit system graphs)."""
        if not prefix:
            raise ValueError("clear_graphs needs a non-empty prefix")
        names = self.named_graphs(prefix)
        self.drop_graphs(names)
        return names

    def clear_staging(self) -> list[str]:
        """Remove staging graphs left by loads that were killed before they could clean up."""
        return self.clear_graphs(self.staging_prefix)

    # -- Graph Store HTTP Protocol ------------------------------------------------------------

    def _gsp(self) -> str:
        if not self.gsp_url:
            raise ValueError("this RemoteStore has no Graph Store endpoint (gsp_url)")
        return self.gsp_url

    def put_graph(self, name: str, ntriples: bytes, *, replace: bool = True) -> None:
        """PUT (replace) or POST (add to) one named graph; both repeat safely for ground triples."""
        self.send("PUT" if replace else "POST", self._gsp(), params={"graph": name}, data=ntriples,
                  headers={"Content-Type": N_TRIPLES})

    def load_dataset(self, data: bytes | Iterable[Quad], graphs: Iterable[str] | None = None, *,
                     prune_prefix: str | None = None, build_id: str | None = None,
                     batch_triples: int = 50_000, switch_batch: int | None = None,
                     switch_timeout: float | None = None) -> "LoadReport":
        """Load N-Quads (or quads, or a pyoxigraph Store) graph by graph, all or nothing: see `kg.remote_load`."""
        from kg.remote_load import load_dataset

        return load_dataset(self, data, graphs, prune_prefix=prune_prefix, build_id=build_id,
                            batch_triples=batch_triples, switch_batch=switch_batch,
                            switch_timeout=switch_timeout)


def is_remote(store: object) -> bool:
    """A store setting that names a SPARQL endpoint rather than a directory."""
    return str(store).startswith(("http://", "https://"))


def remote_for(url: str, user: str | None = None, password: str | None = None, **options) -> RemoteStore:
    """The client for a store URL, by the endpoint path servers use.

    ``…/query`` is Oxigraph's server (updates on /update, Graph Store on /store);
    ``…/sparql`` with a user is Virtuoso (writes on its digest-protected endpoints);
    anything else is a plain SPARQL 1.1 endpoint that takes updates at the same URL.
    """
    trimmed = url.rstrip("/")
    if trimmed.endswith("/query"):
        return RemoteStore.oxigraph(trimmed[: -len("/query")], **options)
    if trimmed.endswith("/sparql") and user:
        return RemoteStore.virtuoso(trimmed[: -len("/sparql")], user, password or "", **options)
    return RemoteStore(url, auth=(user, password or "") if user else None, **options)
