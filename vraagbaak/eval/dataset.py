"""Evaluation questions: the JSON Lines format, its validation and the dev/test split.

One line per question:

    {"id": "q001", "lang": "nl", "kind": "paraphrase", "question": "...",
     "gold": [{"doc": "002_e3bd35554880f1b2", "q": 15, "snippet": "..."}],
     "note": "...", "exclude": ["002_e3bd35554880f1b2:28"], "split": "test"}

`gold` lists acceptable units: by question number (`q`) or, where `q` is null
(prose), by a `snippet` the unit's text contains after normalisation.
`exclude` hides unit ids from the index for that question (leave-one-out).
`split` is optional; when absent it follows from the id (`split_of`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vraagbaak.errors import VraagbaakError, describe_validation_error

logger = logging.getLogger(__name__)

Split = Literal["dev", "test"]
SPLITS: tuple[Split, ...] = ("dev", "test")
DEV_SHARE = 0.4
"""Share of questions in the dev split; the rest is test."""


class DatasetError(VraagbaakError):
    """A question file that cannot be used; the message names the file and the bad lines."""


class Gold(BaseModel):
    """One acceptable unit: by document and question number, or by document and snippet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc: str = Field(min_length=1, description="Document id (file stem).")
    q: int | None = Field(default=None, ge=0, description="Question number; null for prose.")
    snippet: str | None = Field(default=None, description="Text the unit contains; required when q is null.")

    @model_validator(mode="after")
    def _snippet_when_no_number(self) -> Gold:
        if self.q is None and not (self.snippet and self.snippet.strip()):
            raise ValueError("a gold with q null needs a non-empty snippet")
        return self


class EvalQuestion(BaseModel):
    """One line of a question file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    lang: str = Field(pattern=r"^[a-z]{2}$", description='Language code: "nl" or "en".')
    kind: str = Field(min_length=1, max_length=40, description="paraphrase, crosslingual, prose, multi, crossref, ...")
    question: str = Field(min_length=1)
    gold: tuple[Gold, ...] = Field(min_length=1)
    note: str = ""
    exclude: tuple[str, ...] = ()
    split: Split | None = None

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is blank")
        return value

    @property
    def assigned_split(self) -> Split:
        return self.split or split_of(self.id)


def split_of(question_id: str) -> Split:
    """Deterministic split by id hash: about DEV_SHARE of ids land in dev, independent of file order."""
    first_byte = hashlib.sha256(question_id.encode("utf-8")).digest()[0]
    return "dev" if first_byte < round(256 * DEV_SHARE) else "test"


def parse_questions(lines: Iterable[str], source: str = "<questions>") -> list[EvalQuestion]:
    """Validate every line; raise one DatasetError that lists each bad line by number."""
    questions: list[EvalQuestion] = []
    problems: list[str] = []
    first_line_of: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not valid JSON ({error.msg} at column {error.colno})")
            continue
        if not isinstance(record, dict):
            problems.append(f"line {number}: expected a JSON object, got {type(record).__name__}")
            continue
        try:
            question = EvalQuestion.model_validate(record)
        except ValidationError as error:
            problems.append(f"line {number}: {describe_validation_error(error, whole='line')}")
            continue
        if question.id in first_line_of:
            problems.append(f"line {number}: id {question.id!r} already used on line {first_line_of[question.id]}")
            continue
        first_line_of[question.id] = number
        questions.append(question)
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise DatasetError(f"{source}: {len(problems)} invalid line(s):\n  " + "\n  ".join(shown))
    if not questions:
        raise DatasetError(f"{source}: no questions (the file is empty)")
    return questions


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DatasetError(f"cannot read question file {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    return parse_questions(text.splitlines(), str(path))


def select_split(questions: Sequence[EvalQuestion], split: str) -> list[EvalQuestion]:
    """`dev`, `test` or `all`."""
    if split == "all":
        return list(questions)
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; choose dev, test or all")
    return [question for question in questions if question.assigned_split == split]


def dump_question(question: EvalQuestion) -> str:
    """One JSON line with the fields in the documented order; empty optional fields left out."""
    record = question.model_dump(mode="json", exclude_none=True)
    record["gold"] = [gold.model_dump(mode="json", exclude_none=True) for gold in question.gold]
    if not record.get("exclude"):
        record.pop("exclude", None)
    return json.dumps(record, ensure_ascii=False)
