"""Charts for commissioners and finance teams (matplotlib). Every function returns the figure,
titled, with labelled axes and units, and shows uncertainty across replications.

>>> import carecast, carecast.plots as cp
>>> r = carecast.Scenario.preset("wolverhampton-2015").run(8, 2, seed=1, progress=False)
>>> fig = cp.fan_chart(r, "lac_stock")
>>> fig.axes[0].get_ylabel()
'children'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from . import Results, Scenario
from ._errors import ConfigError
from .finance import Comparison
from .labels import GROUP_NAMES, colour, display, line_key
from .options import Options, Waterfall

Array = npt.NDArray[np.float64]

#: Units of each indicator, for axis labels.
UNITS = {
    "lac_stock": "children",
    "lac_entries": "children a month",
    "lac_exits": "children a month",
    "lac_rate_per_10k": "per 10,000 children",
    "early_help_waiting": "families",
    "early_help_families": "families",
    "intensive_support_cases": "families",
    "assessments": "children a month",
    "population": "children",
}
#: Readable names of indicators, for titles.
NAMES = {
    "lac_stock": "Children looked after",
    "lac_entries": "Children entering care",
    "lac_rate_per_10k": "Children looked after per 10,000",
    "early_help_waiting": "Families waiting for early help",
    "early_help_families": "Families in early help",
    "intensive_support_cases": "Families in intensive support",
}


def _new_axes(ax: Axes | None, size: tuple[float, float] = (9, 4.5)) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.get_figure()
        assert isinstance(fig, Figure)
        return fig, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _time_axis(ax: Axes) -> None:
    """Month labels that stay readable in narrow panels."""
    # matplotlib leaves these two constructors unannotated.
    locator = AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _fan(ax: Axes, months: Any, a: Array, label: str, color: str) -> None:
    p5, p25, p50, p75, p95 = np.percentile(a, [5, 25, 50, 75, 95], axis=0)
    ax.fill_between(months, p5, p95, color=color, alpha=0.15, linewidth=0, label=f"{label}: 90% interval")
    ax.fill_between(months, p25, p75, color=color, alpha=0.3, linewidth=0, label=f"{label}: 50% interval")
    ax.plot(months, p50, color=color, linewidth=2, label=f"{label}: median")


def _mark_reported(ax: Axes, months: pd.DatetimeIndex, scenario: Scenario | None, indicator: str) -> None:
    """Children in care reported for the authority (``Scenario.reported``), as black points
    within the chart's months: what was counted, beside what the model projects."""
    if scenario is None or indicator != "lac_stock":
        return
    figures = scenario.reported()
    figures = figures[figures.measure == "children_in_care"]
    ends = {m.strftime("%Y-%m"): m for m in months}
    shown = [(ends[m], v) for m, v in zip(figures.month, figures.value, strict=True) if m in ends]
    if shown:
        x, y = zip(*shown, strict=True)
        ax.scatter(x, y, color="black", marker="D", s=28, zorder=5, label="reported (Scenario.reported)")


def fan_chart(results: Results, indicator: str = "lac_stock", ax: Axes | None = None,
              label: str = "scenario", title: str | None = None, reported: Scenario | None = None) -> Figure:
    """A monthly indicator with its median and 50% and 90% intervals across replications;
    ``reported``: a scenario whose reported children in care (:meth:`Scenario.reported`) are
    marked on a chart of ``lac_stock``."""
    fig, ax = _new_axes(ax)
    _fan(ax, results.months, results.array(indicator), label, "C0")
    _mark_reported(ax, results.months, reported, indicator)
    ax.set_title(title or f"{NAMES.get(indicator, display(indicator))} ({results.replications} replications)")
    ax.set_xlabel("month")
    _time_axis(ax)
    ax.set_ylabel(UNITS.get(indicator, indicator))
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def compare_fans(baseline: Results, scenario: Results, indicator: str = "lac_stock",
                 labels: Sequence[str] = ("baseline", "scenario"), title: str | None = None,
                 reported: Scenario | None = None) -> Figure:
    """Baseline and scenario fans of one indicator, overlaid; ``reported``: a scenario whose
    reported children in care (:meth:`Scenario.reported`) are marked on a chart of ``lac_stock``."""
    fig, ax = _new_axes(None)
    _fan(ax, baseline.months, baseline.array(indicator), labels[0], "C7")
    _fan(ax, scenario.months, scenario.array(indicator), labels[1], "C0")
    _mark_reported(ax, scenario.months, reported, indicator)
    ax.set_title(title or f"{NAMES.get(indicator, display(indicator))}: {labels[1]} against {labels[0]}")
    ax.set_xlabel("month")
    _time_axis(ax)
    ax.set_ylabel(UNITS.get(indicator, indicator))
    ax.legend(loc="best", fontsize="small", ncol=2)
    ax.grid(alpha=0.3)
    return fig


