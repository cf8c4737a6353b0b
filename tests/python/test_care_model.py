"""The model follows the data (issue 10, item 4): legal status and UASC of children in care in the
results, care levers targeted by placement, legal status and time in care, and clear errors for
bad targets."""

from __future__ import annotations

import numpy as np
import pytest

import carecast
from carecast import _core


def test_children_in_care_by_legal_status_add_up_to_the_stock() -> None:
    r = carecast.Scenario.preset("wolverhampton-2015").run(3, 1, seed=4, progress=False)
    by_status = r.in_care(by="legal_status")
    assert sorted(by_status["legal_status"].unique()) == sorted(_core.LEGAL_STATUSES)
    total = sum(r.array(f"legal_status_{s}") for s in _core.LEGAL_STATUSES)
    assert np.array_equal(total, r.array("lac_stock"))
    by_placement = r.in_care()
    assert set(by_placement["placement"]) == set(_core.PLACEMENTS)
    assert np.array_equal(r.array("uasc_in_care"), np.zeros((3, 12)))
    assert {"legal_status_section_20", "uasc_in_care"} <= set(r.indicator_names())
    with pytest.raises(carecast.ConfigError) as info:
        r.in_care(by="locality")
    assert info.value.path == "by"


def test_legal_status_and_uasc_come_from_the_starting_position() -> None:
    scenario = carecast.Scenario.preset("wolverhampton-2015")
    start = scenario.starting_position(seed=2)
    care = start.children_in_care
    assert care["uasc"].isna().all() and care["legal_status"].isna().all()
    care["legal_status"] = "placement_order"
    care["uasc"] = [i % 4 == 0 for i in range(len(care))]
    given = scenario.with_starting_position(start)
    assert given.starting_position().children_in_care["uasc"].sum() == (care["uasc"]).sum()
    r = given.run(2, 1, seed=2, progress=False)
    # Nobody enters on a placement order, and nobody enters as UASC: both only fall.
    for name in ("legal_status_placement_order", "uasc_in_care"):
        a = r.array(name)
        assert (np.diff(a, axis=1) <= 0).all() and a[:, 0].min() > 0
    assert r.array("uasc_in_care")[:, 0].max() <= care["uasc"].sum()


def test_a_lever_switched_on_by_a_change_with_a_target() -> None:
    base = carecast.Scenario.preset("wolverhampton-2015")
    target = {"legal_statuses": ["section_20"], "min_months_in_care": 0, "max_months_in_care": 24}
    changed = base.with_change("2016-04", {"placements": {"reunification_multiplier": 2.0,
                                                          "reunification_target": target,
                                                          "special_guardianship_multiplier": 1.5}})
    a = base.run(4, 2, seed=1, progress=False).array("lac_stock")
    b = changed.run(4, 2, seed=1, progress=False).array("lac_stock")
    # The same up to the change (common random numbers; the hazards are the same until then),
    # fewer in care after it.
    assert np.array_equal(a[:, :12], b[:, :12])
    assert b[:, -1].mean() < a[:, -1].mean()


@pytest.mark.parametrize(("placements", "path", "allowed"), [
    ({"reunification_target": {"placements": ["castle"]}}, "policy.placements.reunification_target.placements",
     "residential"),
    ({"step_down_target": {"legal_statuses": ["C2"]}}, "policy.placements.step_down_target.legal_statuses",
     "interim_care_order"),
    ({"special_guardianship_target": {"max_months_in_care": 0}},
     "policy.placements.special_guardianship_target.max_months_in_care", "1 to 1,200"),
    ({"step_down_multiplier": -2}, "policy.placements.step_down_multiplier", ""),
])
def test_bad_targets_are_config_errors_naming_the_path(placements: dict[str, object], path: str,
                                                       allowed: str) -> None:
    with pytest.raises(carecast.ConfigError) as info:
        carecast.Scenario.preset("wolverhampton-2015").updated({"policy": {"placements": placements}})
    assert info.value.path.startswith(path), info.value.path
    assert allowed in str(info.value)
