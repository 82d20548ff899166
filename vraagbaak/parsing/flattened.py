"""A Q&A letter whose line breaks were all collapsed, back into canonical lines.

Scanned, OCR'd answer letters (the Algemene Rekenkamer's of 2012-2016, and
any answer document flattened the same way) come as one long line with
single spaces only, so there are no paragraph gaps to cut at. The structure
is still in the words: a cover letter; per page a running header and a page
number (`running_headers`); "Vraag N" opening each question, perhaps with a
reference to the report's page ("Vraag 1 (pagina 12)"); the question up to
its question mark(s); then the answer, after an "Antwoord" label or none.

The labels are read by the numbering, 1, 2, 3, …: OCR slips in a label's
number ("Vraag 2 1", "Vraag l2") are read as the number expected, a label
misread out of sequence is taken as the number its neighbours leave for it,
and a label lost altogether is put back before the question the sequence
says must be there. Every such repair is a warning.

Every pattern here is anchored on a literal word or character and its
quantifiers are bounded, so a 2 MB line costs time in proportion to it.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass

from vraagbaak.parsing.labels import parse_numbers
from vraagbaak.parsing.running_headers import PageFurniture, page_furniture

logger = logging.getLogger(__name__)

PAGE_BREAK = "\f"

_CAPITAL = r"[A-ZÀ-Ý‘'\"“(]"
_PAGE_REFERENCE = r"\((?:pagina|pag\.|blz\.|p\.)[^()\n]{1,30}\)"
_JOINED = r"(?:(?: ?, ?| en | t/m | ?[-–] ?)\d{1,3}){0,8}"  # the further numbers of "4, 5 en 6", "2 t/m 6"
_MARK_DIGITS = str.maketrans("lI|Oo", "11100")  # what OCR makes of the digits of a label
_QUESTION_LABEL = re.compile(
    r"(?<![\w-])(?:Vraag|Vragen|VRAAG)\s{1,3}(?P<number>[\dlIO]{1,3}(?: \d(?![\d/]))?)"
    rf"(?P<more>{_JOINED})"
    rf"(?:\s{{1,10}}{_PAGE_REFERENCE})?"  # the report's page: not the question's words
    rf"\s{{0,3}}[:.]?\s{{1,10}}(?={_CAPITAL})"
)
_ANSWER_LABEL = re.compile(
    rf"(?<![\w-])Antwoord(?P<numbers>(?: op)?(?: vra(?:ag|gen))? \d{{1,3}}[a-z]?{_JOINED})?"
    rf"(?: ?:)?\s{{1,10}}(?={_CAPITAL})"
)
_LABEL_AFTER = "?.!:;)]’”\"'»" + PAGE_BREAK  # what precedes a label where a sentence or line ended
# The end of a question: its question mark, closing quotes, and the capital that starts what follows.
_QUESTION_END = re.compile(rf"\?[’”\"')]{{0,3}} {{1,3}}(?={_CAPITAL})")
# A footnote marker glued to the word before it, or to a year ("in 20092": 2009, note 2).
_GLUED_MARKER = re.compile(
    r"(?:(?<=[a-zà-ÿ])|(?<=[^\d\s][.,;:])|(?<=[)’”'\"?!]))(\d{1,2})(?![\d\w])|(?<![\d.,])(?:19|20)\d\d(\d{1,2})(?![\d\w])"
)
_NOTE_START = re.compile(rf"(?<=\s)(\d{{1,2}}) (?={_CAPITAL})")
_NOTE_REACH = 700  # characters before a page's end within which its footnotes begin
# What a lost label left: "Vraaq 5" (the word garbled), a reference to the report's page, or both.
_LABEL_REMAINS = re.compile(
    rf"(?:\S{{1,8}} {{1,3}}(?P<number>\d{{1,3}})[:.]? {{1,3}})?(?:{_PAGE_REFERENCE} {{1,3}})?(?={_CAPITAL})"
)
_LABEL_HINT = re.compile(r"(?i)\bvra(?:ag|gen)\s")
_MAX_GAP = 3  # labels a sequence may skip (lost in the scan) and still be one sequence
_MIN_LABELS = 2


@dataclass(frozen=True)
class _Label:
    """A question label at `start:end` of the cleaned text, and the numbers it is read as."""

    start: int
    end: int
    numbers: tuple[int, ...]
    answered: bool = False  # named by the numbered answer after it: no lost labels before it


@dataclass(frozen=True)
class Unflattened:
    """The canonical lines of a flattened letter, and the repairs its numbering needed."""

    lines: list[str]
    repairs: list[str]


def _readings(m: re.Match[str]) -> list[int]:
    """The numbers a label's digits can stand for: "2 1" is 2 or 21, "l2" is 12."""
    raw = m.group("number").translate(_MARK_DIGITS)
    first, _, second = raw.partition(" ")
    readings = [int(first + second)] if second else []
    return [*readings, int(first)] if first.isdigit() else readings


