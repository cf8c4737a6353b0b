"""Calibration by approximate Bayesian computation (pyabc's sequential Monte Carlo).

Public names are re-exported by :mod:`carecast.analysis` (``calibrate``, ``Calibration``,
``check_targets``, ``check_priors``); :func:`carecast.plots.posterior` draws prior against
posterior. docs/calibration.md ("Calibration by ABC") describes the method and the recovery study.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import ConfigError

if TYPE_CHECKING:
    from . import Results, Scenario

Array = npt.NDArray[np.float64]

#: Simulators :func:`calibrate` can use: ``expected`` (the expected path, deterministic) and
#: ``monte_carlo`` (the mean of a few replications on a fixed seed).
SIMULATORS = ("expected", "monte_carlo")
#: A target without an ``sd`` is taken as known to this fraction of its value.
DEFAULT_SD_FRACTION = 0.05
#: A prior may put at most this much of its probability outside the parameter's allowed range
#: (draws outside it are rejected: the prior is truncated to the range).
OUTSIDE_MOST = 0.01
#: The six distributions of the scenario files and the numbers each takes.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"), "lognormal": ("median", "sigma"), "beta": ("alpha", "beta"),
    "gamma": ("shape", "scale"), "uniform": ("low", "high"), "triangular": ("min", "mode", "max"),
}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


# --- priors -------------------------------------------------------------------------------------

def _frozen(where: str, spec: object) -> Any:
    """The scipy distribution of a distribution table (``{"dist": "lognormal", "median": 0.7,
    "sigma": 0.2}``), checked; errors name ``where``."""
    from scipy import stats

    allowed = ("a distribution table: " + "; ".join(f'{{dist = "{d}", {", ".join(k)}}}'
                                                     for d, k in DISTRIBUTIONS.items()))
    if not isinstance(spec, Mapping) or spec.get("dist") not in DISTRIBUTIONS:
        got = spec.get("dist") if isinstance(spec, Mapping) else spec
        raise ConfigError(f"{where}: got {got!r}; allowed: {allowed}", path=where, value=repr(got), allowed=allowed)
    name = str(spec["dist"])
    keys = DISTRIBUTIONS[name]
    extra = sorted(set(spec) - {"dist", *keys})
    if extra:
        raise ConfigError(f"{where}.{extra[0]}: not a field of a {name} distribution; allowed: {', '.join(keys)}",
                          path=f"{where}.{extra[0]}", value=repr(spec[extra[0]]), allowed=", ".join(keys))
    a: dict[str, float] = {}
    for k in keys:
        v = spec.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise ConfigError(f"{where}.{k}: got {v!r}; allowed: a finite number", path=f"{where}.{k}",
                              value=repr(v), allowed="a finite number")
        a[k] = float(v)

    def positive(k: str) -> None:
        if a[k] <= 0:
            raise ConfigError(f"{where}.{k}: got {a[k]:g}; allowed: a number > 0", path=f"{where}.{k}",
                              value=f"{a[k]:g}", allowed="a number > 0")

    if name == "normal":
        positive("sd")
        return stats.norm(a["mean"], a["sd"])
    if name == "lognormal":
        positive("median")
        positive("sigma")
        return stats.lognorm(a["sigma"], scale=a["median"])
    if name == "beta":
        positive("alpha")
        positive("beta")
        return stats.beta(a["alpha"], a["beta"])
    if name == "gamma":
        positive("shape")
        positive("scale")
        return stats.gamma(a["shape"], scale=a["scale"])
    if name == "uniform":
        if a["high"] <= a["low"]:
            raise ConfigError(f"{where}.high: got {a['high']:g}; allowed: a number > low ({a['low']:g})",
                              path=f"{where}.high", value=f"{a['high']:g}", allowed=f"a number > {a['low']:g}")
        return stats.uniform(a["low"], a["high"] - a["low"])
    if not a["min"] <= a["mode"] <= a["max"] or a["max"] <= a["min"]:
        raise ConfigError(f"{where}: got min {a['min']:g}, mode {a['mode']:g}, max {a['max']:g}; allowed: "
                          "min <= mode <= max and min < max", path=f"{where}.mode", value=f"{a['mode']:g}",
                          allowed="min <= mode <= max, min < max")
    width = a["max"] - a["min"]
    return stats.triang((a["mode"] - a["min"]) / width, loc=a["min"], scale=width)


class _Prior:
    """A checked prior of one parameter: its path, table, scipy distribution and allowed range."""

    def __init__(self, path: str, spec: Mapping[str, Any], frozen: Any, row: pd.Series) -> None:
        self.path = path
        self.spec = dict(spec)
        self.frozen = frozen
        self.low, self.high = float(row["low"]), float(row["high"])
        self.low_open, self.high_open = bool(row["low_open"]), bool(row["high_open"])
        self.allowed = str(row["allowed"])

    def inside(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below and math.isfinite(value)

    def outside_mass(self) -> float:
        below = float(self.frozen.cdf(self.low)) if math.isfinite(self.low) else 0.0
        above = float(self.frozen.sf(self.high)) if math.isfinite(self.high) else 0.0
        return below + above


def check_priors(scenario: Scenario, priors: object) -> list[_Prior]:
    """The priors of :func:`calibrate`, checked: a dict of parameter path to a distribution table
    (``{"dist": "lognormal", "median": 0.7, "sigma": 0.2}``; the six distributions of the
    scenario files). Each path must be a parameter of the scenario (an unknown one lists the
    closest), not a whole number, not priced after the run (``costs.``), and its prior must put
    at most 1% of its probability outside the parameter's allowed range."""
    if not isinstance(priors, Mapping) or not priors:
        raise ConfigError("priors must be a non-empty dict of parameter path to a distribution table",
                          path="priors", value=type(priors).__name__,
                          allowed='{"path": {"dist": "lognormal", "median": ..., "sigma": ...}, ...}')
    table = scenario.parameters().set_index("path")
    out = []
    for path, spec in priors.items():
        if not isinstance(path, str):
            raise ConfigError(f"priors: a key must be a parameter path, got {path!r}", path="priors",
                              value=repr(path), allowed="a path of Scenario.parameters()")
        scenario.parameter(path)  # an unknown path: ConfigError naming the closest
        row = table.loc[path]
        assert isinstance(row, pd.Series)  # paths are unique
        where = f"priors[{path!r}]"
        if path.startswith("costs."):
            raise ConfigError(f"{where}: a unit cost is priced after the run and cannot be calibrated to counts",
                              path=where, value=path, allowed="a parameter the run uses (not under costs.)")
        if bool(row["whole"]):
            raise ConfigError(f"{where}: a whole-number parameter ({row['kind']}) cannot be calibrated",
                              path=where, value=path, allowed="a parameter that takes fractions")
        prior = _Prior(path, spec, _frozen(where, spec), row)
        outside = prior.outside_mass()
        if outside > OUTSIDE_MOST:
            raise ConfigError(f"{where}: the prior puts {outside:.1%} of its probability outside the allowed range "
                              f"({prior.allowed}); allowed: at most {OUTSIDE_MOST:.0%}", path=where,
                              value=repr(dict(spec)), allowed=f"a prior within {prior.allowed}")
        out.append(prior)
    return out


