"""The ``carecast`` command line.

Every command that takes a scenario accepts a preset name or a scenario file path alike.

    carecast presets
    carecast validate SCENARIO
    carecast run [SCENARIO] [--replications N] [--years Y] [--seed S] [--threads T]
                 [--basis nominal|real|discounted] [--out DIR [--overwrite] [--parquet]] [--expected]
    carecast compare BASELINE SCENARIO [SCENARIO ...] [same options] [--basis real|nominal|discounted]
                     [--levers [--metric net_savings|in_care]] [--out DIR [--overwrite]]
    carecast report [SCENARIO | --compare BASELINE SCENARIO [SCENARIO ...]] --out report.html [--overwrite]
    carecast estimate SSDA903_PATH [--year YYYY] --census-date YYYY-MM-DD [--window-months N] [--base PRESET_OR_FILE]
                      [--population FILE.csv] [--authority NAME] [--include-uasc] [--trend | --demand-trend]
                      [--cin CIN_XML ... [--early-help FILE.csv]] --out SCENARIO.toml [--overwrite]
    carecast backtest SSDA903_PATH [--year YYYY] --fit-to YYYY-MM-DD --test-to YYYY-MM-DD [--window-months N]
                      [--base PRESET_OR_FILE] [--population FILE.csv] [--authority NAME] [--include-uasc]
                      [--trend] [--cin CIN_XML ... [--early-help FILE.csv]] [--replications N] [--seed S]
                      [--out DIR [--overwrite]]
    carecast sensitivity SCENARIO [--baseline BASELINE] [--output net_savings|in_care] [--at YYYY-MM]
                         [--parameters PATH ...] [--sobol N] [--replications N] [--years Y] [--seed S]
                         [--out DIR [--overwrite]]
    carecast voi BASELINE SCENARIO [SCENARIO ...] [--parameters PATH ...] [--population N] [--replications N]
                 [--years Y] [--seed S] [--out DIR [--overwrite]]
    carecast calibrate SCENARIO --targets TARGETS.csv --priors PRIORS.toml [--simulator expected|monte_carlo]
                       [--generations N] [--population N] [--replications N] [--min-epsilon E] [--seed S]
                       [--out DIR [--overwrite]]
    carecast sweep GRID.toml [--scheduler ADDRESS] [--replications N] [--years Y] [--seed S] [--threads T]
                   [--chunk-size N] [--out DIR [--overwrite]]
    carecast serve [--port N] [--host ADDRESS] [--no-browser]

Outputs are never written over a user's files: ``--out`` must be a new or empty directory (or,
with ``--overwrite``, an earlier carecast output holding nothing else), checked before the
simulation runs, and appears whole or not at all (see ``carecast._outputs``). Errors are one line
on standard error and exit status 2; SIGINT, SIGTERM and SIGHUP stop a run, remove its temporary
files and exit with 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from . import HEADLINE_INDICATORS, Results, Scenario, __version__, compare, presets, reconcile
from ._errors import CarecastError, ConfigError
from ._outputs import DirectoryOutput, FileOutput
from .extras import require
from .reconciliation import NOT_COVERED, check_budget

EXIT_ERROR = 2
OUT_HELP = ("a new or empty directory (an existing one that is not empty is refused; see --overwrite). "
            "It appears whole or not at all")
OVERWRITE_HELP = ("replace --out if it holds an earlier carecast output and nothing else (the files its run.json "
                  "lists); any other file there means refusal")


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


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {value}")
    return value


def _collection_year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 2000 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"expected a collection year such as 2016 (the year of the 31 March the "
                                         f"return ends on), got {text!r}")  # fmt: skip
    return value


YEAR_HELP = ("the collection year of every file given (e.g. 2016 for April 2015 to March 2016), for files whose "
             "year is not in their folder or file name nor in a YEAR column")

AUTHORITY_HELP = ("the authority of the scenario (default: the local authority code in the returns, an LA column "
                  "or the XML return's LEA, else 'from returns')")


def _run_options(p: argparse.ArgumentParser, years: int) -> None:
    p.add_argument("--replications", type=_positive, default=200)
    p.add_argument("--years", type=_positive, default=years)
    p.add_argument("--seed", type=_seed, default=20150401)
    p.add_argument("--threads", type=_positive, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


class _UsageError(Exception):
    """A bad command line, as argparse finds it: one ``carecast: error:`` line and exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, its usage errors raised (and printed by `main` as one line like every other
    error) rather than printed with the usage. Its subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="carecast", description="Monte Carlo models of children's services demand.",
                                epilog="Outputs never replace a user's files: see --out and --overwrite.")
    p.add_argument("--version", action="version", version=f"carecast {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help="list the embedded presets")
    v = sub.add_parser("validate", help="check a scenario (preset name or file)")
    v.add_argument("scenario")
    r = sub.add_parser("run", help="run a scenario and print a summary")
    r.add_argument("scenario", nargs="?", default=presets()[0], help="preset name or file (default: %(default)s)")
    _run_options(r, years=10)
    r.add_argument("--basis", choices=["nominal", "real", "discounted"], default="nominal",
                   help="prices of the budget forecast (default: %(default)s, cash: what a budget is set in)")
    r.add_argument("--out", metavar="DIR", help="write the tables as CSV (budget.csv among them), the resolved "
                   "scenario.toml (with scenario.sample.csv beside it if the scenario carries a parameter sample) and "
                   "run.json (seed, options, the files written) into DIR: " + OUT_HELP)
    r.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    r.add_argument("--budget", metavar="FILE.csv",
                   help="the authority's budget or outturn (columns line, amount, financial_year, covers: "
                   "docs/finance.md) to print beside the modelled spend; with --out, writes reconciliation.csv")
    r.add_argument("--parquet", action="store_true",
                   help="with --out, also write each table as Parquet (needs pip install 'carecast[parquet]')")
    r.add_argument("--expected", action="store_true",
                   help="the expected path instead of the Monte Carlo: computed directly, no replications "
                   "(docs/expected.md); with --out, writes expected.csv, summary.csv, scenario.toml, run.json")
    c = sub.add_parser("compare", help="costs and savings of a scenario (or several, side by side) against a baseline")
    c.add_argument("baseline", help="preset name or file")
    c.add_argument("scenario", nargs="+", help="preset name or file; several are compared side by side, on the "
                   "same random numbers and one run of the baseline")
    _run_options(c, years=10)
    c.add_argument("--basis", choices=["real", "nominal", "discounted"], default="real",
                   help="prices of the tables (default: %(default)s, the base year's prices)")
    c.add_argument("--levers", action="store_true",
                   help="a waterfall of the scenario's levers (its dated changes, or those sharing a lever name, "
                   "with their costs): each alone and added in sequence, from the baseline to the full programme")
    c.add_argument("--metric", choices=["net_savings", "in_care"], default="net_savings",
                   help="with --levers: net savings over the horizon (at --basis) or children in care avoided in the "
                   "last financial year (default: %(default)s)")
    c.add_argument("--out", metavar="DIR", help="write CSV tables, an Excel workbook (comparison.xlsx; options.xlsx "
                   "for several scenarios; waterfall.csv with --levers), the scenarios and run.json into DIR: "
                   + OUT_HELP)
    c.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    rp = sub.add_parser("report", help="a self-contained HTML report of a scenario or a comparison")
    rp.add_argument("scenario", nargs="?", default=None, help="preset name or file (default: the default preset)")
    rp.add_argument("--compare", nargs="+", metavar="BASELINE SCENARIO",
                    help="report a comparison instead (BASELINE SCENARIO; with several scenarios, one comparison "
                    "after another, on one run of the baseline)")
    rp.add_argument("--out", metavar="FILE", required=True,
                    help="the HTML file to write (an existing file is refused without --overwrite)")
    rp.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    _run_options(rp, years=5)
    e = sub.add_parser("estimate", help="a scenario of an authority from its own SSDA903 returns (docs/returns.md)")
    e.add_argument("returns", metavar="SSDA903_PATH", nargs="+",
                   help="folders (searched for .csv and .xml) or files of the returns")
    e.add_argument("--year", type=_collection_year, metavar="YYYY", help=YEAR_HELP)
    e.add_argument("--census-date", required=True, metavar="DATE",
                   help="the start of the projection: who is in care at the end of this day (YYYY-MM-DD or dd/mm/YYYY)")
    e.add_argument("--window-months", type=_positive, default=36,
                   help="months of returns before the census date the rates are estimated from (default 36)")
    e.add_argument("--base", default=None, metavar="PRESET_OR_FILE",
                   help="where what the returns cannot give comes from (default: the default preset)")
    e.add_argument("--population", metavar="FILE.csv",
                   help="children living in the authority by single year of age: columns age, children and "
                   "optionally locality, whose localities then replace the base's (default: the base's population "
                   "spread evenly over ages)")
    e.add_argument("--authority", metavar="NAME", help=AUTHORITY_HELP)
    e.add_argument("--include-uasc", action="store_true", help="keep unaccompanied asylum-seeking children in")
    e.add_argument("--trend", action="store_true",
                   help="project the trend in entries fitted over the window (default: the window's level, no trend)")
    e.add_argument("--demand-trend", action="store_true",
                   help="project the authority's demand trend: first contacts and crisis entries grow as its yearly "
                   "referrals (with --cin) or starts of care grew over the years of the returns (not with --trend)")
    _precare_options(e)
    e.add_argument("--seed", type=_seed, default=20150401, help="seed of the simulations that fit entries")
    e.add_argument("--out", metavar="SCENARIO.toml", required=True,
                   help="the scenario to write, with its load report beside it (SCENARIO.report.txt) and every "
                   "record fixed or dropped in cleaning (SCENARIO.fixes.csv); existing "
                   "files are refused without --overwrite")
    e.add_argument("--overwrite", action="store_true", help="replace SCENARIO.toml and its report if they exist")
    w = sub.add_parser("serve", help="the scenario explorer as a web page (needs pip install 'carecast[web]')")
    w.add_argument("--port", type=_port, default=5006, help="the port to serve on (default: %(default)s; 0: any free "
                   "port)")
    w.add_argument("--host", default="localhost", metavar="ADDRESS",
                   help="the address to serve on (default: %(default)s, this machine only; 0.0.0.0: every network "
                   "interface, so anyone who can reach this machine can use the page)")
    w.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    b = sub.add_parser("backtest", help="fit on an authority's returns up to one date, project, and compare with "
                       "what the returns show happened (docs/returns.md)")
    b.add_argument("returns", metavar="SSDA903_PATH", nargs="+",
                   help="folders (searched for .csv and .xml) or files of the returns")
    b.add_argument("--year", type=_collection_year, metavar="YYYY", help=YEAR_HELP)
    b.add_argument("--fit-to", required=True, metavar="DATE",
                   help="the last day the fit may see: the last day of a month inside the returns (YYYY-MM-DD or "
                   "dd/mm/YYYY); nothing after it is used")
    b.add_argument("--test-to", required=True, metavar="DATE",
                   help="compare up to this day (at least a year after --fit-to, not after the returns end), on "
                   "each anniversary of --fit-to")
    b.add_argument("--window-months", type=_positive, default=36, metavar="N",
                   help="months of returns before --fit-to the rates are estimated from (default 36)")
    b.add_argument("--base", default=None, metavar="PRESET_OR_FILE",
                   help="where what the returns cannot give comes from (default: the default preset)")
    b.add_argument("--population", metavar="FILE.csv",
                   help="children living in the authority by single year of age: columns age, children and "
                   "optionally locality")
    b.add_argument("--authority", metavar="NAME", help=AUTHORITY_HELP)
    b.add_argument("--include-uasc", action="store_true",
                   help="keep unaccompanied asylum-seeking children in (both the fit and the observed figures)")
    b.add_argument("--trend", action="store_true", help="project the trend in entries fitted to the window")
    _precare_options(b)
    b.add_argument("--replications", type=_positive, default=100, metavar="N",
                   help="replications of the projection (default %(default)s); intervals are their 5th-95th "
                   "percentiles")
    b.add_argument("--seed", type=_seed, default=20150401, metavar="S",
                   help="seed of the fit of entries and of the projection (default %(default)s)")
    b.add_argument("--out", metavar="DIR", help="write backtest.csv, backtest.png, summary.txt, the fitted "
                   "scenario.toml, its report.txt and run.json into DIR: " + OUT_HELP)
    b.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    _sensitivity_parser(sub)
    _voi_parser(sub)
    _calibrate_parser(sub)
    _sweep_parser(sub)
    return p


def _sweep_parser(sub: Any) -> None:
    w = sub.add_parser("sweep", help="many scenarios (a grid of parameter values, or a list) on the same random "
                       "numbers, here or on a Dask cluster: headline figures per scenario (docs/sweep.md)")
    w.add_argument("grid", metavar="GRID.toml", help="the grid file: scenario (a preset or file) and [parameters] "
                   "to cross, or scenarios = [...]; baseline, replications, years and seed (docs/sweep.md)")
    w.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (tcp://host:8786; "
                   "carecast[dask]) instead of here")
    w.add_argument("--replications", type=_positive, default=None, help="overrides the grid file's")
    w.add_argument("--years", type=_positive, default=None, help="overrides the grid file's")
    w.add_argument("--seed", type=_seed, default=None, help="overrides the grid file's")
    w.add_argument("--threads", type=_positive, default=None,
                   help="threads a run (default: every core here; 1 a chunk on a scheduler)")
    w.add_argument("--chunk-size", type=_positive, default=None, metavar="N",
                   help="replications a chunk (default: a scenario's all here; two chunks a worker thread on a "
                   "scheduler); the figures are the same whatever it is")
    w.add_argument("--quiet", action="store_true", help="no progress bar")
    w.add_argument("--out", metavar="DIR", help="write summary.csv, by_replication.csv, the base (and baseline) "
                   "scenario and run.json into DIR: " + OUT_HELP)
    w.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


def _sensitivity_parser(sub: Any) -> None:
    sp = sub.add_parser("sensitivity", help="one-way sensitivity: each parameter alone at its low and high value, "
                        "the others central, on the same random numbers; a table and a tornado chart")
    sp.add_argument("scenario", help="preset name or file")
    sp.add_argument("--baseline", metavar="BASELINE", help="preset name or file to save against (needed for "
                    "--output net_savings)")
    sp.add_argument("--output", choices=["net_savings", "in_care"], default=None,
                    help="net savings over the horizon (default with --baseline) or children in care at the end "
                    "(default without)")
    sp.add_argument("--at", metavar="YYYY-MM", help="with --output in_care: children in care at the end of this month")
    sp.add_argument("--parameters", nargs="+", metavar="PATH",
                    help="parameter paths (Scenario.parameters()); default: the scenario's uncertain parameters, "
                    "the 12 with the widest ranges")
    _run_options(sp, years=3)
    sp.set_defaults(replications=100)
    sp.add_argument("--basis", choices=["real", "nominal", "discounted"], default="real",
                    help="prices of net savings (default: %(default)s)")
    sp.add_argument("--sobol", type=int, metavar="N", help="Sobol indices instead (SALib, carecast[calibrate]): N "
                    "base points, a power of two (N x (factors + 2) runs of --replications each); the factors are "
                    "--parameters, or the policy effects and four groups of baseline hazards")
    sp.add_argument("--out", metavar="DIR", help="write sensitivity.csv and tornado.png (sobol.csv with --sobol), "
                    "the scenarios and run.json into DIR: " + OUT_HELP)
    sp.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


def _voi_parser(sub: Any) -> None:
    v = sub.add_parser("voi", help="value of information: what knowing the uncertain parameters would be worth to "
                       "the choice between a baseline and one or more options (EVPI, EVPPI), on net savings")
    v.add_argument("baseline", help="preset name or file: the option of doing nothing new")
    v.add_argument("scenario", nargs="+", help="preset name or file: the options, run on the same random numbers")
    v.add_argument("--parameters", nargs="+", metavar="PATH",
                   help="parameters to value one by one (default: every parameter drawn, then the policy effects "
                   "together and the unit costs together)")
    v.add_argument("--population", type=float, default=1.0,
                   help="decisions the information would inform, such as authorities deciding alike (default: 1)")
    v.add_argument("--method", choices=["auto", "gam", "gp", "additive"], default="auto",
                   help="regression of EVPPI (default: %(default)s: splines up to 4 parameters, beyond them a "
                   "Gaussian process or additive splines, whichever predicts better)")
    _run_options(v, years=3)
    v.set_defaults(replications=500)
    v.add_argument("--basis", choices=["real", "nominal", "discounted"], default="discounted",
                   help="prices of net savings (default: %(default)s, a present value)")
    v.add_argument("--out", metavar="DIR", help="write evpi.csv, evppi.csv, evppi.png, the scenarios and run.json "
                   "into DIR: " + OUT_HELP)
    v.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


def _calibrate_parser(sub: Any) -> None:
    c = sub.add_parser("calibrate", help="calibration by approximate Bayesian computation (ABC-SMC): the posterior "
                       "of chosen parameters given observed targets")
    c.add_argument("scenario", help="preset name or file")
    c.add_argument("--targets", required=True, metavar="TARGETS.csv",
                   help="CSV with columns measure, month (YYYY-MM, or a financial year YYYY/YY), value and "
                   "optionally sd (default 5%% of the value)")
    c.add_argument("--priors", required=True, metavar="PRIORS.toml",
                   help='TOML (or JSON) with a [[priors]] table per parameter: path = "...", distribution = '
                   '{ dist = "lognormal", median = ..., sigma = ... }')
    c.add_argument("--simulator", choices=["expected", "monte_carlo"], default="expected",
                   help="the expected path (default) or the mean of --replications Monte Carlo replications on "
                   "the same random numbers")
    c.add_argument("--generations", type=_positive, default=8, help="ABC-SMC generations (default: %(default)s)")
    c.add_argument("--population", type=_positive, default=500, help="particles a generation (default: %(default)s)")
    c.add_argument("--replications", type=_positive, default=20,
                   help="replications a simulation with --simulator monte_carlo (default: %(default)s)")
    c.add_argument("--min-epsilon", type=float, default=None, help="stop when the tolerance reaches this")
    c.add_argument("--seed", type=_seed, default=20150401)
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.add_argument("--out", metavar="DIR", help="write calibrated.toml (the scenario carrying the posterior sample, "
                   "calibrated.sample.csv beside it), posterior.csv, sample.csv, summary.csv, fit.csv, history.csv, "
                   "posterior.png, the scenario and run.json into DIR: " + OUT_HELP)
    c.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


class _Signalled(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (running every ``finally``) and exit with 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum: int, _frame: object) -> NoReturn:
    raise _Signalled(signum)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`_Signalled` (SIGINT is already KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal the caller ignores stays ignored (``nohup carecast run ...`` survives a hangup).
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)
             and signal.getsignal(getattr(signal, n)) is not signal.SIG_IGN]
    saved = {n: signal.signal(getattr(signal, n), _raise_signalled) for n in names}
    try:
        yield
    finally:
        for n, handler in saved.items():
            signal.signal(getattr(signal, n), signal.SIG_DFL if handler is None else handler)


