"""Sweeps: many scenarios on the same random numbers, in-process or on a Dask cluster.

:func:`sweep` runs a list, a dict or a :class:`Grid` of scenarios with one seed (so every
comparison between them shares random numbers) and keeps, per scenario and replication, a few
headline figures (:data:`HEADLINES`, and ``net_savings`` against a baseline), from which
:class:`Sweep` gives tidy tables. The work is cut into (scenario, replication range) chunks; each
is run from the scenario's text and the seed alone (no state carried between chunks), so the
figures are the same, bit for bit, whatever the chunking, the number of workers, threads or
processes. With ``client=None`` the chunks run here on the engine's own threads; given a
``distributed.Client`` they go out with ``client.map`` and come back as they finish
(``carecast[dask]``). See docs/sweep.md.

>>> import carecast
>>> base = carecast.Scenario.preset("wolverhampton-2015")
>>> grid = carecast.Grid(base, {"policy.early_help.places": [600, 900]})
>>> s = carecast.sweep(grid, replications=4, years=1, seed=1, baseline=base, progress=False)
>>> s.summary().query("indicator == 'in_care_end'")[["scenario", "policy.early_help.places"]].values.tolist()
[['policy.early_help.places=600', 600.0], ['policy.early_help.places=900', 900.0], ['baseline', 760.0]]
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _core
from ._errors import CarecastError, ConfigError

if TYPE_CHECKING:
    from . import Progress, Results, Scenario

Array = npt.NDArray[np.float64]

__all__ = ["HEADLINES", "Grid", "Sweep", "SweepError", "SweepFailure", "sweep"]

#: The figures kept per scenario and replication, in this order: children in care at the end of
#: the last month, the same per 10,000 children, children entering care over the horizon, families
#: waiting for early help at the end, and the total cost over the horizon (pounds, the base
#: year's prices). ``net_savings`` (the baseline's cost minus the scenario's, replication by
#: replication) follows when there is a baseline.
HEADLINES = ("in_care_end", "in_care_rate_per_10k_end", "entries", "early_help_waiting_end", "cost")
NET_SAVINGS = "net_savings"
#: The name a baseline that is not one of the swept scenarios runs under.
BASELINE = "baseline"


class SweepError(CarecastError):
    """Some chunks of a sweep failed. ``failures`` names each (scenario, replications, error);
    ``partial`` is the :class:`Sweep` of every chunk that finished."""

    def __init__(self, message: str, failures: list[SweepFailure], partial: Sweep) -> None:
        super().__init__(message)
        self.failures = failures
        self.partial = partial


@dataclass(frozen=True)
class SweepFailure:
    """A chunk that failed: its scenario, its replications and the error, in one line."""

    scenario: str
    replications: range
    error: str

    def __str__(self) -> str:
        r = self.replications
        return f"scenario {self.scenario!r}, replications {r.start} to {r.stop - 1}: {self.error}"


class Grid(Mapping[str, "Scenario"]):
    """A base scenario and the values of a few parameters, crossed: one scenario per
    combination, named ``path=value, path=value`` (the first path varying slowest), in a
    mapping of names to scenarios. Paths are those of :meth:`Scenario.parameters` (a policy
    field is ``policy.early_help.places``; a dated change's ``changes[0].set....``). A path that
    is not a parameter, or a value outside its range, is a :class:`ConfigError` naming it.

    >>> base = carecast.Scenario.preset("wolverhampton-2015")
    >>> g = carecast.Grid(base, {"policy.early_help.places": [600, 900], "hazards.sibling_group_entry": [0.4, 0.5]})
    >>> list(g)[1]
    'policy.early_help.places=600, hazards.sibling_group_entry=0.5'
    >>> g.values_of(list(g)[3])
    {'policy.early_help.places': 900.0, 'hazards.sibling_group_entry': 0.5}
    """

    def __init__(self, base: Scenario, parameters: Mapping[str, Sequence[float]]) -> None:
        from . import Scenario, _short

        if not isinstance(base, Scenario):
            raise ConfigError(f"a grid's base must be a carecast.Scenario, got {type(base).__name__}", path="base",
                              value=type(base).__name__, allowed="a carecast.Scenario")
        if not isinstance(parameters, Mapping) or not parameters:
            raise ConfigError(f"a grid's parameters must be a dict of parameter paths to lists of values, got "
                              f"{_short(parameters)}", path="parameters", value=_short(parameters),
                              allowed="a non-empty dict of paths to lists of numbers")
        axes: dict[str, list[float]] = {}
        for path, values in parameters.items():
            if not isinstance(path, str):
                raise ConfigError(f"a grid's parameter paths must be text, got {_short(path)}", path="parameters",
                                  value=_short(path), allowed="a path from Scenario.parameters()")
            base.parameter(path)  # an unknown path: a ConfigError naming it and the closest paths
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise ConfigError(f"{path}: a grid needs a list of values, got {_short(values)}", path=path,
                                  value=_short(values), allowed="a non-empty list of numbers")
            listed = list(values)
            if not listed:
                raise ConfigError(f"{path}: a grid needs at least one value", path=path, value="[]",
                                  allowed="a non-empty list of numbers")
            for v in listed:
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not math.isfinite(float(v)):
                    raise ConfigError(f"{path}: got {_short(v)}; allowed: a number", path=path, value=_short(v),
                                      allowed="a finite number")
            if len(set(map(float, listed))) != len(listed):
                raise ConfigError(f"{path}: a value is given twice in {listed}", path=path, value=repr(listed),
                                  allowed="each value once")
            axes[path] = [float(v) for v in listed]
        self.base = base
        #: The values of each parameter, as given.
        self.parameters = axes
        self._points: dict[str, dict[str, float]] = {}
        self._scenarios: dict[str, Scenario] = {}
        for combination in itertools.product(*axes.values()):
            point = dict(zip(axes, combination, strict=True))
            name = ", ".join(f"{p}={_number(v)}" for p, v in point.items())
            self._points[name] = point
            self._scenarios[name] = base.with_parameters(point)  # validated: a value out of range names its path

    def __getitem__(self, name: str) -> Scenario:
        return self._scenarios[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._scenarios)

    def __len__(self) -> int:
        return len(self._scenarios)

    def values_of(self, name: str) -> dict[str, float]:
        """The parameter values of the grid point ``name``."""
        return dict(self._points[name])

    def __repr__(self) -> str:
        shape = " x ".join(str(len(v)) for v in self.parameters.values())
        return f"Grid({self.base.name!r}, {shape} = {len(self)} scenarios over {', '.join(self.parameters)})"


def _value(scenario: Scenario, path: str) -> float:
    """The parameter at ``path`` of a scenario that is not a grid point (the baseline), or NaN
    if it has none (a baseline without the dated change a grid varies)."""
    try:
        return scenario.parameter(path)
    except ConfigError:
        return math.nan


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


class Sweep:
    """The results of :func:`sweep`: per scenario and replication, the headline figures.

    :meth:`summary` gives, per scenario and figure, the mean, the 5th/50th/95th percentiles
    across replications and the Monte Carlo standard error (of the paired difference, for net
    savings); :attr:`by_replication` every replication's figures. A grid's parameter values are
    columns of both. :attr:`results` holds each scenario's full :class:`Results` when
    ``keep_results=True`` was asked for (else it is empty).
    """

    def __init__(self, scenarios: dict[str, Scenario], figures: dict[str, dict[str, Array]],
                 replications: dict[str, npt.NDArray[np.int64]], baseline: str | None, years: int, seed: int,
                 points: dict[str, dict[str, float]] | None, results: dict[str, Results],
                 failures: list[SweepFailure]) -> None:
        #: The scenarios, by name, in the sweep's order (the baseline last if it was not among them).
        self.scenarios = scenarios
        #: The baseline's name, or None.
        self.baseline = baseline
        self.years = years
        self.seed = seed
        #: Full results by scenario (only with ``keep_results=True``).
        self.results = results
        #: Chunks that failed (empty unless this is a :class:`SweepError`'s ``partial``).
        self.failures = failures
        self._figures = figures
        self._replications = replications
        self._points = points
        if baseline is not None:
            self._add_savings(baseline)

    def _add_savings(self, baseline: str) -> None:
        base_reps = self._replications[baseline]
        base_cost = self._figures[baseline]["cost"]
        for name, figures in self._figures.items():
            reps = self._replications[name]
            if np.array_equal(reps, base_reps):
                figures[NET_SAVINGS] = base_cost - figures["cost"]
            else:  # a partial sweep: only the replications both have are paired
                _, mine, theirs = np.intersect1d(reps, base_reps, return_indices=True)
                figures[NET_SAVINGS] = np.full(reps.shape, np.nan)
                figures[NET_SAVINGS][mine] = base_cost[theirs] - figures["cost"][mine]

    @property
    def indicators(self) -> list[str]:
        """The figures kept: :data:`HEADLINES`, then ``net_savings`` with a baseline."""
        return [*HEADLINES, *([NET_SAVINGS] if self.baseline is not None else [])]

    def figures(self, indicator: str) -> dict[str, Array]:
        """One figure per replication, by scenario (replications in order)."""
        if indicator not in self.indicators:
            raise ConfigError(f"indicator must be one of {', '.join(self.indicators)}, got {indicator!r}",
                              path="indicator", value=repr(indicator), allowed=", ".join(self.indicators))
        return {name: f[indicator] for name, f in self._figures.items()}

    def _grid_columns(self, names: Sequence[str]) -> dict[str, list[float]]:
        if self._points is None:
            return {}
        paths = list(next(iter(self._points.values())))
        return {p: [self._points[n][p] if n in self._points else _value(self.scenarios[n], p) for n in names]
                for p in paths}

    @property
    def by_replication(self) -> pd.DataFrame:
        """Every replication's figures: ``scenario``, a grid's parameter columns, ``replication``
        and one column per figure (:attr:`indicators`)."""
        frames = []
        for name, figures in self._figures.items():
            reps = self._replications[name]
            frame: dict[str, Any] = {"scenario": name}
            frame |= {p: v[0] for p, v in self._grid_columns([name]).items()}
            frame["replication"] = reps
            frame |= {k: figures[k] for k in self.indicators}
            frames.append(pd.DataFrame(frame, index=range(len(reps))))
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Per scenario and figure: ``mean``, ``p5``, ``p50``, ``p95`` (across replications),
        ``mcse`` (the Monte Carlo standard error of the mean; for net savings, of the paired
        difference) and ``replications`` (how many); a grid's parameter values as columns."""
        rows = []
        for name, figures in self._figures.items():
            grid = {p: v[0] for p, v in self._grid_columns([name]).items()}
            for indicator in self.indicators:
                a = figures[indicator]
                a = a[np.isfinite(a)]
                n = len(a)
                stats = np.percentile(a, [5, 50, 95]) if n else [np.nan] * 3
                rows.append({"scenario": name, **grid, "indicator": indicator,
                             "mean": a.mean() if n else np.nan, "p5": stats[0], "p50": stats[1], "p95": stats[2],
                             "mcse": a.std(ddof=1) / math.sqrt(n) if n > 1 else np.nan, "replications": n})
        return pd.DataFrame(rows)

    def table(self, indicator: str, statistic: str = "mean") -> pd.DataFrame:
        """A grid's figure as a table: the first parameter down, the second across (a sweep of
        two parameters; with one, a single column), cells the ``statistic`` (``mean``, ``p5``,
        ``p50``, ``p95`` or ``mcse``) of ``indicator``. The baseline, if not a grid point, is left out."""
        if self._points is None:
            raise ConfigError("table() is for a sweep over a Grid", path="scenarios", value="not a Grid",
                              allowed="a carecast.Grid")
        if statistic not in ("mean", "p5", "p50", "p95", "mcse"):
            raise ConfigError(f"statistic must be mean, p5, p50, p95 or mcse, got {statistic!r}", path="statistic",
                              value=repr(statistic), allowed="mean, p5, p50, p95, mcse")
        self.figures(indicator)  # checks the name
        s = self.summary()
        s = s[(s.indicator == indicator) & s.scenario.isin(list(self._points))]
        paths = list(next(iter(self._points.values())))
        if len(paths) == 1:
            return s.set_index(paths[0])[[statistic]]
        return s.pivot_table(index=paths[0], columns=paths[1], values=statistic, aggfunc="first")

    def __repr__(self) -> str:
        n = {len(r) for r in self._replications.values()}
        reps = f"{n.pop()} replications" if len(n) == 1 else "replications varying (partial)"
        return f"Sweep({len(self.scenarios)} scenarios x {reps} x {self.years} years, seed {self.seed})"


# A chunk's payload, all plain data: (scenario JSON, scenario name, seed, years, first, stop,
# threads, keep the full results). What comes back: the headline figures per replication, and
# the results' portable bytes if asked for.
Payload = tuple[str, str, int, int, int, int, "int | None", bool]
ChunkResult = tuple[dict[str, Array], "bytes | None"]


def run_chunk(payload: Payload, progress: Callable[[int, int], object] | None = None) -> ChunkResult:
    """Run one chunk: replications ``first`` to ``stop - 1`` of one scenario, from its text and
    the seed alone (what a Dask worker runs; no state is kept between calls)."""
    text, name, seed, years, first, stop, threads, keep = payload
    scenario = _core.Scenario.from_json(text, name)
    inner = scenario.run(stop - first, years, seed, threads, progress, first, None, None, None)
    return headline_figures(inner, scenario), (inner.to_bytes() if keep else None)


def headline_figures(inner: _core.RunResults, scenario: _core.Scenario) -> dict[str, Array]:
    """The :data:`HEADLINES` of each replication of a run. Each replication's figures depend on
    its own numbers alone (sums are exactly rounded, ``math.fsum``), so they are the same in any
    chunk."""
    lac = inner.array("lac_stock")
    rate = inner.array("lac_rate_per_10k")
    waiting = inner.array("early_help_waiting")
    entries = inner.array("lac_entries")
    costs = inner.costs(scenario, "real", "category_year")
    costs = costs.reshape(costs.shape[0], -1)
    return {
        "in_care_end": np.ascontiguousarray(lac[:, -1]),
        "in_care_rate_per_10k_end": np.ascontiguousarray(rate[:, -1]),
        "entries": np.array([math.fsum(row) for row in entries], dtype=np.float64),
        "early_help_waiting_end": np.ascontiguousarray(waiting[:, -1]),
        "cost": np.array([math.fsum(row) for row in costs], dtype=np.float64),
    }


def _named(scenarios: object) -> tuple[dict[str, Scenario], dict[str, dict[str, float]] | None]:
    """The scenarios by name, and a grid's points."""
    from . import Scenario, _short

    if isinstance(scenarios, Grid):
        return dict(scenarios), {n: scenarios.values_of(n) for n in scenarios}
    allowed = "a list or dict of carecast.Scenario, or a carecast.Grid"
    if isinstance(scenarios, Scenario):
        scenarios = [scenarios]
    if isinstance(scenarios, Mapping):
        items = list(scenarios.items())
        for key, _ in items:
            if not isinstance(key, str):
                raise ConfigError(f"scenario names must be text, got {_short(key)}", path="scenarios",
                                  value=_short(key), allowed=allowed)
    elif isinstance(scenarios, Iterable) and not isinstance(scenarios, (str, bytes)):
        items = []
        seen: dict[str, int] = {}
        for i, s in enumerate(scenarios):
            if not isinstance(s, Scenario):
                raise ConfigError(f"scenarios[{i}] must be a carecast.Scenario, got {type(s).__name__}",
                                  path=f"scenarios[{i}]", value=type(s).__name__, allowed="a carecast.Scenario")
            name = s.name
            seen[name] = seen.get(name, 0) + 1
            items.append((name if seen[name] == 1 else f"{name} ({seen[name]})", s))  # a name given again: numbered
    else:
        raise ConfigError(f"scenarios must be {allowed}, got {_short(scenarios)}", path="scenarios",
                          value=_short(scenarios), allowed=allowed)
    if not items:
        raise ConfigError("a sweep needs at least one scenario", path="scenarios", value="none", allowed=allowed)
    for key, s in items:
        if not isinstance(s, Scenario):
            raise ConfigError(f"scenarios[{key!r}] must be a carecast.Scenario, got {type(s).__name__}",
                              path=f"scenarios[{key!r}]", value=type(s).__name__, allowed="a carecast.Scenario")
    return dict(items), None


def _with_baseline(named: dict[str, Scenario], baseline: object) -> tuple[dict[str, Scenario], str | None]:
    """The scenarios to run (the baseline added if it is not one of them) and the baseline's name."""
    from . import Scenario, _short
    from .finance import check_same_demand

    if baseline is None:
        return named, None
    if isinstance(baseline, str):
        if baseline not in named:
            raise ConfigError(f"baseline {baseline!r} is not one of the sweep's scenarios ({', '.join(named)})",
                              path="baseline", value=baseline, allowed="a scenario's name or a carecast.Scenario")
        name = baseline
    elif isinstance(baseline, Scenario):
        text = baseline._inner.to_json()
        name = next((n for n, s in named.items() if s._inner.to_json() == text), BASELINE)
        if name == BASELINE:
            if BASELINE in named:
                raise ConfigError(f"a scenario is named {BASELINE!r} but is not the baseline given", path="baseline",
                                  value=BASELINE, allowed="the scenario of that name, or another name for it")
            named = {**named, BASELINE: baseline}
    else:
        raise ConfigError(f"baseline must be a carecast.Scenario, a scenario's name or None, got "
                          f"{_short(baseline)}", path="baseline", value=_short(baseline),
                          allowed="a carecast.Scenario, a scenario's name or None")
    base = named[name]
    start = base.to_dict()["start"]
    for key, s in named.items():
        if s.authority != base.authority:
            raise ConfigError(f"scenario {key!r} is of authority `{s.authority}`; savings against the baseline "
                              f"need the baseline's, `{base.authority}`", path=f"scenarios[{key!r}]",
                              value=s.authority, allowed=f"`{base.authority}`")
        if s.to_dict()["start"] != start:
            raise ConfigError(f"scenario {key!r} starts in {s.to_dict()['start']}, the baseline in {start}",
                              path=f"scenarios[{key!r}]", value=s.to_dict()["start"], allowed=start)
        check_same_demand(base, s)
    return named, name


def _chunks(n_scenarios: int, first: int, stop: int, chunk_size: int | None, workers: int) -> list[range]:
    """The replication ranges each scenario is cut into."""
    total = stop - first
    if chunk_size is None:
        pieces = 1 if workers <= 1 else min(total, max(1, math.ceil(2 * workers / n_scenarios)))
        chunk_size = math.ceil(total / pieces)
    return [range(a, min(a + chunk_size, stop)) for a in range(first, stop, chunk_size)]


def sweep(
    scenarios: Sequence[Scenario] | Mapping[str, Scenario] | Grid,
    replications: SupportsIndex | range = 100,
    years: SupportsIndex = 10,
    seed: SupportsIndex = 20150401,
    baseline: Scenario | str | None = None,
    client: Any = None,
    threads: SupportsIndex | None = None,
    progress: Progress = None,
    *,
    chunk_size: SupportsIndex | None = None,
    keep_results: bool = False,
) -> Sweep:
    """Run every scenario with the same seed (common random numbers) and keep, per scenario and
    replication, the headline figures (:data:`HEADLINES`; with a ``baseline``, ``net_savings``:
    its cost minus the scenario's over the horizon, paired replication by replication).

    ``scenarios``: a list of :class:`Scenario` (named by their names), a dict of names to
    scenarios, or a :class:`Grid`. ``replications``: a number, or a ``range(a, b)`` of them
    (as in :meth:`Scenario.run`). ``baseline``: a scenario (run too if it is not among
    ``scenarios``, under the name ``baseline``) or the name of one; every scenario must be of
    its authority, start and demand trend.

    ``client``: None runs here, the scenarios one after another, each on the engine's
    ``threads`` (all cores by default). A ``distributed.Client`` (``carecast[dask]``): the work
    goes out as (scenario, replication range) chunks with ``client.map`` (payloads: the
    scenario's text, the seed and the range; results: the figures' arrays), each chunk run on
    ``threads`` threads (1 by default: a Dask worker's threads run chunks side by side), and is
    gathered as it finishes. ``chunk_size``: replications a chunk (default: all of a scenario
    in-process; with a client, enough chunks for two per worker thread). Whatever the client,
    chunking, workers, threads or processes, the figures are the same, bit for bit.

    ``progress``: as in :meth:`Scenario.run`, one bar for the whole sweep. Ctrl-C cancels the
    chunks not yet run and raises ``KeyboardInterrupt``. A chunk that fails does not stop the
    others: at the end a :class:`SweepError` names each failed chunk's scenario and replications
    and carries the :class:`Sweep` of the rest (``partial``). ``keep_results=True`` keeps every
    scenario's full :class:`Results` too (in :attr:`Sweep.results`): memory grows with it, where
    the headline figures are a few numbers a replication.

    >>> base = carecast.Scenario.preset("wolverhampton-2015")
    >>> s = carecast.sweep({"base": base, "more": base.with_parameters({"policy.early_help.places": 900})},
    ...                    replications=4, years=1, seed=1, baseline="base", progress=False)
    >>> float(s.summary().query("scenario == 'base' and indicator == 'net_savings'")["mean"].iloc[0])
    0.0
    """
    from . import _MAX_YEARS, _U64_MAX, _USIZE_MAX, Results, _progress_callback, _replication_range, _whole

    named, points = _named(scenarios)
    named, base_name = _with_baseline(named, baseline)
    first, n = _replication_range(replications)
    y = _whole("years", years, 1, _MAX_YEARS)
    s = _whole("seed", seed, 0, _U64_MAX)
    t = None if threads is None else _whole("threads", threads, 1, _USIZE_MAX, "or None")
    size = None if chunk_size is None else _whole("chunk_size", chunk_size, 1, _USIZE_MAX, "or None")
    if not isinstance(keep_results, bool):
        raise ConfigError(f"keep_results must be True or False, got {keep_results!r}", path="keep_results",
                          value=repr(keep_results), allowed="True or False")
    distributed = None
    workers = 1
    if client is not None:
        from .extras import require

        distributed = require("distributed", "carecast.sweep with a Dask client")
        if not isinstance(client, distributed.Client):
            raise ConfigError(f"client must be a distributed.Client or None, got {type(client).__name__}",
                              path="client", value=type(client).__name__, allowed="a distributed.Client or None")
        workers = max(1, sum(client.nthreads().values()))
        if t is None:
            t = 1
    ranges = _chunks(len(named), first, first + n, size, workers)
    names = list(named)
    texts = [named[k]._inner.to_json() for k in names]
    tasks = [(i, r) for i in range(len(names)) for r in ranges]  # (scenario, replication range) order
    payloads: list[Payload] = [(texts[i], names[i], s, y, r.start, r.stop, t, keep_results) for i, r in tasks]
    total = len(names) * n
    callback, bar = _progress_callback(progress, total)
    done: dict[int, ChunkResult] = {}
    failures: dict[int, SweepFailure] = {}
    try:
        if client is None:
            finished = 0
            for k, payload in enumerate(payloads):
                offset = finished

                def step(d: int, _t: int, offset: int = offset) -> None:
                    if callback is not None:
                        callback(offset + d, total)

                try:
                    done[k] = _run(payload, step if callback is not None else None)
                except Exception as e:  # named in the SweepError; the other chunks go on
                    failures[k] = SweepFailure(names[tasks[k][0]], tasks[k][1], f"{type(e).__name__}: {e}")
                finished += len(tasks[k][1])
                if callback is not None:
                    callback(finished, total)
        else:
            assert distributed is not None
            if bar is not None:
                bar.set_postfix_str(f"dashboard {client.dashboard_link}", refresh=False)
            # Dask's own key for each chunk (a hash of the payload), so a chunk is one task.
            futures = client.map(_chunk_task, payloads, pure=True)
            where = {f.key: k for k, f in enumerate(futures)}
            finished = 0
            try:
                for future in distributed.as_completed(futures):
                    k = where[future.key]
                    try:
                        done[k] = future.result()
                    except Exception as e:  # the worker's exception, re-raised here
                        failures[k] = SweepFailure(names[tasks[k][0]], tasks[k][1], f"{type(e).__name__}: {e}")
                    future.release()
                    finished += len(tasks[k][1])
                    if callback is not None:
                        callback(finished, total)
            except BaseException:  # Ctrl-C, or the client lost: cancel what has not run
                client.cancel(futures)
                raise
    finally:
        if bar is not None:
            bar.close()
    # Reduce in (scenario, replication) order, whatever order the chunks finished in.
    figures: dict[str, dict[str, Array]] = {}
    reps: dict[str, npt.NDArray[np.int64]] = {}
    results: dict[str, Results] = {}
    for i, name in enumerate(names):
        mine = [k for k, (j, _) in enumerate(tasks) if j == i and k in done]
        figures[name] = {h: np.concatenate([done[k][0][h] for k in mine]) if mine else np.zeros(0)
                         for h in HEADLINES}
        reps[name] = (np.concatenate([np.arange(tasks[k][1].start, tasks[k][1].stop) for k in mine])
                      if mine else np.zeros(0, dtype=np.int64))
        if keep_results and mine:
            parts = [Results(_core.RunResults.from_bytes(data)) for k in mine if (data := done[k][1]) is not None]
            results[name] = parts[0] if len(parts) == 1 else Results.merge(parts)
    failed = [failures[k] for k in sorted(failures)]
    outcome = Sweep(named, figures, reps, base_name, y, s, points, results, failed)
    if failed:
        lines = "; ".join(str(f) for f in failed[:5]) + (f"; and {len(failed) - 5} more" if len(failed) > 5 else "")
        raise SweepError(f"{len(failed)} of {len(tasks)} chunks failed: {lines} (the others' figures are in "
                         f"this error's .partial)", failed, outcome)
    return outcome


def _chunk_task(payload: Payload) -> ChunkResult:
    """What a Dask worker runs (looked up by name in this module, so a test can stand in for it)."""
    return _run(payload)


_run: Callable[..., ChunkResult] = run_chunk
