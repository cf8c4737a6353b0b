"""Self-contained HTML reports a commissioner can email: key figures, charts (embedded as
images) and the assumptions, for one scenario or a comparison."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import Results, Scenario, __version__
from . import plots as cp
from ._errors import ConfigError
from ._outputs import write_file
from .finance import Comparison, demand_trend
from .labels import colour, display, has_colour
from .options import Options

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } .note { color: #555; font-size: 0.9em; }
.headline { font-size: 1.15em; font-weight: 600; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; vertical-align: baseline; }
details { margin: 1em 0; }
"""


def _img(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(fig.axes[0].get_title())}" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, swatches: bool = False) -> str:
    """An HTML table; with ``swatches`` each row whose first cell names a budget line starts with
    a square of that line's colour (the colour it has in every chart and report)."""
    text = df.to_html(index=False, float_format=lambda x: f"{x:,.2f}", border=0)
    if swatches:
        for name in (x for x in dict.fromkeys(df.iloc[:, 0].astype(str)) if has_colour(x)):
            cell = f"<td>{html.escape(name)}</td>"
            text = text.replace(cell, f'<td><span class=swatch style="background:{colour(name)}"></span>'
                                      f"{html.escape(name)}</td>")
    return text


def _lac_table(results: Results) -> pd.DataFrame:
    lac = results.array("lac_stock")
    rows = []
    for t, month in enumerate(results.months):
        if month.month == 3:
            p5, p95 = np.percentile(lac[:, t], [5, 95])
            rows.append({"31 March": f"{month:%Y}", "mean": lac[:, t].mean(), "5th percentile": p5,
                         "95th percentile": p95})
    return pd.DataFrame(rows)


def _budget_table(scenario: Scenario, results: Results) -> pd.DataFrame:
    """A scenario's modelled spend: a row per cost line, a column per financial year, the mean and
    90% interval in £m cash."""
    b = results.budget(scenario, "nominal")
    b = b[b.groupby("line", sort=False)["p95"].transform("max").abs() > 0]
    cells = b.assign(cell=[f"{m / 1e6:.2f} ({lo / 1e6:.2f} to {hi / 1e6:.2f})"
                           for m, lo, hi in zip(b["mean"], b["p5"], b["p95"], strict=True)])
    table = cells.pivot_table(index="line", columns="financial_year", values="cell", aggfunc="first",
                              sort=False).reset_index()
    table.columns.name = None
    return table.rename(columns={"line": "cost line (£m cash)"})


def scenario_headline(scenario: Scenario, results: Results) -> str:
    """One sentence: children looked after at the last 31 March of the run and the modelled spend
    in the last financial year, each with its 90% interval."""
    lac = _lac_table(results)
    b = results.budget(scenario, "nominal")
    total = b[b.line == "total"].iloc[-1]
    children = ""
    if len(lac):
        last = lac.iloc[-1]
        children = (f"{last['mean']:,.0f} children looked after on 31 March {last['31 March']} (90% interval "
                    f"{last['5th percentile']:,.0f} to {last['95th percentile']:,.0f}) and ")
    return (f"{scenario.name} forecasts {children}spend of £{total['mean'] / 1e6:,.2f}m cash in "
            f"{total['financial_year']} (90% interval £{total['p5'] / 1e6:,.2f}m to £{total['p95'] / 1e6:,.2f}m).")


def _shares_table(results: Results) -> pd.DataFrame:
    shares = results.shares().query("period == 'first 12 months'")
    return pd.DataFrame({"share of the first year's": shares["share"].map(display),
                         **{f"{display(s)} (%)": [f"{x:.0%}" for x in shares[s]] for s in ("mean", "p5", "p95")}})


