"""Results by document: field collapsing of the unit ranking, each document opened at its best units.

A drafter wants the earlier *set* of answers on a subject, not one unit of it:
on real documents the right document is nearly always first where the right
unit often is a sibling away. So a grouped search ranks documents by their best
unit and shows, per document, its best `per_document` units in document order,
the best one marked (Elasticsearch's `collapse` with inner hits). A bare "Ja."
or a pointer answer is shown with the unit it leads into or points to
(bare_answers.py), and counts as good as the better of the two.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from vraagbaak.retrieval.bare_answers import companions
from vraagbaak.retrieval.request import SearchFilters, SearchMode
from vraagbaak.retrieval.retriever import Candidate, Retriever
from vraagbaak.units import Document, Unit

GROUP_UNITS = 4
"""Units shown per document by default (`VRAAGBAAK_GROUP_UNITS`), besides the context of bare answers."""
MAX_DEPTH = 3200
"""Deepest each signal's candidate list goes when the first candidates hold fewer than k documents."""


@dataclass(frozen=True)
class ShownUnit:
    """A unit shown inside a document result."""

    unit: Unit
    candidate: Candidate | None
    """None for a unit shown only as the context of a bare answer (not itself a candidate)."""
    relevance_rank: int | None
    """Its position among all candidate units, from 1; None with `candidate`."""
    best: bool = False
    context_for: str | None = None
    """The bare answer ("Ja.", "Zie het antwoord op vraag 4") this unit is shown to complete."""


@dataclass(frozen=True)
class DocumentGroup:
    document: Document
    score: float
    relevance_rank: int
    matched: int
    """Candidate units of this document."""
    units: tuple[ShownUnit, ...]
    """In document order."""

    @property
    def best(self) -> ShownUnit:
        return next(shown for shown in self.units if shown.best)


def candidates_for_documents(
    retriever: Retriever,
    question: str,
    vector: np.ndarray | None,
    k: int,
    mode: SearchMode = SearchMode.HYBRID,
    filters: SearchFilters | None = None,
    *,
    exclude: Collection[str] = (),
) -> list[Candidate]:
    """Fused candidates holding at least k documents where the index has them: the default depth first
    (so the order is the ungrouped search's), deeper only when its candidates name fewer than k documents."""
    depth = retriever.fusion.depth
    while True:
        found = retriever.candidates_encoded(question, vector, mode, filters, exclude=exclude, depth=depth)
        if len({c.unit.doc_id for c in found}) >= k or len(found) < depth or depth >= MAX_DEPTH:
            return found
        depth = min(depth * 4, MAX_DEPTH)


def group_by_document(
    retriever: Retriever,
    candidates: Sequence[Candidate],
    k: int,
    per_document: int = GROUP_UNITS,
    *,
    with_context: bool = True,
    hidden: Collection[str] = (),
) -> list[DocumentGroup]:
    """The first k documents of `candidates` (best first), each with its best `per_document` units.

    With `with_context`, a unit's standing is the better of its own score and those of the units it is read
    with (a bare answer's companions), and those are shown beside it: the "Ja." before the gold answer, or
    the gold behind a pointer. `hidden`: unit ids never shown as context (an evaluation's held-out units).
    """
    rank_of = {c.unit.unit_id: rank for rank, c in enumerate(candidates, 1)}
    by_id = {c.unit.unit_id: c for c in candidates}
    read_with: dict[str, list[Unit]] = {}
    standing: dict[str, float] = {}
    for c in candidates:
        found = companions(retriever, c.unit) if with_context else []
        read_with[c.unit.unit_id] = [u for u in found if u.unit_id not in hidden]
        pair = [by_id[u.unit_id].score for u in read_with[c.unit.unit_id] if u.unit_id in by_id]
        standing[c.unit.unit_id] = max([c.score, *pair])
    per_doc: dict[str, list[Candidate]] = {}
    for c in candidates:
        per_doc.setdefault(c.unit.doc_id, []).append(c)
    ordered = sorted(
        per_doc.items(),
        key=lambda item: (-max(standing[c.unit.unit_id] for c in item[1]), rank_of[item[1][0].unit.unit_id]),
    )
    groups = []
    for position, (doc_id, members) in enumerate(ordered[:k], 1):
        members = sorted(members, key=lambda c: (-standing[c.unit.unit_id], rank_of[c.unit.unit_id]))
        chosen = members[:per_document]
        shown: dict[str, ShownUnit] = {}
        for index, c in enumerate(chosen):
            shown[c.unit.unit_id] = ShownUnit(c.unit, c, rank_of[c.unit.unit_id], best=index == 0)
        for c in chosen:
            for companion in read_with[c.unit.unit_id]:
                if companion.unit_id not in shown:
                    known = by_id.get(companion.unit_id)
                    shown[companion.unit_id] = ShownUnit(
                        companion, known, rank_of.get(companion.unit_id), context_for=c.unit.unit_id
                    )
        order = {unit.unit_id: i for i, unit in enumerate(retriever.units_of(doc_id))}
        units = sorted(shown.values(), key=lambda s: (s.unit.doc_id != doc_id, order.get(s.unit.unit_id, 0)))
        document = retriever.document(doc_id)
        assert document is not None
        best_score = standing[chosen[0].unit.unit_id]
        groups.append(DocumentGroup(document, best_score, position, len(members), tuple(units)))
    return groups
