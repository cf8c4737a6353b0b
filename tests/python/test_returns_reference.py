"""The column-wise cleaning, stock and exposure of carecast.returns against plain loops, child by child.

`clean`, `in_care_on`, `exit_rates` and `reentry_rate` work on whole columns at once so that a large
authority's returns take seconds. The references below are the loops they replaced, written to
be read: one child or one period of care at a time. Both must give exactly the same tables
(`assert_frame_equal` with ``check_exact``: even the float sums of exposure match bit for bit),
on a small messy synthetic return and on a hand-made one with the edge cases: a census date
equal to an episode's start or end, a child whose 18th birthday is the census date, periods
that began before the earliest return, and gaps between episodes.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from carecast import returns
from carecast.returns import estimate, synthetic
from carecast.returns._dates import birthday, whole_months, whole_years
from carecast.returns.clean import Fix, collection_year
from carecast.returns.codes import CONTINUES, EXIT_GROUPS
from carecast.returns.estimate import DAYS_PER_YEAR, TIME_IN_CARE, Window, periods, with_posterior
from carecast.returns.position import AGE_BANDS, age_band, band_index
from carecast.returns.read import as_date

# The module, not the function `returns.clean` of the same name.
clean_module = importlib.import_module("carecast.returns.clean")

COLUMNS = [
    "CHILD", "age", "age_months", "age_band", "placement", "legal_status", "uasc", "months_in_care",
    "months_in_placement", "previous_periods", "entered_under_5", "abuse_neglect", "care_start_known",
]  # fmt: skip


def reference_in_care_on(data: returns.CleanReturns, day: str) -> pd.DataFrame:
    """`returns.in_care_on`, child by child."""
    when = as_date(day, "census date")
    e = data.episodes
    open_then = e[(e["DECOM"] <= when) & (e["DEC"].isna() | (e["DEC"] > when))]
    if open_then.empty:
        return pd.DataFrame(columns=COLUMNS)
    history = e[e["CHILD"].isin(open_then["CHILD"]) & (e["DECOM"] <= when)].sort_values(["CHILD", "DECOM"])
    rows = []
    for child, own in history.groupby("CHILD", sort=False):
        current = own.iloc[-1]
        period = own[own["period"] == current["period"]]
        began = period["DECOM"].iloc[0]
        same_place = period["placement"].to_numpy()[::-1] == current["placement"]
        run = int(np.argmin(same_place)) if not same_place.all() else len(same_place)
        placed = period["DECOM"].iloc[len(period) - run]
        dob = pd.Timestamp(current["DOB"])
        known = bool(period["period_start_known"].iloc[0])
        under_5 = whole_years(dob, began) < 5
        rows.append(
            {
                "CHILD": child, "age": whole_years(dob, when), "age_months": whole_months(dob, when),
                "age_band": age_band(whole_years(dob, when)), "placement": current["placement"],
                "legal_status": current["legal_status"], "uasc": bool(current["UASC"]),
                "months_in_care": whole_months(began, when), "months_in_placement": whole_months(placed, when),
                "previous_periods": int(current["period"]) - 1,
                "entered_under_5": under_5 if known or under_5 else None,
                "abuse_neglect": current["CIN"] == "N1", "care_start_known": known,
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _pieces(
    dob: pd.Timestamp, began: pd.Timestamp, start: pd.Timestamp, end: pd.Timestamp
) -> Iterator[tuple[int, int, int]]:
    """(age band, time in care band, days) of the exposure from ``start`` to ``end``."""
    if end <= start:
        return
    cuts = {start, end}
    for _, first_age in AGE_BANDS[1:]:
        cuts.add(dob + pd.DateOffset(years=first_age))
    for _, months in TIME_IN_CARE[1:]:
        cuts.add(began + pd.DateOffset(months=months))
    points = sorted(c for c in cuts if start <= c <= end)
    for a, b in itertools.pairwise(points):
        yield band_index(whole_years(dob, a)), _tic_of(whole_months(began, a)), (b - a).days


def _tic_of(months: int) -> int:
    return sum(1 for _, first in TIME_IN_CARE[1:] if months >= first)


def reference_exit_rates(data: returns.CleanReturns, window: Window, include_uasc: bool = False) -> pd.DataFrame:
    """`estimate.exit_rates`, period by period and piece by piece."""
    table = periods(data)
    if not include_uasc:
        table = table[~table["uasc"]]
    exposure = np.zeros((len(AGE_BANDS), len(TIME_IN_CARE)))
    events = np.zeros((len(EXIT_GROUPS), len(AGE_BANDS), len(TIME_IN_CARE)))
    data_end = pd.Timestamp(data.data_end) + pd.Timedelta(days=1)
    rows: Iterator[Any] = table.itertuples(index=False)
    for row in rows:
        end = row.end if pd.notna(row.end) else data_end
        certain = 0 if row.start_known else len(TIME_IN_CARE) - 1
        for band, tic, days in _pieces(row.DOB, row.start, max(row.start, window.start), min(end, window.end)):
            if tic >= certain:
                exposure[band, tic] += days / DAYS_PER_YEAR
        if pd.notna(row.end) and window.start <= row.end < window.end and row.exit_group in EXIT_GROUPS:
            band = band_index(whole_years(row.DOB, row.end))
            tic = _tic_of(whole_months(row.start, row.end))
            if tic >= certain:
                events[EXIT_GROUPS.index(row.exit_group), band, tic] += 1
    cells = [
        {"exit_group": g, "age_band": AGE_BANDS[b][0], "time_in_care": TIME_IN_CARE[t][0],
         "events": int(events[i, b, t]), "exposure_years": exposure[b, t]}
        for i, g in enumerate(EXIT_GROUPS) for b in range(len(AGE_BANDS)) for t in range(len(TIME_IN_CARE))
    ]  # fmt: skip
    return with_posterior(pd.DataFrame(cells))


def reference_reentry_rate(data: returns.CleanReturns, window: Window, within_months: int = 24) -> pd.DataFrame:
    """`estimate.reentry_rate`, return home by return home."""
    table = periods(data)
    table = table[~table["uasc"]].sort_values(["CHILD", "period"])
    following = table.groupby("CHILD")["start"].shift(-1)
    data_end = pd.Timestamp(data.data_end) + pd.Timedelta(days=1)
    events, days = 0, 0
    rows: Iterator[Any] = table.itertuples(index=False)
    for row, back in zip(rows, following.tolist(), strict=True):
        if row.exit_group != "home":
            continue
        home = row.end + pd.Timedelta(days=1)
        limit = min(home + pd.DateOffset(months=within_months), row.DOB + pd.DateOffset(years=18), data_end)
        stop = min(back, limit) if pd.notna(back) else limit
        days += max(0, (min(stop, window.end) - max(home, window.start)).days)
        if pd.notna(back) and back < limit and window.start <= back < window.end:
            events += 1
    return with_posterior(pd.DataFrame({"events": [events], "exposure_years": [days / DAYS_PER_YEAR]}))


def reference_history(child: str, rows: list[dict[str, Any]], dob: dt.date, last_year: int, data_end: dt.date,
                      fixes: list[Fix]) -> list[dict[str, Any]]:  # fmt: skip
    """The rules of `clean._histories` for one child's episodes (records, in order of start)."""
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
                    row["REC"] = CONTINUES
                else:
                    march = pd.Timestamp(dt.date(int(row["YEAR"]), 3, 31))
                    fix("ceased_and_reentered", "DEC", min(march, following["DECOM"] - pd.Timedelta(days=1)))
            elif row["DEC"] > following["DECOM"]:
                fix("overlap_closed_at_next_start", "DEC", following["DECOM"])
            elif row["DEC"] < following["DECOM"] and continuing:
                fix("gap_closed_at_next_start", "DEC", following["DECOM"])
                row["REC"] = CONTINUES
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