def scenario_report(scenario: Scenario, results: Results) -> str:
    """HTML for one scenario's run."""
    shares = _shares_table(results)
    body = [
        f"<h1>{html.escape(scenario.name)}</h1>",
        f"<p class=headline>{html.escape(scenario_headline(scenario, results))}</p>",
        (f"<p class=note>{results.replications} replications from {results.months[0]:%B %Y}, seed "
         f"{results.seed}; carecast {__version__}. Intervals are 90% across replications. "
         f"{html.escape(demand_trend(scenario))}</p>"),
        "<h2>Children looked after</h2>", _img(cp.fan_chart(results, reported=scenario)),
        _table(_lac_table(results)),
        "<h2>The first year</h2>", _table(shares),
        "<h2>Budget forecast</h2>",
        "<p>Modelled spend by cost line, £m cash, mean and 90% interval across replications.</p>",
        _table(_budget_table(scenario, results), swatches=True),
        "<h2>By locality</h2>", _img(cp.stocks_by_locality(results)),
        "<h2>Early help waiting lists</h2>", _img(cp.waiting_lists(results)),
        "<h2>Moves between states</h2>", _img(cp.flows(results)),
        _assumptions({"scenario": scenario}),
    ]
    return _page(scenario.name, body)


def _budget_lines_table(c: Comparison, basis: str) -> pd.DataFrame:
    """The budget lines as a finance team reads them: a row per line, a column per financial
    year, each cell the mean and 90% interval in £m."""
    lines = c.budget_lines(basis)
    lines = lines[(lines[["p5", "p95"]].abs().max(axis=1) > 0).groupby(lines.line, sort=False).transform("any")
                  | (lines.kind == "total")]
    cells = lines.assign(cell=[f"{m / 1e6:+.2f} ({lo / 1e6:+.2f} to {hi / 1e6:+.2f})"
                               for m, lo, hi in zip(lines["mean"], lines["p5"], lines["p95"], strict=True)])
    table = cells.pivot_table(index=["line", "cashable"], columns="financial_year", values="cell", aggfunc="first",
                              sort=False).reset_index()
    table.columns.name = None
    return table.rename(columns={"line": "budget line (£m; savings, a cost is negative)"})


def _payback_table(c: Comparison) -> pd.DataFrame:
    p = c.payback()
    return pd.DataFrame({"by the end of": p["financial_year"],
                         "probability of having paid back": [f"{x:.0%}" for x in p["probability_paid_back"]]})


def _payback(c: Comparison) -> str:
    """Payback as the probability of having paid back by the end of each year first, then the
    median month only where more than half the replications pay back, the horizon stated."""
    month = c.payback_month()
    when = (f"The median payback month is {month}: more than half the replications have paid back by then."
            if month else f"Median payback: not within the horizon ({html.escape(c.horizon)}): half or fewer of "
            "the replications pay back by its end.")
    return (f"<p>Payback (cumulative discounted net savings above zero and staying so to the end of the horizon, "
            f"{html.escape(c.horizon)}):</p>" + _table(_payback_table(c)) + f"<p>{when}</p>")


def _children_table(c: Comparison) -> pd.DataFrame:
    s = c.savings("real")
    kids = s[s.measure == "children_in_care_avoided"]
    return pd.DataFrame({"financial year": kids["financial_year"],
                         **{f"children in care avoided, {display(x)} (children, average over the year)": kids[x]
                            for x in ("mean", "p5", "p95")}})


def _whole_horizon_table(c: Comparison) -> pd.DataFrame:
    """NPV (£m), return on investment and the probability that net savings are above zero over
    the whole horizon, each row stating its unit."""
    whole = c.summary().query("period == 'whole horizon'").set_index("measure")
    rows = []
    formats: list[tuple[str, str, Callable[[float], str]]] = [
        ("npv", f"£m, {c.base_year} prices, discounted", lambda x: f"{x / 1e6:,.2f}"),
        ("roi", "£ per £ of discounted new spending", lambda x: f"{x:,.2f}"),
        ("probability_net_savings_positive", "%", lambda x: f"{x:.0%}"),
    ]
    for measure, unit, fmt in formats:
        values = whole.loc[measure, ["mean", "p5", "p50", "p95"]].to_numpy(dtype=float)
        row = dict(zip(("mean", "p5", "p50", "p95"), (float(v) for v in values), strict=True))
        stats = ("mean",) if measure.startswith("probability") else ("mean", "p5", "p50", "p95")
        rows.append({"measure": f"{display(measure)} ({unit})",
                     **{display(x): (fmt(row[x]) if x in stats and np.isfinite(row[x]) else "") for x in
                        ("mean", "p5", "p50", "p95")}})
    return pd.DataFrame(rows)


