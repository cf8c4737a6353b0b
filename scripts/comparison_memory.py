"""Print the peak resident memory of a comparison from Python (measured here, never asserted in
tests): the default preset against its redesign, both run with the same seed, then every table
of the comparison (what ``Comparison.tables`` and ``to_csv`` make).

Run: .venv/bin/python scripts/comparison_memory.py [REPLICATIONS] [YEARS]
"""

from __future__ import annotations

import resource
import sys
import time


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def main() -> None:
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    import carecast

    print(f"after import: peak {peak_mb():.0f} MB")
    base = carecast.Scenario.preset("wolverhampton-2015")
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    started = time.perf_counter()
    comparison = carecast.compare(base, redesign, replications=replications, years=years, seed=1, progress=False)
    print(f"{replications} replications x {years} years, both runs: {time.perf_counter() - started:.0f} s, "
          f"peak {peak_mb():.0f} MB")
    started = time.perf_counter()
    tables = comparison.tables()
    rows = sum(len(t) for t in tables.values())
    by_locality = comparison.costs(by_locality=True)
    print(f"every table ({rows} rows) and costs by locality ({len(by_locality)} rows): "
          f"{time.perf_counter() - started:.1f} s, peak {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
