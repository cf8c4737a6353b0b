"""The starting position from Python: see it, edit it, build one, run from it."""

import pickle

import numpy as np
import pandas as pd
import pytest

import carecast


def test_the_drawn_position_has_the_scenarios_counts(baseline):
    initial = baseline.to_dict()["population"]["initial"]
    start = baseline.starting_position(seed=3, replication=2)
    assert len(start.children_in_care) == initial["looked_after"]
    assert start.children_in_care["age_months"].between(0, 215).all()
    assert (start.children_in_care["months_in_care"] <= start.children_in_care["age_months"]).all()
    assert set(start.children_in_care["placement"]) <= set(carecast._core.PLACEMENTS)
    home = start.children_at_home
    families = home.drop_duplicates("family")
    assert (families["case"] == "early_help").sum() == initial["early_help_families"]
    assert (families["case"] == "waiting").sum() == initial["waiting_families"]
    assert (home["case"] == "child_protection").sum() >= initial["child_protection"]
    # Drawn again, the same; another replication, another position.
    assert baseline.starting_position(seed=3, replication=2) == start
    assert baseline.starting_position(seed=3, replication=1) != start


def test_running_from_the_drawn_position_gives_the_same_numbers(baseline):
    start = baseline.starting_position(seed=5, replication=0)
    given = baseline.with_starting_position(start)
    assert given.starting_position(seed=99) == start, "a given position is the same for every replication"
    a = baseline.run(replications=1, years=2, seed=5, progress=False)
    b = given.run(replications=1, years=2, seed=5, progress=False)
    np.testing.assert_array_equal(a.array("lac_stock"), b.array("lac_stock"))
    np.testing.assert_array_equal(a.array("stock_child_protection"), b.array("stock_child_protection"))
    # It travels with the scenario: TOML, dict and pickle.
    assert carecast.Scenario.from_dict(given.to_dict()) == given
    assert pickle.loads(pickle.dumps(given)) == given
    assert "[[starting_position.children_in_care]]" in given.to_toml()
    assert baseline.with_starting_position(None) == baseline
    assert given.with_starting_position(None) == baseline


def test_a_position_built_by_hand_is_the_first_months_caseload(baseline):
    localities = baseline.to_dict()["population"]["localities"]
    care = pd.DataFrame({
        "family": ["a", "a", None],
        "age_months": [100, 150, 20],
        "placement": ["ifa", "residential", "kinship"],
        "months_in_care": [12, 12, 3],
        "legal_status": ["care_order", None, "section_20"],
        "locality": [localities[0]["name"], None, None],
    })
    home = pd.DataFrame({"family": ["b", "b", "c"], "case": ["child_protection", "child_protection", "waiting"],
                         "age_months": [10, 40, 70], "months_open": [2, 2, np.nan]})
    # Nothing happens in the first month but early help places being filled.
    zeros = dict.fromkeys(["age_0", "age_1_4", "age_5_9", "age_10_15", "age_16_17"], 0.0)
    contact = {"identification": zeros, "referral": zeros, "crisis_care_entry": zeros}
    quiet = baseline.updated({"population": {"move_away_rate": 0.0, "family_birth_rate": 0.0}, "hazards": {
        "not_known": contact, "previously_known": contact, "early_help": {"waiting_dropout": 0.0},
        "child_protection": {"close": 0.0, "step_up": 0.0, "step_down": 0.0, "close_to_early_help": 0.0,
                             "care_entry": zeros},
        "looked_after": {"return_home": {"under_6_months": 0.0, "months_6_to_24": 0.0, "over_24_months": 0.0},
                         "adoption_under_5": 0.0, "special_guardianship": 0.0, "other_exit": 0.0,
                         "placement_move": 0.0}}})
    scenario = quiet.with_starting_position(carecast.StartingPosition(care, home))
    results = scenario.run(replications=2, years=1, seed=1, progress=False)
    first = {name: results.array(name)[:, 0].tolist() for name in
             ["stock_looked_after", "looked_after_ifa", "looked_after_residential", "looked_after_kinship",
              "stock_child_protection", "stock_child_in_need"]}
    assert first == {"stock_looked_after": [3, 3], "looked_after_ifa": [1, 1], "looked_after_residential": [1, 1],
                     "looked_after_kinship": [1, 1], "stock_child_protection": [2, 2], "stock_child_in_need": [0, 0]}
    waiting_or_helped = results.array("stock_waiting_early_help") + results.array("stock_early_help")
    assert waiting_or_helped[:, 0].tolist() == [1, 1]
    seen = scenario.starting_position()
    assert list(seen.children_in_care["legal_status"].fillna("unknown")) == ["care_order", "unknown", "section_20"]
    assert seen.children_at_home["months_open"].isna().tolist() == [False, False, True]


