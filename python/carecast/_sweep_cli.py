"""``carecast sweep GRID.toml``: the grid file, the run (here or on a Dask scheduler) and its outputs.

The grid file (TOML)::

    scenario = "wolverhampton-2015"        # the base: a preset name or a scenario file (relative to this file)
    baseline = "wolverhampton-2015"        # optional: savings against it (a preset or a file)
    replications = 100                     # optional; --replications overrides
    years = 5                              # optional; --years overrides
    seed = 20150401                        # optional; --seed overrides

    [parameters]                           # crossed: one scenario per combination
    "policy.early_help.places" = [600, 760, 900]

or, instead of ``scenario`` and ``[parameters]``, a list of scenarios: ``scenarios = ["a.toml",
"b.toml"]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from . import Scenario, __version__
from ._errors import ConfigError
from ._sweep import NET_SAVINGS, Grid, Sweep, sweep
from .extras import require

if TYPE_CHECKING:
    from ._outputs import DirectoryOutput

#: The keys a grid file may hold.
KEYS = ("scenario", "scenarios", "parameters", "baseline", "replications", "years", "seed")
DEFAULTS = {"replications": 100, "years": 10, "seed": 20150401}
#: The most scenarios printed; the rest are in summary.csv.
PRINTED = 40


def read_grid(path: str) -> dict[str, Any]:
    """The grid file's table, its keys checked; scenario files are resolved beside it."""
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such file", path="GRID", value=path, allowed="a grid TOML file")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        if sys.version_info >= (3, 11):
            import tomllib

            doc = tomllib.loads(raw.decode("utf-8"))
        else:  # Python 3.10
            doc = require("tomli", "Reading a grid TOML file on Python 3.10").loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}", path="GRID", value=path, allowed="a grid TOML file") from None
    unknown = sorted(set(doc) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}; allowed: {', '.join(KEYS)}",
                          path=f"{path}: {unknown[0]}", value=unknown[0], allowed=", ".join(KEYS))
    if ("scenario" in doc) == ("scenarios" in doc):
        raise ConfigError(f"{path}: give either scenario (a base, with [parameters]) or scenarios (a list)",
                          path=f"{path}: scenario", value="both" if "scenario" in doc else "neither",
                          allowed="scenario = \"...\" with [parameters], or scenarios = [...]")
    if "scenario" in doc and not isinstance(doc.get("parameters"), Mapping):
        raise ConfigError(f"{path}: a base scenario needs a [parameters] table of paths and lists of values",
                          path=f"{path}: parameters", value=repr(doc.get("parameters")),
                          allowed='[parameters] with "path" = [values]')
    if "scenarios" in doc and "parameters" in doc:
        raise ConfigError(f"{path}: [parameters] goes with scenario (a base), not with scenarios (a list)",
                          path=f"{path}: parameters", value="with scenarios", allowed="scenario = \"...\"")
    for key in ("replications", "years", "seed"):
        if key in doc and (isinstance(doc[key], bool) or not isinstance(doc[key], int) or doc[key] < (key != "seed")):
            raise ConfigError(f"{path}: {key} must be a whole number, got {doc[key]!r}", path=f"{path}: {key}",
                              value=repr(doc[key]), allowed="a whole number" + (" >= 1" if key != "seed" else ""))
    return doc


def _load(value: object, path: str, field: str) -> Scenario:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {field} must be a preset name or a scenario file, got {value!r}",
                          path=f"{path}: {field}", value=repr(value), allowed="a preset name or a scenario file")
    from . import presets

    if value in presets():
        return Scenario.preset(value)
    here = os.path.join(os.path.dirname(path), value)
    return Scenario.load(here if os.path.exists(here) else value)


