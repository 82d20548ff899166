""" "Verslag van een schriftelijk overleg": party contributions answered by the cabinet.

The answers are not numbered. Each "Antwoord van het kabinet:" opens a
unit; its question is the party's text since the previous answer. Where an
answer ends and the next question begins is not marked either, so the
paragraphs between two answer markers are split at the start of the run of
question-like paragraphs (a question mark, or "de leden ...") that ends at
the next marker.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from vraagbaak.parsing.assembly import Context, render
from vraagbaak.parsing.lines import Line
from vraagbaak.units import Unit, qa_unit_id

logger = logging.getLogger(__name__)

ANSWER_MARKER = re.compile(
    r"^\s*(?:\d+\.\s*)?Antwoord van (?:het kabinet|de regering|de (?:staatssecretaris|minister)\b[^:]{0,80}):\s*$",
    re.IGNORECASE,
)
# `\s*+` (possessive): `\s*:?\s*$` would retry every split of a long run of spaces before the line fails.
_PARTY = re.compile(r"^\s*(?:Inbreng|Vragen en opmerkingen)\b.{0,40}?\bleden van de (\S+?)-fractie\s*+:?\s*$")
_SECTION_END = re.compile(r"^\s*[IVX]+\.\s+\S")
_QUESTION_LIKE = re.compile(r"\?|\bleden\b", re.IGNORECASE)


@dataclass
class _Draft:
    party: str | None
    question: list[list[Line]]
    answer: list[list[Line]] = field(default_factory=list)


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    paragraphs: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.blank or line.page_break:
            if current:
                paragraphs.append(current)
            current = []
        else:
            current.append(line)
    if current:
        paragraphs.append(current)
    return [part for paragraph in paragraphs for part in _split_header(paragraph)]


def _split_header(paragraph: list[Line]) -> list[list[Line]]:
    """A party header followed directly by text ("Inbreng leden van de VVD-fractie" and, on the
    next line, its first question) is a paragraph of its own."""
    if len(paragraph) > 1 and (_PARTY.match(paragraph[0].text) or ANSWER_MARKER.match(paragraph[0].text)):
        return [paragraph[:1], paragraph[1:]]
    return [paragraph]


def _text(paragraph: list[Line]) -> str:
    return " ".join(line.stripped for line in paragraph)


def split_answer(paragraphs: list[list[Line]]) -> tuple[list[list[Line]], list[list[Line]]]:
    """(answer, next question): the next question is the trailing run of question-like paragraphs."""
    cut = len(paragraphs)
    while cut > 1 and _QUESTION_LIKE.search(_text(paragraphs[cut - 1])):
        cut -= 1
    return paragraphs[:cut], paragraphs[cut:]


def _drafts(lines: list[Line]) -> tuple[list[_Draft], list[str]]:
    drafts: list[_Draft] = []
    warnings: list[str] = []
    party: str | None = None
    pending: list[list[Line]] = []
    open_draft: _Draft | None = None
    for paragraph in _paragraphs(lines):
        text = _text(paragraph)
        if (m := _PARTY.match(text)) or _SECTION_END.match(text):
            if open_draft is not None:
                open_draft.answer = pending
            elif pending and party is not None:
                warnings.append(f"text of the {party} section before '{text[:40]}' has no answer")
            if party is not None and open_draft is None and not pending:
                warnings.append(f"the {party} section is empty")
            open_draft, pending = None, []
            party = m.group(1) if m else None
            if not m and drafts:
                break
        elif ANSWER_MARKER.match(text):
            if open_draft is not None:
                open_draft.answer, question = split_answer(pending)
            else:
                question = pending
            open_draft = _Draft(party=party, question=question)
            drafts.append(open_draft)
            pending = []
        elif party is not None or open_draft is not None:
            pending.append(paragraph)
    if open_draft is not None and not open_draft.answer:
        open_draft.answer = pending
    return drafts, warnings


def _join(paragraphs: list[list[Line]]) -> list[Line]:
    """Paragraphs back into lines, a blank line between them."""
    out: list[Line] = []
    for paragraph in paragraphs:
        if out:
            out.append(Line(index=paragraph[0].index, text=""))
        out.extend(paragraph)
    return out


def build_units(lines: list[Line], ctx: Context) -> tuple[list[Unit], list[str]]:
    """One unit per answer block, numbered by order, carrying its party."""
    drafts, warnings = _drafts(lines)
    units: list[Unit] = []
    for n, draft in enumerate(drafts, 1):
        question, answer = render(_join(draft.question), ctx), render(_join(draft.answer), ctx)
        if not question.text:
            warnings.append(f"answer block {n} has no question before it")
        if not answer.text:
            warnings.append(f"answer block {n} is empty")
        units.append(
            Unit(
                unit_id=qa_unit_id(ctx.doc_id, n),
                doc_id=ctx.doc_id,
                number=n,
                question=question.text,
                answer=answer.text,
                answered=bool(answer.text),
                party=draft.party,
                footnotes={**question.footnotes, **answer.footnotes},
            )
        )
    return units, warnings
