"""Cross-references between units: "zie het antwoord op vraag 46" as links both ways.

The parser stores, on each unit, the unit ids its text points to (`Unit.refs`).
Drafters also want the other direction ("verwezen vanuit": which answers point
here), so the reverse map is built once per loaded Retriever, on first use,
and kept beside it; a new index generation gets a new Retriever and a new map.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable

from pydantic import BaseModel, Field

from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.units import Unit

logger = logging.getLogger(__name__)

TITLE_CHARS = 120
MAX_REFERENCED_BY = 100  # more than any real document has; keeps one answer's list bounded


class UnitLink(BaseModel):
    """Another unit this one points to, or that points to this one."""

    unit_id: str
    doc_id: str | None = Field(description="The referenced unit's document; null when the unit is not in the index.")
    number: int | None = Field(default=None, description="Its question number, when it has one.")
    title: str | None = Field(description="Its question, shortened; null when the unit is not in the index.")


def short_title(unit: Unit, limit: int = TITLE_CHARS) -> str:
    """The question (or, for prose, the start of the passage) on one line, cut at a word boundary."""
    text = " ".join((unit.question or unit.answer).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def referenced_by_map(units: Iterable[Unit]) -> dict[str, tuple[str, ...]]:
    """unit_id -> the ids of units whose refs name it, in index order, each once."""
    reverse: dict[str, dict[str, None]] = {}
    for unit in units:
        for target in unit.refs:
            if target != unit.unit_id:
                reverse.setdefault(target, {})[unit.unit_id] = None
    return {target: tuple(sources)[:MAX_REFERENCED_BY] for target, sources in reverse.items()}


_maps: weakref.WeakKeyDictionary[Retriever, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _reverse(retriever: Retriever) -> dict[str, tuple[str, ...]]:
    found = _maps.get(retriever)
    if found is None:
        with _lock:
            found = _maps.get(retriever)
            if found is None:
                found = referenced_by_map(retriever.content.units)
                _maps[retriever] = found
                logger.debug("cross-references: %d units are referred to", len(found))
    return found


_links: weakref.WeakKeyDictionary[Retriever, dict[str, UnitLink]] = weakref.WeakKeyDictionary()


def link(retriever: Retriever, unit_id: str) -> UnitLink:
    """The link to `unit_id`, made once per retriever (a search's results list the same few again and again).

    Shared between responses: only ever serialised, never changed."""
    links = _links.get(retriever)
    if links is None:
        with _lock:
            links = _links.setdefault(retriever, {})
    found = links.get(unit_id)
    if found is None:
        found = links[unit_id] = _make_link(retriever, unit_id)
    return found


def _make_link(retriever: Retriever, unit_id: str) -> UnitLink:
    unit = retriever.unit(unit_id)
    if unit is None:
        return UnitLink(unit_id=unit_id, doc_id=None, title=None)
    return UnitLink(unit_id=unit_id, doc_id=unit.doc_id, number=unit.number, title=short_title(unit))


def refs_of(retriever: Retriever, unit: Unit) -> list[UnitLink]:
    """What `unit` points to, in the order its text names them; targets not in the index stay listed."""
    return [link(retriever, target) for target in unit.refs]


def referenced_by(retriever: Retriever, unit_id: str) -> list[UnitLink]:
    """Units that point to `unit_id` ("verwezen vanuit"), in index order."""
    return [link(retriever, source) for source in _reverse(retriever).get(unit_id, ())]
