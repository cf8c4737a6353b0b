"""Cleaning rules for CIN census returns, each named and counted, every fix listed.

A CIN census return holds every episode of need open at any time in its year, so an episode
that spans 31 March is in two (or more) consecutive returns, the later one knowing more (its
closure, later assessments and plans). The rules below turn the returns of one or many years
into one record of each child, episode (child and referral date), assessment, plan and enquiry
(child, referral date and start date), as the regional pipelines do for SSDA903 (see
``docs/returns.md``, "The CIN census and early help").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..._errors import ReturnsError
from .._dates import birthday
from .._report import Fix, LoadReport, Problem
from .read import FIELDS, REQUIRED_DATE, TABLES, CinProblem, CinReturns

#: Every cleaning rule, with what it does, in the order they apply.
RULES = {
    "exact_duplicate": "the same record twice in one return: the copy dropped",
    "conflicting_duplicate": "two different records with the same key in one return: the one with an end (else "
    "the later in the file) kept",
    "repeated_in_later_return": "a record (episode: child and referral date; assessment, plan or enquiry: and its "
    "start date) repeated unchanged in a later return: the later copy kept",
    "updated_in_later_return": "a record changed in a later return (closed since, corrected): the later copy kept",
    "dob_changed": "a child whose date of birth differs between returns: the latest return's kept",
    "expected_birth_date_used": "a child not yet born when referred (no PersonBirthDate): the "
    "ExpectedPersonBirthDate used",
    "no_date_of_birth": "a child with no date of birth or expected date of birth in any return: its records dropped",
    "closed_before_referral": "an episode closed before its referral date: closed on the referral date",
    "ends_before_start": "a plan ending (or an assessment authorised) before it starts: the end taken as blank",
    "open_episode_closed_at_next_referral": "an open episode followed by a later referral of the child: closed on "
    "the next referral date (a child has one open episode at a time)",
    "absent_from_later_return": "an open episode of a child absent from later returns: closed on 31 March of its "
    "last return",
    "plan_closed_with_episode": "a CIN or child protection plan open after its episode closed: closed with the "
    "episode",
    "after_18th_birthday": "a referral, assessment, plan or enquiry starting on or after the 18th birthday: dropped",
    "closed_at_18th_birthday": "an episode or plan open past the 18th birthday: closed on the birthday",
}

#: The key of a record in each table (with ``LAchildID``), and its end date.
KEYS: dict[str, tuple[str, ...]] = {
    "episodes": ("CINreferralDate",),
    **{
        name: ("CINreferralDate", REQUIRED_DATE[name])
        for name in ("assessments", "cin_plans", "section47", "cp_plans")
    },
}
ENDS = {
    "episodes": "CINclosureDate",
    "assessments": "AssessmentAuthorisationDate",
    "cin_plans": "CINPlanEndDate",
    "section47": "DateOfInitialCPC",
    "cp_plans": "CPPendDate",
}
_WORD = {"episodes": "episode", "assessments": "assessment", "cin_plans": "CIN plan", "section47": "section 47 enquiry",
         "cp_plans": "child protection plan"}  # fmt: skip


@dataclass
class CleanCin(LoadReport):
    """One record of each child, episode, assessment, plan and enquiry, and the load report.

    ``children``: ``LAchildID``, ``DOB`` (the date of birth, or the expected one for a child
    referred before birth), ``Sex``, ``PersonDeathDate``. ``episodes``: one per child and
    referral date, with the CIN details' fields and ``DOB``. ``assessments``, ``cin_plans``,
    ``section47`` and ``cp_plans``: one per child, referral date and start date. Every record
    keeps the ``YEAR``, ``FILE``, ``ROW`` and ``PATH`` it came from.
    """

    children: pd.DataFrame
    episodes: pd.DataFrame
    assessments: pd.DataFrame
    cin_plans: pd.DataFrame
    section47: pd.DataFrame
    cp_plans: pd.DataFrame
    fixes: list[Fix] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The first day the data covers: 1 April of the earliest return's year.
    data_start: dt.date = dt.date(1900, 1, 1)
    #: The last day the data covers: 31 March of the latest return.
    data_end: dt.date = dt.date(1900, 1, 1)
    files: list[str] = field(default_factory=list)
    #: The returns as read, before cleaning (so that a back-test can cut them at an earlier
    #: date and clean them again: see `carecast.returns.precare.as_cin`).
    source: CinReturns | None = field(default=None, repr=False, compare=False)

    RULES_APPLIED: ClassVar[dict[str, str]] = RULES
    UNIT: ClassVar[str] = "records"
    NAMED: ClassVar[str] = "the CIN census"
    WITH_CHILD: ClassVar[bool] = True

    def report(self) -> str:
        """The load report as text: what was read, each rule's count, and the problems."""
        lines = [
            f"Read {len(self.files)} CIN census file{'' if len(self.files) == 1 else 's'}: {len(self.children):,} "
            f"children, {len(self.episodes):,} episodes of need, {len(self.assessments):,} assessments, "
            f"{len(self.section47):,} section 47 enquiries, {len(self.cin_plans):,} CIN plans and "
            f"{len(self.cp_plans):,} child protection plans after cleaning; the data covers {self.data_start} to "
            f"{self.data_end}.",
            "",
            "Cleaning rules (records fixed or dropped):",
        ]
        lines += self._rule_lines(38)
        lines += self._problem_lines()
        return "\n".join(lines)

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (``children`` or one of the episode tables)."""
        frame: pd.DataFrame = getattr(self, name)
        return frame


def clean_cin(returns: CinReturns) -> CleanCin:
    """Apply the cleaning rules to ``returns`` (see `RULES`)."""
    if returns.children.empty:
        raise ReturnsError(f"no usable child in {', '.join(returns.files)}: every child had a problem"
                           if returns.files else "no CIN census read")  # fmt: skip
    fixes: list[Fix] = []
    problems = list(returns.problems)
    last_year = max(returns.years)
    data_end = pd.Timestamp(dt.date(last_year, 3, 31))
    tables = {name: _deduplicate(returns.table(name), name, fixes) for name in TABLES if name != "children"}
    births = _dates_of_birth(returns.children, fixes, problems)
    children = births
    for name, table in tables.items():
        known = table["LAchildID"].isin(children.index)
        _drop(table[~known], "no_date_of_birth", name, fixes)
        tables[name] = table[known].assign(DOB=table.loc[known, "LAchildID"].map(children["DOB"]))
    last_seen = returns.children.groupby("LAchildID")["YEAR"].max()
    tables["episodes"] = _episodes(tables["episodes"], last_seen, data_end, fixes)
    episodes = tables["episodes"].set_index(["LAchildID", "CINreferralDate"])
    for name in ("assessments", "cin_plans", "section47", "cp_plans"):
        tables[name] = _activities(tables[name], name, episodes, fixes)
    return CleanCin(
        children=children.reset_index(),
        **{name: table.reset_index(drop=True) for name, table in tables.items()},
        fixes=fixes,
        problems=problems,
        data_start=dt.date(min(returns.years) - 1, 4, 1),
        data_end=data_end.date(),
        files=list(returns.files),
        source=returns,
    )


def _drop(rows: pd.DataFrame, rule: str, name: str, fixes: list[Fix]) -> None:
    for file, number, child in zip(rows["FILE"], rows["ROW"], rows["LAchildID"], strict=True):
        fixes.append(Fix(rule, str(file), int(number), str(child), f"{_WORD.get(name, name)} dropped"))


def _same(a: pd.DataFrame, b: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row by row, whether ``a`` and ``b`` hold the same values in ``columns`` (blanks equal)."""
    result = np.ones(len(a), dtype=bool)
    for c in columns:
        x, y = a[c].reset_index(drop=True), b[c].reset_index(drop=True)
        result &= ((x == y).fillna(False) | (x.isna() & y.isna())).to_numpy(bool)
    return result


