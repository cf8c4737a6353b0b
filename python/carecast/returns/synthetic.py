"""Synthetic SSDA903 returns with a known truth, clean or as messy as real ones.

The generator simulates children entering and leaving care day by day from known rates (entries
per child by single year of age, with an optional trend; exits by destination, age band and time
in care; placement moves; legal status changes; re-entry after a return home; the 18th birthday),
then writes what a council would have returned each year: header, episodes and UASC tables, one
folder per collection year. A `Mess` adds what real returns carry (exact duplicates, stale copies
corrected in a later return, a blank ``DEC`` on an episode whose successor starts that day,
overlaps and gaps between episodes, shuffled rows, two-digit years and ISO dates), so tests can
check that the reader recovers the same children from clean and messy data.

It is for tests, documentation and the notebooks: every council's real returns are personal data
and never ship with carecast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codes import EXIT_GROUPS, PLACEMENTS

DAYS_PER_YEAR = 365.25
#: Age bands (lower bound in years) used for exit hazards, as in the model.
BAND_STARTS = (0, 1, 5, 10, 16)
#: Time-in-care bands (lower bound in days): under 6 months, 6-24 months, over 24.
TIME_IN_CARE_STARTS = (0, 183, 730)


def band_of(age_years: float) -> int:
    """Index of the age band of a child aged ``age_years``."""
    return int(np.searchsorted(BAND_STARTS, age_years, side="right")) - 1


@dataclass
class Truth:
    """The rates behind a synthetic authority's returns (per child per year unless stated)."""

    #: Children living in the authority by single year of age 0-17 (constant over time).
    population: tuple[float, ...] = (2000.0,) * 18
    #: First entries to care per child, by single year of age.
    entry_rate: tuple[float, ...] = (
        0.0110, 0.0045, 0.0035, 0.0030, 0.0028, 0.0026, 0.0024, 0.0024, 0.0024, 0.0025,
        0.0028, 0.0031, 0.0035, 0.0040, 0.0046, 0.0052, 0.0050, 0.0035,
    )  # fmt: skip
    #: Entries grow by this share a year from ``trend_from`` (0 for no trend).
    entry_trend: float = 0.0
    trend_from: dt.date = dt.date(2015, 4, 1)
    #: Share of entrants whose category of need is abuse or neglect (N1), by age band.
    abuse_neglect_share: tuple[float, ...] = (0.80, 0.72, 0.62, 0.50, 0.35)
    #: Exit hazards by destination group: [age band][time-in-care band].
    exits: dict[str, tuple[tuple[float, float, float], ...]] = field(
        default_factory=lambda: {
            "home": (
                (0.25, 0.12, 0.05), (0.35, 0.15, 0.06), (0.40, 0.15, 0.06), (0.45, 0.18, 0.07), (0.50, 0.22, 0.08),
            ),
            "adoption": ((0.02, 0.35, 0.30), (0.02, 0.25, 0.15), (0.0, 0.02, 0.01), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
            "special_guardianship": (
                (0.01, 0.12, 0.10), (0.01, 0.12, 0.10), (0.01, 0.08, 0.06), (0.01, 0.05, 0.04), (0.0, 0.02, 0.02),
            ),
            "independent_living": ((0.0, 0.0, 0.0),) * 4 + ((0.06, 0.06, 0.05),),
            "other": ((0.02, 0.02, 0.01),) * 5,
        }
    )  # fmt: skip
    #: Placement mix at entry for children under ten and ten or over (``codes.PLACEMENTS`` order).
    mix_under_10: tuple[float, ...] = (0.46, 0.18, 0.20, 0.01, 0.07, 0.08)
    mix_10_plus: tuple[float, ...] = (0.34, 0.27, 0.12, 0.15, 0.04, 0.08)
    #: Placement changes per child per year (each to a different type, drawn from the mix for
    #: the child's age on the day of the move, as the model draws it).
    placement_move: float = 0.30
    #: Share of entrants accommodated under section 20 (V2); the rest come in on an interim
    #: care order (C1), which becomes a full care order (C2) after ``care_order_days``.
    section_20_share: float = 0.40
    care_order_days: int = 180
    #: Re-entry hazard of a child who returned home, for ``reentry_days`` after the return.
    reentry: float = 0.15
    reentry_days: int = 730
    #: Unaccompanied asylum-seeking children arriving per year (aged 15-17).
    uasc_per_year: float = 12.0

    def entry_multiplier(self, day: dt.date) -> float:
        """The trend's multiplier on entry rates on ``day``."""
        years = (day - self.trend_from).days / DAYS_PER_YEAR
        return float((1.0 + self.entry_trend) ** years)


@dataclass
class Mess:
    """What real returns carry; each a share of the rows it can apply to (0 for clean)."""

    exact_duplicates: float = 0.02
    #: An episode recorded with another placement code in one return, corrected in the next.
    stale_copies: float = 0.03
    #: A closed episode whose successor starts that day, returned with no ``DEC`` or ``REC``.
    missing_dec: float = 0.02
    #: An episode returned as ending a few days after its successor starts.
    overlaps: float = 0.01
    #: An episode returned as ending a few days before its successor (care continuing) starts.
    gaps: float = 0.01
    #: Children whose header row is missing from one return (they are in others).
    missing_header: float = 0.01
    shuffle: bool = True
    #: Date format of each return, chosen by year: ``dd/mm/YYYY``, two-digit years, or ISO.
    date_formats: tuple[str, ...] = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d")


@dataclass
class Episode:
    """One episode of care as simulated (dates inclusive of start; ``end`` is the ``DEC``)."""

    child: int
    start: dt.date
    rne: str
    legal: str
    need: str
    placement: int
    end: dt.date | None = None
    rec: str | None = None


@dataclass
class Child:
    """A simulated child: identity and every episode of care, in order."""

    id: int
    sex: int
    dob: dt.date
    uasc: bool = False
    episodes: list[Episode] = field(default_factory=list)


@dataclass
class SyntheticAuthority:
    """A simulated authority: its children in care over the years, and how to write its returns."""

    truth: Truth
    children: list[Child]
    first_year: int
    last_year: int
    seed: int

    def episodes(self) -> pd.DataFrame:
        """Every simulated episode, clean, one row each (``PLACEMENT`` in the model's types)."""
        rows = [
            {
                "CHILD": str(c.id),
                "DOB": c.dob,
                "UASC": c.uasc,
                "DECOM": e.start,
                "RNE": e.rne,
                "LEGAL": e.legal,
                "CIN": e.need,
                "PLACEMENT": PLACEMENTS[e.placement],
                "DEC": e.end,
                "REC": e.rec,
            }
            for c in self.children
            for e in c.episodes
        ]
        return pd.DataFrame(rows)

    def in_care_on(self, day: dt.date) -> pd.DataFrame:
        """The true stock on ``day``: one row per child in care (age in whole years, placement,
        legal status, UASC, whole months since the period of care began), as a return read
        without error must give it."""
        rows = []
        for c in self.children:
            for i, e in enumerate(c.episodes):
                if e.start <= day and (e.end is None or e.end > day):
                    began = next(x.start for x in reversed(c.episodes[: i + 1]) if x.rne == "S")
                    rows.append(
                        {
                            "CHILD": str(c.id),
                            "age": _whole_years(c.dob, day),
                            "placement": PLACEMENTS[e.placement],
                            "legal_status": e.legal,
                            "uasc": c.uasc,
                            "months_in_care": _whole_months(began, day),
                        }
                    )
        columns = ["CHILD", "age", "placement", "legal_status", "uasc", "months_in_care"]
        return pd.DataFrame(rows, columns=columns)

    def write(self, folder: str | Path, mess: Mess | None = None, layout: str = "folders") -> list[Path]:
        """Write the returns with ``mess`` applied, and return the files written.

        ``layout`` is ``"folders"`` (``<folder>/<year>/header.csv``, ``episodes.csv``,
        ``uasc.csv``), ``"year_column"`` (``<folder>/header.csv`` etc. with a ``YEAR`` column
        holding every year) or ``"xml"`` (``<folder>/<year>/ssda903.xml``, the XML return).
        """
        if layout not in {"folders", "year_column", "xml"}:
            raise ValueError(f"layout: {layout!r} is not one of folders, year_column, xml")
        if layout == "xml" and mess is not None:
            # An XML return nests episodes under the child's header: it cannot lose one alone.
            mess = dataclasses.replace(mess, missing_header=0.0)
        rng = np.random.default_rng([self.seed, 7])
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        stacked: dict[str, list[pd.DataFrame]] = {}
        for year in range(self.first_year, self.last_year + 1):
            tables = self.collection_year(year, rng, mess)
            fmt = "%d/%m/%Y" if mess is None else mess.date_formats[year % len(mess.date_formats)]
            if layout == "year_column":
                for name, table in tables.items():
                    stacked.setdefault(name, []).append(_format_dates(table, fmt).assign(YEAR=year))
                continue
            (folder / str(year)).mkdir(parents=True, exist_ok=True)
            if layout == "xml":
                path = folder / str(year) / "ssda903.xml"
                _write_xml(tables, fmt, path)
                written.append(path)
                continue
            for name, table in tables.items():
                path = folder / str(year) / f"{name}.csv"
                _format_dates(table, fmt).to_csv(path, index=False)
                written.append(path)
        for name, parts in stacked.items():
            path = folder / f"{name}.csv"
            pd.concat(parts, ignore_index=True).to_csv(path, index=False)
            written.append(path)
        return written

    def collection_year(
        self, year: int, rng: np.random.Generator | None = None, mess: Mess | None = None
    ) -> dict[str, pd.DataFrame]:
        """The header, episodes and UASC tables of the return for the year ending 31 March ``year``."""
        rng = rng if rng is not None else np.random.default_rng([self.seed, year])
        first, last = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
        header, episodes, uasc = [], [], []
        for c in self.children:
            mine = [e for e in c.episodes if e.start <= last and (e.end is None or e.end >= first)]
            if not mine:
                continue
            # A header row missing from one return, for a child that the next return has.
            later = any(e.end is None or e.end > last for e in mine)
            if not (mess and later and year < self.last_year and rng.random() < mess.missing_header):
                header.append(_header_row(c))
            if c.uasc:
                uasc.append({"CHILD": str(c.id), "SEX": c.sex, "DOB": c.dob, "DUC": _birthday(c.dob, 18)})
            for i, e in enumerate(mine):
                closed = e.end is not None and e.end <= last
                row = _episode_row(e, year, rng, closed)
                successor = mine[i + 1] if i + 1 < len(mine) else None
                if mess and closed and successor is not None and successor.start == e.end:
                    if rng.random() < mess.missing_dec:
                        row["DEC"], row["REC"] = None, None
                    elif rng.random() < mess.overlaps:
                        row["DEC"] = e.end + dt.timedelta(days=int(rng.integers(1, 10)))
                    elif successor.rne != "S" and rng.random() < mess.gaps:
                        row["DEC"] = e.end - dt.timedelta(days=int(rng.integers(1, 10)))
                if mess and not closed and year < self.last_year and rng.random() < mess.stale_copies:
                    # recorded wrongly this year; the next return has it right
                    row["PLACE"], row["PLACE_PROVIDER"] = "T1", "PR1"
                episodes.append(row)
                if mess and rng.random() < mess.exact_duplicates:
                    episodes.append(dict(row))
        tables = {
            "header": pd.DataFrame(header, columns=["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]),
            "episodes": pd.DataFrame(episodes, columns=list(EPISODE_COLUMNS)),
            "uasc": pd.DataFrame(uasc, columns=["CHILD", "SEX", "DOB", "DUC"]),
        }
        if mess and mess.shuffle:
            tables = {k: t.sample(frac=1.0, random_state=rng).reset_index(drop=True) for k, t in tables.items()}
        return tables


EPISODE_COLUMNS = (
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
)  # fmt: skip


def generate(
    truth: Truth | None = None, first_year: int = 2012, last_year: int = 2018, seed: int = 1
) -> SyntheticAuthority:
    """Simulate an authority whose returns cover the collection years ``first_year`` to
    ``last_year`` (each ending on 31 March). The simulation starts 18 years before the first
    return, so the children in care at its start have histories as long as real ones."""
    if not 2000 <= first_year <= last_year <= 2100:
        raise ValueError(f"years: got {first_year} to {last_year}; allowed: 2000 <= first_year <= last_year <= 2100")
    truth = truth or Truth()
    rng = np.random.default_rng(seed)
    begin = dt.date(first_year - 19, 4, 1)
    end = dt.date(last_year, 3, 31)
    children: list[Child] = []
    next_id = 100_000
    month = begin
    while month <= end:
        following = _add_months(month, 1)
        days = (following - month).days
        multiplier = truth.entry_multiplier(month)
        for age, (population, rate) in enumerate(zip(truth.population, truth.entry_rate, strict=True)):
            for _ in range(rng.poisson(population * rate * multiplier * days / DAYS_PER_YEAR)):
                entry = month + dt.timedelta(days=int(rng.integers(0, days)))
                if entry > end:
                    continue
                dob = entry - dt.timedelta(days=int((age + rng.random()) * DAYS_PER_YEAR))
                child = Child(next_id, int(rng.integers(1, 3)), dob)
                next_id += 1
                _simulate_care(child, entry, truth, rng, end)
                children.append(child)
        for _ in range(rng.poisson(truth.uasc_per_year * days / DAYS_PER_YEAR)):
            entry = month + dt.timedelta(days=int(rng.integers(0, days)))
            if entry > end:
                continue
            dob = entry - dt.timedelta(days=int((15 + 2.9 * rng.random()) * DAYS_PER_YEAR))
            child = Child(next_id, 1, dob, uasc=True)
            next_id += 1
            _simulate_care(child, entry, truth, rng, end)
            children.append(child)
        month = following
    return SyntheticAuthority(truth, children, first_year, last_year, seed)


def _simulate_care(child: Child, entry: dt.date, truth: Truth, rng: np.random.Generator, end: dt.date) -> None:
    """Periods of care of ``child`` from ``entry``, with re-entries, until ``end``."""
    start: dt.date | None = entry
    while start is not None and start <= end:
        exit_day, group = _simulate_period(child, start, truth, rng, end)
        start = None
        if group == "home" and exit_day is not None:
            wait = rng.exponential(DAYS_PER_YEAR / truth.reentry) if truth.reentry > 0 else np.inf
            back = exit_day + dt.timedelta(days=int(wait) + 1)
            if wait < truth.reentry_days and back < _birthday(child.dob, 18):
                start = back


def _simulate_period(
    child: Child, start: dt.date, truth: Truth, rng: np.random.Generator, end: dt.date
) -> tuple[dt.date | None, str | None]:
    """One period of care from ``start``; returns the day it ended and the exit group."""
    age_days = (start - child.dob).days
    mix = truth.mix_under_10 if age_days < 10 * DAYS_PER_YEAR else truth.mix_10_plus
    placement = int(rng.choice(len(PLACEMENTS), p=np.asarray(mix) / sum(mix)))
    band = band_of(_whole_years(child.dob, start))
    need = "N1" if rng.random() < truth.abuse_neglect_share[band] else str(rng.choice(["N2", "N4", "N5", "N8"]))
    if child.uasc:
        need, legal = "N7", "section_20"
    else:
        legal = "section_20" if rng.random() < truth.section_20_share else "interim_care_order"
    order_day = start + dt.timedelta(days=truth.care_order_days) if legal == "interim_care_order" else None
    eighteen = _birthday(child.dob, 18)
    episode = Episode(child.id, start, "S", legal, need, placement)
    child.episodes.append(episode)
    day = start
    while True:
        in_care = (day - start).days
        band = band_of(_whole_years(child.dob, day))
        tic = int(np.searchsorted(TIME_IN_CARE_STARTS, in_care, side="right")) - 1
        # The next day any hazard changes: a birthday into a new band, a time-in-care boundary,
        # the care order, the 18th birthday, the end of the data.
        limits = [eighteen, end + dt.timedelta(days=1)]
        if band + 1 < len(BAND_STARTS):
            limits.append(_birthday(child.dob, BAND_STARTS[band + 1]))
        if tic + 1 < len(TIME_IN_CARE_STARTS):
            limits.append(start + dt.timedelta(days=TIME_IN_CARE_STARTS[tic + 1]))
        if order_day is not None and order_day > day:
            limits.append(order_day)
        horizon = min(limits)
        hazards = {g: truth.exits[g][band][tic] for g in EXIT_GROUPS}
        hazards["move"] = truth.placement_move
        total = sum(hazards.values())
        wait = rng.exponential(DAYS_PER_YEAR / total) if total > 0 else np.inf
        event_day = day + dt.timedelta(days=int(wait) + 1) if wait < (horizon - day).days else None
        if event_day is None or event_day >= horizon:
            day = horizon
            if day > end:
                return None, None
            if day == eighteen:
                episode.end, episode.rec = day, str(rng.choice(["E17", "E5", "E6", "E8"]))
                return day, "eighteen"
            if order_day is not None and day == order_day and episode.legal == "interim_care_order":
                episode = _next_episode(child, episode, day, "L", legal="care_order")
            continue
        day = event_day
        names = list(hazards)
        kind = names[int(rng.choice(len(names), p=np.array([hazards[n] for n in names]) / total))]
        if kind == "move":
            others = [p for p in range(len(PLACEMENTS)) if p != episode.placement]
            now = truth.mix_under_10 if (day - child.dob).days < 10 * DAYS_PER_YEAR else truth.mix_10_plus
            weights = np.array([now[p] for p in others])
            episode = _next_episode(
                child, episode, day, "P", placement=int(rng.choice(others, p=weights / weights.sum()))
            )
            continue
        episode.end, episode.rec = day, _REC_OF_GROUP[kind][int(rng.integers(0, len(_REC_OF_GROUP[kind])))]
        return day, kind


_REC_OF_GROUP = {
    "home": ("E4A", "E4B", "E13"),
    "adoption": ("E11", "E12"),
    "special_guardianship": ("E45", "E46", "E47", "E48", "E41"),
    "independent_living": ("E5", "E6"),
    "other": ("E8", "E3", "E9"),
}


def _next_episode(child: Child, episode: Episode, day: dt.date, rne: str, **change: object) -> Episode:
    episode.end, episode.rec = day, "X1"
    following = Episode(child.id, day, rne, episode.legal, episode.need, episode.placement)
    for name, value in change.items():
        setattr(following, name, value)
    child.episodes.append(following)
    return following


_PLACE_CODES = {
    "in_house_foster": (("U4", "PR1"), ("U5", "PR1"), ("U6", "PR1")),
    "ifa": (("U4", "PR4"), ("U5", "PR5"), ("U6", "PR4")),
    "kinship": (("U1", "PR1"), ("U2", "PR1"), ("U3", "PR1")),
    "residential": (("K2", "PR4"), ("K2", "PR1"), ("R1", "PR4"), ("S1", "PR5")),
    "with_parents": (("P1", "PR0"),),
    "other": (("Z1", "PR4"), ("T2", "PR1"), ("A5", "PR1")),
}
_LS_CODES = {
    "section_20": "V2",
    "interim_care_order": "C1",
    "care_order": "C2",
    "placement_order": "E1",
    "other": "L2",
}


def _episode_row(e: Episode, year: int, rng: np.random.Generator, closed: bool) -> dict[str, object]:
    codes = _PLACE_CODES[PLACEMENTS[e.placement]]
    # The code is a property of the episode (same in every return), not of the return.
    place, provider = codes[(e.child * 7 + e.start.toordinal()) % len(codes)]
    return {
        "CHILD": str(e.child),
        "DECOM": e.start,
        "RNE": e.rne,
        "LS": _LS_CODES[e.legal],
        "CIN": e.need,
        "PLACE": place,
        "PLACE_PROVIDER": provider,
        "DEC": e.end if closed else None,
        "REC": e.rec if closed else None,
        "REASON_PLACE_CHANGE": "CARPL" if closed and e.rec == "X1" else None,
        "HOME_POST": None,
        "PL_POST": None,
        "URN": None,
    }


def _write_xml(tables: dict[str, pd.DataFrame], fmt: str, path: Path) -> None:
    """The XML return: one CHILD element per child, its HEADER and EPISODE elements."""
    import xml.etree.ElementTree as ET

    header = _format_dates(tables["header"], fmt)
    episodes = _format_dates(tables["episodes"], fmt)
    uasc = _format_dates(tables["uasc"], fmt).set_index("CHILD")
    root = ET.Element("EXPSSDA903")
    by_child = {str(child): part for child, part in episodes.groupby("CHILD", sort=False)}
    rows: Iterator[Any] = header.itertuples(index=False)
    for row in rows:
        child = ET.SubElement(root, "CHILD")
        head = ET.SubElement(child, "HEADER")
        for tag, value in (("CHILDID", row.CHILD), ("SEX", row.SEX), ("DOB", row.DOB), ("ETHNIC", row.ETHNIC)):
            ET.SubElement(head, tag).text = None if value is None else str(value)
        if row.CHILD in uasc.index:
            ET.SubElement(head, "UASC").text = "1"
            ET.SubElement(head, "DUC").text = str(uasc.loc[row.CHILD, "DUC"])
        else:
            ET.SubElement(head, "UASC")
        own: Iterator[Any] = by_child.get(str(row.CHILD), pd.DataFrame()).itertuples(index=False)
        for episode in own:
            node = ET.SubElement(child, "EPISODE")
            for column in EPISODE_COLUMNS[1:]:
                value = getattr(episode, column)
                ET.SubElement(node, "PL" if column == "PLACE" else column).text = (
                    None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
                )
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _header_row(c: Child) -> dict[str, object]:
    return {
        "CHILD": str(c.id),
        "SEX": c.sex,
        "DOB": c.dob,
        "ETHNIC": "WBRI",
        "UPN": None,
        "MOTHER": None,
        "MC_DOB": None,
    }


def _format_dates(table: pd.DataFrame, fmt: str) -> pd.DataFrame:
    out = table.copy()
    for column in out.columns:
        if column in {"DOB", "DECOM", "DEC", "DUC", "MC_DOB"}:
            out[column] = [d.strftime(fmt) if isinstance(d, dt.date) else None for d in out[column]]
    return out


def _birthday(dob: dt.date, years: int) -> dt.date:
    """The day a child born on ``dob`` turns ``years`` (29 February birthdays fall on 1 March)."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return dt.date(dob.year + years, 3, 1)


def _whole_years(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _whole_months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def iter_years(first: int, last: int) -> Iterator[int]:
    """Collection years from ``first`` to ``last``."""
    return iter(range(first, last + 1))
