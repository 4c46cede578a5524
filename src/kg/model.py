"""Typed objects that flow between pipeline stages.

`read` yields `BulletinItem`s (or `ReadError`s); `extract` turns an item into a
`Record`; `map` turns a record into quads. Entities carry canonical names (the
entity catalogue's) so that later stages never need to re-resolve surface text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class BulletinItem:
    """One news item cut from a page, with its position for provenance."""

    source: str                 # page file name, e.g. "000_57c294818f5c2fbd.txt"
    index: int                  # 1-based position of the item in its page
    title: str                  # verbatim title line (whitespace-normalised)
    title_line: int             # 1-based line number of the title in the page
    date_published: date | None
    date_raw: str | None        # raw date text; "" = empty `Date Publish:`, None = no date line
    body: str                   # item text after the title (and date), lines joined by "\n"
    body_line: int              # 1-based line number where `body` starts
    layout: str                 # one of LAYOUTS

    @property
    def slug(self) -> str:
        """Stable identifier of the item: page stem + position."""
        stem = self.source.rsplit(".", 1)[0]
        return f"{stem}-{self.index}".lower().replace("_", "-")


LAYOUTS = ("article", "chrome-article", "listing-dated", "listing-undated")


@dataclass(frozen=True)
class ReadError:
    """A page (or part of one) that could not be read; the build goes on."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Country:
    iso2: str
    iso3: str
    name: str                   # ISO / catalogue English name
    wikidata: str | None = None  # verified QID only
    via: str = "name"           # name | demonym | city
    surface: tuple[str, ...] = ()
    evidence: str = ""          # sentence the strongest mention came from


@dataclass(frozen=True)
class Place:
    name: str                   # canonical name, e.g. "Panama City", "Mesoamerica"
    type: str                   # city | region
    country_iso2: str | None = None
    wikidata: str | None = None
    surface: tuple[str, ...] = ()
    evidence: str = ""


@dataclass(frozen=True)
class Organization:
    name: str                   # canonical English name
    acronym: str | None = None
    wikidata: str | None = None
    org_type: str | None = None
    parent: str | None = None   # canonical name of the parent organization
    aliases: tuple[str, ...] = ()  # surface forms seen in this item
    evidence: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None = None
    organization: str | None = None  # canonical organization name
    evidence: str = ""


@dataclass(frozen=True)
class Location:
    place: str | None = None        # city or region name
    country_iso2: str | None = None
    online: bool = False


@dataclass(frozen=True)
class Event:
    label: str
    type: str                       # one of EVENT_TYPES
    start: date | None = None
    end: date | None = None
    start_partial: str | None = None  # "2017-06" (gYearMonth), "2017" (gYear), "--06-09" (gMonthDay)
    end_partial: str | None = None
    date_text: str | None = None
    location: Location | None = None
    organizers: tuple[str, ...] = ()    # canonical organization names
    participants: tuple[str, ...] = ()  # canonical organization / country / person names
    attendance: int | None = None
    evidence: str = ""


EVENT_TYPES = ("Meeting", "Conference", "Dialogue", "Training", "Workshop", "Launch",
               "AgreementSigning", "Campaign", "Publication", "Walk", "Assembly", "Other")


@dataclass(frozen=True)
class Course:
    name: str
    providers: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    modality: str | None = None     # online | virtual | in-person | blended
    languages: tuple[str, ...] = ()  # English language names, e.g. "Spanish"
    audience: str | None = None
    duration: str | None = None
    certificate: bool | None = None
    platform: str | None = None
    evidence: str = ""


@dataclass(frozen=True)
class Initiative:
    name: str
    kind: str                       # one of INITIATIVE_KINDS
    organizations: tuple[str, ...] = ()
    period: str | None = None
    evidence: str = ""


INITIATIVE_KINDS = ("Program", "Campaign", "Plan", "Compact", "Agreement", "Coalition",
                    "Partnership", "WorkingGroup", "Network", "Other")


@dataclass(frozen=True)
class Record:
    """Everything extracted from one item."""

    item: BulletinItem
    countries: tuple[Country, ...] = ()
    places: tuple[Place, ...] = ()
    organizations: tuple[Organization, ...] = ()
    people: tuple[Person, ...] = ()
    events: tuple[Event, ...] = ()
    courses: tuple[Course, ...] = ()
    initiatives: tuple[Initiative, ...] = ()

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        """The scorer's prediction contract (see shared tools); `explain` keeps evidence."""
        out: dict[str, Any] = {
            "source": self.item.source,
            "index": self.item.index,
            "title": self.item.title,
            "date_published": self.item.date_published.isoformat() if self.item.date_published else None,
        }
        for name in ("countries", "places", "organizations", "people", "events", "courses", "initiatives"):
            out[name] = [_jsonable(asdict(e), explain) for e in getattr(self, name)]
        return out


def _jsonable(value: Any, explain: bool) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v, explain) for k, v in value.items() if explain or k != "evidence"}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, explain) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
