"""The expected-value projection of a scenario: the mean path, computed directly.

:meth:`carecast.Scenario.expected` returns an :class:`ExpectedPath`: the expected value of
every monthly output the Monte Carlo engine records, under the same names, computed by a cohort
recursion over the model's states, age and time in state, with no random numbers. With ages by
month and nothing merged (Rust's ``project_exact``) it is exact (the Monte Carlo means converge
to it) for families of one child with fixed parameters and places that never bind; for speed
it holds ages in windows of single years and merges rows of under 0.03 children (children
in care and entries within about 0.6% of the exact path on the presets); elsewhere it
approximates (parameters at their means, families as independent children, capacity as a
fluid queue): ``docs/expected.md`` states how, and measures the differences.

>>> import carecast
>>> e = carecast.Scenario.preset("wolverhampton-2015").expected(years=1)
>>> list(e.data.columns)
['month', 'measure', 'value']
>>> e.value("lac_stock").shape
(12,)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _core, _in_care_series
from ._errors import ConfigError

if TYPE_CHECKING:
    from . import Scenario

__all__ = ["ExpectedPath", "expected"]

HEADLINES = ("lac_stock", "lac_entries", "lac_rate_per_10k", "early_help_waiting")


class ExpectedPath:
    """The expected path of a scenario: one value per measure and month.

    ``data`` is the tidy table (``month``, ``measure``, ``value``) of every indicator
    :meth:`carecast.Results.indicator_names` lists; the helpers mirror :class:`carecast.Results`
    where that is natural, with a ``value`` column where ``Results`` has ``mean`` and
    percentiles. Months are labelled by their last day, as in ``Results``.
    """

    __slots__ = ("_flows", "_indicators", "_localities", "_months", "_stocks", "initial_lac", "scenario_name")

    def __init__(self, raw: dict[str, Any], scenario_name: str) -> None:
        self._months = pd.date_range(pd.Period(raw["start"], freq="M").to_timestamp(how="end").normalize(),
                                     periods=raw["months"], freq="ME")
        self._localities: list[str] = list(raw["localities"])
        self._indicators: dict[str, npt.NDArray[np.float64]] = dict(raw["indicators"])
        self._flows: npt.NDArray[np.float64] = raw["flows"]
        self._stocks: npt.NDArray[np.float64] = raw["stocks"]
        #: Children looked after on the start date.
        self.initial_lac: float = float(raw["initial_lac"])
        #: The name of the scenario projected.
        self.scenario_name = scenario_name

    @property
    def months(self) -> pd.DatetimeIndex:
        """The projected months (their last days)."""
        return self._months

    @property
    def localities(self) -> list[str]:
        """Locality names."""
        return list(self._localities)

    @staticmethod
    def indicator_names() -> list[str]:
        """Every measure name (the names :meth:`carecast.Results.array` accepts)."""
        return list(_core.RunResults.indicator_names())

    def value(self, name: str) -> npt.NDArray[np.float64]:
        """The expected value of indicator ``name`` by month."""
        if name not in self._indicators:
            raise ConfigError(f"unknown indicator {name!r}", path="name", value=repr(name),
                              allowed="one of ExpectedPath.indicator_names()")
        return np.asarray(self._indicators[name], dtype=np.float64)

    @property
    def data(self) -> pd.DataFrame:
        """Every indicator by month, in long form: ``month``, ``measure``, ``value``."""
        return self.indicators(self.indicator_names())

    def indicators(self, names: Iterable[str] = HEADLINES) -> pd.DataFrame:
        """The indicators ``names`` by month, in long form: ``month``, ``measure``, ``value``."""
        frames = [pd.DataFrame({"month": self._months, "measure": name, "value": self.value(name)})
                  for name in names]
        return pd.concat(frames, ignore_index=True)

    def summary(self, names: Iterable[str] = HEADLINES) -> pd.DataFrame:
        """As :meth:`carecast.Results.summary`, with the expected value in ``value``:
        ``indicator``, ``month``, ``value``."""
        return self.indicators(names).rename(columns={"measure": "indicator"})[["indicator", "month", "value"]]

    def by_year(self, name: str = "lac_stock") -> pd.DataFrame:
        """Indicator ``name`` at the end of each 12 months from the start (``year`` 1, 2, ...)
        and the month it is read in; flows are summed over the 12 months."""
        values = self.value(name)
        stock = name in _STOCK_LIKE or name.startswith(("stock_", "looked_after_", "legal_status_"))
        rows = []
        for y in range(len(values) // 12):
            span = values[12 * y:12 * (y + 1)]
            rows.append({"year": y + 1, "month": self._months[12 * y + 11],
                         "value": float(span[-1] if stock else span.sum())})
        return pd.DataFrame(rows)

    def in_care(self, by: str = "placement") -> pd.DataFrame:
        """Children looked after at the end of each month by ``placement`` or ``legal_status``:
        ``<by>``, ``month``, ``value``."""
        prefix, labels = _in_care_series(by)
        return pd.concat([pd.DataFrame({by: label, "month": self._months, "value": self.value(prefix + label)})
                          for label in labels], ignore_index=True)

    def stocks(self, by: Sequence[str] = ("state",)) -> pd.DataFrame:
        """Children by month and by any of ``state``, ``age_band``, ``locality``, in a ``value``
        column. Localities are the projection's split of each need level by population
        (``docs/expected.md``)."""
        dims = ("state", "age_band", "locality")
        by = list(by)
        if not set(by) <= set(dims) or len(set(by)) != len(by):
            raise ConfigError(f"by must name some of {dims} once each, got {by}",
                              path="by", value=repr(by), allowed=f"a subset of {dims}")
        labels = {"state": _core.STATES, "age_band": _core.AGE_BANDS, "locality": self._localities}
        keep = [dims.index(d) for d in by]
        drop = tuple(i for i in range(3) if i not in keep)
        a = self._stocks.sum(axis=drop) if drop else self._stocks
        order = sorted(range(len(keep)), key=lambda i: keep[i])
        a = np.transpose(a, [*(order.index(i) for i in range(len(keep))), len(keep)])
        index = pd.MultiIndex.from_product([labels[d] for d in by] + [self._months], names=[*by, "month"])
        return pd.DataFrame({"value": a.ravel()}, index=index).reset_index()

    def flows(self, by: Sequence[str] = ("move",)) -> pd.DataFrame:
        """Expected children moving per month, by ``move`` (or in total with ``by=[]``)."""
        by = list(by)
        if by not in (["move"], []):
            raise ConfigError(f"flows can be broken down by ['move'] or [], got {by}",
                              path="by", value=repr(by), allowed="['move'] or []")
        if not by:
            return pd.DataFrame({"month": self._months, "value": self._flows.sum(axis=0)})
        index = pd.MultiIndex.from_product([list(_core.MOVES), self._months], names=["move", "month"])
        return pd.DataFrame({"value": self._flows.ravel()}, index=index).reset_index()

    def __repr__(self) -> str:
        return (f"ExpectedPath({self.scenario_name!r}, {len(self._months)} months from "
                f"{self._months[0]:%Y-%m})")


#: End-of-month counts (read at the end of a year, not summed over it).
_STOCK_LIKE = frozenset({"lac_stock", "lac_rate_per_10k", "population", "uasc_in_care", "early_help_waiting",
                         "early_help_families", "intensive_support_cases"})


def report_lines(scenario: Scenario, years: int = 3) -> str:
    """A short expected path of children in care by year, for a load report."""
    path = expected(scenario, years)
    lines = [f"Expected path (computed directly, docs/expected.md): children in care, {path.initial_lac:,.0f} at the "
             "start"]
    for row in path.by_year("lac_stock").itertuples(index=False):
        lines.append(f"  year {row.year} (to {row.month:%Y-%m-%d}): {row.value:,.0f}")
    return "\n".join(lines)


def expected(scenario: Scenario, years: int = 10) -> ExpectedPath:
    """The expected path of ``scenario`` over ``years`` years (see :meth:`Scenario.expected`)."""
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or not 1 <= int(years) <= 100:
        raise ConfigError(f"years must be a whole number from 1 to 100, got {years!r}", path="years",
                          value=repr(years), allowed="a whole number from 1 to 100")
    raw = _core.expected(scenario._inner, int(years) * 12)
    return ExpectedPath(raw, scenario.name)
