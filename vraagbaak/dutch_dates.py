"""Dutch month names: read in document heads ("30 januari 2026") and written in citations."""

from __future__ import annotations

import datetime
import re

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


_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)


def find_dutch_dates(text: str) -> list[datetime.date]:
    """Every "7 juni 2024" in `text`, in order; impossible dates ("31 februari") are left out."""
    found: list[datetime.date] = []
    for day, month, year in _DATE.findall(text):
        try:
            found.append(datetime.date(int(year), MONTH_NUMBERS[month.lower()], int(day)))
        except ValueError:
            continue
    return found
