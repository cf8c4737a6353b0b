"""Time a redraw of the web page as a person sees it (printed, never asserted in tests): serve
``carecast serve`` on a free port, open the page in Debian's headless chromium, type a new number
of intensive support places and press Enter, and time until the chart of children in care has changed
in the browser (the server's run of 40 replications x 3 years, the comparison, three charts, and
their way to the page).

Run: .venv/bin/python scripts/web_latency.py   (needs carecast[web], selenium, chromium and
chromium-driver: apt-get install chromium chromium-driver)
"""

from __future__ import annotations

import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "python"))

# The browser test's helpers: the server, the browser, the page.
import test_web as t


def main() -> None:
    fixture = t.server.__wrapped__()
    url, _proc = next(fixture)
    with tempfile.TemporaryDirectory() as downloads:
        driver = t._browser(pathlib.Path(downloads))
        try:
            page = t.Page(driver, url)
            times, whole = [], []
            # Intensive support places: each number changes the chart (early help places beyond the
            # waiting list change nothing, and a chart that does not change cannot be timed).
            for places in range(10, 90, 10):
                before, money = page.chart("in_care"), page.chart("savings")
                page.type_into("intensive_support.places", str(places))
                start = time.perf_counter()  # the Enter is sent: from here the page is on its own
                page.wait(lambda before=before: page.chart("in_care") != before, 30, "the chart", poll=0.01)
                times.append(time.perf_counter() - start)
                page.wait(lambda money=money: page.chart("savings") != money, 30, "the last chart", poll=0.01)
                whole.append(time.perf_counter() - start)
            print(f"web page redraw in the browser (type a value and Enter, until the chart has changed; 40 "
                  f"replications x 3 years): median {statistics.median(times):.3f} s of {len(times)} "
                  f"({', '.join(f'{x:.2f}' for x in times)}); the whole page (three charts and the tables): "
                  f"median {statistics.median(whole):.3f} s")
        finally:
            driver.quit()
    next(fixture, None)


if __name__ == "__main__":
    main()
