"""The one data model shared by the core, the service, the sources and eval.

Units are what drafters search for: one parliamentary question with the
government's answer, or one passage of a prose document. Everything a
citation needs travels with the unit, so no layer has to re-read the source.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Shape = TypeVar("Shape", bound=BaseModel)


class DocumentKind(StrEnum):
    """How a document is laid out, which decides how it is cut into units."""

    QA_LIST = "qa_list"  # "Lijst van vragen en antwoorden": numbered questions
    WRITTEN_CONSULTATION = "written_consultation"  # "Verslag van een schriftelijk overleg"
    WRITTEN_ANSWERS = "written_answers"  # Aanhangsel: "Vraag 1 … Antwoord 1 …" to schriftelijke vragen
    WRITTEN_QUESTIONS = "written_questions"  # schriftelijke vragen not answered yet
    POSTPONEMENT = "postponement"  # "Mededeling": the answer will come later
    PROSE = "prose"  # policy note, letter, report: passages


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRecord(_Frozen):
    """Where a synced document came from: its entity in the Tweede Kamer's open data, as the source states it.

    Kept beside what the text says (the fields of `Document`), because the source is the authority on
    identity (ids, zaak, dates of registration) and the text is the authority on content.
    """

    tk_id: str = Field(description="The Document entity's Id (a GUID) in the Tweede Kamer's open data.")
    soort: str = Field(description='Its Soort, e.g. "Antwoord schriftelijke vragen".')
    document_nummer: str | None = Field(default=None, description='e.g. "2024D31245".')
    titel: str | None = None
    onderwerp: str | None = None
    datum: datetime.date | None = None
    vergaderjaar: str | None = None
    aanhangselnummer: str | None = None
    datum_registratie: datetime.date | None = None
    datum_ontvangst: datetime.date | None = None
    zaak_nummers: tuple[str, ...] = Field(default=(), description='The Zaak numbers, e.g. ("2024Z14815",).')
    koop_id: str | None = Field(default=None, description='The KOOP identifier, e.g. "ah-tk-20232024-1108".')
    url: str | None = Field(default=None, description="The public page of the document.")


class RelatedDocument(_Frozen):
    """Another document in the index of the same Zaak: the question to an answer, a postponement, the answer."""

    doc_id: str
    kind: DocumentKind
    title: str
    date: datetime.date | None = None
    soort: str | None = Field(default=None, description="The source's Soort, for synced documents.")
    zaaknummer: str = Field(description="The Zaak both documents belong to.")
    units: int = Field(description="Units it holds: 0 for a question whose answer stands in for it.")
    url: str | None = Field(default=None, description="Its public page, where known.")


class Document(_Frozen):
    """A source file and what its text says about itself."""

    doc_id: str = Field(description="File stem, stable across every layer.")
    kind: DocumentKind
    title: str
    dossier: str | None = Field(default=None, description='Kamerstuk number, e.g. "36180".')
    kamerstuk_nr: str | None = Field(default=None, description='Number within the dossier, e.g. "164".')
    date: datetime.date | None = None
    source_path: str
    content_hash: str = Field(description="sha256 of the raw file bytes.")
    warnings: tuple[str, ...] = ()
    # What the heading of an answer to schriftelijke vragen states (Aanhangsel van de Handelingen).
    vergaderjaar: str | None = Field(default=None, description='Parliamentary year, e.g. "2023-2024".')
    aanhangsel_nr: str | None = Field(default=None, description='Number in the Aanhangsel, e.g. "1108".')
    zaaknummer: str | None = Field(default=None, description='Tweede Kamer case number, e.g. "2024Z14815".')
    questioners: tuple[str, ...] = Field(default=(), description='Members who asked, e.g. ("Bontenbal (CDA)",).')
    addressee: str | None = Field(default=None, description="Who the questions were put to.")
    answered_by: str | None = Field(default=None, description="Who answered.")
    subject: str | None = None
    submitted: datetime.date | None = Field(default=None, description='"ingezonden": when the questions were put.')
    received: datetime.date | None = Field(default=None, description='"ontvangen": when the answer came in.')
    postponement: str | None = Field(default=None, description="A notice that the answer comes later.")
    # Only for documents taken from the Tweede Kamer's open data (`vraagbaak sync`).
    source: SourceRecord | None = Field(default=None, description="The open-data entity it was synced from.")

    @property
    def url(self) -> str | None:
        """The public page to link in citations, where one is known."""
        return self.source.url if self.source else None


class Unit(_Frozen):
    """One retrievable answer: a Q&A pair or a prose passage."""

    unit_id: str = Field(description='"{doc_id}:{n}" for Q&A, "{doc_id}:p{n}" for prose.')
    doc_id: str
    number: int | None = Field(default=None, description="Printed question number or answer-block order.")
    numbers: tuple[int, ...] = Field(
        default=(), description='Every question number one shared answer covers ("Vraag 4 en 5"); () = (number,).'
    )
    answered: bool = Field(default=True, description="False for a question printed without an answer (yet).")
    question: str = ""
    answer: str
    party: str | None = None
    section: str | None = None
    page: int | None = None
    footnotes: dict[int, str] = Field(default_factory=dict)
    refs: tuple[str, ...] = Field(default=(), description="unit_ids this unit's answer points to.")

    @property
    def question_numbers(self) -> tuple[int, ...]:
        """The question numbers this unit answers; prose has none."""
        return self.numbers or ((self.number,) if self.number is not None else ())

    @property
    def text(self) -> str:
        """Question and answer together: what lexical search and snippets look at."""
        return f"{self.question}\n{self.answer}" if self.question else self.answer


class ParsedDocument(_Frozen):
    """A document with its units, the unit of work for indexing."""

    document: Document
    units: tuple[Unit, ...]


def unit_as(shape: type[Shape], unit: Unit, **extra: Any) -> Shape:
    """`shape` (a response model) filled from `unit`'s fields and properties of the same names, and `extra`.

    The one place a unit is copied into an API shape, so a field added to both travels without another edit.
    """
    shared = {name: getattr(unit, name) for name in shape.model_fields if name not in extra and hasattr(unit, name)}
    return shape.model_validate({**shared, **extra})


def qa_unit_id(doc_id: str, number: int) -> str:
    return f"{doc_id}:{number}"


def prose_unit_id(doc_id: str, number: int) -> str:
    return f"{doc_id}:p{number}"


def write_jsonl(parsed: Iterable[ParsedDocument], path: Path) -> int:
    """One line per unit, each carrying its document, so a line stands on its own."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for item in parsed:
            doc = item.document.model_dump(mode="json")
            for unit in item.units:
                out.write(json.dumps({"document": doc, "unit": unit.model_dump(mode="json")}, ensure_ascii=False))
                out.write("\n")
                count += 1
    return count


def read_jsonl(path: Path) -> Iterator[ParsedDocument]:
    """Regroups the lines written by `write_jsonl` into documents, in file order."""
    current: Document | None = None
    units: list[Unit] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            document = Document.model_validate(record["document"])
            if current is not None and document.doc_id != current.doc_id:
                yield ParsedDocument(document=current, units=tuple(units))
                units = []
            current = document
            units.append(Unit.model_validate(record["unit"]))
    if current is not None:
        yield ParsedDocument(document=current, units=tuple(units))