def _more(m: re.Match[str]) -> tuple[int, ...]:
    """Further numbers of a combined label ("Vraag 4 en 5"), as printed."""
    return tuple(int(n) for n in re.findall(r"\d{1,3}", m.group("more")))


def _after_sentence(text: str, start: int) -> bool:
    """A label where a sentence or line ended, not in the middle of one ("zie bij Vraag 7. Dit")."""
    before = text[max(0, start - 4) : start].rstrip(" ")
    return not before or before[-1] in _LABEL_AFTER or before[-1] == "\n"


def _answer_labels(text: str) -> list[re.Match[str]]:
    """ "Antwoord" labels: a numbered one anywhere, a bare one where a sentence or line ended."""
    return [m for m in _ANSWER_LABEL.finditer(text) if m.group("numbers") or _after_sentence(text, m.start())]


class _Sequence:
    """Question labels accepted in the order 1, 2, 3, …, with the repairs it took.

    A label that the answer after it names ("Vraag 6 … Antwoord 6") stands on its own: a document
    may answer only some of the questions asked. Otherwise a label where a sentence ended may skip a
    few numbers (labels lost in the scan) or be misread, when the label after it confirms the number
    it must have; one in the middle of a sentence counts only with exactly the number expected.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.labels: list[_Label] = []
        self.repairs: list[str] = []
        self.expected = 1
        numbered = [m for m in _answer_labels(text) if m.group("numbers")]
        self._answer_starts = [m.start() for m in numbered]
        self._answer_numbers = [parse_numbers(m.group("numbers")) for m in numbered]

    def _answered_as(self, m: re.Match[str], readings: list[int], until: int) -> int | None:
        """The reading that the first numbered answer after the label, before `until`, names."""
        at = bisect_left(self._answer_starts, m.end())
        if at == len(self._answer_starts) or self._answer_starts[at] >= until:
            return None
        return next((n for n in readings if n in self._answer_numbers[at] and n >= self.expected), None)

    def take(self, matches: list[re.Match[str]]) -> None:
        for pos, m in enumerate(matches):
            readings = _readings(m)
            after = _readings(matches[pos + 1]) if pos + 1 < len(matches) else None
            until = matches[pos + 1].start() if pos + 1 < len(matches) else len(self.text)
            if self.expected in readings:
                self._accept(m, self.expected)
            elif (answered := self._answered_as(m, readings, until)) is not None:
                self._accept(m, answered, answered=True)
            elif not _after_sentence(self.text, m.start()):
                continue
            elif (jump := self._jump(readings, after)) is not None:
                if not self.labels:
                    self.repairs.append(f"question number(s) {_span(1, jump)} not found before question {jump}")
                self._accept(m, jump)
            elif self.labels and after is not None and self.expected + 1 in after:
                # Misread, and the next label says which number it must be.
                self.repairs.append(
                    f"question label printed as {m.group('number')} read as {self.expected} from the numbering"
                )
                self._accept(m, self.expected)

    def _jump(self, readings: list[int], after: list[int] | None) -> int | None:
        """A number a little past the one expected, which the next label goes on from (or the last):
        the labels in between were lost."""
        for n in readings:
            if self.expected < n <= self.expected + _MAX_GAP and (after is None or n + 1 in after):
                return n
        return None

    def _accept(self, m: re.Match[str], number: int, *, answered: bool = False) -> None:
        more = tuple(n for n in _more(m) if n > number)
        self.labels.append(_Label(m.start(), m.end(), (number, *more), answered))
        self.expected = max((number, *more)) + 1


def _span(first: int, stop: int) -> str:
    return ", ".join(str(n) for n in range(first, stop))


def _sentence_starts(text: str) -> list[int]:
    """Positions where a sentence starts: after ". ", "? " or "! " and before a capital."""
    return [m.end() for m in re.finditer(rf"[.?!][’”\"')]{{0,3}} {{1,3}}(?={_CAPITAL})", text)]


def _lost_question(body: str, answer_labels: list[int]) -> int | None:
    """Where, inside the text of one question and its answer, a next question starts whose label was
    lost: the run of sentences ending in "?" before a second "Antwoord", or else the last such run
    that text follows (an unlabelled answer). None when there is none to find."""
    if len(answer_labels) >= 2:
        end = answer_labels[1]
    else:
        ends = [m.end() for m in _QUESTION_END.finditer(body)]
        text_end = len(body.rstrip())
        later = [e for e in ends[1:] if e < text_end]
        if not later:
            return None
        end = later[-1]
    starts = [0, *_sentence_starts(body[:end])]
    start = None
    for begin, finish in zip(reversed(starts), [end, *reversed(starts[1:])], strict=True):
        if not body[begin:finish].rstrip().rstrip("’”\"')").endswith("?"):
            break
        start = begin
    first_answer = answer_labels[0] if answer_labels else _first_question_end(body)
    return start if start is not None and start > first_answer else None


def _first_question_end(body: str) -> int:
    m = _QUESTION_END.search(body)
    return m.end() if m else len(body)


def _recover_lost(text: str, labels: list[_Label], repairs: list[str]) -> list[_Label]:
    """Put back a single label lost between two found ones (n, then n + 2), where the text shows
    the question; report the numbers that stay missing."""
    out: list[_Label] = []
    for label, nxt in zip(labels, [*labels[1:], None], strict=True):
        out.append(label)
        if nxt is None or nxt.answered or nxt.numbers[0] == max(label.numbers) + 1:
            continue
        missing = list(range(max(label.numbers) + 1, nxt.numbers[0]))
        body = text[label.end : nxt.start]
        answers = [m.start() for m in _answer_labels(body)]
        start = _lost_question(body, answers) if len(missing) == 1 else None
        if start is None:
            lost = _span(missing[0], nxt.numbers[0])
            repairs.append(f"question number(s) {lost} not found before question {nxt.numbers[0]}")
            continue
        repairs.append(f"question {missing[0]} lost its label; recovered from the numbering")
        remains = _LABEL_REMAINS.match(body, start)
        printed = remains.group("number") if remains else None
        end = remains.end() if remains and (printed is None or int(printed) == missing[0]) else start
        out.append(_Label(label.end + start, label.end + end, (missing[0],)))
    return out


class _PageNotes:
    """Footnotes printed at the foot of a page, which a flattened text runs into the sentence the
    page break cut ("… op tijd Vrij 1 De vragen van de Tweede Kamer zijn …. te maken …").

    A note starts with the next footnote number and a capital, shortly before the page ends, and
    only when its marker stands glued in the text before it ("vragen1", "vte.2", "in 20092"): the
    note is then set apart on lines of its own, after a blank line, where the footnote step
    (`footnotes`) lifts it out as it does for any PDF page.
    """

    def __init__(self, line: str) -> None:
        self.markers: dict[int, list[int]] = {}
        for m in _GLUED_MARKER.finditer(line):
            self.markers.setdefault(int(m.group(1) or m.group(2)), []).append(m.start())
        self.expected = 1
        self.since = 0  # markers count only after the previous note

    def _cited(self, number: int, before: int) -> bool:
        positions = self.markers.get(number, [])
        at = bisect_left(positions, self.since)
        return at < len(positions) and positions[at] < before

    def set_apart(self, line: str, start: int, end: int) -> str:
        """line[start:end], the end of a page, with its footnotes on lines of their own."""
        pieces: list[str] = []
        done = start
        for m in _NOTE_START.finditer(line, max(start, end - _NOTE_REACH), end):
            number = int(m.group(1))
            if number != self.expected or not self._cited(number, m.start()):
                continue
            pieces += [line[done : m.start()].rstrip(), "\n\n"]
            done = m.start()
            self.expected, self.since = number + 1, m.end()
        pieces.append(line[done:end])
        return "".join(pieces)


def _clean(line: str, furniture: PageFurniture) -> str:
    """The line without its page furniture: a page break where a page begins, a space at every
    other cut (a page number inside a sentence)."""
    pieces: list[str] = []
    done = 0
    notes = _PageNotes(line)
    starts = iter(furniture.page_starts)
    page_start = next(starts, None)
    for start, end in furniture.cuts:
        breaks = 0
        while page_start is not None and page_start < end:
            breaks += page_start >= start
            page_start = next(starts, None)
        if breaks:
            pieces += [notes.set_apart(line, done, start).rstrip(), "\n", f"{PAGE_BREAK}\n" * breaks]
            done = end
            while done < len(line) and line[done] == " ":
                done += 1
        else:
            pieces += [line[done:start], " "]
            done = end
    pieces.append(line[done:])
    return "".join(pieces)


def _body_lines(body: str) -> list[str]:
    """A question's text and its answer as lines: an "Antwoord" label on a line of its own, and a
    line end after each question mark, where an unlabelled answer may begin."""
    lines: list[str] = []
    done = 0
    for m in _answer_labels(body):
        lines.extend(_split_questions(body[done : m.start()]))
        lines.append(f"Antwoord{m.group('numbers') or ''}".rstrip())
        done = m.end()
    lines.extend(_split_questions(body[done:]))
    return lines


def _split_questions(text: str) -> list[str]:
    """Lines of `text`, a line ending after each question mark; blank lines (before a footnote) and
    page breaks kept."""
    lines: list[str] = []
    for part in text.split("\n"):
        if part == PAGE_BREAK or not part.strip():
            lines.append(part if part == PAGE_BREAK else "")
            continue
        done = 0
        for m in _QUESTION_END.finditer(part):
            lines.append(part[done : m.end()].strip())
            done = m.end()
        if part[done:].strip():
            lines.append(part[done:].strip())
    return lines


def unflatten_letter(line: str) -> Unflattened | None:
    """Canonical lines of one flattened Q&A letter; None when the line holds no numbered questions."""
    if sum(1 for _ in zip(_LABEL_HINT.finditer(line), range(_MIN_LABELS), strict=False)) < _MIN_LABELS:
        return None
    text = _clean(line, page_furniture(line))
    sequence = _Sequence(text)
    sequence.take(list(_QUESTION_LABEL.finditer(text)))
    if len(sequence.labels) < _MIN_LABELS:
        return None
    labels = _recover_lost(text, sequence.labels, sequence.repairs)
    lines = _split_questions(text[: labels[0].start])
    for label, nxt in zip(labels, [*labels[1:], None], strict=True):
        lines.append("Vraag " + " en ".join(map(str, label.numbers)))
        lines.extend(_body_lines(text[label.end : nxt.start if nxt else len(text)]))
    logger.debug("flattened letter: %d question labels, %d repairs", len(labels), len(sequence.repairs))
    return Unflattened(lines=lines, repairs=sequence.repairs)
