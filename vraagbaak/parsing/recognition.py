"""Whether a document's Q&A layout was recognised: said on the document, counted by its callers.

A document that reads as questions and answers (titled as a list of
questions, headed as answers to questions, or printing "Vraag N" labels) but
gives no numbered question is indexed as prose, so its text stays
searchable. It then carries a warning with `LAYOUT_NOT_RECOGNISED`, so that
`vraagbaak parse`, `vraagbaak index` and sync can say how many such documents
there were: an older layout shows up as a number, not as silently worse
search.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)

LAYOUT_NOT_RECOGNISED = "Q&A layout not recognised"
"""The words every warning about an unrecognised Q&A layout contains."""

_HEAD_CHARS = 4000
_QA_HEAD = re.compile(
    r"Lijst van vragen en antwoorden"
    r"|[Bb]eantwoording (?:van )?(?:de )?(?:schriftelijke |mondelinge |kamer)?vragen"
    r"|\bAntwoord(?:en)? (?:\S{1,40} ){0,4}?op (?:de )?(?:schriftelijke |mondelinge |kamer)?vragen"
    r"|Aanhangsel van de Handelingen"
    r"|\b(?:Antwoord|Mededeling) van (?:de )?(?:[Mm]inister|[Ss]taatssecretaris)"
    r"|Vragen (?:van|gesteld door) (?:het lid|de leden|lid)\b"
)
_QUESTION_LABEL = re.compile(r"\bVraag \d{1,3}[:.]? {1,3}[A-Z]")
_MIN_LABELS = 2


def layout_warning(why: str) -> str:
    """The warning for a document indexed as prose although it reads as questions and answers."""
    return f"{LAYOUT_NOT_RECOGNISED} ({why}); indexed as prose"


def qa_signs(text: str) -> str | None:
    """Why `text` reads as a Q&A document, or None: its head, or question labels in it."""
    if _QA_HEAD.search(text[:_HEAD_CHARS]):
        return "headed as questions or answers to them, but no numbered question was found"
    labels = _QUESTION_LABEL.finditer(text)
    if sum(1 for _ in zip(labels, range(_MIN_LABELS), strict=False)) >= _MIN_LABELS:
        return "it prints question labels, but no numbered question was found"
    return None


def layout_not_recognised(parsed: ParsedDocument) -> bool:
    """Whether the parser said of this document that its Q&A layout was not recognised."""
    return any(LAYOUT_NOT_RECOGNISED in warning for warning in parsed.document.warnings)


def count_layout_not_recognised(parsed: Iterable[ParsedDocument]) -> int:
    """How many of these documents had a Q&A layout the parser did not recognise."""
    return sum(layout_not_recognised(document) for document in parsed)
