"""SHACL Core and SHACL-SPARQL shapes compiled to SPARQL conditions and queries, one per constraint.

Each check selects the focus nodes (``?this``) and value nodes (``?value``)
that may violate one constraint. Where SPARQL and pyshacl could disagree on
a value (ill-typed literals, regular expressions, comparisons across types),
the query only drops the values that surely conform and leaves the rest to
an exact check in Python (`shacl_sparql.VERIFIERS`), so the findings stay
those of pyshacl. Anything outside the supported subset is listed in
`Compiled.unsupported` and its top-level shape is left to pyshacl.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, XSD

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"

#: Shape predicates that are not constraints (or are read with their constraint).
_NOT_CONSTRAINTS = {RDF.type, SH.path, SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.order,
                    SH.group, SH.defaultValue, SH.property, SH.flags, *TARGETS}
_VALUE_PARAMS = {SH["class"], SH.datatype, SH.nodeKind, SH.minLength, SH.maxLength, SH.pattern, SH["in"],
                 SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive}
_CARDINALITY = {SH.minCount, SH.maxCount, SH.hasValue}
_SINGLE = {SH.datatype, SH.nodeKind, SH.minLength, SH.maxLength, SH.pattern, SH.minCount, SH.maxCount, SH.flags}
_NODE_KINDS = {SH.IRI: "isIRI(?value)", SH.BlankNode: "isBlank(?value)", SH.Literal: "isLiteral(?value)",
               SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
               SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
               SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))"}
_RANGES = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}

#: Lexical forms that rdflib (hence pyshacl) surely reads as a well-typed value of the datatype; a literal of
#: the datatype with another form is checked in Python.
SURE_LEXICAL = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.decimal: r"^[+-]?[0-9]+(\\.[0-9]+)?$",
    XSD.boolean: r"^(true|false)$",
    XSD.date: r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
    XSD.gYear: r"^[1-9][0-9]{3}$",
    XSD.gYearMonth: r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$",
    XSD.gMonthDay: r"^--(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
}
#: Datatypes whose surely-well-typed values SPARQL and pyshacl order alike.
_ORDERED = (XSD.integer, XSD.decimal, XSD.date)
#: SPARQL features whose result differs when ``$this`` is joined rather than pre-bound, or that need pyshacl.
_SPARQL_BLOCKERS = re.compile(r"\b(VALUES|SERVICE|MINUS|GRAPH|UNION|GROUP|HAVING)\b|\$(PATH|currentShape|shapesGraph)\b"
                              r"|\bAS\s+[?$]this\b", re.I)


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, for the focus nodes of one targeted shape.

    kind "value": `condition` holds of a (?this, ?value) pair that may violate it, ?value being a value of `path`
    (or ?this itself when `path` is None); "count": `bounds` (min, max or -1) on the number of values of `path`;
    "query": `queries` select the violations themselves. Pairs of strings are without / with rdfs:subClassOf
    reasoning.
    """

    shape: rdflib.term.Node        # the shape holding the constraint (sh:sourceShape)
    rule_id: str | None
    severity: str                  # Info | Warning | Violation
    message: str                   # first of the sorted sh:message values (a template for SPARQL constraints)
    path: rdflib.URIRef | None     # sh:resultPath
    kind: str
    target: tuple[str, str]        # group pattern binding ?this to the focus nodes
    condition: tuple[str, str] = ("", "")
    bounds: tuple[int, int] = (0, -1)
    queries: tuple[str, str] = ("", "")
    verify: tuple | None = None    # (verifier name, parameter): exact check of each returned value in Python
    sparql: bool = False           # a SHACL-SPARQL constraint: one finding per solution, message filled in


@dataclass
class Compiled:
    checks: list[Check] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    compiled_shapes: set = field(default_factory=set)    # top-level shapes fully handled by the checks


def compile_shapes(shapes: rdflib.Graph) -> Compiled:
    """Checks for every targeted shape; shapes using anything else are listed as unsupported."""
    out = Compiled()
    rule_ids = {s: str(o) for s, o in shapes.subject_objects(DCTERMS.identifier)}
    global_blocker = _global_blocker(shapes)
    for shape in sorted({s for p in TARGETS for s in shapes.subjects(p, None)}, key=str):
        try:
            if global_blocker:
                raise _Unsupported(global_blocker)
            checks = _shape_checks(shapes, shape, rule_ids)
        except _Unsupported as exc:
            out.unsupported.append(f"{_name(shapes, shape)}: {exc}")
            continue
        out.checks.extend(checks)
        out.compiled_shapes.add(shape)
    return out


