"""What the readers and cleaners of every return share: a problem met reading (`Problem`), a
record fixed or dropped by a cleaning rule (`Fix`), and the parts of a load report built from
them (`LoadReport`), so that the SSDA903 returns and the CIN census report alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

#: The columns of a problems table; a CIN census problem adds ``child``.
PROBLEM_COLUMNS = ("severity", "file", "row", "column", "value", "message")
#: Problems listed in a load report (the rest are counted: see ``problems_frame()``).
LISTED = 50


@dataclass(frozen=True)
class Problem:
    """Something wrong in a return: where (``file``, spreadsheet ``row``, ``column``), the
    ``value`` found, and what carecast did about it."""

    severity: str  # "error": the row could not be used; "warning": used, as the message says
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        where += f", column {self.column}" if self.column else ""
        value = f" ({self.value!r})" if self.value is not None else ""
        return f"{self.severity}: {where}{value}: {self.message}"


@dataclass
class Fix:
    """One row fixed or dropped by a rule."""

    rule: str
    file: str
    row: int
    child: str
    action: str  # "dropped", or what changed ("DEC 2016-05-01 -> 2016-04-12")


def problems_frame(problems: Sequence[Problem], with_child: bool = False) -> pd.DataFrame:
    """``problems`` as a table (see `PROBLEM_COLUMNS`; with ``with_child``, also ``child``)."""
    if not with_child:
        return pd.DataFrame([p.__dict__ for p in problems], columns=list(PROBLEM_COLUMNS))
    return pd.DataFrame([{**p.__dict__, "child": getattr(p, "child", None)} for p in problems],
                        columns=[*PROBLEM_COLUMNS, "child"])  # fmt: skip


class LoadReport:
    """The rule counts, fixes, problems and attention lines of cleaned returns, mixed into
    `carecast.returns.CleanReturns` and `carecast.returns.cin.CleanCin`: each says its rules,
    what it calls a record, and how its returns are named."""

    fixes: list[Fix]
    problems: list[Problem]
    #: The cleaning rules, name -> what the rule does, in the order they apply.
    RULES_APPLIED: ClassVar[dict[str, str]] = {}
    #: What a record is called ("rows", "records").
    UNIT: ClassVar[str] = "rows"
    #: The returns, as a sentence names them ("the returns", "the CIN census").
    NAMED: ClassVar[str] = "the returns"
    #: Whether problems name the child (`problems_frame` has a ``child`` column).
    WITH_CHILD: ClassVar[bool] = False

    def rule_counts(self) -> pd.Series:
        """How many records each cleaning rule fixed or dropped (every rule, zeros included)."""
        counts = pd.Series(0, index=list(self.RULES_APPLIED), name=self.UNIT, dtype=int)
        for fix in self.fixes:
            counts[fix.rule] += 1
        return counts

    def fixes_frame(self) -> pd.DataFrame:
        """Every record fixed or dropped: rule, file, row, child, action, and the rule's reason."""
        frame = pd.DataFrame([f.__dict__ for f in self.fixes], columns=["rule", "file", "row", "child", "action"])
        frame["reason"] = frame["rule"].map(self.RULES_APPLIED)
        return frame

    def problems_frame(self) -> pd.DataFrame:
        """Every problem met reading and cleaning (severity, file, row, column, value, message,
        and for the CIN census child)."""
        return problems_frame(self.problems, self.WITH_CHILD)

    def attention(self) -> list[str]:
        """One line for each kind of problem a user should know of before using the returns:
        records left out for errors and warnings (each listed in `report`)."""
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = sum(p.severity == "warning" for p in self.problems)
        if not errors and not warnings:
            return []
        # A collection year read from two files: named here, not only in the load report.
        twice = [f"{p.file}: {p.message}" for p in self.problems if p.column == "YEAR" and "read twice" in p.message]
        return [*twice, f"{self.NAMED} had {errors:,} error{'' if errors == 1 else 's'} ({self.UNIT} left out) "
                f"and {warnings:,} warning{'' if warnings == 1 else 's'}, each listed with its file, row, column and "
                "value in the load report"]  # fmt: skip

    def _rule_lines(self, width: int) -> list[str]:
        """Each rule's count, a line each, the names padded to ``width``."""
        return [f"  {rule!s:<{width}} {count:>7,}  {self.RULES_APPLIED[str(rule)]}"
                for rule, count in self.rule_counts().items()]  # fmt: skip

    def _problem_lines(self) -> list[str]:
        """The problems part of the load report: the counts, then the first `LISTED`."""
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [p for p in self.problems if p.severity == "warning"]
        lines = ["", f"Problems: {len(errors)} error{'' if len(errors) == 1 else 's'} ({self.UNIT} left out), "
                 f"{len(warnings)} warning{'' if len(warnings) == 1 else 's'}."]  # fmt: skip
        lines += [f"  {p}" for p in (errors + warnings)[:LISTED]]
        if len(self.problems) > LISTED:
            lines.append(f"  ... and {len(self.problems) - LISTED} more (see problems_frame())")
        return lines
