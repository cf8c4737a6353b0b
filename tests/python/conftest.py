import pytest

import carecast


@pytest.fixture(scope="session")
def baseline() -> carecast.Scenario:
    return carecast.Scenario.preset("wolverhampton-2015")


@pytest.fixture(scope="session")
def small_results(baseline: carecast.Scenario) -> carecast.Results:
    return baseline.run(replications=6, years=2, seed=11, progress=False)
