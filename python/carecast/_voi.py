"""Value of information: EVPI and EVPPI by the regression method of Strong, Oakley and Brennan
(2014), for a decision between a baseline and one or more options on net savings.

Public names are re-exported by :mod:`carecast.analysis` (``evpi``, ``evppi``,
``net_benefits``); :func:`carecast.plots.evppi` draws the EVPPI table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import ConfigError

if TYPE_CHECKING:
    from .finance import Comparison
    from .options import Options

Array = npt.NDArray[np.float64]

#: Regression methods of :func:`evppi`: ``gam`` (tensor-product splines, up to
#: :data:`GAM_MOST` parameters), ``gp`` (a Gaussian process), ``additive`` (a spline of each
#: parameter, summed: no interactions) and ``auto`` (``gam`` up to :data:`GAM_MOST` parameters;
#: beyond, whichever of ``gp`` and ``additive`` predicts better in 5-fold cross-validation).
METHODS = ("auto", "gam", "gp", "additive")
#: Folds of the cross-validation ``auto`` chooses by.
FOLDS = 5
#: The most parameters a tensor-product spline (``gam``) takes, as Strong et al. advise.
GAM_MOST = 4
#: The most rows a Gaussian process is fitted on (its cost grows with the cube of the rows); a
#: larger sample is fitted on an evenly spaced subset and predicted on every row.
GP_MOST_ROWS = 1000
#: The most rows a Gaussian process's hyperparameters are fitted on.
GP_TUNE_ROWS = 250


def net_benefits(source: Comparison | Options, basis: str = "discounted") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The decision's net benefits and the parameters drawn, one row per replication.

    ``source``: a :class:`~carecast.Comparison` (baseline against one option) or
    :class:`~carecast.Options` (``carecast.compare(baseline, a, b, ...)``) of a probabilistic run.
    The net benefit of each option is its net savings against the baseline over the whole horizon
    at ``basis`` prices (by default discounted: a present value); the baseline's is zero. Returns
    ``(benefits, draws)``: ``benefits`` has a column per option, the baseline's first; ``draws``
    the values each replication drew, a column per parameter path, the union of the baseline's and
    every option's (a path drawn differently in two options is prefixed by the option's name).
    """
    from .analysis import WHOLE_HORIZON, net_savings_by_replication
    from .finance import Comparison
    from .options import Options

    if isinstance(source, Comparison):
        comparisons, names = [source], [source.scenario.name]
    elif isinstance(source, Options):
        comparisons, names = list(source.comparisons), list(source.names)
    else:
        raise ConfigError(f"source must be a Comparison or Options (carecast.compare), got {type(source).__name__}",
                          path="source", value=type(source).__name__, allowed="carecast.compare's result")
    first = comparisons[0]
    benefits = {first.baseline.name if first.baseline.name not in names else "baseline":
                np.zeros(first.baseline_results.replications)}
    for name, c in zip(names, comparisons, strict=True):
        benefits[name] = net_savings_by_replication(c, basis)[WHOLE_HORIZON]
    draws: dict[str, Array] = {}

    def add(results: Any, owner: str) -> None:
        d = results.parameter_draws()
        if d.empty:
            return
        wide = d.pivot(index="replication", columns="parameter", values="value")
        for path in dict.fromkeys(d.parameter):
            column = wide[path].to_numpy(dtype=float)
            if path in draws and not np.array_equal(draws[path], column):
                draws[f"{owner}: {path}"] = column
            else:
                draws[path] = column

    add(first.baseline_results, "baseline")
    for name, c in zip(names, comparisons, strict=True):
        add(c.scenario_results, name)
    return pd.DataFrame(benefits), pd.DataFrame(draws)


def _check_benefits(benefits: object) -> Array:
    if not isinstance(benefits, pd.DataFrame) or benefits.shape[1] < 2 or len(benefits) < 2:
        raise ConfigError("benefits must be a DataFrame with a column per option (2 or more) and a row per sample",
                          path="benefits", value=type(benefits).__name__,
                          allowed="net benefit by sample and option")
    nb = benefits.to_numpy(dtype=float)
    if not np.isfinite(nb).all():
        raise ConfigError("benefits must be finite", path="benefits", value="NaN or infinite",
                          allowed="finite numbers")
    return nb


