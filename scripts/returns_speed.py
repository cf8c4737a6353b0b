"""Time each step of building from SSDA903 returns on a large synthetic authority (measured
here, never asserted in tests): read, clean, the stock and starting position on a census date,
the estimates, and the observed figures of a back-test.

The returns are made by `carecast.returns.synthetic` with its population scaled up (85 times the
default gives about 500,000 episode rows and 39,000 children in care, the size of a user's test
that took 30 s a step), written once to a folder outside the repository and reused.

Run: .venv/bin/python scripts/returns_speed.py [--scale 85] [--runs 3] [--folder DIR] [--clean]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from carecast import returns
from carecast.returns import estimate, observed, synthetic

CENSUS = "2017-03-31"
STOCK_DATES = ("2015-03-31", "2016-03-31", "2017-03-31", "2018-03-31")


def timed(step: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """The median of ``runs`` timings of ``step``, and its last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def make_returns(folder: Path, scale: float, messy: bool, seed: int) -> None:
    """Write the synthetic returns into ``folder`` unless they are there already."""
    stamp = folder / "done"
    if stamp.exists():
        return
    truth = synthetic.Truth()
    truth.population = tuple(p * scale for p in truth.population)
    truth.uasc_per_year *= scale
    print(f"generating {folder} (population x{scale:g}, {'messy' if messy else 'clean'}, seed {seed}) ...")
    authority = synthetic.generate(truth, seed=seed)
    authority.write(folder, synthetic.Mess() if messy else None)
    stamp.write_text("written\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=85.0, help="population multiple of the default authority")
    parser.add_argument("--runs", type=int, default=3, help="timings per step (the median is printed)")
    parser.add_argument("--folder", type=Path, default=None, help="where the returns are written and reused")
    parser.add_argument("--clean", action="store_true", help="clean returns rather than messy ones")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    kind = "clean" if args.clean else "messy"
    folder = args.folder or Path(f"/tmp/carecast-returns-speed/{kind}-x{args.scale:g}-seed{args.seed}")
    make_returns(folder, args.scale, not args.clean, args.seed)

    steps: list[tuple[str, float]] = []

    def step(name: str, f: Callable[[], Any]) -> Any:
        seconds, result = timed(f, args.runs)
        steps.append((name, seconds))
        print(f"  {name:<40} {seconds:8.2f} s", flush=True)
        return result

    raw = None
    print(f"returns in {folder}; median of {args.runs} runs:", flush=True)
    raw = step("read_returns", lambda: returns.read_returns(folder))
    data = step("clean", lambda: returns.clean(raw))
    window = estimate.Window.ending(CENSUS, 36)
    population = [p * args.scale for p in synthetic.Truth().population]
    stock = step(f"in_care_on {CENSUS}", lambda: returns.in_care_on(data, CENSUS))
    step(f"starting_position {CENSUS}", lambda: returns.starting_position(data, CENSUS))
    step("estimate.periods", lambda: estimate.periods(data))
    step("estimate.entry_rates (36 months)", lambda: estimate.entry_rates(data, window, population))
    step("estimate.exit_rates", lambda: estimate.exit_rates(data, window))
    step("estimate.placement_move_rate", lambda: estimate.placement_move_rate(data, window))
    step("estimate.reentry_rate", lambda: estimate.reentry_rate(data, window))
    step("estimate.entry_trend", lambda: estimate.entry_trend(data, window))
    step(f"observed.stock_by ({len(STOCK_DATES)} dates)", lambda: observed.stock_by(data, STOCK_DATES))
    step("observed.flows_by_year", lambda: observed.flows_by_year(data))

    episode_rows = len(raw.episodes)
    print()
    print(
        f"workload: {episode_rows:,} episode rows read ({len(raw.header):,} header rows), "
        f"{len(data.episodes):,} episodes of {data.children():,} children after cleaning, "
        f"{len(stock):,} in care on {CENSUS}; {len(data.fixes):,} rows fixed or dropped"
    )
    total = sum(seconds for _, seconds in steps)
    slowest = max(steps, key=lambda s: s[1])
    print(f"total {total:.1f} s; slowest step {slowest[0]} ({slowest[1]:.2f} s)")
    pd.set_option("display.width", 120)


if __name__ == "__main__":
    main()
