"""Footnote texts: found, lifted out of the running text, and cited by number.

Two layouts occur. PDF extractions drop each page's footnotes ("7 https://…")
at the bottom of the page, which lands them in the middle of an answer; HTML
extractions list them at the end ("7. text↩︎"). Either way the footnote
lines leave the running text, and `cite_footnotes` then replaces the markers
of the footnotes that exist with sentinels (see `markers`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from vraagbaak.parsing.lines import Line, ends_question
from vraagbaak.parsing.markers import MarkerCursor, find_marker

logger = logging.getLogger(__name__)

_ENDNOTE_NUMBER = re.compile(r"\s*(\d{1,3})\.\s+")
_PAGE_NOTE = re.compile(r"^\s*(\d{1,3})(?!\d)\s*(\S.*)$")
_NOTE_TERMINATED = re.compile(r"[.)’”\"]\s*$")
_QUESTION_REACH = 6


@dataclass
class Footnotes:
    """Footnote texts by number, the lines left over, and where note blocks sat."""

    notes: dict[int, str]
    lines: list[Line]
    block_starts: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    acronym: set[int] = field(default_factory=set)
    lost: list[int] = field(default_factory=list)  # cited in sequence, but the note text is missing


def extract_endnotes(lines: list[Line]) -> Footnotes:
    """Lift an HTML-style end list ("N. text↩︎") out of the lines."""
    notes: dict[int, str] = {}
    kept: list[Line] = []
    for line in lines:
        if note := _endnote(line.text):
            notes[note[0]] = note[1]
        else:
            kept.append(line)
    return Footnotes(notes=notes, lines=kept)


def _endnote(text: str) -> tuple[int, str] | None:
    """(number, text) of an end-list line "N. text↩︎" (the arrow may carry a variation selector).

    Read from the end rather than with one regex: `(.*?)\\s*↩` retries the whole run of
    spaces at every space of it, quadratic in a long run.
    """
    if "↩" not in text or not (m := _ENDNOTE_NUMBER.match(text)):
        return None
    body = text[m.end() :].rstrip()
    body = body.removesuffix("\ufe0f").removesuffix("\ufe0e")
    return (int(m.group(1)), body[:-1].strip()) if body.endswith("↩") else None


class _PageNoteScanner:
    """State machine over PDF lines: text, note lines, note continuations."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.cursor = MarkerCursor()
        self.next_note = 1
        # A note's lines, joined once at the end: a note that runs on for many lines (nothing ends
        # it until a blank line or a page break) was quadratic when its text was rebuilt per line.
        self.note_lines: dict[int, list[str]] = {}
        self.kept: list[Line] = []
        self.block_starts: list[int] = []
        self.current: int | None = None
        self.previous_blank = True
        self.acronym: set[int] = set()
        self.next_question = 1  # numbered questions share the "N text" shape of notes
        self._since_note = 0  # position in `kept` after the last note line
        self._acronym_scanned: dict[int, int] = {}  # number -> end of the `kept` lines it is not glued in

    def _asks(self, pos: int) -> bool:
        """A numbered question ("7 Wat voor …?"), which is never a footnote."""
        for offset, line in enumerate(self.lines[pos : pos + _QUESTION_REACH]):
            if not line.stripped or (offset and _PAGE_NOTE.match(line.text)):
                return False
            if ends_question(line.text):
                return True
        return False

    def _note_start(self, pos: int) -> tuple[int, str] | None:
        """(number, text) when line `pos` opens a footnote.

        Never the next numbered question. Outside a note block only after a
        blank line (or right before the next note) and never asking a
        question. Its marker must have been read, except for the next note
        inside a block. A number past the next note is taken only when cited:
        the extraction lost the notes in between.
        """
        line = self.lines[pos]
        m = _PAGE_NOTE.match(line.text)
        if not m:
            return None
        number = int(m.group(1))
        if number < self.next_note or (number in (self.next_question, self.next_question + 1) and self._asks(pos)):
            return None
        in_block = self.current is not None
        if not in_block and (self._asks(pos) or not (self.previous_blank or self._next_follows(pos, number))):
            return None
        # Inside a block the question check is skipped (the text resuming after the block can end
        # in "?": " afgebouwd?"), and the next note may precede its marker: multi-column pages
        # put some notes ahead of the text citing them.
        cited = self.cursor.has_seen(number) or self._acronym_marker(number)
        if not cited and not (in_block and number == self.next_note and not self._asks(pos)):
            return None
        return number, m.group(2).strip()

    def _next_follows(self, pos: int, number: int) -> bool:
        """Note `number + 1` starts within a few lines: a note block that begins without a blank line."""
        for line in self.lines[pos + 1 : pos + _QUESTION_REACH]:
            if (m := _PAGE_NOTE.match(line.text)) and int(m.group(1)) == number + 1:
                return True
        return False

    def _acronym_marker(self, number: int) -> bool:
        """Marker glued to capitals ("VS14") in the text since the previous note: accepted only now,
        with the note itself in sight."""
        if number != self.cursor.expected and not self.cursor.was_skipped(number):
            return False
        # Lines already searched for this number are not searched again: every candidate note line
        # re-reading all text since the last note was quadratic in a document without notes.
        start = max(self._since_note, self._acronym_scanned.get(number, 0))
        if not any(
            find_marker(self.kept[pos].text, number, acronym=True, strict=True) for pos in range(start, len(self.kept))
        ):
            self._acronym_scanned[number] = len(self.kept)
            return False
        self.cursor.accept(number)
        self.acronym.add(number)
        return True

    def _continues_note(self, line: Line) -> bool:
        if self.current is None or line.text.startswith(" "):
            return False
        last = self.note_lines[self.current][-1]  # the note's text ends as its last line does
        first = line.stripped[:1]
        return not _NOTE_TERMINATED.search(last) or first.islower() or first == "("

    @property
    def notes(self) -> dict[int, str]:
        return {number: " ".join(parts) for number, parts in self.note_lines.items()}

    def feed(self, pos: int) -> None:
        line = self.lines[pos]
        if line.page_break:
            self.current = None
            self.kept.append(line)
            self.previous_blank = True
            return
        if line.blank:
            self.previous_blank = True
            if self.current is None:
                self.kept.append(line)
            return
        if start := self._note_start(pos):
            number, text = start
            if self.current is None:
                self.block_starts.append(line.index)
            self.note_lines[number] = [text]
            self.current, self.next_note = number, number + 1
            self._since_note = len(self.kept)
        elif self._continues_note(line):
            assert self.current is not None
            self.note_lines[self.current].append(line.stripped)
        else:
            self.current = None
            self.cursor.mark(line.text)
            self.kept.append(line)
            if (m := _PAGE_NOTE.match(line.text)) and int(m.group(1)) == self.next_question and self._asks(pos):
                self.next_question += 1
        self.previous_blank = False


