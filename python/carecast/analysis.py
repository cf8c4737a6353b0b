"""What drives the result: one-way sensitivity, partial rank correlations, Sobol indices, and
chance and parameter uncertainty apart.

:func:`one_way` moves one parameter at a time to a low and a high value, every other uncertain
parameter held at its central value and every run on the same random numbers (the same seed), so
that the difference between two runs is that parameter's effect alone, not chance.
:func:`prcc` relates the values drawn for each replication of a probabilistic run
(:meth:`~carecast.Results.parameter_draws`) to its outcome. :func:`carecast.plots.tornado` draws
the first. :func:`sobol` samples the parameters itself (SALib's Saltelli-Sobol design, from the
``calibrate`` extra) and runs every sample point on the same random numbers. :func:`uncertainty`
takes a headline figure's spread apart into chance and parameter uncertainty by a nested design.

>>> import carecast
>>> from carecast.analysis import one_way
>>> s = carecast.Scenario.preset("wolverhampton-2015-redesign")
>>> t = one_way(s, ["changes[0].set.placements.reunification_multiplier"], output="in_care", replications=4,
...             years=1, seed=1, progress=False)
>>> list(t.columns)[:4]
['parameter', 'label', 'output', 'period']
>>> bool(t.output_high.iloc[0] < t.output_low.iloc[0])  # more reunification, fewer children in care
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, SupportsIndex, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import ConfigError

if TYPE_CHECKING:
    from . import Results, Scenario
    from .finance import Comparison

Array = npt.NDArray[np.float64]

#: What :func:`one_way` and :func:`prcc` can measure.
OUTPUTS = ("net_savings", "in_care")
#: Parameters :func:`one_way` takes by default: the uncertain ones with the widest ranges, at most this many.
DEFAULT_MOST = 12
#: The change of a parameter without a distribution: this fraction of its value each way.
FIXED_SPREAD = 0.2
#: The period of a total over the whole horizon.
WHOLE_HORIZON = "whole horizon"

_DISTRIBUTION = re.compile(r"^(\w+)\((.*)\)$")


def _check_output(output: object) -> str:
    if not isinstance(output, str) or output not in OUTPUTS:
        raise ConfigError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}", path="output",
                          value=repr(output), allowed=", ".join(OUTPUTS))
    return output


def _percentiles(distribution: str | None, q: Sequence[float]) -> list[float] | None:
    """The quantiles ``q`` of a distribution as :meth:`Scenario.parameters` writes it
    (``lognormal(median=0.7, sigma=0.15)``), or None if there is none or it is not one of the
    engine's six."""
    from scipy import stats

    if not distribution:
        return None
    m = _DISTRIBUTION.match(distribution.strip())
    if m is None:
        return None
    try:
        a = {k.strip(): float(v) for k, v in (part.split("=") for part in m.group(2).split(","))}
    except ValueError:
        return None
    name = m.group(1)
    frozen: Any
    if name == "normal":
        frozen = stats.norm(a["mean"], a["sd"])
    elif name == "lognormal":
        frozen = stats.lognorm(a["sigma"], scale=a["median"]) if a["sigma"] > 0 else None
    elif name == "beta":
        frozen = stats.beta(a["alpha"], a["beta"])
    elif name == "gamma":
        frozen = stats.gamma(a["shape"], scale=a["scale"])
    elif name == "uniform":
        frozen = stats.uniform(a["low"], a["high"] - a["low"])
    elif name == "triangular":
        width = a["max"] - a["min"]
        frozen = stats.triang((a["mode"] - a["min"]) / width, loc=a["min"], scale=width) if width > 0 else None
    else:
        return None
    if frozen is None:  # a point mass
        value = a.get("median", a.get("min"))
        return None if value is None else [value for _ in q]
    return [float(x) for x in frozen.ppf(q)]


def _label(description: object, path: str) -> str:
    """A short plain-language name of a parameter: the first sentence of its description, or
    its path."""
    if not isinstance(description, str) or not description.strip():
        return path
    first = re.split(r"(?<=[a-z0-9)])\.\s", description.strip(), maxsplit=1)[0].rstrip(".")
    return first if len(first) <= 70 else first[:67].rstrip() + "..."


def _clip(value: float, row: pd.Series) -> float:
    """``value`` within the parameter's allowed range (just inside an open end), whole if it
    must be."""
    low, high = float(row["low"]), float(row["high"])
    if bool(row["low_open"]) and value <= low:
        value = low + 1e-9 * max(1.0, abs(low))
    if bool(row["high_open"]) and value >= high:
        value = high - 1e-9 * max(1.0, abs(high))
    value = min(max(value, low), high)
    if bool(row["whole"]):
        value = float(min(max(round(value), math.ceil(low)), math.floor(high)))
    return value


