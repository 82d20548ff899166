"""Issue 31, round 3: a learned document score for grouped search, trained on dev only.

The hand-made document scores of `document_score.py` either lost on dev or won on dev and lost on test.
This learns one instead: per candidate document a handful of features the fused candidates give at query
time, scored by a linear model trained pairwise (each dev question's gold documents above its other
documents, logistic loss). The weights are pulled towards the shipped rule: only the best unit's weight
is free, every other weight pays `penalty` x its squared size on standardised features, so a large penalty
*is* the shipped rule. The penalty and the feature set are chosen by 5-fold cross-validation over dev
questions; the model trained on all of dev is then run on test once (`--test`):

    python -m vraagbaak.eval.experiments.document_ranker --index /tmp/i31/grown \\
        --questions eval/data/paraphrases.jsonl --questions eval/data/heldout_crossref.jsonl \\
        --questions eval/data/realdocs.jsonl --questions eval/data/hard.jsonl [--test | --misses test]

Only the order of the documents changes (the same candidates and shown units as `document_score.py`).
`--misses test` lists where the shipped rule puts a wrong document first, and whether that document's best
unit answers as the gold unit does (analysis, not tuning).
Measured in docs/retrieval.md ("Grouped by document", "Document ranker (round 3)").
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vraagbaak.eval.dataset import EvalQuestion, load_questions, select_split
from vraagbaak.eval.experiments.document_score import (
    COLUMNS,
    DocumentScoreSearcher,
    Query,
    best_unit,
    table_row,
    z_scores,
)
from vraagbaak.eval.judging import Retrieved, is_hit, normalise
from vraagbaak.retrieval.fusion import Signal

logger = logging.getLogger(__name__)

FEATURES = ("best", "without_siblings", "second", "among_first", "dense", "lexical", "qa")
"""Per document: its best unit's standing (the shipped score, the anchor); the same without the sibling
bonus; its second-best unit's standing (the lowest candidate's score when it has one unit); its units among
the first `FIRST` candidates; its best dense z-score (question or answer cosine) and best BM25 z-score over
the candidates; 1 when its best unit is a Q&A pair, 0 for prose. The gap to the overall best is the best
unit's standing less a constant per question, which a pairwise model cannot see, so it is not a feature."""
ANCHOR = "best"
FIRST = 10
PAIR_DEPTH = 10
"""Training pairs: each gold document against the other documents among the first PAIR_DEPTH (shipped order)."""
FOLDS = 5
PENALTIES = (0.01, 0.1, 1.0, 10.0, 100.0)
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "all": FEATURES,
    **{f"best+{name}": (ANCHOR, name) for name in FEATURES if name != ANCHOR},
}
ANCHOR_RIDGE = 1e-3
"""A small penalty on the anchor too, so that a separable training set does not send it to infinity."""


@dataclass(frozen=True)
class Candidates:
    """One question's candidate documents in shipped order (best unit first, ties by first appearance),
    their feature rows, and which of them are gold."""

    docs: tuple[str, ...]
    features: np.ndarray
    """(documents, len(FEATURES))."""
    gold: np.ndarray
    """bool per document."""


def shipped_order(query: Query) -> list[str]:
    """The documents as grouped search ranks them (grouping.py): by best standing, then first appearance."""
    first_seen = {doc: index for index, doc in enumerate(query.documents())}
    best = best_unit(query)
    return sorted(best, key=lambda doc: (-best[doc], first_seen[doc]))


