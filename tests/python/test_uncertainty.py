"""Uncertainty on any parameter from Python: the scenario's [[uncertainty.parameters]] and
[[uncertainty.correlations]], parameter samples from outside (Scenario.run's parameter_sample and
sample_chance), and finance.central. Small runs (a year, a few replications)."""

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast.finance import central

REFERRAL = "hazards.not_known.referral.age_5_9"
SIBLINGS = "hazards.sibling_group_entry"
EFFECT = "changes[2].set.early_help.effect_on_care_entry"
# A policy effect the redesign preset writes as a distribution (its calibrated effects are a sample).
EFFECT_IN_PLACE = "changes[2].set.early_help.effect_after_closure"

TABLE = {
    "parameters": [
        {"path": REFERRAL, "distribution": {"dist": "lognormal", "median": 0.026, "sigma": 0.2}},
        {"path": SIBLINGS, "distribution": {"dist": "beta", "alpha": 9.0, "beta": 11.0}},
    ],
    "correlations": [{"parameters": [REFERRAL, SIBLINGS], "rho": 0.5}],
}


@pytest.fixture(scope="module")
def uncertain(baseline: carecast.Scenario) -> carecast.Scenario:
    return baseline.updated({"uncertainty": TABLE})


def test_the_table_lists_its_parameters_as_uncertain(uncertain):
    p = uncertain.parameters().set_index("path")
    assert p.loc[REFERRAL].uncertain and p.loc[REFERRAL].distribution == "lognormal(median=0.026, sigma=0.2)"
    assert p.loc[SIBLINGS].value == pytest.approx(0.45)
    assert not p.index.str.startswith("uncertainty").any()
    assert uncertain.to_dict()["uncertainty"] == TABLE


def test_a_run_records_the_tables_draws_after_the_others(uncertain):
    r = uncertain.run(4, years=1, seed=3, progress=False)
    draws = r.parameter_draws()
    # After the unit costs the preset draws, in the table's order.
    assert list(draws.parameter.unique()[-2:]) == [REFERRAL, SIBLINGS]
    d = draws.pivot(index="replication", columns="parameter", values="value")
    assert d[REFERRAL].nunique() == 4 and (d[SIBLINGS].between(0, 1)).all()
    assert r == uncertain.run(4, years=1, seed=3, threads=1, progress=False)


def test_central_fixes_the_tables_parameters_too(uncertain):
    c = central(uncertain)
    assert "uncertainty" not in c.to_dict()
    assert not c.parameters().uncertain.any()
    assert c.parameter(REFERRAL) == 0.026
    assert c.run(2, years=1, seed=1, progress=False).parameter_draws().empty
    assert central(carecast.Scenario.preset("wolverhampton-2015-redesign").updated({"uncertainty": TABLE})) \
        .parameters().uncertain.sum() == 0


def test_bad_tables_are_config_errors(baseline):
    with pytest.raises(carecast.ConfigError) as e:
        baseline.updated({"uncertainty": {"parameters": [
            {"path": "hazards.not_known.referal.age_5_9",
             "distribution": {"dist": "normal", "mean": 0.02, "sd": 0.001}}]}})
    assert e.value.path == "uncertainty.parameters[0].path"
    assert "closest: hazards.not_known.referral.age_5_9" in e.value.allowed
    with pytest.raises(carecast.ConfigError) as e:
        baseline.updated({"uncertainty": dict(TABLE, correlations=[{"parameters": [REFERRAL, SIBLINGS], "rho": 1.0}])})
    assert e.value.path == "uncertainty.correlations[0].rho"


@pytest.mark.parametrize("as_dict", [False, True])
def test_a_sample_from_outside_with_shared_chance(as_dict):
    s = carecast.Scenario.preset("wolverhampton-2015-redesign")
    columns = {REFERRAL: [0.02, 0.04, 0.02], EFFECT: [0.8, 0.5, 0.8]}
    sample = {k: np.array(v) for k, v in columns.items()} if as_dict else pd.DataFrame(columns)
    r = s.run(6, years=1, seed=9, progress=False, parameter_sample=sample, sample_chance=2)
    d = r.parameter_draws().pivot(index="replication", columns="parameter", values="value")
    assert d[EFFECT].tolist() == [0.8, 0.8, 0.5, 0.5, 0.8, 0.8]
    assert d[REFERRAL].tolist() == [0.02, 0.02, 0.04, 0.04, 0.02, 0.02]
    a = r.array("assessments")
    # Equal rows (0 and 2) on the same chance stream give equal replications.
    assert (a[0] == a[4]).all() and (a[1] == a[5]).all()
    assert not (a[0] == a[1]).all()


def test_a_sample_with_its_own_chance_must_cover_the_replications(baseline):
    design = pd.DataFrame({REFERRAL: [0.02, 0.03]})
    r = baseline.run(2, years=1, seed=1, progress=False, parameter_sample=design)
    d = r.parameter_draws()
    assert d[d.parameter == REFERRAL].value.tolist() == [0.02, 0.03]
    with pytest.raises(carecast.CarecastError, match="got 2 rows"):
        baseline.run(3, years=1, seed=1, progress=False, parameter_sample=design)


def test_bad_samples_name_the_row_and_column(baseline):
    with pytest.raises(carecast.ConfigError) as e:
        baseline.run(2, years=1, progress=False, parameter_sample=pd.DataFrame({SIBLINGS: [0.4, 1.5]}))
    assert e.value.path == f'parameter_sample row 1, column "{SIBLINGS}"'
    assert e.value.allowed == "a probability in [0, 1]"
    with pytest.raises(carecast.ConfigError, match="parameter_sample must be"):
        baseline.run(2, years=1, progress=False, parameter_sample=[0.1, 0.2])
    with pytest.raises(carecast.ConfigError, match="every column needs"):
        baseline.run(2, years=1, progress=False, parameter_sample={REFERRAL: [0.02], SIBLINGS: [0.4, 0.5]})
    with pytest.raises(carecast.ConfigError, match="sample_chance needs a parameter_sample"):
        baseline.run(2, years=1, progress=False, sample_chance=2)
    with pytest.raises(carecast.ConfigError) as e:
        baseline.run(2, years=1, progress=False, parameter_sample={"costs.placements.ifa.amount": [1.0, 2.0]})
    assert "priced after the run" in e.value.allowed


def test_a_policy_effect_written_in_place_can_be_correlated():
    s = carecast.Scenario.preset("wolverhampton-2015-redesign").updated({"uncertainty": {
        "parameters": TABLE["parameters"][:1],
        "correlations": [{"parameters": [REFERRAL, EFFECT_IN_PLACE], "rho": 0.7}],
    }})
    r = s.run(3, years=1, seed=2, progress=False)
    d = r.parameter_draws()
    assert (d.parameter == EFFECT_IN_PLACE).sum() == 3  # its own column, drawn through the copula
    row = d[d.replication == 1].set_index("parameter").value
    again = s.with_parameters(row.to_dict()).run(range(1, 2), years=1, seed=2, progress=False)
    assert (again.array("lac_stock")[0] == r.array("lac_stock")[1]).all()
