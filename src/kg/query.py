"""Local SPARQL queries over a built store, for `kg query` and scripts.

The endpoint (`kg.web`) serves the same store over HTTP with timeouts and
protocol rules; this is the direct path for one process on the same machine.
"""
from __future__ import annotations

from pathlib import Path

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store, serialize

_RESULT_FORMATS = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV}
_GRAPH_FORMATS = {"json": RdfFormat.N_TRIPLES, "csv": RdfFormat.N_TRIPLES, "tsv": RdfFormat.N_TRIPLES,
                  "table": RdfFormat.TURTLE}


class QueryError(ValueError):
    """A query that cannot run: syntax error (with line:column) or an update."""


def run_query(store_path: Path, text: str, fmt: str = "table") -> str:
    """Evaluate `text` on the store (union default graph) and render it as `fmt`."""
    if not store_path.is_dir():
        raise FileNotFoundError(f"no store at {store_path}: run `kg build` first")
    store = Store.read_only(str(store_path))
    return evaluate(store, text, fmt)


def evaluate(store: Store, text: str, fmt: str = "table") -> str:
    try:
        result = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax {exc}") from None
    if isinstance(result, QueryBoolean):
        return ("true" if bool(result) else "false") + "\n"
    if isinstance(result, QuerySolutions):
        if fmt == "table":
            return _table(result)
        return result.serialize(format=_RESULT_FORMATS[fmt]).decode("utf-8")
    return serialize(list(result), format=_GRAPH_FORMATS[fmt]).decode("utf-8")


def _cell(term: object) -> str:
    if term is None:
        return ""
    return getattr(term, "value", str(term))


def _table(solutions: QuerySolutions) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[_cell(solution[name]) for name in names] for solution in solutions]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"
