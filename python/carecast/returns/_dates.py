"""Ages and durations in whole years and months, as the returns' rules count them. (The
synthetic generator keeps its own copies: a test's truth should not share the code it tests.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd


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


# The same counts for many dates at once (columns of a table), exactly as the functions above.
Days = pd.Series | pd.DatetimeIndex | pd.Timestamp


def _parts(days: Days) -> tuple[Any, Any, Any]:
    """Year, month and day: numbers for one date, integer arrays for many (none missing)."""
    if isinstance(days, pd.Timestamp):
        return days.year, days.month, days.day
    index = pd.DatetimeIndex(days)
    return index.year.to_numpy(np.int64), index.month.to_numpy(np.int64), index.day.to_numpy(np.int64)


def whole_years_of(start: Days, end: Days) -> npt.NDArray[np.int64]:
    """`whole_years` element by element (dates in ``start`` and ``end``, none missing)."""
    (y0, m0, d0), (y1, m1, d1) = _parts(start), _parts(end)
    before = (m1 < m0) | ((m1 == m0) & (d1 < d0))
    return np.asarray(y1 - y0 - before, dtype=np.int64)


def whole_months_of(start: Days, end: Days) -> npt.NDArray[np.int64]:
    """`whole_months` element by element (dates in ``start`` and ``end``, none missing)."""
    (y0, m0, d0), (y1, m1, d1) = _parts(start), _parts(end)
    return np.asarray((y1 - y0) * 12 + m1 - m0 - (d1 < d0), dtype=np.int64)
