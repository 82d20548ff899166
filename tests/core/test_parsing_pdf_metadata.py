"""What a PDF's removed page furniture still tells about the document."""

from __future__ import annotations

from pathlib import Path

from tests.core.test_readers_pdf import build_pdf, page_content
from vraagbaak.parsing import parse_document


def test_a_kamerstuk_named_only_in_pdf_footers_is_still_found(tmp_path: Path) -> None:
    """The reader removes the running footer; the footer's kamerstuk still reaches the document."""
    footer = "Tweede Kamer, vergaderjaar 2024-2025, 36 180, nr. 164"
    pages = [
        page_content(
            [
                (72, 760, f"Paragraaf {k}. Het beleid voor handel en ontwikkeling wordt voortgezet."),
                (72, 740, "De minister schrijft de Kamer over de uitvoering en de financiering."),
                (72, 60, f"{footer} {k}"),
            ]
        )
        for k in range(1, 4)
    ]
    path = tmp_path / "brief.pdf"
    path.write_bytes(build_pdf(pages))
    parsed = parse_document(path)
    assert footer not in " ".join(unit.answer for unit in parsed.units)
    assert (parsed.document.dossier, parsed.document.kamerstuk_nr) == ("36180", "164")
