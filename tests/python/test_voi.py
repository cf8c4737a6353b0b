"""Value of information (carecast.analysis.evpi, evppi): checked on decisions whose answer is known
in closed form, on a parameter that cannot matter, and on the Wolverhampton decision."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import carecast
from carecast.analysis import evpi, evppi, net_benefits
from carecast.cli import main

pytest.importorskip("sklearn")

REUNIFICATION = "changes[0].set.placements.reunification_multiplier"
IFA_COST = "costs.placements.ifa.amount"


def normal_evpi(mean, sd):
    """EVPI of adopting an option whose gain over doing nothing is Normal(mean, sd):
    E[max(0, X)] - max(0, E X) = sd phi(mean/sd) + mean Phi(mean/sd) - max(0, mean)."""
    return sd * stats.norm.pdf(mean / sd) + mean * stats.norm.cdf(mean / sd) - max(0.0, mean)


@pytest.fixture(scope="module")
def decision():
    # 4,000 samples, seed 3: the gain theta ~ N(0.5, 1), chance eps ~ N(0, 1.5) on top, and psi,
    # a parameter the gain does not depend on.
    rng = np.random.default_rng(3)
    n = 4000
    theta, psi, eps = rng.normal(0.5, 1.0, n), rng.normal(size=n), rng.normal(0, 1.5, n)
    benefits = pd.DataFrame({"nothing": 0.0, "option": theta + eps})
    return benefits, pd.DataFrame({"theta": theta, "psi": psi}), theta


def test_evpi_has_its_closed_form_without_chance(decision):
    _, _, theta = decision
    t = evpi(pd.DataFrame({"nothing": 0.0, "option": theta}), population=10)
    # The sampling error of the estimate is sd(max(0, theta)) / sqrt(4000), about 0.01: 3 of them.
    assert t.evpi.iloc[0] == pytest.approx(normal_evpi(0.5, 1.0), abs=0.03)
    assert t.population_evpi.iloc[0] == pytest.approx(10 * t.evpi.iloc[0])
    assert t.best.iloc[0] == "option" and t.probability_best.iloc[0] == pytest.approx(stats.norm.cdf(0.5), abs=0.03)


def test_regression_takes_chance_out(decision):
    benefits, draws, _ = decision
    t = evpi(benefits, draws)
    exact = normal_evpi(0.5, 1.0)
    # On the raw benefits the formula values knowing chance too; regressed, it is the parameters'.
    assert t.evpi_with_chance.iloc[0] > exact + 0.1
    assert t.evpi.iloc[0] == pytest.approx(exact, abs=0.03)


@pytest.mark.parametrize("method", ["gam", "gp", "additive"])
def test_evppi_of_the_parameter_that_matters_and_of_one_that_does_not(decision, method):
    benefits, draws, _ = decision
    t = evppi(benefits, draws, ["theta", "psi"], method=method).set_index("parameter")
    # Tolerances: 3 sampling errors (0.03) for theta; psi's EVPPI is zero but for fitting noise.
    assert t.loc["theta", "evppi"] == pytest.approx(normal_evpi(0.5, 1.0), abs=0.03)
    assert t.loc["psi", "evppi"] < 0.01 and t.loc["psi", "r2"] < 0.01
    assert t.loc["theta", "r2"] > 0.2  # theta explains a third of the spread (1 / (1 + 1.5^2))
    assert set(t.method) == {method}


def test_groups_and_bad_input(decision):
    benefits, draws, _ = decision
    t = evppi(benefits, draws, {"both": ["theta", "psi"]})
    assert t.parameter.tolist() == ["both"] and t.parameters.iloc[0] == "theta, psi"
    with pytest.raises(carecast.ConfigError) as e:
        evppi(benefits, draws, ["nope"])
    assert e.value.path == "parameters.nope"
    with pytest.raises(carecast.ConfigError) as e:
        evppi(benefits, draws.iloc[:10])
    assert e.value.path == "draws"
    with pytest.raises(carecast.ConfigError) as e:
        evppi(benefits, draws, method="magic")
    assert e.value.path == "method"
    with pytest.raises(carecast.ConfigError) as e:
        evpi(benefits, population=0)
    assert e.value.path == "population"


@pytest.fixture(scope="module")
def wolverhampton():
    base = carecast.Scenario.preset("wolverhampton-2015")
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    return carecast.compare(base, redesign, replications=80, years=2, seed=11, progress=False)


def test_a_decision_without_doubt_is_worth_nothing_to_study(wolverhampton):
    # With its calibrated posterior the redesign beats doing nothing in every replication: no
    # information could change the choice, so its expected value is zero (chance aside).
    benefits, draws = net_benefits(wolverhampton)
    assert list(benefits.columns) == ["wolverhampton-2015", "wolverhampton-2015-redesign"]
    assert (benefits.iloc[:, 0] == 0).all() and len(benefits) == len(draws) == 80
    assert REUNIFICATION in draws and IFA_COST in draws
    v = evpi(wolverhampton)
    assert v.probability_best.iloc[0] == 1.0 and v.evpi.iloc[0] == 0.0 < v.evpi_with_chance.iloc[0]
    t = evppi(wolverhampton, parameters=[REUNIFICATION, IFA_COST])
    assert (t.evppi == 0).all()


def test_the_wolverhampton_decision_under_a_wide_prior():
    # Before calibration: reunification's effect anywhere from none to large (lognormal, median
    # 1.5, sigma 0.5). Then the decision is in doubt, and reunification drives it; a unit cost of
    # a placement priced the same in both arms is worth far less to know.
    base = carecast.Scenario.preset("wolverhampton-2015")
    wide = carecast.Scenario.preset("wolverhampton-2015-redesign").with_change(
        "2015-04", {"placements": {"reunification_multiplier": {"dist": "lognormal", "median": 1.5, "sigma": 0.5}}})
    c = carecast.compare(base, wide, replications=80, years=2, seed=11, progress=False)
    v = evpi(c)
    assert 0 < v.evpi.iloc[0] <= v.evpi_with_chance.iloc[0]
    t = evppi(c, parameters=[REUNIFICATION, IFA_COST]).set_index("parameter")
    assert t.loc[REUNIFICATION, "evppi"] > 0.5 * v.evpi.iloc[0] and t.loc[IFA_COST, "evppi"] < 0.1 * v.evpi.iloc[0]


def test_cli_voi(tmp_path, capsys):
    out = tmp_path / "voi"
    args = ["voi", "wolverhampton-2015", "wolverhampton-2015-redesign", "--replications", "40", "--years", "1",
            "--seed", "2", "--parameters", REUNIFICATION, IFA_COST, "--population", "152", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "EVPI" in text and REUNIFICATION in text
    assert "nan" not in text
    assert set(pd.read_csv(out / "evppi.csv").parameter) == {REUNIFICATION, IFA_COST}
    assert pd.read_csv(out / "evpi.csv").population.iloc[0] == 152
    assert (out / "evppi.png").stat().st_size > 1000
    assert json.loads((out / "run.json").read_text())["command"] == "voi"


def test_cli_voi_says_when_no_evidence_could_change_the_choice(capsys):
    # Over three years the calibrated redesign wins in every draw: said in words, and no share of
    # a zero EVPI shown.
    args = ["voi", "wolverhampton-2015", "wolverhampton-2015-redesign", "--replications", "60", "--years", "3",
            "--seed", "2", "--parameters", REUNIFICATION, IFA_COST, "--quiet"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "best in 100% of parameter draws" in text and "no evidence could change the choice" in text
    assert "nan" not in text
