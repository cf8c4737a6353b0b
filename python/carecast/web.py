"""The scenario explorer as a web page: ``carecast serve`` (Panel; ``pip install 'carecast[web]'``).

A commissioner opens the page, chooses a preset or uploads a scenario file, moves the main levers
and sees children in care and money, with their uncertainty, against the scenario as loaded; then
downloads the Excel workbook, the HTML report or the scenario file of what is on screen.

Everything a page holds lives in one :class:`Explorer`, made afresh for each browser session
(:func:`app`): two people on the same server never see each other's levers or results. Runs go
to a worker thread, report progress and stop on *Cancel* through the engine's progress callback.
Uploads are never executed: they are size-limited (:data:`MAX_UPLOAD_BYTES`), must build on a
preset only (a ``base`` or sample ``file`` naming a path on the server is refused), and are read
by the same validated reader as ``carecast validate``, from a temporary folder removed at once.
Downloads are made in memory or in a temporary folder, never anywhere else.

The page's logic is plain Python (:meth:`Explorer.load_preset`, :meth:`Explorer.load_upload`,
:meth:`Explorer.set_lever`, :meth:`Explorer.plan`, :meth:`Explorer.compute`,
:meth:`Explorer.workbook`, ...), so it is tested without a browser; the widgets only call it.

>>> from carecast.web import Explorer  # doctest: +SKIP
>>> page = Explorer()                                         # doctest: +SKIP
>>> page.set_lever("early_help.places", 1000)                 # doctest: +SKIP
>>> view = page.compute(page.plan())                          # doctest: +SKIP
>>> view.headline                                             # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import math
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import CarecastError, ConfigError, Results, Scenario, presets
from .extras import require
from .finance import Comparison

__all__ = ["LEVERS", "MAX_UPLOAD_BYTES", "Explorer", "Lever", "Plan", "View", "app", "serve"]

#: The largest scenario file the page accepts (a council's estimated scenario with its starting
#: position of every child is well under this).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: The most replications and years a page runs (larger runs: ``carecast compare``).
MAX_REPLICATIONS = 2000
MAX_YEARS = 15
#: A redraw after a lever moves: 40 replications x 3 years (scripts/latency.py times it).
DEFAULT_REPLICATIONS = 40
DEFAULT_YEARS = 3
DEFAULT_SEED = 20150401
#: The note on the policy changes the page adds (in the scenario file it downloads).
NOTE = "set on the carecast web page"


@dataclass(frozen=True)
class Lever:
    """A lever of the page: the policy field ``group.field`` it sets from the month its ``start``
    control gives, its label and help in plain words, and its slider's usual range."""

    key: str
    label: str
    help: str
    low: float
    high: float
    step: float
    whole: bool
    start: str

    @property
    def group(self) -> str:
        return self.key.split(".")[0]

    @property
    def field(self) -> str:
        return self.key.split(".")[1]


#: The main levers, as the notebook's scenario explorer has them (plus reunification).
LEVERS: tuple[Lever, ...] = (
    Lever("early_help.places", "Early help places",
          "Families early help can work with at once, across the authority.", 0, 2000, 10, True, "hubs"),
    Lever("early_help.over_fives_target", "Share of places for over-fives",
          "Target share of early help places for families whose eldest child is five or over (used when places go "
          "to over-fives first).", 0.0, 1.0, 0.02, False, "hubs"),
    Lever("outreach.identification_multiplier", "Outreach",
          "How many more families outreach finds for early help: 1 is as now, 1.5 is half as many again.",
          0.5, 2.5, 0.1, False, "hubs"),
    Lever("intensive_support.places", "Intensive support places",
          "Places in the edge-of-care intensive support service, in families (0: no service).", 0, 120, 5, True,
          "intensive_support"),
    Lever("placements.reunification_multiplier", "Reunification support",
          "How much faster children return home safely: 1 is as now, 2 is twice the rate.", 0.5, 3.0, 0.1, False,
          "reunification"),
)

#: Who gets an early help place first, in plain words.
ALLOCATIONS = {
    "longest wait first": "first_come",
    "highest need first": "by_need",
    "over-fives first, up to their share": "over_fives_share",
}
#: Which children in care reunification support reaches.
TARGETS: dict[str, dict[str, Any] | None] = {
    "as the scenario has it": None,
    "every child in care": {},
    "children placed with parents": {"placements": ["with_parents"]},
    "children in care for less than two years": {"max_months_in_care": 24},
    "children in care on a voluntary agreement (section 20)": {"legal_statuses": ["section_20"]},
}
#: The dated changes the levers make: which levers start when, in plain words.
STARTS = {
    "hubs": "Early help and outreach change from",
    "intensive_support": "Intensive support changes from",
    "reunification": "Reunification support changes from",
}
BASES = {"real": "at the base year's prices", "nominal": "in cash", "discounted": "at the base year's prices, "
         "discounted"}


