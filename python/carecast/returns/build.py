"""A scenario built from a council's SSDA903 returns: what the returns give is estimated, the
rest comes from a base scenario, and every value says where it came from.

What the returns give (see ``docs/returns.md``, "A scenario from the returns"):

- the children in care on the census date, and the children who went home from care in the 24
  months before it (at risk of re-entry from the start), as the starting position;
- exits from care by destination, current age band and time in care, each a gamma posterior
  the Monte Carlo draws once per replication (a cell with under a child-year of exposure borrows
  the rate pooled over ages);
- placement moves (changes of placement type per child-year in care, a gamma posterior the
  Monte Carlo draws once per replication), and the placement mix
  (``policy.placements.mix_under_10``, ``mix_10_plus``: where children entering care are placed
  and where a move goes), from the first placements and the moves in the window, each with the
  number of placements it was counted from (``mix_under_10_evidence``, ``mix_10_plus_evidence``),
  so that the Monte Carlo draws the mix from its Dirichlet posterior;
- entries to care, age band by age band and age by age: the model's routes into care (crisis
  from no contact or a closed case, from waiting and early help, child in need, child
  protection) keep the base's shape between routes, ``hazards.care_entry_scale`` sets each
  band's level and ``hazards.care_entry_by_age`` how a band's entries divide between its single
  years of age, fitted by simulation so that the model's first entries in the band match the
  rate estimated from the returns, and at each age the returns' rates by age smoothed within the
  band (log-linear in age); each band's scale is a gamma distribution with the relative spread of the band's
  entry count, so the Monte Carlo carries the entry rate's uncertainty;
- the need mix of entries: ``hazards.abuse_neglect_care_multiplier`` fitted alongside, so that
  the model's share of entries for abuse or neglect matches the returns' (``CIN`` = N1), and
  re-entries: ``hazards.looked_after.reentry_multiplier`` fitted so that the model's re-entries
  match the re-entries within 24 months of a return home, and ``reentry_months`` set to those
  24 months;
- optionally (``trend=True``) the trend in entries over the window, as
  ``hazards.care_entry_trend``, a normal distribution, counted from the middle of the window
  (``hazards.care_entry_trend_from``), where the average rate the scale is fitted to lies.

What they cannot give (localities, need, families, early help and the pre-care services, unit
costs, the families at home with open cases at the start) comes from the base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import Scenario
from .._errors import ConfigError, ReturnsError
from . import estimate, observed
from .clean import CleanReturns
from .position import AGE_BANDS, REENTRY_WINDOW_MONTHS, band_index, in_care_on, starting_position
from .read import as_date

if TYPE_CHECKING:
    from .cin.clean import CleanCin
    from .cin.early_help import EarlyHelp
    from .precare import PreCare

#: The routes' care-entry hazards: kept from the base (their shape within each band);
#: `hazards.care_entry_scale` sets the level of each band.
ENTRY_ROUTES = (
    "hazards.not_known.crisis_care_entry",
    "hazards.previously_known.crisis_care_entry",
    "hazards.child_in_need.care_entry",
    "hazards.child_protection.care_entry",
)
#: Fewer first entries than this in the window and the report says the evidence is thin.
THIN_EVIDENCE = 30
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
    #: Short lines for the user's attention (also in `report`): what was left out, fits that
    #: did not reach their target.
    attention: list[str] = field(default_factory=list)
    #: The pre-care side from the CIN census (with ``cin=``): its checks and notes.
    precare: PreCare | None = None

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
        if self.precare is not None:
            lines += ["", self.precare.report()]
        if self.attention:
            lines += ["", "For your attention:", *(f"  - {a}" for a in self.attention)]
        return "\n".join(lines)

    def toml(self) -> str:
        """The scenario as TOML, each estimated value commented with where it came from and every
        other value marked ``from base``."""
        return annotate(self.scenario.to_toml(), self.provenance)


def build(
    data: CleanReturns,
    census: dt.date | str,
    base: Scenario,
    population: Sequence[float] | pd.DataFrame | None = None,
    window_months: int = 36,
    include_uasc: bool = False,
    replications: int = 40,
    seed: int = 20150401,
    name: str | None = None,
    *,
    trend: bool = False,
    authority: str | None = None,
    cin: CleanCin | None = None,
    early_help: EarlyHelp | None = None,
    name_from: str | None = None,
    demand_trend: bool = False,
) -> Built:
    """A scenario of the authority in ``data`` from ``census``: see the module's documentation.

    ``population`` is the children living in the authority by single year of age 0-17: 18
    numbers, or a table as `observed.read_population` reads it (columns ``age``, ``children``
    and optionally ``locality``; with localities, they become the scenario's: see
    `with_localities`). Default: the base's under-18 population spread evenly.
    ``window_months`` is the reference window of the rates, ending on the census date (a date,
    or text day first as the returns write dates).
    Each round of the fit of entries runs ``replications`` replications of three years with ``seed``.
    ``authority`` is the scenario's authority (default: the local authority code the returns
    carry, if they carry one, else ``"from returns"``; never the base's), and ``name`` its name
    (default: the authority and the census date, as ``barnsley-2016-03-31``; ``name_from`` says
    where a given name came from, for its comment: default "given"). With ``trend``, the
    trend in entries fitted over the window is projected forward. With ``cin`` (the cleaned CIN
    census, `carecast.returns.cin.load`) and optionally ``early_help`` (records read by
    `carecast.returns.cin.early_help.read_early_help`), the pre-care side is set from them before
    entries are fitted (see `carecast.returns.precare`). With ``demand_trend``, the authority's
    demand trend (``population.demand_trend``, kind ``fitted``) is fitted to its yearly referrals
    in the CIN census (with ``cin``) or else its yearly starts of care in the SSDA903 returns,
    over every whole financial year they cover (see `_with_demand_trend`); it moves care entries
    too, so it cannot go with ``trend``.
    """
    if trend and demand_trend:
        raise ConfigError("a demand trend moves entries to care as well: project either the trend in entries "
                          "(trend, --trend) or the authority's demand trend (demand_trend, --demand-trend), not both",
                          path="demand_trend", value="with trend", allowed="one of trend or demand_trend")  # fmt: skip
    census = as_date(census, "census date").date()
    name_given = name is not None
    if census > data.data_end:
        raise ConfigError(f"census date {census} is after the returns end ({data.data_end})", path="census_date",
                          value=str(census), allowed=f"a date up to {data.data_end}")  # fmt: skip
    window = estimate.Window.ending(census, window_months)
    window.check(data)  # a window the returns do not cover is refused, naming both
    base_dict = base.to_dict()
    notes: list[str] = []
    by_locality = population if isinstance(population, pd.DataFrame) else None
    if isinstance(population, pd.DataFrame):
        population = observed.population_by_age(population)
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

    posteriors: dict[str, dict[str, Any]] = {}

    def rate(name: str, events: int, years: float, what: str) -> None:
        """``hazards.looked_after.<name>`` as the gamma posterior of ``events`` in ``years``."""
        path = f"hazards.looked_after.{name}"
        if years <= 0:
            notes.append(f"{path}: no time in care in the window to estimate it from; the base's value kept.")
            return
        posteriors[name] = {"dist": "gamma", "shape": events + estimate.PRIOR_SHAPE, "scale": 1.0 / years}
        provenance[path] = (
            f"gamma posterior, mean {(events + estimate.PRIOR_SHAPE) / years:.4f}: {events} {what} in "
            f"{years:,.0f} child-years in care ({source})"
        )

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
    rate("placement_move", int(moves["events"]), float(moves["exposure_years"]),
         "changes of placement type")  # fmt: skip
    # The placement mix, which says where a child entering care is placed and where a placement
    # move goes: from the first placements and the moves in the window.
    mix = estimate.placement_mix(data, window, include_uasc=include_uasc)
    mixes: dict[str, dict[str, float] | float] = {}
    for group in ("under_10", "10_plus"):
        rows = mix[mix["group"] == group].set_index("placement")
        entered, moved = int(rows["entries"].sum()), int(rows["moves_to"].sum())
        if entered + moved == 0:
            notes.append(f"policy.placements.mix_{group}: no entries or moves at these ages in the window; the "
                         "base's kept.")  # fmt: skip
            continue
        mixes[f"mix_{group}"] = {p: float(rows.loc[p, "share"]) for p in rows.index}
        ages = "under ten" if group == "under_10" else "aged ten or over"
        # The placements counted: the Monte Carlo draws the mix from its Dirichlet posterior.
        mixes[f"mix_{group}_evidence"] = float(entered + moved)
        provenance[f"policy.placements.mix_{group}_evidence"] = (
            f"{entered} entries {ages} and {moved} moves at these ages in the window ({source}): the "
            "Monte Carlo draws the mix from Dirichlet(evidence x share + 1/2)"
        )
        for p in rows.index:
            provenance[f"policy.placements.mix_{group}.{p}"] = (
                f"{int(rows.loc[p, 'entries'])} of {entered} entries {ages} placed here first, and "
                f"{int(rows.loc[p, 'moves_to'])} of {moved} moves here (maximum likelihood over both, {source})"
            )
    stock = in_care_on(data, census)
    attention: list[str] = []
    if not include_uasc:
        uasc = int(stock["uasc"].astype(bool).sum())
        stock = stock[~stock["uasc"].astype(bool)]
        if uasc:
            attention.append(f"{uasc:,} unaccompanied asylum-seeking children in care on {census} are left out, as "
                             "are UASC entries and exits (include_uasc, or --include-uasc, keeps them)")  # fmt: skip
    values["population.under_18"] = float(round(sum(population)))
    if not any(n.startswith("Population") for n in notes):
        provenance["population.under_18"] = (
            "the total of the population by single year of age given (the model spreads its children evenly over "
            "ages; entries to care are fitted to the population given band by band)"
        )
    values["population.initial.looked_after"] = float(len(stock))
    provenance["population.initial.looked_after"] = f"children in care on {census} ({source})"
    # Open cases at home are not in the returns: the base's counts, scaled to this population.
    ratio = values["population.under_18"] / float(base_dict["population"]["under_18"])
    initial = base_dict["population"]["initial"]
    for key in ("child_protection", "child_in_need", "early_help_families", "waiting_families"):
        values[f"population.initial.{key}"] = float(round(initial[key] * ratio))
        provenance[f"population.initial.{key}"] = (
            f"the base's {initial[key]:,}, scaled by population ({ratio:.3f}); the families at home in the starting "
            "position were drawn from these counts"
        )
    pre: PreCare | None = None
    if cin is not None:
        from . import precare

        in_care = set(in_care_on(data, census)["CHILD"].astype(str))
        pre = precare.prepare(cin, census, window_months, population, early_help, in_care)
        values.update(pre.direct())
        provenance.update(pre.provenance)
    for unused in ("looked_after_ages", "looked_after_mean_months"):
        provenance[f"population.initial.{unused}"] = "from base, not used: the children in care are the returns'"
    start = census + dt.timedelta(days=1)
    first_month = f"{start.year:04d}-{start.month:02d}"
    # The base's dated policy changes from the new start on stay as they are; those before it
    # were in force by then, so they are folded into the policy the run starts with.
    changes = base_dict.get("changes", [])
    in_force = [c for c in changes if c["from"] <= first_month]
    authority, provenance["authority"] = _authority(data, authority)
    name = name or f"{_slug(authority)}-{census}"
    also = ("" if cin is None else " and the CIN census" + (" and early help records" if early_help is not None
                                                            else ""))  # fmt: skip
    scenario = base.updated(
        {
            "start": first_month,
            "authority": authority,
            "name": name,
            "description": f"Built from {source}{also}, census date {census}; the rest from {base.name}",
            "changes": [c for c in changes if c["from"] > first_month],
        }
    )
    for change in in_force:
        scenario = scenario.updated({"policy": change["set"]})
    if in_force:
        one = len(in_force) == 1
        notes.append(f"Policy: the base's {len(in_force)} dated change{'' if one else 's'} from before {first_month} "
                     f"({'; '.join(c.get('note') or c['from'] for c in in_force)}) {'is' if one else 'are'} in force "
                     "from the start, folded into the policy.")  # fmt: skip
    provenance["start"] = f"the month of the day after the census date {census}"
    provenance["name"] = (name_from or "given") if name_given else (
        f"the authority and the census date (not the base's {base.name})")  # fmt: skip
    provenance["description"] = "carecast estimate"
    scenario = scenario.with_parameters({"population.under_18": values.pop("population.under_18")})
    scenario = scenario.with_parameters(values)
    scenario = scenario.updated({"hazards": {"looked_after": {"exits": table, **posteriors}},
                                 "policy": {"placements": mixes}})  # fmt: skip
    scenario = scenario.updated({"hazards": {"looked_after": {"reentry_months": REENTRY_WINDOW_MONTHS}}})
    provenance["hazards.looked_after.reentry_months"] = (
        f"{REENTRY_WINDOW_MONTHS}: the window in which the returns' re-entries are counted (a return to care "
        f"within {REENTRY_WINDOW_MONTHS} months of going home), which the re-entry multiplier is fitted to"
    )
    scenario = _with_start(scenario, data, census, include_uasc, seed, counts_hold_returned=pre is not None)
    provenance["starting_position.children_in_care"] = f"every child in care on {census} ({source})"
    open_from = (f"drawn from the open child in need and protection cases of {pre.source} on {census} (and the "
                 "base's early help and waiting families, scaled by population)" if pre is not None else
                 "drawn from the base's open cases scaled by population")  # fmt: skip
    provenance["starting_position.families_at_home"] = (
        f"a family with an open case at home (the SSDA903 returns hold none), {open_from}; or a child who went home "
        f"from care in the {REENTRY_WINDOW_MONTHS} months before {census} ({source}), a family of its own whose "
        "case is drawn from hazards.looked_after.return_to"
    )
    provenance["starting_position.families_at_home.returned_home"] = (
        f"the child of this family who went home from care in the {REENTRY_WINDOW_MONTHS} months before {census}: "
        f"months since it went home and its periods in care, from {source}"
    )
    if by_locality is not None and "locality" in by_locality.columns:
        scenario = with_localities(scenario, by_locality, provenance, notes, seed)
    else:
        notes.append(f"Localities: the base's {len(base_dict['population']['localities'])} (no population by "
                     "locality given).")  # fmt: skip
    if pre is not None:  # referral and early help change the routes into care: fitted first
        scenario = pre.fit(scenario, replications, seed)
        provenance.update(pre.provenance)
    scenario = _with_entries(scenario, data, window, entries, population, provenance, notes, replications, seed,
                             trend, include_uasc, source)  # fmt: skip
    if pre is not None:
        scenario = pre.allow_for_care(scenario, replications, seed)
        provenance.update(pre.provenance)
        pre.check(scenario, replications, seed)
        attention += pre.attention
    if demand_trend:  # after every fit: the fits aim at the window's level, without the trend
        scenario = _with_demand_trend(scenario, data, cin, window, include_uasc, provenance, notes)
    attention += [n for n in notes if n.startswith(("Entries: after", "Need mix: the model"))]
    first_entries = int(entries["events"].sum())
    if first_entries < THIN_EVIDENCE:
        attention.append(f"only {first_entries} entries to care in the {window_months}-month window: every rate rests "
                         "on little evidence (a longer window, or more years of returns, gives more)")  # fmt: skip
    return Built(scenario, provenance, entries, exits, notes, attention, pre)


def _with_start(scenario: Scenario, data: CleanReturns, census: dt.date, include_uasc: bool, seed: int,
                counts_hold_returned: bool = False) -> Scenario:  # fmt: skip
    """The children in care from the returns; the families at home with open cases drawn from the
    base's counts (the returns hold no cases at home), without the brothers and sisters of the
    base's own children in care; and the children the returns show going home from care in the
    re-entry window before the census date, each with the case a child going home gets in the
    model: child protection, child in need or closed, drawn as the model's case would stand on
    the census date (`_cases_since_return`): opened with the shares of
    ``hazards.looked_after.return_to``, then stepped up, down and closed at the scenario's rates
    over the months since the child went home (the re-entry multiplier applies only to an open
    case). Their case counts as open since they went home.

    With ``counts_hold_returned`` (the counts are the CIN census's, which counts every child with
    an open case, those gone home from care among them), the open cases drawn from the counts
    are fewer by the children gone home given each case, so that they are not counted twice."""
    position = starting_position(data, census, include_uasc=include_uasc)
    returned = position.children_at_home.copy()
    shares = scenario.to_dict()["hazards"]["looked_after"]["return_to"]
    cases = ("child_protection", "child_in_need", "closed")
    weights = np.array([shares["child_protection"], shares["child_in_need"], shares["known_closed"]], dtype=float)
    rng = np.random.default_rng([seed, 0x5E7])
    chances = _cases_since_return(weights / weights.sum(), scenario.to_dict()["hazards"],
                                  returned["months_since_returned_home"].to_numpy(int))  # fmt: skip
    u = rng.random(len(returned))
    picked = (u[:, None] >= np.cumsum(chances, axis=1)[:, :-1]).sum(axis=1)
    returned["case"] = np.asarray(cases, dtype=object)[picked]
    drawn_from = scenario
    if counts_hold_returned:
        given = returned["case"].value_counts()
        drawn_from = scenario.with_parameters({
            f"population.initial.{case}": max(0.0, scenario.parameter(f"population.initial.{case}")
                                              - float(given.get(case, 0)))
            for case in ("child_in_need", "child_protection")
        })  # fmt: skip
    at_home = drawn_from.starting_position(seed=seed).children_at_home
    open_cases = at_home[at_home["case"] != "closed"]
    position.children_at_home = pd.concat([open_cases, returned], ignore_index=True)
    return scenario.with_starting_position(position)


def with_localities(
    scenario: Scenario, population: pd.DataFrame, provenance: dict[str, str], notes: list[str], seed: int
) -> Scenario:
    """``scenario`` with the localities of ``population`` (columns ``locality``, ``age``,
    ``children``): each locality's name and share of the children under 18 from the table; its
    need mix, which the returns cannot give, from the scenario's locality of the same name
    (names compared ignoring case and spaces at the ends), else the scenario's average over its
    localities weighted by their shares. Families at home in the starting position whose
    locality is no longer there are placed in the new localities at random (seeded by
    ``seed``), each with the chance of its share times the share of its level of need there.
    Children in care have no locality in the returns: the engine draws it. Each value's source
    goes into ``provenance``, a summary into ``notes``."""
    d = scenario.to_dict()
    old = d["population"]["localities"]
    totals = population.groupby("locality", sort=False)["children"].sum()
    total = float(totals.sum())
    if total <= 0:
        raise ReturnsError("population: no children in any locality", column="children")
    old_shares = np.array([float(loc["population_share"]) for loc in old])
    low, moderate = (round(float(np.dot(old_shares, [loc["need"][level] for loc in old]) / old_shares.sum()), 4)
                     for level in ("low", "moderate"))  # fmt: skip
    average = {"low": low, "moderate": moderate, "high": round(1 - low - moderate, 4)}
    by_name = {str(loc["name"]).strip().casefold(): loc for loc in old}
    localities: list[dict[str, Any]] = []
    matched: list[str] = []
    for i, (name, children) in enumerate(totals.items()):
        path = f"population.localities[{i}]"
        same = by_name.get(str(name).strip().casefold())
        localities.append({"name": str(name), "population_share": float(children) / total,
                           "need": dict(same["need"]) if same is not None else dict(average)})  # fmt: skip
        provenance[f"{path}.name"] = "the population given (its locality column)"
        provenance[f"{path}.population_share"] = f"{children:,.0f} of the {total:,.0f} children under 18 given"
        if same is not None:
            matched.append(str(name))
            provenance[f"{path}.need"] = f"from the base's locality {same['name']!r} (the returns hold no need)"
        else:
            provenance[f"{path}.need"] = (
                f"the base's average over its {len(old)} localities, weighted by their shares: no base locality of "
                "this name, and the returns hold no need"
            )
    position = scenario.starting_position(seed=seed)
    home = position.children_at_home.copy()
    names = [str(loc["name"]) for loc in localities]
    # A family in a locality of the same name stays there; the others are drawn.
    same_name = {n.strip().casefold(): n for n in names}
    home["locality"] = [same_name.get(str(loc).strip().casefold(), loc) if pd.notna(loc) else None
                        for loc in home["locality"]]  # fmt: skip
    moved = (home["locality"].notna() & ~home["locality"].isin(names)).to_numpy()
    # One draw per family: the rows of a family share its locality (a row without a key is a family alone).
    keys = [("family", f) if pd.notna(f) else ("row", i) for i, f in enumerate(home["family"])]
    rng = np.random.default_rng([seed, 0x10CA1])
    shares = np.array([loc["population_share"] for loc in localities])
    chosen: dict[tuple[str, Any], str] = {}
    for key, need, move in zip(keys, home["need"], moved, strict=True):
        if move and key not in chosen:
            weights = shares * (np.array([loc["need"][need] for loc in localities]) if isinstance(need, str) else 1.0)
            weights = weights if weights.sum() > 0 else shares  # no locality has families of this need
            chosen[key] = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    home.loc[moved, "locality"] = [chosen[key] for key, move in zip(keys, moved, strict=True) if move]
    position.children_at_home = home
    d["population"]["localities"] = localities
    d["starting_position"] = position.to_dict()
    gone = [str(loc["name"]) for loc in old if str(loc["name"]).strip().casefold() not in
            {n.strip().casefold() for n in names}]  # fmt: skip
    notes.append(
        f"Localities: the {len(localities)} of the population given ({', '.join(names)}); need mix from the base's "
        f"locality of the same name for {len(matched)}, the base's average for the others. "
        + (f"The base's {', '.join(gone)} {'is' if len(gone) == 1 else 'are'} gone: {len(chosen)} families at "
           "home there were placed in the new localities by share and need. " if gone else "")
        + f"policy.early_help.hubs stays the base's {d['policy']['early_help']['hubs']} (a count of buildings, "
        "not tied to the localities)."
    )  # fmt: skip
    provenance["policy.early_help.hubs"] = "from base: a count of buildings for costs and reports, not the localities"
    return Scenario.from_dict(d)


def _cases_since_return(
    opened: npt.NDArray[np.float64], hazards: dict[str, Any], months: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """For a child who went home ``months`` months ago, the chances that its case is now child
    protection, child in need or closed: opened with the shares ``opened``, then month by month
    at the rates of ``hazards`` (child in need steps up to protection and closes; protection
    steps down to child in need and closes; a closure to early help counts as closed, as the
    re-entry multiplier does not reach early help from a closed case). The cases of children
    gone home months ago are opened this way so that the start holds as many open cases among
    them as the model's own returns home would have by then: opened at the shares alone (as
    before), a child gone home 20 months ago had a 70% chance of an open case where the model's
    own would have about 20%, and the model's re-entries in its first year ran about 25% above
    its later years'."""
    cin, cp = hazards["child_in_need"], hazards["child_protection"]
    # Rates a year from row to column: protection, child in need, closed (need levels aside).
    monthly = np.array([
        [0.0, cp["step_down"], cp["close"]],
        [cin["step_up"], 0.0, cin["close"]],
        [0.0, 0.0, 0.0],
    ], dtype=float) / 12  # fmt: skip
    # Continuous-time rates to a month's transition matrix (the rates are well under 1 a month).
    step = np.eye(3) + monthly - np.diag(monthly.sum(axis=1))
    out = np.empty((len(months), 3))
    for m in np.unique(months):
        out[months == m] = opened @ np.linalg.matrix_power(step, max(int(m), 0))
    return out


