"""carecast: Monte Carlo models of demand and savings in children's services.

>>> import carecast
>>> "wolverhampton-2015" in carecast.presets()
True
>>> scenario = carecast.Scenario.preset("wolverhampton-2015")
>>> results = scenario.run(replications=4, years=1, seed=1, progress=False)
>>> results.array("lac_stock").shape
(4, 12)
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import operator
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _core
from ._errors import CarecastError, ConfigError, ResourceError, ReturnsError, ScenarioFileError
from ._start import StartingPosition

if TYPE_CHECKING:
    import datetime

    from .expected import ExpectedPath
    from .returns.backtest import Backtest
    from .returns.fit import ReturnsLike
    from .returns.precare import CinLike, EarlyHelpLike

__all__ = [
    "HEADLINE_INDICATORS",
    "SHARES",
    "CarecastError",
    "Comparison",
    "ConfigError",
    "Grid",
    "Options",
    "ResourceError",
    "Results",
    "ReturnsError",
    "Scenario",
    "ScenarioFileError",
    "StartingPosition",
    "Sweep",
    "SweepError",
    "Waterfall",
    "backtest",
    "compare",
    "presets",
    "reconcile",
    "sweep",
    "waterfall",
]
__version__: str = _core.__version__


def __getattr__(name: str) -> Any:
    """``carecast.returns`` is imported when first used (it brings SciPy, which other uses need not wait for)."""
    if name == "returns":
        import importlib

        return importlib.import_module(".returns", __name__)
    raise AttributeError(f"module 'carecast' has no attribute {name!r}")

#: Monthly headline indicators, per replication.
HEADLINE_INDICATORS = ("lac_stock", "lac_entries", "lac_rate_per_10k", "early_help_waiting")
#: Shares reported over the first 12 months and per financial year.
SHARES = (
    "share_entries_not_previously_known",
    "share_entries_aged_5_plus",
    "share_entries_abuse_neglect",
    "share_early_help_starts_over_fives",
)

Progress = bool | Callable[[int, int], object] | None


def presets() -> list[str]:
    """Names of the embedded presets; the first is the default.

    >>> carecast.presets()[0]
    'wolverhampton-2015'
    """
    return list(_core.presets())


class Scenario:
    """An authority and a policy timeline, validated on construction.

    Build one from a preset, a file or a dict; derive variants with :meth:`updated`.

    >>> base = carecast.Scenario.preset("wolverhampton-2015")
    >>> more = base.updated({"policy": {"early_help": {"places": 900}}})
    >>> more.to_dict()["policy"]["early_help"]["places"]
    900
    """

    __slots__ = ("_inner",)

    def __init__(self, inner: _core.Scenario) -> None:
        self._inner = inner

    @classmethod
    def preset(cls, name: str) -> Scenario:
        """The embedded preset ``name`` (see :func:`presets`)."""
        return cls(_core.Scenario.preset(name))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a ``.toml`` or ``.json`` scenario file, and the sample file it names
        (``[uncertainty.sample] file = "..."``, relative to it), if any."""
        return cls(_core.Scenario.from_file(os.fspath(path)))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scenario:
        """Build a scenario from a nested dict (the same fields as a scenario file).

        ``{"base": "wolverhampton-2015", ...}`` starts from a preset.
        """
        if not isinstance(d, Mapping):
            raise ConfigError(f"a scenario must be a dict of fields, got {type(d).__name__}",
                              path="scenario", value=type(d).__name__, allowed="a dict of fields")
        return cls(_core.Scenario.from_json(_to_json(d), "dict"))

    @classmethod
    def from_returns(
        cls,
        returns: ReturnsLike,
        census_date: datetime.date | str,
        window_months: int = 36,
        base: str | os.PathLike[str] | Scenario | None = None,
        population: str | os.PathLike[str] | Sequence[float] | None = None,
        include_uasc: bool = False,
        *,
        cin: CinLike | None = None,
        early_help: EarlyHelpLike | None = None,
        **kwargs: Any,
    ) -> Scenario:
        """A scenario of an authority from its own SSDA903 returns: the Python twin of
        ``carecast estimate`` (see docs/returns.md).

        ``returns``: a folder or file of the returns (or several), or what
        ``carecast.returns.load`` gives. ``census_date``: who is in care at the end of this day
        starts the projection (a date, or text day first: ``31/03/2016`` or ``2016-03-31``).
        ``window_months``: the months before it that rates are estimated from. ``base``: where
        what the returns cannot give comes from (a preset name, a scenario file or a Scenario;
        the default preset if None). ``population``: children living in the authority by single
        year of age, a CSV file (columns ``age``, ``children``, and optionally ``locality``,
        whose localities then replace the base's) or 18 numbers (default: the base's, spread
        evenly). UASC are left out unless ``include_uasc``. ``cin``: the CIN census (XML files
        or a folder, or ``carecast.returns.cin.load(...)``), from which the pre-care side is set
        and fitted (referrals, assessment outcomes, child in need and protection, the open cases
        at the start); ``early_help``: a council's early help records (a CSV file), with
        ``cin``. ``kwargs`` go to ``carecast.returns.build.build`` (``seed``, ``name``, ...).

        Only the scenario is returned. The load report and where each value came from are in
        ``carecast.returns.fit.fit`` (same arguments), which returns the cleaned returns
        (``.data.report()``) and the built scenario (``.built.provenance``, ``.built.toml()``
        with every value commented), and ``.report()`` as ``carecast estimate`` writes it.

        >>> from carecast.returns import synthetic
        >>> authority = synthetic.generate(seed=1)                   # doctest: +SKIP
        >>> authority.write("ssda903")                               # doctest: +SKIP
        >>> ours = carecast.Scenario.from_returns("ssda903", "31/03/2016",
        ...                                       population=authority.truth.population)  # doctest: +SKIP
        >>> ours.to_dict()["start"]                                  # doctest: +SKIP
        '2016-04'
        """
        import warnings

        from .returns.fit import fit

        fitted = fit(returns, census_date, window_months=window_months, base=base, population=population,
                     include_uasc=include_uasc, cin=cin, early_help=early_help, **kwargs)  # fmt: skip
        for line in fitted.attention():
            warnings.warn(f"carecast.Scenario.from_returns: {line}", UserWarning, stacklevel=2)
        return fitted.scenario

    @classmethod
    def load(cls, preset_or_path: str | os.PathLike[str]) -> Scenario:
        """A preset by name, or a scenario file by path (with the sample file it names, if
        any: see :meth:`save`)."""
        text = os.fspath(preset_or_path)
        if text in presets():
            return cls.preset(text)
        if os.path.exists(text) or text.endswith((".toml", ".json")):
            return cls.from_file(text)
        raise ConfigError(
            f"`{text}` is neither a preset ({', '.join(presets())}) nor an existing scenario file",
            path="scenario", value=text, allowed="a preset name or a .toml/.json file",
        )

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a nested dict that :meth:`from_dict` reads back."""
        result: dict[str, Any] = json.loads(self._inner.to_json())
        return result

    def to_toml(self) -> str:
        """The scenario as TOML text, fully resolved. A parameter sample it carries is written in
        place (``columns`` and ``rows`` under ``[uncertainty.sample]``); :meth:`save` writes it to
        a CSV file beside the TOML instead."""
        return self._inner.to_toml()

    def save(self, path: str | os.PathLike[str], overwrite: bool = False) -> list[str]:
        """Write the scenario to the TOML file ``path`` and, if it carries a parameter sample
        (:attr:`sample`), the sample to a CSV file beside it named from the TOML file's stem
        (``name.toml`` and ``name.sample.csv``, which the TOML names as
        ``[uncertainty.sample] file = "name.sample.csv"``). :meth:`load` reads both back.

        Each file is written whole or not at all (to a temporary file in the same directory,
        then renamed over its name), the CSV first. An existing file is never replaced unless
        ``overwrite=True``: a :class:`ConfigError` names it and nothing is written. Returns the
        paths written.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise ConfigError(f"path must be a file path, got {_short(path)}", path="path", value=_short(path),
                              allowed="the path of a .toml file")
        if not isinstance(overwrite, bool):
            raise ConfigError(f"overwrite must be True or False, got {_short(overwrite)}", path="overwrite",
                              value=_short(overwrite), allowed="True or False")
        toml_path = os.fspath(path)
        if not toml_path.endswith(".toml"):
            raise ConfigError(f"a scenario is saved as a .toml file, got {toml_path!r}", path="path",
                              value=toml_path, allowed="the path of a .toml file")
        directory = os.path.dirname(toml_path) or "."
        if not os.path.isdir(directory):
            raise ConfigError(f"no directory {directory!r} to save {toml_path!r} in", path="path", value=toml_path,
                              allowed="a .toml file in an existing directory")
        stem = os.path.basename(toml_path)[: -len(".toml")]
        csv_name = f"{stem}.sample.csv"
        toml_text, csv_text = self._inner.to_toml_with_sample_file(csv_name)
        files = [(os.path.join(directory, csv_name), csv_text)] if csv_text is not None else []
        files.append((toml_path, toml_text))
        if not overwrite:
            for file, _ in files:
                if os.path.lexists(file):
                    raise ConfigError(f"{file} exists: pass overwrite=True to replace it", path="path", value=file,
                                      allowed="a file that does not exist yet, or overwrite=True")
        for file, text in files:
            _write_atomically(file, text)
        return [file for file, _ in files]

    @property
    def sample(self) -> pd.DataFrame | None:
        """The parameter sample the scenario carries (``[uncertainty.sample]``, such as a
        calibrated posterior), one column per parameter path and one row per draw, or ``None``.
        Each replication of :meth:`run` takes one row, drawn from the seed and the replication.
        """
        carried = self._inner.sample()
        if carried is None:
            return None
        columns, values = carried
        return pd.DataFrame(values, columns=columns)

    def with_sample(self, sample: pd.DataFrame | Mapping[str, Any] | None) -> Scenario:
        """A new scenario carrying ``sample``, a parameter sample such as a calibrated posterior:
        a DataFrame whose columns are parameter paths (as :meth:`parameters` lists them) with one
        row per draw, equally likely, or a dict of paths to equal-length arrays; ``None`` removes
        the sample the scenario carries. Each replication of a run takes one row, drawn from the
        seed and the replication alone, and runs with its values; they are recorded in
        :meth:`Results.parameter_draws`. :meth:`save` writes the rows to a CSV file beside the
        scenario's TOML. A path that is not a parameter a run can vary, or is already given a
        distribution, or a value outside its parameter's range, is a :class:`ConfigError` naming
        the column (and the row).

        >>> base = carecast.Scenario.preset("wolverhampton-2015")
        >>> posterior = pd.DataFrame({"hazards.sibling_group_entry": [0.3, 0.45, 0.6]})
        >>> s = base.with_sample(posterior)
        >>> d = s.run(4, years=1, seed=5, progress=False).parameter_draws()
        >>> set(d[d.parameter == "hazards.sibling_group_entry"].value) <= {0.3, 0.45, 0.6}
        True
        """
        if sample is None:
            return Scenario(self._inner.with_sample(None, None))
        names, values = _parameter_sample(sample, "sample")
        return Scenario(self._inner.with_sample(names, values))

    def updated(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with ``overrides`` deep-merged over this one, validated.

        Dicts merge key by key; anything else, **lists included, is replaced whole**. So
        ``updated({"changes": [...]})`` replaces every dated policy change the scenario had (the
        redesign preset's three programme changes would be gone): to add a change and keep the
        others, use :meth:`with_change`.
        """
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"overrides must be a dict, got {type(overrides).__name__}",
                              path="overrides", value=type(overrides).__name__, allowed="a dict of fields")
        return Scenario(self._inner.updated_json(_to_json(overrides)))

    def with_change(self, from_: str, set: Mapping[str, Any], note: str | None = None) -> Scenario:
        """A new scenario with one more dated policy change, keeping the existing ones.

        ``set`` (a partial policy, as in a scenario file's ``[[changes]]``) applies from month
        ``from_`` (``"YYYY-MM"``). The change is placed in calendar order; if a change already
        starts that month, ``set`` is merged over it.

        >>> redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
        >>> more = redesign.with_change("2017-04", {"early_help": {"places": 1000}}, note="more places")
        >>> len(more.to_dict()["changes"]) - len(redesign.to_dict()["changes"])
        1
        """
        if not isinstance(from_, str):
            raise ConfigError(f"from_ must be a month written YYYY-MM, got {from_!r}",
                              path="from", value=repr(from_), allowed="a month, YYYY-MM")
        if not isinstance(set, Mapping):
            raise ConfigError(f"set must be a dict of policy fields, got {type(set).__name__}",
                              path="set", value=repr(set), allowed="a dict of policy fields")
        if note is not None and not isinstance(note, str):
            raise ConfigError(f"note must be text, got {note!r}", path="note", value=repr(note), allowed="text or None")
        return Scenario(self._inner.with_change(from_, _to_json(set, "set"), note or ""))

    def starting_position(self, seed: SupportsIndex = 20150401, replication: SupportsIndex = 0) -> StartingPosition:
        """Who is where on the start date in replication ``replication`` of a run seeded
        ``seed``: the scenario's own starting position if it has one (the same for every
        replication), else the one drawn from its counts (``population.initial``), exactly as
        :meth:`run` draws it.

        >>> start = carecast.Scenario.preset("wolverhampton-2015").starting_position(seed=7)
        >>> list(start.children_in_care.columns[:4])
        ['family', 'age_months', 'placement', 'legal_status']
        """
        s = _whole("seed", seed, 0, _U64_MAX)
        r = _whole("replication", replication, 0, _U64_MAX)
        return StartingPosition.from_dict(json.loads(self._inner.starting_position_json(s, r)))

    def with_starting_position(self, position: StartingPosition | Mapping[str, Any] | None) -> Scenario:
        """A new scenario whose every replication starts from ``position`` (a
        :class:`StartingPosition`, or a dict in the form of a scenario file's
        ``starting_position``), validated; ``None`` goes back to drawing one from the counts.

        Errors name the row: ``starting_position.children_in_care[3].months_in_care`` is row 3
        of ``children_in_care``; ``families_at_home[i]`` is the ``i``-th family of
        ``children_at_home``, in order of first appearance.

        >>> base = carecast.Scenario.preset("wolverhampton-2015")
        >>> start = base.starting_position(seed=7)
        >>> care = start.children_in_care
        >>> care.loc[care["placement"] == "residential", "placement"] = "in_house_foster"
        >>> fostered = base.with_starting_position(start)
        >>> int((fostered.starting_position().children_in_care["placement"] == "residential").sum())
        0
        """
        d = self.to_dict()
        if position is None:
            d.pop("starting_position", None)
        elif isinstance(position, StartingPosition):
            d["starting_position"] = position.to_dict()
        elif isinstance(position, Mapping):
            d["starting_position"] = dict(position)
        else:
            raise ConfigError(f"position must be a StartingPosition, a dict or None, got {type(position).__name__}",
                              path="starting_position", value=type(position).__name__,
                              allowed="a StartingPosition, a dict or None")
        return Scenario(_core.Scenario.from_json(_to_json(d), f"{self.name} (with a starting position)"))

    def parameters(self) -> pd.DataFrame:
        """Every numeric parameter of the scenario, one row each, in the order of the schema.

        Columns: ``path`` (what :meth:`parameter` and :meth:`with_parameters` take, e.g.
        ``hazards.not_known.referral.age_5_9``, ``changes[2].set.early_help.places``,
        ``costs.placements.ifa.amount``), ``value`` (the central value of a distribution),
        ``kind`` (``rate_per_year``, ``multiplier``, ``probability``, ``share``, ``count``,
        ``months``, ``years``, ``age``, ``pounds``, ``annual_rate``, ``posts``, ``caseload``), ``low``
        and ``high`` (the range validation enforces), ``low_open`` and ``high_open`` (True where that end itself is
        not allowed, as 0 for a sibling gap), ``allowed`` (the range in words), ``whole`` (whole numbers
        only), ``uncertain`` (a distribution drawn once per replication, or a column of the
        sample the scenario carries), ``may_be_uncertain``, ``distribution`` (e.g.
        ``lognormal(median=0.7, sigma=0.15)``, ``sample(n=1000)`` for a carried sample's column,
        or None),
        ``description`` (the field's documentation) and ``source`` (where its value comes from:
        the comment on its line in the scenario's TOML file, or its table's, or None; see
        :meth:`sources`).

        >>> p = carecast.Scenario.preset("wolverhampton-2015-redesign").parameters()
        >>> p.loc[p.path == "hazards.sibling_group_entry", ["value", "kind", "low", "high"]].values.tolist()
        [[0.45, 'probability', 0.0, 1.0]]
        >>> int(p.uncertain.sum()) > 0
        True
        """
        columns: dict[str, Any] = self._inner.parameters()
        # Object dtype keeps None for a fixed parameter (a string dtype would turn it into NaN).
        columns["distribution"] = pd.Series(columns["distribution"], dtype=object)
        columns["source"] = pd.Series(columns["source"], dtype=object)
        frame = pd.DataFrame(columns)
        sample = self.sample
        if sample is not None:
            sampled = frame.path.isin(sample.columns)
            frame.loc[sampled, "uncertain"] = True
            frame.loc[sampled, "distribution"] = f"sample(n={len(sample)})"
        return frame

    def reported(self) -> pd.DataFrame:
        """Figures reported for the authority under this scenario's policy (the scenario's
        ``reported`` list), marked on charts beside the projection and never used by the model.

        Columns: ``measure`` (``children_in_care`` at the end of ``month``, or ``savings`` in
        ``financial_year``, in pounds of that year), ``month``, ``financial_year``, ``value`` and
        ``source`` (where it comes from and whether it could be checked).

        >>> r = carecast.Scenario.preset("wolverhampton-2015-redesign").reported()
        >>> r.loc[r.measure == "children_in_care", ["month", "value"]].values.tolist()
        [['2015-10', 712.0], ['2017-03', 626.0]]
        """
        columns = ["measure", "month", "financial_year", "value", "source"]
        rows = [{c: figure.get(c) for c in columns} for figure in self.to_dict().get("reported", [])]
        table = pd.DataFrame(rows, columns=columns)
        table["value"] = table["value"].astype(float)
        return table

    def sources(self) -> dict[str, str]:
        """Where the scenario's values come from: each commented field path of the TOML file(s)
        it was read from (a preset, its ``base``, the user's own file) and its comment.

        A value's source is the comment on its own line, else its table's (a comment above a
        ``[table]`` header speaks for its fields). A value replaced by :meth:`updated`,
        :meth:`with_parameters` or a later file loses the source of the value it replaced. A
        scenario from a dict or JSON has none. :meth:`source_of` looks one up.

        >>> carecast.Scenario.preset("wolverhampton-2015").sources()["population.under_18"]
        'sources §1 derived 56,300-57,800; §7 default 57,000'
        """
        return dict(self._inner.sources())

    def source_of(self, path: str) -> str | None:
        """The source of the value at ``path`` (see :meth:`sources`), or None.

        >>> s = carecast.Scenario.preset("wolverhampton-2015")
        >>> s.source_of("hazards.not_known.referral.age_5_9").startswith("Per child-year")
        True
        >>> s.with_parameters({"population.under_18": 60000}).source_of("population.under_18") is None
        True
        """
        if not isinstance(path, str):
            raise ConfigError(f"a field path must be text, got {_short(path)}", path="path",
                              value=_short(path), allowed="a path from Scenario.parameters()")
        return self._inner.source_of(path)

    def parameter(self, path: str) -> float:
        """The value of the parameter at ``path`` (the central value of a distribution).

        An unknown path is a :class:`ConfigError` naming it and the closest paths.

        >>> carecast.Scenario.preset("wolverhampton-2015").parameter("policy.early_help.places")
        760.0
        """
        if not isinstance(path, str):
            raise ConfigError(f"a parameter path must be text, got {_short(path)}", path="path",
                              value=_short(path), allowed="a path from Scenario.parameters()")
        return self._inner.parameter(path)

    def with_parameters(self, values: Mapping[str, float]) -> Scenario:
        """A new scenario with the parameters at the given paths set to numbers, validated once
        at the end (so shares that must sum to 1 can be changed together).

        A distribution set to a number becomes fixed; to set a distribution, use :meth:`updated`.
        Errors are :class:`ConfigError` naming the path: no such parameter (with the closest
        paths), a value outside the parameter's range (with the range), a fraction for a whole
        number.

        >>> base = carecast.Scenario.preset("wolverhampton-2015")
        >>> more = base.with_parameters({"policy.early_help.places": 900,
        ...                              "hazards.not_known.referral.age_5_9": 0.05})
        >>> more.parameter("policy.early_help.places")
        900.0
        """
        if not isinstance(values, Mapping):
            raise ConfigError(f"values must be a dict of parameter paths to numbers, got {type(values).__name__}",
                              path="values", value=type(values).__name__, allowed="a dict of paths to numbers")
        pairs: list[tuple[str, float]] = []
        for path, value in values.items():
            if not isinstance(path, str):
                raise ConfigError(f"a parameter path must be text, got {_short(path)}", path="path",
                                  value=_short(path), allowed="a path from Scenario.parameters()")
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise ConfigError(f"{path}: got {_short(value)}; allowed: a number", path=path,
                                  value=_short(value), allowed="a number")
            pairs.append((path, float(value)))
        return Scenario(self._inner.with_parameters(pairs))

    def levers(self, baseline: Scenario) -> pd.DataFrame:
        """This scenario's levers against ``baseline``, in order: a lever is one dated policy
        change, or the changes sharing a ``lever`` name, with the services and one-offs that go
        with it (docs/finance.md, "A lever waterfall"); costs that go with no lever are a last
        step, ``costs not tied to a lever``. Columns: ``lever``, ``from`` (its first month) and
        ``changes`` (the notes of its changes).

        The two must be of one authority and differ only in their policy changes, services and
        one-offs, else a :class:`ConfigError` names the first field that differs.

        >>> base = carecast.Scenario.preset("wolverhampton-2015")
        >>> list(carecast.Scenario.preset("wolverhampton-2015-redesign").levers(base)["lever"])
        ['Reunification support', 'Specialist Intensive Support Service', 'Strengthening Families Hubs']
        """
        _require_scenario("baseline", baseline)
        rows = self._inner.levers(baseline._inner)
        return pd.DataFrame({"lever": [r[0] for r in rows], "from": [r[1] or None for r in rows],
                             "changes": ["; ".join(r[2]) for r in rows]})

    def with_levers(self, baseline: Scenario, levers: Sequence[str]) -> Scenario:
        """``baseline`` with the levers ``levers`` of this scenario (names from :meth:`levers`)
        and only those: their policy changes, services and one-offs, the baseline's settings
        where a lever left out would change them. With every lever it is this scenario under
        another name; with none, the baseline. An unknown name is a :class:`ConfigError` listing
        the levers.

        >>> base = carecast.Scenario.preset("wolverhampton-2015")
        >>> redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
        >>> redesign.with_levers(base, ["Specialist Intensive Support Service"]).name
        'wolverhampton-2015 + Specialist Intensive Support Service'
        """
        _require_scenario("baseline", baseline)
        if isinstance(levers, str) or not isinstance(levers, Sequence) or not all(isinstance(x, str) for x in levers):
            raise ConfigError(f"levers must be a list of lever names, got {_short(levers)}", path="levers",
                              value=_short(levers), allowed="a list of names from Scenario.levers()")
        return Scenario(self._inner.with_levers(baseline._inner, list(levers)))

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._inner.name

    @property
    def authority(self) -> str:
        """The authority it describes (only scenarios of one authority can be compared)."""
        return self._inner.authority

    def run(
        self,
        replications: SupportsIndex | range = 100,
        years: SupportsIndex = 10,
        seed: SupportsIndex = 20150401,
        threads: SupportsIndex | None = None,
        progress: Progress = None,
        parameter_sample: pd.DataFrame | Mapping[str, Any] | None = None,
        sample_chance: SupportsIndex | None = None,
    ) -> Results:
        """Run the Monte Carlo model.

        ``replications``: a number ``n`` runs replications ``0`` to ``n - 1``; a ``range(a, b)``
        runs replications ``a`` to ``b - 1`` only, each exactly as in a run of them all with the
        same seed, so that runs over contiguous ranges (on other processes or machines) merge
        into one with :meth:`Results.merge`. The same ``seed`` gives the same numbers whatever
        ``threads`` is. ``progress``: ``None`` shows a progress bar if the run takes more than a
        second, ``True`` always, ``False`` never, or a callable ``progress(done, total)`` (counting
        the replications of the range). Ctrl-C stops the run with ``KeyboardInterrupt``; the GIL
        is released while it runs.

        ``parameter_sample``: parameter values from outside (a Latin hypercube, a Sobol sequence,
        a calibration posterior), a pandas DataFrame whose columns are parameter paths (as
        :meth:`parameters` lists them) with one row per draw, or a dict of paths to equal-length
        arrays. Its values replace, for those paths, any distribution (written in place or in
        the ``[[uncertainty.parameters]]`` table). With ``sample_chance=None`` replication ``r``
        takes row ``r`` (by position) with its own chance, so the rows must cover every
        replication; with ``sample_chance=k`` replication ``r`` takes row ``r // k`` on chance
        stream ``r % k``: every row meets the same ``k`` chance streams (common random numbers),
        as Sobol indices and one-way designs need. The values are recorded in
        :meth:`Results.parameter_draws`. A value outside its parameter's range is a
        :class:`ConfigError` naming its row and column.

        A scenario that carries a sample (:attr:`sample`, ``[uncertainty.sample]``) runs each
        replication on one of its rows, drawn from ``seed`` and the replication alone (so the
        same whatever the threads or replication ranges). A ``parameter_sample`` given here wins:
        the carried sample is then not used at all.

        >>> base = carecast.Scenario.preset("wolverhampton-2015")
        >>> design = pd.DataFrame({"hazards.not_known.referral.age_5_9": [0.02, 0.03]})
        >>> r = base.run(4, years=1, seed=5, progress=False, parameter_sample=design, sample_chance=2)
        >>> d = r.parameter_draws()
        >>> d[d.parameter == "hazards.not_known.referral.age_5_9"].value.tolist()
        [0.02, 0.02, 0.03, 0.03]
        >>> parts = [base.run(range(a, b), years=1, seed=5, progress=False) for a, b in [(0, 2), (2, 4)]]
        >>> carecast.Results.merge(parts) == base.run(4, 1, seed=5, progress=False)
        True
        """
        first, n = _replication_range(replications)
        y = _whole("years", years, 1, _MAX_YEARS)
        s = _whole("seed", seed, 0, _U64_MAX)
        t = None if threads is None else _whole("threads", threads, 1, _USIZE_MAX, "or None")
        names, values = _parameter_sample(parameter_sample)
        k = None if sample_chance is None else _whole("sample_chance", sample_chance, 1, _USIZE_MAX, "or None")
        if k is not None and names is None:
            raise ConfigError("sample_chance needs a parameter_sample", path="sample_chance", value=str(k),
                              allowed="None without a parameter_sample")
        callback, bar = _progress_callback(progress, n)
        try:
            inner = self._inner.run(n, y, s, t, callback, first, names, values, k)
        finally:
            if bar is not None:
                bar.close()
        return Results(inner)

    def expected(self, years: SupportsIndex = 10) -> ExpectedPath:
        """The expected path over ``years`` years: the mean of every monthly output the Monte
        Carlo engine records, computed directly by a cohort recursion (no random numbers; a
        second or so). Exact for families of one with fixed parameters and places that never
        bind; elsewhere an approximation whose difference from the Monte Carlo means
        ``docs/expected.md`` measures.

        >>> e = carecast.Scenario.preset("wolverhampton-2015").expected(years=2)
        >>> e.by_year("lac_stock").year.tolist()
        [1, 2]
        """
        from .expected import expected

        return expected(self, _whole("years", years, 1, _MAX_YEARS))

    def __eq__(self, other: object) -> bool:
        """Scenarios are equal when every field is."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking value: no hashing by fields

    def __reduce__(self) -> tuple[Callable[[str], Scenario], tuple[str]]:
        """Pickle as the scenario's JSON text, so a scenario can be sent to another process."""
        return (_scenario_from_json, (self._inner.to_json(),))

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, authority={self.authority!r})"


_U64_MAX = 2**64 - 1
_USIZE_MAX = 2 * sys.maxsize + 1
#: The longest run the engine takes (1,200 months).
_MAX_YEARS = 100
#: Deepest nesting of a scenario dict (the real ones are 5 levels deep).
_MAX_DEPTH = 64


def _require_scenario(name: str, value: object) -> None:
    """A :class:`ConfigError` naming ``name`` unless ``value`` is a :class:`Scenario`."""
    if not isinstance(value, Scenario):
        raise ConfigError(f"{name} must be a carecast.Scenario, got {type(value).__name__}", path=name,
                          value=type(value).__name__, allowed="a carecast.Scenario")


def _in_care_series(by: object) -> tuple[str, list[str]]:
    """The prefix of the series of children in care by ``by`` (``"placement"`` or
    ``"legal_status"``) and its labels, for `Results.in_care` and `ExpectedPath.in_care`."""
    kinds = {"placement": ("looked_after_", _core.PLACEMENTS), "legal_status": ("legal_status_", _core.LEGAL_STATUSES)}
    if not isinstance(by, str) or by not in kinds:
        raise ConfigError(f"by must be 'placement' or 'legal_status', got {by!r}", path="by", value=repr(by),
                          allowed="'placement' or 'legal_status'")  # fmt: skip
    prefix, labels = kinds[by]
    return prefix, list(labels)


def _whole(name: str, value: object, low: int, high: int, also: str = "") -> int:
    """``value`` as an int if it is a whole number (an ``int``, ``np.int64``, anything with
    ``__index__`` but a bool) from ``low`` to ``high``; otherwise a :class:`ConfigError`."""
    allowed = f"a whole number >= {low}" + (f" {also}" if also else "")
    number: int | None = None
    if not isinstance(value, (bool, np.bool_)):
        try:
            number = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    if number is None or number < low:
        raise ConfigError(f"{name} must be {allowed}, got {_short(value)}", path=name, value=_short(value),
                          allowed=allowed)
    if number > high:
        allowed = f"a whole number from {low} to {high}"
        raise ConfigError(f"{name} must be {allowed}, got {_short(number)}", path=name, value=_short(number),
                          allowed=allowed)
    return number


def _write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all: to a temporary file in the same
    directory, then renamed over ``path``, with the user's usual permissions (``0o666`` less
    the umask; a temporary file is made ``0o600``)."""
    import tempfile

    from ._outputs import umask

    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _parameter_sample(sample: object, field: str = "parameter_sample") -> tuple[list[str] | None,
                                                                              npt.NDArray[np.float64] | None]:
    """The paths and the rows x paths array of a parameter sample (a DataFrame, or a dict of
    paths to equal-length arrays), or ``(None, None)``; a :class:`ConfigError` naming ``field``
    otherwise."""
    if sample is None:
        return None, None
    allowed = "a pandas DataFrame (columns: parameter paths; one row per draw) or a dict of paths to arrays"
    if isinstance(sample, pd.DataFrame):
        columns = {str(c): sample[c].to_numpy() for c in sample.columns}
        if len(columns) != sample.shape[1]:
            raise ConfigError(f"{field} names a column twice", path=field,
                              value="a repeated column", allowed="each parameter in one column")
    elif isinstance(sample, Mapping):
        columns = {}
        for key, column in sample.items():
            if not isinstance(key, str):
                raise ConfigError(f"{field} keys must be parameter paths, got {_short(key)}",
                                  path=field, value=_short(key), allowed=allowed)
            columns[key] = np.asarray(column)
    else:
        raise ConfigError(f"{field} must be {allowed}, got {type(sample).__name__}",
                          path=field, value=type(sample).__name__, allowed=allowed)
    if not columns:
        raise ConfigError(f"{field} has no columns", path=field, value="no columns",
                          allowed="one column per parameter path")
    lengths = {name: column.shape for name, column in columns.items()}
    rows = next(iter(lengths.values()))
    for name, shape in lengths.items():
        if len(shape) != 1 or shape != rows:
            raise ConfigError(f"{field}[{name!r}] has shape {shape}; every column needs {rows}",
                              path=f"{field}[{name!r}]", value=str(shape),
                              allowed="one value per row, the same number in every column")
    try:
        values = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns.values()])
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{field} must hold numbers: {e}", path=field,
                          value="not numbers", allowed="numbers") from None
    return list(columns), np.ascontiguousarray(values)


#: Largest first replication of a range (2^53, as the core allows).
_MAX_FIRST_REPLICATION = 2**53


def _replication_range(replications: object) -> tuple[int, int]:
    """The first replication and the number of replications: ``n`` means ``range(0, n)``; a
    ``range`` must have step 1 and ``0 <= start < stop``. Otherwise a :class:`ConfigError`."""
    if not isinstance(replications, range):
        return 0, _whole("replications", replications, 1, _USIZE_MAX, "or a range(first, stop)")
    allowed = f"a range(first, stop) with step 1 and 0 <= first < stop, first at most {_MAX_FIRST_REPLICATION}"
    r = replications
    if r.step != 1 or not 0 <= r.start < r.stop or r.start > _MAX_FIRST_REPLICATION:
        raise ConfigError(f"replications must be {allowed}, got {r!r}", path="replications", value=repr(r),
                          allowed=allowed)
    return r.start, r.stop - r.start


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + "..." + text[-10:]


def _results_from_bytes(data: bytes) -> Results:
    """Rebuild pickled results."""
    return Results(_core.RunResults.from_bytes(data))


def _scenario_from_json(text: str) -> Scenario:
    """Rebuild a pickled scenario."""
    return Scenario(_core.Scenario.from_json(text, "pickle"))


def _to_json(d: Mapping[str, Any], prefix: str = "") -> str:
    """A scenario dict as JSON text, checked first so that every error names its field
    (``prefix`` is the path of ``d`` itself, if it is part of a scenario)."""
    return json.dumps(_plain(d, prefix, 0), allow_nan=False)


def _plain(value: Any, path: str, depth: int) -> Any:
    """``value`` as plain JSON data: finite numbers, whole numbers that fit 64 bits, text keys,
    at most ``_MAX_DEPTH`` levels. NumPy scalars and arrays become numbers and lists."""
    where = path or "the scenario"
    if depth > _MAX_DEPTH:
        raise ConfigError(f"{where}: nested too deeply (more than {_MAX_DEPTH} levels)", path=path,
                          value="a dict or list", allowed=f"at most {_MAX_DEPTH} levels of nesting")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        whole = int(value)
        if -(2**63) <= whole <= _U64_MAX:
            return whole
        # Beyond 64 bits: as a float, so that the field's own range check answers (a count and a
        # multiplier have different limits); only a number beyond any float is refused here.
        try:
            return float(whole)
        except OverflowError:
            raise ConfigError(f"{where}: the whole number {_short(whole)} is too large", path=path,
                              value=_short(whole), allowed="a number below about 1.8e308") from None
    if isinstance(value, numbers.Real):
        real = float(value)
        if not math.isfinite(real):
            raise ConfigError(f"{where}: got {real}; scenario values must be finite numbers", path=path,
                              value=repr(real), allowed="a finite number")
        return real
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError(f"{where}: field names must be text, got {key!r}", path=path, value=repr(key),
                                  allowed="text")
            plain[key] = _plain(item, f"{path}.{key}" if path else key, depth + 1)
        return plain
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise ConfigError(f"{where}: cannot use a {type(value).__name__} in a scenario: {_short(value)}", path=path,
                      value=_short(value), allowed="a number, text, true/false, a list or a dict")


def _progress_callback(progress: Progress, total: int) -> tuple[Callable[[int, int], object] | None, Any]:
    if not (progress is None or progress is True or progress is False or callable(progress)):
        raise ConfigError(f"progress must be None, True, False or a function progress(done, total), got "
                          f"{_short(progress)}", path="progress", value=_short(progress),
                          allowed="None, True, False or a callable")
    if progress is False:
        return None, None
    if callable(progress):
        return progress, None
    from tqdm.auto import tqdm

    # Shown only once the run has taken a second, unless asked for outright.
    bar = tqdm(total=total, unit="rep", desc="replications", delay=0 if progress is True else 1.0)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return update, bar


class Results:
    """The results of a run: NumPy arrays per replication and tidy pandas tables.

    Months are labelled by their last day: stocks are positions at the end of the month, flows
    happen during it.

    Results of runs over replication ranges merge (:meth:`merge`) into exactly the results of
    one run, pickle (compactly, portably: they can go to another machine) and compare equal
    (``==``) when every number is the same, bit for bit.

    >>> import pickle
    >>> r = carecast.Scenario.preset("wolverhampton-2015").run(range(3, 5), 1, seed=2, progress=False)
    >>> r.replication_range, pickle.loads(pickle.dumps(r)) == r
    (range(3, 5), True)
    """

    __slots__ = ("_inner", "_months")

    def __init__(self, inner: _core.RunResults) -> None:
        self._inner = inner
        self._months = pd.date_range(pd.Period(inner.start, freq="M").to_timestamp(how="end").normalize(),
                                     periods=inner.months, freq="ME")

    @property
    def replications(self) -> int:
        """Number of replications."""
        return self._inner.replications

    @property
    def first_replication(self) -> int:
        """Index of the first replication (0 unless the run was over a range)."""
        return self._inner.first_replication

    @property
    def replication_range(self) -> range:
        """The replications held, by their global index: ``range(0, replications)`` for a run
        of ``n``."""
        first = self._inner.first_replication
        return range(first, first + self._inner.replications)

    @property
    def seed(self) -> int:
        """The run's seed."""
        return self._inner.seed

    @classmethod
    def merge(cls, parts: Iterable[Results]) -> Results:
        """Results of runs of one scenario over contiguous replication ranges (in any order),
        merged into exactly what one run over their union gives.

        The parts must share the scenario, seed and years, and their ranges must leave no gap
        and not overlap; otherwise a :class:`ConfigError` names what differs.
        """
        if isinstance(parts, Results) or not isinstance(parts, Iterable):
            raise ConfigError(f"parts must be a list of Results, got {_short(parts)}", path="parts",
                              value=_short(parts), allowed="a list of Results")
        parts = list(parts)
        for i, part in enumerate(parts):
            if not isinstance(part, Results):
                raise ConfigError(f"parts[{i}] must be Results, got {_short(part)}", path=f"parts[{i}]",
                                  value=_short(part), allowed="Results")
        return cls(_core.RunResults.merge([p._inner for p in parts]))

    def __eq__(self, other: object) -> bool:
        """Results are equal when they come from the same scenario (compared by its fingerprint,
        so a renamed copy is another scenario), seed and replications, and every number is the
        same, bit for bit."""
        if not isinstance(other, Results):
            return NotImplemented
        return self._inner.equals(other._inner)

    __hash__ = None  # type: ignore[assignment]  # compared by value

    def __reduce__(self) -> tuple[Callable[[bytes], Results], tuple[bytes]]:
        """Pickle as the core's portable, versioned bytes (see ``RunResults::to_bytes``)."""
        return (_results_from_bytes, (self._inner.to_bytes(),))

    @property
    def months(self) -> pd.DatetimeIndex:
        """The simulated months (their last days)."""
        return self._months

    @property
    def localities(self) -> list[str]:
        """Locality names."""
        return list(self._inner.localities)

    @staticmethod
    def indicator_names() -> list[str]:
        """Every name :meth:`array` accepts."""
        return list(_core.RunResults.indicator_names())

    def array(self, name: str) -> npt.NDArray[np.float64]:
        """A monthly indicator per replication, shape (replications, months).

        >>> r = carecast.Scenario.preset("wolverhampton-2015").run(2, 1, seed=3, progress=False)
        >>> r.array("lac_rate_per_10k").shape
        (2, 12)
        """
        return self._inner.array(name)

    def indicators(self, names: Iterable[str] = HEADLINE_INDICATORS) -> pd.DataFrame:
        """Monthly indicators in long form: replication (its global index), month, indicator,
        value."""
        frames = []
        for name in names:
            a = self.array(name)
            frames.append(pd.DataFrame({
                "replication": np.repeat(self.first_replication + np.arange(a.shape[0]), a.shape[1]),
                "month": np.tile(self._months, a.shape[0]),
                "indicator": name,
                "value": a.ravel(),
            }))
        return pd.concat(frames, ignore_index=True)

    def summary(self, names: Iterable[str] = HEADLINE_INDICATORS) -> pd.DataFrame:
        """Mean and 5th/50th/95th percentiles across replications, per indicator and month.

        >>> r = carecast.Scenario.preset("wolverhampton-2015").run(8, 1, seed=3, progress=False)
        >>> list(r.summary().columns)
        ['indicator', 'month', 'mean', 'p5', 'p50', 'p95']
        """
        rows = []
        for name in names:
            a = self.array(name)
            p5, p50, p95 = np.percentile(a, [5, 50, 95], axis=0)
            rows.append(pd.DataFrame({"indicator": name, "month": self._months, "mean": a.mean(axis=0),
                                      "p5": p5, "p50": p50, "p95": p95}))
        return pd.concat(rows, ignore_index=True)

    def shares(self) -> pd.DataFrame:
        """The four headline shares over the first 12 months and per financial year, with mean and
        5th/50th/95th percentiles across replications."""
        rows = []
        first = self._inner.shares_first_year()
        by_year = self._inner.shares_by_financial_year()
        years = self._inner.financial_years()
        for name in SHARES:
            periods: list[tuple[str, npt.NDArray[np.float64]]] = [("first 12 months", first[name])]
            periods += [(fy, by_year[name][:, j]) for j, fy in enumerate(years)]
            for period, values in periods:
                v = values[np.isfinite(values)]
                stats = np.percentile(v, [5, 50, 95]) if v.size else [np.nan] * 3
                rows.append({"share": name, "period": period, "mean": v.mean() if v.size else np.nan,
                             "p5": stats[0], "p50": stats[1], "p95": stats[2]})
        return pd.DataFrame(rows)

    def stocks(self, by: Sequence[str] = ("state",)) -> pd.DataFrame:
        """Children by month and by any of ``state``, ``age_band``, ``locality``.

        By ``state`` alone the statistics are exact over every replication. Broken down further,
        the mean is exact and the spread (sd, percentiles) is given only for the full breakdown
        by state, age band and locality, from the first replications kept for quantiles.
        """
        dims = ("state", "age_band", "locality")
        by = list(by)
        if not set(by) <= set(dims) or len(set(by)) != len(by):
            raise ConfigError(f"by must name some of {dims} once each, got {by}",
                              path="by", value=repr(by), allowed=f"a subset of {dims}")
        if by == ["state"]:
            return self._exact("stock_", _core.STATES, "state")
        summary = self._inner.stocks()
        labels = {"state": _core.STATES, "age_band": _core.AGE_BANDS, "locality": self.localities}
        keep = [dims.index(d) for d in by]
        drop = tuple(i for i in range(3) if i not in keep)
        stats = ["mean", "sd", "p5", "p50", "p95"] if not drop else ["mean"]
        arrays = {s: summary[s].sum(axis=drop) if drop else summary[s] for s in stats}
        # Move the kept dims into the order asked for, then month last.
        order = sorted(range(len(keep)), key=lambda i: keep[i])
        perm = [*(order.index(i) for i in range(len(keep))), len(keep)]
        arrays = {s: np.transpose(a, perm) for s, a in arrays.items()}
        index = pd.MultiIndex.from_product([labels[d] for d in by] + [self._months], names=[*by, "month"])
        return pd.DataFrame({s: a.ravel() for s, a in arrays.items()}, index=index).reset_index()

    def in_care(self, by: str = "placement") -> pd.DataFrame:
        """Children looked after at the end of each month by ``placement`` or ``legal_status``,
        with mean, sd and 5th/50th/95th percentiles across every replication. The UASC among
        them are ``array("uasc_in_care")``.

        >>> r = carecast.Scenario.preset("wolverhampton-2015").run(2, 1, seed=3, progress=False)
        >>> sorted(r.in_care(by="legal_status")["legal_status"].unique())[:2]
        ['care_order', 'interim_care_order']
        """
        prefix, labels = _in_care_series(by)
        return self._exact(prefix, labels, by)

    def flows(self, by: Sequence[str] = ("move",)) -> pd.DataFrame:
        """Children moving, per month, by ``move`` (or in total with ``by=[]``), with mean and
        5th/50th/95th percentiles across replications."""
        by = list(by)
        if by not in (["move"], []):
            raise ConfigError(f"flows can be broken down by ['move'] or [], got {by}",
                              path="by", value=repr(by), allowed="['move'] or []")
        # One move at a time (replications x months each): a large run's flows are never one
        # replications x moves x months array. Whole counts: the total is exact in any order.
        flows: Iterator[npt.NDArray[np.float64]] = (self._inner.flow(i) for i in range(len(_core.MOVES)))
        if not by:
            total = next(flows).copy()
            for f in flows:
                total += f
            flows = iter([total])
        columns: dict[str, list[npt.NDArray[np.float64]]] = {"mean": [], "p5": [], "p50": [], "p95": []}
        for a in flows:
            columns["mean"].append(a.mean(axis=0))
            for name, q in zip(("p5", "p50", "p95"), np.percentile(a, [5, 50, 95], axis=0), strict=True):
                columns[name].append(q)
        labels = list(_core.MOVES) if by else ["all"]
        index = pd.MultiIndex.from_product([labels, self._months], names=["move", "month"])
        df = pd.DataFrame({k: np.concatenate(v) for k, v in columns.items()}, index=index).reset_index()
        return df if by else df.drop(columns="move")

    def budget(self, scenario: Scenario, basis: str = "nominal") -> pd.DataFrame:
        """The modelled spend of ``scenario`` (the scenario these results were run from) by
        financial year and cost line, in pounds: mean, 5th/50th/95th percentiles and Monte Carlo
        standard error across replications. ``basis``: ``nominal`` (cash, the default: what a
        budget is set in), ``real`` (the base year's prices) or ``discounted``.

        >>> s = carecast.Scenario.preset("wolverhampton-2015")
        >>> b = s.run(4, 1, seed=1, progress=False).budget(s)
        >>> list(b.line.unique())[:3], list(b.financial_year.unique())
        (['placements', 'other statutory activity', 'estate and existing services'], ['2015/16'])
        """
        from .finance import budget

        return budget(self, scenario, basis)

    def parameter_draws(self) -> pd.DataFrame:
        """The values drawn for the uncertain parameters, one row per replication and parameter.

        Columns ``replication``, ``parameter`` (the path, as :meth:`Scenario.parameters` names it:
        a policy field under the path where its distribution is written, ``policy.`` or
        ``changes[i].set.``; unit costs under ``costs.``; then the parameters of the scenario's
        ``[[uncertainty.parameters]]`` table, then the columns of the sample it carries
        (:attr:`Scenario.sample`), or instead those of a ``parameter_sample`` not listed
        before) and ``value``; rows replication by
        replication, numbered globally (a run over a range starts at its first replication). No
        rows when nothing is uncertain. Unit costs are the draws the run's own
        scenario prices it with.

        >>> r = carecast.Scenario.preset("wolverhampton-2015-redesign").run(3, 1, seed=1, progress=False)
        >>> d = r.parameter_draws()
        >>> list(d.columns), d.replication.nunique()
        (['replication', 'parameter', 'value'], 3)
        >>> d.pivot(index="replication", columns="parameter", values="value").shape[0]
        3
        """
        names, draws = self._inner.parameter_draws()
        reps, count = draws.shape
        return pd.DataFrame({
            "replication": np.repeat(self.first_replication + np.arange(reps), count),
            "parameter": np.tile(np.array(names, dtype=object), reps),
            "value": draws.ravel(),
        })

    def _exact(self, prefix: str, labels: Sequence[str], column: str) -> pd.DataFrame:
        rows = []
        for label in labels:
            a = self.array(prefix + label)
            p5, p50, p95 = np.percentile(a, [5, 50, 95], axis=0)
            rows.append(pd.DataFrame({column: label, "month": self._months, "mean": a.mean(axis=0),
                                      "sd": a.std(axis=0, ddof=1) if a.shape[0] > 1 else 0.0,
                                      "p5": p5, "p50": p50, "p95": p95}))
        return pd.concat(rows, ignore_index=True)

    def __repr__(self) -> str:
        r = self.replication_range
        which = f"{self.replications} replications" if r.start == 0 else f"replications range({r.start}, {r.stop})"
        return f"Results({which} x {len(self._months)} months from {self._months[0]:%Y-%m}, seed {self.seed})"


