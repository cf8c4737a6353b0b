"""Recovery study of carecast.analysis.calibrate: does ABC find parameters the model itself set?

For each trial: draw true values of three parameters from their priors, compute the targets from
the expected path at those values, add observation noise (each target drawn from Normal(truth,
sd)), calibrate from the priors, and record whether each parameter's 90% posterior interval
(weighted 5th to 95th percentile) covers the truth. Prints coverage per parameter with its
binomial (Clopper-Pearson) 95% interval, the mean posterior-to-prior width ratio and the time.

    .venv/bin/python scripts/calibration_recovery.py --trials 20 [--population 100 --generations 4
        --max-simulations 800 --seed 1 --workers 2 --out recovery.csv]

docs/calibration.md ("Calibration by ABC") gives the command and the figures measured.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

import carecast
from carecast.analysis import calibrate

SCENARIO = "wolverhampton-2015"
#: The parameters and their priors: log-normal around the preset's values, sigma 0.25 (about
#: +-50% at the 5th and 95th percentiles).
PARAMETERS = {
    "hazards.looked_after.return_home.under_6_months": 0.6,   # exits from care
    "hazards.abuse_neglect_care_multiplier": 1.3,             # entries to care
    "hazards.not_known.referral.age_5_9": 0.026,              # referrals, so assessments
}
SIGMA = 0.25
#: The targets: the first year (April 2015 to March 2016) and each one's sd as a fraction of it.
TARGETS = [("lac_stock", "2015-09", 0.02), ("lac_stock", "2016-03", 0.02), ("lac_entries", "2015/16", 0.02),
           ("lac_exits", "2015/16", 0.02), ("assessments", "2015/16", 0.01)]


def priors() -> dict[str, dict[str, Any]]:
    return {p: {"dist": "lognormal", "median": m, "sigma": SIGMA} for p, m in PARAMETERS.items()}


def targets_at(scenario: carecast.Scenario, truth: dict[str, float], rng: np.random.Generator) -> pd.DataFrame:
    """The targets the expected path gives at ``truth``, each with observation noise."""
    e = scenario.with_parameters(truth).expected(1)
    rows = []
    for measure, month, frac in TARGETS:
        a = e.value(measure)
        value = float(a[5]) if month == "2015-09" else float(a[11] if measure == "lac_stock" else a.sum())
        sd = frac * value
        rows.append({"measure": measure, "month": month, "value": value + rng.normal(0.0, sd), "sd": sd})
    return pd.DataFrame(rows)


def trial(i: int, seed: int, population: int, generations: int, max_simulations: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng([seed, i])
    scenario = carecast.Scenario.preset(SCENARIO)
    truth = {p: float(m * np.exp(SIGMA * rng.standard_normal())) for p, m in PARAMETERS.items()}
    t = targets_at(scenario, truth, rng)
    start = time.perf_counter()
    c = calibrate(scenario, t, priors(), generations=generations, population=population,
                  max_simulations=max_simulations, seed=seed * 1000 + i, progress=False)
    seconds = time.perf_counter() - start
    s = c.summary().set_index("parameter")
    out = []
    for p, v in truth.items():
        lo, hi = float(s.loc[p, "posterior_5"]), float(s.loc[p, "posterior_95"])
        out.append({"trial": i, "parameter": p, "truth": v, "posterior_5": lo, "posterior_50": s.loc[p, "posterior_50"],
                    "posterior_95": hi, "covered": lo <= v <= hi,
                    "width_ratio": (hi - lo) / (s.loc[p, "prior_95"] - s.loc[p, "prior_5"]),
                    "generations": len(c.history), "final_epsilon": float(c.history.epsilon.iloc[-1]),
                    "simulations": int(c.history.simulations.sum()), "seconds": seconds})
    return out


def main() -> None:
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--trials", type=int, default=20)
    a.add_argument("--population", type=int, default=100)
    a.add_argument("--generations", type=int, default=4)
    a.add_argument("--max-simulations", type=int, default=800)
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--workers", type=int, default=1)
    a.add_argument("--out", default=None, help="write every trial's rows to this CSV")
    args = a.parse_args()
    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = [pool.submit(trial, i, args.seed, args.population, args.generations, args.max_simulations)
                for i in range(args.trials)]
        for j in jobs:
            got = j.result()
            rows += got
            print(f"trial {got[0]['trial']}: " + ", ".join(
                f"{r['parameter'].split('.')[-2] + '.' + r['parameter'].split('.')[-1]} "
                f"{r['truth']:.4g} in [{r['posterior_5']:.4g}, {r['posterior_95']:.4g}] "
                f"{'yes' if r['covered'] else 'NO'}"
                for r in got) + f" ({got[0]['simulations']} simulations, {got[0]['seconds']:.0f} s)", flush=True)
    frame = pd.DataFrame(rows)
    if args.out:
        frame.to_csv(args.out, index=False)
    print(f"\n{args.trials} trials, population {args.population}, {args.generations} generations, at most "
          f"{args.max_simulations} simulations, seed {args.seed}; nominal coverage 90%")
    for p, g in frame.groupby("parameter", sort=False):
        k, n = int(g.covered.sum()), len(g)
        ci = stats.binomtest(k, n).proportion_ci(0.95)
        print(f"  {p}: covered {k}/{n} = {k / n:.0%} (95% interval {ci.low:.0%} to {ci.high:.0%}); "
              f"posterior 90% width / prior's: {g.width_ratio.mean():.2f}")
    k, n = int(frame.covered.sum()), len(frame)
    ci = stats.binomtest(k, n).proportion_ci(0.95)
    print(f"  all: {k}/{n} = {k / n:.0%} (95% interval {ci.low:.0%} to {ci.high:.0%})")
    per = frame.drop_duplicates("trial")
    print(f"simulations per trial: mean {per.simulations.mean():.0f}; "
          f"seconds per trial: mean {per.seconds.mean():.0f}; "
          f"total {time.perf_counter() - start:.0f} s with {args.workers} worker(s)")


if __name__ == "__main__":
    main()