#: The fit of entries stops when every band's first entries are within this share of their
#: target, the share for abuse or neglect within `SHARE_TOLERANCE` of the returns' and the
#: re-entries within `REENTRY_TOLERANCE` of theirs, or after `FIT_ROUNDS` rounds.
ENTRY_TOLERANCE = 0.02
#: A single year of age is close enough to its target within this share, or within
#: `AGE_SLACK` entries a year (an age with a handful of entries cannot be matched more closely
#: by two-year runs of a few replications).
AGE_TOLERANCE = 0.10
AGE_SLACK = 0.5
#: Rounds in which the ages' factors move; after them only the bands' scales do.
SHAPE_ROUNDS = 5
#: Added to each single year of age's entries before the log-linear fit within its band, so that
#: an age without entries does not send the slope to infinity.
AGE_PRIOR_ENTRIES = 0.5
SHARE_TOLERANCE = 0.01
#: The months of the fit's runs whose entries are matched: the second and third years, once
#: the open cases drawn at the start have settled (see `_fit_entries`).
FIT_FROM_MONTH, FIT_TO_MONTH = 0, 36
REENTRY_TOLERANCE = 0.05
FIT_ROUNDS = 10


@dataclass
class EntryFit:
    """What the fit of entries reached: per band the scale, the target and the model's first
    entries a year; the abuse-or-neglect multiplier, and the shares targeted and reached."""

    scale: list[float]
    target: list[float]
    achieved: list[float]
    abuse_neglect_multiplier: float
    share_target: float | None
    share_achieved: float
    reentry_multiplier: float
    reentries_target: float
    reentries_achieved: float
    rounds: int
    #: By single year of age 0-17: the factor (``hazards.care_entry_by_age``, averaging 1 over
    #: each band's ages), the target and the model's first entries a year.
    by_age: list[float] = field(default_factory=list)
    age_target: list[float] = field(default_factory=list)
    age_achieved: list[float] = field(default_factory=list)


