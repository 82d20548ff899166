"""Query time: which earlier answers fit a new question.

Three signals rank units: similarity of the new question to stored
questions, to answer parts (both from one FAISS search over one query
vector), and BM25 over unit text. Hybrid mode fuses them (fusion.py): by
default a convex combination of normalised scores with one dense score per
unit and a small bonus for the years, numbers and names a unit's question
shares with the query (siblings.py); weighted reciprocal rank fusion is the
alternative. Method and weights were chosen on the evaluation's dev split
(docs/retrieval.md). Filters (request.py), and the units an evaluation leaves
out, become a FAISS id selector and a BM25 mask, so they act inside retrieval
and a filtered search still returns k units when k exist. A unit appears at
most once, at its best rank.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vraagbaak.errors import QueryError
from vraagbaak.model.encoder import Encoder
from vraagbaak.retrieval.citations import Citation, cite
from vraagbaak.retrieval.focus import asking_part, mix
from vraagbaak.retrieval.fusion import Normalisation, Ranking, Signal, convex, rrf
from vraagbaak.retrieval.highlights import analyse_answer, choose_highlights
from vraagbaak.retrieval.language import is_dutch
from vraagbaak.retrieval.query import check_k, clean_question
from vraagbaak.retrieval.request import SearchFilters, SearchMode
from vraagbaak.retrieval.siblings import SiblingScorer
from vraagbaak.settings import QueryEngine
from vraagbaak.store.chunking import VectorField
from vraagbaak.store.generations import IndexContent, VectorMap, load_index
from vraagbaak.store.manifest import check_model
from vraagbaak.store.vector_index import search_vectors
from vraagbaak.text.analysis import analyze
from vraagbaak.units import Document, Unit

logger = logging.getLogger(__name__)


FusionMethod = Literal["convex", "rrf"]


class FusionConfig(BaseModel):
    """How hybrid (and dense) search combines the signals; every default was chosen on the dev split.

    `convex` (the default) keeps score margins: z-scored max(answer, question - question_offset)
    + lexical_share x z-scored BM25 + sibling_weight x sibling agreement. `rrf` is weighted
    reciprocal rank fusion, score = sum of weight / (rrf_k + rank), the default before issue 16.
    """

    model_config = ConfigDict(frozen=True)

    method: FusionMethod = "convex"
    # convex: on the dev split (eval/results/tuning_dev_issue16.md) a question offset of 0.02-0.03 and a
    # lexical share of 0.25-0.3 form a plateau; z-scores edge out min-max scaling there.
    normalisation: Normalisation = "zscore"
    question_offset: float = Field(default=0.02, ge=0, le=1)
    lexical_share: float = Field(default=0.3, ge=0)
    # BM25 share for a question in another language than Dutch (language.py): its BM25 list over Dutch
    # text is mostly noise.
    foreign_lexical_share: float = Field(default=0.0, ge=0)
    sibling_weight: float = Field(default=0.5, ge=0)
    # Query vector of a question with a preamble: this share from its asking sentences (focus.py).
    focus_weight: float = Field(default=0.75, ge=0, le=1)
    # rrf: answer similarity carries most of the ranking, BM25 and question similarity break ties
    # and rescue cross-references. A small rrf_k keeps rank 1 and rank 2 of the dense list apart.
    rrf_k: int = Field(default=10, ge=1)
    question_weight: float = Field(default=0.1, ge=0)
    answer_weight: float = Field(default=1.0, ge=0)
    lexical_weight: float = Field(default=0.25, ge=0)
    depth: int = Field(default=100, ge=10, description="Units each signal contributes to fusion.")


@dataclass(frozen=True)
class SearchHit:
    """One ranked unit with why it was found and how to cite it."""

    unit: Unit
    document: Document
    rank: int
    score: float
    matched: tuple[Signal, ...]
    signals: dict[Signal, float]
    highlights: list[str] = field(default_factory=list)
    citation: Citation | None = None


@dataclass(frozen=True)
class Candidate:
    """One unit of a query's fused candidate list, before it becomes a `SearchHit` (no highlights yet)."""

    unit: Unit
    score: float
    signals: dict[Signal, float]


