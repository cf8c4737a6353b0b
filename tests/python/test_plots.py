"""Charts: each function returns a titled figure with labelled axes that renders."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

import carecast
import carecast.plots as cp


@pytest.fixture(scope="module")
def comparison():
    base = carecast.Scenario.preset("wolverhampton-2015")
    red = carecast.Scenario.preset("wolverhampton-2015-redesign")
    return carecast.compare(base, red, replications=10, years=2, seed=3, progress=False)


def charts(c):
    r = c.scenario_results
    return {
        "fan_chart": cp.fan_chart(r),
        "compare_fans": cp.compare_fans(c.baseline_results, r),
        "flows": cp.flows(r),
        "stocks_by_locality": cp.stocks_by_locality(r),
        "waiting_lists": cp.waiting_lists(r),
        "savings_by_year": cp.savings_by_year(c),
        "cumulative_savings": cp.cumulative_savings(c),
        "cost_breakdown": cp.cost_breakdown(c),
        "difference_fan": cp.difference_fan(c),
        "net_savings_fan": cp.difference_fan(c, "net_savings"),
    }


def test_every_chart_is_titled_labelled_and_renders(comparison):
    for name, fig in charts(comparison).items():
        assert isinstance(fig, Figure), name
        for ax in fig.axes:
            assert ax.get_title(), f"{name}: an axes without a title"
            assert ax.get_xlabel() or ax.get_xticklabels(), name
            assert ax.get_ylabel() or name == "flows", f"{name}: no y label"
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=50)
        assert buf.tell() > 5000, f"{name}: an empty picture"


def test_flows_leave_out_births_and_18th_birthdays(comparison):
    fig = cp.flows(comparison.scenario_results)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "birth" not in labels and "turned eighteen" not in labels
    assert "early help start" in labels


def test_units_follow_the_basis(comparison):
    assert "cash" in cp.savings_by_year(comparison, "nominal").axes[0].get_ylabel()
    assert "2015/16 prices" in cp.savings_by_year(comparison, "real").axes[0].get_ylabel()


def test_cost_breakdown_has_at_most_eight_groups_in_their_lines_colours(comparison):
    from carecast.labels import colour

    groups = cp.cost_groups(comparison)
    assert 3 <= groups.shape[1] <= 8 and "placements" in groups.columns
    # Grouping moves money between categories, never in or out of the total.
    costs = comparison.costs("real")
    total = costs[(costs.run == "baseline") & (costs.financial_year == "2015/16")]["mean"].sum() / 1e6
    assert groups.loc[("baseline", "2015/16")].sum() == pytest.approx(total, abs=0.011 * groups.shape[1])
    assert len(cp.cost_groups(comparison, most=3).columns) == 3
    assert list(cp.cost_groups(comparison, most=3).columns)[-1] == "other"
    ax = cp.cost_breakdown(comparison).axes[0]
    legend = {t.get_text(): h.get_facecolor() for t, h in zip(ax.get_legend().get_texts(),
                                                              ax.get_legend().legend_handles, strict=True)}
    assert len(legend) <= 8 and not [name for name in legend if "_" in name]
    from matplotlib.colors import to_rgba
    assert legend["placements"] == pytest.approx(to_rgba(colour("placements avoided")))


def test_difference_fan_is_the_paired_difference(comparison):
    fig = cp.difference_fan(comparison)
    median = fig.axes[0].get_lines()[0].get_ydata()
    diff = comparison.baseline_results.array("lac_stock") - comparison.scenario_results.array("lac_stock")
    np.testing.assert_allclose(median, np.percentile(diff, 50, axis=0))
    with pytest.raises(ValueError, match="measure must be"):
        cp.difference_fan(comparison, "lac_stock")


def test_reported_figures_are_marked_where_the_chart_shows_them(comparison):
    reported = comparison.scenario.reported()
    assert set(reported.measure) == {"children_in_care", "savings"}
    fig = cp.compare_fans(comparison.baseline_results, comparison.scenario_results, reported=comparison.scenario)
    points = [c for c in fig.axes[0].collections if c.get_label().startswith("reported")]
    # Two years from April 2015: October 2015 and March 2017 are both within the chart.
    assert len(points) == 1 and len(points[0].get_offsets()) == 2
    assert sorted(points[0].get_offsets()[:, 1]) == [626.0, 712.0]
    bars = cp.savings_by_year(comparison)
    marks = [c for c in bars.axes[0].collections if c.get_label().startswith("reported")]
    assert len(marks) == 1 and sorted(marks[0].get_offsets()[:, 1]) == [5.8, 6.4]
    # Nothing reported for the baseline: nothing marked.
    plain = cp.fan_chart(comparison.baseline_results, reported=comparison.baseline)
    assert not [c for c in plain.axes[0].collections if c.get_label().startswith("reported")]
