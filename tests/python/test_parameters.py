"""The parameter registry from Python: Scenario.parameters(), parameter(), with_parameters(), and
the draws recorded per replication, Results.parameter_draws()."""

import numpy as np
import pandas as pd
import pytest

import carecast

COLUMNS = ["path", "value", "kind", "low", "high", "low_open", "high_open", "allowed", "whole", "uncertain",
           "may_be_uncertain", "distribution", "description", "source"]


@pytest.fixture(scope="module")
def redesign() -> carecast.Scenario:
    return carecast.Scenario.preset("wolverhampton-2015-redesign")


def test_parameters_is_a_table_of_every_number(redesign):
    p = redesign.parameters()
    assert isinstance(p, pd.DataFrame)
    assert list(p.columns) == COLUMNS
    assert p.path.is_unique and len(p) > 200
    row = p.set_index("path").loc["hazards.not_known.referral.age_5_9"]
    assert row.kind == "rate_per_year" and (row.low, row.high) == (0.0, 120.0)
    assert row.value == redesign.to_dict()["hazards"]["not_known"]["referral"]["age_5_9"]
    assert not row.uncertain and row.distribution is None
    assert "Referred to social care" in row.description
    effect = p.set_index("path").loc["changes[2].set.early_help.effect_after_closure"]
    assert effect.uncertain and effect.may_be_uncertain
    assert effect.distribution == "lognormal(median=0.85, sigma=0.1)" and effect.value == pytest.approx(0.85)
    # Calibrated: the posterior median written, the posterior carried as a sample.
    calibrated = p.set_index("path").loc["changes[2].set.early_help.effect_on_care_entry"]
    assert calibrated.uncertain and calibrated.distribution == "sample(n=1000)" and calibrated.value == 0.80
    assert set(p.kind) <= {"rate_per_year", "multiplier", "probability", "share", "count", "months", "years",
                           "age", "pounds", "annual_rate", "posts", "caseload"}
    # The values are the scenario's own: each reads back through parameter().
    for path, value in p[["path", "value"]].sample(40, random_state=1).itertuples(index=False):
        assert redesign.parameter(path) == value


def test_with_parameters_sets_several_at_once(baseline):
    a, b = "population.localities[0].need.low", "population.localities[0].need.high"
    low, high = baseline.parameter(a), baseline.parameter(b)
    moved = baseline.with_parameters({a: low - 0.05, b: high + 0.05, "policy.early_help.places": np.int64(900)})
    assert moved.parameter(b) == pytest.approx(high + 0.05)
    assert moved.to_dict()["policy"]["early_help"]["places"] == 900
    assert baseline.parameter("policy.early_help.places") == 760, "the original is unchanged"
    with pytest.raises(carecast.ConfigError) as info:
        baseline.with_parameters({a: low - 0.05})
    assert info.value.path == "population.localities[0].need" and "sum to 1" in (info.value.allowed or "")


def test_a_distribution_set_to_a_number_is_fixed(baseline):
    path = "costs.placements.ifa.amount"
    assert baseline.parameters().set_index("path").loc[path].uncertain
    fixed = baseline.with_parameters({path: 900})
    assert not fixed.parameters().set_index("path").loc[path].uncertain
    assert fixed.to_dict()["costs"]["placements"]["ifa"]["amount"] == 900


@pytest.mark.parametrize("path, value, says", [
    ("hazards.sibling_group_entry", 1.4, "a probability in [0, 1]"),
    ("policy.early_help.effect_on_care_entry", 2000, "1,000"),
    ("policy.early_help.places", 10.5, "whole number"),
    ("policy.early_help.effect_on_care_entry", float("nan"), "0 to 1,000"),
])
def test_bad_values_name_the_path_and_the_range(baseline, path, value, says):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.with_parameters({path: value})
    assert info.value.path == path
    assert says in (info.value.allowed or ""), info.value.allowed