def _with_entries(
    scenario: Scenario,
    data: CleanReturns,
    window: estimate.Window,
    entries: pd.DataFrame,
    population: Sequence[float],
    provenance: dict[str, str],
    notes: list[str],
    replications: int,
    seed: int,
    trend: bool,
    include_uasc: bool,
    source: str,
) -> Scenario:
    """Set entries to care band by band, the need mix of entries, and (with ``trend``) the
    trend, recording where each came from."""
    growth, se = estimate.entry_trend(data, window, include_uasc=include_uasc)
    # The level the fit aims at is the window's average rate, which a log-linear trend reaches
    # in the middle of the window: with a trend, the trend counts from there
    # (`care_entry_trend_from`), so that a replication's draw of the trend moves the level on
    # the start date as well as the years after it, and the uncertainty of extrapolating from
    # the window to the census date is carried with the rest.
    middle = window.start + (window.end - window.start) / 2 + pd.Timedelta(days=14)
    trend_from = f"{middle.year:04d}-{middle.month:02d}"
    # The model's children under 18 number the population given (rounded), spread evenly over
    # ages; each band's target is its rate times the children of those ages in the population
    # given, scaled to the model's total, so the entries by band are the authority's whatever
    # the shape of its population by age.
    to_model = float(scenario.to_dict()["population"]["under_18"]) / max(sum(population), 1e-9)
    events, targets = [], []
    band_of_row = np.array([band_index(int(a)) for a in entries["age"]])
    for b in range(len(AGE_BANDS)):
        rows = entries[band_of_row == b]
        n = int(rows["events"].sum())
        exposure = float(rows["exposure_years"].sum())
        # The band's posterior mean rate (Jeffreys prior) per child a year.
        rate = (n + estimate.PRIOR_SHAPE) / exposure if exposure > 0 else 0.0
        events.append(n)
        children = sum(float(population[int(a)]) for a in rows["age"])
        targets.append(rate * children * to_model)
    age_targets = _age_targets(entries, targets, population, to_model)
    total = int(entries["events"].sum())
    share = float(entries["abuse_neglect"].sum()) / total if total > 0 else None
    reentries, reentry_years, reentry_from = _visible_reentries(data, window, include_uasc)
    fit = _fit_entries(scenario, age_targets, share, reentries / reentry_years, replications, seed)
    scale: dict[str, Any] = {}
    for b, band in enumerate(BANDS):
        scale[band] = _relative_gamma(fit.scale[b], events[b])
        provenance[f"hazards.care_entry_scale.{band}"] = (
            f"gamma, mean {fit.scale[b]:.3f}: fitted so that the model's first entries at these ages "
            f"({fit.achieved[b]:,.1f} a year) match {fit.target[b]:,.1f} a year from {events[b]} entries "
            f"({source}{f', the level in {trend_from}, from which the trend counts' if trend else ''}); "
            "shape = entries + 1/2, "
            "so its spread is the entry count's"
        )
        for route in ENTRY_ROUTES:
            provenance[f"{route}.{band}"] = (
                f"from base (the routes' shape); hazards.care_entry_scale.{band} sets the level and "
                "hazards.care_entry_by_age the ages within the band"
            )
    by_age = ", ".join(f"{a} {fit.age_achieved[a]:.1f} for {fit.age_target[a]:.1f}" for a in range(len(fit.by_age)))
    provenance["hazards.care_entry_by_age"] = (
        "fitted so that the model's first entries by single year of age match the returns' smoothed within each "
        "band (log-linear in age, scaled to the band's total); each band's ages average 1 (first entries a year by "
        f"age, model for target: {by_age}; {source})"
    )
    hazards: dict[str, Any] = {"care_entry_scale": scale, "care_entry_by_age": [round(x, 4) for x in fit.by_age],
                               "abuse_neglect_care_multiplier": fit.abuse_neglect_multiplier,
                               "looked_after": {"reentry_multiplier": _relative_gamma(fit.reentry_multiplier,
                                                                                       reentries)}}  # fmt: skip
    provenance["hazards.looked_after.reentry_multiplier"] = (
        f"gamma, mean {fit.reentry_multiplier:.3f}: fitted so that the model's re-entries "
        f"({fit.reentries_achieved:,.1f} a year) match {fit.reentries_target:,.1f} a year ({reentries} re-entries "
        f"within 24 months of a return home from {reentry_from}, {source}); shape = re-entries + 1/2, so its "
        "relative spread is the re-entry count's (an approximation: the multiplier scales the extra risk after a "
        "return home)"
    )
    if share is None:
        notes.append("Need mix: no entries in the window; the base's abuse_neglect_care_multiplier kept.")
    else:
        provenance["hazards.abuse_neglect_care_multiplier"] = (
            f"fitted so that the model's share of entries for abuse or neglect ({fit.share_achieved:.1%}) matches "
            f"{share:.1%} of {total} entries with CIN = N1 ({source})"
        )
        if abs(fit.share_achieved - share) > SHARE_TOLERANCE:
            notes.append(f"Need mix: the model reaches {fit.share_achieved:.1%} of entries for abuse or neglect, "
                         f"not the returns' {share:.1%}, at a multiplier of "
                         f"{fit.abuse_neglect_multiplier:.3g}.")  # fmt: skip
    misses = [f"{BANDS[b]} {fit.achieved[b]:.1f} for {fit.target[b]:.1f}" for b in range(len(BANDS))
              if fit.target[b] > 0 and abs(fit.achieved[b] / fit.target[b] - 1) > ENTRY_TOLERANCE]  # fmt: skip
    ages_off = [f"{a} {fit.age_achieved[a]:.1f} for {fit.age_target[a]:.1f}" for a in range(len(fit.by_age))
                if not _age_done(fit.age_achieved[a], fit.age_target[a])]  # fmt: skip
    if misses:
        notes.append(f"Entries: after {fit.rounds} rounds some bands are off their target: {', '.join(misses)}.")
    if ages_off:
        notes.append(f"Entries by single year of age: some ages are off their target by more than "
                     f"{AGE_TOLERANCE:.0%} (a year, model for target): {', '.join(ages_off)}; their bands' totals are "
                     "fitted first.")  # fmt: skip
    trend_text = f"{growth:+.1%} a year (standard error {se:.1%})"
    if trend:
        hazards["care_entry_trend"] = {"dist": "normal", "mean": growth, "sd": se}
        hazards["care_entry_trend_from"] = trend_from
        provenance["hazards.care_entry_trend"] = (
            f"normal: the log-linear trend in monthly entries over the window, {trend_text} ({source})"
        )
        provenance["hazards.care_entry_trend_from"] = (
            "the middle of the window, where the average rate care_entry_scale is fitted to lies on the trend line"
        )
        at_start = _end_over_mean(growth, window.years)
        notes.append(f"Trend in entries over the window: {trend_text}; projected forward from {trend_from}, the "
                     f"middle of the window (at its mean, {at_start:.3f} x the window's average rate on the "
                     "census date).")  # fmt: skip
    else:
        notes.append(f"Trend in entries over the window: {trend_text}; not projected forward (trend=True, "
                     "or --trend, projects it).")  # fmt: skip
    return scenario.updated({"hazards": hazards})


