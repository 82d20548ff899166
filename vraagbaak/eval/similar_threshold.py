"""Choosing the 'ook eerder gevraagd' threshold (`vraagbaak.retrieval.similar.SIMILAR_COSINE`).

Pairs: every held-out rewording (kinds paraphrase and multi: Dutch questions
written anew for a stored question) against every stored unit question of
the index. A pair is a near-duplicate when the unit is one of the question's
golds; all other pairs are not. The rewording is encoded exactly as stored
questions are (the index's question prompt), so its cosine to a stored
question is what two stored questions of that wording would show. For each
threshold the precision and recall over those pairs are computed; the value
is chosen on the dev split by F0.5 (precision counts twice: a card that
wrongly says "asked before" misleads a drafter more than a missed repeat)
and reported on test. As a check, the stored questions are compared with each
other at the chosen value (across documents, as `find_similar` lists them):
how many units get a non-empty list, and the closest pairs, to read by eye.

    .venv/bin/python -m vraagbaak.eval.similar_threshold --index DIR [--questions FILE ...] [--markdown OUT.md]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vraagbaak.eval.dataset import EvalQuestion, load_questions
from vraagbaak.retrieval.similar import SIMILAR_COSINE, question_vectors
from vraagbaak.settings import Settings
from vraagbaak.store.generations import IndexContent, load_index, read_index_manifest

logger = logging.getLogger(__name__)

# Evaluation data lives beside the package in the repository (eval/data), never in an installed copy.
DATA = Path("eval") / "data"
DEFAULT_QUESTIONS = (DATA / "paraphrases.jsonl", DATA / "heldout_crossref.jsonl", DATA / "realdocs.jsonl")
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.80, 0.995, 0.01))
KINDS = ("paraphrase", "multi", "sibling")
"""Question kinds that reword one stored question: not crosslingual (an English question is not a repeat of
a Dutch one), not prose (no stored question), not crossref or duplicate (a different question that shares
an answer)."""
BETA = 0.5


@dataclass(frozen=True)
class Row:
    threshold: float
    precision: float
    recall: float
    f1: float
    f_beta: float
    flagged: int


@dataclass(frozen=True)
class Pairs:
    cosines: np.ndarray  # (questions, stored questions)
    positive: np.ndarray  # bool, same shape
    splits: np.ndarray  # str (questions,)


def gold_units(question: EvalQuestion, content: IndexContent) -> list[str]:
    """Unit ids that satisfy a numbered gold; prose golds (by snippet) have no question vector."""
    units = []
    for gold in question.gold:
        if gold.q is None:
            continue
        units += [u.unit_id for u in content.units if u.doc_id == gold.doc and gold.q in u.question_numbers]
    return units


def build_pairs(questions: Sequence[EvalQuestion], content: IndexContent, encode) -> Pairs:
    vectors = question_vectors(content)
    kept: list[tuple[EvalQuestion, set[str]]] = []
    for question in questions:
        golds = [unit for unit in gold_units(question, content) if unit in vectors.position]
        if question.kind not in KINDS or not golds:
            continue
        kept.append((question, set(golds) - set(question.exclude)))
    if not kept:
        raise SystemExit("no held-out question has a numbered gold in this index; index the seeds (or realdocs)")
    encoded = encode([question.question for question, _ in kept])
    cosines = encoded @ vectors.matrix.T
    positive = np.zeros(cosines.shape, dtype=bool)
    for i, (question, units) in enumerate(kept):
        positive[i, [vectors.position[unit] for unit in units if unit in vectors.position]] = True
        for excluded in question.exclude:  # the unit the question was taken from: neither side
            if excluded in vectors.position:
                cosines[i, vectors.position[excluded]] = -1.0
    splits = np.array([question.assigned_split for question, _ in kept])
    return Pairs(cosines, positive, splits)


def sweep(cosines: np.ndarray, positive: np.ndarray, thresholds: Sequence[float] = THRESHOLDS) -> list[Row]:
    rows = []
    total = int(positive.sum())
    for threshold in thresholds:
        flagged = cosines >= threshold
        hits = int((flagged & positive).sum())
        precision = hits / int(flagged.sum()) if flagged.any() else 1.0
        recall = hits / total if total else 0.0
        rows.append(
            Row(
                threshold,
                precision,
                recall,
                _f(precision, recall, 1.0),
                _f(precision, recall, BETA),
                int(flagged.sum()),
            )
        )
    return rows


def _f(precision: float, recall: float, beta: float) -> float:
    weight = beta * beta
    return (1 + weight) * precision * recall / (weight * precision + recall) if precision + recall else 0.0


def choose(rows: Sequence[Row]) -> Row:
    """Best F0.5; among equals the higher threshold (fewer false 'asked before' on a card)."""
    return max(rows, key=lambda row: (round(row.f_beta, 6), row.threshold))


def stored_check(content: IndexContent, threshold: float, shown: int = 12) -> str:
    """Stored question against stored question at `threshold`: how often a card would list something."""
    vectors = question_vectors(content)
    cosines = vectors.matrix @ vectors.matrix.T
    same_document = vectors.documents[:, None] == vectors.documents[None, :]
    cosines[same_document] = -1.0  # `find_similar` lists units of other documents only
    flagged = (cosines >= threshold) & vectors.answered[None, :]
    units = int(flagged.any(axis=1).sum())
    upper = np.triu_indices(len(cosines), 1)
    values = cosines[upper]
    lines = [
        "### check: stored question vs stored question of another document",
        "",
        f"At {threshold:.2f}, {units} of {len(cosines)} stored questions list at least one other; "
        f"{int((values >= threshold).sum())} pairs in all. The closest pairs:",
        "",
        "| cosine | unit | unit | questions |",
        "|---|---|---|---|",
    ]
    for i in np.argsort(-values)[:shown].tolist():
        a, b = upper[0][i], upper[1][i]
        first, second = (content.units[int(vectors.unit_rows[x])] for x in (a, b))
        texts = f"{' '.join(first.question.split())[:70]} / {' '.join(second.question.split())[:70]}"
        lines.append(f"| {values[i]:.3f} | {first.unit_id} | {second.unit_id} | {texts.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def format_table(title: str, rows: Sequence[Row], chosen: float) -> str:
    lines = [
        f"### {title}",
        "",
        "| threshold | precision | recall | F1 | F0.5 | pairs flagged |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        mark = " **←**" if row.threshold == chosen else ""
        lines.append(
            f"| {row.threshold:.2f}{mark} | {row.precision:.3f} | {row.recall:.3f} | {row.f1:.3f} | "
            f"{row.f_beta:.3f} | {row.flagged} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vraagbaak.eval.similar_threshold", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--index", type=Path, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    parser.add_argument("--questions", type=Path, action="append", help="question file(s); default: all shipped")
    parser.add_argument("--markdown", type=Path, help="write the report here as Markdown")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings()
    index_dir = args.index or settings.index_dir
    from vraagbaak.model.factory import load_search_encoder

    manifest = read_index_manifest(index_dir)
    encoder = load_search_encoder(manifest.model.model_id, settings.model_cache, engine=settings.query_engine)
    prompt = manifest.chunking.question_prompt
    encode = encoder.encode_queries if prompt == "query" else encoder.encode_passages
    content = load_index(index_dir)
    questions = [q for path in (args.questions or DEFAULT_QUESTIONS) if path.exists() for q in load_questions(path)]
    pairs = build_pairs(questions, content, encode)
    dev, test = pairs.splits == "dev", pairs.splits == "test"
    dev_rows = sweep(pairs.cosines[dev], pairs.positive[dev])
    chosen = choose(dev_rows)
    test_rows = sweep(pairs.cosines[test], pairs.positive[test])
    on_test = next(row for row in test_rows if row.threshold == chosen.threshold)
    report = [
        "## 'Ook eerder gevraagd' threshold",
        "",
        "`.venv/bin/python -m vraagbaak.eval.similar_threshold --index DIR` (here: `vraagbaak index build seeds`, "
        f"the bundled model {content.manifest.model.model_id}).",
        "",
        f"Index {index_dir.name} ({len(content.units)} units, {len(question_vectors(content).position)} stored "
        f"questions); {int(dev.sum())} dev and {int(test.sum())} test questions of kinds {', '.join(KINDS)}.",
        f"Chosen on dev (best F0.5): **{chosen.threshold:.2f}** — dev precision {chosen.precision:.3f}, recall "
        f"{chosen.recall:.3f}; test precision {on_test.precision:.3f}, recall {on_test.recall:.3f}, "
        f"F1 {on_test.f1:.3f}.",
        f"Value in vraagbaak/retrieval/similar.py: {SIMILAR_COSINE:.2f}.",
        "",
        format_table("dev: held-out rewording vs stored question", dev_rows, chosen.threshold),
        format_table("test: held-out rewording vs stored question", test_rows, chosen.threshold),
        stored_check(content, chosen.threshold),
    ]
    text = "\n".join(report)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    encoder.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