def _in_force(scenario: Scenario, group: str, name: str) -> tuple[str | None, Any]:
    """The path of the policy field ``group.name`` in force at the end of ``scenario`` (its last
    dated change that sets it, else ``policy``) and its raw value, or ``(None, None)``."""
    d = scenario.to_dict()
    found: tuple[str | None, Any] = (None, None)
    if name in d.get("policy", {}).get(group, {}):
        found = (f"policy.{group}.{name}", d["policy"][group][name])
    for i, change in enumerate(d.get("changes", [])):
        part = change.get("set", {}).get(group, {})
        if name in part:
            found = (f"changes[{i}].set.{group}.{name}", part[name])
    return found


def lever_value(scenario: Scenario, lever: Lever) -> float:
    """The lever's value in force at the end of ``scenario`` (the central value of a
    distribution; places given as staff are ``posts x caseload``)."""
    path, _ = _in_force(scenario, lever.group, lever.field)
    if lever.field == "places":
        staff_path, _ = _in_force(scenario, lever.group, "staff")
        if staff_path is not None and (path is None or _later(staff_path, path)):
            posts = scenario.parameter(f"{staff_path}.posts")
            try:
                caseload = scenario.parameter(f"{staff_path}.caseload")
            except CarecastError:  # a change that sets the posts alone keeps the caseload in force
                caseload = scenario.parameter(f"policy.{lever.group}.staff.caseload")
            return float(math.floor(posts * caseload))
    if path is None:
        return 1.0 if lever.field.endswith("multiplier") else 0.0
    return scenario.parameter(path)


def _later(a: str, b: str) -> bool:
    """Whether the field path ``a`` is set by a later change than ``b``."""

    def index(p: str) -> int:
        m = re.match(r"changes\[(\d+)\]", p)
        return int(m.group(1)) if m else -1

    return index(a) > index(b)


def _months(scenario: Scenario, years: int) -> list[str]:
    """The months of a run of ``years`` from the scenario's start, ``YYYY-MM``."""
    start = pd.Period(scenario.to_dict()["start"], freq="M")
    return [str(start + i) for i in range(12 * years)]


def _month_label(month: str) -> str:
    return f"{pd.Period(month, freq='M'):%B %Y}"


@dataclass
class Plan:
    """What a run needs: the scenario as loaded (the baseline), the scenario on screen and the
    run settings."""

    baseline: Scenario
    scenario: Scenario
    replications: int
    years: int
    seed: int
    basis: str


@dataclass
class View:
    """What the page shows after a run: the charts (PNG bytes), the tables and the comparison
    the downloads are made from."""

    comparison: Comparison
    headline: str
    in_care: bytes
    difference: bytes
    savings: bytes
    savings_table: pd.DataFrame
    payback_table: pd.DataFrame
    basis: str
    alt: dict[str, str] = field(default_factory=dict)


class Cancelled(Exception):
    """A run stopped by the page's Cancel button (or by a newer run)."""


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def _interval(mean: float, lo: float, hi: float, scale: float = 1.0, money: bool = False) -> str:
    if money:
        def m(x: float) -> str:
            return f"{'-' if x < 0 else ''}£{abs(x) / scale:,.2f}m"

        return f"{m(mean)} ({m(lo)} to {m(hi)})"

    def n(x: float) -> str:
        return f"{round(x):,}"  # never "-0"

    return f"{n(mean)} ({n(lo)} to {n(hi)})"


def savings_table(c: Comparison, basis: str) -> pd.DataFrame:
    """Savings by financial year, each as mean (90% interval), in plain words."""
    s = c.savings(basis)
    rows = []
    for fy in c.financial_years:
        row: dict[str, str] = {"financial year": fy}
        for measure, label, money in [("gross_savings", "gross savings", True),
                                      ("new_spending", "reinvestment and one-offs", True),
                                      ("net_savings", "net savings", True),
                                      ("children_in_care_avoided", "children in care avoided (average)", False)]:
            r = s[(s.measure == measure) & (s.financial_year == fy)].iloc[0]
            row[label] = _interval(r["mean"], r["p5"], r["p95"], 1e6, money)
        rows.append(row)
    return pd.DataFrame(rows)


def payback_table(c: Comparison) -> pd.DataFrame:
    """The probability of having paid back by the end of each financial year."""
    p = c.payback()
    return pd.DataFrame({"by the end of": [f"{fy} ({end})" for fy, end in zip(p.financial_year, p.by_end_of,
                                                                                strict=True)],
                         "probability of having paid back": [f"{x:.0%}" for x in p.probability_paid_back]})


