"""Hostile text of ~2 MB parses at all: a hang guard, not a speed test.

Each shape once made parsing superlinear (a 2.4 MB upload did not finish in a
minute). The guard is generous; `vraagbaak bench --sections parse` measures
the speed.
"""

from __future__ import annotations

import random

import pytest

from tests.conftest import SEEDS
from tests.deadlines import time_limit
from vraagbaak.eval.bench.parse_speed import HOSTILE_SHAPES, Corpus, generate
from vraagbaak.parsing import parse_text
from vraagbaak.units import DocumentKind, ParsedDocument

_SIZE = 2_000_000
_GUARD_S = 120  # a hang guard: a superlinear step takes far longer at 2 MB; a busy CI machine does not


@pytest.mark.slow
@pytest.mark.parametrize("shape", HOSTILE_SHAPES)
def test_hostile_text_of_two_megabytes_parses(shape: str) -> None:
    text = generate(shape, _SIZE, Corpus(SEEDS))
    with time_limit(_GUARD_S):
        parsed = parse_text(text, f"hostile-{shape}")
    assert isinstance(parsed, ParsedDocument)
    assert parsed.document.doc_id == f"hostile-{shape}"


# One-line paragraphs of 2 MB for the paths of flattened letters (`parsing.flattened`, `parsing.running_headers`):
# a scanned letter's structure repeated, and its pieces strewn at random where each pattern could backtrack.
_WORDS = ("de", "het", "een", "van", "en", "in", "op", "te", "voor", "met", "aan", "begroting", "kosten", "risico")
_HEADER = (
    ".., Antwoorden Algemene Rekenkamer op vragen over het rapport Onderhoud (Tweede Kamer, vergaderjaar 20 12-13)"
)
_PIECES = (
    "Vraag 1 ", "Vraag ", "Vraag 2 1 ", "Vraag l2 (pagina ", "(pagina 3) ", "Antwoord ", "Antwoord: ",
    "Antwoord 3 en 4 ", "? ", "?" + " " * 40, "1/2 ", "3/99 ", " 1 De ", "vragen1 ", "20092 ", "Vraag 7. Dit ",
    " " * 200, ".., ", "•r ",
    "Vraag 4, 5, 6, 7, 8, 9, 10 ", "Zo ja? ", "1234567890" * 20, _HEADER + " ", "Vraaq 9 (pagina 9) ",
)  # fmt: skip


def _sentence(rng: random.Random, end: str) -> str:
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 16)))
    return words.capitalize() + end


def _scanned_letter(size: int, rng: random.Random, *, labelled: bool) -> str:
    """A cover, then questions 1-999 over 99 pages, headers and page numbers inline, some labels lost."""
    parts = ["Algemene Rekenkamer BETREFT Beantwoording vragen Tweede Kamer Geachte mevrouw, hierbij de antwoorden."]
    total, n = 0, 0
    while total < size:
        n = n % 999 + 1
        label = f"Vraag {n} (pagina {n % 40 + 1})" if rng.random() > 0.02 else rng.choice(("Vraaq", ""))
        answer = " ".join(_sentence(rng, ".") for _ in range(rng.randint(1, 6)))
        block = f"{label} {_sentence(rng, '?')} {'Antwoord ' if labelled else ''}{answer} "
        if n % 10 == 0:
            block += f"{_HEADER} {_sentence(rng, '.')} {n // 10 % 99 + 1}/99 "
        parts.append(block)
        total += len(block)
    return " ".join(parts)[:size]


def _strewn(size: int, rng: random.Random) -> str:
    parts, total = [], 0
    while total < size:
        piece = rng.choice(_PIECES)
        parts.append(piece)
        total += len(piece)
    return "".join(parts)[:size]


FLATTENED_SHAPES = {
    "scanned_letter": lambda size, rng: _scanned_letter(size, rng, labelled=True),
    "scanned_letter_unlabelled": lambda size, rng: _scanned_letter(size, rng, labelled=False),
    "scanned_pieces_strewn": _strewn,
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(FLATTENED_SHAPES))
def test_a_flattened_letter_of_two_megabytes_on_one_line_parses(shape: str) -> None:
    text = FLATTENED_SHAPES[shape](_SIZE, random.Random(0))
    assert "\n" not in text and len(text) == _SIZE
    with time_limit(_GUARD_S):
        parsed = parse_text(text, f"flattened-{shape}")
    assert parsed.document.doc_id == f"flattened-{shape}"
    if shape != "scanned_pieces_strewn":
        assert parsed.document.kind is DocumentKind.QA_LIST
        assert len([unit for unit in parsed.units if unit.answered]) >= 900