class _Stdout:
    """Standard output that never stops the work: a full device or a closed pipe is noted, the
    rest of the output dropped, and reported at the end."""

    def __init__(self) -> None:
        self.error: OSError | None = None

    def say(self, text: str = "") -> None:
        if self.error is not None:
            return
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            self.error = OSError(errno.EBADF, "it is closed")
            return
        try:
            print(text, flush=True)
        except OSError as e:
            self._failed(e)

    def flush(self) -> None:
        if self.error is None and sys.stdout is not None:
            try:
                sys.stdout.flush()
            except OSError as e:
                self._failed(e)
            except ValueError:  # closed
                pass

    def _failed(self, e: OSError) -> None:
        self.error = e
        # Let the interpreter's last flush of what is still buffered go nowhere, quietly.
        with contextlib.suppress(Exception):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)


def _precare_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cin", nargs="+", metavar="CIN_XML",
                   help="the CIN census: XML returns, or folders searched for .xml files; sets and fits the pre-care "
                   "side (referrals, assessment outcomes, child in need and protection, the open cases at the start; "
                   "docs/returns.md, 'Building the pre-care side')")  # fmt: skip
    p.add_argument("--early-help", metavar="FILE.csv",
                   help="the council's early help records (episodes or monthly counts; no statutory return holds "
                   "them), with --cin: early help identification is fitted to their starts")  # fmt: skip


