"""The scenario explorer as a web page (issue 17): the page's handlers called directly, then the
page itself in a real browser (Debian's headless chromium driven by Selenium).

The browser test serves ``carecast serve`` in a subprocess on a free port, loads the page in two
browsers at once, moves a lever, waits for the chart to change, types an out-of-range value and
uploads a malformed file (each message appears next to its field and the page goes on), downloads
the workbook (it opens with openpyxl), and checks that a screenshot is not blank. Without
chromium it is skipped with a message naming the Debian packages; nothing downloads a browser
or a driver.
"""

from __future__ import annotations

import base64
import io
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

import carecast
from carecast.cli import main

pytest.importorskip("panel", reason="the web page needs carecast[web]: pip install 'carecast[web]'")

from carecast.web import LEVERS, MAX_UPLOAD_BYTES, Cancelled, Explorer, read_upload

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


# -- the page's handlers, without a browser ----------------------------------------------------------


@pytest.fixture(scope="module")
def explored():
    """A page that has run once as loaded and once with more early help places."""
    page = Explorer()
    as_loaded = page.run()
    page.set_lever("early_help.places", 1200)
    more = page.run()
    return page, as_loaded, more


def test_opens_on_the_default_preset_with_its_levers():
    page = Explorer()
    assert page.baseline.name == carecast.presets()[0]
    assert page.values["early_help.places"] == 760  # the preset's places
    assert page.values["outreach.identification_multiplier"] == 1.0
    assert page.plan().scenario == page.baseline, "no lever moved: the scenario is the one loaded"


def test_a_lever_changes_the_scenario_from_its_start_month(explored):
    page, as_loaded, more = explored
    scenario = page.plan().scenario
    change = scenario.to_dict()["changes"][-1]
    assert change["from"] == page.starts["hubs"] and change["set"]["early_help"]["places"] == 1200
    assert "No lever moved" in as_loaded.headline
    # Paired on the same random numbers: before the change starts the two runs are the same.
    c = more.comparison
    avoided = c.baseline_results.array("lac_stock") - c.scenario_results.array("lac_stock")
    assert (avoided[:, :12] == 0).all() and (avoided[:, 12:] != 0).any()
    assert more.in_care[:8] == b"\x89PNG\r\n\x1a\n" and more.in_care != as_loaded.in_care
    assert list(more.savings_table["financial year"]) == c.financial_years
    assert len(more.payback_table) == len(c.financial_years)


def test_downloads_are_what_the_command_line_writes(explored, tmp_path):
    import openpyxl

    page, _, _ = explored
    (tmp_path / "comparison.xlsx").write_bytes(page.workbook())
    book = openpyxl.load_workbook(tmp_path / "comparison.xlsx")
    assert len(book.sheetnames) > 3
    assert page.report().startswith(b"<!doctype html>")
    (tmp_path / "scenario.toml").write_bytes(page.scenario_file())
    again = carecast.Scenario.from_file(tmp_path / "scenario.toml")
    assert again.parameter(f"changes[{len(again.to_dict()['changes']) - 1}].set.early_help.places") == 1200


def test_an_out_of_range_value_gets_the_command_lines_message_next_to_its_field(tmp_path, capsys):
    page = Explorer()
    page.set_lever("outreach.identification_multiplier", 5000)
    assert page.run() is None
    message = page.errors["outreach.identification_multiplier"]
    assert "identification_multiplier: got 5000; allowed: a number from 0 to 1,000" in message
    # The same words as `carecast validate` of the scenario file that says the same.
    scenario = carecast.Scenario.preset("wolverhampton-2015").to_dict()
    scenario["changes"] = [{"from": "2016-04", "set": {"outreach": {"identification_multiplier": 5000}}}]
    (tmp_path / "bad.json").write_text(json.dumps(scenario))
    assert main(["validate", str(tmp_path / "bad.json")]) == 2
    assert message in capsys.readouterr().err
    # The page goes on: put right, it runs.
    page.set_lever("outreach.identification_multiplier", 1.5)
    assert page.run() is not None and page.errors == {}


def test_bad_run_settings_are_named():
    page = Explorer()
    page.set_lever("replications", 0)
    page.set_lever("years", 99)
    assert page.run() is None
    assert page.errors["replications"] == "replications must be a whole number >= 1, got 0"
    assert "years: got 99; allowed: at most 15 on the web page" in page.errors["years"]
    page.set_lever("early_help.places", -5)
    page.plan()
    assert "early_help.places: expected a whole number, 0 or more, got -5" in page.errors["early_help.places"]


