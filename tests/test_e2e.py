"""End to end: the sample built into a temporary store, served on a free port, queried with SPARQLWrapper."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.build import build
from kg.settings import Settings
from kg.web import create_app, make_server

SCHEMA = "https://schema.org/"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory, sample_dir: Path):
    settings = Settings(store=tmp_path_factory.mktemp("e2e") / "store", port=0)
    summary = build([sample_dir], settings)
    assert summary.items_loaded == 29
    app = create_app(settings)
    server = make_server(settings, app, port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/sparql"
    server.close()
    app.extensions["kg"].close()
    thread.join(timeout=10)


def _select(url: str, query: str) -> list[dict]:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.query().convert()["results"]["bindings"]


def test_every_sample_item_is_a_news_article(endpoint: str):
    rows = _select(endpoint, f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{SCHEMA}NewsArticle> }}")
    assert rows[0]["n"]["value"] == "29"


def test_iom_is_the_most_mentioned_organization(endpoint: str):
    rows = _select(endpoint, f"""
        SELECT ?name (COUNT(DISTINCT ?a) AS ?n) WHERE {{
          ?a <{SCHEMA}mentions> ?org . ?org a <{SCHEMA}Organization> ; <{SCHEMA}name> ?name .
        }} GROUP BY ?name ORDER BY DESC(?n) LIMIT 1""")
    assert rows[0]["name"]["value"] == "International Organization for Migration"
    assert int(rows[0]["n"]["value"]) >= 20


def test_panama_links_to_wikidata(endpoint: str):
    rows = _select(endpoint, """
        SELECT ?qid WHERE { ?c <http://www.w3.org/2004/02/skos/core#exactMatch> ?qid .
                            FILTER(STRENDS(STR(?c), "/id/country/pan")) }""")
    assert [r["qid"]["value"] for r in rows] == ["http://www.wikidata.org/entity/Q804"]


def test_validation_report_of_the_build_is_served(endpoint: str):
    from urllib.request import urlopen

    with urlopen(endpoint.rsplit("/", 1)[0] + "/validation") as response:
        assert response.status == 200 and response.headers.get_content_type() == "text/html"
        assert "SHACL validation report" in response.read().decode("utf-8")
