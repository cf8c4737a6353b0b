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
from typing import Any, ClassVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import ReturnsError
from . import codes
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
    episodes = episodes[births.index.get_indexer(pd.Index(episodes["CHILD"])) >= 0]  # isin, far faster on many children
    last_seen = returns.episodes.groupby("CHILD")["YEAR"].max()
    table = _histories(episodes, births, last_seen, data_end, fixes)
    table["DOB"] = births.to_numpy("datetime64[ns]")[births.index.get_indexer(pd.Index(table["CHILD"]))]
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
    """One row per child and start date, sorted by child and start (see `RULES`). The rules
    work on positions and whole-number codes of the columns, and the frame's rows are taken
    once, at the end: with many rows, moving them is what costs."""
    data = [c for c in episodes.columns if c not in {"FILE", "ROW"}]
    exact = episodes.duplicated(subset=data, keep="first").to_numpy()
    where = (episodes["FILE"].to_numpy(object), episodes["ROW"].to_numpy(np.int64), episodes["CHILD"].to_numpy(object))
    _fixes_at(np.flatnonzero(exact), "exact_duplicate", where, fixes)
    # One row per child, start date and return: prefer a row with an end date. (The order of
    # sorting on child, start, return, open and row.)
    remaining = np.flatnonzero(~exact)
    children = pd.factorize(episodes["CHILD"], sort=True)[0][remaining]
    years = episodes["YEAR"].to_numpy(np.int64)[remaining]
    starts = episodes["DECOM"].to_numpy("datetime64[ns]")[remaining]
    is_open = episodes["DEC"].isna().to_numpy()[remaining]
    order = np.lexsort([where[1][remaining], is_open, years, starts, children])
    child, start, year, order = children[order], starts[order], years[order], remaining[order]
    same_start = np.r_[False, (child[1:] == child[:-1]) & (start[1:] == start[:-1])]
    clash = same_start & np.r_[False, year[1:] == year[:-1]]
    _fixes_at(order[clash], "conflicting_duplicate", where, fixes)
    order, same_start = order[~clash], same_start[~clash]
    # One row per child and start date: the latest return's, the last of its run. Each stale
    # row is compared with the row kept, the next that is not stale.
    later = np.r_[same_start[1:], False]
    stale, kept = order[later], order[~later]
    kept_of = kept[np.searchsorted(np.flatnonzero(~later), np.flatnonzero(later))]
    same = np.ones(len(stale), dtype=bool)
    for c in ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER"):
        codes_of = pd.factorize(episodes[c])[0]  # blank is -1: two blanks are the same
        same &= codes_of[stale] == codes_of[kept_of]
    rules = np.where(same, "repeated_in_later_return", "replaced_in_later_return")
    fixes.extend(map(Fix, rules.tolist(), *(w[stale].tolist() for w in where), itertools.repeat("dropped")))
    result: pd.DataFrame = episodes.iloc[kept]
    return result


def _fixes_at(positions: npt.NDArray[np.intp], rule: str, where: tuple[npt.NDArray[Any], ...],
              fixes: list[Fix]) -> None:  # fmt: skip
    """A row dropped by ``rule`` at each of ``positions``; ``where`` holds the columns FILE, ROW
    and CHILD."""
    columns = (w[positions].tolist() for w in where)
    fixes.extend(map(Fix, itertools.repeat(rule), *columns, itertools.repeat("dropped")))


def _drop(rows: pd.DataFrame, rule: str, fixes: list[Fix]) -> None:
    fixes.extend(map(Fix, itertools.repeat(rule), *_lists(rows, "FILE", "ROW", "CHILD"), itertools.repeat("dropped")))


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
    unheaded = sorted(pd.Index(pd.unique(episodes["CHILD"])).difference(cast(Any, births.index)))
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


