"""Bad input from Python is a ConfigError naming the field (issue 8, item 3): NaN and infinity,
integers too large for 64 bits, deep nesting, run arguments and progress; NumPy integers are
whole numbers like any other."""

import math

import numpy as np
import pytest

import carecast


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -math.inf, np.float64("nan"), np.float32("inf")])
def test_nan_and_infinity_name_the_field(baseline, bad):
    with pytest.raises(carecast.ConfigError, match="finite") as info:
        baseline.updated({"hazards": {"sibling_group_entry": bad}})
    assert info.value.path == "hazards.sibling_group_entry"
    assert info.value.allowed == "a finite number"
    with pytest.raises(carecast.ConfigError) as info:
        carecast.Scenario.from_dict({"base": "wolverhampton-2015",
                                     "changes": [{"from": "2016-02", "set": {"early_help": {"places": bad}}}]})
    assert info.value.path == "changes[0].set.early_help.places"


@pytest.mark.parametrize("big, says", [(2**64, "whole number"), (-(2**63) - 1, "whole number"),
                                       (10**400, "too large")])
def test_integers_beyond_64_bits_are_config_errors(baseline, big, says):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated({"policy": {"early_help": {"places": big}}})
    assert info.value.path == "policy.early_help.places"
    assert says in str(info.value)
    assert len(str(info.value)) < 300, "a long number is shortened in the message"


def test_a_huge_integer_in_a_multiplier_gets_the_multipliers_limit(baseline):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated({"policy": {"outreach": {"high_need_multiplier": 2**64}}})
    assert info.value.path == "policy.outreach.high_need_multiplier"
    assert "1,000" in (info.value.allowed or ""), info.value.allowed


def test_largest_64_bit_integers_reach_the_scenario_checks(baseline):
    # 2^64-1 and -2^63 are passed on: the scenario's own range check answers, with the field.
    for value in (2**64 - 1, -(2**63)):
        with pytest.raises(carecast.ConfigError) as info:
            baseline.updated({"policy": {"early_help": {"places": value}}})
        assert "places" in str(info.value)


def test_deep_nesting_is_a_config_error_not_a_recursion_error(baseline):
    deep: dict = {}
    node = deep
    for _ in range(10_000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(carecast.ConfigError, match="nested too deeply") as info:
        baseline.updated(deep)
    assert info.value.path is not None and info.value.path.startswith("a.a.a")
    with pytest.raises(carecast.ConfigError, match="nested too deeply"):
        carecast.Scenario.from_dict({"base": "wolverhampton-2015", "changes": [deep]})
    loop: dict = {}
    loop["x"] = loop
    with pytest.raises(carecast.ConfigError, match="nested too deeply"):
        baseline.updated(loop)


def test_other_values_name_the_field(baseline):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated({"hazards": {"sibling_group_entry": {1, 2}}})
    assert info.value.path == "hazards.sibling_group_entry" and "set" in str(info.value)
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated({"hazards": {3: 0.1}})
    assert info.value.path == "hazards" and "text" in str(info.value)
    with pytest.raises(carecast.ConfigError) as info:
        carecast.Scenario.from_dict([1, 2])  # type: ignore[arg-type]
    assert (info.value.path, info.value.value) == ("scenario", "list")
    with pytest.raises(carecast.ConfigError) as info:
        baseline.updated("places=3")  # type: ignore[arg-type]
    assert info.value.path == "overrides"


def test_numpy_values_in_a_scenario(baseline):
    s = baseline.updated({"policy": {"early_help": {"places": np.int64(900)}},
                          "hazards": {"sibling_group_entry": np.float32(0.25)}})
    assert s.to_dict()["policy"]["early_help"]["places"] == 900
    assert s.to_dict()["hazards"]["sibling_group_entry"] == pytest.approx(0.25)


@pytest.mark.parametrize("name, value", [
    ("seed", 2**64), ("seed", -1), ("replications", 2**64), ("years", 2**70), ("threads", 2**64),
    ("replications", 0), ("replications", 2.0), ("replications", True), ("replications", np.bool_(True)),
    ("years", "3"), ("threads", 0), ("seed", 1.5),
])
def test_bad_run_arguments_are_config_errors_naming_the_argument(baseline, name, value):
    args = {"replications": 2, "years": 1, "seed": 1, "progress": False, name: value}
    with pytest.raises(carecast.ConfigError) as info:
        baseline.run(**args)
    e = info.value
    assert e.path == name and e.value is not None and e.allowed is not None and "whole number" in e.allowed


@pytest.mark.parametrize("progress", ["yes", 3, 0, 1.0, "", [], np.bool_(True)])
def test_progress_must_be_none_a_bool_or_a_callable(baseline, progress):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.run(2, 1, seed=1, progress=progress)
    assert info.value.path == "progress"


def test_numpy_integers_are_whole_numbers(baseline):
    expected = baseline.run(2, 1, seed=5, threads=1, progress=False).array("lac_stock")
    got = baseline.run(np.int64(2), np.int32(1), seed=np.uint64(5), threads=np.int64(1), progress=False)
    np.testing.assert_array_equal(got.array("lac_stock"), expected)
    assert baseline.run(replications=np.int16(2), years=1, progress=False).replications == 2
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    c = carecast.compare(baseline, redesign, np.int64(2), np.int64(1), seed=np.int64(5), progress=False)
    assert c.baseline_results.replications == 2


def test_the_largest_seed_is_accepted(baseline):
    assert baseline.run(1, 1, seed=2**64 - 1, progress=False).seed == 2**64 - 1


def test_compare_and_report_arguments_name_themselves(baseline):
    from carecast import report

    with pytest.raises(carecast.ConfigError) as info:
        carecast.compare(baseline, "wolverhampton-2015-redesign", 2, 1, progress=False)  # type: ignore[arg-type]
    assert (info.value.path, info.value.value) == ("scenario", "str")
    with pytest.raises(carecast.ConfigError) as info:
        report.report(baseline)
    assert info.value.path == "results"


@pytest.mark.parametrize("years", [101, 10**18, 2**64])
def test_too_many_years_names_years_and_the_limit(years):
    with pytest.raises(carecast.ConfigError) as info:
        carecast.Scenario.preset("wolverhampton-2015").run(replications=1, years=years, progress=False)
    assert info.value.path == "years"
    assert info.value.allowed == "a whole number from 1 to 100"


def test_numbers_survive_a_round_trip_to_the_last_bit():
    # serde_json's default float parsing could be one bit off; scenarios compare by value.
    x = 0.0017077580216476507
    s = carecast.Scenario.preset("wolverhampton-2015").updated({"hazards": {"sibling_group_entry": 0.4500000000000001}})
    s = s.with_parameters({"hazards.previously_known.crisis_care_entry.age_0": x})
    again = carecast.Scenario.from_dict(s.to_dict())
    assert again.parameter("hazards.previously_known.crisis_care_entry.age_0") == x
    assert again == s
