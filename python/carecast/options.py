"""Options side by side, and a programme's levers as a waterfall, under common random numbers.

:class:`Options` is what ``carecast.compare(baseline, a, b, ...)`` returns: one
:class:`~carecast.Comparison` per option against a baseline run once, and tables that set the
options side by side. :func:`waterfall` cuts one scenario into its levers (a dated policy change,
or the changes sharing a ``lever`` name, with the costs that go with them: docs/finance.md) and
shows each alone and added in sequence, from the baseline to the full programme.

>>> import carecast
>>> base = carecast.Scenario.preset("wolverhampton-2015")
>>> redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
>>> hubs = redesign.with_levers(base, ["Strengthening Families Hubs"])
>>> options = carecast.compare(base, redesign, hubs, replications=4, years=2, seed=1, progress=False)
>>> options.names
['wolverhampton-2015-redesign', 'wolverhampton-2015 + Strengthening Families Hubs']
>>> w = carecast.waterfall(base, redesign, replications=4, years=2, seed=1, progress=False)
>>> list(w.table().query("measure == 'added'")["lever"])
['Reunification support', 'Specialist Intensive Support Service', 'Strengthening Families Hubs']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import ConfigError
from .finance import BASES, Comparison, _stats, central, write_csv

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from . import Results, Scenario

Array = npt.NDArray[np.float64]
STATS = ["mean", "p5", "p50", "p95", "mcse"]
#: The measures of a waterfall, and their units.
METRICS = {"net_savings": "£", "in_care": "children"}


def _prices(base_year: str, basis: str) -> str:
    return {"nominal": "cash", "real": f"{base_year} prices", "discounted": f"{base_year} prices, discounted"}[basis]


def _check_basis(basis: str) -> None:
    if basis not in BASES:
        raise ConfigError(f"basis must be one of {BASES}, got {basis!r}", path="basis", value=repr(basis),
                          allowed=", ".join(BASES))


def total_cost(results: Results, scenario: Scenario, basis: str) -> Array:
    """Each replication's cost over the whole horizon, in pounds (``basis`` as in
    :meth:`Comparison.budget_lines`)."""
    _check_basis(basis)
    costs: Array = results._inner.costs(scenario._inner, basis, "category_year")
    total: Array = costs.sum(axis=(1, 2))
    return total


def in_care_last_year(results: Results) -> tuple[Array, str]:
    """Each replication's children looked after, averaged over the months of the horizon's last
    financial year, and that year (``2017/18``)."""
    months = results.months
    years = np.where(months.month >= 4, months.year, months.year - 1)
    last = int(years[-1])
    stock: Array = results.array("lac_stock")[:, years == last].mean(axis=1)
    return stock, f"{last}/{(last + 1) % 100:02d}"


def _interval(mean: float, p5: float, p95: float, scale: float, digits: int) -> str:
    return f"{mean / scale:,.{digits}f} ({p5 / scale:,.{digits}f} to {p95 / scale:,.{digits}f})"


class Options:
    """Several options (scenarios) against one baseline, run with common random numbers: the
    baseline once, each option with the same seed. ``comparisons[i]`` is option ``i``'s
    :class:`~carecast.Comparison`, the very one ``carecast.compare(baseline, option)`` gives;
    the tables here set the options side by side, one row per option (``option``), each figure
    with its mean, 5th/50th/95th percentiles and Monte Carlo standard error across replications.
    """

    def __init__(self, comparisons: list[Comparison]) -> None:
        if not comparisons:
            raise ConfigError("Options needs at least one comparison", path="comparisons", value="[]",
                              allowed="comparisons of options against one baseline run")
        first = comparisons[0]
        for c in comparisons[1:]:
            if c.baseline_results is not first.baseline_results:
                raise ConfigError("the comparisons of Options share one baseline run", path="comparisons",
                                  value=repr(c), allowed=f"comparisons against {first.baseline.name}'s one run")
        self.comparisons = comparisons
        self.baseline = first.baseline
        self.baseline_results = first.baseline_results
        #: The options' names, made unique (a repeated name gets its position: ``name (2)``).
        self.names: list[str] = []
        for i, c in enumerate(comparisons, start=1):
            name = c.scenario.name
            self.names.append(name if name not in self.names else f"{name} ({i})")
        self.financial_years = first.financial_years
        self.base_year = first.base_year
        self.horizon = first.horizon

    def __len__(self) -> int:
        return len(self.comparisons)

    def __iter__(self) -> Iterator[Comparison]:
        return iter(self.comparisons)

    def __getitem__(self, key: int | str) -> Comparison:
        """An option's comparison, by position or name."""
        if isinstance(key, str):
            if key not in self.names:
                raise ConfigError(f"no option called {key!r}", path="option", value=key,
                                  allowed=", ".join(self.names))
            return self.comparisons[self.names.index(key)]
        return self.comparisons[key]

    def _each(self, table: Callable[[Comparison], pd.DataFrame]) -> pd.DataFrame:
        return pd.concat([table(c).assign(option=name) for name, c in zip(self.names, self.comparisons, strict=True)],
                         ignore_index=True).pipe(lambda df: df[["option", *[x for x in df.columns if x != "option"]]])

    def net_savings(self, basis: str = "real") -> pd.DataFrame:
        """Net savings (baseline minus option cost, in pounds) by option and financial year."""
        return self._each(lambda c: c.savings(basis).query("measure == 'net_savings'").drop(columns="measure"))

    def budget_lines(self, basis: str = "real") -> pd.DataFrame:
        """Each option's budget lines by financial year (:meth:`Comparison.budget_lines`)."""
        return self._each(lambda c: c.budget_lines(basis))

    def children_in_care_avoided(self) -> pd.DataFrame:
        """Children in care avoided (baseline minus option, averaged over the months of each
        financial year) by option and financial year."""
        return self._each(lambda c: c.savings().query("measure == 'children_in_care_avoided'").drop(columns="measure"))

    def payback(self) -> pd.DataFrame:
        """The probability of having paid back by the end of each financial year, by option
        (:meth:`Comparison.payback`)."""
        return self._each(lambda c: c.payback())

    def summary(self, basis: str = "real") -> pd.DataFrame:
        """The headline figures, one row per option and measure: ``net_savings`` over the
        horizon (pounds, ``basis``), ``npv`` (net present value over the horizon, discounted
        pounds), ``probability_paid_back`` by the end of the horizon, and
        ``children_in_care_avoided`` in the last financial year (average over its months);
        ``median_payback_month`` beside them (or "not within the horizon")."""
        _check_basis(basis)
        base_total = total_cost(self.baseline_results, self.baseline, basis)
        base_care, last = in_care_last_year(self.baseline_results)
        rows = []
        for name, c in zip(self.names, self.comparisons, strict=True):
            net = base_total - total_cost(c.scenario_results, c.scenario, basis)
            care = base_care - in_care_last_year(c.scenario_results)[0]
            npv = c.summary().query("period == 'whole horizon' and measure == 'npv'").iloc[0]
            paid = c.payback().iloc[-1]
            n = c.baseline_results.replications
            p = float(paid["probability_paid_back"])
            median = c.payback_month() or "not within the horizon"
            common = {"option": name, "median_payback_month": median, "horizon": self.horizon}
            rows += [
                {**common, "measure": "net_savings", "unit": f"£ {_prices(self.base_year, basis)}", **_stats(net)},
                {**common, "measure": "npv", "unit": f"£ {_prices(self.base_year, 'discounted')}",
                 **{k: float(npv[k]) for k in STATS}},
                {**common, "measure": "probability_paid_back", "unit": f"share, by the end of {last}",
                 "mean": p, "p5": np.nan, "p50": np.nan, "p95": np.nan, "mcse": float(np.sqrt(p * (1 - p) / n))},
                {**common, "measure": "children_in_care_avoided", "unit": f"children, average over {last}",
                 **_stats(care)},
            ]
        columns = ["option", "measure", "unit", *STATS, "median_payback_month", "horizon"]
        return pd.DataFrame(rows)[columns]

    def side_by_side(self, basis: str = "real") -> pd.DataFrame:
        """The headline figures and net savings by financial year in words, one column per
        option: each cell ``mean (5th to 95th percentile)``, money in £ million."""
        summary = self.summary(basis)
        prices = _prices(self.base_year, basis)
        rows: dict[str, dict[str, str]] = {}
        by_year = self.net_savings(basis)
        for rec in by_year.to_dict("records"):
            label = f"net savings {rec['financial_year']} (£m {prices})"
            rows.setdefault(label, {})[str(rec["option"])] = _interval(rec["mean"], rec["p5"], rec["p95"], 1e6, 2)
        labels = {"net_savings": f"net savings over the horizon (£m {prices})",
                  "npv": f"net present value (£m {_prices(self.base_year, 'discounted')})",
                  "children_in_care_avoided": None, "probability_paid_back": None}
        for rec in summary.to_dict("records"):
            name, measure = str(rec["option"]), str(rec["measure"])
            if measure == "probability_paid_back":
                rows.setdefault(f"probability of having paid back ({rec['unit'].split(', ')[1]})", {})[name] = (
                    f"{rec['mean']:.0%}")
                rows.setdefault("median payback month", {})[name] = str(rec["median_payback_month"])
            elif measure == "children_in_care_avoided":
                rows.setdefault(f"children in care avoided ({rec['unit']})", {})[name] = _interval(
                    rec["mean"], rec["p5"], rec["p95"], 1.0, 0)
            else:
                rows.setdefault(str(labels[measure]), {})[name] = _interval(rec["mean"], rec["p5"], rec["p95"], 1e6, 2)
        table = pd.DataFrame.from_dict(rows, orient="index")[self.names]
        return table.rename_axis("measure").reset_index()

    def headline(self, basis: str = "real") -> str:
        """One sentence per option (:meth:`Comparison.headline`), in order."""
        return "\n".join(c.headline(basis) for c in self.comparisons)

    def tables(self, basis: str = "real") -> dict[str, pd.DataFrame]:
        """Every side-by-side table, by name (money in pounds, as the CSV files keep it)."""
        return {"options_summary": self.summary(basis), "options_net_savings": self.net_savings(basis),
                "options_budget_lines": self.budget_lines(basis), "options_payback": self.payback(),
                "options_children_in_care": self.children_in_care_avoided()}

    def to_csv(self, directory: str | os.PathLike[str], basis: str = "real") -> None:
        """Write the side-by-side tables into ``directory`` (created), and each option's own
        tables (those of :meth:`Comparison.to_csv`) beside them as ``option_1_budget_lines.csv``
        and so on, each file atomically."""
        os.makedirs(directory, exist_ok=True)
        for name, df in self.tables(basis).items():
            write_csv(os.path.join(directory, f"{name}.csv"), df)
        for i, c in enumerate(self.comparisons, start=1):
            tables = c.tables(basis)
            tables["assumptions"] = c.assumptions()
            for name, df in tables.items():
                write_csv(os.path.join(directory, f"option_{i}_{name}.csv"), df)

    def to_excel(self, path: str | os.PathLike[str], basis: str = "real") -> None:
        """Write a workbook: the options side by side first ("Options": the headline figures
        and net savings by year, one column per option), then the summary, net savings, budget
        lines and payback of every option as tables with one unit per column, formatted as
        :meth:`Comparison.to_excel` formats its sheets."""
        from . import _workbook

        _workbook.write_options(self, path, basis)

    def plot(self, basis: str = "real") -> Figure:
        """Net savings over the horizon and children in care avoided in the last financial year,
        option by option (mean and 90% interval)."""
        from .plots import options_chart

        return options_chart(self, basis)

    def __repr__(self) -> str:
        return (f"Options({self.names!r} against {self.baseline.name!r}, {self.baseline_results.replications} "
                f"replications, seed {self.baseline_results.seed})")


