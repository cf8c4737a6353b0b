"""The Python API: scenarios, runs, results, errors."""

import json
import threading
import time

import numpy as np
import pandas as pd
import pytest

import carecast


def test_presets_lists_the_default_first():
    names = carecast.presets()
    assert names[0] == "wolverhampton-2015"
    assert "wolverhampton-2015-redesign" in names


def test_scenario_round_trips_through_dict_and_toml(tmp_path, baseline):
    d = baseline.to_dict()
    assert d["name"] == "wolverhampton-2015"
    assert carecast.Scenario.from_dict(d).to_dict() == d
    path = tmp_path / "s.toml"
    path.write_text(baseline.to_toml())
    assert carecast.Scenario.from_file(path).to_dict() == d
    jpath = tmp_path / "s.json"
    jpath.write_text(json.dumps(d))
    assert carecast.Scenario.from_file(str(jpath)).to_dict() == d


def test_from_dict_with_base_and_updated(baseline):
    s = carecast.Scenario.from_dict({"base": "wolverhampton-2015", "name": "x",
                                     "policy": {"early_help": {"places": 900}}})
    assert s.name == "x"
    assert s.to_dict()["policy"]["early_help"]["places"] == 900
    u = baseline.updated({"policy": {"intensive_support": {"places": 25}}})
    assert u.to_dict()["policy"]["intensive_support"]["places"] == 25
    assert baseline.to_dict()["policy"]["intensive_support"]["places"] == 0  # unchanged


def test_load_takes_a_preset_or_a_path(tmp_path, baseline):
    assert carecast.Scenario.load("wolverhampton-2015").name == "wolverhampton-2015"
    p = tmp_path / "x.toml"
    p.write_text(baseline.to_toml())
    assert carecast.Scenario.load(str(p)).name == "wolverhampton-2015"
    with pytest.raises(carecast.ConfigError, match="neither a preset"):
        carecast.Scenario.load("no-such-thing")


def test_config_error_names_field_value_and_range(baseline):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated({"hazards": {"sibling_group_entry": 1.5}})
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, carecast.CarecastError)
    assert e.path == "hazards.sibling_group_entry"
    assert e.value == "1.5"
    assert e.allowed == "a probability in [0, 1]"


@pytest.mark.parametrize("overrides, fragment", [
    ({"policy": {"outreach": {"intensity": 2}}}, "unknown field `intensity`"),
    ({"policy": {"early_help": {"places": -4}}}, "expected a whole number, 0 or more"),
    ({"policy": {"early_help": {"places": "many"}}}, "policy.early_help.places"),
    ({"population": {"under_18": 0}}, "population.under_18"),
    ({"policy": {"early_help": {"effect_on_care_entry": {"dist": "normal", "mean": 0.8, "sd": -1}}}},
     "effect_on_care_entry.sd"),
    ({"start": "2015-13"}, "start"),
])
def test_bad_values_are_config_errors(baseline, overrides, fragment):
    with pytest.raises(carecast.ConfigError, match=fragment.replace("[", r"\[").replace("(", r"\(")):
        baseline.updated(overrides)


