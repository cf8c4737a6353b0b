"""The sector's cleaning rules for SSDA903 episodes, each named and counted, every fix listed.

Real returns repeat an episode in every return whose year it overlaps, leave ``DEC`` and ``REC``
blank on episodes open on 31 March, and carry duplicates, stale copies, overlaps and gaps. The
rules below (those of the regional pipelines councils use, see ``docs/returns.md``) turn the
returns of one or many years into one history of episodes per child. Each rule is named; the
load report counts how often each applied and lists every row fixed or dropped with its reason,
so nothing is lost silently. In particular a missing ``DEC`` on an episode whose successor starts
that day closes it at the successor's start: the child stays in care.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._errors import ReturnsError
from . import codes
from ._dates import birthday
from ._report import Fix, LoadReport, Problem
from .read import Returns, as_date

#: Every cleaning rule, with what it does, in the order they apply.
RULES = {
    "exact_duplicate": "the same row twice in one return: the copy dropped",
    "repeated_in_later_return": "an episode repeated in a later return: the later copy kept",
    "replaced_in_later_return": "an episode whose codes changed in a later return: the later copy kept",
    "conflicting_duplicate": "two different rows for one child and start date in one return: the one with an end kept",
    "no_header": "a child with episodes but no date of birth in any header or UASC table: episodes dropped",
    "dob_from_uasc": "a child with no header row: date of birth taken from the UASC table",
    "dob_changed": "a child whose date of birth differs between returns: the latest return's kept",
    "ends_before_start": "an episode returned as ending before it starts: dropped",
    "starts_before_birth": "an episode starting before the child's date of birth: dropped",
    "open_episode_followed_by_another": "an open episode followed by another in the same period: closed at the "
    "next start, REC = X1",
    "ceased_and_reentered": "an open episode followed by a new period of care: closed at the earlier of 31 March of "
    "its return and the day before the next start",
    "no_longer_in_latest_return": "an open episode of a child absent from later returns: closed at 31 March of its "
    "last return",
    "overlap_closed_at_next_start": "an episode ending after the next one starts: closed at the next start",
    "gap_closed_at_next_start": "care continuing (the next episode is not a new period) after a gap: closed at the "
    "next start",
    "closed_at_18th_birthday": "an episode open past the 18th birthday: closed on the birthday",
    "short_breaks_excluded": "an episode of short breaks only (LS V3, V4): not counted as care",
}


@dataclass
class CleanReturns(LoadReport):
    """One history of episodes per child, and the load report of how it was made.

    ``episodes`` has one row per episode: ``CHILD``, ``DOB``, ``UASC``, ``DECOM``, ``DEC`` (NaT
    while open at the end of the data), ``RNE``, ``LS``, ``CIN``, ``PLACE``, ``PLACE_PROVIDER``,
    ``REC``, the model's ``placement``, ``legal_status`` and ``exit_group`` (for an episode that
    ends a period of care), ``period`` (numbered per child from 1), and the ``YEAR``, ``FILE``
    and ``ROW`` it came from, and ``period_start_known``: False for a period whose first episode
    in the data does not start a period of care (``RNE`` not S): it began before the earliest
    return read, so its true start is earlier.
    """

    episodes: pd.DataFrame
    fixes: list[Fix] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The last day the data covers: 31 March of the latest return.
    data_end: dt.date = dt.date(1900, 1, 1)
    #: The first day the data covers: 1 April of the earliest return.
    data_start: dt.date = dt.date(1900, 1, 1)
    files: list[str] = field(default_factory=list)
    #: The returns as read, before cleaning (so that a back-test can clean them again, cut at
    #: an earlier date: see `clean`'s ``until``).
    source: Returns | None = field(default=None, repr=False, compare=False)

    RULES_APPLIED: ClassVar[dict[str, str]] = RULES

    def report(self) -> str:
        """The load report as text: what was read, each rule's count, and the problems."""
        lines = [
            f"Read {len(self.files)} file{'' if len(self.files) == 1 else 's'}: {self.children():,} children, "
            f"{len(self.episodes):,} episodes of care after cleaning; the data covers {self.data_start} to "
            f"{self.data_end}.",
            "",
            "Cleaning rules (rows fixed or dropped):",
        ]
        lines += self._rule_lines(34)
        unknown = self.episodes.loc[~self.episodes["period_start_known"], "CHILD"].nunique()
        if unknown:
            lines += [
                "",
                f"{unknown:,} children were in a period of care that began before the earliest return read "
                "(time in care for them is a lower bound; read earlier returns to know it).",
            ]
        lines += self._problem_lines()
        return "\n".join(lines)

    def children(self) -> int:
        """Children with at least one episode of care."""
        return int(self.episodes["CHILD"].nunique())