class _Unsupported(Exception):
    pass


def _global_blocker(shapes: rdflib.Graph) -> str | None:
    for kind in (SH.ConstraintComponent, SH.SPARQLTarget, SH.SPARQLRule, SH.TripleRule):
        if (None, RDF.type, kind) in shapes:
            return f"{_name(shapes, kind)} in the shapes graph"
    for prop in (SH.rule, SH.target, SH.entailment):
        if (None, prop, None) in shapes:
            return f"{_name(shapes, prop)} in the shapes graph"
    return None


def _shape_checks(g: rdflib.Graph, shape, rule_ids: dict) -> list[Check]:
    if _deactivated(g, shape):
        return []
    if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
        raise _Unsupported("implicit class target")
    targets = _targets(g, shape)
    if g.value(shape, SH.path) is not None:
        return _property_checks(g, shape, targets, rule_ids)
    checks = _node_checks(g, shape, targets, rule_ids)
    for prop in sorted(g.objects(shape, SH.property), key=str):
        if not _deactivated(g, prop):
            checks.extend(_property_checks(g, prop, targets, rule_ids))
    return checks


def _targets(g: rdflib.Graph, shape) -> tuple[str, str]:
    """The focus-node pattern binding ?this, without and with rdfs:subClassOf reasoning."""
    plain, sub = [], []
    for kind in TARGETS:
        for target in sorted(g.objects(shape, kind), key=str):
            term = _sparql_term(target)
            if kind == SH.targetClass:
                plain.append(f"?this {_TYPE} {term} .")
                sub.append(f"?this {_TYPE}/{_SUBCLASS}* {term} .")
            else:
                pattern = {SH.targetNode: f"VALUES ?this {{ {term} }}", SH.targetSubjectsOf: f"?this {term} [] .",
                           SH.targetObjectsOf: f"[] {term} ?this ."}[kind]
                plain.append(pattern)
                sub.append(pattern)
    return _distinct(plain), _distinct(sub)


def _distinct(patterns: list[str]) -> str:
    """Each focus node once, however many graphs state its type (the union graph repeats such triples)."""
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {p} }}" for p in patterns) + " } }"


def _common(g: rdflib.Graph, shape, rule_ids: dict) -> dict:
    severity = g.value(shape, SH.severity) or SH.Violation
    messages = sorted(str(m) for m in g.objects(shape, SH.message))
    return {"shape": shape, "rule_id": rule_ids.get(shape), "severity": str(severity).rsplit("#", 1)[-1],
            "message": messages[0] if messages else ""}


def _params(g: rdflib.Graph, shape, *, node_level: bool) -> list[tuple]:
    pairs = sorted(((p, o) for p, o in g.predicate_objects(shape) if str(p).startswith(str(SH))), key=str)
    seen: set = set()
    for p, _ in pairs:
        if p in _SINGLE and p in seen:
            raise _Unsupported(f"more than one {_name(g, p)}")
        seen.add(p)
        allowed = _NOT_CONSTRAINTS | _VALUE_PARAMS | {SH.sparql} | (set() if node_level else _CARDINALITY)
        if p not in allowed:
            raise _Unsupported(f"{_name(g, p)} is not compiled")
    constraints = [(p, o) for p, o in pairs if p not in _NOT_CONSTRAINTS]
    if any(p != SH.sparql for p, _ in constraints) and not list(g.objects(shape, SH.message)):
        raise _Unsupported("no sh:message (pyshacl's generic messages are not reproduced)")
    return constraints


def _node_checks(g: rdflib.Graph, shape, targets: tuple[str, str], rule_ids: dict) -> list[Check]:
    common = _common(g, shape, rule_ids)
    checks = []
    for param, value in _params(g, shape, node_level=True):
        if param == SH.sparql:
            checks.extend(_sparql_checks(g, shape, value, targets, rule_ids))
            continue
        for condition, verify in _value_conditions(g, shape, param, value):
            checks.append(Check(path=None, kind="value", target=targets, condition=condition, verify=verify, **common))
    return checks


