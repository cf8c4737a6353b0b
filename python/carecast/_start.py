"""The starting position as two pandas tables: children in care, and children at home."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._errors import ConfigError

#: Columns of :attr:`StartingPosition.children_in_care`, one row per child.
CARE_COLUMNS = (
    "family", "age_months", "placement", "legal_status", "uasc", "months_in_care", "months_in_placement",
    "previous_episodes", "entered_under_5", "locality", "need", "need_kind",
)
#: Columns of :attr:`StartingPosition.children_at_home`, one row per child.
HOME_COLUMNS = ("family", "case", "age_months", "locality", "need", "need_kind", "months_open",
                "months_since_returned_home", "previous_episodes")
#: Columns of :attr:`StartingPosition.children_at_home` that are the child's own, with their
#: names in an entry of a family's ``returned_home`` list.
_RETURNED = {"months_since_returned_home": "months_since", "previous_episodes": "previous_episodes"}
#: Columns every family at home shares (the family's values, not the child's).
_FAMILY_COLUMNS = ("case", "locality", "need", "need_kind", "months_open")
_WHOLE = ("age_months", "months_in_care", "months_in_placement", "previous_episodes", "months_open",
          "months_since_returned_home")
_REQUIRED = {"children_in_care": ("age_months", "placement", "months_in_care"),
             "children_at_home": ("case", "age_months")}


class StartingPosition:
    """Who is where on the start date, as two tables (``docs/model.md``, "The starting position").

    ``children_in_care``: one row per child looked after, with ``family`` (a key shared by
    brothers and sisters), ``age_months``, ``placement``, ``legal_status``, ``uasc`` (an
    unaccompanied asylum-seeking child), ``months_in_care``, ``months_in_placement``,
    ``previous_episodes``, ``entered_under_5``, ``locality``, ``need`` and ``need_kind``.

    ``children_at_home``: one row per child living at home whose family's case is open (or who
    waits for early help, or whose brothers or sisters are in care, or who went home from care:
    ``case == "closed"``), with ``family``, ``case``, ``age_months``, ``locality``, ``need``,
    ``need_kind``, ``months_open``, and the child's own ``months_since_returned_home`` (since it
    last left care to go home; unknown: never in care, or not known) and ``previous_episodes``
    (its periods in care so far, only with ``months_since_returned_home``; unknown: 1); rows
    with the same ``family`` are one family, which shares its case, locality, need and months
    open. Waiting lists are in row order.

    Missing values (``None``, ``NaN``, ``<NA>``) are unknown; the engine fills them as the
    documentation of each field says. Get one from :meth:`Scenario.starting_position`, edit the
    tables (or build them), and run from it with :meth:`Scenario.with_starting_position`.

    >>> scenario = carecast.Scenario.preset("wolverhampton-2015")
    >>> start = scenario.starting_position(seed=1)
    >>> len(start.children_in_care) == scenario.to_dict()["population"]["initial"]["looked_after"]
    True
    >>> sorted(start.children_at_home["case"].unique())
    ['child_in_need', 'child_protection', 'closed', 'early_help', 'waiting']
    """

    __slots__ = ("children_at_home", "children_in_care")

    def __init__(self, children_in_care: pd.DataFrame | None = None,
                 children_at_home: pd.DataFrame | None = None) -> None:
        self.children_in_care = _frame(children_in_care, CARE_COLUMNS, "children_in_care")
        self.children_at_home = _frame(children_at_home, HOME_COLUMNS, "children_at_home")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StartingPosition:
        """A position from the form a scenario's ``starting_position`` takes
        (``{"children_in_care": [...], "families_at_home": [...]}``)."""
        care = pd.DataFrame([{c: child.get(c) for c in CARE_COLUMNS} for child in d.get("children_in_care", [])],
                            columns=list(CARE_COLUMNS))
        used = {str(f["family"]) for f in [*d.get("children_in_care", []), *d.get("families_at_home", [])]
                if f.get("family") is not None}
        rows = []
        for i, family in enumerate(d.get("families_at_home", [])):
            key = family.get("family")
            if key is None and len(family["children_age_months"]) > 1:
                # A family of several children needs a key to stay one family as rows.
                key = f"home-{i}"
                while key in used:
                    key += "+"
                used.add(key)
            returned = {r["child"]: r for r in family.get("returned_home", [])}
            for j, age in enumerate(family["children_age_months"]):
                own = {column: returned.get(j, {}).get(name) for column, name in _RETURNED.items()}
                rows.append({"family": key, "age_months": age, **{c: family.get(c) for c in _FAMILY_COLUMNS}, **own})
        home = pd.DataFrame(rows, columns=list(HOME_COLUMNS))
        return cls(care, home)

    def to_dict(self) -> dict[str, Any]:
        """The position in the form a scenario's ``starting_position`` takes; unknown values
        are left out."""
        care = [_record(row, CARE_COLUMNS, f"starting_position.children_in_care[{i}]")
                for i, row in enumerate(self.children_in_care.to_dict("records"))]
        families: list[dict[str, Any]] = []
        by_key: dict[str, int] = {}
        for i, row in enumerate(self.children_at_home.to_dict("records")):
            record = _record(row, HOME_COLUMNS, f"starting_position.children_at_home[{i}]")
            age = record.pop("age_months", None)
            own = {name: record.pop(column, None) for column, name in _RETURNED.items()}
            if own["months_since"] is None and own["previous_episodes"] is not None:
                where = f"starting_position.children_at_home[{i}].previous_episodes"
                raise ConfigError(f"{where}: got {own['previous_episodes']!r} with no months_since_returned_home; "
                                  "allowed: earlier periods only for a child that went home from care",
                                  path=where, value=repr(own["previous_episodes"]),
                                  allowed="a value only with months_since_returned_home")  # fmt: skip
            key = record.get("family")
            if key is not None and key in by_key:
                family = families[by_key[key]]
                for column in _FAMILY_COLUMNS:
                    if record.get(column) != family.get(column):
                        raise ConfigError(
                            f"starting_position.children_at_home[{i}].{column}: got {record.get(column)!r}; allowed: "
                            f"{family.get(column)!r}, as the first row of family {key!r}: a family shares it",
                            path=f"starting_position.children_at_home[{i}].{column}", value=repr(record.get(column)),
                            allowed=f"{family.get(column)!r} (the family's)")
            else:
                family = {**record, "children_age_months": []}
                families.append(family)
                if key is not None:
                    by_key[key] = len(families) - 1
            if own["months_since"] is not None:
                child = len(family["children_age_months"])
                entry = {"child": child, **{k: v for k, v in own.items() if v is not None}}
                family.setdefault("returned_home", []).append(entry)
            family["children_age_months"].append(age)
        return {"children_in_care": care, "families_at_home": families}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StartingPosition):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # holds mutable tables

    def __repr__(self) -> str:
        return (f"StartingPosition({len(self.children_in_care)} children in care, "
                f"{len(self.children_at_home)} children at home)")


def _frame(frame: pd.DataFrame | None, columns: tuple[str, ...], name: str) -> pd.DataFrame:
    """``frame`` with every column of ``columns`` (missing ones unknown), in that order first;
    whole-number columns as nullable integers, so unknown values do not turn them into floats."""
    if frame is None:
        frame = pd.DataFrame(columns=list(columns))
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}", path=name,
                          value=type(frame).__name__, allowed="a pandas DataFrame")
    missing = [c for c in _REQUIRED[name] if c not in frame.columns]
    if missing and len(frame):
        raise ConfigError(f"{name}: no column {missing[0]!r}", path=f"{name}.{missing[0]}", value="no column",
                          allowed=f"a table with at least the columns {', '.join(_REQUIRED[name])}")
    frame = frame.reset_index(drop=True).copy()
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
        elif column in _WHOLE:
            try:
                frame[column] = frame[column].astype("Int64")
            except (TypeError, ValueError):
                pass  # left as it is; the row's own value is reported when it is used
    ordered = list(columns) + [c for c in frame.columns if c not in columns]
    return frame[ordered]


#: The values each labelled column may hold, from the core's vocabulary.
_LABELS = {
    "placement": tuple(_core.PLACEMENTS),
    "legal_status": tuple(_core.LEGAL_STATUSES),
    "need": tuple(_core.NEED_LEVELS),
    "need_kind": tuple(_core.NEED_KINDS),
    "case": tuple(_core.CASES_AT_HOME),
}
#: Ages in months a child under 18 can have.
_MAX_AGE_MONTHS = 18 * 12 - 1


def _record(row: Mapping[Any, Any], columns: tuple[str, ...], path: str) -> dict[str, Any]:
    """A table row as plain values, unknown ones left out; other columns are kept, so the
    scenario reader names them. Labels and ages are checked here, so that an error names the
    row of the table the user edited."""
    record: dict[str, Any] = {}
    for column, value in row.items():
        plain = _plain(value, f"{path}.{column}", column in _WHOLE)
        where = f"{path}.{column}"
        if plain is not None and column in _LABELS and plain not in _LABELS[str(column)]:
            allowed = ", ".join(_LABELS[str(column)])
            raise ConfigError(f"{where}: got {plain!r}; allowed: {allowed}", path=where, value=repr(plain),
                              allowed=allowed)  # fmt: skip
        if plain is not None and column == "age_months" and not 0 <= plain <= _MAX_AGE_MONTHS:
            raise ConfigError(f"{where}: got {plain!r}; allowed: 0 to {_MAX_AGE_MONTHS} (a child under 18)",
                              path=where, value=repr(plain), allowed=f"0 to {_MAX_AGE_MONTHS}")  # fmt: skip
        if column == "family" and isinstance(plain, int | float) and not isinstance(plain, bool):
            # Councils' identifiers are often numbers: a family key is text, whatever it looks like.
            plain = str(int(plain)) if float(plain).is_integer() else str(plain)
        if plain is not None:
            record[str(column)] = plain
    return record


def _plain(value: Any, path: str, whole: bool) -> Any:
    """A cell as a plain Python value; ``None`` for unknown."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Real):
        real = float(value)
        if math.isnan(real):
            return None
        if whole:
            if not real.is_integer() or real < 0:
                raise ConfigError(f"{path}: got {value!r}; allowed: a whole number, 0 or more", path=path,
                                  value=repr(value), allowed="a whole number, 0 or more")
            return int(real)
        return value.item() if hasattr(value, "item") else value
    return value
