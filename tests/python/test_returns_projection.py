"""The proof of a scenario built from returns: fitted on synthetic returns up to a census date,
projected 1, 2 and 4 years, and compared with the truth's own stock on those dates.

The synthetic authority (carecast.returns.synthetic) is simulated to 2019; only its returns up
to 31 March 2015 are written and read. `returns.build.build` makes a scenario from them
(exits, entries band by band with their uncertainty, the need mix, re-entries, the placement
mix, and with a trend the trend), which is run for 60 replications over four years. The truth's
children in care (UASC apart, as the build leaves them out) on 31 March 2016, 2017 and 2019
are compared with the projection's interval, the 1st to 99th percentile across the 60
replications (numpy's interpolated percentiles, widened by nothing): in total and by age band,
and apart by placement type. Each case is held to one rule: at most `MISSES_ALLOWED` = 2 of its
18 figures (3 dates x the total and 5 bands, or 3 dates x 6 placement types) outside, each
listed. If the projection is right, a figure falls outside with probability about 4.7%, not 2%:
the 1st and 99th percentiles of 60 draws sit between the 1st and 2nd and the 59th and 60th
of them, so a 61st draw falls outside in about 2.6% + 2.6% of cases (4.65% in a simulation of
200,000 sets of 61 normal draws). Of 18 figures about 0.8 are then expected outside, and three
or more with probability about 5% (were they independent; the figures are correlated, dates
of one type most, which makes several misses at once more likely). Two cases: clean returns of
an authority with steady entries, and messy returns of one whose entries grow 6% a year
(fitted with ``trend=True``).

With the seeds fixed the test is deterministic. While it was written the same comparison was run
for five more seeds of the authority in each case: in total and by band, 9 of the 10 had at
most two of 18 outside (one growing case had four: its stock one year on was well above the
projection's interval). By placement, with the placement mixes drawn from their evidence, ten
seeds of each case (3, 5-13 steady; 4-13 growing): 19 of 20 held (steady seed 6 had four
outside, three of them kinship, whose true stock rose from 68 to 101 while the projection's
stayed near 71), 14 of the 360 figures outside (3.9%); with the mixes fixed, as before the
evidence, 2 of 20 failed and 22 figures (6.1%) fell outside.

Entries fitted by single year of age (issue 10; docs/returns.md, "The proof on synthetic
returns"): over the same twenty authorities, fitted by band alone 18 of 360 figures in total
and by band fell outside (5.0%), and 19 of 360 by placement (5.3%), 4 of 40 cases with more
than two outside; the stock aged 16-17 four years on ran 11.1 under the truth on average and
10-15 14.8 over. Fitted by single year of age (with the other changes of that work): 15 (4.2%)
and 16 (4.4%), 2 of 40 cases, 16-17 1.8 under and 10-15 7.4 over (standard errors 2.2 and 6.0).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

import carecast
from carecast import returns
from carecast.returns import build, synthetic
from carecast.returns.position import band_index

CENSUS = dt.date(2015, 3, 31)
#: Month index (from April 2015) of the end of March 2016, 2017 and 2019, and the dates.
CHECKS = ((11, dt.date(2016, 3, 31)), (23, dt.date(2017, 3, 31)), (47, dt.date(2019, 3, 31)))
REPLICATIONS = 60
LOW, HIGH = 1, 99
MISSES_ALLOWED = 2


@dataclasses.dataclass
class Projection:
    authority: synthetic.SyntheticAuthority
    built: build.Built
    total: npt.NDArray[np.float64]  # replications x months
    bands: npt.NDArray[np.float64]  # replications x bands x months
    placements: dict[str, npt.NDArray[np.float64]]  # placement -> replications x months


def _project(folder: Path, growth: float, messy: bool, seed: int) -> Projection:
    truth = synthetic.Truth(entry_trend=growth)
    authority = synthetic.generate(truth, first_year=2012, last_year=2019, seed=seed)
    # The returns up to the census date only: nothing after it is read.
    dataclasses.replace(authority, last_year=CENSUS.year).write(folder, synthetic.Mess() if messy else None)
    data = returns.load(folder)
    base = carecast.Scenario.preset("wolverhampton-2015")
    built = build.build(data, CENSUS, base, population=list(truth.population), replications=20, trend=growth != 0)
    scenario = built.scenario
    run = scenario.run(replications=REPLICATIONS, years=4, seed=11, progress=False)
    placements = {p: run.array(f"looked_after_{p}") for p in carecast._core.PLACEMENTS}
    # Stocks by age band per replication: a run of one replication at a time (its mean is that
    # replication's figure; replication k is the same alone or in a run of them all).
    bands = []
    for k in range(REPLICATIONS):
        one = scenario.run(replications=range(k, k + 1), years=4, seed=11, progress=False)
        frame = one.stocks(by=["state", "age_band"])
        frame = frame[frame["state"] == "looked_after"]
        bands.append([frame.loc[frame["age_band"] == b, "mean"].to_numpy(float) for b in carecast._core.AGE_BANDS])
    total = run.array("lac_stock")
    assert np.allclose(np.array(bands).sum(axis=1), total), "the runs of one replication are the run's"
    return Projection(authority, built, total, np.array(bands), placements)


def _misses(p: Projection, placements: bool = False) -> tuple[list[str], int]:
    """Every figure outside its interval, described, and how many figures were compared: the
    total and the age bands, or the placement types."""
    misses, compared = [], 0
    for month, day in CHECKS:
        truth = p.authority.in_care_on(day)
        truth = truth[~truth["uasc"]]
        by_band = truth["age"].map(band_index).value_counts()
        by_placement = truth["placement"].value_counts()
        bands = enumerate(carecast._core.AGE_BANDS)
        figures = [("total", len(truth), p.total[:, month])]
        figures += [(f"age {b}", by_band.get(i, 0), p.bands[:, i, month]) for i, b in bands]
        if placements:
            figures = [(pl, by_placement.get(pl, 0), a[:, month]) for pl, a in p.placements.items()]
        for name, observed, projected in figures:
            low, high = np.percentile(projected, [LOW, HIGH])
            compared += 1
            if not low <= observed <= high:
                misses.append(f"{day} {name}: truth {observed}, projection {projected.mean():.1f} "
                              f"[{low:.1f}, {high:.1f}]")  # fmt: skip
    return misses, compared


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Projection:
    return _project(tmp_path_factory.mktemp("steady"), growth=0.0, messy=False, seed=3)


@pytest.fixture(scope="module")
def growing(tmp_path_factory: pytest.TempPathFactory) -> Projection:
    return _project(tmp_path_factory.mktemp("growing"), growth=0.06, messy=True, seed=4)


def test_a_steady_authority_from_clean_returns_stays_within_the_projection(steady: Projection) -> None:
    misses, compared = _misses(steady)
    assert compared == 3 * (1 + 5)
    assert len(misses) <= MISSES_ALLOWED, "\n".join(misses)


def test_an_authority_growing_6_percent_a_year_from_messy_returns_stays_within_the_projection(
    growing: Projection,
) -> None:
    misses, _ = _misses(growing)
    assert len(misses) <= MISSES_ALLOWED, "\n".join(misses)
    assert "hazards.care_entry_trend" in growing.built.provenance


@pytest.mark.parametrize("case", ["steady", "growing"])
def test_the_stock_by_placement_stays_within_the_projection(case: str, request: pytest.FixtureRequest) -> None:
    # The same rule as in total and by band: at most 2 of the 18 figures outside. The mixes
    # carry their evidence, so each replication draws its own mix.
    projection: Projection = request.getfixturevalue(case)
    placements = projection.built.scenario.to_dict()["policy"]["placements"]
    assert placements["mix_under_10_evidence"] > 50 and placements["mix_10_plus_evidence"] > 50
    misses, compared = _misses(projection, placements=True)
    assert compared == 3 * 6
    assert len(misses) <= MISSES_ALLOWED, "\n".join(misses)


def test_the_fit_reaches_its_targets_and_writes_the_uncertainty(steady: Projection, growing: Projection) -> None:
    for p in (steady, growing):
        s = p.built.scenario.to_dict()["hazards"]
        for band in build.BANDS:
            scale = s["care_entry_scale"][band]
            assert scale["dist"] == "gamma"
            # The shape is the band's entries + 1/2: a relative spread of the entry count's.
            assert scale["shape"] > 10
            assert "fitted so that the model's first entries" in p.built.provenance[f"hazards.care_entry_scale.{band}"]
        assert not any(n.startswith("Entries: after") for n in p.built.notes), p.built.notes
        assert not any(n.startswith("Need mix: the model reaches") for n in p.built.notes), p.built.notes
    trend = growing.built.scenario.to_dict()["hazards"]["care_entry_trend"]
    assert trend["dist"] == "normal" and 0.0 < trend["mean"] < 0.2 and 0.0 < trend["sd"] < 0.1
    assert "care_entry_trend" not in steady.built.scenario.to_dict()["hazards"]
    assert any("not projected forward" in n for n in steady.built.notes)
