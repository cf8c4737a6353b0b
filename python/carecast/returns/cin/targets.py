"""What the CIN census (and early help records) say the pre-care side of a scenario should be:
the values to set directly, and the targets a builder fits by simulation. Nothing here changes
a scenario: `carecast.returns.build` is where they are applied (see ``docs/returns.md``, "The
CIN census and early help", for the order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..estimate import Window
from ..position import AGE_BANDS
from ..read import as_date
from . import early_help as eh
from . import measures
from .clean import CleanCin

_BAND_KEYS = {label: "age_" + label.replace("-", "_") for label, _ in AGE_BANDS}


@dataclass
class PreCareTargets:
    """``direct``: scenario path -> value, estimated directly from the data (no simulation);
    ``fit``: engine series -> its target a year, for a fit by simulation (``assessments``,
    ``early_help_starts``); ``referral_shape``: assessed referrals per child-year by age band
    (the shape of ``hazards.*.referral``, whose level the fit of ``assessments`` sets);
    ``provenance``: path or series -> the evidence; ``notes``: what could not be estimated."""

    direct: dict[str, float] = field(default_factory=dict)
    fit: dict[str, float] = field(default_factory=dict)
    referral_shape: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def precare_targets(
    data: CleanCin,
    census: dt.date | str,
    window_months: int = 36,
    population: Sequence[float] | None = None,
    early_help: eh.EarlyHelp | None = None,
    in_care: Collection[str] = (),
) -> PreCareTargets:
    """The pre-care targets of the authority in ``data``, over the ``window_months`` up to
    ``census`` (see `PreCareTargets`).

    ``population`` (18 numbers by single year of age) gives the referral shape per child-year;
    ``early_help`` gives early help's length, starts and open families; ``in_care`` is the
    ``LAchildID`` of the children in care on the census date (from SSDA903, where the two returns
    share their identifiers), who keep an open episode in the census but are in care in the model.
    """
    day = as_date(census, "census date")
    window = Window.ending(day.date(), window_months)
    source = f"CIN census, {window.start.date()} to {day.date()}"
    out = PreCareTargets()

    by_outcome = measures.referral_outcomes(data, window).groupby("outcome")["referrals"].sum()
    outcomes: dict[str, int] = {str(k): int(v) for k, v in by_outcome.items()}
    assessed = sum(n for k, n in outcomes.items() if k not in ("nfa_at_referral", "undetermined"))
    if assessed > 0:
        for path, outcome in (("child_in_need", "child_in_need"), ("child_protection", "child_protection"),
                              ("early_help", "early_help")):  # fmt: skip
            out.direct[f"hazards.assessment.{path}"] = float(outcomes[outcome]) / assessed
            out.provenance[f"hazards.assessment.{path}"] = (
                f"{int(outcomes[outcome])} of {assessed} assessed referrals with a known outcome ({source})"
            )
        plans = outcomes["child_in_need"] + outcomes["child_protection"]
        if plans > 0:
            # The census records a step-up from early help as a referral whose outcome is a plan.
            out.direct["hazards.early_help.step_up_to_protection"] = float(outcomes["child_protection"]) / plans
            out.provenance["hazards.early_help.step_up_to_protection"] = (
                f"{int(outcomes['child_protection'])} of {plans} assessed referrals leading to a plan led to a "
                f"protection plan (the census records a step-up from early help as such a referral) ({source})"
            )
    else:
        out.notes.append("No assessed referral with a known outcome in the window: the assessment outcomes are the "
                         "base's.")  # fmt: skip

    moves = measures.transitions(data, window)
    pooled: dict[Any, Any] = moves[moves["age_band"] == "all"].set_index(["state", "move"]).to_dict("index")
    for state, onward in (("child_in_need", "step_up"), ("child_protection", "step_down")):
        years = float(pooled[(state, "close")]["exposure_years"])
        if years <= 0:
            out.notes.append(f"No time in {state} in the window: hazards.{state} are the base's.")
            continue
        closes = int(pooled[(state, "close")]["events"])
        to_help = int(pooled[(state, "close_to_early_help")]["events"])
        moved = int(pooled[(state, onward)]["events"])
        where = f"child-years in {state.replace('_', ' ')} ({source})"
        out.direct[f"hazards.{state}.close"] = (closes + to_help) / years
        out.provenance[f"hazards.{state}.close"] = f"{closes + to_help} closures in {years:,.0f} {where}"
        out.direct[f"hazards.{state}.{onward}"] = moved / years
        out.provenance[f"hazards.{state}.{onward}"] = f"{moved} moves in {years:,.0f} {where}"
        if closes + to_help > 0:
            out.direct[f"hazards.{state}.close_to_early_help"] = to_help / (closes + to_help)
            out.provenance[f"hazards.{state}.close_to_early_help"] = (
                f"{to_help} of {closes + to_help} closures to early help (RC9) ({source})"
            )
        if state == "child_in_need":
            # The census cannot tell a step down to early help from a closure to it (both RC9):
            # the closures carry it.
            out.direct["hazards.child_in_need.step_down"] = 0.0
            out.provenance["hazards.child_in_need.step_down"] = (
                "0: steps down to early help are the closures to early help (RC9) of close_to_early_help"
            )

    need: dict[Any, Any] = measures.primary_need(data, window).set_index("age_band").to_dict("index")
    for label, key in _BAND_KEYS.items():
        share = float(need[label]["share_abuse_neglect"])
        if np.isfinite(share):
            out.direct[f"hazards.abuse_neglect.{key}"] = share
            out.provenance[f"hazards.abuse_neglect.{key}"] = (
                f"{int(need[label]['abuse_neglect'])} of {int(need[label]['stated'])} referrals with a "
                f"stated need were for abuse or neglect (N1) ({source})"
            )

    stock = measures.stocks(data, [day.date()])
    on_day: dict[Any, Any] = stock.groupby("measure")["children"].sum().to_dict()
    cin_state = int(on_day["child_in_need_state"])
    taken_off = 0
    if in_care:
        spells = measures._walk(data)[0]
        inside = {c for c, _, state, a, b in spells if state == 0 and a <= day < b}
        taken_off = len(inside & set(in_care))
        cin_state -= taken_off
    less = (f", less the {taken_off:,} of them in care (their LAchildID a CHILD of the SSDA903 returns)"
            if taken_off else ", less none in care (no LAchildID matched a CHILD of the children in care)")
    out.direct["population.initial.child_in_need"] = float(cin_state)
    out.provenance["population.initial.child_in_need"] = (
        f"children in need (off a protection plan, past assessment) on {day.date()}"
        + (less if in_care else "") + f" ({source})"
    )
    out.direct["population.initial.child_protection"] = float(on_day["cp_plans"])
    out.provenance["population.initial.child_protection"] = f"children on a protection plan on {day.date()} ({source})"

    flows = measures.flows(data, window, by="band", population=population)
    totals: dict[Any, Any] = flows.groupby("measure")["events"].sum().to_dict()
    assessed_referrals = int(totals["referrals"] - totals["referrals_nfa"])
    out.fit["assessments"] = assessed_referrals / window.years
    out.provenance["assessments"] = (
        f"{assessed_referrals} referrals not closed at referral (the model assesses every referral) ({source})"
    )
    if population is not None:
        referrals: dict[Any, Any] = flows[flows["measure"] == "referrals"].set_index("age_band").to_dict("index")
        nfa: dict[Any, Any] = flows[flows["measure"] == "referrals_nfa"].set_index("age_band").to_dict("index")
        for label, key in _BAND_KEYS.items():
            years = float(referrals[label]["exposure_years"])
            if years > 0:
                out.referral_shape[key] = float(referrals[label]["events"] - nfa[label]["events"]) / years
    referrals_total = int(totals["referrals"])
    if referrals_total:
        out.notes.append(f"Re-referrals within 12 months: {int(totals['re_referrals'])} of {referrals_total} "
                         f"referrals ({int(totals['re_referrals']) / referrals_total:.0%}); the engine does not count "
                         "them yet, so recently_closed_multiplier stays the base's.")  # fmt: skip

    if early_help is not None:
        if early_help.kind == "episodes":
            lengths: dict[Any, Any] = eh.durations(early_help, window, until=day.date()).iloc[0].to_dict()
            rate = float(lengths["rate"])
            if rate > 0:
                out.direct["policy.early_help.mean_duration_months"] = 12.0 / rate
                out.provenance["policy.early_help.mean_duration_months"] = (
                    f"{int(lengths['events'])} closures in {float(lengths['exposure_years']):,.0f} "
                    f"family-years of early help ({early_help.file})"
                )
        started = eh.starts(early_help, window, by="total")
        out.fit["early_help_starts"] = float(started["per_year"].iloc[0])
        out.provenance["early_help_starts"] = f"{started['starts'].iloc[0]:,.0f} early help starts ({early_help.file})"
        families = float(eh.open_on(early_help, [day.date()])["families"].iloc[0])
        if np.isfinite(families):
            out.direct["population.initial.early_help_families"] = families
            out.provenance["population.initial.early_help_families"] = (
                f"families in early help on {day.date()} ({early_help.file})"
            )
    return out
