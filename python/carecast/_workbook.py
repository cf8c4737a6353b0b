"""The Excel workbook of a comparison, formatted with openpyxl for a finance team to hand on: a
front sheet with the headline and the budget lines by financial year, then one sheet per table
with plain-language headers that each carry one unit, number formats (£m, %, whole children),
widths that fit, and the header row frozen; the assumptions and parameters last.

The CSV files (:meth:`Comparison.to_csv`) keep carecast's column names for programs; only the
workbook is relabelled."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .finance import Comparison
from .labels import display
from .options import Options

#: Pounds shown as £ million, negatives with a minus sign.
MILLIONS_FORMAT = '£#,##0.00"m";-£#,##0.00"m"'
PERCENT_FORMAT = "0%"
WHOLE_FORMAT = "#,##0"
RATIO_FORMAT = "0.00"
STATS = ("mean", "p5", "p50", "p95", "mcse")


def _unit_format(header: str) -> str | None:
    """The number format a header's unit calls for (the unit is the last bracket)."""
    unit = header.rsplit("(", 1)[-1] if "(" in header else ""
    if unit.startswith("£m"):
        return MILLIONS_FORMAT
    if unit.startswith("%"):
        return PERCENT_FORMAT
    if unit.startswith(("children", "child-months")):
        return WHOLE_FORMAT
    if unit.startswith("£ per £"):
        return RATIO_FORMAT
    return None


def _stat_columns(df: pd.DataFrame, unit: str, prefix: str = "", scale: float = 1.0) -> pd.DataFrame:
    """Rename the statistics columns to plain words with ``unit``, scaled."""
    out = df.copy()
    for stat in STATS:
        if stat in out.columns:
            out[stat] = out[stat] * scale
    return out.rename(columns={s: f"{prefix}{display(s)} ({unit})" for s in STATS})


def _wide(df: pd.DataFrame, index: list[str], units: dict[str, tuple[str, float]]) -> pd.DataFrame:
    """A long table of measures with different units made wide: one column per measure and
    statistic, so that every column has one unit (``units``: measure -> (unit, scale))."""
    parts = []
    for measure, (unit, scale) in units.items():
        part = df[df.measure == measure].drop(columns="measure").set_index(index)
        stats = [s for s in STATS if s in part.columns]
        parts.append(_stat_columns(part[stats], unit, f"{display(measure)}, ", scale))
    wide = pd.concat(parts, axis=1).reset_index()
    return wide.rename(columns={c: display(c) for c in index})


def sheets(c: Comparison, basis: str) -> dict[str, pd.DataFrame]:
    """Every table of the comparison as the workbook shows it, by sheet name."""
    prices = {"nominal": "cash", "real": f"{c.base_year} prices",
              "discounted": f"{c.base_year} prices, discounted"}[basis]
    money = f"£m {prices}"
    plain = {"financial_year": "financial year", "line": "budget line", "category": "cost category"}

    lines = _stat_columns(c.budget_lines(basis), money, scale=1e-6).rename(columns=plain)
    payback = c.payback().rename(columns={
        "financial_year": "financial year", "by_end_of": "by the end of (month)",
        "probability_paid_back": "probability of having paid back (%)", "mcse": "Monte Carlo standard error (%)",
        "median_payback_month": "median payback month"})
    savings = c.savings(basis)
    in_pounds = savings[savings.measure.isin(["gross_savings", "new_spending", "net_savings",
                                               "cumulative_net_savings"])]
    in_pounds = _stat_columns(in_pounds.assign(measure=in_pounds.measure.map(display)), money, scale=1e-6)
    children = _wide(savings, ["financial_year"], {"children_in_care_avoided": ("children", 1.0),
                                                   "care_months_avoided": ("child-months", 1.0)})
    by_locality = _wide(c.savings_by_locality(basis), ["locality", "financial_year"],
                        {"net_savings": (money, 1e-6), "children_in_care_avoided": ("children", 1.0)})
    costs = c.costs(basis)
    costs = _stat_columns(costs.assign(category=costs.category.map(display)), money, scale=1e-6).rename(columns=plain)
    summary = c.summary()
    npv = _wide(summary.drop(columns="horizon"), ["period"], {
        "npv": (f"£m {c.base_year} prices, discounted", 1e-6), "roi": ("£ per £ of discounted new spending", 1.0),
        "probability_paid_back": ("%", 1.0), "probability_net_savings_positive": ("%", 1.0)})
    npv = npv.drop(columns=[col for col in npv.columns if col.startswith("probability") and "mean" not in col])
    npv = npv.rename(columns={col: col.replace(", mean", "") for col in npv.columns if col.startswith("probability")})
    npv["horizon"] = c.horizon
    return {
        "Budget lines": lines,
        "Payback": payback,
        "Savings": in_pounds,
        "Children in care": children,
        "Savings by locality": by_locality,
        "Costs": costs,
        "NPV and payback": npv,
        "Assumptions": c.assumptions().rename(columns={"field": "setting"}),
        "Parameters": _parameters(c),
    }


