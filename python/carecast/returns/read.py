"""Reading SSDA903 returns: CSV tables (a folder per collection year, or files with a ``YEAR``
column) and the XML return, with every problem located by file, row, column and value.

Tables are recognised by their columns, not their file names. Dates may be ``dd/mm/YYYY``,
two-digit years (``24/04/17``) or ISO (``2017-04-24``), even mixed in one file. Nothing here
changes an episode: `clean` applies the sector's cleaning rules and reports each fix.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import ReturnsError
from . import codes
from ._report import Problem, problems_frame

#: Columns each table must have (more are allowed and ignored).
REQUIRED = {
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"),
    "header": ("CHILD", "SEX", "DOB"),
    "uasc": ("CHILD", "DOB", "DUC"),
}
#: Date columns of each table.
DATES = {"episodes": ("DECOM", "DEC"), "header": ("DOB",), "uasc": ("DOB", "DUC")}
#: Tables of the return that carecast does not use, recognised by a column only they have.
UNUSED = {
    "REVIEW": "reviews",
    "MISSING": "missing",
    "SDQ_SCORE": "oc2",
    "IN_TOUCH": "oc3",
    "DATE_INT": "ad1",
    "DATE_PLACED": "placed for adoption",
    "PREV_PERM": "previous permanence",
    "SW_ID": "social worker episodes",
    "DOLO_START": "deprivation of liberty orders",
}
# Each date pattern with its format; tried in this order, value by value.
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # a time of day, as spreadsheets add, is ignored
_DATE_PATTERNS = (
    (re.compile(rf"^(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}){_TIME}$"), "dmy"),
    (re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$"), "ymd"),
    (re.compile(rf"^(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{2}}){_TIME}$"), "dmy2"),
)
DATE_FORMATS_ALLOWED = "dd/mm/YYYY, dd/mm/YY or YYYY-MM-DD (dots or dashes for slashes, a time of day ignored)"


@dataclass
class Returns:
    """The tables read from one or many returns, each row keeping its ``YEAR`` (the collection
    year: the 31 March it ends on), ``FILE`` and spreadsheet ``ROW``."""

    episodes: pd.DataFrame
    header: pd.DataFrame
    uasc: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        """The collection years read, in order."""
        years = set(pd.unique(self.episodes["YEAR"]).tolist()) | set(pd.unique(self.header["YEAR"]).tolist())
        return sorted(int(y) for y in years)

    def problems_frame(self) -> pd.DataFrame:
        """Every problem as a table (severity, file, row, column, value, message)."""
        return problems_frame(self.problems)


def read_returns(paths: str | Path | Iterable[str | Path], year: int | None = None) -> Returns:
    """Read SSDA903 returns from ``paths``: files, or folders searched recursively for ``.csv``
    and ``.xml`` files.

    The collection year of each file comes from ``year`` if given, else from a ``YEAR`` column,
    else from the nearest folder or file name holding a year (``2016``, ``2015-16`` and ``201516``
    all mean the year ending March 2016).

    Raises `carecast.ReturnsError` naming the file for what makes a file unusable (a table that
    cannot be recognised, a missing column, no year); rows that cannot be used (an unparseable
    date) are left out and listed in ``problems`` with file, row, column and value, as are codes
    carecast does not know (which are kept).
    """
    files = _files(paths)
    workbooks = _workbooks(paths)
    if not files:
        hint = f" ({len(workbooks)} Excel workbooks there are not read: save each table as CSV)" if workbooks else ""
        raise ReturnsError(f"no .csv or .xml files found in {_names(paths)}{hint}")
    tables: dict[str, list[pd.DataFrame]] = {"episodes": [], "header": [], "uasc": []}
    problems: list[Problem] = []
    for path in files:
        if path.suffix.lower() == ".xml":
            found = _read_xml(path, _year_of(path, year, None))
        else:
            found = _read_csv(path, year, problems)
        for name, table in found.items():
            tables[name].append(_parse(table, name, problems))
    empty = {name: pd.DataFrame(columns=[*REQUIRED[name], "YEAR", "FILE", "ROW"]) for name in tables}
    frames = {name: pd.concat(parts, ignore_index=True) if parts else empty[name] for name, parts in tables.items()}
    for workbook in workbooks:
        problems.append(Problem("warning", str(workbook), None, None, None,
                                "an Excel workbook is not read: save each table as CSV"))  # fmt: skip
    if not tables["episodes"]:
        raise ReturnsError(
            f"no episodes table found in {_names(paths)} (its columns: {', '.join(REQUIRED['episodes'])})"
        )
    if frames["episodes"].empty:
        first = "; ".join(str(p) for p in problems[:3])
        raise ReturnsError(f"no usable episode in {_names(paths)}: every row had a problem, e.g. {first}")
    for missing_year in sorted(set(frames["episodes"]["YEAR"]) - set(frames["header"]["YEAR"])):
        sample = frames["episodes"][frames["episodes"]["YEAR"] == missing_year].iloc[0]
        problems.append(Problem("error", str(sample["FILE"]), None, None, None,
                                f"no header table for {missing_year}: dates of birth come from other years' "
                                "headers where they have the child"))  # fmt: skip
    _check_codes(frames["episodes"], problems)
    return Returns(frames["episodes"], frames["header"], frames["uasc"], problems, [str(f) for f in files])


def _names(paths: str | Path | Iterable[str | Path]) -> str:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    return ", ".join(str(p) for p in items)


def _files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in {".csv", ".xml"} and p.is_file()))
        elif path.is_file():
            if path.suffix.lower() in {".xlsx", ".xls"}:
                raise ReturnsError(f"{path}: an Excel workbook is not read: save each table as CSV", file=str(path))
            files.append(path)
        else:
            raise ReturnsError(f"{path}: no such file or folder", file=str(path))
    return files


def _workbooks(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in {".xlsx", ".xls"}))
        elif path.suffix.lower() in {".xlsx", ".xls"}:
            found.append(path)
    return found


_YEAR_SPAN = re.compile(r"(?<!\d)(20\d\d)[-_ /]?(?:20)?(\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _year_of(path: Path, given: int | None, column: pd.Series | None) -> int | None:
    """The collection year of a file: given, from its YEAR column (then None here), or its path."""
    if given is not None:
        return given
    if column is not None:
        return None
    for part in [path.stem, *(p.name for p in path.parents)]:
        span = _YEAR_SPAN.search(part)
        if span and int(span.group(2)) == (int(span.group(1)) + 1) % 100:
            return int(span.group(1)) + 1
        single = _YEAR.findall(part)
        if len(single) == 1:
            return int(single[0])
    raise ReturnsError(
        f"{path}: cannot tell which collection year this file is for: put it in a folder named by the year "
        "(e.g. 2016 for April 2015 to March 2016), add a YEAR column, or give the year (--year 2016 on the "
        "command line, year=2016 in Python)",
        file=str(path),
    )


def _read_csv(path: Path, year: int | None, problems: list[Problem]) -> dict[str, pd.DataFrame]:
    def read(encoding: str) -> pd.DataFrame:
        # Blank lines are kept (and dropped below), so that row numbers stay a spreadsheet's.
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, skip_blank_lines=False)

    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except OSError as e:
        raise ReturnsError(f"{path}: cannot read it: {e.strerror or e}", file=str(path)) from None
    # A workbook saved under a .csv name: xlsx is a zip file, xls an OLE2 compound document.
    if magic.startswith(b"PK\x03\x04") or magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReturnsError(f"{path}: not a CSV file but an Excel workbook with a .csv name; open it in Excel and save "
                           "each table as CSV (UTF-8)", file=str(path))  # fmt: skip
    try:
        try:
            table = read("utf-8-sig")
        except UnicodeDecodeError:
            table = read("cp1252")
            problems.append(Problem("warning", str(path), None, None, None, "not UTF-8; read as Windows-1252"))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ReturnsError(f"{path}: not a readable CSV file: {e}", file=str(path)) from None
    if any("\x00" in str(c) for c in table.columns):
        raise ReturnsError(f"{path}: not a readable CSV file: it looks like UTF-16; save it as UTF-8 CSV",
                           file=str(path))  # fmt: skip
    table.columns = [str(c).strip().upper() for c in table.columns]
    name = _table_name(path, list(table.columns))
    if name is None:
        return {}
    for column in table.columns:  # spaces at the ends stripped; blank is missing
        text = table[column].str.strip()
        table[column] = text.where(text != "")
    table["FILE"] = str(path)
    table["ROW"] = range(2, len(table) + 2)
    data_columns = [c for c in table.columns if c not in {"FILE", "ROW"}]
    table = table[table[data_columns].notna().any(axis=1)]
    if "YEAR" in table.columns and year is None:
        years = pd.to_numeric(table["YEAR"], errors="coerce")
        bad = years.isna() | (years < 2000) | (years > 2100)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise ReturnsError(
                f"{path}, row {i + 2}, column YEAR: {table['YEAR'].iloc[i]!r} is not a collection year "
                "(allowed: the year of the 31 March the return ends on, e.g. 2016)",
                file=str(path), row=i + 2, column="YEAR", value=table["YEAR"].iloc[i],
            )  # fmt: skip
        table["YEAR"] = years.astype(int)
    else:
        table["YEAR"] = _year_of(path, year, None)
    return {name: table}


def _table_name(path: Path, columns: list[str]) -> str | None:
    have = set(columns)
    if "DECOM" in have:
        name = "episodes"
    elif "DUC" in have and "ETHNIC" not in have:
        name = "uasc"
    elif "DOB" in have and ({"ETHNIC", "UPN", "MOTHER"} & have):
        name = "header"
    elif unused := next((table for column, table in UNUSED.items() if column in have), None):
        del unused  # a table of the return carecast does not use
        return None
    else:
        raise ReturnsError(
            f"{path}: not a table carecast recognises (its columns: {', '.join(columns) or 'none'}); "
            f"expected an episodes table ({', '.join(REQUIRED['episodes'])}), a header table "
            f"(CHILD, SEX, DOB, ETHNIC, ...) or a UASC table (CHILD, SEX, DOB, DUC)",
            file=str(path),
        )
    missing = [c for c in REQUIRED[name] if c not in have]
    if missing:
        raise ReturnsError(
            f"{path}: this {name} table has no column {', '.join(missing)} "
            f"({'an' if name[0] in 'aeiou' else 'a'} {name} table needs {', '.join(REQUIRED[name])})",
            file=str(path), column=missing[0],
        )  # fmt: skip
    return name


def _read_xml(path: Path, year: int | None) -> dict[str, pd.DataFrame]:
    """The header, episodes and UASC tables of an XML return (one CHILD element per child)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line, column = e.position  # expat counts columns from 0
        what = re.sub(r": line \d+, column \d+$", "", str(e))
        raise ReturnsError(
            f"{path}: not well-formed XML at line {line}, column {column + 1}: {what}", file=str(path), row=line
        ) from None
    if root.find("CHILD") is None:
        raise ReturnsError(
            f"{path}: not an SSDA903 XML return (its root <{root.tag}> holds no <CHILD> elements)", file=str(path)
        )
    rename = {"CHILDID": "CHILD", "PL": "PLACE"}
    header, episodes, uasc = [], [], []
    # The return's header names the local authority (its LEA code): kept on each child's header row.
    lea = root.find(".//LEA")
    authority = {"LEA": (lea.text or "").strip() or None} if lea is not None else {}

    def leaves(node: ET.Element) -> dict[str, str | None]:
        return {rename.get(n.tag, n.tag): (n.text or "").strip() or None for n in node.iter() if len(n) == 0}

    for number, child in enumerate(root.iter("CHILD"), start=1):
        head = child.find("HEADER")
        fields = leaves(head) if head is not None else {}
        fields.update({rename.get(n.tag, n.tag): (n.text or "").strip() or None for n in child if len(n) == 0})
        where = {"FILE": str(path), "ROW": number, "YEAR": year}
        header.append({**{c: fields.get(c) for c in ("CHILD", "SEX", "DOB", "ETHNIC", "UPN")}, **authority, **where})
        if fields.get("UASC") not in (None, "0"):
            uasc.append({"CHILD": fields.get("CHILD"), "SEX": fields.get("SEX"), "DOB": fields.get("DOB"),
                         "DUC": fields.get("DUC"), **where})  # fmt: skip
        for episode in child.iter("EPISODE"):
            row = leaves(episode)
            episodes.append(
                {"CHILD": fields.get("CHILD"), **{c: row.get(c) for c in REQUIRED["episodes"][1:]}, **where}
            )
    if year is None:
        raise ReturnsError(f"{path}: cannot tell which collection year this XML return is for", file=str(path))
    return {
        "header": pd.DataFrame(header),
        "episodes": pd.DataFrame(episodes, columns=[*REQUIRED["episodes"], "FILE", "ROW", "YEAR"]),
        "uasc": pd.DataFrame(uasc, columns=["CHILD", "SEX", "DOB", "DUC", "FILE", "ROW", "YEAR"]),
    }


