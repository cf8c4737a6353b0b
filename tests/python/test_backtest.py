"""Back-tests and Scenario.from_returns, on synthetic returns with a known truth.

A small authority (1,000 children of each age, returns 2013 to 2017) keeps each back-test to a
few seconds. The observed figures are checked against a direct count of the simulated truth,
exactly; the projection's figures only for their consistency (their closeness to the truth is
the business of test_returns.py and of the back-test itself).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast import returns
from carecast.cli import main
from carecast.returns import backtest, build, fit, synthetic
from carecast.returns.clean import cut

FIT_TO, TEST_TO = "2015-03-31", "2017-03-31"
TRUTH = synthetic.Truth(population=(1000.0,) * 18, uasc_per_year=6.0)


@pytest.fixture(scope="module")
def authority() -> synthetic.SyntheticAuthority:
    return synthetic.generate(TRUTH, first_year=2013, last_year=2017, seed=11)


@pytest.fixture(scope="module")
def folder(authority: synthetic.SyntheticAuthority, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ssda903")
    authority.write(path)
    return path


@pytest.fixture(scope="module")
def population(folder: Path) -> Path:
    path = folder.parent / f"{folder.name}-population.csv"
    path.write_text("age,children\n" + "".join(f"{a},{p}\n" for a, p in enumerate(TRUTH.population)))
    return path


@pytest.fixture(scope="module")
def result(folder: Path, population: Path) -> backtest.Backtest:
    return carecast.backtest(folder, FIT_TO, TEST_TO, window_months=24, population=population, replications=12,
                             seed=5)  # fmt: skip


def _truth_flows(authority: synthetic.SyntheticAuthority, after: dt.date, until: dt.date) -> tuple[int, int]:
    """Periods of care of children other than UASC starting, and ending, in (after, until]."""
    entries = exits = 0
    for child in authority.children:
        if child.uasc:
            continue
        for e in child.episodes:
            entries += e.rne == "S" and after < e.start <= until
            exits += e.end is not None and e.rec != "X1" and after < e.end <= until
    return entries, exits


def test_the_observed_figures_are_a_direct_count_of_the_truth(
    authority: synthetic.SyntheticAuthority, result: backtest.Backtest
) -> None:
    t = result.table
    assert list(t.columns) == list(backtest.COLUMNS)
    # Two years, each: the total, 5 bands and 6 placements of the stock, entries and exits.
    assert len(t) == 2 * (1 + 5 + 6 + 2)
    previous = dt.date(2015, 3, 31)
    for year, day in ((1, dt.date(2016, 3, 31)), (2, dt.date(2017, 3, 31))):
        truth = authority.in_care_on(day)
        truth = truth[~truth["uasc"]]
        rows = t[t["year"] == year]
        assert (rows["date"] == pd.Timestamp(day)).all()
        stock = rows[rows["measure"] == "stock"].set_index(["breakdown", "group"])["observed"]
        assert stock["total", "total"] == len(truth) > 100
        bands = truth["age"].map(lambda a: returns.position.age_band(int(a))).value_counts()
        for band in ("0", "1-4", "5-9", "10-15", "16-17"):
            assert stock["age_band", band] == bands.get(band, 0)
        for placement, count in truth["placement"].value_counts().items():
            assert stock["placement", placement] == count
        assert stock.xs("placement").sum() == stock.xs("age_band").sum() == len(truth)
        entries, exits = _truth_flows(authority, previous, day)
        flows = rows[rows["measure"] != "stock"].set_index("measure")["observed"]
        assert (flows["entries"], flows["exits"]) == (entries, exits)
        assert entries > 30 and exits > 30
        previous = day


def test_the_table_is_consistent(result: backtest.Backtest) -> None:
    t = result.table
    assert ((t["low"] <= t["mean"]) & (t["mean"] <= t["high"])).all()
    assert (t["inside"] == ((t["low"] <= t["observed"]) & (t["observed"] <= t["high"]))).all()
    assert t["inside"].any()
    # The parts of the stock add up to the total, replication by replication, so their means do too.
    for _, rows in t[t["measure"] == "stock"].groupby("year"):
        total = rows.loc[rows["breakdown"] == "total", "mean"].iloc[0]
        for breakdown in ("age_band", "placement"):
            assert rows.loc[rows["breakdown"] == breakdown, "mean"].sum() == pytest.approx(total)
    summary = result.summary()
    assert f"{int(t['inside'].sum())} of {len(t)}" in summary and "5th to 95th percentile" in summary
    assert result.scenario.to_dict()["start"] == "2015-04"
    assert "Cleaning rules" in result.report and "Estimated from the returns" in result.report
    fig = result.plot()
    assert len(fig.axes) == 6 and fig.axes[0].get_ylabel() == "children in care"


@pytest.mark.parametrize("years", [2, 6])
def test_the_chart_has_no_text_over_other_text(result: backtest.Backtest, years: int) -> None:
    # Titles, tick labels and the text panel drawn: no two of them overlap, and all lie in the
    # figure. Six years (the table repeated with later dates) crowd the dates' ticks.
    table = pd.concat([result.table.assign(date=result.table["date"] + pd.DateOffset(years=2 * k),
                                           year=result.table["year"] + 2 * k) for k in range(years // 2)])  # fmt: skip
    fig = backtest.Backtest(table, result.scenario, result.report, result.fit_to, result.test_to,
                            result.replications, result.seed, result.fitted).plot()  # fmt: skip
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    texts = [*fig.texts] + [t for ax in fig.axes for t in (ax.title, *ax.get_xticklabels(), *ax.texts)]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t is not None and t.get_text()]
    whole = fig.bbox
    for i, (text, box) in enumerate(boxes):
        assert whole.x0 - 1 <= box.x0 and box.x1 <= whole.x1 + 1 and whole.y0 - 1 <= box.y0, text
        for other, other_box in boxes[i + 1:]:
            assert not box.overlaps(other_box), (text, other)


def test_the_first_year_starts_from_the_observed_stock(result: backtest.Backtest, folder: Path) -> None:
    # The projection starts from every child in care on fit_to (UASC apart), exactly.
    stock = returns.in_care_on(returns.load(folder), FIT_TO)
    start = result.scenario.starting_position().children_in_care
    assert len(start) == (~stock["uasc"].astype(bool)).sum()


def test_nothing_after_fit_to_reaches_the_fit(authority: synthetic.SyntheticAuthority, folder: Path,
                                              tmp_path: Path) -> None:  # fmt: skip
    # Returns whose later years are another authority's entirely: the fit is the same.
    other = synthetic.generate(TRUTH, first_year=2013, last_year=2017, seed=12)
    changed = tmp_path / "changed"
    shutil.copytree(folder, changed)
    for year in (2016, 2017):
        shutil.rmtree(changed / str(year))
    other_folder = tmp_path / "other"
    other.write(other_folder)
    for year in (2016, 2017):
        shutil.copytree(other_folder / str(year), changed / str(year))
    kwargs = {"window_months": 24, "population": TRUTH.population, "until": FIT_TO, "replications": 4}
    a = fit.fit(folder, FIT_TO, **kwargs)
    b = fit.fit(changed, FIT_TO, **kwargs)
    assert a.scenario == b.scenario
    assert a.built.toml() == b.built.toml()
    # ... while what the returns show afterwards differs.
    assert not returns.in_care_on(returns.load(folder), TEST_TO).equals(returns.in_care_on(returns.load(changed),
                                                                                           TEST_TO))


@pytest.mark.parametrize("until", ["2015-03-31", "2015-09-30"])
def test_the_returns_cut_at_a_date_know_nothing_after_it(
    authority: synthetic.SyntheticAuthority, folder: Path, until: str
) -> None:
    full = returns.load(folder)
    known = fit.as_clean(full, until)
    day = pd.Timestamp(until)
    e = known.episodes
    assert known.data_end == day.date()
    assert not (e["DECOM"] > day).any() and not (e["DEC"] > day).any()
    # An episode open on the day is open to the fit, however it ended; every child is there.
    truth = authority.in_care_on(day.date())
    open_then = e[e["DEC"].isna()]
    assert sorted(open_then["CHILD"]) == sorted(truth["CHILD"])
    assert returns.in_care_on(known, until).sort_values("CHILD").reset_index(drop=True).equals(
        returns.in_care_on(full, until).sort_values("CHILD").reset_index(drop=True))
    assert open_then["exit_group"].isna().all()
    with pytest.raises(carecast.ReturnsError, match="after the returns end"):
        returns.in_care_on(known, day + pd.Timedelta(days=1))
    # The same cut from the returns as read, and from their path.
    assert full.source is not None
    assert cut(full.source, until).episodes["DECOM"].max() <= day
    assert fit.as_clean(folder, until).episodes.equals(e)


def test_from_returns_is_the_scenario_estimate_builds(folder: Path, population: Path) -> None:
    with pytest.warns(UserWarning, match=r"unaccompanied asylum-seeking children in care on 2015-03-31 are left out"):
        scenario = carecast.Scenario.from_returns(folder, "31/03/2015", window_months=24, population=population,
                                                  replications=4)  # fmt: skip
    built = returns.build.build(returns.load(folder), "2015-03-31", carecast.Scenario.preset("wolverhampton-2015"),
                                population=list(TRUTH.population), window_months=24, replications=4)  # fmt: skip
    assert scenario == built.scenario
    fitted = fit.fit(folder, "2015-03-31", window_months=24, population=population, replications=4)
    assert fitted.scenario == scenario and "from base" in fitted.built.toml()
    assert "Cleaning rules" in fitted.report() and "Estimated from the returns" in fitted.report()
    with pytest.raises(carecast.ConfigError, match="base"):
        carecast.Scenario.from_returns(folder, "2015-03-31", base=3)  # type: ignore[arg-type]
    with pytest.raises(carecast.ReturnsError, match="18 numbers"):
        carecast.Scenario.from_returns(folder, "2015-03-31", population=[1000.0] * 17)


def test_the_command_line_writes_what_python_computes(
    folder: Path, population: Path, result: backtest.Backtest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bt"
    args = ["backtest", str(folder), "--fit-to", FIT_TO, "--test-to", TEST_TO, "--window-months", "24",
            "--population", str(population), "--replications", "12", "--seed", "5", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert result.summary() in printed and "breakdown" in printed
    files = {p.name for p in out.iterdir()}
    assert files == {"backtest.csv", "backtest.png", "summary.txt", "scenario.toml", "report.txt", "fixes.csv",
                     "run.json"}  # fmt: skip
    table = pd.read_csv(out / "backtest.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(table, result.table, check_dtype=False)
    assert carecast.Scenario.from_file(out / "scenario.toml") == result.scenario
    # An earlier output is not overwritten without --overwrite.
    before = (out / "backtest.csv").read_bytes()
    assert main([*args[:-6], "--replications", "3", "--seed", "5", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "backtest.csv").read_bytes() == before
    assert main([*args[:-6], "--replications", "3", "--seed", "5", "--out", str(out), "--overwrite"]) == 0
    assert len(pd.read_csv(out / "backtest.csv")) == len(table)
    assert (out / "backtest.csv").read_bytes() != before
    # Python's write follows the same rules.
    with pytest.raises(carecast.CarecastError, match="--overwrite"):
        result.write(out)
    result.write(out, overwrite=True)
    assert (out / "backtest.csv").read_bytes() == before


@pytest.mark.parametrize("change, fragment", [
    (["--fit-to", "2017-03-31"], "--fit-to: 2017-03-31 is not inside the returns (the returns cover 2012-04-01 to "
                                 "2017-03-31); it must leave time to test"),
    (["--fit-to", "2018-03-31"], "--fit-to: 2018-03-31 is not inside the returns"),
    (["--fit-to", "2015-03-30"], "--fit-to: 2015-03-30 is not the last day of a month"),
    (["--test-to", "2014-03-31"], "--test-to: 2014-03-31 is not after --fit-to (2015-03-31)"),
    (["--test-to", "2018-03-31"], "--test-to: 2018-03-31 is after the returns end"),
    (["--test-to", "2015-12-31"], "--test-to: 2015-12-31 is less than a year after --fit-to (2015-03-31); figures are "
                                  "compared on anniversaries of --fit-to"),
    (["--test-to", "31/13/2016"], "--test-to: '31/13/2016' is not a date"),
    (["--window-months", "60"], "not inside the returns, which cover 2012-04-01 to 2017-03-31; choose --fit-to and "
                                "--window-months inside them"),
    (["--population", "nowhere.csv"], "nowhere.csv"),
    (["--base", "nowhere"], "neither a preset"),
    (["--replications", "0"], "whole number >= 1"),
])  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: list[str], fragment: str
) -> None:
    options = {"--fit-to": FIT_TO, "--test-to": TEST_TO, "--window-months": "24", "--replications": "2"}
    options.update(dict(zip(change[::2], change[1::2], strict=True)))
    out = tmp_path / "bt"
    args = ["backtest", str(folder), *[x for pair in options.items() for x in pair], "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 or "usage" in err
    assert not out.exists()


def test_bad_dates_in_python_are_named_as_the_arguments(folder: Path) -> None:
    with pytest.raises(carecast.ReturnsError, match=r"^test_to: 2014-03-31 is not after fit_to \(2015-03-31\)$"):
        carecast.backtest(folder, FIT_TO, "2014-03-31", window_months=24, replications=2)
    with pytest.raises(carecast.ReturnsError, match="choose fit_to and window_months inside them"):
        carecast.backtest(folder, FIT_TO, TEST_TO, window_months=60, replications=2)


def test_a_bad_path_and_trend(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(tmp_path / "missing"), "--fit-to", FIT_TO, "--test-to", TEST_TO]) == 2
    assert "missing" in capsys.readouterr().err
    args = ["backtest", str(folder), "--fit-to", FIT_TO, "--test-to", TEST_TO, "--window-months", "24",
            "--replications", "2", "--trend"]  # fmt: skip
    if not backtest.accepts("trend"):
        assert main(args) == 2
        assert "--trend" in capsys.readouterr().err
    else:  # once the entry fit takes a trend, --trend reaches it
        assert main(args) == 0


def test_include_uasc_counts_them_on_both_sides(folder: Path, authority: synthetic.SyntheticAuthority) -> None:
    with_uasc = carecast.backtest(folder, FIT_TO, "2016-03-31", window_months=24, population=TRUTH.population,
                                  replications=3, include_uasc=True)  # fmt: skip
    truth = authority.in_care_on(dt.date(2016, 3, 31))
    total = with_uasc.table.query("measure == 'stock' and breakdown == 'total'")["observed"].iloc[0]
    assert total == len(truth) and truth["uasc"].any()
    start = with_uasc.scenario.starting_position().children_in_care
    assert len(start) == len(returns.in_care_on(returns.load(folder), FIT_TO))
    assert np.isfinite(with_uasc.table["mean"]).all()


def test_a_base_with_dated_changes_before_the_start_has_them_in_force_from_it(folder: Path) -> None:
    # The redesign preset's changes are dated 2015-04, 2015-10 and 2016-02: from a census of 31
    # March 2015 the first is in force at the start (folded into the policy), the others stay.
    base = carecast.Scenario.preset("wolverhampton-2015-redesign")
    fitted = fit.fit(folder, "2015-03-31", window_months=24, base=base, replications=4)
    d = fitted.scenario.to_dict()
    assert [c["from"] for c in d["changes"]] == ["2015-10", "2016-02"]
    assert d["policy"]["placements"]["reunification_multiplier"] == base.to_dict()["changes"][0]["set"]["placements"][
        "reunification_multiplier"]
    assert "1 dated change from before 2015-04" in fitted.built.report()


def test_entries_are_fitted_to_the_population_given_band_by_band(folder: Path) -> None:
    # A population twice as large at ages 0-4 as the truth's: the rates estimated there halve,
    # and the targets (rate x children of those ages) stay the returns' own entries a year.
    skewed = [2000.0] * 5 + [1000.0] * 13
    fitted = fit.fit(folder, "2015-03-31", window_months=24, population=skewed, replications=4)
    entries = fitted.built.entry_rates
    for label, ages in (("age_0", [0]), ("age_1_4", [1, 2, 3, 4]), ("age_10_15", list(range(10, 16)))):
        events = int(entries.loc[entries["age"].isin(ages), "events"].sum())
        note = fitted.built.provenance[f"hazards.care_entry_scale.{label}"]
        target = float(note.split(" match ")[1].split(" a year")[0])
        assert target == pytest.approx((events + 0.5) / 2, rel=0.02), (label, note)


def test_estimate_says_what_needs_attention(folder: Path, population: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "ours.toml"
    code = main(["estimate", str(folder), "--census-date", "31/03/2015", "--window-months", "24", "--population",
                 str(population), "--out", str(out)])  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0
    assert "in care on 2015-03-31" in said
    assert "note: " in said and "unaccompanied asylum-seeking children" in said and "ours.report.txt" in said
    assert "For your attention:" in (tmp_path / "ours.report.txt").read_text()


def test_year_for_returns_whose_path_does_not_say_it(folder: Path, population: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    undated = tmp_path / "returns"
    shutil.copytree(folder / "2015", undated)
    out = tmp_path / "ours.toml"
    args = ["estimate", str(undated), "--census-date", "31/03/2015", "--window-months", "12", "--population",
            str(population), "--out", str(out)]  # fmt: skip
    # Without --year the error says how to give it, on the command line as in Python.
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "cannot tell which collection year" in err and "--year 2016" in err and len(err.strip().splitlines()) == 1
    assert main(["backtest", str(undated), "--fit-to", FIT_TO, "--test-to", TEST_TO]) == 2
    assert "--year" in capsys.readouterr().err
    assert main([*args, "--year", "20x5"]) == 2
    assert "expected a collection year" in capsys.readouterr().err
    assert main([*args, "--year", "2015"]) == 0
    written = carecast.Scenario.from_file(out)
    assert written.to_dict()["start"] == "2015-04"
    assert len(written.starting_position().children_in_care) == len(
        returns.in_care_on(returns.load(undated, year=2015), "2015-03-31").query("not uasc"))


def test_the_authority_and_name_are_the_returns_not_the_base(folder: Path, tmp_path: Path) -> None:
    # No code in the returns: "from returns", said in the TOML, never the base's "wolverhampton".
    fitted = fit.fit(folder, "2015-03-31", window_months=24, replications=2)
    d = fitted.scenario.to_dict()
    assert (d["authority"], d["name"]) == ("from returns", "from-returns-2015-03-31")
    toml = fitted.built.toml()
    assert 'authority = "from returns"  # not known: the returns carry no local authority code; --authority' in toml
    assert 'authority = "wolverhampton"' not in toml
    # Given: it is used, and names the scenario.
    named = fit.fit(folder, "2015-03-31", window_months=24, replications=2, authority="Barnsley ")
    assert (named.scenario.authority, named.scenario.name) == ("Barnsley", "barnsley-2015-03-31")
    assert 'authority = "Barnsley"  # given' in named.built.toml()
    with pytest.raises(carecast.ConfigError, match="authority: got ' '"):
        fit.fit(folder, "2015-03-31", window_months=24, replications=2, authority=" ")
    # An LA column in the returns gives the code; on the command line --authority overrides it.
    coded = tmp_path / "coded"
    shutil.copytree(folder, coded)
    for header in coded.glob("*/header.csv"):
        table = pd.read_csv(header, dtype=str)
        table.assign(LA="370").to_csv(header, index=False)
    assert fit.fit(coded, "2015-03-31", window_months=24, replications=2).scenario.authority == "370"
    out = tmp_path / "ours.toml"
    assert main(["estimate", str(coded), "--census-date", "31/03/2015", "--window-months", "24",
                 "--authority", "Barnsley", "--out", str(out)]) == 0  # fmt: skip
    assert carecast.Scenario.from_file(out).authority == "Barnsley"
    # The XML return's LEA (in its header, outside the children) likewise.
    xml = tmp_path / "xml"
    synthetic.generate(TRUTH, first_year=2014, last_year=2015, seed=11).write(xml, layout="xml")
    for path in xml.glob("*/ssda903.xml"):
        text = path.read_text()
        path.write_text(text.replace("<CHILD>", "<Header><Source><LEA>370</LEA></Source></Header><CHILD>", 1))
    assert build._authority(returns.load(xml), None)[0] == "370"


def test_localities_come_from_the_population_given(folder: Path, tmp_path: Path) -> None:
    # Three localities: one the base has (Bilston, in another case), two it has not.
    children = {"North": 500.0, "bilston ": 300.0, "South": 200.0}
    csv = tmp_path / "population.csv"
    csv.write_text("locality,age,children\n" + "".join(f"{name},{a},{n}\n" for name, n in children.items()
                                                       for a in range(18)))  # fmt: skip
    base = carecast.Scenario.preset("wolverhampton-2015")
    old = {loc["name"]: loc for loc in base.to_dict()["population"]["localities"]}
    fitted = fit.fit(folder, "2015-03-31", window_months=24, population=csv, replications=2, seed=9)
    d = fitted.scenario.to_dict()
    localities = {loc["name"]: loc for loc in d["population"]["localities"]}
    assert set(localities) == {"North", "bilston", "South"}
    assert d["population"]["under_18"] == 18_000
    for name, n in children.items():
        assert localities[name.strip()]["population_share"] == pytest.approx(n / 1000)
    # The need mix: the base's Bilston's, else the base's average weighted by its shares.
    assert localities["bilston"]["need"] == old["Bilston"]["need"]
    shares = np.array([loc["population_share"] for loc in old.values()])
    for level in ("low", "moderate", "high"):
        average = float(np.dot(shares, [loc["need"][level] for loc in old.values()]) / shares.sum())
        assert localities["North"]["need"][level] == pytest.approx(average, abs=1e-4)
        assert localities["South"]["need"][level] == localities["North"]["need"][level]
    toml = fitted.built.toml()
    assert "[population.localities.need]  # from the base's locality 'Bilston'" in toml
    assert toml.count("[population.localities.need]  # the base's average over its 8 localities") == 2
    assert "population_share = 0.5  # 9,000 of the 18,000 children under 18 given" in toml
    assert 'name = "North"  # the population given (its locality column)' in toml
    assert "families at home there were placed in the new localities" in fitted.built.report()
    (tmp_path / "ours.toml").write_text(toml)
    assert carecast.Scenario.from_file(tmp_path / "ours.toml") == fitted.scenario
    # Families at home: the same as with the base's localities (the same population and seed),
    # those in Bilston still there (as "bilston"), the others placed by share and need: with p
    # the chance of a family of its need in a locality, each count is within 4 standard
    # deviations of its expectation (a check that fails about once in 16,000 draws).
    home = fitted.scenario.starting_position().children_at_home
    plain = fit.fit(folder, "2015-03-31", window_months=24, population=[1000.0] * 18, replications=2, seed=9)
    before = plain.scenario.starting_position().children_at_home
    assert home["age_months"].tolist() == before["age_months"].tolist()
    assert home["locality"].dropna().isin(list(localities)).all()
    stayed = (before["locality"] == "Bilston").to_numpy()
    assert stayed.sum() > 0 and (home.loc[stayed, "locality"] == "bilston").all()
    families = home[home["locality"].notna() & ~stayed].drop_duplicates("family")
    assert len(families) > 100
    for name in localities:
        chance = np.array([localities[name]["population_share"] * localities[name]["need"][need]
                           / sum(loc["population_share"] * loc["need"][need] for loc in localities.values())
                           for need in families["need"]])  # fmt: skip
        count = int((families["locality"] == name).sum())
        assert abs(count - chance.sum()) < 4 * np.sqrt((chance * (1 - chance)).sum()), name
    # A scenario that runs.
    assert fitted.scenario.run(replications=1, years=1, seed=1, progress=False).localities == ["North", "bilston",
                                                                                                "South"]