def ranges(scenario: Scenario, parameters: Sequence[str] | None = None) -> pd.DataFrame:
    """The low and high values :func:`one_way` uses by default, one row per parameter:
    ``parameter``, ``label``, ``central``, ``low``, ``high`` and ``rule``.

    The rule: an uncertain parameter goes from the 5th to the 95th percentile of its
    distribution (or of its column of the sample the scenario carries); any other from 20% below
    to 20% above its value; both clipped to the range the parameter allows (and rounded if it
    must be whole). Without ``parameters``, the scenario's
    uncertain parameters, the :data:`DEFAULT_MOST` (12) with the widest ranges relative to their
    central values, in the scenario's order.

    >>> import carecast
    >>> path = "changes[0].set.placements.reunification_multiplier"
    >>> r = ranges(carecast.Scenario.preset("wolverhampton-2015-redesign"), [path])
    >>> [round(x, 2) for x in r.loc[0, ["low", "central", "high"]]]  # its calibrated posterior
    [2.12, 2.46, 2.8]
    """
    from . import Scenario

    if not isinstance(scenario, Scenario):
        raise ConfigError(f"scenario must be a carecast.Scenario, got {type(scenario).__name__}", path="scenario",
                          value=type(scenario).__name__, allowed="a carecast.Scenario")
    table = scenario.parameters().set_index("path", drop=False)
    if parameters is None:
        chosen = list(table.path[table.uncertain])
        if not chosen:
            raise ConfigError(f"{scenario.name} has no uncertain parameters: name the parameters to vary",
                              path="parameters", value="None", allowed="paths from Scenario.parameters()")
    else:
        if isinstance(parameters, str) or not isinstance(parameters, Sequence):
            raise ConfigError(f"parameters must be a list of parameter paths, got {parameters!r}",
                              path="parameters", value=repr(parameters), allowed="a list of paths")
        chosen = list(parameters)
        for path in chosen:
            if path not in table.index:
                scenario.parameter(path)  # the core's error: names the path and the closest ones
                raise ConfigError(f"{path}: no such parameter", path=path, value=path,
                                  allowed="a path from Scenario.parameters()")
        if len(set(chosen)) != len(chosen):
            raise ConfigError("parameters must not repeat a path", path="parameters", value=repr(chosen),
                              allowed="distinct paths")
    rows = []
    sample = scenario.sample
    for path in chosen:
        row = table.loc[path]
        central = float(row["value"])
        q = _percentiles(row["distribution"], [0.05, 0.95]) if bool(row["uncertain"]) else None
        if sample is not None and path in sample.columns:
            low, high = (float(x) for x in np.quantile(sample[path].to_numpy(float), [0.05, 0.95]))
            rule = "5th-95th percentile of the carried sample"
        elif q is not None:
            low, high, rule = q[0], q[1], "5th-95th percentile"
        else:
            low, high, rule = central * (1 - FIXED_SPREAD), central * (1 + FIXED_SPREAD), "value -20% to +20%"
            if central < 0:
                low, high = high, low
        rows.append({"parameter": path, "label": _label(row["description"], path), "central": central,
                     "low": _clip(low, row), "high": _clip(high, row), "rule": rule})
    out = pd.DataFrame(rows, columns=["parameter", "label", "central", "low", "high", "rule"])
    if parameters is None and len(out) > DEFAULT_MOST:
        # Effects before prices: the effects are what a programme is bought for.
        width = (out.high - out.low).abs() / out.central.abs().where(out.central != 0, 1.0)
        effect = ~out.parameter.str.startswith("costs.")
        order = pd.DataFrame({"effect": effect, "width": width}).sort_values(["effect", "width"],
                                                                             ascending=False, kind="stable")
        out = out.loc[sorted(order.index[:DEFAULT_MOST])].reset_index(drop=True)
    twice = out.label.duplicated(keep=False)
    out.loc[twice, "label"] = out.label[twice] + " (" + out.parameter[twice] + ")"
    return out


def _bounds(which: str, given: Mapping[str, float] | None, paths: list[str]) -> dict[str, float]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise ConfigError(f"{which} must be a dict of parameter paths to numbers, got {type(given).__name__}",
                          path=which, value=type(given).__name__, allowed="a dict of paths to numbers")
    for path in given:
        if path not in paths:
            raise ConfigError(f"{which}[{path!r}]: not one of the parameters varied", path=f"{which}.{path}",
                              value=repr(path), allowed=", ".join(paths))
    return {p: float(v) for p, v in given.items()}


def _check_pair(scenario: object, baseline: object, output: object, basis: object) -> str:
    """The output checked, with the scenario, the baseline it needs and the price basis."""
    from . import Scenario
    from .finance import BASES, check_same_demand

    out_kind = _check_output(output)
    if not isinstance(scenario, Scenario):
        raise ConfigError(f"scenario must be a carecast.Scenario, got {type(scenario).__name__}", path="scenario",
                          value=type(scenario).__name__, allowed="a carecast.Scenario")
    if out_kind == "net_savings":
        if not isinstance(baseline, Scenario):
            raise ConfigError("output net_savings needs a baseline (a carecast.Scenario) to save against",
                              path="baseline", value=type(baseline).__name__, allowed="a carecast.Scenario")
        if baseline.authority != scenario.authority:
            raise ConfigError(f"cannot compare scenarios of different authorities: baseline `{baseline.authority}`, "
                              f"scenario `{scenario.authority}`", path="authority", value=scenario.authority,
                              allowed=f"`{baseline.authority}`")
        check_same_demand(baseline, scenario)
    if basis not in BASES:
        raise ConfigError(f"basis must be one of {BASES}, got {basis!r}", path="basis", value=repr(basis),
                          allowed=", ".join(BASES))
    return out_kind


