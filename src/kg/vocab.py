"""The one namespace module: every term IRI the graph writes comes from here.

Decision on the base IRI (DESIGN §4): the local terms (``kg:``) and SKOS
concepts are built from the base setting directly (`Vocab(iris)`), so a build
with another base mints terms under that base. The data files in `ontology/`,
`shapes/` and `queries/` are written with the default base
(``https://example.org/iom-kg/``); `rebase` and the loaders below rewrite
their IRIs to the base of the setting when they differ (literals are left
alone, except ``xsd:anyURI`` ones: the namespaces of SHACL-SPARQL prefixes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .iris import Iris
from .resources import resource_dir
from .settings import DEFAULTS

#: The base the files in ontology/, shapes/ and queries/ are written with.
DEFAULT_BASE = Iris(DEFAULTS.base_iri).base


class Namespace:
    """Terms of one namespace as attributes or items: ``SCHEMA.name``, ``SCHEMA["name"]``."""

    def __init__(self, iri: str) -> None:
        self.iri = iri
        self._cache: dict[str, ox.NamedNode] = {}

    def __getitem__(self, name: str) -> ox.NamedNode:
        node = self._cache.get(name)
        if node is None:
            node = self._cache[name] = ox.NamedNode(self.iri + name)
            if name.isidentifier() and name not in ("iri", "_cache"):
                setattr(self, name, node)  # later attribute reads skip __getattr__
        return node

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __contains__(self, node: object) -> bool:
        return isinstance(node, ox.NamedNode) and node.value.startswith(self.iri)


SCHEMA = Namespace("https://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
LODE = Namespace("http://linkedevents.org/ontology/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")

#: Names of the SKOS concept schemes ({base}def/{scheme}/{notation}).
EVENT_TYPE = "event-type"
INITIATIVE_KIND = "initiative-kind"
ORG_TYPE = "org-type"
MODALITY = "course-modality"
PLACE_TYPE = "place-type"

#: Prefixes for serialisations and query headers.
EXTERNAL_PREFIXES = {
    "schema": SCHEMA.iri, "skos": SKOS.iri, "prov": PROV.iri, "org": ORG.iri, "sem": SEM.iri,
    "lode": LODE.iri, "dcterms": DCTERMS.iri, "xsd": XSD.iri, "rdf": RDF.iri, "rdfs": RDFS.iri,
    "owl": OWL.iri, "sh": SH.iri, "wd": WD.iri,
}


@dataclass(frozen=True)
class Vocab:
    """Local terms and concepts under one base."""

    iris: Iris
    kg: Namespace = field(init=False, compare=False)
    _concepts: dict[tuple[str, str], ox.NamedNode] = field(init=False, compare=False, repr=False,
                                                          default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kg", Namespace(self.iris.term("")))

    def concept(self, scheme: str, notation: str) -> ox.NamedNode:
        """The concept's node, made once (the mapper asks for the same few concepts for every item)."""
        node = self._concepts.get((scheme, notation))
        if node is None:
            node = self._concepts[scheme, notation] = ox.NamedNode(self.iris.concept(scheme, notation))
        return node

    def prefixes(self) -> dict[str, str]:
        return {"kg": self.kg.iri, "kgid": self.iris.base + "id/", **EXTERNAL_PREFIXES}


@lru_cache(maxsize=8)
def vocab_for(base: str) -> Vocab:
    return Vocab(Iris(base))


def rebase(iri: str, base: str) -> str:
    """An IRI written under the default base, moved under `base`."""
    target = Iris(base).base
    if target != DEFAULT_BASE and iri.startswith(DEFAULT_BASE):
        return target + iri[len(DEFAULT_BASE):]
    return iri


def rebase_text(text: str, base: str) -> str:
    """A SPARQL query of queries/ rewritten for `base` (its IRIs are in <...> or PREFIX lines)."""
    target = Iris(base).base
    return text if target == DEFAULT_BASE else text.replace("<" + DEFAULT_BASE, "<" + target)


def _rebase_term(term, base: str):
    if isinstance(term, ox.NamedNode):
        return ox.NamedNode(rebase(term.value, base))
    return term


def ontology_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or resource_dir("ontology")).glob("*.ttl"))


def ontology_quads(iris: Iris, graph: ox.NamedNode | None = None, folder: Path | None = None) -> list[ox.Quad]:
    """The ontology and SKOS schemes as quads under `iris.base`, in `graph` (default graph if None)."""
    target = graph or ox.DefaultGraph()
    out: list[ox.Quad] = []
    for path in ontology_files(folder):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            out.append(ox.Quad(_rebase_term(q.subject, iris.base), _rebase_term(q.predicate, iris.base),
                               _rebase_term(q.object, iris.base), target))
    return out


def load_rdflib(paths: list[Path], base: str):
    """Turtle files parsed into one rdflib Graph, rebased (shapes and ontology for pyshacl)."""
    import rdflib

    XSD_ANY_URI = rdflib.URIRef(XSD.anyURI.value)

    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    target = Iris(base).base
    if target == DEFAULT_BASE:
        return graph
    moved = rdflib.Graph()
    for prefix, ns in graph.namespaces():
        moved.bind(prefix, rebase(str(ns), base), replace=True)

    def fix(t):
        if isinstance(t, rdflib.URIRef):
            return rdflib.URIRef(rebase(str(t), base))
        if isinstance(t, rdflib.Literal) and t.datatype == XSD_ANY_URI:  # sh:namespace of SPARQL prefixes
            return rdflib.Literal(rebase(str(t), base), datatype=t.datatype)
        return t

    for s, p, o in graph:
        moved.add((fix(s), fix(p), fix(o)))
    return moved
