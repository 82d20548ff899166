"""Cleaning steps, each on an excerpt copied verbatim from a seed document."""

from __future__ import annotations

from tests.conftest import SEEDS
from vraagbaak.parsing.footnotes import cite_footnotes, extract_footnotes
from vraagbaak.parsing.joining import Vocabulary, join_lines
from vraagbaak.parsing.layout import remove_furniture
from vraagbaak.parsing.lines import Line, split_lines
from vraagbaak.parsing.markers import MarkerCursor, pop_markers, sentinel


def _seed_lines(name: str, first: int, last: int) -> list[str]:
    """Lines `first`..`last` (1-based, inclusive) of a seed file."""
    return (SEEDS / name).read_text(encoding="utf-8").split("\n")[first - 1 : last]


def _lines(texts: list[str]) -> list[Line]:
    return [Line(index=i, text=t) for i, t in enumerate(texts)]


# 002, lines 284-296: table rows, a two-line page footer "... 5/102", then the next rows.
QA_FOOTER = [
    "",
    "5 Zwitserland 5 Frankrijk",
    "",
    "6 Frankrijk 6 België",
    "",
    "7 België 7 Spanje",
    "",
    "Totaallijst feitelijke vragen Beleidsagenda Buitenlandse Handel ‘Nederland: welvarend en ",
    "weerbaar (36180-164) 5/102",
    "",
    "",
    "",
    "8 Italië 8 Italië",
]


def test_page_footer_removed_and_page_break_left() -> None:
    # The footer's first line is dropped only when it repeats before every footer.
    other_page = ["tekst", *QA_FOOTER[7:9], "", "meer tekst", *QA_FOOTER[7:9]]
    other_page[2] = other_page[2].replace("5/102", "4/102")
    layout = remove_furniture(_lines(QA_FOOTER + other_page))
    texts = [line.text for line in layout.lines]
    assert not any("Totaallijst" in t or "/102" in t for t in texts)
    assert "8 Italië 8 Italië" in texts
    assert any(line.page_break for line in layout.lines)
    assert 5 in layout.footer_pages.values()
    assert layout.page_count == 102


def test_site_navigation_removed() -> None:
    head = _seed_lines("001_8351a9266050adcd.txt", 1, 4)
    assert head[0].startswith("[overzicht] [activiteiten]")
    kept = [line.text for line in remove_furniture(_lines(head)).lines if line.text.strip()]
    assert kept == [head[3]]
    assert kept[0].startswith("Verslag van een schriftelijk overleg")


def test_page_column_numbers_and_photo_credits_removed() -> None:
    excerpt = _seed_lines("002_e3bd35554880f1b2.txt", 2097, 2102) + _seed_lines("003_f206c1f6e5a79f93.txt", 513, 518)
    assert "13 14" in excerpt and "Foto: Ministerie van " in excerpt
    kept = [line.stripped for line in remove_furniture(_lines(excerpt)).lines if line.stripped]
    assert "13 14" not in kept
    assert not any(t.startswith(("Foto", "Buitenlandse Zaken /", "Carel")) for t in kept)
    assert kept[-1].startswith("migratie is voor het kabinet dan ook een prioriteit.")


def test_page_footnotes_lifted_out_and_cited_by_number() -> None:
    excerpt = _seed_lines("002_e3bd35554880f1b2.txt", 17, 56)
    found = extract_footnotes(_lines(excerpt))
    assert sorted(found.notes) == [1, 2, 3, 4]
    assert found.notes[3] == (
        "UN Comtrade. HS code 8105 ‘Kobaltmatte en andere tussenproducten van de kobaltmetallurgie; kobalt en "
        "werken daarvan, resten en afval daaronder begrepen’."
    )
    texts = [line.text for line in found.lines]
    assert not any("UN Comtrade" in t for t in texts)
    assert any(t.startswith("Soedan." + sentinel(1)) for t in texts)
    assert any(t.startswith(" Israël inzake wederzijdse") for t in texts)
    # The numbered questions look like notes ("3 Hoeveel ...") but stay text.
    assert any(t.startswith("3 Hoeveel handelsverdragen") for t in texts)


