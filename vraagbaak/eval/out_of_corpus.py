"""Questions with no earlier answer in the corpus: the negatives that calibrate `close_match`.

One JSON line per question, like the evaluation's question files but without
`gold` (there is none) and with the fixed kind `out_of_corpus`:

    {"id": "ooc01", "lang": "nl", "kind": "out_of_corpus", "question": "...", "note": "..."}

They are kept out of `eval/dataset.py` on purpose: a missing `gold` there is an
error, and it should stay one. The dev/test split follows the id as there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vraagbaak.errors import describe_validation_error
from vraagbaak.eval.dataset import DatasetError, Split, split_of


class OutOfCorpusQuestion(BaseModel):
    """One line of an out-of-corpus file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    lang: str = Field(pattern=r"^[a-z]{2}$")
    kind: Literal["out_of_corpus"]
    question: str = Field(min_length=1, pattern=r"\S")
    note: str = ""
    split: Split | None = None

    @property
    def assigned_split(self) -> Split:
        return self.split or split_of(self.id)


def load_out_of_corpus(path: Path) -> list[OutOfCorpusQuestion]:
    """Every line validated; one DatasetError lists each bad line by number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"cannot read out-of-corpus file {path}: {error}") from error
    questions: list[OutOfCorpusQuestion] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            question = OutOfCorpusQuestion.model_validate(json.loads(line))
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not valid JSON ({error.msg})")
            continue
        except ValidationError as error:
            problems.append(f"line {number}: {describe_validation_error(error, whole='line')}")
            continue
        if question.id in seen:
            problems.append(f"line {number}: id {question.id!r} already used")
            continue
        seen.add(question.id)
        questions.append(question)
    if problems:
        raise DatasetError(f"{path}: {len(problems)} invalid line(s):\n  " + "\n  ".join(problems[:20]))
    if not questions:
        raise DatasetError(f"{path}: no questions (the file is empty)")
    return questions
