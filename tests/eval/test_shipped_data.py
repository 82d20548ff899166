"""The datasets in eval/data/: every gold resolves, the paraphrase rules hold, the split is the documented one.

Seeds are parsed without the model (approximate token counts for prose passages); the slow test in
test_real_index.py checks the snippets again against the units of the real index.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from vraagbaak.eval.dataset import EvalQuestion, Gold, load_questions, split_of
from vraagbaak.eval.judging import Retrieved, is_hit
from vraagbaak.units import Unit

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "eval" / "data"
PARAPHRASES = DATA / "paraphrases.jsonl"
CROSSREF = DATA / "heldout_crossref.jsonl"
QA_LIST = "002_e3bd35554880f1b2"
CONSULTATION = "001_8351a9266050adcd"
PROSE_DOCS = {"000_ef389c4a9f248eca", "003_f206c1f6e5a79f93", "004_983e7923bac65099"}


@pytest.fixture(scope="module")
def seed_units() -> list[Unit]:
    from vraagbaak.parsing import parse_paths

    parsed, failures = parse_paths([REPO / "seeds"])
    assert failures == []
    return [unit for item in parsed for unit in item.units]


@pytest.fixture(scope="module")
def paraphrases() -> list[EvalQuestion]:
    return load_questions(PARAPHRASES)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def longest_shared_run(a: str, b: str) -> int:
    """Most consecutive word tokens (case-insensitive) that `a` and `b` share."""
    left, right = _words(a), _words(b)
    best = 0
    previous = [0] * (len(right) + 1)
    for word in left:
        current = [0] * (len(right) + 1)
        for j, other in enumerate(right, 1):
            if word == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def _matches(gold: Gold, units: list[Unit]) -> list[Unit]:
    return [u for u in units if is_hit(gold, Retrieved(u.unit_id, u.doc_id, u.number, u.text))]


def test_longest_shared_run_counts_words_not_characters() -> None:
    assert longest_shared_run("Hoe staat het met de EU?", "hoe staat het ervoor") == 3
    assert longest_shared_run("Verdrag van Aken", "het Akense verdrag") == 1


@pytest.mark.parametrize("path", [PARAPHRASES, CROSSREF], ids=lambda p: p.name)
def test_every_gold_resolves_to_a_seed_unit(path: Path, seed_units: list[Unit]) -> None:
    unresolved = [
        f"{question.id}: {gold}"
        for question in load_questions(path)
        for gold in question.gold
        if not _matches(gold, seed_units)
    ]
    assert unresolved == []


@pytest.mark.parametrize("path", [PARAPHRASES, CROSSREF], ids=lambda p: p.name)
def test_excluded_units_exist_and_are_not_gold(path: Path, seed_units: list[Unit]) -> None:
    by_id = {unit.unit_id: unit for unit in seed_units}
    for question in load_questions(path):
        for unit_id in question.exclude:
            assert unit_id in by_id, f"{question.id} excludes unknown unit {unit_id}"
            assert not any(
                is_hit(g, Retrieved(unit_id, by_id[unit_id].doc_id, by_id[unit_id].number, by_id[unit_id].text))
                for g in question.gold
            ), f"{question.id} excludes its own gold {unit_id}"


@pytest.mark.parametrize("path", [PARAPHRASES, CROSSREF], ids=lambda p: p.name)
def test_split_field_follows_the_id_hash(path: Path) -> None:
    questions = load_questions(path)
    assert all(q.split == split_of(q.id) for q in questions)
    assert {q.split for q in questions} == {"dev", "test"}


def test_paraphrases_share_at_most_three_consecutive_words_with_their_source(
    paraphrases: list[EvalQuestion], seed_units: list[Unit]
) -> None:
    """Reworded, not copied: checked against each gold unit's question, and against the snippet for prose."""
    copied = []
    for question in paraphrases:
        for gold in question.gold:
            sources = [gold.snippet or ""] if gold.q is None else [u.question for u in _matches(gold, seed_units)]
            for source in sources:
                if (run := longest_shared_run(question.question, source)) > 3:
                    copied.append(f"{question.id} shares {run} words with {gold.doc}:{gold.q}")
    assert copied == []


def test_paraphrase_counts_languages_and_prose(paraphrases: list[EvalQuestion]) -> None:
    languages = Counter(q.lang for q in paraphrases)
    prose = [q for q in paraphrases if any(g.doc in PROSE_DOCS and g.q is None for g in q.gold)]
    assert len(paraphrases) >= 80
    assert languages["en"] >= 15
    assert set(languages) == {"nl", "en"}
    assert len(prose) >= 15
    assert {q.kind for q in paraphrases} >= {"paraphrase", "crosslingual", "prose", "multi"}


def test_paraphrases_are_spread_over_the_question_documents(paraphrases: list[EvalQuestion]) -> None:
    numbers = {
        doc: {g.q for q in paraphrases for g in q.gold if g.doc == doc and g.q} for doc in (QA_LIST, CONSULTATION)
    }
    # 002 has questions 1..148: every block of 25 numbers has at least five gold units.
    blocks = Counter((number - 1) // 25 for number in numbers[QA_LIST])
    assert all(blocks[block] >= 5 for block in range(6)), blocks
    assert len(numbers[QA_LIST]) >= 60
    # 001 has 22 units: at least 15 of them are gold somewhere, from both halves.
    assert len(numbers[CONSULTATION]) >= 15
    assert min(numbers[CONSULTATION]) <= 3 and max(numbers[CONSULTATION]) >= 20
