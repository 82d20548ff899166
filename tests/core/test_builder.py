"""Incremental updates: replace by document, idempotent by content hash, nothing else re-embedded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.errors import VraagbaakError
from vraagbaak.retrieval.request import SearchMode
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.store.builder import add_documents, build_index, remove_documents
from vraagbaak.store.generations import current_generation, load_index

DOC_A = qa_document(
    "doc_a",
    [
        ("Hoeveel kost de haven van Rotterdam?", "De haven kost veel geld."),
        ("Wat is de exportkredietverzekering?", "Een verzekering voor exporteurs tegen betalingsrisico."),
    ],
)
DOC_B = qa_document("doc_b", [("Hoe groot is de visserijvloot?", "De visserijvloot telt driehonderd kotters.")])
QUERIES = ["haven Rotterdam kosten", "exportkredietverzekering exporteurs", "visserijvloot kotters"]


def _results(index_dir: Path) -> list[list[tuple[str, float]]]:
    retriever = Retriever.load(index_dir, FakeEncoder())
    return [[(hit.unit.unit_id, round(hit.score, 6)) for hit in retriever.search(q, k=5)] for q in QUERIES]


def test_build_reports_what_it_did(tmp_path: Path) -> None:
    report = build_index([DOC_A, DOC_B], FakeEncoder(), tmp_path)
    assert (report.documents, report.units, report.vectors, report.embedded) == (2, 3, 6, 6)
    assert report.added == ["doc_a", "doc_b"]


def test_duplicate_document_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(VraagbaakError, match="occurs twice"):
        build_index([DOC_A, DOC_A], FakeEncoder(), tmp_path)


def test_add_embeds_only_the_new_document(tmp_path: Path) -> None:
    build_index([DOC_A], FakeEncoder(), tmp_path)
    encoder = FakeEncoder()
    report = add_documents([DOC_B], encoder, tmp_path)
    assert report.added == ["doc_b"] and report.embedded == 2
    assert sum(encoder.calls) == 2  # doc_b's question and answer, nothing of doc_a
    assert [unit.unit_id for unit in load_index(tmp_path).units] == ["doc_a:1", "doc_a:2", "doc_b:1"]


def test_adding_the_same_content_again_changes_nothing(tmp_path: Path) -> None:
    build_index([DOC_A], FakeEncoder(), tmp_path)
    before = current_generation(tmp_path)
    encoder = FakeEncoder()
    report = add_documents([DOC_A], encoder, tmp_path)
    assert report.unchanged == ["doc_a"] and encoder.calls == []
    assert current_generation(tmp_path) == before


def test_adding_changed_content_replaces_the_units(tmp_path: Path) -> None:
    build_index([DOC_A, DOC_B], FakeEncoder(), tmp_path)
    changed = qa_document("doc_a", [("Wat kost een tunnel?", "Een tunnel kost meer dan een brug.")])
    report = add_documents([changed], FakeEncoder(), tmp_path)
    assert report.replaced == ["doc_a"]
    content = load_index(tmp_path)
    assert [unit.unit_id for unit in content.units] == ["doc_b:1", "doc_a:1"]
    assert content.units[1].question == "Wat kost een tunnel?"
    assert content.manifest.counts.vectors == 4
    hit = Retriever(content, FakeEncoder()).search("tunnel brug", k=1)[0]
    assert hit.unit.unit_id == "doc_a:1"


def test_add_then_remove_returns_identical_search_results(tmp_path: Path) -> None:
    build_index([DOC_A], FakeEncoder(), tmp_path)
    before = _results(tmp_path)
    add_documents([DOC_B], FakeEncoder(), tmp_path)
    assert _results(tmp_path) != before
    remove_documents(["doc_b"], tmp_path)
    assert _results(tmp_path) == before


def test_remove_keeps_vectors_of_the_rest_bit_for_bit(tmp_path: Path) -> None:
    build_index([DOC_A, DOC_B], FakeEncoder(), tmp_path)
    full = load_index(tmp_path)
    remove_documents(["doc_b"], tmp_path)
    kept = load_index(tmp_path)
    for vector_id in kept.vector_map.ids:
        assert np.array_equal(kept.vectors.reconstruct(int(vector_id)), full.vectors.reconstruct(int(vector_id)))
    assert kept.manifest.counts.units == 2


def test_vector_ids_are_never_reused(tmp_path: Path) -> None:
    build_index([DOC_A, DOC_B], FakeEncoder(), tmp_path)
    used = set(load_index(tmp_path).vector_map.ids.tolist())
    remove_documents(["doc_b"], tmp_path)
    add_documents([qa_document("doc_c", [("Vraag over kaas?", "Antwoord over kaas.")])], FakeEncoder(), tmp_path)
    new_ids = set(load_index(tmp_path).vector_map.ids.tolist()) - used
    assert new_ids and min(new_ids) > max(used)


def test_removing_an_unknown_document_is_an_error(tmp_path: Path) -> None:
    build_index([DOC_A], FakeEncoder(), tmp_path)
    with pytest.raises(VraagbaakError, match="not in the index: doc_x"):
        remove_documents(["doc_x"], tmp_path)


def test_add_to_a_missing_index_builds_one(tmp_path: Path) -> None:
    report = add_documents([DOC_B], FakeEncoder(), tmp_path / "new")
    assert report.added == ["doc_b"] and report.units == 1


def test_lexical_index_follows_updates(tmp_path: Path) -> None:
    build_index([DOC_A], FakeEncoder(), tmp_path)
    add_documents([DOC_B], FakeEncoder(), tmp_path)
    retriever = Retriever.load(tmp_path, FakeEncoder())
    hits = retriever.search("kotters", k=3, mode=SearchMode.LEXICAL)
    assert [hit.unit.unit_id for hit in hits] == ["doc_b:1"]
