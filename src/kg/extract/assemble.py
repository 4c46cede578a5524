"""From one item's scan to the stage dataclasses: entities once per item, mentions in original offsets."""
from __future__ import annotations

from bisect import bisect_right
from functools import partial

from ..model import Country, Organization, Person, Place
from .context import Mention, Sentence
from .found import Found, Scan
from .text import squash

_new_mention = partial(tuple.__new__, Mention)      # no Python-level `__new__` call
_VIA_RANK = {"name": 0, "demonym": 1, "city": 2}
_ORG_STRENGTH = {"name": 0, "alias": 0, "defined": 0, "head": 0, "office": 0, "acronym": 1}


class Assembler:
    """Turns `Found` mentions (normalised offsets) into entities and `Mention`s (offsets in `text`)."""

    def __init__(self, scan: Scan, text: str, sentences: tuple[Sentence, ...]) -> None:
        self.scan = scan
        self.text = text
        self.sentences = sentences
        self._starts = [s.start for s in sentences]
        self.found = sorted(scan.found, key=lambda f: (f.start, -f.end))
        span = scan.nt.span
        self._spans = {id(f): span(f.start, f.end) for f in self.found}
        self._groups: dict[str, dict[str, list[Found]]] = {}
        for found in self.found:                      # one pass for every kind, in text order
            self._groups.setdefault(found.kind, {}).setdefault(found.key, []).append(found)

    def surface(self, found: Found) -> str:
        start, end = self._spans[id(found)]
        return squash(self.text[start:end])

    def evidence(self, found: Found) -> str:
        start = self._spans[id(found)][0]
        i = bisect_right(self._starts, start) - 1
        return self.sentences[i].text if i >= 0 and start < self.sentences[i].end else ""

    def groups(self, kind: str) -> dict[str, list[Found]]:
        return self._groups.get(kind, {})

    def mentions(self) -> tuple[Mention, ...]:
        """In (start, -end) order: `found` is, and offsets map to the original text in order."""
        out = []
        for found in self.found:
            start, end = self._spans[id(found)]
            iso2 = found.key if found.kind == "country" else self._place_iso2(found)
            out.append(_new_mention((start, end, self.text[start:end], found.kind, self._name(found), iso2,
                                     found.in_org_name)))
        return tuple(out)

    def _name(self, found: Found) -> str:
        if found.kind == "country":
            return self.scan.catalogue.by_iso2[found.key].name
        if found.kind == "organization":
            return self.scan.orgs[found.key].name
        return found.key

    def _place_iso2(self, found: Found) -> str | None:
        return self.scan.places[found.key][1] if found.kind == "place" else None

    def countries(self) -> tuple[Country, ...]:
        out = []
        for iso2, group in self.groups("country").items():
            best = min(group, key=lambda f: (_VIA_RANK.get(f.how, 0), f.in_org_name, f.start))
            entry = self.scan.catalogue.by_iso2[iso2]
            out.append(Country(iso2, entry.iso3, entry.name, entry.wikidata, best.how,
                               _unique(self.surface(f) for f in group), self.evidence(best)))
        return tuple(out)

    def places(self) -> tuple[Place, ...]:
        out = []
        for name, group in self.groups("place").items():
            place_type, iso2, qid = self.scan.places[name]
            best = min(group, key=lambda f: (f.in_org_name, f.start))
            out.append(Place(name, place_type, iso2, qid, _unique(self.surface(f) for f in group), self.evidence(best)))
        return tuple(out)

    def organizations(self) -> tuple[Organization, ...]:
        out = []
        for key, group in self.groups("organization").items():
            info = self.scan.orgs[key]
            best = min(group, key=lambda f: (_ORG_STRENGTH.get(f.how, 0), f.start))
            out.append(Organization(info.name, info.acronym, info.wikidata, info.org_type, info.parent,
                                    _unique(self.surface(f) for f in group), self.evidence(best)))
        return tuple(out)

    def people(self) -> tuple[Person, ...]:
        out = []
        for name, group in self.groups("person").items():
            role, org_key = self.scan.roles.get(name, (None, None))
            org = self.scan.orgs[org_key].name if org_key in self.scan.orgs else None
            out.append(Person(name, role, org, self.evidence(group[0])))
        return tuple(out)


def _unique(values) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if value.endswith(("'s", "\u2019s")):
            value = value[:-2]
        seen.setdefault(value, None)
    return tuple(seen)
