"""Self-contained HTML reports."""

import os
import re
from html.parser import HTMLParser

import carecast
from carecast import report
from carecast.cli import main

SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


class _TableText(HTMLParser):
    """The text a reader sees in a page's tables."""

    def __init__(self):
        super().__init__()
        self.depth, self.text = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "table"

    def handle_endtag(self, tag):
        self.depth -= tag == "table"

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def table_text(page: str) -> str:
    parser = _TableText()
    parser.feed(page)
    return " ".join(parser.text)


def swatches(page: str) -> dict[str, str]:
    """Each budget line's colour, from the square beside its name."""
    return dict((name, colour) for colour, name in
                re.findall(r'<span class=swatch style="background:(#[0-9A-Fa-f]{6})"></span>([^<]+)</td>', page))


def test_comparison_report_is_self_contained(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--compare", "wolverhampton-2015", "wolverhampton-2015-redesign",
                 "--replications", "6", "--years", "2", "--out", str(out), "--quiet"]) == 0
    text = out.read_text()
    assert text.startswith("<!doctype html>")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', text)) == 5
    assert re.search(r"<p class=headline>Over April 2015 to March 2017, .* (saves|costs) a net £[0-9.,]+m at "
                     r"2015/16 prices .*paid back by the end of 2016/17 is \d+%\.</p>", text)
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


def test_report_tables_are_in_plain_words_with_one_colour_per_line():
    base = carecast.Scenario.preset("wolverhampton-2015")
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    pages = [report.report(carecast.compare(base, redesign, replications=6, years=2, seed=seed, progress=False))
             for seed in (1, 2)]
    results = base.run(4, 1, seed=1, progress=False)
    single = report.report(base, results)
    for page in (*pages, single):
        words = table_text(page)
        assert words and not SNAKE.findall(words), SNAKE.findall(words)
    assert "net present value (£m, 2015/16 prices, discounted)" in table_text(pages[0])
    assert "<p class=headline>" in single and "children looked after on 31 March 2016" in single
    # The same line, the same colour: between two comparisons, and between a saving and its spend.
    first, second, spend = swatches(pages[0]), swatches(pages[1]), swatches(single)
    assert {"placements avoided", "reinvestment: early help", "net savings"} <= set(first)
    assert all(second[name] == colour for name, colour in first.items() if name in second)
    assert spend["placements"] == first["placements avoided"]
    lines = ("placements avoided", "other statutory activity avoided", "estate", "reinvestment: early help",
             "reinvestment: intensive support", "reinvestment: hubs and teams", "one-off: implementation")
    assert len({first[x] for x in lines}) == len(lines), "one colour per line"
    assert first["net savings"] not in {first[x] for x in lines} and "reinvestment" not in first
