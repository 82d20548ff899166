"""Real answer documents (../shared/realdocs): every kind and extraction style parses into its counted units.

The counts come from the README beside the documents (counted by reading), so
these tests pin what a drafter gets from each real document, not what the
parser happened to produce.
"""

from __future__ import annotations

import logging
import random
import re
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO
from vraagbaak.errors import ParseError
from vraagbaak.parsing import (
    count_layout_not_recognised,
    layout_not_recognised,
    parse_document,
    parse_paths,
    parse_text,
)
from vraagbaak.retrieval.citations import format_citation
from vraagbaak.units import DocumentKind, ParsedDocument

REALDOCS = REPO.parent / "shared" / "realdocs"
DOCS = REALDOCS / "docs"
MISSING = "missing-realdocs.txt"

# Without ../shared/realdocs these tests fail, naming the folder; they never skip (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("realdocs")


def _counted() -> dict[str, tuple[int, int]]:
    """File name -> (questions, answer blocks) from the README's table; rows without a count are left out."""
    counted: dict[str, tuple[int, int]] = {}
    if not DOCS.is_dir():
        return {MISSING: (0, 0)}  # one row that fails through the fixture, so the test is still collected
    for line in (REALDOCS / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) < 9 or not cells[1].endswith((".txt", ".pdf")):
            continue
        cell = cells[7]
        if m := re.match(r"(\d+) (?:/|questions? /|question numbers;) (\d+)(?: answer| /|$|\s)", cell + " "):
            counted[cells[1]] = (int(m.group(1)), int(m.group(2)))
        elif m := re.fullmatch(r"(\d+)", cell):
            counted[cells[1]] = (int(m.group(1)), int(m.group(1)))
    return counted


COUNTED = _counted()


@cache
def parsed(name: str) -> ParsedDocument:
    return parse_document(DOCS / name)


def _found(document: ParsedDocument) -> tuple[int, int]:
    """(questions covered by units, units with an answer)."""
    numbered = [unit for unit in document.units if unit.number is not None]
    return sum(len(unit.question_numbers) for unit in numbered), sum(unit.answered for unit in numbered)


def _one(pattern: str) -> str:
    names = sorted(p.name for p in DOCS.glob(pattern))
    assert len(names) == 1, f"{pattern} matches {names}"
    return names[0]


def test_the_readme_counts_every_document() -> None:
    assert len(COUNTED) >= 50


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_each_document_gives_its_counted_questions_and_answers(name: str) -> None:
    assert _found(parsed(name)) == COUNTED[name]


def test_answers_come_out_as_numbered_units_across_the_set() -> None:
    answers = sum(counted[1] for counted in COUNTED.values())
    numbered = sum(min(_found(parsed(name))[1], counted[1]) for name, counted in COUNTED.items())
    answer_docs = [name for name, counted in COUNTED.items() if counted[1]]
    exact = sum(_found(parsed(name)) == COUNTED[name] for name in answer_docs)
    assert numbered / answers >= 0.95
    assert exact / len(answer_docs) >= 0.90


def test_every_file_of_the_folder_parses() -> None:
    documents, failures = parse_paths([DOCS])
    assert failures == []
    assert len(documents) == len(list(DOCS.iterdir()))


