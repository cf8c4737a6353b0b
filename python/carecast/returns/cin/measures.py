"""What the CIN census measures over a window: the flows, stocks, outcomes and shares that the
pre-care side of the model is fitted to, by single year of age or by the model's age bands.

Every function takes cleaned returns (`carecast.returns.cin.load`) and returns a tidy pandas
DataFrame. Ages are whole years on the day of the event (or of the stock), from the date of
birth; a referral before birth (an unborn child) counts at age 0.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..._errors import ReturnsError
from .._dates import birthday, whole_years
from ..estimate import DAYS_PER_YEAR, Window, with_posterior
from ..position import AGE_BANDS, age_band, band_index
from ..read import as_date
from .clean import CleanCin

#: The flows `flows` counts, and what each is.
FLOWS = {
    "referrals": "episodes of need starting (CINreferralDate)",
    "re_referrals": "referrals within 12 months of the child's previous referral (the DfE's definition)",
    "referrals_nfa": "referrals with no further action (ReferralNFA true)",
    "assessments": "assessments starting (AssessmentActualStartDate)",
    "section47": "section 47 enquiries starting (S47ActualStartDate)",
    "icpcs": "initial child protection conferences (distinct dates per child, from Section47 and CINdetails)",
    "cin_starts": "referrals that proceeded past assessment to child in need or protection (see "
    "referral_outcomes), on the referral date",
    "cin_plan_starts": "child in need plans starting (CINPlanStartDate)",
    "cp_starts": "child protection plans starting (CPPstartDate)",
    "cp_ends": "child protection plans ending (CPPendDate)",
    "closures": "episodes of need closing (CINclosureDate)",
}
#: The stocks `stocks` counts at the end of a day.
STOCKS = {
    "children_in_need": "children with an open episode of need, as the census counts them (those on plans and "
    "those looked after included)",
    "cin_plans": "children on a child in need plan",
    "cp_plans": "children on a child protection plan",
    "in_need_not_cp": "children with an open episode and no child protection plan (the looked after included)",
    "child_in_need_state": "children in the model's child in need state as `transitions` defines it: past an "
    "outcome of child in need, or stepped down, and off a protection plan (the looked after included: take away "
    "those in care, from SSDA903, for the model's child in need stock)",
}
#: What became of each referral (`referral_outcomes`), in the order they are tested.
OUTCOMES = {
    "nfa_at_referral": "no further action at referral (ReferralNFA)",
    "nfa_after_assessment": "closed after assessment with no further action (RC8)",
    "early_help": "closed after assessment and referred to early help (RC9)",
    "child_protection": "a child protection plan came first (before any CIN plan), after an ICPC",
    "child_in_need": "went on as a child in need: a CIN plan came first, or the episode closed for another reason",
    "undetermined": "still open at the end of the data with no plan: the outcome is not yet known",
}
BANDS = tuple(label for label, _ in AGE_BANDS)


def _ages(dobs: pd.Series, days: pd.Series) -> np.ndarray:
    return np.array([max(0, whole_years(d.date(), t.date())) for d, t in zip(dobs, days, strict=True)], dtype=int)


def _inside(days: pd.Series, window: Window) -> pd.Series:
    return (days >= window.start) & (days < window.end)


def _check(data: CleanCin, window: Window) -> None:
    first, last = pd.Timestamp(data.data_start), pd.Timestamp(data.data_end) + pd.Timedelta(days=1)
    if window.start < first or window.end > last:
        shown = f"{window.start.date()} to {(window.end - pd.Timedelta(days=1)).date()}"
        raise ReturnsError(f"the window {shown} is not inside the CIN census returns, which cover {data.data_start} "
                           f"to {data.data_end}; choose a window inside them", value=shown)  # fmt: skip


def _population(population: Sequence[float] | None) -> np.ndarray | None:
    if population is None:
        return None
    try:
        people = np.array([float(x) for x in population])
    except (TypeError, ValueError):
        raise ReturnsError(f"population: got {population!r}; allowed: 18 numbers, children aged 0 to 17",
                           value=repr(population)) from None  # fmt: skip
    if len(people) != 18 or not np.all(np.isfinite(people) & (people >= 0)):
        raise ReturnsError(f"population: got {population!r}; allowed: 18 numbers of children (0 or more), aged 0 "
                           "to 17", value=repr(population))  # fmt: skip
    return people


def events(data: CleanCin, window: Window) -> pd.DataFrame:
    """Every event of `FLOWS` in the window, one row each: ``measure``, ``LAchildID``,
    ``date``, ``age`` (whole years that day; 0 before birth)."""
    _check(data, window)
    e = data.episodes
    previous = e.sort_values(["LAchildID", "CINreferralDate"]).groupby("LAchildID")["CINreferralDate"].shift()
    previous = previous.reindex(e.index)
    rereferral = previous.notna() & (e["CINreferralDate"] <= previous + pd.DateOffset(months=12))
    outcomes = _outcomes(data)
    icpc = pd.concat(
        [data.section47[["LAchildID", "DOB", "DateOfInitialCPC"]], e[["LAchildID", "DOB", "DateOfInitialCPC"]]]
    ).dropna(subset=["DateOfInitialCPC"]).drop_duplicates(["LAchildID", "DateOfInitialCPC"])
    parts = {
        "referrals": (e, "CINreferralDate"),
        "re_referrals": (e[rereferral], "CINreferralDate"),
        "referrals_nfa": (e[e["ReferralNFA"].fillna(False).astype(bool)], "CINreferralDate"),
        "assessments": (data.assessments, "AssessmentActualStartDate"),
        "section47": (data.section47, "S47ActualStartDate"),
        "icpcs": (icpc, "DateOfInitialCPC"),
        "cin_starts": (e[outcomes.isin(["child_in_need", "child_protection"]).to_numpy()], "CINreferralDate"),
        "cin_plan_starts": (data.cin_plans, "CINPlanStartDate"),
        "cp_starts": (data.cp_plans, "CPPstartDate"),
        "cp_ends": (data.cp_plans.dropna(subset=["CPPendDate"]), "CPPendDate"),
        "closures": (e.dropna(subset=["CINclosureDate"]), "CINclosureDate"),
    }
    frames = []
    for measure, (table, column) in parts.items():
        inside = table[_inside(table[column], window)]
        frames.append(pd.DataFrame({"measure": measure, "LAchildID": inside["LAchildID"].to_numpy(),
                                    "date": inside[column].to_numpy(), "age": _ages(inside["DOB"], inside[column])}))
    return pd.concat(frames, ignore_index=True)


def flows(data: CleanCin, window: Window, population: Sequence[float] | None = None, by: str = "age") -> pd.DataFrame:
    """Each flow of `FLOWS` in the window by single year of age (``by="age"``: 0-17) or by the
    model's age bands (``by="band"``: 0, 1-4, 5-9, 10-15, 16-17), every cell present (zeros
    included): ``measure``, ``age`` or ``age_band``, ``events``, and ``per_year`` (events over the
    window's length in years). With ``population`` (children living in the authority, 18 numbers
    by single year of age), also ``exposure_years`` (child-years of the population) and the rate
    per child-year with its gamma posterior (``rate``, ``shape``, ``scale``, ``low``, ``high``:
    see `carecast.returns.estimate.with_posterior`).
    """
    people = _population(population)
    if by not in ("age", "band"):
        raise ReturnsError(f"by: got {by!r}; allowed: 'age' or 'band'", value=repr(by))
    table = events(data, window)
    column = "age" if by == "age" else "age_band"
    if by == "band":
        table = table.assign(age_band=[age_band(int(a)) for a in table["age"]])
    groups: list[object] = list(range(18)) if by == "age" else list(BANDS)
    grid = pd.MultiIndex.from_product([list(FLOWS), groups], names=["measure", column])
    counts = table.groupby(["measure", column]).size().reindex(grid, fill_value=0)
    frame = counts.rename("events").reset_index()
    frame["per_year"] = frame["events"] / window.years
    if people is not None:
        exposure = people * window.years
        if by == "band":
            exposure = np.array([exposure[[a for a in range(18) if age_band(a) == b]].sum() for b in BANDS])
        frame["exposure_years"] = np.tile(exposure, len(FLOWS))
        frame = with_posterior(frame)
    return frame


def _outcomes(data: CleanCin) -> pd.Series:
    """The outcome (a key of `OUTCOMES`) of each episode, aligned with ``data.episodes``."""
    e = data.episodes
    key = ["LAchildID", "CINreferralDate"]
    first_cin = data.cin_plans.groupby(key)["CINPlanStartDate"].min()
    first_cp = data.cp_plans.groupby(key)["CPPstartDate"].min()
    index = pd.MultiIndex.from_frame(e[key])
    cin = first_cin.reindex(index).to_numpy()
    cp = first_cp.reindex(index).to_numpy()
    nfa = e["ReferralNFA"].fillna(False).astype(bool).to_numpy()
    reason = e["ReasonForClosure"].astype("string").fillna("").to_numpy()
    closed = e["CINclosureDate"].notna().to_numpy()
    out = []
    for i in range(len(e)):
        has_cp, has_cin = not pd.isna(cp[i]), not pd.isna(cin[i])
        if nfa[i]:
            out.append("nfa_at_referral")
        elif has_cp and (not has_cin or cp[i] <= cin[i]):
            out.append("child_protection")
        elif has_cin:
            out.append("child_in_need")
        elif reason[i] == "RC8":
            out.append("nfa_after_assessment")
        elif reason[i] == "RC9":
            out.append("early_help")
        elif closed[i]:
            out.append("child_in_need")
        else:
            out.append("undetermined")
    return pd.Series(out, index=e.index, dtype=object)


def referral_outcomes(data: CleanCin, window: Window, by: str = "band") -> pd.DataFrame:
    """What became of the referrals of the window (see `OUTCOMES`), by age band at referral
    (``by="band"``) or single year of age (``by="age"``): ``outcome``, ``age_band`` or ``age``,
    ``referrals``, and ``share`` of the referrals of that age whose outcome is known (the
    ``undetermined`` are left out of the shares' denominator, and have none)."""
    _check(data, window)
    e = data.episodes
    inside = _inside(e["CINreferralDate"], window).to_numpy()
    outcomes = _outcomes(data)[inside]
    ages = _ages(e.loc[inside, "DOB"], e.loc[inside, "CINreferralDate"])
    column = "age" if by == "age" else "age_band"
    groups: list[object] = list(range(18)) if by == "age" else list(BANDS)
    keys = ages.tolist() if by == "age" else [age_band(int(a)) for a in ages]
    frame = pd.DataFrame({"outcome": outcomes.to_numpy(), column: keys})
    grid = pd.MultiIndex.from_product([list(OUTCOMES), groups], names=["outcome", column])
    counts = frame.groupby(["outcome", column]).size().reindex(grid, fill_value=0).rename("referrals").reset_index()
    known = counts[counts["outcome"] != "undetermined"].groupby(column)["referrals"].sum()
    denominator = counts[column].map(known).astype(float)
    counts["share"] = np.where((counts["outcome"] != "undetermined") & (denominator > 0),
                               counts["referrals"] / denominator.where(denominator > 0, 1.0), np.nan)  # fmt: skip
    return counts


def stocks(data: CleanCin, days: Iterable[dt.date | str], by: str = "band") -> pd.DataFrame:
    """Each stock of `STOCKS` at the end of each of ``days``, by age band (``by="band"``) or
    single year of age (``by="age"``), every cell present: ``date``, ``measure``, ``age_band``
    or ``age``, ``children``. A day must be inside the returns."""
    column = "age" if by == "age" else "age_band"
    groups: list[object] = list(range(18)) if by == "age" else list(BANDS)
    frames = []
    spells: pd.DataFrame | None = None
    for value in days:
        day = as_date(value, "stock date")
        if not pd.Timestamp(data.data_start) <= day <= pd.Timestamp(data.data_end):
            raise ReturnsError(f"stock date {day.date()} is not inside the CIN census returns ({data.data_start} to "
                               f"{data.data_end})", value=str(day.date()))  # fmt: skip
        open_on = {}
        e = data.episodes
        mask = (e["CINreferralDate"] <= day) & (e["CINclosureDate"].isna() | (e["CINclosureDate"] > day))
        open_on["children_in_need"] = e[mask].drop_duplicates("LAchildID")
        for name, table, start, end in (("cin_plans", data.cin_plans, "CINPlanStartDate", "CINPlanEndDate"),
                                        ("cp_plans", data.cp_plans, "CPPstartDate", "CPPendDate")):  # fmt: skip
            on = (table[start] <= day) & (table[end].isna() | (table[end] > day))
            open_on[name] = table[on].drop_duplicates("LAchildID")
        cp_children = set(open_on["cp_plans"]["LAchildID"])
        need = open_on["children_in_need"]
        open_on["in_need_not_cp"] = need[~need["LAchildID"].isin(cp_children)]
        if spells is None:
            spells = pd.DataFrame(_walk(data)[0], columns=["LAchildID", "DOB", "state", "start", "end"])
        on_spell = (spells["state"] == 0) & (spells["start"] <= day) & (spells["end"] > day)
        open_on["child_in_need_state"] = spells[on_spell & ~spells["LAchildID"].isin(cp_children)].drop_duplicates(
            "LAchildID")
        for measure in STOCKS:
            table = open_on[measure]
            ages = _ages(table["DOB"], pd.Series([day] * len(table)))
            keys = ages.tolist() if by == "age" else [age_band(int(a)) for a in ages]
            counts = pd.Series(keys, dtype=object).value_counts().reindex(groups, fill_value=0)
            frames.append(pd.DataFrame({"date": day, "measure": measure, column: groups,
                                        "children": counts.to_numpy(int)}))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=["date", "measure", column, "children"])
    return pd.concat(frames, ignore_index=True)


