"""The working state of one item's catalogue pass, shared by the entity, organization and people rules.

Offsets here are in the normalised text (`NormText.norm`); the orchestrator converts them to offsets in
`ItemContext.text` when it builds the public `Mention`s.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from .catalogue import Catalogue, Entry, Hit
from .text import NormText

# Words, acronyms with inner punctuation (U.S., J/TIP, CARICOM-IMPACS), numbers, and single punctuation marks.
_TOKEN = re.compile(r"\w(?:[\w'&/.-]*\w)?|[^\w\s]|\n")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def bare(self) -> str:
        """The word without a possessive ("IOM's" -> "IOM")."""
        return self.text[:-2] if self.text.endswith("'s") else self.text

    @property
    def capitalized(self) -> bool:
        return self.text[:1].isupper()


class Found(NamedTuple):
    """A resolved mention: `key` is the iso2 (country), place name, organization key or person name.
    (A named tuple: an item makes dozens, and a frozen dataclass costs several times more to build.)"""

    start: int
    end: int
    kind: str            # country | place | organization | person
    key: str
    how: str             # name | alias | acronym | demonym | city | adjective | defined | head | office
    in_org_name: bool = False


@dataclass
class OrgInfo:
    name: str
    acronym: str | None = None
    org_type: str | None = None
    parent: str | None = None
    wikidata: str | None = None

    @classmethod
    def of(cls, entry: Entry) -> "OrgInfo":
        return cls(entry.name, entry.acronym, entry.org_type, entry.parent, entry.wikidata)


@dataclass
class Scan:
    nt: NormText
    catalogue: Catalogue
    hits: list[Hit]                 # non-overlapping catalogue hits (ignore hits included)
    valid: list[Hit]                # every valid catalogue hit, overlaps included
    cues: list[Hit]                 # speech / contact verbs ("said", "contact")
    found: list[Found] = field(default_factory=list)
    orgs: dict[str, OrgInfo] = field(default_factory=dict)
    places: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)  # name -> type, iso2, qid
    roles: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)       # person -> role, org key
    role_spans: list[tuple[int, int]] = field(default_factory=list)   # job titles: places inside are in_org_name

    @classmethod
    def start(cls, nt: NormText, catalogue: Catalogue) -> "Scan":
        hits, valid, cues = catalogue.scan(nt)
        return cls(nt, catalogue, hits, valid, cues)

    def entry(self, hit: Hit) -> Entry:
        return self.catalogue.entries[hit.form.entry]

    def org(self, info: OrgInfo) -> str:
        """Register an organization (once per canonical name) and return its key."""
        key = info.name.casefold()
        self.orgs.setdefault(key, info)
        return key

    def covered(self, start: int, end: int, kinds: tuple[str, ...] = ("organization", "person")) -> bool:
        """Whether [start, end) overlaps a mention of one of `kinds` or a false-friend phrase."""
        if any(f.start < end and start < f.end for f in self.found if f.kind in kinds):
            return True
        return any(h.start < end and start < h.end and self.entry(h).kind == "ignore" for h in self.hits)

    def window_tokens(self, anchor: int, left: int, right: int) -> list[Token]:
        """Tokens from `left` characters before `anchor` to `right` after it, within the anchor's line."""
        norm = self.nt.norm
        line_end = norm.find("\n", anchor)
        a = max(anchor - left, norm.rfind("\n", 0, anchor) + 1)
        b = min(anchor + right, len(norm) if line_end < 0 else line_end)
        tokens = [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(norm, a, b)]
        if tokens and a > 0 and norm[a - 1].isalnum() and tokens[0].start == a:
            tokens = tokens[1:]  # a word cut by the window edge
        return tokens

    @staticmethod
    def index_at(tokens: list[Token], offset: int) -> int:
        """Index of the first token starting at or after `offset`."""
        lo, hi = 0, len(tokens)
        while lo < hi:
            mid = (lo + hi) // 2
            if tokens[mid].start < offset:
                lo = mid + 1
            else:
                hi = mid
        return lo
