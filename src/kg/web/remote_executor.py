"""Queries forwarded to a remote SPARQL 1.1 store (`kg serve --store URL`).

The endpoint keeps its own protocol checks, read-only rules, timeout, cache,
UI, entity pages and VoID in front; only evaluation moves to the remote store.
The remote's default graph must be the union of its named graphs (Virtuoso's
default; `oxigraph serve --union-default-graph`), as ours is.
"""
from __future__ import annotations

import time

import requests

from kg.remote import RemoteError, RemoteStore
from kg.web import negotiation
from kg.web.workers import Answer, Job, QueryError, QueryTimeout


def _prologue(prefixes: dict[str, str]) -> str:
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items())


class RemoteExecutor:
    def __init__(self, remote: RemoteStore):
        self.remote = remote

    def run(self, job: Job, timeout: float) -> Answer:
        results = negotiation.BY_NAME[job.results_format]
        graph = negotiation.BY_NAME[job.graph_format]
        accept = f"{results.media_type}, {graph.media_type};q=0.9"
        started = time.perf_counter()
        self.remote.timeout = timeout
        try:
            _, content_type, body = self.remote.query(_prologue(job.prefixes) + job.query, accept=accept,
                                                      default_graph_uris=job.default_graphs or (),
                                                      named_graph_uris=job.named_graphs or ())
        except RemoteError as exc:
            if isinstance(exc.__cause__, requests.Timeout):
                raise QueryTimeout(f"the remote store did not answer within {timeout:g} s") from None
            raise QueryError(f"the remote store refused the query: {exc}",
                             syntax=exc.status == 400) from None
        media = (content_type or "").split(";")[0].strip()
        name = job.graph_format if media == graph.media_type else job.results_format
        return Answer(name, body, time.perf_counter() - started)

    def close(self) -> None:
        self.remote.close()