def _precare(args: argparse.Namespace) -> dict[str, Any]:
    """The CIN census and early help records of ``--cin`` and ``--early-help``, as keywords."""
    if args.early_help is not None and args.cin is None:
        raise ConfigError("--early-help: early help records are used with the CIN census: give --cin too",
                          path="--early-help", value=str(args.early_help), allowed="with --cin CIN_XML")  # fmt: skip
    if args.cin is None:
        return {}
    from .returns import cin, precare

    data = cin.load(args.cin)
    records = precare.as_early_help(args.early_help) if args.early_help is not None else None
    return {"cin": data, "early_help": records}


def _error(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"carecast: error: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``carecast`` console script; returns the exit code."""
    out = _Stdout()
    with _stop_on_signals():
        try:
            code = _main(argv, out)
        except SystemExit as e:  # argparse: --help, --version, usage errors
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else EXIT_ERROR)
        except _Signalled as s:
            _error(f"stopped by {signal.Signals(s.signum).name}")
            code = 128 + s.signum
    out.flush()
    if out.error is not None:
        if out.error.errno == errno.EPIPE:  # the reader has gone (`| head`): stop quietly, as tools do
            return 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else EXIT_ERROR
        _error(f"cannot write to standard output: {out.error.strerror or out.error}")
        return EXIT_ERROR
    return code