def flows(results: Results, first_month: int = 0, months: int = 12, top: int = 16,
          exclude: Sequence[str] = ("birth", "turned_eighteen")) -> Figure:
    """Children moving between states over a period (mean and 90% interval across
    replications), the largest moves first: a bar-chart equivalent of a Sankey diagram. Births
    and 18th birthdays outside care are left out by default (they dwarf the service moves)."""
    raw = results._inner.flows_by_replication()[:, :, first_month:first_month + months].sum(axis=2)
    from . import _core

    means = raw.mean(axis=0)
    keep = np.array([name not in exclude for name in _core.MOVES])
    order = [i for i in np.argsort(means)[::-1] if keep[i]][:top]
    p5, p95 = np.percentile(raw[:, order], [5, 95], axis=0)
    names = [_core.MOVES[i].replace("_", " ") for i in order]
    fig, ax = _new_axes(None, (9, 0.35 * len(order) + 1.5))
    y = np.arange(len(order))[::-1]
    ax.barh(y, means[order], xerr=[means[order] - p5, p95 - means[order]], color="C0", alpha=0.8,
            error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(y, names)
    start = results.months[first_month]
    end = results.months[min(first_month + months, len(results.months)) - 1]
    ax.set_title(f"Moves between states, {start:%b %Y} to {end:%b %Y} (mean, 90% interval)")
    ax.set_xlabel("children (families for intensive support starts)")
    ax.grid(axis="x", alpha=0.3)
    return fig


def stocks_by_locality(results: Results, state: str = "looked_after") -> Figure:
    """Mean children in one state in each locality, month by month."""
    df = results.stocks(by=["state", "locality"])
    df = df[df.state == state]
    fig, ax = _new_axes(None)
    for i, (loc, part) in enumerate(df.groupby("locality", sort=False)):
        ax.plot(part["month"], part["mean"], label=str(loc), color=f"C{i % 10}")
    ax.set_title(f"Children {state.replace('_', ' ')}, by locality (mean of {results.replications} replications)")
    ax.set_xlabel("month")
    _time_axis(ax)
    ax.set_ylabel("children")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def waiting_lists(results: Results) -> Figure:
    """Families waiting for early help: the authority's fan, and each locality's mean."""
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    fan_chart(results, "early_help_waiting", ax=left, title="Families waiting for early help")
    queues = results._inner.queues()["mean"]  # locality x month
    for i, loc in enumerate(results.localities):
        right.plot(results.months, queues[i], label=loc, color=f"C{i % 10}")
    right.set_title("Waiting, by locality (mean)")
    right.set_xlabel("month")
    _time_axis(right)
    right.set_ylabel("families")
    right.legend(fontsize="x-small", ncol=2)
    right.grid(alpha=0.3)
    return fig


def savings_by_year(comparison: Comparison, basis: str = "real") -> Figure:
    """Gross savings (placements, other statutory activity and estate avoided), new spending
    (reinvestment and one-offs) and net savings by financial year (mean and 90% interval), with
    the savings reported for the scenario (:meth:`Scenario.reported`, in cash of their year) as
    black points."""
    s = comparison.savings(basis)
    measures = [(m, display(m), colour(m)) for m in ("gross_savings", "new_spending", "net_savings")]
    fig, ax = _new_axes(None)
    years = comparison.financial_years
    x = np.arange(len(years))
    width = 0.27
    for k, (m, label, color) in enumerate(measures):
        part = s[s.measure == m]
        mean = part["mean"].to_numpy() / 1e6
        lo, hi = part["p5"].to_numpy() / 1e6, part["p95"].to_numpy() / 1e6
        ax.bar(x + (k - 1) * width, mean, width, yerr=[mean - lo, hi - mean], label=label, color=color,
               capsize=3, alpha=0.85)
    figures = comparison.scenario.reported()
    figures = figures[(figures.measure == "savings") & figures.financial_year.isin(years)]
    if len(figures):
        # Beside gross savings, what reported programme savings are nearest to (docs/finance.md).
        ax.scatter([years.index(y) - width for y in figures.financial_year], figures.value / 1e6, color="black",
                   marker="D", s=28, zorder=5, label="reported savings (cash; Scenario.reported)")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, years)
    ax.set_xlabel("financial year")
    ax.set_ylabel(f"£ million ({_basis_label(comparison, basis)})")
    ax.set_title(f"Savings of {comparison.scenario.name} against {comparison.baseline.name} (mean, 90% interval)")
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return fig


