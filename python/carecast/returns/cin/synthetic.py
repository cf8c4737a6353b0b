"""Synthetic CIN census returns (and early help episodes) with a known truth, clean or messy.

The generator simulates children referred to social care from known rates (referrals per child
by single year of age; what each referral leads to: no further action, an assessment and its
outcome, a section 47 enquiry, an initial child protection conference, a child protection or
child in need plan; plan lengths; re-referrals), then writes what a council would have returned
each year: one XML return per collection year holding every episode open at any time in the
year and the assessments, plans and enquiries of that year. A `Mess` adds what real returns
carry (records repeated in one return, a code recorded wrongly in one return and corrected in
the next, day-first dates, a namespace, the older ``GenderCurrent``, shuffled children), all
of which the cleaning rules must undo exactly. The truth keeps its own copy of the date
arithmetic: a test's truth should not share the code it tests.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
#: Age bands (lower bound in years), as in the model.
BAND_STARTS = (0, 1, 5, 10, 16)


@dataclass
class CinTruth:
    """The rates behind a synthetic authority's CIN census returns."""

    #: Children living in the authority by single year of age 0-17 (constant over time).
    population: tuple[float, ...] = (1500.0,) * 18
    #: Referrals per child per year by single year of age (children not referred before).
    referral_rate: tuple[float, ...] = (
        0.080, 0.045, 0.040, 0.038, 0.036, 0.035, 0.034, 0.033, 0.033, 0.033,
        0.034, 0.036, 0.040, 0.045, 0.048, 0.046, 0.040, 0.030,
    )  # fmt: skip
    #: Share of referrals with no further action at referral.
    nfa_at_referral: float = 0.15
    #: Of the assessed: closed with no further action (RC8), to early help (RC9), a section 47
    #: enquiry; the rest go on to a child in need plan.
    nfa_after_assessment: float = 0.30
    to_early_help: float = 0.10
    section47: float = 0.15
    #: Of section 47 enquiries, the share with an initial conference; of those, with a plan.
    icpc: float = 0.60
    cp_plan: float = 0.85
    #: Plans end at these rates per year; a child protection plan then steps down to a child in
    #: need plan with probability ``step_down``, else the episode closes.
    cin_plan_end: float = 1.2
    cp_plan_end: float = 1.3
    step_down: float = 0.6
    #: A child in need plan steps up to a child protection plan (after an enquiry and a
    #: conference) at this rate per year, competing with its end.
    step_up: float = 0.1
    #: Share of the episodes closing after a plan that close to early help (RC9).
    close_to_early_help: float = 0.15
    #: Share of referrals whose primary need is abuse or neglect (N1), by age band.
    abuse_neglect_share: tuple[float, ...] = (0.75, 0.65, 0.55, 0.45, 0.35)
    #: Chance that a closed episode is followed by a re-referral, within ``rereferral_days``.
    rereferral: float = 0.2
    rereferral_days: int = 540


@dataclass
class CinMess:
    """What real CIN census returns carry (0 for none of it)."""

    #: Episodes (with everything under them) written twice in one return.
    duplicate_episodes: float = 0.03
    #: Open episodes whose primary need is recorded wrongly in one return, corrected in the next.
    stale_codes: float = 0.05
    #: Dates written day first (``dd/mm/YYYY``) in these collection years (by year modulo 3).
    day_first_years: tuple[int, ...] = (1,)
    namespace: str | None = "http://www.example.org/cin"
    #: Use ``GenderCurrent`` (the name before 2024) instead of ``Sex``.
    gender_current: bool = True
    shuffle: bool = True


@dataclass
class Activity:
    """An assessment, plan or enquiry: its start, end (or ICPC date) and code."""

    kind: str  # "assessment", "cin_plan", "section47", "cp_plan"
    start: dt.date
    end: dt.date | None = None
    icpc: dt.date | None = None


