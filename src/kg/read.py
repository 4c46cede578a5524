"""Read bulletin pages into items.

A page is plain text scraped from a web site. Its layout is recognised from the
text alone:

* ``article``: ``title / Date Publish: / date / body`` (one or more per page);
* ``listing-dated``: blocks of ``date / title / summary``;
* ``listing-undated``: blocks of ``title / summary``;
* ``chrome-article``: site navigation, then one ``title / body`` article.

Navigation chrome before the first item is dropped; it is not news.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .dates import parse_date
from .model import BulletinItem, ReadError

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_DATE_PUBLISH = re.compile(r"^\s*(?:date\s+publish(?:ed)?|published|fecha(?:\s+de\s+publicaci[oó]n)?)\s*:\s*(.*)$",
                           re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.:;,!]$|[.!?][\"'”’)]$")
_CHROME_MARK = re.compile(r"^-(\s|$)")
_HEADING_MAX = 220


@dataclass(frozen=True)
class _Line:
    number: int          # 1-based line number in the page
    text: str            # whitespace-normalised


def clean(text: str) -> str:
    """Collapse every run of spaces (incl. no-break spaces) to one space."""
    return _SPACES.sub(" ", text).strip()


def decode(data: bytes, source: str) -> str | ReadError:
    """UTF-8 text of a page (BOM allowed), or an error naming the first bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return ReadError(source, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")


def read_text(text: str, source: str) -> tuple[list[BulletinItem], list[ReadError]]:
    """Cut one page's text into items."""
    lines = [_Line(n, clean(raw)) for n, raw in enumerate(text.splitlines(), start=1)]
    if not any(line.text for line in lines):
        return [], [ReadError(source, None, "empty page: no text to read")]
    if any(_DATE_PUBLISH.match(line.text) for line in lines):
        items = _read_articles(lines, source)
    elif _dated_starts(lines):
        items = _read_listing(lines, source)
    else:
        items = _read_undated(lines, source)
    if not items:
        first = next(line.number for line in lines if line.text)
        return [], [ReadError(source, first, "no bulletin item found (no title followed by text)")]
    return items, []


def read_page(path: Path) -> tuple[list[BulletinItem], list[ReadError]]:
    """Read one page file; errors are returned, never raised."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [ReadError(path.name, None, f"cannot read file: {exc.strerror or exc}")]
    text = decode(data, path.name)
    if isinstance(text, ReadError):
        return [], [text]
    return read_text(text, path.name)


def page_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus the ``*.txt`` files of the folders named, in order."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path])
    return found


def read_paths(paths: Iterable[Path]) -> Iterator[BulletinItem | ReadError]:
    """Every item of every page, with an error in place of each unreadable page."""
    for path in page_paths(paths):
        items, errors = read_page(path)
        yield from errors
        yield from items


# --- layouts -----------------------------------------------------------------

def _next_text(lines: list[_Line], start: int) -> int | None:
    """Index of the first non-blank line at or after `start`."""
    for i in range(start, len(lines)):
        if lines[i].text:
            return i
    return None


def _prev_text(lines: list[_Line], start: int) -> int | None:
    for i in range(start, -1, -1):
        if lines[i].text:
            return i
    return None


def _is_heading(text: str) -> bool:
    """A line that can be a title: short, not a sentence, not a menu marker."""
    return (bool(text) and len(text) <= _HEADING_MAX and not _SENTENCE_END.search(text)
            and not _CHROME_MARK.match(text) and not text[0].islower())


def _is_prose(text: str) -> bool:
    return bool(text) and not _CHROME_MARK.match(text) and (len(text) > _HEADING_MAX or not _is_heading(text)
                                                           or len(text.split()) >= 25)


def _item(source: str, index: int, title: _Line, published: date | None, raw: str | None,
          body: list[_Line], layout: str) -> BulletinItem:
    while body and not body[-1].text:
        body = body[:-1]
    while body and not body[0].text:
        body = body[1:]
    return BulletinItem(source=source, index=index, title=title.text, title_line=title.number,
                        date_published=published, date_raw=raw,
                        body="\n".join(line.text for line in body),
                        body_line=body[0].number if body else title.number + 1, layout=layout)


def _read_articles(lines: list[_Line], source: str) -> list[BulletinItem]:
    """``title / Date Publish: [date] / body`` articles."""
    marks = [i for i, line in enumerate(lines) if _DATE_PUBLISH.match(line.text)]
    starts: list[tuple[int, int]] = []  # (title index, date-marker index)
    for mark in marks:
        title = _prev_text(lines, mark - 1)
        if title is not None and (not starts or title > starts[-1][1]):
            starts.append((title, mark))
    items = []
    for n, (title, mark) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        raw = _DATE_PUBLISH.match(lines[mark].text).group(1).strip()
        body_start = mark + 1
        if not raw:
            following = _next_text(lines, mark + 1)
            if following is not None and following < end and parse_date(lines[following].text):
                raw, body_start = lines[following].text, following + 1
        items.append(_item(source, n + 1, lines[title], parse_date(raw) if raw else None, raw,
                           lines[body_start:end], "article"))
    return items


def _dated_starts(lines: list[_Line]) -> list[tuple[int, int]]:
    """(date index, title index) of each ``date / title / text`` block."""
    starts = []
    for i, line in enumerate(lines):
        if line.text and len(line.text) <= 40 and parse_date(line.text):
            title = _next_text(lines, i + 1)
            if title is not None and _is_heading(lines[title].text) and not parse_date(lines[title].text):
                starts.append((i, title))
    return starts


def _read_listing(lines: list[_Line], source: str) -> list[BulletinItem]:
    starts = _dated_starts(lines)
    items = []
    for n, (when, title) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        items.append(_item(source, n + 1, lines[title], parse_date(lines[when].text), lines[when].text,
                           lines[title + 1:end], "listing-dated"))
    return items


def _is_glued_menu(heading: str, following: str) -> bool:
    """Menu entries scraped with their teaser: ``Who we are`` / ``WHO WE AREThe ...``."""
    return following.casefold().startswith(heading.casefold()) and len(following) > len(heading)


def _undated_titles(lines: list[_Line]) -> tuple[list[int], bool]:
    """Title indexes of ``title / text`` blocks, and whether chrome preceded them."""
    titles: list[int] = []
    chrome = False
    for i, line in enumerate(lines):
        if not _is_heading(line.text):
            continue
        following = _next_text(lines, i + 1)
        if following is None or not _is_prose(lines[following].text):
            continue
        if _is_glued_menu(line.text, lines[following].text):
            chrome = True
            continue
        titles.append(i)
    if titles and any(line.text for line in lines[:titles[0]]):
        chrome = True
    return titles, chrome


def _read_undated(lines: list[_Line], source: str) -> list[BulletinItem]:
    titles, chrome = _undated_titles(lines)
    if len(titles) > 1 and not _blank_separated(lines, titles):
        titles = titles[:1]  # an unbroken text: one article whose lines happen to look like titles
    layout = "listing-undated" if len(titles) > 1 else ("chrome-article" if chrome else "article")
    items = []
    for n, title in enumerate(titles):
        end = titles[n + 1] if n + 1 < len(titles) else len(lines)
        items.append(_item(source, n + 1, lines[title], None, None, lines[title + 1:end], layout))
    return items


def _blank_separated(lines: list[_Line], titles: list[int]) -> bool:
    """Listing blocks are set apart by blank lines; an article's lines may not be."""
    return all(i > 0 and not lines[i - 1].text for i in titles[1:])
