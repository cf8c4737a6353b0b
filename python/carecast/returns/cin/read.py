"""Reading CIN census XML returns, with every problem located by file, child, element and value.

One return a year (``Message > Header, Children > Child``; each ``Child`` holds
``ChildIdentifiers``, ``ChildCharacteristics`` and any number of ``CINdetails``, each of which
holds its ``Assessments``, ``CINPlanDates``, ``Section47`` and ``ChildProtectionPlans``).
Namespaces are ignored, so a file exported with one reads the same. Nothing here changes a
record: `carecast.returns.cin.clean` applies the cleaning rules and reports each fix.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..._errors import ReturnsError
from .._report import Problem, problems_frame
from ..read import DATE_FORMATS_ALLOWED, parse_dates

#: Fields of each table, as the CIN census names them (the reader adds ``LAchildID``, the
#: episode's ``CINreferralDate`` for the tables under ``CINdetails``, and ``YEAR``, ``FILE``,
#: ``ROW`` (the child's position in the file, from 1) and ``PATH`` (the element)).
FIELDS: dict[str, tuple[str, ...]] = {
    "children": ("UPN", "PersonBirthDate", "ExpectedPersonBirthDate", "Sex", "PersonDeathDate", "Ethnicity",
                 "Disabilities"),
    "episodes": ("CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate", "ReasonForClosure",
                 "DateOfInitialCPC", "ReferralNFA"),
    "assessments": ("AssessmentActualStartDate", "AssessmentInternalReviewDate", "AssessmentAuthorisationDate",
                    "AssessmentFactors"),
    "cin_plans": ("CINPlanStartDate", "CINPlanEndDate"),
    "section47": ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"),
    "cp_plans": ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
                 "NumberOfPreviousCPP"),
}  # fmt: skip
#: The element of each table under ``CINdetails``.
ELEMENTS = {
    "assessments": "Assessments",
    "cin_plans": "CINPlanDates",
    "section47": "Section47",
    "cp_plans": "ChildProtectionPlans",
}
#: Date fields; the first of each table's is required (a record without it cannot be placed in
#: time: it is left out, as an error).
DATES: dict[str, tuple[str, ...]] = {
    "children": ("PersonBirthDate", "ExpectedPersonBirthDate", "PersonDeathDate"),
    "episodes": ("CINreferralDate", "CINclosureDate", "DateOfInitialCPC"),
    "assessments": ("AssessmentActualStartDate", "AssessmentInternalReviewDate", "AssessmentAuthorisationDate"),
    "cin_plans": ("CINPlanStartDate", "CINPlanEndDate"),
    "section47": ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC"),
    "cp_plans": ("CPPstartDate", "CPPendDate"),
}
REQUIRED_DATE = {
    "episodes": "CINreferralDate",
    "assessments": "AssessmentActualStartDate",
    "cin_plans": "CINPlanStartDate",
    "section47": "S47ActualStartDate",
    "cp_plans": "CPPstartDate",
}
#: Yes/no fields: ``1``/``true`` or ``0``/``false`` (any case).
FLAGS = {"episodes": ("ReferralNFA",), "section47": ("ICPCnotRequired",)}

#: The code lists of the CIN census (DfE guidance; as the Data to Insight validator checks them).
#: How a file whose collection year another file has already given is said (a warning).
SAME_YEAR = "collection year read twice: also read from"
#: A code outside them is kept and warned about once per file.
PRIMARY_NEED = {f"N{i}" for i in range(10)}  # N0 not stated ... N9 cases other than children in need
CLOSURE_REASONS = {f"RC{i}" for i in range(1, 10)}
REFERRAL_SOURCES = {"1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "5A", "5B",
                    "5C", "5D", "6", "7", "8", "9", "10"}  # fmt: skip
ABUSE_CATEGORIES = {"NEG", "PHY", "SEX", "EMO", "MUL"}
SEX_CODES = {"0", "1", "2", "9", "M", "F", "U"}
CODES: dict[str, tuple[str, set[str]]] = {
    "PrimaryNeedCode": ("episodes", PRIMARY_NEED),
    "ReasonForClosure": ("episodes", CLOSURE_REASONS),
    "ReferralSource": ("episodes", REFERRAL_SOURCES),
    "InitialCategoryOfAbuse": ("cp_plans", ABUSE_CATEGORIES),
    "LatestCategoryOfAbuse": ("cp_plans", ABUSE_CATEGORIES),
    "Sex": ("children", SEX_CODES),
}

_COLUMNS = {
    "children": ("LAchildID", *FIELDS["children"], "YEAR", "FILE", "ROW", "PATH"),
    **{
        name: ("LAchildID", *(("CINreferralDate",) if name != "episodes" else ()), *fields, "YEAR", "FILE", "ROW",
               "PATH")
        for name, fields in FIELDS.items() if name != "children"
    },
}  # fmt: skip
TABLES = tuple(FIELDS)


@dataclass(frozen=True)
class CinProblem(Problem):
    """A `carecast.returns.read.Problem` in a CIN census: ``row`` is the child's position in
    the file (from 1), ``column`` the element path (``CINdetails[2]/Section47[1]/S47ActualStartDate``)
    and ``child`` its ``LAchildID``."""

    child: str | None = None

    def __str__(self) -> str:
        where = self.file + (f", child {self.child!r}" if self.child else "")
        where += f" (Child {self.row})" if self.row is not None else ""
        where += f", {self.column}" if self.column else ""
        value = f" ({self.value!r})" if self.value is not None else ""
        return f"{self.severity}: {where}{value}: {self.message}"


@dataclass
class CinReturns:
    """The tables read from one or many CIN census returns (see `FIELDS`), each row with its
    ``YEAR`` (the collection year: the 31 March it ends on), ``FILE``, ``ROW`` and ``PATH``."""

    children: pd.DataFrame
    episodes: pd.DataFrame
    assessments: pd.DataFrame
    cin_plans: pd.DataFrame
    section47: pd.DataFrame
    cp_plans: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        """The collection years read, in order."""
        return sorted(int(y) for y in set(self.children["YEAR"]))

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (one of `TABLES`)."""
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def problems_frame(self) -> pd.DataFrame:
        """Every problem as a table (severity, file, row, column, value, message, child)."""
        return problems_frame(self.problems, with_child=True)


