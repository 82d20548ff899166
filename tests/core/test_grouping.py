"""Results by document: collapsing the unit ranking, bare answers read with their context."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.retrieval.bare_answers import companions, is_bare, is_pointer
from vraagbaak.retrieval.grouping import candidates_for_documents, group_by_document
from vraagbaak.retrieval.request import SearchGroup, SearchRequest
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.retrieval.search import answer_search
from vraagbaak.store.builder import build_index

HAVENS = qa_document(
    "havens",
    [
        ("Bent u bekend met het bericht over nieuwe havenkranen in Rotterdam?", "Ja."),
        ("Hoeveel havenkranen heeft het havenbedrijf gekocht?", "Het havenbedrijf kocht twaalf havenkranen."),
        ("Wat kost het baggeren van de vaargeul?", "Het baggeren kost jaarlijks veertig miljoen euro."),
        ("Welke leverancier levert de havenkranen?", "Zie het antwoord op vraag 2."),
        ("Hoe lang duurt de aanleg van de nieuwe kade?", "De aanleg van de kade duurt drie jaar."),
    ],
)
KRANEN = qa_document(
    "kranen",
    [
        ("Hoeveel havenkranen staan er in Amsterdam?", "In Amsterdam staan acht havenkranen."),
        ("Hoe oud zijn de havenkranen in Amsterdam?", "De havenkranen zijn gemiddeld twintig jaar oud."),
    ],
    date="2025-03-01",
)
OTHERS = qa_document(
    "overig",
    [
        (f"Vraag over onderwerp {topic}?", f"Antwoord over {topic}.")
        for topic in ("visserij", "stikstof", "onderwijs", "zorg", "wonen", "defensie", "cultuur")
    ],
    date=None,
)
QUESTION = "Hoeveel havenkranen zijn er gekocht?"


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    folder: Path = tmp_path_factory.mktemp("grouping")
    encoder = FakeEncoder()
    build_index([HAVENS, KRANEN, OTHERS], encoder, folder)
    return Retriever.load(folder, encoder)


@pytest.mark.parametrize(
    "answer", ["Ja.", "Nee", "Ja, daar ben ik mee bekend.", "Nee, niet noodzakelijkerwijs.", "Dat klopt."]
)
def test_bare_yes_or_no_is_bare(answer: str) -> None:
    assert is_bare(answer) and not is_pointer(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Ja. Net als in 2020 is een meervoudige onderhandse aanbestedingsprocedure gevolgd, zoals eerder gemeld.",
        "Jaarlijks 40 miljoen.",
    ],
)
def test_an_answer_with_substance_is_not_bare(answer: str) -> None:
    assert not is_bare(answer) and not is_pointer(answer)


@pytest.mark.parametrize(
    "answer", ["Zie het antwoord op vraag 7", "Nee, zie antwoord 6.", "Zie de antwoorden op vragen 24 en 25."]
)
def test_short_reference_is_a_pointer(answer: str) -> None:
    assert is_pointer(answer)


def test_companions_are_the_next_unit_or_the_one_pointed_to(retriever: Retriever) -> None:
    unit = retriever.unit
    assert [u.unit_id for u in companions(retriever, unit("havens:1"))] == ["havens:2"]  # "Ja." leads into 2
    assert [u.unit_id for u in companions(retriever, unit("havens:4"))] == ["havens:2"]  # "zie vraag 2"
    assert companions(retriever, unit("havens:2")) == []
    assert retriever.next_unit("havens:5") is None  # the last unit leads nowhere


def test_default_depth_candidates_are_the_ungrouped_ranking(retriever: Retriever) -> None:
    vector = retriever.encode([QUESTION])[0]
    hits = retriever.search_encoded(QUESTION, vector, 10)
    found = retriever.candidates_encoded(QUESTION, vector)
    assert [c.unit.unit_id for c in found[:10]] == [hit.unit.unit_id for hit in hits]
    assert [c.score for c in found[:10]] == [hit.score for hit in hits]


def test_documents_rank_by_their_best_unit_and_show_their_best_units_in_order(retriever: Retriever) -> None:
    vector = retriever.encode([QUESTION])[0]
    found = candidates_for_documents(retriever, QUESTION, vector, 2)
    groups = group_by_document(retriever, found, 2, per_document=2)
    first_documents = list(dict.fromkeys(c.unit.doc_id for c in found))[:2]
    assert [group.document.doc_id for group in groups] == first_documents
    for group in groups:
        ids = [shown.unit.unit_id for shown in group.units]
        numbers = [shown.unit.number for shown in group.units]
        assert numbers == sorted(numbers), ids  # document order
        assert sum(shown.best for shown in group.units) == 1
        assert len([s for s in group.units if s.context_for is None]) <= 2
        assert group.best.relevance_rank == min(s.relevance_rank for s in group.units if s.relevance_rank)
        assert all(shown.unit.doc_id == group.document.doc_id for shown in group.units)


def test_a_bare_answer_is_shown_with_the_unit_it_leads_into(retriever: Retriever) -> None:
    question = "Bent u bekend met het bericht over havenkranen in Rotterdam?"
    vector = retriever.encode([question])[0]
    found = candidates_for_documents(retriever, question, vector, 1)
    assert found[0].unit.unit_id == "havens:1"  # the "Ja." unit matches best on its question
    (group,) = group_by_document(retriever, found, 1, per_document=1)
    shown = {s.unit.unit_id: s for s in group.units}
    assert shown["havens:1"].best
    assert shown["havens:2"].context_for == "havens:1"
    (plain,) = group_by_document(retriever, found, 1, per_document=1, with_context=False)
    assert [s.unit.unit_id for s in plain.units] == ["havens:1"]
    (hidden,) = group_by_document(retriever, found, 1, per_document=1, hidden={"havens:2"})
    assert [s.unit.unit_id for s in hidden.units] == ["havens:1"]


def test_grouped_answer_counts_documents_and_leaves_results_empty(retriever: Retriever) -> None:
    request = SearchRequest(question=QUESTION, k=2, group=SearchGroup.DOCUMENT)
    response = answer_search(request, retriever, 5, group_units=2)
    assert response.group is SearchGroup.DOCUMENT and response.results == []
    assert response.documents is not None and len(response.documents) == 2
    first = response.documents[0]
    assert first.rank == 1 and first.citation.startswith(first.title)
    assert [unit.best for unit in first.units].count(True) == 1
    ungrouped = answer_search(SearchRequest(question=QUESTION, k=2), retriever, 5)
    assert ungrouped.documents is None and len(ungrouped.results) == 2
    assert first.doc_id == ungrouped.results[0].doc_id


def test_grouped_answer_sorted_by_date_puts_dated_documents_first(retriever: Retriever) -> None:
    request = SearchRequest(question=QUESTION, k=3, group=SearchGroup.DOCUMENT, sort="newest")
    response = answer_search(request, retriever, 5)
    assert response.documents is not None
    dates = [document.date for document in response.documents]
    assert dates == sorted(dates, key=lambda date: (date is None, -(date.toordinal() if date else 0)))