# --- targets ------------------------------------------------------------------------------------

def _month_index(start: pd.Period, text: str, row: int) -> tuple[int, int]:
    """The first and last month index (0 = the run's first month) a target's ``month`` covers:
    ``YYYY-MM`` is that month; ``YYYY/YY`` the financial year April to March."""
    m = _MONTH.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        i = (pd.Period(text, freq="M") - start).n
        return i, i
    y = _YEAR.match(text)
    if y and (int(y.group(1)) + 1) % 100 == int(y.group(2)):
        first = (pd.Period(f"{y.group(1)}-04", freq="M") - start).n
        return first, first + 11
    raise ConfigError(f"targets row {row}, column \"month\": got {text!r}; allowed: a month YYYY-MM or a financial "
                      "year YYYY/YY", path="targets.month", value=repr(text), allowed="YYYY-MM or YYYY/YY")


def _stock_like(measure: str) -> bool:
    from .expected import _STOCK_LIKE

    return measure in _STOCK_LIKE or measure.startswith(("stock_", "looked_after_", "legal_status_"))


def check_targets(scenario: Scenario, targets: object, years: int | None = None,
                  default_sd: float = DEFAULT_SD_FRACTION) -> pd.DataFrame:
    """The targets of :func:`calibrate`, checked, with the months they cover.

    ``targets``: a DataFrame with columns ``measure`` (an indicator of the expected path and the
    Monte Carlo, :meth:`carecast.Results.indicator_names`: ``lac_stock``, ``lac_entries``,
    ``stock_child_protection``, ...), ``month`` (``YYYY-MM``: the measure in that month; or a
    financial year ``YYYY/YY``: a flow summed over April to March, a stock at the end of March),
    ``value`` and optionally ``sd`` (the target's uncertainty, which scales its part of the
    distance; default ``default_sd`` x |value|). Rows are numbered from 1 in errors.

    Returns the targets with ``sd`` filled and ``first``, ``last`` (month indices from the start)
    and ``stock`` (whether a year is read at its end rather than summed); ``attrs["years"]`` is the
    run length the targets need (``years`` if given).
    """
    from . import Results

    if not isinstance(targets, pd.DataFrame) or targets.empty:
        raise ConfigError("targets must be a non-empty DataFrame with columns measure, month, value (and sd)",
                          path="targets", value=type(targets).__name__,
                          allowed="a DataFrame: measure, month, value, sd")
    missing = [c for c in ("measure", "month", "value") if c not in targets.columns]
    if missing:
        raise ConfigError(f"targets: no column {missing[0]!r}; allowed: columns measure, month, value and sd "
                          f"(got {list(targets.columns)})", path=f"targets.{missing[0]}", value="missing",
                          allowed="measure, month, value, sd")
    names = set(Results.indicator_names())
    start = pd.Period(scenario.expected(1).months[0], freq="M")
    rows = []
    records = [{str(k): v for k, v in r.items()} for r in targets.to_dict("records")]
    for i, d in enumerate(records, start=1):
        measure = d["measure"]
        if not isinstance(measure, str) or measure not in names:
            raise ConfigError(f"targets row {i}, column \"measure\": got {measure!r}; allowed: an indicator of "
                              f"Results.indicator_names(), such as lac_stock, lac_entries, stock_child_protection",
                              path="targets.measure", value=repr(measure), allowed=", ".join(sorted(names)))
        first, last = _month_index(start, str(d["month"]).strip(), i)
        if first < 0:
            raise ConfigError(f"targets row {i}, column \"month\": got {d['month']!r}, before the run starts "
                              f"({start}); allowed: a month from {start}", path="targets.month",
                              value=repr(d["month"]), allowed=f"from {start}")
        value = _number(d["value"], i, "value")
        sd = d.get("sd")
        sd = None if sd is None or (isinstance(sd, float) and math.isnan(sd)) else _number(sd, i, "sd")
        if sd is None:
            sd = default_sd * abs(value)
        if not sd > 0:
            raise ConfigError(f"targets row {i}, column \"sd\": got {sd:g}; allowed: a number > 0 (a target of 0 "
                              "needs an sd)", path="targets.sd", value=f"{sd:g}", allowed="a number > 0")
        rows.append({"measure": measure, "month": str(d["month"]).strip(), "value": value, "sd": sd,
                     "first": first, "last": last, "stock": _stock_like(measure)})
    frame = pd.DataFrame(rows)
    need = int(frame["last"].max()) // 12 + 1
    if years is not None:
        if need > years:
            bad = frame[frame["last"] >= 12 * years].index[0] + 1
            end = start + 12 * years - 1
            raise ConfigError(f"targets row {bad}, column \"month\": got {frame.month[bad - 1]!r}, after the run "
                              f"ends ({end}); allowed: a month up to {end}", path="targets.month",
                              value=repr(frame.month[bad - 1]), allowed=f"up to {end}")
        need = years
    frame.attrs["years"] = need
    frame.attrs["start"] = str(start)
    return frame