def _with_demand_trend(
    scenario: Scenario,
    data: CleanReturns,
    cin: CleanCin | None,
    window: estimate.Window,
    include_uasc: bool,
    provenance: dict[str, str],
    notes: list[str],
) -> Scenario:
    """``scenario`` with the authority's demand trend fitted to its returns: a Poisson
    log-linear fit of its referrals a financial year in the CIN census (``cin``), or else of its
    starts of care a financial year in the SSDA903 returns, over every whole financial year they
    cover; written as ``population.demand_trend`` of kind ``fitted``, the growth a normal
    distribution with the fit's standard error, counted from the middle of the window (the
    scenario's rates are fitted to the window's average, which a log-linear trend reaches in its
    middle), so the run starts at the level the trend reaches by then."""
    if cin is not None:
        years = estimate.whole_financial_years(cin.data_start, cin.data_end)
        counts = estimate.by_financial_year(cin.episodes["CINreferralDate"], years)
        what = "referrals in the CIN census"
    else:
        years, counts = estimate.starts_by_year(data, include_uasc=include_uasc)
        what = "starts of care in the SSDA903 returns" + ("" if include_uasc else " (UASC apart)")
    if len(years) < 3:
        raise ReturnsError(f"a demand trend needs at least three whole financial years (April to March) of {what}; "
                           f"these cover {len(years)}")  # fmt: skip
    growth, se = estimate.yearly_trend(counts)
    middle = window.start + (window.end - window.start) / 2 + pd.Timedelta(days=14)
    trend_from = f"{middle.year:04d}-{middle.month:02d}"
    label = [f"{y}/{(y + 1) % 100:02d}" for y in years]
    basis = (f"{what}, {label[0]} to {label[-1]} ({', '.join(f'{n:,}' for n in counts)} a year): "
             f"{growth:+.1%} a year (standard error {se:.1%}), a log-linear fit; rates at the level of the window "
             f"the estimate used, centred on {trend_from}")  # fmt: skip
    provenance["population.demand_trend.growth"] = (
        f"normal: the log-linear trend in the authority's {what} by financial year, {label[0]} to {label[-1]}: "
        f"{growth:+.1%} a year (standard error {se:.1%})"
    )
    provenance["population.demand_trend.from"] = (
        "the middle of the window, where the average rates the scenario is fitted to lie on the trend line"
    )
    notes.append(f"Demand trend: {basis}; first contacts and crisis entries grow by it each April after "
                 f"{trend_from}.")  # fmt: skip
    description = scenario.to_dict().get("description", "")
    return scenario.updated({"description": f"{description}; demand trend fitted to {basis}",
                             "population": {"demand_trend": {
                                 "kind": "fitted", "growth": {"dist": "normal", "mean": growth, "sd": se},
                                 "from": trend_from, "basis": basis}}})  # fmt: skip


