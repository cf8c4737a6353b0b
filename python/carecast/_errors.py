"""The exceptions carecast raises. The compiled core raises these classes too."""

from __future__ import annotations


class CarecastError(Exception):
    """Base class of every carecast error."""


class ConfigError(CarecastError, ValueError):
    """A scenario, option or argument is not valid.

    ``path`` names the field (e.g. ``hazards.sibling_group_entry``), ``value`` is what it held
    and ``allowed`` what it may hold, where those are known.
    """

    def __init__(self, message: str, path: str | None = None, value: str | None = None,
                 allowed: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.value = value
        self.allowed = allowed


class ScenarioFileError(CarecastError, OSError):
    """A scenario file could not be read."""


class ResourceError(CarecastError, MemoryError):
    """A run would need more memory than is available; it is refused before it starts, with
    the figure needed and the figure available."""


class ReturnsError(CarecastError, ValueError):
    """A council's data return could not be read: ``file``, ``row`` (as a spreadsheet numbers
    it, the column names being row 1), ``column`` and ``value`` say where and what, where known."""

    def __init__(self, message: str, file: str | None = None, row: int | None = None,
                 column: str | None = None, value: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.column = column
        self.value = value
