"""A parameter sample a scenario carries (``[uncertainty.sample]``): loaded from the CSV file
beside the scenario file, set with ``Scenario.with_sample``, saved beside its TOML by
``Scenario.save`` and the command line, and used by each replication of a run."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import carecast
from carecast import ConfigError, Scenario

REFERRAL = "hazards.not_known.referral.age_5_9"
SIBLINGS = "hazards.sibling_group_entry"
ROWS = [(0.020, 0.30), (0.026, 0.45), (0.032, 0.60)]


def _posterior() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=[REFERRAL, SIBLINGS])


def _write_scenario(directory: Path, csv: str, name: str = "s") -> Path:
    (directory / f"{name}.toml").write_text(
        'base = "wolverhampton-2015"\n\n[uncertainty.sample]\nfile = "posterior.csv"\n', encoding="utf-8")
    (directory / "posterior.csv").write_text(csv, encoding="utf-8")
    return directory / f"{name}.toml"


def _taken(results: carecast.Results) -> list[tuple[float, float]]:
    """The (referral, siblings) values each replication ran with."""
    d = results.parameter_draws()
    wide = d.pivot(index="replication", columns="parameter", values="value")
    return list(zip(wide[REFERRAL], wide[SIBLINGS], strict=True))


def test_a_scenario_file_with_a_sample_file_beside_it(tmp_path: Path) -> None:
    path = _write_scenario(tmp_path, f"{REFERRAL},{SIBLINGS}\n0.020,0.30\n0.026,0.45\n0.032,0.60\n")
    s = Scenario.load(path)
    assert s.sample is not None
    pd.testing.assert_frame_equal(s.sample, _posterior())
    # Loaded from elsewhere: the file is found beside the scenario file, not in the working directory.
    assert Scenario.load(os.path.relpath(path)) == s
    r = s.run(12, years=1, seed=3, progress=False)
    taken = _taken(r)
    assert set(taken) <= set(ROWS)
    assert len(set(taken)) > 1
    # The same seed takes the same rows, whatever the threads and however the range is split.
    assert _taken(s.run(12, years=1, seed=3, threads=1, progress=False)) == taken
    parts = [s.run(range(0, 5), years=1, seed=3, progress=False), s.run(range(5, 12), years=1, seed=3, progress=False)]
    assert carecast.Results.merge(parts) == r
    # A parameter_sample given to run wins over the carried sample.
    outside = s.run(2, years=1, seed=3, progress=False, parameter_sample={REFERRAL: [0.021, 0.022]})
    d = outside.parameter_draws()
    assert SIBLINGS not in set(d.parameter)
    assert d[d.parameter == REFERRAL].value.tolist() == [0.021, 0.022]


def test_with_sample_save_and_load_round_trip(tmp_path: Path) -> None:
    base = Scenario.preset("wolverhampton-2015")
    assert base.sample is None
    s = base.with_sample(_posterior())
    assert s != base
    assert s.with_sample(None) == base
    written = s.save(tmp_path / "mine.toml")
    assert written == [str(tmp_path / "mine.sample.csv"), str(tmp_path / "mine.toml")]
    assert 'file = "mine.sample.csv"' in (tmp_path / "mine.toml").read_text(encoding="utf-8")
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")], "no temporary file is left"
    back = Scenario.load(tmp_path / "mine.toml")
    assert back == s
    assert back.sample is not None
    pd.testing.assert_frame_equal(back.sample, _posterior())
    # The rows go in place in to_toml, and through pickling and dicts.
    assert Scenario.from_dict(s.to_dict()) == s
    import pickle

    assert pickle.loads(pickle.dumps(s)) == s
    # A user's file is never replaced without overwrite=True, and nothing is written.
    other = base.with_sample(_posterior().iloc[:1])
    with pytest.raises(ConfigError, match="overwrite=True") as e:
        other.save(tmp_path / "mine.toml")
    assert e.value.path == "path"
    assert Scenario.load(tmp_path / "mine.toml") == s
    other.save(tmp_path / "mine.toml", overwrite=True)
    assert Scenario.load(tmp_path / "mine.toml") == other
    # Without a sample only the TOML is written.
    assert base.save(tmp_path / "plain.toml") == [str(tmp_path / "plain.toml")]
    assert Scenario.load(tmp_path / "plain.toml") == base


def test_the_run_takes_the_samples_values() -> None:
    s = Scenario.preset("wolverhampton-2015").with_sample({SIBLINGS: [0.3, 0.45, 0.6]})
    d = s.run(8, years=1, seed=11, progress=False).parameter_draws()
    d = d[d.parameter == SIBLINGS]
    assert set(d.value) <= {0.3, 0.45, 0.6}
    assert d.replication.tolist() == list(range(8))
    # finance.central fixes each column at its mean, which takes the sample out.
    from carecast.finance import central

    fixed = central(s)
    assert fixed.sample is None
    assert fixed.parameter(SIBLINGS) == pytest.approx(0.45, abs=1e-12)


def test_the_cli_writes_the_sample_beside_scenario_toml(tmp_path: Path) -> None:
    from carecast.cli import main

    path = _write_scenario(tmp_path, f"{SIBLINGS}\n0.3\n0.6\n")
    out = tmp_path / "out"
    code = main(["run", str(path), "--replications", "2", "--years", "1", "--out", str(out), "--quiet"])
    assert code == 0
    assert (out / "scenario.sample.csv").read_text(encoding="utf-8") == f"{SIBLINGS}\n0.3\n0.6\n"
    assert Scenario.load(out / "scenario.toml") == Scenario.load(path)


@pytest.mark.parametrize(("csv", "where", "what"), [
    ("", "posterior.csv", "an empty file"),
    (f"{REFERRAL}\n", "posterior.csv", "no rows"),
    ("hazards.nothing\n0.1\n", 'column "hazards.nothing"', "no such parameter"),
    (f"{SIBLINGS}\n0.3\nhalf\n", f'row 2 (line 3), column "{SIBLINGS}"', '"half"'),
    (f"{SIBLINGS}\n1.5\n", f'row 1 (line 2), column "{SIBLINGS}"', "1.5"),
    (f"{SIBLINGS},weight\n0.3,1\n", 'column "weight"', "a weight column"),
])
def test_bad_sample_files(tmp_path: Path, csv: str, where: str, what: str) -> None:
    path = _write_scenario(tmp_path, csv)
    with pytest.raises(ConfigError) as e:
        Scenario.load(path)
    assert "posterior.csv" in str(e.value.path) and where in str(e.value.path), e.value.path
    assert what in str(e.value.value), e.value.value


def test_bad_input(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('base = "wolverhampton-2015"\n[uncertainty.sample]\nfile = "gone.csv"\n',
                                     encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        Scenario.load(tmp_path / "s.toml")
    assert e.value.path == "uncertainty.sample.file"
    assert "gone.csv" in str(e.value.value)
    base = Scenario.preset("wolverhampton-2015")
    with pytest.raises(ConfigError) as e:
        base.with_sample(pd.DataFrame({SIBLINGS: [0.3, -1.0]}))
    assert e.value.path == f'uncertainty.sample.rows[1], column "{SIBLINGS}"'
    with pytest.raises(ConfigError) as e:
        base.with_sample(pd.DataFrame({"costs.discount_rate": [0.03]}))
    assert "costs.discount_rate" in str(e.value.path)
    with pytest.raises(ConfigError) as e:
        base.with_sample([0.3])  # type: ignore[arg-type]
    assert e.value.path == "sample"
    with pytest.raises(ConfigError) as e:
        base.with_sample({SIBLINGS: ["a"]})
    assert e.value.path == "sample"
    with pytest.raises(ConfigError) as e:
        base.save(tmp_path / "s.json")
    assert e.value.path == "path"
