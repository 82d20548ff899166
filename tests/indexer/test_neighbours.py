"""A prose passage lifted by its best-matching neighbour; Q&A units and other documents untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.retrieval.neighbours import PassageNeighbours
from indexer.retrieval.retriever import FusionConfig, Retriever, SearchMode
from indexer.store.builder import build_index
from indexer.units import Document, DocumentKind, ParsedDocument, Unit
from tests.fakes import FakeEncoder, qa_document


def _passage(doc_id: str, n: int, text: str) -> Unit:
    return Unit(unit_id=f"{doc_id}:p{n}", doc_id=doc_id, number=n, answer=text)


def _qa(doc_id: str, n: int) -> Unit:
    return Unit(unit_id=f"{doc_id}:{n}", doc_id=doc_id, number=n, question=f"Vraag {n}?", answer="Antwoord.")


def test_neighbours_are_the_adjacent_passages_of_the_same_document() -> None:
    units = [
        _passage("nota", 1, "a"),  # row 0
        _passage("nota", 2, "b"),  # row 1
        _passage("nota", 3, "c"),  # row 2
        _passage("brief", 1, "d"),  # row 3: another document, no neighbour of row 2
        _qa("lijst", 1),  # row 4
        _qa("lijst", 2),  # row 5: siblings are not each other's context
        _passage("lijst", 3, "e"),  # row 6: a Q&A unit separates it from the passages before
    ]
    neighbours = PassageNeighbours(units)
    assert [neighbours.neighbours(row) for row in range(len(units))] == [(1,), (0, 2), (1,), (), (), (), ()]


def test_lift_adds_a_share_of_the_best_neighbour_above_the_lowest_candidate() -> None:
    neighbours = PassageNeighbours([_passage("nota", n, "x") for n in (1, 2, 3)] + [_qa("lijst", 1)])
    fused = {0: 3.0, 1: 2.5, 2: 1.0, 3: 2.8}
    lifted = neighbours.lift(fused, 0.5)
    assert lifted[1] == pytest.approx(2.5 + 0.5 * (3.0 - 1.0))  # its best neighbour, row 0
    assert lifted[0] == pytest.approx(3.0 + 0.5 * (2.5 - 1.0))
    assert lifted[2] == pytest.approx(1.0 + 0.5 * (2.5 - 1.0))
    assert lifted[3] == 2.8  # the Q&A unit keeps its score
    assert neighbours.lift(fused, 0.0) == fused
    # A neighbour outside the candidates counts as the lowest candidate: it adds nothing.
    assert neighbours.lift({1: 2.0, 3: 1.0}, 0.5) == {1: 2.0, 3: 1.0}


def _note() -> ParsedDocument:
    document = Document(
        doc_id="nota", kind=DocumentKind.PROSE, title="Nota", source_path="/nowhere/nota.txt", content_hash="b" * 64
    )
    texts = [
        "De regionale focus van de ontwikkelingssamenwerking blijft gehandhaafd.",  # introduces the subject
        "Het gaat om de Sahel, de Hoorn van Afrika en het Midden-Oosten.",  # answers, in other words
        "Subsidies voor de kunstsector worden herzien.",
    ]
    units = tuple(_passage("nota", n, text) for n, text in enumerate(texts, 1))
    return ParsedDocument(document=document, units=units)


def test_the_retriever_lifts_passages_after_fusion_and_leaves_lexical_search_alone(tmp_path: Path) -> None:
    other = qa_document("lijst", [("Welke regio?", "Het Midden-Oosten en de Sahel krijgen aandacht.")])
    build_index([_note(), other], FakeEncoder(), tmp_path)
    question = "Op welke regio's richt de ontwikkelingssamenwerking haar focus?"
    plain = Retriever.load(tmp_path, FakeEncoder(), FusionConfig(neighbour_weight=0.0))
    lifted = Retriever.load(tmp_path, FakeEncoder(), FusionConfig(neighbour_weight=0.5))
    before = {hit.unit.unit_id: hit.score for hit in plain.search(question, k=10)}
    after = {hit.unit.unit_id: hit.score for hit in lifted.search(question, k=10)}
    assert len(before) == 4  # every unit is a candidate, so the lowest candidate is known
    floor = min(before.values())
    best_neighbour = max(before["nota:p1"], before["nota:p3"])
    assert after["nota:p2"] == pytest.approx(before["nota:p2"] + 0.5 * (best_neighbour - floor))
    assert after["nota:p1"] == pytest.approx(before["nota:p1"] + 0.5 * (before["nota:p2"] - floor))
    assert after["lijst:1"] == before["lijst:1"]
    assert [h.score for h in plain.search(question, k=10, mode=SearchMode.LEXICAL)] == [
        h.score for h in lifted.search(question, k=10, mode=SearchMode.LEXICAL)
    ]
