"""Calibration by ABC (carecast.analysis.calibrate): one short recovery trial (targets the model
itself generated, the posterior moving toward the known values), reproducibility, the posterior's
use in a probabilistic run, and the checks of targets and priors.

The full recovery study (20+ trials, coverage of the 90% intervals) is
scripts/calibration_recovery.py; docs/calibration.md gives its figures."""

import tempfile

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast import ConfigError
from carecast.analysis import Calibration, calibrate, check_priors, check_targets

pytest.importorskip("pyabc")

RETURN_HOME = "hazards.looked_after.return_home.under_6_months"
CARE_ENTRY = "hazards.abuse_neglect_care_multiplier"
PRIORS = {RETURN_HOME: {"dist": "lognormal", "median": 0.6, "sigma": 0.25},
          CARE_ENTRY: {"dist": "lognormal", "median": 1.3, "sigma": 0.25}}
# The known values: about 1.2 and 0.9 prior standard deviations (on the log scale) from the medians.
TRUTH = {RETURN_HOME: 0.6 * float(np.exp(0.3)), CARE_ENTRY: 1.3 * float(np.exp(-0.22))}


@pytest.fixture(scope="module")
def scenario():
    return carecast.Scenario.preset("wolverhampton-2015")


def targets_at(scenario, values):
    """Targets of the first year (no noise) from the expected path at ``values``, sd 2%."""
    e = scenario.with_parameters(values).expected(1)
    rows = [("lac_stock", "2015-09", e.value("lac_stock")[5]), ("lac_stock", "2016-03", e.value("lac_stock")[11]),
            ("lac_entries", "2015/16", e.value("lac_entries").sum()),
            ("lac_exits", "2015/16", e.value("lac_exits").sum())]
    return pd.DataFrame([{"measure": m, "month": mo, "value": float(v), "sd": 0.02 * float(v)} for m, mo, v in rows])


@pytest.fixture(scope="module")
def recovered(scenario):
    # One short trial: 40 particles, 3 generations (about 250 simulations of a year's expected path).
    state = np.random.get_state()
    c = calibrate(scenario, targets_at(scenario, TRUTH), PRIORS, generations=3, population=40, seed=7,
                  progress=False)
    assert np.array_equal(np.random.get_state()[1], state[1]), "the global NumPy generator is restored"
    return c


def test_the_posterior_moves_toward_the_known_values_and_covers_them(recovered):
    # Tolerance: each posterior median at least 40% closer to the truth (on the log scale) than the
    # prior median is, and the truth inside the posterior's 90% interval.
    s = recovered.summary().set_index("parameter")
    for path, truth in TRUTH.items():
        prior_gap = abs(np.log(PRIORS[path]["median"]) - np.log(truth))
        post_gap = abs(np.log(s.loc[path, "posterior_50"]) - np.log(truth))
        assert post_gap < 0.6 * prior_gap, (path, s.loc[path].to_dict(), truth)
        assert s.loc[path, "posterior_5"] <= truth <= s.loc[path, "posterior_95"], (path, truth)
        width = s.loc[path, "posterior_95"] - s.loc[path, "posterior_5"]
        assert width < s.loc[path, "prior_95"] - s.loc[path, "prior_5"]
    h = recovered.history
    assert list(h.generation) == [1, 2, 3]
    assert (np.diff(h.epsilon) < 0).all() and (h.particles == 40).all()
    assert ((h.acceptance_rate > 0) & (h.acceptance_rate <= 1)).all()


def test_the_posterior_frames(recovered, scenario):
    p = recovered.posterior
    assert list(p.columns) == ["draw", "parameter", "value", "weight"]
    assert set(p.parameter) == set(PRIORS) and len(p) == 2 * 40
    assert p.drop_duplicates("draw").weight.sum() == pytest.approx(1.0)
    sample = recovered.sample(50, seed=3)
    assert list(sample.columns) == list(PRIORS) and len(sample) == 50
    assert sample.equals(recovered.sample(50, seed=3))
    fit = recovered.fit()
    assert list(fit.columns) == ["measure", "month", "value", "sd", "simulated", "z"]
    assert (fit.z.abs() < 3).all(), fit
    r = recovered.run(4, years=1, seed=1, progress=False)
    d = r.parameter_draws().pivot(index="replication", columns="parameter", values="value")
    np.testing.assert_allclose(d[list(PRIORS)].to_numpy(), recovered.sample(4, seed=1).to_numpy())
    assert "3 generations" in repr(recovered)


def test_posterior_plot(recovered):
    import carecast.plots as cp

    fig = cp.posterior(recovered)
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "density"
    with pytest.raises(ConfigError, match="Calibration"):
        cp.posterior("not a calibration")