def clean(returns: Returns, until: dt.date | str | None = None) -> CleanReturns:
    """Apply the cleaning rules to ``returns`` (see `RULES`).

    With ``until`` (a date, or text day first), clean only what was known at the end of that
    day, as if the returns stopped there (see `cut`): the data ends on ``until``, and an
    episode open then is open in the result, whatever later returns say of it.
    """
    if until is not None:
        returns = cut(returns, until)
    fixes: list[Fix] = []
    problems = list(returns.problems)
    if until is not None:
        data_end = as_date(until, "until").date()
    else:
        data_end = dt.date(max(returns.years), 3, 31)
    episodes = _deduplicate(returns.episodes, fixes)
    births, uasc = _dates_of_birth(returns, episodes, fixes, problems)
    episodes = episodes[episodes["CHILD"].isin(births.index)]
    last_seen = returns.episodes.groupby("CHILD")["YEAR"].max()
    rows = []
    # Plain records: iterating rows of a frame is far slower than the rules themselves.
    records = _records(episodes.sort_values(["CHILD", "DECOM"]))
    birth_of, last_seen_of = births.to_dict(), last_seen.to_dict()
    for child, own in itertools.groupby(records, key=lambda r: str(r["CHILD"])):
        dob = birth_of[child].date()
        rows.extend(_history(child, list(own), dob, int(last_seen_of[child]), data_end, fixes))
    table = pd.DataFrame(rows)
    if table.empty:
        table = pd.DataFrame(columns=[*episodes.columns, "DOB", "UASC"])
    table["DOB"] = table["CHILD"].map(births)
    table["UASC"] = table["CHILD"].isin(uasc)
    table = _short_breaks(table, fixes)
    table = _label(table, problems)
    data_start = dt.date(min(returns.years) - 1, 4, 1)
    return CleanReturns(
        table.reset_index(drop=True),
        fixes,
        problems,
        data_end=data_end,
        data_start=data_start,
        files=list(returns.files),
        source=returns,
    )


def collection_year(day: dt.date) -> int:
    """The collection year holding ``day``: April to March, named by the 31 March it ends on."""
    return day.year + (day.month >= 4)


def cut(returns: Returns, day: dt.date | str) -> Returns:
    """``returns`` as they stood at the end of ``day``: the returns of collection years that
    begin after ``day`` are left out whole; in the others, an episode starting after ``day`` is
    left out, and one ending after ``day`` is open (no ``DEC``, no ``REC``), so that nothing
    that happened after ``day`` is known. (A return of the year holding ``day`` is taken as the
    record of that year so far.) Problems met reading the files are kept as they were."""
    end = as_date(day, "until")
    last = collection_year(end.date())
    kept = {name: getattr(returns, name) for name in ("episodes", "header", "uasc")}
    kept = {name: table[table["YEAR"].astype(int) <= last] for name, table in kept.items()}
    episodes = kept["episodes"]
    episodes = episodes[episodes["DECOM"] <= end].copy()
    later = episodes["DEC"].notna() & (episodes["DEC"] > end)
    episodes.loc[later, "DEC"] = pd.NaT
    episodes.loc[later, "REC"] = None
    if not any(int(y) <= last for y in returns.years):
        raise ReturnsError(f"{end.date()} is before the earliest return read (collection year "
                           f"{min(returns.years)})", value=str(end.date()))  # fmt: skip
    return Returns(episodes, kept["header"], kept["uasc"], list(returns.problems), list(returns.files))


def _deduplicate(episodes: pd.DataFrame, fixes: list[Fix]) -> pd.DataFrame:
    data = [c for c in episodes.columns if c not in {"FILE", "ROW"}]
    exact = episodes.duplicated(subset=data, keep="first")
    _drop(episodes[exact], "exact_duplicate", fixes)
    episodes = episodes[~exact]
    # One row per child, start date and return: prefer a row with an end date.
    ordered = episodes.assign(_open=episodes["DEC"].isna()).sort_values(["CHILD", "DECOM", "YEAR", "_open", "ROW"])
    clash = ordered.duplicated(subset=["CHILD", "DECOM", "YEAR"], keep="first")
    _drop(ordered[clash], "conflicting_duplicate", fixes)
    ordered = ordered[~clash].drop(columns="_open")
    # One row per child and start date: the latest return's.
    later = ordered.duplicated(subset=["CHILD", "DECOM"], keep="last")
    coded = ["RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER"]
    stale = ordered[later].merge(
        ordered[~later][["CHILD", "DECOM", *coded]], on=["CHILD", "DECOM"], suffixes=("", "_kept")
    )
    same = np.logical_and.reduce(
        [
            (stale[c] == stale[f"{c}_kept"]).fillna(False).to_numpy(bool)
            | (stale[c].isna() & stale[f"{c}_kept"].isna()).to_numpy(bool)
            for c in coded
        ]
    )
    for file, number, child, repeated in zip(*_lists(stale, "FILE", "ROW", "CHILD"), same, strict=True):
        rule = "repeated_in_later_return" if repeated else "replaced_in_later_return"
        fixes.append(Fix(rule, str(file), int(number), str(child), "dropped"))
    return ordered[~later]


