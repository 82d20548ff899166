"""From source text to a `ParsedDocument`: the steps every kind shares, then its own builder."""

from __future__ import annotations

import logging
import re

from indexer.parsing import consultation, prose, qa_list
from indexer.parsing.assembly import Context
from indexer.parsing.detection import classify
from indexer.parsing.footnotes import extract_footnotes
from indexer.parsing.joining import Vocabulary, typical_width
from indexer.parsing.layout import assign_pages, remove_furniture
from indexer.parsing.lines import Line, content_lines, split_lines
from indexer.parsing.metadata import find_metadata, first_sentence, shorten
from indexer.parsing.prose import LengthFunction
from indexer.parsing.source import SourceText
from indexer.units import Document, DocumentKind, ParsedDocument, Unit

logger = logging.getLogger(__name__)

_QA_SUBJECT = re.compile(r"\bover (?:de |het )?(.+?)\.(?=\s*(?:$|[A-Z]))")


def _qa_title(head: list[Line]) -> str:
    text = " ".join(line.stripped for line in head)
    base = "Lijst van vragen en antwoorden"
    subject = _QA_SUBJECT.search(text)
    return shorten(f"{base} over {subject.group(1)}") if subject else base


def _title(kind: DocumentKind, lines: list[Line], heading: str | None, dossier: str | None, nr: str | None) -> str:
    head = content_lines(lines)[:15]
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
    kind, kind_warning = classify(source.text)
    warnings = [kind_warning] if kind_warning else []
    raw = split_lines(source.text)
    layout = remove_furniture(raw)

    notes = extract_footnotes(layout.lines)
    warnings += notes.warnings
    spans: list[qa_list.QuestionSpan] = []
    if kind is DocumentKind.QA_LIST:
        starts, found = qa_list.find_question_starts(notes.lines)
        spans, warnings = qa_list.to_spans(notes.lines, starts), warnings + found
    ctx = Context(
        doc_id=source.doc_id,
        notes=notes.notes,
        vocab=Vocabulary.from_lines(line.text for line in notes.lines),
        width=typical_width(line.text for line in raw),
        pages=assign_pages(layout, notes.block_starts, len(raw)),
    )

    heading: str | None = None
    units: list[Unit]
    if kind is DocumentKind.QA_LIST:
        units, built = qa_list.build_units(notes.lines, spans, ctx)
    elif kind is DocumentKind.WRITTEN_CONSULTATION:
        units, built = consultation.build_units(notes.lines, ctx)
    else:
        units, built, heading = prose.build_units(
            notes.lines, ctx, passage_tokens=passage_tokens, length_function=length_function
        )
    warnings += built
    if not units:
        warnings.append("no units found in the document")

    meta = find_metadata([line.text for line in raw])
    for warning in warnings:
        logger.warning("%s: %s", source.doc_id, warning)
    document = Document(
        doc_id=source.doc_id,
        kind=kind,
        title=_title(kind, layout.lines, heading, meta.dossier, meta.kamerstuk_nr),
        dossier=meta.dossier,
        kamerstuk_nr=meta.kamerstuk_nr,
        date=meta.date,
        source_path=source.source_path,
        content_hash=source.content_hash,
        warnings=tuple(warnings),
    )
    return ParsedDocument(document=document, units=tuple(units))
