"""Shared fixtures: where the sample and the shared gold are."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLE = REPO / "data" / "bulletins"
PAGES = Path(__file__).resolve().parent / "pages"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "gold").is_dir():
        pytest.skip("../shared (gold annotation and scorer) is not next to the repository")
    return SHARED


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def page_contexts() -> list:
    """The extraction context of every item of the test pages and the sample (the fast-path tests
    compare each shortcut with its plain definition on these)."""
    from kg.extract import build_context, load_catalogue
    from kg.model import BulletinItem
    from kg.read import read_paths

    catalogue = load_catalogue()
    items = [i for i in read_paths(sorted(PAGES.rglob("*.txt")) + [SAMPLE]) if isinstance(i, BulletinItem)]
    return [build_context(item, catalogue) for item in items]