def _parameters(c: Comparison) -> pd.DataFrame:
    """Every numeric parameter of the two scenarios, side by side, with what it is, its unit,
    its range, its distribution and its source (the comment on its line, or its table's, in the
    scenario files: :meth:`carecast.Scenario.sources`; the scenario's, else the baseline's)."""
    keep = ["path", "value", "kind", "allowed", "distribution", "description", "source"]
    b, s = c.baseline.parameters()[keep], c.scenario.parameters()[keep]
    merged = s.merge(b, on="path", how="outer", suffixes=("", " baseline"))
    return pd.DataFrame({
        "parameter": merged["path"], "what it is": merged["description"].fillna(merged["description baseline"]),
        "unit": merged["kind"].fillna(merged["kind baseline"]).map(display),
        "baseline value": merged["value baseline"], "scenario value": merged["value"],
        "baseline distribution": merged["distribution baseline"], "scenario distribution": merged["distribution"],
        "allowed range": merged["allowed"].fillna(merged["allowed baseline"]),
        "source": merged["source"].fillna(merged["source baseline"]),
    })


def _front(book: Any, c: Comparison, basis: str) -> None:
    """The front sheet: title, headline, how to read it, the budget lines by financial year
    (mean and 90% interval) and the probability of having paid back by each year's end."""
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

    sheet = book.create_sheet("Summary", 0)
    prices = {"nominal": "cash", "real": f"{c.base_year} prices",
              "discounted": f"{c.base_year} prices, discounted"}[basis]
    lines = c.budget_lines(basis)
    nonzero = (lines[["p5", "p95"]].abs().max(axis=1) > 0).groupby(lines.line, sort=False).transform("any")
    lines = lines[nonzero | (lines.kind == "total")]
    width = 2 + 3 * len(c.financial_years)

    sheet["A1"] = f"{c.scenario.name} against {c.baseline.name}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = c.headline(basis)
    sheet["A3"] = (f"{c.baseline_results.replications} replications, common random numbers (seed "
                   f"{c.baseline_results.seed}); money in £ million at {prices}, savings as baseline minus scenario "
                   f"(a cost is negative); intervals are 90% across replications; lines that are zero throughout are "
                   f"left out (every line is on the Budget lines sheet). {c.demand} carecast {__version__}.")
    for row, height in ((2, 36), (3, 48)):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = height
    sheet["A2"].font = Font(bold=True)

    sheet["A5"] = "Budget lines by financial year"
    sheet["A5"].font = Font(bold=True)
    header = ["budget line", "cashable"]
    for fy in c.financial_years:
        header += [f"{fy} {s} (£m {prices})" for s in ("mean", "5th percentile", "95th percentile")]
    sheet.append(header)
    header_row = sheet.max_row
    for (line, cashable), part in lines.groupby(["line", "cashable"], sort=False):
        by_year = part.set_index("financial_year")[["mean", "p5", "p95"]].astype(float) / 1e6
        cells: list[Any] = [line, cashable]
        for fy in c.financial_years:
            cells += [float(x) for x in by_year.loc[fy].to_numpy()]
        sheet.append(cells)
        if part["kind"].iloc[0] == "total":
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    for cells in sheet.iter_rows(min_row=header_row + 1, min_col=3):
        for cell in cells:
            cell.number_format = MILLIONS_FORMAT

    sheet.append([])
    sheet.append([f"Payback (cumulative discounted net savings above zero and staying so to the end of the "
                  f"horizon, {c.horizon})"])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append(["by the end of", "probability of having paid back (%)"])
    payback_header = sheet.max_row
    p = c.payback()
    for fy, prob in zip(p["financial_year"], p["probability_paid_back"], strict=True):
        sheet.append([fy, float(prob)])
        sheet.cell(row=sheet.max_row, column=2).number_format = PERCENT_FORMAT
    sheet.append(["median payback month", c.payback_month() or "not within the horizon"])

    for row in (header_row, payback_header):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = max(len(str(x)) for x in lines["line"]) + 4
    sheet.column_dimensions["B"].width = 34
    for j in range(3, width + 1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=j).column_letter].width = 16
    sheet.row_dimensions[header_row].height = 48
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2).coordinate


