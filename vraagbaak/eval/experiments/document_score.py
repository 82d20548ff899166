"""Issue 31's document rankings tried for grouped search: none beat the best unit on dev and test together.

A grouped search (vraagbaak/retrieval/grouping.py) ranks documents by their best unit's standing (its fused
score, or its companion's for a bare "Ja." or a pointer). This ranks the same groups by other document
scores, from the same candidates, and reports every figure `eval run --mode hybrid-grouped` reports:

    python -m vraagbaak.eval.experiments.document_score --index /tmp/i31/grown --split dev \\
        --questions eval/data/paraphrases.jsonl --questions eval/data/heldout_crossref.jsonl \\
        --questions eval/data/realdocs.jsonl --questions eval/data/hard.jsonl

Only the order of the documents changes: each document's shown units are the shipped ones. Measured in
docs/retrieval.md ("Grouped by document"); `best-unit` reproduces the shipped figures.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vraagbaak.eval.dataset import EvalQuestion, load_questions, select_split
from vraagbaak.eval.judging import Retrieved
from vraagbaak.eval.runner import flatten_groups, run_evaluation
from vraagbaak.retrieval.bare_answers import companions
from vraagbaak.retrieval.fusion import Signal
from vraagbaak.retrieval.grouping import GROUP_UNITS, candidates_for_documents, group_by_document
from vraagbaak.retrieval.query import clean_question
from vraagbaak.retrieval.retriever import Candidate, Retriever
from vraagbaak.retrieval.siblings import SiblingScorer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Query:
    """What a document score may look at: the question, every fused candidate (best first), and per unit
    its standing (the better of its own score and its companions') and the same without the sibling bonus."""

    question: str
    candidates: Sequence[Candidate]
    standing: dict[str, float]
    standing_without_siblings: dict[str, float]

    def documents(self) -> dict[str, list[Candidate]]:
        found: dict[str, list[Candidate]] = {}
        for candidate in self.candidates:
            found.setdefault(candidate.unit.doc_id, []).append(candidate)
        return found


DocumentScores = Callable[[Query], dict[str, float]]


def best_unit(query: Query) -> dict[str, float]:
    """Shipped: the document's best unit."""
    return {doc: max(query.standing[c.unit.unit_id] for c in units) for doc, units in query.documents().items()}


def best_unit_without_siblings(query: Query) -> dict[str, float]:
    """The best unit, its sibling bonus left out: that bonus tells near-identical units of one list apart."""
    found = query.standing_without_siblings
    return {doc: max(found[c.unit.unit_id] for c in units) for doc, units in query.documents().items()}


def soft_max(temperature: float) -> DocumentScores:
    """T x log sum exp(standing / T) over the document's units: several good units lift a document."""

    def score(query: Query) -> dict[str, float]:
        found = {}
        for doc, units in query.documents().items():
            values = [query.standing[c.unit.unit_id] for c in units]
            top = max(values)
            found[doc] = top + temperature * math.log(sum(math.exp((v - top) / temperature) for v in values))
        return found

    return score


def mean_of_best(n: int) -> DocumentScores:
    """The mean standing of the document's best n units (the lowest candidate's score filling in)."""

    def score(query: Query) -> dict[str, float]:
        floor = min(c.score for c in query.candidates)
        found = {}
        for doc, units in query.documents().items():
            values = sorted((query.standing[c.unit.unit_id] for c in units), reverse=True)[:n]
            found[doc] = sum(values + [floor] * (n - len(values))) / n
        return found

    return score


def answered_question_bonus(bonus: float) -> DocumentScores:
    """The best unit, plus `bonus` when the query is a question and that unit a Q&A pair, not prose."""

    def score(query: Query) -> dict[str, float]:
        asked = query.question.rstrip().endswith("?")
        found = {}
        for doc, units in query.documents().items():
            best = max(units, key=lambda c: query.standing[c.unit.unit_id])
            found[doc] = query.standing[best.unit.unit_id] + (bonus if asked and best.unit.question else 0.0)
        return found

    return score


def units_among_first(first: int, weight: float) -> DocumentScores:
    """The best unit, plus `weight` for each of the document's units among the first `first` candidates."""

    def score(query: Query) -> dict[str, float]:
        counts: dict[str, int] = {}
        for candidate in query.candidates[:first]:
            counts[candidate.unit.doc_id] = counts.get(candidate.unit.doc_id, 0) + 1
        return {doc: value + weight * counts.get(doc, 0) for doc, value in best_unit(query).items()}

    return score


def z_scores(query: Query, signal: Signal) -> dict[str, float]:
    """Each candidate's raw `signal` score as a z-score over the candidates; absent counts as the lowest."""
    values = [c.signals.get(signal) for c in query.candidates]
    present = [v for v in values if v is not None]
    if not present:
        return {c.unit.unit_id: 0.0 for c in query.candidates}
    mean = sum(present) / len(present)
    spread = math.sqrt(sum((v - mean) ** 2 for v in present) / len(present)) or 1.0
    lowest = min(present)
    return {
        c.unit.unit_id: ((v if v is not None else lowest) - mean) / spread
        for c, v in zip(query.candidates, values, strict=True)
    }


def question_match(weight: float) -> DocumentScores:
    """The best unit, plus `weight` x the z-score (over the candidates) of the document's best question cosine."""

    def score(query: Query) -> dict[str, float]:
        z = z_scores(query, Signal.QUESTION)
        best = {doc: max(z[c.unit.unit_id] for c in units) for doc, units in query.documents().items()}
        return {doc: value + weight * best[doc] for doc, value in best_unit(query).items()}

    return score


def dense_lexical_agreement(weight: float) -> DocumentScores:
    """The best unit, plus `weight` x the lower of the document's best dense and best lexical z-score."""

    def score(query: Query) -> dict[str, float]:
        question, answer = z_scores(query, Signal.QUESTION), z_scores(query, Signal.ANSWER)
        lexical = z_scores(query, Signal.LEXICAL)
        found = {}
        for doc, value in best_unit(query).items():
            ids = [c.unit.unit_id for c in query.documents()[doc]]
            dense = max(max(question[i], answer[i]) for i in ids)
            found[doc] = value + weight * min(dense, max(lexical[i] for i in ids))
        return found

    return score


RULES: dict[str, DocumentScores] = {
    "best-unit": best_unit,
    "best-unit-without-siblings": best_unit_without_siblings,
    "soft-max-0.1": soft_max(0.1),
    "soft-max-0.3": soft_max(0.3),
    "mean-of-best-2": mean_of_best(2),
    "answered-question-0.2": answered_question_bonus(0.2),
    "units-among-first-10-0.05": units_among_first(10, 0.05),
    "question-match-0.1": question_match(0.1),
    "dense-lexical-agreement-0.1": dense_lexical_agreement(0.1),
}


class DocumentScoreSearcher:
    """A grouped search whose documents are ordered by `rule`; candidates and vectors are computed once."""

    variants: tuple[str, ...] = ("hybrid-grouped",)

    def __init__(self, retriever: Retriever, rule: DocumentScores) -> None:
        self.retriever = retriever
        self.rule = rule
        self.target = "in-process"
        # Built from the same texts as the retriever's own scorer, to take its sibling bonus back out.
        self._siblings = SiblingScorer([unit.question or unit.text[:300] for unit in retriever.content.units])
        self._rows = {unit.unit_id: row for row, unit in enumerate(retriever.content.units)}
        self._queries: dict[str, Query] = {}

    def query(self, question: EvalQuestion) -> Query:
        if question.id not in self._queries:
            retriever = self.retriever
            vector = retriever.encode([question.question])[0]
            found = candidates_for_documents(retriever, question.question, vector, 10, exclude=question.exclude)
            weight = retriever.fusion.sibling_weight if retriever.fusion.method == "convex" else 0.0
            cleaned = clean_question(question.question)
            bonus = self._siblings.scores(cleaned, [self._rows[c.unit.unit_id] for c in found])
            plain = {c.unit.unit_id: c.score - weight * b for c, b in zip(found, bonus, strict=True)}
            scores = {c.unit.unit_id: c.score for c in found}
            standing, without = {}, {}
            for c in found:
                read_with = [u.unit_id for u in companions(retriever, c.unit) if u.unit_id not in question.exclude]
                standing[c.unit.unit_id] = max([scores[c.unit.unit_id], *(scores[u] for u in read_with if u in scores)])
                without[c.unit.unit_id] = max([plain[c.unit.unit_id], *(plain[u] for u in read_with if u in plain)])
            self._queries[question.id] = Query(question.question, found, standing, without)
        return self._queries[question.id]

    def search(self, question: EvalQuestion, variant: str, k: int) -> tuple[list[Retrieved], float]:
        query = self.query(question)
        everything = len({c.unit.doc_id for c in query.candidates})
        groups = group_by_document(self.retriever, query.candidates, everything, GROUP_UNITS, hidden=question.exclude)
        scores = self.rule(query)
        shipped = {group.document.doc_id: position for position, group in enumerate(groups)}
        groups.sort(key=lambda group: (-scores[group.document.doc_id], shipped[group.document.doc_id]))
        units = flatten_groups(groups[:k])
        return [Retrieved(u.unit_id, u.doc_id, u.number, u.text, u.question_numbers) for u in units], 0.0


COLUMNS = ("recall@1", "recall@5", "mrr@10", "doc_recall@1", "doc_recall@5", "doc_mrr@10", "gold_shown")


def table_row(
    name: str, searcher: DocumentScoreSearcher, rule: DocumentScores, questions: Sequence[EvalQuestion]
) -> str:
    """One Markdown row of COLUMNS: grouped search over `questions` with documents ranked by `rule`."""
    searcher.rule = rule
    (result,) = run_evaluation(questions, searcher, ["hybrid-grouped"])
    figures = {**result.metrics(), **result.document_metrics()}
    shown = f"{figures['gold_shown']:.3f} ({int(figures['gold_shown_n'])})"
    return f"| {name} | " + " | ".join(f"{figures[c]:.3f}" for c in COLUMNS[:-1]) + f" | {shown} |"


def main(argv: list[str] | None = None) -> int:
    from vraagbaak.retrieval.retriever import open_retriever
    from vraagbaak.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, action="append", required=True)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--rules", nargs="+", choices=list(RULES), default=list(RULES))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    retriever = open_retriever(args.index, settings.model_cache, engine=settings.query_engine)
    questions = select_split([q for path in args.questions for q in load_questions(path)], args.split)
    searcher = DocumentScoreSearcher(retriever, best_unit)
    print(f"{len(questions)} questions ({args.split}) against {args.index}, grouped, {GROUP_UNITS} units\n")
    print("| document score | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name in args.rules:
        print(table_row(name, searcher, RULES[name], questions), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