@dataclass
class SimEpisode:
    """One simulated episode of need."""

    referral: dt.date
    need: str
    nfa: bool
    outcome: str
    closure: dt.date | None = None
    reason: str | None = None
    activities: list[Activity] = field(default_factory=list)


@dataclass
class SimChild:
    """A simulated child and its episodes, in order."""

    id: str
    sex: int
    dob: dt.date
    episodes: list[SimEpisode] = field(default_factory=list)


def _birthday(dob: dt.date, years: int) -> dt.date:
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return dt.date(dob.year + years, 3, 1)


def _age(dob: dt.date, day: dt.date) -> int:
    return max(0, day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day)))


def _band(age: int) -> int:
    return sum(1 for first in BAND_STARTS[1:] if age >= first)


@dataclass
class SyntheticCin:
    """A simulated authority's children in need, and how to write its CIN census returns."""

    truth: CinTruth
    children: list[SimChild]
    first_year: int
    last_year: int
    seed: int

    @property
    def data_end(self) -> dt.date:
        """31 March of the last return."""
        return dt.date(self.last_year, 3, 31)

    def true_events(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        """The true count of each flow between ``start`` and the day before ``end``, by single
        year of age: columns ``measure``, ``age``, ``events`` (only the cells with events)."""
        rows: list[tuple[str, int]] = []

        def add(measure: str, child: SimChild, day: dt.date | None) -> None:
            if day is not None and start <= day < end:
                rows.append((measure, _age(child.dob, day)))

        for c in self.children:
            previous: dt.date | None = None
            icpcs: set[dt.date] = set()
            for e in c.episodes:
                add("referrals", c, e.referral)
                if previous is not None and e.referral <= _add_months(previous, 12):
                    add("re_referrals", c, e.referral)
                previous = e.referral
                if e.nfa:
                    add("referrals_nfa", c, e.referral)
                plans = [a.start for a in e.activities if a.kind in ("cin_plan", "cp_plan")]
                known = min(plans) if plans else e.closure  # when the returns can tell the outcome
                if e.outcome in ("child_in_need", "child_protection") and known and known <= self.data_end:
                    add("cin_starts", c, e.referral)
                add("closures", c, e.closure if e.closure and e.closure <= self.data_end else None)
                for a in e.activities:
                    visible_end = a.end if a.end is not None and a.end <= self.data_end else None
                    if a.kind == "assessment":
                        add("assessments", c, a.start)
                    elif a.kind == "section47":
                        add("section47", c, a.start)
                        if a.icpc is not None and a.icpc <= self.data_end and a.icpc not in icpcs:
                            icpcs.add(a.icpc)
                            add("icpcs", c, a.icpc)
                    elif a.kind == "cin_plan":
                        add("cin_plan_starts", c, a.start)
                    else:
                        add("cp_starts", c, a.start)
                        add("cp_ends", c, visible_end)
        frame = pd.DataFrame(rows, columns=["measure", "age"])
        return frame.groupby(["measure", "age"]).size().rename("events").reset_index()

    def true_stock(self, day: dt.date) -> dict[str, int]:
        """Children with an open episode, on a CIN plan, on a child protection plan, and in the
        model's child in need state at the end of ``day``."""
        counts = {"children_in_need": 0, "cin_plans": 0, "cp_plans": 0, "child_in_need_state": 0}
        for c in self.children:
            need = cin = cp = False
            for e in c.episodes:
                if e.referral <= day and (e.closure is None or e.closure > day):
                    need = True
                for a in e.activities:
                    if a.kind in ("cin_plan", "cp_plan") and a.start <= day and (a.end is None or a.end > day):
                        cin, cp = cin or a.kind == "cin_plan", cp or a.kind == "cp_plan"
            counts["children_in_need"] += need
            counts["cin_plans"] += cin
            counts["cp_plans"] += cp
            # In this simulation the child in need state is exactly time on a CIN plan.
            counts["child_in_need_state"] += cin and not cp
        return counts

    def write(self, folder: str | Path, mess: CinMess | None = None) -> list[Path]:
        """Write one return a year, ``<folder>/<year>/cin_census.xml``, with ``mess`` applied;
        return the files written."""
        rng = np.random.default_rng([self.seed, 11])
        folder = Path(folder)
        written = []
        stale: set[tuple[str, dt.date]] = set()
        for year in range(self.first_year, self.last_year + 1):
            path = folder / str(year) / "cin_census.xml"
            path.parent.mkdir(parents=True, exist_ok=True)
            day_first = mess is not None and year % 3 in mess.day_first_years
            _write_year(self, year, path, mess, rng, day_first, stale)
            written.append(path)
        return written


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    year, month = total // 12, total % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def generate_cin(
    truth: CinTruth | None = None, first_year: int = 2013, last_year: int = 2018, seed: int = 1
) -> SyntheticCin:
    """Simulate an authority whose CIN census returns cover the collection years ``first_year``
    to ``last_year``; the simulation starts three years before the first return, so that the
    first return has episodes that began before it."""
    if not 2000 <= first_year <= last_year <= 2100:
        raise ValueError(f"years: got {first_year} to {last_year}; allowed: 2000 <= first_year <= last_year <= 2100")
    truth = truth or CinTruth()
    rng = np.random.default_rng(seed)
    begin, end = dt.date(first_year - 4, 4, 1), dt.date(last_year, 3, 31)
    children: list[SimChild] = []
    month = begin
    while month <= end:
        following = _add_months(month, 1)
        days = (following - month).days
        for age, (people, rate) in enumerate(zip(truth.population, truth.referral_rate, strict=True)):
            for _ in range(rng.poisson(people * rate * days / DAYS_PER_YEAR)):
                referral = month + dt.timedelta(days=int(rng.integers(0, days)))
                if referral > end:
                    continue
                dob = referral - dt.timedelta(days=int((age + rng.random()) * DAYS_PER_YEAR))
                if _age(dob, referral) != age:  # the rounding of days: keep the age drawn
                    dob = referral - dt.timedelta(days=int((age + 0.5) * DAYS_PER_YEAR))
                child = SimChild(f"C{len(children) + 100000}", int(rng.integers(1, 3)), dob)
                _simulate_child(child, referral, truth, rng, end)
                children.append(child)
        month = following
    return SyntheticCin(truth, children, first_year, last_year, seed)


