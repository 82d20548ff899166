"""What gets embedded for a unit: its question, and its answer in window-sized parts.

A new question is matched against earlier questions (question field, query
prompt on both sides: a question-to-question match) and against answers
(answer field, passage prompt). An answer longer than the model window is
split by model tokens with overlap, and every part carries the unit's
question so it stays meaningful on its own. The exact choices were made
with the evaluation (see eval/README.md and docs in the index issue).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vraagbaak.text.windows import split_by_tokens
from vraagbaak.units import Unit


class VectorField(StrEnum):
    QUESTION = "question"
    ANSWER = "answer"


class ChunkingConfig(BaseModel):
    """Recorded in the manifest: changing any of it needs a rebuild."""

    model_config = ConfigDict(frozen=True)

    window_tokens: int = Field(default=512, ge=64, description="Model window incl. prompt and special tokens.")
    overlap_tokens: int = Field(default=64, ge=0)
    question_budget_tokens: int = Field(default=160, ge=16, description="Question tokens carried by each part.")
    embed_questions: bool = True
    question_prompt: Literal["query", "passage"] = Field(
        default="query", description="Prompt for stored questions: a question-to-question match is symmetric."
    )
    answer_carries_question: bool = True
    reserved_tokens: int = Field(default=8, ge=0, description="Prompt and special tokens kept free in the window.")
    # Off by default: 64-token windows won 3 dev questions and lost 2 on test (both within noise) for 56 % more
    # vectors to embed (docs/retrieval.md); VRAAGBAAK_PROSE_WINDOW_TOKENS turns them on for a build.
    prose_window_tokens: int = Field(
        default=0,
        ge=0,
        description="Prose passages longer than this are also embedded in windows of this many tokens "
        "(small-to-big: a window matches, its passage is returned); 0 turns it off.",
    )

    @model_validator(mode="before")
    @classmethod
    def _recorded_before_prose_windows(cls, data: Any) -> Any:
        """A manifest written before prose windows existed records every other field: its index has none."""
        if isinstance(data, dict) and "window_tokens" in data and "prose_window_tokens" not in data:
            return {**data, "prose_window_tokens": 0}
        return data


@dataclass(frozen=True)
class Chunk:
    unit_id: str
    field: VectorField
    part: int
    text: str


def chunk_unit(unit: Unit, config: ChunkingConfig, count_tokens: Callable[[str], int]) -> Iterator[Chunk]:
    """The texts to embed for one unit, in a stable order."""
    question = unit.question.strip()
    if config.embed_questions and question:
        yield Chunk(unit.unit_id, VectorField.QUESTION, 0, question)
    carried = _head(question, config.question_budget_tokens, count_tokens) if config.answer_carries_question else ""
    if unit.section and not question:
        carried = unit.section.strip()  # prose: the section title plays the question's part
    budget = config.window_tokens - config.reserved_tokens - (count_tokens(carried) + 1 if carried else 0)
    pieces = split_by_tokens(unit.answer, budget, config.overlap_tokens, count_tokens)
    window = config.prose_window_tokens
    if window and not question and count_tokens(unit.answer.strip()) > window:
        # Small-to-big: the answering sentence of a long passage is diluted in its one vector.
        pieces += split_by_tokens(unit.answer, window, window // 4, count_tokens)
    for part, piece in enumerate(pieces):
        yield Chunk(unit.unit_id, VectorField.ANSWER, part, f"{carried}\n{piece}" if carried else piece)


def _head(text: str, budget: int, count_tokens: Callable[[str], int]) -> str:
    """The start of `text` within `budget` tokens, cut at a word boundary."""
    if not text or count_tokens(text) <= budget:
        return text
    words = text.split()
    low, high = 0, len(words)
    while low < high:  # longest word prefix that fits
        middle = (low + high + 1) // 2
        if count_tokens(" ".join(words[:middle])) <= budget:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low])
