"""Helpers for the extraction tests of events, courses and initiatives (imported by those tests)."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from kg.extract import extract, load_catalogue
from kg.model import BulletinItem, Record
from kg.read import read_paths

PAGES = Path(__file__).resolve().parent / "pages" / "events"


def item(title: str, body: str, published: date | None = None) -> BulletinItem:
    return BulletinItem(source="test.txt", index=1, title=title, title_line=1, date_published=published,
                        date_raw=None, body=body, body_line=3, layout="article")


def record(title: str, body: str, published: date | None = None) -> Record:
    return extract(item(title, body, published), load_catalogue())


@lru_cache(maxsize=1)
def page_records() -> dict[tuple[str, int], Record]:
    """Records of the hand-written test pages (five layouts), by (file name, item index)."""
    catalogue = load_catalogue()
    out = {}
    for read in read_paths([PAGES]):
        assert isinstance(read, BulletinItem), read
        out[(read.source, read.index)] = extract(read, catalogue)
    return out
