"""eval/data/hard.jsonl: the hard kinds of issue 16 (prose, sibling, long Kamervraag-style, English).

Every gold must resolve to exactly one unit of its document as the parser cuts it (a snippet that matched two
passages would credit either), questions are rewordings (at most three consecutive words shared with the gold
unit's question, or with the snippet for prose), and the split is stratified per kind by position in the file.
Golds in the seeds are checked by every test; the tests that also check golds in ../shared/realdocs/docs fail,
naming the folder, where it is absent, as in test_realdocs_data.py.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO, needs_realdocs
from tests.eval.test_realdocs_data import DOCS, QUESTION_ONLY, _file_of, _raw_text
from tests.eval.test_shipped_data import longest_shared_run
from vraagbaak.eval.dataset import DEV_SHARE, EvalQuestion, Gold, load_questions
from vraagbaak.eval.judging import Retrieved, is_hit
from vraagbaak.units import Unit

DATA = REPO / "eval" / "data"
HARD = DATA / "hard.jsonl"
OTHER_FILES = ("paraphrases.jsonl", "heldout_crossref.jsonl", "realdocs.jsonl")
KINDS = {"prose", "sibling", "kamervraag", "crosslingual"}
SEED_IDS = {path.stem for path in (REPO / "seeds").iterdir()}


@pytest.fixture(scope="module")
def questions() -> list[EvalQuestion]:
    return load_questions(HARD)


@pytest.fixture(scope="module")
def units_by_doc() -> dict[str, list[Unit]]:
    from vraagbaak.parsing import parse_paths

    paths = [REPO / "seeds"] + ([DOCS] if DOCS.is_dir() else [])  # tests of realdocs golds: needs_realdocs
    parsed, failures = parse_paths(paths)
    assert failures == []
    return {item.document.doc_id: list(item.units) for item in parsed}


def _matches(gold: Gold, units: list[Unit]) -> list[Unit]:
    return [u for u in units if is_hit(gold, Retrieved(u.unit_id, u.doc_id, u.number, u.text, u.numbers))]


def _golds(questions: list[EvalQuestion], *, in_seeds: bool) -> list[tuple[EvalQuestion, Gold]]:
    return [(q, g) for q in questions for g in q.gold if (g.doc in SEED_IDS) == in_seeds]


def stratified_split(position: int) -> str:
    """The split of the position-th question (0-based) of one kind: dev whenever the dev count must grow."""
    return "dev" if int((position + 1) * DEV_SHARE) > int(position * DEV_SHARE) else "test"


def test_fields_ids_and_kinds(questions: list[EvalQuestion]) -> None:
    ids = [q.id for q in questions]
    assert ids == [f"h{n:03d}" for n in range(1, len(ids) + 1)]
    others = {q.id for name in OTHER_FILES for q in load_questions(DATA / name)}
    assert not others & set(ids), "ids collide with another shipped question file"
    for q in questions:
        assert q.kind in KINDS and q.lang in {"nl", "en"} and q.note.strip() and q.exclude == (), q.id
        assert q.kind != "crosslingual" or q.lang == "en", q.id
        if q.kind == "prose":
            assert all(g.q is None and g.snippet for g in q.gold), q.id
        else:
            assert all(g.q is not None and g.snippet is None for g in q.gold), q.id
        assert not any(marker in g.doc for g in q.gold for marker in QUESTION_ONLY), q.id


def test_split_is_stratified_per_kind(questions: list[EvalQuestion]) -> None:
    seen: Counter[str] = Counter()
    for q in questions:
        assert q.split == stratified_split(seen[q.kind]), q.id
        seen[q.kind] += 1
    for kind, n in seen.items():
        dev = sum(q.split == "dev" for q in questions if q.kind == kind)
        assert dev == int(n * DEV_SHARE), kind


def test_kamervraag_questions_are_long_with_a_preamble(questions: list[EvalQuestion]) -> None:
    for q in questions:
        if q.kind == "kamervraag":
            sentences = [s for s in re.split(r"(?<=[.?!])\s+", q.question.strip()) if s]
            assert len(sentences) >= 2 and len(q.question.split()) >= 25, q.id


def test_every_seed_gold_resolves_to_exactly_one_unit(
    questions: list[EvalQuestion], units_by_doc: dict[str, list[Unit]]
) -> None:
    wrong = [
        f"{q.id}: {g.doc}:{g.q or g.snippet} matches {len(found)}"
        for q, g in _golds(questions, in_seeds=True)
        if len(found := _matches(g, units_by_doc[g.doc])) != 1
    ]
    assert wrong == []


@needs_realdocs
def test_every_realdocs_gold_resolves_to_exactly_one_answered_unit(
    questions: list[EvalQuestion], units_by_doc: dict[str, list[Unit]]
) -> None:
    wrong = []
    for q, g in _golds(questions, in_seeds=False):
        found = _matches(g, units_by_doc.get(g.doc, []))
        if len(found) != 1 or not found[0].answered:
            wrong.append(f"{q.id}: {g.doc}:{g.q or g.snippet} matches {len(found)}")
    assert wrong == []


@needs_realdocs
def test_prose_snippets_lie_in_one_passage_as_the_index_cuts_them(
    questions: list[EvalQuestion], model_dir: Path
) -> None:
    """The index cuts prose by model tokens, not by the approximate count above: each snippet still in one unit."""
    from vraagbaak.model.tokens import TokenizerCounter
    from vraagbaak.parsing import parse_paths

    prose_docs = sorted({g.doc for q in questions for g in q.gold if g.q is None})
    paths = [path for doc in prose_docs if (path := _path_of(doc)) is not None]
    parsed, failures = parse_paths(paths, length_function=TokenizerCounter(str(model_dir / "tokenizer.json")))
    assert failures == []
    units = {item.document.doc_id: list(item.units) for item in parsed}
    wrong = [
        f"{q.id}: {g.doc}:{g.snippet} matches {len(found)}"
        for q in questions
        for g in q.gold
        if g.q is None and g.doc in units and len(found := _matches(g, units[g.doc])) != 1
    ]
    assert wrong == []


def _path_of(doc: str) -> Path | None:
    seed = REPO / "seeds" / f"{doc}.txt"
    return seed if seed.is_file() else _file_of(doc)


@needs_realdocs
def test_questions_are_rewordings_of_their_gold(
    questions: list[EvalQuestion], units_by_doc: dict[str, list[Unit]]
) -> None:
    """At most three consecutive words shared with the gold unit's question (or the snippet for prose)."""
    copied = []
    for q in questions:
        for g in q.gold:
            if g.doc not in units_by_doc:
                continue
            sources = [g.snippet or ""] if g.q is None else [u.question for u in _matches(g, units_by_doc[g.doc])]
            for source in sources:
                if (run := longest_shared_run(q.question, source)) > 3:
                    copied.append(f"{q.id} shares {run} words with {g.doc}:{g.q}")
    assert copied == []


