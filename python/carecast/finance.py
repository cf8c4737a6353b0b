"""Costs and savings: comparing a scenario with a baseline.

>>> import carecast
>>> base = carecast.Scenario.preset("wolverhampton-2015")
>>> redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
>>> c = carecast.compare(base, redesign, replications=8, years=2, seed=1, progress=False)
>>> list(c.savings()["measure"].unique())[:3]
['gross_savings', 'new_spending', 'net_savings']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import ConfigError

Array = npt.NDArray[np.float64]
BASES = ("nominal", "real", "discounted")


def _stats(values: Array) -> dict[str, float]:
    """Mean, 5th/50th/95th percentiles and the Monte Carlo standard error of the mean, over
    replications (NaN replications, e.g. never paid back, are left out)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": np.nan, "p5": np.nan, "p50": np.nan, "p95": np.nan, "mcse": np.nan}
    p5, p50, p95 = np.percentile(v, [5, 50, 95])
    mcse = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else np.nan
    return {"mean": float(v.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95), "mcse": mcse}


def central(scenario: Any) -> Any:
    """The scenario with every uncertain parameter fixed at its central value (mean; median for
    log-normal), so that a comparison shows chance alone."""
    p = scenario.parameters()
    uncertain = p[p.uncertain]
    return scenario.with_parameters(dict(zip(uncertain.path, uncertain.value, strict=True)))


