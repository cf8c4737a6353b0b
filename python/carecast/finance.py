"""Costs and savings: comparing a scenario with a baseline.

>>> import carecast
>>> base = carecast.Scenario.preset("wolverhampton-2015")
>>> redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
>>> c = carecast.compare(base, redesign, replications=8, years=2, seed=1, progress=False)
>>> list(c.savings()["measure"].unique())[:3]
['gross_savings', 'new_spending', 'net_savings']
>>> list(c.budget_lines()["line"].unique())[:4]
['placements avoided', 'other statutory activity avoided', 'estate', 'gross savings']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import ConfigError

if TYPE_CHECKING:
    from . import Scenario
    from .options import Options

Array = npt.NDArray[np.float64]
BASES = ("nominal", "real", "discounted")
#: The most a table asks the core for at once, in bytes: larger arrays are taken in parts.
_TABLE_ARRAY_BYTES = 16_000_000

#: The budget lines (as the core names them) in plain words, in budget order: what a change
#: saves, what it reinvests, its one-offs.
LINE_LABELS = {
    "placements": "placements avoided",
    "other_statutory_activity": "other statutory activity avoided",
    "estate": "estate",
    "early_help": "reinvestment: early help",
    "intensive_support": "reinvestment: intensive support",
    "hubs_and_teams": "reinvestment: hubs and teams",
    "implementation": "one-off: implementation",
    "redundancy": "one-off: redundancy",
    "dual_running": "one-off: dual running",
    "capital": "one-off: capital",
}
#: The same lines as spend, for a single scenario's budget (:func:`budget`).
SPEND_LABELS = {
    "placements": "placements",
    "other_statutory_activity": "other statutory activity",
    "estate": "estate and existing services",
    "early_help": "early help",
    "intensive_support": "intensive support",
    "hubs_and_teams": "new services (hubs and teams)",
    "implementation": "one-off: implementation",
    "redundancy": "one-off: redundancy",
    "dual_running": "one-off: dual running",
    "capital": "one-off: capital",
}
SAVINGS_LINES = ("placements", "other_statutory_activity", "estate")
REINVESTMENT_LINES = ("early_help", "intensive_support", "hubs_and_teams")
ONE_OFF_LINES = ("implementation", "redundancy", "dual_running", "capital")


def _stats(values: Array) -> dict[str, float]:
    """Mean, 5th/50th/95th percentiles and the Monte Carlo standard error of the mean, over
    replications (NaN replications, e.g. never paid back, are left out)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": np.nan, "p5": np.nan, "p50": np.nan, "p95": np.nan, "mcse": np.nan}
    p5, p50, p95 = np.percentile(v, [5, 50, 95])
    mcse = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else np.nan
    return {"mean": float(v.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95), "mcse": mcse}


def _financial_year(month: str) -> str:
    """The financial year of a month written ``YYYY-MM``: ``2015/16`` for 2015-04 to 2016-03."""
    year, m = (int(x) for x in month.split("-"))
    first = year if m >= 4 else year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def _demand(scenario: Any) -> tuple[Any, str] | None:
    """The demand trend's growth and the month it counts from, or None if demand is flat (left
    out, ``kind = "flat"``, or a fixed growth of 0: the same numbers)."""
    d = scenario.to_dict()
    trend = d["population"].get("demand_trend")
    if not trend or trend.get("kind") == "flat":
        return None
    growth = trend.get("growth", 0.0)
    if not isinstance(growth, dict) and float(growth) == 0.0:
        return None
    return growth, str(trend.get("from", d["start"]))


def demand_trend(scenario: Any) -> str:
    """The scenario's demand trend (``population.demand_trend``) in one line, for tables and
    reports: ``Demand held flat ...`` or ``Demand: +2.0% a year in first contacts and crisis
    entries, a step each April after 2015/16 (stated).``"""
    found = _demand(scenario)
    if found is None:
        return "Demand held flat: first contacts and crisis entries at the same rates every year."
    growth, start = found
    trend = scenario.to_dict()["population"]["demand_trend"]
    mean = scenario.parameter("population.demand_trend.growth")
    kind = trend.get("kind", "stated")
    spread = ""
    if isinstance(growth, dict):
        sd = f", sd {growth['sd']:.1%}" if "sd" in growth else ""
        spread = f", drawn per replication ({growth.get('dist', 'a distribution')}{sd})"
    basis = trend.get("basis", "")
    how = f"fitted: {basis}" if kind == "fitted" and basis else kind + (f": {basis}" if basis else "")
    return (f"Demand: {mean:+.1%} a year{spread} in first contacts and crisis entries, a step each April after "
            f"{_financial_year(start)} ({how}).")


