"""Reading, cleaning and estimating from SSDA903 returns, on synthetic returns with a known truth.

The generator (carecast.returns.synthetic) simulates an authority from known rates and writes
its returns, clean or messy. Tolerances: estimated rates are compared with the truth as Poisson
z-scores, (events - true rate x exposure) / sqrt(true rate x exposure); with the seed fixed the
test is deterministic, and the bounds (every |z| < 4, mean z^2 between 0.5 and 1.6 over 18-55
cells) would fail by chance with probability well under 1% for another seed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import carecast
import carecast._core as core
from carecast import ReturnsError, returns
from carecast.returns import codes, estimate, synthetic

CENSUS_DATES = ("2014-03-31", "2016-03-31", "2017-09-30", "2018-03-31")


@pytest.fixture(scope="module")
def authority() -> synthetic.SyntheticAuthority:
    return synthetic.generate(seed=3)


@pytest.fixture(scope="module")
def clean_data(
    authority: synthetic.SyntheticAuthority, tmp_path_factory: pytest.TempPathFactory
) -> returns.CleanReturns:
    folder = tmp_path_factory.mktemp("clean")
    authority.write(folder)
    return returns.load(folder)


@pytest.fixture(scope="module")
def messy_data(
    authority: synthetic.SyntheticAuthority, tmp_path_factory: pytest.TempPathFactory
) -> returns.CleanReturns:
    folder = tmp_path_factory.mktemp("messy")
    authority.write(folder, synthetic.Mess())
    return returns.load(folder)


def _stock(data: returns.CleanReturns, day: str) -> pd.DataFrame:
    return returns.in_care_on(data, day).sort_values("CHILD").reset_index(drop=True)


@pytest.mark.parametrize("day", CENSUS_DATES)
def test_the_stock_is_exactly_the_truth_from_clean_and_messy_returns(
    authority: synthetic.SyntheticAuthority,
    clean_data: returns.CleanReturns,
    messy_data: returns.CleanReturns,
    day: str,
) -> None:
    truth = authority.in_care_on(pd.Timestamp(day).date()).sort_values("CHILD").reset_index(drop=True)
    assert len(truth) > 300
    for data in (clean_data, messy_data):
        stock = _stock(data, day)
        assert stock["CHILD"].tolist() == truth["CHILD"].tolist()
        assert stock["age"].tolist() == truth["age"].tolist()
        assert stock["placement"].tolist() == truth["placement"].tolist()
        assert stock["legal_status"].tolist() == truth["legal_status"].tolist()
        assert stock["uasc"].tolist() == truth["uasc"].tolist()
        # Time in care is exact where the period began inside the returns, a lower bound before.
        known = stock["care_start_known"].to_numpy(bool)
        assert (stock["months_in_care"][known] == truth["months_in_care"][known]).all()
        assert (stock["months_in_care"][~known] <= truth["months_in_care"][~known]).all()
        assert (stock["months_in_care"][~known] < truth["months_in_care"][~known]).any() or not (~known).any()
        assert known.mean() > (0.5 if day == CENSUS_DATES[0] else 0.8)


def test_messy_returns_were_messy_and_every_fix_is_listed(messy_data: returns.CleanReturns) -> None:
    counts = messy_data.rule_counts()
    for rule in ("exact_duplicate", "replaced_in_later_return", "open_episode_followed_by_another",
                 "overlap_closed_at_next_start", "gap_closed_at_next_start"):  # fmt: skip
        assert counts[rule] > 0, rule
    fixes = messy_data.fixes_frame()
    assert len(fixes) == counts.sum()
    assert fixes["reason"].notna().all()
    assert (fixes["row"] >= 2).all()
    report = messy_data.report()
    assert "open_episode_followed_by_another" in report


def test_a_missing_dec_whose_successor_starts_that_day_loses_no_child(tmp_path: Path) -> None:
    year = tmp_path / "2017"
    year.mkdir()
    (year / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/06/2010,WBRI,,,\n")
    (year / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "1,01/05/2016,S,C2,N1,U4,PR1,,,,,,\n"
        "1,01/09/2016,P,C2,N1,U4,PR4,,,,,,\n"
    )
    data = returns.load(tmp_path)
    assert data.rule_counts()["open_episode_followed_by_another"] == 1
    for day in ("2016-06-30", "2016-12-31", "2017-03-31"):
        assert len(returns.in_care_on(data, day)) == 1
    assert returns.in_care_on(data, "2016-12-31")["placement"].item() == "ifa"
    assert returns.in_care_on(data, "2016-12-31")["months_in_care"].item() == 7


@pytest.mark.parametrize("layout", ["year_column", "xml"])
def test_other_layouts_give_the_same_stock(
    authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns, tmp_path: Path, layout: str
) -> None:
    authority.write(tmp_path, synthetic.Mess(), layout=layout)
    data = returns.load(tmp_path)
    for day in CENSUS_DATES:
        assert _stock(data, day).equals(_stock(messy_data, day)), day


def _z(events: pd.Series, expected: pd.Series) -> np.ndarray:
    e = expected.to_numpy(float)
    return (events.to_numpy(float) - e) / np.sqrt(e)


def test_entry_rates_recover_the_truth(
    authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns
) -> None:
    window = estimate.Window.ending("2018-03-31", 60)
    rates = estimate.entry_rates(messy_data, window, authority.truth.population)
    z = _z(rates["events"], pd.Series(authority.truth.entry_rate) * rates["exposure_years"])
    assert np.all(np.abs(z) < 4), z
    assert 0.5 < np.mean(z**2) < 1.6, z
    assert (rates["low"] < rates["rate"]).all() and (rates["rate"] < rates["high"]).all()
    assert rates["reentries"].sum() > 0


def test_exit_rates_by_current_age_and_time_in_care_recover_the_truth(
    authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns
) -> None:
    window = estimate.Window.ending("2018-03-31", 60)
    rates = estimate.exit_rates(messy_data, window)
    truth = authority.truth.exits
    rates["true"] = [
        truth[g][synthetic.BAND_STARTS.index(int(b.split("-")[0]))][t]
        for g, b, t in zip(rates["exit_group"], rates["age_band"], rates["time_in_care"].map(
            {"under_6_months": 0, "months_6_to_24": 1, "over_24_months": 2}), strict=True)
    ]  # fmt: skip
    cells = rates[(rates["true"] > 0) & (rates["exposure_years"] > 0)]
    z = _z(cells["events"], cells["true"] * cells["exposure_years"])
    assert len(cells) > 40
    assert np.all(np.abs(z) < 4), z
    assert 0.5 < np.mean(z**2) < 1.6, z
    # The 18th birthday is an event, not an exit rate: no exit is counted on it.
    assert rates["events"].sum() < len(estimate.periods(messy_data))


def test_moves_reentry_and_trend(authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns) -> None:
    window = estimate.Window.ending("2018-03-31", 60)
    moves = estimate.placement_move_rate(messy_data, window).iloc[0]
    assert (
        abs(_z(pd.Series([moves["events"]]), pd.Series([authority.truth.placement_move * moves["exposure_years"]]))[0])
        < 4
    )
    back = estimate.reentry_rate(messy_data, window).iloc[0]
    assert abs(_z(pd.Series([back["events"]]), pd.Series([authority.truth.reentry * back["exposure_years"]]))[0]) < 4
    growth, se = estimate.entry_trend(messy_data, window)
    assert abs(growth) < 4 * se


def test_a_trend_in_entries_is_found(tmp_path: Path) -> None:
    truth = synthetic.Truth(entry_trend=0.06, trend_from=dt.date(2012, 4, 1))
    authority = synthetic.generate(truth, first_year=2013, last_year=2018, seed=5)
    authority.write(tmp_path)
    growth, se = estimate.entry_trend(returns.load(tmp_path), estimate.Window.ending("2018-03-31", 60))
    assert abs(growth - 0.06) < 4 * se, (growth, se)
    assert growth > 0.0


def test_clean_and_messy_returns_give_the_same_rates(
    clean_data: returns.CleanReturns, messy_data: returns.CleanReturns, authority: synthetic.SyntheticAuthority
) -> None:
    window = estimate.Window.ending("2018-03-31", 48)
    for rates in (
        lambda d: estimate.entry_rates(d, window, authority.truth.population),
        lambda d: estimate.exit_rates(d, window),
        lambda d: estimate.placement_move_rate(d, window),
        lambda d: estimate.reentry_rate(d, window),
    ):
        pd.testing.assert_frame_equal(rates(clean_data), rates(messy_data))


# Bad files: each gets an error or warning naming the file, row, column and value.

EPISODES_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/06/2010,WBRI,,,\n2,2,03/02/2012,WBRI,,,\n"


def _year(tmp_path: Path, episodes: str, header: str = HEADER, year: str = "2017") -> Path:
    folder = tmp_path / year
    folder.mkdir(parents=True)
    (folder / "episodes.csv").write_text(episodes)
    (folder / "header.csv").write_text(header)
    return tmp_path


def test_a_missing_column_names_the_file_and_column(tmp_path: Path) -> None:
    _year(tmp_path, "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC\n1,01/05/2016,S,C2,N1,U4,,\n")
    with pytest.raises(ReturnsError, match=r"episodes.csv: this episodes table has no column PLACE_PROVIDER") as e:
        returns.load(tmp_path)
    assert e.value.column == "PLACE_PROVIDER"


def test_a_date_no_timestamp_holds_is_not_a_date(tmp_path: Path) -> None:
    # Years before 1677 or after 2262 (a slip of the keyboard) were a crash; now they are not dates.
    _year(tmp_path, EPISODES_HEAD + "1,01/05/2016,S,C2,N1,U4,PR1,01/06/2916,E13,,,,\n",
          header=HEADER + "3,1,01/01/1500,WBRI,,,\n")  # fmt: skip
    problems = returns.load(tmp_path).problems_frame()
    for column, value in (("DEC", "01/06/2916"), ("DOB", "01/01/1500")):
        row = problems[problems["value"] == value].iloc[0]
        assert row["column"] == column and "not a date" in row["message"], row


def test_an_unparseable_date_is_located_and_the_row_left_out(tmp_path: Path) -> None:
    _year(tmp_path, EPISODES_HEAD + "1,01/05/2016,S,C2,N1,U4,PR1,,,,,,\n2,31/02/2016,S,C2,N1,U4,PR1,,,,,,\n")
    data = returns.load(tmp_path)
    problems = data.problems_frame()
    bad = problems[problems["severity"] == "error"].iloc[0]
    assert (bad["row"], bad["column"], bad["value"]) == (3, "DECOM", "31/02/2016")
    assert bad["file"].endswith("episodes.csv")
    assert "not a date" in bad["message"]
    assert data.children() == 1


def test_unknown_codes_are_reported_not_fatal(tmp_path: Path) -> None:
    _year(tmp_path, EPISODES_HEAD + "1,01/05/2016,S,C9,N1,Q7,PR1,,,,,,\n", year="2027")
    data = returns.load(tmp_path)
    messages = data.problems_frame()
    assert ((messages["column"] == "LS") & (messages["value"] == "C9")).any()
    place = messages[messages["column"] == "PLACE"].iloc[0]
    assert place["value"] == "Q7" and "counted as other" in place["message"] and place["row"] == 2
    assert returns.in_care_on(data, "2026-12-31")["placement"].item() == "other"


def test_a_code_new_in_a_later_year_is_reported_for_that_year(tmp_path: Path) -> None:
    _year(tmp_path, EPISODES_HEAD + "1,01/05/2024,S,C2,N1,H5,PR4,,,,,,\n", year="2025")
    messages = returns.load(tmp_path).problems_frame()
    assert any("H5" in m and "2025" in m for m in messages["message"])


def test_a_child_with_no_header_row_is_an_error_naming_the_child(tmp_path: Path) -> None:
    _year(tmp_path, EPISODES_HEAD + "1,01/05/2016,S,C2,N1,U4,PR1,,,,,,\n7,01/05/2016,S,C2,N1,U4,PR1,,,,,,\n")
    data = returns.load(tmp_path)
    problems = data.problems_frame()
    row = problems[problems["value"] == "7"].iloc[0]
    assert row["severity"] == "error" and "no header row" in row["message"] and row["row"] == 3
    assert data.rule_counts()["no_header"] == 1
    assert data.children() == 1


def test_an_unrecognised_table_or_no_year_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "2017").mkdir()
    (tmp_path / "2017" / "notes.csv").write_text("A,B\n1,2\n")
    with pytest.raises(ReturnsError, match=r"notes.csv: not a table carecast recognises \(its columns: A, B\)"):
        returns.load(tmp_path)
    other = tmp_path / "undated"
    other.mkdir()
    (other / "episodes.csv").write_text(EPISODES_HEAD)
    with pytest.raises(ReturnsError, match="cannot tell which collection year"):
        returns.load(other / "episodes.csv")


def test_a_workbook_or_utf16_file_with_a_csv_name_is_a_clear_error(tmp_path: Path) -> None:
    import openpyxl

    folder = tmp_path / "2016"
    folder.mkdir()
    book = openpyxl.Workbook()
    book.active.append(["CHILD", "SEX", "DOB"])
    book.save(folder / "header.csv")
    with pytest.raises(ReturnsError, match=r"header.csv: not a CSV file but an Excel workbook with a .csv name"):
        returns.load(tmp_path)
    (folder / "header.csv").write_text("CHILD,SEX,DOB\n1,1,01/01/2010\n", encoding="utf-16")
    with pytest.raises(ReturnsError, match=r"header.csv: not a readable CSV file: it looks like UTF-16"):
        returns.load(tmp_path)


def test_malformed_xml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "2017").mkdir()
    (tmp_path / "2017" / "return.xml").write_text("<EXPSSDA903><CHILD><HEADER></CHILD>")
    with pytest.raises(ReturnsError, match=r"return.xml: not well-formed XML at line 1"):
        returns.load(tmp_path)


def test_years_in_folder_names(tmp_path: Path) -> None:
    for name, year in (("2015-16", 2016), ("ssda903_201617", 2017), ("2018", 2018)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "episodes.csv").write_text(EPISODES_HEAD + "1,01/05/2015,S,C2,N1,U4,PR1,,,,,,\n")
        (folder / "header.csv").write_text(HEADER)
        assert returns.read_returns(folder).years == [year]


def test_the_returns_stock_is_where_a_run_starts(
    authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns
) -> None:
    census = "2016-03-31"
    start = returns.starting_position(messy_data, census)
    truth = authority.in_care_on(pd.Timestamp(census).date())
    truth = truth[~truth["uasc"]]
    care = start.children_in_care
    assert len(care) == len(truth)
    assert sorted(care["placement"]) == sorted(truth["placement"])
    assert sorted(care["legal_status"]) == sorted(truth["legal_status"])
    assert sorted(care["age_months"] // 12) == sorted(truth["age"])
    scenario = carecast.Scenario.preset("wolverhampton-2015").with_starting_position(start)
    again = scenario.starting_position(seed=5).children_in_care
    assert sorted(again["placement"]) == sorted(care["placement"])
    assert sorted(again["age_months"]) == sorted(care["age_months"])
    results = scenario.run(replications=2, years=1, seed=5, progress=False)
    assert results.replications == 2
    with_uasc = returns.starting_position(messy_data, census, include_uasc=True)
    assert len(with_uasc.children_in_care) > len(care)
    # UASC are an attribute the engine carries: counted apart in the results.
    uasc = int(authority.in_care_on(pd.Timestamp(census).date())["uasc"].sum())
    assert not care["uasc"].any() and int(with_uasc.children_in_care["uasc"].sum()) == uasc > 0
    run = scenario.with_starting_position(with_uasc).run(replications=1, years=1, seed=5, progress=False)
    assert 0 < run.array("uasc_in_care")[0, 0] <= uasc
    assert run.array("legal_status_placement_order")[0, 0] > 0 or "placement_order" not in set(care["legal_status"])


def test_the_code_maps_land_in_the_model_vocabulary() -> None:
    assert codes.PLACEMENTS == tuple(core.PLACEMENTS)
    for place in [*codes._PLACE, "Q9"]:
        for provider in ("PR0", "PR1", "PR4", ""):
            assert codes.placement(place, provider, 2020).value in core.PLACEMENTS
    for ls in [*codes._LEGAL_STATUS, "X9"]:
        assert codes.legal_status(ls).value in core.LEGAL_STATUSES


def test_observed_stock_and_flows(authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns) -> None:
    from carecast.returns import observed

    stock = observed.stock_by(messy_data, ["2016-03-31", "2018-03-31"])
    assert len(stock) == 2 * 5 * len(codes.PLACEMENTS)
    truth = authority.in_care_on(dt.date(2016, 3, 31))
    assert stock[stock["date"] == "2016-03-31"]["children"].sum() == (~truth["uasc"]).sum()
    flows = observed.flows_by_year(messy_data)
    assert {"year", "entries", "exits", "of_which_eighteen"} <= set(flows.columns)
    assert flows["of_which_eighteen"].sum() > 0
    assert (flows["exits"] >= flows["of_which_eighteen"]).all()


def test_population_file(tmp_path: Path) -> None:
    from carecast.returns import observed

    good = tmp_path / "population.csv"
    good.write_text("age,children\n" + "".join(f"{a},{2000 + a}\n" for a in range(18)))
    assert observed.population_by_age(observed.read_population(good)) == [2000.0 + a for a in range(18)]
    bad = tmp_path / "bad.csv"
    bad.write_text("age,children\n" + "".join(f"{a},2000\n" for a in range(17)) + "18,2000\n")
    with pytest.raises(ReturnsError, match=r"bad.csv, row 19, column age: '18' is not an age from 0 to 17"):
        observed.read_population(bad)
    bad.write_text("age,children\n0,lots\n")
    with pytest.raises(ReturnsError, match=r"row 2, column children: 'lots' is not a number of children"):
        observed.read_population(bad)
    bad.write_text("age,children\n0,5\n")
    with pytest.raises(ReturnsError, match=r"no row for age 1, 2, .*17"):
        observed.read_population(bad)
    bad.write_text("years,children\n0,5\n")
    with pytest.raises(ReturnsError, match="no column 'age'"):
        observed.read_population(bad)
    bad.write_text("locality,age,children\n" + "".join(f"{p},{a},1\n" for p in ("West", " ") for a in range(18)))
    with pytest.raises(ReturnsError, match=r"bad.csv, row 20, column locality: blank"):
        observed.read_population(bad)
    # Localities stay in the order the file first names them.
    bad.write_text("locality,age,children\n" + "".join(f"{p},{a},1\n" for a in range(18) for p in ("West", "East")))
    assert list(observed.read_population(bad)["locality"].unique()) == ["West", "East"]


# Found by a new user's review: dates as people write them, and windows the data cannot support.


def test_census_dates_are_day_first_like_the_returns(messy_data: returns.CleanReturns) -> None:
    assert len(returns.in_care_on(messy_data, "01/04/2016")) == len(returns.in_care_on(messy_data, "2016-04-01"))
    assert estimate.Window.ending("31/03/2016", 12) == estimate.Window.ending(dt.date(2016, 3, 31), 12)
    with pytest.raises(ReturnsError, match="census date: 'not a date' is not a date"):
        returns.in_care_on(messy_data, "not a date")
    with pytest.raises(ReturnsError, match="before the returns begin"):
        returns.in_care_on(messy_data, "2005-03-31")
    for months in (0, -12, 1.5):
        with pytest.raises(ReturnsError, match="window months"):
            estimate.Window.ending("2016-03-31", months)  # type: ignore[arg-type]


def test_windows_outside_the_returns_are_refused(messy_data: returns.CleanReturns) -> None:
    for census in ("2030-03-31", "2012-03-31"):
        window = estimate.Window(pd.Timestamp(census) - pd.DateOffset(months=36), pd.Timestamp(census))
        with pytest.raises(ReturnsError, match="is not inside the returns"):
            estimate.entry_rates(messy_data, window, [2000.0] * 18)
        with pytest.raises(ReturnsError, match="is not inside the returns"):
            estimate.entry_trend(messy_data, window)
    window = estimate.Window.ending("2016-03-31", 12)
    with pytest.raises(ReturnsError, match="population"):
        estimate.entry_rates(messy_data, window, 2000)  # type: ignore[arg-type]
    with pytest.raises(ReturnsError, match="population"):
        estimate.entry_rates(messy_data, window, [2000.0] * 17)


def test_spreadsheet_dates_blank_lines_and_encodings(tmp_path: Path) -> None:
    _year(tmp_path, EPISODES_HEAD + "1,01/05/2016 00:00,S,C2,N1,U4,PR1,,,,,,\n\n"
          "2,1.5.2016,S,C2,N1,U4,PR4,,,,,,\n2,99/99/2016,P,C2,N1,U4,PR4,,,,,,\n")  # fmt: skip
    data = returns.load(tmp_path)
    assert data.children() == 2
    bad = data.problems_frame().iloc[0]
    assert (bad["row"], bad["value"]) == (5, "99/99/2016"), "a blank line keeps spreadsheet row numbers"
    latin = tmp_path / "latin"
    (latin / "2017").mkdir(parents=True)
    (latin / "2017" / "episodes.csv").write_bytes(
        (
            EPISODES_HEAD + "1,01/05/2016,S,C2,N1,U4,PR1,,,,,,Caf\xe9,,\n1,02/05/2016,P,C2,N1,U4,PR1,,,,,,,,,extra\n"
        ).encode("cp1252")
    )
    with pytest.raises(ReturnsError, match="not a readable CSV file"):
        returns.load(latin)


def test_an_xml_that_is_not_a_return_and_a_workbook_are_named(tmp_path: Path) -> None:
    (tmp_path / "2017").mkdir()
    (tmp_path / "2017" / "cin.xml").write_text("<Message><Children><Child/></Children></Message>")
    with pytest.raises(ReturnsError, match=r"cin.xml: not an SSDA903 XML return"):
        returns.load(tmp_path)
    book = tmp_path / "returns.xlsx"
    book.write_bytes(b"PK")
    with pytest.raises(ReturnsError, match="Excel workbook is not read"):
        returns.load(book)


def test_a_missing_header_table_is_one_error_and_births_after_care_are_dropped(tmp_path: Path) -> None:
    _year(tmp_path, EPISODES_HEAD + "1,01/05/2016,S,C2,N1,U4,PR1,,,,,,\n2,01/05/2011,S,C2,N1,U4,PR1,,,,,,\n")
    (tmp_path / "2018").mkdir()
    (tmp_path / "2018" / "episodes.csv").write_text(EPISODES_HEAD + "1,01/05/2016,S,C2,N1,U4,PR1,,,,,,\n")
    data = returns.load(tmp_path)
    problems = data.problems_frame()
    assert problems["message"].str.contains("no header table for 2018").sum() == 1
    # Child 2 was born in 2012, after its episode began in 2011.
    assert data.rule_counts()["starts_before_birth"] == 1
    assert data.children() == 1


def test_a_scenario_built_from_the_returns(
    authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns
) -> None:
    from carecast.returns import build

    base = carecast.Scenario.preset("wolverhampton-2015")
    built = build.build(messy_data, "31/03/2016", base, population=authority.truth.population)
    scenario = built.scenario
    assert scenario.to_dict()["start"] == "2016-04"
    start = scenario.starting_position()
    truth = authority.in_care_on(dt.date(2016, 3, 31))
    assert len(start.children_in_care) == (~truth["uasc"]).sum()
    assert scenario.parameter("population.under_18") == round(sum(authority.truth.population))
    # Every estimated value says where it came from; the rest is marked as the base's.
    text = built.toml()
    assert "exits in" in text and "gamma posterior" in text and "# from base" in text
    assert "not used: hazards.looked_after.exits replaces it" in text
    draws = scenario.run(replications=3, years=1, seed=1, progress=False).parameter_draws()
    assert draws["parameter"].str.startswith("hazards.looked_after.exits.").any()
    assert carecast.Scenario.from_dict(scenario.to_dict()) == scenario
    # The fit reached its targets band by band (2%, with its own random numbers; printed to a
    # tenth of an entry a year, so 2.5% allowed here), with the uncertainty of each band's count.
    for band in build.BANDS:
        how = built.provenance[f"hazards.care_entry_scale.{band}"]
        achieved, target = re.search(r"\(([\d,.]+) a year\) match ([\d,.]+) a year", how).groups()
        assert abs(float(achieved.replace(",", "")) / float(target.replace(",", "")) - 1) < 0.025, how
        assert scenario.to_dict()["hazards"]["care_entry_scale"][band]["dist"] == "gamma"
    assert "care_entry_trend" not in scenario.to_dict()["hazards"]
    assert draws["parameter"].str.startswith("hazards.care_entry_scale.").sum() == 3 * 5
    # The factors by single year of age average 1 over each band's ages (the scale sets the
    # band's level), and rise through 10-15 as the truth's entry rates do (2.8 to 5.2 per
    # thousand); the model's first entries by age reached their targets (10%, or half an entry).
    by_age = np.array(scenario.to_dict()["hazards"]["care_entry_by_age"])
    for first, end in ((0, 1), (1, 5), (5, 10), (10, 16), (16, 18)):
        assert abs(by_age[first:end].mean() - 1) < 1e-3, by_age
    fit_note = built.provenance["hazards.care_entry_by_age"]
    reached = [tuple(map(float, m)) for m in re.findall(r"\d+ ([\d.]+) for ([\d.]+)", fit_note)]
    assert len(reached) == 18 and all(abs(a - t) <= max(0.1 * t, 0.5) for a, t in reached), fit_note
    targets = [t for _, t in reached]
    assert targets[15] > 1.3 * targets[10], targets
    moves = scenario.parameter("hazards.looked_after.placement_move")
    assert abs(moves - authority.truth.placement_move) < 4 * np.sqrt(authority.truth.placement_move / 1000)
    with pytest.raises(carecast.ConfigError, match="after the returns end"):
        build.build(messy_data, "2019-03-31", base)


def test_the_exit_table_of_the_estimates_runs_in_a_scenario(messy_data: returns.CleanReturns) -> None:
    import doctest

    failures, tried = doctest.testmod(estimate, verbose=False)
    assert tried > 0 and failures == 0
    rates = estimate.exit_rates(messy_data, estimate.Window.ending("2018-03-31", 60))
    table = estimate.exit_table(rates)
    other = table["other"]["age_16_17"]["over_24_months"]
    cell = rates[(rates["age_band"] == "16-17") & (rates["time_in_care"] == "over_24_months")]
    merged = cell[cell["exit_group"].isin(["independent_living", "other"])]["events"].sum()
    assert other["shape"] == merged + estimate.PRIOR_SHAPE
    assert other["scale"] == pytest.approx(1.0 / cell["exposure_years"].iloc[0])
    s = carecast.Scenario.preset("wolverhampton-2015").updated({"hazards": {"looked_after": {"exits": table}}})
    uncertain = s.parameters().query("uncertain").path
    assert uncertain.str.startswith("hazards.looked_after.exits.").sum() == sum(
        isinstance(c, dict) for d in table.values() for b in d.values() for c in b.values())
    r = s.run(replications=2, years=1, seed=3, progress=False)
    assert set(estimate.exit_table(rates, uncertain=False)) == set(estimate.EXIT_TABLE_GROUPS)
    assert r.parameter_draws().parameter.str.startswith("hazards.looked_after.exits.").any()


def test_the_documented_names_are_reachable_from_a_fresh_import() -> None:
    import subprocess
    import sys

    code = ("import carecast; r = carecast.returns; "
            "print(r.build.build, r.observed.read_population, r.starting_position, r.estimate.exit_table)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_build_reads_census_dates_day_first_and_refuses_windows_outside_the_returns(
    authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns
) -> None:
    from carecast.returns import build

    base = carecast.Scenario.preset("wolverhampton-2015")
    built = build.build(messy_data, "01/04/2016", base, population=authority.truth.population, replications=4)
    assert built.scenario.to_dict()["start"] == "2016-04"
    with pytest.raises(ReturnsError, match="is not inside the returns"):
        build.build(messy_data, "2012-06-30", base, population=authority.truth.population, window_months=36)


def test_carecast_estimate_writes_a_scenario_and_its_report(
    authority: synthetic.SyntheticAuthority, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from carecast.cli import main

    authority.write(tmp_path / "ssda903", synthetic.Mess())
    population = tmp_path / "population.csv"
    population.write_text("age,children\n" + "".join(f"{a},{p}\n" for a, p in enumerate(authority.truth.population)))
    out = tmp_path / "ours.toml"
    args = ["estimate", str(tmp_path / "ssda903"), "--census-date", "31/03/2016", "--population", str(population),
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    scenario = carecast.Scenario.from_file(out)
    assert scenario.name == "ours" and scenario.to_dict()["start"] == "2016-04"
    in_care = authority.in_care_on(dt.date(2016, 3, 31))
    assert len(scenario.starting_position().children_in_care) == (~in_care["uasc"]).sum()
    report = (tmp_path / "ours.report.txt").read_text()
    assert "Cleaning rules" in report and "Estimated from the returns" in report
    assert "not projected forward" in report and "care_entry_trend" not in out.read_text()
    # --trend projects the trend in entries.
    trending = tmp_path / "trending.toml"
    assert main([*args[:-1], str(trending), "--trend"]) == 0
    assert "[hazards.care_entry_trend]" in trending.read_text()
    # An existing scenario is refused without --overwrite, and bad input is one line, exit 2.
    assert main(args) == 2
    assert main([*args[:3], "2030-03-31", *args[4:], "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "exists; give --overwrite" in err and "after the returns end" in err and "Traceback" not in err
    assert carecast.Scenario.from_file(out) == scenario, "a refused run leaves the file as it was"


@pytest.mark.parametrize("census", ["2015-03-31", "2016-03-31"])
def test_the_children_gone_home_in_the_starting_position_are_the_truths(
    authority: synthetic.SyntheticAuthority, messy_data: returns.CleanReturns, census: str
) -> None:
    # The truth counted directly: children (not UASC) whose last episode begun by the census
    # date ended on or before it with a return home, under 24 whole months before it, and who
    # are under 18 on it.
    day = pd.Timestamp(census).date()
    window = returns.position.REENTRY_WINDOW_MONTHS
    expected = {}
    for child in authority.children:
        begun = [e for e in child.episodes if e.start <= day]
        if child.uasc or not begun:
            continue
        last = begun[-1]
        if last.end is None or last.end > day or last.rec not in ("E4A", "E4B", "E13"):
            continue
        since = synthetic._whole_months(last.end, day)
        if since < window and synthetic._whole_years(child.dob, day) < 18:
            periods = sum(e.rne == "S" for e in begun)
            expected[str(child.id)] = (synthetic._whole_months(child.dob, day), since, periods, begun[0].start)
    assert len(expected) > 20, "enough children to compare"
    found = returns.position.returned_home(messy_data, census)
    assert sorted(found["CHILD"]) == sorted(expected)
    for row in found.itertuples():
        age, since, periods, first = expected[row.CHILD]
        assert (row.age_months, row.months_since_returned_home) == (age, since), row.CHILD
        # The returns number periods from the first they hold.
        if first >= messy_data.data_start:
            assert row.previous_periods == periods, row.CHILD
        else:
            assert 1 <= row.previous_periods <= periods, row.CHILD
    home = returns.starting_position(messy_data, census).children_at_home
    assert len(home) == len(expected) and set(home["case"]) == {"closed"} and home["family"].isna().all()
    assert sorted(home["months_since_returned_home"]) == sorted(v[1] for v in expected.values())
    assert sorted(home["previous_episodes"]) == sorted(found["previous_periods"])
    # The engine reads them back as they were given.
    scenario = carecast.Scenario.preset("wolverhampton-2015").with_starting_position(
        returns.starting_position(messy_data, census)
    )
    again = scenario.starting_position(seed=5).children_at_home
    assert sorted(again["months_since_returned_home"]) == sorted(home["months_since_returned_home"])
    assert sorted(again["previous_episodes"]) == sorted(home["previous_episodes"])


def test_entry_rates_by_age_are_smoothed_log_linear_within_a_band() -> None:
    from carecast.returns import build

    # Counts that follow a log-linear rate exactly are recovered exactly; two ages are their own.
    exposure = np.full(6, 3000.0)
    rates = 0.003 * 1.12 ** np.arange(6)
    assert np.allclose(build._log_linear(rates * exposure, exposure), rates)
    assert np.allclose(build._log_linear(np.array([30.0, 21.0]), np.array([3000.0, 3000.0])), [0.01, 0.007])
    # An age without entries (given 1/2) does not send the fit to zero or infinity.
    smooth = build._log_linear(np.array([0.5, 9.5, 12.5, 20.5]), np.full(4, 1000.0))
    assert np.all(np.isfinite(smooth)) and smooth[0] > 0 and np.all(np.diff(smooth) > 0)


def test_cases_of_children_gone_home_are_where_the_models_would_be_by_the_census() -> None:
    from carecast.returns import build

    hazards = carecast.Scenario.preset("wolverhampton-2015").to_dict()["hazards"]
    opened = np.array([0.2, 0.5, 0.3])
    chances = build._cases_since_return(opened, hazards, np.array([0, 6, 12, 23, 6]))
    assert np.allclose(chances.sum(axis=1), 1) and np.allclose(chances[0], opened)
    assert np.allclose(chances[1], chances[4])
    open_share = chances[:, :2].sum(axis=1)
    assert np.all(np.diff(open_share[:4]) < 0) and open_share[3] < 0.25
    # Child in need closes at 1 a year, so about exp(-1) of its cases are open a year on (less
    # those stepped up to protection, more those stepped down from it).
    assert 0.30 < chances[2, 1] / opened[1] < 0.55


def test_reentries_are_counted_where_the_returns_can_show_them(clean_data: returns.CleanReturns) -> None:
    from carecast.returns import build

    # The returns begin in April 2011 (collection year 2012): a window from April 2012 counts
    # re-entries from April 2013, 24 months after they begin; a later window counts them all.
    early = estimate.Window.ending("2015-03-31", 36)
    events, years, start = build._visible_reentries(clean_data, early, include_uasc=False)
    assert start == "2013-04-01" and abs(years - 2.0) < 0.01 and events > 0
    late = estimate.Window.ending("2017-03-31", 36)
    assert build._visible_reentries(clean_data, late, include_uasc=False)[2] == "2014-04-01"