def cumulative_savings(comparison: Comparison, basis: str = "discounted") -> Figure:
    """Cumulative net savings month by month, with 50% and 90% intervals."""
    net = np.cumsum(comparison._flows(basis)["net_savings"], axis=1) / 1e6
    fig, ax = _new_axes(None)
    _fan(ax, comparison.baseline_results.months, net, "cumulative net savings", colour("net_savings"))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_title(f"Cumulative net savings of {comparison.scenario.name}")
    ax.set_xlabel("month")
    _time_axis(ax)
    ax.set_ylabel(f"£ million ({_basis_label(comparison, basis)})")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def difference_fan(comparison: Comparison, measure: str = "children_in_care_avoided",
                   basis: str = "real") -> Figure:
    """The paired difference, baseline minus scenario, replication by replication, month by
    month: ``children_in_care_avoided`` or ``net_savings`` (£ million a month). Where two close
    scenarios' overlaid fans are one blob, this shows what the change does and how sure it is."""
    if measure == "children_in_care_avoided":
        diff = comparison.baseline_results.array("lac_stock") - comparison.scenario_results.array("lac_stock")
        unit = "children"
    elif measure == "net_savings":
        diff = comparison._flows(basis)["net_savings"] / 1e6
        unit = f"£ million a month ({_basis_label(comparison, basis)})"
    else:
        raise ValueError(f"measure must be children_in_care_avoided or net_savings, got {measure!r}")
    fig, ax = _new_axes(None)
    _fan(ax, comparison.baseline_results.months, diff, display(measure), colour("net_savings"))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_title(f"{display(measure).capitalize()}, paired by replication\n{comparison.scenario.name} against "
                 f"{comparison.baseline.name}")
    ax.set_xlabel("month")
    _time_axis(ax)
    ax.set_ylabel(unit)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def cost_groups(comparison: Comparison, basis: str = "real", most: int = 7) -> pd.DataFrame:
    """Mean cost in £ million by group (a column each) for each run and financial year (a row
    each): the budget lines as spend, the four one-offs together, at most ``most`` groups with
    the rest as "other"; groups below £10,000 throughout are left out."""
    costs = comparison.costs(basis)
    group = dict(zip(comparison.categories, (line_key(x) for x in comparison._lines), strict=True))
    costs = costs.assign(group=costs.category.map(group))
    table = costs.pivot_table(index=["run", "financial_year"], columns="group", values="mean", aggfunc="sum",
                              sort=False) / 1e6
    order = [g for g in GROUP_NAMES if g in table.columns]
    table = table[order]
    table = table.loc[:, table.abs().max() > 0.01]
    if table.shape[1] > most:
        biggest = table.abs().max().sort_values(ascending=False).index[:most - 1]
        kept = [g for g in table.columns if g in biggest]
        table = table[kept].assign(other=table.drop(columns=kept).sum(axis=1))
    return table.rename(columns={g: GROUP_NAMES.get(str(g), display(str(g))) for g in table.columns})


