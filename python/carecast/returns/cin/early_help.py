"""Early help from a council's own records: no statutory return holds it, so carecast reads a
simple CSV, of episodes or of monthly counts, and measures starts, open cases and durations.

- **Episodes**: one row per early help episode, columns ``family`` (or ``child``: the id of the
  family or of its index child), ``start``, ``end`` (blank while open), ``age`` (of the index
  child at the start, 0-17) or ``dob`` (the index child's date of birth), and optionally
  ``locality``.
- **Monthly counts**: columns ``month`` (``YYYY-MM``), ``starts`` (episodes started in the
  month), optionally ``open`` (families open at the end of the month) and ``locality``.

The kind is recognised by the columns. Dates are day first (``dd/mm/YYYY``) or ISO.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..._errors import ReturnsError
from .._dates import whole_years
from .._report import Problem
from ..estimate import DAYS_PER_YEAR, Window, with_posterior
from ..position import AGE_BANDS, age_band
from ..read import DATE_FORMATS_ALLOWED, as_date, parse_dates


@dataclass
class EarlyHelp:
    """Early help read from a CSV: ``episodes`` (``family``, ``start``, ``end``, ``age``,
    ``locality``, ``ROW``) or ``counts`` (``month`` as a period, ``starts``, ``open``,
    ``locality``, ``ROW``); the other is empty. ``kind`` says which."""

    kind: str
    episodes: pd.DataFrame
    counts: pd.DataFrame
    file: str
    problems: list[Problem] = field(default_factory=list)

    def report(self) -> str:
        """What was read, and the problems."""
        if self.kind == "episodes":
            head = (f"Read {self.file}: {len(self.episodes):,} early help episodes of "
                    f"{self.episodes['family'].nunique():,} families")  # fmt: skip
            if len(self.episodes):
                head += f", starting {self.episodes['start'].min().date()} to {self.episodes['start'].max().date()}"
        else:
            head = f"Read {self.file}: monthly early help counts for {self.counts['month'].nunique():,} months"
        lines = [head + ".", f"Problems: {len(self.problems)}."] + [f"  {p}" for p in self.problems[:50]]
        return "\n".join(lines)


def _error(path: Path, row: int, column: str, value: object, message: str) -> ReturnsError:
    return ReturnsError(f"{path}, row {row}, column {column}: {value!r} {message}", file=str(path), row=row,
                        column=column, value=None if value is None else str(value))  # fmt: skip


def read_early_help(path: str | Path) -> EarlyHelp:
    """Read an early help CSV (see the module's documentation).

    A file that cannot be used (unreadable, neither kind's columns, a count that is not a whole
    number, a month that is not ``YYYY-MM``) raises `carecast.ReturnsError` naming the file, row,
    column and value. A row that cannot be used (no id, a start that is not a date, no age or
    date of birth, an age outside 0-17) is left out and listed as an error in ``problems``; an
    end that is not a date, or before the start, is taken as blank (a warning).
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ReturnsError(f"{path}: cannot read the early help file: {e}", file=str(path)) from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    table = table.apply(lambda column: column.str.strip()).replace("", None)
    table["ROW"] = range(2, len(table) + 2)
    problems: list[Problem] = []
    have = set(table.columns)
    if {"month", "starts"} <= have:
        return EarlyHelp("counts", _empty_episodes(), _counts(path, table), str(path), problems)
    ids = "family" if "family" in have else "child" if "child" in have else None
    if ids is None or "start" not in have or not ({"age", "dob"} & have):
        raise ReturnsError(f"{path}: not an early help file carecast recognises (its columns: "
                           f"{', '.join(c for c in table.columns if c != 'ROW') or 'none'}); expected episodes "
                           "(family or child, start, end, age or dob, and optionally locality) or monthly counts "
                           "(month, starts, and optionally open, locality)", file=str(path))  # fmt: skip
    return EarlyHelp("episodes", _episodes(path, table, ids, problems), _empty_counts(), str(path), problems)


def _empty_episodes() -> pd.DataFrame:
    return pd.DataFrame({"family": pd.Series(dtype=object), "start": pd.Series(dtype="datetime64[ns]"),
                         "end": pd.Series(dtype="datetime64[ns]"), "age": pd.Series(dtype=int),
                         "locality": pd.Series(dtype=object), "ROW": pd.Series(dtype=int)})  # fmt: skip


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame(columns=["month", "starts", "open", "locality", "ROW"])


def _episodes(path: Path, table: pd.DataFrame, ids: str, problems: list[Problem]) -> pd.DataFrame:
    def left_out(i: Any, column: str, value: object, message: str, severity: str = "error") -> None:
        problems.append(Problem(severity, str(path), int(table["ROW"][i]), column,
                                None if value is None else str(value), message))  # fmt: skip

    keep = pd.Series(True, index=table.index)
    for i in table.index[table[ids].isna()]:
        left_out(i, ids, None, "no id; row left out")
        keep[i] = False
    start, bad = parse_dates(table["start"])
    for i in cast(list[Any], bad):
        left_out(i, "start", table["start"][i], f"not a date (allowed: {DATE_FORMATS_ALLOWED}); row left out")
    for i in table.index[start.isna() & ~table.index.isin(bad)]:
        left_out(i, "start", None, "blank; row left out")
    keep &= start.notna()
    end, bad_end = parse_dates(table["end"]) if "end" in table.columns else (pd.Series(pd.NaT, index=table.index), [])
    for i in cast(list[Any], bad_end):
        left_out(i, "end", table["end"][i], f"not a date (allowed: {DATE_FORMATS_ALLOWED}); taken as blank "
                 "(open)", "warning")  # fmt: skip
    before = end.notna() & start.notna() & (end < start)
    for i in table.index[before]:
        left_out(i, "end", table.loc[i, "end"], "before the start; taken as blank (open)", "warning")
    end = end.where(~before)
    if "age" in table.columns:
        age = pd.to_numeric(table["age"], errors="coerce")
        wrong = ~(age.isin(range(18)))
        for i in table.index[wrong & keep]:
            left_out(i, "age", table.loc[i, "age"], "not an age from 0 to 17; row left out")
    else:
        dob = parse_dates(table["dob"])[0]
        age = pd.Series([whole_years(d.date(), s.date()) if pd.notna(d) and pd.notna(s) else np.nan
                         for d, s in zip(dob, start, strict=True)], index=table.index)  # fmt: skip
        wrong = ~(age.isin(range(18)))
        for i in table.index[wrong & keep]:
            left_out(i, "dob", table.loc[i, "dob"], "not a date of birth giving an age from 0 to 17 at the start; "
                     "row left out")  # fmt: skip
    keep &= ~wrong
    frame = pd.DataFrame({"family": table[ids], "start": start, "end": end, "age": age,
                          "locality": table["locality"] if "locality" in table.columns else None,
                          "ROW": table["ROW"]})[keep]  # fmt: skip
    return frame.astype({"age": int}).reset_index(drop=True)


def _counts(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    months = []
    for i, value in zip(table["ROW"], table["month"], strict=True):
        try:
            months.append(pd.Period(str(value), freq="M"))
            if not str(value)[:4].isdigit():
                raise ValueError
        except (ValueError, TypeError):
            raise _error(path, i, "month", value, "is not a month (allowed: YYYY-MM)") from None
    out = pd.DataFrame({"month": months, "ROW": table["ROW"].to_numpy()})
    for column in ("starts", "open"):
        if column not in table.columns:
            out[column] = np.nan
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        for i, raw, number in zip(table["ROW"], table[column], values, strict=True):
            if raw is not None and not (number >= 0 and float(number).is_integer()):
                raise _error(path, i, column, raw, "is not a number of families (a whole number, 0 or more)")
        out[column] = values.to_numpy()
    out["locality"] = table["locality"].to_numpy() if "locality" in table.columns else None
    keys = ["month", "locality"]
    repeated = out.duplicated(subset=keys)
    if repeated.any():
        first = out[repeated].iloc[0]
        raise _error(path, int(first["ROW"]), "month", str(first["month"]), "appears twice")
    return out[["month", "starts", "open", "locality", "ROW"]]


def starts(data: EarlyHelp, window: Window, by: str = "band") -> pd.DataFrame:
    """Early help episodes started in the window: by age band of the index child (``by="band"``),
    single year of age (``by="age"``), or in total (``by="total"``, the only one for monthly
    counts, which need whole months inside the window): ``starts`` and ``per_year``."""
    if data.kind == "counts":
        if by != "total":
            raise ReturnsError(f"by: got {by!r}; monthly early help counts have no ages: use by='total'",
                               value=repr(by))  # fmt: skip
        months = data.counts["month"]
        first = months.map(lambda m: m.start_time)
        inside = (first >= window.start) & (months.map(lambda m: m.end_time) < window.end)
        total = float(data.counts.loc[inside, "starts"].sum())
        return pd.DataFrame({"starts": [total], "per_year": [total / window.years]})
    e = data.episodes[(data.episodes["start"] >= window.start) & (data.episodes["start"] < window.end)]
    if by == "total":
        return pd.DataFrame({"starts": [len(e)], "per_year": [len(e) / window.years]})
    column = "age" if by == "age" else "age_band"
    groups: list[object] = list(range(18)) if by == "age" else [label for label, _ in AGE_BANDS]
    keys = e["age"].tolist() if by == "age" else [age_band(int(a)) for a in e["age"]]
    counts = pd.Series(keys, dtype=object).value_counts().reindex(groups, fill_value=0)
    frame = pd.DataFrame({column: groups, "starts": counts.to_numpy(int)})
    frame["per_year"] = frame["starts"] / window.years
    return frame


def open_on(data: EarlyHelp, days: Iterable[dt.date | str]) -> pd.DataFrame:
    """Families in early help at the end of each of ``days`` (started on or before it and not
    ended on or before it): ``date``, ``families``. From monthly counts, ``open`` of the month
    whose last day it is (a day that is not a month end is refused)."""
    rows = []
    for value in days:
        day = as_date(value, "date")
        if data.kind == "counts":
            if day != (day + pd.offsets.MonthEnd(0)):
                raise ReturnsError(f"date {day.date()}: monthly counts give the open families at month ends only",
                                   value=str(day.date()))  # fmt: skip
            found = data.counts[data.counts["month"] == pd.Period(day, freq="M")]["open"]
            rows.append({"date": day, "families": float(found.sum()) if found.notna().any() else np.nan})
            continue
        e = data.episodes
        on = (e["start"] <= day) & (e["end"].isna() | (e["end"] > day))
        rows.append({"date": day, "families": int(e.loc[on, "family"].nunique())})
    return pd.DataFrame(rows, columns=["date", "families"])


def durations(data: EarlyHelp, window: Window, until: dt.date | str | None = None) -> pd.DataFrame:
    """How long early help lasts, from episodes: ``closed`` (episodes ending in the window),
    ``mean_months`` (their mean length in months of 365.25 / 12 days: biased short, since long
    episodes are less likely to end in a window), and ``events`` (closures), ``exposure_years``
    (family-years open in the window) and the closure rate with its posterior (see
    `carecast.returns.estimate.with_posterior`): ``12 / rate`` is the mean length in months the
    model's ``mean_duration_months`` wants, without that bias. Open episodes count as open
    until ``until`` (default: the latest start or end in the file)."""
    if data.kind != "episodes":
        raise ReturnsError("durations need early help episodes, not monthly counts")
    e = data.episodes
    last = as_date(until, "until") if until is not None else max(e["start"].max(), e["end"].max())
    stop = e["end"].fillna(last + pd.Timedelta(days=1))
    ended = e[e["end"].notna() & (e["end"] >= window.start) & (e["end"] < window.end)]
    lengths = (ended["end"] - ended["start"]).dt.days / (DAYS_PER_YEAR / 12)
    opened = e["start"].where(e["start"] > window.start, window.start)
    closed = stop.where(stop < window.end, window.end)
    exposure = (closed - opened).dt.days.clip(lower=0).sum()
    frame = pd.DataFrame({"closed": [len(ended)], "mean_months": [float(lengths.mean()) if len(ended) else np.nan],
                          "events": [len(ended)], "exposure_years": [exposure / DAYS_PER_YEAR]})  # fmt: skip
    return with_posterior(frame)
