"""The modelled baseline beside the budget or outturn a finance team holds.

The budget is a small CSV file, a row per line of the council's budget book for a financial
year, in the spirit of the s251 return's children's services lines::

    line,amount,financial_year,covers
    Looked after children: placements,41500000,2015/16,placements
    Safeguarding: social work and legal,9800000,2015/16,other statutory activity
    Family support: early help,6200000,2015/16,early help; estate and existing services

``amount`` is in pounds (cash); ``covers`` names the carecast costs the line covers, separated by
``;``: budget lines (``placements``, ``other statutory activity``, ``estate and existing
services``, ``early help``, ``intensive support``, ``new services (hubs and teams)``, the
one-offs) or single cost categories (``residential``, ``child protection``, ``care leavers``...).
A cost may be covered by one line of a year only (no double counting).

>>> import carecast, io
>>> s = carecast.Scenario.preset("wolverhampton-2015")
>>> r = s.run(4, 1, seed=1, progress=False)
>>> csv = io.StringIO("line,amount,financial_year,covers\\nplacements,40000000,2015/16,placements\\n")
>>> table = carecast.reconcile(r, csv, scenario=s)
>>> list(table.line)
['placements', 'modelled, not in the budget given']
"""

from __future__ import annotations

import io
import os
import re
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._errors import ConfigError
from .finance import LINE_LABELS, SPEND_LABELS, Comparison, _stats

COLUMNS = ("line", "amount", "financial_year", "covers")
NOT_COVERED = "modelled, not in the budget given"

