"""Cross-references between questions ("zie het antwoord op vraag 143")."""

from __future__ import annotations

import re
from collections.abc import Collection

_REFERENCE = re.compile(r"\bvra(?:ag|gen)\s+(\d{1,3}(?:\s*(?:,|en|t/m|tot en met|-|–)\s*\d{1,3})*)", re.IGNORECASE)
_RANGE = re.compile(r"(\d{1,3})\s*(?:t/m|tot en met|-|–)\s*(\d{1,3})")


def _numbers(spec: str) -> list[int]:
    numbers: list[int] = []
    for m in _RANGE.finditer(spec):
        low, high = int(m.group(1)), int(m.group(2))
        if low < high <= low + 50:
            numbers.extend(range(low, high + 1))
    numbers.extend(int(n) for n in re.findall(r"\d{1,3}", spec))
    return numbers


def find_references(text: str, known: Collection[int], own: int | None = None) -> list[int]:
    """Question numbers `text` points to that exist in the document, in order, without `own`."""
    found: dict[int, None] = {}  # ordered and deduplicated without a scan per number
    for m in _REFERENCE.finditer(text):
        for number in _numbers(m.group(1)):
            if number in known and number != own:
                found.setdefault(number)
    return list(found)
