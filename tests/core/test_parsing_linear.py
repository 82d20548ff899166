"""Hostile text of ~2 MB parses at all: a hang guard, not a speed test.

Each shape once made parsing superlinear (a 2.4 MB upload did not finish in a
minute). The guard is generous; `vraagbaak bench --sections parse` measures
the speed.
"""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS
from tests.deadlines import time_limit
from vraagbaak.eval.bench.parse_speed import HOSTILE_SHAPES, Corpus, generate
from vraagbaak.parsing import parse_text
from vraagbaak.units import ParsedDocument

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
