"""carecast.sweep (issue 16): grids, savings on common random numbers, and the same figures bit for
bit in-process and on a Dask LocalCluster (processes and threads), whatever the chunking."""

import json
import os
import sys

import numpy as np
import pandas as pd
import pytest

import carecast
from carecast import ConfigError, Grid, SweepError, sweep
from carecast import _sweep as sweep_module
from carecast.cli import main
from carecast.extras import MissingExtraError

BASE = carecast.Scenario.preset("wolverhampton-2015")
PLACES = "policy.early_help.places"
SIBLINGS = "hazards.sibling_group_entry"
GRID = {PLACES: [600, 900], SIBLINGS: [0.4, 0.5]}
SMALL = {"replications": 6, "years": 1, "seed": 7, "progress": False}


def as_bytes(result):
    """Every figure of every scenario, as bytes, in order."""
    return {(name, k): a.tobytes() for k in result.indicators for name, a in result.figures(k).items()}


@pytest.fixture(scope="module")
def reference():
    return sweep(Grid(BASE, GRID), baseline=BASE, **SMALL)


def test_grid_expands_every_combination_in_order():
    g = Grid(BASE, GRID)
    assert len(g) == 4
    assert list(g)[1] == f"{PLACES}=600, {SIBLINGS}=0.5"
    assert g.values_of(list(g)[2]) == {PLACES: 900.0, SIBLINGS: 0.4}
    assert g[list(g)[3]].parameter(PLACES) == 900.0 and g[list(g)[3]].parameter(SIBLINGS) == 0.5


def test_a_bad_grid_path_or_value_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"policy\.early_help\.placez") as e:
        Grid(BASE, {"policy.early_help.placez": [1, 2]})
    assert "policy.early_help.places" in str(e.value), "the closest paths are suggested"
    with pytest.raises(ConfigError, match=SIBLINGS) as e:
        Grid(BASE, {SIBLINGS: [0.5, 1.5]})
    with pytest.raises(ConfigError, match="at least one value"):
        Grid(BASE, {PLACES: []})
    with pytest.raises(ConfigError, match="a number"):
        Grid(BASE, {PLACES: ["many"]})
    with pytest.raises(ConfigError, match="given twice"):
        Grid(BASE, {PLACES: [600, 600]})


def test_the_summary_is_tidy_and_savings_are_against_the_baseline(reference):
    s = reference.summary()
    assert list(s.columns) == ["scenario", PLACES, SIBLINGS, "indicator", "mean", "p5", "p50", "p95", "mcse",
                               "replications"]
    assert list(reference.scenarios)[-1] == "baseline", "the baseline is not a grid point: run as well"
    assert set(s.indicator) == {*carecast._sweep.HEADLINES, "net_savings"}
    assert (s.replications == 6).all()
    base_savings = s[(s.scenario == "baseline") & (s.indicator == "net_savings")]
    assert float(base_savings["mean"].iloc[0]) == 0.0
    assert reference.table("net_savings").shape == (2, 2)
    rows = reference.by_replication
    assert len(rows) == 5 * 6 and list(rows.replication[:6]) == list(range(6))


def test_net_savings_are_those_of_compare_replication_by_replication(reference):
    name = next(iter(reference.scenarios))
    c = carecast.compare(BASE, reference.scenarios[name], 6, 1, 7, progress=False)
    from carecast.analysis import WHOLE_HORIZON, net_savings_by_replication

    expected = net_savings_by_replication(c)[WHOLE_HORIZON]
    # Summed in another order (costs by category and year, exactly rounded): within 1e-9 relative.
    np.testing.assert_allclose(reference.figures("net_savings")[name], expected, rtol=1e-9, atol=1e-3)
    np.testing.assert_array_equal(reference.figures("in_care_end")[name],
                                  c.scenario_results.array("lac_stock")[:, -1])


def test_in_process_chunking_and_threads_change_nothing(reference):
    want = as_bytes(reference)
    for options in ({"chunk_size": 1}, {"chunk_size": 4, "threads": 1}, {"threads": 2}):
        assert as_bytes(sweep(Grid(BASE, GRID), baseline=BASE, **SMALL, **options)) == want, options


