"""Date expressions in bulletin text, resolved against the publication date.

News items rarely write full dates: "today (09/06)", "On September 23", "From
September 8 to 11", "last month", "this Wednesday, September 9". One compiled
grammar finds them; each is resolved with the item's publication date, and a
precision the text does not give is never invented: month-only dates stay
`2017-06`, day-month dates without a known year stay `--06-09`, a lone weekday
without a publication date stays `Tuesday`. Numeric dates are day/month (the
convention of IOM's Latin American offices). Month names come from
`mappings/months.tsv`, weekdays and date adverbs from `mappings/date_words.tsv`.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from ..dates import month_names
from ..resources import resource_dir
from .phrases import fold

# A month-day without a year that would fall this far after publication is taken from the previous year.
_FUTURE_LIMIT = timedelta(days=183)


@dataclass(frozen=True)
class When:
    """One date expression: where it is, what it says, what it resolves to."""

    begin: int                      # offsets in the searched text
    finish: int
    text: str
    start: date | None = None
    end: date | None = None
    start_partial: str | None = None  # "2017-06", "2018", "--06-09", "Tuesday"
    end_partial: str | None = None
    role: str = "on"                # on | until | since | dateline


@lru_cache(maxsize=1)
def date_words() -> dict[str, tuple[str, str]]:
    """Folded word -> (kind, value) from mappings/date_words.tsv."""
    table: dict[str, tuple[str, str]] = {}
    path = resource_dir("mappings") / "date_words.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("word\t"):
            continue
        word, kind, value = (line.split("\t") + [""])[:3]
        table[fold(word)] = (kind, value)
    return table


def _alternation(words: list[str]) -> str:
    forms = {w for word in words for w in (word, fold(word))}
    return "|".join(re.escape(w) for w in sorted(forms, key=len, reverse=True))


def _words(kind: str) -> list[str]:
    return [w for w, (k, _) in date_words().items() if k == kind]


# Rule templates, most specific first. {M} month, {F} full month name, {D} day, {Y} year, {W} weekday.
_RULES = (
    ("dm_dm", r"(?:from\s+|del?\s+)?(?P<d1>{D})\s+(?:of\s+|de\s+)?(?P<m1>{M})\s*(?:-|–|to|until|al|au)\s*"
              r"(?P<d2>{D})\s+(?:of\s+|de\s+)?(?P<m2>{M})(?:,?\s*(?:de\s+)?(?P<y>{Y}))?"),
    ("md_md", r"(?:from\s+)?(?P<m1>{M})\s+(?P<d1>{D})\s*(?:-|–|to|until|through)\s*(?P<m2>{M})\s+(?P<d2>{D})"
              r"(?:,?\s*(?P<y>{Y}))?"),
    ("md_d", r"(?:from\s+|between\s+)?(?P<m1>{M})\s+(?P<d1>{D})(?:\s*[-–]\s*|\s+(?:to|through|until|and)\s+)"
             r"(?P<d2>{D})(?:,?\s*(?P<y>{Y}))?"),
    ("d_d_m", r"(?:from\s+|between\s+|del?\s+|on\s+)?(?:the\s+)?(?P<d1>{D})(?:\s*[-–]\s*|\s+(?:to|and|al|y|au|et)\s+)"
              r"(?:the\s+)?(?P<d2>{D})\s+(?:of\s+|de\s+)?(?P<m1>{M})(?:,?\s*(?:de\s+|del\s+)?(?P<y>{Y}))?"),
    ("dmy", r"(?:the\s+)?(?P<d1>{D})\s+(?:of\s+|de\s+)?(?P<m1>{M})\s*,?\s*(?:de\s+|del\s+)?(?P<y>{Y})"),
    ("mdy", r"(?:(?P<w>{W}),?\s+)?(?P<m1>{M})\s+(?P<d1>{D})\s*,?\s*(?P<y>{Y})"),
    ("num", r"(?P<d1>\d{{1,2}})\s*/\s*(?P<n1>\d{{1,2}})\s*/\s*(?P<y>{Y})"),
    ("rel", r"(?P<r>{R})(?:\s*\(\s*(?P<d1>\d{{1,2}})\s*/\s*(?P<n1>\d{{1,2}})\s*\))?"),
    ("md", r"(?:(?P<s>{S})\s+)?(?:(?P<w>{W}),?\s+)?(?P<m1>{M})\s+(?P<d1>{D})"),
    ("dm", r"(?:the\s+)?(?P<d1>{D})\s+(?:of\s+|de\s+)?(?P<m1>{M})"),
    ("mpair", r"(?:in|during|between|from|en|entre)\s+(?P<m1>{F})\s+(?:and|to|y|a|-|–)\s+(?P<m2>{F})"
              r"(?:,?\s+(?:of\s+|de\s+)?(?P<y>{Y}))?"),
    ("my", r"(?:(?:in|since|during|from|until|by|en|desde|hasta)\s+)?(?P<m1>{F})\s*,?\s+"
           r"(?:of\s+|de\s+|del\s+)?(?P<y>{Y})"),
    ("unit", r"(?:(?P<s>{S})\s+(?P<u>{U})|(?:el|la)\s+(?P<u2>{U})\s+(?P<s2>{S}))"),
    ("wd", r"(?:(?P<s>{S}|on|el)\s+)?(?P<w>{W})"),
    ("mon", r"(?:in|during|since|until|en|durante|desde|hasta)\s+(?:early\s+|late\s+|mid-?\s*)?(?P<m1>{F})"
            r"(?!\s*,?\s*(?:of\s+|de\s+)?\d)"),
    ("year", r"(?:in|since|during|by|until|en|desde|durante|hasta)\s+(?:the\s+year\s+)?(?P<y>{Y})(?!\s*[-–/]\s*\d)"),
)


@lru_cache(maxsize=1)
def _grammar() -> re.Pattern[str]:
    months = list(month_names())
    parts = {
        "M": rf"(?:{_alternation(months)})\.?(?![^\W\d_])",
        "F": rf"(?:{_alternation([m for m in months if len(m) > 3])})(?![^\W\d_])",
        "D": r"\d{1,2}(?:st|nd|rd|th|º|°)?(?![\d/:.,]\d)",
        "Y": r"(?:19|20)\d{2}(?!\d)",
        "W": rf"(?:{_alternation(_words('weekday'))})(?![^\W\d_])",
        "S": rf"(?:{_alternation(_words('shift'))})",
        "U": rf"(?:{_alternation(_words('unit'))})(?![^\W\d_])",
        "R": rf"(?:{_alternation(_words('day'))})(?![^\W\d_])",
    }
    alternatives = []
    for name, template in _RULES:
        body = template.format(**parts).replace("(?P<", f"(?P<{name}_")
        alternatives.append(f"(?P<{name}>{body})")
    return re.compile(r"(?<![\w/])(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


# Words a date expression can start with besides digits, months, weekdays and date adverbs (the
# connectors of the rule templates above).
_PREFIXES = frozenset("from del de between on the in during en entre since until by desde durante hasta el la".split())
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _starts() -> frozenset[str]:
    return frozenset(month_names()) | frozenset(date_words()) | _PREFIXES


_DATELINE_AFTER = re.compile(r"\s*,?\s*[A-Z][^\n,.;:]{0,40}?\s*[-–—]\s")
_ROLE_BEFORE = re.compile(r"(\w+)\W*$")


@lru_cache(maxsize=256)
def find_dates(text: str, published: date | None) -> tuple[When, ...]:
    """Every date expression in `text`, in order, resolved against `published`.

    The grammar is tried only where a word that can start a date begins (one pass of a plain word
    regex finds them): a single scan with the whole alternation is many times slower."""
    found: list[When] = []
    done = 0
    for match in _candidates(text):
        if match.start() < done:
            continue
        rule = match.lastgroup or ""
        if _false_month(match, rule):
            continue
        resolved = _RESOLVERS[rule](_Groups(match, rule), published)
        if resolved is None:
            continue
        start, end, start_partial, end_partial = resolved
        role = _role(text, match)
        if role == "until":
            start, end, start_partial, end_partial = None, end or start, None, end_partial or start_partial
        found.append(When(match.start(), match.end(), match.group(0), start, end, start_partial, end_partial, role))
        done = match.end()
    return tuple(found)


@lru_cache(maxsize=2048)
def sentence_dates(text: str, offset: int, published: date | None) -> tuple[When, ...]:
    """The date expressions of one sentence (`text` starting at `offset` of the item text), with item
    offsets; a date opening the sentence counts as at a line start (datelines)."""
    from dataclasses import replace
    return tuple(replace(w, begin=w.begin + offset, finish=w.finish + offset) for w in find_dates(text, published))


def _candidates(text: str):
    """Grammar matches, tried where a digit, month, weekday or date adverb is (or up to two words before it,
    for the connectors: "From September 8", "On the 28th")."""
    grammar, anchors, starts = _grammar(), _anchors(), _starts()
    low = text.lower()
    if len(low) != len(text):
        words = [(w.start(), w.group().lower()) for w in _WORD.finditer(text)]
    else:
        words = [(w.start(), w.group()) for w in _WORD.finditer(low)]
    tried = -1
    for n, (pos, token) in enumerate(words):
        if not (token[0].isdigit() or token in anchors or not token.isascii() and fold(token) in anchors):
            continue
        for k in range(max(0, n - 2), n + 1):
            start, word = words[k]
            if start <= tried or (k < n and word not in starts and fold(word) not in starts):
                continue
            tried = start
            match = grammar.match(text, start)
            if match is not None and match.end() > pos:
                yield match
                break


@lru_cache(maxsize=1)
def _anchors() -> frozenset[str]:
    return frozenset(month_names()) | frozenset(date_words())



class _Groups:
    """The named groups of one rule's match, without the rule prefix."""

    def __init__(self, match: re.Match[str], rule: str) -> None:
        self.match, self.rule = match, rule

    def __getitem__(self, name: str) -> str | None:
        try:
            return self.match.group(f"{self.rule}_{name}")
        except IndexError:
            return None


