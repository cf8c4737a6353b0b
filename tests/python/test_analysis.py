"""carecast.analysis: one-way sensitivity, partial rank correlations, the tornado chart and
`carecast sensitivity`. Small runs (few parameters, 2 years): every run of a one-way table uses
one seed, so its figures are exact functions of that seed, not statistical estimates."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast.analysis import one_way, partial_rank_correlations, prcc, ranges
from carecast.cli import main
from carecast.plots import tornado

REUNIFICATION = "changes[0].set.placements.reunification_multiplier"
IFA_COST = "costs.placements.ifa.amount"


@pytest.fixture(scope="module")
def redesign():
    return carecast.Scenario.preset("wolverhampton-2015-redesign")


@pytest.fixture(scope="module")
def in_care_table(redesign):
    return one_way(redesign, [REUNIFICATION, IFA_COST], output="in_care", replications=6, years=2, seed=3,
                   progress=False)


def test_default_ranges_follow_the_stated_rule(redesign):
    r = ranges(redesign, [REUNIFICATION, IFA_COST]).set_index("parameter")
    # Calibrated: the 5th and 95th percentiles of the posterior sample the preset carries.
    posterior = redesign.sample[REUNIFICATION].to_numpy()
    assert r.loc[REUNIFICATION, "low"] == pytest.approx(np.quantile(posterior, 0.05), rel=1e-12)
    assert r.loc[REUNIFICATION, "high"] == pytest.approx(np.quantile(posterior, 0.95), rel=1e-12)
    assert r.loc[REUNIFICATION, "rule"] == "5th-95th percentile of the carried sample"
    # A distribution written in place: lognormal(median=0.85, sigma=0.1), 0.85 exp(+-1.645 x 0.1).
    after = "changes[2].set.early_help.effect_after_closure"
    a = ranges(redesign, [after]).set_index("parameter")
    assert a.loc[after, "low"] == pytest.approx(0.85 * np.exp(-1.6448536 * 0.1), rel=1e-6)
    assert a.loc[after, "high"] == pytest.approx(0.85 * np.exp(1.6448536 * 0.1), rel=1e-6)
    cost = redesign.parameter(IFA_COST)
    if not r.loc[IFA_COST, "rule"].startswith("5th"):
        assert r.loc[IFA_COST, ["low", "high"]].tolist() == pytest.approx([0.8 * cost, 1.2 * cost])
    default = ranges(redesign)
    p = redesign.parameters()
    assert 0 < len(default) <= 12 and set(default.parameter) <= set(p.path[p.uncertain])


def test_a_parameter_that_cannot_reach_the_output_has_zero_swing(in_care_table):
    # A unit cost prices children in care; it cannot change how many there are. Common random
    # numbers make that exactly zero, not zero give or take chance.
    row = in_care_table[in_care_table.parameter == IFA_COST].iloc[0]
    assert row.swing == 0.0 and row.output_low == row.output_central == row.output_high


def test_more_reunification_means_fewer_children_in_care(in_care_table):
    row = in_care_table[in_care_table.parameter == REUNIFICATION].iloc[0]
    assert row.output_high < row.output_central < row.output_low
    assert row.swing > 5 * row.swing_mcse
    assert in_care_table.parameter.iloc[0] == REUNIFICATION  # sorted by swing
    assert list(in_care_table.period.unique()) == ["2017-03"]


def test_one_way_is_reproducible_and_takes_given_ends(redesign, in_care_table):
    again = one_way(redesign, [REUNIFICATION, IFA_COST], output="in_care", replications=6, years=2, seed=3,
                    progress=False)
    pd.testing.assert_frame_equal(again, in_care_table)
    given = one_way(redesign, [REUNIFICATION], output="in_care", low={REUNIFICATION: 1.0},
                    high={REUNIFICATION: 3.0}, replications=6, years=2, seed=3, at="2016-09", progress=False)
    row = given.iloc[0]
    assert (row.low, row.high, row.rule, row.period) == (1.0, 3.0, "given", "2016-09")


def test_net_savings_by_financial_year_and_over_the_horizon(redesign, baseline):
    t = one_way(redesign, [REUNIFICATION, IFA_COST], baseline=baseline, replications=4, years=2, seed=3,
                progress=False)
    assert list(t.period.unique()) == ["whole horizon", "2015/16", "2016/17"]
    whole = t[t.period == "whole horizon"].set_index("parameter")
    by_year = t[t.period != "whole horizon"].groupby("parameter")[["output_low", "output_high"]].sum()
    for col in ("output_low", "output_high"):
        assert whole[col].to_numpy() == pytest.approx(by_year.loc[whole.index, col].to_numpy())
    # More reunification: fewer children in care, more saved.
    assert whole.loc[REUNIFICATION, "output_high"] > whole.loc[REUNIFICATION, "output_low"]
    # A placement cost the baseline shares moves both arms: dearer placements, more saved by avoiding them.
    assert whole.loc[IFA_COST, "output_high"] > whole.loc[IFA_COST, "output_low"]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"parameters": ["policy.no_such_thing"]}, "policy.no_such_thing"),
    ({"output": "happiness"}, "output"),
    ({"output": "net_savings"}, "baseline"),
    ({"low": {"policy.early_help.places": 1.0}}, "low.policy.early_help.places"),
    ({"at": "1999-01"}, "at"),
    ({"parameters": REUNIFICATION}, "parameters"),
])
def test_bad_input_names_the_field(redesign, kwargs, field):
    options = {"parameters": [REUNIFICATION], "output": "in_care", "replications": 2, "years": 1,
               "progress": False, **kwargs}
    with pytest.raises(carecast.ConfigError) as e:
        one_way(redesign, **options)
    assert e.value.path == field


def test_partial_rank_correlations_on_constructed_data():
    # y rises with a, falls with b (monotone, not linear), ignores c. 300 rows, fixed seed:
    # the 95% interval of a PRCC of 0 is about +-0.11, so |PRCC of c| < 0.15.
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"a": rng.uniform(size=300), "b": rng.uniform(size=300), "c": rng.uniform(size=300)})
    y = np.exp(3 * x.a) - 2 * x.b**3 + rng.normal(scale=0.1, size=300)
    t = partial_rank_correlations(x, y).set_index("parameter")
    assert t.loc["a", "prcc"] > 0.9 and t.loc["b", "prcc"] < -0.7
    assert abs(t.loc["c", "prcc"]) < 0.15 and t.loc["c", "low"] < 0 < t.loc["c", "high"]
    assert t.loc["a", "low"] < t.loc["a", "prcc"] < t.loc["a", "high"]


def test_prcc_of_a_probabilistic_run(redesign):
    # 60 replications x 2 years, seed 5; the unit cost is made uncertain so that it is drawn and
    # recorded, though it cannot move children in care.
    s = redesign.updated({"costs": {"placements": {"ifa": {"amount": {"dist": "uniform", "low": 700, "high": 1100}}}}})
    r = s.run(60, 2, seed=5, progress=False)
    t = prcc(r).set_index("parameter")
    assert t.loc[REUNIFICATION, "prcc"] < -0.5 and t.loc[REUNIFICATION, "high"] < 0
    # Irrelevant: n = 60 with k parameters gives a 95% half-width near 0.27; a PRCC of 0 stays inside.
    assert t.loc[IFA_COST, "low"] < 0 < t.loc[IFA_COST, "high"]
    with pytest.raises(carecast.ConfigError) as e:
        prcc(r, output="net_savings")
    assert e.value.path == "output"


def test_tornado_sorts_by_swing(in_care_table):
    fig = tornado(in_care_table)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 2 and "returning home" in labels[-1]  # the widest swing on top
    with pytest.raises(carecast.ConfigError) as e:
        tornado(in_care_table, period="2030-01")
    assert e.value.path == "period"


def test_cli_sensitivity_writes_table_and_chart(tmp_path, capsys):
    out = tmp_path / "sens"
    args = ["sensitivity", "wolverhampton-2015-redesign", "--baseline", "wolverhampton-2015", "--parameters",
            REUNIFICATION, IFA_COST, "--replications", "3", "--years", "2", "--seed", "4", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "net savings over the whole horizon" in text and REUNIFICATION in text
    assert text.index(REUNIFICATION) < text.index(IFA_COST)  # sorted by swing
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table.parameter) == {REUNIFICATION, IFA_COST}
    assert (out / "tornado.png").stat().st_size > 1000
    assert json.loads((out / "run.json").read_text())["command"] == "sensitivity"
    # Never over an earlier output without --overwrite.
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".carecast-")]
    assert main(["sensitivity", "wolverhampton-2015-redesign", "--output", "net_savings"]) == 2
    assert "--baseline" in capsys.readouterr().err


# Sobol indices and the nested design of chance and parameter uncertainty.

def test_sobol_on_the_same_random_numbers(redesign):
    pytest.importorskip("SALib")
    from carecast.analysis import sobol

    # 8 base points x (2 + 2) = 32 runs of 3 replications x 1 year, seed 2. The unit cost cannot
    # move children in care and, on common random numbers, A and AB_cost are the same run: its
    # indices are exactly zero, not zero give or take chance.
    t = sobol(redesign, [REUNIFICATION, IFA_COST], output="in_care", n=8, replications=3, years=1, seed=2,
              progress=False)
    assert list(t.columns)[:8] == ["factor", "parameters", "output", "period", "S1", "S1_conf", "ST", "ST_conf"]
    row = t.set_index("factor")
    assert row.loc[IFA_COST, "S1"] == 0.0 and row.loc[IFA_COST, "ST"] == 0.0
    # With one factor that matters, its total index is (f(A) - f(B))^2 / 2 Var: near 1.
    assert row.loc[REUNIFICATION, "ST"] > 0.5
    assert t.factor.iloc[0] == REUNIFICATION and (t.points == 32).all()
    design = t.attrs["design"]
    assert design["unit"].shape == (32, 2) and len(design["outputs"]["2016-03"]) == 32


def test_sobol_groups_move_together_and_bad_input(redesign):
    pytest.importorskip("SALib")
    from carecast.analysis import default_factors, sobol

    f = default_factors(redesign)
    assert 2 <= len(f) <= 12
    groups = {k: v for k, v in f.items() if k.startswith("hazards:")}
    assert len(groups) == 4 and all(p.startswith("hazards.") for v in groups.values() for p in v)
    every = [p for v in groups.values() for p in v]
    assert len(every) == len(set(every))  # each hazard in one group
    p = redesign.parameters()
    effects = set(p.path[p.uncertain & ~p.path.str.startswith("costs.")])
    assert effects <= set(f)  # the preset's seven policy effects, each alone
    with pytest.raises(carecast.ConfigError) as e:
        sobol(redesign, [REUNIFICATION, IFA_COST], output="in_care", n=10, progress=False)
    assert e.value.path == "n"
    with pytest.raises(carecast.ConfigError) as e:
        sobol(redesign, [REUNIFICATION], output="in_care", n=8, progress=False)
    assert e.value.path == "factors"
    with pytest.raises(carecast.ConfigError) as e:
        sobol(redesign, {"a": [REUNIFICATION], "b": [REUNIFICATION]}, output="in_care", n=8, progress=False)
    assert e.value.path == "factors"


def test_uncertainty_apart_when_parameters_matter_and_when_none_are_uncertain(redesign):
    from carecast.analysis import uncertainty

    # 16 draws x 4 replications x 2 years, seed 3. Reunification's effect under a wide prior
    # (lognormal, median 1.5, sigma 0.5: before calibration) dominates: most of the spread of
    # children in care after two years is the parameters'.
    wide = redesign.with_change("2015-04", {"placements": {
        "reunification_multiplier": {"dist": "lognormal", "median": 1.5, "sigma": 0.5}}})
    u = uncertainty(wide, draws=16, replications=4, chance_replications=20, years=2, seed=3, progress=False)
    assert u.measure.tolist() == ["children in care", "children in care"]
    assert ((u.total_low <= u["mean"]) & (u["mean"] <= u.total_high)).all()
    assert ((u.chance_low < u.chance_high) & (u.parameter_low < u.parameter_high)).all()
    assert u.parameter_share.iloc[-1] > 0.5
    # Nothing uncertain: the parameter variance is zero but for sampling error. With no parameter
    # effect the between-draw variance is F(15, 48) x chance variance / 4; its 99th percentile
    # (about 2.3) bounds the share at about 0.25.
    p = redesign.parameters()
    fixed = redesign.with_parameters(dict(zip(p.path[p.uncertain], p.value[p.uncertain], strict=True)))
    none = uncertainty(fixed, draws=16, replications=4, chance_replications=20, years=2, seed=3, progress=False)
    assert (none.parameter_share < 0.25).all()


def test_uncertainty_of_net_savings(redesign, baseline):
    from carecast.analysis import uncertainty

    u = uncertainty(redesign, baseline, draws=4, replications=3, chance_replications=6, years=2, seed=1,
                    progress=False)
    assert u.measure.tolist() == ["children in care"] * 2 + ["net savings"] * 2 + ["net present value"]
    assert u.period.tolist()[2:] == ["2015/16", "2016/17", "whole horizon"]


def test_a_group_of_hazards_moves_as_one(baseline):
    from carecast.analysis import _transform

    a, b = "hazards.not_known.referral.age_0", "hazards.looked_after.return_home.months_6_to_24"
    unit = np.array([[0.0], [0.25], [1.0]])
    points = _transform(baseline, {"group": [a, b]}, unit)
    for path in (a, b):
        v = baseline.parameter(path)
        # Each hazard the same way along its own range, from 20% below to 20% above its value.
        assert [pt[path] for pt in points] == pytest.approx([0.8 * v, 0.9 * v, 1.2 * v], rel=1e-6)


def test_sobol_runs_its_default_factors(redesign):
    pytest.importorskip("SALib")
    from carecast.analysis import default_factors, sobol

    # Every default factor is a valid variation of the scenario (hazard groups included: shares,
    # which must sum to 1, are in none). 2 base points x 13 = 26 runs of 1 replication x 1 year.
    t = sobol(redesign, output="in_care", n=2, replications=1, years=1, seed=1, progress=False)
    assert list(t.factor) != [] and set(t.factor) == set(default_factors(redesign))
    assert (t.points == 2 * (len(set(t.factor)) + 2)).all()


def test_cli_sensitivity_sobol(tmp_path, capsys):
    pytest.importorskip("SALib")
    out = tmp_path / "sobol"
    args = ["sensitivity", "wolverhampton-2015-redesign", "--output", "in_care", "--parameters", REUNIFICATION,
            IFA_COST, "--sobol", "4", "--replications", "2", "--years", "1", "--seed", "4", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Sobol indices of children in care" in text and "16 points" in text
    table = pd.read_csv(out / "sobol.csv")
    assert set(table.factor) == {REUNIFICATION, IFA_COST}
    assert json.loads((out / "run.json").read_text())["method"] == "sobol"
    assert main(["sensitivity", "wolverhampton-2015-redesign", "--output", "in_care", "--sobol", "6", "--quiet"]) == 2
    assert "power of two" in capsys.readouterr().err


def test_a_baseline_hazard_made_uncertain_is_varied_by_its_distribution(redesign):
    # The scenario's uncertainty table makes a baseline hazard uncertain: one-way takes its 5th and
    # 95th percentiles, and a probabilistic run draws and records it, so PRCC sees it.
    path = "hazards.looked_after.return_home.months_6_to_24"
    v = redesign.parameter(path)
    s = redesign.updated({"uncertainty": {"parameters": [
        {"path": path, "distribution": {"dist": "lognormal", "median": v, "sigma": 0.3}}]}})
    r = ranges(s, [path]).iloc[0]
    assert r.rule == "5th-95th percentile"
    assert (r.low, r.high) == pytest.approx((v * np.exp(-1.6448536 * 0.3), v * np.exp(1.6448536 * 0.3)), rel=1e-6)
    t = one_way(s, [path], output="in_care", replications=4, years=1, seed=1, progress=False).iloc[0]
    assert t.output_high < t.output_low  # children return home sooner: fewer in care
    p = prcc(s.run(60, 1, seed=2, progress=False)).set_index("parameter")
    assert path in p.index and p.loc[path, "prcc"] < 0