def run_sweep(args: argparse.Namespace, out: Any, target: DirectoryOutput | None, say_table: Any) -> int:
    """The command: read the grid, run it, print the summary and write the outputs."""
    doc = read_grid(args.grid)
    if "scenario" in doc:
        scenarios: Grid | dict[str, Scenario] = Grid(_load(doc["scenario"], args.grid, "scenario"), doc["parameters"])
    else:
        listed = doc["scenarios"]
        if not isinstance(listed, list) or not listed:
            raise ConfigError(f"{args.grid}: scenarios must be a list of presets or files",
                              path=f"{args.grid}: scenarios", value=repr(listed),
                              allowed="a non-empty list of presets or files")
        scenarios = {}
        for i, item in enumerate(listed):
            s = _load(item, args.grid, f"scenarios[{i}]")
            scenarios[str(item) if str(item) not in scenarios else f"{item} ({i})"] = s
    baseline = _load(doc["baseline"], args.grid, "baseline") if "baseline" in doc else None
    options = {k: getattr(args, k) if getattr(args, k) is not None else doc.get(k, DEFAULTS[k]) for k in DEFAULTS}
    client = None
    if args.scheduler is not None:
        distributed = require("distributed", "carecast sweep --scheduler")
        try:
            client = distributed.Client(args.scheduler, timeout="10s")
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"--scheduler {args.scheduler}: cannot connect: {e}", path="--scheduler",
                              value=args.scheduler, allowed="the address of a running Dask scheduler") from None
        out.say(f"Dask scheduler {args.scheduler}; dashboard {client.dashboard_link}")
    try:
        result = sweep(scenarios, options["replications"], options["years"], options["seed"], baseline=baseline,
                       client=client, threads=args.threads, progress=False if args.quiet else None,
                       chunk_size=args.chunk_size)
    finally:
        if client is not None:
            client.close()
    _say_summary(out, result, options, say_table)
    if target is not None:
        def fill(tmp: str) -> None:
            result.summary().to_csv(os.path.join(tmp, "summary.csv"), index=False)
            result.by_replication.to_csv(os.path.join(tmp, "by_replication.csv"), index=False)
            if isinstance(scenarios, Grid):
                scenarios.base.save(os.path.join(tmp, "base.toml"))
            if baseline is not None:
                baseline.save(os.path.join(tmp, "baseline.toml"))

        target.write(fill, {"command": "sweep", "grid": args.grid, **options, "scheduler": args.scheduler,
                            "threads": args.threads, "chunk_size": args.chunk_size, "scenarios": len(result.scenarios),
                            "baseline": result.baseline, "carecast": __version__})
        out.say(f"\nwrote {target.display}")
    return 0


def _interval(a: np.ndarray, scale: float, digits: int) -> str:
    a = a[np.isfinite(a)]
    p5, p95 = np.percentile(a, [5, 95])
    return f"{a.mean() / scale:.{digits}f} ({p5 / scale:.{digits}f} to {p95 / scale:.{digits}f})"


def _say_summary(out: Any, result: Sweep, options: dict[str, int], say_table: Any) -> None:
    out.say(f"{len(result.scenarios)} scenarios x {options['replications']} replications x {options['years']} years, "
            f"seed {options['seed']}" + (f"; savings against {result.baseline!r}" if result.baseline else ""))
    out.say("Mean and 90% interval across replications; costs in £m, the base year's prices\n")
    header = ["scenario", "in care at the end", "cost over the horizon"]
    columns = [("in_care_end", 1.0, 0), ("cost", 1e6, 1)]
    if result.baseline is not None:
        header.append("net savings")
        columns.append((NET_SAVINGS, 1e6, 1))
    rows = [header]
    figures = {c: result.figures(c) for c, _, _ in columns}
    for name in list(result.scenarios)[:PRINTED]:
        rows.append([name, *(_interval(figures[c][name], scale, d) for c, scale, d in columns)])
    say_table(out, rows)
    if len(result.scenarios) > PRINTED:
        out.say(f"... and {len(result.scenarios) - PRINTED} more scenarios (summary.csv with --out)")
