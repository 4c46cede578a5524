"""A fast SHACL engine for the project's shapes: the shapes compiled to SPARQL and run with pyoxigraph.

pyshacl walks focus nodes one at a time in Python (milliseconds an item);
here the constraints of shapes sharing focus nodes are merged into a few
SPARQL queries over the whole batch (`plan`), and only the few values SPARQL
cannot judge exactly as pyshacl does go through pyshacl's own per-value
logic in Python (`VERIFIERS`). The findings (rule id, shape, path,
severity, focus node, value, message) are those `kg.validate` derives from
pyshacl's report. Shapes using features outside the compiled subset are
listed in `CompiledShapes.unsupported`; `shapes_needing_pyshacl()` gives
them to pyshacl, so that nothing is skipped silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Callable

import pyoxigraph as ox
import rdflib
from pyshacl.constraints.core.string_based_constraints import StringBasedConstraintBase
from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent
from pyshacl.rdfutil.compare import compare_literal
from rdflib.namespace import RDF, RDFS, XSD

from .shacl_compile import TARGETS, Check, compile_shapes
from .validate_report import Finding

__all__ = ["CompiledShapes", "VERIFIERS"]

_XSD_STRING = str(XSD.string)
_HAS_SUBCLASS = "ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }"


class CompiledShapes:
    """Shapes ready to validate a pyoxigraph Store (all its graphs as one data graph)."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.shapes = shapes
        compiled = compile_shapes(shapes)
        self.checks: list[Check] = compiled.checks
        self.unsupported: list[str] = compiled.unsupported
        self._compiled_shapes = compiled.compiled_shapes
        self.queries: list[Query] = plan(self.checks)

    @classmethod
    def from_graph(cls, shapes: rdflib.Graph) -> "CompiledShapes":
        return cls(shapes)

    def shapes_needing_pyshacl(self) -> rdflib.Graph:
        """The shapes graph with the targets of the compiled shapes removed (empty when all compiled)."""
        rest = rdflib.Graph()
        if not self.unsupported:
            return rest
        for prefix, namespace in self.shapes.namespaces():
            rest.bind(prefix, namespace)
        for s, p, o in self.shapes:
            if not (p in TARGETS and s in self._compiled_shapes):
                rest.add((s, p, o))
        return rest

    def run(self, store: ox.Store, *, oxigraph_keys: bool = False) -> list[tuple[Finding, tuple]]:
        """Findings of the compiled shapes with their (focus, path, value) keys as rdflib terms (or, with
        `oxigraph_keys`, as the store's pyoxigraph terms, which spares converting a batch's quads to match them)."""
        variant = 1 if store.query(_HAS_SUBCLASS, use_default_graph_as_union=True) else 0
        convert, out = Converter(), []
        for query in self.queries:
            solutions = store.query(query.texts[variant], use_default_graph_as_union=True)
            names = [v.value for v in solutions.variables]
            with_value = "value" in names
            for solution in solutions:
                value = convert(solution["value"]) if with_value and solution["value"] is not None else None
                for check in _checks_of(query, solution):
                    if check.verify and VERIFIERS[check.verify[0]](value, check.verify[1]):
                        continue
                    finding, key = _finding(check, convert(solution["this"]), value, names, solution, convert)
                    if oxigraph_keys:
                        key = (solution["this"], _PATHS.setdefault(check.path, _ox_path(check.path)),
                               solution["value"] if value is not None else None)
                    out.append((finding, key))
        out.sort(key=lambda pair: (pair[0].rule_id or "", pair[0].focus_node, pair[0].value or ""))
        return out


_PATHS: dict = {}   # rdflib path -> pyoxigraph path, for `oxigraph_keys`


def _ox_path(path: rdflib.URIRef | None) -> ox.NamedNode | None:
    return ox.NamedNode(str(path)) if path is not None else None


def _checks_of(query: Query, solution) -> list[Check]:
    """The checks a solution of a merged query is a violation (or a candidate) of."""
    if query.mode == "value":
        return [query.checks[int(solution["k"].value)]]
    if query.mode == "min1":
        return [c for k, c in enumerate(query.checks) if solution[f"m{k}"].value == "true"]
    if query.mode == "max1":
        path = solution["p"].value
        return [c for c in query.checks if str(c.path) == path]
    return [query.checks[0]]


def _finding(check: Check, focus, value, names: list[str], solution, convert) -> tuple[Finding, tuple]:
    message = _fill(check.message, names, solution, convert) if check.sparql else check.message
    finding = Finding(rule_id=check.rule_id, shape=_label(check.shape),
                      path=str(check.path) if check.path is not None else None, severity=check.severity,
                      focus_node=_label(focus), value=_label(value) if value is not None else None, message=message)
    return finding, (focus, check.path, value)


