"""``carecast run --expected``: the expected path instead of the Monte Carlo."""

from __future__ import annotations

import argparse
import os
from typing import Any

from . import HEADLINE_INDICATORS, Scenario, __version__
from ._outputs import DirectoryOutput
from .expected import ExpectedPath


def summary_table(scenario: Scenario, path: ExpectedPath, years: int) -> str:
    """The expected path's summary, in the layout of ``carecast run``'s."""
    lac = path.value("lac_stock")
    lines = [f"{scenario.name}: expected path x {years} years (computed directly, docs/expected.md)",
             "", "Children looked after at 31 March (expected)"]
    for t, month in enumerate(path.months):
        if month.month == 3:
            lines.append(f"  {month:%Y-%m-%d}  {lac[t]:7.0f}")
    lines += ["", "Shares over the first 12 months (expected)"]
    shares = [("share_entries_not_previously_known", "entries_not_previously_known", "lac_entries"),
              ("share_entries_aged_5_plus", "entries_aged_5_plus", "lac_entries"),
              ("share_entries_abuse_neglect", "entries_abuse_neglect", "lac_entries"),
              ("share_early_help_starts_over_fives", "early_help_starts_over_fives", "early_help_starts")]
    for name, numerator, denominator in shares:
        num, den = path.value(numerator)[:12].sum(), path.value(denominator)[:12].sum()
        value = num / den if den > 0 else float("nan")
        lines.append(f"  {name:38s} {100 * value:5.1f}%")
    return "\n".join(lines)


def run_expected(args: argparse.Namespace, out: Any, scenario: Scenario, target: DirectoryOutput | None) -> int:
    """Project ``scenario`` over ``args.years``, print the summary and write ``--out``."""
    path = scenario.expected(years=args.years)
    out.say(summary_table(scenario, path, args.years))
    if target is not None:
        def fill(directory: str) -> None:
            tables = {"expected": path.data, "summary": path.summary()}
            for name, df in tables.items():
                df.to_csv(os.path.join(directory, f"{name}.csv"), index=False)
                if args.parquet:
                    df.to_parquet(os.path.join(directory, f"{name}.parquet"), index=False, engine="pyarrow")
            scenario.save(os.path.join(directory, "scenario.toml"))

        target.write(fill, {"command": "run", "expected": True, "scenario": args.scenario, "years": args.years,
                            "parquet": args.parquet, "carecast": __version__,
                            "headline_indicators": list(HEADLINE_INDICATORS)})
        out.say(f"\nwrote {target.display}")
    return 0