class Explorer:
    """One browser session's scenario explorer: the scenario as loaded, the levers, the run
    settings and the last results. Its methods are the page's handlers; :meth:`panel` builds the
    widgets that call them."""

    def __init__(self, preset: str | None = None, replications: int = DEFAULT_REPLICATIONS,
                 years: int = DEFAULT_YEARS, seed: int = DEFAULT_SEED) -> None:
        self.baseline: Scenario = Scenario.preset(preset or presets()[0])
        self.source = f"preset {self.baseline.name}"
        #: The lever values on screen, by lever key; the reunification target and allocation.
        self.values: dict[str, float] = {}
        self.allocation: str = "first_come"
        self.target: str = "as the scenario has it"
        self.starts: dict[str, str] = {}
        self.settings: dict[str, Any] = {"replications": replications, "years": years, "seed": seed,
                                         "basis": "real"}
        #: Messages shown next to a field, by its key (a lever key, ``upload``, ``replications``...).
        self.errors: dict[str, str] = {}
        self.view: View | None = None
        self._baseline_cache: tuple[tuple[str, int, int, int], Results] | None = None
        self._reset_levers()
        self._ui: _Page | None = None

    # -- loading ---------------------------------------------------------------------------------

    def _reset_levers(self) -> None:
        self.values = {lever.key: lever_value(self.baseline, lever) for lever in LEVERS}
        _, allocation = _in_force(self.baseline, "early_help", "allocation")
        # As loaded: a lever at its loaded value changes nothing.
        self._loaded: dict[str, Any] = {**self.values, "early_help.allocation": allocation}
        self.allocation = allocation if allocation in ALLOCATIONS.values() else "first_come"
        self.target = "as the scenario has it"
        months = _months(self.baseline, MAX_YEARS)
        start = months[0]
        # Policy starts a year in by default, as a programme would, unless the run is shorter.
        default = months[min(12, len(months) - 1)]
        self.starts = {key: default for key in STARTS}
        self.starts["reunification"] = start
        self.errors = {k: v for k, v in self.errors.items() if k in ("upload",)}
        self.view = None

    def load_preset(self, name: str) -> None:
        """Start again from the preset ``name``."""
        self.errors.pop("upload", None)
        self.baseline = Scenario.preset(name)
        self.source = f"preset {name}"
        self._reset_levers()

    def load_upload(self, filename: str, data: bytes) -> bool:
        """Read an uploaded scenario file (``.toml`` or ``.json``) with the validated reader.
        On success the page starts again from it; otherwise the message is put next to the
        upload (``errors["upload"]``) and the page keeps what it had. Returns whether it loaded."""
        self.errors.pop("upload", None)
        try:
            scenario = read_upload(filename, data)
        except CarecastError as e:
            self.errors["upload"] = str(e)
            return False
        self.baseline = scenario
        self.source = f"file {os.path.basename(filename)}"
        self._reset_levers()
        return True

    # -- the levers ------------------------------------------------------------------------------

    def set_lever(self, key: str, value: Any) -> None:
        """Set a lever (a key of :data:`LEVERS`, ``early_help.allocation``,
        ``placements.reunification_target``, or ``start.hubs`` / ``start.intensive_support`` /
        ``start.reunification`` with a month ``YYYY-MM``) or a run setting (``replications``,
        ``years``, ``seed``, ``basis``). Values are checked when the page plans a run."""
        if key == "early_help.allocation":
            self.allocation = ALLOCATIONS.get(value, value)
        elif key == "placements.reunification_target":
            self.target = value
        elif key.startswith("start."):
            self.starts[key[len("start."):]] = value
        elif key in self.settings:
            self.settings[key] = value
        elif key in {lever.key for lever in LEVERS}:
            self.values[key] = value
        else:
            raise KeyError(key)

    def _changes(self) -> dict[str, dict[str, Any]]:
        """The policy the levers change, by start control (only what differs from the scenario
        as loaded)."""
        sets: dict[str, dict[str, Any]] = {}
        for lever in LEVERS:
            value = self.values[lever.key]
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isclose(
                    float(value), self._loaded[lever.key], rel_tol=1e-12, abs_tol=1e-12):
                continue
            if lever.whole and isinstance(value, float) and value.is_integer():
                value = int(value)
            sets.setdefault(lever.start, {}).setdefault(lever.group, {})[lever.field] = value
        if self.allocation != self._loaded["early_help.allocation"]:
            sets.setdefault("hubs", {}).setdefault("early_help", {})["allocation"] = self.allocation
        target = TARGETS.get(self.target)
        if target is not None:
            sets.setdefault("reunification", {}).setdefault("placements", {})["reunification_target"] = target
        return sets

    def scenario_on_screen(self) -> Scenario:
        """The scenario as loaded with the levers' changes, each from its start month; a
        :class:`ConfigError` for a bad value (the first; :meth:`plan` finds them all)."""
        s = self.baseline
        changes = self._changes()
        for start in STARTS:  # in order: a month given twice merges into one change
            if start in changes:
                s = s.with_change(self.starts[start], changes[start], note=NOTE)
        if changes and not s.name.endswith("(web)"):
            s = s.updated({"name": f"{self.baseline.name} with changes (web)"})
        return s

    def plan(self) -> Plan | None:
        """Check every value on screen: each bad one gets its message next to its field
        (:attr:`errors`, the same message the command line gives) and no run is planned (None);
        otherwise the run to make."""
        self.errors = {k: v for k, v in self.errors.items() if k == "upload"}
        from . import _whole

        for name, high in [("replications", MAX_REPLICATIONS), ("years", MAX_YEARS)]:
            value = self.settings[name]
            try:
                number = _whole(name, value, 1, 2**63)
                if number > high:
                    raise ConfigError(f"{name}: got {number}; allowed: at most {high:,} on the web page (use "
                                      f"carecast compare for more)", path=name, value=str(number),
                                      allowed=f"1 to {high:,}")
            except CarecastError as e:
                self.errors[name] = str(e)
        try:
            _whole("seed", self.settings["seed"], 0, 2**64 - 1)
        except CarecastError as e:
            self.errors["seed"] = str(e)
        if self.settings["basis"] not in BASES:
            self.errors["basis"] = f"basis must be one of {', '.join(BASES)}, got {self.settings['basis']!r}"
        valid_months = set(_months(self.baseline, MAX_YEARS))
        for start in STARTS:
            month = self.starts[start]
            if month not in valid_months:
                self.errors[f"start.{start}"] = (f"{start}: got {month!r}; allowed: a month YYYY-MM from "
                                                 f"{min(valid_months)} to {max(valid_months)}")
        # Each lever alone, so that a bad value is named next to its own field.
        changes = self._changes()
        for start, sets in changes.items():
            for group, fields in sets.items():
                for name, value in fields.items():
                    key = f"{group}.{name}"
                    try:
                        if isinstance(value, bool) or not isinstance(value, (int, float, str, dict)):
                            raise ConfigError(f"{key}: got {value!r}; allowed: a number", path=key,
                                              value=repr(value), allowed="a number")
                        self.baseline.with_change(self.starts[start], {group: {name: value}}, note=NOTE)
                    except CarecastError as e:
                        self.errors[key] = str(e)
                    except (TypeError, ValueError) as e:
                        self.errors[key] = f"{key}: {e}"
        if len(self.errors) > ("upload" in self.errors):
            return None
        try:
            scenario = self.scenario_on_screen()
        except CarecastError as e:
            self.errors["levers"] = str(e)
            return None
        return Plan(self.baseline, scenario, int(self.settings["replications"]), int(self.settings["years"]),
                    int(self.settings["seed"]), str(self.settings["basis"]))

    # -- running ---------------------------------------------------------------------------------

    def compute(self, plan: Plan, cancel: threading.Event | None = None,
                progress: Callable[[int, int], object] | None = None,
                first_chart: Callable[[str, bytes, str], object] | None = None) -> View:
        """Run the plan (the baseline only when its run is not already at hand, the scenario
        only when it differs from the baseline), compare, and draw. ``cancel``: set it to stop
        the run (:class:`Cancelled`); ``progress(done, total)`` counts replications;
        ``first_chart(name, png, alt)`` is given the chart of children in care as soon as it is
        drawn, before the others (the page shows it at once)."""
        import carecast.plots as cp

        key = (plan.baseline._inner.to_json(), plan.replications, plan.years, plan.seed)
        cached = self._baseline_cache[1] if self._baseline_cache and self._baseline_cache[0] == key else None
        same = plan.scenario == plan.baseline
        total = plan.replications * ((cached is None) + (not same))
        done_before = [0]

        def report(done: int, _total: int) -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled("stopped")
            if progress is not None:
                progress(done_before[0] + done, max(total, 1))

        if cached is None:
            if cancel is not None and cancel.is_set():
                raise Cancelled("stopped")
            plan.baseline._inner.check_comparison_memory([plan.scenario._inner], plan.replications, plan.years,
                                                         None, 0)
            cached = plan.baseline.run(plan.replications, plan.years, plan.seed, progress=report)
            self._baseline_cache = (key, cached)
            done_before[0] = plan.replications
        results = cached if same else plan.scenario.run(plan.replications, plan.years, plan.seed, progress=report)
        if cancel is not None and cancel.is_set():
            raise Cancelled("stopped")
        c = Comparison(plan.baseline, plan.scenario, cached, results)
        avoided = (cached.array("lac_stock") - results.array("lac_stock"))[:, -1]
        end = f"{cached.months[-1]:%B %Y}"
        fewer = f"{abs(avoided.mean()):,.0f} {'fewer' if avoided.mean() >= 0 else 'more'}"
        title = (f"Children looked after: {plan.baseline.name} as loaded" if same else
                 f"Children looked after: {fewer} by {end} with your changes")
        in_care = _png(cp.compare_fans(cached, results, labels=("as loaded", "with your changes"), title=title))
        if first_chart is not None:
            first_chart("in_care", in_care, title)
        if cancel is not None and cancel.is_set():  # a newer change: do not draw the rest for nothing
            raise Cancelled("stopped")
        difference = cp.difference_fan(c)
        savings = cp.savings_by_year(c, plan.basis)
        lo, hi = np.percentile(avoided, [5, 95])
        if same:
            headline = (f"No lever moved yet: the charts show {plan.baseline.name} as loaded ({plan.replications} "
                        f"replications over {plan.years} years). Move a lever to see what it changes.")
        else:
            headline = (f"By {end}: {fewer} children in care than the scenario as loaded (mean of "
                        f"{plan.replications} replications; 90% interval {lo:,.0f} to {hi:,.0f} fewer). "
                        + c.headline(plan.basis))
        return View(comparison=c, headline=headline, in_care=in_care, difference=_png(difference),
                    savings=_png(savings), savings_table=savings_table(c, plan.basis), payback_table=payback_table(c),
                    basis=plan.basis,
                    alt={"in_care": title, "difference": "Children in care avoided, paired by replication",
                         "savings": "Savings by financial year, mean and 90% interval"})

    def run(self, cancel: threading.Event | None = None,
            progress: Callable[[int, int], object] | None = None) -> View | None:
        """Plan and compute at once (what the page does, without the worker thread): the view,
        or None with :attr:`errors` saying why. A run that fails puts its message in
        ``errors["run"]``."""
        plan = self.plan()
        if plan is None:
            return None
        try:
            self.view = self.compute(plan, cancel, progress)
        except CarecastError as e:
            self.errors["run"] = str(e)
            return None
        return self.view

    # -- downloads -------------------------------------------------------------------------------

    def workbook(self) -> bytes:
        """The Excel workbook of the comparison on screen (``carecast compare --out``'s), made in a
        temporary folder that is removed at once."""
        c = self._shown()
        with tempfile.TemporaryDirectory(prefix="carecast-web-") as tmp:
            path = os.path.join(tmp, "comparison.xlsx")
            c.to_excel(path, basis=self.view.basis if self.view else "real")
            with open(path, "rb") as f:
                return f.read()

    def report(self) -> bytes:
        """The HTML report of the comparison on screen (``carecast report --compare``'s)."""
        from . import report

        return report.report(self._shown()).encode("utf-8")

    def scenario_file(self) -> bytes:
        """The scenario on screen as a TOML file (``carecast validate`` reads it back)."""
        return self.scenario_on_screen().to_toml().encode("utf-8")

    def _shown(self) -> Comparison:
        if self.view is None:
            raise ConfigError("nothing to download yet: run the scenario first", path="download", value="none",
                              allowed="a finished run")
        return self.view.comparison

    # -- the page --------------------------------------------------------------------------------

    def panel(self) -> Any:
        """The page's widgets and layout (Panel), wired to this explorer."""
        if self._ui is None:
            self._ui = _Page(self)
        return self._ui.layout