def test_invalid_positions_name_the_row(baseline):
    start = baseline.starting_position(seed=1)
    care = start.children_in_care.copy()
    care.loc[4, "months_in_care"] = care.loc[4, "age_months"] + 1
    with pytest.raises(carecast.ConfigError) as e:
        baseline.with_starting_position(carecast.StartingPosition(care, start.children_at_home))
    assert e.value.path == "starting_position.children_in_care[4].months_in_care"
    care = start.children_in_care.copy()
    care.loc[0, "placement"] = "boarding_school"
    with pytest.raises(carecast.ConfigError) as e:
        baseline.with_starting_position(carecast.StartingPosition(care))
    assert e.value.path == "starting_position.children_in_care[0].placement"
    assert "in_house_foster" in (e.value.allowed or "")
    home = pd.DataFrame({"family": ["b", "b"], "case": ["waiting", "early_help"], "age_months": [10, 40]})
    with pytest.raises(carecast.ConfigError, match=r"children_at_home\[1\]\.case"):
        baseline.with_starting_position(carecast.StartingPosition(children_at_home=home))
    with pytest.raises(carecast.ConfigError, match="no column 'placement'"):
        carecast.StartingPosition(pd.DataFrame({"age_months": [3], "months_in_care": [1]}))
    with pytest.raises(carecast.ConfigError, match="whole number"):
        carecast.StartingPosition(pd.DataFrame({"age_months": [3.5], "placement": ["ifa"],
                                                "months_in_care": [1]})).to_dict()
    with pytest.raises(carecast.ConfigError):
        baseline.with_starting_position(42)  # type: ignore[arg-type]


def test_families_without_a_key_stay_whole_and_apart():
    d = {"children_in_care": [{"family": "home-1", "age_months": 30, "placement": "ifa", "months_in_care": 2}],
         "families_at_home": [{"case": "waiting", "children_age_months": [5, 9]},
                              {"case": "early_help", "children_age_months": [50, 60]}]}
    start = carecast.StartingPosition.from_dict(d)
    keys = start.children_at_home["family"].tolist()
    assert keys[0] == keys[1] != keys[2] == keys[3]
    assert "home-1" not in keys, "a made-up key never joins a family to a child in care"
    back = start.to_dict()
    assert [f["children_age_months"] for f in back["families_at_home"]] == [[5, 9], [50, 60]]


def test_numeric_family_keys_are_text():
    care = pd.DataFrame(
        {"family": [7, 7], "age_months": [40, 60], "placement": ["ifa", "ifa"], "months_in_care": [3, 3]}
    )
    base = carecast.Scenario.preset("wolverhampton-2015")
    scenario = base.with_starting_position(carecast.StartingPosition(care, None))
    assert scenario.starting_position().children_in_care["family"].tolist() == ["7", "7"]


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "message"),
    [
        ("children_at_home", 3, "case", "adopted", r"children_at_home\[3\]\.case: got 'adopted'; allowed: closed, "),
        ("children_at_home", 3, "age_months", 300, r"children_at_home\[3\]\.age_months: got 300; allowed: 0 to 215"),
        ("children_in_care", 2, "placement", "boarding_school", r"children_in_care\[2\]\.placement: got 'boarding"),
        ("children_in_care", 2, "legal_status", "remand", r"children_in_care\[2\]\.legal_status: got 'remand'"),
    ],
)
def test_bad_edits_name_the_row_the_user_edited(table, row, column, value, message):
    base = carecast.Scenario.preset("wolverhampton-2015")
    start = base.starting_position(seed=1)
    getattr(start, table).loc[row, column] = value
    with pytest.raises(carecast.ConfigError, match=message):
        base.with_starting_position(start)


def test_children_gone_home_from_care_round_trip_through_toml(tmp_path):
    base = carecast.Scenario.preset("wolverhampton-2015")
    home = pd.DataFrame({"family": ["a", "a", None], "case": ["child_in_need", "child_in_need", "closed"],
                         "age_months": [30, 100, 50], "months_since_returned_home": [None, 5, 7],
                         "previous_episodes": [None, 2, None]})  # fmt: skip
    scenario = base.with_starting_position(carecast.StartingPosition(children_at_home=home))
    families = scenario.starting_position().to_dict()["families_at_home"]
    assert [f.get("returned_home") for f in families] == [
        [{"child": 1, "months_since": 5, "previous_episodes": 2}],
        [{"child": 0, "months_since": 7}],
    ]
    path = tmp_path / "gone_home.toml"
    path.write_text(scenario.to_toml())
    again = carecast.Scenario.from_file(path).starting_position().children_at_home
    assert again["months_since_returned_home"].tolist()[1:] == [5, 7] and pd.isna(again.loc[0, "previous_episodes"])
    assert again.loc[1, "previous_episodes"] == 2
    # Earlier periods only for a child that went home; months since going home at most its age.
    bad = home.assign(previous_episodes=[1, 2, None])
    with pytest.raises(carecast.ConfigError, match=r"children_at_home\[0\]\.previous_episodes"):
        base.with_starting_position(carecast.StartingPosition(children_at_home=bad))
    bad = home.assign(months_since_returned_home=[None, 101, 7])
    with pytest.raises(carecast.ConfigError, match=r"families_at_home\[0\]\.returned_home\[0\]\.months_since"):
        base.with_starting_position(carecast.StartingPosition(children_at_home=bad))
