"""Print the peak resident memory of a comparison from Python (measured here, never asserted in
tests): the default preset against its redesign, both run with the same seed, then every table
of the comparison one after another (what ``Comparison.tables``, ``costs(by_locality=True)``,
``to_csv``, ``to_excel`` and the HTML report make).

Each line gives the peak so far (``ru_maxrss``, what ``/usr/bin/time -v`` reports as maximum
resident set size) and the resident memory now (``VmRSS``): the peak of a step is the first
figure, what the step leaves behind the second. After the import and at the end it also splits
the resident memory into the process's own (``RssAnon``) and pages of files (``RssFile``: the
libraries' code, pyarrow's about 55 MB of it, which pandas 3 imports when it is installed).

Run: .venv/bin/python scripts/comparison_memory.py [REPLICATIONS] [YEARS] [--no-report]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def status_mb(field: str) -> float:
    """A figure of /proc/self/status in MB: VmRSS (resident now), RssAnon (of which the process's
    own memory), RssFile (of which pages of files, mostly the libraries' code)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def resident_mb() -> float:
    """Resident memory of this process now, in MB."""
    return status_mb("VmRSS")


def step(label: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` and print its time, the peak so far and the resident memory after it."""
    started = time.perf_counter()
    out = work()
    print(f"{label}: {time.perf_counter() - started:.1f} s, peak {peak_mb():.0f} MB, now {resident_mb():.0f} MB",
          flush=True)
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    replications = int(args[0]) if args else 10_000
    years = int(args[1]) if len(args) > 1 else 10
    import carecast

    print(f"after import: peak {peak_mb():.0f} MB, now {resident_mb():.0f} MB "
          f"(own {status_mb('RssAnon'):.0f} MB, files {status_mb('RssFile'):.0f} MB)")
    base = carecast.Scenario.preset("wolverhampton-2015")
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    comparison = step(f"{replications} replications x {years} years, both runs",
                      lambda: carecast.compare(base, redesign, replications=replications, years=years, seed=1,
                                               progress=False))
    records = sum(r._inner.record_bytes() for r in (comparison.baseline_results, comparison.scenario_results))
    print(f"  packed records of both runs: {records / 1e6:.1f} MB "
          f"({records / 2 / replications / 1e3:.2f} KB a replication)")
    step("tables()", lambda: sum(len(t) for t in comparison.tables().values()))
    step("costs(by_locality=True)", lambda: len(comparison.costs(by_locality=True)))
    step("budget_lines()", lambda: len(comparison.budget_lines()))
    step("payback()", lambda: len(comparison.payback()))
    step("monthly()", lambda: len(comparison.monthly()))
    with tempfile.TemporaryDirectory() as tmp:
        step("to_csv", lambda: comparison.to_csv(f"{tmp}/csv"))
        step("to_excel", lambda: comparison.to_excel(f"{tmp}/comparison.xlsx"))
        if "--no-report" not in sys.argv:
            from carecast.report import report

            step("report (charts)", lambda: len(report(comparison)))
    print(f"peak {peak_mb():.0f} MB; now {resident_mb():.0f} MB "
          f"(own {status_mb('RssAnon'):.0f} MB, files {status_mb('RssFile'):.0f} MB)")


if __name__ == "__main__":
    main()