def _deduplicate(table: pd.DataFrame, name: str, fixes: list[Fix]) -> pd.DataFrame:
    key = ["LAchildID", *KEYS[name]]
    data = list(dict.fromkeys([*key, *FIELDS[name]]))
    exact = table.duplicated(subset=[*data, "YEAR"], keep="first")
    _drop(table[exact], "exact_duplicate", name, fixes)
    table = table[~exact]
    end = ENDS[name]
    ordered = table.assign(_open=table[end].isna()).sort_values([*key, "YEAR", "_open", "ROW"], kind="stable")
    clash = ordered.duplicated(subset=[*key, "YEAR"], keep="first")
    _drop(ordered[clash], "conflicting_duplicate", name, fixes)
    ordered = ordered[~clash].drop(columns="_open").sort_values([*key, "YEAR"], kind="stable")
    earlier = ordered.duplicated(subset=key, keep="last")
    kept = ordered[~earlier].set_index(key)
    stale = ordered[earlier]
    later = kept.loc[pd.MultiIndex.from_frame(stale[key])].reset_index() if len(stale) else stale
    same = _same(stale, later, [c for c in data if c not in key]) if len(stale) else np.zeros(0, bool)
    for file, number, child, repeated in zip(stale["FILE"], stale["ROW"], stale["LAchildID"], same, strict=True):
        rule = "repeated_in_later_return" if repeated else "updated_in_later_return"
        fixes.append(Fix(rule, str(file), int(number), str(child), f"{_WORD[name]} dropped"))
    return ordered[~earlier]