def test_same_seed_same_posterior_and_no_files_left(scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # pyabc's database goes in a temporary directory
    t = targets_at(scenario, TRUTH)
    prior = {RETURN_HOME: PRIORS[RETURN_HOME]}
    a = calibrate(scenario, t, prior, generations=2, population=10, seed=3, progress=False)
    b = calibrate(scenario, t, prior, generations=2, population=10, seed=3, progress=False)
    c = calibrate(scenario, t, prior, generations=1, population=10, seed=4, progress=False)
    pd.testing.assert_frame_equal(a.posterior, b.posterior)
    assert not a.posterior.value.equals(c.posterior.value)
    assert list(tmp_path.iterdir()) == []
    assert isinstance(a, Calibration) and a.settings["seed"] == 3


def test_monte_carlo_simulator_on_common_random_numbers(scenario):
    t = targets_at(scenario, TRUTH).iloc[[2, 3]]
    c = calibrate(scenario, t, {RETURN_HOME: PRIORS[RETURN_HOME]}, simulator="monte_carlo", replications=2,
                  generations=1, population=10, seed=5, progress=False)
    assert c.settings["simulator"] == "monte_carlo" and len(c.posterior) == 10
    # Common random numbers: the same values give the same simulated targets.
    v = {RETURN_HOME: 0.6}
    np.testing.assert_array_equal(c._simulate(v), c._simulate(v))


def frame(**columns):
    base = {"measure": ["lac_stock"], "month": ["2016-03"], "value": [800.0]}
    base.update(columns)
    return pd.DataFrame(base)


@pytest.mark.parametrize(("targets", "field", "words"), [
    (frame(measure=["lac_stocks"]), "targets.measure", "lac_stocks"),
    (frame(month=["2014-03"]), "targets.month", "before the run starts"),
    (frame(month=["March 2016"]), "targets.month", "YYYY-MM or"),
    (frame(month=["2015/17"]), "targets.month", "YYYY/YY"),
    (frame(value=[float("nan")]), "targets.value", "finite"),
    (frame(value=["many"]), "targets.value", "finite"),
    (frame(sd=[0.0]), "targets.sd", "> 0"),
    (frame(sd=[-3.0]), "targets.sd", "> 0"),
    (frame(value=[0.0]), "targets.sd", "needs an sd"),
    (pd.DataFrame({"measure": ["lac_stock"], "value": [1.0]}), "targets.month", "no column 'month'"),
    (pd.DataFrame(), "targets", "non-empty"),
])
def test_bad_targets_are_named(scenario, targets, field, words):
    with pytest.raises(ConfigError, match=words) as e:
        check_targets(scenario, targets)
    assert e.value.path == field


def test_targets_after_the_run_and_their_defaults(scenario):
    with pytest.raises(ConfigError, match="after the run ends") as e:
        check_targets(scenario, frame(month=["2018-04"]), years=3)
    assert e.value.path == "targets.month" and "2018-03" in str(e.value)
    t = check_targets(scenario, pd.DataFrame({"measure": ["lac_stock", "lac_entries"], "month": ["2017-03", "2016/17"],
                                              "value": [800.0, 350.0]}))
    assert t.attrs["years"] == 2 and list(t.sd) == [40.0, 17.5]  # 5% of the value by default
    assert list(t["first"]) == [23, 12] and list(t["last"]) == [23, 23] and list(t.stock) == [True, False]


@pytest.mark.parametrize(("priors", "field", "words"), [
    ({"hazards.nope": {"dist": "lognormal", "median": 1, "sigma": 0.2}}, "hazards.nope", "nope"),
    ({RETURN_HOME: {"dist": "cauchy", "loc": 0}}, f"priors[{RETURN_HOME!r}]", "cauchy"),
    ({RETURN_HOME: {"dist": "lognormal", "median": 0.6}}, f"priors[{RETURN_HOME!r}].sigma", "finite number"),
    ({RETURN_HOME: {"dist": "lognormal", "median": 0.6, "sigma": -1}}, f"priors[{RETURN_HOME!r}].sigma", "> 0"),
    ({RETURN_HOME: {"dist": "lognormal", "median": 0.6, "sigma": 0.2, "mean": 1}}, f"priors[{RETURN_HOME!r}].mean",
     "not a field"),
    ({RETURN_HOME: {"dist": "uniform", "low": 1, "high": 0.5}}, f"priors[{RETURN_HOME!r}].high", "> low"),
    ({"hazards.sibling_group_entry": {"dist": "normal", "mean": 0.95, "sd": 0.1}},
     "priors['hazards.sibling_group_entry']", "outside the allowed range"),
    ({"costs.placements.ifa.amount": {"dist": "normal", "mean": 900, "sd": 50}},
     "priors['costs.placements.ifa.amount']", "priced after the run"),
    ({"hazards.recently_closed_months": {"dist": "normal", "mean": 12, "sd": 1}},
     "priors['hazards.recently_closed_months']", "whole-number"),
    ({}, "priors", "non-empty"),
])
def test_bad_priors_are_named(scenario, priors, field, words):
    with pytest.raises(ConfigError, match=words) as e:
        check_priors(scenario, priors)
    assert field in (e.value.path or "") + str(e.value)


def test_bad_arguments(scenario):
    t = frame()
    with pytest.raises(ConfigError, match="simulator") as e:
        calibrate(scenario, t, PRIORS, simulator="emulator")
    assert e.value.path == "simulator"
    with pytest.raises(ConfigError, match="min_epsilon"):
        calibrate(scenario, t, PRIORS, min_epsilon=-1)
    with pytest.raises(ConfigError, match="population"):
        calibrate(scenario, t, PRIORS, population=2)


PRIORS_TOML = f"""
[[priors]]
path = "{RETURN_HOME}"
distribution = {{ dist = "lognormal", median = 0.6, sigma = 0.25 }}
"""


def test_cli_calibrate(tmp_path, capsys, scenario):
    import json

    from carecast.cli import main

    targets_at(scenario, TRUTH).to_csv(tmp_path / "targets.csv", index=False)
    (tmp_path / "priors.toml").write_text(PRIORS_TOML)
    out = tmp_path / "out"
    args = ["calibrate", "wolverhampton-2015", "--targets", str(tmp_path / "targets.csv"), "--priors",
            str(tmp_path / "priors.toml"), "--generations", "2", "--population", "10", "--seed", "3", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    assert RETURN_HOME in capsys.readouterr().out
    assert set(pd.read_csv(out / "posterior.csv").parameter) == {RETURN_HOME}
    assert list(pd.read_csv(out / "sample.csv").columns) == [RETURN_HOME]
    assert len(pd.read_csv(out / "summary.csv")) == 1 and len(pd.read_csv(out / "fit.csv")) == 4
    assert (out / "posterior.png").stat().st_size > 1000
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["command"] == "calibrate" and "sample.csv" in manifest["files"]
    # The same posterior as the API with the same seed.
    c = calibrate(scenario, targets_at(scenario, TRUTH), {RETURN_HOME: PRIORS[RETURN_HOME]}, generations=2,
                  population=10, seed=3, progress=False)
    np.testing.assert_allclose(pd.read_csv(out / "posterior.csv").value, c.posterior.value)
    # The calibrated scenario carries the posterior sample: each replication of a run takes a draw.
    calibrated = carecast.Scenario.load(out / "calibrated.toml")
    assert (out / "calibrated.sample.csv").exists()
    pd.testing.assert_frame_equal(calibrated.sample.reset_index(drop=True),
                                  pd.read_csv(out / "sample.csv"), check_dtype=False)
    d = calibrated.run(6, 1, seed=1, progress=False).parameter_draws()
    drawn = d[d.parameter == RETURN_HOME].value
    assert len(drawn) == 6 and set(drawn) <= set(pd.read_csv(out / "sample.csv")[RETURN_HOME])


def test_cli_calibrate_bad_files(tmp_path, capsys):
    from carecast.cli import main

    pd.DataFrame({"measure": ["lac_stock"], "month": ["2016-03"], "value": [800]}).to_csv(tmp_path / "t.csv",
                                                                                         index=False)
    (tmp_path / "bad.toml").write_text("[[priors]]\npath = 3\n")
    (tmp_path / "broken.toml").write_text("[[priors\n")
    cases = [(["--targets", str(tmp_path / "none.csv"), "--priors", str(tmp_path / "bad.toml")], "none.csv"),
             (["--targets", str(tmp_path / "t.csv"), "--priors", str(tmp_path / "bad.toml")], "priors[0]"),
             (["--targets", str(tmp_path / "t.csv"), "--priors", str(tmp_path / "broken.toml")], "not valid TOML"),
             (["--targets", str(tmp_path / "t.csv"), "--priors", str(tmp_path / "no.toml")], "no such file")]
    for extra, words in cases:
        assert main(["calibrate", "wolverhampton-2015", *extra, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, err


def test_missing_pyabc_names_the_extra(scenario, monkeypatch):
    import sys

    from carecast.extras import MissingExtraError

    monkeypatch.setitem(sys.modules, "pyabc", None)  # as if not installed
    t = targets_at(scenario, TRUTH)
    with pytest.raises(MissingExtraError, match=r"pip install 'carecast\[calibrate\]'") as e:
        calibrate(scenario, t, PRIORS)
    assert e.value.extra == "calibrate"
