"""close_match: a first result close enough to be an earlier answer, or "geen vergelijkbaar eerder antwoord"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.retrieval.close_match import CLOSE_MATCH_COSINE, best_cosine, first_close_match, is_close_match
from vraagbaak.retrieval.request import SearchFilters, SearchMode, SearchRequest
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.search import answer_search
from vraagbaak.store.builder import build_index

LIST = qa_document(
    "lijst",
    [
        ("Hoeveel kost de haven van Rotterdam?", "De haven van Rotterdam kost jaarlijks veel geld."),
        ("Wat is de exportkredietverzekering?", "Een verzekering voor exporteurs tegen betalingsrisico."),
    ],
)


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    index_dir: Path = tmp_path_factory.mktemp("close-match")
    build_index([LIST], FakeEncoder(), index_dir)
    return Retriever.load(index_dir, FakeEncoder())


def test_the_same_question_is_close_and_an_unrelated_one_is_not(retriever: Retriever) -> None:
    same = retriever.search("Hoeveel kost de haven van Rotterdam?", k=1)[0]
    assert best_cosine(same) == pytest.approx(1.0) and is_close_match(same) is True
    other = retriever.search("Hoeveel zwembaden zijn er gesloten in Rotterdam?", k=1)[0]
    assert best_cosine(other) is not None and best_cosine(other) < CLOSE_MATCH_COSINE
    assert is_close_match(other) is False
    assert is_close_match(other, threshold=0.0) is True


def test_lexical_results_cannot_tell_and_an_empty_response_is_not_close(retriever: Retriever) -> None:
    lexical = retriever.search("haven Rotterdam", k=2, mode=SearchMode.LEXICAL)
    assert [is_close_match(hit) for hit in lexical] == [None]
    assert first_close_match(lexical, SearchMode.LEXICAL) is None
    nothing = retriever.search("haven", k=2, filters=SearchFilters(doc_ids=("elders",)))
    assert nothing == [] and first_close_match(nothing, SearchMode.HYBRID) is False


def test_the_response_and_each_result_carry_close_match(retriever: Retriever) -> None:
    close = answer_search(SearchRequest(question="Wat is de exportkredietverzekering?", k=2), retriever, 5)
    assert close.close_match is True
    assert [result.close_match for result in close.results] == [True, False]
    far = answer_search(SearchRequest(question="Hoeveel wolven leven er op de Veluwe?", k=2), retriever, 5)
    assert far.close_match is False and all(result.close_match is False for result in far.results)
    lexical = answer_search(SearchRequest(question="haven", k=2, mode=SearchMode.LEXICAL), retriever, 5)
    assert lexical.close_match is None and lexical.model_dump()["results"][0]["close_match"] is None


def test_the_api_returns_close_match_on_get_and_post(retriever: Retriever, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from vraagbaak.service.app import create_app
    from vraagbaak.service.settings import ServiceSettings

    settings = ServiceSettings(index_dir=tmp_path / "unused", data_dir=tmp_path / "data", batch_wait_ms=0.0)
    with TestClient(create_app(settings, retriever=retriever)) as client:
        far = client.get("/v1/search", params={"q": "Hoeveel wolven leven er op de Veluwe?", "k": 1})
        assert far.status_code == 200 and far.json()["close_match"] is False
        near = client.post("/v1/search", json={"question": "Wat is de exportkredietverzekering?", "k": 1})
        assert near.json()["close_match"] is True and near.json()["results"][0]["close_match"] is True
