"""Who is in care on a census date, exactly as the cleaned returns say."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import ReturnsError
from .._start import StartingPosition
from ._dates import whole_months_of, whole_years_of
from .clean import CleanReturns
from .read import as_date

#: Age bands of the model: label and the first single year of age in it.
AGE_BANDS = (("0", 0), ("1-4", 1), ("5-9", 5), ("10-15", 10), ("16-17", 16))
_BAND_FIRSTS = np.array([first for _, first in AGE_BANDS[1:]])


def band_index(age: int) -> int:
    """The position in `AGE_BANDS` of the band of a child aged ``age`` whole years."""
    return sum(1 for _, first in AGE_BANDS[1:] if age >= first)


def band_indices(ages: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """`band_index` of each of ``ages``."""
    return np.searchsorted(_BAND_FIRSTS, ages, side="right")


def age_band(age: int) -> str:
    """The model's age band of a child aged ``age`` whole years."""
    return AGE_BANDS[band_index(age)][0]


def in_care_on(returns: CleanReturns, day: dt.date | str) -> pd.DataFrame:
    """Every child in care at the end of ``day`` (an episode started on or before it and not
    ended on or before it), one row each.

    Columns: ``CHILD``; ``age`` (whole years on ``day``, from the date of birth, not the age at
    the start of an episode), ``age_months``, ``age_band``; ``placement`` and ``legal_status``
    of the episode open that day; ``uasc``; ``months_in_care`` since the period of care began
    and ``months_in_placement`` since the placement type last changed (whole months);
    ``previous_periods`` of care; ``entered_under_5``; ``abuse_neglect`` (category of need N1);
    ``care_start_known``: False when the period of care began before the earliest return read
    (its first episode there does not start a period), so that ``months_in_care`` and
    ``months_in_placement`` are at least the figures given, and ``entered_under_5`` is None
    unless the child was under five when first seen in care.
    """
    when = as_date(day, "census date")
    if when.date() > returns.data_end:
        raise ReturnsError(f"census date {when.date()} is after the returns end ({returns.data_end})",
                           value=str(when.date()))  # fmt: skip
    if when.date() < returns.data_start:
        raise ReturnsError(f"census date {when.date()} is before the returns begin ({returns.data_start})",
                           value=str(when.date()))  # fmt: skip
    e = returns.episodes
    open_then = e[(e["DECOM"] <= when) & (e["DEC"].isna() | (e["DEC"] > when))]
    columns = [
        "CHILD", "age", "age_months", "age_band", "placement", "legal_status", "uasc",
        "months_in_care", "months_in_placement", "previous_periods", "entered_under_5", "abuse_neglect",
        "care_start_known",
    ]  # fmt: skip
    if open_then.empty:
        return pd.DataFrame(columns=columns)
    # Earlier episodes of the same child: when the period began, and when the placement last changed.
    history = e[e["CHILD"].isin(open_then["CHILD"]) & (e["DECOM"] <= when)].sort_values(["CHILD", "DECOM"])
    child = history["CHILD"].to_numpy()
    period = history["period"].to_numpy()
    placement = history["placement"].to_numpy()
    new_child = np.r_[True, child[1:] != child[:-1]]
    new_period = new_child | np.r_[True, period[1:] != period[:-1]]
    new_placement = new_period | np.r_[True, placement[1:] != placement[:-1]]
    # Each row's period began at the latest period start up to it; likewise its run of one placement.
    rows = np.arange(len(history))
    period_first = np.maximum.accumulate(np.where(new_period, rows, 0))
    placement_first = np.maximum.accumulate(np.where(new_placement, rows, 0))
    current = np.r_[new_child[1:], True]  # each child's last episode begun by the census date
    decom = history["DECOM"]
    began = decom.iloc[period_first[current]]
    placed = decom.iloc[placement_first[current]]
    now = history[current]
    dob = now["DOB"]
    known = history["period_start_known"].to_numpy(bool)[period_first[current]]
    under_5 = whole_years_of(dob, began) < 5
    # A child under five when first seen entered under five, whether or not the start is known.
    entered_under_5 = under_5.astype(object)
    entered_under_5[~(known | under_5)] = None
    age = whole_years_of(dob, when)
    bands = np.array([label for label, _ in AGE_BANDS], dtype=object)
    return pd.DataFrame(
        {
            "CHILD": now["CHILD"].to_numpy(),
            "age": age,
            "age_months": whole_months_of(dob, when),
            "age_band": bands[band_indices(age)],
            "placement": now["placement"].to_numpy(),
            "legal_status": now["legal_status"].to_numpy(),
            "uasc": now["UASC"].to_numpy(bool),
            "months_in_care": whole_months_of(began, when),
            "months_in_placement": whole_months_of(placed, when),
            "previous_periods": now["period"].to_numpy(np.int64) - 1,
            "entered_under_5": entered_under_5 if (~(known | under_5)).any() else under_5,
            "abuse_neglect": (now["CIN"] == "N1").to_numpy(bool),
            "care_start_known": known,
        },
        columns=columns,
    )