def test_wrong_types_are_config_errors(baseline):
    with pytest.raises(carecast.ConfigError):
        carecast.Scenario.from_dict([1, 2])  # type: ignore[arg-type]
    with pytest.raises(carecast.ConfigError):
        baseline.updated("places=3")  # type: ignore[arg-type]
    with pytest.raises(carecast.ConfigError, match="finite"):
        baseline.updated({"hazards": {"sibling_group_entry": float("nan")}})
    with pytest.raises(carecast.ConfigError):
        baseline.updated({"hazards": {"sibling_group_entry": object()}})
    with pytest.raises(carecast.ConfigError):
        carecast.Scenario.preset("atlantis")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(carecast.ScenarioFileError):
        carecast.Scenario.from_file(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [\n")
    with pytest.raises(carecast.ConfigError, match="TOML parse error"):
        carecast.Scenario.from_file(bad)
    other = tmp_path / "s.yaml"
    other.write_text("name: x")
    with pytest.raises(carecast.ConfigError, match=r"\.toml or \.json"):
        carecast.Scenario.from_file(other)


@pytest.mark.parametrize("kwargs", [{"replications": 0}, {"years": 0}, {"seed": -1}, {"threads": 0},
                                    {"replications": 2.5}, {"replications": True}])
def test_bad_run_arguments(baseline, kwargs):
    args = {"replications": 2, "years": 1, "seed": 1, "progress": False} | kwargs
    with pytest.raises(carecast.ConfigError):
        baseline.run(**args)


def test_arrays_have_replication_by_month_shape(small_results):
    for name in carecast.HEADLINE_INDICATORS:
        a = small_results.array(name)
        assert a.shape == (6, 24)
        assert a.dtype == np.float64
    assert set(carecast.HEADLINE_INDICATORS) <= set(small_results.indicator_names())
    with pytest.raises(carecast.ConfigError, match="lac_stock"):
        small_results.array("no_such_indicator")


def test_months_are_real_dates(small_results):
    m = small_results.months
    assert isinstance(m, pd.DatetimeIndex)
    assert m[0] == pd.Timestamp("2015-04-30") and m[-1] == pd.Timestamp("2017-03-31")


def test_tidy_tables(small_results):
    ind = small_results.indicators()
    assert list(ind.columns) == ["replication", "month", "indicator", "value"]
    assert len(ind) == 6 * 24 * len(carecast.HEADLINE_INDICATORS)
    summ = small_results.summary()
    lac = summ[summ.indicator == "lac_stock"]
    assert np.allclose(lac["mean"].to_numpy(), small_results.array("lac_stock").mean(axis=0))
    assert (lac["p5"] <= lac["p50"]).all() and (lac["p50"] <= lac["p95"]).all()
    shares = small_results.shares()
    assert set(shares["share"]) == set(carecast.SHARES)
    assert {"first 12 months", "2015/16", "2016/17"} <= set(shares["period"])
    first = shares[(shares.period == "first 12 months")]
    assert ((first["mean"] > 0) & (first["mean"] < 1)).all()


def test_stocks_by_state_add_up_to_the_population(small_results):
    by_state = small_results.stocks(by=["state"])
    totals = by_state.groupby("month")["mean"].sum()
    population = small_results.array("population").mean(axis=0)
    assert np.allclose(totals.to_numpy(), population)
    lac = by_state[by_state.state == "looked_after"]["mean"].to_numpy()
    assert np.allclose(lac, small_results.array("lac_stock").mean(axis=0))


def test_stocks_breakdowns_agree(small_results):
    full = small_results.stocks(by=["state", "age_band", "locality"])
    assert {"sd", "p5", "p50", "p95"} <= set(full.columns)
    by_loc = small_results.stocks(by=["locality"])
    assert list(by_loc.columns) == ["locality", "month", "mean"]
    a = full.groupby(["locality", "month"])["mean"].sum().sort_index()
    b = by_loc.set_index(["locality", "month"])["mean"].sort_index()
    assert np.allclose(a.to_numpy(), b.to_numpy())
    with pytest.raises(carecast.ConfigError):
        small_results.stocks(by=["colour"])


def test_flows(small_results):
    f = small_results.flows()
    assert set(f.columns) == {"move", "month", "mean", "p5", "p50", "p95"}
    total = small_results.flows(by=[])
    assert len(total) == 24
    with pytest.raises(carecast.ConfigError):
        small_results.flows(by=["locality"])


def test_python_results_equal_the_core_for_the_same_seed(baseline):
    one = baseline.run(4, 1, seed=5, threads=1, progress=False).array("lac_stock")
    two = baseline.run(4, 1, seed=5, threads=2, progress=False).array("lac_stock")
    np.testing.assert_array_equal(one, two)
    # The core's golden values (tests/engine.rs) for seed 20150401: replication 0, every 6 months.
    golden = baseline.run(2, 2, seed=20150401, threads=1, progress=False).array("lac_stock")
    assert list(golden[0, [0, 6, 12, 18]]) == [782.0, 789.0, 780.0, 808.0]


def test_progress_callback_and_bar(baseline, capsys):
    calls = []
    baseline.run(20, 1, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (20, 20)
    assert all(t == 20 for _, t in calls)
    baseline.run(3, 1, seed=1, progress=True)
    assert "replications" in capsys.readouterr().err


def test_progress_callback_errors_propagate(baseline):
    def boom(done, total):
        raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        baseline.run(40, 1, seed=1, progress=boom)


def test_gil_is_released_during_a_run(baseline):
    # Another Python thread keeps counting while a run is under way.
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    before = counter[0]
    baseline.run(40, 3, seed=2, progress=False)
    during = counter[0] - before
    stop.set()
    t.join()
    assert during > 5, f"the other thread made {during} steps during the run"


@pytest.mark.parametrize("overrides, path, value, allowed", [
    ({"hazards": {"sibling_group_entry": "41%"}}, "hazards.sibling_group_entry", '"41%"', "write 0.41"),
    ({"policy": {"outreach": {"intensity": 2}}}, "policy.outreach.intensity", "intensity", "identification_multiplier"),
    ({"policy": {"early_help": {"places": -4}}}, "policy.early_help.places", "-4", "a whole number, 0 or more"),
    ({"policy": {"early_help": {"allocation": "lottery"}}}, "policy.early_help.allocation", '"lottery"',
     "over_fives_share"),
])
def test_structural_errors_fill_path_value_and_allowed(baseline, overrides, path, value, allowed):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated(overrides)
    e = info.value
    assert (e.path, e.value) == (path, value)
    assert e.allowed is not None and allowed in e.allowed, e.allowed


def test_unknown_preset_fills_path():
    with pytest.raises(carecast.ConfigError) as info:
        carecast.Scenario.preset("atlantis")
    assert (info.value.path, info.value.value) == ("preset", "atlantis")
    assert "wolverhampton-2015" in (info.value.allowed or "")


def test_with_change_keeps_the_existing_changes():
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    before = redesign.to_dict()["changes"]
    later = redesign.with_change("2017-04", {"early_help": {"places": 1000}}, note="more places")
    after = later.to_dict()["changes"]
    assert after[:len(before)] == before
    assert after[-1] == {"from": "2017-04", "note": "more places", "set": {"early_help": {"places": 1000}}}
    # updated() with a list replaces it whole, as its docstring says.
    replaced = redesign.updated({"changes": [{"from": "2017-04", "set": {"early_help": {"places": 1000}}}]})
    assert len(replaced.to_dict()["changes"]) == 1
    with pytest.raises(carecast.ConfigError) as info:
        redesign.with_change("2017-13", {})
    assert info.value.path == "from"
    with pytest.raises(carecast.ConfigError) as info:
        redesign.with_change("2017-04", {"early_help": {"places": "lots"}})
    assert info.value.path == f"changes[{len(before)}].set.early_help.places"


def test_base_may_be_a_scenario_file(tmp_path):
    (tmp_path / "council.toml").write_text('base = "wolverhampton-2015"\nname = "council"\n'
                                          "[policy.early_help]\nplaces = 700\n")
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "v.toml").write_text('base = "../council.toml"\nname = "v"\n')
    s = carecast.Scenario.from_file(tmp_path / "variants" / "v.toml")
    assert s.name == "v" and s.to_dict()["policy"]["early_help"]["places"] == 700
    (tmp_path / "a.toml").write_text('base = "b.toml"\n')
    (tmp_path / "b.toml").write_text('base = "a.toml"\n')
    with pytest.raises(carecast.ConfigError) as info:
        carecast.Scenario.from_file(tmp_path / "a.toml")
    assert info.value.path == "base" and " -> " in (info.value.value or "")


def test_with_change_names_a_bad_value_in_set():
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    with pytest.raises(carecast.ConfigError) as info:
        redesign.with_change("2017-04", {"early_help": {"over_fives_target": float("nan")}})
    assert info.value.path == "set.early_help.over_fives_target"


def test_scenarios_pickle_and_compare_by_value():
    import pickle

    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    back = pickle.loads(pickle.dumps(redesign))
    assert back == redesign and back is not redesign
    assert back.to_toml() == redesign.to_toml()
    assert back != carecast.Scenario.preset("wolverhampton-2015")
    a = back.run(2, 1, seed=5, progress=False).array("lac_stock")
    b = redesign.run(2, 1, seed=5, progress=False).array("lac_stock")
    assert (a == b).all()
