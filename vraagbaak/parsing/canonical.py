"""Text of answers to schriftelijke vragen in one canonical shape, whatever the extraction.

Extractions differ in ways that have nothing to do with the document: pypdf
glues a label to the page footer ("…, Aanhangsel 1Antwoord 3"), a flattened
text keeps paragraphs apart only by runs of spaces, a ministry .docx prints
the question number alone on a line ("1" or "1.") and a bare "Antwoord".
A scanned letter flattened with single spaces only has no gaps at all: its
lines come back from its own structure (`flattened`). After this step every
question starts on a line "Vraag N…", every answer on a line "Antwoord…",
and the publication's page furniture (id line, ISSN, "'s-Gravenhage 2024",
"Tweede Kamer, vergaderjaar …, Aanhangsel 3", a running header) is a form
feed, which the pipeline reads as a page break.

Each rule looks at one line at a time (or one pass over the lines), so the
cost is linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vraagbaak.parsing.flattened import unflatten_letter
from vraagbaak.parsing.labels import BARE_NUMBER, DOTTED_QUESTION, LabelKind, match_label

PAGE_BREAK = "\f"

# Paragraphs of a flattened text are kept apart by runs of three or more spaces.
_FLATTENED_LINE = 1500
_PARAGRAPH_GAP = re.compile(r" {3,}|(?<=\?) {2,}| {2,}(?=\d{1,3}\.? [A-ZÀ-Ý‘'\"“(])")
# A label glued to what precedes it: "Aanhangsel 1Antwoord 3", "2024Vraag 4", a footnote marker "1  Antwoord 1".
_GLUED_LABEL = re.compile(r"(?<=\d)(?: {2,})?(?=(?:Vraag|Vragen|Antwoord|Antwoorden)\s+(?:op\s+)?(?:vra\w+\s+)?\d)")
_FURNITURE = (
    re.compile(r"^\s*(?:ah|kv)-tk-[\w-]{6,24}\s*$", re.IGNORECASE),  # the publication id line
    re.compile(r"^\s*(?:h|ah|kv) tk \d{8} \d{1,5}\s*$"),  # the id line as some extractions space it
    re.compile(r"^\s*ISSN \d{4}\s*-\s*\d{4}"),
    re.compile(r"^\s*[’']s-Gravenhage \d{4}"),
    re.compile(r"^\s*Tweede Kamer, vergaderjaar \d{4}\s*[–-]\s*\d{4}, (?:Aanhangsel|Vragen)\b.{0,20}$"),
)
# The same furniture run into a text line by a degraded extraction: id, ISSN, place and footer.
_INLINE_FURNITURE = re.compile(
    r"\s*(?:(?:ah|kv)-tk-[\w-]{6,24}\s+)?ISSN \d{4}\s*-\s*\d{4}.{0,120}?(?:Aanhangsel|Vragen) \d{1,3}\b"
)
# Inside a dotted sequence, one whose dot was lost in extraction ("4 Welke kosten …").
_UNDOTTED_QUESTION = re.compile(r"^\s*(\d{1,3})\s+([A-ZÀ-Ý‘'\"“(].*)$")
_LABEL_HINT = re.compile(r"\bVra(?:ag|gen) {1,3}\d")
_MIN_SEQUENCE = 2
_QUESTION_REACH = 4  # lines within which a numbered question reaches its question mark
_MAX_GAP = 3  # numbers a sequence may skip (a label lost in extraction) and still be one sequence


@dataclass
class Canonical:
    """Canonical text, and the numbering repairs that rebuilding a flattened letter took."""

    text: str
    repairs: list[str] = field(default_factory=list)


def _unflatten(lines: list[str], repairs: list[str]) -> list[str]:
    """Cut very long lines (or a text's only line) at their paragraph gaps, or, with none, at the
    structure of a flattened letter; ordinary lines are left alone."""
    out: list[str] = []
    only = len(lines) == 1  # a whole document on one line, however short
    for line in lines:
        if len(line) <= _FLATTENED_LINE and not only:
            out.append(line)
            continue
        pieces = _PARAGRAPH_GAP.split(line)
        letter = unflatten_letter(line) if _gaps_too_few(line, len(pieces)) else None
        if letter is not None:
            repairs.extend(letter.repairs)
        out.extend(letter.lines if letter is not None else pieces)
    return out


def _gaps_too_few(line: str, pieces: int) -> bool:
    """Fewer paragraph gaps than question labels: the gaps are stray spaces, not what parts the questions."""
    hints = _LABEL_HINT.finditer(line)
    return sum(1 for _ in zip(hints, range(pieces), strict=False)) >= pieces


def _split_glued(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        out.extend(_GLUED_LABEL.split(line) if any(c.isdigit() for c in line[:200]) else [line])
    return out


def _cut_inline_furniture(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if "ISSN" in line and not _is_furniture(line):
            pieces = _INLINE_FURNITURE.split(line)
            out.extend(piece for part in pieces for piece in (part, PAGE_BREAK))
            out.pop()  # no break after the last piece
        else:
            out.append(line)
    return out


def _is_furniture(line: str) -> bool:
    return any(pattern.match(line) for pattern in _FURNITURE)


def _has_question_labels(lines: list[str]) -> bool:
    count = 0
    for line in lines:
        label = match_label(line)
        if label is not None and label.kind is LabelKind.QUESTION:
            count += 1
            if count >= _MIN_SEQUENCE:
                return True
    return False


def _number_sequence(
    lines: list[str],
    pattern: re.Pattern[str],
    lost_mark: re.Pattern[str] | None = None,
    *,
    question_mark: bool = False,
) -> set[int]:
    """Positions of lines that number questions 1, 2, 3, … in order: each number once, the first
    line that has it; a few numbers may be missing (a label lost in extraction). Once the sequence
    stands, a line matching `lost_mark` with exactly the next number joins it too. With
    `question_mark`, a numbered line counts only when a question mark follows within a few lines,
    so numbered table rows and headings are not taken for questions."""
    positions: set[int] = set()
    last = 0
    for pos, line in enumerate(lines):
        m = pattern.match(line)
        if m is None and lost_mark is not None and len(positions) >= _MIN_SEQUENCE:
            m = lost_mark.match(line)
            if m and int(m.group(1)) != last + 1:
                m = None
        in_sequence = m is not None and last < int(m.group(1)) <= last + 1 + _MAX_GAP and (last or int(m.group(1)) == 1)
        if in_sequence and question_mark:
            in_sequence = any("?" in text for text in lines[pos : pos + _QUESTION_REACH])
        if m and in_sequence:
            positions.add(pos)
            last = int(m.group(1))
    return positions if len(positions) >= _MIN_SEQUENCE else set()


def _label_numbered_lines(lines: list[str]) -> list[str]:
    """Number-only lines ("1", "1.") or dotted question lines ("1. Wat …?") become "Vraag N" labels,
    but only where the document has no "Vraag" labels of its own and they count up from 1."""
    if _has_question_labels(lines):
        return lines
    bare = _number_sequence(lines, BARE_NUMBER, question_mark=True)
    if bare:
        return [f"Vraag {BARE_NUMBER.match(line).group(1)}" if pos in bare else line for pos, line in enumerate(lines)]  # type: ignore[union-attr]
    dotted = _number_sequence(lines, DOTTED_QUESTION, _UNDOTTED_QUESTION, question_mark=True)
    out: list[str] = []
    for pos, line in enumerate(lines):
        m = (DOTTED_QUESTION.match(line) or _UNDOTTED_QUESTION.match(line)) if pos in dotted else None
        out.extend([f"Vraag {m.group(1)}", m.group(2)] if m else [line])
    return out


def canonical_form(text: str) -> Canonical:
    """The text of an answer (or question) document with labels on lines of their own."""
    repairs: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    lines = _cut_inline_furniture(_split_glued(_unflatten(lines, repairs)))
    lines = [PAGE_BREAK if _is_furniture(line) else line for line in lines]
    return Canonical("\n".join(_label_numbered_lines(lines)), repairs)


def canonical_text(text: str) -> str:
    """`canonical_form`'s text."""
    return canonical_form(text).text
