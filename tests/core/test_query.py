"""The one question rule, used by the API, the CLI, evaluation and retrieval."""

from __future__ import annotations

import pytest

from vraagbaak.errors import QueryError
from vraagbaak.retrieval.query import EMPTY_QUESTION, MAX_K, check_k, clean_question
from vraagbaak.retrieval.request import SearchRequest
from vraagbaak.service.schemas import MAX_K as API_MAX_K


def test_control_and_format_characters_go_and_breaks_become_spaces() -> None:
    assert clean_question("\u200bWat\tkost\nde haven?\u202e\x00 ") == "Wat kost de haven?"


@pytest.mark.parametrize("value", ["", "   ", "\u200b\u200d\ufeff", "\n\t"])
def test_empty_after_cleaning_is_refused_with_one_message(value: str) -> None:
    with pytest.raises(QueryError, match="^" + EMPTY_QUESTION.replace("(", r"\(").replace(")", r"\)") + "$"):
        clean_question(value)


def test_the_api_applies_the_same_rule_and_limit() -> None:
    assert SearchRequest(question="\u200bWat\tkost\nde haven?").question == "Wat kost de haven?"
    assert API_MAX_K == MAX_K
    assert check_k(MAX_K) == MAX_K
    with pytest.raises(QueryError, match=f"between 1 and {MAX_K}"):
        check_k(MAX_K + 1)


def test_non_text_is_refused() -> None:
    with pytest.raises(QueryError, match="must be text, got int"):
        clean_question(3)
