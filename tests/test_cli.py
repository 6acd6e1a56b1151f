"""The command line: round trips against the library, one-line errors, nothing partial written."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import bayesfit as bf
from bayesfit.cli import main, read_columns

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_csv(tmp_path):
    x, t = bf.datasets.sinusoid(25, noise=0.3, seed=3)
    path = tmp_path / "data.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "input", "target"])
        for i, (a, b) in enumerate(zip(x, t, strict=True)):
            w.writerow([i, repr(float(a)), repr(float(b))])
    return path, x, t


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("method", "basis", "extra", "make"),
    [
        ("mle", "poly:3", [], lambda: bf.MLERegression(bf.basis.Polynomial(3))),
        ("map", "rbf:9", ["--alpha", "0.5", "--beta", "10"],
         lambda: bf.MAPRegression(bf.basis.GaussianRBF(9), alpha=0.5, beta=10.0)),
        ("bayes", "sigmoid:5", ["--alpha", "2", "--beta", "11.1"],
         lambda: bf.BayesianRegression(bf.basis.Sigmoidal(5), alpha=2.0, beta=11.1)),
        ("evidence", "poly:5", [], lambda: bf.EvidenceRegression(bf.basis.Polynomial(5))),
    ],
)
def test_fit_round_trip_reproduces_the_library(data_csv, tmp_path, capsys, method, basis,
                                               extra, make):
    path, x, t = data_csv
    out = tmp_path / "out"
    code, stdout, err = _run(
        ["fit", path, "--x", "input", "--y", "target", "--basis", basis, "--method", method,
         "--out", out, *extra], capsys,
    )
    assert code == 0, err
    assert err == ""
    expected = make().fit(x, t)
    assert sorted(p.name for p in out.iterdir()) == [
        "model.json", "predictive.png", "predictive.svg"
    ]
    model = bf.linear.from_dict(json.loads((out / "model.json").read_text()))
    assert type(model) is type(expected)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-12, atol=1e-14)
    grid = np.linspace(0, 1, 7)
    np.testing.assert_allclose(model.predict(grid), expected.predict(grid), rtol=1e-12,
                               atol=1e-14)
    # the printed summary carries the same numbers
    weights = [float(v) for v in stdout.split("weights:")[1].splitlines()[0].split()]
    np.testing.assert_allclose(weights, expected.coef_, rtol=1e-5, atol=1e-12)
    rms = np.sqrt(np.mean((expected.predict(x) - t) ** 2))
    assert float(stdout.split("train RMS:")[1].split()[0]) == pytest.approx(rms, rel=1e-5)
    if method == "evidence":
        assert float(stdout.split("ln evidence:")[1].split()[0]) == pytest.approx(
            expected.log_evidence_, rel=1e-5
        )
    assert (out / "predictive.png").read_bytes()[:4] == b"\x89PNG"


def test_fit_without_out_writes_nothing(data_csv, tmp_path, capsys, monkeypatch):
    path, _, _ = data_csv
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(["fit", path, "--x", "input", "--y", "target"], capsys)
    assert code == 0 and out.startswith("BayesianRegression, basis poly:3 (4 weights)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


BAD_CSVS = {
    "ragged": ("x,y\n1,2\n3\n", "line 3 has 1 fields, the header has 2"),
    "non-numeric": ("x,y\n1,2\n3,abc\n", "line 3, column 'y': 'abc' is not a number"),
    "empty cell": ("x,y\n1,2\n,4\n", "line 3, column 'x': is empty"),
    "nan cell": ("x,y\n1,2\nnan,4\n", "line 3, column 'x': 'nan' is not a finite number"),
    "bad quoting": ('x,y\n1,"2\n', "is not valid CSV"),
    "empty file": ("", "is empty; expected a header row"),
    "header only": ("x,y\n", "has a header but no data rows"),
    "missing column": ("a,y\n1,2\n", "column 'x' not found in"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSVS))
def test_bad_csv_exits_1_with_one_line_and_no_output(tmp_path, capsys, case):
    text, message = BAD_CSVS[case]
    path = tmp_path / "bad.csv"
    path.write_text(text)
    out = tmp_path / "out"
    code, stdout, err = _run(["fit", path, "--x", "x", "--y", "y", "--out", out], capsys)
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith("bayesfit fit: error: ")
    assert message in err
    assert "Traceback" not in err and stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]  # no temporary left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--basis", "spline:3"], "unknown basis 'spline:3'; use poly:DEGREE"),
        (["--basis", "poly"], "unknown basis 'poly'"),
        (["--basis", "rbf:0"], "must be at least 1"),
        (["--method", "ols"], "unknown method 'ols'; choose one of mle, map, bayes"),
        (["--method", "mle", "--alpha", "1"], "--alpha and --beta apply to --method map"),
    ],
)
def test_bad_settings_exit_1(data_csv, tmp_path, capsys, args, message):
    path, _, _ = data_csv
    out = tmp_path / "out"
    code, stdout, err = _run(
        ["fit", path, "--x", "input", "--y", "target", "--out", out, *args], capsys
    )
    assert code == 1 and stdout == ""
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()


def test_missing_file_and_out_is_a_file(data_csv, tmp_path, capsys):
    code, _, err = _run(["fit", tmp_path / "nope.csv", "--x", "a", "--y", "b"], capsys)
    assert code == 1 and "cannot read" in err and "No such file" in err
    path, _, _ = data_csv
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    code, _, err = _run(["fit", path, "--x", "input", "--y", "target", "--out", blocker], capsys)
    assert code == 1 and "exists and is not a directory" in err
    assert blocker.read_text() == "keep me"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["fit"],
        ["fit", "d.csv", "--x", "a"],
        ["compare", "--n", "0"],
        ["compare", "--degrees", "9-3"],
        ["compare", "--alpha", "-1"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "error:" in err and "--help" in err


def test_compare_prints_the_table_and_writes_files(tmp_path, capsys):
    out = tmp_path / "demo"
    code, stdout, _ = _run(
        ["compare", "--n", "10", "--degrees", "0,1,3,9", "--n-test", "200", "--out", out], capsys
    )
    assert code == 0
    x, t = bf.datasets.sinusoid(10, noise=0.3, seed=0)
    xt, tt = bf.datasets.sinusoid(200, noise=0.3, seed=1)
    report = bf.compare_estimators(x, t, xt, tt, degrees=[0, 1, 3, 9])
    assert report.to_markdown() in stdout
    assert (out / "comparison.csv").read_text() == report.to_csv()
    names = {p.name for p in out.iterdir()}
    assert {"comparison.csv", "comparison.md", "mle_vs_map.png", "mle_vs_map.svg",
            "rms_vs_degree.png", "evidence_vs_degree.svg", "predictive.png"} <= names
    assert f"wrote {len(names)} files to {out}" in stdout


def test_quiet_prints_only_the_table(tmp_path, capsys):
    code, stdout, err = _run(["compare", "-q", "--degrees", "12", "--n-test", "50"], capsys)
    assert code == 0 and err == ""  # the rank-deficient MLE warning is silenced
    assert stdout.startswith("| method |") and len(stdout.splitlines()) == 2 + 4
    code, stdout, err = _run(["compare", "--degrees", "12", "--n-test", "50"], capsys)
    assert "bayesfit compare: warning: MLE M=12: the design matrix is rank deficient" in err


def test_read_columns_strips_and_handles_bom(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("\ufeff a , b \n 1 , 2\n\n3,4\n".encode())
    x, y = read_columns(path, "a", "b")
    np.testing.assert_array_equal(x, [1.0, 3.0])
    np.testing.assert_array_equal(y, [2.0, 4.0])


def test_python_dash_m_bayesfit(tmp_path, data_csv):
    path, _, _ = data_csv
    proc = subprocess.run(
        [sys.executable, "-m", "bayesfit", "fit", str(path), "--x", "input", "--y", "nope"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("bayesfit fit: error: column 'nope' not found")
    assert len(proc.stderr.splitlines()) == 1
    proc = subprocess.run([sys.executable, "-m", "bayesfit", "--help"], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    assert "compare" in proc.stdout and "fit" in proc.stdout


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_display_on_a_terminal_only(monkeypatch, capsys):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["compare", "--degrees", "1,2", "--n-test", "20"]) == 0
    shown = term.getvalue()
    assert shown.startswith("\r[1/8] MLE M=1")
    assert "\r[8/8] Evidence M=2" in shown and shown.endswith("\n")
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["compare", "-q", "--degrees", "1", "--n-test", "20"]) == 0
    assert term.getvalue() == ""


# -- classification ------------------------------------------------------------------------------


def test_compare_classify_prints_the_ladder_and_writes_its_figures(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = _run(["compare", "--task", "classify", "--n-test", "300", "--out", out],
                             capsys)
    assert code == 0, err
    X, y = bf.datasets.overlapping_clusters(20, seed=0)
    Xt, yt = bf.datasets.overlapping_clusters(300, seed=1)
    assert bf.compare_classifiers(X, y, Xt, yt).to_markdown() in stdout
    assert "warning: MLE: MLEClassifier: the classes are separable" in err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["comparison.csv", "comparison.md", "decision_boundaries.png", "decision_boundaries.svg",
         "reliability.png", "reliability.svg"])


def test_fit_classify_reads_labels_and_reproduces_the_library(tmp_path, capsys):
    X, y = bf.datasets.overlapping_clusters(40, seed=4)
    labels = np.array(["cat", "dog"])[y]
    path = tmp_path / "pets.csv"
    path.write_text("a,b,kind\n" + "".join(f"{float(u)!r},{float(v)!r},{k}\n"
                                            for (u, v), k in zip(X, labels, strict=True)))
    out = tmp_path / "out"
    code, stdout, err = _run(["fit", path, "--task", "classify", "--x", "a,b", "--y", "kind",
                              "--method", "map", "--alpha", "0.5", "--out", out], capsys)
    assert code == 0, err
    model = bf.from_dict(json.loads((out / "model.json").read_text()))
    reference = bf.MAPClassifier(bf.basis.Polynomial(1), alpha=0.5).fit(X, labels)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12)
    assert model.classes_.tolist() == ["cat", "dog"]
    assert "training accuracy:" in stdout and "MAPClassifier" in stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["model.json", "reliability.png", "reliability.svg", "decision_boundary.png",
         "decision_boundary.svg"])
    code, _, err = _run(["fit", path, "--task", "classify", "--x", "a", "--y", "kind",
                         "--beta", "2"], capsys)
    assert code == 1 and "--beta" in err
    code, _, err = _run(["fit", path, "--task", "classify", "--x", "a", "--y", "kind",
                         "--method", "lasso"], capsys)
    assert code == 1 and "unknown method 'lasso'" in err
