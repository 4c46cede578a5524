"""The SHACL-SPARQL constraints of the shapes, run with pyoxigraph once per batch.

pyshacl evaluates a SPARQL constraint once per focus node with rdflib's
engine, re-parsing the query each time (about 0.3 s a node); here each
constraint runs once over the whole batch with ``$this`` unbound, and the
solutions are kept for the nodes the shape targets. The constraints in
`shapes/` are therefore written so that an unbound ``$this`` means the same
as a pre-bound one (``$this`` only in triple patterns and filters, no
sub-selects or BIND before it). The Core part of the shapes goes to pyshacl
without them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@dataclass(frozen=True)
class SparqlRule:
    shape: rdflib.term.Node
    constraint: rdflib.term.Node
    rule_id: str | None
    severity: str               # Info | Warning | Violation
    message: str                # may hold {?value} / {$this} placeholders
    query: str                  # with its PREFIX lines
    targets: tuple[tuple[rdflib.URIRef, rdflib.term.Node], ...]


def split_shapes(shapes: rdflib.Graph, rule_ids: dict) -> tuple[list[SparqlRule], rdflib.Graph]:
    """The SPARQL rules of `shapes`, and a copy of `shapes` without them (the Core part, for pyshacl)."""
    core = rdflib.Graph()
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace)
    for triple in shapes:
        core.add(triple)
    rules = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        core.remove((shape, SH.sparql, constraint))
        if shapes.value(constraint, SH.deactivated) == rdflib.Literal(True):
            continue
        select = shapes.value(constraint, SH.select)
        if select is None:
            raise ValueError(f"SPARQL constraint of {shape} has no sh:select")
        severity = shapes.value(constraint, SH.severity) or shapes.value(shape, SH.severity) or SH.Violation
        message = shapes.value(constraint, SH.message) or shapes.value(shape, SH.message) or ""
        targets = tuple((p, o) for p in _TARGETS for o in shapes.objects(shape, p))
        rules.append(SparqlRule(shape, constraint, rule_ids.get(constraint) or rule_ids.get(shape),
                                str(severity).rsplit("#", 1)[-1], str(message),
                                _prefixes(shapes, constraint) + str(select), targets))
    return rules, core


def flatten(core: rdflib.Graph) -> None:
    """Give each nested property shape its node shape's targets and make it top-level.

    The same constraints, evaluated once per shape over all focus nodes instead of once per focus node
    (pyshacl rebuilds a nested property shape's constraint components for every focus node).
    """
    for shape, prop in list(core.subject_objects(SH.property)):
        targets = [(p, o) for p in _TARGETS for o in core.objects(shape, p)]
        if not targets or len(set(core.subjects(SH.property, prop))) != 1:
            continue  # no targets of its own, or shared by several node shapes: left nested
        core.remove((shape, SH.property, prop))
        core.add((prop, RDF.type, SH.PropertyShape))
        for p, o in targets:
            core.add((prop, p, o))


def _prefixes(shapes: rdflib.Graph, constraint: rdflib.term.Node) -> str:
    lines = set()
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            lines.add(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(lines))


def run_rules(rules: list[SparqlRule], store: ox.Store) -> Iterator[tuple[SparqlRule, object, object]]:
    """(rule, focus node, value or None) for every violation of every rule, as pyoxigraph terms."""
    for rule in rules:
        focus = _focus_nodes(rule, store)
        solutions = store.query(rule.query, use_default_graph_as_union=True)
        names = {v.value for v in solutions.variables}
        for solution in solutions:
            this = solution["this"]
            if this is not None and this in focus:
                yield rule, this, solution["value"] if "value" in names else None


def _focus_nodes(rule: SparqlRule, store: ox.Store) -> set:
    nodes: set = set()
    for kind, value in rule.targets:
        term = ox.NamedNode(str(value)) if isinstance(value, rdflib.URIRef) else None
        if term is None:
            continue
        if kind == SH.targetClass:
            nodes.update(q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), term, None))
        elif kind == SH.targetNode:
            nodes.add(term)
        elif kind == SH.targetSubjectsOf:
            nodes.update(q.subject for q in store.quads_for_pattern(None, term, None, None))
        else:
            nodes.update(q.object for q in store.quads_for_pattern(None, term, None, None))
    return nodes


def fill_message(template: str, focus: str, value: str | None) -> str:
    text = template.replace("{$this}", focus).replace("{?this}", focus)
    return text.replace("{?value}", value or "").replace("{$value}", value or "")


def add_results(report: rdflib.Graph, results: list[tuple[SparqlRule, rdflib.term.Node, rdflib.term.Node | None, str]]) -> None:
    """The SPARQL findings added to pyshacl's sh:ValidationReport, so the Turtle report holds them all."""
    node = report.value(None, RDF.type, SH.ValidationReport)
    if node is None or not results:
        return
    report.set((node, SH.conforms, rdflib.Literal(False)))
    for rule, focus, value, message in results:
        result = rdflib.BNode()
        report.add((node, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, focus))
        report.add((result, SH.resultSeverity, SH[rule.severity]))
        report.add((result, SH.sourceShape, rule.shape))
        report.add((result, SH.sourceConstraint, rule.constraint))
        report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        report.add((result, SH.resultMessage, rdflib.Literal(message)))
        if value is not None:
            report.add((result, SH.value, value))
