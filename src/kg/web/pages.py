"""Entity pages, VoID and the service description.

The RDF documents (VoID + DCAT, SPARQL Service Description) are Turtle
templates in ``templates/``: rendered with the live counts, parsed by
pyoxigraph (so a malformed document fails loudly) and re-serialized in the
negotiated format. Entity pages are built from the queries in ``sparql/``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph
from flask import render_template
from pyoxigraph import Literal, NamedNode, RdfFormat

from kg.store import StoreStats
from kg.vocab import RDF, RDFS, SCHEMA, SKOS, WD

_ENTITY_VAR = re.compile(r"\?entity\b")
_PREFIX_LINE = re.compile(r"^@prefix\s+([A-Za-z][\w-]*):\s*<([^>]*)>\s*\.", re.MULTILINE)
_SPARQL_DIR = Path(__file__).resolve().parent / "sparql"
#: Beyond this many named graphs, documents give totals instead of one entry per graph.
MAX_LISTED_GRAPHS = 1000
LABELS = (SCHEMA.name.value, RDFS.label.value, SKOS.prefLabel.value, SCHEMA.headline.value)
MENTIONS = (SCHEMA.mentions.value, SCHEMA.about.value)


@lru_cache(maxsize=None)
def sparql(name: str) -> str:
    """One of the server's own queries (``sparql/<name>.rq``)."""
    return (_SPARQL_DIR / f"{name}.rq").read_text(encoding="utf-8")


def iri_filter(value: str) -> str:
    return str(NamedNode(value))


def literal_filter(value: object) -> str:
    return str(Literal(str(value)))


def bind_entity(query: str, iri: str) -> str:
    """One of our queries with ``?entity`` replaced by the IRI (validated, so it cannot break out)."""
    return _ENTITY_VAR.sub(lambda _: str(NamedNode(iri)), query)


def render_rdf(template: str, rdf_format: RdfFormat, prefixes: dict[str, str], **context: object) -> bytes:
    """A Turtle template rendered, checked by parsing, and serialized as ``rdf_format``
    with the template's own prefixes added to ``prefixes``."""
    text = render_template(template, **context)
    triples = pyoxigraph.parse(text, format=RdfFormat.TURTLE)
    merged = {**prefixes, **dict(_PREFIX_LINE.findall(text))}
    return pyoxigraph.serialize(triples, format=rdf_format, prefixes=merged)


def listed(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items())[:MAX_LISTED_GRAPHS]


@dataclass
class Term:
    """An RDF term as the SPARQL JSON results give it, with what a page shows for it."""

    type: str
    value: str
    lang: str = ""
    datatype: str = ""
    label: str = ""
    href: str = ""
    short: str = ""

    @property
    def is_iri(self) -> bool:
        return self.type == "uri"


@dataclass
class EntityView:
    iri: str
    label: str
    types: list[Term] = field(default_factory=list)
    facts: list[tuple[Term, Term]] = field(default_factory=list)
    mentioned_in: list[Term] = field(default_factory=list)
    linked_from: list[tuple[Term, Term]] = field(default_factory=list)
    wikidata: list[str] = field(default_factory=list)
    mentions: int = 0
    graphs: int = 0


def rows(body: bytes) -> list[dict[str, dict[str, str]]]:
    """Bindings of a SPARQL JSON results document."""
    return json.loads(body)["results"]["bindings"]


class Linker:
    """Turns IRIs into short names and links (local entities link to their page)."""

    def __init__(self, base: str, prefixes: dict[str, str], page_prefix: str):
        self.base = base
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.page_prefix = page_prefix

    def short(self, iri: str) -> str:
        for prefix, namespace in self.prefixes:
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and all(c.isalnum() or c in "-_." for c in local):
                return f"{prefix}:{local}"
        return iri

    def href(self, iri: str) -> str:
        """Local entities link to their page, web IRIs to themselves, other schemes nowhere."""
        if iri.startswith(self.base + "id/"):
            return self.page_prefix + iri[len(self.base) + len("id/"):]
        return iri if iri.lower().startswith(("http://", "https://")) else ""

    def term(self, binding: dict[str, str] | None, label: dict[str, str] | None = None) -> Term:
        binding = binding or {"type": "literal", "value": ""}
        term = Term(binding["type"], binding["value"], binding.get("xml:lang", ""),
                    binding.get("datatype", ""), label["value"] if label else "")
        if term.is_iri:
            term.href = self.href(term.value)
            term.short = self.short(term.value)
        return term