def _value(fitted: Array) -> float:
    """E[max over options] - max over options of E: the value of knowing what ``fitted`` knows."""
    return float(np.mean(fitted.max(axis=1)) - fitted.mean(axis=0).max())


def evpi(benefits: pd.DataFrame | Comparison | Options, draws: pd.DataFrame | None = None,
         population: float = 1.0, basis: str = "discounted", method: str = "auto") -> pd.DataFrame:
    """Expected value of perfect information about the parameters: what it would be worth to
    know every uncertain parameter before choosing between the options.

    ``benefits``: net benefits by sample (row) and option (column), or a
    :class:`~carecast.Comparison` / :class:`~carecast.Options` whose replications are the sample
    (:func:`net_benefits`). EVPI is ``E[max_d NB_d] - max_d E[NB_d]``. A Monte Carlo
    replication's net benefit also holds chance (which children come), which no study can learn;
    so with ``draws`` (or from a comparison) the net benefits are first regressed on every drawn
    parameter (:func:`evppi` of all of them, ``method`` as there), which removes chance: that is
    the ``evpi`` column. ``evpi_with_chance`` is the formula on the raw benefits, the value of
    knowing the chance outcome too (an upper bound, not a value of information). Without
    ``draws`` the benefits are taken as free of chance (``evpi == evpi_with_chance``).

    ``population``: the number of decisions the information would inform (authorities deciding
    alike, say); ``population_evpi = evpi x population``. Returns one row: ``evpi``,
    ``evpi_with_chance``, ``population``, ``population_evpi``, ``best`` (the option with the
    highest expected benefit), ``probability_best`` (how often it is best, chance removed),
    ``samples``.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> theta = rng.normal(0.5, 1.0, 200_000)       # option's gain over doing nothing
    >>> t = evpi(pd.DataFrame({"nothing": 0.0, "option": theta}))
    >>> round(float(t.evpi.iloc[0]), 2)              # sd phi(mean/sd) + mean Phi(mean/sd) - mean
    0.2
    """
    nb, names, fitted = _prepare(benefits, draws, basis, method)
    p = float(population)
    if not math.isfinite(p) or p <= 0:
        raise ConfigError(f"population must be a positive number, got {population!r}", path="population",
                          value=repr(population), allowed="a number > 0")
    value = _value(fitted)
    best = int(fitted.mean(axis=0).argmax())
    return pd.DataFrame([{"evpi": value, "evpi_with_chance": _value(nb), "population": p,
                          "population_evpi": value * p, "best": names[best],
                          "probability_best": float(np.mean(fitted.argmax(axis=1) == best)),
                          "samples": len(nb)}])


def _prepare(benefits: pd.DataFrame | Comparison | Options, draws: pd.DataFrame | None, basis: str,
             method: str) -> tuple[Array, list[str], Array]:
    """The raw benefits, the options' names and the benefits with chance regressed out (the raw
    ones where there are no draws)."""
    if not isinstance(benefits, pd.DataFrame):
        benefits, from_run = net_benefits(benefits, basis)
        draws = from_run if draws is None else draws
    nb = _check_benefits(benefits)
    names = [str(c) for c in benefits.columns]
    if draws is None or draws.shape[1] == 0:
        return nb, names, nb
    x = _check_draws(draws, len(nb))
    return nb, names, _fit(nb, x, method)


def _check_draws(draws: object, rows: int) -> Array:
    if not isinstance(draws, pd.DataFrame) or len(draws) != rows:
        raise ConfigError(f"draws must be a DataFrame with one row per sample ({rows})", path="draws",
                          value=f"{getattr(draws, 'shape', type(draws).__name__)}", allowed=f"{rows} rows")
    x = draws.to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise ConfigError("draws must be finite", path="draws", value="NaN or infinite", allowed="finite numbers")
    return x


def _fit(nb: Array, x: Array, method: str) -> Array:
    """E[NB_d | x] for each option ``d`` by regression (the first option is the reference: its
    differences from it are fitted, which is all the decision needs)."""
    return _fit_with(nb, x, method)[0]


