"""SHACL validation of mapped items (in batches) and of stewards' own files.

Items are validated ~1,000 at a time (the data graph of a batch holds its
item graphs and the reference triples they point to), so the cost stays
linear in the corpus. The Core shapes go to pyshacl, their nested property
shapes lifted to top level with the same targets (evaluated once per shape,
not once per focus node); the SHACL-SPARQL constraints run once per batch in
pyoxigraph (kg.validate_sparql). Each finding is traced back to the items
that state it. The publication-date rule (BUL-009) compares with the build
date the validator is given (default: today), so a rerun with the same date
gives the same verdicts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import DCTERMS, RDF, SH, XSD

from .map import MappedItem
from .resources import resource_dir
from .settings import DEFAULTS, Settings
from .vocab import SCHEMA, load_rdflib
from .shacl_sparql import CompiledShapes, Converter
from .validate_report import Finding, Report, SEVERITIES, severity_rank
from .validate_sparql import add_results, fill_message, flatten, run_rules, split_shapes

__all__ = ["Finding", "ItemVerdict", "Report", "ValidationInputError", "Validator", "validate_graph", "SEVERITIES"]

_FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".trig": "trig", ".nq": "nquads",
            ".nquads": "nquads", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml",
            ".xml": "xml", ".n3": "n3"}
_QUAD_FORMATS = {"trig", "nquads", "json-ld"}


class ValidationInputError(ValueError):
    """The data to validate could not be read; the message is one line."""


@dataclass(frozen=True)
class ItemVerdict:
    item_slug: str
    conforms: bool
    results: list[Finding] = field(default_factory=list)


class Validator:
    """The shapes of shapes/ (rebased to `base_iri`), ready to validate batches of items or whole graphs."""

    def __init__(self, shapes_dir: Path | None = None, *, base_iri: str = DEFAULTS.base_iri,
                 build_date: date | None = None, batch_size: int = DEFAULTS.validation_batch,
                 fail_on: str = "Violation", engine: str = DEFAULTS.validation_engine) -> None:
        if engine not in ("sparql", "pyshacl"):
            raise ValueError(f"unknown validation engine {engine!r} (sparql or pyshacl)")
        self.shapes_dir = shapes_dir or resource_dir("shapes")
        self.base_iri = base_iri
        self.build_date = build_date or date.today()
        self.batch_size = max(1, batch_size)
        self.fail_on = _check_severity(fail_on)
        self.shapes = load_rdflib(sorted(self.shapes_dir.glob("*.ttl")), base_iri)
        self._set_build_date()
        self.rule_ids = _rule_ids(self.shapes)
        self.rules, self.core_shapes = split_shapes(self.shapes, self.rule_ids)
        flatten(self.core_shapes)
        compiled = CompiledShapes.from_graph(self.shapes) if engine == "sparql" else None
        # All or nothing: a shape the compiler cannot handle sends every batch to pyshacl.
        self.compiled = compiled if compiled is not None and not compiled.unsupported else None

    @classmethod
    def from_settings(cls, settings: Settings, build_date: date | None = None, **kwargs: Any) -> "Validator":
        return cls(base_iri=settings.base_iri, build_date=build_date or settings.build_date,
                   batch_size=settings.validation_batch, engine=settings.validation_engine, **kwargs)

    def _set_build_date(self) -> None:
        """The latest allowed publication date (BUL-009) is the build date, not the date in the file."""
        path = rdflib.URIRef(SCHEMA.datePublished.value)
        for shape in list(self.shapes.subjects(SH.maxInclusive, None)):
            if (shape, SH.path, path) in self.shapes:
                self.shapes.set((shape, SH.maxInclusive, rdflib.Literal(self.build_date.isoformat(), datatype=XSD.date)))

    # ------------------------------------------------------------------ items

    def validate_items(self, items: list[MappedItem]) -> list[ItemVerdict]:
        """One verdict per item, in input order."""
        verdicts: list[ItemVerdict] = []
        for start in range(0, len(items), self.batch_size):
            verdicts.extend(self._validate_batch(items[start:start + self.batch_size]))
        return verdicts

    def _validate_batch(self, batch: list[MappedItem]) -> list[ItemVerdict]:
        """Nodes shared by items (countries, organizations, courses named alike) are checked with all the
        facts the batch holds about them, as the store will hold them; a finding with a value goes to the
        items that state that value, one without (a missing property) to every item describing the node."""
        store, reference = _load(batch)
        if self.compiled is not None:  # pyoxigraph terms throughout, no rdflib graph
            keyed = self.compiled.run(store, oxigraph_keys=True)
            return self._attribute(batch, keyed, _Holders.from_store(batch, store, reference, keyed))
        convert = Converter()
        stated = [{(convert(q.subject), convert(q.predicate), convert(q.object)) for q in item.quads + item.reference}
                  for item in batch]
        data = rdflib.Graph()
        for triples in stated:
            for triple in triples:
                data.add(triple)
        keyed = self._run(data, store)
        return self._attribute(batch, keyed, _Holders.from_triples(stated, keyed))

    def _attribute(self, batch: list[MappedItem], keyed: list[tuple[Finding, tuple]],
                   holders: "_Holders") -> list[ItemVerdict]:
        """Each finding to the items that state its (focus, path, value), else to every item describing the focus."""
        everyone = range(len(batch))
        findings: list[list[Finding]] = [[] for _ in batch]
        for finding, key in keyed:
            exact = holders.stating.get(key) if key[2] is not None else None
            for n in exact or holders.describing.get(key[0], everyone):
                findings[n].append(finding)
        return [ItemVerdict(item.item_slug, not any(self._fails(f) for f in found), found)
                for item, found in zip(batch, findings)]

    def _fails(self, finding: Finding) -> bool:
        return severity_rank(finding.severity) >= severity_rank(self.fail_on)

    def _run(self, data: rdflib.Graph, store: ox.Store, results: list | None = None) -> list[tuple[Finding, tuple]]:
        """Core shapes through pyshacl, SPARQL constraints through pyoxigraph; findings with their keys."""
        _, graph, text = pyshacl.validate(data, shacl_graph=self.core_shapes, inference="none", advanced=True,
                                          allow_warnings=True, meta_shacl=False)
        if not isinstance(graph, rdflib.Graph):  # pyshacl reports a broken shape instead of raising
            raise ValueError(f"SHACL validation failed: {text}")
        out = [_finding(graph, result, self.rule_ids) for result in graph.subjects(RDF.type, SH.ValidationResult)]
        out.extend(self._run_sparql(store, graph))
        if results is not None:
            results.append(graph)
        out.sort(key=lambda pair: (pair[0].rule_id or "", pair[0].focus_node, pair[0].value or ""))
        return out

    def _run_sparql(self, store: ox.Store, report: rdflib.Graph) -> list[tuple[Finding, tuple]]:
        convert, out, added = Converter(), [], []
        for rule, focus, value in run_rules(self.rules, store):
            focus_r, value_r = convert(focus), convert(value) if value is not None else None
            message = fill_message(rule.message, _label(focus_r), _label(value_r) if value_r is not None else None)
            finding = Finding(rule_id=rule.rule_id, shape=_label(rule.shape), path=None, severity=rule.severity,
                              focus_node=_label(focus_r), value=_label(value_r) if value_r is not None else None,
                              message=message)
            out.append((finding, (focus_r, None, value_r)))
            added.append((rule, focus_r, value_r, message))
        add_results(report, added)
        return out

    # ------------------------------------------------------------------ graphs

    def validate_graph(self, source: Any, *, max_results: int | None = None, max_per_shape: int | None = None,
                       fail_on: str | None = None) -> Report:
        """A report on a steward's file (Turtle, TriG, N-Quads, ...), a pyoxigraph Store or an rdflib graph."""
        data = load_data(source)
        store = ox.Store()
        if len(data):
            store.load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
        holder: list[rdflib.Graph] = []
        findings = [finding for finding, _ in self._run(data, store, holder)]
        return Report(findings=findings, targets=self._targets(data), fail_on=_check_severity(fail_on or self.fail_on),
                      max_results=max_results, max_per_shape=max_per_shape, results_graph=holder[0])

    def _targets(self, data: rdflib.Graph) -> dict[str, int]:
        """Focus nodes each node shape targets, so that a shape matching nothing shows up."""
        counts: dict[str, int] = {}
        for shape in set(self.shapes.subjects(RDF.type, SH.NodeShape)):
            nodes: set = set()
            for target in self.shapes.objects(shape, SH.targetClass):
                nodes.update(data.subjects(RDF.type, target))
            for target in self.shapes.objects(shape, SH.targetNode):
                nodes.add(target)
            for target in self.shapes.objects(shape, SH.targetSubjectsOf):
                nodes.update(data.subjects(target, None))
            for target in self.shapes.objects(shape, SH.targetObjectsOf):
                nodes.update(data.objects(None, target))
            counts[self.rule_ids.get(shape) or str(shape)] = len(nodes)
        return dict(sorted(counts.items()))


