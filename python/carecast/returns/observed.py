"""What the returns show happened: the figures a back-test compares a projection with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .._errors import ReturnsError
from . import codes
from .clean import CleanReturns
from .estimate import periods
from .position import AGE_BANDS, in_care_on


def stock_by(returns: CleanReturns, days: Iterable[dt.date | str], include_uasc: bool = False) -> pd.DataFrame:
    """Children in care on each of ``days`` by age band and placement: columns ``date``,
    ``age_band``, ``placement``, ``children`` (every band and placement of the model, zeros
    included)."""
    frames = []
    for day in days:
        stock = in_care_on(returns, day)
        if not include_uasc:
            stock = stock[~stock["uasc"].astype(bool)]
        bands = [b for b, _ in AGE_BANDS]
        grid = pd.MultiIndex.from_product([bands, codes.PLACEMENTS], names=["age_band", "placement"])
        counts = stock.groupby(["age_band", "placement"]).size().reindex(grid, fill_value=0)
        frames.append(counts.rename("children").reset_index().assign(date=pd.Timestamp(day)))
    columns = ["date", "age_band", "placement", "children"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def flows_by_year(returns: CleanReturns, include_uasc: bool = False) -> pd.DataFrame:
    """Entries to care and exits from care by collection year (April to March, named by the
    31 March it ends on): columns ``year``, ``entries``, ``exits`` (18th birthdays included,
    as ``of_which_eighteen``)."""
    table = periods(returns)
    if not include_uasc:
        table = table[~table["uasc"]]
    entries = _year_of(table["start"]).value_counts()
    ended = table[table["end"].notna()]
    exits = _year_of(ended["end"]).value_counts()
    eighteen = _year_of(ended.loc[ended["exit_group"] == "eighteen", "end"]).value_counts()
    years = range(min(entries.index.min(), returns.data_end.year), returns.data_end.year + 1)
    return pd.DataFrame(
        {
            "year": list(years),
            "entries": [int(entries.get(y, 0)) for y in years],
            "exits": [int(exits.get(y, 0)) for y in years],
            "of_which_eighteen": [int(eighteen.get(y, 0)) for y in years],
        }
    )


def read_population(path: str | Path) -> pd.DataFrame:
    """Children living in the authority by single year of age, from a CSV with columns ``age``
    (0 to 17) and ``children``, and optionally ``locality`` (then one row per locality and age;
    localities in the order the file first names them).

    Errors (`carecast.ReturnsError`) name the file, row, column and value: a missing column, an
    age outside 0-17 or missing, a count that is not a number of children.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ReturnsError(f"{path}: cannot read the population file: {e}", file=str(path)) from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    for column in ("age", "children"):
        if column not in table.columns:
            raise ReturnsError(
                f"{path}: no column {column!r} (a population file has columns age, children and optionally locality)",
                file=str(path), column=column,
            )  # fmt: skip
    for i, (age, children) in enumerate(zip(table["age"], table["children"], strict=True)):
        row = i + 2
        if not age.strip().isdigit() or not 0 <= int(age) <= 17:
            raise ReturnsError(f"{path}, row {row}, column age: {age!r} is not an age from 0 to 17",
                               file=str(path), row=row, column="age", value=age)  # fmt: skip
        try:
            value = float(children.replace(",", ""))
        except ValueError:
            value = -1.0
        if not value >= 0 or value != value or value == float("inf"):
            raise ReturnsError(f"{path}, row {row}, column children: {children!r} is not a number of children",
                               file=str(path), row=row, column="children", value=children)  # fmt: skip
    if "locality" in table.columns:
        table["locality"] = table["locality"].str.strip()
        blank = table["locality"] == ""
        if blank.any():
            row = int(blank.to_numpy().nonzero()[0][0]) + 2
            raise ReturnsError(f"{path}, row {row}, column locality: blank (each row names its locality)",
                               file=str(path), row=row, column="locality", value="")  # fmt: skip
    table["age"] = table["age"].astype(int)
    table["children"] = table["children"].str.replace(",", "").astype(float)
    keys = ["locality", "age"] if "locality" in table.columns else ["age"]
    duplicated = table.duplicated(subset=keys)
    if duplicated.any():
        i = int(duplicated.to_numpy().nonzero()[0][0])
        raise ReturnsError(f"{path}, row {i + 2}: age {table['age'].iloc[i]} appears twice",
                           file=str(path), row=i + 2, column="age", value=str(table["age"].iloc[i]))  # fmt: skip
    for locality, part in table.groupby("locality") if "locality" in table.columns else [(None, table)]:
        missing = sorted(set(range(18)) - set(part["age"]))
        if missing:
            where = f" for locality {locality!r}" if locality is not None else ""
            raise ReturnsError(f"{path}: no row for age {', '.join(map(str, missing))}{where} (every age 0-17 needed)",
                               file=str(path), column="age")  # fmt: skip
    if "locality" in table.columns:
        # Localities in the order the file gives them (the scenario's order, and its outputs').
        order = {name: i for i, name in enumerate(pd.unique(table["locality"]))}
        table = table.assign(_order=table["locality"].map(order)).sort_values(["_order", "age"]).drop(columns="_order")
        return table[[*keys, "children"]].reset_index(drop=True)
    return table[[*keys, "children"]].sort_values(keys).reset_index(drop=True)


def _year_of(days: pd.Series) -> pd.Series:
    """The collection year of each day: April to March, named by the year it ends in."""
    years: pd.Series = days.dt.year + (days.dt.month >= 4).astype(int)
    return years


def population_by_age(table: pd.DataFrame) -> list[float]:
    """Children by single year of age 0-17, summed over localities."""
    by_age = table.groupby("age")["children"].sum()
    return [float(by_age.get(age, 0.0)) for age in range(18)]
