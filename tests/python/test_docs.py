"""Documentation that runs: facade docstrings, README Python examples, and the stub."""

import doctest
import pathlib
import re
import subprocess
import sys

import carecast

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_docstring_examples():
    import carecast.finance
    import carecast.plots

    for module in (carecast, carecast.finance, carecast.plots):
        failures, tried = doctest.testmod(module, extraglobs={"carecast": carecast}, verbose=False)
        assert tried > 0 and failures == 0, module.__name__


def test_readme_python_examples():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "the README has Python examples"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_stub_matches_the_compiled_module():
    r = subprocess.run([sys.executable, "-m", "mypy.stubtest", "carecast._core"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_facade_is_strictly_typed():
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(ROOT / "python" / "carecast")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
