"""'Ook eerder gevraagd': near-duplicate questions from the stored question vectors, on exact and IVF indexes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.retrieval.similar import MAX_SIMILAR, SIMILAR_COSINE, find_similar, question_vectors
from vraagbaak.store.builder import build_index
from vraagbaak.store.generations import load_index
from vraagbaak.store.vector_index import VectorIndexConfig, index_kind
from vraagbaak.units import Document, DocumentKind, ParsedDocument, Unit

WIND = "Hoeveel windmolens komen er op zee bij?"


def _unanswered(doc_id: str, question: str) -> ParsedDocument:
    parsed = qa_document(doc_id, [(question, "")], kind=DocumentKind.WRITTEN_QUESTIONS, date="2027-01-01")
    units = tuple(unit.model_copy(update={"answered": False}) for unit in parsed.units)
    return parsed.model_copy(update={"units": units})


def _prose(doc_id: str) -> ParsedDocument:
    document = Document(
        doc_id=doc_id,
        kind=DocumentKind.PROSE,
        title="Notitie",
        source_path=f"/nowhere/{doc_id}.txt",
        content_hash="a" * 64,
    )
    unit = Unit(unit_id=f"{doc_id}:p1", doc_id=doc_id, section="Windmolens", answer="Windmolens op zee.")
    return ParsedDocument(document=document, units=(unit,))


def _corpus() -> list[ParsedDocument]:
    return [
        qa_document(
            "oud", [(WIND, "Tweehonderd."), ("Wat kost de subsidie voor warmtepompen?", "Veel.")], date="2023-05-01"
        ),
        qa_document("nieuw", [(WIND, "Driehonderd.")], date="2026-03-01"),
        qa_document(
            "midden", [(WIND, "Tweehonderdvijftig."), ("Welke landen bezoekt de missie?", "India.")], date="2025-01-01"
        ),
        qa_document("zonder_datum", [(WIND, "Onbekend.")], date=None),
        _unanswered("vragen", WIND),
        _prose("notitie"),
    ]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory):
    index_dir = tmp_path_factory.mktemp("similar") / "index"
    build_index(_corpus(), FakeEncoder(), index_dir)
    return load_index(index_dir)


def test_near_duplicates_are_listed_newest_first_without_itself_or_unanswered(content) -> None:
    found = find_similar(content, ["oud:1"])["oud:1"]
    assert [item.unit.unit_id for item in found] == ["nieuw:1", "midden:1", "zonder_datum:1"]
    assert all(item.cosine >= SIMILAR_COSINE for item in found)
    assert found[0].document.date is not None and found[0].document.date.year == 2026
    # The unanswered printed question lists the answered ones: "this was asked before, and answered".
    listed = [item.unit.unit_id for item in find_similar(content, ["vragen:1"])["vragen:1"]]
    assert listed == ["nieuw:1", "midden:1", "oud:1", "zonder_datum:1"]


def test_different_questions_prose_and_unknown_units_get_nothing(content) -> None:
    found = find_similar(content, ["oud:2", "notitie:p1", "nergens:1", "midden:2"])
    assert found == {"oud:2": [], "notitie:p1": [], "nergens:1": [], "midden:2": []}


def test_the_list_is_bounded_to_the_closest_and_skips_its_own_document(content) -> None:
    assert MAX_SIMILAR == 10
    everything = find_similar(content, ["oud:1"], threshold=-1.0)["oud:1"]
    # Every answered unit with a question in another document: not oud:2, nor the unanswered or prose ones.
    assert {item.unit.unit_id for item in everything} == {"nieuw:1", "midden:1", "midden:2", "zonder_datum:1"}
    closest_two = find_similar(content, ["oud:1"], threshold=-1.0, limit=2)["oud:1"]
    assert len(closest_two) == 2 and min(i.cosine for i in closest_two) >= max(
        i.cosine for i in everything if i.unit.unit_id not in {c.unit.unit_id for c in closest_two}
    )
    assert find_similar(content, ["oud:1"], limit=0)["oud:1"] == []


def test_the_matrix_is_built_once_per_generation_and_equals_the_stored_vectors(content) -> None:
    vectors = question_vectors(content)
    assert question_vectors(content) is vectors
    encoder = FakeEncoder()
    row = vectors.position["midden:2"]
    np.testing.assert_allclose(vectors.matrix[row], encoder.encode_queries(["Welke landen bezoekt de missie?"])[0])


def test_an_ivf_index_gives_the_same_answers(tmp_path: Path, content) -> None:
    index_dir = tmp_path / "ivf"
    build_index(_corpus(), FakeEncoder(), index_dir, vector_config=VectorIndexConfig(kind="ivf", ivf_nlist=2))
    ivf = load_index(index_dir)
    assert index_kind(ivf.vectors) == "ivf"
    exact, approximate = question_vectors(content), question_vectors(ivf)
    np.testing.assert_allclose(
        approximate.matrix[[approximate.position[u] for u in exact.position]],
        exact.matrix[list(exact.position.values())],
    )
    assert [i.unit.unit_id for i in find_similar(ivf, ["oud:1"])["oud:1"]] == ["nieuw:1", "midden:1", "zonder_datum:1"]