def _shared(scenario: Scenario, baseline: Scenario | None, paths: Sequence[str]) -> set[str]:
    """The paths the baseline holds too, at the same value: assumptions about the world (a unit
    cost, a baseline hazard), which move in both arms, not only in the scenario."""
    if baseline is None:
        return set()
    bp = baseline.parameters().set_index("path").value
    own = scenario.parameters().set_index("path").value
    return {p for p in paths if p in bp.index and float(bp[p]) == float(own[p])}


class _Evaluator:
    """Runs variants of a scenario (and its baseline) on one seed and measures the output per
    replication and period."""

    def __init__(self, scenario: Scenario, baseline: Scenario | None, output: str, at: str | None, basis: str,
                 run: Callable[[Scenario], Results], cache: bool = True) -> None:
        self.scenario, self.baseline, self.output, self.at, self.basis, self.run, self.cache = (
            scenario, baseline, output, at, basis, run, cache)
        self._baseline_runs: dict[tuple[tuple[str, float], ...], Results] = {}

    def __call__(self, changes: dict[str, float], shared: dict[str, float]) -> dict[str, Array]:
        from .finance import Comparison

        variant = self.scenario.with_parameters(changes) if changes else self.scenario
        results = self.run(variant)
        if self.output == "in_care":
            return in_care_by_replication(results, self.at)
        assert self.baseline is not None
        key = tuple(sorted(shared.items()))
        base = self.baseline.with_parameters(shared) if shared else self.baseline
        base_results = self._baseline_runs.get(key)
        if base_results is None:
            base_results = self.run(base)
            if self.cache or not key:  # the unchanged baseline always; one-way's few variants too
                self._baseline_runs[key] = base_results
        return net_savings_by_replication(Comparison(base, variant, base_results, results), self.basis)


def in_care_by_replication(results: Results, at: str | None = None) -> dict[str, Array]:
    """Children in care at the end of the month ``at`` (``YYYY-MM``; default: the last month),
    per replication, under that month as the period."""
    months = results.months
    if at is None:
        index = len(months) - 1
    else:
        labels = [m.strftime("%Y-%m") for m in months]
        if not isinstance(at, str) or at not in labels:
            raise ConfigError(f"at must be a month of the run (YYYY-MM, {labels[0]} to {labels[-1]}), got {at!r}",
                              path="at", value=repr(at), allowed=f"{labels[0]} to {labels[-1]}")
        index = labels.index(at)
    a: Array = results.array("lac_stock")[:, index]
    return {months[index].strftime("%Y-%m"): a}


def net_savings_by_replication(comparison: Comparison, basis: str = "real") -> dict[str, Array]:
    """Net savings per replication over the whole horizon and in each financial year."""
    yearly = comparison._by_year(comparison._flows(basis)["net_savings"])
    out: dict[str, Array] = {WHOLE_HORIZON: yearly.sum(axis=1)}
    for j, fy in enumerate(comparison.financial_years):
        out[fy] = yearly[:, j]
    return out


