"""What the entity finders know about one item while extracting it.

The catalogue pass (countries, places, organizations, people) runs first and
leaves its mentions here; the finders of events, courses and initiatives read
them to name organizers, participants, providers and places.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import BulletinItem, Country, Organization, Person, Place


@dataclass(frozen=True)
class Sentence:
    start: int          # character offsets in ItemContext.text
    end: int
    text: str


@dataclass(frozen=True)
class Mention:
    """One occurrence of a resolved entity in the item text."""

    start: int
    end: int
    surface: str
    kind: str           # country | place | organization | person
    name: str           # canonical name (ISO name for countries)
    iso2: str | None = None
    in_org_name: bool = False   # only inside an organization's name / job title


@dataclass(frozen=True)
class ItemContext:
    item: BulletinItem
    text: str                       # title + "\n" + body
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...]   # sorted by start
    countries: tuple[Country, ...]
    places: tuple[Place, ...]
    organizations: tuple[Organization, ...]
    people: tuple[Person, ...]
    catalogue: Any                  # kg.extract.catalogue.Catalogue

    def sentence_at(self, offset: int) -> Sentence | None:
        for sentence in self.sentences:
            if sentence.start <= offset < sentence.end:
                return sentence
        return None

    def mentions_in(self, start: int, end: int, kind: str | None = None) -> list[Mention]:
        return [m for m in self.mentions if m.start >= start and m.end <= end and (kind is None or m.kind == kind)]