from ._sweep import Grid, Sweep, SweepError, sweep  # noqa: E402
from .finance import Comparison, compare  # noqa: E402  (needs Scenario and Results above)
from .options import Options, Waterfall, waterfall  # noqa: E402
from .reconciliation import reconcile  # noqa: E402


def backtest(
    returns: ReturnsLike,
    fit_to: datetime.date | str,
    test_to: datetime.date | str,
    window_months: int = 36,
    base: str | os.PathLike[str] | Scenario | None = None,
    population: str | os.PathLike[str] | Sequence[float] | None = None,
    replications: int = 100,
    seed: int = 20150401,
    include_uasc: bool = False,
    *,
    cin: CinLike | None = None,
    early_help: EarlyHelpLike | None = None,
    **build_kwargs: Any,
) -> Backtest:
    """Fit a scenario on the returns up to ``fit_to`` only, project it to ``test_to``, and
    compare with what the returns show happened: the stock in total, by age band and by
    placement on each anniversary of ``fit_to`` (the last day of a month; 31 March compares
    collection years), and entries and exits in each year, each with the projection's mean and
    90% interval (5th to 95th percentile of ``replications``) and whether the observed figure
    fell inside. The Python twin of ``carecast backtest``; see docs/returns.md and
    ``carecast.returns.backtest``.

    The arguments are those of :meth:`Scenario.from_returns`. With ``cin`` (and
    ``early_help``), cut at ``fit_to`` like the returns, the pre-care side is fitted too and the
    table adds the census's referrals, child in need and protection starts and protection plans
    year by year. ``build_kwargs`` go to
    ``carecast.returns.build.build``. The result has ``.table``, ``.summary()``, ``.plot()``,
    ``.scenario``, ``.report`` and ``.write(directory)``.

    >>> bt = carecast.backtest("ssda903", "2015-03-31", "2017-03-31",
    ...                        population=[2000] * 18, replications=50)   # doctest: +SKIP
    >>> print(bt.summary())                                               # doctest: +SKIP
    """
    from .returns.backtest import backtest as run_backtest

    return run_backtest(returns, fit_to, test_to, window_months=window_months, base=base, population=population,
                        replications=replications, seed=seed, include_uasc=include_uasc, cin=cin,
                        early_help=early_help, **build_kwargs)  # fmt: skip
