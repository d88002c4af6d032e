"""Dates as Vietnamese sites print them, read day first.

``28/01/2019``, ``28-01-2019 08:30``, ``21/12/2012 | 12:00 AM``, ``Thứ hai, 05/12/2026 - 08:30``,
``ngày 27 tháng 11 năm 2015``, ``30 tháng 8, 2024`` and ISO 8601 (``2019-01-28T08:30:00+07:00``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

_FORMS = [
    # 28/01/2019, 28-01-2019, 28.01.2019: a time or a weekday around it does not matter
    re.compile(r"(?<![\d/.\-])(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)"),
    # ngày 27 tháng 11 năm 2015, 30 tháng 8, 2024, 30 tháng 8 năm 2024
    re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:,|năm)\s*(\d{4})(?!\d)", re.I),
]
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# A line that is a date and little else ("Cập nhật: 21/12/2012 | 12:00 AM"), not a sentence holding one.
_SHORT = 80


def _found(text: str):
    for form in _FORMS:
        for m in form.finditer(text):
            yield m.start(), int(m.group(3)), int(m.group(2)), int(m.group(1))
    for m in _ISO.finditer(text):
        yield m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3))


def parse_vn_date(text: str | None) -> datetime | None:
    """The first valid date in ``text`` in one of the forms above, else None."""
    if not text:
        return None
    text = unicodedata.normalize("NFC", text)
    for _, year, month, day in sorted(_found(text)):
        if 1900 <= year <= 2200:
            try:
                return datetime(year, month, day)
            except ValueError:
                continue
    return None


def date_line(text: str) -> datetime | None:
    """The date of a short line that is mostly a date (a dateline, a metadata line); None for a
    sentence that merely mentions one."""
    return parse_vn_date(text) if text and len(text) <= _SHORT else None
