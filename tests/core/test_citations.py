"""The ready-to-paste citation line per document kind."""

from __future__ import annotations

import datetime

from vraagbaak.retrieval.citations import cite, format_citation
from vraagbaak.units import Document, DocumentKind, Unit


def _document(kind: DocumentKind, title: str, date: datetime.date | None = None) -> Document:
    return Document(
        doc_id="d",
        kind=kind,
        title=title,
        dossier="36180",
        kamerstuk_nr="164",
        date=date,
        source_path="",
        content_hash="0",
    )


def test_qa_list_citation_names_the_question_and_the_kamerstuk() -> None:
    unit = Unit(unit_id="d:15", doc_id="d", number=15, question="Vraag?", answer="Antwoord.", page=5)
    document = _document(DocumentKind.QA_LIST, "Lijst van vragen en antwoorden Beleidsagenda Buitenlandse Handel")
    assert format_citation(unit, document) == (
        "Antwoord op vraag 15, Lijst van vragen en antwoorden Beleidsagenda Buitenlandse Handel "
        "(Kamerstuk 36180, nr. 164), p. 5"
    )


def test_kamerstuk_is_not_repeated_when_the_title_names_it() -> None:
    unit = Unit(unit_id="d:3", doc_id="d", number=3, question="V?", answer="A.", party="VVD")
    document = _document(DocumentKind.WRITTEN_CONSULTATION, "Verslag (Kamerstuk 36180-164)", datetime.date(2026, 1, 30))
    assert format_citation(unit, document) == (
        "Antwoord van het kabinet op de inbreng van de VVD-fractie (antwoord 3), Verslag (Kamerstuk 36180-164), "
        "30 januari 2026"
    )


def test_prose_citation_names_the_section_and_has_no_question_number() -> None:
    unit = Unit(unit_id="d:p2", doc_id="d", answer="Tekst.", section="Handelsbeleid")
    citation = cite(unit, _document(DocumentKind.PROSE, "Beleidsnota"))
    assert citation.formatted == "Beleidsnota (Kamerstuk 36180, nr. 164), § Handelsbeleid"
    assert citation.question_number is None
