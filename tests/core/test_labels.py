"""Label variants of answers to schriftelijke vragen, and the repairs of the answers layout, on small texts."""

from __future__ import annotations

import pytest

from vraagbaak.parsing import parse_text
from vraagbaak.parsing.canonical import canonical_text
from vraagbaak.parsing.labels import LabelKind, match_label, parse_numbers
from vraagbaak.units import DocumentKind


@pytest.mark.parametrize(
    ("text", "kind", "numbers", "rest"),
    [
        ("Vraag 1", LabelKind.QUESTION, (1,), ""),
        ("Vraag 1: Bent u bekend met het bericht?", LabelKind.QUESTION, (1,), "Bent u bekend met het bericht?"),
        ("Vraag 4 en 5", LabelKind.QUESTION, (4, 5), ""),
        ("Vraag 7, 8, 9 10 en 11", LabelKind.QUESTION, (7, 8, 9, 10, 11), ""),
        ("Vraag 2 t/m 6", LabelKind.QUESTION, (2, 3, 4, 5, 6), ""),
        ("Vragen 1, 2, 3 en 5", LabelKind.QUESTION, (1, 2, 3, 5), ""),
        ("Antwoord 1", LabelKind.ANSWER, (1,), ""),
        ("Antwoord op vraag 3", LabelKind.ANSWER, (3,), ""),
        ("Antwoord op vragen 3 en 4", LabelKind.ANSWER, (3, 4), ""),
        ("Antwoord vraag 4-7:", LabelKind.ANSWER, (4, 5, 6, 7), ""),
        ("Antwoorden 5 en 6", LabelKind.ANSWER, (5, 6), ""),
        ("Antwoord vragen 1,2,3,4 en 5", LabelKind.ANSWER, (1, 2, 3, 4, 5), ""),
        ("Antwoord 2a", LabelKind.ANSWER, (2,), ""),
        ("Antwoord", LabelKind.ANSWER, (), ""),
        ("Antwoord: Ja, dat klopt.", LabelKind.ANSWER, (), "Ja, dat klopt."),
        ("1", LabelKind.BARE_NUMBER, (1,), ""),
        ("1.", LabelKind.BARE_NUMBER, (1,), ""),
    ],
)
def test_label_variants(text: str, kind: LabelKind, numbers: tuple[int, ...], rest: str) -> None:
    label = match_label(text)
    assert label is not None
    assert (label.kind, label.numbers, label.rest) == (kind, numbers, rest)


@pytest.mark.parametrize(
    "text",
    [
        "Antwoord van Minister Jetten (Klimaat en Energie) (ontvangen 27 februari 2024).",
        "Antwoorden Algemene Rekenkamer bij vragen van de Tweede Kamer",
        "Vraag 3 is al eerder beantwoord.",
        "Antwoord 2 oktober ontvangen",
        "In antwoord op vraag 3 staat het al.",
    ],
)
def test_running_text_is_no_label(text: str) -> None:
    label = match_label(text)
    assert label is None or label.kind not in (LabelKind.QUESTION, LabelKind.ANSWER)


def test_number_lists_and_ranges() -> None:
    assert parse_numbers("4, 5, 7 en 8") == (4, 5, 7, 8)
    assert parse_numbers("2 tot en met 4") == (2, 3, 4)
    assert parse_numbers("9 - 9") == (9,)
    assert parse_numbers("1 t/m 900") == (1, 900)  # a range that long is a typo, not 900 questions


def test_canonical_text_splits_glued_labels_and_marks_furniture() -> None:
    text = (
        "tekst van het antwoord.\n’s-Gravenhage 2024Tweede Kamer, vergaderjaar 2023–2024, Aanhangsel 1Antwoord 3\nJa."
    )
    lines = canonical_text(text).split("\n")
    assert "Antwoord 3" in lines
    assert "\f" in lines
    assert not any("Gravenhage" in line for line in lines)


def test_canonical_text_unflattens_collapsed_paragraphs() -> None:
    flat = "Antwoorden bij vragen    " + "    ".join(
        f"Vraag {n}   Waarom is dat zo, nummer {n}?    Omdat het zo is bepaald in {2000 + n}." for n in (1, 2, 3)
    )
    flat = flat + " " * 3 + "x" * 1600  # a flattened text is one very long line
    lines = canonical_text(flat).split("\n")
    assert lines[1:4] == ["Vraag 1", "Waarom is dat zo, nummer 1?", "Omdat het zo is bepaald in 2001."]


ANSWERS_HEAD = (
    "Vragen van het lid Jansen (D66) aan de Minister van Financiën over de begroting (ingezonden 3 maart 2024).\n"
    "Antwoord van Minister De Vries (Financiën) (ontvangen 20 maart 2024).\n"
)


def test_bare_numbers_and_bare_answer_labels_of_the_ministry_docx() -> None:
    text = ANSWERS_HEAD + "".join(
        f"\n{n}\nHoeveel kost onderdeel {n} van de begroting?\n\nAntwoord\nOnderdeel {n} kost {n} miljoen euro.\n"
        for n in (1, 2, 3)
    )
    parsed = parse_text(text, "docx")
    assert parsed.document.kind is DocumentKind.WRITTEN_ANSWERS
    assert [(u.number, u.answer) for u in parsed.units] == [
        (n, f"Onderdeel {n} kost {n} miljoen euro.") for n in (1, 2, 3)
    ]
    assert parsed.document.questioners == ("Jansen (D66)",)


def test_a_question_label_lost_at_a_page_break_is_recovered_with_a_warning() -> None:
    text = ANSWERS_HEAD + (
        "Vraag 1\nHoeveel kost de begroting?\n\nAntwoord 1\nDe begroting kost veel geld.\n\n"
        "Waarom stijgen de kosten elk jaar opnieuw?\n\nAntwoord 2\nDoor de inflatie.\n"
    )
    parsed = parse_text(text, "verloren")
    assert [(u.number, u.question, u.answer) for u in parsed.units] == [
        (1, "Hoeveel kost de begroting?", "De begroting kost veel geld."),
        (2, "Waarom stijgen de kosten elk jaar opnieuw?", "Door de inflatie."),
    ]
    assert any("question 2 lost its label" in w for w in parsed.document.warnings)


def test_all_questions_first_then_one_answer_for_all() -> None:
    text = ANSWERS_HEAD + "".join(f"Vraag {n}\nKlopt bericht {n}?\n\n" for n in (1, 2, 3))
    text += "Antwoord vragen 1, 2 en 3\nJa, alle drie de berichten kloppen.\n"
    (unit,) = parse_text(text, "samen").units
    assert (unit.unit_id, unit.question_numbers, unit.answered) == ("samen:1", (1, 2, 3), True)
    assert unit.question == "Klopt bericht 1?\nKlopt bericht 2?\nKlopt bericht 3?"


def test_sub_lettered_parts_join_one_unit() -> None:
    text = ANSWERS_HEAD + (
        "Vraag 2a\nHoeveel kost het?\n\nAntwoord 2a\nVeel.\n\nVraag 2b\nWie betaalt het?\n\nAntwoord 2b\nHet Rijk.\n"
    )
    (unit,) = parse_text(text, "letters").units
    assert (unit.number, unit.question, unit.answer) == (2, "Hoeveel kost het?\nWie betaalt het?", "Veel.\nHet Rijk.")