#: Columns that may hold the local authority's code in a CSV return (``LEA`` is the XML
#: return's element).
AUTHORITY_COLUMNS = ("LA", "LA_CODE", "LEA")


def _authority(data: CleanReturns, given: str | None) -> tuple[str, str]:
    """The scenario's authority, and where it came from: ``given``, else the one local authority
    code the returns carry, else ``"from returns"``."""
    if given is not None:
        if not isinstance(given, str) or not given.strip():
            raise ConfigError(f"authority: got {given!r}; allowed: a name or code of the authority", path="authority",
                              value=repr(given), allowed="a non-empty name")  # fmt: skip
        return given.strip(), "given (--authority, or authority= in Python)"
    tables = [data.episodes] + ([data.source.header, data.source.episodes] if data.source is not None else [])
    found: dict[str, set[str]] = {}
    for table in tables:
        for column in AUTHORITY_COLUMNS:
            if column in table.columns:
                found.setdefault(column, set()).update(str(v).strip() for v in table[column].dropna())
    codes = set().union(*found.values()) - {""} if found else set()
    if len(codes) == 1:
        code = codes.pop()
        return code, f"the local authority code in the returns ({', '.join(sorted(found))} = {code})"
    several = f"the returns carry {len(codes)} local authority codes ({', '.join(sorted(codes)[:5])})" if codes else (
        "the returns carry no local authority code")  # fmt: skip
    return "from returns", f"not known: {several}; --authority NAME (authority= in Python) names it"


