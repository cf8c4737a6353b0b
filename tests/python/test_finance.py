"""Costs and savings comparisons."""

import numpy as np
import pytest

import carecast
from carecast.finance import Comparison, central


@pytest.fixture(scope="module")
def redesign():
    return carecast.Scenario.preset("wolverhampton-2015-redesign")


@pytest.fixture(scope="module")
def comparison(baseline, redesign):
    return carecast.compare(baseline, redesign, replications=40, years=3, seed=4, progress=False)


def test_refuses_different_authorities(baseline, redesign):
    other = redesign.updated({"authority": "elsewhere"})
    with pytest.raises(carecast.ConfigError, match="different authorities") as info:
        carecast.compare(baseline, other, replications=2, years=1, progress=False)
    assert info.value.path == "authority"


def test_savings_are_baseline_minus_scenario(comparison):
    costs = comparison.costs("nominal")
    savings = comparison.savings("nominal")
    for fy in comparison.financial_years:
        b = costs[(costs.run == "baseline") & (costs.financial_year == fy)]["mean"].sum()
        s = costs[(costs.run == "scenario") & (costs.financial_year == fy)]["mean"].sum()
        net = savings[(savings.measure == "net_savings") & (savings.financial_year == fy)]["mean"].iloc[0]
        assert net == pytest.approx(b - s, rel=1e-9, abs=1e-3)
        gross = savings[(savings.measure == "gross_savings") & (savings.financial_year == fy)]["mean"].iloc[0]
        new = savings[(savings.measure == "new_spending") & (savings.financial_year == fy)]["mean"].iloc[0]
        assert net == pytest.approx(gross - new, rel=1e-9, abs=1e-3)


def test_cumulative_is_the_running_sum_and_npv_the_discounted_sum(comparison):
    s = comparison.savings("discounted")
    net = s[s.measure == "net_savings"]["mean"].to_numpy()
    cum = s[s.measure == "cumulative_net_savings"]["mean"].to_numpy()
    np.testing.assert_allclose(cum, np.cumsum(net), rtol=1e-9)
    summary = comparison.summary()
    npv = summary[(summary.period == "whole horizon") & (summary.measure == "npv")]["mean"].iloc[0]
    assert npv == pytest.approx(net.sum(), rel=1e-9)
    # Real and discounted differ by the Green Book factor in the second year.
    real = comparison.savings("real")
    r2 = real[(real.measure == "net_savings")]["mean"].to_numpy()[1]
    assert net[1] == pytest.approx(r2 / 1.035, rel=1e-9)


def test_common_random_numbers_shrink_the_standard_error(baseline, redesign):
    # Chance only (every effect and cost at its central value): what common random numbers act on.
    base, red = central(baseline), central(redesign)
    paired = carecast.compare(base, red, replications=40, years=3, seed=4, progress=False,
                              parameter_uncertainty=False)
    # The same scenario run with another seed is independent of the baseline run.
    other = red.run(40, 3, seed=99, progress=False)
    independent = Comparison(base, red, paired.baseline_results, other)

    def mcse(c: Comparison, measure: str) -> float:
        rows = c.savings("real").query(f"measure == '{measure}' and financial_year == '2016/17'")
        return float(rows["mcse"].iloc[0])

    for measure in ("care_months_avoided", "gross_savings"):
        assert mcse(paired, measure) < mcse(independent, measure) / 2, (measure, mcse(paired, measure),
                                                                          mcse(independent, measure))


def test_parameter_uncertainty_and_chance_can_be_told_apart(baseline, redesign, comparison):
    chance = carecast.compare(baseline, redesign, replications=40, years=3, seed=4, progress=False,
                              parameter_uncertainty=False)
    def width(c: Comparison) -> float:
        row = c.savings("real").query("measure == 'net_savings' and financial_year == '2017/18'").iloc[0]
        return float(row["p95"] - row["p5"])

    assert width(chance) < width(comparison)
    # central() fixes every distribution.
    def distributions(node):
        if isinstance(node, dict):
            return ("dist" in node) + sum(distributions(v) for v in node.values())
        if isinstance(node, list):
            return sum(distributions(v) for v in node)
        return 0
    assert distributions(redesign.to_dict()) > 5
    assert distributions(central(redesign).to_dict()) == 0


def test_tables_have_units_and_localities(comparison):
    by_loc = comparison.savings_by_locality()
    assert set(by_loc.locality) == set(comparison.localities)
    assert "authority-wide" in comparison.localities
    summary = comparison.summary()
    assert {"npv", "roi", "payback_month_index", "probability_net_savings_positive"} <= set(summary.measure)
    p = summary.query("measure == 'probability_net_savings_positive'")["mean"]
    assert ((p >= 0) & (p <= 1)).all()
    with pytest.raises(carecast.ConfigError):
        comparison.costs("cash")


def test_excel_and_csv_exports(tmp_path, comparison):
    import openpyxl

    path = tmp_path / "comparison.xlsx"
    comparison.to_excel(str(path))
    wb = openpyxl.load_workbook(path)
    assert {"savings", "summary", "costs", "savings_by_locality", "assumptions"} <= set(wb.sheetnames)
    header = [c.value for c in wb["savings"][1]]
    assert "mean (£ 2015/16 prices)" in header
    assumptions = wb["assumptions"]
    assert [c.value for c in assumptions[1]] == ["field", "baseline", "scenario"]
    assert assumptions.max_row > 100
    comparison.to_csv(str(tmp_path / "csv"))
    assert (tmp_path / "csv" / "summary.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".xlsx" and p.name != "comparison.xlsx"]


def test_compare_command(tmp_path, capsys):
    from carecast.cli import main

    out = tmp_path / "cmp"
    assert main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", "--replications", "6",
                 "--years", "2", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Net savings by financial year" in text and "2016/17" in text and "Net present value" in text
    assert {"savings.csv", "summary.csv", "comparison.xlsx", "baseline.toml", "scenario.toml", "run.json"} <= {
        p.name for p in out.iterdir()}
    bad = tmp_path / "other.toml"
    bad.write_text('base = "wolverhampton-2015"\nauthority = "elsewhere"\n')
    assert main(["compare", "wolverhampton-2015", str(bad), "--replications", "2", "--years", "1", "--quiet",
                 "--out", str(tmp_path / "never")]) == 2
    assert "different authorities" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_monthly_detail_and_localities_add_up(comparison):
    monthly = comparison.monthly("real").query("measure == 'net_savings'")
    yearly = comparison.savings("real").query("measure == 'net_savings'")
    first_year = monthly[monthly.month <= "2016-03-31"]["mean"].sum()
    assert first_year == pytest.approx(yearly["mean"].iloc[0], rel=1e-9)
    by_loc = comparison.savings_by_locality("real")
    avoided = by_loc.query("measure == 'children_in_care_avoided' and financial_year == '2016/17'")["mean"].sum()
    total = comparison.savings("real").query(
        "measure == 'children_in_care_avoided' and financial_year == '2016/17'")["mean"].iloc[0]
    assert avoided == pytest.approx(total, rel=1e-9)
    net = by_loc.query("measure == 'net_savings' and financial_year == '2016/17'")["mean"].sum()
    assert net == pytest.approx(yearly["mean"].iloc[1], rel=1e-9)