def document_features(query: Query, first: int = FIRST) -> tuple[list[str], np.ndarray]:
    """The FEATURES of every candidate document, one row each, in shipped order."""
    documents = query.documents()
    order = shipped_order(query)
    question, answer = z_scores(query, Signal.QUESTION), z_scores(query, Signal.ANSWER)
    lexical = z_scores(query, Signal.LEXICAL)
    floor = min(c.score for c in query.candidates)
    among: dict[str, int] = {}
    for candidate in query.candidates[:first]:
        among[candidate.unit.doc_id] = among.get(candidate.unit.doc_id, 0) + 1
    rows = []
    for doc in order:
        units = documents[doc]
        ids = [c.unit.unit_id for c in units]
        standings = sorted((query.standing[i] for i in ids), reverse=True)
        top = max(units, key=lambda c: query.standing[c.unit.unit_id])
        rows.append(
            [
                standings[0],
                max(query.standing_without_siblings[i] for i in ids),
                standings[1] if len(standings) > 1 else floor,
                float(among.get(doc, 0)),
                max(max(question[i], answer[i]) for i in ids),
                max(lexical[i] for i in ids),
                1.0 if top.unit.question else 0.0,
            ]
        )
    return order, np.array(rows, dtype=float).reshape(len(order), len(FEATURES))


def candidates_of(query: Query, golds: set[str]) -> Candidates:
    docs, features = document_features(query)
    return Candidates(tuple(docs), features, np.array([doc in golds for doc in docs], dtype=bool))


# ------------------------------------------------------------------ the model


@dataclass(frozen=True)
class LinearRanker:
    """score = weights . features[columns]; used as a `DocumentScores` rule."""

    columns: tuple[str, ...]
    weights: np.ndarray
    """Per column, in raw feature units."""

    def score(self, features: np.ndarray) -> np.ndarray:
        return features[:, [FEATURES.index(c) for c in self.columns]] @ self.weights

    def __call__(self, query: Query) -> dict[str, float]:
        docs, features = document_features(query)
        return dict(zip(docs, self.score(features).tolist(), strict=True))


def pair_differences(questions: Sequence[Candidates], depth: int = PAIR_DEPTH) -> tuple[np.ndarray, np.ndarray]:
    """Rows gold - other for every gold document against every other one among the first `depth` documents,
    and per row the weight 1 / (pairs of its question), so that each question counts once."""
    rows, weights = [], []
    for question in questions:
        golds = np.flatnonzero(question.gold)
        others = [i for i in range(min(depth, len(question.docs))) if not question.gold[i]]
        pairs = [question.features[g] - question.features[o] for g in golds for o in others]
        rows += pairs
        weights += [1.0 / max(len(pairs), 1)] * len(pairs)  # none when the gold is not among the candidates
    width = questions[0].features.shape[1] if questions else len(FEATURES)
    return np.array(rows, dtype=float).reshape(len(rows), width), np.array(weights)


