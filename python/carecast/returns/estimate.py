"""Rates from cleaned SSDA903 episodes over a reference window, each with its uncertainty.

Every rate is events over exposure: entries per child of the population by single year of age;
exits by destination per child-year in care, by the child's current age band (age on each day,
not at the start of an episode) and time in care; placement moves per child-year in care;
re-entries per child-year after a return home. The 18th birthday is an exact event, never a
rate: periods of care that end on it are not exits here. Each rate carries a gamma posterior
from a Jeffreys prior (shape = events + 1/2, scale = 1 / exposure), so a scenario can carry it as
a distribution and the Monte Carlo draws it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import gamma

from .._errors import ReturnsError
from ._dates import whole_months_of, whole_years_of
from .clean import CleanReturns
from .codes import EXIT_GROUPS, PLACEMENTS
from .position import AGE_BANDS, band_indices
from .read import as_date

DAYS_PER_YEAR = 365.25
#: Time in care bands of the model: under 6 months, 6 to 24, over 24 (calendar months).
TIME_IN_CARE = (("under_6_months", 0), ("months_6_to_24", 6), ("over_24_months", 24))
#: Shape of the Jeffreys prior for a Poisson rate.
PRIOR_SHAPE = 0.5


@dataclass(frozen=True)
class Window:
    """The reference window of an estimate: from the first day to the day before ``end``."""

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def ending(cls, census: dt.date | str, months: int) -> Window:
        """The ``months`` months (1 or more) up to and including ``census`` (a date, or text as
        ``dd/mm/YYYY`` or ``YYYY-MM-DD``)."""
        if isinstance(months, bool) or not isinstance(months, int) or months < 1:
            raise ReturnsError(f"window months: got {months!r}; allowed: a whole number of months, 1 or more",
                               value=repr(months))  # fmt: skip
        end = as_date(census, "census date") + pd.Timedelta(days=1)
        return cls(end - pd.DateOffset(months=months), end)

    @property
    def years(self) -> float:
        """The window's length in years (of 365.25 days)."""
        return (self.end - self.start).days / DAYS_PER_YEAR

    def check(self, returns: CleanReturns, choose: str = "a census date and window") -> None:
        """Refuse a window that the returns do not cover: rates there would be made of nothing.
        The message asks to ``choose`` what sets the window inside them."""
        first, last = pd.Timestamp(returns.data_start), pd.Timestamp(returns.data_end) + pd.Timedelta(days=1)
        if self.start < first or self.end > last:
            raise ReturnsError(
                f"the window {self.start.date()} to {(self.end - pd.Timedelta(days=1)).date()} is not inside the "
                f"returns, which cover {returns.data_start} to {returns.data_end}; choose {choose} inside them",
                value=f"{self.start.date()} to {(self.end - pd.Timedelta(days=1)).date()}",
            )


