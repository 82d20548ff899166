"""Siblings: the same question asked for another year, country or instrument must not win on wording alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.retrieval.request import SearchMode
from vraagbaak.retrieval.retriever import FusionConfig, Retriever
from vraagbaak.retrieval.siblings import SiblingScorer, specifics
from vraagbaak.store.builder import build_index

# Each pair: the sibling that shares more words with the query (so the keyword encoder and BM25
# prefer it) and the one whose year, country or instrument the query names.
SIBLINGS = qa_document(
    "lijst",
    [
        ("Hoeveel exportkredieten zijn in 2023 aan het mkb verstrekt?", "In 2023 ging het om 120 kredieten."),
        ("Hoeveel exportkredieten zijn in 2021 aan het midden- en kleinbedrijf verstrekt?", "Het waren er 95."),
        ("Hoeveel handelsmissies gingen er vorig jaar naar België?", "Drie missies met in totaal 40 bedrijven."),
        ("Hoeveel handelsmissies gingen er in het afgelopen jaar naar Duitsland?", "Twee missies."),
        ("Welk budget heeft het DGGF voor kleine ondernemers?", "Het DGGF heeft 100 miljoen euro."),
        ("Welk budget heeft het DTIF voor het kleine ondernemerschap?", "Het DTIF heeft 700 miljoen euro."),
    ],
)
# Unrelated units, so that normalised scores spread as over a real candidate list.
OTHERS = qa_document(
    "overig",
    [
        (f"Vraag over onderwerp {topic}?", f"Antwoord over {topic}.")
        for topic in ("visserij", "havens", "stikstof", "onderwijs", "zorg", "wonen", "defensie", "cultuur")
    ],
)

QUERIES = [
    ("Hoeveel exportkredieten zijn in 2021 aan het mkb verstrekt?", "lijst:2"),
    ("Hoeveel handelsmissies gingen er vorig jaar naar Duitsland?", "lijst:4"),
    ("Welk budget heeft het DTIF voor kleine ondernemers?", "lijst:6"),
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder: Path = tmp_path_factory.mktemp("siblings")
    build_index([SIBLINGS, OTHERS], FakeEncoder(), folder)
    return folder


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_the_named_sibling_wins_over_the_closer_worded_one(index_dir: Path, query: str, expected: str) -> None:
    without = Retriever.load(index_dir, FakeEncoder(), FusionConfig(sibling_weight=0.0))
    assert without.search(query, k=1, mode=SearchMode.DENSE)[0].unit.unit_id != expected  # wording alone: wrong
    default = Retriever.load(index_dir, FakeEncoder())
    for mode in (SearchMode.DENSE, SearchMode.HYBRID):
        assert default.search(query, k=1, mode=mode)[0].unit.unit_id == expected


def test_specifics_are_numbers_and_names_not_sentence_openers() -> None:
    found = specifics("Hoeveel Oekraïners kwamen in 2023 naar Nederland? Het CBS telde 10.000 mensen, zie vraag 4.")
    assert found == {"oekrainers", "2023", "nederland", "cbs", "10000"}
    assert specifics("How much did the DTIF lend to Germany in 2021?") == {"dtif", "germany", "2021"}


def test_disagreeing_years_cost_more_than_missing_names_and_common_words_are_dropped() -> None:
    questions = [f"Wat vindt de Kamer van punt {n} in 2024?" for n in range(10, 60)] + [
        "Hoeveel kredieten in 2021 voor Ghana?",
        "Hoeveel kredieten in 2023 voor Ghana?",
        "Hoeveel kredieten voor Kenia?",
    ]
    scorer = SiblingScorer(questions)
    assert "kamer" in scorer.common and "2024" not in scorer.common  # years are never common
    wanted = scorer.query("Hoeveel kredieten gingen in 2021 naar Ghana?")
    assert wanted == {"2021", "ghana"}
    same, other_year, no_year = (scorer.score(wanted, row) for row in (50, 51, 52))
    assert same == 1.0
    assert other_year == 0.5 - 1.0  # names Ghana, but 2023 where 2021 is asked
    assert no_year == 0.0
    assert scorer.scores("Wat vindt de Kamer ervan?", [0, 50]).tolist() == [0.0, 0.0]  # nothing specific asked