def cost_breakdown(comparison: Comparison, basis: str = "real") -> Figure:
    """Mean cost by group and financial year, baseline beside scenario (stacked bars): at most
    seven groups (:func:`cost_groups`), each in the colour of its budget line everywhere."""
    table = cost_groups(comparison, basis)
    fig, ax = _new_axes(None, (11, 5))
    labels = [f"{fy}\n{run}" for run, fy in table.index]
    bottom = np.zeros(len(table))
    for group in table.columns:
        values = table[group].to_numpy()
        ax.bar(range(len(table)), values, bottom=bottom, label=group, color=colour(group))
        bottom += values
    ax.set_xticks(range(len(table)), labels, fontsize="small")
    ax.set_ylabel(f"£ million ({_basis_label(comparison, basis)})")
    ax.set_title("Cost by budget line (mean over replications)")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return fig


def _basis_label(comparison: Comparison, basis: str) -> str:
    return {"nominal": "cash", "real": f"{comparison.base_year} prices",
            "discounted": f"{comparison.base_year} prices, discounted"}[basis]


def options_chart(options: Options, basis: str = "real") -> Figure:
    """Options side by side: net savings over the horizon (£ million) and children in care
    avoided in the last financial year, each option's mean with its 90% interval."""
    summary = options.summary(basis)
    fig = Figure(figsize=(11, 0.6 * len(options) + 2.5), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(options))
    for ax, measure, scale, key in ((left, "net_savings", 1e6, "net_savings"),
                                    (right, "children_in_care_avoided", 1.0, "gross_savings")):
        part = summary[summary.measure == measure].set_index("option").loc[options.names]
        mean, lo, hi = (part[k].to_numpy(dtype=float) / scale for k in ("mean", "p5", "p95"))
        ax.barh(y, mean, xerr=[mean - lo, hi - mean], color=colour(key), alpha=0.85,
                error_kw={"elinewidth": 1, "capsize": 3})
        ax.axvline(0, color="black", linewidth=0.8)
        ax.grid(axis="x", alpha=0.3)
        unit = str(part["unit"].iloc[0])
        ax.set_xlabel(unit.replace("£", "£ million,", 1) if scale == 1e6 else unit)
        ax.set_title(display(measure).capitalize())
    left.set_yticks(y, [_wrap(n, 30) for n in options.names])
    left.invert_yaxis()
    fig.suptitle(f"Options against {options.baseline.name}, {options.horizon} (mean, 90% interval)")
    return fig


def waterfall(w: Waterfall, ax: Axes | None = None) -> Figure:
    """A lever waterfall: from the baseline (0) each lever's bar adds what it adds to those
    before it (mean), up to the full programme's bar; the whiskers are the 90% interval of the
    running total at each step, the hollow markers each lever's effect alone. Steps that help
    are in the colour of gross savings, steps that cost in that of new spending, the full
    programme in that of net savings, as in every savings chart."""
    fig, ax = _new_axes(ax, (max(7.0, 1.6 * len(w.levers) + 3), 5))
    money = w.unit.startswith("£")
    scale = 1e6 if money else 1.0
    t = w.table()
    running = 0.0
    x = np.arange(len(w.levers) + 1)
    for k, lever in enumerate(w.levers):
        added = float(w.added[lever].mean()) / scale
        cum = t[(t.lever == lever) & (t.measure == "cumulative")].iloc[0]
        ax.bar(x[k], added, bottom=running, color=colour("gross_savings" if added >= 0 else "new_spending"),
               alpha=0.85, label=None)
        running += added
        ax.errorbar(x[k], running, yerr=[[running - cum["p5"] / scale], [cum["p95"] / scale - running]],
                    color="black", capsize=3, linewidth=1)
        ax.plot(x[k], float(w.alone[lever].mean()) / scale, marker="o", markerfacecolor="none",
                markeredgecolor="black", linestyle="none", label="lever alone (mean)" if k == 0 else None)
    full = t[t.measure == "total"].iloc[0]
    mean = float(full["mean"]) / scale
    ax.bar(x[-1], mean, color=colour("net_savings"), alpha=0.85)
    ax.errorbar(x[-1], mean, yerr=[[mean - full["p5"] / scale], [full["p95"] / scale - mean]], color="black",
                capsize=3, linewidth=1, label="90% interval of the running total")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [_wrap(x) for x in [*w.levers, "full programme"]], fontsize="small")
    ax.set_ylabel(w.unit.replace("£", "£ million,", 1) if money else w.unit)
    ax.set_title(f"{w.label.capitalize()}: {w.scenario.name}, lever by lever\n(against {w.baseline.name}; each "
                 "added in sequence, mean)")
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return fig