def _fit_with(nb: Array, x: Array, method: str) -> tuple[Array, str, float]:
    """As :func:`_fit`, with the method used and the cross-validated R^2 of the fit (of the first
    option's difference; NaN where not computed)."""
    from .extras import require

    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {method!r}", path="method",
                          value=repr(method), allowed=", ".join(METHODS))
    require("sklearn", "EVPI and EVPPI by regression (carecast.analysis)")
    keep = x.std(axis=0) > 0
    x = x[:, keep]
    out = np.zeros_like(nb)
    out[:, 0] = nb[:, 0].mean()
    if x.shape[1] == 0:  # nothing varies: only the means are known
        out[:, 1:] = nb[:, 1:].mean(axis=0) - nb[:, :1].mean() + out[:, :1]
        return out, "none", float("nan")
    if method == "gam" and x.shape[1] > GAM_MOST:
        raise ConfigError(f"method gam takes at most {GAM_MOST} parameters, got {x.shape[1]}: use gp or additive",
                          path="method", value="gam", allowed=f"gp or additive for more than {GAM_MOST}")
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    used, score = method, float("nan")
    for d in range(1, nb.shape[1]):
        y = nb[:, d] - nb[:, 0]
        if method == "auto" and x.shape[1] <= GAM_MOST:
            used = "gam"
        elif method == "auto" and d == 1:
            # A Gaussian process can explain noise by wiggles (its noise term at zero): it is kept
            # only if it predicts rows it was not fitted on better than the additive model.
            kernel = _gp_kernel(z, y)
            scores = {"gp": _cross_validated_r2(z, y, "gp", kernel), "additive": _cross_validated_r2(z, y, "additive")}
            used = max(scores, key=lambda m: scores[m])
        if used == "gp":
            # Cross-fitted: each row predicted by the process conditioned on the other folds, so
            # that a kernel which takes chance for signal cannot pass the chance on as value.
            kernel = kernel if method == "auto" and d == 1 else _gp_kernel(z, y)
            fitted = _out_of_fold(z, y, "gp", kernel)
        else:
            fitted = {"gam": _gam, "additive": _additive}[used](z, y)
        if method == "auto" and x.shape[1] > GAM_MOST and d == 1:
            r2 = scores[used]
        else:
            r2 = _cross_validated_r2(z, y, used, kernel if used == "gp" else None)
        if not r2 > 0:
            # No better than the mean at predicting samples left out: what the fit found is noise
            # (a small sample, a parameter that does not matter), and knowing the group is worth 0.
            fitted = np.full_like(y, y.mean())
        out[:, d] = out[:, 0] + fitted
        if d == 1:
            score = r2
    return out, used, score


def _out_of_fold(z: Array, y: Array, method: str, kernel: Any = None) -> Array:
    """Each row's prediction by ``method`` fitted on the other :data:`FOLDS` - 1 folds."""
    folds = np.arange(len(z)) % FOLDS
    predicted = np.empty_like(y)
    if method == "gp" and kernel is None:
        kernel = _gp_kernel(z, y)
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        if method == "gp":
            predicted[test] = _gp(z[train], y[train], z[test], kernel)
        else:
            predicted[test] = {"gam": _gam, "additive": _additive}[method](z[train], y[train], z[test])
    return predicted


def _cross_validated_r2(z: Array, y: Array, method: str, kernel: Any = None) -> float:
    """R^2 of ``method``'s predictions of rows left out, over :data:`FOLDS` folds (rows dealt to
    folds in turn: the sample's order is random already). A Gaussian process keeps the kernel
    fitted on all rows (re-fitting it per fold would cost five times as much): a kernel that
    explains noise as signal still predicts the rows left out badly, which is what this is for."""
    predicted = _out_of_fold(z, y, method, kernel)
    spread = float(((y - y.mean()) ** 2).sum())
    return 1 - float(((y - predicted) ** 2).sum()) / spread if spread > 0 else float("nan")


