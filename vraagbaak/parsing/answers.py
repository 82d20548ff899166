"""Answers to schriftelijke vragen (and question documents): one unit per answer block.

Works on canonical lines (see `canonical`): "Vraag N…" opens a question,
"Antwoord…" an answer. Questions wait until an answer comes; the answer then
covers the waiting questions it names, or all of them when it names none.

One unit per answer block: "Vraag 4 en 5" with one "Antwoord 4 en 5", or
"Vraag 1" … "Vraag 5" followed by one "Antwoord vragen 1 t/m 5", give one
unit whose `numbers` are (4, 5) or (1, …, 5), whose question text holds every
question it answers, and whose id is "{doc_id}:{first number}". A drafter
then sees the shared answer once, with every question it answers.

Departures from the printed numbering are repaired from the sequence and
reported as warnings, never raised: a question label lost at a page break (the
question text is recovered from the end of the previous answer), a number
printed twice, an answer whose number no waiting question has, chunk
overlaps that repeat a label with the same text.

Documents without any answer label are either question documents (every
question unanswered) or answer letters with unlabelled answers (the
Algemene Rekenkamer): there the question ends at its question mark and the
rest until the next question is the answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from vraagbaak.parsing.assembly import Context, render
from vraagbaak.parsing.labels import LabelKind, match_label
from vraagbaak.parsing.lines import Line, ends_question
from vraagbaak.parsing.references import find_references
from vraagbaak.units import Unit, qa_unit_id

logger = logging.getLogger(__name__)

_CONTINUED_QUESTION_CHARS = 400


@dataclass
class Segment:
    """A label and the lines up to the next label."""

    kind: LabelKind
    numbers: tuple[int, ...]
    lines: list[Line]


@dataclass
class _Block:
    numbers: tuple[int, ...]
    question: list[Line]
    answer: list[Line] = field(default_factory=list)
    answered: bool = True


def segment(lines: list[Line]) -> tuple[list[Line], list[Segment]]:
    """(head before the first label, labelled segments in order)."""
    head: list[Line] = []
    segments: list[Segment] = []
    for line in lines:
        label = match_label(line.text) if line.stripped and not line.page_break else None
        if label is not None and label.kind in (LabelKind.QUESTION, LabelKind.ANSWER):
            body = [line.with_text(label.rest)] if label.rest else []
            segments.append(Segment(label.kind, label.numbers, body))
        elif segments:
            segments[-1].lines.append(line)
        else:
            head.append(line)
    return head, segments


def has_answer_labels(segments: list[Segment]) -> bool:
    return any(s.kind is LabelKind.ANSWER for s in segments)


def _text_of(lines: list[Line]) -> str:
    return " ".join(line.stripped for line in lines if line.stripped)


def _trailing_question(lines: list[Line]) -> int | None:
    """Start of a last paragraph that ends in a question mark: a question whose label was lost."""
    content = [pos for pos, line in enumerate(lines) if line.stripped and not line.page_break]
    if not content or not ends_question(lines[content[-1]].text):
        return None
    start = content[-1]
    while start > 0 and lines[start - 1].stripped and not lines[start - 1].page_break:
        start -= 1
    if start == 0 or len(_text_of(lines[start:])) > _CONTINUED_QUESTION_CHARS * 2:
        return None
    return start


class _Pairing:
    """Questions wait for answers; each answer closes the waiting questions it covers."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self.waiting: list[Segment] = []
        self.warnings: list[str] = []

    def question(self, seg: Segment) -> None:
        self.waiting.append(seg)

    def answer(self, seg: Segment) -> None:
        named = set(seg.numbers)
        if not self.waiting:
            self._answer_without_question(seg)
            return
        # Positions in `waiting`, never dataclass equality: comparing segments compares their lines.
        if not named:  # a bare "Antwoord" answers every question waiting
            covered = list(range(len(self.waiting)))
        else:
            covered = [i for i, q in enumerate(self.waiting) if named & set(q.numbers)]
        if not covered:
            # "Vraag 7" printed twice and then "Antwoord 8": the last waiting question is the one answered.
            last_question = self.waiting[-1]
            self.warnings.append(
                f"answer {_spec(seg.numbers)} follows question {_spec(last_question.numbers)}; "
                f"numbered as the answer says"
            )
            self.waiting[-1] = Segment(last_question.kind, seg.numbers, last_question.lines)
            covered = [len(self.waiting) - 1]
        last = covered[-1]
        taken = set(covered)
        for i in range(last + 1):
            if i not in taken:
                self.unanswered(self.waiting[i], why="has no answer in the document")
        questions = [self.waiting[i] for i in covered]
        numbers = tuple(dict.fromkeys([n for q in questions for n in q.numbers] + list(seg.numbers)))
        question = [line for q in questions for line in q.lines]
        self.blocks.append(_Block(numbers=numbers, question=question, answer=seg.lines))
        self.waiting = self.waiting[last + 1 :]

    def unanswered(self, seg: Segment, why: str | None = None) -> None:
        if why:
            self.warnings.append(f"question {_spec(seg.numbers)} {why}")
        self.blocks.append(_Block(numbers=seg.numbers, question=seg.lines, answered=False))

    def _answer_without_question(self, seg: Segment) -> None:
        previous = self.blocks[-1] if self.blocks else None
        start = _trailing_question(previous.answer) if previous and previous.answered else None
        if previous is not None and start is not None and seg.numbers:
            self.warnings.append(
                f"question {_spec(seg.numbers)} lost its label (a page break?); "
                "its text was taken from the end of the previous answer"
            )
            question, previous.answer = previous.answer[start:], previous.answer[:start]
            self.blocks.append(_Block(numbers=seg.numbers, question=question, answer=seg.lines))
            return
        self.blocks.append(_Block(numbers=seg.numbers, question=[], answer=seg.lines))

    def finish(self, answers_expected: bool) -> None:
        for seg in self.waiting:
            self.unanswered(seg, why="has no answer in the document" if answers_expected else None)
        self.waiting = []