def exit_rates(data: CleanCin, window: Window) -> pd.DataFrame:
    """How fast children leave child protection plans and episodes of need, per child-year, by
    current age band (exposure split at the birthdays that change band): ``state``
    (``cp_plan``: plans ending; ``cin_plan``: CIN plans ending; ``episode``: episodes closing),
    ``age_band``, ``events``, ``exposure_years`` and the posterior of `with_posterior`. The
    18th birthday ends exposure and is not an exit."""
    _check(data, window)
    data_end = pd.Timestamp(data.data_end) + pd.Timedelta(days=1)
    rows = []
    for state, table, start, end in (("cp_plan", data.cp_plans, "CPPstartDate", "CPPendDate"),
                                     ("cin_plan", data.cin_plans, "CINPlanStartDate", "CINPlanEndDate"),
                                     ("episode", data.episodes, "CINreferralDate", "CINclosureDate")):  # fmt: skip
        exposure = np.zeros(len(AGE_BANDS))
        exits = np.zeros(len(AGE_BANDS))
        for dob, began, ended in zip(table["DOB"], table[start], table[end], strict=True):
            eighteen = dob + pd.DateOffset(years=18)
            stop = min(ended if pd.notna(ended) else data_end, eighteen)
            for band, days in _pieces(dob, max(began, window.start), min(stop, window.end)):
                exposure[band] += days / DAYS_PER_YEAR
            if pd.notna(ended) and ended < eighteen and window.start <= ended < window.end:
                exits[band_index(max(0, whole_years(dob.date(), ended.date())))] += 1
        for b, label in enumerate(BANDS):
            rows.append({"state": state, "age_band": label, "events": int(exits[b]), "exposure_years": exposure[b]})
    return with_posterior(pd.DataFrame(rows))


