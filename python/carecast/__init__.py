"""carecast: Monte Carlo models of demand and savings in children's services.

>>> import carecast
>>> "wolverhampton-2015" in carecast.presets()
True
>>> scenario = carecast.Scenario.preset("wolverhampton-2015")
>>> results = scenario.run(replications=4, years=1, seed=1, progress=False)
>>> results.array("lac_stock").shape
(4, 12)
"""

from __future__ import annotations

import json
import math
import numbers
import operator
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _core
from ._errors import CarecastError, ConfigError, ResourceError, ReturnsError, ScenarioFileError

__all__ = [
    "HEADLINE_INDICATORS",
    "SHARES",
    "CarecastError",
    "Comparison",
    "ConfigError",
    "ResourceError",
    "Results",
    "ReturnsError",
    "Scenario",
    "ScenarioFileError",
    "compare",
    "presets",
]
__version__: str = _core.__version__

#: Monthly headline indicators, per replication.
HEADLINE_INDICATORS = ("lac_stock", "lac_entries", "lac_rate_per_10k", "early_help_waiting")
#: Shares reported over the first 12 months and per financial year.
SHARES = (
    "share_entries_not_previously_known",
    "share_entries_aged_5_plus",
    "share_entries_abuse_neglect",
    "share_early_help_starts_over_fives",
)

Progress = bool | Callable[[int, int], object] | None


def presets() -> list[str]:
    """Names of the embedded presets; the first is the default.

    >>> carecast.presets()[0]
    'wolverhampton-2015'
    """
    return list(_core.presets())