def _false_month(match: re.Match[str], rule: str) -> bool:
    """A short lower-case month word ('may', 'mar') is an ordinary word, not a month."""
    for name in ("m1", "m2"):
        try:
            word = match.group(f"{rule}_{name}")
        except IndexError:
            continue
        if word and word.islower() and len(word.rstrip(".")) <= 3:
            return True
    return False


def _role(text: str, match: re.Match[str]) -> str:
    first = fold(match.group(0).split()[0])
    before = _ROLE_BEFORE.search(text, max(0, match.start() - 16), match.start())
    word = fold(before.group(1)) if before else ""
    for candidate in (first, word):
        kind = date_words().get(candidate, ("", ""))[0]
        if kind in ("until", "since"):
            return kind
    at_line_start = match.start() == 0 or text[match.start() - 1] == "\n"
    if at_line_start and _DATELINE_AFTER.match(text, match.end()):
        return "dateline"
    return "on"


def _day(value: str | None) -> int:
    return int(re.match(r"\d+", value or "0").group(0))


def _month(value: str | None) -> int:
    return month_names()[fold(value or "").rstrip(".")]


def _full(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(month: int, day: int, year: str | None, published: date | None) -> tuple[date | None, str | None]:
    """A day in a month: the stated year, else the publication's (previous year if far in the future)."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None, None
    if year:
        return _full(int(year), month, day), None
    if published is None:
        return None, f"--{month:02d}-{day:02d}"
    candidate = _full(published.year, month, day)
    if candidate and candidate - published > _FUTURE_LIMIT:
        candidate = _full(published.year - 1, month, day)
    return candidate, None


Resolved = tuple[date | None, date | None, str | None, str | None]


def _single(g: _Groups, published: date | None, month: int | None = None) -> Resolved | None:
    month = month if month is not None else _month(g["m1"])
    start, partial = _month_day(month, _day(g["d1"]), g["y"], published)
    if start is None and partial is None:
        return None
    return start, None, partial, None


def _range(g: _Groups, published: date | None) -> Resolved | None:
    first = _month(g["m1"])
    second = _month(g["m2"]) if g["m2"] else first
    start, start_p = _month_day(first, _day(g["d1"]), g["y"], published)
    end, end_p = _month_day(second, _day(g["d2"]), g["y"], published)
    if start and end and end < start:
        if g["y"] is None and published is not None and second < first:
            start = _full(start.year - 1, first, _day(g["d1"]))
        else:
            return None
    if (start or start_p) is None or (end or end_p) is None:
        return None
    return start, end, start_p, end_p


def _numeric(g: _Groups, published: date | None) -> Resolved | None:
    return _single(g, published, int(g["n1"] or 0))


def _relative(g: _Groups, published: date | None) -> Resolved | None:
    if g["d1"]:
        return _single(g, published, int(g["n1"] or 0))
    if published is None:
        return None
    offset = int(date_words()[fold(g["r"] or "")][1])
    return published + timedelta(days=offset), None, None, None


def _unit(g: _Groups, published: date | None) -> Resolved | None:
    if published is None:
        return None
    shift = int(date_words()[fold(g["s"] or g["s2"] or "")][1])
    unit = date_words()[fold(g["u"] or g["u2"] or "")][1]
    if unit == "year":
        return None, None, str(published.year + shift), None
    index = published.year * 12 + published.month - 1 + shift
    return None, None, f"{index // 12}-{index % 12 + 1:02d}", None


def _weekday(g: _Groups, published: date | None) -> Resolved | None:
    weekday = int(date_words()[fold(g["w"] or "")][1])
    shift_word = date_words().get(fold(g["s"] or ""), ("", "0"))
    shift = int(shift_word[1]) if shift_word[0] == "shift" else 0
    if published is None:
        return None, None, calendar.day_name[weekday], None
    back = (published.weekday() - weekday) % 7
    if shift > 0:
        return published + timedelta(days=(weekday - published.weekday()) % 7 or 7), None, None, None
    if shift < 0 and back == 0:
        back = 7
    return published - timedelta(days=back), None, None, None


def _month_year(month: int, year: str | None, published: date | None) -> str | None:
    if year:
        return f"{year}-{month:02d}"
    return f"{published.year}-{month:02d}" if published else f"--{month:02d}"


def _months(g: _Groups, published: date | None) -> Resolved | None:
    start = _month_year(_month(g["m1"]), g["y"], published)
    end = _month_year(_month(g["m2"]), g["y"], published) if g["m2"] else None
    return None, None, start, end


def _year(g: _Groups, published: date | None) -> Resolved | None:
    return None, None, g["y"], None


_RESOLVERS = {
    "dm_dm": _range, "md_md": _range, "md_d": _range, "d_d_m": _range, "dmy": _single, "mdy": _single,
    "num": _numeric, "rel": _relative, "md": _single, "dm": _single, "mpair": _months, "my": _months,
    "unit": _unit, "wd": _weekday, "mon": _months, "year": _year,
}
