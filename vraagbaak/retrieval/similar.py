"""'Ook eerder gevraagd': units whose stored questions are near-duplicates of a unit's question.

A drafter answering a question wants the earlier answers to the same
question, to keep answers consistent. The index already holds one vector per
unit question (field QUESTION, query prompt on both sides, so the match is
symmetric); the cosine between two of them says how nearly the questions
coincide. No model call at request time: the stored vectors are gathered once
per index generation into one matrix (n questions x dimension float32, about
1.5 kB a question with the bundled model), and a lookup is one matrix-vector
product. The threshold was chosen on the evaluation data with
`python -m vraagbaak.eval.similar_threshold` (eval/README.md has its figures).
"""

from __future__ import annotations

import datetime
import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from vraagbaak.store.chunking import VectorField
from vraagbaak.store.generations import IndexContent, VectorMap
from vraagbaak.store.vector_index import stored_vectors
from vraagbaak.units import Document, Unit

logger = logging.getLogger(__name__)

SIMILAR_COSINE = 0.91
"""Question-to-question cosine from which two questions count as the same question asked again."""

MAX_SIMILAR = 10
"""Most near-duplicates listed for one unit: the closest ones, then shown newest first."""


@dataclass(frozen=True)
class SimilarUnit:
    """A unit whose question nearly repeats another's, with how close the two are."""

    unit: Unit
    document: Document
    cosine: float


class SimilarLink(BaseModel):
    """A near-duplicate as the API shows it: enough to list it on a card and fetch it."""

    unit_id: str
    doc_id: str
    number: int | None
    question: str
    date: datetime.date | None = Field(description="The date of its document.")
    cosine: float = Field(description="Cosine of the two stored question vectors.")


@dataclass(frozen=True)
class QuestionVectors:
    """The stored question vectors of one generation, in one matrix."""

    matrix: np.ndarray  # float32 (n, dimension), one row per unit that has a question vector
    unit_rows: np.ndarray  # int64 (n,): the unit (row in IndexContent.units) of each matrix row
    position: dict[str, int]  # unit id -> matrix row
    answered: np.ndarray  # bool (n,): whether that unit has an answer
    documents: np.ndarray  # int64 (n,): a number per document, to leave out a unit's own document


_cache: dict[int, QuestionVectors] = {}
_cache_lock = threading.Lock()


def question_vectors(content: IndexContent) -> QuestionVectors:
    """The matrix for `content`, built on first use and dropped with the generation it belongs to."""
    key = id(content)
    with _cache_lock:  # held while building, so concurrent first requests build it once
        found = _cache.get(key)
        if found is None:
            found = _build(content)
            _cache[key] = found
            weakref.finalize(content, _cache.pop, key, None)
        return found


def _build(content: IndexContent) -> QuestionVectors:
    vector_map = content.vector_map
    is_question = vector_map.fields == VectorMap.field_code(VectorField.QUESTION)
    ids = vector_map.ids[is_question]
    unit_rows = vector_map.unit_rows[is_question].astype(np.int64)
    try:
        matrix = content.vectors.reconstruct_batch(np.ascontiguousarray(ids, dtype=np.int64))
    except RuntimeError:
        # An IVF index keeps no id -> position map, so read every vector once and pick the questions.
        all_ids, all_vectors = stored_vectors(content.vectors)
        order = np.argsort(all_ids)
        matrix = all_vectors[order[np.searchsorted(all_ids[order], ids)]]
    matrix = np.ascontiguousarray(matrix, dtype=np.float32).reshape(len(ids), -1)
    units = content.units
    position = {units[row].unit_id: i for i, row in enumerate(unit_rows.tolist())}
    answered = np.fromiter((units[row].answered for row in unit_rows.tolist()), bool, len(unit_rows))
    number_of = {doc_id: i for i, doc_id in enumerate(content.documents)}
    documents = np.array([number_of[units[row].doc_id] for row in unit_rows.tolist()], dtype=np.int64)
    logger.info("question vectors for 'similar': %d of generation %s", len(ids), content.generation or "(unnamed)")
    return QuestionVectors(matrix, unit_rows, position, answered, documents)


def find_similar(
    content: IndexContent,
    unit_ids: Sequence[str],
    threshold: float = SIMILAR_COSINE,
    limit: int = MAX_SIMILAR,
) -> dict[str, list[SimilarUnit]]:
    """For each unit id, the answered units of other documents whose question cosine to its question is at
    least `threshold`.

    The `limit` closest are kept and listed newest document first (undated last), closest first within
    a date. A unit without a question vector (prose, or an id not in the index) gets an empty list.
    Unanswered units are never listed: they hold no answer to stay consistent with. Units of the same
    document are left out: neighbours in one list of questions often share a template ("Hoeveel fiscale /
    financiële verdragen ...", cosine 0.97) without being the same question, and the document view shows
    them anyway; "asked before" means in another document.
    """
    vectors = question_vectors(content)
    known = [unit_id for unit_id in dict.fromkeys(unit_ids) if unit_id in vectors.position]
    found: dict[str, list[SimilarUnit]] = {unit_id: [] for unit_id in unit_ids}
    if not known or limit <= 0:
        return found
    positions = np.array([vectors.position[unit_id] for unit_id in known], dtype=np.int64)
    cosines = vectors.matrix[positions] @ vectors.matrix.T  # (len(known), n)
    for unit_id, own, row in zip(known, positions.tolist(), cosines, strict=True):
        other_documents = vectors.documents != vectors.documents[own]
        candidates = np.flatnonzero((row >= threshold) & vectors.answered & other_documents)
        if len(candidates) > limit:
            candidates = candidates[np.argsort(-row[candidates], kind="stable")[:limit]]
        found[unit_id] = _newest_first(content, vectors, candidates, row)
    return found


def _newest_first(
    content: IndexContent, vectors: QuestionVectors, candidates: np.ndarray, cosines: np.ndarray
) -> list[SimilarUnit]:
    listed = []
    for position in candidates.tolist():
        unit = content.units[int(vectors.unit_rows[position])]
        listed.append(SimilarUnit(unit, content.documents[unit.doc_id], round(float(cosines[position]), 6)))
    oldest = datetime.date.min.toordinal()
    listed.sort(
        key=lambda item: (
            -(item.document.date.toordinal() if item.document.date else oldest),
            -item.cosine,
            item.unit.unit_id,
        )
    )
    return listed


def similar_links(content: IndexContent, unit_ids: Sequence[str]) -> dict[str, list[SimilarLink]]:
    """`find_similar` with the default threshold and bound, as API links."""
    return {
        unit_id: [
            SimilarLink(
                unit_id=item.unit.unit_id,
                doc_id=item.unit.doc_id,
                number=item.unit.number,
                question=item.unit.question,
                date=item.document.date,
                cosine=item.cosine,
            )
            for item in found
        ]
        for unit_id, found in find_similar(content, unit_ids).items()
    }