def _parse(table: pd.DataFrame, name: str, problems: list[Problem]) -> pd.DataFrame:
    """Dates parsed, codes upper-cased, rows with an unusable key left out (and listed)."""
    table = table.copy()
    for column in ("CHILD",):
        blank = table[column].isna()
        for _, row in table[blank].iterrows():
            problems.append(
                Problem("error", row["FILE"], row["ROW"], column, None, "no child identifier; row left out")
            )
        table = table[~blank]
    for column in ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC"):
        if column in table.columns:
            table[column] = table[column].str.upper()
    for column in DATES[name]:
        parsed, bad = parse_dates(table[column])
        required = column in {"DECOM", "DOB"}
        for i in bad:
            row = table.loc[i]  # type: ignore[call-overload]
            what = "row left out" if required else "taken as blank"
            problems.append(
                Problem("error" if required else "warning", row["FILE"], int(row["ROW"]), column, str(row[column]),
                        f"not a date (allowed: {DATE_FORMATS_ALLOWED}); {what}")
            )  # fmt: skip
        table[column] = parsed
        if required:
            missing = table[column].isna()
            for i in table.index[missing & ~table.index.isin(bad)]:
                row = table.loc[i]
                problems.append(Problem("error", row["FILE"], int(row["ROW"]), column, None, "blank; row left out"))
            table = table[~missing]
    if name == "header" and len(table):
        # Two-digit years put a few old dates of birth in the future: a century back.
        future = table["DOB"] > pd.to_datetime(table["YEAR"].astype(str) + "-03-31")
        table.loc[future, "DOB"] = table.loc[future, "DOB"] - pd.DateOffset(years=100)
    return table.reset_index(drop=True)


