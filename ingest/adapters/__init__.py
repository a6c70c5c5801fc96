"""One adapter per live source kind; each reads one configured source into SourceRows.

An adapter is `read(source, client, progress) -> SourceRows`: it fetches the raw records page
by page through the shared HTTP client and maps them with the source's field mapping. Adapter
modules are imported on first use so that the configuration loader, which shares the mapping
module, does not pull in every adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.adapters.common import PageProgress
    from ingest.http import SourceClient
    from ingest.records import SourceRows
    from ingest.sources_config import LiveSource

    Adapter = Callable[[LiveSource, SourceClient, PageProgress], SourceRows]

ADAPTER_MODULES = {
    "decidim": "ingest.adapters.decidim",
    "opendatasoft": "ingest.adapters.opendatasoft",
    "ckan": "ingest.adapters.ckan",
}


def adapter_for(kind: str) -> Adapter:
    """The `read` function of the adapter for a source kind."""
    return import_module(ADAPTER_MODULES[kind]).read


def auth_headers(kind: str, api_key: str) -> Mapping[str, str]:
    """The request headers that carry an API key the way this kind of portal expects it."""
    return import_module(ADAPTER_MODULES[kind]).auth_headers(api_key)