def read_cin(paths: str | Path | Iterable[str | Path], year: int | None = None) -> CinReturns:
    """Read CIN census returns from ``paths``: XML files, or folders searched recursively for
    ``.xml`` files.

    The collection year of each file comes from ``year`` if given, else from its header's
    ``ReferenceDate`` (the census date, 31 March), else its ``Year``, else the nearest folder or
    file name holding a year (as for SSDA903 returns).

    Raises `carecast.ReturnsError` naming the file for what makes a file unusable (not
    well-formed XML, with the line and column; not a CIN census; no year). A record that cannot
    be used (a child without ``LAchildID``; a referral, assessment, plan or enquiry without a
    start date, or with one that is not a date) is left out and listed as an error in
    ``problems``, located by file, child, element path and value; a code the census does not
    list, an unreadable yes/no or an unreadable optional date is a warning (the code kept, the
    others taken as blank). Dates are ISO (``YYYY-MM-DD``) or ``dd/mm/YYYY``.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() == ".xml" and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise ReturnsError(f"{path}: no such file or folder", file=str(path))
    if not files:
        raise ReturnsError(f"no .xml files found in {', '.join(str(p) for p in items)}")
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in TABLES}
    problems: list[Problem] = []
    unique: dict[Path, Path] = {}
    for path in files:
        first = unique.setdefault(path.resolve(), path)
        if first is not path:
            problems.append(CinProblem("warning", str(path), None, "YEAR", None, f"{SAME_YEAR} {first}: the same file "
                                       "given twice; read once"))  # fmt: skip
    files = list(unique.values())
    read_from: dict[int, Path] = {}
    for path in files:
        got = _read_file(path, year, rows, problems)
        if got in read_from:
            first = read_from[got]
            problems.append(CinProblem("warning", str(path), None, "YEAR", str(got), f"{SAME_YEAR} {first}: both "
                                       "are read and their records merged (a record in both kept once; where the "
                                       "copies differ, the closed one, else the first file's, each dropped copy in "
                                       "the load report); if one is a resubmission replacing the other, give only "
                                       "that one"))  # fmt: skip
        read_from.setdefault(got, path)
    tables = {name: _parse(pd.DataFrame(rows[name], columns=list(_COLUMNS[name])), name, problems) for name in TABLES}
    _check_codes(tables, problems)
    return CinReturns(**tables, problems=problems, files=[str(f) for f in files])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(node: ET.Element | None) -> str | None:
    if node is None:
        return None
    return (node.text or "").strip() or None


def _leaf(node: ET.Element, name: str) -> str | None:
    return _text(node.find(name))


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return node.findall(name)


_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _read_file(path: Path, given: int | None, rows: dict[str, list[dict[str, object]]],
               problems: list[Problem]) -> int:  # fmt: skip
    """Read one return into ``rows``; its collection year."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line, column = e.position  # expat counts columns from 0
        what = re.sub(r": line \d+, column \d+$", "", str(e))
        raise ReturnsError(f"{path}: not well-formed XML at line {line}, column {column + 1}: {what}",
                           file=str(path), row=line) from None  # fmt: skip
    except OSError as e:
        raise ReturnsError(f"{path}: cannot read the file: {e}", file=str(path)) from None
    for node in root.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = _local(node.tag)  # namespaces play no part in the census's meaning
    found = [root] if root.tag == "Children" else list(root.iter("Children"))
    children = [child for holder in found for child in _children(holder, "Child")]
    if not children and not found:
        ssda903 = root.tag.upper() == "EXPSSDA903" or root.find(".//CHILD") is not None
        hint = (" (it looks like an SSDA903 return: give it as SSDA903_PATH, not to --cin; in Python, read it with "
                "carecast.returns.load)" if ssda903 else "")  # fmt: skip
        raise ReturnsError(f"{path}: not a CIN census return (its root <{root.tag}> holds no "
                           f"<Children><Child> elements){hint}", file=str(path))  # fmt: skip
    year = given if given is not None else _year_of(path, root, problems)
    for number, child in enumerate(children, start=1):
        ids = next(iter(_children(child, "ChildIdentifiers")), None)
        who = _leaf(ids, "LAchildID") if ids is not None else None
        where = {"YEAR": year, "FILE": str(path), "ROW": number}
        if who is None:
            problems.append(CinProblem("error", str(path), number, "ChildIdentifiers/LAchildID", None,
                                       "no child identifier (LAchildID); the child is left out"))  # fmt: skip
            continue
        chars = next(iter(_children(child, "ChildCharacteristics")), None)
        record: dict[str, object] = {"LAchildID": who, **where, "PATH": f"Child[{number}]"}
        for name in FIELDS["children"]:
            record[name] = _leaf(ids, name) if ids is not None else None
        if record["Sex"] is None and ids is not None:
            record["Sex"] = _leaf(ids, "GenderCurrent")  # the name before the 2024 census
        if chars is not None:
            record["Ethnicity"] = _leaf(chars, "Ethnicity")
            disabilities = [_text(d) for holder in _children(chars, "Disabilities") for d in holder]
            record["Disabilities"] = ",".join(d for d in disabilities if d) or None
        rows["children"].append(record)
        for index, details in enumerate(_children(child, "CINdetails"), start=1):
            base = f"CINdetails[{index}]"
            episode: dict[str, object] = {"LAchildID": who, **where, "PATH": base}
            for name in FIELDS["episodes"]:
                episode[name] = _leaf(details, name)
            rows["episodes"].append(episode)
            for table, element in ELEMENTS.items():
                for sub, node in enumerate(_children(details, element), start=1):
                    record = {"LAchildID": who, "CINreferralDate": episode["CINreferralDate"], **where,
                              "PATH": f"{base}/{element}[{sub}]"}  # fmt: skip
                    for name in FIELDS[table]:
                        record[name] = _leaf(node, name)
                    if table == "assessments":
                        held = _children(node, "FactorsIdentifiedAtAssessment")
                        factors = [_text(f) for holder in held for f in holder]
                        record["AssessmentFactors"] = ",".join(f for f in factors if f) or None
                    rows[table].append(record)
    return year


