"""A back-test: estimate a scenario from the returns up to one date only, project it, and compare
the projection with what the returns show happened afterwards.

What is compared, year by year after ``fit_to`` (on each anniversary of ``fit_to``, which must
be the last day of a month: 31 March gives the collection years):

- ``stock``: children in care at the end of the anniversary, in total, by age band (age on that
  day) and by placement type;
- ``entries``: periods of care beginning in the year (re-entries included, on both sides);
- ``exits``: periods of care ending in the year (18th birthdays included, on both sides).
- with the CIN census (``cin=``), in each year it covers: ``referrals`` (not closed at referral;
  the model's assessments and early help step-ups), ``cin_starts``, ``cp_starts``, ``cp_stock``
  (on the anniversary) and, with early help episodes, ``early_help_starts`` (see
  `PRECARE_MEASURES`).

UASC are left out of both sides unless ``include_uasc``. The projection's figure is its mean
over the replications and its interval the 5th to 95th percentile (a 90% interval);
``inside`` says whether the observed figure lies in it, ends included. Every replication is run
on its own (``run(range(i, i + 1))``, exactly that replication of one run of them all), so that
the stock by age band of each replication is known, not only its mean.

Nothing after ``fit_to`` reaches the fit: the returns are cut at ``fit_to`` before cleaning
(`clean.cut`): returns of later collection years are not read, episodes starting later are left
out, and an episode open on ``fit_to`` is open to the fit, however it ended.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import Results, Scenario, __version__
from .._errors import ConfigError, ReturnsError
from .._outputs import DirectoryOutput
from . import build as _build
from .clean import CleanReturns
from .estimate import Window, periods
from .fit import Fitted, ReturnsLike, as_clean, fit
from .observed import stock_by
from .position import AGE_BANDS
from .precare import (
    CinLike,
    EarlyHelpLike,
    as_cin,
    as_early_help,
    censored_from,
    expected_figures,
    model_figures,
    observed_by_year,
)
from .read import as_date

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..expected import ExpectedPath
    from .cin.clean import CleanCin as CinClean
    from .cin.early_help import EarlyHelp

#: Columns of `Backtest.table`.
#: Every record fixed or dropped in cleaning, written beside the load report (`fit.fixes_frame`).
FIXES_FILE = "fixes.csv"
COLUMNS = ("measure", "year", "date", "breakdown", "group", "observed", "mean", "low", "high", "expected", "inside")
#: The interval: percentiles of the replications.
LOW, HIGH = 5, 95


@dataclass
class Backtest:
    """A projection from ``fit_to`` set against what the returns show happened.

    ``table`` has one row per figure compared (see `COLUMNS`): ``measure`` (``stock``,
    ``entries``, ``exits``; with the CIN census also those of `PRECARE_MEASURES`), ``year`` (1
    for the first year after ``fit_to``), ``date`` (the end of that year: the anniversary of
    ``fit_to``), ``breakdown`` (``total``, ``age_band``, ``placement``) and ``group``
    (``total``, a band such as ``10-15``, a placement such as ``ifa``), the ``observed``
    figure, the projection's ``mean``, ``low`` and ``high`` (its 5th and 95th percentiles) and
    ``inside`` (low <= observed <= high).
    """

    table: pd.DataFrame
    #: The scenario fitted on the returns up to ``fit_to``.
    scenario: Scenario
    #: The load report of the returns up to ``fit_to``, and what was estimated from what.
    report: str
    fit_to: dt.date
    test_to: dt.date
    replications: int
    seed: int
    #: The fit: ``fitted.built.toml()`` is the scenario with every value's source.
    fitted: Fitted

    def summary(self) -> str:
        """How many observed figures fell inside the projection's interval, by measure, and the
        worst misses (furthest outside, in widths of their interval)."""
        t = self.table
        lines = [
            f"Back-test of {self.scenario.name}: fitted on the returns up to {self.fit_to}, projected to "
            f"{self.test_to} ({self.replications} replications, seed {self.seed}).",
            f"Observed inside the projection's 90% interval (5th to 95th percentile): {int(t['inside'].sum())} of "
            f"{len(t)}.",
        ]
        for (measure, breakdown), part in t.groupby(["measure", "breakdown"], sort=False):
            what = f"{measure}, total" if breakdown == "total" else f"{measure} by {breakdown}"
            lines.append(f"  {what}: {int(part['inside'].sum())} of {len(part)}")
        misses = t[~t["inside"]].assign(by=_miss(t[~t["inside"]])).sort_values("by", ascending=False)
        if len(misses):
            lines.append("Worst misses (observed; projection mean and interval):")
            rows: Any = misses.head(5).itertuples(index=False)
            for row in rows:
                label = row.measure if row.breakdown == "total" else f"{row.measure} {row.group}"
                lines.append(f"  {label}, year {row.year} (to {row.date:%Y-%m-%d}): {row.observed:,.0f}; "
                             f"{row.mean:,.1f} ({row.low:,.0f} to {row.high:,.0f})")
        totals = t[(t["breakdown"] == "total")]
        lines.append("Totals by year (observed; projection mean and interval):")
        for row in totals.itertuples(index=False):
            mark = "" if row.inside else "  <- outside"
            expected = float(cast(Any, row.expected))
            path = "" if math.isnan(expected) else f"; expected path {expected:,.1f}"
            lines.append(f"  {row.measure:<7} {row.date:%Y-%m-%d}  {row.observed:6,.0f};  {row.mean:8,.1f} "
                         f"({row.low:,.0f} to {row.high:,.0f}){path}{mark}")
        lines += [f"Note: {line}." for line in self.fitted.attention()]
        return "\n".join(lines)

    def plot(self) -> Figure:
        """Observed figures against the projection's mean and 90% interval: the total stock,
        entries and exits year by year, then the stock by age band and by placement on each
        anniversary."""
        from matplotlib.figure import Figure

        t = self.table
        fig = Figure(figsize=(14, 9), layout="constrained")
        # Two rows of their own widths: three year-by-year panels above; below, the breakdowns
        # (placement names need the width) and the text.
        rows: Any = fig.subfigures(2, 1, height_ratios=[1, 1.15])
        top, bottom = rows
        upper = top.subplots(1, 3)
        lower = bottom.subplots(1, 3, width_ratios=[1.1, 1.4, 0.6])
        units = ("children in care", "children a year", "children a year")
        for ax, measure, unit in zip(upper, ("stock", "entries", "exits"), units, strict=True):
            part = t[(t["measure"] == measure) & (t["breakdown"] == "total")]
            ax.fill_between(part["date"], part["low"], part["high"], color="C0", alpha=0.2, linewidth=0,
                            label="projection: 90% interval")  # fmt: skip
            ax.plot(part["date"], part["mean"], color="C0", marker="o", label="projection: mean")
            ax.plot(part["date"], part["expected"], color="C1", marker="d", linestyle="--", label="expected path")
            ax.plot(part["date"], part["observed"], color="k", marker="x", linestyle="none", markersize=9,
                    label="observed")  # fmt: skip
            ax.set_title({"stock": "Children in care", "entries": "Entries to care",
                          "exits": "Exits from care"}[measure] + "\n(year to each date)" * (measure != "stock"))
            # Room at the ends for the first and last dates' labels; upright when there are many.
            ax.margins(x=0.12)
            ax.set_xticks(list(part["date"]), [f"{d:%Y-%m-%d}" for d in part["date"]],
                          rotation=90 if len(part) > 3 else 0)  # fmt: skip
            ax.set_ylabel(unit)
            ax.grid(alpha=0.3)
        upper[0].legend(loc="best", fontsize="small")
        for ax, breakdown in zip(lower[:2], ("age_band", "placement"), strict=True):
            part = t[(t["measure"] == "stock") & (t["breakdown"] == breakdown)]
            groups = list(dict.fromkeys(part["group"]))
            years = sorted(set(part["year"]))
            width = 0.8 / max(len(years), 1)
            for j, year in enumerate(years):
                rows = part[part["year"] == year].set_index("group").loc[groups]
                x = np.arange(len(groups)) - 0.4 + width * (j + 0.5)
                ax.errorbar(x, rows["mean"], yerr=[rows["mean"] - rows["low"], rows["high"] - rows["mean"]],
                            fmt="o", color=f"C{j % 10}", capsize=3, markersize=4,
                            label=f"projection, {rows['date'].iloc[0]:%Y-%m-%d}")  # fmt: skip
                ax.plot(x, rows["observed"], "kx", markersize=8, label="observed" if j == 0 else None)
            slanted = breakdown == "placement"
            ax.set_xticks(np.arange(len(groups)), [g.replace("_", " ") for g in groups], rotation=30 if slanted else 0,
                          ha="right" if slanted else "center", rotation_mode="anchor")  # fmt: skip
            ax.set_title(f"Children in care by {breakdown.replace('_', ' ')}\n(mean and 90% interval on each date)")
            ax.set_ylabel("children in care")
            ax.grid(axis="y", alpha=0.3)
            ax.legend(fontsize="x-small")
        text = lower[2]
        text.axis("off")
        inside = t["inside"]
        text.text(0.0, 1.0, f"Fitted on the returns up to {self.fit_to}\nprojected to {self.test_to}\n"
                  f"{self.replications} replications, seed {self.seed}\n\n"
                  f"observed inside the 90% interval:\n{int(inside.sum())} of {len(t)} figures",
                  va="top", fontsize="medium")  # fmt: skip
        fig.suptitle(f"Back-test: {self.scenario.name}")
        return fig

    def write(self, directory: str | os.PathLike[str], overwrite: bool = False) -> None:
        """Write ``backtest.csv`` (the table), ``backtest.png`` (the chart), ``summary.txt``,
        ``scenario.toml`` (the fitted scenario, every value commented with its source),
        ``report.txt`` (the load report), ``fixes.csv`` (every record fixed or dropped in cleaning)
        and ``run.json`` into ``directory``: a new or empty
        directory, or with ``overwrite`` an earlier carecast output holding nothing else
        (carecast._outputs); it appears whole or not at all."""
        with DirectoryOutput(directory, overwrite) as target:
            target.write(self._fill, self._manifest())

    def _fill(self, directory: str) -> None:
        self.table.to_csv(os.path.join(directory, "backtest.csv"), index=False)
        self.fitted.fixes_frame().to_csv(os.path.join(directory, FIXES_FILE), index=False)
        self.plot().savefig(os.path.join(directory, "backtest.png"), dpi=100)
        for name, text in (("summary.txt", self.summary() + "\n"), ("scenario.toml", self.fitted.built.toml()),
                           ("report.txt", self.report)):  # fmt: skip
            with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
                f.write(text)

    def _manifest(self) -> dict[str, Any]:
        return {"command": "backtest", "fit_to": str(self.fit_to), "test_to": str(self.test_to),
                "replications": self.replications, "seed": self.seed, "carecast": __version__}  # fmt: skip


def backtest(
    returns: ReturnsLike,
    fit_to: dt.date | str,
    test_to: dt.date | str,
    window_months: int = 36,
    base: str | os.PathLike[str] | Scenario | None = None,
    population: str | os.PathLike[str] | Sequence[float] | None = None,
    replications: int = 100,
    seed: int = 20150401,
    include_uasc: bool = False,
    *,
    cin: CinLike | None = None,
    early_help: EarlyHelpLike | None = None,
    **build_kwargs: Any,
) -> Backtest:
    """Fit a scenario on ``returns`` up to ``fit_to`` only, project it to ``test_to`` and compare
    with what the returns show happened: see the module's documentation and `Backtest`.

    ``returns``: a path (file or folder), several, `returns.read_returns(...)` or
    `returns.load(...)`. ``fit_to``: the last day of a month inside the returns; ``test_to``: at
    least a year later and not after the returns end (figures are compared on each anniversary
    of ``fit_to`` up to it). ``window_months``, ``base``, ``population`` and ``include_uasc`` are
    those of `carecast.Scenario.from_returns`; ``build_kwargs`` go to `build.build`. Bad dates are
    a `carecast.ReturnsError` saying what is allowed. With ``cin`` (the CIN census) and
    ``early_help`` (early help records), both cut at ``fit_to`` for the fit, the pre-care side is
    fitted too, and the table adds the census's pre-care figures in each year it covers (see
    `precare_rows`).
    """
    full = as_clean(returns)
    start, end, years = check(full, fit_to, test_to, window_months)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ConfigError(f"replications: got {replications!r}; allowed: a whole number, 1 or more",
                          path="replications", value=repr(replications), allowed="a whole number >= 1")  # fmt: skip
    full_cin = as_cin(cin) if cin is not None else None
    records = as_early_help(early_help) if early_help is not None else None
    fitted = fit(full, start, window_months=window_months, base=base, population=population,
                 include_uasc=include_uasc, until=start, seed=seed, cin=full_cin, early_help=records,
                 **build_kwargs)  # fmt: skip
    scenario = fitted.scenario
    runs = [scenario.run(range(i, i + 1), years=years, seed=seed, progress=False) for i in range(replications)]
    dates = [_anniversary(start, k) for k in range(1, years + 1)]
    merged = Results.merge(runs)
    rows = _observed_and_modelled(full, merged, runs, start, dates, include_uasc)
    if full_cin is not None:
        rows += precare_rows(full_cin, records, merged, dates)
    _add_expected(rows, scenario.expected(years=years))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return Backtest(table, scenario, fitted.report(fixes_file=f"{FIXES_FILE} (written beside this report)"), start,
                    end, replications, seed, fitted)  # fmt: skip


def accepts(name: str) -> bool:
    """Whether `build.build` takes the keyword ``name`` (``trend`` comes with the per-band entry
    fit)."""
    return name in inspect.signature(_build.build).parameters


#: What `backtest`'s arguments are called on the command line (``carecast backtest``): `check`
#: names them so in its messages there.
OPTION_NAMES = {"fit_to": "--fit-to", "test_to": "--test-to", "window_months": "--window-months"}


def check(
    data: CleanReturns,
    fit_to: dt.date | str,
    test_to: dt.date | str,
    window_months: int = 36,
    names: Mapping[str, str] | None = None,
) -> tuple[dt.date, dt.date, int]:
    """Refuse dates a back-test of ``data`` cannot use, with a `carecast.ReturnsError` saying
    what is allowed; otherwise ``fit_to`` and ``test_to`` as dates and the years between them
    compared. The messages call the arguments by their Python names, or by ``names`` (the
    command line passes `OPTION_NAMES`)."""
    n = {name: name for name in OPTION_NAMES} | dict(names or {})
    start = as_date(fit_to, n["fit_to"]).date()
    end = as_date(test_to, n["test_to"]).date()
    span = f"the returns cover {data.data_start} to {data.data_end}"
    if (start + dt.timedelta(days=1)).day != 1:
        raise ReturnsError(f"{n['fit_to']}: {start} is not the last day of a month (the model runs month by month; "
                           "31 March compares collection years)", value=str(start))  # fmt: skip
    if not data.data_start <= start < data.data_end:
        raise ReturnsError(f"{n['fit_to']}: {start} is not inside the returns ({span}); it must leave time to test",
                           value=str(start))  # fmt: skip
    if end <= start:
        raise ReturnsError(f"{n['test_to']}: {end} is not after {n['fit_to']} ({start})", value=str(end))
    if end > data.data_end:
        raise ReturnsError(f"{n['test_to']}: {end} is after the returns end ({span}): nothing to compare with",
                           value=str(end))  # fmt: skip
    years = sum(1 for k in range(1, 101) if _anniversary(start, k) <= end)
    if years < 1:
        raise ReturnsError(f"{n['test_to']}: {end} is less than a year after {n['fit_to']} ({start}); figures are "
                           f"compared on anniversaries of {n['fit_to']}, the first {_anniversary(start, 1)}",
                           value=str(end))  # fmt: skip
    # The window is named against all the returns, not only those up to fit_to.
    Window.ending(start, window_months).check(data, choose=f"{n['fit_to']} and {n['window_months']}")
    return start, end, years


def _anniversary(day: dt.date, years: int) -> dt.date:
    """The last day of the month ``years`` years after the month of ``day``."""
    stamp = pd.Timestamp(day.year + years, day.month, 1) + pd.offsets.MonthEnd(0)
    return stamp.date()


def _interval(values: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    low, high = np.percentile(values, [LOW, HIGH])
    return float(values.mean()), float(low), float(high)


def _row(measure: str, year: int, date: dt.date, breakdown: str, group: str, observed: float,
         values: npt.NDArray[np.float64]) -> dict[str, Any]:  # fmt: skip
    mean, low, high = _interval(values)
    return {"measure": measure, "year": year, "date": pd.Timestamp(date), "breakdown": breakdown, "group": group,
            "observed": float(observed), "mean": mean, "low": low, "high": high,
            "inside": bool(low <= observed <= high)}  # fmt: skip


def _observed_and_modelled(
    full: CleanReturns, merged: Results, runs: list[Results], start: dt.date, dates: list[dt.date], include_uasc: bool
) -> list[dict[str, Any]]:
    from .. import _core

    stock = stock_by(full, dates, include_uasc=include_uasc)
    table = periods(full)
    if not include_uasc:
        table = table[~table["uasc"]]
    bands = [b for b, _ in AGE_BANDS]
    if list(_core.AGE_BANDS) != bands:  # the model's bands are the returns' bands
        raise AssertionError(f"age bands differ: {_core.AGE_BANDS} and {bands}")
    # Each replication's stock by age band (looked after), replication x band x month.
    by_band = np.stack([_bands(run, bands) for run in runs])
    lac = merged.array("lac_stock")
    entries, exits = merged.array("lac_entries"), merged.array("lac_exits")
    rows = []
    previous = pd.Timestamp(start)
    for k, date in enumerate(dates, start=1):
        t = 12 * k - 1  # the month ending on the anniversary
        on = stock[stock["date"] == pd.Timestamp(date)]
        rows.append(_row("stock", k, date, "total", "total", on["children"].sum(), lac[:, t]))
        for i, band in enumerate(bands):
            rows.append(_row("stock", k, date, "age_band", band, on.loc[on["age_band"] == band, "children"].sum(),
                             by_band[:, i, t]))  # fmt: skip
        for placement in _core.PLACEMENTS:
            rows.append(_row("stock", k, date, "placement", placement,
                             on.loc[on["placement"] == placement, "children"].sum(),
                             merged.array(f"looked_after_{placement}")[:, t]))  # fmt: skip
        stop = pd.Timestamp(date)
        began = ((table["start"] > previous) & (table["start"] <= stop)).sum()
        ended = ((table["end"] > previous) & (table["end"] <= stop)).sum()
        months = slice(12 * (k - 1), 12 * k)
        rows.append(_row("entries", k, date, "total", "total", began, entries[:, months].sum(axis=1)))
        rows.append(_row("exits", k, date, "total", "total", ended, exits[:, months].sum(axis=1)))
        previous = stop
    return rows


#: The pre-care measures of a back-test with the CIN census: observed (the census, or early help
#: records) -> the model's figure (see `precare.model_figures`).
PRECARE_MEASURES = {
    "referrals": "referrals not closed at referral (census); assessments and early help step-ups (model)",
    "cin_starts": "referrals whose outcome is child in need or protection (census); the same and early help "
    "step-ups (model)",
    "cp_starts": "child protection plans starting",
    "cp_stock": "children on child protection plans at the end of the anniversary",
    "early_help_starts": "early help episodes starting (early help records)",
}


def precare_rows(cin: CinClean, early_help: EarlyHelp | None, merged: Results,
                 dates: list[dt.date]) -> list[dict[str, Any]]:  # fmt: skip
    """The census's pre-care figures in each year to ``dates`` that it covers (see
    `PRECARE_MEASURES`; early help starts only where the records reach the year's end; child in
    need starts only for years ending `precare.CENSORED_MONTHS` months or more before the
    census's data end, since later referrals may have no outcome yet) against
    the projection's. The engine reports no section 47 enquiries and no referral closed at
    referral, so neither is compared."""
    observed = observed_by_year(cin, dates, early_help)
    if early_help is not None and early_help.kind == "episodes" and len(early_help.episodes):
        last = max(early_help.episodes["start"].max(), early_help.episodes["end"].max())
        late = (observed["measure"] == "early_help_starts") & (observed["date"] > (last + pd.Timedelta(days=31)).date())
        observed = observed[~late]
    # A referral's outcome comes weeks after it: the last months' child in need starts are
    # censored (low), so a year ending in them is left out rather than compared as complete.
    censored = (observed["measure"] == "cin_starts") & (observed["date"] > censored_from(cin.data_end))
    observed = observed[~censored]
    rows = []
    for k, date in enumerate(dates, start=1):
        model = model_figures(merged, slice(12 * (k - 1), 12 * k), 12 * k - 1)
        year = observed[observed["year"] == k]
        for measure, value in zip(year["measure"].astype(str), year["observed"].astype(float), strict=True):
            rows.append(_row(measure, k, date, "total", "total", value, model[measure]))
    return rows


def _add_expected(rows: list[dict[str, Any]], path: ExpectedPath) -> None:
    """Put the expected path's figure beside each row's Monte Carlo interval."""
    by_band = path.stocks(by=["state", "age_band"])
    by_band = by_band[by_band["state"] == "looked_after"]
    precare: dict[int, dict[str, float]] = {}
    for row in rows:
        k = int(row["year"])
        t = 12 * k - 1
        if row["measure"] in PRECARE_MEASURES:
            if k not in precare:
                precare[k] = expected_figures(path, slice(12 * (k - 1), 12 * k), t)
            row["expected"] = precare[k][row["measure"]]
            continue
        if row["measure"] == "stock":
            if row["breakdown"] == "total":
                value = path.value("lac_stock")[t]
            elif row["breakdown"] == "age_band":
                value = by_band.loc[by_band["age_band"] == row["group"], "value"].to_numpy(float)[t]
            else:
                value = path.value(f"looked_after_{row['group']}")[t]
        else:
            name = "lac_entries" if row["measure"] == "entries" else "lac_exits"
            value = path.value(name)[12 * (k - 1):12 * k].sum()
        row["expected"] = float(value)


def _bands(run: Results, bands: list[str]) -> npt.NDArray[np.float64]:
    """Children looked after by age band and month in a run of one replication (its mean is
    that replication's figure)."""
    frame = run.stocks(by=["state", "age_band"])
    frame = frame[frame["state"] == "looked_after"]
    return np.stack([frame.loc[frame["age_band"] == b, "mean"].to_numpy(float) for b in bands])


def _miss(misses: pd.DataFrame) -> pd.Series:
    """How far outside its interval each figure is, in widths of the interval (at least 1 wide)."""
    width = (misses["high"] - misses["low"]).clip(lower=1.0)
    beyond = pd.concat([misses["observed"] - misses["high"], misses["low"] - misses["observed"]], axis=1).max(axis=1)
    result: pd.Series = beyond / width
    return result
