"""What the entity finders know about one item while extracting it.

The catalogue pass (countries, places, organizations, people) runs first and
leaves its mentions here; the finders of events, courses and initiatives read
them to name organizers, participants, providers and places.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from ..model import BulletinItem, Country, Organization, Person, Place
from .tokens import Token, split_words, tokens_from
from .triggers import Hit, token_hits
from .when import When, sentence_dates

if TYPE_CHECKING:
    from datetime import date


class _once:
    """A value computed on first access and kept in the instance's `__dict__` (which then shadows this
    descriptor); `functools.cached_property` does the same behind a lock that costs more than the work."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute, self.name, self.__doc__ = compute, compute.__name__, compute.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Sentence:
    """One sentence of the item, with the word-level view every finder reads: its tokens and the trigger
    hits of every vocabulary, computed once on first use (cached on the instance)."""

    start: int          # character offsets in ItemContext.text
    end: int
    text: str

    @_once
    def tokens(self) -> list[Token]:
        """Words and punctuation (offsets in ItemContext.text); shared, not to be changed."""
        return tokens_from(self._split)

    @_once
    def hits(self) -> dict[str, tuple[Hit, ...]]:
        """Trigger hits per vocabulary (event_noun, course, initiative_head, happening...)."""
        _, lows, edges = self._split
        return token_hits(lows, edges)

    @_once
    def _split(self) -> tuple[list[str], list[str], list[int]]:
        """The tokens as texts, lows and edges: the trigger pass needs only these, and a sentence without
        hits never builds its tokens."""
        return split_words(self.text, self.start)

    def found(self, vocab: str) -> tuple[Hit, ...]:
        """The hits of one vocabulary."""
        return self.hits.get(vocab, ())

    def dates(self, published: date | None) -> tuple[When, ...]:
        """Date expressions (offsets in ItemContext.text) resolved against `published`, kept for the next
        finder that asks."""
        kept = self.__dict__.get("_dates")
        if kept is None or kept[0] != published:
            kept = self.__dict__["_dates"] = (published, sentence_dates(self.text, self._split, self.start, published))
        return kept[1]


class Mention(NamedTuple):
    """One occurrence of a resolved entity in the item text (a named tuple: cheap to build, read only)."""

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
        """The mentions inside [start, end) (of `kind`), in order; found by bisection on their starts."""
        mentions, out = self.mentions, []
        for n in range(bisect_left(self._mention_starts, start), len(mentions)):
            mention = mentions[n]
            if mention.start > end:
                break
            if mention.end <= end and (kind is None or mention.kind == kind):
                out.append(mention)
        return out

    @_once
    def _mention_starts(self) -> list[int]:
        return [m.start for m in self.mentions]
