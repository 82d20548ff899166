"""BM25 over unit text with Dutch analysis (`vraagbaak.text.analysis`), kept as term counts.

Scoring is bm25s's "lucene" BM25 (k1 1.2, b 0.75): idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
tf part = tf / (tf + k1 (1 - b + b dl / avgdl)). Every score depends on N and avgdl, so adding
one unit changes every stored score; what does not change is each unit's analysed terms. Those
are what is stored (`TermCounts`, one per part of a generation), and the scores are computed from
them, vectorised, when an index is loaded or updated: an update analyses only the new units.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vraagbaak.errors import IndexCorruptError
from vraagbaak.text.analysis import analyze

logger = logging.getLogger(__name__)

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class TermCounts:
    """The analysed terms of a run of units, as postings by term.

    Column `c` (term `terms[c]`) holds postings `indptr[c]:indptr[c + 1]`: the unit `rows`
    (ascending) that contain the term and how often (`tf`). `lengths` is each unit's number of
    terms. Rows count from 0 within the run; a generation stores one run per part.
    """

    terms: np.ndarray  # object array of str, one per column
    indptr: np.ndarray  # int64, len(terms) + 1
    rows: np.ndarray  # int32
    tf: np.ndarray  # uint16 (int32 should a unit ever repeat a term 65,536 times)
    lengths: np.ndarray  # int32, one per unit

    @property
    def size(self) -> int:
        return len(self.lengths)

    @property
    def postings(self) -> int:
        return len(self.rows)

    @classmethod
    def empty(cls) -> TermCounts:
        return cls(
            np.zeros(0, object),
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.uint16),
            np.zeros(0, np.int32),
        )

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> TermCounts:
        """Analyse `texts` (the only step that reads text; it costs far more than the rest)."""
        lengths = np.zeros(len(texts), np.int32)
        words: list[str] = []
        for row, text in enumerate(texts):
            terms = analyze(text)
            lengths[row] = len(terms)
            words.extend(terms)
        columns = {word: column for column, word in enumerate(dict.fromkeys(words))}  # by first appearance
        col = np.fromiter(map(columns.__getitem__, words), np.int64, len(words))
        del words
        size = max(len(texts), 1)
        pairs, tf = np.unique(
            col * size + np.repeat(np.arange(len(texts), dtype=np.int64), lengths), return_counts=True
        )
        indptr = np.zeros(len(columns) + 1, np.int64)
        np.cumsum(np.bincount(pairs // size, minlength=len(columns)), out=indptr[1:])
        return cls(_strings(columns), indptr, (pairs % size).astype(np.int32), _counts(tf), lengths)

    def select(self, keep: np.ndarray) -> TermCounts:
        """The units where `keep` (bool, one per unit) is true, renumbered in order; unused terms dropped."""
        if keep.all():
            return self
        new_row = np.cumsum(keep, dtype=np.int32) - 1
        kept = keep[self.rows]
        counts = np.zeros(len(self.terms), np.int64)
        if self.postings:
            sizes = np.diff(self.indptr)
            starts = np.minimum(self.indptr[:-1], self.postings - 1)  # reduceat wants indices in range
            counts = np.add.reduceat(kept, starts, dtype=np.int64)
            counts[sizes == 0] = 0  # reduceat gives an empty column its first element, not 0
        used = counts > 0
        indptr = np.zeros(int(used.sum()) + 1, np.int64)
        np.cumsum(counts[used], out=indptr[1:])
        return TermCounts(self.terms[used], indptr, new_row[self.rows[kept]], self.tf[kept], self.lengths[keep])

    @classmethod
    def concatenate(cls, runs: Sequence[TermCounts]) -> TermCounts:
        """One run of the units of `runs`, in order (the rows of each run follow those of the one before).

        Linear in the postings: postings are moved to their place in the merged columns by
        arithmetic, never sorted again (only the second of two runs is, as `_append` inserts it).
        """
        runs = [run for run in runs if run.size]
        if not runs:
            return cls.empty()
        if len(runs) == 1:
            return runs[0]
        if len(runs) == 2:
            return _append(*runs)
        columns: dict[str, int] = {}
        targets = []
        for run in runs:
            merged = (columns.setdefault(term, len(columns)) for term in run.terms.tolist())
            targets.append(np.fromiter(merged, np.int64, len(run.terms)))
        width = len(columns)
        totals = np.zeros(width, np.int64)
        for run, target in zip(runs, targets, strict=True):
            totals[target] += np.diff(run.indptr)  # a run's terms are distinct: no repeated targets
        indptr = np.zeros(width + 1, np.int64)
        np.cumsum(totals, out=indptr[1:])
        rows = np.empty(int(indptr[-1]), np.int32)
        tf = np.empty(int(indptr[-1]), np.result_type(*(run.tf.dtype for run in runs)))
        filled = indptr[:-1].copy()  # next free slot of each merged column
        offset = 0
        for run, target in zip(runs, targets, strict=True):
            counts = np.diff(run.indptr)
            # posting j of column c goes to filled[c'] + (j - indptr[c]), c' its merged column
            place = np.repeat(filled[target] - run.indptr[:-1], counts)
            place += np.arange(run.postings)
            rows[place] = run.rows + offset if offset else run.rows
            tf[place] = run.tf
            filled[target] += counts
            offset += run.size
        return cls(_strings(columns), indptr, rows, tf, np.concatenate([run.lengths for run in runs]))

    def to_bytes(self) -> bytes:
        """The `.npz` form (no pickles: the terms travel as UTF-8 joined by newlines)."""
        stream = io.BytesIO()
        joined = "\n".join(self.terms.tolist()).encode("utf-8")
        np.savez(
            stream,
            terms=np.frombuffer(joined, np.uint8),
            indptr=self.indptr,
            rows=self.rows,
            tf=self.tf,
            lengths=self.lengths,
        )
        return stream.getvalue()

    @classmethod
    def load(cls, path: Path) -> TermCounts:
        return cls.from_bytes(path.read_bytes(), path)

    @classmethod
    def from_bytes(cls, data: bytes, path: Path) -> TermCounts:
        """What `to_bytes` wrote (`path` names it in errors)."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                joined = arrays["terms"].tobytes().decode("utf-8")
                indptr, rows, tf, lengths = (arrays[key] for key in ("indptr", "rows", "tf", "lengths"))
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as error:
            raise IndexCorruptError(f"{path} is not a readable term file ({error}); rebuild the index") from error
        words = joined.split("\n") if len(indptr) > 1 else []
        if len(words) != len(indptr) - 1 or int(indptr[-1]) != len(rows) or len(rows) != len(tf):
            raise IndexCorruptError(f"{path} has inconsistent term arrays; rebuild the index")
        return cls(_strings(words), indptr, rows, tf, lengths)


