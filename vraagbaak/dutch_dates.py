"""Dutch month names: read in document heads ("30 januari 2026") and written in citations."""

from __future__ import annotations

import datetime

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, 1)}


def format_dutch_date(value: datetime.date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