def _spec(numbers: tuple[int, ...]) -> str:
    if not numbers:
        return "(unnumbered)"
    if len(numbers) == 1:
        return str(numbers[0])
    return ", ".join(str(n) for n in numbers[:-1]) + f" en {numbers[-1]}"


def _split_unlabelled(seg: Segment) -> _Block:
    """A question with its answer after it, unlabelled: the question ends with the line that ends
    in its question mark (and any short question paragraphs right after it)."""
    lines = seg.lines
    end = next((pos for pos, line in enumerate(lines) if ends_question(line.text)), None)
    if end is None:  # "Kunt u …? Dit ook in samenhang met …." : the paragraph with the question mark
        end = next((pos for pos, line in enumerate(lines) if "?" in line.text), None)
    if end is None:
        return _Block(numbers=seg.numbers, question=lines, answered=False)
    nxt = end + 1
    while nxt < len(lines):
        line = lines[nxt]
        if line.stripped and not line.page_break:
            if not ends_question(line.text) or len(line.stripped) > _CONTINUED_QUESTION_CHARS:
                break
            end = nxt
        nxt += 1
    answer = lines[end + 1 :]
    return _Block(numbers=seg.numbers, question=lines[: end + 1], answer=answer, answered=bool(_text_of(answer)))


def pair_blocks(segments: list[Segment], *, answers_expected: bool) -> tuple[list[_Block], list[str]]:
    """Answer blocks in document order, with the repairs they needed as warnings."""
    if not has_answer_labels(segments):
        questions = [s for s in segments if s.kind is LabelKind.QUESTION]
        if answers_expected:
            return [_split_unlabelled(s) for s in questions], []
        return [_Block(numbers=s.numbers, question=s.lines, answered=False) for s in questions], []
    pairing = _Pairing()
    for seg in segments:
        (pairing.question if seg.kind is LabelKind.QUESTION else pairing.answer)(seg)
    pairing.finish(answers_expected)
    return pairing.blocks, pairing.warnings


