"""Outputs never destroy a user's files: refusal, --overwrite, atomic replacement, permissions,
signals, stale temporaries, concurrency and I/O errors (issue 8, items 1 and 3)."""

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from carecast._outputs import MANIFEST, DirectoryOutput, FileOutput, OutputError
from carecast.cli import main

TINY = ["--replications", "2", "--years", "1", "--quiet"]
#: A run long enough to be stopped part-way (about ten seconds; the tests stop it within one).
LONG = ["--replications", "200", "--years", "10", "--quiet"]


def default_signals():
    """In the child: the signals' default actions, however the tests were started (a background
    job ignores SIGINT, nohup ignores SIGHUP)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def cli(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "carecast.cli", *args], text=True, preexec_fn=default_signals,
                            **kwargs)


def leftovers(directory):
    """carecast's temporaries and lock files in ``directory``."""
    return [p for p in os.listdir(directory) if p.startswith(".carecast-") or p.endswith(".carecast-lock")]


def wait_for_temporary(directory, proc):
    """Wait until ``proc`` has made its temporary directory in ``directory`` (it is then checked and
    running); fail if it exits first."""
    while not [p for p in os.listdir(directory) if p.startswith(".carecast-")]:
        assert proc.poll() is None, "the run ended before it could be stopped"
        time.sleep(0.02)


# The rules of item 1.

def test_a_non_empty_directory_is_refused_and_kept(tmp_path, capsys):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "minutes.txt").write_text("keep me")
    (notes / "scenario.toml").write_text("mine")
    for extra in ([], ["--overwrite"]):
        assert main(["run", *TINY, "--out", str(notes), *extra]) == 2
        err = capsys.readouterr().err
        assert "not a carecast output" in err and "Traceback" not in err
    assert sorted(os.listdir(notes)) == ["minutes.txt", "scenario.toml"]
    assert (notes / "minutes.txt").read_text() == "keep me"
    assert not leftovers(tmp_path)