def test_list_and_dict_forms_and_a_baseline_by_name():
    more = BASE.with_parameters({PLACES: 900})
    by_list = sweep([BASE, more], **SMALL)
    assert list(by_list.scenarios) == ["wolverhampton-2015", "wolverhampton-2015 (2)"]
    assert "net_savings" not in by_list.indicators
    by_dict = sweep({"now": BASE, "more": more}, baseline="now", **SMALL)
    assert list(by_dict.scenarios) == ["now", "more"], "a baseline among the scenarios is not run twice"
    assert by_dict.figures("cost")["more"].tobytes() == by_list.figures("cost")["wolverhampton-2015 (2)"].tobytes()
    with pytest.raises(ConfigError, match=r"scenarios\[1\] must be a carecast.Scenario, got str"):
        sweep([BASE, "wolverhampton-2015"], **SMALL)
    with pytest.raises(ConfigError, match="at least one scenario"):
        sweep([], **SMALL)
    with pytest.raises(ConfigError, match="not one of the sweep's scenarios"):
        sweep({"now": BASE}, baseline="then", **SMALL)
    other = carecast.Scenario.preset(carecast.presets()[-1])
    if other.authority != BASE.authority:
        with pytest.raises(ConfigError, match="authority"):
            sweep({"a": other}, baseline=BASE, **SMALL)


def test_a_grid_over_a_dated_change_against_a_baseline_without_it():
    redesign = carecast.Scenario.preset("wolverhampton-2015-redesign")
    path = "changes[2].set.early_help.places"
    s = sweep(Grid(redesign, {path: [1000, 1300]}), baseline=BASE, replications=2, years=1, progress=False)
    summary = s.summary()
    assert summary[path].isna().tolist() == [False] * 12 + [True] * 6, "the baseline has no such change"
    assert s.table("net_savings").index.tolist() == [1000.0, 1300.0]


def test_keep_results_keeps_the_full_results():
    s = sweep({"now": BASE}, keep_results=True, chunk_size=4, **SMALL)
    assert s.results["now"] == BASE.run(6, 1, seed=7, progress=False)


def failing_on(name, first):
    """A stand-in for the chunk runner that fails on one chunk."""
    real = sweep_module.run_chunk

    def run(payload, progress=None):
        if payload[1] == name and payload[4] == first:
            raise RuntimeError("disk on fire")
        return real(payload, progress)

    return run


def test_a_failing_chunk_is_named_and_the_others_are_kept(monkeypatch, reference):
    name = list(reference.scenarios)[1]
    monkeypatch.setattr(sweep_module, "_run", failing_on(name, 3))
    with pytest.raises(SweepError) as e:
        sweep(Grid(BASE, GRID), baseline=BASE, chunk_size=3, **SMALL)
    assert f"scenario '{name}', replications 3 to 5: RuntimeError: disk on fire" in str(e.value)
    partial = e.value.partial
    assert [f.replications for f in e.value.failures] == [range(3, 6)]
    assert list(partial.figures("cost")[name]) == list(reference.figures("cost")[name][:3])
    other = next(iter(reference.scenarios))
    assert partial.figures("net_savings")[other].tobytes() == reference.figures("net_savings")[other].tobytes()


def test_without_dask_a_client_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'carecast\[dask\]'"):
        sweep([BASE], client=object(), **SMALL)


def test_the_dask_extra_is_declared():
    from test_install import requirements

    found = requirements()
    assert {"dask", "distributed"} <= found["dask"] <= found["all"]


distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module", params=[True, False], ids=["processes", "threads"])
def client(request):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=request.param,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def test_a_local_cluster_gives_the_in_process_figures_bit_for_bit(client, reference):
    want = as_bytes(reference)
    assert as_bytes(sweep(Grid(BASE, GRID), baseline=BASE, client=client, **SMALL)) == want
    assert as_bytes(sweep(Grid(BASE, GRID), baseline=BASE, client=client, chunk_size=5, **SMALL)) == want
    kept = sweep({"now": BASE}, client=client, chunk_size=2, keep_results=True, **SMALL)
    assert kept.results["now"] == BASE.run(6, 1, seed=7, progress=False)