class Scenario:
    """An authority and a policy timeline, validated on construction.

    Build one from a preset, a file or a dict; derive variants with :meth:`updated`.

    >>> base = carecast.Scenario.preset("wolverhampton-2015")
    >>> more = base.updated({"policy": {"early_help": {"places": 900}}})
    >>> more.to_dict()["policy"]["early_help"]["places"]
    900
    """

    __slots__ = ("_inner",)

    def __init__(self, inner: _core.Scenario) -> None:
        self._inner = inner

    @classmethod
    def preset(cls, name: str) -> Scenario:
        """The embedded preset ``name`` (see :func:`presets`)."""
        return cls(_core.Scenario.preset(name))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a ``.toml`` or ``.json`` scenario file."""
        return cls(_core.Scenario.from_file(os.fspath(path)))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scenario:
        """Build a scenario from a nested dict (the same fields as a scenario file).

        ``{"base": "wolverhampton-2015", ...}`` starts from a preset.
        """
        if not isinstance(d, Mapping):
            raise ConfigError(f"a scenario must be a dict of fields, got {type(d).__name__}",
                              path="scenario", value=type(d).__name__, allowed="a dict of fields")
        return cls(_core.Scenario.from_json(_to_json(d), "dict"))

    @classmethod
    def load(cls, preset_or_path: str | os.PathLike[str]) -> Scenario:
        """A preset by name, or a scenario file by path."""
        text = os.fspath(preset_or_path)
        if text in presets():
            return cls.preset(text)
        if os.path.exists(text) or text.endswith((".toml", ".json")):
            return cls.from_file(text)
        raise ConfigError(
            f"`{text}` is neither a preset ({', '.join(presets())}) nor an existing scenario file",
            path="scenario", value=text, allowed="a preset name or a .toml/.json file",
        )

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a nested dict that :meth:`from_dict` reads back."""
        result: dict[str, Any] = json.loads(self._inner.to_json())
        return result

    def to_toml(self) -> str:
        """The scenario as TOML text, fully resolved."""
        return self._inner.to_toml()

    def updated(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with ``overrides`` deep-merged over this one, validated.

        Dicts merge key by key; anything else, **lists included, is replaced whole**. So
        ``updated({"changes": [...]})`` replaces every dated policy change the scenario had (the
        redesign preset's three programme changes would be gone): to add a change and keep the
        others, use :meth:`with_change`.
        """
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"overrides must be a dict, got {type(overrides).__name__}",
                              path="overrides", value=type(overrides).__name__, allowed="a dict of fields")
        return Scenario(self._inner.updated_json(_to_json(overrides)))

    def with_change(self, from_: str, set: Mapping[str, Any], note: str | None = None) -> Scenario:
        """A new scenario with one more dated policy change, keeping the existing ones.

        ``set`` (a partial policy, as in a scenario file's ``[[changes]]``) applies from month
        ``from_`` (``"YYYY-MM"``). The change is placed in calendar order; if a change already
        starts that month, ``set`` is merged over it.

        >>> redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
        >>> more = redesign.with_change("2017-04", {"early_help": {"places": 1000}}, note="more places")
        >>> len(more.to_dict()["changes"]) - len(redesign.to_dict()["changes"])
        1
        """
        if not isinstance(from_, str):
            raise ConfigError(f"from_ must be a month written YYYY-MM, got {from_!r}",
                              path="from", value=repr(from_), allowed="a month, YYYY-MM")
        if not isinstance(set, Mapping):
            raise ConfigError(f"set must be a dict of policy fields, got {type(set).__name__}",
                              path="set", value=repr(set), allowed="a dict of policy fields")
        if note is not None and not isinstance(note, str):
            raise ConfigError(f"note must be text, got {note!r}", path="note", value=repr(note), allowed="text or None")
        return Scenario(self._inner.with_change(from_, _to_json(set, "set"), note or ""))

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._inner.name

    @property
    def authority(self) -> str:
        """The authority it describes (only scenarios of one authority can be compared)."""
        return self._inner.authority

    def run(
        self,
        replications: SupportsIndex = 100,
        years: SupportsIndex = 10,
        seed: SupportsIndex = 20150401,
        threads: SupportsIndex | None = None,
        progress: Progress = None,
    ) -> Results:
        """Run the Monte Carlo model.

        The same ``seed`` gives the same numbers whatever ``threads`` is. ``progress``: ``None``
        shows a progress bar if the run takes more than a second, ``True`` always, ``False``
        never, or a callable ``progress(done, total)``. Ctrl-C stops the run with
        ``KeyboardInterrupt``; the GIL is released while it runs.
        """
        n = _whole("replications", replications, 1, _USIZE_MAX)
        y = _whole("years", years, 1, _MAX_YEARS)
        s = _whole("seed", seed, 0, _U64_MAX)
        t = None if threads is None else _whole("threads", threads, 1, _USIZE_MAX, "or None")
        callback, bar = _progress_callback(progress, n)
        try:
            inner = self._inner.run(n, y, s, t, callback)
        finally:
            if bar is not None:
                bar.close()
        return Results(inner)

    def __eq__(self, other: object) -> bool:
        """Scenarios are equal when every field is."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking value: no hashing by fields

    def __reduce__(self) -> tuple[Callable[[str], Scenario], tuple[str]]:
        """Pickle as the scenario's JSON text, so a scenario can be sent to another process."""
        return (_scenario_from_json, (self._inner.to_json(),))

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, authority={self.authority!r})"


_U64_MAX = 2**64 - 1
_USIZE_MAX = 2 * sys.maxsize + 1
#: The longest run the engine takes (1,200 months).
_MAX_YEARS = 100
#: Deepest nesting of a scenario dict (the real ones are 5 levels deep).
_MAX_DEPTH = 64


def _whole(name: str, value: object, low: int, high: int, also: str = "") -> int:
    """``value`` as an int if it is a whole number (an ``int``, ``np.int64``, anything with
    ``__index__`` but a bool) from ``low`` to ``high``; otherwise a :class:`ConfigError`."""
    allowed = f"a whole number >= {low}" + (f" {also}" if also else "")
    number: int | None = None
    if not isinstance(value, (bool, np.bool_)):
        try:
            number = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    if number is None or number < low:
        raise ConfigError(f"{name} must be {allowed}, got {_short(value)}", path=name, value=_short(value),
                          allowed=allowed)
    if number > high:
        allowed = f"a whole number from {low} to {high}"
        raise ConfigError(f"{name} must be {allowed}, got {_short(number)}", path=name, value=_short(number),
                          allowed=allowed)
    return number


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + "..." + text[-10:]


def _scenario_from_json(text: str) -> Scenario:
    """Rebuild a pickled scenario."""
    return Scenario(_core.Scenario.from_json(text, "pickle"))


def _to_json(d: Mapping[str, Any], prefix: str = "") -> str:
    """A scenario dict as JSON text, checked first so that every error names its field
    (``prefix`` is the path of ``d`` itself, if it is part of a scenario)."""
    return json.dumps(_plain(d, prefix, 0), allow_nan=False)


def _plain(value: Any, path: str, depth: int) -> Any:
    """``value`` as plain JSON data: finite numbers, whole numbers that fit 64 bits, text keys,
    at most ``_MAX_DEPTH`` levels. NumPy scalars and arrays become numbers and lists."""
    where = path or "the scenario"
    if depth > _MAX_DEPTH:
        raise ConfigError(f"{where}: nested too deeply (more than {_MAX_DEPTH} levels)", path=path,
                          value="a dict or list", allowed=f"at most {_MAX_DEPTH} levels of nesting")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        whole = int(value)
        if -(2**63) <= whole <= _U64_MAX:
            return whole
        # Beyond 64 bits: as a float, so that the field's own range check answers (a count and a
        # multiplier have different limits); only a number beyond any float is refused here.
        try:
            return float(whole)
        except OverflowError:
            raise ConfigError(f"{where}: the whole number {_short(whole)} is too large", path=path,
                              value=_short(whole), allowed="a number below about 1.8e308") from None
    if isinstance(value, numbers.Real):
        real = float(value)
        if not math.isfinite(real):
            raise ConfigError(f"{where}: got {real}; scenario values must be finite numbers", path=path,
                              value=repr(real), allowed="a finite number")
        return real
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError(f"{where}: field names must be text, got {key!r}", path=path, value=repr(key),
                                  allowed="text")
            plain[key] = _plain(item, f"{path}.{key}" if path else key, depth + 1)
        return plain
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise ConfigError(f"{where}: cannot use a {type(value).__name__} in a scenario: {_short(value)}", path=path,
                      value=_short(value), allowed="a number, text, true/false, a list or a dict")


def _progress_callback(progress: Progress, total: int) -> tuple[Callable[[int, int], object] | None, Any]:
    if not (progress is None or progress is True or progress is False or callable(progress)):
        raise ConfigError(f"progress must be None, True, False or a function progress(done, total), got "
                          f"{_short(progress)}", path="progress", value=_short(progress),
                          allowed="None, True, False or a callable")
    if progress is False:
        return None, None
    if callable(progress):
        return progress, None
    from tqdm.auto import tqdm

    # Shown only once the run has taken a second, unless asked for outright.
    bar = tqdm(total=total, unit="rep", desc="replications", delay=0 if progress is True else 1.0)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return update, bar


class Results:
    """The results of a run: NumPy arrays per replication and tidy pandas tables.

    Months are labelled by their last day: stocks are positions at the end of the month, flows
    happen during it.
    """

    __slots__ = ("_inner", "_months")

    def __init__(self, inner: _core.RunResults) -> None:
        self._inner = inner
        self._months = pd.date_range(pd.Period(inner.start, freq="M").to_timestamp(how="end").normalize(),
                                     periods=inner.months, freq="ME")

    @property
    def replications(self) -> int:
        """Number of replications."""
        return self._inner.replications

    @property
    def seed(self) -> int:
        """The run's seed."""
        return self._inner.seed

    @property
    def months(self) -> pd.DatetimeIndex:
        """The simulated months (their last days)."""
        return self._months

    @property
    def localities(self) -> list[str]:
        """Locality names."""
        return list(self._inner.localities)

    @staticmethod
    def indicator_names() -> list[str]:
        """Every name :meth:`array` accepts."""
        return list(_core.RunResults.indicator_names())

    def array(self, name: str) -> npt.NDArray[np.float64]:
        """A monthly indicator per replication, shape (replications, months).

        >>> r = carecast.Scenario.preset("wolverhampton-2015").run(2, 1, seed=3, progress=False)
        >>> r.array("lac_rate_per_10k").shape
        (2, 12)
        """
        return self._inner.array(name)

    def indicators(self, names: Iterable[str] = HEADLINE_INDICATORS) -> pd.DataFrame:
        """Monthly indicators in long form: replication, month, indicator, value."""
        frames = []
        for name in names:
            a = self.array(name)
            frames.append(pd.DataFrame({
                "replication": np.repeat(np.arange(a.shape[0]), a.shape[1]),
                "month": np.tile(self._months, a.shape[0]),
                "indicator": name,
                "value": a.ravel(),
            }))
        return pd.concat(frames, ignore_index=True)

    def summary(self, names: Iterable[str] = HEADLINE_INDICATORS) -> pd.DataFrame:
        """Mean and 5th/50th/95th percentiles across replications, per indicator and month.

        >>> r = carecast.Scenario.preset("wolverhampton-2015").run(8, 1, seed=3, progress=False)
        >>> list(r.summary().columns)
        ['indicator', 'month', 'mean', 'p5', 'p50', 'p95']
        """
        rows = []
        for name in names:
            a = self.array(name)
            p5, p50, p95 = np.percentile(a, [5, 50, 95], axis=0)
            rows.append(pd.DataFrame({"indicator": name, "month": self._months, "mean": a.mean(axis=0),
                                      "p5": p5, "p50": p50, "p95": p95}))
        return pd.concat(rows, ignore_index=True)

    def shares(self) -> pd.DataFrame:
        """The four headline shares over the first 12 months and per financial year, with mean and
        5th/50th/95th percentiles across replications."""
        rows = []
        first = self._inner.shares_first_year()
        by_year = self._inner.shares_by_financial_year()
        years = self._inner.financial_years()
        for name in SHARES:
            periods: list[tuple[str, npt.NDArray[np.float64]]] = [("first 12 months", first[name])]
            periods += [(fy, by_year[name][:, j]) for j, fy in enumerate(years)]
            for period, values in periods:
                v = values[np.isfinite(values)]
                stats = np.percentile(v, [5, 50, 95]) if v.size else [np.nan] * 3
                rows.append({"share": name, "period": period, "mean": v.mean() if v.size else np.nan,
                             "p5": stats[0], "p50": stats[1], "p95": stats[2]})
        return pd.DataFrame(rows)

    def stocks(self, by: Sequence[str] = ("state",)) -> pd.DataFrame:
        """Children by month and by any of ``state``, ``age_band``, ``locality``.

        By ``state`` alone the statistics are exact over every replication. Broken down further,
        the mean is exact and the spread (sd, percentiles) is given only for the full breakdown
        by state, age band and locality, from the first replications kept for quantiles.
        """
        dims = ("state", "age_band", "locality")
        by = list(by)
        if not set(by) <= set(dims) or len(set(by)) != len(by):
            raise ConfigError(f"by must name some of {dims} once each, got {by}",
                              path="by", value=repr(by), allowed=f"a subset of {dims}")
        if by == ["state"]:
            return self._exact("stock_", _core.STATES, "state")
        summary = self._inner.stocks()
        labels = {"state": _core.STATES, "age_band": _core.AGE_BANDS, "locality": self.localities}
        keep = [dims.index(d) for d in by]
        drop = tuple(i for i in range(3) if i not in keep)
        stats = ["mean", "sd", "p5", "p50", "p95"] if not drop else ["mean"]
        arrays = {s: summary[s].sum(axis=drop) if drop else summary[s] for s in stats}
        # Move the kept dims into the order asked for, then month last.
        order = sorted(range(len(keep)), key=lambda i: keep[i])
        perm = [*(order.index(i) for i in range(len(keep))), len(keep)]
        arrays = {s: np.transpose(a, perm) for s, a in arrays.items()}
        index = pd.MultiIndex.from_product([labels[d] for d in by] + [self._months], names=[*by, "month"])
        return pd.DataFrame({s: a.ravel() for s, a in arrays.items()}, index=index).reset_index()

    def flows(self, by: Sequence[str] = ("move",)) -> pd.DataFrame:
        """Children moving, per month, by ``move`` (or in total with ``by=[]``), with mean and
        5th/50th/95th percentiles across replications."""
        by = list(by)
        if by not in (["move"], []):
            raise ConfigError(f"flows can be broken down by ['move'] or [], got {by}",
                              path="by", value=repr(by), allowed="['move'] or []")
        a = self._inner.flows_by_replication()  # replications x moves x months
        if not by:
            a = a.sum(axis=1, keepdims=True)
        labels = list(_core.MOVES) if by else ["all"]
        p5, p50, p95 = np.percentile(a, [5, 50, 95], axis=0)
        index = pd.MultiIndex.from_product([labels, self._months], names=["move", "month"])
        df = pd.DataFrame({"mean": a.mean(axis=0).ravel(), "p5": p5.ravel(), "p50": p50.ravel(),
                           "p95": p95.ravel()}, index=index).reset_index()
        return df if by else df.drop(columns="move")

    def _exact(self, prefix: str, labels: Sequence[str], column: str) -> pd.DataFrame:
        rows = []
        for label in labels:
            a = self.array(prefix + label)
            p5, p50, p95 = np.percentile(a, [5, 50, 95], axis=0)
            rows.append(pd.DataFrame({column: label, "month": self._months, "mean": a.mean(axis=0),
                                      "sd": a.std(axis=0, ddof=1) if a.shape[0] > 1 else 0.0,
                                      "p5": p5, "p50": p50, "p95": p95}))
        return pd.concat(rows, ignore_index=True)

    def __repr__(self) -> str:
        return (f"Results({self.replications} replications x {len(self._months)} months from "
                f"{self._months[0]:%Y-%m}, seed {self.seed})")


from .finance import Comparison, compare  # noqa: E402  (needs Scenario and Results above)