def _pieces(dob: pd.Timestamp, start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[int, int]]:
    """(age band, days) of the time from ``start`` to ``end`` (split on the birthdays that
    change band)."""
    if end <= start:
        return []
    born, first, last = dob.date(), start.date(), end.date()
    cuts = sorted({first, last} | {c for _, years in AGE_BANDS[1:] if first < (c := birthday(born, years)) < last})
    return [(band_index(max(0, whole_years(born, a))), (b - a).days) for a, b in itertools.pairwise(cuts)]


#: The moves `transitions` counts out of each state of the model.
MOVES = {
    "child_in_need": ("step_up", "close", "close_to_early_help"),
    "child_protection": ("step_down", "close", "close_to_early_help"),
}


def transitions(data: CleanCin, window: Window) -> pd.DataFrame:
    """Moves out of the model's child in need and child protection states per child-year in
    them, by current age band and pooled over ages (``age_band`` ``"all"``): ``state``,
    ``move``, ``age_band``, ``events``, ``exposure_years`` and the posterior of `with_posterior`.

    The states, as the model has them: **child protection** is time on a child protection plan;
    **child in need** is time in an open episode, off a protection plan, once the referral's
    outcome is child in need (from its first CIN plan, else its first assessment's
    authorisation, else its referral) or after a protection plan steps down (the stock
    ``child_in_need_state`` of `stocks`). Moves: a protection plan starting from child in need
    is a ``step_up`` (the first plan of an episode whose outcome is protection is an assessment
    outcome, not a step up); a protection plan ending with the episode open is a ``step_down``;
    an episode closing (on or before the plan's end, for a protection plan) is a ``close``, or
    ``close_to_early_help`` with reason RC9. Children who enter care stay in their episode in
    the census: the SSDA903 returns say when. The 18th birthday ends exposure and is not a move.
    """
    _check(data, window)
    states = list(MOVES)
    exposure = np.zeros((len(states), len(BANDS)))
    counts = np.zeros((len(states), 3, len(BANDS)))
    spells, moves = _walk(data)
    for _, dob, index, begin, end in spells:
        for band, days in _pieces(dob, max(begin, window.start), min(end, window.end)):
            exposure[index, band] += days / DAYS_PER_YEAR
    for dob, index, which, day in moves:
        if window.start <= day < window.end:
            counts[index, which, band_index(max(0, whole_years(dob.date(), day.date())))] += 1
    rows = []
    for s_index, state in enumerate(states):
        for m_index, name in enumerate(MOVES[state]):
            for b, label in enumerate(BANDS):
                rows.append({"state": state, "move": name, "age_band": label,
                             "events": int(counts[s_index, m_index, b]), "exposure_years": exposure[s_index, b]})
            rows.append({"state": state, "move": name, "age_band": "all",
                         "events": int(counts[s_index, m_index].sum()), "exposure_years": exposure[s_index].sum()})
    return with_posterior(pd.DataFrame(rows))


