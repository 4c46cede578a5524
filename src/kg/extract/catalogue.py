"""The entity catalogue: countries, cities, regions and organizations from `mappings/`, matched in one pass.

Every surface form (names, aliases, acronyms in English/Spanish/French, demonyms, region adjectives,
false friends) goes into one Aho-Corasick automaton over the lower-cased normalised text (keys match only
at word starts); case rules
(acronyms exact, names capitalised as listed) and word boundaries are checked per hit, and overlapping
hits resolve longest-first. QIDs come only from the reviewed SSSOM linkset (`wikidata.sssom.tsv`).
"""
from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from ..iris import slugify
from .alternation import alternation
from .text import NormText, key_text

_START = itemgetter(0)     # Hit.start
KIND_PRIORITY = {"ignore": 0, "organization": 1, "country": 2, "region": 3, "city": 4, "cue": 5}
# Lexicon words the automaton also finds ("said", "contact"): cues for the people rules, never entities.
CUE_KINDS = ("speech_verb", "contact_verb")
# British / US spellings an organization's name is also matched under.
_SPELLINGS = (("Organisation", "Organization"), ("Labour", "Labor"), ("Programme", "Program"),
              ("Centre", "Center"), ("Defence", "Defense"))


@dataclass(frozen=True)
class Entry:
    """One catalogue entity; `kind` is country, city, region, organization or ignore (a false friend)."""

    kind: str
    name: str
    iso2: str | None = None
    iso3: str | None = None
    acronym: str | None = None
    org_type: str | None = None
    parent: str | None = None
    seat: str | None = None
    wikidata: str | None = None


@dataclass(frozen=True)
class Form:
    entry: int          # index into Catalogue.entries
    text: str           # the form as listed (normalised quotes)
    how: str            # name | alias | acronym | demonym | lang_demonym | adjective
    exact: bool         # case-sensitive (acronyms)
    words: int


class Hit(NamedTuple):
    """A catalogue form found in the normalised text (offsets in NormText.norm)."""

    start: int
    end: int
    form: Form

    @property
    def length(self) -> int:
        return self.end - self.start


# Named tuples built through `tuple.__new__` (no Python-level `__new__` call): the scan makes many.
_new_hit = partial(tuple.__new__, Hit)


class _Check(NamedTuple):
    """What `Catalogue.scan` checks for one form at an automaton hit, computed once per form."""

    form: Form
    exact: bool             # case-sensitive: the surface must be the form
    text: str
    plural: bool            # a name of three words or more may take an "s" ("Organization for Migrations")
    word_acronym: bool      # an acronym that is also a word ("WHO"): not inside an all-capitals heading
    caps: tuple[int, ...]   # indexes of the form's capitalised words, which must be capitalised in the text
    cue: bool


