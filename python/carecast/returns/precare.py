"""The pre-care side of a scenario built from the CIN census (and, where a council keeps them,
its early help records): what `carecast.returns.build.build` does with ``cin=`` and
``early_help=``. See ``docs/returns.md``, "Building the pre-care side".

In order:

1. **Direct values** (`cin.targets.precare_targets`), set before the starting position is drawn:
   the assessment outcomes, the moves out of child in need and child protection, the share of
   referrals for abuse or neglect by band, the children in need and on protection plans at home
   on the census date (so the open cases of the starting position are the census's), and with
   early help episodes its mean length and the families open on the census date.
2. **Referrals**, fitted by simulation with common random numbers: one factor on
   ``hazards.not_known.referral`` and ``hazards.previously_known.referral`` (their shape by band
   the census's assessed referrals per child-year where a population is given, else the base's)
   so that the model's referrals (its assessments, plus early help step-ups, which the census
   records as referrals) match the census's referrals not closed at referral. One factor, not
   one per band: the engine does not report assessments by age.
3. **Early help identification** (with early help records), fitted alongside: one factor on
   ``hazards.*.identification`` so that the model's early help starts match the records'. If
   the places bind (early help full), ``policy.early_help.places`` is raised to the families the
   records show open, and the report says so. **Protection starts**, fitted alongside: one factor
   on ``hazards.child_in_need.step_up`` (the census's rate per child-year in need) so that the
   model's protection starts (from referrals, early help and child in need) match the census's.
   Set directly, the rate over-produced them by about 20% on synthetic returns: the model
   multiplies it by each family's ``escalation_need_multiplier``, and children in need lean to
   high need.
4. Entries to care are fitted after this (`build._fit_entries`), since referral and early help
   change the routes into care.
5. **Checks**: each census figure against the fitted model's: flows a year over its first
   `FIT_YEARS` years (as the fit), stocks at the end of its first year.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import ConfigError
from .cin import early_help as eh
from .cin import measures
from .cin.clean import CleanCin, clean_cin
from .cin.read import CinReturns, read_cin
from .cin.targets import PreCareTargets, precare_targets
from .clean import collection_year
from .estimate import Window
from .position import AGE_BANDS
from .read import as_date

if TYPE_CHECKING:
    from .. import Results, Scenario
    from ..expected import ExpectedPath

#: What the CIN census may be given as: a path (file or folder), several, the returns as read
#: (`cin.read_cin`), or as cleaned (`cin.load`).
CinLike = Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]], CinReturns, CleanCin]
#: What early help records may be given as: a CSV path, or as read (`cin.early_help.read_early_help`).
EarlyHelpLike = Union[str, "os.PathLike[str]", eh.EarlyHelp]

BANDS = tuple("age_" + label.replace("-", "_") for label, _ in AGE_BANDS)
#: The fit stops when the model's referrals and early help starts are within this share of
#: their targets, or after `FIT_ROUNDS` rounds.
TOLERANCE = 0.02
FIT_ROUNDS = 10
#: The assessment outcomes of `_assessment_shares`, and how close two rounds' shares must be
#: for the fit to stop.
OUTCOMES = ("child_in_need", "child_protection", "early_help")
SHARE_TOLERANCE = 0.002
#: The fit and the checks run the model this many years and compare its flows a year over them:
#: its open cases drawn on the census date, with no closed family and no case recently closed,
#: settle over the first year or so (referrals run about 4% higher in the second year than in
#: the first), so a fit to the first year alone left later years above the census's level. Three
#: years, as the fit of entries runs.
FIT_YEARS = 3
_OVER = f"a year over its first {FIT_YEARS} years"
#: Early help's places bind when the families in it average this share of the places or more.
BINDING = 0.95
#: Places more than this many times the families the early help records show open (or fewer
#: than them) are far from the records: a line for the user's attention.
PLACES_FAR = 2.0
#: The model's moves that the census records as the start of a child in need episode (its
#: outcome child in need or protection), and as the start of a child protection plan.
CIN_STARTS = ("referral_to_child_in_need", "referral_to_child_protection", "early_help_to_child_in_need",
              "early_help_to_child_protection")  # fmt: skip
CP_STARTS = ("referral_to_child_protection", "early_help_to_child_protection", "child_in_need_to_child_protection")
#: The figures of `model_figures` that are flows (summed over the months), not stocks or means.
FLOW_FIGURES = ("assessments", "referrals", "early_help_to_child_in_need", "early_help_to_child_protection",
                "cin_starts", "cp_starts", "early_help_starts")  # fmt: skip
#: Early help step-ups: the census records them as referrals (assessed, with a plan as outcome).
STEP_UPS = ("early_help_to_child_in_need", "early_help_to_child_protection")
#: A check row further than this share from the census's figure is a line for the user's
#: attention. Not the rows the fit targets (their own lines say when the fit falls short) nor
#: "referrals", which the model cannot have (it closes no referral at referral).
CHECK_TOLERANCE = 0.10
NOT_FLAGGED = ("referrals", "referrals not closed at referral", "child protection starts", "early help starts")
#: The census's moves out of each social care state that are set as the model's rates, each
#: state's together converted to the model's monthly hazards (`as_monthly_rates`).
STATE_MOVES = {"child_in_need": ("close", "step_up", "step_down"), "child_protection": ("close", "step_down")}
#: A referral's outcome (child in need or protection, or closed) is recorded weeks after the
#: referral: the census's child in need starts in a year that ends within this many months of
#: the end of its data are censored (low), and are not compared as if complete.
CENSORED_MONTHS = 3


def censored_from(data_end: dt.date) -> dt.date:
    """The last day of a year whose child in need starts are complete in a census whose data end
    on ``data_end``: `CENSORED_MONTHS` earlier."""
    return (pd.Timestamp(data_end) - pd.DateOffset(months=CENSORED_MONTHS)).date()


def as_monthly_rates(rates: Sequence[float]) -> list[float]:
    """The model's rates a year for moves out of one state that the census measures as ``rates``
    (moves per child-year in the state, together ``c``): each times ``-12 ln(1 - c / 12) / c``.

    In the model a case cannot move in the month it opens, and then moves with the chance
    ``1 - exp(-H)`` a month (``H`` its rates over 12): a stay lasts ``1 / (1 - exp(-H))`` months
    on average, about half a month longer than ``12 / c``, the census's. Rates that together make
    ``H = -ln(1 - c / 12)`` give the census's stays, and so its moves per child-year and its
    stock for a given inflow. Set as measured, the child in need stock ran about 5% high."""
    total = float(sum(rates))
    if total <= 0:
        return [float(r) for r in rates]
    factor = -12.0 * math.log(1.0 - min(total / 12.0, 0.95)) / total
    return [float(r) * factor for r in rates]


def as_cin(cin: CinLike, until: dt.date | str | None = None) -> CleanCin:
    """``cin`` read (if paths) and cleaned; with ``until``, as the returns stood at the end of
    that day (see `cut_cin`). A cleaned census given with ``until`` is cleaned again from the
    returns it was read from."""
    if isinstance(cin, CleanCin):
        if until is None:
            return cin
        if cin.source is None:
            raise ConfigError("this cleaned CIN census does not keep the returns it was read from, so it cannot be cut "
                              "at an earlier date; give the path of the returns instead", path="cin",
                              value="CleanCin", allowed="a path, or cin.load(...)")  # fmt: skip
        cin = cin.source
    returns = cin if isinstance(cin, CinReturns) else read_cin(cin)  # type: ignore[arg-type]
    if until is None:
        return clean_cin(returns)
    day = as_date(until, "until").date()
    cleaned = clean_cin(cut_cin(returns, day))
    return dataclasses.replace(cleaned, data_end=min(cleaned.data_end, day), source=returns)


#: The end date of each table, and what else is unknown until it (blanked with it).
_ENDS = {
    "episodes": ("CINclosureDate", ("ReasonForClosure",)),
    "assessments": ("AssessmentAuthorisationDate", ()),
    "cin_plans": ("CINPlanEndDate", ()),
    "section47": ("DateOfInitialCPC", ()),
    "cp_plans": ("CPPendDate", ()),
}
_STARTS = {"episodes": "CINreferralDate", "assessments": "AssessmentActualStartDate",
           "cin_plans": "CINPlanStartDate", "section47": "S47ActualStartDate", "cp_plans": "CPPstartDate"}  # fmt: skip


def cut_cin(returns: CinReturns, until: dt.date | str) -> CinReturns:
    """``returns`` as they stood at the end of ``until``: the returns of collection years that
    begin after it are left out whole; in the others, a referral, assessment, plan or enquiry
    starting after it is left out, and an end (a closure with its reason, an authorisation, a
    plan's end, a conference) after it is blank: open on ``until``, however it ended."""
    day = pd.Timestamp(as_date(until, "until").date())
    last_year = collection_year(day.date())
    tables: dict[str, pd.DataFrame] = {}
    for name in ("children", *_STARTS):
        table = returns.table(name)
        table = table[table["YEAR"] <= last_year]
        if name in _STARTS:
            table = table[table[_STARTS[name]] <= day]
            end, also = _ENDS[name]
            later = table[end] > day
            table = table.copy()
            for column in (end, *also):
                table.loc[later, column] = None if column in also else pd.NaT
            if name == "episodes":
                table.loc[table["DateOfInitialCPC"] > day, "DateOfInitialCPC"] = pd.NaT
        tables[name] = table.reset_index(drop=True)
    files = sorted(set(tables["children"]["FILE"].astype(str)))
    problems = [p for p in returns.problems if p.file in files]
    return CinReturns(**tables, problems=problems, files=files)


def as_early_help(records: EarlyHelpLike, until: dt.date | str | None = None) -> eh.EarlyHelp:
    """Early help records read (if a path); with ``until``, as they stood at the end of that day:
    episodes starting after it left out, ends after it blank; monthly counts of later months
    left out."""
    data = records if isinstance(records, eh.EarlyHelp) else eh.read_early_help(Path(records))
    if until is None:
        return data
    day = as_date(until, "until")
    if data.kind == "episodes":
        episodes = data.episodes[data.episodes["start"] <= day].copy()
        episodes.loc[episodes["end"] > day, "end"] = pd.NaT
        return dataclasses.replace(data, episodes=episodes.reset_index(drop=True))
    counts = data.counts[data.counts["month"].map(lambda m: m.end_time) <= day + pd.Timedelta(days=1)]
    return dataclasses.replace(data, counts=counts.reset_index(drop=True))


def model_figures(results: Results, months: slice, at: int) -> dict[str, npt.NDArray[np.float64]]:
    """The model's pre-care figures per replication: flows summed over ``months``
    (``assessments``, ``referrals``: assessments and early help step-ups, ``cin_starts``,
    ``cp_starts``, ``early_help_starts``), stocks at the end of month ``at``
    (``cin_stock``, ``cp_stock``), and the families in early help on average over ``months``
    (``early_help_families``).

    The engine counts the families open in early help (or waiting for it) at the start as
    starting it in the first month: early help starts over a span beginning at month 0 leave
    that month out and scale the rest to the span's length."""
    from .. import _core

    flows = results._inner.flows_by_replication()  # replications x moves x months
    moves = {name: flows[:, i, :] for i, name in enumerate(_core.MOVES)}
    return _figures(moves, results.array, months, at)


def expected_figures(path: ExpectedPath, months: slice, at: int) -> dict[str, float]:
    """`model_figures` of the expected path (`carecast.Scenario.expected`): the same measures,
    from its expected flows and series."""
    from .. import _core

    table = path.flows(by=["move"])
    moves = {name: table.loc[table["move"] == name, "value"].to_numpy(float)[None, :] for name in _core.MOVES}
    figures = _figures(moves, lambda name: path.value(name)[None, :], months, at)
    return {name: float(value[0]) for name, value in figures.items()}


def _figures(moves: dict[str, npt.NDArray[np.float64]], series: Callable[[str], npt.NDArray[np.float64]],
             months: slice, at: int) -> dict[str, npt.NDArray[np.float64]]:  # fmt: skip
    """`model_figures` from ``moves`` (move -> replications x months) and ``series`` (indicator
    name -> replications x months)."""
    flows = {name: m[:, months].sum(axis=1) for name, m in moves.items()}
    assessments = series("assessments")[:, months].sum(axis=1)
    starts = series("early_help_starts")[:, months]
    if (months.start or 0) == 0 and starts.shape[1] > 1:
        starts = starts[:, 1:] * (starts.shape[1] / (starts.shape[1] - 1))
    return {
        "assessments": assessments,
        "referrals": assessments + sum(flows[m] for m in STEP_UPS),
        **{m: flows[m] for m in STEP_UPS},
        "cin_starts": sum((flows[m] for m in CIN_STARTS), np.zeros(len(assessments))),
        "cp_starts": sum((flows[m] for m in CP_STARTS), np.zeros(len(assessments))),
        "early_help_starts": starts.sum(axis=1),
        "early_help_families": series("early_help_families")[:, months].mean(axis=1),
        "cin_stock": series("stock_child_in_need")[:, at],
        "cp_stock": series("stock_child_protection")[:, at],
    }


@dataclass
class PreCare:
    """The pre-care side of a scenario from the CIN census: the `targets` (what the census
    says), where each value set came from (`provenance`), the fit's factors and rounds, the
    `checks` table (after `check`), and notes (what could not be fitted; `attention` for the
    user)."""

    cin: CleanCin
    early_help: eh.EarlyHelp | None
    targets: PreCareTargets
    census: dt.date
    window: Window
    #: How the census is named in provenance: "the CIN census, 2014-2016 returns".
    source: str
    provenance: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    referral_factor: float = 1.0
    step_up_factor: float = 1.0
    identification_factor: float | None = None
    rounds: int = 0
    #: One row per census figure: ``figure``, ``census`` (a year, or on the census date),
    #: ``model`` (the fitted model, mean of the replications: flows a year over its first
    #: `FIT_YEARS` years, stocks at the end of its first year),
    #: ``difference`` (model / census - 1) and ``note``.
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The values set directly: the census's (``targets.direct``), its moves out of child in
    #: need and protection as the model's monthly rates (`as_monthly_rates`).
    values: dict[str, float] = field(default_factory=dict)
    #: The model's entries to care from a protection plan per child-year on one, taken out of the
    #: census's step-downs (`allow_for_care`).
    care_from_protection: float = 0.0
    #: The census's child protection starts a year, which the step-up's level is fitted to.
    cp_target: float = 0.0

    def direct(self) -> dict[str, float]:
        """The values set directly (scenario path -> value), each in `provenance`."""
        return dict(self.values)

    def fit(self, scenario: Scenario, replications: int, seed: int) -> Scenario:
        """``scenario`` with its referral level (and with early help records, its early help
        identification, and if they bind its places) fitted by simulation: see the module's
        documentation. Rounds of ``replications`` replications of a year with ``seed`` (the
        same random numbers each round), each moving a factor to where the line through the
        last two rounds meets its target (the first round: in proportion to target over
        reached)."""
        referral_target = self.targets.fit["assessments"]
        starts_target = self.targets.fit.get("early_help_starts")
        shape = self.targets.referral_shape
        not_known = {b: scenario.parameter(f"hazards.not_known.referral.{b}") for b in BANDS}
        known = {b: scenario.parameter(f"hazards.previously_known.referral.{b}") for b in BANDS}
        if shape and all(b in shape for b in BANDS):
            # The census's shape by band for children never known; those known before keep the
            # base's ratio to them (a history effect the census cannot separate).
            ratio = {b: known[b] / not_known[b] if not_known[b] > 0 else 1.0 for b in BANDS}
            not_known = {b: float(shape[b]) for b in BANDS}
            known = {b: float(shape[b]) * ratio[b] for b in BANDS}
            how_shaped = ("its shape by band the census's assessed referrals per child-year at these ages "
                          f"({', '.join(f'{b} {shape[b]:.4f}' for b in BANDS)})")  # fmt: skip
        else:
            how_shaped = "its shape by band the base's (no population by age given, so no referral rate by age)"
        identification = {
            (kind, b): scenario.parameter(f"hazards.{kind}.identification.{b}")
            for kind in ("not_known", "previously_known") for b in BANDS
        }  # fmt: skip
        places = scenario.parameter("policy.early_help.places")
        open_families = self.targets.direct.get("population.initial.early_help_families")
        # Protection starts: the census's step-up rate is per child-year in need, but the model
        # multiplies it by each family's escalation_need_multiplier, and the children in need
        # lean to high need, so set directly it over-produces them (+20% on synthetic returns).
        # Its level is fitted to the census's protection starts.
        flows = measures.flows(self.cin, self.window, by="band")
        cp_target = float(flows.loc[flows["measure"] == "cp_starts", "events"].sum()) / self.window.years
        self.cp_target = cp_target
        step_up = scenario.parameter("hazards.child_in_need.step_up")
        # The census's assessment outcomes, as shares of the model's assessments (see _assessment_shares).
        census_shares = {o: self.values[f"hazards.assessment.{o}"] for o in OUTCOMES
                         if f"hazards.assessment.{o}" in self.values}  # fmt: skip
        shares = dict(census_shares) if len(census_shares) == len(OUTCOMES) else {}
        k, j, s = 1.0, 1.0, 1.0
        last_k: tuple[float, float] | None = None  # the previous round's factor and figure
        last_j: tuple[float, float] | None = None
        last_s: tuple[float, float] | None = None
        raised = False
        figures: dict[str, float] = {}
        current = scenario
        for rounds in range(1, FIT_ROUNDS + 1):
            values = {f"hazards.not_known.referral.{b}": not_known[b] * k for b in BANDS}
            values |= {f"hazards.previously_known.referral.{b}": known[b] * k for b in BANDS}
            values["hazards.child_in_need.step_up"] = step_up * s
            values |= {f"hazards.assessment.{o}": v for o, v in shares.items()}
            if starts_target is not None:
                values |= {f"hazards.{kind}.identification.{b}": v * j for (kind, b), v in identification.items()}
                values["policy.early_help.places"] = places
            current = scenario.with_parameters(values)
            figures = run_figures(current, replications, seed)[1]
            self.rounds = rounds
            referrals_done = abs(figures["referrals"] / max(referral_target, 1e-9) - 1) < TOLERANCE
            starts = figures["early_help_starts"]
            # Starts above the target with no identification left are as low as identification can take them.
            starts_done = starts_target is None or abs(starts / max(starts_target, 1e-9) - 1) < TOLERANCE or (
                j == 0.0 and starts > starts_target)
            cp = figures["cp_starts"]
            # Above the target with no step-up left: referrals and early help alone bring more.
            cp_done = cp_target <= 0 or abs(cp / cp_target - 1) < TOLERANCE or (s == 0.0 and cp > cp_target)
            binding = places > 0 and figures["early_help_families"] >= BINDING * places
            if (starts_target is not None and not starts_done and binding and not raised and rounds < FIT_ROUNDS
                    and open_families is not None and open_families > places):  # fmt: skip
                places = float(math.ceil(open_families))
                raised = True
                last_k = last_j = last_s = None  # the figures move differently with more places
                self.attention.append(
                    f"early help was full in the model ({figures['early_help_families']:,.0f} families on average for "
                    f"{scenario.parameter('policy.early_help.places'):,.0f} places), so its starts could not reach "
                    f"the records' {starts_target:,.0f} a year: policy.early_help.places raised to the "
                    f"{places:,.0f} families the records show open on {self.census}"
                )  # fmt: skip
                continue
            following = _assessment_shares(census_shares, figures) if shares else {}
            shares_done = all(abs(following[o] - shares[o]) < SHARE_TOLERANCE for o in shares)
            if (referrals_done and starts_done and cp_done and shares_done) or rounds == FIT_ROUNDS:
                break
            shares = following
            k, last_k = _step(k, figures["referrals"], referral_target, last_k), (k, figures["referrals"])
            if cp_target > 0:
                s, last_s = _step(s, cp, cp_target, last_s), (s, cp)
            if starts_target is not None:
                j, last_j = _step(j, starts, starts_target, last_j), (j, starts)
        self.referral_factor = k
        census_text = f"{referral_target:,.1f} a year"
        for kind in ("not_known", "previously_known"):
            for b in BANDS:
                self.provenance[f"hazards.{kind}.referral.{b}"] = (
                    f"fitted ({self.source}): one factor ({k:.3f}) on the referral hazards, {how_shaped}, so that "
                    f"the model's referrals {_OVER} ({figures['referrals']:,.1f}: assessments and early help "
                    f"step-ups) match the census's referrals not closed at referral ({census_text})"
                )
        self.step_up_factor = s
        for outcome, share in shares.items():
            path = f"hazards.assessment.{outcome}"
            self.provenance[path] += (
                f"; as a share of the model's assessments {share:.4f}: the census records an early help step-up as "
                "an assessed referral leading to a plan, the model as a plan without an assessment "
                f"({figures[STEP_UPS[0]] + figures[STEP_UPS[1]]:,.1f} {_OVER}), so that its assessments "
                "and step-ups together have the census's outcomes"
            )
        self.provenance["hazards.child_in_need.step_up"] = (
            f"fitted ({self.source}): the census's step-ups from child in need to protection per child-year in "
            f"need (as the model's monthly rate, {step_up:.4f}) times {s:.3f}, so that the model's protection "
            f"starts {_OVER} ({figures['cp_starts']:,.1f}: from referrals, early help and child in need) match the "
            f"census's ({cp_target:,.1f} a year; the model multiplies the rate by each family's "
            "escalation_need_multiplier)"
        )
        if cp_target > 0 and abs(figures["cp_starts"] / cp_target - 1) >= TOLERANCE:
            self.attention.append(
                f"child protection starts: after {self.rounds} rounds the model starts {figures['cp_starts']:,.1f} a "
                f"year, not the census's {cp_target:,.1f}"
                + (" (with no step-up from child in need left: referrals and early help alone bring more)"
                   if s == 0.0 else "")
            )  # fmt: skip
        if abs(figures["referrals"] / max(referral_target, 1e-9) - 1) >= TOLERANCE:
            self.attention.append(f"referrals: after {self.rounds} rounds the model makes {figures['referrals']:,.1f} "
                                  f"a year, not the census's {census_text}")  # fmt: skip
        if starts_target is None:
            self.notes.append("Early help: no early help records given (--early-help), so identification for early "
                              "help, its places and length are the base's.")  # fmt: skip
            return current
        self.identification_factor = j
        records = self.early_help.file if self.early_help is not None else "early help records"
        for kind, b in identification:
            self.provenance[f"hazards.{kind}.identification.{b}"] = (
                f"fitted (early help records, {records}): one factor ({j:.3f}) on the base's identification "
                f"hazards, so that the model's early help starts {_OVER} "
                f"({figures['early_help_starts']:,.1f}) match the records' ({starts_target:,.1f} a year)"
            )
        if not raised and open_families is not None and open_families > 0 and not (
                open_families <= places <= PLACES_FAR * open_families):  # fmt: skip
            self.attention.append(
                f"policy.early_help.places is the base's {places:,.0f}, but the early help records show "
                f"{open_families:,.0f} families open on {self.census}: the records hold no capacity, so the places are "
                "left as they are; set them to the authority's own (a base scenario, or policy.early_help.places)"
            )  # fmt: skip
        if raised:
            self.provenance["policy.early_help.places"] = (
                f"raised to the {places:,.0f} families the early help records show open on {self.census} ({records}): "
                "at the base's places early help was full in the model and its starts could not reach the records'"
            )
        if abs(figures["early_help_starts"] / max(starts_target, 1e-9) - 1) >= TOLERANCE:
            why = (" (early help is full in the model: more places, or a shorter mean_duration_months, would let "
                   "more start)" if places > 0 and figures["early_help_families"] >= BINDING * places else
                   " (other routes into early help, referrals signposted and cases closed to it, bring more than "
                   "the records show)" if j <= 1e-6 else "")  # fmt: skip
            self.attention.append(f"early help starts: after {self.rounds} rounds the model starts "
                                  f"{figures['early_help_starts']:,.1f} a year, not the records' "
                                  f"{starts_target:,.1f}{why}")  # fmt: skip
        return current

    def allow_for_care(self, scenario: Scenario, replications: int, seed: int) -> Scenario:
        """``scenario`` with ``hazards.child_protection.step_down`` less the model's entries to care
        from a protection plan per child-year on one (over `FIT_YEARS`: ``replications`` with
        ``seed``), at least 0.

        A child on a protection plan who comes into care ends the plan and keeps its episode of
        need open (children in care are children in need), so the census counts the move as a
        step down; the model has it as care entry, a move of its own. Left in the step-down, it
        was counted twice: protection plans ended too soon and the model's children on them ran
        about 14% under the census's (once the census's rates were the model's monthly ones), and
        children in care stepped down to child in need as well. To be run after the fit of
        entries, which sets care entry."""
        path = "hazards.child_protection.step_down"
        if path not in self.values:
            return scenario
        from .. import _core

        results = run_figures(scenario, replications, seed)[0]
        flows = results._inner.flows_by_replication()[:, list(_core.MOVES).index("child_protection_to_care"), :]
        child_years = float(results.array("stock_child_protection").mean(axis=1).mean()) * FIT_YEARS
        care = float(flows.sum(axis=1).mean()) / child_years if child_years > 0 else 0.0
        step_down = scenario.parameter(path)
        value = max(step_down - care, 0.0)
        self.care_from_protection = care
        self.provenance[path] += (f"; less the model's entries to care from a protection plan, {care:.4f} a "
                                  f"child-year, to {value:.4f} (the census counts a child coming into care from a "
                                  "plan as a step down: its plan ends, its episode of need stays open)")  # fmt: skip
        scenario = scenario.with_parameters({path: value})
        # Fewer step-downs leave fewer children in need to step up: the step-up's level is moved
        # once more, in proportion, so that protection starts stay the census's.
        results, figures = run_figures(scenario, replications, seed)
        step_up_move = list(_core.MOVES).index("child_in_need_to_child_protection")
        step_ups = results._inner.flows_by_replication()[:, step_up_move]
        from_need = float(step_ups.sum(axis=1).mean()) / FIT_YEARS
        if from_need > 0 and self.cp_target > 0:
            factor = max(self.cp_target - (figures["cp_starts"] - from_need), 0.0) / from_need
            up = "hazards.child_in_need.step_up"
            self.step_up_factor *= factor
            self.provenance[up] += (f"; then times {factor:.3f} once the step-down allowed for care entry "
                                    f"({self.step_up_factor:.3f} in all)")  # fmt: skip
            scenario = scenario.with_parameters({up: scenario.parameter(up) * factor})
        return scenario

    def check(self, scenario: Scenario, replications: int, seed: int) -> pd.DataFrame:
        """Each census figure against the fitted ``scenario``'s (``replications`` replications with
        ``seed``): flows a year over its first `FIT_YEARS` years, as the fit, and stocks at the end
        of its first year: the `checks` table."""
        model = run_figures(scenario, replications, seed)[1]
        flows = measures.flows(self.cin, self.window, by="band")
        per_year = (flows.groupby("measure")["events"].sum() / self.window.years).to_dict()
        direct = self.targets.direct
        a_year = f"a year over {self.window.start.date()} to {self.census}"
        rows: list[tuple[str, float, float | None, str]] = [
            ("referrals", per_year["referrals"], model["referrals"],
             f"{a_year}; the model closes no referral at referral (it assesses every one), so it falls short by "
             "the census's no further action at referral"),
            ("referrals not closed at referral", per_year["referrals"] - per_year["referrals_nfa"], model["referrals"],
             f"{a_year}; the fit's target; the model's are its assessments and early help step-ups"),
            ("assessments", per_year["assessments"], model["assessments"],
             f"{a_year}; the model's are the children assessed after a referral (early help step-ups are not)"),
            ("section 47 enquiries", per_year["section47"], None,
             f"{a_year}; the engine has no section 47 enquiries (a referral's outcome is drawn after its "
             "assessment)"),
            ("child in need starts", per_year["cin_starts"], model["cin_starts"],
             f"{a_year}; referrals whose outcome is child in need or protection, and early help step-ups"),
            ("child protection starts", per_year["cp_starts"], model["cp_starts"],
             f"{a_year}; from referrals, early help step-ups and child in need step-ups"),
            ("children in need at home", direct["population.initial.child_in_need"], model["cin_stock"],
             f"census: on {self.census}; model: at the end of its first year"),
            ("children on protection plans", direct["population.initial.child_protection"], model["cp_stock"],
             f"census: on {self.census}; model: at the end of its first year"),
        ]  # fmt: skip
        starts = self.targets.fit.get("early_help_starts")
        if starts is not None:
            rows.append(("early help starts", starts, model["early_help_starts"], f"{a_year}, from the early help "
                         f"records; the model's families starting early help {_OVER} (leaving out month 1, where "
                         "the engine counts the families open at the start as starting)"))  # fmt: skip
        else:
            rows.append(("early help starts", math.nan, model["early_help_starts"],
                         "no early help records given (no statutory return holds them): the base's rates (leaving "
                         "out month 1)"))
        censored = censored_from(self.cin.data_end)
        if self.census > censored:
            rows = [(f, c, m, n + f"; censored: the census's data end on {self.cin.data_end}, so referrals of its last "
                     f"{CENSORED_MONTHS} months may have no outcome yet and its figure is low")
                    if f == "child in need starts" else (f, c, m, n) for f, c, m, n in rows]  # fmt: skip
        self.checks = pd.DataFrame(
            [{"figure": f, "census": c, "model": math.nan if m is None else m,
              "difference": (m / c - 1) if m is not None and c > 0 else math.nan, "note": n}
             for f, c, m, n in rows]
        )  # fmt: skip
        for figure, census_value, model_value, difference in self.checks[
            ["figure", "census", "model", "difference"]
        ].itertuples(index=False, name=None):
            if figure in NOT_FLAGGED or math.isnan(difference) or abs(difference) <= CHECK_TOLERANCE:
                continue
            self.attention.append(f"{figure}: census {census_value:,.1f}, model {model_value:,.1f} "
                                  f"({difference:+.1%}); not fitted directly, so the model "
                                  "does not reproduce this census figure")  # fmt: skip
        return self.checks

    def report(self) -> str:
        """The pre-care side: the checks table and notes."""
        lines = [f"The pre-care side, from {self.source}"
                 + (f" and the early help records ({self.early_help.file})" if self.early_help is not None else "")
                 + ":"]  # fmt: skip
        if len(self.checks):
            lines += ["", f"Checks: each census figure against the fitted model ({self.rounds} rounds of the fit of "
                      f"referrals): flows {_OVER}, stocks at the end of its first year:",
                      f"  {'figure':<34} {'census':>9} {'model':>9} {'difference':>10}"]  # fmt: skip
            for figure, census_value, model_value, difference, note in self.checks[
                ["figure", "census", "model", "difference", "note"]
            ].itertuples(index=False, name=None):
                census = "-" if math.isnan(census_value) else f"{census_value:,.1f}"
                model = "-" if math.isnan(model_value) else f"{model_value:,.1f}"
                diff = "-" if math.isnan(difference) else f"{difference:+.1%}"
                lines.append(f"  {figure:<34} {census:>9} {model:>9} {diff:>10}  {note}")
        lines += ["", *self.targets.notes, *self.notes]
        return "\n".join(lines)


def run_figures(scenario: Scenario, replications: int, seed: int) -> tuple[Results, dict[str, float]]:
    """The run of `FIT_YEARS` years the fit and the checks compare with the census, and its
    `model_figures` (mean of the replications): flows a year over the years, the families in
    early help on average over them, stocks at the end of the first year."""
    results = scenario.run(replications=replications, years=FIT_YEARS, seed=seed, progress=False)
    figures = {name: float(v.mean()) for name, v in model_figures(results, slice(0, 12 * FIT_YEARS), 11).items()}
    for name in FLOW_FIGURES:
        figures[name] /= FIT_YEARS
    return results, figures


def _assessment_shares(census: dict[str, float], figures: dict[str, float]) -> dict[str, float]:
    """The shares of the model's assessments leading to each outcome so that its assessments
    and early help step-ups together lead to the census's shares (``census``, of the assessed
    referrals). The census records a step-up from early help as an assessed referral whose
    outcome is a plan; in the model it is a plan without an assessment. With ``A`` assessments
    and ``S`` step-ups a year (``figures``), ``R = A + S`` referrals in the census's sense: a
    plan's share is ``(R x census share - S to that plan) / A``, early help's ``R x census share /
    A``, and no further action takes the rest. Set as the census's shares, every step-up was a
    plan over the census's, and child in need starts ran about 4% high."""
    assessed = figures["assessments"]
    if assessed <= 0:
        return dict(census)
    up = {"child_in_need": figures["early_help_to_child_in_need"],
          "child_protection": figures["early_help_to_child_protection"]}  # fmt: skip
    referrals = assessed + sum(up.values())
    shares = {o: max(referrals * census[o] - up.get(o, 0.0), 0.0) / assessed for o in census}
    total = sum(shares.values())
    return {o: v / total for o, v in shares.items()} if total > 1 else shares


def _step(factor: float, reached: float, target: float, last: tuple[float, float] | None) -> float:
    """The next factor: along the line through this round and the last (a figure is close to
    linear in its factor, with a part the factor does not move: early help starts from other
    routes, referrals from early help), else in proportion; never below 0."""
    if last is not None and factor != last[0] and reached != last[1]:
        slope = (reached - last[1]) / (factor - last[0])
        if slope > 0:
            return max(factor + (target - reached) / slope, 0.0)
    return factor * target / reached if reached > 0 else factor


def prepare(
    cin: CleanCin,
    census: dt.date,
    window_months: int,
    population: Sequence[float] | None,
    early_help: eh.EarlyHelp | None,
    in_care: Collection[str],
) -> PreCare:
    """What the census (and early help records) say the pre-care side should be, with the
    provenance of each value to set directly (see `PreCare.direct`). ``in_care``: the SSDA903
    ``CHILD`` of the children in care on ``census``, taken out of the census's children in need
    (the two returns share their identifiers)."""
    window = Window.ending(census, window_months)
    targets = precare_targets(cin, census, window_months=window_months, population=population,
                              early_help=early_help, in_care=in_care)  # fmt: skip
    first, last = collection_year(window.start.date()), collection_year(census)
    source = f"the CIN census, {first}-{last} returns" if first != last else f"the CIN census, {last} return"
    pre = PreCare(cin, early_help, targets, census, window, source)
    their = f" (CIN census, {window.start.date()} to {census})"
    for path, how in targets.provenance.items():
        if path not in targets.direct:
            continue
        if early_help is not None and early_help.file in how:
            pre.provenance[path] = f"from the early help records: {how}"
        else:
            pre.provenance[path] = f"from {source}: {how.replace(their, '')}"
    pre.values = dict(targets.direct)
    for state, moves in STATE_MOVES.items():
        paths = [f"hazards.{state}.{m}" for m in moves if f"hazards.{state}.{m}" in targets.direct]
        measured = [targets.direct[path] for path in paths]
        for path, rate, value in zip(paths, measured, as_monthly_rates(measured), strict=True):
            pre.values[path] = value
            if value != rate:
                pre.provenance[path] += (f" ({rate:.4f} a child-year), as the model's monthly rate {value:.4f}: a case "
                                         "cannot move in the month it opens, so the census's rates out of "
                                         f"{state.replace('_', ' ')} ({sum(measured):.3f} a child-year together) are "
                                         "raised to give its stays")  # fmt: skip
    for path in ("population.initial.child_in_need", "population.initial.child_protection"):
        pre.provenance[path] += ("; the open cases at home in the starting position were drawn from it, less the "
                                 "children gone home from care in the starting position given this case (the census "
                                 "counts them already)")  # fmt: skip
    open_episodes = _open_on(cin, census)
    ids = set(in_care)
    matched = len(ids & open_episodes)
    if ids and matched == 0:
        pre.attention.append(f"the CIN census and SSDA903 returns share no child identifiers (none of the {len(ids):,} "
                             f"children in care on {census}, UASC among them, has an open CIN episode under the same "
                             "identifier, LAchildID = CHILD): children in care were not taken off the CIN stock, so "
                             "the children in need at home may count children in care")  # fmt: skip
    elif ids and matched < 0.5 * len(ids):
        pre.attention.append(f"only {matched:,} of the {len(ids):,} children in care on {census} (UASC among them) "
                             "have an open episode in the CIN census under the same identifier (LAchildID = CHILD): "
                             "only those were taken off the CIN stock, so the children in need at home may count "
                             "children in care")  # fmt: skip
    if early_help is not None and early_help.problems:
        errors = sum(p.severity == "error" for p in early_help.problems)
        pre.attention.append(f"the early help records had {errors:,} error{'' if errors == 1 else 's'} (rows left out) "
                             f"and {len(early_help.problems) - errors:,} warnings, each listed with its row, column "
                             "and value in the load report")  # fmt: skip
    if early_help is not None and early_help.kind == "episodes" and len(early_help.episodes):
        first_start = early_help.episodes["start"].min()
        if first_start > window.start + pd.Timedelta(days=31):
            pre.attention.append(f"the early help records begin on {first_start.date()}, after the window begins "
                                 f"({window.start.date()}): early help starts a year are undercounted")  # fmt: skip
    return pre


def _open_on(cin: CleanCin, day: dt.date) -> set[str]:
    """The children with an episode of need open at the end of ``day``."""
    e = cin.episodes
    stamp = pd.Timestamp(day)
    on = (e["CINreferralDate"] <= stamp) & (e["CINclosureDate"].isna() | (e["CINclosureDate"] > stamp))
    return set(e.loc[on, "LAchildID"].astype(str))


def observed_by_year(cin: CleanCin, dates: Sequence[dt.date], early_help: eh.EarlyHelp | None = None) -> pd.DataFrame:
    """For a back-test: the census's pre-care figures in each year to ``dates`` (each a year after
    the one before) that the census covers: ``referrals`` (not closed at referral),
    ``cin_starts``, ``cp_starts``, ``cp_stock`` (on each date) and with early help records
    ``early_help_starts``. Columns ``measure``, ``year``, ``date``, ``observed``."""
    rows: list[dict[str, Any]] = []
    for k, day in enumerate(dates, start=1):
        if day > cin.data_end:
            break
        window = Window.ending(day, 12)
        totals = measures.flows(cin, window, by="band").groupby("measure")["events"].sum()
        stock = measures.stocks(cin, [day]).groupby("measure")["children"].sum()
        figures = {"referrals": totals["referrals"] - totals["referrals_nfa"], "cin_starts": totals["cin_starts"],
                   "cp_starts": totals["cp_starts"], "cp_stock": stock["cp_plans"]}  # fmt: skip
        if early_help is not None:
            figures["early_help_starts"] = float(eh.starts(early_help, window, by="total")["starts"].iloc[0])
        rows += [{"measure": m, "year": k, "date": day, "observed": float(v)} for m, v in figures.items()]
    return pd.DataFrame(rows, columns=["measure", "year", "date", "observed"])
