"""Telling a document's kind from its content, never from its file name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vraagbaak.parsing.answers import Segment, has_answer_labels, segment
from vraagbaak.parsing.canonical import canonical_form
from vraagbaak.parsing.consultation import ANSWER_MARKER
from vraagbaak.parsing.labels import LabelKind
from vraagbaak.parsing.lines import Line, split_lines
from vraagbaak.parsing.qa_list import find_question_starts
from vraagbaak.parsing.recognition import layout_warning
from vraagbaak.units import DocumentKind

_QA_TITLE = re.compile(r"\bLijst van vragen en antwoorden\b", re.IGNORECASE)
_MIN_QUESTIONS = 3
_SENTENCE = re.compile(r"[a-zà-ÿ]{2,}[.!?](?:\s|$)")
_MIN_SENTENCES = 2
_MIN_LETTER_SHARE = 0.5
_SAMPLE_CHARS = 20_000  # the head tells prose from noise; counting a whole report adds nothing
_HEAD_CHARS = 4000
# "Mededeling van Minister …" where an answer would say "Antwoord van": the answer comes later, or elsewhere.
_POSTPONEMENT = re.compile(
    r"\bMededeling van\b|\bMededeling\b[\s\S]{0,1500}?(?:uitstel|niet binnen de (?:gebruikelijke )?termijn)",
    re.IGNORECASE,
)
_ASKED_HEAD = re.compile(r"Vragen van (?:het lid|de leden|lid)\b|Vragen gesteld door de leden|schriftelijke vragen")
_ANSWER_HEAD = re.compile(
    r"Antwoord van\b|\bAntwoorden\b|[Bb]eantwoording|Aanhangsel van de Handelingen|gegeven antwoorden"
)
_MINISTER_ANSWER = re.compile(r"Antwoord van\b|Aanhangsel|\bAH \d{1,4}\b")
_REAL_QUESTION_SHARE = 0.6
_QUESTION_LOOKAHEAD = 6


@dataclass(frozen=True)
class Detection:
    """A document's kind, and for labelled question documents the canonical text to parse."""

    kind: DocumentKind
    warning: str | None = None
    labelled_text: str | None = None  # set when the "Vraag N / Antwoord N" builder takes the document
    answers_expected: bool = False
    repairs: tuple[str, ...] = ()  # numbering repaired while the labels were put back (a flattened letter)


def _questions_look_real(segments: list[Segment]) -> bool:
    """Most labelled questions reach a question mark soon: labels, not numbered sections."""
    questions = [s for s in segments if s.numbers and s.kind is LabelKind.QUESTION]
    if not questions:
        return False
    real = sum(any("?" in line.text for line in s.lines[:_QUESTION_LOOKAHEAD]) for s in questions)
    return real / len(questions) >= _REAL_QUESTION_SHARE


def _answer_letter(head: str) -> bool:
    """Headed as answers, by no member who asked: a letter answering a committee's questions."""
    return bool(_ANSWER_HEAD.search(head)) and not _ASKED_HEAD.search(head[:1500])


def _committee_letter(head: str) -> bool:
    """An answer letter that is no minister's answer in the Aanhangsel ("Antwoord van minister …")."""
    return _answer_letter(head) and not _MINISTER_ANSWER.search(head)


def _detect_labelled(text: str) -> Detection | None:
    """Answers to schriftelijke vragen, question documents, postponement notices, and answer
    letters with "Vraag N" and unlabelled answers."""
    head = text[:_HEAD_CHARS]
    canonical = canonical_form(text)
    _, segments = segment(split_lines(canonical.text))
    postponed = bool(_POSTPONEMENT.search(head)) and not has_answer_labels(segments)
    if postponed:
        return Detection(DocumentKind.POSTPONEMENT, labelled_text=canonical.text)
    if not segments or not _questions_look_real(segments):
        return None
    repairs = tuple(canonical.repairs)
    if has_answer_labels(segments):
        # Bare "Antwoord" labels under an answer heading: an answer letter to a committee, not an Aanhangsel.
        bare = not any(s.numbers for s in segments if s.kind is LabelKind.ANSWER)
        kind = DocumentKind.QA_LIST if bare and _committee_letter(head) else DocumentKind.WRITTEN_ANSWERS
        return Detection(kind, labelled_text=canonical.text, answers_expected=True, repairs=repairs)
    if _answer_letter(head):
        # An answer letter that prints each question and answers it without a label (Algemene Rekenkamer).
        return Detection(DocumentKind.QA_LIST, labelled_text=canonical.text, answers_expected=True, repairs=repairs)
    if _ASKED_HEAD.search(head):
        return Detection(DocumentKind.WRITTEN_QUESTIONS, labelled_text=canonical.text, repairs=repairs)
    return None


def _looks_like_prose(text: str) -> bool:
    text = text[:_SAMPLE_CHARS]
    letters = sum(c.isalpha() for c in text)
    visible = sum(not c.isspace() for c in text) or 1
    return letters / visible >= _MIN_LETTER_SHARE and len(_SENTENCE.findall(text)) >= _MIN_SENTENCES


def detect(text: str) -> Detection:
    """The document kind, how to parse it, and a warning when it had to fall back to prose."""
    lines = split_lines(text)
    if sum(1 for line in lines if ANSWER_MARKER.match(line.text)) >= 1:
        return Detection(DocumentKind.WRITTEN_CONSULTATION)
    if labelled := _detect_labelled(text):
        return labelled
    kind, warning = _classify_unlabelled(text, lines)
    return Detection(kind, warning)


def classify(text: str) -> tuple[DocumentKind, str | None]:
    """The document kind, and a warning when it had to fall back to prose."""
    detection = detect(text)
    return detection.kind, detection.warning


def _classify_unlabelled(text: str, lines: list[Line]) -> tuple[DocumentKind, str | None]:
    starts, _ = find_question_starts(lines)
    if len(starts) >= _MIN_QUESTIONS or (starts and _QA_TITLE.search(text[:2000])):
        return DocumentKind.QA_LIST, None
    if _QA_TITLE.search(text[:2000]):
        return (
            DocumentKind.PROSE,
            layout_warning("titled as a list of questions, but no numbered questions were found"),
        )
    if _looks_like_prose(text):
        return DocumentKind.PROSE, None
    return DocumentKind.PROSE, "document kind could not be told from its content; indexed as prose"


def detect_kind(text: str) -> DocumentKind:
    """The kind of document `text` is; unknown layouts count as prose."""
    return classify(text)[0]