def _number(v: object, row: int, column: str) -> float:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        x = float("nan")
    if isinstance(v, bool) or not math.isfinite(x):
        raise ConfigError(f"targets row {row}, column \"{column}\": got {v!r}; allowed: a finite number",
                          path=f"targets.{column}", value=repr(v), allowed="a finite number")
    return x


def _read(series: Callable[[str], Array], targets: pd.DataFrame) -> Array:
    """The simulated value of each target from ``series(measure)`` (by month)."""
    cache: dict[str, Array] = {}
    out = np.empty(len(targets))
    for j, (m, first, last, stock) in enumerate(zip(targets.measure, targets["first"], targets["last"],
                                                     targets.stock, strict=True)):
        if m not in cache:
            cache[m] = series(m)
        a = cache[m]
        out[j] = a[last] if stock or first == last else a[first:last + 1].sum()
    return out


# --- the simulator ------------------------------------------------------------------------------

class _Simulator:
    """Simulates the targets at parameter values (picklable, for Dask: a Scenario pickles)."""

    def __init__(self, scenario: Scenario, targets: pd.DataFrame, paths: list[str], simulator: str,
                 replications: int, seed: int) -> None:
        self.base = scenario
        self.targets = targets
        self.paths = paths
        self.simulator = simulator
        self.replications = replications
        self.seed = seed

    def __call__(self, values: Mapping[str, float]) -> Array:
        s = self.base.with_parameters(values)
        years = int(self.targets.attrs["years"])
        if self.simulator == "expected":
            e = s.expected(years)
            return _read(e.value, self.targets)
        r = s.run(self.replications, years, seed=self.seed, threads=1, progress=False)
        return _read(lambda m: r.array(m).mean(axis=0), self.targets)


