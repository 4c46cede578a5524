"""The ontology, the SKOS schemes and the shapes: well-formed, documented, consistent."""
from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pyshacl.errors
import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from kg.iris import Iris
from kg.model import EVENT_TYPES, INITIATIVE_KINDS
from kg.vocab import DEFAULT_BASE, load_rdflib, ontology_files, ontology_quads, rebase, rebase_text

REPO = Path(__file__).resolve().parents[1]
KG = rdflib.Namespace(DEFAULT_BASE + "def/")
SHAPE_FILES = sorted((REPO / "shapes").glob("*.ttl"))


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return load_rdflib(ontology_files(), DEFAULT_BASE)


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_rdflib(SHAPE_FILES, DEFAULT_BASE)


def _local_terms(ontology: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for k in kinds for s in ontology.subjects(RDF.type, k) if str(s).startswith(str(KG))}


def test_local_terms_have_labels_and_definitions_in_english(ontology):
    terms = _local_terms(ontology)
    assert {KG.Event, KG.Organization, KG.Course, KG.Initiative, KG.Bulletin} <= terms
    for term in terms:
        langs = {o.language for o in ontology.objects(term, RDFS.label)}
        assert {"en", "es", "fr"} <= langs, term
        assert any(o.language == "en" for o in ontology.objects(term, SKOS.definition)), term


def test_classes_are_aligned_with_external_vocabularies(ontology):
    supers = {str(o) for o in ontology.objects(KG.Event, RDFS.subClassOf)}
    assert {"https://schema.org/Event", "http://semanticweb.cs.vu.nl/2009/11/sem/Event",
            "http://linkedevents.org/ontology/Event"} <= supers
    assert (KG.Organization, RDFS.subClassOf, rdflib.URIRef("http://www.w3.org/ns/org#Organization")) in ontology
    assert (KG.Bulletin, RDFS.subClassOf, rdflib.URIRef("https://schema.org/NewsArticle")) in ontology


def _notations(ontology: rdflib.Graph, scheme: str) -> dict[str, rdflib.URIRef]:
    scheme_iri = rdflib.URIRef(f"{KG}{scheme}")
    return {str(ontology.value(c, SKOS.notation)): c for c in ontology.subjects(SKOS.inScheme, scheme_iri)}


@pytest.mark.parametrize("scheme, expected", [("event-type", EVENT_TYPES), ("initiative-kind", INITIATIVE_KINDS)])
def test_schemes_cover_the_model_values(ontology, scheme, expected):
    concepts = _notations(ontology, scheme)
    assert set(concepts) == set(expected)
    for notation, concept in concepts.items():
        assert str(concept) == Iris().concept(scheme, notation)
        assert {o.language for o in ontology.objects(concept, SKOS.prefLabel)} >= {"en", "es", "fr"}


@pytest.mark.parametrize("path, scheme", [("eventType", "event-type"), ("initiativeKind", "initiative-kind"),
                                          ("orgType", "org-type"), ("modality", "course-modality"),
                                          ("placeType", "place-type")])
def test_shape_value_lists_equal_the_schemes(ontology, shapes, path, scheme):
    lists = [rdflib.collection.Collection(shapes, o) for s in shapes.subjects(SH.path, KG[path])
             for o in shapes.objects(s, SH["in"])]
    assert len(lists) == 1
    assert set(lists[0]) == set(_notations(ontology, scheme).values())


def test_shapes_conform_to_shacl_shacl(shapes):
    conforms, _, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True, advanced=True)
    assert conforms, text


def test_shacl_shacl_catches_a_broken_shape(shapes):
    broken = rdflib.Graph()
    for triple in shapes:
        broken.add(triple)
    broken.add((rdflib.URIRef(f"{KG}shapes/Event-name"), SH.minCount, rdflib.Literal("one")))
    with pytest.raises(pyshacl.errors.ReportableRuntimeError, match="MetaSHACL"):
        pyshacl.validate(rdflib.Graph(), shacl_graph=broken, meta_shacl=True, advanced=True)


def _all_shapes(shapes: rdflib.Graph) -> set:
    parameters = set(shapes.objects(None, SH.parameter))
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | (set(shapes.subjects(SH.path, None)) - parameters)
    return found | set(shapes.subjects(RDF.type, SH.SPARQLConstraint))


def test_every_shape_is_documented_with_a_stable_rule_id(shapes):
    ids = []
    for shape in _all_shapes(shapes):
        for prop in (SH.name, SH.description, SH.message, SH.severity, DCTERMS.identifier):
            holder = shape
            if shapes.value(shape, prop) is None and (None, SH.sparql, shape) in shapes:
                holder = shapes.value(None, SH.sparql, shape)  # a SPARQL constraint documented on its shape
            assert shapes.value(holder, prop) is not None, (shape, prop)
        rule = shapes.value(shape, DCTERMS.identifier)
        if rule is not None:
            ids.append(str(rule))
    assert all(re.fullmatch(r"[A-Z]{3}-\d{3}", i) for i in ids)
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    assert len(ids) >= 60


def test_every_class_has_a_shape_file():
    names = {p.stem for p in SHAPE_FILES}
    assert {"bulletin", "organization", "country", "place", "person", "event", "course", "initiative"} <= names


def test_ontology_rebases_to_another_base():
    base = "http://data.example.net/iom/"
    iris = {t.value for q in ontology_quads(Iris(base)) for t in (q.subject, q.predicate, q.object)
            if hasattr(t, "value") and not hasattr(t, "datatype") and not hasattr(t, "language")}
    assert f"{base}def/Event" in iris and f"{base}def/event-type/Launch" in iris
    assert not any(i.startswith(DEFAULT_BASE) for i in iris)
    assert rebase(f"{DEFAULT_BASE}def/Event", base) == f"{base}def/Event"
    assert rebase_text(f"PREFIX kg: <{DEFAULT_BASE}def/>", base) == f"PREFIX kg: <{base}def/>"


def test_shapes_rebase_their_sparql_prefixes():
    base = "http://data.example.net/iom/"
    shapes = load_rdflib(SHAPE_FILES, base)
    namespaces = {str(o) for o in shapes.objects(None, SH.namespace)}
    assert f"{base}def/" in namespaces and f"{DEFAULT_BASE}def/" not in namespaces


def test_catalogue_organization_types_are_concepts_of_the_scheme(ontology):
    """Every org_type the catalogue and the head-noun rules can give is a concept, or its items would fail ORG-005."""
    import csv

    mappings = REPO / "mappings"
    rows = [line for line in (mappings / "organizations.tsv").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]
    catalogue = {row["org_type"] for row in csv.DictReader(rows, delimiter="\t") if row["org_type"]}
    lexicon = {line.split("\t")[2] for line in (mappings / "lexicon.tsv").read_text(encoding="utf-8").splitlines()
               if line.startswith("org_head\t") and len(line.split("\t")) > 2 and line.split("\t")[2]}
    assert catalogue and lexicon
    assert (catalogue | lexicon) - set(_notations(ontology, "org-type")) == set()
