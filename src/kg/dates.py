"""Absolute calendar dates as bulletins write them.

Shared by the reader (publication dates) and the extractor (event dates). Month
names come from `mappings/months.tsv`. Numeric dates are day/month/year, the
convention of IOM's Latin American offices.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from .resources import resource_dir


def fold(text: str) -> str:
    """Lower case without accents, for matching words across languages."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Folded month name or abbreviation -> month number."""
    table: dict[str, int] = {}
    path = resource_dir("mappings") / "months.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("name\t"):
            continue
        name, number = line.split("\t")
        table[fold(name)] = int(number)
    return table


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    names = sorted(month_names(), key=len, reverse=True)
    month = "(?P<month>" + "|".join(re.escape(n) for n in names) + r")\.?"
    day = r"(?P<day>\d{1,2})(?:st|nd|rd|th|º|°)?"
    year = r"(?P<year>\d{4})"
    return (
        re.compile(rf"{day}\s*(?:de\s+)?{month}\s*,?\s*(?:de\s+|del\s+)?{year}"),   # 3 September, 2017
        re.compile(rf"{month}\s+{day}\s*,?\s*{year}"),                                # September 3, 2017
        re.compile(rf"{year}-(?P<nmonth>\d{{1,2}})-{day}"),                           # 2017-09-03
        re.compile(rf"{day}\s*[/.-]\s*(?P<nmonth>\d{{1,2}})\s*[/.-]\s*{year}"),       # 29 / 07 / 2020
    )


def parse_date(text: str, whole: bool = True) -> date | None:
    """The date written in `text` (the whole of it when `whole`), or None."""
    folded = fold(text).strip()
    for pattern in _patterns():
        match = pattern.fullmatch(folded) if whole else pattern.search(folded)
        if match:
            groups = match.groupdict()
            month = month_names()[groups["month"]] if groups.get("month") else int(groups["nmonth"])
            try:
                return date(int(groups["year"]), month, int(groups["day"]))
            except ValueError:
                return None
    return None
