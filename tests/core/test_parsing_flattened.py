"""Scanned answer letters flattened onto one line: units by the structure of the kind, on synthetic letters.

The letters here are written for the tests, in the shape of the Algemene Rekenkamer's OCR'd
answer letters: a cover letter, then per page a running header (spelt a little differently on
some pages) and a page number "k/N" that may land between a label and its question, "Vraag N"
with or without a reference to the report's page, the question up to its question mark, and the
answer after a bare "Antwoord" or with no label at all.
"""

from __future__ import annotations

import re

import pytest

from vraagbaak.parsing import LAYOUT_NOT_RECOGNISED, layout_not_recognised, parse_text
from vraagbaak.parsing.running_headers import find_page_marks, page_furniture
from vraagbaak.units import DocumentKind, ParsedDocument

COVER = (
    "Algemene Rekenkamer .., BEZORGEN Voorzitter van de Tweede Kamer der Staten-Generaal Binnenhof 4 DEN HAAG "
    "DATUM 3 mei 2013 Lange Voorhout 8 Postbus 20015 BETREFT Beantwoording vragen Tweede Kamer over het rapport "
    "Onderhoud van bruggen Geachte mevrouw Van Miltenburg, Hierbij bieden wij u de antwoorden aan op de door de "
    "commissie voor Infrastructuur gestelde vragen over het rapport Onderhoud van bruggen. Algemene Rekenkamer "
    "drs. A. Voorbeeld, president UW KENMERK ONS KENMERK 13000001 R BIJLAGE"
)
HEADER = (
    "Antwoorden Algemene Rekenkamer op vragen over het rapport Onderhoud van bruggen "
    "(Tweede Kamer, vergaderjaar 2012-2013, 33 100, nr. 2)"
)
# OCR spells the header differently from page to page: a digit slip ("20 12"), a letter slip ("brugqen").
HEADER_SLIPS = (
    HEADER,
    HEADER.replace("2012-2013", "20 12-2013"),
    HEADER.replace("bruggen", "brugqen"),
    HEADER.replace("Onderhoud", "0nderhoud"),
)
DEBRIS = (".., ", ".I,,", "•r ", ".1 ")
QUESTIONS = [
    ("Hoeveel bruggen zijn in slechte staat?", "Van de 500 bruggen zijn er 40 in slechte staat."),
    ("Wat kost het herstel van die bruggen?", "Het herstel kost naar schatting 120 miljoen euro."),
    ("Welke provincies hebben de meeste bruggen?", "Dat staat in bijlage 2 van het rapport."),
    ("Is het onderhoud de afgelopen jaren uitgesteld?", "Ja, in 2011 en 2012 is onderhoud uitgesteld."),
    ("Wie is verantwoordelijk voor het onderhoud?", "De provincie is verantwoordelijk, zie het antwoord op vraag 1."),
    ("Welke maatregelen neemt de minister?", "De minister stelt een plan op. Het plan komt in 2014 naar de Kamer."),
    ("Hoe vaak wordt een brug geïnspecteerd?", "Eens in de zes jaar, volgens de richtlijn."),
    ("Worden de inspecties openbaar gemaakt?", "Nee, de rapporten zijn niet openbaar."),
    ("Kunt u de Kamer jaarlijks informeren?", "Wij nemen dit mee in ons jaarlijkse onderzoek."),
    ("Welke bruggen zijn het oudst?", "De oudste bruggen liggen in het westen van het land."),
    ("Hoeveel bruggen worden vervangen?", "Tot 2020 worden 25 bruggen vervangen."),
    ("Is het budget daarvoor toereikend?", "Dat is nog niet te zeggen."),
]
PER_PAGE = 3