def test_a_chunk_failing_on_a_worker_is_named(monkeypatch, client, reference):
    if "inproc" not in client.scheduler.address:
        pytest.skip("the stand-in runner is patched into this process only")
    name = list(reference.scenarios)[2]
    monkeypatch.setattr(sweep_module, "_run", failing_on(name, 0))
    with pytest.raises(SweepError, match=f"scenario '{name}', replications 0 to 2: RuntimeError") as e:
        sweep(Grid(BASE, GRID), baseline=BASE, client=client, chunk_size=3, **SMALL)
    assert len(e.value.failures) == 1
    assert e.value.partial.figures("cost")[name].tobytes() == reference.figures("cost")[name][3:].tobytes()


def write_grid(path, **extra):
    lines = ['scenario = "wolverhampton-2015"', 'baseline = "wolverhampton-2015"', "replications = 4", "years = 1",
             "seed = 7", *(f"{k} = {json.dumps(v)}" for k, v in extra.items()),
             "[parameters]", f'"{PLACES}" = [600, 900]']
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_cli_sweep_writes_the_summary(tmp_path, capsys):
    grid = write_grid(tmp_path / "grid.toml")
    assert main(["sweep", grid, "--replications", "6", "--quiet", "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "3 scenarios x 6 replications x 1 years, seed 7; savings against 'baseline'" in said
    written = set(os.listdir(tmp_path / "out"))
    assert {"summary.csv", "by_replication.csv", "base.toml", "baseline.toml", "run.json"} <= written
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    want = sweep(Grid(BASE, {PLACES: [600, 900]}), baseline=BASE, **SMALL).summary()
    np.testing.assert_allclose(summary["mean"], want["mean"], rtol=1e-12)
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["replications"] == 6 and manifest["seed"] == 7 and manifest["command"] == "sweep"
    assert main(["sweep", grid, "--quiet", "--out", str(tmp_path / "out")]) == 2, "never over an output"


def test_cli_sweep_errors_name_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('scenario = "wolverhampton-2015"\n[parameters]\n"policy.early_help.placez" = [1]\n')
    assert main(["sweep", str(bad), "--quiet"]) == 2
    assert "policy.early_help.placez" in capsys.readouterr().err
    bad.write_text('scenario = "wolverhampton-2015"\nyaers = 3\n[parameters]\n"policy.early_help.places" = [1]\n')
    assert main(["sweep", str(bad), "--quiet"]) == 2
    assert "unknown key 'yaers'" in capsys.readouterr().err
    assert main(["sweep", str(tmp_path / "none.toml"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_sweep_on_a_scheduler(tmp_path, capsys, client):
    if "inproc" in client.scheduler.address:
        pytest.skip("a scheduler another process could reach: the processes cluster")
    grid = write_grid(tmp_path / "grid.toml")
    assert main(["sweep", grid, "--quiet", "--scheduler", client.scheduler.address, "--out", str(tmp_path / "d")]) == 0
    assert main(["sweep", grid, "--quiet", "--out", str(tmp_path / "here")]) == 0
    capsys.readouterr()
    there, here = (tmp_path / d / "by_replication.csv" for d in ("d", "here"))
    assert there.read_bytes() == here.read_bytes()


CTRL_C = """
import sys, time
import carecast
from distributed import Client, LocalCluster

with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \\
        Client(cluster) as client:
    seen = []

    def progress(done, total):
        if done and not seen:
            seen.append(done)
            print("started", flush=True)

    try:
        carecast.sweep([carecast.Scenario.preset("wolverhampton-2015")], replications=2000, years=2, client=client,
                       chunk_size=1, progress=progress)
    except KeyboardInterrupt:
        time.sleep(1.0)  # a chunk running when Ctrl-C came finishes (a chunk is milliseconds)
        left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        print(f"interrupted; tasks left on the scheduler: {left}", flush=True)
        sys.exit(0)
print("finished", flush=True)
"""


def test_ctrl_c_cancels_the_outstanding_chunks():
    import signal
    import subprocess

    # preexec_fn: Ctrl-C's default action in the child, however the tests were started (a
    # background job ignores SIGINT).
    child = subprocess.Popen([sys.executable, "-c", CTRL_C], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert child.stdout.readline().strip() == "started"
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert "interrupted; tasks left on the scheduler: 0" in out, out + err