@dataclass
class Catalogue:
    entries: list[Entry]
    forms: list[Form]
    lexicon: dict[str, frozenset[str]]
    org_head_types: dict[str, str]
    by_name: dict[tuple[str, str], int] = field(default_factory=dict)
    by_acronym: dict[str, int] = field(default_factory=dict)
    by_seat: dict[tuple[str, str], int] = field(default_factory=dict)
    automaton: object = None

    def __post_init__(self) -> None:
        self.automaton = ahocorasick.Automaton()
        self._acronym_keys = frozenset(f.text for f in self.forms if f.how == "acronym")
        self._word_acronyms = self.words("word_acronym")
        grouped: dict[str, list[_Check]] = defaultdict(list)
        for form in self.forms:
            grouped[key_text(form.text)].append(self._check_of(form))
        for key, checks in grouped.items():
            self.automaton.add_word(key, (len(key), tuple(checks)))
        self.automaton.make_automaton()
        self._rank = [KIND_PRIORITY[entry.kind] for entry in self.entries]
        for i, entry in enumerate(self.entries):
            self.by_name.setdefault((entry.kind, fold(entry.name)), i)
            if entry.kind == "organization" and entry.seat and entry.parent:
                self.by_seat.setdefault((entry.parent, fold(entry.seat)), i)
        self.by_iso2 = {e.iso2: e for e in self.entries if e.kind == "country"}
        self.not_a_name = frozenset().union(*(self.words(k) for k in ("name_stop", "org_head", "org_blocker", "honorific")))
        heads = sorted(self.words("org_head"), key=len, reverse=True)
        office = "(?:(?:" + "|".join(sorted(map(re.escape, self.words("office_word") - {"Office"}))) + ") )?Office"
        self.office_after_seat = re.compile(rf" ({office})\b")          # "IOM San José| Regional Office"
        self.office_for = re.compile(rf"(?:'s)? ({office}) (for|in) (?:the )?")  # "IOM| Regional Office in "
        self.head_regex = re.compile("(?:" + alternation(heads, after_first=r"(?<![\w-].)") + r")(?![\w-])")
        for form in self.forms:
            if form.how == "acronym":
                self.by_acronym.setdefault(form.text, form.entry)

    def words(self, kind: str) -> frozenset[str]:
        return self.lexicon.get(kind, frozenset())

    def lookup(self, kind: str, name: str) -> Entry | None:
        index = self.by_name.get((kind, fold(name)))
        return self.entries[index] if index is not None else None

    def is_acronym(self, token: str) -> bool:
        return token in self._acronym_keys

    def scan(self, nt: NormText) -> tuple[list[Hit], list[Hit], list[Hit]]:
        """(non-overlapping entity hits, longest first, in text order; every valid entity hit, overlaps
        included; cue hits)."""
        valid: list[Hit] = []
        cues: list[Hit] = []
        norm = nt.norm
        size = len(norm)
        for stop, (length, checks) in self.automaton.iter(nt.keys):
            start = stop - length + 1       # `keys` has one leading space
            before = norm[start - 1] if start else " "
            if before.isalnum() or before == "-" and self._hyphen_prefixed(norm, start):
                continue
            alnum_after = stop < size and norm[stop].isalnum()
            for check in checks:
                hit = self._hit(norm, start, stop, alnum_after, check)
                if hit is not None:
                    (cues if check.cue else valid).append(hit)
        chosen: list[Hit] = []
        taken = bytearray(len(norm) + 1)
        rank = self._rank
        for hit in sorted(valid, key=lambda h: (h.start - h.end, h.start, rank[h.form.entry])):
            if taken.find(1, hit.start, hit.end) < 0:
                chosen.append(hit)
                taken[hit.start:hit.end] = b"\x01" * (hit.end - hit.start)
        chosen.sort(key=_START)
        return chosen, valid, cues

    def _hit(self, norm: str, start: int, stop: int, alnum_after: bool, check: _Check) -> Hit | None:
        """The hit of one form at [start, stop) if the text there fits it (word end, case)."""
        if check.plural and stop < len(norm) and norm[stop] == "s" and not _alnum_at(norm, stop + 1):
            stop += 1  # "International Organization for Migrations"
        elif alnum_after:
            return None
        surface = norm[start:stop]
        if check.exact:
            if surface != check.text or (check.word_acronym and self._in_capitals(norm, start, stop)):
                return None
        elif surface != check.text and not _case_fits(surface, check.caps):
            return None
        return _new_hit((start, stop, check.form))

    def _check_of(self, form: Form) -> _Check:
        caps = tuple(i for i, word in enumerate(form.text.split()) if word[:1].isupper())
        return _Check(form, form.exact, form.text, form.words >= 3, form.text in self._word_acronyms, caps,
                      form.how == "cue")

    def _hyphen_prefixed(self, norm: str, start: int) -> bool:
        if norm[start - 1] != "-":
            return False
        word = norm[:start - 1].rsplit(None, 1)[-1] if norm[:start - 1].strip() else ""
        return word in self.words("hyphen_prefix")

    def _in_capitals(self, norm: str, start: int, stop: int) -> bool:
        """An acronym that is also a word, inside an all-capitals heading ("WHO WE ARE"), is the word."""
        before = norm[max(0, start - 20):start].rsplit(None, 1)[-1:]
        after = norm[stop:stop + 20].split(None, 2)[:1] if stop < len(norm) and norm[stop] == " " else []
        for word in before + after:
            word = word.strip(".,:;!?\"'()")
            if len(word) > 1 and word.isalpha() and word.isupper() and not self.is_acronym(word):
                return True
        return False


def fold(text: str) -> str:
    """Lookup key of a name: case-, accent- and spacing-insensitive."""
    return slugify(text)


def _alnum_at(text: str, index: int) -> bool:
    return index < len(text) and text[index].isalnum()


def _case_fits(surface: str, caps: tuple[int, ...]) -> bool:
    """Each capitalised word of the form (indexes `caps`) is capitalised in the text (connectors may be
    either); words past the end of the shorter of the two are not compared."""
    words = surface.split()
    return all(words[i][:1].isupper() for i in caps if i < len(words))


# --- loading --------------------------------------------------------------------------------------

