"""From source text to a `ParsedDocument`: the steps every kind shares, then its own builder."""

from __future__ import annotations

import logging
import re

from vraagbaak.parsing import answers, consultation, prose, qa_list
from vraagbaak.parsing.assembly import Context
from vraagbaak.parsing.detection import Detection, detect
from vraagbaak.parsing.footnotes import extract_footnotes
from vraagbaak.parsing.heading import Heading, read_heading
from vraagbaak.parsing.joining import Vocabulary, typical_width
from vraagbaak.parsing.layout import assign_pages, remove_furniture
from vraagbaak.parsing.lines import Line, content_lines, page_break, split_lines
from vraagbaak.parsing.metadata import find_metadata, first_sentence, shorten
from vraagbaak.parsing.prose import LengthFunction
from vraagbaak.parsing.recognition import LAYOUT_NOT_RECOGNISED, layout_warning, qa_signs
from vraagbaak.parsing.source import SourceText
from vraagbaak.units import Document, DocumentKind, ParsedDocument, Unit

logger = logging.getLogger(__name__)

# The subject ends with its sentence, or before a letter's salutation ("Geachte …").
_QA_SUBJECT = re.compile(r"\bover (?:de |het )?(.+?)(?:\.(?=\s*(?:$|[A-Z]))|\s(?=Geachte\b))")
_FORM_FEED = "\f"
_HEAD_TITLE_CHARS = 4000
_NOTICE = re.compile(
    r"[^.?!\n]{0,300}(?:niet binnen de (?:gebruikelijke )?termijn|uitstel|(?:zijn|is) beantwoord (?:middels|bij|in))"
    r"[^\n]{0,300}?\.(?=\s|$)",
    re.IGNORECASE,
)
_LABELLED_KINDS = frozenset({DocumentKind.WRITTEN_ANSWERS, DocumentKind.WRITTEN_QUESTIONS, DocumentKind.POSTPONEMENT})


def _lines_with_page_breaks(text: str) -> tuple[list[Line], dict[int, int]]:
    """Lines of `text`, a form feed (a PDF page end) becoming a page-break line, and the page of
    every line counted from those breaks (empty when the text has none)."""
    if _FORM_FEED not in text:
        return split_lines(text), {}
    lines = split_lines(text.replace(_FORM_FEED, "\n" + _FORM_FEED + "\n"))
    out: list[Line] = []
    pages: dict[int, int] = {}
    page = 1
    for line in lines:
        if line.text.strip(" \t") == _FORM_FEED:
            out.append(page_break(line.index))
            page += 1
        else:
            out.append(line)
            pages[line.index] = page
    return out, pages


def _labelled_title(kind: DocumentKind, heading: Heading) -> str | None:
    who = ", ".join(heading.questioners)
    if not who and not heading.subject:
        return None
    base = "Antwoord op vragen" if kind is DocumentKind.WRITTEN_ANSWERS else "Vragen"
    asked = f" van {'het lid' if len(heading.questioners) == 1 else 'de leden'} {who}" if who else ""
    return shorten(f"{base}{asked}" + (f" over {heading.subject}" if heading.subject else ""))


def _qa_title(head: list[Line]) -> str:
    text = " ".join(line.stripped for line in head)[:_HEAD_TITLE_CHARS]  # bounded: the subject search is lazy
    base = "Lijst van vragen en antwoorden"
    subject = _QA_SUBJECT.search(text)
    return shorten(f"{base} over {subject.group(1)}") if subject else base


def _title(kind: DocumentKind, lines: list[Line], heading: str | None, dossier: str | None, nr: str | None) -> str:
    head = content_lines(lines)[:15]
    if heading and kind is not DocumentKind.PROSE:
        return heading
    if kind is DocumentKind.QA_LIST:
        return _qa_title(head)
    if kind is DocumentKind.WRITTEN_CONSULTATION and head:
        return shorten(head[0].stripped)
    if heading:
        return shorten(heading)
    if dossier:
        return f"Kamerstuk {dossier}" + (f", nr. {nr}" if nr else "")
    return first_sentence(" ".join(line.stripped for line in head))


