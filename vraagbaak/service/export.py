"""A result list as CSV or Markdown, for a drafter's briefing: question, answer, citation, link.

CSV cells that a spreadsheet would run as a formula (starting with = + - @,
tab or carriage return) get a leading apostrophe, so document text can never
become a formula in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from vraagbaak.dutch_dates import format_dutch_date
from vraagbaak.retrieval.search import SearchResponse, SearchResult

CSV_TYPE = "text/csv; charset=utf-8"
MARKDOWN_TYPE = "text/markdown; charset=utf-8"
CSV_COLUMNS = ("rank", "unit_id", "question", "answer", "citation", "date", "link")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def page_link(base_url: str, result: SearchResult) -> str:
    """The drafters' page opened at this unit in its document; `base_url` from `links.public_base`
    (VRAAGBAAK_PUBLIC_URL, never a client's Host header), "" for a root-relative link."""
    return f"{base_url.rstrip('/')}/?{urlencode({'doc': result.doc_id, 'unit': result.unit_id})}"


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(response: SearchResponse, base_url: str) -> str:
    """RFC 4180 CSV with a header row, UTF-8 with a byte-order mark so Excel reads the accents."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for result in response.results:
        row = [
            str(result.rank),
            result.unit_id,
            result.question,
            result.answer,
            result.citation.formatted,
            result.document_date.isoformat() if result.document_date else "",
            page_link(base_url, result),
        ]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def to_markdown(response: SearchResponse, base_url: str) -> str:
    lines = [f"# Eerdere antwoorden op: {response.query}", ""]
    if not response.results:
        lines += ["Geen resultaten.", ""]
    for result in response.results:
        number = f"Vraag {result.number} — " if result.number is not None else ""
        lines += [f"## {result.rank}. {number}{result.citation.document_title}", ""]
        if result.document_date:
            lines += [f"Datum: {format_dutch_date(result.document_date)}", ""]
        if result.question:
            lines += ["**Vraag**", "", _quote_block(result.question), ""]
        lines += ["**Antwoord**", "", _quote_block(result.answer), ""]
        lines += [
            f"*Bron:* {result.citation.formatted}",
            "",
            f"[Bekijk in het document]({page_link(base_url, result)})",
            "",
        ]
    return "\n".join(lines)