def _gam(z: Array, y: Array, at: Array | None = None) -> Array:
    """A generalised additive model with interactions as Strong et al. fit with mgcv's ``te()``:
    cubic B-splines of each parameter, their tensor products, and a ridge penalty chosen by
    generalised cross-validation (scikit-learn's SplineTransformer and RidgeCV)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import SplineTransformer

    p = z.shape[1]
    knots = {1: 10, 2: 6, 3: 4, 4: 3}[p]
    splines = SplineTransformer(n_knots=knots, degree=3, knots="quantile", include_bias=True,
                                extrapolation="linear").fit(z)

    def design(points: Array) -> Array:
        basis = np.asarray(splines.transform(points), dtype=float)
        per = basis.shape[1] // p
        blocks = [basis[:, j * per:(j + 1) * per] for j in range(p)]
        out = blocks[0]
        for b in blocks[1:]:
            out = np.einsum("ni,nj->nij", out, b).reshape(len(points), -1)
        return out

    model = RidgeCV(alphas=np.logspace(-6, 3, 28), fit_intercept=True).fit(design(z), y)
    fitted: Array = np.asarray(model.predict(design(z if at is None else at)), dtype=float)
    return fitted


def _additive(z: Array, y: Array, at: Array | None = None) -> Array:
    """A cubic spline of each parameter, summed (no interactions), with a ridge penalty chosen by
    generalised cross-validation: robust where a group has many parameters and little signal."""
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import SplineTransformer

    splines = SplineTransformer(n_knots=5, degree=3, knots="quantile", extrapolation="linear").fit(z)
    model = RidgeCV(alphas=np.logspace(-6, 3, 28), fit_intercept=True).fit(splines.transform(z), y)
    fitted: Array = np.asarray(model.predict(splines.transform(z if at is None else at)), dtype=float)
    return fitted


def _gp_kernel(z: Array, y: Array) -> Any:
    """The kernel of a Gaussian process regression of ``y`` on ``z``: a length scale per parameter
    and a white-noise term for chance, fitted by maximum likelihood (scikit-learn) on at most
    :data:`GP_TUNE_ROWS` rows, the costly step (each of the optimiser's steps factorises the
    matrix again)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

    p = z.shape[1]
    kernel = (ConstantKernel(1.0, (1e-4, 1e4)) * RBF(np.ones(p), (1e-2, 1e4))
              + WhiteKernel(0.5, (1e-3, 1e2)))
    tune = _spaced(len(z), GP_TUNE_ROWS)
    # Matrices this small gain nothing from threads; on a shared machine threads cost twice the time.
    with warnings.catch_warnings(), threadpool_limits(1):
        # A length scale at its upper bound is a parameter the benefits do not depend on: an answer.
        warnings.simplefilter("ignore", ConvergenceWarning)
        tuned = GaussianProcessRegressor(kernel=kernel, normalize_y=True, random_state=0).fit(z[tune], y[tune])
    return tuned.kernel_


def _spaced(n: int, most: int) -> npt.NDArray[np.intp]:
    if n <= most:
        return np.arange(n)
    return np.asarray(np.linspace(0, n - 1, most).round(), dtype=np.intp)


