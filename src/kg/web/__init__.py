"""The SPARQL endpoint: `create_app(settings)` (Flask) and `serve(settings)` (waitress).

Imported lazily so that the query worker processes, which import
`kg.web.workers`, do not load Flask.
"""
from __future__ import annotations

from typing import Any

__all__ = ["create_app", "make_server", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kg.web import app

        return getattr(app, name)
    raise AttributeError(name)