def test_uploads_are_read_by_the_validated_reader_and_never_reach_other_files(tmp_path):
    page = Explorer()
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    assert page.load_upload("ours.toml", redesign.to_toml().encode())
    assert page.source == "file ours.toml" and page.values["early_help.places"] == 1150
    assert page.run() is not None
    # A malformed file: the reader's message, naming the file as uploaded; the page keeps its scenario.
    assert not page.load_upload("broken.toml", b"name = \"x\"\n[[changes\n")
    assert page.errors["upload"].startswith("could not read scenario broken.toml: TOML parse error at line 2")
    assert "carecast-upload" not in page.errors["upload"] and page.values["early_help.places"] == 1150
    assert not page.load_upload("bad.json", b'{"base": "wolverhampton-2015", "policy": {"early_help": {"places": -1}}}')
    assert "policy.early_help.places" in page.errors["upload"]
    # Nothing outside the upload is read: a base or sample file by path is refused before reading.
    secret = tmp_path / "other.toml"
    secret.write_text(redesign.to_toml())
    for text in [f'base = "{secret}"\n', 'base = "../../other.toml"\n',
                 'base = "wolverhampton-2015"\n[uncertainty.sample]\nfile = "/etc/passwd"\n']:
        with pytest.raises(carecast.ConfigError, match="allowed on the web page"):
            read_upload("x.toml", text.encode())
    with pytest.raises(carecast.ConfigError, match="at most"):
        read_upload("big.toml", b"#" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(carecast.ConfigError, match=r"\.toml or \.json"):
        read_upload("run.py", b"import os")
    with pytest.raises(carecast.ConfigError, match="not UTF-8"):
        read_upload("x.toml", b"\xff\xfe\x00")


def test_a_scenario_estimated_from_returns_uploads_and_runs(tmp_path):
    """What `carecast estimate` writes from a council's returns (here synthetic ones) is a file the
    page takes."""
    from carecast.returns import synthetic

    authority = synthetic.generate(synthetic.Truth(population=(1000.0,) * 18), first_year=2014, last_year=2016,
                                   seed=11)
    authority.write(tmp_path / "ssda903")
    (tmp_path / "population.csv").write_text("age,children\n" + "".join(f"{a},1000\n" for a in range(18)))
    assert main(["estimate", str(tmp_path / "ssda903"), "--census-date", "2016-03-31", "--population",
                 str(tmp_path / "population.csv"), "--out", str(tmp_path / "ours.toml")]) == 0
    page = Explorer()
    assert page.load_upload("ours.toml", (tmp_path / "ours.toml").read_bytes()), page.errors
    assert page.baseline.name == "ours" and page.baseline.to_dict()["start"] == "2016-04"
    page.set_lever("intensive_support.places", 20)
    view = page.run()
    assert view is not None and view.comparison.financial_years[0] == "2016/17"


def test_cancel_stops_a_run_through_the_progress_callback():
    page = Explorer()
    page.set_lever("replications", 2000)
    page.set_lever("years", 10)
    cancel = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        cancel.set()  # as the Cancel button would, once the run is under way

    started = time.perf_counter()
    with pytest.raises(Cancelled):
        page.compute(page.plan(), cancel, progress)
    assert seen and max(seen) < 2000, "stopped long before the end"
    assert time.perf_counter() - started < 20  # a generous bound: the whole run takes far longer


def test_each_session_has_its_own_state():
    import carecast.web as web

    a, b = web.Explorer(), web.Explorer()
    a.set_lever("intensive_support.places", 60)
    a.load_upload("x.toml", carecast.Scenario.preset("wolverhampton-2015-redesign").to_toml().encode())
    assert b.values["intensive_support.places"] == 0 and b.baseline.name == "wolverhampton-2015"
    mutable = [name for name, value in vars(web).items()
               if isinstance(value, (list, dict, set)) and not name.isupper() and not name.startswith("__")]
    assert mutable == [], "no module-level mutable state"
    assert {lever.key for lever in LEVERS} >= {"early_help.places", "intensive_support.places"}


def test_the_widgets_handlers_show_messages_next_to_their_fields(monkeypatch):
    """The widgets' own handlers, called as Panel calls them, without a server or a browser."""
    import asyncio
    import types

    import carecast.web as web

    explorer = web.Explorer()
    explorer.panel()
    page = explorer._ui
    scheduled = []
    monkeypatch.setattr(page, "_schedule", lambda: scheduled.append(1))
    page._on_change("outreach.identification_multiplier", 5000)
    assert scheduled and explorer.values["outreach.identification_multiplier"] == 5000
    asyncio.run(page._run_loop())  # what the page runs in the background: it stops at the bad value
    pane = page.error_panes["outreach.identification_multiplier"]
    assert pane.visible and "got 5000; allowed: a number from 0 to 1,000" in pane.object
    assert page.status.object.startswith("Put right the value marked in red")
    page._on_change("outreach.identification_multiplier", 1.5)
    asyncio.run(page._run_loop())
    assert not pane.visible and page.status.object == "Up to date."
    assert page.charts["in_care"].object[:4] == b"\x89PNG" and not any(d.disabled for d in page.downloads)
    # A malformed upload: the message next to the upload; the levers keep their values.
    page.upload.filename = "broken.json"
    page._on_upload(types.SimpleNamespace(new=b'{"policy": '))
    assert page.error_panes["upload"].visible and "broken.json" in page.error_panes["upload"].object
    assert explorer.values["outreach.identification_multiplier"] == 1.5
    # A good one: the page starts again from it, the levers at its values.
    page.upload.filename = "ours.toml"
    page._on_upload(types.SimpleNamespace(new=carecast.Scenario.preset("wolverhampton-2015-redesign")
                                          .to_toml().encode()))
    assert not page.error_panes["upload"].visible
    assert page.widgets["intensive_support.places"].value == 60 and "ours.toml" in page.source.object


# -- the page in a browser -------------------------------------------------------------------------

DEEP = """
const [selector, scope] = arguments; const out = [];
const walk = (root) => {
  root.querySelectorAll(selector).forEach(e => out.push(e));
  root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) walk(e.shadowRoot); });
};
let roots = [document];
if (scope) {
  roots = [];
  const find = (root) => {
    root.querySelectorAll('.' + scope).forEach(e => roots.push(e.shadowRoot || e));
    root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) find(e.shadowRoot); });
  };
  find(document);
}
roots.forEach(walk);
return out;
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "carecast.cli", "serve", "--port", str(port), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    url = f"http://localhost:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    assert r.status == 200
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"carecast serve did not start: {proc.stdout.read()}") from None
                time.sleep(0.3)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _browser(downloads):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("no chromium here: the browser test needs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the browser test needs selenium "
                                    "(pinned in requirements-dev.txt)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900",
                "--disable-gpu"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    # The driver's path is given: Selenium Manager never looks for (or downloads) one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


class Page:
    """One browser session of the page, found through Panel's shadow roots."""

    def __init__(self, driver, url):
        self.d = driver
        driver.get(url)
        self.wait(lambda: self.chart("in_care"), 60, "the first chart")

    def find(self, selector, scope=None):
        return self.d.execute_script(DEEP, selector, scope)

    def chart(self, name):
        images = self.find("img", f"chart-{name}")
        src = images[0].get_attribute("src") if images else None
        return src if src and src.startswith("data:image/png") else None

    def lever_input(self, key):
        return self.find("input", f"lever-{key.replace('.', '-')}")[0]

    def error(self, key):
        panes = self.find("div", f"error-{key.replace('.', '-')}")
        return panes[0].text if panes and panes[0].is_displayed() else ""

    def wait(self, condition, seconds=30, what="the page", poll=0.2):
        from selenium.common.exceptions import StaleElementReferenceException

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                value = condition()
            except StaleElementReferenceException:  # Panel redrew it: look again
                value = None
            if value:
                return value
            time.sleep(poll)
        raise AssertionError(f"timed out waiting for {what}")

    def type_into(self, key, text, scope=None):
        """Type ``text`` into a lever's number box (as a person would: delete what is there, type,
        Enter); ``scope``: the class of another box's widget."""
        from selenium.webdriver.common.keys import Keys

        def typed():
            element = self.find("input", scope)[0] if scope else self.lever_input(key)
            element.click()
            element.send_keys(Keys.END, *[Keys.BACKSPACE] * 12, text, Keys.ENTER)
            return True

        self.wait(typed, 10, f"the {key} box")


def test_the_page_in_a_real_browser(server, tmp_path):
    url, proc = server
    from selenium.webdriver.common.action_chains import ActionChains

    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    da = _browser(a_dir)
    try:
        db = _browser(b_dir)
        try:
            a, b = Page(da, url), Page(db, url)
            first_a, first_b = a.chart("in_care"), b.chart("in_care")
            assert a.lever_input("early_help.places").get_attribute("value") == "760"

            # Move a lever by dragging its slider; the chart changes.
            handle = a.find(".noUi-handle", "lever-early_help-places")[0]
            ActionChains(da).drag_and_drop_by_offset(handle, 120, 0).perform()
            a.wait(lambda: a.lever_input("early_help.places").get_attribute("value") != "760", 10, "the lever")
            moved = a.wait(lambda: (a.chart("in_care") or first_a) != first_a and a.chart("in_care"), 60,
                           "the chart to change")
            places = int(a.wait(lambda: a.lever_input("early_help.places").get_attribute("value")).replace(",", ""))
            assert places > 760

            # The other session keeps its own state.
            assert b.lever_input("early_help.places").get_attribute("value") == "760"
            assert b.chart("in_care") == first_b
            b.type_into("intensive_support.places", "60")
            b.wait(lambda: b.chart("in_care") != first_b, 60, "the second session's chart")
            assert a.lever_input("intensive_support.places").get_attribute("value") == "0"
            assert a.chart("in_care") == moved

            # An out-of-range value: the command line's message next to the field; the page goes on.
            a.type_into("outreach.identification_multiplier", "5000")
            message = a.wait(lambda: a.error("outreach.identification_multiplier"), 20, "the message")
            assert "identification_multiplier: got 5000; allowed: a number from 0 to 1,000" in message
            a.type_into("outreach.identification_multiplier", "1.5")
            a.wait(lambda: not a.error("outreach.identification_multiplier"), 20, "the message to go")
            a.wait(lambda: a.chart("in_care") != moved, 60, "the chart after the fix")

            # A malformed upload: the reader's message next to the upload.
            bad = tmp_path / "broken.toml"
            bad.write_text('name = "x"\n[[changes\n')
            a.find("input[type=file]", "upload")[0].send_keys(str(bad))
            message = a.wait(lambda: a.error("upload"), 20, "the upload's message")
            assert "broken.toml: TOML parse error at line 2" in message

            # Download the workbook: it opens with openpyxl.
            a.find("button", "download-workbook")[0].click()
            book = a.wait(lambda: [p for p in a_dir.glob("*.xlsx") if p.stat().st_size > 0], 30, "the download")[0]
            time.sleep(0.5)  # let chromium finish renaming it
            import openpyxl

            assert len(openpyxl.load_workbook(book).sheetnames) > 3

            # A long run shows its progress and stops on Cancel; the charts keep the last run.
            shown = b.chart("in_care")
            b.type_into("years", "10", scope="setting-years")
            b.wait(lambda: b.chart("in_care") != shown, 60, "the ten-year run")
            shown = b.chart("in_care")
            b.type_into("replications", "2000", scope="setting-replications")
            b.wait(lambda: "Running 2000 replications" in b.find("div", "carecast-status")[0].text, 30, "the run")
            assert [x for x in b.find("progress") if x.is_displayed()], "a progress bar"
            b.wait(lambda: [x for x in b.find("button", "cancel-run") if x.is_enabled()], 30, "Cancel")[0].click()
            status = b.wait(lambda: "Cancelled" in (b.find("div", "carecast-status") or [None])[0].text
                            and b.find("div", "carecast-status")[0].text, 30, "the run to stop")
            assert status.startswith("Cancelled") and b.chart("in_care") == shown

            # A screenshot that is not blank.
            import numpy as np
            from PIL import Image

            png = base64.b64decode(da.get_screenshot_as_base64())
            (tmp_path / "page.png").write_bytes(png)
            pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
            assert pixels.std() > 20, f"the screenshot looks blank (pixel standard deviation {pixels.std():.1f})"
            assert proc.poll() is None, "the server is still running"
        finally:
            db.quit()
    finally:
        da.quit()


def test_a_port_in_use_is_one_line(server):
    url, _ = server
    port = url.rsplit(":", 1)[1].strip("/")
    r = subprocess.run([sys.executable, "-m", "carecast.cli", "serve", "--port", port, "--no-browser"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr == f"carecast: error: --host localhost --port {port}: cannot serve there: Address already in use\n"


def test_ctrl_c_stops_the_server(server):
    _, proc = server
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 130
    out = proc.stdout.read()
    assert "serving the scenario explorer at http://localhost:" in out and "stopped serving (SIGINT)" in out
