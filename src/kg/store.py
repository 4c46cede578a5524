"""The pyoxigraph store: open, build with an atomic swap, dump, count.

A build writes into a fresh directory next to the target and only replaces the
served store when it is complete (rename the old one away, rename the new one
in, delete the old one), so a failed build never damages what is being served.
Processes that opened the old store read-only keep reading their open files
until they reopen. Dumps live inside the store directory (``<store>/dumps/``)
so they always describe the data they sit next to.
"""
from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse, serialize

from kg.vocab import EXTERNAL_PREFIXES

DUMPS_DIR = "dumps"
NQUADS_DUMP = "kg.nq.gz"
TRIG_DUMP = "kg.trig"
#: gzip level 1: a third of the time of level 6 for a dump a few percent larger.
DUMP_COMPRESSLEVEL = 1

#: The counts VoID publishes; the default graph is empty by design, so GRAPH ?g sees everything.
STATS_QUERIES = {
    "graphs": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "classes": "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c",
    "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
}


def open_store(path: Path | str, read_only: bool = True) -> Store:
    """Open an on-disk store; read-only by default, as the server wants it."""
    path = Path(path)
    if read_only:
        if not path.is_dir():
            raise FileNotFoundError(f"no store at {path}: run `kg build` first")
        return Store.read_only(str(path))
    return Store(str(path))


def memory_store(quads: Iterable[Quad] = ()) -> Store:
    """An in-memory store (tests, small graphs)."""
    store = Store()
    store.extend(quads)
    return store


def load_quads(store: Store, quads: Iterable[Quad], bulk: bool = True) -> None:
    """Add quads; the bulk loader is not transactional, which is fine for a fresh build directory."""
    if bulk:
        store.bulk_extend(quads)
    else:
        store.extend(quads)


def load_file(store: Store, path: Path | str, base_iri: str | None = None) -> None:
    """Load an RDF file (format from its extension) into the store."""
    store.load(path=str(path), base_iri=base_iri)


def write_dumps(store: Store, dumps_dir: Path | str, prefixes: dict[str, str] | None = None) -> list[Path]:
    """Write the whole dataset as gzipped N-Quads and as TriG; returns the files written."""
    dumps_dir = Path(dumps_dir)
    dumps_dir.mkdir(parents=True, exist_ok=True)
    nquads = dumps_dir / NQUADS_DUMP
    with gzip.open(nquads, "wb", compresslevel=DUMP_COMPRESSLEVEL) as out:
        store.dump(out, RdfFormat.N_QUADS)
    # Reading the on-disk store is the slow part of a dump: the TriG is serialized from the N-Quads
    # just written (same quads, same order, same bytes as a second store dump) at a third of the cost.
    trig = dumps_dir / TRIG_DUMP
    with gzip.open(nquads, "rb") as source, trig.open("wb") as out:
        serialize(parse(source, format=RdfFormat.N_QUADS), out, format=RdfFormat.TRIG, prefixes=prefixes)
    return [nquads, trig]


def dump_chunk(quads: list[Quad], prefixes: dict[str, str]) -> tuple[bytes, bytes, bytes]:
    """One batch's N-Quads (for the store's bulk load) and its share of the dumps: the same N-Quads as a
    gzip member, and a TriG document.

    Made where the batch is made (a build's worker process), so the parent only appends bytes: gzip
    members concatenate into one valid gzip file, and TriG documents into one TriG document (prefix
    directives may repeat; a graph may appear in several blocks). The dumps hold no blank nodes.
    Sorted by graph and subject so that TriG groups each subject's statements."""
    quads = sorted(quads, key=lambda q: (q.graph_name.value, q.subject.value))
    nquads = serialize(quads, format=RdfFormat.N_QUADS) if quads else b""
    trig = serialize(quads, format=RdfFormat.TRIG, prefixes=prefixes) if quads else b""
    return nquads, gzip.compress(nquads, compresslevel=DUMP_COMPRESSLEVEL, mtime=0), trig