def validate_graph(source: Any, shapes_dir: Path | None = None, *, base_iri: str = DEFAULTS.base_iri,
                   build_date: date | None = None, max_results: int | None = None,
                   max_per_shape: int | None = None, fail_on: str = "Violation") -> Report:
    """Validate one file or graph with the shapes of `shapes_dir` (default: the project's)."""
    validator = Validator(shapes_dir, base_iri=base_iri, build_date=build_date, fail_on=fail_on)
    return validator.validate_graph(source, max_results=max_results, max_per_shape=max_per_shape)


def _load(batch: list[MappedItem]) -> tuple[ox.Store, dict[int, ox.Quad]]:
    """The batch's quads in an in-memory store, and its reference quad objects by id.

    Items share reference quads (the mapper hands out the same Quad objects for a country, an
    organization...): each object is loaded once, found by identity, which costs no hashing of terms;
    quads equal but not identical are merged by the store itself."""
    store = ox.Store()
    reference: dict[int, ox.Quad] = {}
    for item in batch:
        reference.update(zip(map(id, item.reference), item.reference))
    store.extend(chain(chain.from_iterable(item.quads for item in batch), reference.values()))
    return store, reference


@dataclass
class _Holders:
    """Which items of a batch describe a finding's focus node (a triple with it as subject) and which state
    its (focus, path, value) triple; only for the focus nodes of the findings, so a batch without findings
    costs nothing and one with a few costs a lookup per quad instead of a triple set per item."""

    describing: dict[object, set[int]] = field(default_factory=dict)
    stating: dict[tuple, set[int]] = field(default_factory=dict)

    def add(self, n: int, s, p, o) -> None:
        self.describing.setdefault(s, set()).add(n)
        self.stating.setdefault((s, p, o), set()).add(n)

    @classmethod
    def from_store(cls, batch: list[MappedItem], store: ox.Store, reference: dict[int, ox.Quad],
                   keyed: list[tuple[Finding, tuple]]) -> "_Holders":
        """pyoxigraph keys: the store's quads about the focus nodes, looked up in each item's own quads and,
        by identity, among its shared reference quad objects (`reference`, from `_load`)."""
        wanted: set[ox.Quad] = set()
        for focus in {key[0] for _, key in keyed}:
            if isinstance(focus, (ox.NamedNode, ox.BlankNode)):
                wanted.update(store.quads_for_pattern(focus, None, None, None))
        holders = cls()
        if not wanted:
            return holders
        shared = {ident for ident, q in reference.items() if q in wanted}
        for n, item in enumerate(batch):
            hits = [q for q in item.quads if q in wanted] if not wanted.isdisjoint(item.quads) else []
            if shared and not shared.isdisjoint(map(id, item.reference)):
                hits.extend(q for q in item.reference if id(q) in shared)
            for q in hits:
                holders.add(n, q.subject, q.predicate, q.object)
        return holders

    @classmethod
    def from_triples(cls, stated: list[set[tuple]], keyed: list[tuple[Finding, tuple]]) -> "_Holders":
        """rdflib keys: the items' own triple sets."""
        focus_nodes = {key[0] for _, key in keyed}
        holders = cls()
        for n, triples in enumerate(stated):
            for s, p, o in triples:
                if s in focus_nodes:
                    holders.add(n, s, p, o)
        return holders


