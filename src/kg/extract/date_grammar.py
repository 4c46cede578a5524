"""The date grammar: rule templates over month names, weekdays and date adverbs, compiled per first word.

One alternation of all the rules, tried at a word, costs an attempt of every rule; most words tried are
digits or connectors ("in", "the", "on") that only a few rules can start with. Each rule therefore names
the words it can start with, and at a word only those rules are tried, in their order (an alternation
tries its rules in turn, so the rules that cannot start there change nothing but the time). Month and
weekday lists are prefix trees (`alternation`), ruled out at their first differing letter.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..dates import month_names
from ..resources import resource_dir
from .alternation import alternation
from .tokens import fold


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
    return alternation({w for word in words for w in (word, fold(word))}, ignore_case=True)


def _words(kind: str) -> list[str]:
    return [w for w, (k, _) in date_words().items() if k == kind]


# Rule templates, most specific first. {M} month, {F} full month name, {D} day, {Y} year, {W} weekday,
# {S} shift ("next"), {U} unit ("month"), {R} day word ("today").
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

# The words each rule can start with (its optional leading words, then its first required part; {D} is a
# digit): at a word, only the rules that can start with it are tried. `test_extract_dates` checks that this
# finds what the whole grammar finds.
_RULE_STARTS = {
    "dm_dm": "from de del {D}",
    "md_md": "from {M}",
    "md_d": "from between {M}",
    "d_d_m": "from between de del on the {D}",
    "dmy": "the {D}",
    "mdy": "{W} {M}",
    "num": "{D}",
    "rel": "{R}",
    "md": "{S} {W} {M}",
    "dm": "the {D}",
    "mpair": "in during between from en entre",
    "my": "in since during from until by en desde hasta {F}",
    "unit": "{S} el la",
    "wd": "{S} on el {W}",
    "mon": "in during since until en durante desde hasta",
    "year": "in since during by until en desde durante hasta",
}


@lru_cache(maxsize=1)
def _parts() -> dict[str, str]:
    months = list(month_names())
    return {
        "M": rf"(?:{_alternation(months)})\.?(?![^\W\d_])",
        "F": rf"(?:{_alternation([m for m in months if len(m) > 3])})(?![^\W\d_])",
        "D": r"\d{1,2}(?:st|nd|rd|th|º|°)?(?![\d/:.,]\d)",
        "Y": r"(?:19|20)\d{2}(?!\d)",
        "W": rf"(?:{_alternation(_words('weekday'))})(?![^\W\d_])",
        "S": rf"(?:{_alternation(_words('shift'))})",
        "U": rf"(?:{_alternation(_words('unit'))})(?![^\W\d_])",
        "R": rf"(?:{_alternation(_words('day'))})(?![^\W\d_])",
    }


def grammar() -> re.Pattern[str]:
    """All the rules in one alternation (the first rule that matches wins)."""
    return _compile(tuple(name for name, _ in _RULES))


@lru_cache(maxsize=None)
def _compile(names: tuple[str, ...]) -> re.Pattern[str]:
    """The alternation of the rules `names` (in `_RULES` order; group names prefixed by the rule)."""
    parts, alternatives = _parts(), []
    for name, template in _RULES:
        if name in names:
            body = template.format(**parts).replace("(?P<", f"(?P<{name}_")
            alternatives.append(f"(?P<{name}>{body})")
    return re.compile(r"(?<![\w/])(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


@lru_cache(maxsize=1)
def _by_first_word() -> dict[str, tuple[str, ...]]:
    """First word (its leading ASCII letters, lower case; "0" for a digit) -> the rules that can start with
    it."""
    missing = [name for name, _ in _RULES if name not in _RULE_STARTS]
    if missing:
        raise ValueError(f"date rules without start words: {missing}")
    months = list(month_names())
    classes = {"{D}": ["0"], "{M}": months, "{F}": [m for m in months if len(m) > 3], "{W}": _words("weekday"),
               "{S}": _words("shift"), "{U}": _words("unit"), "{R}": _words("day")}
    rules: dict[str, set[str]] = {}
    for name, starts in _RULE_STARTS.items():
        for start in starts.split():
            if start.startswith("{") and start not in classes:
                raise ValueError(f"date rule {name}: no word class {start}")
            for word in classes.get(start, [start]):
                for form in (word.lower(), fold(word)):
                    lead = _ASCII_LEAD.match(form)
                    if lead:
                        rules.setdefault(lead.group(), set()).add(name)
    return {word: tuple(sorted(names)) for word, names in rules.items()}


_ASCII_LEAD = re.compile(r"[a-z]+|[0-9]")
_NO_RULE = re.compile(r"(?!)")
_AT_WORD: dict[str, re.Pattern[str]] = {}


def grammar_at(word: str) -> re.Pattern[str]:
    """The alternation of the rules that can match at a word (lower case: `word` is compared with the
    rule's words as the case-insensitive grammar compares them); the whole grammar for a word outside
    ASCII, where case-insensitive matching is wider than lower-casing ("ſ" matches "s")."""
    if not word.isascii():
        return grammar()
    key = "0" if word[0].isdigit() else _ASCII_LEAD.match(word).group()
    pattern = _AT_WORD.get(key)
    if pattern is None:
        names = _by_first_word().get(key)
        pattern = _AT_WORD[key] = _compile(names) if names else _NO_RULE
    return pattern


# Words a date expression can start with besides digits, months, weekdays and date adverbs (the
# connectors of the rule templates).
_PREFIXES = frozenset("from del de between on the in during en entre since until by desde durante hasta el la".split())


@lru_cache(maxsize=1)
def start_words() -> frozenset[str]:
    """Words a date can open with: months, date words, connectors ("from", "on the")."""
    return frozenset(month_names()) | frozenset(date_words()) | _PREFIXES


@lru_cache(maxsize=1)
def anchor_words() -> frozenset[str]:
    """Words that anchor a date besides digits: months, weekdays, date adverbs."""
    return frozenset(month_names()) | frozenset(date_words())
