"""Held-out questions the corpus gives for free: cross-references and near-duplicates.

Two sources of (query, gold) pairs, both within the numbered Q&A units:

1. crossref: a unit whose answer points to another unit ("zie het antwoord op
   vraag 143"; the parser records these in `Unit.refs`). The referring unit's
   question is the query, the referenced unit is the gold.
2. duplicate: units whose answers largely coincide, i.e. the same question
   asked twice, in one document or in two. Answers are compared by word
   4-grams after normalisation; a pair counts when the shared 4-grams cover at
   least DUPLICATE_CONTAINMENT of the shorter answer's 4-grams and both answers
   have at least MIN_ANSWER_SHINGLES of them (which leaves out pointer answers,
   covered by 1, and stock replies such as "Het kabinet doet in beginsel geen
   publieke uitspraken ...", which say nothing about the topic). Pairs are
   grouped transitively; every member is a query with the others as golds.

Every question excludes its own unit (leave-one-out): otherwise the unit the
query was taken from would trivially rank first. The output is deterministic:
`vraagbaak eval crossref --out eval/data/heldout_crossref.jsonl` regenerates
the shipped file byte for byte.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from itertools import combinations

from vraagbaak.eval.dataset import EvalQuestion, Gold, split_of
from vraagbaak.eval.judging import normalise
from vraagbaak.units import ParsedDocument, Unit

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 4
DUPLICATE_CONTAINMENT = 0.4
MIN_ANSWER_SHINGLES = 15


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = normalise(text).split()
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _short(unit_id: str) -> str:
    """Shorter unit id for notes: 002_e3bd35554880f1b2:28 becomes 002:28."""
    doc_id, _, number = unit_id.partition(":")
    return f"{doc_id.split('_')[0]}:{number}"


def _gold(unit: Unit) -> Gold:
    assert unit.number is not None
    return Gold(doc=unit.doc_id, q=unit.number)


def _leave_one_out(unit: Unit, prefix: str, kind: str, gold: Sequence[Unit], note: str) -> EvalQuestion:
    """`unit`'s own question, asked of an index without `unit`: the answer must come from `gold`."""
    qid = f"{prefix}:{unit.unit_id}"
    return EvalQuestion(
        id=qid,
        lang="nl",
        kind=kind,
        question=_one_line(unit.question),
        gold=tuple(_gold(target) for target in gold),
        note=note,
        exclude=(unit.unit_id,),
        split=split_of(qid),
    )


def crossref_questions(units: Sequence[Unit]) -> list[EvalQuestion]:
    by_id = {unit.unit_id: unit for unit in units}
    questions = []
    for unit in units:
        targets = [by_id[ref] for ref in unit.refs if ref in by_id and ref != unit.unit_id]
        if not unit.question.strip() or not targets:
            continue
        note = (
            f"answer of {_short(unit.unit_id)} refers to "
            f"{', '.join(_short(t.unit_id) for t in targets)}: {_one_line(unit.answer)[:80]!r}"
        )
        questions.append(_leave_one_out(unit, "ref", "crossref", targets, note))
    return questions


def duplicate_groups(units: Sequence[Unit]) -> list[tuple[list[Unit], float]]:
    """Groups of units with near-identical answers, each with the lowest containment that joined it."""
    shingles = {unit.unit_id: _shingles(unit.answer) for unit in units}
    candidates = [unit for unit in units if len(shingles[unit.unit_id]) >= MIN_ANSWER_SHINGLES]
    parent = {unit.unit_id: unit.unit_id for unit in candidates}
    weakest: dict[str, float] = {}

    def root(unit_id: str) -> str:
        while parent[unit_id] != unit_id:
            unit_id = parent[unit_id]
        return unit_id

    for a, b in combinations(candidates, 2):
        if b.unit_id in a.refs or a.unit_id in b.refs:
            continue  # already a crossref pair
        sa, sb = shingles[a.unit_id], shingles[b.unit_id]
        containment = len(sa & sb) / min(len(sa), len(sb))
        if containment >= DUPLICATE_CONTAINMENT:
            ra, rb = root(a.unit_id), root(b.unit_id)
            joined = min(containment, weakest.get(ra, 1.0), weakest.get(rb, 1.0))
            parent[rb] = ra
            weakest[ra] = joined
    members: dict[str, list[Unit]] = {}
    for unit in candidates:
        members.setdefault(root(unit.unit_id), []).append(unit)
    return [(group, weakest[key]) for key, group in members.items() if len(group) > 1]


def duplicate_questions(units: Sequence[Unit]) -> list[EvalQuestion]:
    questions = []
    for group, containment in duplicate_groups(units):
        for unit in group:
            if not unit.question.strip():
                continue
            others = [other for other in group if other.unit_id != unit.unit_id]
            note = (
                f"answer of {_short(unit.unit_id)} shares >= {containment:.0%} of its word 4-grams with "
                f"{', '.join(_short(o.unit_id) for o in others)}"
            )
            questions.append(_leave_one_out(unit, "dup", "duplicate", others, note))
    return questions


def heldout_questions(parsed: Sequence[ParsedDocument]) -> list[EvalQuestion]:
    """Cross-references then near-duplicates, in corpus order."""
    units = [unit for item in parsed for unit in item.units if unit.number is not None]
    questions = crossref_questions(units) + duplicate_questions(units)
    logger.info("%d held-out questions from %d numbered units", len(questions), len(units))
    return questions