def _slug(text: str) -> str:
    """``text`` as a scenario name: lower case, words joined by hyphens."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "authority"


def _visible_reentries(data: CleanReturns, window: estimate.Window, include_uasc: bool) -> tuple[int, float, str]:
    """Re-entries within `REENTRY_WINDOW_MONTHS` of a return home in the part of ``window`` in
    which the returns can show them, its length in years and its first day. A return home
    before the earliest return read is not in the returns, so a re-entry in the first
    `REENTRY_WINDOW_MONTHS` of the returns may not be seen as one: counted over a window that
    reaches back there, re-entries run low (on synthetic returns read from April 2011, a window
    from April 2012 saw 14.7 a year where there were 16.5). Such a window counts from
    `REENTRY_WINDOW_MONTHS` after the returns begin, if that leaves a year of it; else the
    whole window (and its count runs low)."""
    table = estimate.periods(data)
    if not include_uasc:
        table = table[~table["uasc"].astype(bool)]
    seen = pd.Timestamp(data.data_start) + pd.DateOffset(months=REENTRY_WINDOW_MONTHS)
    start = max(window.start, seen)
    if (window.end - start).days < 365:
        start = window.start
    inside = table[(table["start"] >= start) & (table["start"] < window.end)]
    events = int((inside["reentry_within_months"] < REENTRY_WINDOW_MONTHS).sum())
    return events, (window.end - start).days / estimate.DAYS_PER_YEAR, f"{start.date()}"


def _relative_gamma(mean: float, events: int) -> dict[str, Any] | float:
    """A gamma with this ``mean`` whose relative spread is that of a count of ``events`` (shape
    ``events`` + 1/2, the Jeffreys prior of the rates); a mean of 0 stays a plain 0."""
    if mean <= 0:
        return 0.0
    shape = events + estimate.PRIOR_SHAPE
    return {"dist": "gamma", "shape": shape, "scale": mean / shape}


def _end_over_mean(growth: float, years: float) -> float:
    """A log-linear trend's value at the end of a window of ``years`` over its mean across it."""
    rate = np.log1p(growth)
    if abs(rate * years) < 1e-9:
        return 1.0
    return float(rate * years / -np.expm1(-rate * years))


