"""The ``carecast`` command line.

Every command that takes a scenario accepts a preset name or a scenario file path alike.

    carecast presets
    carecast validate SCENARIO
    carecast run [SCENARIO] [--replications N] [--years Y] [--seed S] [--threads T] [--out DIR]
    carecast compare BASELINE SCENARIO [same options] [--basis real|nominal|discounted]
    carecast report [SCENARIO | --compare BASELINE SCENARIO] --out report.html
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

from collections.abc import Callable

import numpy as np

from . import HEADLINE_INDICATORS, Results, Scenario, __version__, compare, presets
from ._errors import CarecastError

EXIT_ERROR = 2


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0 or value >= 2**64:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2^64-1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="carecast", description="Monte Carlo models of children's services demand.")
    p.add_argument("--version", action="version", version=f"carecast {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help="list the embedded presets")
    v = sub.add_parser("validate", help="check a scenario (preset name or file)")
    v.add_argument("scenario")
    r = sub.add_parser("run", help="run a scenario and print a summary")
    r.add_argument("scenario", nargs="?", default=presets()[0], help="preset name or file (default: %(default)s)")
    r.add_argument("--replications", type=_positive, default=200)
    r.add_argument("--years", type=_positive, default=10)
    r.add_argument("--seed", type=_seed, default=20150401)
    r.add_argument("--threads", type=_positive, default=None)
    r.add_argument("--out", help="directory to write CSV (and Parquet) results, the scenario and the seed")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    c = sub.add_parser("compare", help="costs and savings of a scenario against a baseline")
    c.add_argument("baseline", help="preset name or file")
    c.add_argument("scenario", help="preset name or file")
    c.add_argument("--replications", type=_positive, default=200)
    c.add_argument("--years", type=_positive, default=10)
    c.add_argument("--seed", type=_seed, default=20150401)
    c.add_argument("--threads", type=_positive, default=None)
    c.add_argument("--basis", choices=["real", "nominal", "discounted"], default="real",
                   help="prices of the tables (default: %(default)s, the base year's prices)")
    c.add_argument("--out", help="directory for CSV tables, an Excel workbook (with openpyxl) and both scenarios")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    rp = sub.add_parser("report", help="a self-contained HTML report of a scenario or a comparison")
    rp.add_argument("scenario", nargs="?", default=None, help="preset name or file (default: the default preset)")
    rp.add_argument("--compare", nargs=2, metavar=("BASELINE", "SCENARIO"), help="report a comparison instead")
    rp.add_argument("--out", required=True, help="the HTML file to write")
    rp.add_argument("--replications", type=_positive, default=200)
    rp.add_argument("--years", type=_positive, default=5)
    rp.add_argument("--seed", type=_seed, default=20150401)
    rp.add_argument("--threads", type=_positive, default=None)
    rp.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``carecast`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "presets":
            for name in presets():
                print(name)
            return 0
        if args.command == "validate":
            s = Scenario.load(args.scenario)
            print(f"{args.scenario}: valid ({s.name}, authority {s.authority})")
            return 0
        if args.command == "compare":
            return _compare(args)
        if args.command == "report":
            return _report(args)
        return _run(args)
    except CarecastError as e:
        print(f"carecast: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("carecast: interrupted; nothing written", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    scenario = Scenario.load(args.scenario)
    results = scenario.run(args.replications, args.years, args.seed, args.threads,
                           progress=False if args.quiet else None)
    print(_summary_table(scenario, results, args))
    if args.out:
        _write_outputs(args.out, scenario, results, args)
        print(f"\nwrote {args.out}/")
    return 0


def _summary_table(scenario: Scenario, results: Results, args: argparse.Namespace) -> str:
    lac = results.array("lac_stock")
    lines = [f"{scenario.name}: {results.replications} replications x {args.years} years, seed {results.seed}",
             "", "Children looked after at 31 March (mean, 90% interval)"]
    for t, month in enumerate(results.months):
        if month.month == 3:
            p5, p95 = np.percentile(lac[:, t], [5, 95])
            lines.append(f"  {month:%Y-%m-%d}  {lac[:, t].mean():7.0f}  ({p5:.0f}-{p95:.0f})")
    shares = results.shares()
    first = shares[shares["period"] == "first 12 months"]
    lines += ["", "Shares over the first 12 months (mean, 90% interval)"]
    for rec in first.to_dict("records"):
        share, mean, p5, p95 = str(rec["share"]), float(rec["mean"]), float(rec["p5"]), float(rec["p95"])
        lines.append(f"  {share:38s} {100 * mean:5.1f}%  ({100 * p5:.1f}-{100 * p95:.1f})")
    return "\n".join(lines)


def _compare(args: argparse.Namespace) -> int:
    baseline, scenario = Scenario.load(args.baseline), Scenario.load(args.scenario)
    c = compare(baseline, scenario, args.replications, args.years, args.seed, args.threads,
                progress=False if args.quiet else None)
    unit = {"nominal": "£m cash", "real": f"£m {c.base_year} prices", "discounted": f"£m {c.base_year} prices, discounted"}
    s = c.savings(args.basis)
    lines = [f"{scenario.name} against {baseline.name}: {args.replications} replications x {args.years} years, "
             f"seed {args.seed}", "", f"Net savings by financial year ({unit[args.basis]}; mean, 90% interval)"]
    for rec in s[s.measure == "net_savings"].to_dict("records"):
        fy, mean, p5, p95 = str(rec["financial_year"]), float(rec["mean"]), float(rec["p5"]), float(rec["p95"])
        lines.append(f"  {fy}  {mean / 1e6:7.2f}  ({p5 / 1e6:.2f} to {p95 / 1e6:.2f})")
    summary = c.summary()
    whole = {str(r["measure"]): r for r in summary[summary.period == "whole horizon"].to_dict("records")}
    npv = whole["npv"]
    positive = float(whole["probability_net_savings_positive"]["mean"])
    lines += ["", f"Net present value: {_millions(float(npv['mean']))} "
                  f"({_millions(float(npv['p5']))} to {_millions(float(npv['p95']))})",
              f"Probability net savings are above zero: {positive:.0%}",
              f"Median payback month: {c.payback_month() or 'not within the horizon'}"]
    print("\n".join(lines))
    if args.out:
        def fill(tmp: str) -> None:
            c.to_csv(tmp, args.basis)
            try:
                c.to_excel(os.path.join(tmp, "comparison.xlsx"), args.basis)
            except ImportError:
                pass  # openpyxl not installed: CSV only
            with open(os.path.join(tmp, "baseline.toml"), "w", encoding="utf-8") as f:
                f.write(baseline.to_toml())
            with open(os.path.join(tmp, "scenario.toml"), "w", encoding="utf-8") as f:
                f.write(scenario.to_toml())
            with open(os.path.join(tmp, "run.json"), "w", encoding="utf-8") as f:
                json.dump({"baseline": args.baseline, "scenario": args.scenario, "replications": args.replications,
                           "years": args.years, "seed": args.seed, "basis": args.basis,
                           "carecast": __version__}, f, indent=2)

        _atomic_directory(args.out, fill)
        print(f"\nwrote {args.out}/")
    return 0


def _report(args: argparse.Namespace) -> int:
    from . import report

    progress = False if args.quiet else None
    if args.compare:
        if args.scenario is not None:
            raise CarecastError("give either a SCENARIO or --compare BASELINE SCENARIO, not both")
        baseline, scenario = (Scenario.load(x) for x in args.compare)
        text = report.report(compare(baseline, scenario, args.replications, args.years, args.seed, args.threads,
                                     progress=progress))
    else:
        scenario = Scenario.load(args.scenario or presets()[0])
        results = scenario.run(args.replications, args.years, args.seed, args.threads, progress=progress)
        text = report.report(scenario, results)
    report.write(args.out, text)
    print(f"wrote {args.out}")
    return 0


def _millions(x: float) -> str:
    return f"{'-' if x < 0 else ''}£{abs(x) / 1e6:.2f}m"


def _atomic_directory(out: str, fill: Callable[[str], None]) -> None:
    """Fill a temporary directory beside ``out``, then move it into place, so an error or Ctrl-C
    leaves no half-written output."""
    parent = os.path.dirname(os.path.abspath(out)) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".carecast-", dir=parent)
    try:
        fill(tmp)
        if os.path.exists(out):
            if not os.path.isdir(out):
                raise CarecastError(f"--out {out} exists and is not a directory")
            old = out.rstrip("/") + ".old-" + os.path.basename(tmp)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_outputs(out: str, scenario: Scenario, results: Results, args: argparse.Namespace) -> None:
    """Write the run's tables, its resolved scenario and its seed into ``out``, atomically."""

    def fill(tmp: str) -> None:
        tables = {
            "indicators": results.indicators(),
            "summary": results.summary(),
            "shares": results.shares(),
            "stocks": results.stocks(by=["state"]),
            "flows": results.flows(by=["move"]),
        }
        for name, df in tables.items():
            df.to_csv(os.path.join(tmp, f"{name}.csv"), index=False)
            try:
                df.to_parquet(os.path.join(tmp, f"{name}.parquet"), index=False)
            except ImportError:
                pass  # pyarrow (or fastparquet) not installed: CSV only
        with open(os.path.join(tmp, "scenario.toml"), "w", encoding="utf-8") as f:
            f.write(scenario.to_toml())
        with open(os.path.join(tmp, "run.json"), "w", encoding="utf-8") as f:
            json.dump({"scenario": args.scenario, "replications": results.replications, "years": args.years,
                       "seed": results.seed, "threads": args.threads, "carecast": __version__,
                       "headline_indicators": list(HEADLINE_INDICATORS)}, f, indent=2)

    _atomic_directory(out, fill)


if __name__ == "__main__":
    raise SystemExit(main())