def _wrap(text: str, width: int = 18) -> str:
    """Text broken into lines of about ``width`` characters, for an axis label."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def tornado(table: pd.DataFrame, period: str | None = None, ax: Axes | None = None) -> Figure:
    """A tornado chart of a one-way sensitivity table (:func:`carecast.analysis.one_way`): one
    horizontal bar per parameter from the central run's output to its output at the parameter's
    low value and at its high value (the two ends in the colours of
    :data:`carecast.labels.SENSITIVITY_COLOURS`), the widest swing on top, the central output as
    a vertical line. ``period``: which of the table's periods (default ``whole horizon`` if it
    has one, else its first).

    >>> import carecast
    >>> from carecast.analysis import one_way
    >>> t = one_way(carecast.Scenario.preset("wolverhampton-2015-redesign"),
    ...             ["changes[0].set.placements.reunification_multiplier"], output="in_care", replications=2,
    ...             years=1, seed=1, progress=False)
    >>> tornado(t).axes[0].get_xlabel()
    'children in care at the end of 2016-03 (mean)'
    """
    from .analysis import WHOLE_HORIZON
    from .labels import SENSITIVITY_COLOURS

    if not isinstance(table, pd.DataFrame) or "swing" not in table.columns or table.empty:
        raise ConfigError("table must be a table of carecast.analysis.one_way", path="table",
                          value=type(table).__name__, allowed="the DataFrame one_way returns")
    periods = list(dict.fromkeys(table.period))
    if period is None:
        period = WHOLE_HORIZON if WHOLE_HORIZON in periods else periods[0]
    if period not in periods:
        raise ConfigError(f"period must be one of the table's, got {period!r}", path="period", value=repr(period),
                          allowed=", ".join(periods))
    t = table[table.period == period].sort_values("swing", kind="stable")  # widest last: on top
    money = t.output.iloc[0] == "net_savings"
    scale = 1e6 if money else 1.0
    middle = float(t.output_central.iloc[0]) / scale
    fig, ax = _new_axes(ax, (9, max(3.0, 0.45 * len(t) + 1.6)))
    y = np.arange(len(t))
    for end in ("low", "high"):
        values = t[f"output_{end}"].to_numpy() / scale
        ax.barh(y, values - middle, left=middle, height=0.6, color=SENSITIVITY_COLOURS[end], alpha=0.85,
                label=f"parameter at its {end} value")
    ax.axvline(middle, color="black", linewidth=1, label="all parameters central")
    names = [f"{_wrap(label, 45)}\n{lo:.3g} to {hi:.3g}" for label, lo, hi in zip(t.label, t.low, t.high, strict=True)]
    ax.set_yticks(y, names, fontsize="small")
    if money:
        what = "net savings" + (" over the whole horizon" if period == WHOLE_HORIZON else f" in {period}")
        ax.set_xlabel(f"{what}, £ million (mean)")
    else:
        ax.set_xlabel(f"children in care at the end of {period} (mean)")
    n = int(t.replications.iloc[0])
    ax.set_title(f"What drives the result: each parameter alone, the others central\n({n} replications each, "
                 "the same random numbers)")
    ax.legend(fontsize="small", loc="best")
    ax.grid(axis="x", alpha=0.3)
    return fig


def evppi(table: pd.DataFrame, evpi: pd.DataFrame | None = None, ax: Axes | None = None) -> Figure:
    """A bar chart of EVPPI (:func:`carecast.analysis.evppi`), largest on top, in £ thousand per
    decision, with the EVPI (:func:`carecast.analysis.evpi`, chance removed) as a line if given.

    >>> import numpy as np, pandas as pd
    >>> from carecast.analysis import evppi as value
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    >>> nb = pd.DataFrame({"nothing": 0.0, "option": 1e5 * (d.a + 0.2)})
    >>> evppi(value(nb, d, ["a", "b"])).axes[0].get_xlabel()
    'EVPPI, £ thousand per decision'
    """
    from .labels import SENSITIVITY_COLOURS

    if not isinstance(table, pd.DataFrame) or "evppi" not in table.columns or table.empty:
        raise ConfigError("table must be a table of carecast.analysis.evppi", path="table",
                          value=type(table).__name__, allowed="the DataFrame evppi returns")
    t = table.sort_values("evppi", kind="stable")
    fig, ax = _new_axes(ax, (9, max(3.0, 0.4 * len(t) + 1.6)))
    y = np.arange(len(t))
    ax.barh(y, t.evppi / 1e3, height=0.6, color=SENSITIVITY_COLOURS["high"], alpha=0.85)
    ax.set_yticks(y, [_wrap(str(p), 60) for p in t.parameter], fontsize="small")
    if evpi is not None and not evpi.empty:
        ax.axvline(float(evpi.evpi.iloc[0]) / 1e3, color="black", linewidth=1, linestyle="--",
                   label="EVPI: every parameter known")
        ax.legend(fontsize="small", loc="lower right")
    ax.set_xlabel("EVPPI, £ thousand per decision")
    ax.set_title("What knowing each parameter before deciding would be worth")
    ax.grid(axis="x", alpha=0.3)
    return fig


_POSTERIOR_COLOUR = "#1f77b4"


def posterior(calibration: Any, bins: int = 30) -> Figure:
    """Prior against posterior, one panel per calibrated parameter of a
    :class:`carecast.analysis.Calibration`: the prior's density (line), the posterior's weighted
    histogram and a weighted kernel density estimate, with the posterior's 90% interval shaded.

    >>> import carecast, pandas as pd
    >>> from carecast.analysis import calibrate
    >>> s = carecast.Scenario.preset("wolverhampton-2015")
    >>> t = pd.DataFrame({"measure": ["lac_stock"], "month": ["2016-03"], "value": [800.0]})
    >>> c = calibrate(s, t, {"hazards.looked_after.return_home": {"dist": "lognormal", "median": 0.2,
    ...               "sigma": 0.3}}, generations=2, population=20, progress=False)  # doctest: +SKIP
    >>> posterior(c).axes[0].get_ylabel()  # doctest: +SKIP
    'density'
    """
    from scipy.stats import gaussian_kde

    from .analysis import Calibration

    if not isinstance(calibration, Calibration):
        raise ConfigError(f"calibration must be a carecast.analysis.Calibration, got {type(calibration).__name__}",
                          path="calibration", value=type(calibration).__name__,
                          allowed="what carecast.analysis.calibrate returns")
    wide, w = calibration.wide()
    summary = calibration.summary().set_index("parameter")
    k = len(calibration.priors)
    fig = Figure(figsize=(4.2 * k, 3.6), layout="constrained")
    axes = fig.subplots(1, k, squeeze=False)[0]
    for ax, p in zip(axes, calibration.priors, strict=True):
        x = wide[p.path].to_numpy(dtype=float)
        lo = min(float(p.frozen.ppf(0.005)), float(x.min()))
        hi = max(float(p.frozen.ppf(0.995)), float(x.max()))
        grid = np.linspace(lo, hi, 300)
        ax.plot(grid, p.frozen.pdf(grid), color="grey", linestyle="--", label="prior")
        ax.hist(x, bins=bins, weights=w / w.sum(), density=True, color=_POSTERIOR_COLOUR, alpha=0.35, label="posterior")
        if float(x.std()) > 0:
            ax.plot(grid, gaussian_kde(x, weights=w)(grid), color=_POSTERIOR_COLOUR, label="posterior (KDE)")
        lo, hi = (float(v) for v in summary.loc[p.path, ["posterior_5", "posterior_95"]].to_numpy(dtype=float))
        ax.axvspan(lo, hi, color=_POSTERIOR_COLOUR, alpha=0.08, label="posterior 90%")
        ax.set_title(_wrap(p.path, 40), fontsize="small")
        ax.set_xlabel("value")
        ax.set_ylabel("density")
    axes[0].legend(fontsize="small")
    fig.suptitle("Calibration: prior against posterior")
    return fig