class Waterfall:
    """A programme's levers from the baseline to the full programme (:func:`waterfall`), each
    replication's figures kept: ``alone[lever]`` (the baseline plus that lever only, against the
    baseline), ``cumulative[lever]`` (the baseline plus the levers up to and including it) and
    ``added[lever]`` (what it adds to those before it: its cumulative minus the one before), each
    an array over replications; the last lever's cumulative is the full programme's difference,
    to which the ``added`` column sums exactly in every replication."""

    def __init__(self, baseline: Scenario, scenario: Scenario, levers: pd.DataFrame, alone: dict[str, Array],
                 cumulative: dict[str, Array], metric: str, unit: str, label: str) -> None:
        self.baseline = baseline
        self.scenario = scenario
        self.levers: list[str] = list(levers["lever"])
        self._from = dict(zip(levers["lever"], levers["from"], strict=True))
        self.alone = alone
        self.cumulative = cumulative
        before = np.zeros_like(next(iter(cumulative.values())))
        self.added: dict[str, Array] = {}
        for lever in self.levers:
            self.added[lever] = cumulative[lever] - before
            before = cumulative[lever]
        #: What the figures are, e.g. ``net_savings``, and their unit and plain-words label.
        self.metric, self.unit, self.label = metric, unit, label

    @property
    def full(self) -> Array:
        """The full programme's difference from the baseline, per replication."""
        return self.cumulative[self.levers[-1]]

    def table(self) -> pd.DataFrame:
        """The waterfall as a tidy table: for each lever in order (``step``, ``lever``,
        ``from``), three rows, ``measure`` ``alone``, ``added`` and ``cumulative``, then the
        ``full programme`` (``total``) and the ``interaction`` (full programme minus the sum of
        the levers alone: what the levers do together beyond their separate effects), each with
        the mean, 5th/50th/95th percentiles and Monte Carlo standard error across replications
        of the paired difference from the baseline, and the ``unit``."""
        rows = []
        for step, lever in enumerate(self.levers, start=1):
            for measure, values in (("alone", self.alone), ("added", self.added), ("cumulative", self.cumulative)):
                rows.append({"step": step, "lever": lever, "from": self._from[lever], "measure": measure,
                             **_stats(values[lever])})
        interaction = self.full - np.sum([self.alone[x] for x in self.levers], axis=0)
        rows.append({"step": len(self.levers) + 1, "lever": "full programme", "from": None, "measure": "total",
                     **_stats(self.full)})
        rows.append({"step": len(self.levers) + 1, "lever": "interaction", "from": None, "measure": "interaction",
                     **_stats(interaction)})
        return pd.DataFrame(rows).assign(unit=self.unit)

    def text(self) -> str:
        """The waterfall in plain words, a line per lever (alone, added, cumulative; mean and
        90% interval)."""
        money = self.unit.startswith("£")
        scale, digits = (1e6, 2) if money else (1.0, 0)
        unit = self.unit.replace("£", "£m", 1) if money else self.unit
        t = self.table()
        width = max(len(x) for x in [*self.levers, "full programme"]) + 2
        out = [f"Levers of {self.scenario.name}, from {self.baseline.name} to the full programme: {self.label} "
               f"({unit}; mean, 90% interval), each lever alone, then added in sequence",
               f"  {'lever':{width}s} {'alone':>28s} {'added':>28s} {'cumulative':>28s}"]
        for lever in self.levers:
            cells = []
            for measure in ("alone", "added", "cumulative"):
                r = t[(t.lever == lever) & (t.measure == measure)].iloc[0]
                cells.append(f"{_interval(r['mean'], r['p5'], r['p95'], scale, digits):>28s}")
            out.append(f"  {lever:{width}s} {' '.join(cells)}")
        full = t[t.measure == "total"].iloc[0]
        inter = t[t.measure == "interaction"].iloc[0]
        out.append(f"  {'full programme':{width}s} {'':>28s} {'':>28s} "
                   f"{_interval(full['mean'], full['p5'], full['p95'], scale, digits):>28s}")
        out.append(f"  Interaction (the full programme minus the sum of the levers alone): "
                   f"{_interval(inter['mean'], inter['p5'], inter['p95'], scale, digits)}. The 'added' column sums "
                   f"to the full programme in every replication.")
        return "\n".join(out)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`table` as CSV to ``path``, atomically."""
        write_csv(path, self.table())

    def plot(self, ax: Axes | None = None) -> Figure:
        """The waterfall chart (:func:`carecast.plots.waterfall`)."""
        from .plots import waterfall as chart

        return chart(self, ax)

    def __repr__(self) -> str:
        return (f"Waterfall({self.scenario.name!r} against {self.baseline.name!r}, {len(self.levers)} levers, "
                f"{self.metric})")


def waterfall(baseline: Scenario, scenario: Scenario, replications: SupportsIndex | range = 100,
              years: SupportsIndex = 10, seed: SupportsIndex = 20150401, threads: SupportsIndex | None = None,
              progress: bool | Callable[[int, int], object] | None = None, metric: str = "net_savings",
              basis: str = "real", parameter_uncertainty: bool = True) -> Waterfall:
    """Each lever of ``scenario`` (:meth:`Scenario.levers`) alone and added in sequence, from
    ``baseline`` to the full programme, every run with the same seed (common random numbers).

    ``metric``: ``net_savings`` (baseline minus scenario cost over the horizon, in pounds at
    ``basis``: ``real`` base-year prices, ``nominal`` cash, or ``discounted``, the net present
    value) or ``in_care`` (children in care avoided, averaged over the horizon's last financial
    year). Runs the baseline, the full programme, each lever alone and the programme built up to
    each lever but the last (``2 x levers`` runs, one fewer when the first lever alone is the
    first step). ``parameter_uncertainty=False`` fixes every uncertain parameter at its central
    value, as in :func:`carecast.compare`.
    """
    from . import Scenario

    for name, value in (("baseline", baseline), ("scenario", scenario)):
        if not isinstance(value, Scenario):
            raise ConfigError(f"{name} must be a carecast.Scenario, got {type(value).__name__}", path=name,
                              value=type(value).__name__, allowed="a carecast.Scenario")
    if metric not in METRICS:
        raise ConfigError(f"metric must be one of {tuple(METRICS)}, got {metric!r}", path="metric",
                          value=repr(metric), allowed=", ".join(METRICS))
    _check_basis(basis)
    levers = scenario.levers(baseline)  # refuses scenarios that differ in more than their levers
    names = list(levers["lever"])
    steps: dict[tuple[str, ...], Scenario] = {(): baseline, tuple(names): scenario}
    for k, lever in enumerate(names):
        steps.setdefault((lever,), scenario.with_levers(baseline, [lever]))
        steps.setdefault(tuple(names[:k + 1]), scenario.with_levers(baseline, names[:k + 1]))
    if not parameter_uncertainty:
        steps = {key: central(s) for key, s in steps.items()}

    base_year = str(baseline.to_dict()["costs"]["base_year"])
    if metric == "net_savings":
        unit, label = f"£ {_prices(base_year, basis)}", "net savings over the horizon"
    else:
        unit, label = "children", "children in care avoided"

    def measure(s: Scenario) -> Array:
        results = s.run(replications, years, seed, threads, progress)
        if metric == "net_savings":
            return total_cost(results, s, basis)
        stock, last = in_care_last_year(results)
        nonlocal label
        label = f"children in care avoided (average over {last})"
        return stock

    figures = {key: measure(s) for key, s in steps.items()}
    base = figures[()]
    # Savings and children avoided are baseline minus step, so that a lever that helps is positive.
    alone = {lever: base - figures[(lever,)] for lever in names}
    cumulative = {lever: base - figures[tuple(names[:k + 1])] for k, lever in enumerate(names)}
    return Waterfall(baseline, scenario, levers, alone, cumulative, metric, unit, label)