def _append(first: TermCounts, second: TermCounts) -> TermCounts:
    """`first` then `second`: the postings of `second` inserted at the ends of their columns in one pass.

    This is an update's case (a large index, a small change), so it is priced by `first` alone:
    one insertion pass per array, where the general merge scatters every posting.
    """
    columns = {term: column for column, term in enumerate(first.terms.tolist())}
    known = len(columns)
    target = np.fromiter(
        (columns.setdefault(t, len(columns)) for t in second.terms.tolist()), np.int64, len(second.terms)
    )
    counts = np.diff(second.indptr)
    merged = np.repeat(target, counts)  # the merged column of each posting of `second`
    order = np.argsort(merged, kind="stable")  # by merged column, rows still ascending within one
    ends = np.full(len(columns), first.postings, np.int64)  # where a column's postings end; new ones: at the end
    ends[:known] = first.indptr[1:]
    at = ends[merged[order]]
    dtype = np.result_type(first.tf.dtype, second.tf.dtype)
    rows = np.insert(first.rows, at, second.rows[order] + np.int32(first.size))
    tf = np.insert(first.tf.astype(dtype, copy=False), at, second.tf[order])
    totals = np.zeros(len(columns), np.int64)
    totals[:known] = np.diff(first.indptr)
    totals[target] += counts
    indptr = np.zeros(len(columns) + 1, np.int64)
    np.cumsum(totals, out=indptr[1:])
    return TermCounts(_strings(columns), indptr, rows, tf, np.concatenate([first.lengths, second.lengths]))


def _strings(words: Iterable[str]) -> np.ndarray:
    """A 1-D object array of the words (numpy would make a 2-D char array of some lists)."""
    listed = list(words)
    array = np.empty(len(listed), object)
    array[:] = listed
    return array


def _counts(tf: np.ndarray) -> np.ndarray:
    return tf.astype(np.uint16 if tf.max(initial=0) <= np.iinfo(np.uint16).max else np.int32)


class LexicalIndex:
    """BM25 scores for every unit, in the order of the units it was built from.

    Holds the term counts it was computed from (`counts`), so that an update can drop and add
    units without analysing the others again.
    """

    def __init__(self, counts: TermCounts) -> None:
        self.counts = counts
        self._vocabulary = {term: column for column, term in enumerate(counts.terms.tolist())}
        self._indptr, self._rows = counts.indptr, counts.rows
        self._weights = bm25_weights(counts)
        self.size = counts.size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        return cls(TermCounts.from_texts(texts))

    @classmethod
    def from_parts(cls, parts: Sequence[TermCounts]) -> LexicalIndex:
        return cls(TermCounts.concatenate(parts))

    def updated(self, keep: np.ndarray, added: TermCounts) -> LexicalIndex:
        """The index of the units where `keep` is true, followed by the units of `added`."""
        return LexicalIndex(TermCounts.concatenate([self.counts.select(keep), added]))

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of each unit; units outside `mask` score 0. A repeated query term counts again."""
        if self.size == 0:
            return np.zeros(0, np.float32)
        columns = [self._vocabulary[term] for term in analyze(query) if term in self._vocabulary]
        if not columns:
            return np.zeros(self.size, np.float32)
        scores = np.zeros(self.size, np.float32)
        for column in columns:  # as bm25s sums: one scatter-add per query term, in float32
            span = slice(self._indptr[column], self._indptr[column + 1])
            np.add.at(scores, self._rows[span], self._weights[span])
        if mask is not None:
            scores = np.where(mask, scores, np.float32(0))
        return scores

    def document_frequency(self) -> dict[str, float]:
        """Share of units containing each term, for weighting highlights."""
        if self.size == 0:
            return {}
        shares = np.diff(self._indptr) / self.size
        return {term: float(shares[column]) for term, column in self._vocabulary.items() if column < len(shares)}


def bm25_weights(counts: TermCounts, k1: float = K1, b: float = B) -> np.ndarray:
    """Each posting's BM25 score: bm25s's "lucene" variant, computed for all postings at once."""
    n = counts.size
    if n == 0 or counts.postings == 0:
        return np.zeros(counts.postings, np.float32)
    df = np.diff(counts.indptr)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    lengths = counts.lengths.astype(np.float64)
    norm = k1 * ((1 - b) + b * lengths / lengths.mean())
    # tf / (tf + norm) * idf, in float64 as bm25s computes it (so the scores are its scores), in place
    tf = counts.tf.astype(np.float64)
    weights = norm[counts.rows]
    weights += tf
    np.divide(tf, weights, out=weights)
    del tf
    weights *= np.repeat(idf, df)
    return weights.astype(np.float32)