def _main(argv: Sequence[str] | None, out: _Stdout) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(words)
    except _UsageError as e:
        message = str(e)
        if "SSDA903_PATH" in message and "--cin" in words:
            # `--cin A B SSDA903_PATH`: --cin takes every path after it, the SSDA903 folder too.
            message += " (--cin takes every path after it: put SSDA903_PATH before --cin)"
        _error(message)
        return EXIT_ERROR
    try:
        if args.command == "presets":
            for name in presets():
                out.say(name)
            return 0
        if args.command == "validate":
            s = Scenario.load(args.scenario)
            out.say(f"{args.scenario}: valid ({s.name}, authority {s.authority})")
            return 0
        if args.command == "compare":
            return _compare(args, out)
        if args.command == "report":
            return _report(args, out)
        if args.command == "estimate":
            return _estimate(args, out)
        if args.command == "backtest":
            return _backtest(args, out)
        if args.command == "sensitivity":
            return _sensitivity(args, out)
        if args.command == "voi":
            return _voi(args, out)
        if args.command == "calibrate":
            return _calibrate(args, out)
        if args.command == "sweep":
            return _sweep(args, out)
        if args.command == "serve":
            return _serve(args, out)
        return _run(args, out)
    except CarecastError as e:
        _error(str(e))
        return EXIT_ERROR
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        _error(f"{where}{e.strerror or e}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _directory(args: argparse.Namespace) -> contextlib.AbstractContextManager[DirectoryOutput | None]:
    """The checked output directory of ``--out``, or nothing."""
    if args.out is None:
        return contextlib.nullcontext()
    return DirectoryOutput(args.out, args.overwrite)


def _progress(args: argparse.Namespace) -> bool | None:
    return False if args.quiet else None


def _run(args: argparse.Namespace, out: _Stdout) -> int:
    if args.parquet:
        if args.out is None:
            raise ConfigError("--parquet writes Parquet files into --out DIR; give --out too",
                              path="--parquet", value="true", allowed="with --out DIR")
        require("pyarrow")
    if args.overwrite and args.out is None:
        raise ConfigError("--overwrite applies to --out; give --out too", path="--overwrite", value="true",
                          allowed="with --out DIR")
    if args.budget is not None and args.expected:
        raise ConfigError("--budget sets the budget beside the Monte Carlo run's spend; leave out --expected",
                          path="--budget", value=args.budget, allowed="without --expected")
    if args.budget is not None and not os.path.isfile(args.budget):
        raise ConfigError(f"{args.budget}: no such file", path="--budget", value=args.budget,
                          allowed="a budget CSV file")
    scenario = Scenario.load(args.scenario)
    if args.budget is not None:  # a wrong budget file is refused before the run, not after it
        check_budget(args.budget, scenario, args.years)
    if args.expected:
        from ._expected_cli import run_expected

        with _directory(args) as target:
            return run_expected(args, out, scenario, target)
    with _directory(args) as target:  # checked now, before the run
        results = scenario.run(args.replications, args.years, args.seed, args.threads, progress=_progress(args))
        out.say(_summary_table(scenario, results, args))
        reconciled = None
        if args.budget is not None:
            reconciled = reconcile(results, args.budget, scenario=scenario)
            out.say("\n".join(["", *_reconciliation(reconciled, args.budget)]))
        if target is not None:
            def fill(tmp: str) -> None:
                _write_run(tmp, scenario, results, args.parquet, args.basis)
                if reconciled is not None:
                    reconciled.to_csv(os.path.join(tmp, "reconciliation.csv"), index=False)

            target.write(fill,
                         {"command": "run", "scenario": args.scenario, "replications": results.replications,
                          "years": args.years, "seed": results.seed, "threads": args.threads,
                          "basis": args.basis, "parquet": args.parquet, "budget": args.budget,
                          "carecast": __version__, "headline_indicators": list(HEADLINE_INDICATORS)})
            _said_written(out, target)
    return 0


def _said_written(out: _Stdout, target: DirectoryOutput) -> None:
    out.say(f"\nwrote {target.display}")


def _write_run(directory: str, scenario: Scenario, results: Results, parquet: bool, basis: str) -> None:
    tables = {
        "budget": results.budget(scenario, basis),
        "indicators": results.indicators(),
        "summary": results.summary(),
        "shares": results.shares(),
        "stocks": results.stocks(by=["state"]),
        "flows": results.flows(by=["move"]),
    }
    for name, df in tables.items():
        df.to_csv(os.path.join(directory, f"{name}.csv"), index=False)
        if parquet:
            df.to_parquet(os.path.join(directory, f"{name}.parquet"), index=False, engine="pyarrow")
    scenario.save(os.path.join(directory, "scenario.toml"))


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


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
    return "\n".join([*lines, "", *_budget_forecast(scenario, results, args.basis)])


BASIS_WORDS = {"nominal": "cash prices", "real": "{} prices", "discounted": "{} prices, discounted"}

#: The columns of the budget forecast `carecast run` prints: the lines of `Results.budget`, grouped.
FORECAST_COLUMNS = {
    "placements": ["placements"],
    "other statutory": ["other statutory activity"],
    "early help/support": ["early help", "intensive support"],
    "services, estate": ["estate and existing services", "new services (hubs and teams)"],
    "one-offs": ["one-off: implementation", "one-off: redundancy", "one-off: dual running", "one-off: capital"],
}


def _budget_forecast(scenario: Scenario, results: Results, basis: str) -> list[str]:
    """The modelled spend by financial year and cost line in plain words, led by a headline."""
    b = results.budget(scenario, basis)
    base_year = scenario.to_dict()["costs"]["base_year"]
    words = BASIS_WORDS[basis].format(base_year)
    costs = results._inner.costs(scenario._inner, basis, "category_year")  # replications x category x year
    lines = np.array(results._inner.cost_labels(scenario._inner)["budget_lines"])
    from .finance import SPEND_LABELS

    label_of = np.array([SPEND_LABELS[x] for x in lines])
    columns = {name: costs[:, np.isin(label_of, parts), :].sum(axis=1) for name, parts in FORECAST_COLUMNS.items()}
    columns = {name: a for name, a in columns.items() if np.abs(a).max() >= 5e3}  # leave out lines below £5,000
    total = b[b.line == "total"].reset_index(drop=True)
    first, last = total.iloc[0], total.iloc[-1]
    placements = b[(b.line == "placements")].reset_index(drop=True)
    share = float(placements["mean"].iloc[0] / first["mean"]) if first["mean"] else 0.0
    headline = (f"The model puts {scenario.name}'s spend on children's social care (the lines below) at "
                f"{_millions(float(first['mean']))} in "
                f"{first['financial_year']} (90% interval {_millions(float(first['p5']))} to "
                f"{_millions(float(first['p95']))}), {share:.0%} of it on placements")
    if len(total) > 1:
        headline += (f", and {_millions(float(last['mean']))} in {last['financial_year']} "
                     f"({_millions(float(last['p5']))} to {_millions(float(last['p95']))})")
    from .finance import demand_trend

    out = [f"Budget forecast (£m, {words}; mean and 90% interval across replications)", headline + ".",
           demand_trend(scenario), ""]
    width = 20
    out.append(f"  {'':9s}" + "".join(f"{name:>{width}s}" for name in [*columns, "total"]))
    for j, fy in enumerate(total["financial_year"]):
        cells = [_mean_interval(a[:, j]) for a in columns.values()]
        cells.append(f"{total['mean'][j] / 1e6:.1f} ({total['p5'][j] / 1e6:.1f}-{total['p95'][j] / 1e6:.1f})")
        out.append(f"  {fy:9s}" + "".join(f"{c:>{width}s}" for c in cells))
    out.append("  Every line by financial year: Results.budget(), or budget.csv with --out.")
    return out


def _reconciliation(table: pd.DataFrame, source: str) -> list[str]:
    """The budget given beside the modelled spend of what each line covers, in plain words."""
    out = [f"Reconciliation with {source} (£m cash; modelled mean and 90% interval across replications)",
           f"  {'line':36s} {'year':8s} {'budget':>9s} {'modelled':>22s} {'difference':>18s}"]
    for r in table.to_dict("records"):
        modelled = f"{r['modelled_mean'] / 1e6:.2f} ({r['modelled_p5'] / 1e6:.2f}-{r['modelled_p95'] / 1e6:.2f})"
        line, fy = str(r["line"]), str(r["financial_year"])
        if line == NOT_COVERED:
            out.append(f"  {line:36s} {fy:8s} {'':>9s} {modelled:>22s}")
            continue
        share = f" ({r['difference_share']:+.0%})" if np.isfinite(r["difference_share"]) else ""
        difference = f"{r['difference'] / 1e6:+.2f}{share}"
        out.append(f"  {line[:36]:36s} {fy:8s} {r['budget'] / 1e6:9.2f} {modelled:>22s} {difference:>18s}")
    out.append("  Difference: modelled minus budget. The model covers children's social care from first contact to "
               "leaving care, not schools, SEND, youth services, management or income (docs/finance.md).")
    return out


def _mean_interval(values: np.ndarray) -> str:
    """Mean and 90% interval of pounds across replications, in £m to one decimal."""
    p5, p95 = np.percentile(values, [5, 95])
    return f"{values.mean() / 1e6:.1f} ({p5 / 1e6:.1f}-{p95 / 1e6:.1f})"


def _compare(args: argparse.Namespace, out: _Stdout) -> int:
    if args.overwrite and args.out is None:
        raise ConfigError("--overwrite applies to --out; give --out too", path="--overwrite", value="true",
                          allowed="with --out DIR")
    if args.out is not None:
        require("openpyxl", "The Excel workbook of compare --out")
    if args.levers:
        return _levers(args, out)
    if args.metric != "net_savings":
        raise ConfigError("--metric applies to --levers; give --levers too", path="--metric", value=args.metric,
                          allowed="with --levers")
    if len(args.scenario) > 1:
        return _options(args, out)
    baseline, scenario = Scenario.load(args.baseline), Scenario.load(args.scenario[0])
    with _directory(args) as target:  # checked now, before the runs
        c = compare(baseline, scenario, args.replications, args.years, args.seed, args.threads,
                    progress=_progress(args))
        out.say(_comparison_summary(c, baseline, scenario, args))
        if target is not None:
            def fill(tmp: str) -> None:
                c.to_csv(tmp, args.basis)
                c.to_excel(os.path.join(tmp, "comparison.xlsx"), args.basis)
                baseline.save(os.path.join(tmp, "baseline.toml"))
                scenario.save(os.path.join(tmp, "scenario.toml"))

            target.write(fill, {"command": "compare", "baseline": args.baseline, "scenario": args.scenario[0],
                                "replications": args.replications, "years": args.years, "seed": args.seed,
                                "threads": args.threads, "basis": args.basis, "carecast": __version__})
            _said_written(out, target)
    return 0


def _sweep(args: argparse.Namespace, out: _Stdout) -> int:
    from ._sweep_cli import run_sweep

    if args.overwrite and args.out is None:
        raise ConfigError("--overwrite applies to --out; give --out too", path="--overwrite", value="true",
                          allowed="with --out DIR")
    with _directory(args) as target:  # checked now, before the runs
        return run_sweep(args, out, target, _say_table)


def _say_table(out: _Stdout, rows: list[list[str]], left: tuple[int, ...] = (0,)) -> None:
    """Print ``rows`` (the first a header) as aligned columns: those in ``left`` to the left, the
    others (numbers) to the right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.say("  ".join(v.ljust(w) if i in left else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths,
                                                                                               strict=True))))


def _sensitivity(args: argparse.Namespace, out: _Stdout) -> int:
    """One-way sensitivity: the table sorted by swing, and with --out its CSV and tornado chart."""
    from .analysis import WHOLE_HORIZON, one_way
    from .plots import tornado

    if args.overwrite and args.out is None:
        raise ConfigError("--overwrite applies to --out; give --out too", path="--overwrite", value="true",
                          allowed="with --out DIR")
    output = args.output or ("net_savings" if args.baseline is not None else "in_care")
    if args.at is not None and output != "in_care":
        raise ConfigError("--at applies to --output in_care", path="--at", value=args.at,
                          allowed="with --output in_care")
    scenario = Scenario.load(args.scenario)
    baseline = Scenario.load(args.baseline) if args.baseline is not None else None
    if output == "net_savings" and baseline is None:
        raise ConfigError("--output net_savings needs --baseline", path="--baseline", value="none",
                          allowed="a preset name or scenario file")
    if args.sobol is not None:
        return _sobol(args, out, scenario, baseline, output)
    with _directory(args) as target:  # checked now, before the runs
        table = one_way(scenario, args.parameters, baseline, output, replications=args.replications,
                        years=args.years, seed=args.seed, at=args.at, basis=args.basis, threads=args.threads,
                        progress=_progress(args))
        period = WHOLE_HORIZON if output == "net_savings" else str(table.period.iloc[0])
        shown = table[table.period == period]
        money = output == "net_savings"
        scale, unit = (1e6, f"£m, {args.basis}") if money else (1.0, "children")
        what = "net savings over the whole horizon" if money else f"children in care at the end of {period}"
        against = f" against {baseline.name}" if baseline is not None and money else ""
        out.say(f"{scenario.name}{against}: {what} ({unit}), each parameter alone at its low and high value, the "
                f"others central; {args.replications} replications x {args.years} years, seed {args.seed}, "
                "the same random numbers for every run")
        out.say(f"central: {shown.output_central.iloc[0] / scale:,.2f}")
        out.say("")
        rows: list[list[str]] = [["parameter", "low", "high", "output at low", "output at high", "swing"]]
        for r in shown.to_dict("records"):
            rows.append([str(r["parameter"]), f"{r['low']:.4g}", f"{r['high']:.4g}",
                         f"{r['output_low'] / scale:,.2f}", f"{r['output_high'] / scale:,.2f}",
                         f"{r['swing'] / scale:,.2f}"])
        _say_table(out, rows)
        if target is not None:
            def fill(tmp: str) -> None:
                table.to_csv(os.path.join(tmp, "sensitivity.csv"), index=False)
                tornado(table, period).savefig(os.path.join(tmp, "tornado.png"), dpi=120)
                scenario.save(os.path.join(tmp, "scenario.toml"))
                if baseline is not None:
                    baseline.save(os.path.join(tmp, "baseline.toml"))

            target.write(fill, {"command": "sensitivity", "scenario": args.scenario, "baseline": args.baseline,
                                "output": output, "at": args.at, "parameters": args.parameters,
                                "replications": args.replications, "years": args.years, "seed": args.seed,
                                "threads": args.threads, "basis": args.basis, "carecast": __version__})
            _said_written(out, target)
    return 0


def _sobol(args: argparse.Namespace, out: _Stdout, scenario: Scenario, baseline: Scenario | None,
           output: str) -> int:
    """Sobol indices: the table sorted by total index, and with --out its CSV."""
    from .analysis import WHOLE_HORIZON, sobol

    with _directory(args) as target:  # checked now, before the runs
        table = sobol(scenario, args.parameters, baseline, output, n=args.sobol, replications=args.replications,
                      years=args.years, seed=args.seed, at=args.at, basis=args.basis, threads=args.threads,
                      progress=_progress(args))
        period = WHOLE_HORIZON if output == "net_savings" else str(table.period.iloc[0])
        shown = table[table.period == period]
        what = "net savings over the whole horizon" if output == "net_savings" else f"children in care at {period}"
        out.say(f"{scenario.name}: Sobol indices of {what}; {int(shown.points.iloc[0])} points of "
                f"{args.replications} replications x {args.years} years, seed {args.seed}, the same random numbers "
                "at every point; 95% intervals (+-)")
        out.say("")
        rows: list[list[str]] = [["factor", "first order", "total"]]
        for r in shown.to_dict("records"):
            rows.append([str(r["factor"]), f"{r['S1']:.2f} +- {r['S1_conf']:.2f}",
                         f"{r['ST']:.2f} +- {r['ST_conf']:.2f}"])
        _say_table(out, rows)
        if target is not None:
            def fill(tmp: str) -> None:
                table.to_csv(os.path.join(tmp, "sobol.csv"), index=False)
                scenario.save(os.path.join(tmp, "scenario.toml"))
                if baseline is not None:
                    baseline.save(os.path.join(tmp, "baseline.toml"))

            target.write(fill, {"command": "sensitivity", "method": "sobol", "n": args.sobol,
                                "scenario": args.scenario, "baseline": args.baseline, "output": output, "at": args.at,
                                "parameters": args.parameters, "replications": args.replications,
                                "years": args.years, "seed": args.seed, "threads": args.threads, "basis": args.basis,
                                "carecast": __version__})
            _said_written(out, target)
    return 0


def _voi(args: argparse.Namespace, out: _Stdout) -> int:
    """EVPI and EVPPI of the choice between the baseline and the options."""
    from .analysis import evpi, evppi, net_benefits
    from .plots import evppi as evppi_chart

    if args.overwrite and args.out is None:
        raise ConfigError("--overwrite applies to --out; give --out too", path="--overwrite", value="true",
                          allowed="with --out DIR")
    require("sklearn", "EVPI and EVPPI by regression")
    baseline = Scenario.load(args.baseline)
    options = [Scenario.load(s) for s in args.scenario]
    with _directory(args) as target:  # checked now, before the runs
        result = compare(baseline, *options, replications=args.replications, years=args.years, seed=args.seed,
                         threads=args.threads, progress=_progress(args))
        benefits, draws = net_benefits(result, args.basis)
        whole = evpi(benefits, draws, args.population, method=args.method)
        parts = evppi(benefits, draws, args.parameters, args.population, method=args.method)
        e = whole.iloc[0]
        scale = 1e6
        years = f"{args.years} year" + ("s" if args.years != 1 else "")
        out.say(f"Choosing between {', '.join(benefits.columns)} on net savings over {years} "
                f"(£m, {args.basis}); {args.replications} replications, seed {args.seed}")
        out.say(f"best on expected net savings: {e.best} (best in {e.probability_best:.0%} of parameter draws)")
        out.say(f"EVPI per decision: {e.evpi / scale:,.3f}  (with chance, not a value of information: "
                f"{e.evpi_with_chance / scale:,.3f})")
        if args.population != 1:
            out.say(f"EVPI for {args.population:g} decisions: {e.population_evpi / scale:,.2f}")
        if e.evpi == 0:
            out.say(f"No parameter draw makes another option better than {e.best}: no evidence could change "
                    "the choice, so it is worth nothing to wait for (EVPPI is 0 too).")
        out.say("")
        rows: list[list[str]] = [["parameter", "EVPPI", "share of EVPI", "R2 (cross-validated)", "method"]]
        for r in parts.to_dict("records"):
            share = r["share_of_evpi"]
            rows.append([str(r["parameter"]), f"{r['evppi'] / scale:,.3f}", "-" if pd.isna(share) else f"{share:.0%}",
                         f"{r['r2']:.2f}", str(r["method"])])
        _say_table(out, rows, left=(0, 4))
        if target is not None:
            def fill(tmp: str) -> None:
                whole.to_csv(os.path.join(tmp, "evpi.csv"), index=False)
                parts.to_csv(os.path.join(tmp, "evppi.csv"), index=False)
                evppi_chart(parts, whole).savefig(os.path.join(tmp, "evppi.png"), dpi=120)
                baseline.save(os.path.join(tmp, "baseline.toml"))
                for i, s in enumerate(options, start=1):
                    s.save(os.path.join(tmp, f"option{i}.toml"))

            target.write(fill, {"command": "voi", "baseline": args.baseline, "scenarios": args.scenario,
                                "parameters": args.parameters, "population": args.population,
                                "method": args.method, "replications": args.replications, "years": args.years,
                                "seed": args.seed, "threads": args.threads, "basis": args.basis,
                                "carecast": __version__})
            _said_written(out, target)
    return 0


def _read_priors(path: str) -> dict[str, Any]:
    """The priors of a TOML (``[[priors]]`` tables: ``path``, ``distribution``) or JSON file (the
    same, a list under ``priors``), as a dict of path to distribution table."""
    import json

    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such file", path="--priors", value=path, allowed="a priors TOML or JSON file")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        if path.lower().endswith(".json"):
            doc = json.loads(raw)
        else:
            if sys.version_info >= (3, 11):
                import tomllib

                doc = tomllib.loads(raw.decode("utf-8"))
            else:  # Python 3.10
                doc = require("tomli", "Reading a priors TOML file on Python 3.10").loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid {'JSON' if path.lower().endswith('.json') else 'TOML'}: {e}",
                          path="--priors", value=path, allowed="a priors TOML or JSON file") from None
    allowed = '[[priors]] tables, each with path = "..." and distribution = { dist = "...", ... }'
    items = doc.get("priors") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: no priors; allowed: {allowed}", path=f"{path}: priors", value="missing",
                          allowed=allowed)
    priors: dict[str, Any] = {}
    for i, item in enumerate(items):
        where = f"{path}: priors[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) or "distribution" not in item:
            raise ConfigError(f"{where}: got {item!r}; allowed: {allowed}", path=where, value=repr(item),
                              allowed=allowed)
        if item["path"] in priors:
            raise ConfigError(f"{where}.path: {item['path']!r} is given twice; allowed: each path once",
                              path=f"{where}.path", value=item["path"], allowed="each path once")
        priors[item["path"]] = item["distribution"]
    return priors


def _calibrate(args: argparse.Namespace, out: _Stdout) -> int:
    """The posterior of the priors' parameters given the targets, by ABC-SMC."""
    from .analysis import calibrate
    from .plots import posterior as posterior_chart

    if args.overwrite and args.out is None:
        raise ConfigError("--overwrite applies to --out; give --out too", path="--overwrite", value="true",
                          allowed="with --out DIR")
    if sys.version_info >= (3, 11):
        require("pyabc", "Calibration (carecast calibrate)")
    scenario = Scenario.load(args.scenario)
    if not os.path.isfile(args.targets):
        raise ConfigError(f"{args.targets}: no such file", path="--targets", value=args.targets,
                          allowed="a targets CSV file")
    targets = pd.read_csv(args.targets, dtype={"month": str})
    priors = _read_priors(args.priors)
    with _directory(args) as target:  # checked now, before the calibration
        c = calibrate(scenario, targets, priors, simulator=args.simulator, replications=args.replications,
                      generations=args.generations, population=args.population, min_epsilon=args.min_epsilon,
                      seed=args.seed, progress=_progress(args))
        h = c.history
        out.say(f"Calibrated {len(c.parameters)} parameters of {scenario.name} to {len(c.targets)} targets: "
                f"{len(h)} generations of {args.population}, {int(h.simulations.sum()):,} simulations "
                f"({args.simulator}), final tolerance {h.epsilon.iloc[-1]:.3g}; seed {args.seed}")
        s = c.summary()
        rows: list[list[str]] = [["parameter", "prior 5%", "prior 50%", "prior 95%", "posterior 5%", "posterior 50%",
                                  "posterior 95%"]]
        for r in s.to_dict("records"):
            rows.append([str(r["parameter"])] + [f"{r[k]:.4g}" for k in ("prior_5", "prior_50", "prior_95",
                                                                         "posterior_5", "posterior_50",
                                                                         "posterior_95")])
        out.say("")
        _say_table(out, rows)
        fit = c.fit()
        if target is not None:
            def fill(tmp: str) -> None:
                c.posterior.to_csv(os.path.join(tmp, "posterior.csv"), index=False)
                c.sample(1000, args.seed).to_csv(os.path.join(tmp, "sample.csv"), index=False)
                s.to_csv(os.path.join(tmp, "summary.csv"), index=False)
                fit.to_csv(os.path.join(tmp, "fit.csv"), index=False)
                h.to_csv(os.path.join(tmp, "history.csv"), index=False)
                posterior_chart(c).savefig(os.path.join(tmp, "posterior.png"), dpi=120)
                scenario.save(os.path.join(tmp, "scenario.toml"))
                # The same 1,000 draws as sample.csv, carried by the scenario: `carecast run calibrated.toml`.
                c.scenario(1000, args.seed).save(os.path.join(tmp, "calibrated.toml"))

            target.write(fill, {"command": "calibrate", "scenario": args.scenario, "targets": args.targets,
                                "priors": priors, "simulator": args.simulator, "generations": args.generations,
                                "population": args.population, "replications": args.replications,
                                "min_epsilon": args.min_epsilon, "seed": args.seed, "sample_rows": 1000,
                                "carecast": __version__})
            _said_written(out, target)
    return 0


def _options(args: argparse.Namespace, out: _Stdout) -> int:
    """Several scenarios side by side against one baseline run."""
    baseline = Scenario.load(args.baseline)
    scenarios = [Scenario.load(x) for x in args.scenario]
    with _directory(args) as target:  # checked now, before the runs
        options = compare(baseline, *scenarios, replications=args.replications, years=args.years, seed=args.seed,
                          threads=args.threads, progress=_progress(args))
        out.say(_options_summary(options, args))
        if target is not None:
            def fill(tmp: str) -> None:
                options.to_csv(tmp, args.basis)
                options.to_excel(os.path.join(tmp, "options.xlsx"), args.basis)
                baseline.save(os.path.join(tmp, "baseline.toml"))
                for i, s in enumerate(scenarios, start=1):
                    s.save(os.path.join(tmp, f"option_{i}.toml"))

            target.write(fill, {"command": "compare", "baseline": args.baseline, "scenarios": args.scenario,
                                "replications": args.replications, "years": args.years, "seed": args.seed,
                                "threads": args.threads, "basis": args.basis, "carecast": __version__})
            _said_written(out, target)
    return 0


def _options_summary(options: Any, args: argparse.Namespace) -> str:
    """The options side by side in plain words: a row per figure, a column per option."""
    table = options.side_by_side(args.basis)
    names = list(options.names)
    width = max(30, *(len(n) for n in names)) + 2
    first = max(len(str(m)) for m in table["measure"]) + 2
    lines = [f"{len(names)} options against {options.baseline.name}: {args.replications} replications x "
             f"{args.years} years, seed {args.seed}, on the same random numbers (the baseline run once); "
             f"mean and 90% interval, savings as baseline minus option (a cost is negative)", "",
             " " * first + "".join(f"{n:>{width}s}" for n in names)]
    for rec in table.to_dict("records"):
        lines.append(f"{rec['measure']!s:{first}s}" + "".join(f"{rec[n]!s:>{width}s}" for n in names))
    lines += ["", f"Payback: cumulative discounted net savings above zero and staying so to the end of the horizon "
                  f"({options.horizon}).", "", options.headline(args.basis)]
    return "\n".join(lines)


def _levers(args: argparse.Namespace, out: _Stdout) -> int:
    """The waterfall of one scenario's levers."""
    from .options import waterfall

    if len(args.scenario) != 1:
        raise ConfigError("--levers takes one scenario: its levers are cut from it", path="--levers",
                          value=" ".join(args.scenario), allowed="BASELINE SCENARIO --levers")
    baseline, scenario = Scenario.load(args.baseline), Scenario.load(args.scenario[0])
    scenario.levers(baseline)  # refused now, before any run, if the two differ in more than levers
    with _directory(args) as target:
        w = waterfall(baseline, scenario, args.replications, args.years, args.seed, args.threads,
                      progress=_progress(args), metric=args.metric, basis=args.basis)
        out.say(f"{scenario.name} against {baseline.name}: {args.replications} replications x {args.years} years, "
                f"seed {args.seed}, every step on the same random numbers")
        out.say("")
        out.say(w.text())
        if target is not None:
            def fill(tmp: str) -> None:
                w.to_csv(os.path.join(tmp, "waterfall.csv"))
                baseline.save(os.path.join(tmp, "baseline.toml"))
                scenario.save(os.path.join(tmp, "scenario.toml"))

            target.write(fill, {"command": "compare --levers", "baseline": args.baseline,
                                "scenario": args.scenario[0], "metric": args.metric,
                                "replications": args.replications, "years": args.years, "seed": args.seed,
                                "threads": args.threads, "basis": args.basis, "carecast": __version__})
            _said_written(out, target)
    return 0


def _comparison_summary(c: Any, baseline: Scenario, scenario: Scenario, args: argparse.Namespace) -> str:
    unit = {"nominal": "£m cash", "real": f"£m {c.base_year} prices",
            "discounted": f"£m {c.base_year} prices, discounted"}
    s = c.savings(args.basis)
    net = s[s.measure == "net_savings"].reset_index(drop=True)
    lines = [(f"{scenario.name} against {baseline.name}: {args.replications} replications x {args.years} years, "
              f"seed {args.seed}"), c.demand, "",
             (f"Net savings of {_millions(float(net['mean'].iloc[0]))} in {net['financial_year'].iloc[0]} and "
              f"{_millions(float(net['mean'].iloc[-1]))} in {net['financial_year'].iloc[-1]} "
              f"({BASIS_WORDS[args.basis].format(c.base_year)}, "
              f"mean over replications), after reinvestment and one-offs; by line:"), "",
             *budget_lines_text(c, args.basis, unit[args.basis])]
    summary = c.summary()
    whole = {str(r["measure"]): r for r in summary[summary.period == "whole horizon"].to_dict("records")}
    npv = whole["npv"]
    positive = float(whole["probability_net_savings_positive"]["mean"])
    lines += ["", (f"Net present value over {c.horizon}: {_millions(float(npv['mean']))} "
                   f"({_millions(float(npv['p5']))} to {_millions(float(npv['p95']))})"),
              f"Probability net savings over {c.horizon} are above zero: {positive:.0%}",
              "", *payback_text(c)]
    return "\n".join(lines)


def budget_lines_text(c: Any, basis: str, unit: str) -> list[str]:
    """The budget lines of a comparison, a block per financial year (lines that are zero in every
    replication and year left out), each with its 90% interval."""
    table = c.budget_lines(basis)
    spread = table.groupby("line", sort=False)[["p5", "p95"]].agg(lambda v: np.abs(v).max()).max(axis=1)
    shown = [line for line, size in spread.items() if size > 0 or table[table.line == line].kind.iloc[0] == "total"]
    out = [f"Budget lines: savings against {c.baseline.name} ({unit}; mean, 90% interval; a cost is negative)"]
    for fy, part in table.groupby("financial_year", sort=False):
        out.append(f"  {fy}")
        for rec in part[part.line.isin(shown)].to_dict("records"):
            name = str(rec["line"]) + (f" ({rec['cashable']})" if rec["kind"] == "line" else "")
            name = name.upper() if rec["line"] == "net savings" else name
            out.append(f"    {name:52s} {_signed(float(rec['mean']))}  ({_signed(float(rec['p5']))} to "
                       f"{_signed(float(rec['p95']))})")
    return out


def payback_text(c: Any) -> list[str]:
    """Payback in plain words: the probability of having paid back by the end of each financial
    year first, the median month only where more than half pay back, the horizon stated."""
    table = c.payback()
    out = [f"Payback (cumulative discounted net savings above zero and staying so to the end of the horizon, "
           f"{c.horizon})"]
    for rec in table.to_dict("records"):
        out.append(f"  paid back by the end of {rec['financial_year']}: {float(rec['probability_paid_back']):.0%}"
                   " of replications")
    month = c.payback_month()
    if month is None:
        out.append(f"  median payback: not within the horizon ({c.horizon}): half or fewer of the replications "
                   "pay back by its end")
    else:
        out.append(f"  median payback month: {month} (more than half the replications have paid back by then)")
    return out


def _serve(args: argparse.Namespace, out: _Stdout) -> int:
    require("panel", "carecast serve")
    from . import web

    try:
        web.serve(port=args.port, host=args.host, open_browser=not args.no_browser, say=out.say)
    except KeyboardInterrupt as stop:
        signum = stop.args[0] if stop.args and isinstance(stop.args[0], int) else signal.SIGINT
        out.say(f"carecast: stopped serving ({signal.Signals(signum).name})")
        return 128 + signum
    except OSError as e:
        raise ConfigError(f"--host {args.host} --port {args.port}: cannot serve there: {e.strerror or e}",
                          path="--port", value=str(args.port), allowed="a free port on an address of this "
                          "machine") from None
    return 0


def _signed(x: float) -> str:
    return f"{'-' if x < 0 else '+'}{abs(x) / 1e6:.2f}"


def _report(args: argparse.Namespace, out: _Stdout) -> int:
    require("matplotlib", "carecast report")
    from . import report

    if args.compare and args.scenario is not None:
        raise ConfigError("give either a SCENARIO or --compare BASELINE SCENARIO, not both", path="--compare",
                          value=" ".join(args.compare), allowed="either SCENARIO or --compare BASELINE SCENARIO")
    if args.compare is not None and len(args.compare) < 2:
        raise ConfigError("--compare takes a baseline and at least one scenario", path="--compare",
                          value=" ".join(args.compare), allowed="--compare BASELINE SCENARIO [SCENARIO ...]")
    scenarios = [Scenario.load(x) for x in (args.compare or [args.scenario or presets()[0]])]
    with FileOutput(args.out, args.overwrite) as target:  # checked now, before the run
        if len(scenarios) > 2:
            options = compare(scenarios[0], *scenarios[1:], replications=args.replications, years=args.years,
                              seed=args.seed, threads=args.threads, progress=_progress(args))
            text = report.report_options(options)
        elif len(scenarios) == 2:
            c = compare(scenarios[0], scenarios[1], args.replications, args.years, args.seed, args.threads,
                        progress=_progress(args))
            text = report.report(c)
        else:
            results = scenarios[0].run(args.replications, args.years, args.seed, args.threads,
                                       progress=_progress(args))
            text = report.report(scenarios[0], results)
        target.write(lambda tmp: _write_text(tmp, text))
    out.say(f"wrote {args.out}")
    return 0


def _estimate(args: argparse.Namespace, out: _Stdout) -> int:
    from . import returns
    from .returns import build, observed
    from .returns.fit import fixes_frame
    from .returns.fit import load_report as load_report_of
    from .returns.read import as_date

    if not str(args.out).endswith(".toml"):
        raise ConfigError(f"--out: got {args.out!r}; allowed: a file name ending in .toml", path="--out",
                          value=str(args.out), allowed="a .toml file name")  # fmt: skip
    base = Scenario.load(args.base or presets()[0])
    population = observed.read_population(args.population) if args.population else None
    report_path = str(args.out)[: -len(".toml")] + ".report.txt"
    fixes_path = str(args.out)[: -len(".toml")] + ".fixes.csv"
    with (FileOutput(args.out, args.overwrite) as target, FileOutput(report_path, args.overwrite) as report,
          FileOutput(fixes_path, args.overwrite) as fixes):  # fmt: skip
        data = returns.load(args.returns, year=args.year)
        pre = _precare(args)
        built = build.build(data, args.census_date, base, population=population, window_months=args.window_months,
                            include_uasc=args.include_uasc, seed=args.seed, authority=args.authority,
                            name=os.path.splitext(os.path.basename(args.out))[0], trend=args.trend,
                            name_from="the output file's name (--out)", demand_trend=args.demand_trend,
                            **pre)  # fmt: skip
        text = built.toml()
        load_report = load_report_of(data, pre.get("cin"), built, fixes_file=os.path.basename(fixes_path))
        every_fix = fixes_frame(data, pre.get("cin"))
        target.write(lambda tmp: _write_text(tmp, text))
        report.write(lambda tmp: _write_text(tmp, load_report))
        fixes.write(lambda tmp: every_fix.to_csv(tmp, index=False))
    census = as_date(args.census_date, "census date").date()
    out.say(f"wrote {args.out}, {report_path} and {fixes_path}: {data.children():,} children in the returns, "
            f"{len(built.scenario.starting_position().children_in_care):,} in care on {census}")  # fmt: skip
    census_notes = pre["cin"].attention() if "cin" in pre else []
    for line in data.attention() + census_notes + built.attention:
        out.say(f"note: {line} (see {report_path})")
    return 0


def _backtest(args: argparse.Namespace, out: _Stdout) -> int:
    from . import returns
    from .returns import backtest

    if args.overwrite and args.out is None:
        raise ConfigError("--overwrite applies to --out; give --out too", path="--overwrite", value="true",
                          allowed="with --out DIR")
    options: dict[str, Any] = {}
    if args.trend:
        if not backtest.accepts("trend"):
            raise ConfigError("--trend: this carecast cannot project a trend in entries yet", path="--trend",
                              value="true", allowed="leave --trend out")  # fmt: skip
        options["trend"] = True
    if args.authority is not None:
        options["authority"] = args.authority
    with _directory(args) as target:  # checked now, before the fit and the runs
        data = returns.load(args.returns, year=args.year)
        # Checked here too, so that a bad date is named as the option that gave it.
        backtest.check(data, args.fit_to, args.test_to, args.window_months, names=backtest.OPTION_NAMES)
        result = backtest.backtest(data, args.fit_to, args.test_to, window_months=args.window_months,
                                   base=args.base, population=args.population, replications=args.replications,
                                   seed=args.seed, include_uasc=args.include_uasc, **options,
                                   **_precare(args))  # fmt: skip
        out.say(result.summary())
        out.say("")
        with pd.option_context("display.width", 160, "display.max_rows", 1000, "display.max_columns", 20):
            out.say(result.table.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
        if target is not None:
            target.write(result._fill, {**result._manifest(), "returns": [str(p) for p in args.returns],
                                        "year": args.year, "window_months": args.window_months, "base": args.base,
                                        "population": args.population, "include_uasc": args.include_uasc,
                                        "trend": args.trend, "cin": args.cin,
                                        "early_help": args.early_help})  # fmt: skip
            _said_written(out, target)
    return 0


def _millions(x: float) -> str:
    return f"{'-' if x < 0 else ''}£{abs(x) / 1e6:.2f}m"


if __name__ == "__main__":
    raise SystemExit(main())
