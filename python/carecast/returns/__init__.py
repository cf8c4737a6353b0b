"""A council's own SSDA903 returns: read them, clean them by the sector's named rules, see who
was in care on any date, and estimate rates with their uncertainty.

    >>> from carecast import returns
    >>> data = returns.load("path/to/ssda903")          # doctest: +SKIP
    >>> print(data.report())                            # doctest: +SKIP
    >>> returns.in_care_on(data, "2016-03-31")          # doctest: +SKIP
    >>> start = returns.starting_position(data, "2016-03-31")   # doctest: +SKIP
    >>> scenario.with_starting_position(start).run(...)         # doctest: +SKIP

`fit.fit` reads, cleans and builds a scenario in one step (`carecast.Scenario.from_returns`
returns its scenario); `backtest` compares a projection fitted on the returns up to one date
with what they show happened afterwards (`carecast.backtest`).

`synthetic` makes returns with a known truth, clean or messy, for tests and examples.

`cin` reads the CIN census (referrals, assessments, section 47 enquiries, child in need and
child protection plans) and early help files, and measures what the pre-care side is fitted to.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from . import backtest, build, cin, codes, estimate, fit, observed, synthetic
from ._report import Fix, Problem
from .clean import RULES, CleanReturns, clean
from .position import in_care_on, starting_position
from .read import Returns, read_returns

__all__ = [
    "RULES",
    "CleanReturns",
    "Fix",
    "Problem",
    "Returns",
    "backtest",
    "build",
    "cin",
    "clean",
    "codes",
    "estimate",
    "fit",
    "in_care_on",
    "load",
    "observed",
    "read_returns",
    "starting_position",
    "synthetic",
]


def load(paths: str | Path | Iterable[str | Path], year: int | None = None) -> CleanReturns:
    """Read the returns in ``paths`` (see `read_returns`) and clean them (see `clean`)."""
    return clean(read_returns(paths, year))