#: Months before the census date in which a return home puts a child in the starting position:
#: the window in which the returns count a re-entry (`estimate.entry_rates`), which the builder
#: also sets as the scenario's ``hazards.looked_after.reentry_months``.
REENTRY_WINDOW_MONTHS = 24


def returned_home(returns: CleanReturns, day: dt.date | str, window_months: int = REENTRY_WINDOW_MONTHS,
                  include_uasc: bool = False) -> pd.DataFrame:  # fmt: skip
    """Every child who left care to go home (``REC`` grouped as ``home``) in the
    ``window_months`` whole months before the end of ``day``, is under 18 on ``day`` and not in
    care on it (its last period of care begun by ``day`` is the one that ended with the return),
    one row each. UASC are left out unless ``include_uasc``.

    Columns: ``CHILD``, ``age_months`` on ``day``, ``months_since_returned_home`` (whole months
    from the end of the period to ``day``), ``previous_periods`` (periods of care up to and
    including that one, as numbered in the returns read), ``abuse_neglect`` (that period's
    category of need was N1).
    """
    from .estimate import periods  # estimate reads this module's age bands

    when = as_date(day, "census date")
    table = periods(returns)
    if not include_uasc:
        table = table[~table["uasc"].astype(bool)]
    begun = table[table["start"] <= when].sort_values(["CHILD", "start"])
    last = begun.groupby("CHILD", sort=False).tail(1)
    ended_home = last[last["end"].notna() & (last["end"] <= when) & (last["exit_group"] == "home")]
    since = whole_months_of(ended_home["end"], when)
    age_months = whole_months_of(ended_home["DOB"], when)
    keep = (since < window_months) & (age_months < 18 * 12)
    chosen = ended_home[keep]
    return pd.DataFrame(
        {
            "CHILD": chosen["CHILD"].to_numpy(),
            "age_months": np.asarray(age_months[keep], dtype=np.int64),
            "months_since_returned_home": np.asarray(since[keep], dtype=np.int64),
            "previous_periods": chosen["period"].to_numpy(np.int64),
            "abuse_neglect": chosen["abuse_neglect"].to_numpy(bool),
        }
    ).reset_index(drop=True)


def starting_position(returns: CleanReturns, day: dt.date | str, include_uasc: bool = False) -> StartingPosition:
    """The children in care on ``day`` as the engine's starting position (see
    `carecast.StartingPosition`): every child `in_care_on` gives, with its age, placement, legal
    status, whether it is UASC, months in care and in placement, earlier periods of care, whether it entered under
    five and its kind of need; locality, need level and brothers and sisters are not in the
    returns, so the engine fills them by its documented rules. UASC are left out unless
    ``include_uasc``.

    At home: every child `returned_home` gives (who went home from care in the
    `REENTRY_WINDOW_MONTHS` before ``day``), each a family of its own with a ``closed`` case
    (closed ``months_open`` = its months since going home; the returns hold no case at home, which
    the builder may open), with its months since going home and its earlier periods of care, so
    that the engine applies the re-entry multiplier and counts a return to care as a re-entry.
    Open cases come from other data (the CIN census): none here.

    >>> scenario = carecast.Scenario.preset("wolverhampton-2015")        # doctest: +SKIP
    >>> scenario.with_starting_position(starting_position(data, "2016-03-31"))  # doctest: +SKIP
    """
    stock = in_care_on(returns, day)
    if not include_uasc:
        stock = stock[~stock["uasc"].astype(bool)]
    care = pd.DataFrame(
        {
            "family": None,
            "age_months": stock["age_months"].astype(int),
            "placement": stock["placement"],
            "legal_status": stock["legal_status"],
            "uasc": stock["uasc"].astype(bool).astype(object),
            "months_in_care": stock["months_in_care"].astype(int),
            "months_in_placement": stock["months_in_placement"].astype(int),
            "previous_episodes": stock["previous_periods"].astype(int),
            "entered_under_5": stock["entered_under_5"].astype(object),
            "locality": None,
            "need": None,
            "need_kind": np.where(stock["abuse_neglect"].astype(bool), "abuse_neglect", "other"),
        }
    ).reset_index(drop=True)
    home = returned_home(returns, day, include_uasc=include_uasc)
    at_home = pd.DataFrame(
        {
            "family": None,
            "case": "closed",
            "age_months": home["age_months"],
            "locality": None,
            "need": None,
            "need_kind": np.where(home["abuse_neglect"], "abuse_neglect", "other"),
            "months_open": home["months_since_returned_home"],
            "months_since_returned_home": home["months_since_returned_home"],
            "previous_episodes": home["previous_periods"],
        }
    )
    return StartingPosition(care, at_home)