def _simulate_child(child: SimChild, referral: dt.date, truth: CinTruth, rng: np.random.Generator,
                    end: dt.date) -> None:  # fmt: skip
    eighteen = _birthday(child.dob, 18)
    day: dt.date | None = referral
    while day is not None and day <= end and day < eighteen:
        episode = _simulate_episode(child, day, truth, rng, eighteen)
        child.episodes.append(episode)
        day = None
        if episode.closure is not None and rng.random() < truth.rereferral:
            day = episode.closure + dt.timedelta(days=int(rng.integers(1, truth.rereferral_days)))


def _simulate_episode(child: SimChild, referral: dt.date, truth: CinTruth, rng: np.random.Generator,
                      eighteen: dt.date) -> SimEpisode:  # fmt: skip
    band = _band(_age(child.dob, referral))
    need = "N1" if rng.random() < truth.abuse_neglect_share[band] else str(rng.choice(["N2", "N3", "N4", "N5", "N8"]))
    if rng.random() < truth.nfa_at_referral:
        return SimEpisode(referral, need, True, "nfa_at_referral", referral, "RC8")

    def capped(day: dt.date) -> dt.date:  # nothing starts on or after the 18th birthday
        return min(day, eighteen - dt.timedelta(days=1))

    start = referral + dt.timedelta(days=int(rng.integers(0, 8)))
    if start >= eighteen:
        return SimEpisode(referral, need, False, "child_in_need", eighteen, "RC7")
    authorised = capped(start + dt.timedelta(days=int(rng.integers(10, 46))))
    episode = SimEpisode(referral, need, False, "child_in_need")
    episode.activities.append(Activity("assessment", start, authorised))
    draw = rng.random()
    if draw < truth.nfa_after_assessment:
        episode.outcome, episode.closure, episode.reason = "nfa_after_assessment", authorised, "RC8"
        return episode
    if draw < truth.nfa_after_assessment + truth.to_early_help:
        episode.outcome, episode.closure, episode.reason = "early_help", authorised, "RC9"
        return episode
    plan_day = authorised
    kind = "cin_plan"
    if draw < truth.nfa_after_assessment + truth.to_early_help + truth.section47:
        s47 = capped(start + dt.timedelta(days=int(rng.integers(0, 6))))
        enquiry = Activity("section47", s47)
        episode.activities.append(enquiry)
        if rng.random() < truth.icpc and s47 + dt.timedelta(days=15) < eighteen:
            enquiry.icpc = s47 + dt.timedelta(days=15)
            if rng.random() < truth.cp_plan:
                kind, plan_day = "cp_plan", enquiry.icpc
        plan_day = max(plan_day, s47)
    if kind == "cp_plan":
        episode.outcome = "child_protection"
    while True:
        rate = truth.cp_plan_end if kind == "cp_plan" else truth.cin_plan_end + truth.step_up
        plan_end = plan_day + dt.timedelta(days=int(rng.exponential(DAYS_PER_YEAR / rate)) + 1)
        if plan_end >= eighteen:
            episode.activities.append(Activity(kind, plan_day, eighteen))
            episode.closure, episode.reason = eighteen, "RC7"
            return episode
        episode.activities.append(Activity(kind, plan_day, plan_end))
        if kind == "cp_plan" and rng.random() < truth.step_down:
            kind, plan_day = "cin_plan", plan_end
            continue
        if kind == "cin_plan" and rng.random() < truth.step_up / rate:
            enquiry_day = max(plan_day, plan_end - dt.timedelta(days=10))
            episode.activities.append(Activity("section47", enquiry_day, icpc=plan_end))
            kind, plan_day = "cp_plan", plan_end
            continue
        reason = "RC9" if rng.random() < truth.close_to_early_help else "RC7"
        episode.closure, episode.reason = plan_end, reason
        return episode


