""" "Lijst van vragen en antwoorden": numbered questions, each with its answer.

Numbers also start table rows ("1 Duitsland 1 Duitsland") and footnotes
("7 https://…"), so a question start is found by its place in the sequence:
the line starting with the next expected number whose text reaches a
question mark within a few lines. When a page break with footnotes pushes
the question mark out of reach, a line with that number still counts if it
comes before the next question found. Gaps and numbers out of order are
reported as warnings, never raised.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from vraagbaak.parsing.assembly import Context, render
from vraagbaak.parsing.lines import Line, ends_question
from vraagbaak.parsing.references import find_references
from vraagbaak.units import Unit, qa_unit_id

logger = logging.getLogger(__name__)

_START = re.compile(r"^\s*(\d{1,3})\s+(?=[A-ZÀ-Ý‘'\"“(])")
_QUESTION_REACH = 8
_GAP_WINDOW = 3


@dataclass(frozen=True)
class QuestionStart:
    """Where a numbered question begins and where its question text ends (positions in `lines`)."""

    number: int
    start: int
    question_end: int


@dataclass(frozen=True)
class QuestionSpan:
    """A question by raw line indices, which survive the removal of footnote lines."""

    number: int
    first: int
    question_last: int


def _question_end(lines: list[Line], start: int) -> int | None:
    """Position of the line closing the question that starts at `start`.

    A blank line ends the search unless the text resumes in lower case:
    then a page break fell inside the question.
    """
    seen = 0
    pos = start
    while pos < len(lines) and seen < _QUESTION_REACH:
        line = lines[pos]
        if line.blank or line.page_break:
            nxt = next((p for p in range(pos + 1, len(lines)) if lines[p].stripped), None)
            if nxt is None or not lines[nxt].stripped[0].islower():
                return None
            pos = nxt
            continue
        if ends_question(line.text):
            return pos
        seen += 1
        pos += 1
    return None


def _number_at(line: Line) -> int | None:
    m = _START.match(line.text)
    return int(m.group(1)) if m else None


class _Candidates:
    """Lines that start with a number, by number, each checked for a question mark once."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.by_number: dict[int, list[int]] = {}
        for pos, line in enumerate(lines):
            if (number := _number_at(line)) is not None:
                self.by_number.setdefault(number, []).append(pos)
        self._ends: dict[int, int | None] = {}

    def question_end(self, pos: int) -> int | None:
        if pos not in self._ends:
            self._ends[pos] = _question_end(self.lines, pos)
        return self._ends[pos]

    def find(self, number: int, begin: int) -> QuestionStart | None:
        for pos in self.by_number.get(number, ()):
            if pos >= begin and (end := self.question_end(pos)) is not None:
                return QuestionStart(number, pos, end)
        return None

    def unmarked(self, number: int, begin: int, limit: int) -> QuestionStart | None:
        """Question `number` between `begin` and the next question's start at `limit`, when its
        question mark is out of reach (a page break with footnotes in the middle of it).

        The numbering is sequential, so a line with the right number in this gap is the start.
        Its question ends at the first line ending in "?" before `limit`, else with its paragraph.
        """
        pos = next((p for p in self.by_number.get(number, ()) if begin <= p < limit), None)
        if pos is None:
            return None
        text_lines = [p for p in range(pos, limit) if self.lines[p].stripped and not self.lines[p].page_break]
        end = next((p for p in text_lines if ends_question(self.lines[p].text)), None)
        if end is None:
            end = pos
            while end + 1 < limit and self.lines[end + 1].stripped and not self.lines[end + 1].page_break:
                end += 1
        return QuestionStart(number, pos, end)

    def truncated_tail(self, number: int, begin: int) -> QuestionStart | None:
        """A last question cut off before its question mark, near the end of the text."""
        tail = [pos for pos in range(begin, len(self.lines)) if self.lines[pos].stripped]
        for pos in self.by_number.get(number, ()):
            if pos in tail[-_QUESTION_REACH:]:
                return QuestionStart(number, pos, tail[-1])
        return None


def find_question_starts(lines: list[Line]) -> tuple[list[QuestionStart], list[str]]:
    """Question starts in order, following the printed numbering from 1."""
    candidates = _Candidates(lines)
    starts: list[QuestionStart] = []
    warnings: list[str] = []
    expected, begin = 1, 0
    while True:
        found = candidates.find(expected, begin)
        if found is None:
            later = [c for n in range(expected + 1, expected + 1 + _GAP_WINDOW) if (c := candidates.find(n, begin))]
            found = min(later, key=lambda c: c.start, default=None)
            if found is not None and (unmarked := candidates.unmarked(expected, begin, found.start)):
                found = unmarked
            elif found is not None:
                missing = ", ".join(str(n) for n in range(expected, found.number))
                warnings.append(f"question number(s) {missing} not found before question {found.number}")
        if found is None and starts and (found := candidates.truncated_tail(expected, begin)):
            warnings.append(f"question {expected} has no question mark; the document looks truncated")
        if found is None:
            break
        starts.append(found)
        expected, begin = found.number + 1, found.question_end + 1
    warnings.extend(_out_of_sequence(candidates, starts))
    return starts, warnings


def _out_of_sequence(candidates: _Candidates, starts: list[QuestionStart]) -> list[str]:
    """Lines that look like a question start (number, text, question mark) but did not fit the sequence."""
    taken = {s.start for s in starts}
    numbers = {s.number for s in starts}
    last = starts[-1].number if starts else 0
    warnings = []
    for number, positions in sorted(candidates.by_number.items()):
        for pos in positions:
            if pos in taken or candidates.question_end(pos) != pos:
                continue
            if number in numbers or number > last:
                line = candidates.lines[pos]
                warnings.append(f"line {line.index + 1}: question-like line numbered {number} is out of sequence")
    return warnings


def strip_number(text: str) -> str:
    return _START.sub("", text, count=1)


def to_spans(lines: list[Line], starts: list[QuestionStart]) -> list[QuestionSpan]:
    return [QuestionSpan(s.number, lines[s.start].index, lines[s.question_end].index) for s in starts]


def build_units(lines: list[Line], spans: list[QuestionSpan], ctx: Context) -> tuple[list[Unit], list[str]]:
    """One unit per question span, over lines already freed of footnotes and furniture."""
    known = {span.number for span in spans}
    end = lines[-1].index + 1 if lines else 0
    bounds = [span.first for span in spans[1:]] + [end]
    units: list[Unit] = []
    warnings: list[str] = []
    indices = [line.index for line in lines]  # ascending: lines keep source order
    for span, bound in zip(spans, bounds, strict=True):
        first, question_end = bisect_left(indices, span.first), bisect_right(indices, span.question_last)
        question_lines = lines[first:question_end]
        answer_lines = lines[question_end : bisect_left(indices, bound)]
        if question_lines:
            question_lines[0] = question_lines[0].with_text(strip_number(question_lines[0].text))
        question, answer = render(question_lines, ctx), render(answer_lines, ctx)
        if not answer.text:
            warnings.append(f"question {span.number} has no answer")
        refs = find_references(f"{question.text}\n{answer.text}", known, own=span.number)
        units.append(
            Unit(
                unit_id=qa_unit_id(ctx.doc_id, span.number),
                doc_id=ctx.doc_id,
                number=span.number,
                question=question.text,
                answer=answer.text,
                answered=bool(answer.text),
                page=ctx.page_of(question_lines),
                footnotes={**question.footnotes, **answer.footnotes},
                refs=tuple(qa_unit_id(ctx.doc_id, n) for n in refs),
            )
        )
    return units, warnings
