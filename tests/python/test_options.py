"""Options side by side and the lever waterfall (issue 13, item 4). Runs are small (4
replications, 2 years): the tests check common random numbers, exact bookkeeping and errors, not
the sizes of effects."""

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast.cli import main
from carecast.options import in_care_last_year, total_cost

REPS, YEARS, SEED = 4, 2, 7
LEVERS = ["Reunification support", "Specialist Intensive Support Service", "Strengthening Families Hubs"]


@pytest.fixture(scope="module")
def redesign():
    return carecast.Scenario.preset("wolverhampton-2015-redesign")


@pytest.fixture(scope="module")
def hubs(baseline, redesign):
    return redesign.with_levers(baseline, ["Strengthening Families Hubs"])


@pytest.fixture(scope="module")
def options(baseline, redesign, hubs):
    return carecast.compare(baseline, redesign, hubs, replications=REPS, years=YEARS, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def pair(baseline, redesign):
    return carecast.compare(baseline, redesign, replications=REPS, years=YEARS, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def steps(baseline, redesign):
    return carecast.waterfall(baseline, redesign, replications=REPS, years=YEARS, seed=SEED, progress=False)


def test_one_scenario_is_a_comparison_several_are_options(options, pair):
    assert isinstance(pair, carecast.Comparison)
    assert isinstance(options, carecast.Options) and len(options) == 2
    assert options.names == ["wolverhampton-2015-redesign", "wolverhampton-2015 + Strengthening Families Hubs"]


def test_the_baseline_runs_once_and_each_option_is_the_two_way_comparison(options, pair):
    # One baseline run shared (the same object), bit-identical to the pair's own baseline run.
    assert options[0].baseline_results is options[1].baseline_results
    assert options.baseline_results == pair.baseline_results
    assert options[0].scenario_results == pair.scenario_results
    pd.testing.assert_frame_equal(options[0].budget_lines(), pair.budget_lines())
    pd.testing.assert_frame_equal(options["wolverhampton-2015-redesign"].summary(), pair.summary())


def test_side_by_side_tables(options, pair):
    summary = options.summary()
    assert set(summary.option) == set(options.names)
    assert list(summary.measure.unique()) == ["net_savings", "npv", "probability_paid_back",
                                              "children_in_care_avoided"]
    npv = summary[(summary.option == options.names[0]) & (summary.measure == "npv")].iloc[0]
    whole = pair.summary().query("period == 'whole horizon' and measure == 'npv'").iloc[0]
    assert npv["mean"] == whole["mean"]
    by_year = options.net_savings()
    mine = by_year[by_year.option == options.names[0]].drop(columns="option").reset_index(drop=True)
    theirs = pair.savings().query("measure == 'net_savings'").drop(columns="measure").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, theirs)
    # Net savings over the horizon are the financial years' net savings added up.
    net = summary[(summary.option == options.names[0]) & (summary.measure == "net_savings")].iloc[0]
    assert net["mean"] == pytest.approx(theirs["mean"].sum(), rel=1e-9)
    wide = options.side_by_side()
    assert list(wide.columns) == ["measure", *options.names]
    assert "median payback month" in set(wide.measure)


def test_options_write_csv_and_excel(options, tmp_path):
    pytest.importorskip("openpyxl")
    options.to_csv(tmp_path / "csv")
    files = {p.name for p in (tmp_path / "csv").iterdir()}
    assert {"options_summary.csv", "options_net_savings.csv", "option_1_budget_lines.csv",
            "option_2_assumptions.csv"} <= files
    options.to_excel(tmp_path / "o.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert book.sheetnames[0] == "Options"
    header = [c.value for c in book["Options"][1]]
    assert "net savings over the horizon, mean (£m 2015/16 prices)" in header
    assert book["Options"]["B2"].number_format.startswith("£")


def test_options_refuse_another_authority_and_positional_run_options(baseline, redesign, hubs):
    other = redesign.updated({"authority": "elsewhere"})
    with pytest.raises(carecast.ConfigError, match="different authorities") as info:
        carecast.compare(baseline, redesign, other, replications=2, years=1, progress=False)
    assert info.value.path == "authority"
    with pytest.raises(carecast.ConfigError, match="by name") as info:
        carecast.compare(baseline, redesign, hubs, 2, progress=False)  # type: ignore[call-overload]
    assert info.value.path == "scenarios"
    with pytest.raises(carecast.ConfigError) as info:
        carecast.compare("wolverhampton-2015", redesign)  # type: ignore[call-overload]
    assert info.value.path == "baseline"


def test_levers_of_the_redesign(baseline, redesign):
    levers = redesign.levers(baseline)
    assert list(levers.lever) == LEVERS
    assert list(levers["from"]) == ["2015-04", "2015-10", "2016-02"]
    one = redesign.with_levers(baseline, ["Specialist Intensive Support Service"]).to_dict()
    assert [c["note"] for c in one["changes"]] == ["Specialist Intensive Support Service"]
    assert [s["name"] for s in one["costs"]["services"]] == ["Early help estate (25 buildings)"]
    assert one["costs"]["implementation"] == []


def test_changes_sharing_a_lever_name_are_one_lever(baseline, redesign):
    d = redesign.to_dict()
    del d["changes"][0]["lever"]
    d["changes"][1]["lever"] = "Edge of care"
    d["changes"][2]["lever"] = "Edge of care"
    for s in d["costs"]["services"] + d["costs"]["implementation"]:
        s.pop("lever", None)
    grouped = carecast.Scenario.from_dict(d)
    levers = grouped.levers(baseline)
    assert list(levers.lever) == ["Children in care reduction programme: reunification support", "Edge of care"]
    both = grouped.with_levers(baseline, ["Edge of care"]).to_dict()
    assert len(both["changes"]) == 2
    # Unnamed, the costs go with the change of their month: the hubs' set-up with the hubs (2016-02),
    # the programme's one-off with the intensive support (2015-10).
    assert [x["name"] for x in both["costs"]["implementation"]] == [
        "Redesign programme (design, consultation, commissioning)", "Hub set-up"]


def test_bad_levers_are_refused_with_the_levers_listed(baseline, redesign):
    with pytest.raises(carecast.ConfigError) as info:
        redesign.with_levers(baseline, ["More hubs"])
    assert info.value.path == "levers[0]" and "Strengthening Families Hubs" in info.value.allowed
    with pytest.raises(carecast.ConfigError) as info:
        redesign.with_levers(baseline, "Strengthening Families Hubs")  # type: ignore[arg-type]
    assert info.value.path == "levers"
    other = redesign.updated({"authority": "elsewhere"})
    with pytest.raises(carecast.ConfigError) as info:
        other.levers(baseline)
    assert info.value.path == "authority"
    bigger = redesign.updated({"population": {"under_18": 70000}})
    with pytest.raises(carecast.ConfigError) as info:
        carecast.waterfall(baseline, bigger, replications=1, years=1, progress=False)
    assert info.value.path == "population.under_18" and "everything else must be as in the baseline" in str(info.value)
    with pytest.raises(carecast.ConfigError) as info:
        carecast.waterfall(baseline, redesign, replications=1, years=1, metric="npv", progress=False)
    assert info.value.path == "metric"


def test_waterfall_steps_add_up_to_the_full_programme(steps, pair, baseline, redesign):
    assert steps.levers == LEVERS
    # The full programme is the two-way comparison's net savings, bit for bit (common random numbers).
    full = (total_cost(pair.baseline_results, baseline, "real")
            - total_cost(pair.scenario_results, redesign, "real"))
    np.testing.assert_array_equal(steps.full, full)
    # "Added in sequence" telescopes to it in every replication (to the rounding of the differences).
    added = np.sum([steps.added[x] for x in LEVERS], axis=0)
    np.testing.assert_allclose(added, full, rtol=0, atol=1e-6 * np.abs(full).max())
    # The first lever added to the baseline is that lever alone.
    np.testing.assert_array_equal(steps.added[LEVERS[0]], steps.alone[LEVERS[0]])
    table = steps.table()
    assert list(table.measure.unique()) == ["alone", "added", "cumulative", "total", "interaction"]
    added_means = table[table.measure == "added"]["mean"].sum()
    assert added_means == pytest.approx(table[table.measure == "total"]["mean"].iloc[0], rel=1e-9)
    assert "full programme" in steps.text()


def test_waterfall_in_care_and_the_alone_column(baseline, redesign, pair):
    w = carecast.waterfall(baseline, redesign, replications=REPS, years=YEARS, seed=SEED, progress=False,
                           metric="in_care")
    avoided = in_care_last_year(pair.baseline_results)[0] - in_care_last_year(pair.scenario_results)[0]
    np.testing.assert_array_equal(w.full, avoided)
    # Each lever alone is the baseline plus that lever, run on the same random numbers.
    hubs = redesign.with_levers(baseline, ["Strengthening Families Hubs"])
    alone = carecast.compare(baseline, hubs, replications=REPS, years=YEARS, seed=SEED, progress=False)
    np.testing.assert_array_equal(w.alone["Strengthening Families Hubs"],
                                  in_care_last_year(pair.baseline_results)[0]
                                  - in_care_last_year(alone.scenario_results)[0])
    assert w.unit == "children"


def test_waterfall_and_options_charts(steps, options):
    pytest.importorskip("matplotlib")
    fig = steps.plot()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[-1] == "full programme" and len(labels) == 4
    assert len(options.plot().axes) == 2


def test_cli_compares_options_side_by_side(capsys, tmp_path):
    pytest.importorskip("openpyxl")
    out = tmp_path / "out"
    code = main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", "wolverhampton-2015",
                 "--replications", "2", "--years", "1", "--quiet", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "2 options against wolverhampton-2015" in text and "median payback month" in text
    assert (out / "options.xlsx").exists() and (out / "option_2.toml").exists()


def test_cli_levers(capsys):
    code = main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", "--levers", "--replications", "2",
                 "--years", "1", "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert all(lever in text for lever in LEVERS) and "full programme" in text
    code = main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", "wolverhampton-2015", "--levers",
                 "--quiet"])
    assert code == 2 and "--levers takes one scenario" in capsys.readouterr().err
    code = main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", "--metric", "in_care", "--quiet"])
    assert code == 2 and "--metric applies to --levers" in capsys.readouterr().err


def test_cli_report_of_several_options(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    page = tmp_path / "r.html"
    code = main(["report", "--compare", "wolverhampton-2015", "wolverhampton-2015-redesign", "wolverhampton-2015",
                 "--replications", "2", "--years", "1", "--quiet", "--out", str(page)])
    assert code == 0
    assert "2 options against wolverhampton-2015" in page.read_text()
    assert main(["report", "--compare", "wolverhampton-2015", "--out", str(tmp_path / "x.html")]) == 2
