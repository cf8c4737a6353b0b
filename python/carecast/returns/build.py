"""A scenario built from a council's SSDA903 returns: what the returns give is estimated, the
rest comes from a base scenario, and every value says where it came from.

What the returns give (see ``docs/returns.md``, "A scenario from the returns"):

- the children in care on the census date, as the starting position;
- exits from care by destination, current age band and time in care, each a gamma posterior
  the Monte Carlo draws once per replication (a cell with under a child-year of exposure borrows
  the rate pooled over ages);
- placement moves (changes of placement type per child-year in care);
- entries to care: the model's routes into care (crisis from no contact or a closed case, from
  child in need, from child protection) keep the base's shape by age, and all their care-entry
  hazards are scaled by one factor, fitted by simulation so that the model's entries (re-entries
  apart) match the rate estimated from the returns.

What they cannot give (localities, need, families, early help and the pre-care services, unit
costs, the families at home with open cases at the start) comes from the base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import Scenario
from .._errors import ConfigError
from . import estimate
from .clean import CleanReturns
from .position import AGE_BANDS, in_care_on, starting_position
from .read import as_date

#: The care-entry hazards scaled to fit entries, by route.
ENTRY_ROUTES = (
    "hazards.not_known.crisis_care_entry",
    "hazards.previously_known.crisis_care_entry",
    "hazards.child_in_need.care_entry",
    "hazards.child_protection.care_entry",
)
BANDS = ("age_0", "age_1_4", "age_5_9", "age_10_15", "age_16_17")


@dataclass
class Built:
    """A scenario from the returns, with the evidence behind each estimated value."""

    scenario: Scenario
    #: Scenario path -> where its value came from (estimated values only; the rest is the base's).
    provenance: dict[str, str]
    entry_rates: pd.DataFrame
    exit_rates: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """What was estimated, from what, and what came from the base."""
        lines = ["Estimated from the returns:"]
        by_how: dict[str, list[str]] = {}
        for path, how in self.provenance.items():
            by_how.setdefault(how, []).append(path)
        for how, paths in by_how.items():
            lines.append(
                f"  {paths[0]}: {how}"
                if len(paths) == 1
                else f"  {len(paths)} values ({', '.join(paths[:2])}, ...): {how}"
            )
        lines += ["", "Everything else comes from the base scenario.", *self.notes]
        return "\n".join(lines)

    def toml(self) -> str:
        """The scenario as TOML, each estimated value commented with where it came from and every
        other value marked ``from base``."""
        return annotate(self.scenario.to_toml(), self.provenance)


def build(
    data: CleanReturns,
    census: dt.date | str,
    base: Scenario,
    population: Sequence[float] | None = None,
    window_months: int = 36,
    include_uasc: bool = False,
    replications: int = 40,
    seed: int = 20150401,
    name: str | None = None,
) -> Built:
    """A scenario of the authority in ``data`` from ``census``: see the module's documentation.

    ``population`` is the children living in the authority by single year of age 0-17 (default:
    the base's under-18 population spread evenly). ``window_months`` is the reference window of
    the rates, ending on the census date (a date, or text day first as the returns write dates).
    Each round of the fit of entries runs ``replications`` replications of two years with ``seed``.
    ``name`` names the scenario (default: the base's name with ``-from-returns``).
    """
    census = as_date(census, "census date").date()
    if census > data.data_end:
        raise ConfigError(f"census date {census} is after the returns end ({data.data_end})", path="census_date",
                          value=str(census), allowed=f"a date up to {data.data_end}")  # fmt: skip
    window = estimate.Window.ending(census, window_months)
    window.check(data)  # a window the returns do not cover is refused, naming both
    base_dict = base.to_dict()
    notes: list[str] = []
    if population is None:
        total = float(base_dict["population"]["under_18"])
        population = [total / 18] * 18
        notes.append(f"Population: none given; the base's {total:,.0f} children under 18, spread evenly over ages.")
    entries = estimate.entry_rates(data, window, population, include_uasc=include_uasc)
    exits = estimate.exit_rates(data, window, include_uasc=include_uasc)
    moves = estimate.placement_move_rate(data, window, include_uasc=include_uasc).iloc[0]
    source = f"SSDA903 returns, {window.start.date()} to {census}"
    provenance: dict[str, str] = {}
    values: dict[str, float] = {}

    def pooled(groups: Sequence[str], bands: Sequence[str] | None = None, tic: str | None = None) -> tuple[int, float]:
        rows = exits[exits["exit_group"].isin(groups)]
        exposure = exits.drop_duplicates(["age_band", "time_in_care"])
        if bands is not None:
            rows = rows[rows["age_band"].isin(bands)]
            exposure = exposure[exposure["age_band"].isin(bands)]
        if tic is not None:
            rows = rows[rows["time_in_care"] == tic]
            exposure = exposure[exposure["time_in_care"] == tic]
        return int(rows["events"].sum()), float(exposure["exposure_years"].sum())

    def rate(path: str, events: int, years: float, what: str) -> None:
        if years <= 0:
            notes.append(f"{path}: no time in care in the window to estimate it from; the base's value kept.")
            return
        values[path] = events / years
        provenance[path] = f"{events} {what} in {years:,.0f} child-years in care ({source})"

    # Exits by destination x current age band x time in care, each cell its gamma posterior, so
    # the Monte Carlo carries the estimate's uncertainty. A cell with under a child-year of
    # exposure borrows the rate pooled over ages for its destination and time in care.
    table = estimate.exit_table(exits, uncertain=True)
    for destination, groups in estimate.EXIT_TABLE_GROUPS.items():
        for tic, _ in estimate.TIME_IN_CARE:
            events, years = pooled(list(groups), tic=tic)
            for label, _ in AGE_BANDS:
                band = "age_" + label.replace("-", "_")
                cell_events, cell_years = pooled(list(groups), bands=[label], tic=tic)
                path = f"hazards.looked_after.exits.{destination}.{band}.{tic}"
                if cell_years >= 1.0:
                    provenance[path] = (
                        f"{cell_events} exits in {cell_years:,.1f} child-years in care, gamma posterior ({source})"
                    )
                elif years > 0:
                    table[destination][band][tic] = {
                        "dist": "gamma",
                        "shape": events + estimate.PRIOR_SHAPE,
                        "scale": 1.0 / years,
                    }
                    provenance[path] = (
                        f"under a child-year in care at this age: {events} exits in {years:,.0f} child-years "
                        f"at all ages, gamma posterior ({source})"
                    )
                else:
                    provenance[path] = f"no time in care at this time in care in the window ({source}): 0"
    for unused in ("return_home.under_6_months", "return_home.months_6_to_24", "return_home.over_24_months",
                   "adoption_under_5", "special_guardianship", "other_exit"):  # fmt: skip
        provenance[f"hazards.looked_after.{unused}"] = "from base, not used: hazards.looked_after.exits replaces it"
    rate("hazards.looked_after.placement_move", int(moves["events"]), float(moves["exposure_years"]),
         "changes of placement type")  # fmt: skip
    stock = in_care_on(data, census)
    if not include_uasc:
        stock = stock[~stock["uasc"].astype(bool)]
    values["population.under_18"] = float(round(sum(population)))
    if not any(n.startswith("Population") for n in notes):
        provenance["population.under_18"] = "the population by single year of age given"
    values["population.initial.looked_after"] = float(len(stock))
    provenance["population.initial.looked_after"] = f"children in care on {census} ({source})"
    # Open cases at home are not in the returns: the base's counts, scaled to this population.
    ratio = values["population.under_18"] / float(base_dict["population"]["under_18"])
    initial = base_dict["population"]["initial"]
    for key in ("child_protection", "child_in_need", "early_help_families", "waiting_families"):
        values[f"population.initial.{key}"] = float(round(initial[key] * ratio))
        provenance[f"population.initial.{key}"] = f"the base's {initial[key]:,}, scaled by population ({ratio:.3f})"
    start = census + dt.timedelta(days=1)
    scenario = base.updated(
        {
            "start": f"{start.year:04d}-{start.month:02d}",
            "name": name or f"{base.name}-from-returns",
            "description": f"Built from {source}, census date {census}; the rest from {base.name}",
        }
    )
    provenance["start"] = f"the month after the census date {census}"
    provenance["name"] = provenance["description"] = "carecast estimate"
    scenario = scenario.with_parameters({"population.under_18": values.pop("population.under_18")})
    scenario = scenario.with_parameters(values)
    scenario = scenario.updated({"hazards": {"looked_after": {"exits": table}}})
    scenario = _with_start(scenario, data, census, include_uasc, seed)
    provenance["starting_position.children_in_care"] = f"every child in care on {census} ({source})"
    target = float(entries["events"].sum()) / window.years
    scenario, factor, achieved = _fit_entries(scenario, target, replications, seed)
    for route in ENTRY_ROUTES:
        for band in BANDS:
            provenance[f"{route}.{band}"] = (
                f"the base's x {factor:.3f}, fitted so that the model's entries ({achieved:,.1f} a year) match "
                f"{target:,.1f} a year ({int(entries['events'].sum())} entries, {source})"
            )
    growth, se = estimate.entry_trend(data, window, include_uasc=include_uasc)
    notes.append(f"Trend in entries over the window: {growth:+.1%} a year (standard error {se:.1%}); "
                 "not projected forward.")  # fmt: skip
    return Built(scenario, provenance, entries, exits, notes)


def _with_start(scenario: Scenario, data: CleanReturns, census: dt.date, include_uasc: bool, seed: int) -> Scenario:
    """The children in care from the returns; the families at home with open cases drawn from the
    base's counts (the returns hold no cases at home), without the brothers and sisters of the
    base's own children in care."""
    position = starting_position(data, census, include_uasc=include_uasc)
    at_home = scenario.starting_position(seed=seed).children_at_home
    position.children_at_home = at_home[at_home["case"] != "closed"].reset_index(drop=True)
    return scenario.with_starting_position(position)


def _fit_entries(scenario: Scenario, target: float, replications: int, seed: int) -> tuple[Scenario, float, float]:
    """Scale every route's care-entry hazards by one factor so that the model's entries over two
    years (re-entries apart) are ``target`` a year: rounds of simulation with the same random
    numbers, each moving the factor by the ratio of target to achieved (entries are close to
    proportional to the hazards), until they agree within 1% (at most eight rounds). Two years
    rather than one, so that the open cases drawn at the start have settled."""
    original = {f"{r}.{b}": scenario.parameter(f"{r}.{b}") for r in ENTRY_ROUTES for b in BANDS}
    factor, current = 1.0, scenario
    achieved = _entries_a_year(current, replications, seed)
    for _ in range(8):
        if achieved <= 0 or abs(achieved / target - 1) < 0.01:
            break
        factor *= target / achieved
        current = scenario.with_parameters({path: value * factor for path, value in original.items()})
        achieved = _entries_a_year(current, replications, seed)
    return current, factor, achieved


def _entries_a_year(scenario: Scenario, replications: int, seed: int) -> float:
    results = scenario.run(replications=replications, years=2, seed=seed, progress=False)
    first = results.array("lac_entries").sum(axis=1) - results.array("lac_reentries").sum(axis=1)
    return float(np.mean(first)) / 2


def annotate(toml: str, provenance: dict[str, Any]) -> str:
    """``toml`` with a comment on each value line: where an estimated value came from, or
    ``from base``. A value written as a table of its own (a distribution) has the comment on
    the table's header; array-of-tables sections (the starting position) get one comment each."""
    out, table = [], ""
    for line in toml.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[]")
            note = provenance.get(table)
            out.append(line if note is None else f"{line}  # {note}")
            continue
        owned = any(table == p or table.startswith(p + ".") for p in provenance if p.count(".") <= table.count("."))
        if "=" in stripped and not stripped.startswith("#") and not table.startswith("starting_position") and not owned:
            key = stripped.split("=", 1)[0].strip()
            path = f"{table}.{key}" if table else key
            out.append(f"{line}  # {provenance.get(path, 'from base')}")
            continue
        out.append(line)
    return "\n".join(out) + "\n"
