"""Extraction stage: BulletinItem -> Record.

The catalogue pass (countries, places, organizations, people) runs first on the item text
(title + "\\n" + body) and leaves its mentions in an `ItemContext`; the finders of events, courses and
initiatives then read that context. Those finders live in sibling modules (`events`, `courses`,
`initiatives`) and are called when present.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..model import BulletinItem, Record
from ..resources import resource_dir
from .assemble import Assembler
from .catalogue import Catalogue, load
from .context import ItemContext, Mention, Sentence
from .entities import scan_item
from .people import find_people
from .text import normalize, split_sentences

__all__ = ["Catalogue", "ItemContext", "Mention", "Sentence", "build_context", "extract", "load_catalogue"]

# (module, function, Record field) of the finders that read the context.
_FINDERS = (("events", "find_events", "events"), ("courses", "find_courses", "courses"),
            ("initiatives", "find_initiatives", "initiatives"))


def load_catalogue(mappings_dir: Path | None = None) -> Catalogue:
    """The entity catalogue from `mappings_dir` (default: the project's `mappings/`), loaded once per folder."""
    return _load_cached(Path(mappings_dir or resource_dir("mappings")).resolve())


@lru_cache(maxsize=8)
def _load_cached(mappings_dir: Path) -> Catalogue:
    return load(mappings_dir)


def build_context(item: BulletinItem, catalogue: Catalogue | None = None) -> ItemContext:
    """Countries, places, organizations and people of one item, with their mentions and sentences."""
    catalogue = catalogue or load_catalogue()
    text = item.title + "\n" + item.body
    sentences = split_sentences(text)
    scan = scan_item(normalize(text), catalogue)
    find_people(scan)
    parts = Assembler(scan, text, sentences)
    return ItemContext(item=item, text=text, sentences=sentences, mentions=parts.mentions(),
                       countries=parts.countries(), places=parts.places(),
                       organizations=parts.organizations(), people=parts.people(), catalogue=catalogue)


def extract(item: BulletinItem, catalogue: Catalogue | None = None) -> Record:
    """Everything extracted from one item."""
    ctx = build_context(item, catalogue)
    found = {field: finder(ctx) for field, finder in _finders()}
    return Record(item=item, countries=ctx.countries, places=ctx.places, organizations=ctx.organizations,
                  people=ctx.people, **found)


@lru_cache(maxsize=1)
def _finders() -> tuple[tuple[str, Callable[[ItemContext], tuple]], ...]:
    """The context finders whose modules exist: one that is absent, or needs a sibling module that is not
    there yet, is skipped; any other import error raises."""
    out = []
    for module_name, function, field in _FINDERS:
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith(f"{__name__}."):
                raise
            continue
        finder = getattr(module, function, None)
        if finder is not None:
            out.append((field, finder))
    return tuple(out)