def _check_upload_text(text: str, filename: str) -> None:
    """Refuse, before the reader sees it, an upload that would read other files on the server:
    a ``base`` that is not a preset, or a sample ``file`` (an upload carries its sample in place)."""
    if filename.endswith(".json"):
        try:
            value = json.loads(text)
        except ValueError:
            return  # the reader gives the message, with the line
    else:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10 (the web extra installs tomli there)
            import tomli as tomllib
        try:
            value = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return
    if not isinstance(value, dict):
        return
    base = value.get("base")
    if base is not None and base not in presets():
        raise ConfigError(f"{filename}: base: got {base!r}; allowed on the web page: a preset ("
                          f"{', '.join(presets())}): upload one file with everything in it", path="base",
                          value=repr(base), allowed="a preset name")
    sample = value.get("uncertainty", {}).get("sample") if isinstance(value.get("uncertainty"), dict) else None
    if isinstance(sample, dict) and "file" in sample:
        raise ConfigError(f"{filename}: uncertainty.sample.file: got {sample['file']!r}; allowed on the web page: "
                          "the sample written in place (columns and rows), as carecast writes it when the CSV "
                          "file is not beside the TOML", path="uncertainty.sample.file", value=repr(sample["file"]),
                          allowed="columns and rows in place")


def read_upload(filename: str, data: bytes) -> Scenario:
    """The scenario in an uploaded file, read with the validated reader: never executed, at
    most :data:`MAX_UPLOAD_BYTES`, a ``.toml`` or ``.json`` file that builds on a preset only.
    A :class:`ConfigError` (or the reader's own error) names what is wrong."""
    name = os.path.basename(filename or "").strip() or "upload"
    if not name.endswith((".toml", ".json")):
        raise ConfigError(f"{name}: a scenario file is a .toml or .json file", path="upload", value=name,
                          allowed="a .toml or .json file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ConfigError(f"{name}: {len(data):,} bytes; allowed: at most {MAX_UPLOAD_BYTES:,} bytes", path="upload",
                          value=f"{len(data):,} bytes", allowed=f"at most {MAX_UPLOAD_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{name}: not UTF-8 text (byte {e.start}); allowed: a TOML or JSON scenario file",
                          path="upload", value="binary data", allowed="UTF-8 text") from None
    _check_upload_text(text, name)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    with tempfile.TemporaryDirectory(prefix="carecast-upload-") as tmp:
        path = os.path.join(tmp, safe)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            return Scenario.from_file(path)
        except CarecastError as e:
            message = str(e).replace(tmp + os.sep, "")
            raise ConfigError(message, path=getattr(e, "path", None) or "upload") from None