class Comparison:
    """A scenario against a baseline of the same authority, run with common random numbers.

    Savings are baseline minus scenario: gross savings are the costs the scenario avoids (every
    category but new services and implementation), new spending is what it spends on new services
    and implementation, and net savings are their difference (total baseline cost minus total
    scenario cost). Every figure comes with its mean, 5th/50th/95th percentiles across
    replications and the Monte Carlo standard error (``mcse``) of the paired difference.
    """

    def __init__(self, baseline: Any, scenario: Any, baseline_results: Any, scenario_results: Any) -> None:
        self.baseline = baseline
        self.scenario = scenario
        self.baseline_results = baseline_results
        self.scenario_results = scenario_results
        # Both runs are priced by their own scenario, a replication at a time, when a table asks:
        # only what the table needs is ever an array (never replication x category x locality x
        # month).
        self._priced = {"baseline": (baseline_results, baseline), "scenario": (scenario_results, scenario)}
        meta = baseline_results._inner.cost_labels(baseline._inner)
        scenario_results._inner.cost_labels(scenario._inner)  # refuses results of another scenario
        self.categories: list[str] = list(meta["categories"])
        self._years = np.array(meta["month_years"])
        self.financial_years = [f"{y}/{(y + 1) % 100:02d}" for y in dict.fromkeys(meta["month_years"])]
        self.localities = [*baseline_results.localities, "authority-wide"]
        self.base_year: str = meta["base_year"]
        self.n_months = len(baseline_results.months)

    def _array(self, which: str, basis: str, by: str) -> Array:
        """Costs of one run in ``basis``, reduced ``by`` (see ``_core.RunResults.costs``)."""
        if basis not in BASES:
            raise ConfigError(f"basis must be one of {BASES}, got {basis!r}", path="basis", value=repr(basis),
                              allowed=", ".join(BASES))
        results, scenario = self._priced[which]
        a: Array = results._inner.costs(scenario._inner, basis, by)
        return a

    def _by_year(self, a: Array) -> Array:
        """Sum the last axis (months) by financial year."""
        out = [a[..., self._years == y].sum(axis=-1) for y in dict.fromkeys(self._years.tolist())]
        return np.stack(out, axis=-1)

    def costs(self, basis: str = "real", by_locality: bool = False) -> pd.DataFrame:
        """Cost by category and financial year in each run, in pounds (``basis``: ``nominal``
        cash, ``real`` in base-year prices, or ``discounted``)."""
        rows = []
        for which in ("baseline", "scenario"):
            if by_locality:
                a = self._array(which, basis, "category_locality_year")  # rep x cat x loc x fy
            else:
                a = self._array(which, basis, "category_year")[:, :, np.newaxis, :]
            locs = self.localities if by_locality else ["all"]
            for c, cat in enumerate(self.categories):
                for li, loc in enumerate(locs):
                    for j, fy in enumerate(self.financial_years):
                        rows.append({"run": which, "category": cat, "locality": loc, "financial_year": fy,
                                     **_stats(a[:, c, li, j])})
        df = pd.DataFrame(rows)
        return df if by_locality else df.drop(columns="locality")

    def _flows(self, basis: str) -> dict[str, Array]:
        """Per replication and month: gross savings, new spending, net savings (all localities)."""
        avoidable, new_spending = "avoidable_month", "new_spending_month"
        gross = self._array("baseline", basis, avoidable) - self._array("scenario", basis, avoidable)
        new = self._array("scenario", basis, new_spending) - self._array("baseline", basis, new_spending)
        return {"gross_savings": gross, "new_spending": new, "net_savings": gross - new}

    def savings(self, basis: str = "real") -> pd.DataFrame:
        """Per financial year: gross savings, new spending, net savings, cumulative net savings
        (pounds), children in care avoided (average over the year) and care-months avoided."""
        f = self._flows(basis)
        yearly = {k: self._by_year(v) for k, v in f.items()}
        yearly["cumulative_net_savings"] = np.cumsum(yearly["net_savings"], axis=1)
        lac_diff = self.baseline_results.array("lac_stock") - self.scenario_results.array("lac_stock")
        yearly["care_months_avoided"] = self._by_year(lac_diff)
        counts = self._by_year(np.ones_like(lac_diff))
        yearly["children_in_care_avoided"] = yearly["care_months_avoided"] / counts
        rows = []
        for measure, a in yearly.items():
            for j, fy in enumerate(self.financial_years):
                rows.append({"measure": measure, "financial_year": fy, **_stats(a[:, j])})
        return pd.DataFrame(rows)

    def savings_by_locality(self, basis: str = "real") -> pd.DataFrame:
        """Per financial year and locality: net savings (services and one-offs are
        ``authority-wide``) and children in care avoided (average over the year)."""
        d = self._array("baseline", basis, "locality_year") - self._array("scenario", basis, "locality_year")
        # Children in care by locality: the six placement kinds of the activity record.
        care_months = _in_care_by_locality(self.baseline_results) - _in_care_by_locality(self.scenario_results)
        months = self._by_year(np.ones(self.n_months))
        rows = []
        for li, loc in enumerate(self.localities):
            for j, fy in enumerate(self.financial_years):
                rows.append({"locality": loc, "financial_year": fy, "measure": "net_savings", **_stats(d[:, li, j])})
                if li < care_months.shape[1]:
                    rows.append({"locality": loc, "financial_year": fy, "measure": "children_in_care_avoided",
                                 **_stats(care_months[:, li, j] / months[j])})
        return pd.DataFrame(rows)

    def monthly(self, basis: str = "real") -> pd.DataFrame:
        """Month by month: gross savings, new spending and net savings (pounds) and children in
        care avoided."""
        f = self._flows(basis)
        f["children_in_care_avoided"] = (self.baseline_results.array("lac_stock")
                                         - self.scenario_results.array("lac_stock"))
        rows = [{"measure": k, "month": m, **_stats(v[:, t])}
                for k, v in f.items() for t, m in enumerate(self.baseline_results.months)]
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """Over the whole horizon and cumulatively to the end of each financial year: net present
        value (discounted net savings), return on investment (NPV per pound of discounted new
        spending), payback month (first month from which cumulative discounted net savings stay
        above zero) and the probability that net savings are above zero."""
        f = self._flows("discounted")
        cum_net = np.cumsum(f["net_savings"], axis=1)
        cum_new = np.cumsum(f["new_spending"], axis=1)
        rows = []
        ends = [int(np.nonzero(self._years == y)[0][-1]) for y in dict.fromkeys(self._years.tolist())]
        periods = [(f"to end of {fy}", end) for fy, end in zip(self.financial_years, ends, strict=True)]
        periods.append(("whole horizon", self.n_months - 1))
        for label, end in periods:
            npv = cum_net[:, end]
            new = cum_new[:, end]
            roi = np.where(new > 0, npv / np.where(new > 0, new, 1.0), np.nan)
            payback = np.array([_payback(cum_net[r, : end + 1]) for r in range(cum_net.shape[0])])
            paid = np.isfinite(payback)
            rows.append({"period": label, "measure": "npv", **_stats(npv)})
            rows.append({"period": label, "measure": "roi", **_stats(roi)})
            rows.append({"period": label, "measure": "payback_month_index", **_stats(payback)})
            rows.append({"period": label, "measure": "probability_paid_back", **_stats(paid.astype(float))})
            rows.append({"period": label, "measure": "probability_net_savings_positive",
                         **_stats((npv > 0).astype(float))})
        return pd.DataFrame(rows)

    def payback_month(self) -> str | None:
        """The median payback month over the horizon as ``YYYY-MM``, or None if most
        replications never pay back."""
        s = self.summary()
        row = s[(s.period == "whole horizon") & (s.measure == "payback_month_index")].iloc[0]
        if not np.isfinite(row["p50"]):
            return None
        start = pd.Period(self.baseline_results.months[0], freq="M")
        return str(start + int(row["p50"]))

    def tables(self, basis: str = "real") -> dict[str, pd.DataFrame]:
        """Every table of the comparison, by name, with units in the column names."""
        unit = {"nominal": "£ cash", "real": f"£ {self.base_year} prices",
                "discounted": f"£ {self.base_year} prices, discounted"}[basis]
        money = ["mean", "p5", "p50", "p95", "mcse"]

        def label(df: pd.DataFrame, what: str) -> pd.DataFrame:
            return df.rename(columns={c: f"{c} ({what})" for c in money if c in df.columns})

        savings = self.savings(basis)
        in_pounds = savings[~savings.measure.isin(["children_in_care_avoided", "care_months_avoided"])]
        children = savings[savings.measure.isin(["children_in_care_avoided", "care_months_avoided"])]
        summary = self.summary()
        return {
            "savings": label(in_pounds, unit),
            "children_in_care": label(children, "children or child-months"),
            "savings_by_locality": label(self.savings_by_locality(basis), unit),
            "costs": label(self.costs(basis), unit),
            "summary": label(summary, "£ discounted; ROI per £; month index from start; probabilities"),
        }

    def assumptions(self) -> pd.DataFrame:
        """The two scenarios' settings, field by field, side by side."""
        def flatten(node: Any, prefix: str = "") -> dict[str, str]:
            out: dict[str, str] = {}
            if isinstance(node, dict) and "dist" not in node:
                for k, v in node.items():
                    out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
            elif isinstance(node, list) and node and isinstance(node[0], dict):
                for i, v in enumerate(node):
                    out.update(flatten(v, f"{prefix}[{i}]"))
            else:
                out[prefix] = str(node)
            return out

        b, s = flatten(self.baseline.to_dict()), flatten(self.scenario.to_dict())
        keys = list(dict.fromkeys(list(b) + list(s)))
        return pd.DataFrame({"field": keys, "baseline": [b.get(k, "") for k in keys],
                             "scenario": [s.get(k, "") for k in keys]})

    def to_excel(self, path: str | os.PathLike[str], basis: str = "real") -> None:
        """Write a workbook: one sheet per table (units in the headers) and the assumptions of
        both scenarios on a sheet of their own. Written to a temporary file, then moved into
        place, with the user's usual permissions."""
        from ._outputs import write_file
        from .extras import require

        require("openpyxl", "The Excel workbook")
        tables = self.tables(basis)
        tables["assumptions"] = self.assumptions()

        def fill(tmp: str) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for name, df in tables.items():
                    df.to_excel(writer, sheet_name=name[:31], index=False)

        write_file(path, fill)

    def to_csv(self, directory: str | os.PathLike[str], basis: str = "real") -> None:
        """Write every table and the assumptions as CSV files into ``directory`` (created), each
        file atomically."""
        os.makedirs(directory, exist_ok=True)
        tables = self.tables(basis)
        tables["assumptions"] = self.assumptions()
        for name, df in tables.items():
            write_csv(os.path.join(directory, f"{name}.csv"), df)

    def __repr__(self) -> str:
        return (f"Comparison({self.scenario.name!r} against {self.baseline.name!r}, "
                f"{self.baseline_results.replications} replications, seed {self.baseline_results.seed})")