class Retriever:
    """Searches one loaded index generation with one encoder; safe to share between threads."""

    def __init__(self, content: IndexContent, encoder: Encoder, fusion: FusionConfig | None = None) -> None:
        check_model(content.manifest, encoder.model_id, encoder.model_hash, encoder.dimension)
        self.content = content
        self.encoder = encoder
        self.fusion = fusion or FusionConfig()
        units = content.units
        self._row_of = {unit.unit_id: row for row, unit in enumerate(units)}
        self._rows_of_document: dict[str, list[int]] = {}
        for row, unit in enumerate(units):
            self._rows_of_document.setdefault(unit.doc_id, []).append(row)
        documents = [content.documents[unit.doc_id] for unit in units]
        self._unit_ids = np.array([unit.unit_id for unit in units], dtype=object)
        self._doc_ids = np.array([unit.doc_id for unit in units], dtype=object)
        self._kinds = np.array([doc.kind.value for doc in documents], dtype=object)
        # "D66, VVD": a unit asked by several parties matches a filter on any one of them.
        self._parties = [frozenset(p.strip().casefold() for p in (unit.party or "").split(",")) for unit in units]
        self._unanswered = np.array([not unit.answered for unit in units], dtype=bool)
        self._has_unanswered = bool(self._unanswered.any())
        self._dossiers = np.array([_compact(doc.dossier) for doc in documents], dtype=object)
        self._dates = np.array([doc.date.toordinal() if doc.date else -1 for doc in documents], dtype=np.int64)
        vector_map = content.vector_map
        self._order = np.argsort(vector_map.ids, kind="stable")
        self._sorted_ids = vector_map.ids[self._order]
        self._question_code = VectorMap.field_code(VectorField.QUESTION)
        self._document_frequency = content.lexical.document_frequency()
        # Sentence splitting and analysis of an answer cost more than the rest of a search; answers recur.
        self._analysed_answer = functools.lru_cache(maxsize=4096)(analyse_answer)
        # A unit's citation depends on the unit and its document only: built once per row, on first use.
        self._citations: dict[int, Citation] = {}

    @functools.cached_property
    def _siblings(self) -> SiblingScorer:
        """Built on first use: a regex pass over every unit's question (prose: its opening)."""
        return SiblingScorer([unit.question or unit.text[:300] for unit in self.content.units])

    @classmethod
    def load(cls, index_dir: Path, encoder: Encoder, fusion: FusionConfig | None = None) -> Retriever:
        return cls(load_index(index_dir), encoder, fusion)

    # ------------------------------------------------------------ lookups

    @property
    def generation(self) -> str:
        return self.content.generation

    def unit(self, unit_id: str) -> Unit | None:
        row = self._row_of.get(unit_id)
        return None if row is None else self.content.units[row]

    def document(self, doc_id: str) -> Document | None:
        return self.content.documents.get(doc_id)

    def units_of(self, doc_id: str) -> list[Unit]:
        return [self.content.units[row] for row in self._rows_of_document.get(doc_id, [])]

    def next_unit(self, unit_id: str) -> Unit | None:
        """The unit after `unit_id` in its document (the one a bare "Ja." leads into), or None."""
        row = self._row_of.get(unit_id)
        units = self.content.units
        if row is None or row + 1 >= len(units) or units[row + 1].doc_id != units[row].doc_id:
            return None
        return units[row + 1]

    # ------------------------------------------------------------ search

    def encode(self, questions: Sequence[str]) -> np.ndarray:
        """Query vectors for several questions in one model call (the batch and micro-batch path).

        A question with a preamble is encoded twice in that call, whole and its asking sentences
        alone, and the two vectors mixed by `focus_weight` (focus.py).
        """
        cleaned = [clean_question(q) for q in questions]
        weight = self.fusion.focus_weight
        focus = [asking_part(q) for q in cleaned] if weight else [None] * len(cleaned)
        extra = [part for part in focus if part]
        vectors = self.encoder.encode_queries(cleaned + extra)
        if not extra:
            return vectors
        whole, focused = vectors[: len(cleaned)].copy(), iter(vectors[len(cleaned) :])
        for i, part in enumerate(focus):
            if part:
                whole[i] = mix(whole[i], next(focused), weight)
        return whole

    def search(
        self,
        question: str,
        k: int = 5,
        mode: SearchMode = SearchMode.HYBRID,
        filters: SearchFilters | None = None,
        *,
        exclude: Collection[str] = (),
    ) -> list[SearchHit]:
        return self.search_many([question], k, mode, filters, exclude=exclude)[0]

    def search_many(
        self,
        questions: Sequence[str],
        k: int = 5,
        mode: SearchMode = SearchMode.HYBRID,
        filters: SearchFilters | None = None,
        *,
        exclude: Collection[str] = (),
    ) -> list[list[SearchHit]]:
        cleaned = [clean_question(q) for q in questions]
        vectors = self.encode(cleaned) if mode is not SearchMode.LEXICAL else None
        return [
            self.search_encoded(q, None if vectors is None else vectors[i], k, mode, filters, exclude=exclude)
            for i, q in enumerate(cleaned)
        ]

    def search_encoded(
        self,
        question: str,
        vector: np.ndarray | None,
        k: int = 5,
        mode: SearchMode = SearchMode.HYBRID,
        filters: SearchFilters | None = None,
        *,
        exclude: Collection[str] = (),
    ) -> list[SearchHit]:
        """Rank units for a question whose query vector is already computed.

        `exclude`: unit ids left out as if not in the index (an evaluation's held-out units; no API takes it).
        """
        check_k(k)
        question = clean_question(question)
        ranked = self._rank(question, vector, mode, filters, exclude, max(self.fusion.depth, k))[:k]
        terms = frozenset(analyze(question))
        return [self._hit(terms, row, rank, score, signals) for rank, (row, score, signals) in enumerate(ranked, 1)]

    def candidates_encoded(
        self,
        question: str,
        vector: np.ndarray | None,
        mode: SearchMode = SearchMode.HYBRID,
        filters: SearchFilters | None = None,
        *,
        exclude: Collection[str] = (),
        depth: int | None = None,
    ) -> list[Candidate]:
        """Every fused candidate, best first: what `search_encoded` cuts at k, for callers that collapse units
        (grouping by document). Each signal contributes its best `depth` units (default `FusionConfig.depth`);
        at the default depth the order is exactly `search_encoded`'s."""
        question = clean_question(question)
        ranked = self._rank(question, vector, mode, filters, exclude, max(depth or 0, self.fusion.depth))
        units = self.content.units
        return [Candidate(units[row], score, signals) for row, score, signals in ranked]

    def to_hit(self, question: str, candidate: Candidate, rank: int) -> SearchHit:
        """A candidate as a full hit (highlights, citation), at `rank`."""
        terms = frozenset(analyze(clean_question(question)))
        return self._hit(terms, self._row_of[candidate.unit.unit_id], rank, candidate.score, candidate.signals)

    def _rank(
        self,
        question: str,
        vector: np.ndarray | None,
        mode: SearchMode,
        filters: SearchFilters | None,
        exclude: Collection[str],
        depth: int,
    ) -> list[tuple[int, float, dict[Signal, float]]]:
        """(row, fused score, raw signals) of every candidate, best first, ties by row."""
        filters = filters or SearchFilters()
        restricted = filters.active or bool(exclude) or (self._has_unanswered and not filters.include_unanswered)
        mask = self._mask(filters, exclude) if restricted else None
        if mask is not None and not mask.any():
            return []
        rankings: dict[Signal, Ranking] = {}
        if mode is not SearchMode.LEXICAL:
            if vector is None:
                raise QueryError("a dense or hybrid search needs the query vector")
            rankings.update(self._dense(vector, mask, depth))
        if mode is not SearchMode.DENSE:
            rankings[Signal.LEXICAL] = self._lexical(question, mask, depth)
        return self._fuse(question, rankings, mode)

    def _mask(self, filters: SearchFilters, exclude: Collection[str] = ()) -> np.ndarray:
        mask = np.ones(len(self.content.units), dtype=bool)
        if filters.doc_ids:
            mask &= np.isin(self._doc_ids, list(filters.doc_ids))
        if filters.kinds:
            mask &= np.isin(self._kinds, [kind.value for kind in filters.kinds])
        if filters.parties:
            wanted = {party.strip().casefold() for party in filters.parties}
            mask &= np.fromiter((not wanted.isdisjoint(parties) for parties in self._parties), bool, len(mask))
        if not filters.include_unanswered:
            mask &= ~self._unanswered
        if filters.dossier:
            mask &= self._dossiers == _compact(filters.dossier)
        if filters.date_from:
            mask &= self._dates >= filters.date_from.toordinal()
        if filters.date_to:
            mask &= (self._dates >= 0) & (self._dates <= filters.date_to.toordinal())
        if exclude:
            mask &= ~np.isin(self._unit_ids, list(exclude))
        return mask

    def _dense(self, vector: np.ndarray, mask: np.ndarray | None, depth: int) -> dict[Signal, Ranking]:
        """(unit rows, best cosine) per field, best first, from one FAISS search."""
        vector_map = self.content.vector_map
        allowed = None if mask is None else vector_map.ids[mask[vector_map.unit_rows]]
        # Deep enough that each field still has `depth` units after answer parts collapse.
        hits = search_vectors(self.content.vectors, vector, depth * 3, allowed)
        rows = self._order[np.searchsorted(self._sorted_ids, hits.ids)]
        unit_rows = vector_map.unit_rows[rows]
        is_question = vector_map.fields[rows] == self._question_code
        return {
            Signal.QUESTION: _best_per_unit(unit_rows[is_question], hits.scores[is_question], depth),
            Signal.ANSWER: _best_per_unit(unit_rows[~is_question], hits.scores[~is_question], depth),
        }

    def _lexical(self, question: str, mask: np.ndarray | None, depth: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.content.lexical.scores(question, mask)
        if not len(scores):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        top = top_rows(scores, depth)
        top = top[scores[top] > 0]
        return top, scores[top]

    def _fuse(
        self, question: str, rankings: dict[Signal, Ranking], mode: SearchMode
    ) -> list[tuple[int, float, dict[Signal, float]]]:
        raw: dict[int, dict[Signal, float]] = {}
        for signal, (rows, scores) in rankings.items():
            for row, score in zip(rows.tolist(), scores.tolist(), strict=True):
                raw.setdefault(row, {})[signal] = float(score)
        config = self.fusion
        if mode is SearchMode.LEXICAL:
            fused = {row: signals[Signal.LEXICAL] for row, signals in raw.items()}
        elif config.method == "rrf":
            weights = {
                Signal.QUESTION: config.question_weight,
                Signal.ANSWER: config.answer_weight,
                Signal.LEXICAL: config.lexical_weight,
            }
            fused = rrf(rankings, weights, config.rrf_k)
        else:
            share = config.lexical_share if is_dutch(question) else config.foreign_lexical_share
            fused = convex(
                rankings,
                lexical_share=share,
                question_offset=config.question_offset,
                how=config.normalisation,
                sibling_weight=config.sibling_weight,
                siblings=lambda rows: self._siblings.scores(question, rows),
            )
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        return [(row, score, raw[row]) for row, score in best]

    def _hit(
        self, question_terms: frozenset[str], row: int, rank: int, score: float, signals: dict[Signal, float]
    ) -> SearchHit:
        unit = self.content.units[row]
        document = self.content.documents[unit.doc_id]
        return SearchHit(
            unit=unit,
            document=document,
            rank=rank,
            score=score,
            matched=tuple(signal for signal in Signal if signal in signals),
            signals=signals,
            highlights=choose_highlights(self._analysed_answer(unit.answer), question_terms, self._document_frequency),
            citation=self._citation(row, unit, document),
        )

    def _citation(self, row: int, unit: Unit, document: Document) -> Citation:
        found = self._citations.get(row)
        if found is None:  # two threads may both build it: the same frozen value either way
            found = self._citations[row] = cite(unit, document)
        return found


def top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """Rows of the `depth` highest scores, best first, ties by row: a stable argsort's head, without the sort.

    At a million units a full argsort costs ~0.1 s a query; selecting first costs a few ms.
    """
    if not 0 < depth < len(scores):
        return np.argsort(-scores, kind="stable")[: max(depth, 0)]
    cut = np.partition(scores, len(scores) - depth)[len(scores) - depth]
    above = np.flatnonzero(scores > cut)
    tied = np.flatnonzero(scores == cut)[: depth - len(above)]  # lowest rows first, as the stable sort
    candidates = np.concatenate([above, tied])
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def _best_per_unit(unit_rows: np.ndarray, scores: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Hits are sorted best first, so a unit's first occurrence is its best part."""
    _, first = np.unique(unit_rows, return_index=True)
    first.sort()
    first = first[:depth]
    return unit_rows[first].astype(np.int64), scores[first]


def _compact(dossier: str | None) -> str:
    return "".join((dossier or "").split()).casefold()


def open_retriever(
    index_dir: Path,
    model_cache: Path,
    *,
    batch_size: int = 32,
    fusion: FusionConfig | None = None,
    engine: QueryEngine = "auto",
) -> Retriever:
    """Load an index with the model its manifest names: the index, not a setting, decides the model."""
    from vraagbaak.model.factory import load_search_encoder
    from vraagbaak.store.generations import read_index_manifest

    manifest = read_index_manifest(index_dir)
    encoder = load_search_encoder(manifest.model.model_id, model_cache, batch_size=batch_size, engine=engine)
    return Retriever(load_index(index_dir), encoder, fusion)