BudgetSource = str | os.PathLike[str] | io.TextIOBase


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_budget(source: BudgetSource, categories: list[str], lines: list[str],
                financial_years: list[str]) -> pd.DataFrame:
    """Read and check a budget CSV against the modelled cost ``categories`` (with the budget
    line of each, ``lines``) and ``financial_years``; a :class:`ConfigError` naming the file, row
    (as a spreadsheet numbers it: the column names are row 1) and column of the first problem.

    Returns the rows with ``amount`` a float and ``categories`` the cost categories each covers.
    """
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "the budget CSV"
    try:
        raw = pd.read_csv(source, dtype=str, skipinitialspace=True, keep_default_na=False)
    except FileNotFoundError:
        raise ConfigError(f"{name}: no such file", path="budget", value=name, allowed="a CSV file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ConfigError(f"{name}: not a readable CSV file ({str(e).strip()})", path="budget", value=name,
                          allowed=f"a CSV file with columns {', '.join(COLUMNS)}") from None
    raw.columns = [_key(str(c)) for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ConfigError(f"{name}: missing column(s) {', '.join(missing)}; a budget CSV has the columns "
                          f"{', '.join(COLUMNS)}", path=f"{name}, row 1", value=", ".join(raw.columns),
                          allowed=", ".join(COLUMNS))
    if raw.empty:
        raise ConfigError(f"{name}: no budget lines, only the column names", path=f"{name}, row 2", value="",
                          allowed="a row per budget line and financial year")

    # Any name of a budget line or of a cost category -> the categories it covers.
    names: dict[str, list[str]] = {}
    for line in LINE_LABELS:
        in_line = [c for c, x in zip(categories, lines, strict=True) if x == line]
        for alias in (line, SPEND_LABELS[line], LINE_LABELS[line]):
            names[_key(alias)] = in_line
    for c in categories:
        names.setdefault(_key(c), [c])
    allowed_names = ", ".join([SPEND_LABELS[x] for x in LINE_LABELS] + [c.replace("_", " ") for c in categories])

    rows = []
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for i, record in enumerate(raw.to_dict("records")):
        row = i + 2

        def bad(column: str, value: str, message: str, allowed: str, row: int = row) -> ConfigError:
            return ConfigError(f"{name}, row {row}, column {column}: {message}", path=f"{name}, row {row}, {column}",
                               value=value, allowed=allowed)

        line = str(record["line"]).strip()
        if not line:
            raise bad("line", "", "a budget line needs a name", "the line's name in the budget book")
        text = str(record["amount"]).strip()
        try:
            amount = float(text.replace(",", "").replace("£", ""))
        except ValueError:
            raise bad("amount", text, f"`{text}` is not an amount of pounds", "a number of pounds, e.g. 41500000") \
                from None
        if not np.isfinite(amount):
            raise bad("amount", text, f"`{text}` is not a finite amount", "a number of pounds, e.g. 41500000")
        fy = str(record["financial_year"]).strip().replace("-", "/")
        if fy not in financial_years:
            raise bad("financial_year", fy, f"`{fy}` is not a financial year the run covers",
                      ", ".join(financial_years))
        covered: list[str] = []
        for part in str(record["covers"]).split(";"):
            if not part.strip():
                continue
            if _key(part) not in names:
                raise bad("covers", part.strip(), f"`{part.strip()}` is no carecast cost line or category",
                          allowed_names)
            covered += names[_key(part)]
        if not covered:
            raise bad("covers", "", "say which carecast costs the line covers", allowed_names)
        for c in covered:
            if (fy, c) in seen:
                earlier, earlier_line = seen[(fy, c)]
                raise bad("covers", str(record["covers"]),
                          f"{c.replace('_', ' ')} in {fy} is already covered by `{earlier_line}` (row {earlier}): "
                          "a cost may be covered by one line of a year only", "costs no other line of the year covers")
            seen[(fy, c)] = (row, line)
        rows.append({"line": line, "financial_year": fy, "covers": str(record["covers"]).strip(), "amount": amount,
                     "categories": covered})
    return pd.DataFrame(rows)


def financial_years(start: str, years: int) -> list[str]:
    """The financial years (``2015/16``) that a run of ``years`` from month ``start``
    (``2015-04``) covers, in order."""
    return _core.financial_years(start, 12 * years)


def check_budget(budget: BudgetSource, scenario: Any, years: int) -> None:
    """Check a budget CSV before a run of ``scenario`` over ``years`` (what :func:`reconcile`
    would find wrong after it): a :class:`ConfigError` naming the file, row and column."""
    read_budget(budget, list(_core.COST_CATEGORIES), list(_core.COST_BUDGET_LINES),
                financial_years(scenario._inner.start, years))


def reconcile(target: Any, budget: BudgetSource, scenario: Any = None) -> pd.DataFrame:
    """The modelled spend beside the budget (or outturn) in ``budget``, a CSV file (see the
    module): a row per budget line and financial year with the budget, the modelled mean and
    90% interval of what the line covers (pounds, cash), the difference (modelled minus budget,
    and as a share of the budget) and whether the budget is inside the modelled interval; then,
    per financial year, the modelled spend the budget given does not cover.

    ``target``: a :class:`~carecast.finance.Comparison` (its baseline is reconciled) or
    :class:`~carecast.Results` with the ``scenario`` they were run from.

    The model covers children's social care from first contact to leaving care: not the
    schools, youth, SEND or public health lines of a children's services budget, management and
    support services, or income from partners (see docs/finance.md).
    """
    from . import Results, Scenario

    if isinstance(target, Comparison):
        results, scenario = target.baseline_results, target.baseline
    elif isinstance(target, Results):
        if not isinstance(scenario, Scenario):
            raise ConfigError("reconcile(results, budget) needs the scenario the results were run from: "
                              "reconcile(results, budget, scenario=...)", path="scenario",
                              value=type(scenario).__name__, allowed="a carecast.Scenario")
        results = target
    else:
        raise ConfigError(f"reconcile takes a Comparison or Results, got {type(target).__name__}", path="target",
                          value=type(target).__name__, allowed="carecast.Comparison or carecast.Results")
    meta = results._inner.cost_labels(scenario._inner)  # refuses results of another scenario
    categories = list(meta["categories"])
    years = [f"{y}/{(y + 1) % 100:02d}" for y in meta["financial_years"]]
    rows_in = read_budget(budget, categories, list(meta["budget_lines"]), years)
    costs = results._inner.costs(scenario._inner, "nominal", "category_year")  # replications x category x year
    index = {c: i for i, c in enumerate(categories)}

    rows = []
    for r in rows_in.to_dict("records"):
        j = years.index(r["financial_year"])
        modelled = costs[:, [index[c] for c in r["categories"]], j].sum(axis=1)
        stats = _stats(modelled)
        amount = float(r["amount"])
        rows.append({"line": r["line"], "financial_year": r["financial_year"], "covers": r["covers"],
                     "budget": amount, "modelled_mean": stats["mean"], "modelled_p5": stats["p5"],
                     "modelled_p95": stats["p95"], "difference": stats["mean"] - amount,
                     "difference_share": (stats["mean"] - amount) / amount if amount else np.nan,
                     "budget_within_interval": bool(stats["p5"] <= amount <= stats["p95"])})
    for j, fy in enumerate(years):
        given = rows_in[rows_in.financial_year == fy]
        if given.empty:
            continue
        covered = {c for cats in given.categories for c in cats}
        rest = [index[c] for c in categories if c not in covered]
        modelled = costs[:, rest, j].sum(axis=1)
        if np.abs(modelled).max() > 0:
            stats = _stats(modelled)
            rows.append({"line": NOT_COVERED, "financial_year": fy,
                         "covers": "; ".join(c.replace("_", " ") for c in categories if c not in covered),
                         "budget": np.nan, "modelled_mean": stats["mean"], "modelled_p5": stats["p5"],
                         "modelled_p95": stats["p95"], "difference": np.nan, "difference_share": np.nan,
                         "budget_within_interval": False})
    return pd.DataFrame(rows)
