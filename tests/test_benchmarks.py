"""Smoke run of every benchmark at its --quick size: they run and report; no timing asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bayesfit._backend import cupy_unavailable_reason

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


@pytest.mark.skipif(cupy_unavailable_reason() is None, reason="a GPU is here: make gpu-check")
def test_gpu_checks_without_a_gpu_say_so_and_run_the_cpu_rows(tmp_path):
    # tools/gpu-check is what make test-gpu, bench-gpu and gpu-check run.
    env = {**os.environ, "PYTHON": sys.executable, "OUT": str(tmp_path)}
    proc = subprocess.run(
        ["bash", "tools/gpu-check", "all", "--quick"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    reason = cupy_unavailable_reason()
    assert f"{reason}: nothing to test on CuPy" in out  # the test suite's guard
    assert f"{reason}: no GPU rows" in out  # bench_gpu's
    assert "Traceback" not in out and f"gpu-check: all ran without a GPU ({reason})" in out
    (result,) = tmp_path.glob("*-bench_gpu-quick.json")
    data = json.loads(result.read_text())
    assert data["gpu"] == {"available": False, "reason": reason}
    assert all(r["where"].startswith("CPU, ") for r in data["rows"]["linear"])
    assert all(r["fit_s"] > 0 and r["gemm_s"] > 0 for r in data["rows"]["linear"])
    assert data["rows"]["nn"][0]["epoch_s"] > 0 and data["runs"][0]["returncode"] == 0
    assert data["errors"] == [] and data["checks"] == []
    assert {p.name for p in tmp_path.iterdir()} == {
        result.name, "bench_gpu.log", "test-gpu.log"
    }


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