def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a mappings TSV: leading `#` comment lines, one header row, no quoting."""
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#") and line.strip()]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def load(mappings_dir: Path) -> Catalogue:
    """Build the catalogue from the data files in `mappings_dir`."""
    qids = _read_linkset(mappings_dir / "wikidata.sssom.tsv")
    builder = _Builder(qids)
    for row in read_tsv(mappings_dir / "countries.tsv"):
        builder.country(row)
    for row in read_tsv(mappings_dir / "regions.tsv"):
        builder.region(row)
    for row in read_tsv(mappings_dir / "cities.tsv"):
        builder.city(row)
    for row in read_tsv(mappings_dir / "organizations.tsv"):
        builder.organization(row)
    for row in read_tsv(mappings_dir / "false_friends.tsv"):
        builder.add(Entry("ignore", row["phrase"]), [(row["phrase"], "name")])
    lexicon, head_types = _read_lexicon(mappings_dir / "lexicon.tsv")
    builder.region_suffixes(lexicon.get("region_suffix", frozenset()))
    for kind in CUE_KINDS:
        for word in sorted(lexicon.get(kind, ())):
            builder.add(Entry("cue", kind), [(word, "cue")])
    return Catalogue(builder.entries, builder.forms, lexicon, head_types)


def _read_linkset(path: Path) -> dict[str, str]:
    """subject_id (e.g. `kgid:country/pan`) -> QID, from skos:exactMatch rows only."""
    if not path.is_file():
        return {}
    out = {}
    for row in read_tsv(path):
        if row.get("predicate_id") == "skos:exactMatch" and row.get("object_id", "").startswith("wikidata:"):
            out[row["subject_id"]] = row["object_id"].split(":", 1)[1]
    return out


def _read_lexicon(path: Path) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    words: dict[str, set[str]] = defaultdict(set)
    head_types: dict[str, str] = {}
    for row in read_tsv(path):
        words[row["kind"]].add(row["word"])
        if row["kind"] == "org_head" and row.get("value"):
            head_types[row["word"]] = row["value"]
    return {k: frozenset(v) for k, v in words.items()}, head_types


def spelling_variants(name: str) -> set[str]:
    """The name under every combination of British/US spellings it contains."""
    out = {name}
    for british, american in _SPELLINGS:
        out |= {v.replace(british, american) for v in out} | {v.replace(american, british) for v in out}
    return out


def is_acronym_form(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= max(2, len(letters) - 1) and len(text) <= 16


class _Builder:
    def __init__(self, qids: dict[str, str]) -> None:
        self.qids = qids
        self.entries: list[Entry] = []
        self.forms: list[Form] = []
        self._seen: set[tuple[int, str, str]] = set()
        self._regions: list[tuple[int, list[str]]] = []

    def add(self, entry: Entry, forms: list[tuple[str, str]]) -> int:
        index = len(self.entries)
        self.entries.append(entry)
        for text, how in forms:
            self.form(index, text, how)
        return index

    def form(self, index: int, text: str, how: str) -> None:
        text = text.replace("\u2019", "'")
        if how == "alias" and is_acronym_form(text):
            how = "acronym"
        if not text or (index, text, how) in self._seen:
            return
        self._seen.add((index, text, how))
        self.forms.append(Form(index, text, how, how in ("acronym", "cue"), len(text.split())))

    def country(self, row: dict[str, str]) -> None:
        iso3 = row["iso3"]
        qid = self.qids.get(f"kgid:country/{iso3.lower()}")
        forms = [(row["name"], "name")] + [(a, "acronym" if is_acronym_form(a) else "name") for a in split(row["aliases"])]
        forms += [(d.lstrip("~"), "lang_demonym" if d.startswith("~") else "demonym") for d in split(row["demonyms"])]
        self.add(Entry("country", row["name"], row["iso2"], iso3, wikidata=qid), forms)

    def region(self, row: dict[str, str]) -> None:
        name = row["name"]
        entry = Entry("region", name, wikidata=self.qids.get(f"kgid:place/{slugify(name)}"))
        names = [name] + split(row["aliases"])
        adjectives = split(row.get("adjectives", ""))
        index = self.add(entry, [(n, "name") for n in names] + [(a, "adjective") for a in adjectives])
        self._regions.append((index, [n for n in names if not n.startswith("the ")] + adjectives))

    def region_suffixes(self, suffixes: frozenset[str]) -> None:
        """"Mesoamerican region", "Mesoamerica region": the region, by its name or adjective."""
        for index, bases in self._regions:
            for base, suffix in itertools.product(bases, sorted(s for s in suffixes if s.islower())):
                self.form(index, f"{base} {suffix}", "name")

    def city(self, row: dict[str, str]) -> None:
        name = row["name"]
        entry = Entry("city", name, row["iso2"], wikidata=self.qids.get(f"kgid:place/{slugify(name)}"))
        self.add(entry, [(n, "name") for n in [name] + split(row["aliases"])])

    def organization(self, row: dict[str, str]) -> None:
        name = row["name"]
        acronym = row["acronym"].lstrip("!") or None
        entry = Entry("organization", name, acronym=acronym, org_type=row["org_type"] or None,
                      parent=row["parent"] or None, seat=row["seat"] or None,
                      wikidata=self.qids.get(f"kgid:organization/{slugify(name)}"))
        forms = [(v, "name") for v in sorted(spelling_variants(name))]
        forms += [(v, "alias") for a in split(row["aliases"]) for v in sorted(spelling_variants(a))]
        for column in ("acronym", "acronyms_es", "acronyms_fr"):
            forms += [(a, "acronym") for a in split(row[column]) if not a.startswith("!")]
        self.add(entry, forms)