def test_html_endnotes_lifted_out() -> None:
    text = (SEEDS / "001_8351a9266050adcd.txt").read_text(encoding="utf-8")
    found = extract_footnotes(split_lines(text))
    assert sorted(found.notes) == list(range(1, 17))
    assert found.notes[10] == "Kamerstukken II, 2023/24, 36200 XII, nr. 62"
    assert not any("↩" in line.text for line in found.lines)


def test_glued_markers_resolved_against_existing_footnotes() -> None:
    cases = [
        ("de politieke koers van het kabinet op buitenlandse handel.1 Het beleidskompas", 1),
        ("Zoals in verschillende beleidsbrieven beschreven8 zet het kabinet zich in", 8),
        ("Sinds de motie Koerhuis/Van der Molen uit 202210, met als een van de voornaamste doelen", 10),
        ("verslag van de Raad Buitenlandse Zaken Handel van 7 april 2025.24", 24),
    ]
    for text, number in cases:
        marked, warnings = cite_footnotes(_lines([text]), {number: "note"})
        clean, numbers = pop_markers(marked[0].text)
        assert numbers == [number], text
        assert warnings == []
        assert str(number) not in clean.replace("2022", "").replace("2025", "").replace("7 april", "")
    clean, _ = pop_markers(cite_footnotes(_lines([cases[2][0]]), {10: "note"})[0][0].text)
    assert clean == "Sinds de motie Koerhuis/Van der Molen uit 2022, met als een van de voornaamste doelen"


def test_numbers_that_are_no_existing_footnote_stay() -> None:
    text = "De totale import bedroeg EUR 2,42 aan goederen en de CO2-uitstoot daalde met 2 procent."
    marked, warnings = cite_footnotes(_lines([text]), {1: "note"})
    assert marked[0].text == text
    assert warnings == ["footnote 1 is never cited in the text"]
    # "VS14" is a marker only for a note confirmed there (acronym); a plain cursor leaves it.
    assert MarkerCursor([14]).mark("de handel tussen Nederland en de VS14.") == "de handel tussen Nederland en de VS14."
    assert MarkerCursor([14], acronym=[14]).mark("en de VS14.") == f"en de VS{sentinel(14)}."


def test_line_break_hyphenation_undone_and_real_hyphens_kept() -> None:
    report = _seed_lines("003_f206c1f6e5a79f93.txt", 158, 160)
    vocab = Vocabulary.from_lines(report)
    assert join_lines(report, vocab).startswith(
        "Om de Nederlandse slagkracht op ontwikkelingssamenwerkingsgebied te vergroten"
    )
    # Whether two pieces form one word is the document's call: its vocabulary comes from all its lines
    # ("Samenwer-" | "kingsovereenkomst" breaks without a hyphen; the whole word occurs further on).
    annual = _seed_lines("000_ef389c4a9f248eca.txt", 12, 24)
    text = join_lines(annual, Vocabulary.from_lines(_seed_lines("000_ef389c4a9f248eca.txt", 1, 60)))
    assert "de mogelijkheden van de Handels- en Samenwerkingsovereenkomst tussen de EU" in text
    assert "de implementatie van de Handels- en Samenwerkingsovereenkomst en blijft" in text
    assert "Brexit-Adjustment Reserve (BAR)" in text
    consultation = ["Wat betreft het EU-", "Indonesië handelsakkoord is op 23 september 2025 een akkoord bereikt."]
    assert join_lines(consultation, Vocabulary.from_lines(consultation)).startswith("Wat betreft het EU-Indonesië")


def test_table_rows_stay_readable() -> None:
    table = _seed_lines("002_e3bd35554880f1b2.txt", 686, 692)
    assert table[0] == "Bedrijfstak Direct Indirect"
    text = join_lines(table, Vocabulary.from_lines(table))
    assert text.split("\n") == [
        "Bedrijfstak Direct Indirect",
        "Industrie 380,1 129,5",
        "Handel 141,4 309,7",
        "Vervoer en opslag 111,8 127,2",
    ]
