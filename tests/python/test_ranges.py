"""Runs over replication ranges: merging into one run, pickling, equality by value."""

import copy
import io
import pickle

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast import plots
from carecast.finance import Comparison

YEARS = 2
SEED = 8


@pytest.fixture(scope="module")
def redesign():
    return carecast.Scenario.preset("wolverhampton-2015-redesign")


def run(scenario, replications, threads=None):
    return scenario.run(replications, years=YEARS, seed=SEED, threads=threads, progress=False)


@pytest.fixture(scope="module")
def whole(redesign):
    return run(redesign, 5, threads=1)


@pytest.fixture(scope="module")
def merged(redesign):
    # Out of order, on two threads: the same results all the same.
    parts = [run(redesign, range(a, b), threads=2) for a, b in [(3, 5), (0, 1), (1, 3)]]
    return carecast.Results.merge(parts)


def test_merged_ranges_equal_one_run(whole, merged):
    assert merged == whole
    assert merged.replication_range == range(0, 5) and merged.first_replication == 0
    for name in ("lac_stock", "early_help_waiting", "population"):
        np.testing.assert_array_equal(merged.array(name), whole.array(name))
    for table in ("stocks", "flows", "queues", "caseloads"):
        a, b = getattr(merged._inner, table)(), getattr(whole._inner, table)()
        for stat in ("mean", "sd", "p5", "p50", "p95"):
            np.testing.assert_array_equal(a[stat], b[stat])
    pd.testing.assert_frame_equal(merged.stocks(by=["locality", "age_band"]), whole.stocks(by=["locality", "age_band"]))
    pd.testing.assert_frame_equal(merged.shares(), whole.shares())


def test_a_range_run_holds_the_replications_of_a_full_run(redesign, whole):
    part = run(redesign, range(2, 4))
    assert part.replication_range == range(2, 4) and part.replications == 2
    np.testing.assert_array_equal(part.array("lac_stock"), whole.array("lac_stock")[2:4])
    assert sorted(part.indicators(["lac_stock"])["replication"].unique()) == [2, 3]
    assert repr(part).startswith("Results(replications range(2, 4) x 24 months")
    assert part != whole


def test_results_pickle_to_equal_results(whole, redesign):
    data = pickle.dumps(whole)
    back = pickle.loads(data)
    assert back == whole and back is not whole
    assert copy.deepcopy(whole) == whole
    # Compact: a few hundred kilobytes for 5 replications of two years with their detail.
    assert len(data) < 1_000_000, len(data)
    part = pickle.loads(pickle.dumps(run(redesign, range(7, 9))))
    assert part.replication_range == range(7, 9)
    with pytest.raises(TypeError):
        hash(whole)


def test_equality_is_by_value(whole, redesign):
    assert whole == run(redesign, 5, threads=2)
    assert whole != run(redesign, 4)
    assert whole != redesign.run(5, years=YEARS, seed=SEED + 1, progress=False)
    assert (whole == "results") is False


def test_damaged_pickles_are_refused(whole):
    data = whole._inner.to_bytes()
    with pytest.raises(carecast.ConfigError, match="checksum"):
        carecast._results_from_bytes(data[:-1])
    with pytest.raises(carecast.ConfigError, match="not carecast results"):
        carecast._results_from_bytes(b"something else")


def test_costs_savings_and_plots_of_merged_and_unpickled_results(baseline, redesign):
    single = carecast.compare(baseline, redesign, replications=4, years=YEARS, seed=SEED, progress=False)

    def merged(scenario):
        return carecast.Results.merge([run(scenario, range(0, 1)), run(scenario, range(1, 4))])

    b, s = pickle.loads(pickle.dumps(merged(baseline))), merged(redesign)
    chunked = Comparison(baseline, redesign, b, s)
    for basis in ("nominal", "real", "discounted"):
        pd.testing.assert_frame_equal(chunked.savings(basis), single.savings(basis))
        pd.testing.assert_frame_equal(chunked.costs(basis), single.costs(basis))
    pd.testing.assert_frame_equal(chunked.summary(), single.summary())
    assert chunked.payback_month() == single.payback_month()
    for figure in (plots.fan_chart(b), plots.flows(b), plots.stocks_by_locality(b), plots.waiting_lists(b),
                   plots.compare_fans(b, s), plots.savings_by_year(chunked), plots.cumulative_savings(chunked),
                   plots.cost_breakdown(chunked)):
        assert figure.axes
        figure.savefig(io.BytesIO(), format="png")