def reference_deduplicate(episodes: pd.DataFrame, fixes: list[Fix]) -> pd.DataFrame:
    """`clean._deduplicate`, on the frame's columns and a merge."""
    data = [c for c in episodes.columns if c not in {"FILE", "ROW"}]
    exact = episodes.duplicated(subset=data, keep="first")
    _reference_drop(episodes[exact], "exact_duplicate", fixes)
    episodes = episodes[~exact]
    ordered = episodes.assign(_open=episodes["DEC"].isna()).sort_values(["CHILD", "DECOM", "YEAR", "_open", "ROW"])
    clash = ordered.duplicated(subset=["CHILD", "DECOM", "YEAR"], keep="first")
    _reference_drop(ordered[clash], "conflicting_duplicate", fixes)
    ordered = ordered[~clash].drop(columns="_open")
    later = ordered.duplicated(subset=["CHILD", "DECOM"], keep="last")
    coded = ["RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER"]
    stale = ordered[later].merge(
        ordered[~later][["CHILD", "DECOM", *coded]], on=["CHILD", "DECOM"], suffixes=("", "_kept")
    )
    same = np.logical_and.reduce([(stale[c] == stale[f"{c}_kept"]).fillna(False).to_numpy(bool)
                                  | (stale[c].isna() & stale[f"{c}_kept"].isna()).to_numpy(bool) for c in coded])
    for (_, row), repeated in zip(stale.iterrows(), same, strict=True):
        rule = "repeated_in_later_return" if repeated else "replaced_in_later_return"
        fixes.append(Fix(rule, str(row["FILE"]), int(row["ROW"]), str(row["CHILD"]), "dropped"))
    return ordered[~later]


