"""Units and their term counts in parts of whole documents: cut, merged, and rewritten without a document.

A part the change does not touch is kept (linked into the next generation);
one that loses a document is rewritten from its verified bytes; small parts
at the tail are merged like the digits of a binary counter (`compact`). The
units of a rewritten or merged part are copied line by line from the files that
held them (`streamed.StoredLines`), never read whole: only term counts are
held in memory, so an update's memory does not grow with the parts it merges.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

import numpy as np

from vraagbaak.store.generations import NewPart, Part, read_terms
from vraagbaak.store.lexical import TermCounts
from vraagbaak.store.manifest import PartInfo
from vraagbaak.store.streamed import Lines, StoredLines
from vraagbaak.units import Unit

logger = logging.getLogger(__name__)

PART_UNITS = 65_536
"""Parts grow to this many units by merging and no further, so removing a document rewrites at most this many."""
_SPARE_PARTS = 16  # parts allowed beyond ceil(units / PART_UNITS) before the smallest neighbours are merged


class PartIds:
    """Part ids, counting up from the manifest's `next_part`: a rewritten part never reuses a name."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def new_parts(documents: Sequence[tuple[str, Sequence[Unit]]], next_id: Callable[[], int]) -> list[NewPart]:
    """`documents`' units in parts of at most PART_UNITS (a bigger document gets a part of its own)."""
    groups: list[list[tuple[str, Sequence[Unit]]]] = []
    size = 0
    for doc_id, units in documents:
        if groups and size + len(units) <= PART_UNITS:
            groups[-1].append((doc_id, units))
            size += len(units)
        else:
            groups.append([(doc_id, units)])
            size = len(units)
    parts = []
    for group in groups:
        units = [unit for _, doc_units in group for unit in doc_units]
        info = PartInfo(id=next_id(), documents={doc_id: len(doc_units) for doc_id, doc_units in group})
        lines = [unit.model_dump_json().encode("utf-8") for unit in units]
        parts.append(NewPart(info, (lines,), TermCounts.from_texts([unit.text for unit in units])))
    return parts


def compact(parts: list[Part], next_id: Callable[[], int]) -> list[Part]:
    """Merge tail parts while the one before is less than twice the last; then merge the smallest
    neighbours while there are more than ceil(units / PART_UNITS) + _SPARE_PARTS parts."""
    parts = list(parts)
    while len(parts) >= 2 and _mergeable(parts[-2], parts[-1]):
        parts[-2:] = [_merge(parts[-2], parts[-1], next_id())]
    limit = math.ceil(sum(part.info.units for part in parts) / PART_UNITS) + _SPARE_PARTS
    while len(parts) > limit:
        at = min(range(len(parts) - 1), key=lambda i: parts[i].info.units + parts[i + 1].info.units)
        if parts[at].info.units + parts[at + 1].info.units > PART_UNITS:
            break
        parts[at : at + 2] = [_merge(parts[at], parts[at + 1], next_id())]
    return parts


def _mergeable(before: Part, last: Part) -> bool:
    together = before.info.units + last.info.units
    return together <= PART_UNITS and before.info.units < 2 * last.info.units


def _merge(first: Part, second: Part, part_id: int) -> NewPart:
    info = PartInfo(id=part_id, documents={**first.info.documents, **second.info.documents})
    terms = TermCounts.concatenate([_terms(first), _terms(second)])
    return NewPart(info, _lines(first) + _lines(second), terms)


def _lines(part: Part) -> tuple[Lines, ...]:
    """A part's units as lines to write: a kept part's file to copy, checked as it is copied."""
    if isinstance(part, NewPart):
        return part.lines
    file = part.info.units_file
    return (StoredLines(part.folder / file, part.files[file], part.info.units),)


def _terms(part: Part) -> TermCounts:
    """A part's term counts in memory: a kept part's read from its generation, checksum verified."""
    return part.terms if isinstance(part, NewPart) else read_terms(part.folder, part.files, part.info)


def _select(lines: tuple[Lines, ...], keep: np.ndarray) -> tuple[Lines, ...]:
    """The lines that `keep` marks (one flag per line, over all the segments in order)."""
    selected: list[Lines] = []
    start = 0
    for segment in lines:
        size = segment.kept if isinstance(segment, StoredLines) else len(segment)
        flags = keep[start : start + size]
        start += size
        if isinstance(segment, StoredLines):
            selected.append(segment.select(flags))
        else:
            selected.append([line for line, stays in zip(segment, flags.tolist(), strict=True) if stays])
    return tuple(selected)


def drop_documents(parts: list[Part], drop: set[str], ids: PartIds) -> tuple[list[Part], np.ndarray]:
    """`parts` without the documents `drop`, and which rows (units) of the old order stay.

    A part holding none of them stays as it is (to be linked); one holding some is rewritten
    from its verified bytes as a new part; one holding only those goes.
    """
    kept: list[Part] = []
    keep_rows: list[np.ndarray] = []
    for part in parts:
        documents = part.info.documents
        if drop.isdisjoint(documents):
            kept.append(part)
            keep_rows.append(np.ones(part.info.units, bool))
            continue
        keep = np.repeat(np.array([doc_id not in drop for doc_id in documents], bool), list(documents.values()))
        keep_rows.append(keep)
        remaining = {doc_id: count for doc_id, count in documents.items() if doc_id not in drop}
        if remaining:
            info = PartInfo(id=ids.take(), documents=remaining)
            kept.append(NewPart(info, _select(_lines(part), keep), _terms(part).select(keep)))
    return kept, np.concatenate(keep_rows) if keep_rows else np.zeros(0, bool)