def _drop(rows: pd.DataFrame, rule: str, fixes: list[Fix]) -> None:
    for file, number, child in zip(*_lists(rows, "FILE", "ROW", "CHILD"), strict=True):
        fixes.append(Fix(rule, str(file), int(number), str(child), "dropped"))


def _dates_of_birth(
    returns: Returns, episodes: pd.DataFrame, fixes: list[Fix], problems: list[Problem]
) -> tuple[pd.Series, set[str]]:
    """Each child's date of birth (from the latest header, else the UASC table), and the UASC."""
    header = returns.header.sort_values(["YEAR", "ROW"])
    births = header.groupby("CHILD")["DOB"].last()
    differing = header.groupby("CHILD")["DOB"].nunique()
    changed = header[header["CHILD"].isin(differing.index[differing > 1])]
    for child, dobs in changed.groupby("CHILD")["DOB"]:
        if dobs.nunique() > 1:
            last = changed[changed["CHILD"] == child].iloc[-1]
            change = f"DOB {', '.join(str(d.date()) for d in dobs.unique())} -> {dobs.iloc[-1].date()}"
            fixes.append(Fix("dob_changed", str(last["FILE"]), int(last["ROW"]), str(child), change))
    uasc_table = returns.uasc.sort_values(["YEAR", "ROW"])
    uasc_births = uasc_table.groupby("CHILD")["DOB"].last()
    unheaded = sorted(set(episodes["CHILD"]) - set(births.index))
    unheaded_episodes = episodes[episodes["CHILD"].isin(unheaded)]
    for child in unheaded:
        own = unheaded_episodes[unheaded_episodes["CHILD"] == child]
        first = own.iloc[0]
        if child in uasc_births.index:
            births[child] = uasc_births[child]
            fixes.append(Fix("dob_from_uasc", str(first["FILE"]), int(first["ROW"]), str(child), "DOB from UASC table"))
        else:
            for _, row in own.iterrows():
                fixes.append(Fix("no_header", str(row["FILE"]), int(row["ROW"]), str(child), "dropped"))
            message = "child has episodes but no header row in any return; its episodes are left out"
            problems.append(Problem("error", str(first["FILE"]), int(first["ROW"]), "CHILD", str(child), message))
    return births, set(uasc_table["CHILD"])


def _history(
    child: str, rows: list[dict[str, Any]], dob: dt.date, last_year: int, data_end: dt.date, fixes: list[Fix]
) -> list[dict[str, Any]]:
    """The child's episodes (records, in order of start), each rule applied where it must."""
    eighteen = pd.Timestamp(birthday(dob, 18))
    kept = []
    for i, row in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) else None
        where = (str(row["FILE"]), int(row["ROW"]), child)

        def fix(
            rule: str, column: str, new: object, where: tuple[str, int, str] = where, row: dict[str, Any] = row
        ) -> None:
            fixes.append(Fix(rule, *where, f"{column} {_show(row[column])} -> {_show(new)}"))
            row[column] = new

        if pd.notna(row["DEC"]) and row["DEC"] < row["DECOM"]:
            fixes.append(Fix("ends_before_start", *where, "dropped"))
            continue
        if row["DECOM"] < pd.Timestamp(dob):
            fixes.append(Fix("starts_before_birth", *where, "dropped"))
            continue
        if following is not None:
            continuing = following["RNE"] != "S"
            if pd.isna(row["DEC"]):
                if continuing:
                    fix("open_episode_followed_by_another", "DEC", following["DECOM"])
                    row["REC"] = codes.CONTINUES
                else:
                    march = pd.Timestamp(dt.date(int(row["YEAR"]), 3, 31))
                    fix("ceased_and_reentered", "DEC", min(march, following["DECOM"] - pd.Timedelta(days=1)))
            elif row["DEC"] > following["DECOM"]:
                fix("overlap_closed_at_next_start", "DEC", following["DECOM"])
            elif row["DEC"] < following["DECOM"] and continuing:
                fix("gap_closed_at_next_start", "DEC", following["DECOM"])
                row["REC"] = codes.CONTINUES
        elif pd.isna(row["DEC"]) and last_year < collection_year(data_end):
            fix("no_longer_in_latest_return", "DEC", pd.Timestamp(dt.date(last_year, 3, 31)))
        if (pd.isna(row["DEC"]) and eighteen <= pd.Timestamp(data_end)) or (
            pd.notna(row["DEC"]) and row["DEC"] > eighteen
        ):
            fix("closed_at_18th_birthday", "DEC", eighteen)
        kept.append(row)
        if pd.notna(row["DEC"]) and row["DEC"] >= eighteen:
            break  # nothing after the 18th birthday is care
    return kept