class DumpWriter:
    """Writes ``kg.nq.gz`` and ``kg.trig`` chunk by chunk while a build runs, instead of reading the whole
    store back at the end (that read-back was the slowest part of a large build's tail)."""

    def __init__(self, dumps_dir: Path | str, prefixes: dict[str, str]):
        self.dir = Path(dumps_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.prefixes = prefixes
        self._nquads = (self.dir / NQUADS_DUMP).open("wb")
        self._trig = (self.dir / TRIG_DUMP).open("wb")

    def add_chunk(self, nquads_gz: bytes, trig: bytes) -> None:
        self._nquads.write(nquads_gz)
        self._trig.write(trig)

    def add_quads(self, quads: list[Quad]) -> None:
        if quads:
            self.add_chunk(*dump_chunk(quads, self.prefixes)[1:])

    def close(self) -> list[Path]:
        for handle in (self._nquads, self._trig):
            handle.close()
        return [self.dir / NQUADS_DUMP, self.dir / TRIG_DUMP]

    def __enter__(self) -> "DumpWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class StoreStats:
    """What VoID says about the dataset."""

    triples: int
    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    properties: int = 0
    entities: int = 0


Rows = list[dict[str, str]]


def stats_from(select: Callable[[str], Rows]) -> StoreStats:
    """Stats computed by any SELECT runner (a store here, the query workers in the server)."""
    graphs = {row["g"]: int(row["n"]) for row in select(STATS_QUERIES["graphs"])}
    classes = {row["c"]: int(row["n"]) for row in select(STATS_QUERIES["classes"])}
    first = {name: select(STATS_QUERIES[name]) for name in ("properties", "entities")}
    return StoreStats(
        triples=sum(graphs.values()),
        graphs=graphs,
        classes=classes,
        properties=int(first["properties"][0]["n"]) if first["properties"] else 0,
        entities=int(first["entities"][0]["n"]) if first["entities"] else 0,
    )


def store_stats(store: Store) -> StoreStats:
    """Triples per named graph and instances per class (the default graph is empty by design)."""

    def select(query: str) -> Rows:
        return [{v.value: row[v].value for v in solutions.variables if row[v] is not None}
                for solutions in [store.query(query)] for row in solutions]

    return stats_from(select)


def named_graphs(store: Store) -> list[str]:
    return sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))


class StoreBuilder:
    """Build a store next to ``target`` and swap it in on success.

    ``with StoreBuilder(path) as builder: load_quads(builder.store, quads)``; an
    exception inside the block deletes the half-built directory and leaves
    ``target`` untouched.
    """

    def __init__(self, target: Path | str, dumps: bool = True, prefixes: dict[str, str] | None = None):
        self.target = Path(target)
        self.dumps = dumps
        self.prefixes = EXTERNAL_PREFIXES if prefixes is None else prefixes
        tag = f"{os.getpid()}"
        self.new_dir = self.target.with_name(f".{self.target.name}.new-{tag}")
        self.old_dir = self.target.with_name(f".{self.target.name}.old-{tag}")
        self.store: Store | None = None
        self.sealed = False

    def __enter__(self) -> "StoreBuilder":
        if self.new_dir.exists():
            shutil.rmtree(self.new_dir)
        self.new_dir.parent.mkdir(parents=True, exist_ok=True)
        self.store = Store(str(self.new_dir))
        self.sealed = False
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self._finish()
        finally:
            self.store = None
            if self.new_dir.exists():
                shutil.rmtree(self.new_dir, ignore_errors=True)

    def seal(self) -> None:
        """Flush, compact and dump the new store; call it inside the block to time it or to add files
        after the dumps (the swap on exit seals a store that is not sealed yet)."""
        assert self.store is not None
        if self.sealed:
            return
        self.store.flush()
        self.store.optimize()
        if self.dumps:
            write_dumps(self.store, self.new_dir / DUMPS_DIR, self.prefixes)
        self.sealed = True

    def _finish(self) -> None:
        self.seal()
        self.store = None  # closes the database before the directory moves
        swap_in(self.new_dir, self.target, self.old_dir)


def swap_in(new_dir: Path, target: Path, old_dir: Path) -> None:
    """Replace ``target`` by ``new_dir`` with two renames; the old copy is removed last."""
    if old_dir.exists():
        shutil.rmtree(old_dir)
    had_old = target.exists()
    if had_old:
        os.rename(target, old_dir)
    try:
        os.rename(new_dir, target)
    except OSError:
        if had_old:
            os.rename(old_dir, target)
        raise
    if had_old:
        shutil.rmtree(old_dir, ignore_errors=True)


def build_store(target: Path | str, quads: Iterable[Quad], dumps: bool = True,
                prefixes: dict[str, str] | None = None) -> StoreStats:
    """Build ``target`` from ``quads`` in one go (bulk load, dumps, swap) and return its stats."""
    with StoreBuilder(target, dumps=dumps, prefixes=prefixes) as builder:
        assert builder.store is not None
        load_quads(builder.store, quads)
        stats = store_stats(builder.store)
    return stats
