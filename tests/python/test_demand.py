"""The authority's demand trend (``population.demand_trend``, issue 13 item 3): said in words
wherever money is, the same in the baseline and every option (a comparison of two trends is
refused), and fitted by ``carecast estimate`` from returns with a known trend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import carecast
from carecast import ConfigError, returns
from carecast.finance import Comparison, check_same_demand, demand_trend
from carecast.returns import build, estimate, synthetic

BASE = carecast.Scenario.preset("wolverhampton-2015")
REDESIGN = carecast.Scenario.preset("wolverhampton-2015-redesign")


def _with(scenario: carecast.Scenario, trend: dict[str, object]) -> carecast.Scenario:
    return scenario.updated({"population": {"demand_trend": trend}})


def test_the_trend_in_words() -> None:
    assert demand_trend(BASE).startswith("Demand held flat")
    assert demand_trend(_with(BASE, {"kind": "flat"})) == demand_trend(BASE)
    assert demand_trend(_with(BASE, {"growth": 0.0})) == demand_trend(BASE)
    stated = demand_trend(_with(BASE, {"growth": 0.02}))
    assert stated == ("Demand: +2.0% a year in first contacts and crisis entries, a step each April after 2015/16 "
                      "(stated).")
    later = demand_trend(_with(BASE, {"growth": -0.01, "from": "2017-02"}))
    assert "-1.0% a year" in later and "after 2016/17" in later
    uncertain = demand_trend(_with(BASE, {"growth": {"dist": "normal", "mean": 0.03, "sd": 0.01}}))
    assert "+3.0% a year, drawn per replication (normal, sd 1.0%)" in uncertain
    fitted = demand_trend(_with(BASE, {"kind": "fitted", "growth": 0.04, "basis": "referrals 2012/13 to 2015/16"}))
    assert fitted.endswith("(fitted: referrals 2012/13 to 2015/16).")


def test_a_comparison_of_two_trends_is_refused_before_running() -> None:
    growing = _with(BASE, {"growth": 0.02})
    with pytest.raises(ConfigError) as e:
        carecast.compare(growing, REDESIGN, replications=2, years=1, progress=False)
    assert e.value.path == "population.demand_trend"
    assert "different demand trends" in str(e.value) and "+2.0% a year" in str(e.value)
    assert "Demand held flat" in str(e.value) and "not a policy" in str(e.value)
    # Two scenarios whose trends differ only in wording (flat written three ways) compare.
    check_same_demand(BASE, _with(REDESIGN, {"kind": "flat"}))
    check_same_demand(_with(BASE, {"growth": 0.0}), REDESIGN)
    with pytest.raises(ConfigError, match="different demand trends"):
        check_same_demand(_with(BASE, {"growth": 0.02}), _with(REDESIGN, {"growth": 0.02, "from": "2016-04"}))
    # Results run apart are refused too, by the Comparison itself.
    runs = [s.run(2, 1, seed=1, progress=False) for s in (growing, REDESIGN)]
    with pytest.raises(ConfigError, match="different demand trends"):
        Comparison(growing, REDESIGN, *runs)


def test_the_savings_tables_say_which_trend_was_used(tmp_path: Path) -> None:
    trend = {"growth": 0.02}
    c = carecast.compare(_with(BASE, trend), _with(REDESIGN, trend), replications=3, years=2, seed=2,
                         progress=False)
    assert c.demand.startswith("Demand: +2.0% a year")
    assumptions = c.assumptions()
    assert assumptions.iloc[0].tolist() == ["demand trend", c.demand, c.demand, ""]
    assert "population.demand_trend.growth" in set(assumptions.field)
    c.to_csv(tmp_path)
    assert c.demand in (tmp_path / "assumptions.csv").read_text(encoding="utf-8")
    flat = carecast.compare(BASE, REDESIGN, replications=2, years=1, seed=2, progress=False)
    assert flat.demand.startswith("Demand held flat")


def test_a_fitted_trend_from_counts_that_grow_5_percent() -> None:
    growth, se = estimate.yearly_trend([1000 * 1.05**k for k in range(6)])
    assert abs(growth - 0.05) < 1e-9 and 0 < se < 0.02
    assert estimate.whole_financial_years(dt.date(2012, 4, 1), dt.date(2016, 3, 31)) == [2012, 2013, 2014, 2015]
    assert estimate.whole_financial_years(dt.date(2012, 5, 1), dt.date(2016, 3, 30)) == [2013, 2014]
    with pytest.raises(ValueError, match="at least three years"):
        estimate.yearly_trend([10, 12])


@pytest.fixture(scope="module")
def growing_returns(tmp_path_factory: pytest.TempPathFactory) -> tuple[synthetic.SyntheticAuthority, Path]:
    # Entries growing 6% a year, as the trend in entries is found from in test_returns.
    truth = synthetic.Truth(entry_trend=0.06, trend_from=dt.date(2012, 4, 1))
    authority = synthetic.generate(truth, first_year=2013, last_year=2018, seed=5)
    folder = tmp_path_factory.mktemp("growing")
    authority.write(folder)
    return authority, folder


def test_estimate_writes_the_trend_fitted_to_the_returns(growing_returns: tuple[synthetic.SyntheticAuthority, Path],
                                                         ) -> None:
    authority, folder = growing_returns
    data = returns.load(folder)
    years, counts = estimate.starts_by_year(data)
    assert years == [2012, 2013, 2014, 2015, 2016, 2017]  # the collection years 2013 to 2018
    growth, se = estimate.yearly_trend(counts)
    assert abs(growth - 0.06) < 4 * se and 0 < se < 0.05, (growth, se, counts)
    built = build.build(data, "31/03/2018", BASE, population=authority.truth.population, replications=4,
                        demand_trend=True)
    trend = built.scenario.to_dict()["population"]["demand_trend"]
    assert trend["kind"] == "fitted" and trend["from"] == "2016-10"  # the middle of the 36-month window
    assert trend["growth"]["dist"] == "normal"
    assert trend["growth"]["mean"] == pytest.approx(growth) and trend["growth"]["sd"] == pytest.approx(se)
    assert "starts of care in the SSDA903 returns (UASC apart), 2012/13 to 2017/18" in trend["basis"]
    assert f"{growth:+.1%} a year" in trend["basis"]
    assert "demand trend fitted to starts of care" in built.scenario.to_dict()["description"]
    assert "population.demand_trend.growth" in built.provenance
    assert "fitted: starts of care" in demand_trend(built.scenario)
    # It runs: the trend is drawn per replication.
    draws = built.scenario.run(3, 1, seed=1, progress=False).parameter_draws()
    assert (draws["parameter"] == "population.demand_trend.growth").sum() == 3
    assert np.isfinite(draws["value"]).all()
    # The trend in entries and the demand trend both move entries: one or the other.
    with pytest.raises(ConfigError, match="not both"):
        build.build(data, "31/03/2018", BASE, trend=True, demand_trend=True)


def test_the_command_line_says_the_trend_and_refuses_two_trends(
    growing_returns: tuple[synthetic.SyntheticAuthority, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from carecast.cli import main

    growing = tmp_path / "growing.toml"
    growing.write_text('base = "wolverhampton-2015"\nname = "growing"\n[population.demand_trend]\ngrowth = 0.02\n',
                       encoding="utf-8")
    assert main(["compare", "wolverhampton-2015", str(growing), "--replications", "2", "--years", "1"]) == 2
    err = capsys.readouterr().err
    assert "different demand trends" in err and "Traceback" not in err
    assert main(["run", str(growing), "--replications", "2", "--years", "1"]) == 0
    assert "Demand: +2.0% a year in first contacts and crisis entries" in capsys.readouterr().out
    _, folder = growing_returns
    out = tmp_path / "ours.toml"
    assert main(["estimate", str(folder), "--census-date", "31/03/2018", "--trend", "--demand-trend",
                 "--out", str(out)]) == 2
    assert "not both" in capsys.readouterr().err and not out.exists()