def _histories(
    episodes: pd.DataFrame, births: pd.Series, last_seen: pd.Series, data_end: dt.date, fixes: list[Fix]
) -> pd.DataFrame:
    """Every child's episodes in order of start, each rule applied where it must, the fixes
    listed in that order (child by child, episode by episode).

    For each episode, in order: one that ends before it starts, or starts before the child's
    birth, is dropped. If the child has a next episode (as the returns give it, dropped or
    not): an open episode is closed at the next start (REC = X1) when the next does not start
    a period (RNE not S), else at the earlier of 31 March of its return and the day before the
    next start; one ending after the next starts is closed at the next start; one ending before
    it, where care continues, too (REC = X1). The last, if open and the child is absent from
    the latest return, is closed at 31 March of the child's last return. Then one open past the
    18th birthday (or open when the data end after it) is closed on the birthday, and nothing
    after an episode ending on or after the birthday is care: dropped, with no fix listed.

    Each rule looks only at an episode and the next, so the rules run on whole columns; the
    loop child by child they replaced is kept as the reference in
    ``tests/python/test_returns_reference.py``."""
    e = (episodes if _in_order(episodes) else episodes.sort_values(["CHILD", "DECOM"])).reset_index(drop=True)
    n = len(e)
    child = e["CHILD"].to_numpy(object)
    start = e["DECOM"].to_numpy("datetime64[ns]")
    end = e["DEC"].to_numpy("datetime64[ns]").copy()
    not_a_time = np.datetime64("NaT", "ns")
    has_next = np.r_[child[1:] == child[:-1], False] if n else np.zeros(0, dtype=bool)
    next_start = np.r_[start[1:], [not_a_time]][:n]
    next_rne = np.r_[e["RNE"].to_numpy(object)[1:], [None]][:n]
    dob = births.to_numpy("datetime64[ns]")[births.index.get_indexer(pd.Index(e["CHILD"]))]
    eighteen = _eighteenth_birthdays(dob)
    year = e["YEAR"].to_numpy(np.int64)
    last_year = last_seen.to_numpy(np.int64)[last_seen.index.get_indexer(pd.Index(e["CHILD"]))]
    day = np.timedelta64(1, "D")
    rec = e["REC"].to_numpy(object).copy()

    is_open = np.isnat(end)
    ends_before_start = ~is_open & (end < start)
    starts_before_birth = ~ends_before_start & (start < dob)
    kept = ~ends_before_start & ~starts_before_birth
    continuing = next_rne != "S"
    followed = kept & has_next
    fix_steps: list[tuple[str, npt.NDArray[np.bool_], npt.NDArray[np.datetime64], npt.NDArray[np.datetime64], int]] = []

    def fix(rule: str, where: npt.NDArray[np.bool_], new: npt.NDArray[np.datetime64], step: int) -> None:
        fix_steps.append((rule, where, end[where].copy(), new[where], step))
        end[where] = new[where]

    marches = _march_31(year)
    ceased = np.minimum(marches, next_start - day)
    open_followed, closed_followed = followed & is_open, followed & ~is_open
    overlap = closed_followed & (end > next_start)
    gap = closed_followed & ~overlap & (end < next_start) & continuing
    fix("open_episode_followed_by_another", open_followed & continuing, next_start, 0)
    fix("ceased_and_reentered", open_followed & ~continuing, ceased, 0)
    fix("overlap_closed_at_next_start", overlap, next_start, 0)
    fix("gap_closed_at_next_start", gap, next_start, 0)
    rec[(open_followed & continuing) | gap] = codes.CONTINUES
    absent = kept & ~has_next & is_open & (last_year < collection_year(data_end))
    fix("no_longer_in_latest_return", absent, _march_31(last_year), 0)
    now_open = np.isnat(end)
    past_eighteen = kept & ((now_open & (eighteen <= np.datetime64(data_end, "ns"))) | (~now_open & (end > eighteen)))
    fix("closed_at_18th_birthday", past_eighteen, eighteen, 1)
    # Nothing after an episode that ends on or after the 18th birthday: a child's rows after the
    # first such episode are not looked at (no fix listed for them either).
    ends_adult = kept & ~np.isnat(end) & (end >= eighteen)
    adult_before = pd.Series(ends_adult).groupby(child).cumsum().to_numpy() - ends_adult
    looked_at = adult_before == 0

    drops = [("ends_before_start", ends_before_start), ("starts_before_birth", starts_before_birth)]
    _list_fixes(e, looked_at, drops, fix_steps, fixes)
    out = e.assign(DEC=pd.Series(end, dtype=e["DEC"].dtype), REC=pd.Series(rec, dtype=e["REC"].dtype))
    result: pd.DataFrame = out[kept & looked_at].reset_index(drop=True)
    return result


def _in_order(table: pd.DataFrame) -> bool:
    """Whether ``table`` is sorted by child and start already (as `_deduplicate` leaves it)."""
    child, start = table["CHILD"].to_numpy(object), table["DECOM"].to_numpy("datetime64[ns]")
    same = child[1:] == child[:-1]
    return bool(((child[1:] > child[:-1]) | (same & (start[1:] >= start[:-1]))).all())


