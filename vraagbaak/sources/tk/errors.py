"""Domain errors of the Tweede Kamer source; the sync and the CLI decide what each one means for a run.

Every error is a `SourceError`, so a caller that only wants "the source let us down" catches that. The
messages name the URL (or document id) involved, because a sync log is read long after the run.
"""

from __future__ import annotations

from vraagbaak.errors import VraagbaakError


class SourceError(VraagbaakError):
    """Base class for every error the TK source raises on purpose."""


class SourceUnavailableError(SourceError):
    """The service kept failing (5xx, 429, timeouts, dropped connections) after every retry."""


class SourceResponseError(SourceError):
    """The service answered, but not with what the protocol promises (bad JSON, wrong type, odd links)."""


class SourceRequestError(SourceError):
    """The service refused the request itself (4xx other than 429), so retrying cannot help."""


class DocumentNotFoundError(SourceRequestError):
    """The document, or its file, does not exist at the source (404)."""


class NotADocumentError(SourceError):
    """A file came back, but it is not a PDF, DOCX or plain text (an HTML error page, an image, ...)."""


class ResourceTooLargeError(SourceError):
    """A file is bigger than the configured maximum; it was not (fully) downloaded."""