def parse_source(source: SourceText, *, passage_tokens: int, length_function: LengthFunction) -> ParsedDocument:
    """Parse decoded text into a document and its units; malformed input only adds warnings."""
    detection = detect(source.text)
    kind = detection.kind
    warnings = [detection.warning] if detection.warning else []
    warnings += detection.repairs
    raw, feed_pages = _lines_with_page_breaks(detection.labelled_text or source.text)
    layout = remove_furniture(raw)

    notes = extract_footnotes(layout.lines)
    warnings += notes.warnings
    ctx = Context(
        doc_id=source.doc_id,
        notes=notes.notes,
        vocab=Vocabulary.from_lines(line.text for line in notes.lines),
        width=typical_width(line.text for line in raw),
        pages=feed_pages or assign_pages(layout, notes.block_starts, len(raw)),
    )

    asked = read_heading(source.text) if detection.labelled_text is not None else Heading()
    heading: str | None = _labelled_title(kind, asked) if kind in _LABELLED_KINDS else None
    if kind is DocumentKind.QA_LIST and asked.letter_subject:
        heading = shorten(asked.letter_subject[:1].upper() + asked.letter_subject[1:])
    units, built = _build(detection, notes.lines, ctx, asked, passage_tokens, length_function)
    if kind is DocumentKind.PROSE:
        units, built, heading = prose.build_units(
            notes.lines, ctx, passage_tokens=passage_tokens, length_function=length_function
        )
        # Prose that reads as questions and answers: a layout not recognised, said once (detection may have).
        if not any(LAYOUT_NOT_RECOGNISED in warning for warning in warnings) and (why := qa_signs(source.text)):
            warnings.append(layout_warning(why))
    warnings += built
    if not units and kind is not DocumentKind.POSTPONEMENT:
        warnings.append("no units found in the document")

    meta = find_metadata([line.text for line in raw] + list(source.furniture))
    for warning in warnings:
        logger.warning("%s: %s", source.doc_id, warning)
    notice = _NOTICE.search(" ".join(source.text[:4000].split())) if kind is DocumentKind.POSTPONEMENT else None
    document = Document(
        doc_id=source.doc_id,
        kind=kind,
        title=_title(kind, layout.lines, heading, meta.dossier, meta.kamerstuk_nr),
        dossier=meta.dossier,
        kamerstuk_nr=meta.kamerstuk_nr,
        date=asked.received or asked.submitted or meta.date,
        source_path=source.source_path,
        content_hash=source.content_hash,
        warnings=tuple(warnings),
        vergaderjaar=asked.vergaderjaar,
        aanhangsel_nr=asked.aanhangsel_nr,
        zaaknummer=asked.zaaknummer,
        questioners=asked.questioners,
        addressee=asked.addressee,
        answered_by=asked.answered_by,
        subject=asked.subject,
        submitted=asked.submitted,
        received=asked.received,
        postponement=notice.group(0).strip().removeprefix("Mededeling ").strip() if notice else None,
    )
    return ParsedDocument(document=document, units=tuple(units))


def _build(
    detection: Detection,
    lines: list[Line],
    ctx: Context,
    asked: Heading,
    passage_tokens: int,
    length_function: LengthFunction,
) -> tuple[list[Unit], list[str]]:
    """Units of every kind but prose (which also yields a heading, so the caller builds it)."""
    if detection.labelled_text is not None:
        return answers.build_units(lines, ctx, answers_expected=detection.answers_expected, parties=asked.parties)
    if detection.kind is DocumentKind.QA_LIST:
        starts, found = qa_list.find_question_starts(lines)
        units, built = qa_list.build_units(lines, qa_list.to_spans(lines, starts), ctx)
        return units, found + built
    if detection.kind is DocumentKind.WRITTEN_CONSULTATION:
        return consultation.build_units(lines, ctx)
    return [], []
