"""The real seed documents parse into the units a drafter expects, verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from vraagbaak.parsing import approximate_tokens, parse_paths
from vraagbaak.units import DocumentKind, ParsedDocument, read_jsonl, write_jsonl

QA = "002_e3bd35554880f1b2"
CONSULTATION = "001_8351a9266050adcd"
PROSE = ("000_ef389c4a9f248eca", "003_f206c1f6e5a79f93", "004_983e7923bac65099")


@pytest.fixture(scope="module")
def seeds() -> dict[str, ParsedDocument]:
    parsed, failures = parse_paths([SEEDS])
    assert failures == []
    return {item.document.doc_id: item for item in parsed}


def test_seeds_parse_into_expected_kinds_and_counts(seeds: dict[str, ParsedDocument]) -> None:
    counts = {doc_id: (item.document.kind, len(item.units)) for doc_id, item in seeds.items()}
    assert counts[QA] == (DocumentKind.QA_LIST, 148)
    assert counts[CONSULTATION] == (DocumentKind.WRITTEN_CONSULTATION, 22)
    assert counts["000_ef389c4a9f248eca"] == (DocumentKind.PROSE, 4)
    assert counts["004_983e7923bac65099"] == (DocumentKind.PROSE, 4)
    assert counts["003_f206c1f6e5a79f93"][0] is DocumentKind.PROSE
    assert 100 <= counts["003_f206c1f6e5a79f93"][1] <= 160


def test_qa_list_numbers_every_question_in_place(seeds: dict[str, ParsedDocument]) -> None:
    units = seeds[QA].units
    assert [u.number for u in units] == list(range(1, 149))
    assert [u.unit_id for u in units][:2] == [f"{QA}:1", f"{QA}:2"]
    assert not any("question number" in w for w in seeds[QA].document.warnings)


def test_qa_list_first_unit_verbatim_with_its_footnotes(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[0]
    assert unit.question == (
        "Kan worden aangegeven of er goud en/of gom afkomstig uit Sudan naar Nederland wordt geïmporteerd?"
    )
    assert unit.answer.startswith("In 2024 importeerde Nederland voor USD 284.196 (33.642 kg) aan gom uit Soedan. Dit")
    assert sorted(unit.footnotes) == [1, 2]
    assert unit.footnotes[1].startswith("UN Comtrade. HS code 1301")


def test_qa_answer_straddling_a_page_break_with_footnotes_reads_on(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[2]  # footnotes 1-4 sit between "de Staat" and "Israël"
    assert unit.question.startswith("Hoeveel handelsverdragen bestaan er tussen Nederland en Israël?")
    assert "de Regering van de Staat Israël inzake wederzijdse administratieve bijstand" in unit.answer
    assert "UN Comtrade" not in unit.text


def test_qa_question_straddling_a_page_break_with_footnotes(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[49]  # footnotes 22-26 between "instrumentarium" and "afgebouwd?"
    assert unit.number == 50
    assert unit.question.endswith("beschermt? Wordt dat instrumentarium afgebouwd?")
    assert unit.answer.startswith("De keuze voor weerbaarheid en welvaart als prioritaire focus betekent geen")
    assert "Kamerstuk 21501 02, nr. 3158" not in unit.text


def test_qa_question_resumed_in_capitals_after_a_page_break(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[53]
    assert unit.question.startswith("Heeft het enige concrete invloed op het Nederlandse handelsbeleid")
    assert 'stelt dat "Israel has not developed a National Action Plan on Business' in unit.question
    assert unit.question.endswith('and is not in the process of doing so"?')
    assert unit.answer.startswith("Het kabinet hecht waarde aan Nationale Actieplannen")
    assert "oecd.org" not in unit.text


def test_qa_markers_glued_to_acronyms_are_lifted(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[24]  # "de VS13." and "de VS14." in the source
    assert sorted(unit.footnotes) == [12, 13, 14]
    assert unit.footnotes[13] == "https://www.cpb.nl/economische-effecten-van-importheffingen"
    assert "importheffingen van de VS. Dit rapport" in unit.answer
    assert "machines en toestellen, geneesmiddelen" in unit.answer
    assert "VS13" not in unit.answer and "VS14" not in unit.answer


def test_qa_short_answer_split_by_a_footnote_block(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[25]
    assert unit.answer == (
        "Het kabinet doet in beginsel geen publieke uitspraken over gesprekken met individuele bedrijven, "
        "organisaties of personen."
    )


def test_qa_page_column_numbers_and_lost_markers_leave_no_trace(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[112]
    assert unit.question.startswith("Interne marktbelemmeringen: Kunt u een top-5 geven")
    assert "om aan te pakken. Dit ter beïnvloeding" in unit.answer  # marker 49; its note text was lost
    assert "De Commissie stelt in deze Strategie 58 concrete acties" in unit.answer
    assert "13 14" not in unit.answer


def test_qa_reference_to_another_question(seeds: dict[str, ParsedDocument]) -> None:
    unit = seeds[QA].units[147]
    assert unit.question.startswith("Hoe wordt geborgd dat de inzet van het DRIVE-instrumentarium")
    assert unit.refs == (f"{QA}:143",)


def test_consultation_assigns_each_party_its_section(seeds: dict[str, ParsedDocument]) -> None:
    parties = [u.party for u in seeds[CONSULTATION].units]
    assert parties == ["D66"] * 5 + ["VVD"] * 9 + ["CDA"] * 8
    assert [u.number for u in seeds[CONSULTATION].units] == list(range(1, 23))


def test_consultation_units_verbatim(seeds: dict[str, ParsedDocument]) -> None:
    units = seeds[CONSULTATION].units
    assert units[0].question.startswith("De leden van de D66-fractie benadrukken dat gendergelijkheid")
    assert units[0].answer.startswith(
        "Zoals aangegeven in de beantwoording op de feitelijke vragen beschrijft de beleidsagenda de politieke "
        "koers van het kabinet op buitenlandse handel. Het beleidskompas"
    )
    assert units[0].footnotes == {1: "Kamerstukken 36180 nr. 179"}
    # The VVD header runs straight into its first question, without a blank line.
    assert units[5].question.startswith("De leden van de VVD-fractie hebben met interesse kennisgenomen")
    assert units[5].answer.startswith("Zoals in verschillende beleidsbrieven beschreven zet het kabinet")
    assert sorted(units[5].footnotes) == [8, 9]
    assert units[14].question.startswith("De leden van de CDA-fractie hebben kennisgenomen van de Beleidsagenda")
    assert "Inbreng leden van de" not in "".join(u.text for u in units)


def test_consultation_footnote_10_goes_with_the_port_strategy(seeds: dict[str, ParsedDocument]) -> None:
    holders = [u for u in seeds[CONSULTATION].units if 10 in u.footnotes]
    assert len(holders) == 1
    unit = holders[0]
    assert unit.footnotes[10] == "Kamerstukken II, 2023/24, 36200 XII, nr. 62"
    assert "Europese havenstrategie" in unit.answer
    assert "Koerhuis/Van der Molen uit 2022, met als" in unit.answer
    assert "202210" not in unit.answer


FOOTER = re.compile(r"Totaallijst feitelijke vragen|\b\d{1,3}/102\b|vergaderjaar 2022–2023, 36 360")


def test_no_unit_holds_furniture_or_footnote_lines(seeds: dict[str, ParsedDocument]) -> None:
    for item in seeds.values():
        notes = {n: text for unit in item.units for n, text in unit.footnotes.items()}
        for unit in item.units:
            text = f"{unit.section or ''}\n{unit.text}"
            assert not FOOTER.search(text), unit.unit_id
            assert "[kamerleden]" not in text and "[overzicht]" not in text, unit.unit_id
            assert "\ue000" not in text and "\ue001" not in text, unit.unit_id
            for line in text.splitlines():
                if m := re.match(r"\s*(\d{1,3})\.?\s+(.{12,})", line):
                    note = notes.get(int(m.group(1)), "")
                    assert not (note and note.startswith(m.group(2)[:12])), (unit.unit_id, line)


def test_prose_passages_fit_and_keep_real_headings(seeds: dict[str, ParsedDocument]) -> None:
    for doc_id in PROSE:
        for unit in seeds[doc_id].units:
            assert approximate_tokens(unit.answer) <= 350, unit.unit_id
            assert unit.unit_id.startswith(f"{doc_id}:p")
    sections = [u.section for u in seeds["000_ef389c4a9f248eca"].units]
    assert sections == [
        None,
        "Handelsbetrekkingen met het VK-post Brexit",
        "Verdienvermogen en kracht van NL: verdienkansen nu en in de toekomst — Meer focus op 25 prioritaire markten",
        "Ondersteuning MKB en specifieke doelgroepen",
    ]


def test_prose_headings_are_not_sentence_fragments(seeds: dict[str, ParsedDocument]) -> None:
    report = seeds["003_f206c1f6e5a79f93"]
    titles = {u.section for u in report.units}
    assert report.document.title == "Samenvatting: doen waar Nederland goed in is"
    assert {
        "Meer focus in Buitenlandse Handel",
        "Hoofdstuk 3 — Nederlandse oplossingen voor wereldwijde uitdagingen",
    } <= titles
    for title in titles:
        assert title is not None
        assert len(title) <= 120, title
        assert title.split()[-1] not in {"voor", "de", "het", "en", "van", "zoals", "bevordert", "oneerlijke"}, title
        assert "Foto" not in title and "internetconsultatie" not in title, title
    assert any("cruciaal voor de Nederlandse welvaart" in u.answer for u in report.units)


def test_prose_report_footnotes_and_photo_credits(seeds: dict[str, ParsedDocument]) -> None:
    report = seeds["003_f206c1f6e5a79f93"]
    notes = {n: text for u in report.units for n, text in u.footnotes.items()}
    assert sorted(notes) == list(range(1, 75))
    assert notes[14].startswith("PBL (2021). Climate Change Measures")
    assert not any("Foto:" in u.answer or "Carel" in u.answer for u in report.units)


def test_passage_size_follows_the_length_function(seeds: dict[str, ParsedDocument]) -> None:
    parsed, _ = parse_paths([SEEDS / "004_983e7923bac65099.txt"], passage_tokens=120, length_function=len)
    units = parsed[0].units
    assert len(units) > 4
    assert all(len(u.answer) <= 120 for u in units)


def test_jsonl_round_trip_loses_nothing(seeds: dict[str, ParsedDocument], tmp_path: Path) -> None:
    items = list(seeds.values())
    path = tmp_path / "units.jsonl"
    assert write_jsonl(items, path) == sum(len(item.units) for item in items)
    assert list(read_jsonl(path)) == items