def _format(sheet: Any) -> None:
    """Number formats from each header's unit, widths that fit, the header row frozen and bold."""
    from openpyxl.styles import Alignment, Font

    sheet.freeze_panes = "A2"
    for column in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
        header = str(column[0].value)
        column[0].font = Font(bold=True)
        column[0].alignment = Alignment(wrap_text=True, vertical="top")
        fmt = _unit_format(header)
        if fmt:
            for cell in column[1:]:
                cell.number_format = fmt
        longest = max([len(str(cell.value)) for cell in column[1:] if cell.value is not None] or [0])
        longest = 12 if fmt else min(longest, 60)
        sheet.column_dimensions[column[0].column_letter].width = max(longest, min(len(header), 24), 8) + 2
    sheet.row_dimensions[1].height = 45


def write(c: Comparison, path: str | os.PathLike[str], basis: str) -> None:
    """Write the workbook to ``path`` atomically (see :meth:`Comparison.to_excel`)."""
    from ._outputs import write_file
    from .extras import require

    require("openpyxl", "The Excel workbook")
    tables = sheets(c, basis)

    def fill(tmp: str) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in tables.items():
                df = df.rename(columns={c: display(str(c)) for c in df.columns})  # any left in carecast's names
                df.replace({np.nan: None}).to_excel(writer, sheet_name=name, index=False)
                _format(writer.sheets[name])
            _front(writer.book, c, basis)
            writer.book.active = 0
            for sheet in writer.book.worksheets:
                sheet.sheet_view.tabSelected = sheet.title == "Summary"

    write_file(path, fill)


def options_sheets(o: Options, basis: str) -> dict[str, pd.DataFrame]:
    """The sheets of an options workbook (:meth:`Options.to_excel`), by name: every column of
    one unit, money in £ million."""
    prices = {"nominal": "cash", "real": f"{o.base_year} prices",
              "discounted": f"{o.base_year} prices, discounted"}[basis]
    money, discounted = f"£m {prices}", f"£m {o.base_year} prices, discounted"
    summary = o.summary(basis)
    front = pd.DataFrame({"option": o.names})
    for measure, unit, scale in (("net_savings", money, 1e-6), ("npv", discounted, 1e-6),
                                 ("children_in_care_avoided", "children", 1.0)):
        part = summary[summary.measure == measure].set_index("option").loc[o.names]
        unit_words = str(part["unit"].iloc[0])
        where = f", {unit_words.split(', ', 1)[1]}" if measure == "children_in_care_avoided" else " over the horizon"
        for stat in ("mean", "p5", "p95"):
            front[f"{display(measure)}{where}, {display(stat)} ({unit})"] = part[stat].to_numpy() * scale
    paid = summary[summary.measure == "probability_paid_back"].set_index("option").loc[o.names]
    front[f"probability of having paid back by the end of {o.financial_years[-1]} (%)"] = paid["mean"].to_numpy()
    front["median payback month"] = paid["median_payback_month"].to_numpy()
    front["horizon"] = o.horizon

    def by_year(table: pd.DataFrame, unit: str, scale: float) -> pd.DataFrame:
        wide = pd.DataFrame({"financial year": o.financial_years})
        for name in o.names:
            part = table[table.option == name].set_index("financial_year").loc[o.financial_years]
            for stat in ("mean", "p5", "p95"):
                wide[f"{name}, {display(stat)} ({unit})"] = part[stat].to_numpy() * scale
        return wide

    lines = _stat_columns(o.budget_lines(basis), money, scale=1e-6).rename(
        columns={"financial_year": "financial year", "line": "budget line"})
    payback = o.payback().rename(columns={
        "financial_year": "financial year", "by_end_of": "by the end of (month)",
        "probability_paid_back": "probability of having paid back (%)", "mcse": "Monte Carlo standard error (%)",
        "median_payback_month": "median payback month"})
    return {
        "Options": front,
        "Net savings by year": by_year(o.net_savings(basis), money, 1e-6),
        "Children in care avoided": by_year(o.children_in_care_avoided(), "children", 1.0),
        "Budget lines": lines,
        "Payback": payback,
        "Headlines": pd.DataFrame({"option": o.names, "headline": [c.headline(basis) for c in o]}),
    }


def write_options(o: Options, path: str | os.PathLike[str], basis: str) -> None:
    """Write the options workbook to ``path`` atomically (see :meth:`Options.to_excel`)."""
    from ._outputs import write_file
    from .extras import require

    require("openpyxl", "The Excel workbook")
    tables = options_sheets(o, basis)

    def fill(tmp: str) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in tables.items():
                df = df.rename(columns={c: display(str(c)) for c in df.columns})
                df.replace({np.nan: None}).to_excel(writer, sheet_name=name, index=False)
                _format(writer.sheets[name])

    write_file(path, fill)