def _property_checks(g: rdflib.Graph, shape, targets: tuple[str, str], rule_ids: dict) -> list[Check]:
    paths = list(g.objects(shape, SH.path))
    if len(paths) != 1 or not isinstance(paths[0], rdflib.URIRef):
        raise _Unsupported("a path other than one IRI")
    if list(g.objects(shape, SH.property)):
        raise _Unsupported("nested property shapes")
    path, common = paths[0], _common(g, shape, rule_ids)
    p, checks = _sparql_term(path), []
    for param, value in _params(g, shape, node_level=False):
        if param == SH.sparql:
            raise _Unsupported("SPARQL constraint on a property shape")
        if param == SH.hasValue:
            if isinstance(value, rdflib.BNode):
                raise _Unsupported("sh:hasValue of a blank node")
            queries = tuple(f"SELECT DISTINCT ?this WHERE {{ {t} FILTER NOT EXISTS {{ ?this {p} {_sparql_term(value)} }} }}"
                            for t in targets)
            checks.append(Check(path=path, kind="query", target=targets, queries=queries, **common))
        elif param in (SH.minCount, SH.maxCount):
            bounds = (_int(value), -1) if param == SH.minCount else (0, _int(value))
            if bounds != (0, -1):
                checks.append(Check(path=path, kind="count", target=targets, bounds=bounds, **common))
        else:
            for condition, verify in _value_conditions(g, shape, param, value):
                checks.append(Check(path=path, kind="value", target=targets, condition=condition, verify=verify,
                                    **common))
    return checks


def _value_conditions(g: rdflib.Graph, shape, param, value) -> list[tuple[tuple[str, str], tuple | None]]:
    """[(FILTER condition without / with subclass reasoning, Python verifier)] for one value-type parameter."""
    if param == SH["class"]:
        term = _sparql_term(value)
        return [((f"NOT EXISTS {{ ?value {_TYPE} {term} }}", f"NOT EXISTS {{ ?value {_TYPE}/{_SUBCLASS}* {term} }}"),
                 None)]
    if param == SH.nodeKind:
        if value not in _NODE_KINDS:
            raise _Unsupported(f"sh:nodeKind {value}")
        return [_same(f"!{_NODE_KINDS[value]}", None)]
    if param == SH["in"]:
        return [_same(_in_condition(g, value), None)]
    if param == SH.datatype:
        return [_datatype_condition(value)]
    if param in (SH.minLength, SH.maxLength):
        n, op = _int(value), ">=" if param == SH.minLength else "<="
        sure = f"(isIRI(?value) || (isLiteral(?value) && datatype(?value) = {_sparql_term(XSD.string)}))"
        return [_same(f"!({sure} && STRLEN(STR(?value)) {op} {n})", ("length", (op, n)))]
    if param == SH.pattern:
        flags = g.value(shape, SH.flags)
        return [_same("true", ("pattern", (str(value), str(flags) if flags else "")))]
    return [_range_condition(param, value)]


def _same(condition: str, verify) -> tuple[tuple[str, str], tuple | None]:
    return (condition, condition), verify


def _in_condition(g: rdflib.Graph, head) -> str:
    members = list(rdflib.collection.Collection(g, head))
    if any(isinstance(m, rdflib.BNode) for m in members):
        raise _Unsupported("sh:in with a blank node")
    # the data's plain literals are never typed xsd:string on the rdflib side, so such members match nothing there
    usable = [m for m in members if not (isinstance(m, rdflib.Literal) and m.datatype == XSD.string)]
    if not usable:
        return "true"
    return "!(" + " || ".join(f"sameTerm(?value, {_sparql_term(m)})" for m in usable) + ")"