# ---------------------------------------------------------------------- helpers

def _check_severity(name: str) -> str:
    if name not in SEVERITIES:
        raise ValueError(f"unknown severity {name!r} (one of {', '.join(SEVERITIES)})")
    return name


def _rule_ids(shapes: rdflib.Graph) -> dict[rdflib.term.Node, str]:
    return {s: str(o) for s, o in shapes.subject_objects(DCTERMS.identifier)}


def _finding(graph: rdflib.Graph, result, rule_ids: dict) -> tuple[Finding, tuple]:
    def one(prop):
        return graph.value(result, prop)

    shape, constraint = one(SH.sourceShape), one(SH.sourceConstraint)
    rule = rule_ids.get(constraint) or rule_ids.get(shape)
    severity = one(SH.resultSeverity)
    focus, path, value = one(SH.focusNode), one(SH.resultPath), one(SH.value)
    messages = sorted(str(m) for m in graph.objects(result, SH.resultMessage))
    key = (focus, path if isinstance(path, rdflib.URIRef) else None, value)
    finding = Finding(rule_id=rule, shape=_label(shape), path=_label(path) if path is not None else None,
                      severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                      focus_node=_label(focus), value=_label(value) if value is not None else None,
                      message=messages[0] if messages else "")
    return finding, key


def _label(node) -> str:
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)


def load_data(source: Any) -> rdflib.Graph:
    """The triples of `source` (all named graphs merged) as one rdflib Graph."""
    if isinstance(source, rdflib.Dataset):
        return _merge(source.quads((None, None, None, None)))
    if isinstance(source, rdflib.Graph):
        return source
    if isinstance(source, ox.Store):
        convert = Converter()
        graph = rdflib.Graph()
        for quad in source:
            graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
        return graph
    return _parse_file(Path(source))


def _merge(quads: Iterable) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s, p, o, _ in quads:
        graph.add((s, p, o))
    return graph


def _parse_file(path: Path) -> rdflib.Graph:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationInputError(f"{path}: unknown RDF format {path.suffix!r} (use .ttl, .trig, .nq, .nt, .jsonld or .rdf)")
    if not path.is_file():
        raise ValidationInputError(f"{path}: no such file")
    try:
        if fmt in _QUAD_FORMATS:
            dataset = rdflib.Dataset()
            dataset.parse(path, format=fmt)
            return _merge(dataset.quads((None, None, None, None)))
        return rdflib.Graph().parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise ValidationInputError(f"{path}: not valid {fmt}: {reason}") from exc