def fit_pairwise(differences: np.ndarray, weights: np.ndarray, penalty: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Minimise sum_i weights_i log(1 + exp(-w . differences_i)) / sum(weights) + sum_j penalty_j w_j^2
    by Newton's method with step halving (the loss is convex)."""
    total = weights.sum() or 1.0

    def loss(w: np.ndarray) -> float:
        return float(weights @ np.logaddexp(0.0, -differences @ w) / total + penalty @ (w * w))

    w = np.zeros(differences.shape[1])
    current = loss(w)
    for _ in range(iterations):
        margins = differences @ w
        wrong = 0.5 * (1.0 - np.tanh(margins / 2.0))  # sigmoid(-margin), stable for large margins
        gradient = -(differences.T @ (weights * wrong)) / total + 2.0 * penalty * w
        curvature = (differences.T * (weights * wrong * (1.0 - wrong))) @ differences / total
        step = np.linalg.solve(curvature + np.diag(2.0 * penalty) + 1e-12 * np.eye(len(w)), gradient)
        size = 1.0
        while size > 1e-6 and loss(w - size * step) > current:
            size /= 2.0
        if size <= 1e-6:
            break
        w, previous = w - size * step, current
        current = loss(w)
        if previous - current < 1e-12:
            break
    return w


def train(questions: Sequence[Candidates], columns: Sequence[str], penalty: float) -> LinearRanker:
    """Fit on standardised columns (spread over all candidate documents), the anchor nearly free; the weights
    come back in raw units. `penalty` inf gives the anchor alone, which ranks as the shipped rule."""
    picked = [FEATURES.index(c) for c in columns]
    everything = np.vstack([q.features for q in questions])[:, picked]
    spread = everything.std(axis=0)
    spread[spread == 0] = 1.0
    if math.isinf(penalty):
        return LinearRanker(tuple(columns), np.array([1.0 if c == ANCHOR else 0.0 for c in columns]))
    differences, weights = pair_differences(questions)
    scaled = differences[:, picked] / spread
    penalties = np.array([ANCHOR_RIDGE if c == ANCHOR else penalty for c in columns])
    return LinearRanker(tuple(columns), fit_pairwise(scaled, weights, penalties) / spread)


def first_document_hits(ranker: LinearRanker, questions: Sequence[Candidates], k: int = 10) -> tuple[float, float]:
    """Document recall@1 and MRR@k of `ranker` (ties keep the shipped order, as the searcher does)."""
    hits, reciprocal = 0.0, 0.0
    for question in questions:
        scores = ranker.score(question.features)
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        rank = next((r for r, i in enumerate(order[:k], 1) if question.gold[i]), None)
        hits += rank == 1
        reciprocal += 1.0 / rank if rank else 0.0
    return hits / len(questions), reciprocal / len(questions)


def fold_of(question_id: str, folds: int = FOLDS) -> int:
    """Deterministic fold by id hash, independent of file order."""
    return hashlib.sha256(question_id.encode("utf-8")).digest()[1] % folds


def cross_validate(
    ids: Sequence[str], questions: Sequence[Candidates], columns: Sequence[str], penalty: float, folds: int = FOLDS
) -> tuple[float, float]:
    """Document recall@1 and MRR@10 over all questions, each scored by the model trained without its fold."""
    fold = [fold_of(i, folds) for i in ids]
    hits, reciprocal = 0.0, 0.0
    for held in range(folds):
        trained = train([q for q, f in zip(questions, fold, strict=True) if f != held], columns, penalty)
        tested = [q for q, f in zip(questions, fold, strict=True) if f == held]
        if tested:
            r1, mrr = first_document_hits(trained, tested)
            hits += r1 * len(tested)
            reciprocal += mrr * len(tested)
    return hits / len(questions), reciprocal / len(questions)


# ------------------------------------------------------------------ the experiment


def _candidates(searcher: DocumentScoreSearcher, questions: Sequence[EvalQuestion]) -> list[Candidates]:
    return [candidates_of(searcher.query(q), {gold.doc for gold in q.gold}) for q in questions]


def answer_overlap(first: str, second: str) -> float:
    """Shared words over all words (Jaccard) of two answers after `judging.normalise`; 1.0 when identical."""
    one, two = set(normalise(first).split()), set(normalise(second).split())
    return len(one & two) / len(one | two) if one | two else 1.0


def print_misses(searcher: DocumentScoreSearcher, questions: Sequence[EvalQuestion]) -> None:
    """Each question whose first document (shipped order) is not a gold one: the gold document's rank and
    how far it trails, and whether the first document's best unit (or any unit of it) answers as the gold
    unit does. Analysis only: nothing here feeds the model."""
    retriever = searcher.retriever
    print("| question | gold document (rank) | first document | gap | first's best unit | gold unit | overlap |")
    print("|---|---|---|---|---|---|---|")
    for question in questions:
        query = searcher.query(question)
        golds = {gold.doc for gold in question.gold}
        order, best = shipped_order(query), best_unit(query)
        if not order or order[0] in golds:
            continue
        rank = next((r for r, doc in enumerate(order, 1) if doc in golds), None)
        gold_doc = order[rank - 1] if rank else sorted(golds)[0]
        top = max(
            (c.unit for c in query.candidates if c.unit.doc_id == order[0]), key=lambda u: query.standing[u.unit_id]
        )
        hits = [
            u
            for u in retriever.units_of(gold_doc)
            if any(
                is_hit(g, Retrieved(u.unit_id, u.doc_id, u.number, u.text, u.question_numbers)) for g in question.gold
            )
        ]
        overlaps = []
        for unit in hits:
            closest = max(retriever.units_of(order[0]), key=lambda u: answer_overlap(u.answer, unit.answer))
            overlaps.append(
                f"{answer_overlap(top.answer, unit.answer):.2f} (closest in the first document: "
                f"{closest.unit_id.split(':')[-1]}{' held out' if closest.unit_id in question.exclude else ''}, "
                f"{answer_overlap(closest.answer, unit.answer):.2f})"
            )
        gap = best[order[0]] - best[gold_doc] if gold_doc in best else math.nan
        print(
            f"| {question.id} ({question.kind}) | {gold_doc[:40]} ({rank}) | {order[0][:40]} | {gap:.3f} | "
            f"{top.unit_id.split(':')[-1]} | {', '.join(u.unit_id.split(':')[-1] for u in hits)} | "
            f"{'; '.join(overlaps)} |"
        )


def main(argv: list[str] | None = None) -> int:
    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, action="append", required=True)
    parser.add_argument("--test", action="store_true", help="run the model chosen and trained on dev on test")
    parser.add_argument("--misses", choices=("dev", "test"), help="only list the shipped rule's misses there")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    retriever = open_retriever(args.index, settings.model_cache, engine=settings.query_engine)
    everything = [q for path in args.questions for q in load_questions(path)]
    dev = select_split(everything, "dev")
    searcher = DocumentScoreSearcher(retriever, best_unit)
    if args.misses:
        print_misses(searcher, select_split(everything, args.misses))
        return 0
    train_set = _candidates(searcher, dev)
    ids = [q.id for q in dev]

    shipped = cross_validate(ids, train_set, (ANCHOR,), math.inf)
    print(f"{len(dev)} dev questions, {FOLDS}-fold cross-validation by question (doc R@1, doc MRR@10)\n")
    print(f"shipped (best unit): {shipped[0]:.3f} {shipped[1]:.3f}\n")
    print("| features | " + " | ".join(f"penalty {p:g}" for p in PENALTIES) + " |")
    print("|---" * (len(PENALTIES) + 1) + "|")
    results: dict[tuple[str, float], tuple[float, float]] = {}
    for name, columns in FEATURE_SETS.items():
        for penalty in PENALTIES:
            results[(name, penalty)] = cross_validate(ids, train_set, columns, penalty)
        cells = (f"{results[(name, p)][0]:.3f} {results[(name, p)][1]:.3f}" for p in PENALTIES)
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    # Best CV recall@1, then MRR, then the fewest features and the largest penalty (closest to shipped).
    name, penalty = max(results, key=lambda key: (*results[key], -len(FEATURE_SETS[key[0]]), key[1]))
    chosen = train(train_set, FEATURE_SETS[name], penalty)
    print(f"\nchosen: {name}, penalty {penalty:g} (CV {results[(name, penalty)][0]:.3f});")
    print(
        "weights on all of dev (raw units): "
        + ", ".join(f"{c} {w:+.4f}" for c, w in zip(chosen.columns, chosen.weights, strict=True))
    )
    print(f"on dev itself (trained there): doc R@1 {first_document_hits(chosen, train_set)[0]:.3f}\n")

    print("| grown index, grouped, 4 units + context | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    print(table_row("dev, best unit (shipped)", searcher, best_unit, dev), flush=True)
    print(table_row(f"dev, ranker ({name}, penalty {penalty:g}; trained on dev)", searcher, chosen, dev), flush=True)
    if args.test:
        test = select_split(everything, "test")
        print(table_row("test, best unit (shipped)", searcher, best_unit, test), flush=True)
        print(table_row(f"test, ranker ({name}, penalty {penalty:g})", searcher, chosen, test), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
