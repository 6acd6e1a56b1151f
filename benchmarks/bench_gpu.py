"""bayesfit on a GPU (CuPy) against that GPU's own floors, and the CPU for scale, in one run.

    python benchmarks/bench_gpu.py [--quick] [--repeat R] [--out DIR]

The pieces (issue 17), each timed as the best of ``--repeat`` calls after one warm-up call
(kernel compilation, memory pool), with the device synchronised before and after each call:

1. ``EvidenceRegression().fit(X, y)`` at N = 1e6 and 1e7, d = 100, float64 and float32,
   against the GEMM floor: one CuPy ``X.T @ X`` of the same X. The data are drawn on the
   device from a seed (the float64 X is 8 GB: it never crosses the bus). The same fit at
   N = 1e6 on 2 CPU cores (NumPy, 2 BLAS threads, bayesfit's Gram blocks on 2 threads) gives
   the scale of the GPU's gain.
2. ``info.entropy``, ``info.kl_divergence`` and ``losses.cross_entropy`` (integer labels, mean)
   at (1e6, 1000) float64 against a plain CuPy expression of the same formula; that both give
   the same answer (rtol 1e-9) is one of the checks.
3. One epoch of benchmarks/bench_nn.py's network (its data and its timed epoch) on CuPy and
   on 2 CPU cores.
4. Device checks: what fit, predict, the posterior, the info and loss functions and the MLP
   return for CuPy inputs are CuPy arrays (of the input's dtype) on the inputs' device.

Without CuPy or a CUDA device it says so, runs the CPU rows and exits 0. The tables are
printed as markdown for benchmarks/README.md; with ``--out DIR`` the results are also
written to ``DIR/<date>-<machine>-bench_gpu[-quick].json`` (the runner's format, plus the
structured rows), rewritten after every piece so that a run stopped by a time limit keeps
what it measured. The exit code is 1 if a piece raised or a device check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, the repository root is not on sys.path: the GPU machine installs nothing
# and runs bayesfit and the runner's machine() from this source tree.
sys.path.insert(0, str(ROOT))

import bayesfit as bf  # noqa: E402
from bayesfit._backend import cupy_unavailable_reason  # noqa: E402
from benchmarks.__main__ import machine  # noqa: E402

CPU_CORES = 2  # the developers' and CI's machines
FULL = {
    "gpu_linear": [(1_000_000, 100), (10_000_000, 100)],
    "cpu_linear": [(1_000_000, 100)],
    "info": (1_000_000, 1000),
    "nn_samples": 60_000,
}
QUICK = {
    "gpu_linear": [(20_000, 20)],
    "cpu_linear": [(20_000, 20)],
    "info": (10_000, 1000),
    "nn_samples": 10_000,
}


class Report:
    """The printed lines and the structured results, written to JSON after every piece."""

    def __init__(self, args: argparse.Namespace, gpu: dict[str, Any]) -> None:
        self.path = None
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            name = f"{dt.date.today()}-{platform.node() or 'machine'}-bench_gpu"
            self.path = args.out / f"{name}{'-quick' if args.quick else ''}.json"
        self.start = time.perf_counter()
        self.lines: list[str] = []
        self.data: dict[str, Any] = {
            "date": dt.date.today().isoformat(),
            "quick": args.quick,
            "machine": machine(),
            "gpu": gpu,
            "rows": {},
            "checks": [],
            "errors": [],
        }

    def say(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def row(self, table: str, **fields: Any) -> None:
        self.data["rows"].setdefault(table, []).append(fields)

    def check(self, what: str, ok: bool) -> None:
        self.data["checks"].append({"check": what, "ok": bool(ok)})

    @property
    def failed(self) -> bool:
        return bool(self.data["errors"]) or not all(c["ok"] for c in self.data["checks"])

    def write(self) -> None:
        if self.path is None:
            return
        run = {
            "bench": "bench_gpu",
            "args": sys.argv[1:],
            "returncode": int(self.failed),
            "seconds": round(time.perf_counter() - self.start, 2),
            "output": "\n".join(self.lines) + "\n",
        }
        self.path.write_text(json.dumps({**self.data, "runs": [run]}, indent=1) + "\n")


def gpu_description(cp: Any) -> dict[str, Any]:
    props = cp.cuda.runtime.getDeviceProperties(0)
    name = props["name"]
    return {
        "available": True,
        "name": name.decode() if isinstance(name, bytes) else str(name),
        "memory_gib": round(props["totalGlobalMem"] / 2**30, 1),
        "cupy": cp.__version__,
        "cuda_runtime": cp.cuda.runtime.runtimeGetVersion(),
        "cuda_driver": cp.cuda.runtime.driverGetVersion(),
    }


def best_of(fn: Callable[[], Any], repeat: int, sync: Callable[[], None]) -> float:
    """Seconds of the fastest of ``repeat`` calls after one warm-up, device synchronised."""
    fn()
    sync()
    best = float("inf")
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


@contextlib.contextmanager
def cpu_cores(n: int) -> Iterator[int]:
    """Run the block on ``n`` of this machine's cores: BLAS threads and bayesfit's Gram blocks.

    The main thread's affinity is what bayesfit counts its workers by (and what the threads
    it starts inherit); BLAS is limited with threadpoolctl.
    """
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if before is not None:
        os.sched_setaffinity(0, sorted(before)[:n])
    try:
        with threadpool_limits(limits=n):
            yield min(n, len(before)) if before is not None else n
    finally:
        if before is not None:
            os.sched_setaffinity(0, before)


def linear_data(lib: Any, n: int, d: int, dtype: str) -> tuple[Any, Any]:
    """X ~ N(0, 1) of shape (n, d) and y = X w + noise (sd 0.5), drawn by ``lib`` from a seed."""
    rng = lib.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=dtype)
    w = rng.standard_normal(d, dtype=dtype)
    return X, X @ w + 0.5 * rng.standard_normal(n, dtype=dtype)


def linear_rows(report: Report, lib: Any, where: str, sizes, repeat, sync, check=None) -> None:
    for n, d in sizes:
        for dtype in ("float64", "float32"):
            X, y = linear_data(lib, n, d, dtype)
            floor = best_of(lambda X=X: X.T @ X, repeat, sync)
            fit, model = timed_fit(X, y, repeat, sync)
            if check is not None:
                check(model, X, dtype)
            report.row("linear", where=where, n=n, d=d, dtype=dtype, gemm_s=floor, fit_s=fit,
                       fit_over_gemm=fit / floor)
            report.say(f"| {n:.0e} | {d} | {dtype} | {where} | {floor:.3g} | {fit:.3g} | "
                       f"{fit / floor:.2f}x |")
            del X, y, model


def timed_fit(X: Any, y: Any, repeat: int, sync: Callable[[], None]) -> tuple[float, Any]:
    """Seconds of the best ``EvidenceRegression().fit(X, y)``, and the last fitted model."""
    models = []
    seconds = best_of(lambda: models.append(bf.EvidenceRegression().fit(X, y)), repeat, sync)
    return seconds, models[-1]


def gpu_over_cpu(rows: list[dict[str, Any]]) -> list[str]:
    """One line per size and dtype fitted on both: how many times faster the GPU fit is."""
    gpu = {(r["n"], r["d"], r["dtype"]): r["fit_s"] for r in rows if r["where"] == "GPU"}
    return [
        f"fit at N = {r['n']:.0e}, d = {r['d']}, {r['dtype']}: GPU {gpu[key]:.3g} s, "
        f"{r['where']} {r['fit_s']:.3g} s: {r['fit_s'] / gpu[key]:.1f}x faster on the GPU"
        for r in rows
        if r["where"] != "GPU" and (key := (r["n"], r["d"], r["dtype"])) in gpu
    ]


def linear_header(report: Report) -> None:
    report.say("EvidenceRegression().fit(X, y) against one X.T @ X of the same X; "
               "goal on the GPU at N = 1e7: fit / X^T X <= 2")
    report.say()
    report.say("| N | d | dtype | where | X^T X (s) | fit (s) | fit / X^T X |")
    report.say("|---|---|---|---|---|---|---|")


def cupy_cross_entropy(cp: Any, labels: Any, logits: Any) -> Any:
    """The textbook log-sum-exp with the max shift, minus the picked logit, mean over rows."""
    m = cp.max(logits, axis=-1, keepdims=True)
    lse = cp.log(cp.sum(cp.exp(logits - m), axis=-1)) + m[:, 0]
    return cp.mean(lse - logits[cp.arange(logits.shape[0]), labels])


def info_rows(report: Report, cp: Any, shape: tuple[int, int], repeat: int, sync) -> None:
    rows, k = shape
    rng = cp.random.default_rng(1)

    def simplex() -> Any:  # strictly positive, so that the plain p log p is the same formula
        p = rng.random(shape, dtype=cp.float64) + 0.01
        p /= cp.sum(p, axis=-1, keepdims=True)
        return p

    p, q = simplex(), simplex()
    logits = 3.0 * rng.standard_normal(shape, dtype=cp.float64)
    labels = rng.integers(0, k, size=rows)
    cases = [
        ("info.entropy", lambda: bf.info.entropy(p), "-sum(p log p)",
         lambda: -cp.sum(p * cp.log(p), axis=-1)),
        ("info.kl_divergence", lambda: bf.info.kl_divergence(p, q), "sum(p log(p / q))",
         lambda: cp.sum(p * cp.log(p / q), axis=-1)),
        ("losses.cross_entropy", lambda: bf.losses.cross_entropy(labels, logits),
         "log-sum-exp - z_y, mean", lambda: cupy_cross_entropy(cp, labels, logits)),
    ]
    report.say(f"bayesfit against a plain CuPy expression of the same formula, ({rows}, {k}) "
               f"float64 ({p.nbytes / 2**30:.1f} GiB per input); goal: ratio <= 2")
    report.say()
    report.say("| operation | bayesfit (s) | plain CuPy | CuPy (s) | ratio |")
    report.say("|---|---|---|---|---|")
    for name, ours, peer_name, peer in cases:
        out = ours()
        report.check(f"{name} returns a CuPy array on its input's device",
                     isinstance(out, cp.ndarray) and out.device == p.device)
        report.check(f"{name} equals {peer_name} (rtol 1e-9)",
                     np.allclose(bf.to_numpy(out), bf.to_numpy(peer()), rtol=1e-9, atol=0))
        t_ours, t_peer = best_of(ours, repeat, sync), best_of(peer, repeat, sync)
        report.row("info", operation=name, bayesfit_s=t_ours, peer=peer_name, peer_s=t_peer,
                   ratio=t_ours / t_peer)
        report.say(f"| `{name}` | {t_ours:.3g} | `{peer_name}` | {t_peer:.3g} | "
                   f"{t_ours / t_peer:.2f} |")


def nn_rows(report: Report, cp: Any | None, n: int, repeat: int) -> None:
    import bench_nn  # the network, data and timed epoch of the CPU benchmark, unchanged

    X, y = bench_nn.data(n)
    report.say(f"One epoch of bench_nn's {'-'.join(map(str, bench_nn.SIZES))} MLP, {n} samples, "
               f"batch {bench_nn.BATCH}, float32, plain SGD")
    report.say()
    report.say("| where | s / epoch |")
    report.say("|---|---|")
    if cp is not None:
        Xd, yd = cp.asarray(X), cp.asarray(y)
        seconds = best_of(bench_nn.bench_bayesfit(Xd, yd), repeat, cp.cuda.Device().synchronize)
        report.row("nn", where="GPU", n=n, epoch_s=seconds)
        report.say(f"| GPU | {seconds:.3f} |")
        net = bf.nn.MLP([X.shape[1], 16, bench_nn.SIZES[-1]], "relu", "softmax",
                        "cross_entropy", random_state=0)
        net.fit(Xd[:512], yd[:512], epochs=1, batch_size=128, progress=False)
        proba = net.predict_proba(Xd[:64])
        report.check("MLP parameters and predict_proba are CuPy arrays on X's device",
                     all(isinstance(v, cp.ndarray) and v.device == Xd.device
                         for v in [*net.params.values(), proba]))
    with cpu_cores(CPU_CORES) as cores:
        seconds = best_of(bench_nn.bench_bayesfit(X, y), repeat, lambda: None)
    report.row("nn", where=f"CPU, {cores} cores", n=n, epoch_s=seconds)
    report.say(f"| CPU, {cores} cores | {seconds:.3f} |")


def device_checks(report: Report, cp: Any) -> Callable[[Any, Any, str], None]:
    """The check run on each GPU fit: where its learned state and its predictions live."""

    def check(model: Any, X: Any, dtype: str) -> None:
        def on_device(a: Any) -> bool:
            return isinstance(a, cp.ndarray) and a.device == X.device and a.dtype == dtype

        mean, std = model.predict(X[:1000], return_std=True)
        post = model.posterior_
        report.check(f"EvidenceRegression {dtype}: coef_, posterior_.mean/cov, predict's mean "
                     f"and std are {dtype} CuPy arrays on X's device",
                     all(on_device(a) for a in (model.coef_, post.mean, post.cov, mean, std)))

    return check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--repeat", type=int, default=None, help="timed calls (3; quick 2)")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON results here")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    repeat = args.repeat or (2 if args.quick else 3)
    reason = cupy_unavailable_reason()
    cp = None
    if reason is None:
        import cupy as cp

        gpu = gpu_description(cp)
    else:
        gpu = {"available": False, "reason": reason}
    report = Report(args, gpu)
    if cp is None:
        report.say(f"{reason}: no GPU rows; the CPU rows follow, for scale")
    else:
        report.say(f"GPU: {gpu['name']} ({gpu['memory_gib']} GiB), CuPy {gpu['cupy']}, "
                   f"CUDA runtime {gpu['cuda_runtime']}, driver {gpu['cuda_driver']}")
    report.say(f"{report.data['date']}, {report.data['machine']['cpu']}, "
               f"{report.data['machine']['cores']} cores; best of {repeat} after a warm-up")
    report.say()

    def gpu_linear() -> None:
        sync = cp.cuda.Device().synchronize
        linear_rows(report, cp, "GPU", sizes["gpu_linear"], repeat, sync,
                    check=device_checks(report, cp))
        cp.get_default_memory_pool().free_all_blocks()

    def cpu_linear() -> None:
        with cpu_cores(CPU_CORES) as cores:
            linear_rows(report, np, f"CPU, {cores} cores", sizes["cpu_linear"], repeat,
                        lambda: None)

    def info() -> None:
        report.say()
        info_rows(report, cp, sizes["info"], repeat, cp.cuda.Device().synchronize)
        cp.get_default_memory_pool().free_all_blocks()

    def nn() -> None:
        report.say()
        nn_rows(report, cp, sizes["nn_samples"], repeat)

    linear_header(report)
    pieces = [gpu_linear, cpu_linear, info, nn] if cp is not None else [cpu_linear, nn]
    for piece in pieces:
        try:
            piece()
        except Exception as exc:  # keep measuring: one broken piece must not cost the others
            traceback.print_exc()
            report.data["errors"].append({"piece": piece.__name__, "error": repr(exc)})
            report.say(f"PIECE FAILED: {piece.__name__}: {exc!r}")
        report.write()
    speedups = gpu_over_cpu(report.data["rows"].get("linear", []))
    checks = report.data["checks"]
    if speedups or checks:
        report.say()
    for line in speedups:
        report.say(line)
    if checks:
        report.say(f"device checks: {sum(c['ok'] for c in checks)} of {len(checks)} passed")
    for c in checks:
        if not c["ok"]:
            report.say(f"DEVICE CHECK FAILED: {c['check']}")
    report.write()
    return int(report.failed)


if __name__ == "__main__":
    sys.exit(main())