def _fill(template: str, names: list[str], solution, convert) -> str:
    """{?var} / {$var} replaced by the solution's terms; an unbound ?value by nothing."""
    for name in names:
        term = solution[name]
        if term is None and name != "value":
            continue
        text = _label(convert(term)) if term is not None else ""
        template = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _: text, template)
    return template


# --------------------------------------------------------------- query plan

@dataclass(frozen=True)
class Query:
    """One SPARQL query answering several checks."""

    texts: tuple[str, str]         # without, with rdfs:subClassOf reasoning
    checks: tuple[Check, ...]
    mode: str = "single"           # how a solution names its check: single | value (?k) | min1 (?m<k>) | max1 (?p)


def plan(checks: list[Check]) -> list[Query]:
    """The checks merged into one scan per target and kind, so each focus node's triples are read once."""
    shared = _shared_paths(checks)
    groups: dict[tuple, list[Check]] = {}
    for check in checks:
        if check.kind == "count":
            kind = {(1, -1): "min1", (0, 1): "max1"}.get(check.bounds, check)
            key = (kind, check.target)
        elif check.kind == "value":
            key = ("value", check.target, check.path is None)
        else:
            key = (check,)
        groups.setdefault(key, []).append(check)
    builders = {"value": partial(_value_query, shared=shared), "min1": _min_one_query,
                "max1": partial(_max_one_query, shared=shared)}
    queries = []
    for key, members in groups.items():
        if key[0] in builders:
            queries.append(Query(tuple(builders[key[0]](members, n) for n in (0, 1)), tuple(members), key[0]))
        elif isinstance(key[0], Check) and key[0].kind == "count":
            queries.extend(Query(tuple(_count_query(m, n) for n in (0, 1)), (m,)) for m in members)
        else:
            queries.extend(Query(m.queries, (m,)) for m in members)
    return queries


def _shared_paths(checks: list[Check]) -> frozenset:
    """Paths constrained for the focus nodes of several targets (schema:name, kg:evidence).

    Oxigraph joins ``?this ?p ?value`` with the focus nodes by scanning all triples of ?p, which for such a
    path means the values of every class; a pattern naming the path, joined per focus node, reads only the
    focus nodes' own. Paths of one target keep the scan (cheaper when the target holds most of them)."""
    targets: dict[rdflib.URIRef, set] = {}
    for check in checks:
        if check.path is not None:
            targets.setdefault(check.path, set()).add(check.target)
    return frozenset(path for path, seen in targets.items() if len(seen) > 1)


def _dispatch(conditions: list[str], low: int = 0) -> str:
    """The condition of check ?k, as a balanced tree of IFs (fewer comparisons a row than a chain)."""
    if len(conditions) == 1:
        return conditions[0]
    half = len(conditions) // 2
    return (f"IF(?k < {low + half}, {_dispatch(conditions[:half], low)}, "
            f"{_dispatch(conditions[half:], low + half)})")


def _value_query(checks: list[Check], variant: int, shared: frozenset = frozenset()) -> str:
    """(?this, ?k, ?value) where ?value of check k's path may violate check k: one scan of the target's own
    paths (VALUES) and one pattern per shared path (see `_shared_paths`)."""
    dispatch = _dispatch([c.condition[variant] for c in checks])
    target = checks[0].target[variant]
    if checks[0].path is None:
        ks = " ".join(str(k) for k in range(len(checks)))
        return (f"SELECT DISTINCT ?this ?k ?value WHERE {{ {target} BIND(?this AS ?value) VALUES ?k {{ {ks} }} "
                f"FILTER({dispatch}) }}")
    own = " ".join(f"({c.path.n3()} {k})" for k, c in enumerate(checks) if c.path not in shared)
    common = " UNION ".join(f"{{ ?this {c.path.n3()} ?value . BIND({k} AS ?k) }}"
                            for k, c in enumerate(checks) if c.path in shared)
    branches = ([f"{{ {target} VALUES (?p ?k) {{ {own} }} ?this ?p ?value . }}"] if own else []) + \
               ([f"{{ {target} {{ {common} }} }}"] if common else [])
    return f"SELECT DISTINCT ?this ?k ?value WHERE {{ {' UNION '.join(branches)} FILTER({dispatch}) }}"


def _min_one_query(checks: list[Check], variant: int) -> str:
    """Focus nodes lacking a value of some path; ?m<k> tells which."""
    binds = " ".join(f"BIND(NOT EXISTS {{ ?this {c.path.n3()} ?x{k} }} AS ?m{k})" for k, c in enumerate(checks))
    missing = " || ".join(f"?m{k}" for k in range(len(checks)))
    return f"SELECT DISTINCT ?this {' '.join(f'?m{k}' for k in range(len(checks)))} WHERE {{ {checks[0].target[variant]} {binds} FILTER({missing}) }}"


