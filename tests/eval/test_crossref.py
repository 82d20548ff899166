"""The held-out generator: cross-references and near-duplicate answers, and the shipped file it reproduces."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import qa_document
from vraagbaak.cli.main import main
from vraagbaak.eval.crossref import heldout_questions
from vraagbaak.eval.dataset import dump_question

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "eval" / "data" / "heldout_crossref.jsonl"

LONG = (
    "De publicatie van het statistiekbureau geeft cijfers over de verdiensten aan de export en over de "
    "werkgelegenheid die daarvan afhangt, uitgesplitst naar sector en naar het land van bestemming."
)
STOCK = "Het kabinet doet in beginsel geen publieke uitspraken over gesprekken met individuele bedrijven."


def _corpus() -> list:
    doc = qa_document(
        "d",
        [
            ("Hoeveel banen hangen af van export?", LONG),
            ("Welk deel van de werkgelegenheid komt uit uitvoer?", LONG + " Zie ook de bijlage."),
            ("Welke sectoren raakt het handelsconflict?", "Zie antwoord vraag 4"),
            ("Welke producten zijn kwetsbaar voor heffingen?", "Machines en chemie."),
            ("Wat exporteert bedrijf X?", STOCK),
            ("Met wie sprak u over bedrijf Y?", STOCK),
        ],
    )
    units = list(doc.units)
    units[2] = units[2].model_copy(update={"refs": ("d:4",)})
    return [doc.model_copy(update={"units": tuple(units)})]


def test_crossrefs_and_duplicates_become_leave_one_out_questions() -> None:
    questions = {q.id: q for q in heldout_questions(_corpus())}
    assert sorted(questions) == ["dup:d:1", "dup:d:2", "ref:d:3"]
    ref = questions["ref:d:3"]
    assert (ref.kind, ref.question, ref.exclude) == ("crossref", "Welke sectoren raakt het handelsconflict?", ("d:3",))
    assert [(g.doc, g.q) for g in ref.gold] == [("d", 4)]
    dup = questions["dup:d:2"]
    assert dup.kind == "duplicate"
    assert dup.exclude == ("d:2",)
    assert [(g.doc, g.q) for g in dup.gold] == [("d", 1)]


def test_stock_replies_and_pointer_answers_are_not_duplicates() -> None:
    ids = {q.id for q in heldout_questions(_corpus())}
    assert not ids & {"dup:d:5", "dup:d:6", "dup:d:3", "dup:d:4"}


def test_generator_reproduces_the_shipped_file() -> None:
    from vraagbaak.parsing import parse_paths

    parsed, _ = parse_paths([REPO / "seeds"])
    generated = "".join(dump_question(q) + "\n" for q in heldout_questions(parsed))
    assert generated == SHIPPED.read_text(encoding="utf-8")


def test_crossref_command_writes_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "crossref.jsonl"
    assert main(["eval", "crossref", str(REPO / "seeds"), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == SHIPPED.read_text(encoding="utf-8")