def _short_breaks(table: pd.DataFrame, fixes: list[Fix]) -> pd.DataFrame:
    short = table["LS"].isin(codes.SHORT_BREAKS)
    _drop(table[short], "short_breaks_excluded", fixes)
    return table[~short]


def _label(table: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The model's placement, legal status, exit group and period of care of each episode."""
    table = table.sort_values(["CHILD", "DECOM"]).copy()
    # Each code map is a function of the codes alone: applied once per distinct combination.
    place = _per_combination(
        table, ["PLACE", "PLACE_PROVIDER", "YEAR"], lambda p, by, year: codes.placement(_text(p), _text(by), int(year))
    )
    legal = _per_combination(table, ["LS"], lambda ls: codes.legal_status(_text(ls)))
    _note_once_per_file(table, [("PLACE", place), ("LS", legal)], problems)
    rec = table["REC"].map(lambda r: r if isinstance(r, str) else "")
    group = _per_combination(rec.to_frame(), ["REC"], lambda r: codes.exit_group(r))
    exit_group = group["value"].to_numpy(dtype=object).copy()
    exit_group[(table["DEC"].isna() | (rec == codes.CONTINUES)).to_numpy()] = None
    # A new period begins with each child, and wherever an episode does not start the day the last ended.
    child, start, end = table["CHILD"].to_numpy(), table["DECOM"], table["DEC"]
    same_child = np.r_[False, child[1:] == child[:-1]]
    previous_end = end.shift()
    continues = same_child & (previous_end.notna() & (start == previous_end)).to_numpy()
    period = pd.Series(~continues, index=table.index).groupby(child).cumsum().to_numpy(np.int64)
    table["placement"] = place["value"].tolist()
    table["legal_status"] = legal["value"].tolist()
    table["exit_group"] = exit_group.tolist()
    table["period"] = period.tolist()
    first = table.groupby(["CHILD", "period"])["RNE"].transform("first")
    table["period_start_known"] = (first == "S").to_numpy()
    return table


def _per_combination(table: pd.DataFrame, keys: list[str], mapping: Any) -> pd.DataFrame:
    """``mapping`` (giving a `codes.Mapped`) of each row's ``keys``, worked out once per distinct
    combination: columns ``value`` and ``note``, one row per row of ``table``."""
    which = table.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    _, first_rows = np.unique(which, return_index=True)
    firsts = table[keys].iloc[first_rows]
    mapped = [mapping(*values) for values in zip(*(firsts[k] for k in keys), strict=True)]
    values = np.array([m.value for m in mapped] or [""], dtype=object)
    notes = np.array([m.note for m in mapped] or [None], dtype=object)
    return pd.DataFrame({"value": values[which], "note": notes[which]}, index=table.index)


def _note_once_per_file(
    table: pd.DataFrame, mapped: list[tuple[str, pd.DataFrame]], problems: list[Problem]
) -> None:
    """A warning for the first row (in order, PLACE before LS) of each file with each note."""
    notes = []
    for order, (column, frame) in enumerate(mapped):
        noted = frame["note"].notna().to_numpy()
        notes.append(pd.DataFrame({
            "position": np.flatnonzero(noted), "order": order, "column": column,
            "FILE": table["FILE"].to_numpy()[noted], "ROW": table["ROW"].to_numpy()[noted],
            "code": table[column].to_numpy()[noted], "note": frame["note"].to_numpy()[noted],
        }))  # fmt: skip
    found = pd.concat(notes).sort_values(["position", "order"], kind="stable")
    found = found.drop_duplicates(subset=["FILE", "note"], keep="first")
    for file, row, column, code, note in zip(
        found["FILE"], found["ROW"], found["column"], found["code"], found["note"], strict=True
    ):
        problems.append(Problem("warning", str(file), int(row), column, _text(code) or None, note))


def _lists(table: pd.DataFrame, *columns: str) -> list[list[Any]]:
    """Columns as lists of Python values (much faster to loop over than the columns)."""
    return [table[c].tolist() for c in columns]


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """``table.to_dict("records")``, built column by column (the same values, far faster)."""
    columns = [str(c) for c in table.columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*_lists(table, *columns), strict=True)]


def _text(value: object) -> str:
    """A code as text; blank for a missing one."""
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def _show(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "blank"
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)
