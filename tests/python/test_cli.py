"""The carecast command line."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from carecast.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "carecast.cli", *args], capture_output=True, text=True)


def test_presets(capsys):
    assert main(["presets"]) == 0
    assert capsys.readouterr().out.split() == ["wolverhampton-2015", "wolverhampton-2015-redesign"]


def test_validate_preset_and_file(tmp_path, capsys, baseline):
    assert main(["validate", "wolverhampton-2015-redesign"]) == 0
    p = tmp_path / "s.toml"
    p.write_text(baseline.to_toml())
    assert main(["validate", str(p)]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_reports_errors_with_exit_2(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text('base = "wolverhampton-2015"\n[hazards]\nsibling_group_entry = 1.2\n')
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert "hazards.sibling_group_entry" in err and "1.2" in err and "[0, 1]" in err
    assert main(["validate", "nowhere"]) == 2
    assert main(["validate", str(tmp_path / "missing.toml")]) == 2


def test_run_writes_reproducible_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--replications", "4", "--years", "2", "--seed", "9", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "Children looked after at 31 March" in text and "share_entries_aged_5_plus" in text
    # Money in plain words: a headline sentence, then spend by financial year and cost line.
    assert "Budget forecast (£m, cash prices; mean and 90% interval across replications)" in text
    assert "spend on children's social care (the lines below) at £" in text and "on placements" in text
    forecast = text.split("Budget forecast")[1]
    assert "placements" in forecast and "2015/16" in forecast and "2016/17" in forecast and "total" in forecast
    files = set(os.listdir(out))
    budget = pd.read_csv(out / "budget.csv")
    assert set(budget.financial_year) == {"2015/16", "2016/17"} and "total" in set(budget.line)
    expected = {"budget.csv", "indicators.csv", "summary.csv", "shares.csv", "stocks.csv", "flows.csv",
                "scenario.toml", "run.json"}
    assert expected <= files
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 9 and meta["replications"] == 4
    # The written scenario and seed reproduce the numbers.
    again = tmp_path / "again"
    assert main(["run", str(out / "scenario.toml"), "--replications", "4", "--years", "2", "--seed", "9",
                 "--out", str(again), "--quiet"]) == 0
    a = pd.read_csv(out / "indicators.csv")
    b = pd.read_csv(again / "indicators.csv")
    pd.testing.assert_frame_equal(a, b)
    assert sorted(meta["files"]) == sorted(files)
    # An earlier output is replaced (whole) only when asked.
    assert main(["run", "--replications", "2", "--years", "1", "--out", str(out), "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert json.loads((out / "run.json").read_text())["replications"] == 4
    assert main(["run", "--replications", "2", "--years", "1", "--out", str(out), "--quiet", "--overwrite"]) == 0
    assert json.loads((out / "run.json").read_text())["replications"] == 2
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".carecast-")]


def test_failed_run_leaves_no_output(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "nowhere", "--out", str(out)]) == 2
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".carecast-")]


@pytest.mark.parametrize("args, fragment", [
    (["run", "--replications", "0"], "whole number >= 1"),
    (["run", "--years", "ten"], "expected a whole number"),
    (["run", "--seed", "-3"], "0 to 2^64-1"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_bad_arguments_exit_2_with_a_message(args, fragment):
    r = run_cli(*args)
    assert r.returncode == 2
    assert fragment in r.stderr


def test_a_usage_error_is_one_line_like_every_other_error():
    r = run_cli("estimate", "returns", "--census-date", "2016-03-31", "--year", "bad")
    assert r.returncode == 2
    assert r.stderr.startswith("carecast: error: ") and len(r.stderr.splitlines()) == 1, r.stderr
    assert "usage:" not in r.stderr


def test_cin_before_the_ssda903_path_is_explained(tmp_path):
    r = run_cli("estimate", "--census-date", "2016-03-31", "--out", str(tmp_path / "s.toml"),
                "--cin", str(tmp_path / "cin"), str(tmp_path / "ssda903"))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert "put SSDA903_PATH before --cin" in r.stderr


def test_console_script_runs_default(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "carecast")
    r = subprocess.run([exe, "run", "--replications", "2", "--years", "1", "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "wolverhampton-2015: 2 replications x 1 years" in r.stdout


def test_closed_standard_output_is_an_error_not_a_traceback(tmp_path):
    # `carecast presets >&-`: Python starts with sys.stdout None.
    r = subprocess.run(["bash", "-c", f'"{sys.executable}" -m carecast.cli presets >&-'],
                       capture_output=False, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "standard output" in r.stderr, r.stderr
