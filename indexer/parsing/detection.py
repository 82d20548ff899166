"""Telling a document's kind from its content, never from its file name."""

from __future__ import annotations

import re

from indexer.parsing.consultation import ANSWER_MARKER
from indexer.parsing.lines import split_lines
from indexer.parsing.qa_list import find_question_starts
from indexer.units import DocumentKind

_QA_TITLE = re.compile(r"\bLijst van vragen en antwoorden\b", re.IGNORECASE)
_MIN_QUESTIONS = 3
_SENTENCE = re.compile(r"[a-zà-ÿ]{2,}[.!?](?:\s|$)")
_MIN_SENTENCES = 2
_MIN_LETTER_SHARE = 0.5
_SAMPLE_CHARS = 20_000  # the head tells prose from noise; counting a whole report adds nothing


def _looks_like_prose(text: str) -> bool:
    text = text[:_SAMPLE_CHARS]
    letters = sum(c.isalpha() for c in text)
    visible = sum(not c.isspace() for c in text) or 1
    return letters / visible >= _MIN_LETTER_SHARE and len(_SENTENCE.findall(text)) >= _MIN_SENTENCES


def classify(text: str) -> tuple[DocumentKind, str | None]:
    """The document kind, and a warning when it had to fall back to prose."""
    lines = split_lines(text)
    if sum(1 for line in lines if ANSWER_MARKER.match(line.text)) >= 1:
        return DocumentKind.WRITTEN_CONSULTATION, None
    starts, _ = find_question_starts(lines)
    if len(starts) >= _MIN_QUESTIONS or (starts and _QA_TITLE.search(text[:2000])):
        return DocumentKind.QA_LIST, None
    if _QA_TITLE.search(text[:2000]):
        return (
            DocumentKind.PROSE,
            "titled as a list of questions, but no numbered questions were found; indexed as prose",
        )
    if _looks_like_prose(text):
        return DocumentKind.PROSE, None
    return DocumentKind.PROSE, "document kind could not be told from its content; indexed as prose"


def detect_kind(text: str) -> DocumentKind:
    """The kind of document `text` is; unknown layouts count as prose."""
    return classify(text)[0]
