"""Domain errors raised by the core (parsing, model, store, retrieval); the CLI and the service translate them."""

from __future__ import annotations


class VraagbaakError(Exception):
    """Base class for every error the core raises on purpose."""


class ParseError(VraagbaakError):
    """A document could not be read or parsed; the message names the file."""


class ModelError(VraagbaakError):
    """The embedding model could not be materialised or loaded."""


class IndexNotFoundError(VraagbaakError):
    """No index at the given directory."""


class IndexCorruptError(VraagbaakError):
    """An index file is missing, truncated or fails its checksum."""


class ManifestMismatchError(VraagbaakError):
    """The index was built with another model, dimension or format version."""


class IndexLockedError(VraagbaakError):
    """Another process holds the index directory's writer lock."""


class IndexWriteError(VraagbaakError):
    """Writing a new index generation failed (disk full, permissions); the old one still serves."""


class QueryError(VraagbaakError):
    """A search request the retriever cannot answer as asked (empty question, k out of range)."""