class _Page:
    """The Panel widgets of one :class:`Explorer` (made per session by :func:`app`)."""

    def __init__(self, explorer: Explorer) -> None:
        pn = require("panel", "carecast serve")
        self.pn = pn
        self.x = explorer
        self.cancel = threading.Event()
        self.generation = 0
        self.busy = False
        self.done = 0
        self.total = 1
        self.user_cancelled = False
        e = explorer

        def error_pane(key: str) -> Any:
            return pn.pane.Alert("", alert_type="danger", visible=False, margin=(0, 10, 5, 10),
                                 sizing_mode="stretch_width", css_classes=[f"error-{key.replace('.', '-')}"])

        self.error_panes: dict[str, Any] = {}
        self.preset = pn.widgets.Select(label="Start from a preset", options=presets(), value=e.baseline.name
                                        if e.baseline.name in presets() else presets()[0], sizing_mode="stretch_width")
        self.upload = pn.widgets.FileInput(accept=".toml,.json", multiple=False, sizing_mode="stretch_width",
                                           css_classes=["upload"])
        self.error_panes["upload"] = error_pane("upload")
        self.source = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["carecast-source"])
        self.widgets: dict[str, Any] = {}
        for lever in LEVERS:
            cls = pn.widgets.EditableIntSlider if lever.whole else pn.widgets.EditableFloatSlider
            number = int if lever.whole else float
            self.widgets[lever.key] = cls(label=lever.label, start=number(lever.low), end=number(lever.high),
                                          step=number(lever.step), value=number(e.values[lever.key]),
                                          sizing_mode="stretch_width",
                                          css_classes=[f"lever-{lever.key.replace('.', '-')}"])
            self.error_panes[lever.key] = error_pane(lever.key)
        self.widgets["early_help.allocation"] = pn.widgets.Select(
            label="Who gets an early help place first", options=list(ALLOCATIONS), sizing_mode="stretch_width")
        self.widgets["placements.reunification_target"] = pn.widgets.Select(
            label="Reunification support reaches", options=list(TARGETS), sizing_mode="stretch_width")
        for key in ("early_help.allocation", "placements.reunification_target"):
            self.error_panes[key] = error_pane(key)
        for start, label in STARTS.items():
            self.widgets[f"start.{start}"] = pn.widgets.Select(label=label, sizing_mode="stretch_width")
            self.error_panes[f"start.{start}"] = error_pane(f"start.{start}")
        for key, label in [("replications", "Replications"), ("years", "Years"), ("seed", "Seed")]:
            self.widgets[key] = pn.widgets.IntInput(label=label, value=e.settings[key], sizing_mode="stretch_width",
                                                    css_classes=[f"setting-{key}"])
        self.widgets["basis"] = pn.widgets.Select(label="Prices", options={v: k for k, v in BASES.items()},
                                                  value=e.settings["basis"], sizing_mode="stretch_width")
        for key in ("replications", "years", "seed", "basis", "levers", "run"):
            self.error_panes[key] = error_pane(key)
        self.run_button = pn.widgets.Button(label="Run", color="primary")
        self.cancel_button = pn.widgets.Button(label="Cancel", color="warning", disabled=True,
                                               css_classes=["cancel-run"])
        self.progress = pn.indicators.Progress(value=0, max=100, sizing_mode="stretch_width", visible=False)
        self.status = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["carecast-status"])
        self.headline = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["carecast-headline"],
                                         styles={"font-size": "1.1em"})
        self.charts = {name: pn.pane.PNG(None, sizing_mode="scale_width", max_width=900,
                                         css_classes=[f"chart-{name}"]) for name in ("in_care", "difference",
                                                                                     "savings")}
        self.savings_table = pn.pane.DataFrame(None, index=False, sizing_mode="stretch_width")
        self.payback_table = pn.pane.DataFrame(None, index=False, sizing_mode="stretch_width")
        self.downloads = [
            pn.widgets.FileDownload(callback=self._download(e.workbook), filename="comparison.xlsx",
                                    label="Excel workbook", disabled=True,
                                    css_classes=["download-workbook"]),
            pn.widgets.FileDownload(callback=self._download(e.report), filename="report.html",
                                    label="HTML report", disabled=True,
                                    css_classes=["download-report"]),
            pn.widgets.FileDownload(callback=self._download(e.scenario_file), filename="scenario.toml",
                                    label="Scenario file", disabled=True,
                                    css_classes=["download-scenario"]),
        ]
        self._sync_widgets()

        self.preset.param.watch(self._on_preset, "value")
        self.upload.param.watch(self._on_upload, "value")
        for key, w in self.widgets.items():
            watched = "value_throttled" if key in {lever.key for lever in LEVERS} else "value"
            w.param.watch(lambda event, key=key: self._on_change(key, event.new), watched)
        self.run_button.on_click(lambda _event: self._schedule())
        self.cancel_button.on_click(self._on_cancel)

        def labelled(key: str) -> list[Any]:
            return [self.widgets[key], self.error_panes[key]]

        help_text = {lever.key: lever.help for lever in LEVERS}
        for key, w in self.widgets.items():
            if key in help_text:
                w.description = help_text[key]
        controls = pn.Column(
            pn.pane.Markdown("### Your authority"),
            self.preset,
            pn.pane.Markdown("or upload a scenario file (TOML or JSON, such as one `carecast estimate` wrote "
                             f"from your returns; at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB):"),
            self.upload, self.error_panes["upload"], self.source,
            pn.pane.Markdown("### Early help and outreach"),
            *labelled("early_help.places"), *labelled("early_help.allocation"),
            *labelled("early_help.over_fives_target"), *labelled("outreach.identification_multiplier"),
            *labelled("start.hubs"),
            pn.pane.Markdown("### Edge of care"),
            *labelled("intensive_support.places"), *labelled("start.intensive_support"),
            pn.pane.Markdown("### Children in care"),
            *labelled("placements.reunification_multiplier"), *labelled("placements.reunification_target"),
            *labelled("start.reunification"),
            pn.pane.Markdown("### The run"),
            pn.Row(self.widgets["replications"], self.widgets["years"]),
            self.error_panes["replications"], self.error_panes["years"],
            pn.Row(self.widgets["seed"], self.widgets["basis"]),
            self.error_panes["seed"], self.error_panes["basis"],
            width=380, styles={"background": "#f6f7f9", "padding": "0 6px"},
        )
        intro = pn.pane.Markdown(
            "## What would change for children and money?\n"
            "Move a lever and the page re-runs the model: many possible futures (replications) of the authority "
            "with your changes, against the same futures of the scenario as loaded. The darker band holds half of "
            "them, the lighter band nine in ten. The same seed gives the same numbers every time.",
            sizing_mode="stretch_width")
        main = pn.Column(
            intro,
            pn.Row(self.run_button, self.cancel_button, self.progress, sizing_mode="stretch_width"),
            self.error_panes["levers"], self.error_panes["run"], self.status, self.headline,
            pn.pane.Markdown("### Children in care"), self.charts["in_care"], self.charts["difference"],
            pn.pane.Markdown("### Money"), self.charts["savings"],
            pn.pane.Markdown("Savings by financial year: mean, with the 90% interval in brackets (£ million)."),
            self.savings_table,
            pn.pane.Markdown("How likely the changes are to have paid for themselves (cumulative discounted net "
                             "savings above zero from then on):"),
            self.payback_table,
            pn.pane.Markdown("### Take it with you"),
            pn.Row(*self.downloads),
            pn.pane.Markdown("The workbook and report are those of `carecast compare` and `carecast report`; the "
                             "scenario file is what is on screen, for `carecast run` or another upload."),
            sizing_mode="stretch_width", max_width=1000,
        )
        header = pn.pane.Markdown("# carecast scenario explorer", styles={"color": "#0b3d63"},
                                  sizing_mode="stretch_width")
        self.layout = pn.Column(header, pn.Row(controls, main, sizing_mode="stretch_width"),
                                sizing_mode="stretch_width")
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.onload(self._schedule)  # the first run once the page is in the browser

    # -- widgets <-> explorer ----------------------------------------------------------------------

    def _sync_widgets(self) -> None:
        """Put the explorer's values in the widgets (after a load)."""
        e = self.x
        self._syncing = True
        try:
            for lever in LEVERS:
                w = self.widgets[lever.key]
                value = e.values[lever.key]
                top = max(lever.high, 2 * value) if value > 0 else lever.high
                number = int if lever.whole else float
                if lever.whole:
                    top = math.ceil(top / lever.step) * lever.step
                w.param.update(start=number(min(lever.low, value)), end=number(top), value=number(value))
            names = {v: k for k, v in ALLOCATIONS.items()}
            self.widgets["early_help.allocation"].value = names.get(e.allocation, next(iter(ALLOCATIONS)))
            self.widgets["placements.reunification_target"].value = e.target
            months = {_month_label(m): m for m in _months(e.baseline, MAX_YEARS)}
            for start in STARTS:
                self.widgets[f"start.{start}"].param.update(options=months, value=e.starts[start])
            self.source.object = f"Showing **{e.baseline.name}** ({e.source}), authority {e.baseline.authority}."
        finally:
            self._syncing = False
        self._show_errors()

    def _show_errors(self) -> None:
        for key, pane in self.error_panes.items():
            message = self.x.errors.get(key, "")
            first, _, rest = message.partition("\n")
            pane.object = f"{first}\n```\n{rest}\n```" if rest else first
            pane.visible = bool(message)

    def _on_preset(self, event: Any) -> None:
        if self._syncing:
            return
        self.x.load_preset(event.new)
        self._sync_widgets()
        self._schedule()

    def _on_upload(self, event: Any) -> None:
        if event.new is None:
            return
        if self.x.load_upload(self.upload.filename or "upload", event.new):
            self._sync_widgets()
            self._schedule()
        else:
            self._show_errors()

    def _on_change(self, key: str, value: Any) -> None:
        if self._syncing:
            return
        self.x.set_lever(key, value)
        self._schedule()

    def _on_cancel(self, _event: Any) -> None:
        self.user_cancelled = True
        self.cancel.set()

    def _download(self, make: Callable[[], bytes]) -> Callable[[], io.BytesIO | None]:
        def callback() -> io.BytesIO | None:
            try:
                return io.BytesIO(make())
            except CarecastError as e:
                self.x.errors["run"] = str(e)
                self._show_errors()
                return None

        return callback

    # -- runs ------------------------------------------------------------------------------------

    def _schedule(self) -> None:
        """Run what is on screen, in the background; a run in flight is stopped for it."""
        self.generation += 1
        self.cancel.set()
        if not self.busy:
            self.busy = True  # now, not when the loop starts: a second change before then joins this loop
            self.pn.state.execute(self._run_loop)

    async def _run_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                generation = self.generation
                self.user_cancelled = False
                plan = self.x.plan()
                self._show_errors()
                if plan is None:
                    self.status.object = "Put right the value marked in red; the charts show the last finished run."
                    return
                self.cancel = cancel = threading.Event()
                self.done, self.total = 0, 1

                def progress(done: int, total: int) -> None:
                    self.done, self.total = done, total

                self.cancel_button.disabled = False
                self.progress.visible = True
                self.status.object = f"Running {plan.replications} replications over {plan.years} years ..."
                first: list[tuple[str, bytes, str]] = []

                def first_chart(name: str, png: bytes, alt: str, generation: int = generation,
                                first: list[tuple[str, bytes, str]] = first) -> None:
                    if generation == self.generation:
                        first.append((name, png, alt))

                future = loop.run_in_executor(None, self.x.compute, plan, cancel, progress, first_chart)
                while not future.done():
                    self.progress.value = int(100 * self.done / max(self.total, 1))
                    if first:  # children in care first: the other charts follow when drawn
                        name, png, alt = first.pop()
                        self.charts[name].param.update(object=png, alt_text=alt)
                    await asyncio.sleep(0.02)
                try:
                    view = future.result()
                except Cancelled:
                    if generation != self.generation:
                        continue  # a newer change stopped it: run that
                    self.status.object = "Cancelled: the charts show the last finished run."
                    return
                except CarecastError as err:
                    self.x.errors["run"] = str(err)
                    self._show_errors()
                    self.status.object = ""
                    return
                if generation != self.generation:
                    continue
                self.x.view = view
                self._show(view)
                return
        finally:
            self.busy = False
            self.cancel_button.disabled = True
            self.progress.visible = False

    def _show(self, view: View) -> None:
        self.headline.object = view.headline
        for name in ("in_care", "difference", "savings"):
            self.charts[name].param.update(object=view.__dict__[name], alt_text=view.alt.get(name, name))
        self.savings_table.object = view.savings_table
        self.payback_table.object = view.payback_table
        for d in self.downloads:
            d.disabled = False
        self.status.object = "Up to date."