def _dates_of_birth(children: pd.DataFrame, fixes: list[Fix], problems: list[Problem]) -> pd.DataFrame:
    """One row per child (index ``LAchildID``): ``DOB``, ``Sex``, ``PersonDeathDate``, and the
    ``YEAR``, ``FILE``, ``ROW`` of its latest return."""
    ordered = children.sort_values(["YEAR", "ROW"], kind="stable")
    latest = ordered.groupby("LAchildID").last()  # last non-blank value of each column
    rows = ordered.groupby("LAchildID").tail(1).set_index("LAchildID")
    born = ordered.dropna(subset=["PersonBirthDate"])
    changed = born.groupby("LAchildID")["PersonBirthDate"].nunique()
    for child, dobs in born[born["LAchildID"].isin(changed.index[changed > 1])].groupby("LAchildID")["PersonBirthDate"]:
        if dobs.nunique() > 1:
            row: Any = rows.loc[str(child)]
            change = f"DOB {', '.join(str(d.date()) for d in dobs.unique())} -> {dobs.iloc[-1].date()}"
            fixes.append(Fix("dob_changed", str(row["FILE"]), int(row["ROW"]), str(child), change))
    dob = latest["PersonBirthDate"]
    expected = dob.isna() & latest["ExpectedPersonBirthDate"].notna()
    for child in latest.index[expected]:
        row = rows.loc[child]
        fixes.append(Fix("expected_birth_date_used", str(row["FILE"]), int(row["ROW"]), str(child),
                         f"DOB blank -> {latest.loc[child, 'ExpectedPersonBirthDate'].date()}"))  # fmt: skip
    dob = dob.where(~expected, latest["ExpectedPersonBirthDate"])
    for child in latest.index[dob.isna()]:
        row = rows.loc[child]
        problems.append(CinProblem("error", str(row["FILE"]), int(row["ROW"]), "ChildIdentifiers/PersonBirthDate",
                                   None, "no date of birth or expected date of birth in any return; the child's "
                                   "records are left out", child=str(child)))  # fmt: skip
    frame = pd.DataFrame({"DOB": dob, "Sex": latest["Sex"], "PersonDeathDate": latest["PersonDeathDate"],
                          "YEAR": rows["YEAR"], "FILE": rows["FILE"], "ROW": rows["ROW"]})  # fmt: skip
    return frame[frame["DOB"].notna()]


def _record(fixes: list[Fix], rule: str, rows: pd.DataFrame, column: str, old: pd.Series, new: pd.Series) -> None:
    """One fix per row of ``rows`` (only the rows fixed): ``column`` from ``old`` to ``new``."""
    for file, number, child, before, after in zip(rows["FILE"], rows["ROW"], rows["LAchildID"], old[rows.index],
                                                  new[rows.index], strict=True):  # fmt: skip
        fixes.append(Fix(rule, str(file), int(number), str(child), f"{column} {_show(before)} -> {_show(after)}"))


