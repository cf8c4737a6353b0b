"""Costs and savings comparisons."""

import re

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
    assert {"npv", "roi", "probability_paid_back", "probability_net_savings_positive"} <= set(summary.measure)
    p = summary.query("measure == 'probability_net_savings_positive'")["mean"]
    assert ((p >= 0) & (p <= 1)).all()
    with pytest.raises(carecast.ConfigError):
        comparison.costs("cash")


SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def test_excel_and_csv_exports(tmp_path, comparison):
    import openpyxl

    path = tmp_path / "comparison.xlsx"
    comparison.to_excel(str(path))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Summary" and wb.active.title == "Summary"
    assert {"Budget lines", "Payback", "Savings", "Children in care", "Savings by locality", "Costs",
            "NPV and payback", "Assumptions", "Parameters"} <= set(wb.sheetnames)
    # The front sheet: the headline sentence, then the budget lines by financial year in £m.
    front = wb["Summary"]
    assert front["A2"].value == comparison.headline() and front["A2"].value.endswith("%.")
    assert "saves a net £" in front["A2"].value or "costs a net £" in front["A2"].value
    rows = [[c.value for c in row] for row in front.iter_rows()]
    header_row = next(i for i, r in enumerate(rows) if r[0] == "budget line") + 1
    assert front.freeze_panes == f"B{header_row + 1}"
    net = next(i for i, r in enumerate(rows) if r[0] == "net savings") + 1
    cell = front.cell(row=net, column=3)
    expected = comparison.budget_lines("real").query("line == 'net savings'")["mean"].iloc[0] / 1e6
    assert cell.value == pytest.approx(expected, rel=1e-12) and cell.number_format.startswith("£#,##0.00")
    paid = next(i for i, r in enumerate(rows) if r[0] == comparison.financial_years[-1] and r[1] is not None
                and isinstance(r[1], float)) + 1
    assert front.cell(row=paid, column=2).number_format == "0%"
    # Every sheet: plain-language headers, each with at most one unit, the header row frozen.
    for sheet in wb.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        assert not [h for h in header if SNAKE.search(str(h))], (sheet.title, header)
        assert all(str(h).count("(") <= 1 for h in header), (sheet.title, header)
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(sheet.column_dimensions[c.column_letter].width >= min(len(str(c.value)), 24)
                   for c in sheet[1]), sheet.title
    lines = wb["Budget lines"]
    header = [c.value for c in lines[1]]
    assert header[:4] == ["budget line", "kind", "cashable", "financial year"]
    mean = lines.cell(row=2, column=header.index("mean (£m 2015/16 prices)") + 1)
    expected = comparison.budget_lines("real")["mean"].iloc[0] / 1e6
    assert mean.value == pytest.approx(expected, rel=1e-12) and mean.number_format.startswith("£#,##0.00")
    assert lines.column_dimensions["A"].width >= 30
    payback = wb["Payback"]
    header = [c.value for c in payback[1]]
    assert header[-1] == "horizon" and payback.cell(row=2, column=len(header)).value == comparison.horizon
    p = payback.cell(row=2, column=header.index("probability of having paid back (%)") + 1)
    assert p.number_format == "0%"
    children = wb["Children in care"]
    header = [c.value for c in children[1]]
    assert "children in care avoided, mean (children)" in header
    assert "care-months avoided, mean (child-months)" in header
    assert children.cell(row=2, column=2).number_format == "#,##0"
    npv = [c.value for c in wb["NPV and payback"][1]]
    assert "net present value, mean (£m 2015/16 prices, discounted)" in npv
    assert "probability of having paid back (%)" in npv
    assumptions = wb["Assumptions"]
    assert [c.value for c in assumptions[1]] == ["setting", "baseline", "scenario", "source"]
    assert assumptions.max_row > 100
    parameters = wb["Parameters"]
    header = [c.value for c in parameters[1]]
    assert {"parameter", "what it is", "baseline value", "scenario value", "scenario distribution",
            "source"} <= set(header)
    assert parameters.max_row > 100
    # Each parameter's source, from the presets' comments.
    source = header.index("source") + 1
    row = next(r for r in range(2, parameters.max_row + 1) if parameters.cell(r, 1).value == "population.under_18")
    assert parameters.cell(row, source).value.startswith("sources §1")
    comparison.to_csv(str(tmp_path / "csv"))
    assert (tmp_path / "csv" / "summary.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".xlsx" and p.name != "comparison.xlsx"]


def test_headline_states_net_savings_interval_and_payback(comparison):
    text = comparison.headline()
    net = comparison.savings("real").query("measure == 'net_savings'")["mean"].sum() / 1e6
    assert f"£{abs(net):,.2f}m at 2015/16 prices" in text and comparison.horizon in text
    paid = comparison.payback()["probability_paid_back"].iloc[-1]
    assert text.endswith(f"by the end of {comparison.financial_years[-1]} is {paid:.0%}.")
    assert "£-" not in text, "a negative amount reads -£1.23m"


def test_compare_command(tmp_path, capsys):
    from carecast.cli import main

    out = tmp_path / "cmp"
    assert main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", "--replications", "6",
                 "--years", "2", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Budget lines" in text and "2016/17" in text and "Net present value over April 2015 to March 2017" in text
    for line in ("placements avoided (cashable)", "other statutory activity avoided (non-cashable)", "estate",
                 "gross savings", "reinvestment: early help", "one-off: implementation", "NET SAVINGS",
                 "cashable net savings", "non-cashable net savings"):
        assert line in text, line
    assert "one-off: capital" not in text, "lines that are zero throughout are left out"
    assert "paid back by the end of 2015/16" in text and "horizon, April 2015 to March 2017" in text
    assert text.index("paid back by the end of") < text.index("median payback")
    assert {"budget_lines.csv", "payback.csv", "savings.csv", "summary.csv", "comparison.xlsx", "baseline.toml",
            "scenario.toml", "run.json"} <= {
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


def test_budget_lines_add_up_to_net_savings_in_every_replication(comparison):
    from carecast.finance import LINE_LABELS

    for basis in ("nominal", "real", "discounted"):
        per_line, cashable = comparison._line_savings(basis)
        baseline = comparison._array("baseline", basis, "category_year").sum(axis=1)
        scenario = comparison._array("scenario", basis, "category_year").sum(axis=1)
        lines = sum(per_line[x] for x in LINE_LABELS)
        np.testing.assert_allclose(lines, baseline - scenario, rtol=1e-9, atol=1e-3)
        assert not cashable["other_statutory_activity"] and all(v for k, v in cashable.items()
                                                                  if k != "other_statutory_activity")
    table = comparison.budget_lines("nominal")
    assert list(table.line.unique()) == [
        "placements avoided", "other statutory activity avoided", "estate", "gross savings",
        "reinvestment: early help", "reinvestment: intensive support", "reinvestment: hubs and teams",
        "reinvestment", "one-off: implementation", "one-off: redundancy", "one-off: dual running",
        "one-off: capital", "one-offs", "net savings", "cashable net savings", "non-cashable net savings"]

    def mean(line, fy):
        return table.query("line == @line and financial_year == @fy")["mean"].iloc[0]

    savings = comparison.savings("nominal")
    for fy in comparison.financial_years:
        net = mean("net savings", fy)
        assert mean("cashable net savings", fy) + mean("non-cashable net savings", fy) == pytest.approx(net, abs=1e-3)
        assert mean("gross savings", fy) + mean("reinvestment", fy) + mean("one-offs", fy) == pytest.approx(
            net, abs=1e-3)
        assert mean("non-cashable net savings", fy) == mean("other statutory activity avoided", fy)
        # The savings table is made of the same lines: reinvestment is new spending, not netted into gross.
        row = savings.query("financial_year == @fy").set_index("measure")["mean"]
        assert row["gross_savings"] == pytest.approx(mean("gross savings", fy), rel=1e-9, abs=1e-3)
        assert row["new_spending"] == pytest.approx(-mean("reinvestment", fy) - mean("one-offs", fy), rel=1e-9,
                                                    abs=1e-3)
        assert row["net_savings"] == pytest.approx(net, rel=1e-9, abs=1e-3)
    # The redesign spends on early help, intensive support and hubs, and closes the old estate.
    assert mean("reinvestment: early help", "2016/17") < 0 and mean("reinvestment: hubs and teams", "2016/17") < 0
    assert mean("estate", "2016/17") > 0 and mean("placements avoided", "2016/17") > 0
    assert mean("one-off: redundancy", "2015/16") == 0 and mean("one-off: implementation", "2015/16") < 0


def test_statutory_savings_are_cashable_only_when_posts_go(baseline, redesign):
    posts_go = redesign.updated({"costs": {"statutory_savings_cashable": True}})
    c = carecast.compare(baseline, posts_go, replications=4, years=2, seed=4, progress=False)
    table = c.budget_lines("real")
    other = table[table.line == "other statutory activity avoided"]
    assert set(other.cashable) == {"cashable"}
    np.testing.assert_array_equal(table[table.line == "non-cashable net savings"]["mean"], 0.0)
    np.testing.assert_allclose(table[table.line == "cashable net savings"]["mean"].to_numpy(),
                               table[table.line == "net savings"]["mean"].to_numpy(), rtol=1e-12)


def test_one_offs_of_each_kind_fall_in_their_line(baseline, redesign):
    def one_off(kind, amount, month):
        return {"name": kind, "kind": kind, "cost": {"amount": amount, "per": "each", "price_year": "2015/16"},
                "month": month}

    more = redesign.updated({"costs": {"implementation": [
        one_off("implementation", 100_000, "2015-05"), one_off("redundancy", 200_000, "2016-05"),
        one_off("dual_running", 300_000, "2015-06"), one_off("capital", 400_000, "2015-07")]}})
    c = carecast.compare(baseline, more, replications=3, years=2, seed=4, progress=False)
    table = c.budget_lines("nominal").set_index(["line", "financial_year"])["mean"]
    assert table["one-off: implementation", "2015/16"] == pytest.approx(-100_000)
    assert table["one-off: redundancy", "2015/16"] == 0
    assert table["one-off: redundancy", "2016/17"] == pytest.approx(-200_000 * 1.031)
    assert table["one-off: dual running", "2015/16"] == pytest.approx(-300_000)
    assert table["one-off: capital", "2015/16"] == pytest.approx(-400_000)
    assert table["one-offs", "2015/16"] == pytest.approx(-800_000)


@pytest.mark.parametrize(("change", "path", "says"), [
    ({"kind": "capitol"}, "costs.implementation[0].kind", "dual_running"),
    ({"cost": {"amount": -5, "per": "each", "price_year": "2015/16"}}, "costs.implementation[0].cost.amount",
     "0 to 1e9"),
    ({"cost": {"amount": 5, "per": "week", "price_year": "2015/16"}}, "costs.implementation[0].cost.per", "each"),
    ({"month": "2016-13"}, "costs.implementation[0].month", "YYYY-MM"),
])
def test_a_wrong_one_off_is_a_clear_error(baseline, change, path, says):
    one_off = {"name": "fit-out", "kind": "capital", "cost": {"amount": 1000, "per": "each",
                                                               "price_year": "2015/16"}, "month": "2016-01"}
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated({"costs": {"implementation": [{**one_off, **change}]}})
    assert info.value.path == path and says in str(info.value), str(info.value)


def test_payback_leads_with_probabilities_that_never_fall(comparison):
    p = comparison.payback()
    assert list(p.financial_year) == comparison.financial_years
    assert (np.diff(p.probability_paid_back) >= 0).all()
    assert set(p.horizon) == {"April 2015 to March 2018"}
    months = comparison._payback_months()
    for end, prob in zip(comparison._year_ends(), p.probability_paid_back, strict=True):
        assert prob == np.mean(months <= end)
    summary = comparison.summary().query("measure == 'probability_paid_back'")
    np.testing.assert_allclose(summary["mean"].iloc[:-1], p.probability_paid_back)


@pytest.mark.parametrize(("months", "median"), [
    ([np.inf] * 10, None),                            # none pays back
    ([0, 1, 2, 3, 4] + [np.inf] * 5, None),           # exactly half is not more than half
    ([0, 1, 2, 3, 4, 7] + [np.inf] * 4, "2015-11"),   # six of ten by November 2015 (month 7)
    ([3] * 10, "2015-07"),
])
def test_a_median_payback_month_only_when_more_than_half_pay_back(comparison, monkeypatch, months, median):
    monkeypatch.setattr(comparison, "_payback_months", lambda: np.array(months, dtype=float))
    assert comparison.payback_month() == median
    p = comparison.payback()
    assert set(p.median_payback_month) == {median or "not within the horizon"}
    if median is None:
        assert (p.probability_paid_back <= 0.5).all()
    else:
        assert p.probability_paid_back.iloc[0] > 0.5


def test_payback_does_not_move_with_a_later_horizon_when_savings_stay_positive(baseline, redesign):
    # The probability of having paid back by a year's end counts replications whose cumulative
    # savings stay above zero to the horizon's end: stated with the horizon, never over paid-back
    # replications alone.
    short = carecast.compare(baseline, redesign, replications=12, years=2, seed=4, progress=False)
    long = carecast.compare(baseline, redesign, replications=12, years=3, seed=4, progress=False)
    a, b = short.payback(), long.payback()
    assert set(a.horizon) == {"April 2015 to March 2017"} and set(b.horizon) == {"April 2015 to March 2018"}
    # Paying back within the longer horizon by a year's end implies it within the shorter one.
    assert (b.probability_paid_back.iloc[:2].to_numpy() <= a.probability_paid_back.to_numpy() + 1e-12).all()


def test_a_scenario_budget_by_financial_year_and_line(baseline, comparison):
    results = comparison.baseline_results
    budget = results.budget(baseline)
    assert list(budget.line.unique()) == [
        "placements", "other statutory activity", "estate and existing services", "early help",
        "intensive support", "new services (hubs and teams)", "one-off: implementation", "one-off: redundancy",
        "one-off: dual running", "one-off: capital", "total"]
    assert list(budget.financial_year.unique()) == comparison.financial_years
    costs = comparison.costs("nominal")
    for fy in comparison.financial_years:
        part = budget[budget.financial_year == fy].set_index("line")["mean"]
        assert part.drop("total").sum() == pytest.approx(part["total"], rel=1e-12)
        run = costs[(costs.run == "baseline") & (costs.financial_year == fy)]["mean"].sum()
        assert part["total"] == pytest.approx(run, rel=1e-12)
    assert (budget.p5 <= budget["mean"] + 1e-6).all() and (budget["mean"] <= budget.p95 + 1e-6).all()
    real = results.budget(baseline, "real")
    assert real[real.line == "total"]["mean"].iloc[1] < budget[budget.line == "total"]["mean"].iloc[1]
    with pytest.raises(carecast.ConfigError, match="basis"):
        results.budget(baseline, "cash")
    with pytest.raises(carecast.ConfigError, match="not run from"):
        results.budget(comparison.scenario)


def test_early_help_given_as_posts_costs_its_posts_in_the_budget_lines(baseline):
    # Early help as 38 posts of 20 families (760 places, as the preset), each £36,000 a year;
    # the scenario adds two posts from April 2016. The early help line is then the two posts,
    # exactly, in every replication: whether the places are full does not move it.
    post = {"amount": 36000, "per": "year", "price_year": "2015/16"}
    staffed = baseline.updated({"policy": {"early_help": {"staff": {"posts": 38, "caseload": 20}}},
                                "costs": {"posts": {"early_help": post}}})
    assert "places" not in staffed.to_dict()["policy"]["early_help"]
    more = staffed.with_change("2016-04", {"early_help": {"staff": {"posts": 40}}}, note="two more posts")
    c = carecast.compare(staffed, more, replications=4, years=2, seed=4, progress=False)
    table = c.budget_lines("nominal").set_index(["line", "financial_year"])
    early_help = table.loc[("reinvestment: early help", "2016/17")]
    assert early_help["mean"] == pytest.approx(-2 * 36000 * 1.031)
    assert early_help["p5"] == pytest.approx(early_help["p95"])
    assert table.loc[("reinvestment: early help", "2015/16")]["mean"] == 0
    # Giving places and posts at once is refused, naming both fields.
    with pytest.raises(carecast.ConfigError) as info:
        staffed.updated({"policy": {"early_help": {"places": 700, "staff": {"posts": 38, "caseload": 20}}}})
    assert info.value.path == "policy.early_help.places and policy.early_help.staff"
