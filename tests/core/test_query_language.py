"""The query-language rule: English and other foreign questions are told from Dutch ones by function words."""

from __future__ import annotations

import pytest

from vraagbaak.retrieval.language import function_word_counts, is_dutch, query_language


@pytest.mark.parametrize(
    "question",
    [
        "Does the Netherlands import cobalt mined in Congo, possibly routed through Rwanda?",
        "How large is the Dutch fund for women's rights?",
        "What is the government doing about parcels from China that do not meet EU rules?",
        "Has the EU taken any measures against Azerbaijan as a transit route?",
        "How many people worldwide still go hungry according to the policy note?",
    ],
)
def test_english_questions_are_english(question: str) -> None:
    assert query_language(question) == "en"
    assert not is_dutch(question)


@pytest.mark.parametrize(
    "question",
    [
        "Komt er gom of goud uit Soedan op de Nederlandse markt terecht?",
        "Met hoeveel geld gaat het budget voor ontwikkelingshulp omhoog?",
        "Wat is de stand van zaken van de Bilaterale Investeringsverdragen met Ghana, Nigeria en Tanzania?",
        # Dutch with English loanwords and titles still reads as Dutch.
        "Wat vindt u van het rapport 'The State of Food Security and Nutrition in the World'?",
        "Is de level playing field voor de high-tech sector in gevaar door de Chips Act?",
    ],
)
def test_dutch_questions_are_dutch(question: str) -> None:
    assert query_language(question) == "nl"


@pytest.mark.parametrize("question", ["handelsbevordering Soedan 2023", "DTIF DGGF", "", "2021 2023 10.000"])
def test_keyword_queries_without_function_words_stay_dutch(question: str) -> None:
    """No evidence of another language: BM25 keeps its share for bare names, numbers and terms."""
    assert query_language(question) == "nl"


def test_words_shared_by_dutch_and_english_decide_nothing() -> None:
    """'in', 'is', 'was', 'over' count for both, so a text of only those is a tie, and ties are Dutch."""
    counts = function_word_counts("in is was over")
    assert counts["nl"] == counts["en"] == 4
    assert query_language("in is was over") == "nl"


def test_german_and_french_questions_are_foreign() -> None:
    assert query_language("Welche Maßnahmen hat die Regierung gegen die Einfuhr aus China ergriffen?") == "de"
    assert query_language("Quelles mesures le gouvernement a-t-il prises contre les colis venant de Chine?") == "fr"


def test_case_and_accents_do_not_matter() -> None:
    assert query_language("WHAT DOES THE MINISTER DO ABOUT THIS?") == "en"
    assert query_language("Où sont les données et pourquoi?") == "fr"