def _datatype_condition(datatype) -> tuple[tuple[str, str], tuple | None]:
    dt = _sparql_term(datatype)
    if datatype == XSD.string:
        return _same(f"!(isLiteral(?value) && datatype(?value) = {dt})", None)
    if datatype == RDF.langString:
        return _same('!(isLiteral(?value) && LANG(?value) != "")', None)
    if datatype == RDFS.Literal:
        return _same("!isLiteral(?value)", None)
    lexical = SURE_LEXICAL.get(datatype)
    if lexical is None:
        return _same("true", ("datatype", datatype))
    return _same(f'!(isLiteral(?value) && datatype(?value) = {dt} && REGEX(STR(?value), "{lexical}"))',
                 ("datatype", datatype))


def _range_condition(param, bound) -> tuple[tuple[str, str], tuple | None]:
    op = _RANGES[param]
    if not isinstance(bound, rdflib.Literal):
        raise _Unsupported(f"{param} of a non-literal")
    verify = ("range", (op, bound))
    if bound.datatype not in _ORDERED or bound.ill_typed:
        return _same("true", verify)
    dt, lexical = _sparql_term(bound.datatype), SURE_LEXICAL[bound.datatype]
    sure = f'isLiteral(?value) && datatype(?value) = {dt} && REGEX(STR(?value), "{lexical}")'
    return _same(f"!({sure} && ?value {op} {_sparql_term(bound)})", verify)


def _sparql_checks(g: rdflib.Graph, shape, constraint, targets: tuple[str, str], rule_ids: dict) -> list[Check]:
    if _deactivated(g, constraint):
        return []
    select = g.value(constraint, SH.select)
    if select is None:
        raise _Unsupported("SPARQL constraint without sh:select")
    text = str(select)
    where = _outer_brace(text)
    queries = tuple(_prefixes(g, constraint) + text[:where + 1] + f" {t} " + text[where + 1:] for t in targets)
    severity = g.value(constraint, SH.severity) or g.value(shape, SH.severity) or SH.Violation
    message = g.value(constraint, SH.message) or g.value(shape, SH.message) or ""
    return [Check(shape=shape, rule_id=rule_ids.get(constraint) or rule_ids.get(shape),
                  severity=str(severity).rsplit("#", 1)[-1], message=str(message), path=None, kind="query",
                  target=targets, queries=queries, sparql=True)]


def _outer_brace(text: str) -> int:
    """Where the WHERE group of a SELECT opens; raises when ``$this`` would not behave as pre-bound there."""
    bare = re.sub(r'#[^\n]*|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|<[^<>\s"{}]*>', lambda m: " " * len(m.group()), text)
    blocker = _SPARQL_BLOCKERS.search(bare)
    if blocker or len(re.findall(r"\bSELECT\b", bare, re.I)) != 1:
        raise _Unsupported(f"SPARQL constraint using {blocker.group() if blocker else 'a sub-select'}")
    start = bare.find("{")
    if start < 0:
        raise _Unsupported("SPARQL constraint without a WHERE group")
    for match in re.finditer(r"\{", bare[start + 1:]):
        before = bare[:start + 1 + match.start()].split()
        if not before or before[-1].upper() not in ("EXISTS", "OPTIONAL"):
            raise _Unsupported("SPARQL constraint with a nested group")
    return start


def _prefixes(g: rdflib.Graph, constraint) -> str:
    lines = set()
    for holder in g.objects(constraint, SH.prefixes):
        for declaration in g.objects(holder, SH.declare):
            lines.add(f"PREFIX {g.value(declaration, SH.prefix)}: <{g.value(declaration, SH.namespace)}>\n")
    return "".join(sorted(lines))


def _deactivated(g: rdflib.Graph, node) -> bool:
    return any(bool(v.value) if isinstance(v, rdflib.Literal) else False for v in g.objects(node, SH.deactivated))


def _int(value) -> int:
    if not isinstance(value, rdflib.Literal) or not isinstance(value.value, int) or value.value < 0:
        raise _Unsupported(f"a count or length that is not a non-negative integer: {value}")
    return int(value.value)


def _sparql_term(term) -> str:
    if isinstance(term, rdflib.BNode):
        raise _Unsupported("a blank node as constraint parameter")
    return term.n3()


def _name(g: rdflib.Graph, node) -> str:
    try:
        return g.namespace_manager.normalizeUri(node) if isinstance(node, rdflib.URIRef) else f"_:{node}"
    except Exception:  # rdflib raises various errors on IRIs it cannot shorten
        return str(node)