def extract_page_notes(lines: list[Line]) -> Footnotes:
    """Lift PDF page-bottom footnotes out of the lines.

    A line "N text" is a footnote only when N is the next footnote number
    (or a little past it, when the extraction lost a note's text), marker N
    already appeared in the text before it, and it does not ask a question
    (numbered questions start the same way).
    """
    scanner = _PageNoteScanner(lines)
    for pos in range(len(lines)):
        scanner.feed(pos)
    seen = set(scanner.cursor.seen)
    notes = scanner.notes
    lost = [n for n in range(1, max(notes, default=0)) if n not in notes and n in seen]
    return Footnotes(
        notes=notes,
        lines=scanner.kept,
        block_starts=scanner.block_starts,
        warnings=[f"footnote(s) {', '.join(map(str, lost))} cited but their text is missing"] if lost else [],
        acronym=scanner.acronym,
        lost=lost,
    )


def cite_footnotes(
    lines: list[Line], notes: dict[int, str], acronym: Iterable[int] = (), lost: Iterable[int] = ()
) -> tuple[list[Line], list[str]]:
    """Replace the markers of existing footnotes with sentinels, in reading order.

    `acronym` holds the numbers whose marker is glued to capitals ("VS14");
    `lost` those cited in sequence whose note text is missing: their markers
    go too, so no stray number stays in the text.
    """
    cursor = MarkerCursor([*notes, *lost], acronym)
    marked = [line if line.page_break else line.with_text(cursor.mark(line.text)) for line in lines]
    warnings = [f"footnote {n} is never cited in the text" for n in sorted(set(notes) - set(cursor.seen))]
    for warning in warnings:
        logger.warning(warning)
    return marked, warnings


def extract_footnotes(lines: list[Line]) -> Footnotes:
    """Whichever footnote layout the document uses, lifted out and cited."""
    found = extract_endnotes(lines)
    if not found.notes:
        found = extract_page_notes(lines)
    marked, warnings = cite_footnotes(found.lines, found.notes, found.acronym, found.lost)
    found.lines, found.warnings = marked, found.warnings + warnings
    return found