def _reference_drop(rows: pd.DataFrame, rule: str, fixes: list[Fix]) -> None:
    for _, row in rows.iterrows():
        fixes.append(Fix(rule, str(row["FILE"]), int(row["ROW"]), str(row["CHILD"]), "dropped"))


def reference_clean(raw: returns.Returns, until: str | None = None) -> returns.CleanReturns:
    """`returns.clean`, duplicates dropped on the frame's columns (`reference_deduplicate`) and
    the rules applied child by child (`reference_history`)."""
    if until is not None:
        raw = clean_module.cut(raw, until)
    fixes: list[Fix] = []
    problems = list(raw.problems)
    data_end = as_date(until, "until").date() if until is not None else dt.date(max(raw.years), 3, 31)
    episodes = reference_deduplicate(raw.episodes, fixes)
    births, uasc = clean_module._dates_of_birth(raw, episodes, fixes, problems)
    episodes = episodes[episodes["CHILD"].isin(births.index)]
    last_seen = raw.episodes.groupby("CHILD")["YEAR"].max()
    rows = []
    records = episodes.sort_values(["CHILD", "DECOM"]).to_dict("records")
    for child, own in itertools.groupby(records, key=lambda r: str(r["CHILD"])):
        rows.extend(reference_history(child, list(own), births[child].date(), int(last_seen[child]), data_end, fixes))
    # The returns' own column types (a frame of records would guess them: a column blank
    # throughout would become float).
    table = pd.DataFrame(rows, columns=episodes.columns).astype(episodes.dtypes.to_dict())
    table["DOB"] = table["CHILD"].map(births)
    table["UASC"] = table["CHILD"].isin(uasc)
    table = clean_module._short_breaks(table, fixes)
    table = clean_module._label(table, problems)
    return returns.CleanReturns(table.reset_index(drop=True), fixes, problems, data_end=data_end,
                                data_start=dt.date(min(raw.years) - 1, 4, 1), files=list(raw.files),
                                source=raw)  # fmt: skip


def _show(value: object) -> str:
    return "blank" if value is None or value is pd.NaT else str(pd.Timestamp(value).date())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> returns.CleanReturns:
    # A small authority (about 170 children in care), messy as real returns are.
    truth = synthetic.Truth(population=(800.0,) * 18, uasc_per_year=6.0)
    folder = tmp_path_factory.mktemp("messy")
    synthetic.generate(truth, seed=21).write(folder, synthetic.Mess())
    return returns.load(folder)