def write_csv(path: str | os.PathLike[str], df: pd.DataFrame) -> None:
    """Write ``df`` (without its index) as CSV to ``path``, atomically."""
    from ._outputs import write_file

    def fill(tmp: str) -> None:
        df.to_csv(tmp, index=False)

    write_file(path, fill)


def _in_care_by_locality(results: Any) -> Array:
    """Child-months in care per replication, locality and financial year (every placement type
    of the activity record)."""
    in_care: Array = results._inner.in_care_by_year()
    return in_care


def _payback(cumulative: Array) -> float:
    """First month index from which the cumulative series stays above zero; NaN if never."""
    below = np.nonzero(cumulative <= 0)[0]
    if below.size == 0:
        return 0.0
    last = int(below[-1])
    return float(last + 1) if last + 1 < cumulative.size else np.nan


def compare(baseline: Any, scenario: Any, replications: SupportsIndex | range = 100, years: SupportsIndex = 10,
            seed: SupportsIndex = 20150401, threads: SupportsIndex | None = None,
            progress: bool | Callable[[int, int], object] | None = None,
            parameter_uncertainty: bool = True) -> Comparison:
    """Run ``scenario`` against ``baseline`` with the same seed (common random numbers) and
    compare costs and savings.

    Both must describe the same authority from the same start month. With
    ``parameter_uncertainty=False`` every uncertain effect size and unit cost is fixed at its
    central value, so the intervals show chance alone; comparing the two tells parameter
    uncertainty from chance.
    """
    from . import Scenario

    for name, value in (("baseline", baseline), ("scenario", scenario)):
        if not isinstance(value, Scenario):
            raise ConfigError(f"{name} must be a carecast.Scenario, got {type(value).__name__}", path=name,
                              value=type(value).__name__, allowed="a carecast.Scenario")
    if baseline.authority != scenario.authority:
        raise ConfigError(
            f"cannot compare scenarios of different authorities: baseline `{baseline.authority}`, "
            f"scenario `{scenario.authority}`",
            path="authority", value=scenario.authority, allowed=f"`{baseline.authority}`, the baseline's authority")
    if baseline.to_dict()["start"] != scenario.to_dict()["start"]:
        raise ConfigError("cannot compare scenarios that start in different months", path="start",
                          value=scenario.to_dict()["start"], allowed=baseline.to_dict()["start"])
    if not parameter_uncertainty:
        baseline, scenario = central(baseline), central(scenario)
    b = baseline.run(replications, years, seed, threads, progress)
    s = scenario.run(replications, years, seed, threads, progress)
    return Comparison(baseline, scenario, b, s)
