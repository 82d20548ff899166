"""What the choice of PDF reader rests on (docs/pdf-readers.md), on the development PDFs.

Against four other extractions (pypdfium2's own text, pdfplumber, pdfminer.six, pypdf): our reader
breaks no line after a raised footnote marker, yields no garbage glyph, keeps every document's
"Vraag k"/"Antwoord k" labels in order, and glues no more words than any of them. The full table,
with speed and memory, is a benchmark: `python -m vraagbaak.eval.bench.pdf_readers`.
"""

from __future__ import annotations

import pytest

from tests.conftest import needs_realdocs, realdocs_files
from vraagbaak.eval.bench.pdf_readers import OURS, READERS, quality

PDFS = realdocs_files("*original.pdf")

pytestmark = [pytest.mark.slow, needs_realdocs]


def test_our_pdf_reader_breaks_no_line_keeps_label_order_and_glues_least() -> None:
    results = quality(PDFS)
    ours = results[OURS]
    assert ours["broken lines"] == 0 and ours["garbage"] == 0
    assert ours["order ok"] == len(PDFS)
    assert ours["glued"] <= min(results[name]["glued"] for name in READERS)
