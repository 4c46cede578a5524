"""Load a dataset into a remote SPARQL store so that readers never see it half-loaded.

1. Stage: every named graph is written with the Graph Store HTTP Protocol
   (N-Triples; PUT for its first batch, POST for the rest) under a staging name
   ``{staging_prefix}{build_id}/{n}``. The served graphs are not touched, so a
   failure here drops the staging graphs and leaves the store as it was.
2. Switch: one SPARQL Update ``MOVE <staging> TO <graph> ; ...`` (plus
   ``DROP SILENT GRAPH`` for graphs under ``prune_prefix`` that the new dataset
   no longer has). ``MOVE`` replaces the destination, and both Oxigraph and
   Virtuoso implement it.

Atomicity of the switch: Oxigraph runs one update request in one transaction
(an operation that fails rolls back the request), so with the default single
switch request readers see the old dataset or the new one. Virtuoso 7 commits
operation by operation, so while the switch request runs readers can see some
graphs new and others old, and a failure mid-way leaves the graphs before it
switched. The switch is therefore never repeated blindly (Virtuoso's ``MOVE``
from a missing graph empties the destination): after an error answer the
staging graphs still present are listed and only those are moved (roll
forward); if that fails too, the remaining staging graphs are dropped and
`LoadError` names the graphs already switched. When the outcome is unknown (no
answer, a reset connection, a gateway's 502/504: the server may still be
moving), nothing is retried or dropped, since either could race the running
switch; `LoadError.staging_kept` says so and `RemoteStore.clear_staging()`
removes the leftovers once the server is idle. The switch waits for the server
as long as it takes unless ``switch_timeout`` is set: a MOVE of a small graph
took about 7 ms on Oxigraph and 25 ms on Virtuoso with 500-2,000 graphs.

While a load runs, the staging graphs are ordinary named graphs: queries over
``GRAPH ?g`` or a union default graph see them. Filter the staging prefix in
such queries, or load when no one reads.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from dataclasses import dataclass
from time import perf_counter

from pyoxigraph import BlankNode, DefaultGraph, Quad, RdfFormat, Triple, parse, serialize

from kg.remote import RemoteError, RemoteStore, iri

Groups = dict[str, list[Triple]]


@dataclass(frozen=True)
class LoadReport:
    build_id: str
    graphs: int
    triples: int
    pruned: tuple[str, ...]
    requests: int
    retries: int
    seconds: float


class LoadError(RemoteError):
    """A load that did not complete; ``switched`` lists graphs already replaced (Virtuoso only).

    ``staging_kept`` is true when the switch may still be running on the server.
    """

    def __init__(self, message: str, cause: BaseException | None = None, switched: Iterable[str] = (),
                 staging_kept: bool = False, build_id: str = ""):
        status = cause.status if isinstance(cause, RemoteError) else None
        url = cause.url if isinstance(cause, RemoteError) else ""
        super().__init__(message, status, url)
        self.cause = cause
        self.switched = tuple(switched)
        self.staging_kept = staging_kept
        self.build_id = build_id


def group_quads(data: bytes | Iterable[Quad], graphs: Iterable[str] | None = None) -> Groups:
    """Triples per named graph (duplicates removed), optionally only the graphs named in ``graphs``."""
    quads = parse(bytes(data), format=RdfFormat.N_QUADS) if isinstance(data, (bytes, bytearray)) else data
    wanted = None if graphs is None else set(graphs)
    groups: dict[str, dict[Triple, None]] = {}
    for quad in quads:
        name = quad.graph_name
        if isinstance(name, (DefaultGraph, BlankNode)):
            raise ValueError(f"every triple belongs in a named graph; found one in {name}: {quad.triple}")
        if wanted is None or name.value in wanted:
            groups.setdefault(name.value, {})[quad.triple] = None
    return {name: list(triples) for name, triples in groups.items()}


def _has_blank_node(triples: list[Triple]) -> bool:
    return any(isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode) for t in triples)


def chunks(triples: list[Triple], size: int) -> list[list[Triple]]:
    """Request-sized batches; a graph with blank nodes goes whole, since each request is its own bnode scope."""
    if size <= 0 or len(triples) <= size or _has_blank_node(triples):
        return [triples]
    return [triples[i:i + size] for i in range(0, len(triples), size)]


def load_dataset(store: RemoteStore, data: bytes | Iterable[Quad], graphs: Iterable[str] | None = None, *,
                 prune_prefix: str | None = None, build_id: str | None = None, batch_triples: int = 50_000,
                 switch_batch: int | None = None, switch_timeout: float | None = None) -> LoadReport:
    """Stage every graph, then switch them all in; on failure the staging graphs are dropped.

    ``prune_prefix`` makes the store match the dataset: served graphs under it that
    the dataset lacks are dropped in the switch. ``switch_batch`` splits the switch
    into requests of that many operations (default: the store's ``update_batch``;
    None there too: one request, atomic on Oxigraph).
    """
    started, sent, retried = perf_counter(), store.requests_sent, store.retries_done
    groups = group_quads(data, graphs)
    build_id = build_id or uuid.uuid4().hex[:12]
    iri(f"{store.staging_prefix}{build_id}/")  # a build id that cannot name a graph fails before any request
    plan = {final: f"{store.staging_prefix}{build_id}/{n}" for n, final in enumerate(sorted(groups))}
    try:
        for final, staging in plan.items():
            for k, batch in enumerate(chunks(groups[final], batch_triples)):
                store.put_graph(staging, serialize(batch, format=RdfFormat.N_TRIPLES), replace=k == 0)
        pruned = _pruned(store, prune_prefix, plan)
        _switch(store, plan, pruned, build_id, switch_batch, (store.timeout, switch_timeout))
    except Exception as exc:
        error = _cleaned_up(store, plan, exc)
        if error is exc:
            raise
        raise error from exc
    return LoadReport(build_id=build_id, graphs=len(plan), triples=sum(map(len, groups.values())),
                      pruned=tuple(pruned), requests=store.requests_sent - sent,
                      retries=store.retries_done - retried, seconds=perf_counter() - started)


def _pruned(store: RemoteStore, prefix: str | None, plan: dict[str, str]) -> list[str]:
    if not prefix:
        return []
    return [name for name in store.named_graphs(prefix)
            if name not in plan and not name.startswith(store.staging_prefix)]


def _cleaned_up(store: RemoteStore, plan: dict[str, str], exc: BaseException) -> LoadError:
    """Drop this load's staging graphs and say what happened, without hiding the first error."""
    if isinstance(exc, LoadError):
        error = exc
    else:
        error = LoadError(f"load failed: {getattr(exc, 'message', exc)}", exc)
    if error.staging_kept:
        error.add_note(f"staging graphs under {store.staging_prefix}{error.build_id}/ were kept; "
                       "run clear_staging() once the server is idle")
        return error
    try:
        store.drop_graphs(plan.values())
    except RemoteError as cleanup:
        error.add_note(f"staging graphs could not be dropped ({cleanup}); run clear_staging()")
    return error