def comparison_report(c: Comparison) -> str:
    """HTML for a comparison: the headline, children in care and money."""
    body = [
        f"<h1>{html.escape(c.scenario.name)} against {html.escape(c.baseline.name)}</h1>",
        f"<p class=headline>{html.escape(c.headline('real'))}</p>",
        (f"<p class=note>{c.baseline_results.replications} replications, common random numbers (seed "
         f"{c.baseline_results.seed}); money in £ million at {c.base_year} prices unless stated. "
         f"{html.escape(c.demand)} carecast {__version__}.</p>"),
        "<h2>Children looked after</h2>",
        _img(cp.compare_fans(c.baseline_results, c.scenario_results, labels=("baseline", "scenario"),
                             reported=c.scenario)),
        ("<p>Close scenarios' fans overlap; the difference, paired replication by replication, shows what the "
         "change does and how sure it is:</p>"),
        _img(cp.difference_fan(c, "children_in_care_avoided")),
        _table(_children_table(c)),
        "<h2>Savings by financial year</h2>",
        (f"<p>Budget lines, £m at {c.base_year} prices, mean and 90% interval across replications; gross savings "
         "are placements, other statutory activity and estate avoided; reinvestment and one-offs are set against "
         "them. Other statutory activity is social work and legal time, cashable only where posts go.</p>"),
        _table(_budget_lines_table(c, "real"), swatches=True),
        _img(cp.savings_by_year(c, "real")),
        f"<h2>Over the horizon ({html.escape(c.horizon)})</h2>", _img(cp.cumulative_savings(c)),
        _payback(c),
        _table(_whole_horizon_table(c)),
        ("<p class=note>Net present value: net savings discounted at the Green Book rate; return on investment "
         "per £ of discounted new spending.</p>"),
        "<h2>Where the money goes</h2>", _img(cp.cost_breakdown(c)),
        _assumptions({"baseline": c.baseline, "scenario": c.scenario}),
    ]
    return _page(f"{c.scenario.name} against {c.baseline.name}", body)


def report_options(o: Options) -> str:
    """HTML for options side by side (:class:`~carecast.Options`): the figures in one table, a
    chart, then each option's headline and budget lines."""
    body = [
        f"<h1>{len(o)} options against {html.escape(o.baseline.name)}</h1>",
        (f"<p class=note>{o.baseline_results.replications} replications on the same random numbers (seed "
         f"{o.baseline_results.seed}, the baseline run once); money in £ million at {o.base_year} prices unless "
         f"stated; mean and 90% interval across replications; savings as baseline minus option. "
         f"carecast {__version__}.</p>"),
        "<h2>Side by side</h2>", _table(o.side_by_side("real")), _img(cp.options_chart(o, "real")),
    ]
    for name, c in zip(o.names, o.comparisons, strict=True):
        body += [f"<h2>{html.escape(name)}</h2>", f"<p class=headline>{html.escape(c.headline('real'))}</p>",
                 _table(_budget_lines_table(c, "real"), swatches=True), _payback(c)]
    body.append(_assumptions({"baseline": o.baseline, **{f"option {i}": c.scenario for i, c in enumerate(o, 1)}}))
    return _page(f"Options against {o.baseline.name}", body)


def _assumptions(scenarios: dict[str, Scenario]) -> str:
    parts = ["<h2>Assumptions</h2>"]
    for label, s in scenarios.items():
        parts.append(f"<details><summary>{html.escape(label)}: {html.escape(s.name)} (scenario file)</summary>"
                     f"<pre>{html.escape(s.to_toml())}</pre></details>")
    return "\n".join(parts)


def _page(title: str, body: list[str]) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write(path: str | os.PathLike[str], text: str, overwrite: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file beside it, then renamed), with
    the user's usual permissions. With ``overwrite=False`` an existing file is refused
    (:class:`carecast._outputs.OutputError`, an ``OSError``)."""

    def fill(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)

    write_file(path, fill, overwrite)


def report(target: Scenario | Comparison, results: Any = None) -> str:
    """HTML for a scenario (with its ``results``) or a :class:`Comparison`."""
    if isinstance(target, Comparison):
        return comparison_report(target)
    if results is None:
        raise ConfigError("a scenario report needs the scenario's results", path="results", value="None",
                          allowed="the Results of a run of the scenario")
    return scenario_report(target, results)