def _max_one_query(checks: list[Check], variant: int, shared: frozenset = frozenset()) -> str:
    """Focus nodes with two values of some path; ?p tells which."""
    target = checks[0].target[variant]
    own = " ".join(sorted({c.path.n3() for c in checks if c.path not in shared}))
    common = " UNION ".join(f"{{ ?this {p} ?a . BIND({p} AS ?p) }}"
                            for p in sorted({c.path.n3() for c in checks if c.path in shared}))
    branches = ([f"{{ {target} VALUES ?p {{ {own} }} ?this ?p ?a . ?this ?p ?b . }}"] if own else []) + \
               ([f"{{ {target} {{ {common} }} ?this ?p ?b . }}"] if common else [])
    return f"SELECT DISTINCT ?this ?p WHERE {{ {' UNION '.join(branches)} FILTER(!sameTerm(?a, ?b)) }}"


def _count_query(check: Check, variant: int) -> str:
    low, high = check.bounds
    having = " || ".join(([f"COUNT(DISTINCT ?x) < {low}"] if low else []) +
                         ([f"COUNT(DISTINCT ?x) > {high}"] if high >= 0 else []))
    return (f"SELECT ?this WHERE {{ {check.target[variant]} OPTIONAL {{ ?this {check.path.n3()} ?x }} }} "
            f"GROUP BY ?this HAVING ({having})")


# --------------------------------------------------------------- exact value checks (pyshacl's logic)

def _datatype_ok(v, datatype) -> bool:
    if not isinstance(v, rdflib.Literal):
        return False
    actual = DatatypeConstraintComponent._assert_actual_datatype
    if v.datatype == datatype:
        return getattr(v, "ill_typed", None) is not True and actual(None, v, datatype)
    if datatype == RDFS.Literal or (datatype == RDFS.Datatype and v.datatype):
        return True
    if v.datatype is None and v.language is None and datatype == XSD.string:
        return actual(None, v, datatype)
    return datatype == RDF.langString and bool(v.language) and actual(None, v, datatype)


def _range_ok(v, param) -> bool:
    op, bound = param
    if not isinstance(v, rdflib.Literal) or isinstance(v.value, str) != isinstance(bound.value, str):
        return False
    try:
        cmp = compare_literal(v, bound)
    except (TypeError, NotImplementedError):
        return False
    return {">=": cmp >= 0, "<=": cmp <= 0, ">": cmp > 0, "<": cmp < 0}[op]


def _length_ok(v, param) -> bool:
    op, n = param
    if n == 0 and op == ">=":
        return True
    if isinstance(v, rdflib.BNode):
        return False
    length = len(StringBasedConstraintBase.value_node_to_string(v))
    return length >= n if op == ">=" else length <= n


_PATTERNS: dict[tuple[str, str], re.Pattern] = {}


def _pattern_ok(v, param) -> bool:
    if isinstance(v, rdflib.BNode):
        return False
    matcher = _PATTERNS.get(param)
    if matcher is None:
        pattern, flags = param
        re_flags = (re.I if "i" in flags.lower() else 0) | (re.M if "m" in flags.lower() else 0)
        matcher = _PATTERNS[param] = re.compile(pattern, re_flags)
    return matcher.search(StringBasedConstraintBase.value_node_to_string(v)) is not None


#: name -> (rdflib value node, parameter) -> conforms
VERIFIERS: dict[str, Callable[[rdflib.term.Node, object], bool]] = {
    "datatype": _datatype_ok, "range": _range_ok, "length": _length_ok, "pattern": _pattern_ok,
}


# --------------------------------------------------------------- terms

class Converter:
    """pyoxigraph terms -> the rdflib terms `kg.validate` builds its data graph with (IRIs cached)."""

    def __init__(self) -> None:
        self._iris: dict[str, rdflib.URIRef] = {}

    def __call__(self, term) -> rdflib.term.Node:
        if isinstance(term, ox.NamedNode):
            iri = self._iris.get(term.value)
            if iri is None:
                iri = self._iris[term.value] = rdflib.URIRef(term.value)
            return iri
        if isinstance(term, ox.Literal):
            if term.language:
                return rdflib.Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            return rdflib.Literal(term.value, datatype=None if datatype == _XSD_STRING else self(term.datatype))
        if isinstance(term, ox.BlankNode):
            return rdflib.BNode(term.value)
        raise TypeError(f"cannot convert {term!r}")


def _label(node) -> str:
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)
