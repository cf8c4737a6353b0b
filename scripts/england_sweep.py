"""England as a sweep (issue 16, item 4): about 150 authority scenarios, about 12 million children
in all, run in-process and on a Dask LocalCluster of 1 and of 2 workers; prints the time, the
peak memory per worker, the scaling from 1 to 2 workers and what a 10-node cluster would take.

    .venv/bin/python scripts/england_sweep.py [--replications 100] [--years 10] [--authorities 150]
                                              [--modes inprocess,1,2] [--table england.csv]

The authorities are a documented synthetic table (no per-authority table is at hand), whose
national totals match the published ones (children looked after in England at 31 March 2020:
80,080; under-18 population about 12.0 million; rates across authorities from 24 to 223 per
10,000): under-18 populations spread like a log-normal (about 13,000 to 300,000), each authority's
rate of children looked after from 24 to 223 per 10,000, mixed so that size and rate are not
related, the rates' shape fitted so that the national total is 80,080. Each authority is the
default preset (Wolverhampton, 57,000 children, 790 in care: 139 per 10,000) scaled: population
and starting caseload by size, every contact hazard (``hazards.contact_need_multiplier``) and the
starting caseload by rate / 139, early help places and hubs by size. BENCHMARKS.md has the figures.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd

import carecast

ENGLAND_CHILDREN = 12_000_000  # under-18s, 2020
ENGLAND_IN_CARE = 80_080  # children looked after at 31 March 2020
LOWEST_RATE, HIGHEST_RATE = 24.0, 223.0  # per 10,000, 2020 (Wokingham, Blackpool)
SIZE_SIGMA = 0.6  # spread of log population


def authorities(n: int = 150) -> pd.DataFrame:
    """The synthetic table: name, under_18, rate_per_10k, looked_after, in authority order."""
    from scipy.stats import norm

    z = norm.ppf((np.arange(n) + 0.5) / n)
    size = np.exp(SIZE_SIGMA * z)
    children = np.round(size / size.sum() * ENGLAND_CHILDREN).astype(int)
    children[np.argmax(children)] += ENGLAND_CHILDREN - children.sum()  # exactly 12.0 million
    # Rates: rank u in [0, 1] mixed against size by a fixed permutation, shaped by u ** a, with a
    # found by bisection so that the national total of children in care is ENGLAND_IN_CARE.
    order = (np.arange(n) * 37) % n if math.gcd(37, n) == 1 else np.random.default_rng(1).permutation(n)
    u = (z[order] - z[0]) / (z[-1] - z[0])

    def rates(a: float) -> np.ndarray:
        return LOWEST_RATE * (HIGHEST_RATE / LOWEST_RATE) ** (u**a)

    lo, hi = 0.1, 10.0
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        total = float((children * rates(mid) / 1e4).sum())
        lo, hi = (lo, mid) if total < ENGLAND_IN_CARE else (mid, hi)
    r = rates(math.sqrt(lo * hi))
    return pd.DataFrame({"name": [f"Authority {i + 1:03d}" for i in range(n)], "under_18": children,
                         "rate_per_10k": r, "looked_after": np.round(children * r / 1e4).astype(int)})


def scenarios(table: pd.DataFrame) -> dict[str, carecast.Scenario]:
    """Each authority: the default preset scaled by size and by rate."""
    base = carecast.Scenario.preset("wolverhampton-2015")
    d = base.to_dict()
    pop, initial, early_help = d["population"], d["population"]["initial"], d["policy"]["early_help"]
    base_rate = initial["looked_after"] / pop["under_18"] * 1e4
    contact = d["hazards"]["contact_need_multiplier"]
    out = {}
    for row in table.itertuples():
        size = row.under_18 / pop["under_18"]
        need = row.rate_per_10k / base_rate
        counts = {k: round(initial[k] * size * need) for k in
                  ("looked_after", "child_protection", "child_in_need", "early_help_families", "waiting_families")}
        counts["looked_after"] = int(row.looked_after)
        out[row.name] = base.updated({
            "name": row.name, "authority": row.name,
            "population": {"under_18": int(row.under_18), "initial": counts},
            "hazards": {"contact_need_multiplier": {k: v * need for k, v in contact.items()}},
            "policy": {"early_help": {"places": max(1, round(early_help["places"] * size)),
                                      "hubs": max(1, round(early_help["hubs"] * size))}},
        })
    return out


def peak_rss_kb() -> int:
    """This process's peak resident memory (kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(named: dict[str, carecast.Scenario], args: argparse.Namespace,
        workers: int | None) -> tuple[float, float, list[int], carecast.Sweep]:
    """One sweep: in-process (workers None) or on a LocalCluster of ``workers`` single-threaded
    worker processes. Returns the wall time, the CPU time (of this process, or of the workers),
    the peak resident memory of each worker (kB) and the sweep."""
    if workers is None:
        cpu, started = time.process_time(), time.perf_counter()
        result = carecast.sweep(named, args.replications, args.years, args.seed, progress=False)
        return time.perf_counter() - started, time.process_time() - cpu, [peak_rss_kb()], result
    import distributed

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit=0) as cluster, \
            distributed.Client(cluster) as client:
        cpu = sum(client.run(time.process_time).values())
        started = time.perf_counter()
        result = carecast.sweep(named, args.replications, args.years, args.seed, client=client, progress=False)
        wall = time.perf_counter() - started
        cpu = sum(client.run(time.process_time).values()) - cpu
        peaks = client.run(peak_rss_kb)
    return wall, cpu, sorted(peaks.values()), result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--replications", type=int, default=100)
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--seed", type=int, default=20150401)
    p.add_argument("--authorities", type=int, default=150)
    p.add_argument("--modes", default="inprocess,1,2", help="comma-separated: inprocess, and numbers of workers")
    p.add_argument("--table", help="also write the authorities' table to this CSV file")
    args = p.parse_args()
    table = authorities(args.authorities)
    if args.table:
        table.to_csv(args.table, index=False)
    named = scenarios(table)
    print(f"{len(named)} authorities, {table.under_18.sum():,} children, {table.looked_after.sum():,} in care at the "
          f"start ({table.looked_after.sum() / table.under_18.sum() * 1e4:.1f} per 10,000; authorities "
          f"{table.rate_per_10k.min():.0f} to {table.rate_per_10k.max():.0f}); under-18s "
          f"{table.under_18.min():,} to {table.under_18.max():,}, median {int(statistics.median(table.under_18)):,}")
    print(f"{args.replications} replications x {args.years} years, seed {args.seed}; {os.cpu_count()} cores here")
    timings: dict[str, float] = {}
    reference = None
    for mode in args.modes.split(","):
        workers = None if mode == "inprocess" else int(mode)
        wall, cpu, peaks, result = run(named, args, workers)
        label = "in-process" if workers is None else f"LocalCluster, {workers} worker{'s' * (workers > 1)}"
        timings[mode] = wall
        gib = ", ".join(f"{kb / 2**20:.2f}" for kb in peaks)
        print(f"{label:26s} wall {wall:8.1f} s   CPU {cpu:8.1f} s   peak resident memory per "
              f"{'process' if workers is None else 'worker'} {gib} GiB")
        figures = {k: b"".join(a.tobytes() for a in result.figures(k).values()) for k in result.indicators}
        if reference is None:
            reference = figures
            total = sum(float(a.mean()) for a in result.figures("in_care_end").values())
            print(f"{'':26s} children in care at the end, England (sum of the authorities' means): {total:,.0f}")
        else:
            print(f"{'':26s} figures bit for bit those of the first run: {figures == reference}")
    if "1" in timings and "2" in timings:
        speedup = timings["1"] / timings["2"]
        efficiency = speedup / 2
        print(f"1 -> 2 workers: {speedup:.2f} times as fast (parallel efficiency {efficiency:.0%})")
        work = timings["1"]  # seconds of one worker
        for nodes, cores in ((10, 2), (10, 32)):
            w = nodes * cores
            print(f"10 nodes of {cores} cores ({w} workers) at that efficiency: about {work / (w * efficiency):.1f} s "
                  f"(one worker's {work:.0f} s / {w} workers / {efficiency:.2f}); "
                  f"{math.ceil(len(named) * args.replications / w)} authority-replications a worker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
