"""IRIs the graph mints, all under one configurable base (DESIGN §4).

Things ``{base}id/{type}/{slug}``, terms ``{base}def/{Term}``, SKOS concepts
``{base}def/{scheme}/{notation}``, graphs ``{base}graph/...``. Slugs are pure
functions of their input, so the same input always gives the same IRI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import fold

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """``Organisation of Eastern Caribbean States`` -> ``organisation-of-eastern-caribbean-states``.

    ASCII text folds to its lower case (no accents to strip), which spares Unicode normalisation."""
    return _NON_SLUG.sub("-", text.lower() if text.isascii() else fold(text)).strip("-") or "x"


@dataclass(frozen=True)
class Iris:
    base: str = "https://example.org/iom-kg/"

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    def thing(self, kind: str, slug: str) -> str:
        """An entity: kind is country, organization, person, place, event, course, initiative, bulletin."""
        return f"{self.base}id/{kind}/{slug}"

    def term(self, name: str) -> str:
        return f"{self.base}def/{name}"

    def concept(self, scheme: str, notation: str) -> str:
        return f"{self.base}def/{scheme}/{notation}"

    def bulletin_graph(self, item_slug: str) -> str:
        return f"{self.base}graph/bulletin/{item_slug}"

    @property
    def reference_graph(self) -> str:
        return f"{self.base}graph/reference"

    @property
    def ontology_graph(self) -> str:
        return f"{self.base}graph/ontology"

    @property
    def links_graph(self) -> str:
        return f"{self.base}graph/links/wikidata"