def test_unknown_paths_suggest_the_closest(baseline):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.parameter("policy.early_help.place")
    assert info.value.path == "policy.early_help.place"
    assert "policy.early_help.places" in (info.value.allowed or "")
    with pytest.raises(carecast.ConfigError) as info:
        baseline.with_parameters({"hazards.not_known.referal.age_0": 0.1})
    assert "hazards.not_known.referral.age_0" in (info.value.allowed or "")


@pytest.mark.parametrize("values, path", [
    ([("policy.early_help.places", 900)], "values"),
    ({1: 900}, "path"),
    ({"policy.early_help.places": "900"}, "policy.early_help.places"),
    ({"policy.early_help.places": True}, "policy.early_help.places"),
])
def test_bad_arguments_are_config_errors(baseline, values, path):
    with pytest.raises(carecast.ConfigError) as info:
        baseline.with_parameters(values)
    assert info.value.path == path


def test_parameter_draws_are_tidy_and_recorded_per_replication(redesign):
    r = redesign.run(replications=5, years=1, seed=7, progress=False)
    d = r.parameter_draws()
    assert list(d.columns) == ["replication", "parameter", "value"]
    params = redesign.parameters()
    uncertain = list(params.path[params.uncertain])
    assert len(d) == 5 * len(uncertain)
    # The distributions' draws in the table's order, then the carried sample's columns.
    sampled = list(redesign.sample.columns)
    assert list(d.parameter[:len(uncertain)]) == [p for p in uncertain if p not in sampled] + sampled
    assert list(d.replication.unique()) == [0, 1, 2, 3, 4]
    wide = d.pivot(index="replication", columns="parameter", values="value")
    bounds = params.set_index("path")
    for path in uncertain:
        column = wide[path]
        assert ((column >= bounds.loc[path, "low"]) & (column <= bounds.loc[path, "high"])).all(), path
        assert column.nunique() == 5, f"{path} is drawn afresh each replication"
    # The same seed draws the same values; a scenario sharing a distribution shares its draws.
    again = redesign.run(replications=5, years=1, seed=7, progress=False).parameter_draws()
    pd.testing.assert_frame_equal(d, again)


def test_no_rows_when_nothing_is_uncertain(baseline):
    p = baseline.parameters()
    fixed = baseline.with_parameters(dict(zip(p.path[p.uncertain], p.value[p.uncertain], strict=True)))
    assert not fixed.parameters().uncertain.any()
    d = fixed.run(replications=3, years=1, seed=1, progress=False).parameter_draws()
    assert list(d.columns) == ["replication", "parameter", "value"] and len(d) == 0


def test_the_run_used_the_recorded_draws(redesign):
    # Fixing every uncertain parameter at replication 2's draws reproduces replication 2.
    r = redesign.run(replications=3, years=1, seed=5, progress=False)
    d = r.parameter_draws()
    at_2 = d[d.replication == 2]
    fixed = redesign.with_parameters(dict(zip(at_2.parameter, at_2.value, strict=True)))
    again = fixed.run(replications=3, years=1, seed=5, progress=False)
    np.testing.assert_array_equal(r.array("lac_stock")[2], again.array("lac_stock")[2])
    np.testing.assert_array_equal(r.array("early_help_waiting")[2], again.array("early_help_waiting")[2])


def test_draws_of_a_replication_range_are_numbered_globally(redesign):
    whole = redesign.run(replications=4, years=1, seed=3, progress=False).parameter_draws()
    part = redesign.run(replications=range(2, 4), years=1, seed=3, progress=False).parameter_draws()
    assert sorted(part.replication.unique()) == [2, 3]
    pd.testing.assert_frame_equal(part.reset_index(drop=True),
                                  whole[whole.replication >= 2].reset_index(drop=True))


def test_open_ends_are_marked():
    p = carecast.Scenario.preset("wolverhampton-2015").parameters().set_index("path")
    gap = p.loc["population.sibling_gap_years"]
    assert gap["low"] == 0 and gap["low_open"] and not gap["high_open"]
    base = carecast.Scenario.preset("wolverhampton-2015")
    with pytest.raises(carecast.ConfigError):
        base.with_parameters({"population.sibling_gap_years": float(gap["low"])})
    closed = p[~p["low_open"] & np.isfinite(p["low"]) & (p["kind"] == "probability")].index[0]
    assert base.with_parameters({closed: float(p.loc[closed, "low"])}).parameter(closed) == p.loc[closed, "low"]