# (file pattern, unit number, question numbers, first words of the question, first words of the answer)
VERBATIM = [
    ("*3382__pymupdf4llm.md.txt", 1, (1,), "Bent u bekend met het bericht", "Ja, ik heb kennisgenomen"),
    ("*1108__pypdf.txt", 4, (4, 5), "Klopt het dat er partijen met een aanvraag", "Er zijn inderdaad partijen"),
    ("*1296__pypdf.txt", 1, (1, 2, 3, 5), "", ""),
    ("limburg__69__*", 8, (8,), "Deelt u de mening dat er voldoende lokaal", "Het oordeel of TikTok"),
    ("limburg__80__*", 2, (2, 3, 4, 5, 6), "", ""),
    ("limburg__55__*", 1, (1, 2, 3, 4, 5), "Kunt u uw uitspraak bevestigen", "Het kabinet heeft ervoor gekozen"),
    ("limburg__22__*", 1, (1,), "Welke mogelijkheden bestaan er", "Om te borgen dat de waterinjectie"),
    ("limburg__02__*", 3, (3, 4), "", ""),
    ("rekenkamer__row108__*", 5, (5,), "Hoeveel procent van de kosten", "Wij beschikken niet over gegevens"),
    ("rekenkamer__row108__*", 4, (4,), "Welke kosten vallen onder", "Dit betreft activiteiten"),
    ("rekenkamer__row134__*", 1, (1,), "Welke andere problemen spelen er", "Bij de Inkoop van de Belastingdienst"),
    ("*1178__original.pdf", 1, (1,), "Bent u bekend met het risico dat quantumcomputing", "Ja, het is mij bekend"),
    ("*2367__original.pdf", 3, (3, 4, 5, 6), "", ""),
    # Scanned letters flattened onto one line: no page reference, page number or running header in a unit.
    ("rekenkamer__row012__*", 1, (1,), "Is naar uw mening het verschil in opgaaf", "In ons onderzoek Vastgoed"),
    ("rekenkamer__row012__*", 5, (5,), "Heeft u de informatie over het behalen", "Omdat de besparingen"),
    ("rekenkamer__row024__*", 10, (10,), "Heeft u kunnen nagaan wat de gevolgen", "De beantwoording van deze"),
    ("rekenkamer__row024__*", 12, (12,), "Hoe is het mogelijk dat op basis", "Omdat Defensie tot dusver"),
    ("rekenkamer__row051__*", 3, (3,), "Klopt het dat als een project", "Dat is juist."),
    ("rekenkamer__row051__*", 15, (15,), "Is RVO.nl op te vatten als een uitvoeringsmoloch?", "Met de fu"),
]


@pytest.mark.parametrize(("pattern", "number", "numbers", "question", "answer"), VERBATIM)
def test_units_start_with_the_printed_words(
    pattern: str, number: int, numbers: tuple[int, ...], question: str, answer: str
) -> None:
    document = parsed(_one(pattern))
    unit = next(unit for unit in document.units if unit.number == number)
    assert unit.unit_id == f"{document.document.doc_id}:{number}"
    assert unit.question_numbers == numbers
    assert unit.question.startswith(question)
    assert unit.answer.startswith(answer)
    assert unit.answered


_RUNNING_HEADER = re.compile(r"(?:Antwoorden Algemene Rekenkamer|Beantwoording vragen Tweede Kamer) (?:op|bij|over)")


def _scanned() -> list[str]:
    """The OCR'd answer letters: one line of text, single-spaced, no paragraph gap anywhere."""
    names = sorted(p.name for p in DOCS.glob("rekenkamer__*.txt"))
    texts = {name: (DOCS / name).read_text(encoding="utf-8") for name in names}
    return [name for name, text in texts.items() if "   " not in text and "\n" not in text.strip()]


def test_scanned_letters_keep_their_furniture_out_of_every_unit() -> None:
    """The cover letter, the running header of every page and the page numbers "k/N": in no unit."""
    names = _scanned()
    assert len(names) == 3
    for name in names:
        document = parsed(name)
        assert document.document.kind is DocumentKind.QA_LIST
        assert document.document.warnings == ()
        for unit in document.units:
            assert not _RUNNING_HEADER.search(unit.text), (name, unit.number)
            assert not re.search(r"(?<![\w/.,-])\d{1,2}/\d{1,2}(?![\w/])", unit.text), (name, unit.number)
            assert not re.search(r"Geachte|BEZORGEN|KENMERK", unit.text), (name, unit.number)
            assert not unit.question.startswith("("), (name, unit.number)  # "(pagina 2)" is no question


def test_scanned_letters_cite_the_printed_page_of_each_unit() -> None:
    """Pages come from the printed "k/N" numbers, a page starting where its running header does."""
    for name in _scanned():
        pages = [unit.page for unit in parsed(name).units]
        assert pages[0] == 2 and pages == sorted(pages), name  # the cover letter is page 1
    letter_of_2013 = [unit.page for unit in parsed(_one("rekenkamer__row012__*")).units]
    assert letter_of_2013[:6] == [2, 2, 2, 3, 4, 4]  # "Vraag 5 (pagina 4) 4/10": the number after the label
    assert letter_of_2013[-1] == 10
    assert parsed(_one("rekenkamer__row051__*")).units[-1].page == 15


