"""What a question may be, one rule for every caller: the API, the CLI, evaluation and retrieval itself."""

from __future__ import annotations

import unicodedata

from vraagbaak.errors import QueryError

MAX_K = 50
EMPTY_QUESTION = "the question is empty (after removing whitespace and control characters)"


def clean_question(value: object) -> str:
    """Drop control and format characters (NUL, zero-width, bidi overrides), turn line breaks and tabs
    into spaces; refuse what is left empty, or anything that is not text."""
    if not isinstance(value, str):
        raise QueryError(f"the question must be text, got {type(value).__name__}")
    if value.isprintable():  # no control, format or line-break character: nothing to drop (the usual case)
        cleaned = value.strip()
        if not cleaned:
            raise QueryError(EMPTY_QUESTION)
        return cleaned
    cleaned = "".join(
        " " if char in "\n\t\r" else char for char in value if char in "\n\t\r" or unicodedata.category(char)[0] != "C"
    ).strip()
    if not cleaned:
        raise QueryError(EMPTY_QUESTION)
    return cleaned


def check_k(k: int) -> int:
    """`k` within 1 … MAX_K, else a QueryError naming the range."""
    if not 1 <= k <= MAX_K:
        raise QueryError(f"k must be between 1 and {MAX_K}, got {k}")
    return k
