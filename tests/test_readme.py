"""The README's Python quickstart runs and prints exactly what the README says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_quickstart_output():
    match = re.search(
        r"## Quickstart in Python\n\n```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```",
        README, re.S,
    )
    assert match, "README lost its quickstart block or its printed output"
    code, expected = match.groups()
    assert len(code.strip().splitlines()) <= 14  # a quickstart, not a tutorial
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == expected


def test_readme_commands_come_first():
    first_screen = README.split("## ")[0]
    assert "make demo" in first_screen and "make test" in first_screen


def test_readme_links_exist():
    root = Path(__file__).resolve().parents[1]
    for target in re.findall(r"\]\(((?:docs|examples)/[^)#]*)\)", README):
        assert (root / target).exists(), target


@pytest.mark.parametrize("page", ["README.md", "docs/command-line.md"])
def test_documented_command_line_output(page, tmp_path, monkeypatch, capsys):
    from sklearn.datasets import load_diabetes, load_wine

    from bayesfit.cli import main

    text = (ROOT / page).read_text()
    examples = re.findall(r"```console\n\$ bayesfit (.*?)\n(.*?)```", text, re.S)
    assert examples, f"{page} lost its command-line example"
    monkeypatch.chdir(tmp_path)
    load_diabetes(as_frame=True).frame.to_csv("diabetes.csv", index=False)
    load_wine(as_frame=True).frame.to_csv("wine.csv", index=False)
    for argv, expected in examples:
        assert main(argv.split()) == 0, argv
        assert capsys.readouterr().out == expected, argv