def _year_of(path: Path, root: ET.Element, problems: list[Problem]) -> int:
    """The collection year of a return: its header's ReferenceDate, else Year, else its path."""
    details = next(root.iter("CollectionDetails"), None)
    reference = _leaf(details, "ReferenceDate") if details is not None else None
    stated = _leaf(details, "Year") if details is not None else None
    if reference is not None:
        parsed, bad = parse_dates(pd.Series([reference]))
        if not bad and pd.notna(parsed.iloc[0]):
            day = pd.Timestamp(parsed.iloc[0])
            year = day.year + (day.month >= 4)
            if (day.month, day.day) != (3, 31):
                problems.append(CinProblem("warning", str(path), None, "Header/CollectionDetails/ReferenceDate",
                                           reference, f"not a 31 March; read as the collection year ending "
                                           f"31 March {year}"))  # fmt: skip
            if stated is not None and stated.strip() != str(year):
                problems.append(CinProblem("warning", str(path), None, "Header/CollectionDetails/Year", stated,
                                           f"differs from the ReferenceDate {reference}; the ReferenceDate's "
                                           f"year ({year}) used"))  # fmt: skip
            return int(year)
        problems.append(CinProblem("warning", str(path), None, "Header/CollectionDetails/ReferenceDate", reference,
                                   f"not a date (allowed: {DATE_FORMATS_ALLOWED}); the Year or the file's name used"))
    if stated is not None and stated.strip().isdigit() and 2000 <= int(stated) <= 2100:
        return int(stated)
    for part in [path.stem, *(p.name for p in path.parents)]:
        single = _YEAR.findall(part)
        if len(single) == 1:
            return int(single[0])
    raise ReturnsError(f"{path}: cannot tell which collection year this CIN census is for: its header has no "
                       "ReferenceDate or Year; put it in a folder named by the year (e.g. 2016 for April 2015 to "
                       "March 2016), or give the year", file=str(path))  # fmt: skip


