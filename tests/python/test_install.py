"""A complete install (issue 8, item 2): what the README uses is a dependency, and each optional
capability names its extra when it is missing, with no traceback and no silent skip."""

import importlib.metadata
import json
import os
import pathlib
import re
import subprocess
import sys

import pandas as pd
import pytest

import carecast
from carecast.cli import main
from carecast.extras import MissingExtraError, require

TINY = ["--replications", "2", "--years", "1", "--quiet"]


def requirements():
    """{extra or "": {distribution names}} from the installed metadata."""
    found = {}
    for line in importlib.metadata.requires("carecast") or []:
        name = re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower()
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", line)
        found.setdefault(extra.group(1) if extra else "", set()).add(name)
    return found


def test_what_the_readme_uses_is_a_dependency():
    assert {"numpy", "pandas", "matplotlib", "openpyxl", "tqdm", "scipy"} <= requirements()[""]


def test_extras_and_all():
    found = requirements()
    assert "pyarrow" in found["parquet"]
    assert {"ipywidgets", "ipykernel"} <= found["notebooks"]
    assert "panel" in found["web"]
    assert {"dask", "distributed"} <= found["dask"]
    every = found["parquet"] | found["notebooks"] | found["calibrate"] | found["dask"] | found["web"]
    assert every <= found["all"], "carecast[all] installs every extra"


def test_missing_panel_names_the_extra(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "panel", None)  # as if not installed
    assert main(["serve", "--no-browser", "--port", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "carecast: error: carecast serve needs panel: pip install 'carecast[web]'\n"


def test_missing_pyarrow_names_the_extra_before_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    assert main(["run", "--replications", "200", "--years", "10", "--quiet", "--out", str(tmp_path / "out"),
                 "--parquet"]) == 2
    captured = capsys.readouterr()
    assert "carecast: error: Parquet output needs pyarrow: pip install 'carecast[parquet]'" in captured.err
    assert captured.out == "" and os.listdir(tmp_path) == []


def test_parquet_only_when_asked(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    assert main(["run", *TINY, "--out", str(tmp_path / "csv")]) == 0
    assert not [p for p in os.listdir(tmp_path / "csv") if p.endswith(".parquet")]
    assert main(["run", *TINY, "--out", str(tmp_path / "pq"), "--parquet"]) == 0
    written = set(os.listdir(tmp_path / "pq"))
    assert {"indicators.parquet", "summary.parquet", "shares.parquet", "stocks.parquet", "flows.parquet"} <= written
    assert set(json.loads((tmp_path / "pq" / "run.json").read_text())["files"]) == written
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "pq" / "shares.parquet"),
                                  pd.read_csv(tmp_path / "pq" / "shares.csv"), check_dtype=False)
    assert main(["run", *TINY, "--parquet"]) == 2
    assert "--out" in capsys.readouterr().err


def test_compare_always_writes_the_workbook(tmp_path):
    assert main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", *TINY,
                 "--out", str(tmp_path / "cmp")]) == 0
    assert (tmp_path / "cmp" / "comparison.xlsx").exists()


def test_missing_openpyxl_or_matplotlib_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    assert main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", *TINY,
                 "--out", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err
    assert "needs openpyxl" in err and "pip install openpyxl" in err and "Traceback" not in err
    assert os.listdir(tmp_path) == [], "no workbook, no output at all: never a silent skip"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["report", *TINY, "--out", str(tmp_path / "r.html")]) == 2
    assert "needs matplotlib" in capsys.readouterr().err


def test_widgets_name_the_notebooks_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(MissingExtraError, match=re.escape("pip install 'carecast[notebooks]'")) as info:
        require("ipywidgets")
    assert info.value.extra == "notebooks"
    assert isinstance(info.value, ImportError) and isinstance(info.value, carecast.CarecastError)
    assert len(str(info.value).splitlines()) == 1


def test_the_notebook_uses_the_helper():
    source = pathlib.Path(__file__).resolve().parents[2] / "notebooks" / "02_scenario_explorer.ipynb"
    cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert 'require("ipywidgets")' in code and "import ipywidgets" not in code


def test_the_command_line_help_documents_parquet_and_overwrite():
    r = subprocess.run([sys.executable, "-m", "carecast.cli", "run", "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "--parquet" in r.stdout and "carecast[parquet]" in r.stdout and "--overwrite" in r.stdout
