"""Issue 31's document-score experiment: `best-unit` is what grouped search ships, the others reorder documents."""

from __future__ import annotations

import json
import math

import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.eval.dataset import parse_questions
from vraagbaak.eval.experiments.document_score import (
    RULES,
    DocumentScoreSearcher,
    Query,
    best_unit,
    best_unit_without_siblings,
    mean_of_best,
    soft_max,
)
from vraagbaak.eval.runner import InProcessSearcher, run_evaluation
from vraagbaak.retrieval.retriever import Candidate, Retriever
from vraagbaak.store.builder import build_index
from vraagbaak.units import Unit

QUESTIONS = [
    {
        "id": "kranen",
        "lang": "nl",
        "kind": "paraphrase",
        "question": "havenkranen gekocht",
        "gold": [{"doc": "a", "q": 1}],
    },
    {"id": "kade", "lang": "nl", "kind": "paraphrase", "question": "aanleg kade", "gold": [{"doc": "b", "q": 2}]},
    {
        "id": "loo",
        "lang": "nl",
        "kind": "crossref",
        "question": "Hoeveel havenkranen zijn er gekocht?",
        "gold": [{"doc": "a", "q": 2}],
        "exclude": ["a:1"],
    },
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    encoder = FakeEncoder()
    documents = [
        qa_document(
            "a",
            [
                ("Hoeveel havenkranen zijn er gekocht?", "Er zijn twaalf havenkranen gekocht."),
                ("Bent u bekend met de havenkranen?", "Ja."),
                ("Wie levert de havenkranen?", "Een leverancier uit Finland."),
            ],
        ),
        qa_document(
            "b",
            [
                ("Wat kost de kade?", "De kade kost veertig miljoen."),
                ("Hoe lang duurt de aanleg van de kade?", "De aanleg duurt drie jaar."),
            ],
        ),
    ]
    folder = tmp_path_factory.mktemp("document-score")
    build_index(documents, encoder, folder)
    return Retriever.load(folder, encoder)


def test_best_unit_rule_reproduces_the_shipped_grouped_rankings(retriever: Retriever) -> None:
    questions = parse_questions([json.dumps(q) for q in QUESTIONS])
    (shipped,) = run_evaluation(questions, InProcessSearcher(retriever), ["hybrid-grouped"], k=2)
    (measured,) = run_evaluation(questions, DocumentScoreSearcher(retriever, best_unit), ["hybrid-grouped"], k=2)
    assert [q.ranking for q in measured.questions] == [q.ranking for q in shipped.questions]
    assert measured.document_metrics() == shipped.document_metrics()
    for rule in RULES.values():  # every rule runs and ranks the same documents
        (other,) = run_evaluation(questions, DocumentScoreSearcher(retriever, rule), ["hybrid-grouped"], k=2)
        assert [set(q.documents) for q in other.questions] == [set(q.documents) for q in shipped.questions]


def _query(scores: dict[str, float], without: dict[str, float] | None = None) -> Query:
    candidates = [Candidate(Unit(unit_id=i, doc_id=i.split(":")[0], answer="x"), s, {}) for i, s in scores.items()]
    return Query("Vraag?", candidates, dict(scores), dict(without or scores))


def test_document_scores_by_hand() -> None:
    query = _query(
        {"a:1": 3.0, "b:1": 2.9, "b:2": 2.8, "a:2": 0.0}, without={"a:1": 2.5, "b:1": 2.9, "b:2": 2.8, "a:2": 0.0}
    )
    assert best_unit(query) == {"a": 3.0, "b": 2.9}
    assert best_unit_without_siblings(query) == {"a": 2.5, "b": 2.9}  # a's best unit stood high on its sibling bonus
    assert mean_of_best(2)(query) == {"a": 1.5, "b": pytest.approx(2.85)}
    soft = soft_max(0.1)(query)
    assert soft["a"] == pytest.approx(3.0 + 0.1 * math.log(1 + math.exp(-30)))
    assert soft["b"] == pytest.approx(2.9 + 0.1 * math.log(1 + math.exp(-1)))