def best_label(facts: list[tuple[Term, Term]], fallback: str) -> str:
    ranked = [(LABELS.index(p.value), {"en": 0, "": 1}.get(o.lang, 2), o.value)
              for p, o in facts if p.value in LABELS and not o.is_iri]
    return min(ranked)[2] if ranked else fallback


def _first_seen(pairs: list[tuple[Term, Term]]) -> list[tuple[Term, Term]]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for p, o in pairs:
        key = (p.value, o.value, o.lang)
        if key not in seen:
            seen.add(key)
            out.append((p, o))
    return out


def entity_view(iri: str, facts_body: bytes, inbound_body: bytes, counts_body: bytes,
                linker: Linker) -> EntityView:
    """Assemble the page model from the three query answers."""
    facts = _first_seen([(linker.term(r["p"]), linker.term(r["o"], r.get("label"))) for r in rows(facts_body)])
    view = EntityView(iri=iri, label=best_label(facts, linker.short(iri)))
    view.types = [o for p, o in facts if p.value == RDF.type.value]
    view.wikidata = [o.value for p, o in facts if p.value == SKOS.exactMatch.value and o.value.startswith(WD.iri)]
    view.facts = [(p, o) for p, o in facts if p.value != RDF.type.value]
    seen: set[str] = set()
    for r in rows(inbound_body):
        subject = linker.term(r["s"], r.get("label"))
        if r["p"]["value"] in MENTIONS and subject.value not in seen:
            seen.add(subject.value)
            view.mentioned_in.append(subject)
        elif r["p"]["value"] not in MENTIONS:
            view.linked_from.append((linker.term(r["p"]), subject))
    count_rows = rows(counts_body)
    if count_rows:
        view.mentions = int(count_rows[0].get("mentions", {}).get("value", 0))
        view.graphs = int(count_rows[0].get("graphs", {}).get("value", 0))
    return view


@dataclass(frozen=True)
class Dump:
    url: str
    media_type: str
    title: str


def void_context(stats: StoreStats, base: str, endpoint: str, void_iri: str, links_graph: str,
                 dumps: list[Dump]) -> dict[str, object]:
    return {
        "stats": stats, "base": base, "dataset": base, "endpoint": endpoint, "void_iri": void_iri,
        "links_graph": links_graph, "links_triples": stats.graphs.get(links_graph, 0), "dumps": dumps,
        "classes": sorted(stats.classes.items()),
        "graphs": [(g, n) for g, n in listed(stats.graphs) if g != links_graph],
    }


@dataclass(frozen=True)
class Example:
    """A query of ``queries/``: its leading ``#`` lines describe it; ``# kg:runs-on`` names a foreign endpoint."""

    name: str
    title: str
    description: str
    query: str
    runs_on: str | None = None


def read_example(path: Path, rebase) -> Example:
    text = rebase(path.read_text(encoding="utf-8"))
    comments: list[str] = []
    runs_on = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        body = stripped.lstrip("#").strip()
        if body.lower().startswith("kg:runs-on"):
            runs_on = body.split(None, 1)[1].strip() if " " in body else None
        elif body.startswith("kg:"):
            continue
        elif body:
            comments.append(body)
    prose = " ".join(comments)
    title = re.split(r"(?<=[.?!])\s", prose, maxsplit=1)[0] or path.stem.replace("_", " ").replace("-", " ")
    return Example(path.stem, title, prose[len(title):].strip() if prose else "", text, runs_on)


def examples(folder: Path | None, rebase) -> list[Example]:
    if folder is None or not folder.is_dir():
        return []
    return [read_example(p, rebase) for p in sorted(folder.glob("*.rq"))]