class _Model:
    """pyabc's model: parameters ``p0, p1, ...`` to ``{"y": simulated targets}``; a draw outside a
    parameter's allowed range (a truncated prior) gives NaN, which the distance rejects. With
    ``noise`` the observation error (Normal(0, sd) per target) is added, so that the posterior is
    that of the targets measured with that error."""

    def __init__(self, simulate: _Simulator, priors: list[_Prior], sd: Array, noise: bool,
                 counter: Callable[[], None] | None) -> None:
        self.simulate = simulate
        self.priors = priors
        self.sd = sd
        self.noise = noise
        self.counter = counter

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["counter"] = None
        return state

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, Array]:
        if self.counter is not None:
            self.counter()
        values = {p.path: float(parameters[f"p{i}"]) for i, p in enumerate(self.priors)}
        if not all(p.inside(values[p.path]) for p in self.priors):
            return {"y": np.full(len(self.sd), np.nan)}
        y = self.simulate(values)
        if self.noise:
            y = y + np.random.normal(0.0, 1.0, len(y)) * self.sd
        return {"y": y}


class _Distance:
    """Sum of squared standardised differences between simulated and observed targets."""

    def __init__(self, sd: Array) -> None:
        self.sd = sd

    def __call__(self, x: Mapping[str, Array], x0: Mapping[str, Array]) -> float:
        d = float(np.sum(((np.asarray(x["y"]) - np.asarray(x0["y"])) / self.sd) ** 2))
        return d if math.isfinite(d) else math.inf


# --- the result ---------------------------------------------------------------------------------

def _weighted_quantiles(x: Array, w: Array, q: list[float]) -> list[float]:
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    c = np.cumsum(ws) - 0.5 * ws
    c /= ws.sum()
    return [float(np.interp(p, c, xs)) for p in q]


