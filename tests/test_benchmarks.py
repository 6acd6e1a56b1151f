"""Smoke run of every benchmark at its --quick size: they run and report; no timing asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_every_benchmark_runs_in_quick_mode(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (result,) = tmp_path.glob("*-quick.json")
    data = json.loads(result.read_text())
    benches = {run["bench"] for run in data["runs"]}
    assert benches == {p.stem for p in (ROOT / "benchmarks").glob("bench_*.py")}
    assert all(run["returncode"] == 0 and run["output"].strip() for run in data["runs"])
    assert data["machine"]["cores"] >= 1 and data["quick"] is True


def test_runner_rejects_unknown_benchmarks(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "bench_nope", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "unknown benchmarks: ['bench_nope']" in proc.stderr


def test_runner_passes_the_torch_interpreter_to_bench_nn(tmp_path):
    # An interpreter that does not exist: bench_nn must say so, naming the option, and the
    # runner report the failure (no PyTorch is needed for this, or for any other test).
    missing = str(tmp_path / "no-such-python")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "bench_nn", "--out",
         str(tmp_path), "--torch-python", missing],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert f"--torch-python {missing}: cannot run it" in proc.stdout