def _write_year(authority: SyntheticCin, year: int, path: Path, mess: CinMess | None, rng: np.random.Generator,
                day_first: bool, stale: set[tuple[str, dt.date]]) -> None:  # fmt: skip
    first, last = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
    ns = f"{{{mess.namespace}}}" if mess is not None and mess.namespace else ""

    def date(value: dt.date | None) -> str | None:
        if value is None or value > last:
            return None
        return value.strftime("%d/%m/%Y" if day_first else "%Y-%m-%d")

    def sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
        node = ET.SubElement(parent, ns + tag)
        if text is not None:
            node.text = str(text)
        return node

    root = ET.Element(ns + "Message")
    header = sub(root, "Header")
    details = sub(header, "CollectionDetails")
    sub(details, "Collection", "CIN")
    sub(details, "Year", year)
    sub(details, "ReferenceDate", last.isoformat())
    holder = sub(root, "Children")
    blocks = []
    for c in authority.children:
        mine = [e for e in c.episodes if e.referral <= last and (e.closure is None or e.closure >= first)]
        if not mine:
            continue
        child = ET.Element(ns + "Child")
        ids = sub(child, "ChildIdentifiers")
        sub(ids, "LAchildID", c.id)
        sub(ids, "PersonBirthDate", date(c.dob))
        sub(ids, "GenderCurrent" if mess is not None and mess.gender_current else "Sex", c.sex)
        chars = sub(child, "ChildCharacteristics")
        sub(chars, "Ethnicity", "WBRI")
        for e in mine:
            need = e.need
            open_now = e.closure is None or e.closure > last
            if mess is not None and open_now and year < authority.last_year and rng.random() < mess.stale_codes:
                need = "N6" if need != "N6" else "N7"  # recorded wrongly; the next return has it right
            copies = 2 if mess is not None and rng.random() < mess.duplicate_episodes else 1
            for _ in range(copies):
                node = sub(child, "CINdetails")
                sub(node, "CINreferralDate", date(e.referral))
                sub(node, "ReferralSource", "1A")
                sub(node, "PrimaryNeedCode", need)
                sub(node, "CINclosureDate", date(e.closure))
                sub(node, "ReasonForClosure", e.reason if date(e.closure) else None)
                icpc = next((a.icpc for a in e.activities if a.kind == "section47" and a.icpc is not None), None)
                if icpc is not None and first <= icpc <= last:
                    sub(node, "DateOfInitialCPC", date(icpc))
                for a in e.activities:
                    ends = a.icpc if a.kind == "section47" else a.end
                    if not (a.start <= last and (ends is None or ends >= first or a.start >= first)):
                        continue
                    if a.kind == "assessment":
                        block = sub(node, "Assessments")
                        sub(block, "AssessmentActualStartDate", date(a.start))
                        sub(block, "AssessmentAuthorisationDate", date(a.end))
                        factors = sub(block, "FactorsIdentifiedAtAssessment")
                        sub(factors, "AssessmentFactors", "1C")
                    elif a.kind == "cin_plan":
                        block = sub(node, "CINPlanDates")
                        sub(block, "CINPlanStartDate", date(a.start))
                        sub(block, "CINPlanEndDate", date(a.end))
                    elif a.kind == "section47":
                        block = sub(node, "Section47")
                        sub(block, "S47ActualStartDate", date(a.start))
                        sub(block, "DateOfInitialCPC", date(a.icpc))
                        sub(block, "ICPCnotRequired", "false" if a.icpc else None)
                    else:
                        block = sub(node, "ChildProtectionPlans")
                        sub(block, "CPPstartDate", date(a.start))
                        sub(block, "CPPendDate", date(a.end))
                        sub(block, "InitialCategoryOfAbuse", "NEG")
                sub(node, "ReferralNFA", "1" if e.nfa else "0")
        blocks.append(child)
    if mess is not None and mess.shuffle:
        blocks = [blocks[i] for i in rng.permutation(len(blocks))]
    holder.extend(blocks)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