def check_same_demand(baseline: Any, scenario: Any) -> None:
    """Refuse to compare scenarios whose demand trends differ: the trend is the authority's
    demand, not a policy, so the baseline and every option must share it (a difference would be
    counted as the option's savings or costs)."""
    if _demand(baseline) != _demand(scenario):
        raise ConfigError(
            f"cannot compare scenarios with different demand trends: baseline {baseline.name}: "
            f"{demand_trend(baseline)} {scenario.name}: {demand_trend(scenario)} The demand trend is the "
            "authority's, not a policy: give every scenario the baseline's population.demand_trend",
            path="population.demand_trend", value=demand_trend(scenario),
            allowed=f"the baseline's: {demand_trend(baseline)}")


def central(scenario: Any) -> Any:
    """The scenario with every uncertain parameter fixed at its central value (mean; median for
    log-normal; rounded for a whole number), so that a comparison shows chance alone. The
    parameters of the ``[[uncertainty.parameters]]`` table are fixed too, which takes them (and
    their correlations) out of the table, and the columns of a sample the scenario carries are
    fixed at their means (rounded for a whole number), which takes the sample out."""
    p = scenario.parameters()
    uncertain = p[p.uncertain]
    values = dict(zip(uncertain.path, uncertain.value, strict=True))
    sample = scenario.sample
    if sample is not None:
        whole = set(p.path[p.whole])
        for path in sample.columns:
            mean = float(sample[path].mean())
            values[path] = float(round(mean)) if path in whole else mean
    return scenario.with_parameters(values)


