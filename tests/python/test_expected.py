"""The expected path in Python (`Scenario.expected`) and on the command line (`run --expected`).

Its agreement with the Monte Carlo is tested in Rust (tests/expected_value.rs); here: the
tables, the names shared with `Results`, determinism, bad input, and the CLI's layout and
output directory."""

import json

import numpy as np
import pytest

import carecast
from carecast.cli import main


@pytest.fixture(scope="module")
def base():
    return carecast.Scenario.preset("wolverhampton-2015")


@pytest.fixture(scope="module")
def path(base):
    return base.expected(years=1)


def test_the_expected_path_has_every_indicator_of_the_monte_carlo(path):
    assert set(path.indicator_names()) == set(carecast.Results.indicator_names())
    data = path.data
    assert list(data.columns) == ["month", "measure", "value"]
    assert set(data["measure"]) == set(carecast.Results.indicator_names())
    assert len(path.months) == 12 and path.months[0].strftime("%Y-%m-%d") == "2015-04-30"
    assert np.isfinite(data["value"]).all()


def test_the_expected_path_adds_up(path):
    lac = path.value("lac_stock")
    by_placement = path.in_care(by="placement").groupby("month")["value"].sum().to_numpy()
    by_status = path.in_care(by="legal_status").groupby("month")["value"].sum().to_numpy()
    np.testing.assert_allclose(by_placement, lac, rtol=1e-6)
    np.testing.assert_allclose(by_status, lac, rtol=1e-6)
    by_locality = path.stocks(by=["state", "locality"])
    in_care = by_locality[by_locality["state"] == "looked_after"].groupby("month")["value"].sum().to_numpy()
    np.testing.assert_allclose(in_care, lac, rtol=1e-9)
    np.testing.assert_allclose(path.stocks().groupby("month")["value"].sum().to_numpy(), path.value("population"))
    # Entries are first entries plus re-entries, as in the Monte Carlo.
    bands = ["age_0", "age_1_4", "age_5_9", "age_10_15", "age_16_17"]
    first = sum(path.value(f"first_entries_{b}") for b in bands)
    np.testing.assert_allclose(first + path.value("lac_reentries"), path.value("lac_entries"), rtol=1e-9)


def test_the_expected_path_is_near_a_small_monte_carlo_run(base, path):
    # Not a test of bias (docs/expected.md measures it): a guard against a broken projection.
    run = base.run(20, 1, seed=3, progress=False)
    mc = run.array("lac_stock").mean(axis=0)[-1]
    assert abs(path.value("lac_stock")[-1] / mc - 1) < 0.25


def test_the_expected_path_is_deterministic(base, path):
    again = base.expected(years=1)
    assert (again.data["value"].to_numpy() == path.data["value"].to_numpy()).all()


@pytest.mark.parametrize("years", [0, -1, 101, 1.5, "2", True])
def test_bad_years_are_config_errors(base, years):
    with pytest.raises(carecast.ConfigError, match="years"):
        base.expected(years=years)


def test_bad_names_are_config_errors(path):
    with pytest.raises(carecast.ConfigError, match="unknown indicator"):
        path.value("lac")
    with pytest.raises(carecast.ConfigError, match="by must be"):
        path.in_care(by="age")
    with pytest.raises(carecast.ConfigError, match="by must name"):
        path.stocks(by=["colour"])


def test_run_expected_prints_the_summary_and_writes_out(tmp_path, capsys):
    out = tmp_path / "ev"
    assert main(["run", "--expected", "--years", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "expected path x 1 years" in text
    assert "Children looked after at 31 March (expected)" in text
    assert "2016-03-31" in text
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["expected"] is True
    assert sorted(manifest["files"]) == ["expected.csv", "run.json", "scenario.toml", "summary.csv"]
    # Refuses to write over it without --overwrite, and replaces it with it.
    assert main(["run", "--expected", "--years", "1", "--out", str(out)]) == 2
    assert main(["run", "--expected", "--years", "1", "--out", str(out), "--overwrite"]) == 0