BANDS = ["age_0", "age_1_4", "age_5_9", "age_10_15", "age_16_17"]
DURATIONS = ["under_6_months", "months_6_to_24", "over_24_months"]
DESTINATIONS = ["home", "adoption", "special_guardianship", "other"]


def exit_table(cell):
    return {d: {b: {t: cell(d, b, t) for t in DURATIONS} for b in BANDS} for d in DESTINATIONS}


def test_an_exit_table_round_trips_and_lists_its_rows(baseline, tmp_path):
    gamma = {"dist": "gamma", "shape": 8.5, "scale": 0.05}
    table = exit_table(lambda d, b, t: gamma if (d, b, t) == ("home", "age_5_9", "over_24_months") else 0.1)
    s = carecast.Scenario.from_dict({**baseline.to_dict(), "hazards": {
        **baseline.to_dict()["hazards"],
        "looked_after": {**baseline.to_dict()["hazards"]["looked_after"], "exits": table}}})
    assert s.to_dict()["hazards"]["looked_after"]["exits"] == table
    text = s.to_toml()
    assert "[hazards.looked_after.exits.home.age_0]" in text
    (tmp_path / "s.toml").write_text(text)
    assert carecast.Scenario.from_file(tmp_path / "s.toml").to_dict() == s.to_dict()
    p = s.parameters()
    rows = p[p.path.str.startswith("hazards.looked_after.exits.")]
    assert len(rows) == 60
    assert rows.path.iloc[0] == "hazards.looked_after.exits.home.age_0.under_6_months"
    one = rows.set_index("path").loc["hazards.looked_after.exits.home.age_5_9.over_24_months"]
    assert one.uncertain and one.kind == "rate_per_year" and one.value == pytest.approx(8.5 * 0.05)
    assert "Five to nine" in one.description and "Over 24 months" in one.description
    # The draw is recorded per replication under the cell's path.
    d = s.run(replications=3, years=1, seed=2, progress=False).parameter_draws()
    cell = d[d.parameter == "hazards.looked_after.exits.home.age_5_9.over_24_months"]
    assert list(d.parameter[:1]) == list(cell.parameter[:1]), "the hazards come before the costs"
    assert len(cell) == 3 and cell.value.nunique() == 3


def test_a_bad_exit_table_names_the_cell(baseline):
    table = exit_table(lambda d, b, t: -1.0 if (d, b, t) == ("adoption", "age_1_4", "under_6_months") else 0.1)
    with pytest.raises(carecast.ConfigError) as e:
        baseline.updated({"hazards": {"looked_after": {"exits": table}}})
    assert e.value.path == "hazards.looked_after.exits.adoption.age_1_4.under_6_months"


def test_sources_come_from_the_files_comments_and_follow_overrides(tmp_path, redesign):
    p = redesign.parameters()
    assert p["source"].notna().mean() > 0.5, "most of the presets' parameters cite a source"
    assert redesign.source_of("population.under_18").startswith("sources §1")
    # A table's comment speaks for its fields; a value set from outside loses it.
    assert redesign.source_of("hazards.not_known.referral.age_5_9").startswith("Per child-year")
    changed = redesign.with_parameters({"hazards.not_known.referral.age_5_9": 0.03})
    assert changed.source_of("hazards.not_known.referral.age_5_9") is None
    assert changed.source_of("hazards.not_known.referral.age_0") is not None
    ours = tmp_path / "ours.toml"
    ours.write_text('base = "wolverhampton-2015"\nname = "ours"\n'
                    '[population]\nunder_18 = 60000   # ONS mid-2014 estimate\n')
    mine = carecast.Scenario.from_file(str(ours))
    assert mine.sources()["population.under_18"] == "ONS mid-2014 estimate"
    assert carecast.Scenario.from_dict(mine.to_dict()).sources() == {}
    with pytest.raises(carecast.ConfigError):
        mine.source_of(3)  # type: ignore[arg-type]