class Comparison:
    """A scenario against a baseline of the same authority, run with common random numbers.

    Savings are baseline minus scenario, by budget line (:meth:`budget_lines`): placements
    avoided, other statutory activity avoided and the estate are the gross savings; reinvestment
    (early help, intensive support, hubs and teams) and one-offs (implementation, redundancy, dual
    running, capital) are the new spending set against them, never netted into them; net savings
    are gross savings minus new spending (total baseline cost minus total scenario cost). Every
    figure comes with its mean, 5th/50th/95th percentiles across replications and the Monte Carlo
    standard error (``mcse``) of the paired difference.
    """

    def __init__(self, baseline: Any, scenario: Any, baseline_results: Any, scenario_results: Any) -> None:
        check_same_demand(baseline, scenario)
        #: The demand trend both scenarios share, in one line (:func:`demand_trend`).
        self.demand: str = demand_trend(baseline)
        self.baseline = baseline
        self.scenario = scenario
        self.baseline_results = baseline_results
        self.scenario_results = scenario_results
        # Both runs are priced by their own scenario, a replication at a time, when a table asks:
        # only what the table needs is ever an array (never replication x category x locality x
        # month).
        self._priced = {"baseline": (baseline_results, baseline), "scenario": (scenario_results, scenario)}
        meta = baseline_results._inner.cost_labels(baseline._inner)
        scenario_meta = scenario_results._inner.cost_labels(scenario._inner)  # refuses results of another scenario
        self.categories: list[str] = list(meta["categories"])
        self._lines: list[str] = list(meta["budget_lines"])  # the budget line of each category
        #: Whether the scenario's savings on other statutory activity are cashable (posts go).
        self.statutory_savings_cashable: bool = bool(scenario_meta["statutory_savings_cashable"])
        self._years = np.array(meta["month_years"])
        self.financial_years = [f"{y}/{(y + 1) % 100:02d}" for y in dict.fromkeys(meta["month_years"])]
        self.localities = [*baseline_results.localities, "authority-wide"]
        self.base_year: str = meta["base_year"]
        self.n_months = len(baseline_results.months)
        self._payback: Array | None = None

    def _array(self, which: str, basis: str, by: str, categories: list[int] | None = None) -> Array:
        """Costs of one run in ``basis``, reduced ``by``, of ``categories`` (indices; all if None)
        where ``by`` is ``category_locality_year`` (see ``_core.RunResults.costs``)."""
        if basis not in BASES:
            raise ConfigError(f"basis must be one of {BASES}, got {basis!r}", path="basis", value=repr(basis),
                              allowed=", ".join(BASES))
        results, scenario = self._priced[which]
        a: Array = results._inner.costs(scenario._inner, basis, by, categories)
        return a

    def _by_year(self, a: Array) -> Array:
        """Sum the last axis (months) by financial year."""
        out = [a[..., self._years == y].sum(axis=-1) for y in dict.fromkeys(self._years.tolist())]
        return np.stack(out, axis=-1)

    def costs(self, basis: str = "real", by_locality: bool = False) -> pd.DataFrame:
        """Cost by category and financial year in each run, in pounds (``basis``: ``nominal``
        cash, ``real`` in base-year prices, or ``discounted``)."""
        rows = []
        locs = self.localities if by_locality else ["all"]
        # By locality, a few categories at a time (every category at once is 160 MB at 10,000
        # replications x 10 years); each array is dropped before the next is made.
        one = self.baseline_results.replications * len(locs) * len(self.financial_years) * 8
        chunk = max(1, _TABLE_ARRAY_BYTES // max(one, 1)) if by_locality else len(self.categories)
        for which in ("baseline", "scenario"):
            for first in range(0, len(self.categories), chunk):
                picked = list(range(first, min(first + chunk, len(self.categories))))
                if by_locality:
                    a = self._array(which, basis, "category_locality_year", picked)
                else:
                    a = self._array(which, basis, "category_year")[:, :, np.newaxis, :]
                for c, cat in enumerate(self.categories[k] for k in picked):
                    for li, loc in enumerate(locs):
                        for j, fy in enumerate(self.financial_years):
                            rows.append({"run": which, "category": cat, "locality": loc, "financial_year": fy,
                                         **_stats(a[:, c, li, j])})
                del a
        df = pd.DataFrame(rows)
        return df if by_locality else df.drop(columns="locality")

    def _flows(self, basis: str) -> dict[str, Array]:
        """Per replication and month: gross savings, new spending, net savings (all localities)."""
        avoidable, new_spending = "avoidable_month", "new_spending_month"
        # In place: at 10,000 replications x 120 months each array is 9.6 MB.
        gross = self._array("baseline", basis, avoidable)
        gross -= self._array("scenario", basis, avoidable)
        new = self._array("scenario", basis, new_spending)
        new -= self._array("baseline", basis, new_spending)
        return {"gross_savings": gross, "new_spending": new, "net_savings": gross - new}

    def budget_lines(self, basis: str = "real") -> pd.DataFrame:
        """Savings by financial year as a finance team reads them, in pounds, baseline minus
        scenario (a cost the scenario adds is negative).

        ``line``, in order: placements avoided (cashable); other statutory activity avoided
        (assessments, child in need, child protection, entering care, proceedings, care leavers:
        non-cashable unless ``costs.statutory_savings_cashable``, i.e. posts go); estate (services
        that existed before); **gross savings**; reinvestment in early help, intensive support and
        hubs and teams (new services); **reinvestment**; one-offs: implementation, redundancy,
        dual running, capital; **one-offs**; **net savings**; **cashable net savings** and
        **non-cashable net savings** (which add up to net). ``kind`` is ``line`` or ``total``,
        ``cashable`` says whether the line moves a budget. Each line is summed per replication
        before the statistics, so the intervals are those of the paired difference and the
        lines add up to net savings in every replication.
        """
        per_line, cashable = self._line_savings(basis)
        rows = []

        def add(name: str, kind: str, flag: str, a: Array) -> None:
            for j, fy in enumerate(self.financial_years):
                rows.append({"line": name, "kind": kind, "cashable": flag, "financial_year": fy, **_stats(a[:, j])})

        def flag(line: str) -> str:
            return "cashable" if cashable[line] else "non-cashable"

        def total(lines: tuple[str, ...]) -> Array:
            out = np.zeros_like(per_line["placements"])
            for x in lines:
                out += per_line[x]
            return out

        for line in SAVINGS_LINES:
            add(LINE_LABELS[line], "line", flag(line), per_line[line])
        add("gross savings", "total", "", total(SAVINGS_LINES))
        for line in REINVESTMENT_LINES:
            add(LINE_LABELS[line], "line", flag(line), per_line[line])
        add("reinvestment", "total", "", total(REINVESTMENT_LINES))
        for line in ONE_OFF_LINES:
            add(LINE_LABELS[line], "line", flag(line), per_line[line])
        add("one-offs", "total", "", total(ONE_OFF_LINES))
        every = tuple(LINE_LABELS)
        add("net savings", "total", "", total(every))
        add("cashable net savings", "total", "cashable", total(tuple(x for x in every if cashable[x])))
        add("non-cashable net savings", "total", "non-cashable", total(tuple(x for x in every if not cashable[x])))
        return pd.DataFrame(rows)

    def _line_savings(self, basis: str) -> tuple[dict[str, Array], dict[str, bool]]:
        """Baseline minus scenario cost per budget line: replications x financial years, and
        whether each line is cashable."""
        diff = self._array("baseline", basis, "category_year")
        diff -= self._array("scenario", basis, "category_year")
        lines = np.array(self._lines)
        per_line = {line: diff[:, lines == line, :].sum(axis=1) for line in LINE_LABELS}
        cashable = {line: line != "other_statutory_activity" or self.statutory_savings_cashable
                    for line in LINE_LABELS}
        return per_line, cashable

    def savings(self, basis: str = "real") -> pd.DataFrame:
        """Per financial year: gross savings (placements, other statutory activity and estate
        avoided), new spending (reinvestment and one-offs), net savings, cumulative net savings
        (pounds), children in care avoided (average over the year) and care-months avoided.
        :meth:`budget_lines` gives the lines they are made of."""
        yearly = {k: self._by_year(v) for k, v in self._flows(basis).items()}  # the monthly arrays go here
        yearly["cumulative_net_savings"] = np.cumsum(yearly["net_savings"], axis=1)
        yearly["care_months_avoided"] = self._by_year(self._lac_avoided())
        yearly["children_in_care_avoided"] = yearly["care_months_avoided"] / self._by_year(np.ones(self.n_months))
        rows = []
        for measure, a in yearly.items():
            for j, fy in enumerate(self.financial_years):
                rows.append({"measure": measure, "financial_year": fy, **_stats(a[:, j])})
        return pd.DataFrame(rows)

    def _lac_avoided(self) -> Array:
        """Children in care at the end of each month, baseline minus scenario: replications x
        months (made in place: one array besides the scenario's)."""
        avoided: Array = self.baseline_results.array("lac_stock")
        avoided -= self.scenario_results.array("lac_stock")
        return avoided

    def savings_by_locality(self, basis: str = "real") -> pd.DataFrame:
        """Per financial year and locality: net savings (services, one-offs and services costed
        as posts are ``authority-wide``) and children in care avoided (average over the year)."""
        d = self._array("baseline", basis, "locality_year")
        d -= self._array("scenario", basis, "locality_year")
        # Children in care by locality: the six placement kinds of the activity record.
        care_months = _in_care_by_locality(self.baseline_results)
        care_months -= _in_care_by_locality(self.scenario_results)
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
        f["children_in_care_avoided"] = self._lac_avoided()
        rows = [{"measure": k, "month": m, **_stats(v[:, t])}
                for k, v in f.items() for t, m in enumerate(self.baseline_results.months)]
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """Over the whole horizon and cumulatively to the end of each financial year: net present
        value (discounted net savings), return on investment (NPV per pound of discounted new
        spending), the probability of having paid back by then (:meth:`payback`) and the
        probability that net savings to then are above zero; ``horizon`` says which months the
        comparison covers."""
        payback = self._payback_months()  # first: it makes (and drops) arrays of its own
        f = self._flows("discounted")
        del f["gross_savings"]
        cum_net = np.cumsum(f["net_savings"], axis=1, out=f["net_savings"])
        cum_new = np.cumsum(f["new_spending"], axis=1, out=f["new_spending"])
        rows = []
        periods = [(f"to end of {fy}", end) for fy, end in zip(self.financial_years, self._year_ends(), strict=True)]
        periods.append(("whole horizon", self.n_months - 1))
        for label, end in periods:
            npv = cum_net[:, end]
            new = cum_new[:, end]
            roi = np.where(new > 0, npv / np.where(new > 0, new, 1.0), np.nan)
            rows.append({"period": label, "measure": "npv", **_stats(npv)})
            rows.append({"period": label, "measure": "roi", **_stats(roi)})
            rows.append({"period": label, "measure": "probability_paid_back",
                         **_stats((payback <= end).astype(float))})
            rows.append({"period": label, "measure": "probability_net_savings_positive",
                         **_stats((npv > 0).astype(float))})
        return pd.DataFrame(rows).assign(horizon=self.horizon)

    def _year_ends(self) -> list[int]:
        """The month index of the last month of each financial year."""
        return [int(np.nonzero(self._years == y)[0][-1]) for y in dict.fromkeys(self._years.tolist())]

    def _payback_months(self) -> Array:
        """Per replication, the month index from which cumulative discounted net savings stay
        above zero to the end of the horizon (0: never below; inf: not within the horizon)."""
        # Asked for by summary, payback and payback_month alike: worked out once (the results
        # never change).
        if self._payback is None:
            net = self._flows("discounted")["net_savings"]
            cum_net = np.cumsum(net, axis=1, out=net)
            self._payback = np.array([_payback(row) for row in cum_net])
        return self._payback

    @property
    def horizon(self) -> str:
        """The months the comparison covers, in words: ``April 2015 to March 2018``."""
        months = self.baseline_results.months
        return f"{months[0]:%B %Y} to {months[-1]:%B %Y}"

    def payback(self) -> pd.DataFrame:
        """The probability of having paid back by the end of each financial year, and the
        median payback month where there is one.

        A replication has paid back by a month when its cumulative discounted net savings are
        above zero then and stay so to the end of the horizon (``horizon``), so the
        probabilities never fall from one year to the next. ``median_payback_month`` (the same
        in every row) is the month by which more than half the replications have paid back, or
        "not within the horizon" when half or fewer pay back by its end: never a median over
        only those that pay back. ``mcse`` is the Monte Carlo standard error of each probability.
        """
        months = self._payback_months()
        n = months.size
        median = self.payback_month()
        rows = []
        for fy, end in zip(self.financial_years, self._year_ends(), strict=True):
            p = float(np.mean(months <= end))
            rows.append({"financial_year": fy, "by_end_of": f"{self.baseline_results.months[end]:%Y-%m}",
                         "probability_paid_back": p, "mcse": float(np.sqrt(p * (1 - p) / n)),
                         "median_payback_month": median or "not within the horizon", "horizon": self.horizon})
        return pd.DataFrame(rows)

    def payback_month(self) -> str | None:
        """The median payback month as ``YYYY-MM``: the first month by which more than half the
        replications have paid back (see :meth:`payback`); None when half or fewer pay back
        within the horizon."""
        months = np.sort(self._payback_months())
        median = months[months.size // 2]  # more than half the replications are at or below it
        if not np.isfinite(median):
            return None
        start = pd.Period(self.baseline_results.months[0], freq="M")
        return str(start + int(median))

    def headline(self, basis: str = "real") -> str:
        """One sentence a finance team can lead with: net savings over the horizon with their 90%
        interval (``basis`` as in :meth:`budget_lines`) and the probability of having paid back
        by the end of the last financial year."""
        net = self._flows(basis)["net_savings"].sum(axis=1) / 1e6
        mean, (lo, hi) = float(net.mean()), np.percentile(net, [5, 95])
        prices = {"nominal": "in cash", "real": f"at {self.base_year} prices",
                  "discounted": f"at {self.base_year} prices, discounted"}[basis]
        verb = "saves a net" if mean >= 0 else "costs a net"
        paid = float(np.mean(self._payback_months() <= self.n_months - 1))
        return (f"Over {self.horizon}, {self.scenario.name} {verb} £{abs(mean):,.2f}m {prices} against "
                f"{self.baseline.name} (90% interval of net savings {_millions(lo)} to {_millions(hi)}); the "
                f"probability "
                f"of having paid back by the end of {self.financial_years[-1]} is {paid:.0%}.")

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
        lines = self.budget_lines(basis)
        lines[money] /= 1e6
        return {
            "budget_lines": label(lines, unit.replace("£", "£m")),
            "payback": self.payback(),
            "savings": label(in_pounds, unit),
            "children_in_care": label(children, "children or child-months"),
            "savings_by_locality": label(self.savings_by_locality(basis), unit),
            "costs": label(self.costs(basis), unit),
            "summary": label(summary, "£ discounted; ROI per £; probabilities"),
        }

    def assumptions(self) -> pd.DataFrame:
        """The two scenarios' settings, field by field, side by side, led by the demand trend
        they share in words (:attr:`demand`), with the source of each setting (the scenario's,
        else the baseline's: :meth:`carecast.Scenario.sources`)."""
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
        # Which demand trend the savings rest on, in words, first (the same in both).
        b, s = {"demand trend": self.demand, **b}, {"demand trend": self.demand, **s}
        keys = list(dict.fromkeys(list(b) + list(s)))
        sources = [self.scenario.source_of(k) or self.baseline.source_of(k) or "" for k in keys]
        return pd.DataFrame({"field": keys, "baseline": [b.get(k, "") for k in keys],
                             "scenario": [s.get(k, "") for k in keys], "source": sources})

    def to_excel(self, path: str | os.PathLike[str], basis: str = "real") -> None:
        """Write a workbook a finance team can hand on: a front sheet ("Summary") with the
        headline (:meth:`headline`), the budget lines by financial year and payback; then one
        sheet per table with plain-language headers carrying one unit each, number formats (£m,
        %, whole children), the header row frozen; the two scenarios' settings and parameters
        last. Written to a temporary file, then moved into place, with the user's usual
        permissions."""
        from . import _workbook

        _workbook.write(self, path, basis)

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


def budget(results: Any, scenario: Any, basis: str = "nominal") -> pd.DataFrame:
    """A scenario's modelled spend by financial year and cost line, in pounds: mean, 5th/50th/
    95th percentiles and Monte Carlo standard error across replications (``Results.budget``).

    ``line`` follows the budget lines of :meth:`Comparison.budget_lines` as spend: placements,
    other statutory activity, estate and existing services, early help, intensive support, new
    services (hubs and teams), the four kinds of one-off, then ``total``; ``cashable`` as there.
    """
    from . import Scenario

    if not isinstance(scenario, Scenario):
        raise ConfigError(f"scenario must be the carecast.Scenario the results were run from, got "
                          f"{type(scenario).__name__}", path="scenario", value=type(scenario).__name__,
                          allowed="the carecast.Scenario the results were run from")
    if basis not in BASES:
        raise ConfigError(f"basis must be one of {BASES}, got {basis!r}", path="basis", value=repr(basis),
                          allowed=", ".join(BASES))
    meta = results._inner.cost_labels(scenario._inner)  # refuses results of another scenario
    costs: Array = results._inner.costs(scenario._inner, basis, "category_year")
    lines = np.array(meta["budget_lines"])
    years = [f"{y}/{(y + 1) % 100:02d}" for y in meta["financial_years"]]
    statutory_cashable = bool(meta["statutory_savings_cashable"])
    rows = []
    for line, label in SPEND_LABELS.items():
        a = costs[:, lines == line, :].sum(axis=1)
        flag = "cashable" if line != "other_statutory_activity" or statutory_cashable else "non-cashable"
        rows += [{"line": label, "cashable": flag, "financial_year": fy, **_stats(a[:, j])}
                 for j, fy in enumerate(years)]
    total = costs.sum(axis=1)
    rows += [{"line": "total", "cashable": "", "financial_year": fy, **_stats(total[:, j])}
             for j, fy in enumerate(years)]
    return pd.DataFrame(rows)


def _millions(pounds_m: float) -> str:
    """£ million with the sign before the pound sign: ``-£2.99m``."""
    return f"{'-' if pounds_m < 0 else ''}£{abs(pounds_m):,.2f}m"


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
    """First month index from which the cumulative series stays above zero; inf if it ends at
    or below zero."""
    below = np.nonzero(cumulative <= 0)[0]
    if below.size == 0:
        return 0.0
    last = int(below[-1])
    return float(last + 1) if last + 1 < cumulative.size else np.inf


#: The run options of :func:`compare` after its scenarios, in the order they may be given.
_RUN_OPTIONS = ("replications", "years", "seed", "threads", "progress", "parameter_uncertainty")


@overload
def compare(baseline: Scenario, scenario: Scenario, replications: SupportsIndex | range = 100,
            years: SupportsIndex = 10, seed: SupportsIndex = 20150401, threads: SupportsIndex | None = None,
            progress: bool | Callable[[int, int], object] | None = None,
            parameter_uncertainty: bool = True) -> Comparison: ...


@overload
def compare(baseline: Scenario, scenario: Scenario, other: Scenario, /, *scenarios: Scenario,
            replications: SupportsIndex | range = 100, years: SupportsIndex = 10, seed: SupportsIndex = 20150401,
            threads: SupportsIndex | None = None, progress: bool | Callable[[int, int], object] | None = None,
            parameter_uncertainty: bool = True) -> Options: ...


def compare(baseline: Any = None, *args: Any, **options: Any) -> Comparison | Options:
    """Run each scenario against ``baseline`` with the same seed (common random numbers) and
    compare costs and savings.

    With one scenario, a :class:`Comparison`. With several (``compare(baseline, a, b, ...)``,
    the run options then by keyword), an :class:`~carecast.Options`: the baseline is run once
    and each scenario against it, so each of its comparisons is the very one ``compare(baseline,
    a)`` gives, and the options are compared on the same random numbers. Every scenario must
    describe the baseline's authority from its start month, with the same demand trend
    (:func:`check_same_demand`). With ``parameter_uncertainty=False`` every uncertain effect size
    and unit cost is fixed at its central value, so the intervals show chance alone; comparing
    the two tells parameter uncertainty from chance. A comparison that will not fit in memory
    (each scenario's run beside the results kept before it) is refused with ``ResourceError``
    before any run starts.
    """
    from . import _MAX_YEARS, _USIZE_MAX, Scenario, _replication_range, _whole
    from .options import Options

    if not isinstance(baseline, Scenario):
        raise ConfigError(f"baseline must be a carecast.Scenario, got {type(baseline).__name__}", path="baseline",
                          value=type(baseline).__name__, allowed="a carecast.Scenario")
    if "scenario" in options:  # compare(baseline, scenario=...), as before several could be given
        args = (options.pop("scenario"), *args)
    scenarios = []
    for value in args:
        if not isinstance(value, Scenario):
            break
        scenarios.append(value)
    positional = args[len(scenarios):]
    if not scenarios:
        name, value = ("scenario", args[0]) if args else ("scenario", None)
        raise ConfigError(f"{name} must be a carecast.Scenario, got {type(value).__name__}", path=name,
                          value=type(value).__name__, allowed="a carecast.Scenario")
    if len(scenarios) > 1 and positional:
        raise ConfigError(f"with several scenarios the run options go by name (replications=..., years=...); "
                          f"got {type(positional[0]).__name__} after the scenarios", path="scenarios",
                          value=type(positional[0]).__name__, allowed="carecast.Scenario")
    if len(positional) > len(_RUN_OPTIONS):
        raise TypeError(f"compare() takes at most {len(_RUN_OPTIONS)} run options after the scenarios")
    for key, value in zip(_RUN_OPTIONS, positional, strict=False):
        if key in options:
            raise TypeError(f"compare() got multiple values for argument {key!r}")
        options[key] = value
    unknown = set(options) - set(_RUN_OPTIONS)
    if unknown:
        raise TypeError(f"compare() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    replications = options.get("replications", 100)
    years = options.get("years", 10)
    seed = options.get("seed", 20150401)
    threads = options.get("threads")
    progress = options.get("progress")

    for scenario in scenarios:
        if baseline.authority != scenario.authority:
            raise ConfigError(
                f"cannot compare scenarios of different authorities: baseline `{baseline.authority}`, "
                f"scenario `{scenario.authority}`",
                path="authority", value=scenario.authority,
                allowed=f"`{baseline.authority}`, the baseline's authority")
        if baseline.to_dict()["start"] != scenario.to_dict()["start"]:
            raise ConfigError("cannot compare scenarios that start in different months", path="start",
                              value=scenario.to_dict()["start"], allowed=baseline.to_dict()["start"])
        check_same_demand(baseline, scenario)  # before the runs
    if not options.get("parameter_uncertainty", True):
        baseline, scenarios = central(baseline), [central(s) for s in scenarios]
    # Refused before the baseline runs if a scenario's run will not fit beside the results kept.
    first, n = _replication_range(replications)
    y = _whole("years", years, 1, _MAX_YEARS)
    t = None if threads is None else _whole("threads", threads, 1, _USIZE_MAX, "or None")
    baseline._inner.check_comparison_memory([s._inner for s in scenarios], n, y, t, first)
    b = baseline.run(replications, years, seed, threads, progress)
    comparisons = [Comparison(baseline, s, b, s.run(replications, years, seed, threads, progress)) for s in scenarios]
    return comparisons[0] if len(comparisons) == 1 else Options(comparisons)