@needs_realdocs
def test_realdocs_questions_share_at_most_three_words_with_the_whole_document(
    questions: list[EvalQuestion],
) -> None:
    """As for realdocs.jsonl: checked against the raw text, so it does not depend on how the parser cuts it."""
    texts: dict[str, str | None] = {}
    copied = []
    for q, g in _golds(questions, in_seeds=False):
        if g.doc not in texts:
            path: Path | None = _file_of(g.doc)
            texts[g.doc] = _raw_text(path) if path else None
        if (text := texts[g.doc]) is None:
            continue
        joined = re.sub(r"-\s*\n\s*", "", text)
        if (run := max(longest_shared_run(q.question, text), longest_shared_run(q.question, joined))) > 3:
            copied.append(f"{q.id} shares {run} words with {g.doc}")
    assert copied == []


def test_spread_over_documents(questions: list[EvalQuestion]) -> None:
    docs = Counter(g.doc for q in questions for g in q.gold)
    assert len(docs) >= 5


def test_all_shipped_questions_meet_the_issue_16_counts(questions: list[EvalQuestion]) -> None:
    """Issue 16: at least 250 questions, 40 English, 40 prose, 40 sibling and 30 long Kamervraag-style ones."""
    everything = questions + [q for name in OTHER_FILES for q in load_questions(DATA / name)]
    kinds = Counter(q.kind for q in everything)
    assert len(everything) >= 250
    assert Counter(q.lang for q in everything)["en"] >= 40
    assert kinds["prose"] >= 40 and kinds["sibling"] >= 40 and kinds["kamervraag"] >= 30, kinds
    assert len({q.id for q in everything}) == len(everything)
