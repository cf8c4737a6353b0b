"""Ages and durations in whole years and months, as the returns' rules count them. (The
synthetic generator keeps its own copies: a test's truth should not share the code it tests.)"""

from __future__ import annotations

import datetime as dt


def whole_years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` (an age on ``end`` for a birth on ``start``)."""
    return int(end.year - start.year - ((end.month, end.day) < (start.month, start.day)))


def whole_months(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start`` to ``end``."""
    return int((end.year - start.year) * 12 + end.month - start.month - (end.day < start.day))


def birthday(dob: dt.date, years: int) -> dt.date:
    """The day a child born on ``dob`` turns ``years`` (29 February birthdays fall on 1 March)."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return dt.date(dob.year + years, 3, 1)