_SUBSTRING_SCAN = 16
"""Parts of one number searched for a repeat by substring; past that (a hostile text repeating one
label thousands of times) only exact repeats are found, which keeps the merge linear."""


class _Parts:
    """The texts merged into one block so far, to tell a repeat from a new part."""

    def __init__(self, text: str) -> None:
        self.texts = [text]
        self.exact = {text}

    def has(self, text: str) -> bool:
        return text in self.exact or any(text in earlier for earlier in self.texts[:_SUBSTRING_SCAN])

    def add(self, text: str) -> None:
        self.texts.append(text)
        self.exact.add(text)


def _merge_repeats(blocks: list[_Block]) -> tuple[list[_Block], list[str]]:
    """One block per first number: a repeat with the same text (chunk overlap, a number printed
    twice) is dropped; sub-parts ("2a", "2b") and other repeats are merged into the first."""
    kept: dict[int, tuple[_Block, _Parts, _Parts]] = {}  # block, its question and answer texts so far
    order: list[_Block] = []
    warnings: list[str] = []
    for block in blocks:
        if not block.numbers:
            if order:
                order[-1].answer.extend(block.answer)
                warnings.append("an answer without a number was added to the answer before it")
            continue
        first = block.numbers[0]
        if first not in kept:
            kept[first] = (block, _Parts(_text_of(block.question)), _Parts(_text_of(block.answer)))
            order.append(block)
            continue
        earlier, questions, answers = kept[first]
        question, answer = _text_of(block.question), _text_of(block.answer)
        same_question, same_answer = questions.has(question), answers.has(answer)
        if same_question and same_answer:
            warnings.append(f"question {first} appears twice with the same text; kept once")
            continue
        warnings.append(f"question {first} appears more than once; its parts were joined")
        if not same_question:
            earlier.question.extend(block.question)
            questions.add(question)
        if not same_answer:
            earlier.answer.extend(block.answer)
            answers.add(answer)
            earlier.answered = earlier.answered or block.answered
    return order, warnings


def build_units(
    lines: list[Line], ctx: Context, *, answers_expected: bool, parties: tuple[str, ...] = ()
) -> tuple[list[Unit], list[str]]:
    """Units of an answer or question document, from lines freed of furniture and footnotes."""
    _, segments = segment(lines)
    blocks, warnings = pair_blocks(segments, answers_expected=answers_expected)
    blocks, repeats = _merge_repeats(blocks)
    warnings += repeats
    first_of = {n: block.numbers[0] for block in blocks for n in block.numbers}
    party = ", ".join(parties) or None
    units: list[Unit] = []
    for block in blocks:
        question, answer = render(block.question, ctx), render(block.answer, ctx)
        answered = block.answered and bool(answer.text)
        if block.answered and not answer.text:
            warnings.append(f"answer {_spec(block.numbers)} is empty")
        found = find_references(f"{question.text}\n{answer.text}", first_of.keys(), own=block.numbers[0])
        refs = list(dict.fromkeys(first_of[n] for n in found if n not in block.numbers))
        units.append(
            Unit(
                unit_id=qa_unit_id(ctx.doc_id, block.numbers[0]),
                doc_id=ctx.doc_id,
                number=block.numbers[0],
                numbers=block.numbers if len(block.numbers) > 1 else (),
                answered=answered,
                question=question.text,
                answer=answer.text if answered else "",
                party=party,
                page=ctx.page_of(block.question or block.answer),
                footnotes={**question.footnotes, **answer.footnotes},
                refs=tuple(qa_unit_id(ctx.doc_id, n) for n in refs),
            )
        )
    return units, warnings