def parse_dates(values: pd.Series) -> tuple[pd.Series, list[object]]:
    """Dates from text in any of the allowed formats (day first, as the returns write them), and
    the index labels of values that are not dates (blank stays blank)."""
    # Returns repeat the same few thousand dates in every row: each distinct text is parsed once.
    which, distinct = pd.factorize(values)  # a blank is -1
    present = which >= 0
    parsed, not_dates = _parse_distinct(pd.Series(np.asarray(distinct, dtype=object), dtype=object))
    days = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = np.zeros(len(values), dtype=bool)
    if len(distinct):
        days[present] = parsed.to_numpy("datetime64[ns]")[which[present]]
        bad[present] = not_dates[which[present]]
    return pd.Series(days, index=values.index), values.index[bad].tolist()


def _parse_distinct(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """`parse_dates` of ``values`` (a default index), and whether each is text that is not a date."""
    # A few thousand distinct texts: matched one by one (the first pattern that matches wins),
    # then converted together.
    texts = [str(v).strip() for v in values]
    found: list[tuple[int, int, int, int]] = []  # position, year, month, day
    for i, text in enumerate(texts):
        for pattern, order in _DATE_PATTERNS:
            match = pattern.search(text)
            if match is not None:
                first, second, third = (int(g) for g in match.groups())
                if order == "ymd":
                    found.append((i, first, second, third))
                elif order == "dmy":
                    found.append((i, third, second, first))
                else:  # two-digit years: 00-68 are 2000-2068, 69-99 are 1969-1999 (as strptime's %y)
                    found.append((i, third + 2000 - 100 * (third >= 69), second, first))
                break
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if found:
        rows = np.array(found, dtype=np.int64)
        parts = pd.DataFrame({"year": rows[:, 1], "month": rows[:, 2], "day": rows[:, 3]})
        converted = pd.to_datetime(parts, errors="coerce")
        # A day outside what a nanosecond timestamp holds (years before 1677 or after 2262) is not a date.
        converted = converted.where(converted.between(pd.Timestamp.min, pd.Timestamp.max))
        out.iloc[rows[:, 0]] = converted.dt.as_unit("ns").to_numpy()
    return out, np.array([text != "" for text in texts], dtype=bool) & out.isna().to_numpy(bool)


def _check_codes(episodes: pd.DataFrame, problems: list[Problem]) -> None:
    """Warn, once per code and file, about codes carecast does not know (they are kept)."""
    checks = {
        "RNE": codes.NEW_EPISODE_REASONS,
        "LS": set(codes._LEGAL_STATUS) | codes.SHORT_BREAKS,
        "CIN": codes.NEED_CODES,
        "PLACE_PROVIDER": codes.PROVIDERS,
    }
    for column, allowed in checks.items():
        for (file, value), first, count in _first_and_count(episodes, column):
            if value not in allowed:
                problems.append(Problem("warning", str(file), first, column, str(value),
                                        f"code not known to carecast ({_rows(count)}); kept"))  # fmt: skip
    for (file, value), first, count in _first_and_count(episodes, "REC"):
        if not codes.known_rec(str(value)):
            message = f"code not known to carecast ({_rows(count)}); counted as an 'other' exit"
            problems.append(Problem("warning", str(file), first, "REC", str(value), message))


def _first_and_count(episodes: pd.DataFrame, column: str) -> list[tuple[tuple[str, str], int, int]]:
    """Each file and code of ``column`` (blanks apart), in order, with the first row it is on and
    how many rows it is on."""
    rows = episodes.groupby(["FILE", column], dropna=True)["ROW"].agg(["first", "size"])
    return list(zip(rows.index.tolist(), rows["first"].astype(int).tolist(), rows["size"].astype(int).tolist(),
                    strict=True))  # fmt: skip


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n:,} rows"


def as_date(value: object, what: str) -> pd.Timestamp:
    """A date given by a user: a date, or text as the returns write it (dd/mm/YYYY, day first)
    or ISO (YYYY-MM-DD). Anything else is a `carecast.ReturnsError` naming ``what``."""
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    if isinstance(value, dt.date):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        parsed, bad = parse_dates(pd.Series([value]))
        if not bad and pd.notna(parsed.iloc[0]):
            return pd.Timestamp(parsed.iloc[0])
    raise ReturnsError(f"{what}: {value!r} is not a date (allowed: {DATE_FORMATS_ALLOWED}, or a date)",
                       value=str(value))  # fmt: skip
