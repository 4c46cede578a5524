"""The one settings table of kg.

Every tunable lives here with its default. The CLI and the Flask app build a
`Settings` from their own inputs (options, app config); the library only ever
receives a `Settings` object and never reads the environment itself.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    #: Base of every IRI the graph mints (things, terms, graphs).
    base_iri: str = "https://example.org/iom-kg/"
    #: On-disk pyoxigraph store written by `kg build` and served by `kg serve`.
    store: Path | str = Path("kg-store")
    #: Credentials for a remote store (`store` = a SPARQL endpoint URL); only writes need them on Virtuoso.
    remote_user: str | None = None
    remote_password: str | None = None
    #: Address `kg serve` binds to.
    host: str = "127.0.0.1"
    port: int = 8000
    #: Public URL of the endpoint (service description, VoID); default derived from host/port.
    public_url: str | None = None
    #: Seconds a SPARQL query may run before it is stopped with a 503.
    query_timeout: float = 30.0
    #: Largest accepted query text, in bytes (413 beyond).
    max_query_bytes: int = 100_000
    #: Queries evaluated at once; the excess is answered 503 with Retry-After.
    max_concurrent_queries: int = 8
    #: Worker threads of the WSGI server.
    server_threads: int = 8
    #: SHACL engine for builds: "sparql" (shapes compiled to SPARQL on pyoxigraph) or "pyshacl".
    validation_engine: str = "sparql"
    #: Items per SHACL validation call.
    validation_batch: int = 1000
    #: Date a build validates against ("not published in the future"); None = the day the build runs.
    build_date: date | None = None
    #: Worker processes for `kg build` (0 = one per core).
    build_workers: int = 1
    #: Response cache for repeated queries.
    cache_enabled: bool = True
    cache_max_bytes: int = 64 * 1024 * 1024
    #: Seconds an HTTP cache may reuse a cached answer before revalidating it with its ETag
    #: (`Cache-Control: public, max-age=N`); a rebuild swapped in is seen by such caches within this delay.
    cache_max_age: int = 60

    def with_(self, **changes: Any) -> "Settings":
        """A copy with the given fields changed; `None` values keep the default."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        clean = {k: v for k, v in changes.items() if v is not None}
        if "store" in clean and not isinstance(clean["store"], Path) and "://" not in str(clean["store"]):
            clean["store"] = Path(clean["store"])
        return replace(self, **clean)

    @property
    def endpoint_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}/sparql"


DEFAULTS = Settings()
