"""Run every benchmark and record the results: ``python -m benchmarks [--quick]``.

    python -m benchmarks [--quick] [--only bench_nn ...] [--torch-python PYTHON]

Each ``benchmarks/bench_*.py`` runs in its own process (so one's threads, caches and memory
do not colour the next) and prints its own table of ratios. The outputs are written with the
machine and date to ``benchmarks/results/<date>-<machine>.json``, and a full (non-quick) run
also replaces the "Latest full run" section of ``benchmarks/README.md``. Nothing here asserts
anything about time. ``--torch-python`` names an interpreter that has PyTorch (it does not
install into bayesfit's Python) for the PyTorch peer of ``bench_nn.py``; without it that peer
is left out, and nothing else needs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
START, END = "<!-- latest-run:start -->", "<!-- latest-run:end -->"


def machine() -> dict[str, object]:
    """Describe this machine: what a reader needs to compare two result files."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "node": platform.node(),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def run_one(path: Path, quick: bool, extra: list[str]) -> dict[str, object]:
    args = [sys.executable, str(path), *(["--quick"] if quick else []), *extra]
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=HERE.parent)
    return {
        "bench": path.stem,
        "args": args[2:],
        "returncode": proc.returncode,
        "seconds": round(time.perf_counter() - start, 2),
        "output": proc.stdout,
        "stderr_tail": proc.stderr[-2000:],
    }


def update_readme(results: dict[str, object], readme: Path) -> None:
    info = results["machine"]
    lines = [
        START,
        f"## Latest full run ({results['date']}, {info['cpu']}, {info['cores']} cores)",
        "",
        "Written by `python -m benchmarks`; the sections above discuss the numbers.",
        "",
    ]
    for run in results["runs"]:
        lines += [
            f"### {run['bench']} ({run['seconds']} s)",
            "",
            "```",
            run["output"].rstrip(),
            "```",
            "",
        ]
    lines.append(END)
    text = readme.read_text()
    block = "\n".join(lines)
    if START in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument("--only", nargs="*", default=None, help="bench names, e.g. bench_linear")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where the JSON goes")
    parser.add_argument(
        "--torch-python", metavar="PYTHON", default=None,
        help="an interpreter with torch, for bench_nn's PyTorch peer "
        "(e.g. /work/torch-venv/bin/python)",
    )
    args = parser.parse_args(argv)
    # options meant for one benchmark, passed through to it
    extra = {"bench_nn": ["--torch-python", args.torch_python]} if args.torch_python else {}
    paths = sorted(HERE.glob("bench_*.py"))
    if args.only:
        unknown = set(args.only) - {p.stem for p in paths}
        if unknown:
            parser.error(f"unknown benchmarks: {sorted(unknown)}")
        paths = [p for p in paths if p.stem in args.only]
    today = dt.date.today().isoformat()
    results = {"date": today, "quick": args.quick, "machine": machine(), "runs": []}
    for path in paths:
        print(f"== {path.stem}", flush=True)
        run = run_one(path, args.quick, extra.get(path.stem, []))
        print(run["output"], end="", flush=True)
        if run["returncode"]:
            print(f"!! {path.stem} failed ({run['returncode']}):\n{run['stderr_tail']}", flush=True)
        results["runs"].append(run)
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"{today}-{platform.node() or 'machine'}{'-quick' if args.quick else ''}.json"
    (args.out / name).write_text(json.dumps(results, indent=1) + "\n")
    if not args.quick and not args.only:
        update_readme(results, HERE / "README.md")
    return int(any(run["returncode"] for run in results["runs"]))


if __name__ == "__main__":
    sys.exit(main())