def test_overwrite_replaces_only_a_pure_carecast_output(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", *TINY, "--seed", "1", "--out", str(out)]) == 0
    meta = json.loads((out / MANIFEST).read_text())
    assert set(meta["files"]) == set(os.listdir(out)) and MANIFEST in meta["files"]
    # Without --overwrite an earlier output is kept, and the message says how to replace it.
    assert main(["run", *TINY, "--seed", "2", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert json.loads((out / MANIFEST).read_text())["seed"] == 1
    # With it, it is replaced whole.
    assert main(["run", *TINY, "--seed", "2", "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / MANIFEST).read_text())["seed"] == 2
    # A file of the user's inside it means refusal even with --overwrite, naming the file.
    (out / "my-notes.txt").write_text("mine")
    capsys.readouterr()
    assert main(["run", *TINY, "--seed", "3", "--out", str(out), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "my-notes.txt" in err and "not a file carecast wrote" in err
    assert (out / "my-notes.txt").read_text() == "mine" and json.loads((out / MANIFEST).read_text())["seed"] == 2
    # So does a run.json that lists nothing (not carecast's, or an older carecast's).
    (out / "my-notes.txt").unlink()
    (out / MANIFEST).write_text(json.dumps({"seed": 2}))
    assert main(["run", *TINY, "--out", str(out), "--overwrite"]) == 2
    assert "does not list" in capsys.readouterr().err
    assert not leftovers(tmp_path)


def test_the_target_is_checked_before_the_run(tmp_path, capsys):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("x")
    assert main(["run", *LONG, "--out", str(notes)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "", "refused before the run: no summary"
    assert "not empty" in captured.err
    (tmp_path / "r.html").write_text("an earlier report")
    assert main(["report", *LONG, "--out", str(tmp_path / "r.html")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "exists" in captured.err
    assert (tmp_path / "r.html").read_text() == "an earlier report"


def test_out_dot_fills_an_empty_current_directory(tmp_path, monkeypatch, capsys):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["run", *TINY, "--out", "."]) == 0
    assert {"indicators.csv", "scenario.toml", MANIFEST} <= set(os.listdir("."))
    assert os.path.samefile(".", here), "the directory itself is kept"
    assert main(["run", *TINY, "--out", "."]) == 2
    assert "--overwrite" in capsys.readouterr().err
    before = json.loads((here / MANIFEST).read_text())
    assert main(["run", *TINY, "--out", ".", "--overwrite", "--seed", "7"]) == 0
    # Replaced in place: the shell's directory is still the one it stands in, with the new run.
    assert os.path.samefile(".", here) and os.path.exists(os.path.join(os.getcwd(), MANIFEST))
    after = json.loads((here / MANIFEST).read_text())
    assert after["seed"] == 7 and after["files"] == before["files"]
    assert main(["run", *TINY, "--out", ".", "--overwrite"]) == 0  # and again, from the same place
    monkeypatch.chdir(tmp_path)
    assert not leftovers(tmp_path) and not leftovers(here)


def test_out_dot_in_a_busy_directory_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "thesis.docx").write_text("years of work")
    monkeypatch.chdir(tmp_path)
    assert main(["run", *TINY, "--out", "."]) == 2
    assert main(["run", *TINY, "--out", ".", "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "not a carecast output" in err
    assert os.listdir(tmp_path) == ["thesis.docx"]


def test_an_empty_directory_is_written_into(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    inode = empty.stat().st_ino
    assert main(["compare", "wolverhampton-2015", "wolverhampton-2015-redesign", *TINY, "--out", str(empty)]) == 0
    assert empty.stat().st_ino == inode
    assert {"comparison.xlsx", "savings.csv", "baseline.toml", MANIFEST} <= set(os.listdir(empty))
    assert set(json.loads((empty / MANIFEST).read_text())["files"]) == set(os.listdir(empty))


@pytest.mark.parametrize("make, fragment", [
    (lambda p: (p / "afile").write_text("x") and str(p / "afile" / "sub"), "is not a directory"),
    (lambda p: (p / "afile").write_text("x") and str(p / "afile"), "exists and is not a directory"),
    (lambda p: (p / "afile").write_text("x") and str(p / "afile" / "sub" / "deeper"), "is not a directory"),
])
def test_impossible_targets_exit_2_with_a_message(tmp_path, capsys, make, fragment):
    target = make(tmp_path)
    assert main(["run", *TINY, "--out", target]) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err and "Traceback" not in captured.err and captured.out == ""
    assert sorted(os.listdir(tmp_path)) == ["afile"]


def test_report_targets(tmp_path, capsys):
    report = tmp_path / "r.html"
    assert main(["report", *TINY, "--out", str(report)]) == 0
    first = report.read_text()
    report.write_text("edited by hand")
    assert main(["report", *TINY, "--out", str(report)]) == 2
    assert "--overwrite" in capsys.readouterr().err and report.read_text() == "edited by hand"
    assert main(["report", *TINY, "--out", str(report), "--overwrite"]) == 0
    assert report.read_text() == first
    assert main(["report", *TINY, "--out", str(tmp_path)]) == 2
    assert main(["report", *TINY, "--out", str(tmp_path / "reports") + "/"]) == 2
    assert "directory" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["r.html"]


def test_outputs_get_the_users_usual_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        assert main(["run", *TINY, "--out", str(tmp_path / "deep" / "out")]) == 0
        assert main(["report", *TINY, "--out", str(tmp_path / "r.html")]) == 0
    finally:
        os.umask(old)
    mode = lambda p: os.stat(p).st_mode & 0o777  # noqa: E731
    assert mode(tmp_path / "deep") == 0o750
    assert mode(tmp_path / "deep" / "out") == 0o750
    assert {mode(p) for p in (tmp_path / "deep" / "out").iterdir()} == {0o640}
    assert mode(tmp_path / "r.html") == 0o640


def test_a_failed_write_leaves_nothing(tmp_path, capsys, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[0]) if args else None)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    assert main(["run", *TINY, "--out", str(tmp_path / "a" / "out")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(tmp_path / "a" / "out") in err and "Traceback" not in err
    assert os.listdir(tmp_path) == [], "no output, no temporary, and no parent made for it"


def test_an_unwritable_parent_is_an_error_with_the_path(tmp_path, capsys, monkeypatch):
    # Simulated (the tests may run as root, who can write anywhere): the parent refuses new entries.
    locked = tmp_path / "locked"
    locked.mkdir()
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if os.path.dirname(os.fspath(path)) == str(locked):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    assert main(["run", *LONG, "--out", str(locked / "out")]) == 2
    captured = capsys.readouterr()
    assert "Permission denied" in captured.err and "locked" in captured.err and captured.out == ""
    assert main(["run", *LONG, "--out", str(locked / "new" / "out")]) == 2
    assert "cannot create" in capsys.readouterr().err
    assert os.listdir(locked) == []


# Signals and stale temporaries (item 3).

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_signals_leave_no_temporaries(tmp_path, sig):
    proc = cli("run", *LONG, "--out", str(tmp_path / "out"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_temporary(tmp_path, proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and out == ""
    assert os.listdir(tmp_path) == []


def test_an_ignored_hangup_stays_ignored(tmp_path):
    # nohup carecast run ...: a hangup does not stop the run.
    proc = subprocess.Popen([sys.executable, "-c", "import signal, sys; from carecast.cli import main; "
                             "signal.signal(signal.SIGHUP, signal.SIG_IGN); sys.exit(main(sys.argv[1:]))",
                             "run", "--replications", "100", "--years", "2", "--quiet", "--out", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_temporary(tmp_path, proc)
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert (tmp_path / "out" / MANIFEST).exists()


def test_a_killed_runs_temporaries_are_cleaned_by_the_next_run(tmp_path):
    proc = cli("run", *LONG, "--out", str(tmp_path / "out"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_temporary(tmp_path, proc)
    finally:
        proc.kill()
        proc.wait()
    stale = leftovers(tmp_path)
    assert stale, "SIGKILL cannot be caught: its temporary is left"
    # Things that only look like carecast's are not touched: a user's file, and a live process's.
    (tmp_path / ".carecast-notes.txt").write_text("mine")
    live = tmp_path / f".carecast-{stale[0].split('-')[1]}-{os.getpid()}-0123abcd"
    live.mkdir()
    assert main(["run", *TINY, "--out", str(tmp_path / "next")]) == 0
    assert sorted(os.listdir(tmp_path)) == sorted([".carecast-notes.txt", live.name, "next"])


# Concurrency.

WRITER = """
import os, sys
from carecast._outputs import DirectoryOutput
target, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    tag = f"{token}-{i}"
    def fill(tmp):
        for name in ("a.txt", "b.txt"):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(tag)
    with DirectoryOutput(target, overwrite=True) as out:
        out.write(fill, {"tag": tag})
"""


def read_at(directory_fd, name):
    """The text of ``name`` in the directory open as ``directory_fd``."""
    fd = os.open(name, os.O_RDONLY, dir_fd=directory_fd)
    with os.fdopen(fd) as f:
        return f.read()


def test_concurrent_writers_take_turns_and_readers_never_see_a_mixture(tmp_path):
    target = tmp_path / "out"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(target), f"w{k}", "40"],
                                stderr=subprocess.PIPE, text=True) for k in range(3)]
    seen, mixtures = set(), []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                fd = os.open(target, os.O_RDONLY)  # one version of the directory, whatever is renamed
            except FileNotFoundError:
                continue
            try:
                texts = [read_at(fd, name) for name in ("a.txt", "b.txt", MANIFEST)]
            except FileNotFoundError:  # a version removed after being replaced
                continue
            finally:
                os.close(fd)
            tag = json.loads(texts[2])["tag"]
            seen.add(tag)
            if not texts[0] == texts[1] == tag:
                mixtures.append(texts)

    reader = threading.Thread(target=read)
    reader.start()
    errors = [w.communicate()[1] for w in writers]
    stop.set()
    reader.join()
    assert [w.returncode for w in writers] == [0, 0, 0], errors
    assert not mixtures
    assert len(seen) > 1
    assert sorted(os.listdir(tmp_path)) == ["out"], "no temporaries, old copies or lock files left"
    assert sorted(os.listdir(target)) == ["a.txt", "b.txt", MANIFEST]


def test_concurrent_runs_without_overwrite_one_wins_the_others_are_refused(tmp_path):
    procs = [cli("run", *TINY, "--seed", str(k), "--out", str(tmp_path / "out"), stdout=subprocess.DEVNULL,
                 stderr=subprocess.PIPE) for k in range(3)]
    errors = [p.communicate()[1] for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 2, 2], errors
    for code, err in zip(codes, errors, strict=True):
        assert ("Traceback" not in err) and (code == 0 or "carecast: error:" in err)
    winner = codes.index(0)
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["seed"] == winner
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_a_second_run_to_the_same_place_is_refused_before_it_runs(tmp_path, capsys):
    from carecast import _outputs

    # A run (here a stand-in: process 1, which is running) on its way to writing tmp_path/out.
    busy = tmp_path / f".carecast-{_outputs._HOST}-1-0123abcd.{_outputs._tag('out')}"
    busy.mkdir()
    assert main(["run", *LONG, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "another carecast (process 1) is already writing" in captured.err and captured.out == ""
    assert main(["run", *TINY, "--out", str(tmp_path / "other")]) == 0  # another target is not refused
    # With --overwrite they take turns instead.
    assert main(["run", *TINY, "--out", str(tmp_path / "out"), "--overwrite"]) == 0
    assert busy.exists(), "a running process's temporary is left alone"


def test_the_output_classes_refuse_directly(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="exists"), FileOutput(tmp_path / "f", overwrite=False):
        pass
    with pytest.raises(OutputError, match="not a directory"), DirectoryOutput(tmp_path / "f", overwrite=True):
        pass
    # An output opened but never written leaves nothing behind.
    with DirectoryOutput(tmp_path / "d" / "e", overwrite=False):
        pass
    assert os.listdir(tmp_path) == ["f"]


# Standard output.

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_is_an_error_not_a_traceback(tmp_path):
    with open("/dev/full", "w") as full:
        proc = cli("run", *TINY, "--out", str(tmp_path / "out"), stdout=full, stderr=subprocess.PIPE)
        err = proc.communicate()[1]
    assert proc.returncode == 2
    assert "standard output" in err and "No space left on device" in err and "Traceback" not in err
    assert (tmp_path / "out" / MANIFEST).exists(), "the results are still written"


def test_a_closed_pipe_is_quiet(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line
    try:
        proc = cli("run", *TINY, "--out", str(tmp_path / "out"), stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    err = proc.communicate()[1]
    assert proc.returncode == 128 + signal.SIGPIPE
    assert err == ""
    assert (tmp_path / "out" / MANIFEST).exists()