def _show(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "blank"
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)


def _eighteenth(dobs: pd.Series) -> pd.Series:
    return pd.Series([pd.Timestamp(birthday(d.date(), 18)) for d in dobs], index=dobs.index, dtype="datetime64[ns]")


def _apply(fixes: list[Fix], rule: str, table: pd.DataFrame, column: str, values: pd.Series, mask: pd.Series,
           new: pd.Series) -> pd.Series:  # fmt: skip
    """``values`` with ``new`` where ``mask``, each change recorded as a fix of ``rule``."""
    mask = mask.fillna(False).astype(bool)
    if mask.any():
        changed = values.where(~mask, new)
        _record(fixes, rule, table[mask], column, values, changed)
        return changed
    return values


def _episodes(table: pd.DataFrame, last_seen: pd.Series, data_end: pd.Timestamp, fixes: list[Fix]) -> pd.DataFrame:
    table = table.sort_values(["LAchildID", "CINreferralDate"], kind="stable").reset_index(drop=True)
    eighteen = _eighteenth(table["DOB"])
    late = table["CINreferralDate"] >= eighteen
    _drop(table[late], "after_18th_birthday", "episodes", fixes)
    table, eighteen = table[~late], eighteen[~late]
    referral, closed = table["CINreferralDate"], table["CINclosureDate"]
    closed = _apply(fixes, "closed_before_referral", table, "CINclosureDate", closed, closed < referral, referral)
    following = table.groupby("LAchildID")["CINreferralDate"].shift(-1)
    closed = _apply(fixes, "open_episode_closed_at_next_referral", table, "CINclosureDate", closed,
                    closed.isna() & following.notna(), following)  # fmt: skip
    last = table["LAchildID"].map(last_seen).astype(int)
    march = pd.to_datetime(last.astype(str) + "-03-31")
    # (an episode whose child turns 18 before that 31 March is closed on the birthday, below)
    absent = closed.isna() & (last < data_end.year) & (march < eighteen)
    closed = _apply(fixes, "absent_from_later_return", table, "CINclosureDate", closed, absent, march)
    adult = (closed.isna() & (eighteen <= data_end)) | (closed > eighteen)
    closed = _apply(fixes, "closed_at_18th_birthday", table, "CINclosureDate", closed, adult, eighteen)
    return table.assign(CINclosureDate=closed)


def _activities(table: pd.DataFrame, name: str, episodes: pd.DataFrame, fixes: list[Fix]) -> pd.DataFrame:
    start, end = REQUIRED_DATE[name], ENDS[name]
    table = table.sort_values(["LAchildID", "CINreferralDate", start], kind="stable").reset_index(drop=True)
    if table.empty:
        return table
    inside = pd.MultiIndex.from_frame(table[["LAchildID", "CINreferralDate"]]).isin(episodes.index)
    table = table[inside].reset_index(drop=True)  # the episode itself was dropped (after 18)
    eighteen = _eighteenth(table["DOB"])
    late = table[start] >= eighteen
    _drop(table[late], "after_18th_birthday", name, fixes)
    table, eighteen = table[~late], eighteen[~late]
    if name == "section47":
        return table
    ends = table[end]
    ends = _apply(fixes, "ends_before_start", table, end, ends, ends < table[start],
                  pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]"))  # fmt: skip
    if name in ("cin_plans", "cp_plans"):
        index = pd.MultiIndex.from_frame(table[["LAchildID", "CINreferralDate"]])
        closure = pd.Series(episodes["CINclosureDate"].reindex(index).to_numpy(), index=table.index)
        late_end = closure.notna() & (ends.isna() | (ends > closure))
        ends = _apply(fixes, "plan_closed_with_episode", table, end, ends, late_end, closure.where(
            closure > table[start], table[start]))  # fmt: skip
        ends = _apply(fixes, "closed_at_18th_birthday", table, end, ends, ends > eighteen, eighteen)
    return table.assign(**{end: ends})
