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