@dataclass
class EarlyHelpTruth:
    """The rates behind synthetic early help episodes."""

    starts_per_year: float = 600.0
    mean_months: float = 6.0
    localities: tuple[str, ...] = ("North", "South", "East")


def write_early_help(path: str | Path, first: dt.date, last: dt.date, truth: EarlyHelpTruth | None = None,
                     seed: int = 1) -> pd.DataFrame:  # fmt: skip
    """Simulate early help episodes starting from ``first`` to ``last`` (each lasting an
    exponential time with the truth's mean; open ones have no end) and write them as an early
    help CSV (``family, start, end, age, locality``, dates day first). Returns the episodes as
    simulated (``end`` NaT while open on ``last``)."""
    truth = truth or EarlyHelpTruth()
    rng = np.random.default_rng([seed, 5])
    days = (last - first).days + 1
    n = rng.poisson(truth.starts_per_year * days / DAYS_PER_YEAR)
    starts = sorted(first + dt.timedelta(days=int(d)) for d in rng.integers(0, days, n))
    rows = []
    for i, start in enumerate(starts):
        length = int(rng.exponential(truth.mean_months * DAYS_PER_YEAR / 12)) + 1
        end = start + dt.timedelta(days=length)
        rows.append({"family": f"F{i + 1:05d}", "start": pd.Timestamp(start),
                     "end": pd.Timestamp(end) if end <= last else pd.NaT, "age": int(rng.integers(0, 18)),
                     "locality": truth.localities[int(rng.integers(0, len(truth.localities)))]})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["family", "start", "end", "age", "locality"])
    out = frame.copy()
    out["start"] = out["start"].dt.strftime("%d/%m/%Y")
    out["end"] = out["end"].dt.strftime("%d/%m/%Y")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    return frame
