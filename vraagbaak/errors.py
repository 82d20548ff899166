"""Domain errors raised by the core (parsing, model, store, retrieval); the CLI and the service translate them.

Also the one way a pydantic validation error becomes text (`describe_validation_error`), for the
service's 422s, the CLI's usage errors and the evaluation's file checks alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


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


def describe_validation_error(error: ValidationError | Iterable[Mapping[str, Any]], *, whole: str = "value") -> str:
    """`field.path: message` per error, joined by "; "; `whole` names the field of an error about the
    input as a whole (an empty location)."""
    errors = error.errors() if hasattr(error, "errors") else error
    return "; ".join(f"{field_path(item.get('loc', ()), whole)}: {problem_text(item)}" for item in errors)


def field_path(loc: Sequence[str | int], whole: str = "value") -> str:
    """A pydantic error location as a dotted path (`filters.parties.0`)."""
    return ".".join(str(part) for part in loc) or whole


def problem_text(error: Mapping[str, Any]) -> str:
    """A pydantic error's message, without the "Value error, " that pydantic puts before a validator's own words."""
    return str(error.get("msg", "invalid value")).removeprefix("Value error, ")
