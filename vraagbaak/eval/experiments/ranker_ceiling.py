"""How far could a learned ranker over our signals go? Logistic regression, 5-fold CV on dev questions.

Not a product: it trains on evaluation questions (dev only), which a shipped ranker must never do.
It answers one question for issue 16: is the convex fusion leaving rank-1 hits on the table that a
learned combination of the same signals would find? For each dev question, the fused top 30 (the
shipped defaults, its `exclude` ids hidden) with ten features per candidate: fused score, z-scored
dense score, question and answer cosine (relative to the best), z-scored BM25 (0 for a foreign
question), sibling agreement, prose or Q&A, same document as the first candidate, answer length and
the fused rank. Reads the Retriever's internals on purpose: it must see what the fusion sees.

    python -m vraagbaak.eval.experiments.ranker_ceiling --index /tmp/grown-index

Measured (grown index, 131 dev questions): shipped fusion recall@1 0.794; the ranker 0.779 (C 0.1
and 1.0 alike); the gold is in the top 30 for 0.969.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vraagbaak.eval.dataset import EvalQuestion
    from vraagbaak.retrieval.retriever import Retriever

DATA_FILES = ("paraphrases", "heldout_crossref", "realdocs", "hard")


def candidate_features(retriever: Retriever, question: EvalQuestion) -> tuple[np.ndarray, np.ndarray]:
    """(features, is-gold) for the fused top 30 of one evaluation question."""
    from vraagbaak.eval.judging import Retrieved, is_hit
    from vraagbaak.retrieval.fusion import Signal, candidates, convex, dense_score, normalise
    from vraagbaak.retrieval.language import is_dutch
    from vraagbaak.retrieval.request import SearchFilters

    units, config = retriever.content.units, retriever.fusion
    vector = retriever.encode([question.question])[0]
    mask = retriever._mask(SearchFilters(), question.exclude)
    rankings = dict(retriever._dense(vector, mask, config.depth))
    rankings[Signal.LEXICAL] = retriever._lexical(question.question, mask, config.depth)
    rows, values = candidates(rankings)
    dutch = is_dutch(question.question)

    def siblings(chosen: np.ndarray) -> np.ndarray:
        return np.array(retriever._siblings.scores(question.question, chosen.tolist()))

    fused = convex(
        rankings,
        lexical_share=config.lexical_share if dutch else config.foreign_lexical_share,
        question_offset=config.question_offset,
        sibling_weight=config.sibling_weight,
        siblings=siblings,
    )
    scores = np.array([fused[row] for row in rows.tolist()])
    top = np.argsort(-scores, kind="stable")[:30]
    rows, scores = rows[top], scores[top]
    dense_all = dense_score(values, config.question_offset)
    assert dense_all is not None  # both dense signals ran
    dense = dense_all[top]
    asked = values[Signal.QUESTION]
    floor = np.nanmin(asked) if np.isfinite(asked).any() else 0.0
    question_cos = np.nan_to_num(asked[top], nan=floor)
    answer_cos = np.nan_to_num(values[Signal.ANSWER][top], nan=np.nanmin(values[Signal.ANSWER]))
    lexical = np.nan_to_num(values[Signal.LEXICAL][top], nan=0.0) * (1.0 if dutch else 0.0)
    chosen = [units[row] for row in rows.tolist()]
    features = np.column_stack(
        [
            scores - scores.max(),
            normalise(dense, "zscore"),
            question_cos - question_cos.max(),
            answer_cos - answer_cos.max(),
            normalise(lexical, "zscore"),
            siblings(rows),
            [0.0 if unit.question else 1.0 for unit in chosen],
            [float(unit.doc_id == chosen[0].doc_id) for unit in chosen],
            [math.log1p(len(unit.answer.split())) for unit in chosen],
            np.log1p(np.arange(len(rows))),
        ]
    )
    gold = [
        any(
            is_hit(g, Retrieved(unit.unit_id, unit.doc_id, unit.number, unit.text, unit.question_numbers))
            for g in question.gold
        )
        for unit in chosen
    ]
    return features, np.array(gold, float)


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from vraagbaak.eval.dataset import load_questions, select_split
    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "data")
    args = parser.parse_args()
    retriever = open_retriever(args.index, Settings().model_cache)
    questions = select_split([q for name in DATA_FILES for q in load_questions(args.data / f"{name}.jsonl")], "dev")
    data = [candidate_features(retriever, question) for question in questions]
    folds = np.array_split(np.random.default_rng(0).permutation(len(data)), 5)
    fused_hits = sum(gold[0] for _, gold in data)
    for c in (0.1, 1.0):
        hits = 0.0
        for fold in folds:
            held = set(fold.tolist())
            train = [item for i, item in enumerate(data) if i not in held]
            model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(
                np.vstack([x for x, _ in train]), np.concatenate([y for _, y in train])
            )
            hits += sum(data[i][1][int(np.argmax(model.decision_function(data[i][0])))] for i in held)
        sys.stdout.write(
            f"C={c}: fused recall@1 {fused_hits / len(data):.3f}, ranker (5-fold CV on dev) {hits / len(data):.3f}, "
            f"gold in the top 30 {sum(y.any() for _, y in data) / len(data):.3f}\n"
        )


if __name__ == "__main__":
    main()