def letter(
    *,
    labelled: bool = True,
    label: dict[int, str] | None = None,
    page_before_question: bool = True,
) -> str:
    """A one-line answer letter: the cover, then a page of three questions per printed page number."""
    label = label or {}
    pages = 1 + -(-len(QUESTIONS) // PER_PAGE)
    parts = [COVER]
    for n, (question, answer) in enumerate(QUESTIONS, start=1):
        page = 2 + (n - 1) // PER_PAGE
        printed = label.get(n, f"Vraag {n}")
        reference = f" (pagina {10 + n})" if n % 2 else ""
        if (n - 1) % PER_PAGE == 0:
            parts.append(DEBRIS[page % len(DEBRIS)] + HEADER_SLIPS[page % len(HEADER_SLIPS)])
            # The page number lands where the page's first line ended: between a label and its question.
            number = f"{page}/{pages}"
            parts.append(f"{printed}{reference} {number}" if page_before_question else f"{number} {printed}{reference}")
        else:
            parts.append(f"{printed}{reference}")
        parts.append(question)
        parts.append(f"Antwoord {answer}" if labelled else answer)
    return " ".join(parts)


def _by_number(parsed: ParsedDocument) -> dict[int, tuple[str, str]]:
    return {unit.number: (unit.question, unit.answer) for unit in parsed.units if unit.number is not None}


@pytest.mark.parametrize("labelled", [True, False], ids=["bare Antwoord", "unlabelled answers"])
@pytest.mark.parametrize("page_before_question", [True, False], ids=["Vraag 4 3/5 Wat", "3/5 Vraag 4 Wat"])
def test_a_flattened_letter_gives_one_unit_per_question_without_its_furniture(
    labelled: bool, page_before_question: bool
) -> None:
    text = letter(labelled=labelled, page_before_question=page_before_question)
    assert "\n" not in text
    parsed = parse_text(text, "brief")
    assert parsed.document.kind is DocumentKind.QA_LIST
    assert _by_number(parsed) == {n: pair for n, pair in enumerate(QUESTIONS, start=1)}
    assert parsed.document.warnings == ()
    assert not layout_not_recognised(parsed)
    for unit in parsed.units:
        assert "Rekenkamer" not in unit.text and "pagina" not in unit.text and "/5" not in unit.text
    # The page a unit starts on is the printed one: three questions to a page from page 2 on.
    assert [unit.page for unit in parsed.units] == [2 + (n - 1) // PER_PAGE for n in range(1, len(QUESTIONS) + 1)]
    assert parsed.document.title == "Beantwoording vragen Tweede Kamer over het rapport Onderhoud van bruggen"


def test_the_cover_letter_and_the_title_page_are_no_unit() -> None:
    parsed = parse_text(letter(), "brief")
    assert all("Geachte" not in unit.text and "BEZORGEN" not in unit.text for unit in parsed.units)
    assert parsed.units[0].unit_id == "brief:1"


def test_a_page_number_and_a_running_header_in_the_middle_of_an_answer_leave_the_sentence_whole() -> None:
    answer = "Het herstel wordt in drie fasen uitgevoerd en de eerste fase begint volgend jaar in het noorden."
    cut = answer.index("de eerste")
    text = letter().replace(
        QUESTIONS[2][1],
        f"{answer[:cut]}.., {HEADER} {answer[cut : cut + 10]} 3/5 {answer[cut + 10 :]}",
    )
    text = text.replace(f"{DEBRIS[3]}{HEADER_SLIPS[3]} Vraag 4 3/5", "Vraag 4")
    parsed = parse_text(text, "midden")
    assert _by_number(parsed)[3] == (QUESTIONS[2][0], answer)
    assert [unit.page for unit in parsed.units][:4] == [2, 2, 2, 3]


def test_a_phrase_the_text_shares_with_the_header_stays_in_the_answer() -> None:
    cited = "Zie het rapport Onderhoud van bruggen (Tweede Kamer, vergaderjaar 2012-2013, 33 100, nr. 2) voor cijfers."
    parsed = parse_text(letter().replace(QUESTIONS[4][1], cited), "citaat")
    assert _by_number(parsed)[5][1] == cited


def test_a_phrase_every_answer_repeats_is_no_running_header() -> None:
    """Before every page number, but far more often than once a page: the letter's own words."""
    refrain = "Dit volgt uit ons onderzoek naar de staat van de bruggen in Nederland."
    text = letter()
    for _, answer in QUESTIONS:
        text = text.replace(answer, f"{answer} {refrain}")
    parsed = parse_text(text, "refrein")
    assert _by_number(parsed) == {n: (q, f"{a} {refrain}") for n, (q, a) in enumerate(QUESTIONS, start=1)}


def test_ocr_slips_in_label_numbers_are_read_by_the_numbering() -> None:
    parsed = parse_text(letter(label={11: "Vraag 1 1", 12: "Vraag l2"}), "slips")
    assert _by_number(parsed) == {n: pair for n, pair in enumerate(QUESTIONS, start=1)}
    assert parsed.document.warnings == ()


def test_a_label_misread_out_of_sequence_is_taken_as_the_number_left_for_it() -> None:
    parsed = parse_text(letter(label={8: "Vraag 3"}), "misread")
    assert _by_number(parsed) == {n: pair for n, pair in enumerate(QUESTIONS, start=1)}
    assert "question label printed as 3 read as 8 from the numbering" in parsed.document.warnings


@pytest.mark.parametrize("labelled", [True, False], ids=["bare Antwoord", "unlabelled answers"])
@pytest.mark.parametrize("garbled", ["Vraaq 5", ""], ids=["label garbled", "label gone"])
def test_a_lost_label_is_recovered_from_the_sequence_with_a_warning(labelled: bool, garbled: str) -> None:
    parsed = parse_text(letter(labelled=labelled, label={5: garbled}).replace("  ", " "), "verloren")
    assert _by_number(parsed) == {n: pair for n, pair in enumerate(QUESTIONS, start=1)}
    assert "question 5 lost its label; recovered from the numbering" in parsed.document.warnings


def test_labels_lost_beyond_recovery_are_reported_and_the_rest_kept() -> None:
    parsed = parse_text(letter(label={5: "Vraaq 5", 6: "Vraaq 6"}), "gat")
    numbers = sorted(_by_number(parsed))
    assert numbers == [1, 2, 3, 4, 7, 8, 9, 10, 11, 12]
    assert "question number(s) 5, 6 not found before question 7" in parsed.document.warnings


def test_a_footnote_at_the_foot_of_a_page_is_lifted_out_of_the_answer() -> None:
    note = "De vragen van de Tweede Kamer zijn hier exact weergegeven."
    text = letter().replace(QUESTIONS[2][1], f"{QUESTIONS[2][1]}1 1 {note}")  # marker glued: "rapport.1"
    parsed = parse_text(text, "noot")
    unit = next(unit for unit in parsed.units if unit.number == 3)
    assert (unit.answer, unit.footnotes) == (QUESTIONS[2][1], {1: note})
    assert all(note not in other.text for other in parsed.units)


def test_running_headers_are_found_by_their_repetition_before_page_numbers() -> None:
    text = letter()
    marks = find_page_marks(text)
    assert [(mark.page, mark.of) for mark in marks] == [(2, 5), (3, 5), (4, 5), (5, 5)]
    furniture = page_furniture(text)
    cut = [text[start:end] for start, end in furniture.cuts]
    headers = [piece for piece in cut if "Rekenkamer" in piece]
    assert len(headers) == 4
    assert all(piece.startswith(DEBRIS) and piece.endswith("nr. 2)") for piece in headers)
    assert len(furniture.page_starts) == 4  # pages 2 to 5, each starting where its header does


def test_without_a_gapless_page_numbering_no_page_is_guessed() -> None:
    text = letter().replace(" 4/5", "")
    parsed = parse_text(text, "zonder")
    assert _by_number(parsed) == {n: pair for n, pair in enumerate(QUESTIONS, start=1)}
    assert all(unit.page is None for unit in parsed.units)


ASKED = (
    "Vragen van het lid Jansen (D66) aan de minister van Infrastructuur en Waterstaat over het onderhoud van "
    "bruggen (ingezonden 3 april 2024). Antwoord van minister Pietersen (Infrastructuur en Waterstaat) "
    "(ontvangen 2 mei 2024)."
)


def test_a_one_line_aanhangsel_answer_gives_its_units() -> None:
    text = ASKED + "".join(
        f" Vraag {n} {question} Antwoord {n} {answer}" for n, (question, answer) in enumerate(QUESTIONS[:4], start=1)
    )
    text = text.replace(" Vraag 3 ", " Vraag 3 en 4 ").replace(" Antwoord 3 ", " Antwoord 3 en 4 ")
    text = text.replace(f" Vraag 4 {QUESTIONS[3][0]} Antwoord 4 {QUESTIONS[3][1]}", "")
    parsed = parse_text(text, "aanhangsel")
    assert parsed.document.kind is DocumentKind.WRITTEN_ANSWERS
    assert parsed.document.questioners == ("Jansen (D66)",)
    assert [(unit.question_numbers, unit.answer) for unit in parsed.units] == [
        ((1,), QUESTIONS[0][1]),
        ((2,), QUESTIONS[1][1]),
        ((3, 4), QUESTIONS[2][1]),
    ]


def test_a_one_line_answer_to_some_of_the_questions_asked_warns_of_nothing_lost() -> None:
    """Answers 5, 6 and 11 of a longer list (the rest answered elsewhere): their numbers, no repair."""
    text = ASKED + "".join(
        f" Vraag {n} {QUESTIONS[i][0]} Antwoord {n} {QUESTIONS[i][1]}" for i, n in enumerate((5, 6, 11))
    )
    parsed = parse_text(text, "deel")
    assert [unit.number for unit in parsed.units] == [5, 6, 11]
    assert all(unit.answered for unit in parsed.units)
    assert not any("not found" in warning or "lost" in warning for warning in parsed.document.warnings)


def test_a_letter_answering_by_theme_is_prose_and_says_its_layout_was_not_recognised() -> None:
    themes = " ".join(f"Thema {n}. {answer} In vraag {n} vroeg u ernaar." for n, (_, answer) in enumerate(QUESTIONS, 1))
    parsed = parse_text(f"{COVER} {themes}", "thematisch")
    assert parsed.document.kind is DocumentKind.PROSE
    assert layout_not_recognised(parsed)
    (warning,) = [w for w in parsed.document.warnings if LAYOUT_NOT_RECOGNISED in w]
    assert "layout not recognised" in warning and warning.endswith("indexed as prose")
    assert "De minister stelt een plan op." in " ".join(unit.text for unit in parsed.units)  # still searchable


def test_question_labels_in_a_layout_the_parser_does_not_know_are_reported() -> None:
    text = "\n\n".join(f"Vraag {n} Toelichting {n}. {answer}" for n, (_, answer) in enumerate(QUESTIONS, 1))
    parsed = parse_text(text, "labels")
    assert parsed.document.kind is DocumentKind.PROSE
    assert layout_not_recognised(parsed)


def test_a_prose_document_is_no_unrecognised_layout() -> None:
    parsed = parse_text("Het kabinet investeert in bruggen. Het onderhoud wordt uitgebreid.\n", "nota")
    assert parsed.document.kind is DocumentKind.PROSE
    assert not layout_not_recognised(parsed)


def test_the_letter_builder_puts_page_numbers_where_the_tests_expect_them() -> None:
    assert re.search(r"Vraag 4 3/5 Is het onderhoud", letter())
    assert re.search(r"3/5 Vraag 4 Is het onderhoud", letter(page_before_question=False))