def with_posterior(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``rate`` (events per year of exposure), the gamma posterior's ``shape`` and
    ``scale``, and its 90% interval ``low``, ``high``."""

    frame = frame.copy()
    exposure = frame["exposure_years"].to_numpy(float)
    events = frame["events"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["rate"] = np.where(exposure > 0, events / exposure, np.nan)
        frame["shape"] = events + PRIOR_SHAPE
        frame["scale"] = np.where(exposure > 0, 1.0 / exposure, np.nan)
    frame["low"] = gamma.ppf(0.05, frame["shape"], scale=frame["scale"])
    frame["high"] = gamma.ppf(0.95, frame["shape"], scale=frame["scale"])
    return frame


def periods(returns: CleanReturns) -> pd.DataFrame:
    """One row per period of care: ``CHILD``, ``period``, ``DOB``, ``uasc``, ``start``, ``end``
    (NaT while open), ``start_known`` (False when it began before the earliest return read),
    ``exit_group`` (``eighteen`` for the 18th birthday), ``abuse_neglect``, and
    ``reentry_within_months``: whole months since the child last returned home, for a period
    that follows a return home (NaN otherwise)."""
    e = returns.episodes.sort_values(["CHILD", "DECOM"])
    grouped = e.groupby(["CHILD", "period"], sort=False)
    first, last = grouped.head(1).reset_index(drop=True), grouped.tail(1).reset_index(drop=True)
    # (`last` of a groupby skips blanks: an open period would take an earlier episode's end.)
    table = pd.DataFrame(
        {
            "CHILD": first["CHILD"], "period": first["period"], "DOB": first["DOB"], "uasc": first["UASC"],
            "start": first["DECOM"], "end": last["DEC"], "exit_group": last["exit_group"], "need": first["CIN"],
            "start_known": first["period_start_known"],
        }
    )  # fmt: skip
    eighteen = table["DOB"] + pd.DateOffset(years=18)
    table.loc[table["end"].notna() & (table["end"] >= eighteen), "exit_group"] = "eighteen"
    table["abuse_neglect"] = table.pop("need") == "N1"
    previous_end = table.groupby("CHILD")["end"].shift()
    previous_exit = table.groupby("CHILD")["exit_group"].shift()
    home = (previous_exit == "home").to_numpy()
    reentry = np.full(len(table), np.nan)
    reentry[home] = whole_months_of(previous_end[home], table["start"][home])
    table["reentry_within_months"] = reentry
    return table


def entry_rates(
    returns: CleanReturns,
    window: Window,
    population: Sequence[float],
    reentry_months: int = 24,
    include_uasc: bool = False,
) -> pd.DataFrame:
    """Entries to care per child per year by single year of age at entry (0-17): ``events``
    (entries that are not re-entries within ``reentry_months`` of a return home: those are the
    re-entry risk of `reentry_rate`, counted in ``reentries``), ``abuse_neglect`` (of ``events``,
    those whose category of need is N1), ``exposure_years`` (the ``population`` of that age
    times the window's length) and the posterior of `with_posterior`.
    """
    window.check(returns)
    try:
        people = [float(x) for x in population]
    except (TypeError, ValueError):
        raise ReturnsError(f"population: got {population!r}; allowed: 18 numbers, children aged 0 to 17",
                           value=repr(population)) from None  # fmt: skip
    if len(people) != 18 or not all(np.isfinite(x) and x >= 0 for x in people):
        raise ReturnsError(f"population: got {len(people)} numbers; allowed: 18 numbers of children (0 or more), "
                           "aged 0 to 17", value=repr(population))  # fmt: skip
    table = periods(returns)
    if not include_uasc:
        table = table[~table["uasc"]]
    inside = table[(table["start"] >= window.start) & (table["start"] < window.end)]
    inside = inside.assign(
        age=whole_years_of(inside["DOB"], inside["start"]), reentry=inside["reentry_within_months"] < reentry_months
    )
    counts = (
        inside[~inside["reentry"]].groupby("age").agg(events=("CHILD", "size"), abuse_neglect=("abuse_neglect", "sum"))
    )
    counts["reentries"] = inside[inside["reentry"]].groupby("age").size()
    frame = pd.DataFrame({"age": range(18)}).merge(counts, left_on="age", right_index=True, how="left").fillna(0)
    frame["events"] = frame["events"].astype(int)
    frame["abuse_neglect"] = frame["abuse_neglect"].astype(int)
    frame["reentries"] = frame["reentries"].astype(int)
    frame["exposure_years"] = np.asarray(people, float) * window.years
    return with_posterior(frame)


def exit_rates(returns: CleanReturns, window: Window, include_uasc: bool = False) -> pd.DataFrame:
    """Exits from care per child-year in care by destination group, current age band and time in
    care band: ``exit_group``, ``age_band``, ``time_in_care``, ``events``, ``exposure_years``
    and the posterior of `with_posterior`. Exposure is split at every birthday that changes the
    band and at 6 and 24 months in care; the 18th birthday ends exposure and is not an exit.

    A period that began before the earliest return read has a time in care known only as a lower
    bound: its exposure and exits count only once that bound is over 24 months, where the band is
    certain."""
    window.check(returns)
    table = periods(returns)
    if not include_uasc:
        table = table[~table["uasc"]]
    exposure = np.zeros((len(AGE_BANDS), len(TIME_IN_CARE)))
    events = np.zeros((len(EXIT_GROUPS), len(AGE_BANDS), len(TIME_IN_CARE)))
    data_end = pd.Timestamp(returns.data_end) + pd.Timedelta(days=1)
    # Before 24 months in care, a period whose start is not known has no certain band.
    certain = np.where(table["start_known"].to_numpy(bool), 0, len(TIME_IN_CARE) - 1)
    end = table["end"].fillna(data_end)
    band, tic, days, row = _pieces_of(
        table["DOB"], table["start"], _latest(table["start"], window.start), _earliest(end, window.end)
    )
    counted = tic >= certain[row]
    # Added one piece at a time in order (unbuffered), so the sums are those of a plain loop.
    np.add.at(exposure, (band[counted], tic[counted]), days[counted] / DAYS_PER_YEAR)
    ended = (
        table["end"].notna() & (table["end"] >= window.start) & (table["end"] < window.end)
        & table["exit_group"].isin(EXIT_GROUPS)
    ).to_numpy()  # fmt: skip
    exits = table[ended]
    band = band_indices(whole_years_of(exits["DOB"], exits["end"]))
    tic = _tic_indices(whole_months_of(exits["start"], exits["end"]))
    group = exits["exit_group"].map({g: i for i, g in enumerate(EXIT_GROUPS)}).to_numpy(np.int64)
    counted = tic >= certain[ended]
    np.add.at(events, (group[counted], band[counted], tic[counted]), 1)
    rows = [
        {"exit_group": g, "age_band": AGE_BANDS[b][0], "time_in_care": TIME_IN_CARE[t][0],
         "events": int(events[i, b, t]), "exposure_years": exposure[b, t]}
        for i, g in enumerate(EXIT_GROUPS) for b in range(len(AGE_BANDS)) for t in range(len(TIME_IN_CARE))
    ]  # fmt: skip
    return with_posterior(pd.DataFrame(rows))


#: The destinations of the scenario's exit table (``hazards.looked_after.exits``) and the exit
#: groups of `exit_rates` that go in each: the engine treats independent living like any other
#: exit (the child leaves the model), so it joins ``other``.
EXIT_TABLE_GROUPS: dict[str, tuple[str, ...]] = {
    "home": ("home",),
    "adoption": ("adoption",),
    "special_guardianship": ("special_guardianship",),
    "other": ("independent_living", "other"),
}


def exit_table(rates: pd.DataFrame, uncertain: bool = True) -> dict[str, Any]:
    """The scenario's exit table ``hazards.looked_after.exits`` from `exit_rates`: for each
    destination, age band (``age_0`` ... ``age_16_17``) and time in care, the gamma posterior
    ``{"dist": "gamma", "shape": ..., "scale": ...}``, or with ``uncertain=False`` its mean.

    The groups of `EXIT_TABLE_GROUPS` are merged cell by cell: their events add over the same
    exposure, so the merged posterior has shape = their events + the prior's 1/2. A cell with no
    exposure says nothing: it gets 0. (A cell with a few days of exposure can give a rate above
    the scenario's 120 a year, which the scenario refuses: widen the window.)

    >>> frame = pd.DataFrame({"exit_group": ["home", "other", "independent_living"],
    ...     "age_band": ["0", "16-17", "16-17"], "time_in_care": ["under_6_months"] * 3,
    ...     "events": [2, 1, 3], "exposure_years": [4.0, 10.0, 10.0]})
    >>> table = exit_table(frame)
    >>> table["home"]["age_0"]["under_6_months"], table["other"]["age_16_17"]["under_6_months"]
    ({'dist': 'gamma', 'shape': 2.5, 'scale': 0.25}, {'dist': 'gamma', 'shape': 4.5, 'scale': 0.1})
    >>> exit_table(frame, uncertain=False)["other"]["age_16_17"]["under_6_months"]
    0.45
    """
    table: dict[str, Any] = {}
    for destination, groups in EXIT_TABLE_GROUPS.items():
        bands: dict[str, Any] = {}
        for label, _ in AGE_BANDS:
            cells: dict[str, Any] = {}
            for tic, _ in TIME_IN_CARE:
                at = (rates["age_band"] == label) & (rates["time_in_care"] == tic)
                exposure = float(rates.loc[at, "exposure_years"].max()) if at.any() else 0.0
                events = float(rates.loc[at & rates["exit_group"].isin(groups), "events"].sum())
                if not exposure > 0:
                    cells[tic] = 0.0
                elif uncertain:
                    cells[tic] = {"dist": "gamma", "shape": events + PRIOR_SHAPE, "scale": 1.0 / exposure}
                else:
                    cells[tic] = (events + PRIOR_SHAPE) / exposure
            bands["age_" + label.replace("-", "_")] = cells
        table[destination] = bands
    return table


def placement_mix(returns: CleanReturns, window: Window, include_uasc: bool = False) -> pd.DataFrame:
    """The placement mix of the model's two age groups (``under_10``, ``10_plus``) over the
    window: columns ``group``, ``placement``, ``entries`` (first placements of the periods of
    care that began in the window, by age at entry), ``moves_to`` and ``moves_from`` (changes
    of placement type in the window, by age at the move) and ``share``.

    The model draws a placement at entry from the mix, and the new type of a placement move
    from the mix without the current type, so both say what the mix is: ``share`` is the
    maximum likelihood estimate from both (by expectation-maximisation: a move from type ``c``
    is a draw from the mix repeated while it gives ``c``, so it adds, besides its destination,
    ``share[c] / (1 - share[c])`` draws of ``c`` on average). Every group and type is listed."""
    window.check(returns)
    e = returns.episodes.sort_values(["CHILD", "DECOM"])
    if not include_uasc:
        e = e[~e["UASC"]]
    inside = (e["DECOM"] >= window.start) & (e["DECOM"] < window.end)
    ages = np.asarray(whole_years_of(e["DOB"], e["DECOM"]), dtype=int)
    group = pd.Series(np.where(ages < 10, "under_10", "10_plus"), index=e.index)
    previous = e.groupby(["CHILD", "period"])["placement"].shift()
    first = previous.isna() & ~e.duplicated(["CHILD", "period"]) & inside
    moved = previous.notna() & (previous != e["placement"]) & inside
    rows = []
    for g in ("under_10", "10_plus"):
        mine = group == g
        entries = e.loc[first & mine, "placement"].value_counts().reindex(PLACEMENTS, fill_value=0)
        to = e.loc[moved & mine, "placement"].value_counts().reindex(PLACEMENTS, fill_value=0)
        away = previous[moved & mine].value_counts().reindex(PLACEMENTS, fill_value=0)
        direct = (entries + to).to_numpy(float)
        share = direct / direct.sum() if direct.sum() > 0 else np.full(len(PLACEMENTS), np.nan)
        for _ in range(200):
            if not np.isfinite(share).all():
                break
            with np.errstate(divide="ignore", invalid="ignore"):
                rejected = np.where(share < 1, away.to_numpy(float) * share / (1 - share), 0.0)
            updated = (direct + rejected) / (direct + rejected).sum()
            done = np.abs(updated - share).max() < 1e-12
            share = updated
            if done:
                break
        rows += [{"group": g, "placement": p, "entries": int(entries[p]), "moves_to": int(to[p]),
                  "moves_from": int(away[p]), "share": float(share[k])} for k, p in enumerate(PLACEMENTS)]  # fmt: skip
    return pd.DataFrame(rows)


def placement_move_rate(returns: CleanReturns, window: Window, include_uasc: bool = False) -> pd.DataFrame:
    """Changes of placement type (the model's types) per child-year in care, one row."""
    window.check(returns)
    e = returns.episodes.sort_values(["CHILD", "DECOM"])
    if not include_uasc:
        e = e[~e["UASC"]]
    previous = e.groupby(["CHILD", "period"])["placement"].shift()
    moved = previous.notna() & (previous != e["placement"]) & (e["DECOM"] >= window.start) & (e["DECOM"] < window.end)
    data_end = pd.Timestamp(returns.data_end) + pd.Timedelta(days=1)
    ends = e["DEC"].fillna(data_end).where(lambda d: d < window.end, window.end)
    starts = e["DECOM"].where(lambda d: d > window.start, window.start)
    days = (ends - starts).dt.days.clip(lower=0).sum()
    return with_posterior(pd.DataFrame({"events": [int(moved.sum())], "exposure_years": [days / DAYS_PER_YEAR]}))


def reentry_rate(
    returns: CleanReturns, window: Window, within_months: int = 24, include_uasc: bool = False
) -> pd.DataFrame:
    """Re-entries to care per child-year at home in the ``within_months`` after a return home
    (exit group ``home``), one row; time at home is counted until re-entry, the 18th birthday,
    ``within_months`` after the return, or the end of the window."""
    window.check(returns)
    table = periods(returns)
    if not include_uasc:
        table = table[~table["uasc"]]
    table = table.sort_values(["CHILD", "period"])
    following = table.groupby("CHILD")["start"].shift(-1)
    data_end = pd.Timestamp(returns.data_end) + pd.Timedelta(days=1)
    went_home = (table["exit_group"] == "home").to_numpy()
    rows, back = table[went_home], following[went_home]
    home = rows["end"] + pd.Timedelta(days=1)
    limit = _earliest(home + pd.DateOffset(months=within_months), rows["DOB"] + pd.DateOffset(years=18), data_end)
    stop = _earliest(back.fillna(limit), limit)
    days = int((_earliest(stop, window.end) - _latest(home, window.start)).dt.days.clip(lower=0).sum())
    events = int((back.notna() & (back < limit) & (back >= window.start) & (back < window.end)).sum())
    return with_posterior(pd.DataFrame({"events": [events], "exposure_years": [days / DAYS_PER_YEAR]}))


def entry_trend(returns: CleanReturns, window: Window, include_uasc: bool = False) -> tuple[float, float]:
    """Growth of entries a year over the window, and its standard error: a Poisson log-linear
    fit of monthly entries on time (iteratively reweighted least squares)."""
    window.check(returns)
    table = periods(returns)
    if not include_uasc:
        table = table[~table["uasc"]]
    months = pd.period_range(window.start, window.end - pd.Timedelta(days=1), freq="M")
    counts = table["start"].dt.to_period("M").value_counts().reindex(months, fill_value=0).to_numpy(float)
    t = (np.arange(len(months)) - (len(months) - 1) / 2) / 12.0
    x = np.column_stack([np.ones_like(t), t])
    beta = np.array([np.log(max(counts.mean(), 1e-9)), 0.0])
    for _ in range(50):
        mu = np.exp(x @ beta)
        step = np.linalg.solve(x.T @ (mu[:, None] * x), x.T @ (counts - mu))
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    cov = np.linalg.inv(x.T @ (np.exp(x @ beta)[:, None] * x))
    growth = float(np.expm1(beta[1]))
    return growth, float(np.exp(beta[1]) * np.sqrt(cov[1, 1]))


def _earliest(first: pd.Series, *others: pd.Series | pd.Timestamp) -> pd.Series:
    """The earliest of the dates, row by row."""
    out = first.copy()
    for other in others:
        out = out.where(out <= other, other)
    return out


def _latest(first: pd.Series, other: pd.Timestamp) -> pd.Series:
    """The later of the dates, row by row."""
    return first.where(first >= other, other)


def _ns(days: pd.Series) -> npt.NDArray[np.int64]:
    """Dates as nanoseconds since 1970, whatever the unit they are stored in."""
    return np.asarray(pd.DatetimeIndex(days).as_unit("ns").asi8, dtype=np.int64)


def _pieces_of(
    dob: pd.Series, began: pd.Series, start: pd.Series, end: pd.Series
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """The exposure from ``start`` to ``end`` of each row cut at every birthday that starts an
    age band and at 6 and 24 months since ``began``: the (age band, time in care band, days,
    row) of each piece, row by row and in order of time within a row."""
    never = np.iinfo(np.int64).max
    low, high = _ns(start), _ns(end)
    cuts = [low, high]
    cuts += [_ns(dob + pd.DateOffset(years=first_age)) for _, first_age in AGE_BANDS[1:]]
    cuts += [_ns(began + pd.DateOffset(months=months)) for _, months in TIME_IN_CARE[1:]]
    points = np.column_stack(cuts)
    points[(points < low[:, None]) | (points > high[:, None])] = never
    points.sort(axis=1)
    points[:, 1:][points[:, 1:] == points[:, :-1]] = never  # a cut met twice counts once
    points.sort(axis=1)
    left, right = points[:, :-1], points[:, 1:]
    row, piece = np.nonzero(right != never)
    first, last = left[row, piece], right[row, piece]
    at = pd.DatetimeIndex(first.astype("datetime64[ns]"))
    band = band_indices(whole_years_of(pd.DatetimeIndex(dob.iloc[row]), at))
    tic = _tic_indices(whole_months_of(pd.DatetimeIndex(began.iloc[row]), at))
    return band, tic, (last - first) // (86_400 * 10**9), row


def _tic_indices(months: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """The time in care band of each of ``months`` in care."""
    return np.searchsorted([first for _, first in TIME_IN_CARE[1:]], months, side="right")


def yearly_trend(counts: Sequence[float]) -> tuple[float, float]:
    """Growth a year of yearly ``counts`` (consecutive years) and its standard error: a Poisson
    log-linear fit of the counts on the year (iteratively reweighted least squares), as
    `entry_trend` fits monthly entries."""
    y = np.asarray(counts, dtype=float)
    if y.size < 3 or y.sum() <= 0:
        raise ValueError(f"a trend needs counts of at least three years, some above zero; got {list(y)}")
    t = np.arange(y.size) - (y.size - 1) / 2
    x = np.column_stack([np.ones_like(t), t])
    beta = np.array([np.log(max(y.mean(), 1e-9)), 0.0])
    for _ in range(50):
        mu = np.exp(x @ beta)
        step = np.linalg.solve(x.T @ (mu[:, None] * x), x.T @ (y - mu))
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    cov = np.linalg.inv(x.T @ (np.exp(x @ beta)[:, None] * x))
    return float(np.expm1(beta[1])), float(np.exp(beta[1]) * np.sqrt(cov[1, 1]))


def whole_financial_years(data_start: dt.date, data_end: dt.date) -> list[int]:
    """The financial years (by the year of their April) wholly inside ``data_start`` to
    ``data_end``."""
    first = data_start.year if data_start <= dt.date(data_start.year, 4, 1) else data_start.year + 1
    last = data_end.year - 1 if data_end >= dt.date(data_end.year, 3, 31) else data_end.year - 2
    return list(range(first, last + 1))


def by_financial_year(days: pd.Series, years: Sequence[int]) -> list[int]:
    """How many of ``days`` fall in each financial year of ``years`` (April to March)."""
    days = pd.to_datetime(days.dropna())
    fy = days.dt.year - (days.dt.month < 4).astype(int)
    counts = fy.value_counts()
    return [int(counts.get(y, 0)) for y in years]


def starts_by_year(returns: CleanReturns, include_uasc: bool = False) -> tuple[list[int], list[int]]:
    """Starts of periods of care in each whole financial year the returns cover: (years,
    counts). A period that began before the earliest return read is not counted (its start is
    not known)."""
    table = periods(returns)
    if not include_uasc:
        table = table[~table["uasc"]]
    years = whole_financial_years(returns.data_start, returns.data_end)
    return years, by_financial_year(table.loc[table["start_known"], "start"], years)
