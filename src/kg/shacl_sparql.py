"""A fast SHACL engine for the project's shapes: the shapes compiled to SPARQL and run with pyoxigraph.

pyshacl walks focus nodes one at a time in Python (tens of milliseconds an
item); here each constraint is one SPARQL query over the whole batch, and
only the few values SPARQL cannot judge exactly as pyshacl does go through
pyshacl's own per-value logic in Python. The findings (rule id, shape, path,
severity, focus node, value, message) are those `kg.validate` derives from
pyshacl's report. Shapes using features outside the compiled subset are
listed in `CompiledShapes.unsupported`; `shapes_needing_pyshacl()` gives
them to pyshacl, so that nothing is skipped silently.
"""
from __future__ import annotations

import re
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

    def run(self, store: ox.Store) -> list[tuple[Finding, tuple]]:
        """Findings of the compiled shapes with their (focus, path, value) keys as rdflib terms."""
        variant = 1 if store.query(_HAS_SUBCLASS, use_default_graph_as_union=True) else 0
        convert, out = Converter(), []
        for check in self.checks:
            solutions = store.query(check.queries[variant], use_default_graph_as_union=True)
            names = [v.value for v in solutions.variables]
            with_value = "value" in names
            for solution in solutions:
                value = solution["value"] if with_value else None
                value_r = convert(value) if value is not None else None
                if check.verify and VERIFIERS[check.verify[0]](value_r, check.verify[1]):
                    continue
                focus_r = convert(solution["this"])
                message = _fill(check.message, names, solution, convert) if check.sparql else check.message
                finding = Finding(rule_id=check.rule_id, shape=_label(check.shape),
                                  path=str(check.path) if check.path is not None else None, severity=check.severity,
                                  focus_node=_label(focus_r), value=_label(value_r) if value_r is not None else None,
                                  message=message)
                out.append((finding, (focus_r, check.path, value_r)))
        out.sort(key=lambda pair: (pair[0].rule_id or "", pair[0].focus_node, pair[0].value or ""))
        return out


def _fill(template: str, names: list[str], solution, convert) -> str:
    """{?var} / {$var} replaced by the solution's terms; an unbound ?value by nothing."""
    for name in names:
        term = solution[name]
        if term is None and name != "value":
            continue
        text = _label(convert(term)) if term is not None else ""
        template = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _: text, template)
    return template


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