def _age_targets(
    entries: pd.DataFrame, band_targets: Sequence[float], population: Sequence[float], to_model: float
) -> list[float]:
    """First entries a year by single year of age 0-17 for the model. Within each band, the
    rate by single year of age is smoothed as log-linear in age (a Poisson fit of the band's
    entries by age, each age's count with 1/2 added, so that an age without entries does not
    send the slope to infinity): two numbers per band, however few its entries, where a rate
    per age would carry each age's sampling error (about 20% for 25 entries). A band of two
    ages (16-17) keeps its two rates, a band of one its own. Each age's rate times the children
    of that age (scaled to the model's total), and the band's ages scaled to sum to the band's
    target, so that the band's level is its own posterior mean and the ages share it out."""
    ages = entries.set_index("age").reindex(range(18), fill_value=0)
    events = ages["events"].to_numpy(float)
    exposure = ages["exposure_years"].to_numpy(float)
    bands = np.array([band_index(a) for a in range(18)])
    out = np.zeros(18)
    for b, target in enumerate(band_targets):
        mine = bands == b
        rate = _log_linear(events[mine] + AGE_PRIOR_ENTRIES, exposure[mine])
        expected = rate * np.asarray(population, float)[mine] * to_model
        total = expected.sum()
        out[mine] = expected * target / total if total > 0 else target / mine.sum()
    return [float(x) for x in out]