EPISODES_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> returns.CleanReturns:
    """Returns for 2016 and 2017 with every edge case named in the module's docstring."""
    folder = tmp_path_factory.mktemp("edges")
    header = (
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "1,1,01/06/2010,WBRI,,,\n"  # placement changes, and a census date on each start and end
        "2,2,30/09/1998,WBRI,,,\n"  # 18 on 30/09/2016, in care until then
        "3,1,15/01/2014,WBRI,,,\n"  # in care since before the earliest return (RNE P first)
        "4,2,29/02/2012,WBRI,,,\n"  # 5 on 29 February 2017 (no such day); gaps, inside and between periods
        "5,1,10/10/2012,WBRI,,,\n"  # home and back: a second period of care
    )
    first = (
        "1,01/05/2015,S,C2,N1,U4,PR1,01/08/2015,X1,,,,\n"
        "1,01/08/2015,P,C2,N1,U4,PR4,01/11/2015,X1,,,,\n"
        "1,01/11/2015,P,C2,N1,U4,PR4,,,,,,\n"
        "2,01/09/2014,S,V2,N2,R1,PR4,,,,,,\n"
        "3,10/02/2015,P,C2,N1,U1,PR1,,,,,,\n"
        "4,01/06/2015,S,V2,N4,U4,PR1,20/08/2015,X1,,,,\n"
        "4,01/09/2015,P,V2,N4,K2,PR4,,,,,,\n"
        "5,01/07/2015,S,V2,N1,U4,PR1,01/10/2015,E13,,,,\n"
        "5,15/01/2016,S,C1,N1,U6,PR5,,,,,,\n"
    )
    second = (
        "1,01/11/2015,P,C2,N1,U4,PR4,01/01/2017,X1,,,,\n"
        "1,01/01/2017,L,E1,N1,U4,PR4,,,,,,\n"
        "2,01/09/2014,S,V2,N2,R1,PR4,30/09/2016,E17,,,,\n"
        "3,10/02/2015,P,C2,N1,U1,PR1,29/02/2016,E45,,,,\n"
        "4,01/09/2015,P,V2,N4,K2,PR4,01/03/2016,E4A,,,,\n"
        "4,15/04/2016,S,C2,N4,U4,PR1,30/06/2016,X1,,,,\n"
        "4,05/07/2016,P,C2,N4,U5,PR4,,,,,,\n"
        "5,15/01/2016,S,C1,N1,U6,PR5,,,,,,\n"
    )
    for year, episodes in (("2016", first), ("2017", second)):
        (folder / year).mkdir()
        (folder / year / "header.csv").write_text(header)
        (folder / year / "episodes.csv").write_text(EPISODES_HEAD + episodes)
    return returns.load(folder)


def _census_dates(data: returns.CleanReturns, every: int) -> list[str]:
    """Fixed dates, and every ``every``-th episode start, end and 18th birthday in the data."""
    e = data.episodes
    days = [pd.Timestamp(d) for d in ("2015-03-31", "2016-02-29", "2016-03-31", "2017-03-31")]
    days += list(e["DECOM"].iloc[::every]) + list(e["DEC"].dropna().iloc[::every])
    days += list((e["DOB"] + pd.DateOffset(years=18)).iloc[::every])
    inside = sorted({d for d in days if data.data_start <= d.date() <= data.data_end})
    return [d.strftime("%Y-%m-%d") for d in inside]


def test_the_edge_cases_are_in_the_hand_made_returns(edges: returns.CleanReturns) -> None:
    e = edges.episodes
    assert not e.loc[e["CHILD"] == "3", "period_start_known"].any()
    # Child 4's gaps inside a period are closed by cleaning; the one between periods stays.
    assert edges.rule_counts()["gap_closed_at_next_start"] == 2
    assert e.loc[e["CHILD"] == "4", "period"].max() == 2
    assert len(returns.in_care_on(edges, "2016-09-29")[lambda s: s["CHILD"] == "2"]) == 1
    assert len(returns.in_care_on(edges, "2016-09-30")[lambda s: s["CHILD"] == "2"]) == 0