def one_way(scenario: Scenario, parameters: Sequence[str] | None = None, baseline: Scenario | None = None,
            output: str = "net_savings", low: Mapping[str, float] | None = None,
            high: Mapping[str, float] | None = None, replications: SupportsIndex = 100, years: SupportsIndex = 3,
            seed: SupportsIndex = 20150401, at: str | None = None, basis: str = "real",
            threads: SupportsIndex | None = None, progress: bool | None = None) -> pd.DataFrame:
    """One-way sensitivity: the output with each parameter at its low and at its high value,
    every other parameter at its central value.

    ``parameters``: paths from :meth:`Scenario.parameters`; by default the scenario's uncertain
    parameters, at most 12, effects before unit costs and the widest ranges first (:func:`ranges`). ``low`` and
    ``high`` (dicts of path to value) replace the default ends, which are the 5th and 95th
    percentiles of a parameter's distribution, or 20% below and above the value of a parameter
    without one, clipped to its allowed range (:func:`ranges`).

    Every run uses the same ``seed`` (common random numbers) with every uncertain parameter fixed
    at its central value (:func:`carecast.finance.central`), so a parameter that cannot reach the
    output moves it by exactly zero and the swing is the parameter's effect, not chance or the
    draws of other parameters. The central run is the scenario so fixed.

    ``output``: ``net_savings`` (needs ``baseline``; ``basis`` prices, real by default): net
    savings summed over the whole horizon, and in each financial year, as mean over the
    replications; a parameter the baseline has too with the same value (a unit cost, a baseline
    hazard) is moved in both, one only the scenario has (a policy change's effect) in the scenario
    alone. ``in_care``: the scenario's children in care at the end of the month ``at``
    (``YYYY-MM``, default the last month); a baseline is not used.

    Returns one row per parameter and period: ``parameter``, ``label`` (the first sentence of
    its description), ``output``, ``period`` (``whole horizon`` or a financial year; the month
    for ``in_care``), ``low``, ``central``, ``high`` (the parameter's values), ``output_low``,
    ``output_central``, ``output_high`` (means over the replications), ``swing`` (``|output_high
    - output_low|``), ``swing_mcse`` (the Monte Carlo standard error of the paired difference),
    ``rule`` and ``replications``; sorted by period, then by swing, largest first. The cost:
    one run of the scenario per parameter end and one central run (and as many of the baseline
    for parameters it shares), each of ``replications`` x ``years``.

    ``progress``: a bar over the parameters (None: where there is a terminal; True: always;
    False: never), as :func:`sobol` has over its points and :func:`uncertainty` over its draws.
    Ctrl-C stops any of them within a second (``KeyboardInterrupt``).
    """
    from . import _whole
    from .finance import central

    out_kind = _check_pair(scenario, baseline, output, basis)
    n = _whole("replications", replications, 1, 2**31)
    y = _whole("years", years, 1, 100)
    table = ranges(scenario, parameters)
    paths = list(table.parameter)
    lows, highs = _bounds("low", low, paths), _bounds("high", high, paths)
    fixed = central(scenario)
    base = central(baseline) if out_kind == "net_savings" and baseline is not None else None
    shared_paths = _shared(fixed, base, paths)

    def run(s: Scenario) -> Results:
        return s.run(n, y, seed, threads, progress=False)

    evaluate = _Evaluator(fixed, base, out_kind, at, basis, run)
    middle = evaluate({}, {})
    rows = []
    from tqdm.auto import tqdm

    for _, r in tqdm(table.iterrows(), total=len(table), desc="one-way", unit="parameter",
                     disable=_bar_off(progress), delay=0.5):
        path = str(r.parameter)
        ends = {"low": lows.get(path, float(r.low)), "high": highs.get(path, float(r.high))}
        got = {}
        for end, value in ends.items():
            change = {path: value}
            got[end] = evaluate(change, change if path in shared_paths else {})
        for period, mid in middle.items():
            diff = got["high"][period] - got["low"][period]
            rows.append({
                "parameter": path, "label": r.label, "output": out_kind, "period": period,
                "low": ends["low"], "central": float(r.central), "high": ends["high"],
                "output_low": float(got["low"][period].mean()), "output_central": float(mid.mean()),
                "output_high": float(got["high"][period].mean()), "swing": float(abs(diff.mean())),
                "swing_mcse": float(diff.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan"),
                "rule": r.rule if path not in lows and path not in highs else "given",
                "replications": n,
            })
    frame = pd.DataFrame(rows)
    order = {p: i for i, p in enumerate(middle)}
    frame["_period"] = frame.period.map(order)
    frame = frame.sort_values(["_period", "swing"], ascending=[True, False], kind="stable")
    return frame.drop(columns="_period").reset_index(drop=True)


def prcc(source: Results | Comparison, output: str | None = None, at: str | None = None,
         basis: str = "real") -> pd.DataFrame:
    """Partial rank correlation coefficients of each parameter drawn in a probabilistic run
    (:meth:`~carecast.Results.parameter_draws`) with the output, across replications.

    ``source``: :class:`~carecast.Results` (output ``in_care``, the default) or a
    :class:`~carecast.Comparison` (output ``net_savings`` over the whole horizon at ``basis``,
    the default, or ``in_care`` of the scenario; the draws are the scenario's). ``in_care`` is at
    the end of the month ``at`` (``YYYY-MM``, default the last month).

    Each PRCC is the correlation of the ranks of a parameter and of the output once the ranks of
    every other parameter are regressed out of both (linear least squares on ranks). Its 95%
    interval is by Fisher's z with ``n - 3 - (k - 1)`` degrees of freedom for ``n`` replications
    and ``k`` parameters; ``p_value`` tests PRCC = 0 (t with ``n - 2 - (k - 1)`` degrees of
    freedom). Parameters drawn the same in every replication are left out. Returns columns
    ``parameter``, ``prcc``, ``low``, ``high``, ``p_value``, ``replications``, sorted by
    ``|prcc|``, largest first.
    """
    from . import Results
    from .finance import Comparison

    if isinstance(source, Comparison):
        kind = _check_output("net_savings" if output is None else output)
        results = source.scenario_results
        values = (net_savings_by_replication(source, basis)[WHOLE_HORIZON] if kind == "net_savings"
                  else next(iter(in_care_by_replication(results, at).values())))
    elif isinstance(source, Results):
        kind = _check_output("in_care" if output is None else output)
        if kind != "in_care":
            raise ConfigError("output net_savings needs a Comparison (carecast.compare), not Results",
                              path="output", value=repr(kind), allowed="in_care for Results")
        results = source
        values = next(iter(in_care_by_replication(results, at).values()))
    else:
        raise ConfigError(f"source must be carecast.Results or a Comparison, got {type(source).__name__}",
                          path="source", value=type(source).__name__, allowed="Results or Comparison")
    draws = results.parameter_draws()
    if draws.empty:
        raise ConfigError("the run drew no parameters: run a scenario with uncertain parameters",
                          path="source", value="no parameter draws", allowed="a run with uncertain parameters")
    wide = draws.pivot(index="replication", columns="parameter", values="value")
    wide = wide[list(dict.fromkeys(draws.parameter))]  # the run's order
    return partial_rank_correlations(wide, values)


def _ranks(a: Array) -> Array:
    from scipy.stats import rankdata

    ranked: Array = np.asarray(rankdata(a, axis=0), dtype=float)
    return ranked


def partial_rank_correlations(draws: pd.DataFrame, outcome: npt.ArrayLike) -> pd.DataFrame:
    """PRCC of each column of ``draws`` (replications x parameters) with ``outcome`` (one value
    per replication): the computation of :func:`prcc`, for draws and outcomes from anywhere.

    >>> rng = np.random.default_rng(1)
    >>> x = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    >>> t = partial_rank_correlations(x, 3 * x.a + rng.normal(size=200))
    >>> t.parameter.tolist(), bool(t.prcc.iloc[0] > 0.9), bool(abs(t.prcc.iloc[1]) < 0.2)
    (['a', 'b'], True, True)
    """
    from scipy import stats

    y = np.asarray(outcome, dtype=float)
    if not isinstance(draws, pd.DataFrame) or y.ndim != 1 or len(y) != len(draws):
        raise ConfigError("draws must be a DataFrame with one row per value of outcome", path="outcome",
                          value=f"{y.shape} values for {getattr(draws, 'shape', '?')} draws",
                          allowed="one value per row of draws")
    x = draws.loc[:, draws.nunique() > 1]
    n, k = x.shape
    if k == 0:
        raise ConfigError("no parameter varies across the replications", path="draws", value="constant",
                          allowed="draws that vary")
    dof = n - 3 - (k - 1)
    if dof < 1:
        raise ConfigError(f"{n} replications are too few for {k} parameters: need at least {k + 3}",
                          path="replications", value=str(n), allowed=f"at least {k + 3}")
    rx, ry = _ranks(x.to_numpy(dtype=float)), _ranks(y)
    rows = []
    for j, name in enumerate(x.columns):
        others = np.column_stack([np.ones(n), np.delete(rx, j, axis=1)])
        res_x = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        denom = math.sqrt(float(res_x @ res_x) * float(res_y @ res_y))
        r = float(res_x @ res_y) / denom if denom > 0 else 0.0
        r = min(max(r, -1.0), 1.0)
        z, half = math.atanh(min(max(r, -0.999999), 0.999999)), 1.959963984540054 / math.sqrt(dof)
        t_dof = n - 2 - (k - 1)
        t = r * math.sqrt(t_dof / max(1e-300, 1 - r * r))
        rows.append({"parameter": str(name), "prcc": r, "low": math.tanh(z - half), "high": math.tanh(z + half),
                     "p_value": float(2 * stats.t.sf(abs(t), t_dof)), "replications": n})
    out = pd.DataFrame(rows)
    return out.reindex(out.prcc.abs().sort_values(ascending=False, kind="stable").index).reset_index(drop=True)


#: A parameter without a distribution moves by this fraction of its value each way in :func:`sobol`
#: (uniformly), as in :func:`one_way`'s default ends.
SOBOL_FIXED_SPREAD = FIXED_SPREAD
#: At most this many factors by default in :func:`sobol` (the issue's "about a dozen", so a
#: default run fits in minutes).
SOBOL_DEFAULT_MOST = 12


def _bar_off(progress: bool | None) -> bool | None:
    """tqdm's ``disable``: off if False, on if True, and if None only where there is a terminal."""
    return None if progress is None else not progress


#: The groups of baseline hazards :func:`default_factors` makes, in order: a name and a test of a
#: hazard's path. A hazard goes to the first group whose test it passes.
HAZARD_GROUPS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("hazards: referral and identification",
     lambda p: ".referral." in p or ".identification." in p or p.startswith("hazards.contact_need_multiplier")),
    ("hazards: entry to care",
     lambda p: "care_entry" in p or p in ("hazards.sibling_group_entry", "hazards.abuse_neglect_care_multiplier")),
    ("hazards: leaving care", lambda p: p.startswith("hazards.looked_after.")),
    ("hazards: other moves between services", lambda p: True),
)