def _log_linear(counts: npt.NDArray[np.float64], exposure: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rates ``exp(a + b x)`` at ``x`` = 0, 1, ... fitted to ``counts`` in ``exposure`` by
    maximum likelihood (Poisson, Newton's method); ages without exposure are left out of the fit."""
    x = np.arange(len(counts), dtype=float)
    used = exposure > 0
    if used.sum() == 0:
        return np.zeros(len(counts))
    if used.sum() == 1:
        return np.full(len(counts), counts[used].sum() / exposure[used].sum())
    x0 = x[used].mean()
    a, slope = np.log(counts[used].sum() / exposure[used].sum()), 0.0
    design = np.column_stack([np.ones(used.sum()), x[used] - x0])
    for _ in range(50):
        mu = exposure[used] * np.exp(a + slope * (x[used] - x0))
        gradient = design.T @ (counts[used] - mu)
        hessian = design.T @ (design * mu[:, None])
        step = np.linalg.solve(hessian, gradient)
        a, slope = a + step[0], slope + step[1]
        if np.abs(step).max() < 1e-10:
            break
    rates: npt.NDArray[np.float64] = np.exp(a + slope * (x - x0))
    return rates


def _age_done(achieved: float, target: float) -> bool:
    return abs(achieved - target) <= max(AGE_TOLERANCE * target, AGE_SLACK)


def _fit_entries(
    scenario: Scenario,
    age_targets: Sequence[float],
    share: float | None,
    reentries: float,
    replications: int,
    seed: int,
) -> EntryFit:
    """Scale the care-entry hazards by age band (``hazards.care_entry_scale``) and single year of
    age (``hazards.care_entry_by_age``) so that the model's first entries in its second and
    third years (re-entries apart) are ``age_targets`` a year, age by age; set
    ``hazards.abuse_neglect_care_multiplier`` so that the share of entries for abuse or neglect
    is ``share``, and ``hazards.looked_after.reentry_multiplier`` so that re-entries are
    ``reentries`` a year. Rounds of simulation with the same random numbers, each multiplying an
    age's factor (band scale times factor by age) by its target over what it reached (entries
    are close to proportional to the hazards; an age's entries also move a little with the
    others', through brothers and sisters coming into care together), then splitting it into
    the band's scale (the mean of its ages' factors) and the ages' factors relative to it (once
    every age is within `AGE_TOLERANCE` of its target, or after `SHAPE_ROUNDS` rounds, only the
    bands' scales move); the
    abuse-or-neglect multiplier by the odds targeted over the odds reached, and the re-entry
    multiplier by the re-entries targeted over those reached. The first year is left out: the
    open cases drawn at the start from the base settle over it (the Wolverhampton preset's
    first entries fall from 347 in its first year to 319 and 307 in the next two, and stay
    there), so fitting to it, or to the first two years as the builder did, left the model's
    settled entries 5-7% below the returns' and under-projected the stock from the second year
    on. The model's first year then runs above the returns' rate by about as much."""
    bands = [band_index(a) for a in range(18)]
    targets = [sum(t for a, t in enumerate(age_targets) if bands[a] == b) for b in range(len(BANDS))]
    factor = [1.0] * 18  # band scale x factor by age, per age
    multiplier = float(scenario.parameter("hazards.abuse_neglect_care_multiplier"))
    reentry = float(scenario.parameter("hazards.looked_after.reentry_multiplier"))

    def odds(p: float) -> float:
        return p / (1 - p)

    def split(factor: Sequence[float]) -> tuple[list[float], list[float]]:
        scale = []
        for b in range(len(BANDS)):
            mine = [factor[a] for a in range(18) if bands[a] == b]
            scale.append(sum(mine) / len(mine))
        by_age = [factor[a] / scale[bands[a]] if scale[bands[a]] > 0 else 1.0 for a in range(18)]
        return scale, by_age

    achieved, by_age_achieved, reached, back = [0.0] * len(BANDS), [0.0] * 18, 0.0, 0.0
    scale, by_age = split(factor)
    for rounds in range(1, FIT_ROUNDS + 1):
        current = scenario.updated({"hazards": {"care_entry_scale": dict(zip(BANDS, scale, strict=True)),
                                                "care_entry_by_age": by_age,
                                                "abuse_neglect_care_multiplier": multiplier,
                                                "looked_after": {"reentry_multiplier": reentry}}})  # fmt: skip
        by_age_achieved, reached, back = _entries_a_year(current, replications, seed)
        achieved = [sum(x for a, x in enumerate(by_age_achieved) if bands[a] == b) for b in range(len(BANDS))]
        bands_done = all(t <= 0 or abs(a / t - 1) < ENTRY_TOLERANCE for a, t in zip(achieved, targets, strict=True))
        ages_done = all(_age_done(a, t) for a, t in zip(by_age_achieved, age_targets, strict=True))
        share_done = share is None or abs(reached - share) < SHARE_TOLERANCE
        reentries_done = back <= 0 or abs(back / max(reentries, 1e-9) - 1) < REENTRY_TOLERANCE
        if (bands_done and ages_done and share_done and reentries_done) or rounds == FIT_ROUNDS:
            break
        if ages_done or rounds >= SHAPE_ROUNDS:
            # The split between ages is close enough, or as close as it will get (an age whose
            # entries are mostly brothers and sisters coming in with a child of another age
            # cannot be brought lower): only the bands' levels move, so that the rounds settle
            # as the fit by band alone did (moving every age each round moves the bands' entries
            # through the common random numbers by a few per cent).
            factor = [f * targets[bands[a]] / achieved[bands[a]] if achieved[bands[a]] > 0 else f
                      for a, f in enumerate(factor)]  # fmt: skip
        else:
            factor = [f * t / a if a > 0 else f for f, t, a in zip(factor, age_targets, by_age_achieved, strict=True)]
        scale, by_age = split(factor)
        if share is not None and 0 < reached < 1 and 0 < share < 1:
            multiplier = min(max(multiplier * odds(share) / odds(reached), 1e-3), 1_000.0)
        if back > 0:
            reentry = min(max(reentry * reentries / back, 0.0), 1_000.0)
    return EntryFit(scale, targets, achieved, multiplier, share, reached, reentry, reentries, back, rounds,
                    by_age, list(age_targets), by_age_achieved)  # fmt: skip


def _entries_a_year(scenario: Scenario, replications: int, seed: int) -> tuple[list[float], float, float]:
    """The model's first entries a year by single year of age at entry, the share of all its
    entries for abuse or neglect, and its re-entries a year, over its second and third years
    (`FIT_FROM_MONTH` to `FIT_TO_MONTH`)."""
    results = scenario.run(replications=replications, years=FIT_TO_MONTH // 12, seed=seed, progress=False)
    years = (FIT_TO_MONTH - FIT_FROM_MONTH) / 12

    def a_year(name: str) -> float:
        return float(results.array(name)[:, FIT_FROM_MONTH:FIT_TO_MONTH].sum(axis=1).mean()) / years

    by_age = [a_year(f"first_entries_at_{a}") for a in range(18)]
    entries = float(results.array("lac_entries")[:, FIT_FROM_MONTH:FIT_TO_MONTH].sum())
    abuse_neglect = float(results.array("entries_abuse_neglect")[:, FIT_FROM_MONTH:FIT_TO_MONTH].sum())
    return by_age, abuse_neglect / entries if entries > 0 else 0.0, a_year("lac_reentries")


def annotate(toml: str, provenance: dict[str, Any]) -> str:
    """``toml`` with a comment on each value line: where an estimated value came from, or
    ``from base``. A value written as a table of its own (a distribution) has the comment on
    the table's header; array-of-tables sections (the starting position) get one comment each."""
    out, table = [], ""
    arrays: dict[str, int] = {}  # array of tables -> the index of its current entry
    for line in toml.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[]")
            if stripped.startswith("[["):
                arrays[name] = arrays.get(name, -1) + 1
                table = f"{name}[{arrays[name]}]"
                note = provenance.get(table, provenance.get(name))
            else:
                # A table inside the current entry of an array of tables: its path names the entry.
                within = max((a for a in arrays if name.startswith(a + ".")), key=len, default=None)
                table = name if within is None else f"{within}[{arrays[within]}]{name[len(within):]}"
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
