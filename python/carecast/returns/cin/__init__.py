"""The CIN census (children in need: referrals, assessments, section 47 enquiries, child in need
and child protection plans) and early help counts: read them, clean them by named rules, and
measure what the pre-care side of the model is fitted to.

    >>> from carecast.returns import cin
    >>> data = cin.load("path/to/cin_census")            # doctest: +SKIP
    >>> print(data.report())                             # doctest: +SKIP
    >>> window = cin.Window.ending("2024-03-31", months=36)
    >>> cin.measures.flows(data, window, population=[...], by="band")   # doctest: +SKIP
    >>> eh = cin.early_help.read_early_help("early_help.csv")          # doctest: +SKIP

`synthetic` makes CIN census returns and early help files with a known truth, for tests and
examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..estimate import Window
from . import early_help, measures, synthetic, targets
from .clean import RULES, CleanCin, clean_cin
from .read import CinProblem, CinReturns, read_cin

__all__ = [
    "RULES",
    "CinProblem",
    "CinReturns",
    "CleanCin",
    "Window",
    "clean_cin",
    "early_help",
    "load",
    "measures",
    "read_cin",
    "synthetic",
    "targets",
]


def load(paths: str | Path | Iterable[str | Path], year: int | None = None) -> CleanCin:
    """Read the CIN census returns in ``paths`` (see `read_cin`) and clean them (see `clean_cin`)."""
    return clean_cin(read_cin(paths, year))