def test_the_stock_is_the_reference_s_on_the_edge_cases(edges: returns.CleanReturns) -> None:
    days = _census_dates(edges, every=1)
    days += ["2016-09-29", "2016-09-30", "2016-04-14", "2016-04-15", "2016-07-01", "2016-07-04"]
    assert len(days) > 20
    for day in days:
        pd.testing.assert_frame_equal(returns.in_care_on(edges, day), reference_in_care_on(edges, day),
                                      check_exact=True, obj=f"stock on {day}")  # fmt: skip


def test_the_stock_is_the_reference_s_on_messy_returns(messy: returns.CleanReturns) -> None:
    days = _census_dates(messy, every=97)
    assert len(days) > 25
    for day in days:
        pd.testing.assert_frame_equal(returns.in_care_on(messy, day), reference_in_care_on(messy, day),
                                      check_exact=True, obj=f"stock on {day}")  # fmt: skip


@pytest.mark.parametrize(("census", "months"), [("2018-03-31", 36), ("2016-09-30", 24), ("2015-02-28", 7)])
def test_exit_and_reentry_exposure_is_the_reference_s(messy: returns.CleanReturns, census: str, months: int) -> None:
    window = Window.ending(census, months)
    for include_uasc in (False, True):
        pd.testing.assert_frame_equal(estimate.exit_rates(messy, window, include_uasc=include_uasc),
                                      reference_exit_rates(messy, window, include_uasc), check_exact=True)  # fmt: skip
    for within in (24, 6):
        pd.testing.assert_frame_equal(estimate.reentry_rate(messy, window, within_months=within),
                                      reference_reentry_rate(messy, window, within), check_exact=True)  # fmt: skip


def test_edge_case_exposure_is_the_reference_s(edges: returns.CleanReturns) -> None:
    window = Window.ending(dt.date(2017, 3, 31), 24)
    pd.testing.assert_frame_equal(estimate.exit_rates(edges, window), reference_exit_rates(edges, window),
                                  check_exact=True)  # fmt: skip
    pd.testing.assert_frame_equal(estimate.reentry_rate(edges, window), reference_reentry_rate(edges, window),
                                  check_exact=True)  # fmt: skip


