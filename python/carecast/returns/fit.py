"""From returns to a scenario in one step: what ``carecast estimate``,
`carecast.Scenario.from_returns` and `carecast.backtest` share.

    >>> fitted = fit("ssda903/", "2024-03-31", population="population.csv")   # doctest: +SKIP
    >>> print(fitted.report())     # the load report, then what was estimated from what
    >>> fitted.scenario            # the Scenario; fitted.built.toml() comments every value
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import pandas as pd

from .. import Scenario, presets
from .._errors import ConfigError
from . import build as _build
from . import observed
from .clean import CleanReturns, clean
from .read import Returns, read_returns

if TYPE_CHECKING:
    from .cin.clean import CleanCin
    from .precare import CinLike, EarlyHelpLike

#: What the returns may be given as: a path (file or folder), several, the returns as read, or
#: as cleaned.
ReturnsLike = Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]], Returns, CleanReturns]


@dataclass
class Fitted:
    """A scenario estimated from returns, with the evidence: the cleaned returns it came from
    (``data``: ``data.report()`` is the load report) and the ``built`` scenario
    (``built.provenance``, ``built.report()``, ``built.toml()`` with every value commented)."""

    data: CleanReturns
    built: _build.Built
    #: The cleaned CIN census the pre-care side came from, if one was given.
    cin: CleanCin | None = None

    @property
    def scenario(self) -> Scenario:
        """The scenario."""
        return self.built.scenario

    def attention(self) -> list[str]:
        """Short lines a user should read before trusting the scenario: problems in the returns,
        what was left out, fits that missed their target, thin evidence (all also in
        `report`)."""
        cin = self.cin.attention() if self.cin is not None else []
        return self.data.attention() + cin + self.built.attention

    def report(self, fixes_file: str | None = None) -> str:
        """The load report, then what was estimated and from what (as ``carecast estimate``
        writes it beside the scenario); ``fixes_file``: where the report says the full list of
        records fixed or dropped is (`fixes_frame`)."""
        return load_report(self.data, self.cin, self.built, fixes_file)

    def fixes_frame(self) -> pd.DataFrame:
        """Every record fixed or dropped by a cleaning rule, SSDA903 and CIN census alike (see
        `fixes_frame`)."""
        return fixes_frame(self.data, self.cin)


#: The records fixed or dropped that a load report lists for each rule (the rest are counted).
FIX_EXAMPLES = 3


def fixes_frame(data: CleanReturns, cin: CleanCin | None) -> pd.DataFrame:
    """Every record fixed or dropped by a cleaning rule, with its reason: columns ``returns``
    (``SSDA903`` or ``CIN census``), ``rule``, ``file``, ``row`` (a spreadsheet row; in the CIN
    census, the child's position in the file), ``child``, ``action`` and ``reason``
    (``carecast estimate`` writes it as SCENARIO.fixes.csv)."""
    parts = [data.fixes_frame().assign(returns="SSDA903")]
    if cin is not None:
        parts.append(cin.fixes_frame().assign(returns="CIN census"))
    frame = pd.concat(parts, ignore_index=True)
    return frame[["returns", "rule", "file", "row", "child", "action", "reason"]]


def load_report(data: CleanReturns, cin: CleanCin | None, built: _build.Built, fixes_file: str | None = None) -> str:
    """The load report of the SSDA903 returns, then of the CIN census and early help records (if
    given), then what was estimated and from what, and the expected path of children in care;
    last, the first `FIX_EXAMPLES` records fixed or dropped by each rule, and where the full
    list is (``fixes_file``, else `fixes_frame`)."""
    parts = [data.report()]
    if cin is not None:
        parts.append(cin.report())
    if built.precare is not None and built.precare.early_help is not None:
        parts.append(built.precare.early_help.report())
    parts.append(built.report())
    from ..expected import report_lines

    parts.append(report_lines(built.scenario))
    fixes = fixes_frame(data, cin)
    if len(fixes):
        where = fixes_file if fixes_file is not None else "fixes_frame() of the fit (carecast.returns.fit)"
        lines = [f"Records fixed or dropped: {len(fixes):,} (the rules are above); the first {FIX_EXAMPLES} of each "
                 f"rule, and every one, with its file, row, child, rule and action, in {where}:"]  # fmt: skip
        for (returns, rule), group in fixes.groupby(["returns", "rule"], sort=False):
            lines.append(f"  {returns}, {rule}: {len(group):,}")
            row = "Child" if returns == "CIN census" else "row"
            lines += [f"    {f.file} ({row} {f.row}), child {f.child!r}: {f.action}"
                      for f in group.head(FIX_EXAMPLES).itertuples(index=False)]  # fmt: skip
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def as_clean(returns: ReturnsLike, until: dt.date | str | None = None) -> CleanReturns:
    """``returns`` read (if paths) and cleaned; with ``until``, as they stood at the end of that
    day (see `clean.cut`). Cleaned returns given with ``until`` are cleaned again from the
    returns they were read from."""
    if isinstance(returns, CleanReturns):
        if until is None:
            return returns
        if returns.source is None:
            raise ConfigError("these cleaned returns do not keep the returns they were read from, so they cannot be "
                              "cut at an earlier date; give the path of the returns instead",
                              path="returns", value="CleanReturns", allowed="a path, or returns.load(...)")  # fmt: skip
        return clean(returns.source, until)
    if isinstance(returns, Returns):
        return clean(returns, until)
    paths: Any = returns  # a path or several: read_returns says which it cannot read
    return clean(read_returns(paths), until)


def as_base(base: str | os.PathLike[str] | Scenario | None) -> Scenario:
    """The base scenario: a preset name, a scenario file, a `Scenario`, or None for the default
    preset."""
    if base is None:
        return Scenario.preset(presets()[0])
    if isinstance(base, Scenario):
        return base
    if isinstance(base, (str, os.PathLike)):
        return Scenario.load(base)
    allowed = "a preset name, a scenario file or a Scenario"
    raise ConfigError(f"base: got a {type(base).__name__}; allowed: {allowed}", path="base",
                      value=repr(base)[:60], allowed=allowed)  # fmt: skip


def as_population(
    population: str | os.PathLike[str] | Sequence[float] | pd.DataFrame | None,
) -> list[float] | pd.DataFrame | None:
    """Children by single year of age 0-17: a CSV file's table (`observed.read_population`:
    ``age``, ``children`` and optionally ``locality``), a table like it, 18 numbers, or None
    (the base's population, spread evenly)."""
    if population is None or isinstance(population, pd.DataFrame):
        return population
    if isinstance(population, (str, os.PathLike)):
        return observed.read_population(Path(population))
    if not isinstance(population, Iterable):
        allowed = "a CSV file of age, children or 18 numbers"
        raise ConfigError(f"population: got {population!r}; allowed: {allowed}", path="population",
                          value=repr(population)[:60], allowed=allowed)  # fmt: skip
    return list(population)  # entry_rates checks there are 18 numbers of children


def fit(
    returns: ReturnsLike,
    census_date: dt.date | str,
    window_months: int = 36,
    base: str | os.PathLike[str] | Scenario | None = None,
    population: str | os.PathLike[str] | Sequence[float] | pd.DataFrame | None = None,
    include_uasc: bool = False,
    until: dt.date | str | None = None,
    cin: CinLike | None = None,
    early_help: EarlyHelpLike | None = None,
    **build_kwargs: Any,
) -> Fitted:
    """Read (if given paths), clean and build: a scenario of the authority from ``census_date``
    (see `build.build`; ``build_kwargs`` go to it). With ``until``, only what the returns knew at
    the end of that day is used (a back-test passes its ``fit_to``). ``cin``: the CIN census (a
    path or several, or `carecast.returns.cin.read_cin` / `cin.load`), from which the pre-care
    side is built; ``early_help``: early help records (a CSV path, or
    `cin.early_help.read_early_help`), with ``cin`` only; both cut at ``until`` like the returns."""
    base_scenario = as_base(base)
    people = as_population(population)
    data = as_clean(returns, until)
    census_cin, records = None, None
    if early_help is not None and cin is None:
        raise ConfigError("early_help: early help records are used with the CIN census only; give cin too",
                          path="early_help", value=str(early_help)[:60], allowed="with cin")  # fmt: skip
    if cin is not None:
        from .precare import as_cin, as_early_help

        census_cin = as_cin(cin, until)
        records = as_early_help(early_help, until) if early_help is not None else None
        build_kwargs = {**build_kwargs, "cin": census_cin, "early_help": records}
    built = _build.build(data, census_date, base_scenario, population=people, window_months=window_months,
                         include_uasc=include_uasc, **build_kwargs)  # fmt: skip
    return Fitted(data, built, census_cin)