def _dates(values: pd.Series) -> tuple[pd.Series, list[object]]:
    """`carecast.returns.read.parse_dates`, with a fast path for the ISO dates of the census."""
    text = values.astype("string").str.strip()
    parsed = pd.Series(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"), index=values.index)
    rest = text.notna() & (text != "") & parsed.isna()
    if not rest.any():
        return parsed.astype("datetime64[ns]"), []
    others, bad = parse_dates(values[rest])
    parsed[rest] = others
    return parsed.astype("datetime64[ns]"), bad


def _problem(table: pd.DataFrame, i: object, column: str, severity: str, message: str,
             value: object = None) -> CinProblem:  # fmt: skip
    row = table.loc[i]  # type: ignore[call-overload]
    return CinProblem(severity, str(row["FILE"]), int(row["ROW"]), f"{row['PATH']}/{column}",
                      None if value is None else str(value), message, child=str(row["LAchildID"]))  # fmt: skip


def _parse(table: pd.DataFrame, name: str, problems: list[Problem]) -> pd.DataFrame:
    """Dates parsed, yes/no read, codes upper-cased, unusable records left out (and listed)."""
    table = table.copy()
    required = REQUIRED_DATE.get(name)
    for column in DATES[name]:
        parsed, bad = _dates(table[column])
        for i in bad:
            what = ("record left out" + (", with everything under it" if name == "episodes" else "")
                    if column == required else "taken as blank")
            problems.append(_problem(table, i, column, "error" if column == required else "warning",
                                     f"not a date (allowed: {DATE_FORMATS_ALLOWED}); {what}",
                                     table[column].get(i)))  # fmt: skip
        if column == required:
            for i in table.index[parsed.isna() & ~table.index.isin(bad)]:
                tail = ", with everything under it" if name == "episodes" else ""
                problems.append(_problem(table, i, column, "error", f"blank; record left out{tail}"))
        table[column] = parsed
    if required is not None:
        table = table[table[required].notna()]
        after = table[required] > pd.to_datetime(table["YEAR"].astype(str) + "-03-31")
        for i in table.index[after]:
            year = int(table.loc[i, "YEAR"])
            problems.append(_problem(table, i, required, "warning", f"after 31 March of the return's year ({year}); "
                                     "kept", table.loc[i, required].date()))  # fmt: skip
        if name != "episodes":
            # The records under an episode whose referral date is unusable are left out with it.
            referral = _dates(table["CINreferralDate"])[0]
            table = table.assign(CINreferralDate=referral)[referral.notna()]
    for column in FLAGS.get(name, ()):
        text = table[column].astype("string").str.strip().str.lower()
        value = text.map({"1": True, "true": True, "0": False, "false": False})
        for i in table.index[text.notna() & value.isna()]:
            problems.append(_problem(table, i, column, "warning", "not a yes/no (allowed: 1, 0, true, false); "
                                     "taken as blank", table.loc[i, column]))  # fmt: skip
        table[column] = value.astype("boolean")
    for column, (owner, _) in CODES.items():
        if owner == name:
            table[column] = table[column].astype("string").str.upper()
    if name == "cp_plans":
        table["NumberOfPreviousCPP"] = pd.to_numeric(table["NumberOfPreviousCPP"], errors="coerce")
    return table.reset_index(drop=True)


def _check_codes(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Warn, once per code and file, about codes the census does not list (they are kept)."""
    for column, (name, allowed) in CODES.items():
        table = tables[name]
        for (_, code), rows in table.groupby(["FILE", column], dropna=True):
            if code not in allowed:
                n = len(rows)
                many = "1 record" if n == 1 else f"{n:,} records"
                problems.append(_problem(table, rows.index[0], column, "warning",
                                         f"code not in the CIN census's list ({many}); kept", code))  # fmt: skip
