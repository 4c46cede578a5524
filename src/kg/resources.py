"""Where the project's data folders are, installed or in a checkout.

A wheel carries `ontology/`, `shapes/`, `mappings/`, `queries/` and the sample
bulletins under `kg/resources/`; an editable install reads them from the
repository root instead.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "resources"
_REPO = Path(__file__).resolve().parents[2]
_REPO_NAMES = {"bulletins": Path("data") / "bulletins"}


def resource_dir(name: str) -> Path:
    """The folder `name` (ontology, shapes, mappings, queries, bulletins)."""
    packaged = _PACKAGED / name
    if packaged.is_dir():
        return packaged
    in_repo = _REPO / _REPO_NAMES.get(name, Path(name))
    if in_repo.is_dir():
        return in_repo
    raise FileNotFoundError(f"kg resource folder {name!r} not found (looked in {packaged} and {in_repo})")


def sample_bulletins() -> list[Path]:
    """The built-in sample corpus, in file-name order."""
    return sorted(resource_dir("bulletins").glob("*.txt"))