def test_a_census_day_with_no_one_in_care(tmp_path: Path) -> None:
    (tmp_path / "2017").mkdir()
    (tmp_path / "2017" / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/06/2010,WBRI,,,\n")
    (tmp_path / "2017" / "episodes.csv").write_text(EPISODES_HEAD + "1,01/05/2016,S,C2,N1,U4,PR1,01/06/2016,E4A,,,,\n")
    data = returns.load(tmp_path)
    for day in ("2016-04-30", "2016-06-01", "2017-03-31"):
        assert returns.in_care_on(data, day).empty
        assert list(returns.in_care_on(data, day).columns) == COLUMNS


def _same_cleaning(ours: returns.CleanReturns, reference: returns.CleanReturns) -> None:
    pd.testing.assert_frame_equal(ours.episodes, reference.episodes, check_exact=True)
    assert ours.fixes == reference.fixes  # the same fixes, in the same order
    assert ours.problems == reference.problems
    assert (ours.data_start, ours.data_end) == (reference.data_start, reference.data_end)


@pytest.mark.parametrize("until", [None, "2016-09-30", "2017-03-31"])
def test_cleaning_is_the_reference_s_on_the_edge_cases(edges: returns.CleanReturns, until: str | None) -> None:
    assert edges.source is not None
    _same_cleaning(returns.clean(edges.source, until), reference_clean(edges.source, until))


@pytest.mark.parametrize("until", [None, "2015-03-31", "2016-10-31"])
def test_cleaning_is_the_reference_s_on_messy_returns(messy: returns.CleanReturns, until: str | None) -> None:
    assert messy.source is not None
    _same_cleaning(returns.clean(messy.source, until), reference_clean(messy.source, until))


@pytest.fixture(scope="module")
def every_rule(tmp_path_factory: pytest.TempPathFactory) -> returns.Returns:
    """Returns for 2016 to 2018 in which each rule of the histories applies (see the comments)."""
    folder = tmp_path_factory.mktemp("rules")
    header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\na,1,01/01/2000,WBRI,,,\nb,2,29/02/2000,WBRI,,,\n" \
             "c,1,01/06/2010,WBRI,,,\nd,2,01/06/2010,WBRI,,,\ne,1,01/06/2011,WBRI,,,\n"  # fmt: skip
    years = {
        "2016": "a,01/05/2015,S,C2,N1,U4,PR1,,,,,,\n"            # open, the next continues care
                "a,01/09/2015,P,C2,N1,U4,PR1,15/10/2015,X1,,,,\n"  # a gap before the next
                "a,01/11/2015,P,C2,N1,U5,PR4,01/12/2015,X1,,,,\n"  # ends after the next starts
                "a,20/11/2015,P,C2,N1,U4,PR1,,,,,,\n"            # open, a new period next: 31 March
                "c,01/01/2016,S,C2,N2,U4,PR1,,,,,,\n"            # open, absent from later returns
                "d,01/01/2009,S,C2,N2,U4,PR1,01/02/2009,E13,,,,\n",  # before birth
        "2017": "a,01/06/2016,S,C2,N1,U4,PR1,,,,,,\n"            # open, a new period 9 days on
                "a,10/06/2016,S,V2,N1,U4,PR1,,,,,,\n"
                "b,01/01/2017,S,C2,N1,U4,PR1,,,,,,\n"
                "b,01/01/2017,S,C2,N1,U4,PR1,,,,,,\n"            # the same row twice
                "d,01/03/2017,S,C2,N2,U4,PR1,01/02/2017,E13,,,,\n"  # ends before it starts
                "e,01/01/2017,,C2,N1,U4,PR1,01/02/2017,X1,,,,\n"   # no RNE: the period's first given is S
                "e,01/02/2017,S,C2,N1,U4,PR1,,,,,,\n",
        "2018": "a,10/06/2016,S,V2,N1,U4,PR1,,,,,,\n"            # open past the 18th birthday...
                "a,15/02/2018,S,C2,N1,U4,PR1,10/02/2018,E13,,,,\n"  # ...so this is not looked at
                "b,01/01/2017,S,C1,N1,U4,PR1,15/03/2018,E4A,,,,\n"  # past 18 on 1 March (29 February); LS changed
                "d,01/04/2017,S,C2,N2,U4,PR1,,,,,,\n"            # two rows for one start: the one with an end
                "d,01/04/2017,S,C2,N2,U4,PR1,01/05/2017,E13,,,,\n",
    }  # fmt: skip
    for year, episodes in years.items():
        (folder / year).mkdir()
        (folder / year / "header.csv").write_text(header)
        (folder / year / "episodes.csv").write_text(EPISODES_HEAD + episodes)
    return returns.read_returns(folder)


@pytest.mark.parametrize("until", [None, "2016-03-31", "2017-06-30", "2018-01-31"])
def test_cleaning_is_the_reference_s_with_every_rule(every_rule: returns.Returns, until: str | None) -> None:
    ours = returns.clean(every_rule, until)
    if until is None:  # every rule of the histories met, so that each is compared
        counts = ours.rule_counts()
        assert (counts[["exact_duplicate", "conflicting_duplicate", "repeated_in_later_return",
                        "replaced_in_later_return", "ends_before_start", "starts_before_birth",
                        "open_episode_followed_by_another",
                        "ceased_and_reentered", "overlap_closed_at_next_start", "gap_closed_at_next_start",
                        "no_longer_in_latest_return", "closed_at_18th_birthday"]] > 0).all(), counts  # fmt: skip
        assert counts["ceased_and_reentered"] == 3 and counts["closed_at_18th_birthday"] == 2
        assert not any(f.child == "a" and f.rule == "ends_before_start" for f in ours.fixes)
        assert ours.episodes.loc[ours.episodes["CHILD"] == "e", "period_start_known"].tolist() == [True, True]
    _same_cleaning(ours, reference_clean(every_rule, until))
