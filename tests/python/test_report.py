"""Self-contained HTML reports."""

import os
import re

from carecast.cli import main


def test_comparison_report_is_self_contained(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--compare", "wolverhampton-2015", "wolverhampton-2015-redesign",
                 "--replications", "6", "--years", "2", "--out", str(out), "--quiet"]) == 0
    text = out.read_text()
    assert text.startswith("<!doctype html>")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', text)) == 4
    assert "Savings by financial year" in text and "Assumptions" in text and "2016/17" in text
    for words in ("placements avoided", "other statutory activity avoided", "reinvestment: early help",
                  "non-cashable net savings", "probability of having paid back",
                  "staying so to the end of the horizon, April 2015 to March 2017"):
        assert words in text, words
    assert text.index("probability of having paid back") < text.index("edian payback")
    assert "http" not in text.split("<body>")[1], "nothing is fetched from elsewhere"
    assert os.stat(out).st_mode & 0o044, "readable by others, like any new file"
    assert not [p for p in tmp_path.iterdir() if p.name != "report.html"]


def test_scenario_report_and_errors(tmp_path, capsys):
    out = tmp_path / "one.html"
    assert main(["report", "wolverhampton-2015", "--replications", "4", "--years", "1", "--out", str(out),
                 "--quiet"]) == 0
    assert "Children looked after" in out.read_text()
    assert "Budget forecast" in out.read_text() and "placements" in out.read_text()
    assert main(["report", "nowhere", "--out", str(tmp_path / "x.html")]) == 2
    assert main(["report", "wolverhampton-2015", "--compare", "a", "b", "--out", str(tmp_path / "y.html")]) == 2
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "y.html").exists()