def _gp(z: Array, y: Array, at: Array | None = None, kernel: Any = None) -> Array:
    """A Gaussian process regression (:func:`_gp_kernel`'s kernel unless given), conditioned on
    at most :data:`GP_MOST_ROWS` rows with its hyperparameters fixed, predicting ``at`` (default
    every row)."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from threadpoolctl import threadpool_limits

    kernel = _gp_kernel(z, y) if kernel is None else kernel
    rows = _spaced(len(z), GP_MOST_ROWS)
    with threadpool_limits(1):
        gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True, optimizer=None).fit(z[rows], y[rows])
        fitted: Array = np.asarray(gp.predict(z if at is None else at), dtype=float)
    return fitted


def evppi(benefits: pd.DataFrame | Comparison | Options, draws: pd.DataFrame | None = None,
          parameters: Sequence[str] | Mapping[str, Sequence[str]] | None = None, population: float = 1.0,
          basis: str = "discounted", method: str = "auto") -> pd.DataFrame:
    """Expected value of partial perfect information: what it would be worth to know one
    parameter, or one group, before choosing.

    By the regression method of Strong, Oakley and Brennan (2014): for each option, its net
    benefit against the first option is regressed on the parameters of interest; the fitted
    values are the expected benefits given them, and EVPPI is ``E[max_d fitted_d] - max_d
    E[fitted_d]``. ``method``: ``gam`` (tensor-product cubic splines with a penalty chosen by
    generalised cross-validation: Strong et al.'s GAM, up to 4 parameters), ``gp`` (a Gaussian
    process with a length scale per parameter), ``additive`` (a spline per parameter, summed), or
    ``auto``: ``gam`` up to 4 parameters; beyond, ``gp`` or ``additive``, whichever predicts
    left-out samples better (a Gaussian process can take chance for signal and overstate EVPPI).
    Whatever the method, a regression that predicts left-out samples no better than their mean
    (cross-validated R^2 at most 0) is replaced by the mean: what it found is noise, and the
    group's EVPPI is 0.
    The regression also removes chance: what a study could not learn is not valued.

    ``benefits`` and ``draws`` as :func:`evpi` (from a comparison, both come from the run).
    ``parameters``: a list of paths of ``draws`` (each alone) or a dict of group name to paths;
    by default each drawn parameter alone, then every policy effect together (``policy effects``)
    and every unit cost together (``unit costs``) where there are two or more. Returns one row per
    parameter or group: ``parameter``, ``parameters`` (its paths), ``evppi``, ``population_evppi``,
    ``share_of_evpi`` (of :func:`evpi` with chance removed), ``r2`` (the regression's R^2 in
    5-fold cross-validation: how well the group predicts the benefits of samples it was not
    fitted on; near 0, it tells little), ``method`` (the regression used); sorted by ``evppi``,
    largest first.
    """
    if not isinstance(benefits, pd.DataFrame):
        benefits, from_run = net_benefits(benefits, basis)
        draws = from_run if draws is None else draws
    if draws is None:
        raise ConfigError("evppi needs the parameters drawn for each sample", path="draws", value="None",
                          allowed="a DataFrame, a column per parameter")
    nb = _check_benefits(benefits)
    _check_draws(draws, len(nb))
    p = float(population)
    if not math.isfinite(p) or p <= 0:
        raise ConfigError(f"population must be a positive number, got {population!r}", path="population",
                          value=repr(population), allowed="a number > 0")
    varying = [str(c) for c in draws.columns if draws[c].nunique() > 1]
    groups = _groups(parameters, varying, [str(c) for c in draws.columns])
    every = _value(_fit(nb, draws[varying].to_numpy(dtype=float), method)) if varying else 0.0
    rows = []
    for name, paths in groups.items():
        x = draws[paths].to_numpy(dtype=float)
        fitted, used, r2 = _fit_with(nb, x, method)
        value = max(0.0, _value(fitted))
        rows.append({"parameter": name, "parameters": ", ".join(paths), "evppi": value,
                     "population_evppi": value * p, "share_of_evpi": value / every if every > 0 else float("nan"),
                     "r2": r2, "method": used})
    out = pd.DataFrame(rows)
    return out.sort_values("evppi", ascending=False, kind="stable").reset_index(drop=True)


def _groups(parameters: Sequence[str] | Mapping[str, Sequence[str]] | None, varying: list[str],
            columns: list[str]) -> dict[str, list[str]]:
    if parameters is None:
        groups = {p: [p] for p in varying}
        effects = [p for p in varying if not p.split(": ")[-1].startswith("costs.")]
        costs = [p for p in varying if p.split(": ")[-1].startswith("costs.")]
        if len(effects) >= 2:
            groups["policy effects"] = effects
        if len(costs) >= 2:
            groups["unit costs"] = costs
        if not groups:
            raise ConfigError("no parameter varies across the samples", path="draws", value="constant",
                              allowed="draws that vary")
        return groups
    if isinstance(parameters, str):
        raise ConfigError(f"parameters must be a list of paths or a dict of name to paths, got {parameters!r}",
                          path="parameters", value=repr(parameters), allowed="a list or a dict")
    chosen = ({str(k): [str(p) for p in v] for k, v in parameters.items()} if isinstance(parameters, Mapping)
              else {str(p): [str(p)] for p in parameters})
    for name, paths in chosen.items():
        if isinstance(paths, str) or not paths:
            raise ConfigError(f"parameters[{name!r}] must be a non-empty list of paths", path=f"parameters.{name}",
                              value=repr(paths), allowed="a list of paths")
        for path in paths:
            if path not in columns:
                raise ConfigError(f"{path}: not a parameter drawn in the run", path=f"parameters.{name}",
                                  value=path, allowed="a column of the draws: " + ", ".join(columns[:8])
                                  + (", ..." if len(columns) > 8 else ""))
    return chosen
