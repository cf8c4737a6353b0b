"""Documentation that runs: facade docstrings, README Python examples, and the stub."""

import doctest
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_docstring_examples():
    import carecast._sweep
    import carecast._voi
    import carecast.analysis
    import carecast.expected
    import carecast.finance
    import carecast.labels
    import carecast.options
    import carecast.plots
    import carecast.reconciliation

    for module in (carecast, carecast.analysis, carecast._voi, carecast.expected, carecast.finance, carecast.plots,
                   carecast.labels, carecast.options, carecast.reconciliation, carecast._sweep):
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


def test_docs_name_only_files_in_the_repository():
    """Docs, presets and code comments cite files of this repository only: every relative
    Markdown link resolves, and nothing points outside (``../`` or the project's shared folder)."""
    texts = [*ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("scenarios/*.toml"),
             *ROOT.glob("python/carecast/*.py"), *ROOT.glob("src/**/*.rs"), *ROOT.glob("notebooks/*.ipynb")]
    assert len(texts) > 20
    outside = re.compile(r"\bshared/(reference|seeds|design)|\bDF §|MODEL\.md")
    relative = re.compile(r"(?<![\w.])(?:\.\./)+[\w./-]+")
    for path in texts:
        text = path.read_text(encoding="utf-8")
        in_example = False  # a fenced example in Markdown shows a user's files, not ours
        for n, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{n}"
            assert not outside.search(line), f"{where} points outside the repository: {line}"
            if path.suffix == ".md" and line.startswith("```"):
                in_example = not in_example
            for target in [] if in_example else relative.findall(line):
                resolved = (path.parent / target).resolve()
                inside = resolved.is_relative_to(ROOT) and resolved.exists()
                assert inside, f"{where} names {target}, not in the repository"
        if path.suffix == ".md":
            for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
                if "://" not in target and not target.startswith("mailto:"):
                    assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} links to missing {target}"
