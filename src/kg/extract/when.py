"""Date expressions in bulletin text, resolved against the publication date.

News items rarely write full dates: "today (09/06)", "On September 23", "From
September 8 to 11", "last month", "this Wednesday, September 9". One compiled
grammar (`date_grammar`) finds them; each is resolved with the item's publication date, and a
precision the text does not give is never invented: month-only dates stay
`2017-06`, day-month dates without a known year stay `--06-09`, a lone weekday
without a publication date stays `Tuesday`. Numeric dates are day/month (the
convention of IOM's Latin American offices). Month names come from
`mappings/months.tsv`, weekdays and date adverbs from `mappings/date_words.tsv`.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Iterator, NamedTuple

from ..dates import month_names
from .date_grammar import anchor_words, date_words, grammar_at, start_words
from .tokens import fold

Split = tuple[list[str], list[str], list[int]]     # texts, lows and edges of a sentence's tokens

# A month-day without a year that would fall this far after publication is taken from the previous year.
_FUTURE_LIMIT = timedelta(days=183)


class When(NamedTuple):
    """One date expression: where it is, what it says, what it resolves to."""

    begin: int                      # offsets in the searched text
    finish: int
    text: str
    start: date | None = None
    end: date | None = None
    start_partial: str | None = None  # "2017-06", "2018", "--06-09", "Tuesday"
    end_partial: str | None = None
    role: str = "on"                # on | until | since | dateline


_WORD = re.compile(r"[^\W_]+")
_START, _GROUP = re.Match.start, re.Match.group
_ASCII_DIGIT = re.compile(r"[0-9]")
_DIGIT = re.compile(r"\d")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_INNER_PUNCT = re.compile(r"[^\W_][_'’.&/-]+[^\W_]")   # inside one token: letters or digits on both sides
_DATELINE_AFTER = re.compile(r"\s*,?\s*[A-Z][^\n,.;:]{0,40}?\s*[-–—]\s")
# The last word of the 16 characters before a date, matched at the start of them reversed (one attempt,
# where `(\w+)\W*$` would be tried at each of them).
_LAST_WORD = re.compile(r"\W*(\w+)")
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=256)
def find_dates(text: str, published: date | None) -> tuple[When, ...]:
    """Every date expression in `text`, in order, resolved against `published`."""
    return _resolve(text, *_words(text), published)


def sentence_dates(text: str, split: Split, offset: int, published: date | None) -> tuple[When, ...]:
    """The date expressions of one sentence (`text` starting at `offset` of the item text; `split`: its
    tokens as `split_words` gives them), with item offsets; a date opening the sentence counts as at a
    line start (datelines). The words come from the tokens, which the trigger pass has already split."""
    if "\u03a3" in text:
        words = _words(text)
    elif _no_anchor(text, split[1]):
        return ()
    else:
        words = _token_words(split, offset)
    return _resolve(text, *words, published, offset)


def _no_anchor(text: str, lows: list[str]) -> bool:
    """No word can anchor a date: no token is a month, weekday or date word (their `low`s are folded as
    the anchor words are), the text has no digit, and no token holds inner punctuation (which would hide
    a word inside it, "mid-September")."""
    return anchor_words().isdisjoint(lows) and not _has_digit(text) and _INNER_PUNCT.search(text) is None


def _has_digit(text: str) -> bool:
    """Whether a character of `text` is a digit (`str.isdigit`: superscripts too), tested in C."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return _DIGIT.search(text) is not None or any(c.isdigit() for c in set(_NON_ASCII.findall(text)))


def _resolve(text: str, words: list[str], offsets: list[int], published: date | None,
             offset: int = 0) -> tuple[When, ...]:
    """The dates of the grammar matches at `words` (lower case, at `offsets` of `text`), without overlaps,
    at `offset` plus their offsets in `text`.

    The grammar is tried only where a word that can start a date begins: a single scan with the whole
    alternation is many times slower."""
    found: list[When] = []
    done = 0
    for match in _candidates(text, words, offsets):
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
        found.append(When(match.start() + offset, match.end() + offset, match.group(0), start, end, start_partial,
                          end_partial, role))
        done = match.end()
    return tuple(found)


def _words(text: str) -> tuple[list[str], list[int]]:
    """The words of `text` (runs of letters and digits), lower-cased, and their offsets."""
    low = text.lower()
    if len(low) == len(text):
        matches = list(_WORD.finditer(low))
        return list(map(_GROUP, matches)), list(map(_START, matches))
    matches = list(_WORD.finditer(text))    # a few code points change length when lower-cased
    return [m.group().lower() for m in matches], list(map(_START, matches))


def _token_words(split: Split, offset: int) -> tuple[list[str], list[int]]:
    """`_words` of a sentence from its tokens (token offsets less `offset`): a word token is one word unless
    it holds inner punctuation ("U.S.", "follow-up"). Lower-casing a word alone equals lower-casing it in
    the sentence except for a capital sigma, which the caller leaves to `_words`."""
    words: list[str] = []
    offsets: list[int] = []
    for text, start in zip(split[0], split[2][1::2]):
        if text.isalnum():
            words.append(text.lower())
            offsets.append(start - offset)
        elif text[0].isalnum():
            for match in _WORD.finditer(text):
                words.append(match.group().lower())
                offsets.append(start - offset + match.start())
    return words, offsets


def _candidates(text: str, words: list[str], offsets: list[int]) -> Iterator[re.Match[str]]:
    """Grammar matches, tried where a digit, month, weekday or date adverb is (or up to two words before it,
    for the connectors: "From September 8", "On the 28th")."""
    anchors = _anchor_indexes(text, words)
    if not anchors:
        return
    starts = start_words()
    tried = -1
    for n in anchors:
        pos = offsets[n]
        for k in range(max(0, n - 2), n + 1):
            start, word = offsets[k], words[k]
            if start <= tried or (k < n and word not in starts and (word.isascii() or fold(word) not in starts)):
                continue
            tried = start
            match = grammar_at(word).match(text, start)
            if match is not None and match.end() > pos:
                yield match
                break


def _anchor_indexes(text: str, words: list[str]) -> list[int]:
    """Indexes of the words that can anchor a date (a digit, a month, a weekday, a date adverb). Most
    sentences have none: set and regex tests (in C) rule them out before the word-by-word test."""
    anchors = anchor_words()
    if anchors.isdisjoint(words) and not _has_digit(text) \
            and (text.isascii() or not any(fold(w) in anchors for w in words if not w.isascii())):
        return []
    return [n for n, w in enumerate(words)
            if w[0].isdigit() or w in anchors or not w.isascii() and fold(w) in anchors]


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
    before = _LAST_WORD.match(text[max(0, match.start() - 16):match.start()][::-1])
    word = fold(before.group(1)[::-1]) if before else ""
    for candidate in (first, word):
        kind = date_words().get(candidate, ("", ""))[0]
        if kind in ("until", "since"):
            return kind
    at_line_start = match.start() == 0 or text[match.start() - 1] == "\n"
    if at_line_start and _DATELINE_AFTER.match(text, match.end()):
        return "dateline"
    return "on"


def _day(value: str | None) -> int:
    return int(_DIGITS.match(value or "0").group(0))


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