def default_factors(scenario: Scenario) -> dict[str, list[str]]:
    """The factors :func:`sobol` varies by default, at most :data:`SOBOL_DEFAULT_MOST`: each
    uncertain policy effect alone (widest ranges first, as :func:`ranges` chooses, if there are
    too many), then the baseline hazards in the four groups of :data:`HAZARD_GROUPS`, each group
    a single factor that moves all its hazards to the same quantile of their ranges (+-20%), as
    an error in levels estimated from one source would. Shares (which must sum to 1) are not
    in any group.

    >>> import carecast
    >>> f = default_factors(carecast.Scenario.preset("wolverhampton-2015-redesign"))
    >>> len(f), [name for name in f if name.startswith("hazards")][:2]
    (11, ['hazards: referral and identification', 'hazards: entry to care'])
    """
    table = scenario.parameters()
    # Shares are left out: they must sum to 1, so cannot each move by a fifth.
    fixed_hazards = table[table.path.str.startswith("hazards.") & ~table.uncertain & (table.value != 0)
                          & (table.kind != "share")]
    groups: dict[str, list[str]] = {}
    for path in fixed_hazards.path:
        name = next(name for name, belongs in HAZARD_GROUPS if belongs(str(path)))
        groups.setdefault(name, []).append(str(path))
    groups = {name: groups[name] for name, _ in HAZARD_GROUPS if name in groups}
    room = SOBOL_DEFAULT_MOST - len(groups)
    effects = table[table.uncertain & ~table.path.str.startswith("costs.")]
    factors: dict[str, list[str]] = {}
    if len(effects):
        chosen = ranges(scenario, list(effects.path))
        if len(chosen) > room:
            width = (chosen.high - chosen.low).abs() / chosen.central.abs().where(chosen.central != 0, 1.0)
            chosen = chosen.loc[sorted(width.sort_values(ascending=False, kind="stable").index[:room])]
        factors = {str(p): [str(p)] for p in chosen.parameter}
    return {**factors, **groups}