@pytest.mark.parametrize("by", ["category_year", "locality_year", "category_locality_year", "category_month",
                                "avoidable_month", "new_spending_month"])
def test_costs_of_a_range_are_the_rows_of_the_whole_run(redesign, whole, by):
    part = run(redesign, range(3, 5))
    for basis in ("nominal", "discounted"):
        np.testing.assert_array_equal(part._inner.costs(redesign._inner, basis, by),
                                      whole._inner.costs(redesign._inner, basis, by)[3:5])


def test_cost_views_are_checked_by_name(redesign, whole):
    with pytest.raises(carecast.ConfigError, match="allowed: category_year, locality_year"):
        whole._inner.costs(redesign._inner, "real", "category")
    with pytest.raises(carecast.ConfigError, match="allowed: nominal, real, discounted"):
        whole._inner.costs(redesign._inner, "cash", "category_year")


@pytest.mark.parametrize("replications, words", [
    (range(0, 10, 2), "step 1"),
    (range(3, 3), "0 <= first < stop"),
    (range(5, 2), "0 <= first < stop"),
    (range(-1, 2), "0 <= first < stop"),
    (range(2**60, 2**60 + 1), "first at most"),
    ("3", "a whole number >= 1 or a range"),
    (0, "a whole number >= 1 or a range"),
])
def test_bad_replication_ranges_are_refused(baseline, replications, words):
    with pytest.raises(carecast.ConfigError, match=words) as info:
        baseline.run(replications, years=1, progress=False)
    assert info.value.path == "replications"


def test_too_many_replications_in_a_range_are_refused_by_the_core(baseline):
    with pytest.raises(carecast.ConfigError, match="1 to 1,000,000") as info:
        baseline.run(range(5, 2_000_006), years=1, progress=False)
    assert info.value.path == "replications"


def test_merging_refuses_mismatched_parts(baseline, redesign):
    a = run(baseline, range(0, 2))
    cases = [
        ([a, run(baseline, range(3, 4))], "replications", "gap"),
        ([a, run(baseline, range(1, 3))], "replications", "overlap"),
        ([a, run(redesign, range(2, 3))], "scenario", "the same scenario"),
        ([a, baseline.run(range(2, 3), years=YEARS, seed=SEED + 1, progress=False)], "seed", str(SEED)),
        ([a, baseline.run(range(2, 3), years=1, seed=SEED, progress=False)], "months", "24 months"),
        ([], "parts", "one or more"),
        ([a, "b"], "parts[1]", "must be Results"),
        (a, "parts", "a list of Results"),
    ]
    for parts, path, words in cases:
        with pytest.raises(carecast.ConfigError, match=words) as info:
            carecast.Results.merge(parts)
        assert info.value.path == path


def test_progress_counts_the_replications_of_the_range(baseline):
    seen = []
    baseline.run(range(10, 13), years=1, progress=lambda done, total: seen.append((done, total)))
    assert seen and all(total == 3 for _, total in seen) and seen[-1] == (3, 3)


def test_costs_refuse_results_of_another_scenario():
    base = carecast.Scenario.preset("wolverhampton-2015")
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    rb = base.run(replications=2, years=1, seed=3, progress=False)
    rr = redesign.run(replications=2, years=1, seed=3, progress=False)
    with pytest.raises(carecast.ConfigError, match="which these results were not run from"):
        Comparison(base, redesign, rr, rb)
    with pytest.raises(carecast.ConfigError, match="which these results were not run from"):
        Comparison(base, redesign, rb, rb)
    assert Comparison(base, redesign, rb, rr).financial_years
    assert "range(2, 4)" in repr(base.run(replications=range(2, 4), years=1, seed=3, progress=False))