def _switch(store: RemoteStore, plan: dict[str, str], pruned: list[str], build_id: str,
            switch_batch: int | None, timeout: tuple) -> None:
    """MOVE every staging graph to its name; after a failure, move only what is still staged."""
    pending = dict(plan)
    for attempt in range(store.retries + 1):
        if attempt:
            store.retries_done += 1
            time.sleep(store.backoff * 2 ** (attempt - 1))
            staged = set(store.named_graphs(f"{store.staging_prefix}{build_id}/"))
            pending = {final: staging for final, staging in pending.items() if staging in staged}
        try:
            _run_switch(store, pending, pruned, switch_batch, timeout)
            return
        except RemoteError as exc:
            switched = sorted(set(plan) - set(pending))
            if exc.maybe_applied:
                raise LoadError(f"switch outcome unknown: {exc.message}", exc, switched, staging_kept=True,
                                build_id=build_id) from exc
            if not exc.retryable or attempt == store.retries:
                switched = _switched(store, plan, build_id, switched)
                raise LoadError(f"switch failed: {exc.message}", exc, switched) from exc


def _switched(store: RemoteStore, plan: dict[str, str], build_id: str, known: list[str]) -> list[str]:
    """Graphs whose staging copy is gone (Virtuoso may have moved part of a failed request)."""
    try:
        staged = set(store.named_graphs(f"{store.staging_prefix}{build_id}/"))
    except RemoteError:
        return known
    return sorted(final for final, staging in plan.items() if staging not in staged)


def _run_switch(store: RemoteStore, pending: dict[str, str], pruned: list[str], switch_batch: int | None,
                timeout: tuple) -> None:
    ops = [(final, f"MOVE {iri(staging)} TO {iri(final)}") for final, staging in pending.items()]
    ops += [(None, f"DROP SILENT GRAPH {iri(name)}") for name in pruned]
    size = switch_batch or store.update_batch or len(ops) or 1
    for start in range(0, len(ops), size):
        batch = ops[start:start + size]
        store.update(" ;\n".join(text for _, text in batch), retry=False, timeout=timeout)
        for final, _ in batch:
            if final is not None:
                pending.pop(final, None)


def push_store(store_dir: Path, remote: RemoteStore, graph_prefix: str) -> LoadReport:
    """Put a built on-disk store into a remote SPARQL store, replacing the graphs of the previous push.

    Every graph of the build is staged first and switched in at the end (see `load_dataset`); graphs under
    `graph_prefix` that the new build no longer has are dropped in the same switch.
    """
    from pyoxigraph import Store

    return load_dataset(remote, Store.read_only(str(store_dir)), prune_prefix=graph_prefix)
