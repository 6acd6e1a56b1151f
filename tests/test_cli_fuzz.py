"""Fuzzing the CLI's CSV reading: random bytes and malformed rows never crash it.

``bayesfit fit DATA.csv --out DIR`` runs in-process through ``bayesfit.cli.main(argv)`` on
files that hypothesis builds from random bytes and from a grammar of CSV cells that are
almost right (empty, NaN, inf, words, quotes, ragged rows, a BOM, NUL bytes, CRLF). Every
run must end with exit status 0 and a complete output directory, or with status 1, exactly
one line on stderr that is a user error (never "internal error", never a traceback) and no
output directory or partial file at all.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as hst

from bayesfit.cli import main

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None)
OUTPUTS = {"model.json", "predictions.csv", "predictive.png", "predictive.svg", "summary.csv",
           "summary.md"}
CLASSIFY_OUTPUTS = {"model.json", "predictions.csv", "reliability.png", "reliability.svg",
                    "summary.csv", "summary.md"}


def _run(data: bytes, task: str = "regress") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = tmp / "data.csv"
        csv.write_bytes(data)
        out = tmp / "out"
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(["fit", str(csv), "--x", "x", "--y", "y", "--method", "mle",
                           "--basis", "poly:1", "--task", task, "--out", str(out), "-q"])
        err = stderr.getvalue()
        leftovers = sorted(p.name for p in tmp.iterdir() if p.name not in ("data.csv", "out"))
        assert leftovers == [], leftovers  # no temporary or partial files beside the output
        if status == 0:
            assert {p.name for p in out.iterdir()} == (
                CLASSIFY_OUTPUTS if task == "classify" else OUTPUTS
            )
            assert err == ""
            return status
        assert status == 1, (status, err)
        assert not out.exists()  # all or nothing
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("bayesfit fit: error: "), lines[0]
        assert "internal error" not in lines[0] and "Traceback" not in err
        return status


@FUZZ
@given(data=hst.binary(max_size=300))
def test_random_bytes(data):
    status = _run(data)
    event(f"exit status {status}")  # --hypothesis-show-statistics: both paths run


@FUZZ
@given(body=hst.binary(max_size=200))
def test_random_bytes_after_a_valid_header(body):
    status = _run(b"x,y\n" + body)
    event(f"exit status {status}")  # --hypothesis-show-statistics: both paths run


GOOD = hst.one_of(
    hst.floats(-1e6, 1e6, allow_nan=False).map(repr),
    hst.integers(-10**6, 10**6).map(str),
    hst.floats(-1e6, 1e6).map(lambda v: f"  {v:.3e} "),
)
BAD = hst.one_of(
    hst.floats(allow_nan=True, allow_infinity=True).map(repr),
    hst.integers(-10**400, 10**400).map(str),
    hst.sampled_from(["", " ", "nan", "NaN", "inf", "-Infinity", "1e999", "0x10", "1,5", "1_0",
                      "abc", '"1"', '"', '""', "'2'", "\x00", "\u00a0", "١", "½", "True",
                      "None", "1e-400", "4\t"]),
)
# Mostly well-formed rows of two numbers, so that some files parse and the success path (all
# three output files) is fuzzed too; the rest ragged or with a bad cell.
ROWS = hst.one_of(
    hst.tuples(GOOD, GOOD).map(",".join),
    hst.tuples(GOOD, GOOD).map(",".join),
    hst.lists(hst.one_of(GOOD, BAD), max_size=4).map(",".join),
)


@settings(FUZZ, max_examples=40)
@given(
    header=hst.sampled_from(["x,y", "x,y", "y,x", "x,y,z", "x", "X,Y", "\ufeffx,y", "x,,y",
                             '"x","y"', "x,x,y", ""]),
    rows=hst.lists(ROWS, max_size=5),
    newline=hst.sampled_from(["\n", "\r\n", "\r"]),
)
def test_malformed_rows(header, rows, newline):
    status = _run(newline.join([header, *rows]).encode("utf-8"))
    event(f"exit status {status}")  # --hypothesis-show-statistics: both paths run


@settings(FUZZ, max_examples=40)
@given(
    header=hst.sampled_from(["x,y", "x,y", "y,x", "x,y,z", "x", "\ufeffx,y", "x,x,y", ""]),
    rows=hst.lists(ROWS, max_size=6),
)
def test_malformed_rows_of_labels(header, rows):
    status = _run("\n".join([header, *rows]).encode("utf-8"), task="classify")
    event(f"exit status {status}")  # --hypothesis-show-statistics: both paths run


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe\x00x\x00,\x00y",  # UTF-16
        b"x,y\n1,2\n3",  # ragged last row
        b'x,y\n"1,2\n',  # unterminated quote
        b"x,y\n1,nan\n",
        b"x,y\n1\x00,2\n",
        b"x,y\n",
    ],
)
def test_known_bad_files(data):
    _run(data)


def test_a_good_file_writes_everything():
    _run(b"x,y\n0,1\n1,3\n2,5.5\n3,7\n")
    assert _run(b"x,y\n0,a\n1,b\n2,a\n3,b\n", task="classify") == 0
