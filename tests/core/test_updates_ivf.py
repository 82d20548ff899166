"""Add and remove on an IVF index (issue 15): the index stays IVF, kept vectors stay as they were,
the added document is found, the removed one is gone, and a filtered search still returns k units."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.retrieval.request import SearchFilters
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.store.builder import add_documents, build_index, remove_documents
from vraagbaak.store.generations import load_index
from vraagbaak.store.vector_index import VectorIndexConfig, index_kind, stored_vectors
from vraagbaak.units import ParsedDocument

TOPICS = ["haven", "export", "visserij", "douane", "tarief", "missie", "kotter", "akkoord"]


def _document(n: int) -> ParsedDocument:
    pairs = [
        (f"Hoe staat het met {topic} in regio {n}?", f"Over {topic} in regio {n}: het gaat goed.") for topic in TOPICS
    ]
    return qa_document(f"regio{n}", pairs)


def test_add_and_remove_keep_an_ivf_index_searchable(tmp_path: Path) -> None:
    # nprobe = nlist: the unfiltered search is exact, so the asserts are about add and remove alone.
    config = VectorIndexConfig(approximate_above=40, ivf_nlist=4, ivf_nprobe=4)
    build_index([_document(n) for n in range(6)], FakeEncoder(), tmp_path, vector_config=config)
    before = load_index(tmp_path)
    assert index_kind(before.vectors) == "ivf"
    old_ids, old_vectors = stored_vectors(before.vectors)

    add_documents([_document(6)], FakeEncoder(), tmp_path)
    added = load_index(tmp_path)
    assert index_kind(added.vectors) == "ivf"
    ids, vectors = stored_vectors(added.vectors)
    by_id = dict(zip(ids.tolist(), vectors, strict=True))
    assert all(np.array_equal(by_id[i], v) for i, v in zip(old_ids.tolist(), old_vectors, strict=True))
    retriever = Retriever.load(tmp_path, FakeEncoder())
    assert retriever.search("Hoe staat het met visserij in regio 6?", k=1)[0].unit.unit_id == "regio6:3"
    only = retriever.search("haven", k=5, filters=SearchFilters(doc_ids=("regio6",)))
    assert len(only) == 5 and {hit.unit.doc_id for hit in only} == {"regio6"}

    remove_documents(["regio0"], tmp_path)
    removed = Retriever.load(tmp_path, FakeEncoder())
    assert index_kind(removed.content.vectors) == "ivf"
    hits = removed.search("Hoe staat het met haven in regio 0?", k=10)
    assert hits and all(hit.unit.doc_id != "regio0" for hit in hits)
    assert len(removed.content.units) == 6 * len(TOPICS)
