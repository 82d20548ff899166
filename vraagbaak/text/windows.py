"""Text cut into windows of at most a number of model tokens: the one token-window splitter.

langchain-text-splitters' recursive splitter, measuring with the caller's token
counter: it cuts at the first separator that makes the pieces fit (paragraphs,
lines, sentences, clauses, words, characters) and keeps each separator at the
end of the piece before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

LengthFunction = Callable[[str], int]
"""Counts a text's model tokens (`Encoder.count_tokens`, or `model.tokens.length_function_for` across processes)."""

SEPARATORS = ("\n\n", "\n", ". ", "; ", ", ", " ", "")
"""Where a window may end, most preferred first."""


def token_splitter(
    budget: int, overlap: int, count_tokens: LengthFunction, separators: Sequence[str] = SEPARATORS
) -> RecursiveCharacterTextSplitter:
    """A splitter into pieces of at most `budget` tokens (by `count_tokens`), `overlap` tokens shared."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=budget,
        chunk_overlap=overlap,
        length_function=count_tokens,
        separators=list(separators),
        keep_separator="end",
    )


def split_by_tokens(text: str, budget: int, overlap: int, count_tokens: LengthFunction) -> list[str]:
    """`text` whole when it fits `budget` tokens, else stripped parts of at most `budget` tokens that
    overlap by `overlap` tokens (a quarter of the budget at most)."""
    text = text.strip()
    if not text:
        return []
    if count_tokens(text) <= budget:
        return [text]
    splitter = token_splitter(budget, min(overlap, budget // 4), count_tokens)
    return [piece.strip() for piece in splitter.split_text(text) if piece.strip()]
