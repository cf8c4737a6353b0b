"""Print the latencies a user feels from Python (measured here, never asserted in tests):

- the Python path: a run, then the tables a notebook draws from;
- Ctrl-C: from SIGINT to KeyboardInterrupt during a long run;
- the GIL: how much another Python thread gets done during a run;
- a slider in the scenario explorer: change a lever, re-run, redraw the chart;
- the web page (carecast serve): a lever moved, the page's re-run, comparison, tables and three
  charts rendered, as the server does it (scripts/web_latency.py times it in a browser too).

Run: .venv/bin/python scripts/latency.py
"""

from __future__ import annotations

import os
import signal
import statistics
import threading
import time

import carecast


def timed(f, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def python_path(scenario: carecast.Scenario, reps: int, years: int) -> None:
    holder = {}

    def run():
        holder["r"] = scenario.run(reps, years, seed=1, progress=False)

    def tables():
        r = holder["r"]
        r.summary()
        r.shares()
        r.stocks(by=["state"])
        r.stocks(by=["locality"])

    t_run = timed(run)
    t_tables = timed(tables)
    print(f"  {reps:5d} replications x {years:2d} years: run {t_run:6.3f} s, tables {t_tables:6.3f} s, "
          f"total {t_run + t_tables:6.3f} s (median of 3)")


def ctrl_c(scenario: carecast.Scenario) -> float:
    sent = {}

    def interrupt():
        time.sleep(1.0)
        sent["t"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    try:
        scenario.run(20000, 10, seed=1, progress=False)
    except KeyboardInterrupt:
        return time.perf_counter() - sent["t"]
    raise RuntimeError("the run finished before it was interrupted")


def gil(scenario: carecast.Scenario) -> None:
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.2)
    base_rate = count[0] / 0.2
    start_count, t0 = count[0], time.perf_counter()
    scenario.run(200, 10, seed=1, progress=False)
    rate = (count[0] - start_count) / (time.perf_counter() - t0)
    stop.set()
    t.join()
    print(f"  another thread's loop ran at {rate / base_rate:.0%} of its idle rate during a run")


def slider(scenario: carecast.Scenario) -> None:
    import io

    import carecast.plots as cp

    as_now = scenario.run(40, 3, seed=1, progress=False)
    places = iter(range(700, 2000, 20))

    def redraw():
        s = scenario.updated({"changes": [{"from": "2016-02", "set": {"early_help": {"places": next(places)}}}]})
        r = s.run(40, 3, seed=1, progress=False)
        fig = cp.compare_fans(as_now, r)
        fig.savefig(io.BytesIO(), format="png", dpi=80)

    print(f"  slider redraw (40 replications x 3 years, chart rendered): median {timed(redraw, 5):.3f} s of 5")


def web_page() -> None:
    try:
        from carecast.web import Explorer
    except ImportError:
        print("  (the web page needs carecast[web]: not installed)")
        return
    page = Explorer()
    page.run()  # the page's first run: the baseline, which a lever move does not re-run
    places = iter(range(5, 200, 5))

    def redraw():
        page.set_lever("intensive_support.places", next(places))
        assert page.run() is not None, page.errors

    print(f"  web page redraw (40 replications x 3 years: run, comparison, tables, 3 charts): median "
          f"{timed(redraw, 5):.3f} s of 5")


def main() -> None:
    base = carecast.Scenario.preset("wolverhampton-2015")
    print("Python path (run, then summary/shares/stocks tables):")
    for reps, years in [(50, 3), (100, 10), (1000, 10)]:
        python_path(base, reps, years)
    waits = [ctrl_c(base) for _ in range(3)]
    print(f"Ctrl-C to KeyboardInterrupt: median {statistics.median(waits):.3f} s "
          f"({', '.join(f'{w:.3f}' for w in waits)})")
    print("GIL released during a run:")
    gil(base)
    print("Scenario explorer:")
    slider(base)
    web_page()


if __name__ == "__main__":
    main()