Spell = tuple[str, pd.Timestamp, int, pd.Timestamp, pd.Timestamp]
Move = tuple[pd.Timestamp, int, int, pd.Timestamp]


def _walk(data: CleanCin) -> tuple[list[Spell], list[Move]]:
    """Every spell in the model's social care states (child, date of birth, state index in
    `MOVES`, start, end: exclusive, at the latest the 18th birthday or the day after the data
    end) and every move out of them (date of birth, state, move index, day), as `transitions`
    defines them."""
    data_end = pd.Timestamp(data.data_end) + pd.Timedelta(days=1)
    key = ["LAchildID", "CINreferralDate"]
    plans = {k: list(zip(g["CPPstartDate"], g["CPPendDate"], strict=True))
             for k, g in data.cp_plans.sort_values("CPPstartDate").groupby(key)}  # fmt: skip
    first_cin = data.cin_plans.groupby(key)["CINPlanStartDate"].min()
    first_authorised = data.assessments.groupby(key)["AssessmentAuthorisationDate"].min()
    spells: list[Spell] = []
    moves: list[Move] = []
    e = data.episodes
    records = zip(e["LAchildID"], e["CINreferralDate"], e["CINclosureDate"], e["ReasonForClosure"], e["DOB"],
                  _outcomes(data), strict=True)  # fmt: skip
    for child, referral, closure, reason, dob, outcome in records:
        if outcome not in ("child_in_need", "child_protection"):
            continue
        eighteen = pd.Timestamp(birthday(dob.date(), 18))
        stop = min(closure if pd.notna(closure) else data_end, eighteen)
        closing = 2 if str(reason) == "RC9" else 1
        closes = pd.notna(closure) and closure == stop  # (not the 18th birthday, nor the data's end)
        began: pd.Timestamp | None = None  # in child in need only after a step down
        if outcome == "child_in_need":
            found = first_cin.get((child, referral), first_authorised.get((child, referral), referral))
            began = referral if pd.isna(found) else max(found, referral)
        for number, (cp_start, cp_end) in enumerate(plans.get((child, referral), [])):
            cp_end = cp_end if pd.notna(cp_end) else data_end
            if cp_start >= stop:
                break
            if began is not None and cp_start >= began:
                spells.append((child, dob, 0, began, cp_start))
                if number > 0 or outcome == "child_in_need":
                    moves.append((dob, 0, 0, cp_start))
            spells.append((child, dob, 1, cp_start, min(cp_end, stop)))
            began = None
            if cp_end >= stop:
                if closes:
                    moves.append((dob, 1, closing, stop))
                break
            moves.append((dob, 1, 0, cp_end))
            began = cp_end
        if began is not None and began < stop:
            spells.append((child, dob, 0, began, stop))
            if closes:
                moves.append((dob, 0, closing, stop))
    return spells, moves