class Calibration:
    """The result of :func:`calibrate`: the posterior of the calibrated parameters.

    ``posterior``: tidy, one row per particle of the last generation and parameter: ``draw``,
    ``parameter``, ``value``, ``weight`` (the importance weights, summing to 1 over the draws).
    ``targets``: the checked targets (with ``sd``). ``history``: per generation ``generation``,
    ``epsilon``, ``particles``, ``simulations`` (simulations run, accepted or not) and
    ``acceptance_rate``. ``scenario_in``: the scenario calibrated.
    """

    def __init__(self, scenario: Scenario, targets: pd.DataFrame, priors: list[_Prior], posterior: pd.DataFrame,
                 history: pd.DataFrame, simulate: _Simulator, settings: dict[str, Any]) -> None:
        self.scenario_in = scenario
        self.targets = targets
        self.priors = priors
        self.posterior = posterior
        self.history = history
        self._simulate = simulate
        self.settings = settings

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters' paths."""
        return [p.path for p in self.priors]

    def wide(self) -> tuple[pd.DataFrame, Array]:
        """The last generation's particles (a column per path) and their weights."""
        w = self.posterior.pivot(index="draw", columns="parameter", values="value")[self.parameters]
        weights = self.posterior.drop_duplicates("draw").set_index("draw").weight.reindex(w.index)
        return w.reset_index(drop=True).rename_axis(columns=None), weights.to_numpy(dtype=float)

    def sample(self, n: SupportsIndex = 1000, seed: SupportsIndex = 1) -> pd.DataFrame:
        """``n`` equal-weight draws from the posterior (resampled by weight with ``seed``), a column
        per parameter path: ready for ``Scenario.run(parameter_sample=...)``."""
        from . import _whole

        count = _whole("n", n, 1, 10**8)
        wide, w = self.wide()
        rng = np.random.default_rng(_whole("seed", seed, 0, 2**64 - 1))
        idx = rng.choice(len(wide), size=count, p=w / w.sum())
        return wide.iloc[idx].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Per parameter: ``parameter``, ``prior_mean``, ``prior_5``, ``prior_50``, ``prior_95``,
        ``posterior_mean``, ``posterior_5``, ``posterior_50``, ``posterior_95`` (weighted)."""
        wide, w = self.wide()
        rows = []
        for p in self.priors:
            x = wide[p.path].to_numpy(dtype=float)
            q = _weighted_quantiles(x, w, [0.05, 0.5, 0.95])
            pq = [float(v) for v in p.frozen.ppf([0.05, 0.5, 0.95])]
            rows.append({"parameter": p.path, "prior_mean": float(p.frozen.mean()), "prior_5": pq[0],
                         "prior_50": pq[1], "prior_95": pq[2], "posterior_mean": float(np.average(x, weights=w)),
                         "posterior_5": q[0], "posterior_50": q[1], "posterior_95": q[2]})
        return pd.DataFrame(rows)

    def point(self) -> dict[str, float]:
        """The posterior medians, a value per path."""
        s = self.summary()
        return dict(zip(s.parameter, s.posterior_50.astype(float), strict=True))

    def fit(self) -> pd.DataFrame:
        """The targets against the simulator at the posterior medians (:meth:`point`): the targets'
        columns ``measure``, ``month``, ``value``, ``sd`` with ``simulated`` and ``z``
        ((simulated - value) / sd)."""
        y = self._simulate(self.point())
        t = self.targets[["measure", "month", "value", "sd"]].copy()
        t["simulated"] = y
        t["z"] = (t.simulated - t.value) / t.sd
        return t

    def run(self, replications: SupportsIndex = 200, years: SupportsIndex = 10, seed: SupportsIndex = 20150401,
            sample_seed: SupportsIndex = 1, **kwargs: Any) -> Results:
        """A probabilistic run of the calibrated scenario: ``replications`` replications, each with
        its own draw of the posterior (:meth:`sample` with ``sample_seed``) and its own chance;
        other arguments as :meth:`carecast.Scenario.run`."""
        from . import _whole

        n = _whole("replications", replications, 1, 2**31)
        return self.scenario_in.run(n, years, seed, parameter_sample=self.sample(n, sample_seed), **kwargs)

    def scenario(self, n: SupportsIndex = 1000, seed: SupportsIndex = 1) -> Scenario:
        """The calibrated scenario: the scenario calibrated, carrying ``n`` equal-weight posterior
        draws (:meth:`sample`) as its parameter sample, so that each replication of any run of it
        takes one draw (docs/parameters.md). Each calibrated parameter is first fixed at its
        posterior median (a distribution written in its place, if any, is replaced: the sample
        sets it). ``scenario(...).save("calibrated.toml")`` writes it with its sample file beside.

        >>> # c = calibrate(...); c.scenario().save("calibrated.toml")  # then: carecast run calibrated.toml
        """
        return self.scenario_in.with_parameters(self.point()).with_sample(self.sample(n, seed))

    def __repr__(self) -> str:
        eps = self.history.epsilon.iloc[-1] if len(self.history) else float("nan")
        return (f"Calibration({len(self.priors)} parameters, {len(self.targets)} targets, "
                f"{len(self.history)} generations, final epsilon {eps:.3g})")


# --- calibrate ----------------------------------------------------------------------------------

def calibrate(scenario: Scenario, targets: pd.DataFrame, priors: Mapping[str, Mapping[str, Any]],
              simulator: str = "expected", replications: SupportsIndex = 20, generations: SupportsIndex = 8,
              population: SupportsIndex = 500, min_epsilon: float | None = None, seed: SupportsIndex = 20150401,
              client: Any = None, years: SupportsIndex | None = None, observation_noise: bool = True,
              max_simulations: SupportsIndex | None = None, progress: bool | None = None) -> Calibration:
    """The posterior of the parameters in ``priors`` given ``targets``, by approximate Bayesian
    computation (pyabc's sequential Monte Carlo, ABC-SMC).

    ``targets``: a DataFrame ``measure``, ``month``, ``value`` and optionally ``sd``
    (:func:`check_targets`: monthly values, or financial-year totals of flows and year-end stocks
    with a ``YYYY/YY`` month). ``priors``: a dict of parameter path to a distribution table
    (:func:`check_priors`), e.g. ``{"hazards.not_known.referral.age_5_9": {"dist": "lognormal",
    "median": 0.026, "sigma": 0.3}}``; a prior is truncated to the parameter's allowed range.

    ``simulator``: ``"expected"`` runs ``scenario.with_parameters(values).expected(years)`` (the
    deterministic expected path, fast); ``"monte_carlo"`` the mean of ``replications``
    replications on the fixed ``seed``, the same random numbers for every particle (common random
    numbers: the differences between particles are the parameters'). ``years``: the run length,
    by default the whole years the targets need.

    The distance is the sum of squared standardised differences ``((simulated - value) / sd)^2``;
    each generation's tolerance is the median of the last generation's distances (pyabc's default),
    down to ``min_epsilon`` if given, for ``generations`` generations of ``population``
    particles (or until ``max_simulations`` simulations). With ``observation_noise`` (the default)
    each simulation adds the targets' observation error (Normal(0, sd) each), so that as the
    tolerance shrinks the posterior tends to the Bayesian posterior of targets measured with that
    error; without it, to the parameters that fit the targets best, with too narrow an interval.

    Reproducible: the same arguments and ``seed`` give the same posterior on the default
    single-core sampler (pyabc draws from NumPy's global generator, which is seeded from ``seed``
    for the call and restored after). ``client``: a ``dask.distributed.Client`` to simulate on
    (pyabc's ``DaskDistributedSampler``; not reproducible, the order of the results depending on
    the workers). pyabc's database is a temporary SQLite file, deleted afterwards.

    Needs pyabc: ``pip install 'carecast[calibrate]'`` (Python 3.11 or newer).
    """
    from . import _whole
    from .analysis import _bar_off
    from .extras import require

    if simulator not in SIMULATORS:
        raise ConfigError(f"simulator must be one of {', '.join(SIMULATORS)}, got {simulator!r}", path="simulator",
                          value=repr(simulator), allowed=", ".join(SIMULATORS))
    reps = _whole("replications", replications, 1, 100_000)
    gens = _whole("generations", generations, 1, 1000)
    pop = _whole("population", population, 10, 10**7)
    rng_seed = _whole("seed", seed, 0, 2**32 - 1)
    run_years = None if years is None else _whole("years", years, 1, 100)
    most = None if max_simulations is None else _whole("max_simulations", max_simulations, 1, 2**62)
    if min_epsilon is not None and not (isinstance(min_epsilon, (int, float)) and min_epsilon >= 0):
        raise ConfigError(f"min_epsilon must be a number >= 0, got {min_epsilon!r}", path="min_epsilon",
                          value=repr(min_epsilon), allowed="a number >= 0, or None")
    checked_priors = check_priors(scenario, priors)
    checked = check_targets(scenario, targets, run_years)
    if sys.version_info < (3, 11):
        from .extras import MissingExtraError

        raise MissingExtraError("Calibration (carecast.analysis.calibrate) needs pyabc, which needs Python 3.11 or "
                                "newer", extra="calibrate")
    pyabc = require("pyabc", "Calibration (carecast.analysis.calibrate)")
    from tqdm.auto import tqdm

    paths = [p.path for p in checked_priors]
    sd = checked.sd.to_numpy(dtype=float)
    simulate = _Simulator(scenario, checked, paths, simulator, reps, rng_seed)
    bar = tqdm(desc="ABC simulations", unit="simulation", disable=_bar_off(progress), delay=0.5)

    def tick() -> None:
        bar.update(1)

    model = _Model(simulate, checked_priors, sd, observation_noise, tick if client is None else None)
    prior = pyabc.Distribution(**{f"p{i}": _rv(pyabc, p) for i, p in enumerate(checked_priors)})
    if client is None:
        sampler = pyabc.sampler.SingleCoreSampler(check_max_eval=most is not None)
    else:
        sampler = pyabc.sampler.DaskDistributedSampler(dask_client=client)
    eps = pyabc.epsilon.MedianEpsilon()
    abc = pyabc.ABCSMC(model, prior, _Distance(sd), population_size=pop, sampler=sampler, eps=eps)
    state = np.random.get_state()
    quiet = [logging.getLogger(n) for n in ("ABC", "pyabc", "Sampler", "Epsilon", "History", "Distance",
                                            "Acceptor", "Population", "Transition", "Redis", "Dask")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.WARNING)
    try:
        np.random.seed(rng_seed)
        with tempfile.TemporaryDirectory(prefix="carecast-abc-") as tmp:
            db = "sqlite:///" + os.path.join(tmp, "abc.db")
            abc.new(db, {"y": checked.value.to_numpy(dtype=float)})
            kwargs: dict[str, Any] = {"max_nr_populations": gens}
            if min_epsilon is not None:
                kwargs["minimum_epsilon"] = float(min_epsilon)
            if most is not None:
                kwargs["max_total_nr_simulations"] = most
            h = abc.run(**kwargs)
            frame, w = h.get_distribution(m=0, t=h.max_t)
            pops = h.get_all_populations()
            pops = pops[pops.t >= 0]
            history = pd.DataFrame({"generation": pops.t.to_numpy(dtype=int) + 1,
                                    "epsilon": pops.epsilon.to_numpy(dtype=float),
                                    "particles": pops.particles.to_numpy(dtype=int),
                                    "simulations": pops.samples.to_numpy(dtype=int)})
            history["acceptance_rate"] = history.particles / history.simulations
            # pyabc opens and closes its database for each access: nothing is left open here.
    finally:
        np.random.set_state(state)
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)
        bar.close()
    weights = np.asarray(w, dtype=float)
    weights = weights / weights.sum()
    rows = []
    for i, p in enumerate(checked_priors):
        rows.append(pd.DataFrame({"draw": np.arange(len(frame)), "parameter": p.path,
                                  "value": frame[f"p{i}"].to_numpy(dtype=float), "weight": weights}))
    posterior = pd.concat(rows, ignore_index=True).sort_values(["draw"], kind="stable").reset_index(drop=True)
    settings = {"simulator": simulator, "replications": reps, "generations": gens, "population": pop,
                "min_epsilon": min_epsilon, "seed": rng_seed, "years": int(checked.attrs["years"]),
                "observation_noise": observation_noise, "priors": {p.path: p.spec for p in checked_priors}}
    return Calibration(scenario, checked, checked_priors, posterior, history, simulate, settings)


def _rv(pyabc: Any, p: _Prior) -> Any:
    """pyabc's random variable of a prior (scipy's distribution of the same name and arguments)."""
    f = p.frozen
    return pyabc.RV(f.dist.name, *f.args, **f.kwds)