def _march_31(years: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    """31 March of each of ``years``."""
    distinct, which = np.unique(years, return_inverse=True)
    text = pd.Series(distinct.astype(str)) + "-03-31"
    march: npt.NDArray[np.datetime64] = pd.to_datetime(text, format="%Y-%m-%d").to_numpy("datetime64[ns]")[which]
    return march


def _eighteenth_birthdays(dob: npt.NDArray[np.datetime64]) -> npt.NDArray[np.datetime64]:
    """`_dates.birthday(dob, 18)` of each date of birth (29 February falls on 1 March)."""
    days = pd.DatetimeIndex(dob)
    years = days.year.to_numpy(np.int64) + 18
    months, mdays = days.month.to_numpy(np.int64), days.day.to_numpy(np.int64)
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    moved = (months == 2) & (mdays == 29) & ~leap
    months, mdays = np.where(moved, 3, months), np.where(moved, 1, mdays)
    parts = pd.DataFrame({"year": years, "month": months, "day": mdays})
    result: npt.NDArray[np.datetime64] = pd.to_datetime(parts).to_numpy("datetime64[ns]") if len(parts) else (
        np.zeros(0, dtype="datetime64[ns]"))  # fmt: skip
    return result


def _list_fixes(
    e: pd.DataFrame,
    looked_at: npt.NDArray[np.bool_],
    drops: list[tuple[str, npt.NDArray[np.bool_]]],
    steps: list[tuple[str, npt.NDArray[np.bool_], npt.NDArray[np.datetime64], npt.NDArray[np.datetime64], int]],
    fixes: list[Fix],
) -> None:
    """The fixes of `_histories` as `Fix` objects, in the order the rules met them: by episode,
    and within an episode the closing rules before the 18th birthday's."""
    parts = []
    for rule, where in drops:
        where = where & looked_at
        parts.append(pd.DataFrame({"position": np.flatnonzero(where), "step": 0, "rule": rule, "action": "dropped"}))
    for rule, where, old, new, step in steps:
        chosen = looked_at[where]
        action = "DEC " + _shown(old[chosen]) + " -> " + _shown(new[chosen])
        parts.append(pd.DataFrame({"position": np.flatnonzero(where)[chosen], "step": step, "rule": rule,
                                   "action": action}))  # fmt: skip
    found = pd.concat(parts, ignore_index=True).sort_values(["position", "step"], kind="stable")
    position = found["position"].to_numpy()
    files, rows, children = (e[c].to_numpy(object)[position] for c in ("FILE", "ROW", "CHILD"))
    fixes.extend(Fix(rule, str(file), int(row), str(child), action) for rule, file, row, child, action in zip(
        found["rule"].tolist(), files, rows, children, found["action"].tolist(), strict=True))  # fmt: skip


def _shown(days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.str_]:
    """`_show` of each date: ``YYYY-MM-DD``, or ``blank``."""
    text = pd.Series(days, dtype="datetime64[ns]").dt.strftime("%Y-%m-%d").fillna("blank")
    return text.to_numpy(str)


def _short_breaks(table: pd.DataFrame, fixes: list[Fix]) -> pd.DataFrame:
    short = table["LS"].isin(codes.SHORT_BREAKS)
    _drop(table[short], "short_breaks_excluded", fixes)
    return table[~short]


def _label(table: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The model's placement, legal status, exit group and period of care of each episode."""
    table = table.copy() if _in_order(table) else table.sort_values(["CHILD", "DECOM"]).copy()
    # Each code map is a function of the codes alone: applied once per distinct combination.
    place = _per_combination(
        table, ["PLACE", "PLACE_PROVIDER", "YEAR"], lambda p, by, year: codes.placement(_text(p), _text(by), int(year))
    )
    legal = _per_combination(table, ["LS"], lambda ls: codes.legal_status(_text(ls)))
    _note_once_per_file(table, [("PLACE", place), ("LS", legal)], problems)
    rec = table["REC"].fillna("")
    group = _per_combination(rec.to_frame(), ["REC"], lambda r: codes.exit_group(r))
    exit_group = group["value"].to_numpy(dtype=object).copy()
    exit_group[(table["DEC"].isna() | (rec == codes.CONTINUES)).to_numpy()] = None
    # A new period begins with each child, and wherever an episode does not start the day the last ended.
    child, start, end = table["CHILD"].to_numpy(), table["DECOM"], table["DEC"]
    same_child = np.r_[False, child[1:] == child[:-1]]
    previous_end = end.shift()
    continues = same_child & (previous_end.notna() & (start == previous_end)).to_numpy()
    # Periods numbered within each child (its rows are together, in order of start).
    new_period = ~continues
    counted = np.cumsum(new_period)
    period = counted - np.maximum.accumulate(np.where(same_child, 0, counted - 1))
    table["placement"] = place["value"].tolist()
    table["legal_status"] = legal["value"].tolist()
    table["exit_group"] = exit_group.tolist()
    table["period"] = period.astype(np.int64).tolist()
    # A period's start is known if the first RNE given in it (blanks passed over) is S.
    known = np.zeros(len(table), dtype=bool)
    rne = table["RNE"].to_numpy(object)
    given = np.flatnonzero(pd.notna(rne))
    if len(given):
        rows = np.arange(len(table))
        period_start = np.maximum.accumulate(np.where(new_period, rows, 0))
        period_end = np.minimum.accumulate(np.where(np.r_[new_period[1:], True], rows, len(table))[::-1])[::-1]
        first = given[np.minimum(np.searchsorted(given, period_start), len(given) - 1)]
        known = (first >= period_start) & (first <= period_end) & (rne[first] == "S")
    table["period_start_known"] = known
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


def _text(value: object) -> str:
    """A code as text; blank for a missing one."""
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def _show(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "blank"
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)