def app() -> Any:
    """A new page, with its own state: what the server makes for each browser session."""
    pn = require("panel", "carecast serve")
    if pn.state.curdoc is not None:
        pn.state.curdoc.title = "carecast scenario explorer"
    return Explorer().panel()


def serve(port: int = 5006, host: str = "localhost", open_browser: bool = True,
          say: Callable[[str], None] = print) -> None:
    """Serve the page at ``http://HOST:PORT/`` until stopped (Ctrl-C). Only this machine can
    reach it unless ``host`` says otherwise (``0.0.0.0``: every network interface)."""
    pn = require("panel", "carecast serve")
    local = host in ("localhost", "127.0.0.1", "::1")
    origins = [f"localhost:{port}", f"127.0.0.1:{port}"] if local else ["*"]
    server = pn.serve({"/": app}, port=port, address=host, show=False, start=False, title="carecast",
                      websocket_origin=origins, websocket_max_message_size=MAX_UPLOAD_BYTES * 2,
                      verbose=False)
    shown = "localhost" if host in ("localhost", "127.0.0.1") else host
    url = f"http://{shown}:{server.port}/"
    stopped_by: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        server.io_loop.add_callback_from_signal(server.io_loop.stop)

    handlers = {n: signal.signal(n, stop) for n in (signal.SIGINT, signal.SIGTERM)}
    say(f"carecast: serving the scenario explorer at {url} (Ctrl-C stops it)")
    if open_browser:
        import webbrowser

        with contextlib.suppress(Exception):
            webbrowser.open(url)
    server.start()
    try:
        server.io_loop.start()
    finally:
        for n, handler in handlers.items():
            signal.signal(n, handler)
        server.stop()
    if stopped_by:
        raise KeyboardInterrupt(stopped_by[0])
