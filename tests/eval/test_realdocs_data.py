"""eval/data/realdocs.jsonl: held-out questions over the real development documents in ../shared/realdocs/docs.

Each gold names a document by its file name without the last suffix and a printed question number. The
documents live outside the repository (REPO.parent / "shared" / "realdocs" / "docs"); the tests that read
them fail, naming the folder, where it is absent. The paraphrase rule of the shipped data (at most three consecutive
shared words) is checked here against the raw text of the whole gold document, a stricter test than
against the gold unit alone, so it does not depend on how the parser cuts these documents into units.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REALDOCS as DOCS
from tests.conftest import REPO, needs_realdocs
from tests.eval.test_shipped_data import longest_shared_run
from vraagbaak.eval.dataset import EvalQuestion, load_questions, split_of

DATA = REPO / "eval" / "data"
REALDOCS = DATA / "realdocs.jsonl"
KINDS = {"paraphrase", "crosslingual", "sibling", "kamervraag", "multi"}
# Documents that hold questions without answers: never a gold.
QUESTION_ONLY = ("__kv-tk-", "Uitstel_beantwoording", "De_situatie_van_Oeigoeren", "ah-tk-20232024-1999__")
# Extraction styles of the development documents, recognised in the doc id.
STYLES = {
    "pypdf": lambda doc: doc.endswith("__pypdf"),
    "PyPDF2": lambda doc: doc.endswith("__pypdf2"),
    "pymupdf4llm": lambda doc: doc.endswith("__pymupdf4llm.md"),
    "python-docx": lambda doc: doc.endswith("__python-docx"),
    "original pdf": lambda doc: doc.endswith("__original"),
    "rekenkamer": lambda doc: doc.startswith("rekenkamer__"),
    "chunked": lambda doc: doc.endswith("__chunked_with_overlaps"),
}


@pytest.fixture(scope="module")
def questions() -> list[EvalQuestion]:
    return load_questions(REALDOCS)


def _source(doc: str) -> str:
    """The document a doc id belongs to, without its extraction style (two extractions of 909 are one)."""
    return doc.rsplit("__", 1)[0] if not doc.startswith("rekenkamer__") else doc


def _file_of(doc: str) -> Path | None:
    matches = [path for path in DOCS.iterdir() if path.name.rsplit(".", 1)[0] == doc]
    return matches[0] if len(matches) == 1 else None


def _raw_text(path: Path) -> str:
    if path.suffix.lower() != ".pdf":
        return path.read_text(encoding="utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_file_loads_with_unique_ids_and_valid_fields(questions: list[EvalQuestion]) -> None:
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"r\d{3}", qid) for qid in ids)
    others = {
        q.id for path in (DATA / "paraphrases.jsonl", DATA / "heldout_crossref.jsonl") for q in load_questions(path)
    }
    assert not others & set(ids), "ids collide with another shipped question file"
    for q in questions:
        assert q.lang in {"nl", "en"}, q.id
        assert q.kind in KINDS, q.id
        assert (q.lang == "en") == (q.kind == "crosslingual"), q.id
        assert q.note.strip(), q.id
        assert q.exclude == (), q.id
        assert all(g.q is not None and g.q >= 1 and g.snippet is None for g in q.gold), q.id
        assert len({(g.doc, g.q) for g in q.gold}) == len(q.gold), q.id
        assert not any(marker in g.doc for g in q.gold for marker in QUESTION_ONLY), q.id


def test_split_field_follows_the_id_hash(questions: list[EvalQuestion]) -> None:
    assert all(q.split == split_of(q.id) for q in questions)
    assert {q.split for q in questions} == {"dev", "test"}


def test_counts_languages_kinds_and_spread(questions: list[EvalQuestion]) -> None:
    languages = Counter(q.lang for q in questions)
    kinds = Counter(q.kind for q in questions)
    docs = {g.doc for q in questions for g in q.gold}
    assert len(questions) >= 40
    assert languages["en"] >= 10
    assert 0.15 <= languages["en"] / len(questions) <= 0.4
    assert kinds["paraphrase"] > len(questions) / 3
    assert kinds["kamervraag"] >= 3 and kinds["sibling"] >= 3
    assert len({_source(doc) for doc in docs}) >= 20
    uncovered = [style for style, matches in STYLES.items() if not any(matches(doc) for doc in docs)]
    assert uncovered == []
    # No document dominates: at most four questions per source document.
    per_source = Counter(source for q in questions for source in {_source(g.doc) for g in q.gold})
    assert max(per_source.values()) <= 4, per_source.most_common(3)


@needs_realdocs
def test_every_gold_doc_is_a_file_of_the_development_set(questions: list[EvalQuestion]) -> None:
    missing = sorted({g.doc for q in questions for g in q.gold if _file_of(g.doc) is None})
    assert missing == []


@needs_realdocs
def test_both_extractions_of_a_document_are_gold_together(questions: list[EvalQuestion]) -> None:
    """Where one document exists in two extractions (909: pypdf and chunked), a question lists both."""
    by_source: dict[str, set[str]] = {}
    for path in DOCS.iterdir():
        doc = path.name.rsplit(".", 1)[0]
        by_source.setdefault(_source(doc), set()).add(doc)
    for q in questions:
        for gold in q.gold:
            siblings = {(doc, gold.q) for doc in by_source[_source(gold.doc)]}
            assert siblings <= {(g.doc, g.q) for g in q.gold}, f"{q.id} lacks {siblings}"


@needs_realdocs
def test_questions_share_at_most_three_consecutive_words_with_their_gold_document(
    questions: list[EvalQuestion],
) -> None:
    texts: dict[str, str | None] = {}
    copied = []
    for q in questions:
        for gold in q.gold:
            if gold.doc not in texts:
                path = _file_of(gold.doc)
                texts[gold.doc] = _raw_text(path) if path else None
            text = texts[gold.doc]
            if text is None:
                continue
            # Also against the text with line-end hyphenation joined ("bescher-\nmen" -> "beschermen").
            joined = re.sub(r"-\s*\n\s*", "", text)
            run = max(longest_shared_run(q.question, text), longest_shared_run(q.question, joined))
            if run > 3:
                copied.append(f"{q.id} shares {run} words with {gold.doc}")
    assert copied == []
