"""Ranking, fusion and filters on a handwritten corpus with the keyword encoder."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.errors import QueryError
from vraagbaak.retrieval.focus import asking_part
from vraagbaak.retrieval.fusion import convex, normalise, rrf
from vraagbaak.retrieval.request import SearchFilters, SearchMode
from vraagbaak.retrieval.retriever import FusionConfig, Retriever, SearchHit, Signal, top_rows
from vraagbaak.store.builder import build_index
from vraagbaak.store.chunking import ChunkingConfig, VectorField, chunk_unit
from vraagbaak.units import Document, DocumentKind, ParsedDocument, Unit

LIST = qa_document(
    "lijst",
    [
        ("Hoeveel kost de haven van Rotterdam?", "De haven van Rotterdam kost jaarlijks veel geld."),
        ("Wat is de exportkredietverzekering?", "Een verzekering voor exporteurs tegen betalingsrisico."),
        ("Welke landen zijn handelspartners?", "Duitsland en België zijn de grootste handelspartners."),
    ],
    dossier="36180",
    date="2025-11-10",
)
CONSULTATION = qa_document(
    "overleg",
    [
        (
            "De leden van de VVD vragen naar de haven van Antwerpen.",
            "De haven van Antwerpen concurreert met Rotterdam.",
        ),
        ("De leden van de CDA vragen naar de exportkredietverzekering.", "De verzekering dekt betalingsrisico."),
    ],
    kind=DocumentKind.WRITTEN_CONSULTATION,
    parties=["VVD", "CDA"],
    dossier="21501 02",
    date="2026-01-30",
)


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    index_dir: Path = tmp_path_factory.mktemp("index")
    build_index([LIST, CONSULTATION], FakeEncoder(), index_dir)
    return Retriever.load(index_dir, FakeEncoder())


def _ids(hits: list[SearchHit]) -> list[str]:
    return [hit.unit.unit_id for hit in hits]


def test_best_match_comes_first_and_ranks_are_consecutive(retriever: Retriever) -> None:
    hits = retriever.search("Wat is de exportkredietverzekering?", k=3)
    assert hits[0].unit.unit_id == "lijst:2"
    assert [hit.rank for hit in hits] == [1, 2, 3]
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_a_unit_appears_once_even_when_several_signals_find_it(retriever: Retriever) -> None:
    hits = retriever.search("haven Rotterdam", k=5)
    assert len(_ids(hits)) == len(set(_ids(hits))) == 5
    assert set(hits[0].matched) == {Signal.QUESTION, Signal.ANSWER, Signal.LEXICAL}


def test_modes_use_only_their_signals(retriever: Retriever) -> None:
    lexical = retriever.search("betalingsrisico", k=5, mode=SearchMode.LEXICAL)
    assert set(_ids(lexical)) == {"lijst:2", "overleg:2"}  # only units containing the word
    assert all(hit.matched == (Signal.LEXICAL,) for hit in lexical)
    dense = retriever.search("betalingsrisico", k=5, mode=SearchMode.DENSE)
    assert all(Signal.LEXICAL not in hit.matched for hit in dense)


def test_party_filter_applies_inside_retrieval(retriever: Retriever) -> None:
    hits = retriever.search("haven Rotterdam", k=5, filters=SearchFilters(parties=("vvd",)))
    assert _ids(hits) == ["overleg:1"]


def test_kind_document_dossier_and_date_filters(retriever: Retriever) -> None:
    question = "exportkredietverzekering"
    by_kind = retriever.search(question, k=5, filters=SearchFilters(kinds=(DocumentKind.QA_LIST,)))
    assert {hit.unit.doc_id for hit in by_kind} == {"lijst"}
    by_doc = retriever.search(question, k=5, filters=SearchFilters(doc_ids=("overleg",)))
    assert set(_ids(by_doc)) == {"overleg:1", "overleg:2"}
    by_dossier = retriever.search(question, k=5, filters=SearchFilters(dossier="2150102"))
    assert {hit.unit.doc_id for hit in by_dossier} == {"overleg"}
    by_date = retriever.search(question, k=5, filters=SearchFilters(date_from=datetime.date(2026, 1, 1)))
    assert {hit.unit.doc_id for hit in by_date} == {"overleg"}
    until = retriever.search(question, k=5, filters=SearchFilters(date_to=datetime.date(2025, 12, 31)))
    assert {hit.unit.doc_id for hit in until} == {"lijst"}


def test_filter_leaving_fewer_than_k_returns_what_there_is(retriever: Retriever) -> None:
    assert len(retriever.search("haven", k=10, filters=SearchFilters(doc_ids=("overleg",)))) == 2
    assert retriever.search("haven", k=10, filters=SearchFilters(parties=("PVV",))) == []


def test_excluded_units_never_come_back(retriever: Retriever) -> None:
    hits = retriever.search("Wat is de exportkredietverzekering?", k=5, exclude=("lijst:2",))
    assert "lijst:2" not in _ids(hits)


def test_hits_carry_citation_and_highlights(retriever: Retriever) -> None:
    hit = retriever.search("haven Antwerpen", k=1, filters=SearchFilters(parties=("VVD",)))[0]
    assert hit.citation is not None and hit.citation.party == "VVD"
    assert hit.highlights == ["De haven van Antwerpen concurreert met Rotterdam."]


@pytest.mark.parametrize("question", ["", "   ", "\x00\u200b"])
def test_empty_questions_are_refused(retriever: Retriever, question: str) -> None:
    with pytest.raises(QueryError, match="empty"):
        retriever.search(question)


@pytest.mark.parametrize("k", [0, -1, 51])
def test_k_out_of_range_is_refused(retriever: Retriever, k: int) -> None:
    with pytest.raises(QueryError, match="between 1 and 50"):
        retriever.search("haven", k=k)


def test_search_many_encodes_once(tmp_path: Path) -> None:
    build_index([LIST], FakeEncoder(), tmp_path)
    encoder = FakeEncoder()
    retriever = Retriever.load(tmp_path, encoder)
    results = retriever.search_many(["haven", "handelspartners"], k=1)
    assert encoder.calls == [2]
    assert [hits[0].unit.unit_id for hits in results] == ["lijst:1", "lijst:3"]


def test_top_rows_equals_the_head_of_a_stable_sort() -> None:
    # hand-checked: scores 3,1,3,0,2 -> 0 and 2 tie at 3 (row order), then 4
    np.testing.assert_array_equal(top_rows(np.array([3.0, 1.0, 3.0, 0.0, 2.0]), 3), [0, 2, 4])
    # a tie across the cut keeps the lower row
    np.testing.assert_array_equal(top_rows(np.array([1.0, 2.0, 1.0, 1.0]), 2), [1, 0])
    rng = np.random.default_rng(7)
    for _ in range(500):  # many ties: scores drawn from five values
        scores = rng.integers(0, 5, int(rng.integers(1, 60))).astype(np.float32)
        depth = int(rng.integers(0, 70))
        np.testing.assert_array_equal(top_rows(scores, depth), np.argsort(-scores, kind="stable")[:depth])


def test_unanswered_questions_stay_out_unless_asked_for(tmp_path: Path) -> None:
    asked = qa_document("vragen", [("Hoeveel kost de haven van Rotterdam nu?", "")], parties=["D66, VVD"])
    asked = asked.model_copy(update={"units": tuple(u.model_copy(update={"answered": False}) for u in asked.units)})
    build_index([LIST, asked], FakeEncoder(), tmp_path)
    retriever = Retriever.load(tmp_path, FakeEncoder())
    question = "Hoeveel kost de haven van Rotterdam?"
    assert "vragen:1" not in _ids(retriever.search(question, k=5))
    everything = _ids(retriever.search(question, k=5, filters=SearchFilters(include_unanswered=True)))
    assert "vragen:1" in everything
    # a unit asked by two parties matches a filter on either
    for party in ("VVD", "d66"):
        only = SearchFilters(include_unanswered=True, parties=(party,))
        assert _ids(retriever.search(question, k=5, filters=only)) == ["vragen:1"]


# ------------------------------------------------------------ fusion (issue 16)


def _ranking(rows: list[int], scores: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(rows, np.int64), np.array(scores)


def test_convex_fusion_keeps_the_margin_that_rrf_throws_away() -> None:
    rankings = {
        Signal.ANSWER: _ranking([1, 2, 3, 4], [0.95, 0.70, 0.69, 0.60]),  # unit 1 far ahead
        Signal.LEXICAL: _ranking([2, 1, 3], [10.0, 9.9, 1.0]),  # unit 2 ahead by a hair
    }
    by_rank = rrf(rankings, {Signal.ANSWER: 1.0, Signal.LEXICAL: 1.1, Signal.QUESTION: 0.0}, rrf_k=10)
    assert max(by_rank, key=by_rank.__getitem__) == 2
    by_score = convex(rankings, lexical_share=1.1, question_offset=0.0)
    assert max(by_score, key=by_score.__getitem__) == 1


def test_a_qa_unit_gets_one_dense_vote_like_a_prose_passage() -> None:
    rankings = {
        Signal.QUESTION: _ranking([1], [0.94]),  # Q&A unit 1: stored question close, answer less so
        Signal.ANSWER: _ranking([2, 1, 3], [0.93, 0.80, 0.50]),  # prose passage 2 has only an answer vector
    }
    two_votes = rrf(rankings, {Signal.QUESTION: 1.0, Signal.ANSWER: 1.0, Signal.LEXICAL: 0.0}, rrf_k=10)
    assert max(two_votes, key=two_votes.__getitem__) == 1
    one_vote = convex(rankings, lexical_share=0.0, question_offset=0.02)  # 0.94 - 0.02 < 0.93
    assert max(one_vote, key=one_vote.__getitem__) == 2


def test_normalise_fills_gaps_below_the_list_and_handles_flat_lists() -> None:
    z = normalise(np.array([3.0, 1.0, np.nan]), "zscore")
    assert z[2] == z[1] < z[0] and abs(z.mean()) < 1e-9
    assert normalise(np.array([2.0, np.nan]), "minmax", missing=0.0).tolist() == [1.0, 0.0]
    assert normalise(np.array([5.0, 5.0]), "zscore").tolist() == [0.0, 0.0]


def test_rrf_method_reproduces_the_previous_default(retriever: Retriever) -> None:
    old = Retriever(retriever.content, FakeEncoder(), FusionConfig(method="rrf", focus_weight=0.0))
    hits = old.search("haven Rotterdam", k=5)
    assert hits[0].score == pytest.approx(0.1 / 11 + 1.0 / 11 + 0.25 / 11)  # rank 1 in all three signals


@pytest.mark.parametrize(
    ("question", "asking"),
    [
        (
            "Een schip zonk. Wat doet de minister? Welke afspraken zijn er?",
            "Wat doet de minister? Welke afspraken zijn er?",
        ),
        ("Het kabinet, zo meldt NRC, twijfelt. Klopt dat?", "Klopt dat?"),
        ("Wat doet de minister?", None),  # nothing but a question
        ("Wat doet de minister? Welke afspraken zijn er?", None),
        ("Graag een overzicht van de missies.", None),  # no question mark
    ],
)
def test_asking_part_is_the_question_sentences_after_a_preamble(question: str, asking: str | None) -> None:
    assert asking_part(question) == asking


def test_a_preamble_question_is_encoded_whole_and_focused_in_one_model_call(retriever: Retriever) -> None:
    encoder = FakeEncoder()
    focused = Retriever(retriever.content, encoder, FusionConfig(focus_weight=0.75))
    question = "De haven van Rotterdam groeit hard. Wat is de exportkredietverzekering?"
    vectors = focused.encode([question, "haven"])
    assert encoder.calls == [3]  # both questions and the one asking part, together
    whole, part = FakeEncoder().encode_queries([question, "Wat is de exportkredietverzekering?"])
    expected = 0.25 * whole + 0.75 * part
    assert np.allclose(vectors[0], expected / np.linalg.norm(expected), atol=1e-6)
    assert np.allclose(vectors[1], FakeEncoder().encode_queries(["haven"])[0])
    assert focused.search(question, k=1)[0].unit.unit_id == "lijst:2"


def test_a_foreign_question_gets_the_foreign_bm25_share(retriever: Retriever) -> None:
    """BM25 over Dutch text is noise for an English question: by default it is left out of the fusion."""
    no_bm25 = Retriever(retriever.content, FakeEncoder(), FusionConfig(lexical_share=0.0, foreign_lexical_share=0.0))
    english = "What does the haven of Rotterdam cost and who are the handelspartners?"
    dutch = "Wat kost de haven van Rotterdam en wie zijn de handelspartners?"
    assert FusionConfig().foreign_lexical_share == 0.0
    english_hits = retriever.search(english, k=5)
    assert Signal.LEXICAL in english_hits[0].matched  # BM25 still ran; its share is zero
    assert [(h.unit.unit_id, h.score) for h in english_hits] == [
        (h.unit.unit_id, h.score) for h in no_bm25.search(english, k=5)
    ]
    assert [h.score for h in retriever.search(dutch, k=5)] != [h.score for h in no_bm25.search(dutch, k=5)]
    some_bm25 = Retriever(retriever.content, FakeEncoder(), FusionConfig(foreign_lexical_share=0.3))
    assert [h.score for h in some_bm25.search(english, k=5)] != [h.score for h in english_hits]


# ------------------------------------------------------------ small-to-big prose windows (issue 16)

_FILLER = (
    "Het kabinet investeert in onderwijs, gezondheidszorg, klimaatadaptatie en voedselzekerheid in partnerlanden. "
    "Daarnaast werkt Nederland samen met multilaterale organisaties en het bedrijfsleven aan duurzame groei. "
    "De inzet wordt jaarlijks geëvalueerd en waar nodig bijgestuurd op basis van resultaten en lessen. "
)
_ANSWERING = "De haven van Vlissingen ontvangt jaarlijks 805 miljoen euro. "


def _prose_document() -> ParsedDocument:
    document = Document(
        doc_id="nota",
        kind=DocumentKind.PROSE,
        title="Beleidsnota",
        source_path="/nowhere/nota.txt",
        content_hash="a" * 64,
    )
    units = (
        # The answering sentence drowned in a long passage.
        Unit(unit_id="nota:p1", doc_id="nota", number=1, answer=_FILLER + _ANSWERING + _FILLER, section="Financiën"),
        # A short passage that shares the query's words but does not answer it.
        Unit(
            unit_id="nota:p2",
            doc_id="nota",
            number=2,
            answer="De haven van Vlissingen groeit snel dankzij containers en overslag.",
            section="Havens",
        ),
    )
    return ParsedDocument(document=document, units=units)


def test_prose_windows_are_extra_answer_parts_of_long_passages_only() -> None:
    count = FakeEncoder().count_tokens
    long_passage, short_passage = _prose_document().units
    windows = ChunkingConfig(prose_window_tokens=20)
    chunks = list(chunk_unit(long_passage, windows, count))
    assert chunks[0].text == f"Financiën\n{long_passage.answer.strip()}"  # the whole passage still comes first
    assert len(chunks) > 3 and [c.part for c in chunks] == list(range(len(chunks)))
    assert all(c.field is VectorField.ANSWER and c.text.startswith("Financiën\n") for c in chunks)
    assert all(count(c.text.split("\n", 1)[1]) <= 20 for c in chunks[1:])
    assert any("805 miljoen" in c.text for c in chunks[1:])
    assert len(list(chunk_unit(short_passage, windows, count))) == 1  # fits one window: nothing to add
    assert len(list(chunk_unit(long_passage, ChunkingConfig(prose_window_tokens=0), count))) == 1  # 0: off
    qa_unit = LIST.units[0]
    assert list(chunk_unit(qa_unit, windows, count)) == list(chunk_unit(qa_unit, ChunkingConfig(), count))


def test_a_matching_window_returns_its_whole_passage(tmp_path: Path) -> None:
    question = "Hoeveel euro ontvangt de haven van Vlissingen jaarlijks?"
    ranked = {}
    for window in (0, 20):
        index_dir = tmp_path / f"window-{window}"
        build_index([_prose_document()], FakeEncoder(), index_dir, chunking=ChunkingConfig(prose_window_tokens=window))
        hits = Retriever.load(index_dir, FakeEncoder()).search(question, k=5, mode=SearchMode.DENSE)
        ranked[window] = _ids(hits)
        assert {hit.unit.answer for hit in hits} == {unit.answer for unit in _prose_document().units}
    assert ranked[0] == ["nota:p2", "nota:p1"]  # one vector for the long passage: the answer is diluted
    assert ranked[20] == ["nota:p1", "nota:p2"]  # a window matches; the passage is returned once


def test_a_manifest_from_before_prose_windows_reads_as_without_them() -> None:
    recorded = ChunkingConfig(prose_window_tokens=0).model_dump()
    del recorded["prose_window_tokens"]  # what an index built before the field existed records
    assert ChunkingConfig.model_validate(recorded).prose_window_tokens == 0
    assert ChunkingConfig().prose_window_tokens == 0  # off unless VRAAGBAAK_PROSE_WINDOW_TOKENS asks for them
    assert ChunkingConfig.model_validate(ChunkingConfig().model_dump()) == ChunkingConfig()
