"""SSSOM mapping sets -> the Wikidata linkset graph, and exports for integrators.

A mapping set in `mappings/*.sssom.tsv` is reviewed by people, so it is the
one source of the graph's ``skos:exactMatch`` links. Its subjects are CURIEs
under ``kgid:`` (``kgid:country/pan``); whatever IRI the file's curie_map
gives that prefix, the links are written under the base IRI of the build
(``{base}id/country/pan``), so one file serves any deployment.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from .iris import Iris

#: The curie_map prefix that stands for our own `{base}id/`.
LOCAL_PREFIX = "kgid"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_MAPPING_PREDICATES = {f"{_SKOS}{name}" for name in
                       ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}
_CSV_COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                "mapping_justification", "confidence")


class SSSOMError(ValueError):
    """A mapping set file that cannot be read; the message is one line."""


@dataclass(frozen=True)
class Mapping:
    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str = ""
    subject_label: str | None = None
    object_label: str | None = None
    confidence: float | None = None
    predicate_modifier: str | None = None
    row: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # every column, for export


@dataclass(frozen=True)
class MappingSet:
    metadata: dict[str, Any]            # the YAML header, curie_map included
    columns: tuple[str, ...]
    mappings: tuple[Mapping, ...]

    @property
    def curie_map(self) -> dict[str, str]:
        return dict(self.metadata.get("curie_map") or {})

    def expand(self, curie: str, iris: Iris | None = None) -> str:
        """A CURIE as an IRI; ``kgid:`` goes under `iris.base` + ``id/`` when `iris` is given."""
        prefix, sep, local = curie.partition(":")
        if iris is not None and prefix == LOCAL_PREFIX and sep:
            return f"{iris.base}id/{local}"
        namespace = self.curie_map.get(prefix)
        if namespace is None or not sep or local.startswith("//"):
            return curie
        return namespace + local


def read_sssom(path: Path | str) -> MappingSet:
    """A mapping set from an SSSOM TSV file (YAML metadata in leading ``#`` lines)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SSSOMError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    header, body = [], []
    for line in text.splitlines():
        (header if line.startswith("#") and not body else body).append(line)
    try:
        metadata = yaml.safe_load("\n".join(h[1:] for h in header)) or {}
    except yaml.YAMLError as exc:
        raise SSSOMError(f"{path}: bad YAML metadata: {' '.join(str(exc).split())}") from exc
    rows = list(csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t"))
    if not isinstance(metadata, dict):
        raise SSSOMError(f"{path}: the metadata block is not a YAML mapping")
    columns = tuple(rows[0].keys()) if rows else tuple(next(csv.reader(io.StringIO(body[0] if body else ""),
                                                                       delimiter="\t"), ()))
    missing = {"subject_id", "predicate_id", "object_id"} - set(columns)
    if missing:
        raise SSSOMError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return MappingSet(metadata, columns, tuple(_mapping(row) for row in rows))


def _mapping(row: dict[str, str]) -> Mapping:
    clean = {k: (v or "").strip() for k, v in row.items() if k}
    confidence = clean.get("confidence")
    return Mapping(subject_id=clean["subject_id"], predicate_id=clean["predicate_id"], object_id=clean["object_id"],
                   mapping_justification=clean.get("mapping_justification", ""),
                   subject_label=clean.get("subject_label") or None, object_label=clean.get("object_label") or None,
                   confidence=float(confidence) if confidence else None,
                   predicate_modifier=clean.get("predicate_modifier") or None, row=clean)


def linkset_quads(mapping_set: MappingSet, iris: Iris, subjects: set[str] | None = None) -> list[ox.Quad]:
    """SKOS mapping triples in `{base}graph/links/wikidata`; only for `subjects` (IRIs) when given."""
    graph = ox.NamedNode(iris.links_graph)
    out = []
    for m in mapping_set.mappings:
        if m.predicate_modifier == "Not":
            continue
        subject = mapping_set.expand(m.subject_id, iris)
        predicate = mapping_set.expand(m.predicate_id)
        if predicate not in _MAPPING_PREDICATES or (subjects is not None and subject not in subjects):
            continue
        out.append(ox.Quad(ox.NamedNode(subject), ox.NamedNode(predicate),
                           ox.NamedNode(mapping_set.expand(m.object_id)), graph))
    return out


def export_links(mapping_set: MappingSet, format: str = "sssom", iris: Iris | None = None) -> str:
    """The mapping set as SSSOM TSV, Turtle (SKOS triples) or CSV; `iris` rebases ``kgid:`` in Turtle."""
    if format == "sssom":
        return _to_sssom(mapping_set)
    if format == "ttl":
        return _to_turtle(mapping_set, iris)
    if format == "csv":
        return _to_csv(mapping_set)
    raise ValueError(f"unknown links format {format!r} (sssom, ttl or csv)")


def _to_sssom(mapping_set: MappingSet) -> str:
    header = yaml.safe_dump(mapping_set.metadata, sort_keys=False, allow_unicode=True)
    out = io.StringIO()
    out.write("".join(f"#{line}\n" for line in header.splitlines()))
    writer = csv.DictWriter(out, fieldnames=list(mapping_set.columns), delimiter="\t", lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for m in mapping_set.mappings:
        writer.writerow(m.row)
    return out.getvalue()


def _to_turtle(mapping_set: MappingSet, iris: Iris | None) -> str:
    prefixes = {k: v for k, v in mapping_set.curie_map.items() if k != LOCAL_PREFIX}
    prefixes[LOCAL_PREFIX] = f"{iris.base}id/" if iris else mapping_set.curie_map.get(LOCAL_PREFIX, "")
    prefixes.setdefault("skos", _SKOS)
    triples = []
    for m in mapping_set.mappings:
        predicate = mapping_set.expand(m.predicate_id)
        if m.predicate_modifier == "Not" or predicate not in _MAPPING_PREDICATES:
            continue
        subject = mapping_set.expand(m.subject_id, iris) if iris else mapping_set.expand(m.subject_id)
        triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate),
                                 ox.NamedNode(mapping_set.expand(m.object_id))))
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes={k: v for k, v in prefixes.items() if v})
    return (data or b"").decode("utf-8")


def _to_csv(mapping_set: MappingSet) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for m in mapping_set.mappings:
        writer.writerow([m.subject_id, m.subject_label or "", m.predicate_id, m.object_id, m.object_label or "",
                         m.mapping_justification, "" if m.confidence is None else m.confidence])
    return out.getvalue()