def _factors(scenario: Scenario, factors: Sequence[str] | Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    if factors is None:
        chosen = default_factors(scenario)
        if not chosen:
            raise ConfigError(f"{scenario.name} has no uncertain parameters or hazards: name the factors",
                              path="factors", value="None", allowed="paths or groups of paths")
        return chosen
    if isinstance(factors, str):
        raise ConfigError(f"factors must be a list of paths or a dict of name to paths, got {factors!r}",
                          path="factors", value=repr(factors), allowed="a list of paths or a dict of lists")
    out: dict[str, list[str]] = {}
    if isinstance(factors, Mapping):
        for name, paths in factors.items():
            if isinstance(paths, str) or not isinstance(paths, Sequence) or not paths:
                raise ConfigError(f"factors[{name!r}] must be a non-empty list of paths, got {paths!r}",
                                  path=f"factors.{name}", value=repr(paths), allowed="a list of paths")
            out[str(name)] = [str(p) for p in paths]
    elif isinstance(factors, Sequence):
        out = {str(p): [str(p)] for p in factors}
    else:
        raise ConfigError(f"factors must be a list of paths or a dict of name to paths, got {type(factors).__name__}",
                          path="factors", value=type(factors).__name__, allowed="a list of paths or a dict of lists")
    every = [p for paths in out.values() for p in paths]
    if len(set(every)) != len(every):
        raise ConfigError("a parameter is in more than one factor", path="factors", value=repr(every),
                          allowed="each path in one factor")
    if len(out) < 2:
        raise ConfigError(f"Sobol indices need at least 2 factors, got {len(out)}", path="factors",
                          value=str(len(out)), allowed="2 or more")
    ranges(scenario, every)  # every path checked, with the core's error for an unknown one
    return out


def _transform(scenario: Scenario, factors: dict[str, list[str]], unit: Array) -> list[dict[str, float]]:
    """Each row of ``unit`` (sample points x factors, in [0, 1]) as parameter values: every path of
    a factor at the quantile ``u`` of its distribution, or, without one, ``u`` of the way from 20%
    below to 20% above its value; clipped to its allowed range."""
    table = scenario.parameters().set_index("path", drop=False)
    sample = scenario.sample
    columns: dict[str, Array] = {}
    # Keep clear of the ends, where the quantile of an unbounded distribution is infinite.
    u = np.clip(unit, 1e-9, 1 - 1e-9)
    for j, paths in enumerate(factors.values()):
        for path in paths:
            row = cast("pd.Series[Any]", table.loc[path])
            q: list[float] | None
            if sample is not None and path in sample.columns:
                # A carried sample's column: its empirical quantiles.
                q = [float(x) for x in np.quantile(sample[path].to_numpy(float), u[:, j])]
            else:
                q = _percentiles(row["distribution"], list(u[:, j])) if bool(row["uncertain"]) else None
            if q is None:
                c = float(row["value"])
                values = c * (1 - SOBOL_FIXED_SPREAD + 2 * SOBOL_FIXED_SPREAD * u[:, j])
            else:
                values = np.asarray(q, dtype=float)
            columns[path] = np.array([_clip(float(v), row) for v in values])
    return [{p: float(columns[p][i]) for p in columns} for i in range(len(unit))]


def sobol(scenario: Scenario, factors: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
          baseline: Scenario | None = None, output: str = "net_savings", n: SupportsIndex = 64,
          replications: SupportsIndex = 20, years: SupportsIndex = 3, seed: SupportsIndex = 20150401,
          at: str | None = None, basis: str = "real", second_order: bool = False,
          threads: SupportsIndex | None = None, progress: bool | None = None) -> pd.DataFrame:
    """Sobol first-order and total indices of each factor on the output, through SALib.

    carecast draws the design itself (SALib's Saltelli sample from a scrambled Sobol sequence of
    ``n`` base points, a power of two: ``n x (k + 2)`` points for ``k`` factors, ``n x (2 k + 2)``
    with ``second_order``), runs the scenario at every point on the same ``seed`` and ``replications``
    (common random numbers, so the differences the estimators take are the factors', not chance;
    each run's replications in parallel), and analyses it with SALib (95% bootstrap intervals,
    ``S1_conf`` and ``ST_conf``).

    ``factors``: a list of parameter paths (each its own factor), or a dict of factor name to
    paths moved together (each path at the same quantile of its range); default
    :func:`default_factors`: the policy effects and the groups of baseline hazards, at most 12. A
    path's range: its distribution if it has one (the whole distribution, by its quantile
    function), else +-20% of its value, uniformly. Every other parameter is at its central value
    (:func:`carecast.finance.central`). ``output``, ``baseline``, ``at`` and ``basis`` as
    :func:`one_way`; a factor's paths the baseline shares move in both arms.

    Returns one row per factor and period: ``factor``, ``parameters`` (its paths, comma-separated),
    ``output``, ``period``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``, ``mean`` and ``sd`` (of the
    output over the design), ``n``, ``points`` and ``replications``; sorted by period, then ``ST``,
    largest first. With ``second_order``, ``frame.attrs["second_order"]`` holds ``S2`` per pair.
    The whole design is ``frame.attrs["design"]`` (the unit sample and the outputs).

    Needs SALib: ``pip install 'carecast[calibrate]'``.
    """
    from . import _whole
    from .extras import require
    from .finance import central

    out_kind = _check_pair(scenario, baseline, output, basis)
    chosen = _factors(scenario, factors)
    base_n = _whole("n", n, 2, 2**20)
    if base_n & (base_n - 1):
        raise ConfigError(f"n must be a power of two (Sobol sequences balance at powers of two), got {base_n}",
                          path="n", value=str(base_n), allowed="2, 4, 8, ..., 64, 128, ...")
    reps = _whole("replications", replications, 1, 2**31)
    y = _whole("years", years, 1, 100)
    require("SALib", "Sobol indices (carecast.analysis.sobol)")
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    names = list(chosen)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = np.asarray(sobol_sample.sample(problem, base_n, calc_second_order=second_order, scramble=True,
                                          seed=int(seed) % 2**32), dtype=float)
    fixed = central(scenario)
    base = central(baseline) if out_kind == "net_savings" and baseline is not None else None
    every = [p for paths in chosen.values() for p in paths]
    shared = _shared(fixed, base, every)
    points = _transform(fixed, chosen, unit)

    def run(s: Scenario) -> Results:
        return s.run(reps, y, seed, threads, progress=False)

    evaluate = _Evaluator(fixed, base, out_kind, at, basis, run, cache=False)
    from tqdm.auto import tqdm

    outputs: dict[str, list[float]] = {}
    for values in tqdm(points, desc="Sobol design", unit="point", disable=_bar_off(progress), delay=0.5):
        got = evaluate(values, {p: v for p, v in values.items() if p in shared})
        for period, a in got.items():
            outputs.setdefault(period, []).append(float(a.mean()))
    rows, second = [], []
    for period, ys in outputs.items():
        yv = np.asarray(ys)
        if float(yv.std()) == 0.0:
            s1 = st = s1c = stc = np.full(len(names), np.nan)
            si = None
        else:
            si = sobol_analyze.analyze(problem, yv, calc_second_order=second_order, conf_level=0.95,
                                       print_to_console=False, seed=int(seed) % 2**32)
            s1, s1c, st, stc = (np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf"))
        for j, name in enumerate(names):
            rows.append({"factor": name, "parameters": ", ".join(chosen[name]), "output": out_kind,
                         "period": period, "S1": float(s1[j]), "S1_conf": float(s1c[j]), "ST": float(st[j]),
                         "ST_conf": float(stc[j]), "mean": float(yv.mean()), "sd": float(yv.std(ddof=1)),
                         "n": base_n, "points": len(points), "replications": reps})
            if second_order and si is not None:
                for k in range(j + 1, len(names)):
                    second.append({"factor": name, "other": names[k], "period": period,
                                   "S2": float(si["S2"][j, k]), "S2_conf": float(si["S2_conf"][j, k])})
    frame = pd.DataFrame(rows)
    order = {p: i for i, p in enumerate(outputs)}
    frame["_period"] = frame.period.map(order)
    frame = frame.sort_values(["_period", "ST"], ascending=[True, False], kind="stable", na_position="last")
    frame = frame.drop(columns="_period").reset_index(drop=True)
    if second_order:
        frame.attrs["second_order"] = pd.DataFrame(second, columns=["factor", "other", "period", "S2", "S2_conf"])
    frame.attrs["design"] = {"factors": names, "unit": unit, "outputs": {k: np.asarray(v) for k, v in outputs.items()}}
    return frame


def uncertainty(scenario: Scenario, baseline: Scenario | None = None, draws: SupportsIndex = 50,
                replications: SupportsIndex = 20, chance_replications: SupportsIndex = 200,
                years: SupportsIndex = 3, seed: SupportsIndex = 20150401, basis: str = "real",
                threads: SupportsIndex | None = None, progress: bool | None = None) -> pd.DataFrame:
    """Each headline figure's uncertainty as total, chance alone and parameters alone, by a
    nested design.

    The design: ``draws`` parameter draws (the values a probabilistic run of the scenario draws
    for replications ``0 .. draws - 1``; the baseline's shared distributions draw the same values,
    by common random numbers); for each draw, the scenario (and baseline) with every uncertain
    parameter fixed at it and ``replications`` replications on chance streams of their own
    (replications ``i x replications ..``, so the draws' chance is independent); and a run of
    ``chance_replications`` with every parameter central (:func:`carecast.finance.central`).
    Runs: ``draws x (replications + 1)`` replication-runs per arm plus ``chance_replications``.

    Figures: children in care at the end of each year of the run and, with ``baseline``, net
    savings in each financial year (``basis`` prices) and the net present value over the horizon
    (discounted). Per figure (one row): ``mean``; ``total_low``/``total_high``, the 5th and 95th
    percentiles over all ``draws x replications`` runs (parameter and chance uncertainty
    together); ``chance_low``/``chance_high``, those of the central run (chance alone);
    ``parameter_low``/``parameter_high``, those of the ``draws`` conditional means (parameters
    alone; each mean keeps ``1/replications`` of the chance variance); ``chance_sd`` and
    ``parameter_sd`` and ``parameter_share`` from the one-way analysis of variance of the nested
    runs: chance variance = the mean within-draw variance, parameter variance = the variance of
    the draws' means less chance variance / ``replications`` (at least 0); and ``draws``,
    ``replications``, ``chance_replications``.

    >>> import carecast
    >>> s = carecast.Scenario.preset("wolverhampton-2015-redesign")
    >>> u = uncertainty(s, draws=4, replications=3, chance_replications=6, years=1, progress=False)
    >>> u.measure.tolist()
    ['children in care']
    """
    from . import _whole
    from .finance import Comparison, central

    out_kind = _check_pair(scenario, baseline, "net_savings" if baseline is not None else "in_care", basis)
    n_draws = _whole("draws", draws, 2, 100_000)
    m = _whole("replications", replications, 2, 2**31)
    c = _whole("chance_replications", chance_replications, 2, 2**31)
    y = _whole("years", years, 1, 100)
    seed_i = int(seed)

    def wide(s: Scenario) -> list[dict[str, float]]:
        """The values each of the first ``draws`` replications draws, one dict per replication."""
        d = s.run(n_draws, 1, seed_i, threads, progress=False).parameter_draws()
        rows: list[dict[str, float]] = [{} for _ in range(n_draws)]
        for rep, path, value in zip(d.replication, d.parameter, d.value, strict=True):
            rows[int(rep)][str(path)] = float(value)
        return rows

    scen_draws = wide(scenario)
    base_draws = wide(baseline) if out_kind == "net_savings" and baseline is not None else None

    def figures(results: Results, comparison: Comparison | None) -> dict[tuple[str, str], Array]:
        stock = results.array("lac_stock")
        out: dict[tuple[str, str], Array] = {}
        for k in range(y):
            month = results.months[12 * k + 11].strftime("%Y-%m")
            out[("children in care", month)] = np.asarray(stock[:, 12 * k + 11], dtype=float)
        if comparison is not None:
            for period, a in net_savings_by_replication(comparison, basis).items():
                if period != WHOLE_HORIZON:
                    out[("net savings", period)] = a
            out[("net present value", WHOLE_HORIZON)] = net_savings_by_replication(comparison, "discounted")[
                WHOLE_HORIZON]
        return out

    def measure(s: Scenario, b: Scenario | None, reps: range | int) -> dict[tuple[str, str], Array]:
        r = s.run(reps, y, seed_i, threads, progress=False)
        if b is None:
            return figures(r, None)
        rb = b.run(reps, y, seed_i, threads, progress=False)
        return figures(r, Comparison(b, s, rb, r))

    from tqdm.auto import tqdm

    nested: dict[tuple[str, str], list[Array]] = {}
    for i in tqdm(range(n_draws), desc="parameter draws", unit="draw", disable=_bar_off(progress), delay=0.5):
        row = scen_draws[i]
        s_i = scenario.with_parameters(row) if row else central(scenario)
        b_i = None
        if base_draws is not None and baseline is not None:
            brow = base_draws[i]
            b_i = baseline.with_parameters(brow) if brow else central(baseline)
        for key, a in measure(s_i, b_i, range(i * m, (i + 1) * m)).items():
            nested.setdefault(key, []).append(a)
    chance = measure(central(scenario), central(baseline) if base_draws is not None and baseline is not None
                     else None, c)
    rows = []
    for key, parts in nested.items():
        grid = np.vstack(parts)  # draws x replications
        means = grid.mean(axis=1)
        within = float(grid.var(axis=1, ddof=1).mean())
        between = float(means.var(ddof=1))
        parameter_var = max(0.0, between - within / m)
        total = parameter_var + within
        ch = chance[key]
        rows.append({"measure": key[0], "period": key[1], "mean": float(grid.mean()),
                     "total_low": float(np.percentile(grid, 5)), "total_high": float(np.percentile(grid, 95)),
                     "chance_low": float(np.percentile(ch, 5)), "chance_high": float(np.percentile(ch, 95)),
                     "parameter_low": float(np.percentile(means, 5)),
                     "parameter_high": float(np.percentile(means, 95)),
                     "chance_sd": math.sqrt(within), "parameter_sd": math.sqrt(parameter_var),
                     "parameter_share": parameter_var / total if total > 0 else float("nan"),
                     "draws": n_draws, "replications": m, "chance_replications": c})
    return pd.DataFrame(rows)


from ._calibrate import Calibration, calibrate, check_priors, check_targets  # noqa: E402  (calibration by ABC)
from ._voi import evpi, evppi, net_benefits  # noqa: E402  (value of information, in a module of its own)

__all__ = ["DEFAULT_MOST", "HAZARD_GROUPS", "OUTPUTS", "WHOLE_HORIZON", "Calibration", "calibrate", "check_priors",
           "check_targets", "default_factors", "evpi", "evppi",
           "in_care_by_replication", "net_benefits", "net_savings_by_replication", "one_way",
           "partial_rank_correlations", "prcc", "ranges", "sobol", "uncertainty"]