def primary_need(data: CleanCin, window: Window, by: str = "band") -> pd.DataFrame:
    """The primary need of the referrals of the window, by age band (or single year of age with
    ``by="age"``): ``referrals``, ``stated`` (those with a need code N1-N8: N0 is not stated and
    N9 is a case other than a child in need), ``abuse_neglect`` (N1) and ``share_abuse_neglect``
    (N1 among the stated; NaN where none is)."""
    _check(data, window)
    e = data.episodes[_inside(data.episodes["CINreferralDate"], window)]
    ages = _ages(e["DOB"], e["CINreferralDate"])
    column = "age" if by == "age" else "age_band"
    groups: list[object] = list(range(18)) if by == "age" else list(BANDS)
    keys = ages.tolist() if by == "age" else [age_band(int(a)) for a in ages]
    code = e["PrimaryNeedCode"].astype("string").fillna("")
    frame = pd.DataFrame({column: keys, "stated": code.isin([f"N{i}" for i in range(1, 9)]).to_numpy(),
                          "abuse_neglect": (code == "N1").to_numpy()})  # fmt: skip
    table = frame.groupby(column).agg(referrals=("stated", "size"), stated=("stated", "sum"),
                                      abuse_neglect=("abuse_neglect", "sum")).reindex(groups, fill_value=0)  # fmt: skip
    table = table.astype(int).rename_axis(column).reset_index()
    stated = table["stated"].astype(float)
    table["share_abuse_neglect"] = (table["abuse_neglect"] / stated.where(stated > 0)).astype(float)
    return table
