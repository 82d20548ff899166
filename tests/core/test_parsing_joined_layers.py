"""Text layers that joined their own lines: glued function words and line-break hyphens left in a line."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from vraagbaak.parsing import parse_document
from vraagbaak.parsing.joining import GLUED_LAYER, Vocabulary, join_lines, repair_glued_words, repair_inline_hyphens

DOCS = REPO.parent / "shared" / "realdocs" / "docs"

# Modelled on pypdf's text layer of an Aanhangsel answer: the extractor joined the lines itself, so the
# break hyphens sit inside lines and the space before a capitalised word is sometimes gone.
LAYER = [
    "Vraag 1",
    "Wat is uw reactie op het bericht dat hetRegionaal Autisme Centrum stopt met de behandeling?",
    "Antwoord 1",
    "Het Regionaal Autisme Centrum heeft dit besloten na overleg met deInspectie en de zorgverzekeraar.",
    "De aansluiting op het elektrici-teitsnet duurt lang; het elektriciteitsnet is vol in de regio.",
    "Het oud-minister overleg over de EU-Indonesië afspraken en de defensie-industrie gaat door.",
    "De defensie industrie en de defensieindustrie en de Inspectie werken samen,",
    "zoals op www.example.nl/deInspectie staat.",
]


def _vocabulary(lines: list[str]) -> Vocabulary:
    return Vocabulary.from_lines(lines)


def test_a_glued_function_word_gets_its_space_back_when_the_document_knows_the_word() -> None:
    vocab = _vocabulary(LAYER)
    assert vocab.glued >= GLUED_LAYER
    glued = "dat hetRegionaal Autisme Centrum stopt"
    assert repair_glued_words(glued, vocab) == "dat het Regionaal Autisme Centrum stopt"
    assert repair_glued_words("na overleg met deInspectie en", vocab) == "na overleg met de Inspectie en"
    # A word the document never writes alone may be a brand spelt this way: it stays.
    assert repair_glued_words("de Hogeschool inHolland", vocab) == "de Hogeschool inHolland"
    # Nor is an address touched.
    assert repair_glued_words("op www.example.nl/deInspectie staat", vocab) == "op www.example.nl/deInspectie staat"


def test_a_line_break_hyphen_inside_a_line_goes_and_real_hyphens_stay() -> None:
    vocab = _vocabulary(LAYER)
    assert repair_inline_hyphens("op het elektrici-teitsnet duurt", vocab) == "op het elektriciteitsnet duurt"
    kept = "het oud-minister overleg over de EU-Indonesië afspraken en de defensie-industrie"
    assert repair_inline_hyphens(kept, vocab) == kept  # never whole / capitalised / two words of their own


def test_a_layer_that_did_not_join_its_lines_keeps_every_in_line_hyphen() -> None:
    typed = ["Een echte win-win situatie: de winwin gedachte en het elektrici-teitsnet, elektriciteitsnet."]
    vocab = _vocabulary(typed)
    assert vocab.glued == 0
    assert repair_inline_hyphens(typed[0], vocab) == typed[0]


def test_join_lines_applies_both_repairs() -> None:
    text = join_lines(LAYER, _vocabulary(LAYER))
    assert "het Regionaal Autisme Centrum stopt" in text
    assert "met de Inspectie en" in text
    assert "het elektriciteitsnet duurt" in text
    assert "EU-Indonesië" in text and "oud-minister" in text and "defensie-industrie" in text


@pytest.mark.usefixtures("realdocs")  # fails, naming the folder, when ../shared/realdocs is missing
def test_a_real_pypdf_layer_comes_out_without_glued_words_or_stray_hyphens() -> None:
    path = next(DOCS.glob("limburg__40__*pypdf2.txt"), None)
    assert path is not None, f"the development document limburg__40 is missing from {DOCS}"
    text = "\n".join(unit.text for unit in parse_document(path).units)
    assert "hetJulianakanaal" not in text and "Julianaka-naal" not in text
    assert text.count("Julianakanaal") >= 5