def test_a_letter_answering_by_theme_says_its_layout_was_not_recognised() -> None:
    """An answer letter that groups its answers by theme is prose: searchable, and counted as such."""
    thematic = parsed(_one("rekenkamer__row085__*"))
    assert thematic.document.kind is DocumentKind.PROSE and thematic.units
    assert layout_not_recognised(thematic)
    assert any("layout not recognised" in warning for warning in thematic.document.warnings)
    documents, _ = parse_paths([DOCS])
    assert count_layout_not_recognised(documents) == 1


def _labelled(name: str) -> bool:
    return name.endswith(".txt") and bool(re.search(r"\bVraag \d", (DOCS / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", [name for name in sorted(COUNTED) if _labelled(name)] if DOCS.is_dir() else [MISSING])
def test_each_labelled_document_flattened_onto_one_line_gives_its_counted_units(name: str) -> None:
    """Every line break collapsed to a space, as some extractions deliver the record: the same counts."""
    flat = " ".join((DOCS / name).read_text(encoding="utf-8").split())
    assert _found(parse_text(flat, "flat")) == COUNTED[name]


def test_question_documents_give_unanswered_units() -> None:
    document = parsed(_one("limburg__06__*"))
    assert document.document.kind is DocumentKind.WRITTEN_QUESTIONS
    assert [unit.number for unit in document.units] == list(range(1, 9))
    assert not any(unit.answered or unit.answer for unit in document.units)
    assert document.units[1].question == "Onderschrijft u deze uitspraak?"
    assert document.document.questioners == ("Kröger (GroenLinks-PvdA)", "Gabriëls (GroenLinks-PvdA)")
    docx = parsed(_one("limburg__81__*"))  # "1." alone on a paragraph, the question in the next
    assert [unit.number for unit in docx.units] == list(range(1, 8))
    assert docx.units[0].question.startswith("Bent u bekend met de inhoud van het artikel")


def test_postponement_notices_are_recorded_on_the_document() -> None:
    notice = parsed(_one("limburg__25__*"))
    assert notice.document.kind is DocumentKind.POSTPONEMENT
    assert notice.units == ()
    assert "niet binnen de gebruikelijke termijn" in (notice.document.postponement or "")
    printed = parsed(_one("*1999__original.pdf"))  # the questions printed above the notice
    assert printed.document.kind is DocumentKind.POSTPONEMENT
    assert [unit.answered for unit in printed.units] == [False, False, False]
    assert "beantwoord middels een brief" in (printed.document.postponement or "")


def test_the_heading_gives_who_asked_whom_and_when() -> None:
    document = parsed(_one("*1108__pypdf.txt")).document
    assert document.kind is DocumentKind.WRITTEN_ANSWERS
    assert (document.vergaderjaar, document.aanhangsel_nr) == ("2023-2024", "1108")
    assert document.questioners == ("Bontenbal (CDA)",)
    assert document.addressee == "de Minister voor Klimaat en Energie"
    assert document.answered_by == "Minister Jetten (Klimaat en Energie)"
    assert (str(document.submitted), str(document.received), str(document.date)) == (
        "2024-02-06",
        "2024-02-27",
        "2024-02-27",
    )
    docx = parsed(_one("limburg__32__*")).document
    assert (docx.aanhangsel_nr, docx.zaaknummer) == ("614", "2024Z14815")
    shared_party = parsed(_one("limburg__76__*")).document
    assert shared_party.questioners[:3] == ("Beckerman (SP)", "Bushoff (GroenLinks-PvdA)", "Kröger (GroenLinks-PvdA)")


def test_citations_take_the_conventional_dutch_form() -> None:
    document = parsed(_one("*1108__pypdf.txt"))
    combined = next(unit for unit in document.units if unit.number == 4)
    assert format_citation(combined, document.document).startswith(
        "Aanhangsel Handelingen II 2023/24, nr. 1108, antwoord op vragen 4 en 5 van het lid Bontenbal (CDA)"
    )
    question = parsed(_one("limburg__34__*"))
    assert "(nog niet beantwoord)" in format_citation(question.units[0], question.document)


def test_numbering_slips_are_repaired_and_reported() -> None:
    document = parsed(_one("limburg__69__*"))  # "Vraag 7" printed twice, then "Antwoord 8"
    by_number = {unit.number: unit for unit in document.units}
    assert by_number[8].answered and not by_number[7].answered
    assert any("answer 8 follows question 7" in warning for warning in document.document.warnings)
    overlaps = parsed(_one("*909__chunked_with_overlaps.txt"))  # chunk overlaps repeat labels
    assert [unit.question_numbers for unit in overlaps.units] == [(1,), (2,), (3,), (4, 5), (6,)]


def test_a_pdf_gives_the_units_of_its_text_twin() -> None:
    """The same document through the PDF reader and as pypdf's text: the same questions and answers."""
    import pypdf  # a declared dev dependency: the twin's extractor

    for pdf in sorted(DOCS.glob("*__original.pdf")):
        twin_text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages)
        twin = parse_text(twin_text, "twin")
        ours = parsed(pdf.name)
        assert [u.question_numbers for u in ours.units] == [u.question_numbers for u in twin.units], pdf.name
        assert [u.answered for u in ours.units] == [u.answered for u in twin.units], pdf.name
        for mine, theirs in zip(ours.units, twin.units, strict=True):
            assert mine.question.split()[:4] == theirs.question.split()[:4], (pdf.name, mine.number)


_TEXT_DOCS = sorted(p.name for p in DOCS.glob("*.txt")) if DOCS.is_dir() else [MISSING]


_SENTENCE_END = re.compile(r"(?<=[.?!]) +(?=[A-Z])")


def _mutated(text: str, mode: str, cut: float, rng: random.Random) -> str:
    """`text` truncated, shuffled, mutated or thinned; "flatten" and "sentences" first collapse it onto one
    line, as the scanned letters come, and then mutate it or shuffle a run of its sentences."""
    lines = text.split("\n")
    if mode == "truncate":
        return text[: int(len(text) * cut)]
    if mode == "shuffle":
        rng.shuffle(lines)
        return "\n".join(lines)
    if mode == "drop":
        return "\n".join(line for line in lines if rng.random() > cut)
    if mode in ("flatten", "sentences"):
        text = " ".join(text.split())
    if mode == "sentences":
        sentences = _SENTENCE_END.split(text)
        start = int(len(sentences) * cut * 0.9)
        run = sentences[start : start + 1 + rng.randrange(12)]
        rng.shuffle(run)
        return " ".join(sentences[:start] + run + sentences[start + len(run) :])
    chars = list(text)
    for _ in range(max(1, int(len(chars) * cut * (0.05 if mode == "mutate" else 0.005)))):
        chars[rng.randrange(len(chars))] = rng.choice("VraagAntwoord0123456789 \n?.:()[]«»/\f")
    return "".join(chars)


@settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(_TEXT_DOCS or ["none"]),
    cut=st.floats(0, 1),
    mode=st.sampled_from(["truncate", "shuffle", "mutate", "drop", "flatten", "sentences"]),
    seed=st.integers(0, 2**16),
)
def test_mutated_real_documents_give_units_or_a_parse_error(name: str, cut: float, mode: str, seed: int) -> None:
    """Truncated, shuffled, mutated documents, and every document flattened onto one line with its sentences
    mutated or shuffled (the scanned letters' layout): units with warnings, or a ParseError; never another
    exception, and no page break or page furniture marker left inside a unit."""
    logging.disable(logging.WARNING)
    try:
        text = _mutated((DOCS / name).read_text(encoding="utf-8"), mode, cut, random.Random(seed))
        try:
            document = parse_text(text, "mutated")
        except ParseError:
            return
        ids = [unit.unit_id for unit in document.units]
        assert len(ids) == len(set(ids))
        assert all(unit.answered == bool(unit.answer) for unit in document.units)
        assert not any("\f" in unit.text for unit in document.units)
        numbers = [unit.number for unit in document.units if unit.number is not None]
        assert len(numbers) == len(set(numbers))
    finally:
        logging.disable(logging.NOTSET)


def test_publication_furniture_stays_out_of_every_unit() -> None:
    """The id line, ISSN block, place line and chamber footer of every page: none in a question or answer."""
    furniture = re.compile(
        r"ISSN \d{4}|[’']s-Gravenhage \d{4}|Tweede Kamer, vergaderjaar \d{4}.\d{4}, (?:Aanhangsel|Vragen)"
    )
    for path in sorted(DOCS.iterdir()):
        document = parsed(path.name)
        own_id = re.search(r"(?:ah|kv)-tk-[\w-]+?(?=__)", path.name)
        for unit in document.units:
            assert not furniture.search(unit.text), (path.name, unit.number)
            assert own_id is None or own_id.group(0) not in unit.text, (path.name, unit.number)
