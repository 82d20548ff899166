"""The Tweede Kamer's open data (OData v4 `Document` entities and their files), as sync consumes them.

Use `TkOData` for pages of `TkDocument` records and their `Resource` files; every failure is a
`SourceError`. See NOTES_odata.md in the parent folder for the API facts this rests on.
"""

from vraagbaak.sources.tk.client import DEFAULT_BASE_URL, TkOData, TkPage
from vraagbaak.sources.tk.errors import (
    DocumentNotFoundError,
    NotADocumentError,
    ResourceTooLargeError,
    SourceError,
    SourceRequestError,
    SourceResponseError,
    SourceUnavailableError,
)
from vraagbaak.sources.tk.records import TkActor, TkDocument, TkZaak
from vraagbaak.sources.tk.resource import Resource

__all__ = [
    "DEFAULT_BASE_URL",
    "DocumentNotFoundError",
    "NotADocumentError",
    "Resource",
    "ResourceTooLargeError",
    "SourceError",
    "SourceRequestError",
    "SourceResponseError",
    "SourceUnavailableError",
    "TkActor",
    "TkDocument",
    "TkOData",
    "TkPage",
    "TkZaak",
]
