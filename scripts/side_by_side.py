#!/usr/bin/env python3
"""Set two versions of the engine side by side: does a change alter results in distribution?

A change to how the engine samples (a different order of draws, a next-reaction scheme, cached
tables) changes results draw by draw, so the golden values of a fixed seed must be re-pinned.
Before they are, this shows that the model did not change: every headline figure's mean under
the new engine is compared with the old one's, in units of the standard error of the difference.

    # build two revisions (the old one in a temporary worktree) and compare them
    python3 scripts/side_by_side.py run --old 03275ba --replications 2000 --years 10
    # or compare two files written by `cargo run --release --example headlines`
    python3 scripts/side_by_side.py compare OLD.csv NEW.csv

The figures (about 500 for 10 years) are every indicator by financial year (stocks at the year's
end, flows summed over it), every move's yearly count, the first year's shares and the yearly
cost (`examples/headlines.rs`). Both runs use the same seed; their draws differ, so the two
samples are treated as independent (if they share some draws, such as the starting position,
the test is conservative).

The verdict: if the engines sample the same model, each z is about standard normal, so about
4.6% of the figures lie beyond 2 and 0.27% beyond 3, and the figures are strongly correlated
(the stock of one year and the next), so counts vary more than for independent figures. The
run fails (exit 1) if any figure lies beyond 4.5 standard errors (under 1 in 100,000 for one
figure; about 1 in 200 over 500 independent figures), or if more than 2 x 4.6% + 3 of the
figures lie beyond 2. A genuine change to the model shows as many figures far beyond either.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "headlines.rs"
MAX_Z = 4.5
BEYOND_TWO = 2 * math.erfc(2 / math.sqrt(2))  # 4.55%: P(|Z| > 2)


@dataclass
class Figure:
    name: str
    mean_old: float
    mean_new: float
    se_old: float
    se_new: float

    @property
    def z(self) -> float:
        se = math.hypot(self.se_old, self.se_new)
        if se == 0:
            return 0.0 if self.mean_old == self.mean_new else math.inf
        return (self.mean_new - self.mean_old) / se


def read(path: Path) -> dict[str, list[float]]:
    """Columns of a headlines file, NaNs (shares with nothing to share) dropped."""
    try:
        with path.open(newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        sys.exit(f"side_by_side: cannot read {path}: {e.strerror}")
    if len(rows) < 3 or rows[0][:1] != ["replication"]:
        sys.exit(f"side_by_side: {path} is not a headlines file with two or more replications")
    names = rows[0][1:]
    columns: dict[str, list[float]] = {n: [] for n in names}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(names) + 1:
            sys.exit(f"side_by_side: {path}, line {line}: {len(row)} fields, expected {len(names) + 1}")
        for name, value in zip(names, row[1:], strict=True):
            try:
                x = float(value)
            except ValueError:
                sys.exit(f"side_by_side: {path}, line {line}, column {name}: {value!r} is not a number")
            if not math.isnan(x):
                columns[name].append(x)
    return columns


def mean_se(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = math.fsum(values) / n
    var = math.fsum((x - mean) ** 2 for x in values) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var / n)


def compare(old: Path, new: Path, show: int) -> bool:
    a, b = read(old), read(new)
    missing = sorted(set(a) ^ set(b))
    if missing:
        print(f"figures in only one file (ignored): {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}")
    figures = []
    for name in (n for n in a if n in b):
        if len(a[name]) < 2 or len(b[name]) < 2:
            continue
        (mo, so), (mn, sn) = mean_se(a[name]), mean_se(b[name])
        if so == 0 and sn == 0 and mo == mn:
            continue  # the same constant in both (population in a closed scenario, say)
        figures.append(Figure(name, mo, mn, so, sn))
    if not figures:
        sys.exit("side_by_side: no figure varies in both files")
    n_old, n_new = len(next(iter(a.values()))), len(next(iter(b.values())))
    zs = [abs(f.z) for f in figures]
    beyond = {k: sum(z > k for z in zs) for k in (1, 2, 3, 4)}
    print(f"{len(figures)} figures; {n_old} replications (old) and {n_new} (new)")
    print("beyond 1 / 2 / 3 / 4 standard errors: " + " / ".join(str(beyond[k]) for k in (1, 2, 3, 4)))
    print(
        "expected if the engines sample the same model, for independent figures: "
        f"{0.317 * len(figures):.0f} / {BEYOND_TWO * len(figures):.0f} / "
        f"{0.0027 * len(figures):.1f} / {0.0000633 * len(figures):.2f}"
    )
    print(f"\nthe {show} largest differences (z = difference / its standard error):")
    print(f"{'figure':48} {'old mean':>12} {'new mean':>12} {'difference':>11} {'z':>7}")
    for f in sorted(figures, key=lambda f: -abs(f.z))[:show]:
        rel = (f.mean_new - f.mean_old) / abs(f.mean_old) if f.mean_old else math.nan
        print(f"{f.name:48} {f.mean_old:12.4g} {f.mean_new:12.4g} {rel:+10.2%} {f.z:+7.2f}")
    worst = max(zs)
    allowed = 2 * BEYOND_TWO * len(figures) + 3
    ok = worst <= MAX_Z and beyond[2] <= allowed
    print(
        f"\nverdict: {'the same in distribution' if ok else 'DIFFERENT'} "
        f"(largest |z| {worst:.2f}, allowed {MAX_Z}; beyond 2: {beyond[2]}, allowed {allowed:.0f})"
    )
    return ok


def build_and_run(rev: str | None, args: argparse.Namespace, out: Path, work: Path) -> None:
    """Write the headlines of `rev` (None: this checkout as it is) to `out`."""
    if rev is None:
        tree = ROOT
    else:
        tree = work / f"tree-{rev.replace('/', '_')}"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
        shutil.copy2(EXAMPLE, tree / "examples" / "headlines.rs")
    try:
        run_in(tree, rev, args, out)
    finally:
        if rev is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def run_in(tree: Path, rev: str | None, args: argparse.Namespace, out: Path) -> None:
    # An older revision builds in a target folder of its own, so this checkout's build stays.
    target = ROOT / "target" / "side_by_side" if rev is not None else ROOT / "target"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    print(f"building {rev or 'this checkout'} ...", flush=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "headlines"], cwd=tree, env=env, check=True)
    binary = target / "release" / "examples" / "headlines"
    cmd = [str(binary), args.scenario, str(args.replications), str(args.years), str(args.seed), str(out)]
    subprocess.run(cmd, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="compare two headlines files (old first)")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    r = sub.add_parser("run", help="build two revisions, run both and compare")
    r.add_argument("--old", required=True, help="git revision of the old engine")
    r.add_argument("--new", help="git revision of the new engine (default: this checkout as it is)")
    r.add_argument("--scenario", default="wolverhampton-2015")
    r.add_argument("--replications", type=int, default=2000)
    r.add_argument("--years", type=int, default=10)
    r.add_argument("--seed", type=int, default=20150401)
    r.add_argument("--keep", type=Path, help="folder to keep the two headlines files in")
    for p in (c, r):
        p.add_argument("--show", type=int, default=20, help="how many of the largest differences to list")
    args = parser.parse_args()
    if args.command == "compare":
        return 0 if compare(args.old, args.new, args.show) else 1
    with tempfile.TemporaryDirectory(prefix="side_by_side-") as tmp:
        work = Path(tmp)
        folder = args.keep or work
        folder.mkdir(parents=True, exist_ok=True)
        old, new = folder / "old.csv", folder / "new.csv"
        for path in (old, new):
            if args.keep and path.exists():
                sys.exit(f"side_by_side: {path} exists; choose another --keep folder")
        build_and_run(args.old, args, old, work)
        build_and_run(args.new, args, new, work)
        return 0 if compare(old, new, args.show) else 1


if __name__ == "__main__":
    sys.exit(main())
