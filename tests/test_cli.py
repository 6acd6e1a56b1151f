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
import pandas as pd
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
        ("evidence", "identity", [], lambda: bf.EvidenceRegression(bf.basis.Identity())),
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
    expected = make().fit(pd.DataFrame({"input": x}), pd.Series(t, name="target"))
    assert sorted(p.name for p in out.iterdir()) == [
        "model.json", "predictions.csv", "predictive.png", "predictive.svg", "summary.csv",
        "summary.md",
    ]
    model = bf.from_dict(json.loads((out / "model.json").read_text()))
    assert type(model) is type(expected)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-12, atol=1e-14)
    grid = pd.DataFrame({"input": np.linspace(0, 1, 7)})
    np.testing.assert_allclose(model.predict(grid), expected.predict(grid), rtol=1e-12,
                               atol=1e-14)
    # the table printed and written carries the same numbers as the library's summary
    table = pd.read_csv(out / "summary.csv", index_col=0)
    np.testing.assert_allclose(table["estimate"], expected.coef_, rtol=1e-12, atol=1e-14)
    reference = str(expected.summary()).splitlines()
    assert stdout.splitlines()[1 : 1 + len(reference)] == reference
    predictions = pd.read_csv(out / "predictions.csv")
    assert list(predictions.columns) == ["input", "target", "mean", "sd", "lower_95", "upper_95"]
    p = expected.predictive(pd.DataFrame({"input": x}))
    np.testing.assert_allclose(predictions["mean"], p.mean, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(predictions["upper_95"], p.interval(0.95)[1], rtol=1e-12)
    assert (out / "predictive.png").read_bytes()[:4] == b"\x89PNG"


def test_fit_without_out_writes_nothing(data_csv, tmp_path, capsys, monkeypatch):
    path, _, _ = data_csv
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(["fit", path, "--x", "input", "--y", "target"], capsys)
    assert code == 0
    assert out.startswith(f"{path}: target on input, basis poly:3\nEvidenceRegression")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


# -- a real analysis: scikit-learn's diabetes data, ten columns ---------------------------------


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    root = tmp_path_factory.mktemp("diabetes")
    paths = {}
    for name, sep in ((",", ","), (";", ";"), ("tab", "\t")):
        paths[name] = root / f"diabetes_{'tab' if name == 'tab' else ord(sep)}.csv"
        frame.to_csv(paths[name], sep=sep, index=False)
    return frame, paths


@pytest.fixture
def figures(monkeypatch):
    """The figures the CLI saves, by file stem, before they are closed."""
    import bayesfit.cli

    seen = {}
    real = bayesfit.cli.save_figure

    def keep(fig, stem, formats):
        seen[stem.name] = [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.get_axes()]
        real(fig, stem, formats)

    monkeypatch.setattr(bayesfit.cli, "save_figure", keep)
    return seen


COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def test_mle_on_ten_columns_equals_statsmodels_ols(diabetes, tmp_path, capsys, figures):
    import statsmodels.api as sm

    frame, paths = diabetes
    out = tmp_path / "out"
    code, stdout, err = _run(["fit", paths[","], "--y", "target", "--method", "mle",
                              "--out", out], capsys)
    assert code == 0, err
    ols = sm.OLS(frame["target"], sm.add_constant(frame[COLUMNS])).fit()
    table = pd.read_csv(out / "summary.csv", index_col=0)
    assert list(table.index) == ["intercept", *COLUMNS]
    np.testing.assert_allclose(table["estimate"], ols.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(table["std_error"], ols.bse.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(table["p_value"], ols.pvalues.to_numpy(), rtol=1e-6, atol=1e-14)
    for name in ["intercept", *COLUMNS]:  # the printed table names every column
        assert any(line.split()[:1] == [name] for line in stdout.splitlines())
    assert f"{paths[',']}: target on {', '.join(COLUMNS)}, basis identity" in stdout
    # several inputs: predicted-vs-observed and residuals, labelled with the target's name
    assert figures == {
        "predicted_vs_observed": [("observed target", "predicted target")],
        "residuals": [("predicted target", "target - predicted")],
    }


@pytest.mark.parametrize("method", ["map", "bayes", "evidence", "pymc"])
def test_every_method_on_ten_columns(diabetes, tmp_path, capsys, method):
    frame, paths = diabetes
    out = tmp_path / "out"
    code, _, err = _run(["fit", paths[","], "--y", "target", "--method", method,
                         "--out", out], capsys)
    assert code == 0, err
    if method in ("map", "bayes"):  # the precisions were not given: a warning says so
        assert "without learning them from the data" in err
    model = bf.from_dict(json.loads((out / "model.json").read_text()))
    assert list(model.feature_names_in_) == COLUMNS
    predictions = pd.read_csv(out / "predictions.csv")
    np.testing.assert_allclose(predictions["mean"], model.predict(frame[COLUMNS]), rtol=1e-10)
    assert list(pd.read_csv(out / "summary.csv", index_col=0).index) == ["intercept", *COLUMNS]
    if method == "pymc":  # stderr is not a terminal here: PyMC's progress bar stays off
        assert model.progressbar is False


@pytest.mark.parametrize(("prior", "extra"), [("laplace", []),
                                            ("elastic_net", ["--l1-ratio", "0.3"])])
def test_sparse_map_priors_are_sklearns_lasso_and_elastic_net(diabetes, tmp_path, capsys,
                                                              prior, extra):
    from sklearn.linear_model import ElasticNet, Lasso

    frame, paths = diabetes
    out = tmp_path / "out"
    alpha, beta, n = 0.015, 3.4e-4, len(frame)
    code, stdout, err = _run(["fit", paths[","], "--y", "target", "--method", "map",
                              "--prior", prior, *extra, "--alpha", alpha, "--beta", beta,
                              "--out", out], capsys)
    assert code == 0 and err == "", err
    a = alpha / (beta * n)  # the map from the prior to scikit-learn's objective (docs/map.md)
    reference = (Lasso(alpha=a, tol=1e-12) if prior == "laplace"
                 else ElasticNet(alpha=a, l1_ratio=0.3, tol=1e-12))
    reference.fit(frame[COLUMNS], frame["target"])
    want = np.r_[reference.intercept_, reference.coef_]
    table = pd.read_csv(out / "summary.csv", index_col=0)
    np.testing.assert_allclose(table["estimate"], want, rtol=1e-8, atol=1e-8 * np.abs(want).max())
    np.testing.assert_array_equal(table["estimate"] == 0, want == 0)
    assert (want == 0).sum() >= (1 if prior == "laplace" else 0)  # the lasso zeroes age, s2, s4
    assert table["std_error"].isna().all()
    assert "not defined for this estimator" in stdout
    model = bf.from_dict(json.loads((out / "model.json").read_text()))
    assert model.prior == prior and model.l1_ratio == (0.3 if extra else 0.5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "bayes", "--prior", "laplace"],
         "--prior and --l1-ratio apply to --method map, not bayes"),
        (["--method", "evidence", "--l1-ratio", "0.5"], "apply to --method map, not evidence"),
        (["--method", "map", "--prior", "laplace", "--l1-ratio", "0.5"],
         "add --prior elastic_net"),
    ],
)
def test_prior_options_apply_to_map_only(diabetes, tmp_path, capsys, args, message):
    _, paths = diabetes
    out = tmp_path / "out"
    code, stdout, err = _run(["fit", paths[","], "--y", "target", "--out", out, "--alpha", "1",
                              "--beta", "1", *args], capsys)
    assert code == 1 and stdout == ""
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()


@pytest.mark.parametrize("sep", [";", "tab"])
def test_semicolon_and_tab_files_give_the_comma_fit(diabetes, tmp_path, capsys, sep):
    _, paths = diabetes
    results = []
    for key in (",", sep):
        out = tmp_path / f"out{len(results)}"
        code, _, err = _run(["fit", paths[key], "--y", "target", "--x", "bmi,bp", "--out", out],
                            capsys)
        assert code == 0, err
        results.append(pd.read_csv(out / "summary.csv", index_col=0))
    pd.testing.assert_frame_equal(results[0], results[1])
    # the wrong delimiter given explicitly: the error hints at the right one
    code, _, err = _run(["fit", paths[";"], "--y", "target", "--sep", ","], capsys)
    assert code == 1 and "pass --sep ';'" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("basis", ["identity", "poly:3", "rbf:5", "sigmoid:5"])
def test_one_column_with_each_basis_labels_the_figure(diabetes, tmp_path, capsys, figures,
                                                       basis):
    _, paths = diabetes
    out = tmp_path / "out"
    code, _, err = _run(["fit", paths[","], "--y", "target", "--x", "bmi", "--basis", basis,
                         "--out", out], capsys)
    assert code == 0, err
    assert figures == {"predictive": [("bmi", "target")]}


def test_weights_equal_repeated_rows(tmp_path, capsys):
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, 40)
    y = 0.5 - x + 0.2 * rng.normal(size=40)
    w = rng.integers(0, 4, 40)
    weighted = tmp_path / "weighted.csv"
    pd.DataFrame({"x": x, "y": y, "w": w}).to_csv(weighted, index=False)
    repeated = tmp_path / "repeated.csv"
    pd.DataFrame({"x": np.repeat(x, w), "y": np.repeat(y, w)}).to_csv(repeated, index=False)
    tables = []
    for argv in (["fit", weighted, "--y", "y", "--x", "x", "--weights", "w"],
                 ["fit", repeated, "--y", "y", "--x", "x"]):
        out = tmp_path / f"out{len(tables)}"
        code, _, err = _run([*argv, "--basis", "poly:1", "--out", out], capsys)
        assert code == 0, err
        tables.append(pd.read_csv(out / "summary.csv", index_col=0))
    np.testing.assert_allclose(tables[0].to_numpy(), tables[1].to_numpy(), rtol=1e-8)


def test_predict_new_rows(diabetes, tmp_path, capsys):
    frame, paths = diabetes
    new = tmp_path / "new.csv"
    frame[["bp", "bmi"]].iloc[:5].to_csv(new, index=False)  # other column order, no target
    argv = ["fit", paths[","], "--y", "target", "--x", "bmi", "--x", "bp", "--predict", new]
    code, stdout, err = _run(argv, capsys)
    assert code == 0, err
    assert "EvidenceRegression" in err  # the table goes to stderr: stdout is the CSV
    got = pd.read_csv(io.StringIO(stdout))
    model = bf.EvidenceRegression().fit(frame[["bmi", "bp"]], frame["target"])
    p = model.predictive(frame[["bmi", "bp"]].iloc[:5])
    np.testing.assert_allclose(got["mean"], p.mean, rtol=1e-10)
    np.testing.assert_allclose(got["sd"], p.std, rtol=1e-10)
    out = tmp_path / "out"
    code, _, err = _run([*argv, "--out", out], capsys)
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(out / "new_predictions.csv"), got)
    frame[["bmi"]].iloc[:5].to_csv(new, index=False)
    code, stdout, err = _run(argv, capsys)
    assert code == 1 and stdout == "" and f"column 'bp' not found in {new}" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--x", "bmi", "--x", "bmi"], "--x names column 'bmi' twice"),
        (["--x", "bmi,bp,bmi"], "--x names column 'bmi' twice"),
        (["--x", "bmi,"], "empty column name"),
        (["--x", "target"], "cannot be an input and --y"),
        (["--method", "ols"], "invalid choice: 'ols'"),
        (["--basis", "spline:3"], "unknown basis 'spline:3'"),
        (["--basis", "rbf:0"], "must be at least 1"),
        (["--level", "1.5"], "not in (0, 1)"),
        (["--prior", "horseshoe"], "invalid choice: 'horseshoe'"),
        (["--prior", "elastic_net", "--l1-ratio", "1.5"], "'1.5' is not in [0, 1]"),
        (["--prior", "elastic_net", "--l1-ratio", "nan"], "'nan' is not in [0, 1]"),
        (["--sep", ":"], "invalid choice"),
    ],
)
def test_fit_usage_errors_exit_2(diabetes, tmp_path, capsys, args, message):
    _, paths = diabetes
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["fit", str(paths[","]), "--y", "target", "--out", str(out), *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()


def test_overflowing_values_are_one_error_line(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n1,2\n2,1e300\n3,4\n")
    out = tmp_path / "out"
    for method in ("mle", "map", "bayes", "evidence"):
        code, _, err = _run(["fit", path, "--x", "x", "--y", "y", "--method", method,
                             "--out", out], capsys)
        assert code == 1, (method, err)
        assert len(err.splitlines()) == 1 and "overflow" in err and "y" in err
        assert not out.exists()


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


def test_precisions_apply_to_map_and_bayes_only(data_csv, tmp_path, capsys):
    path, _, _ = data_csv
    out = tmp_path / "out"
    code, stdout, err = _run(
        ["fit", path, "--x", "input", "--y", "target", "--out", out, "--method", "mle",
         "--alpha", "1"], capsys
    )
    assert code == 1 and stdout == ""
    assert len(err.splitlines()) == 1 and "--alpha and --beta apply to --method map" in err
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
        ["fit", "d.csv", "--y", "a", "--method", "nope"],
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
    x, t = bf.datasets.sinusoid(10, noise=0.3, seed=0, evenly_spaced=True)  # PRML's x = n/9
    np.testing.assert_allclose(x, np.arange(10) / 9)
    xt, tt = bf.datasets.sinusoid(200, noise=0.3, seed=1)
    report = bf.compare_estimators(x, t, xt, tt, degrees=[0, 1, 3, 9])
    assert report.to_markdown() in stdout
    best = report.best_degree("evidence")
    shown = f"The predictive figure shows the evidence fit at M={best}."
    assert f"{report.evidence_caption()} {shown}" in stdout
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


@pytest.mark.parametrize("method", ["mle", "map", "bayes", "evidence"])
def test_values_whose_squares_overflow_are_one_error_line(tmp_path, method):
    # A new user's CSV with a 1e300 in it: one line naming the value and row, exit 1.
    path = tmp_path / "huge.csv"
    path.write_text("x,y\n0,1\n1,2\n2,2.5\n1e300,3\n4,5\n5,4\n")
    proc = subprocess.run(
        [sys.executable, "-m", "bayesfit", "fit", str(path), "--x", "x", "--y", "y",
         "--method", method], capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "bayesfit fit: error: X contains 1e+300 at row 3, column 0, whose square overflows "
        "float64: rescale the data (e.g. standardise it, or change its units)"
    ]


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


def test_help_states_each_default_once(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "(default: None)" not in text and "(default: False)" not in text
    for shown in ("(default: regress)", "(default: evidence)", "(default: 0.95)",
                  "(default: every column but --y and --weights)", "(default 0.5)"):
        assert text.count(shown) == 1, shown


def test_a_reader_closing_the_pipe_ends_quietly(tmp_path):
    x = np.linspace(0.0, 1.0, 50)
    data, new = tmp_path / "data.csv", tmp_path / "new.csv"
    data.write_text("x,y\n" + "".join(f"{a},{np.sin(6 * a)}\n" for a in x))
    new.write_text("x\n" + "".join(f"{i / 20000!r}\n" for i in range(20000)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bayesfit", "fit", str(data), "--y", "y", "--predict", str(new),
         "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )
    assert proc.stdout.readline().startswith(b"x,mean,sd,")  # then stop reading, like `head -1`
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 1 and stderr == b""


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


def _pets_csv(tmp_path, n=40, seed=4):
    X, y = bf.datasets.overlapping_clusters(n, seed=seed)
    labels = np.array(["cat", "dog"])[y]
    path = tmp_path / "pets.csv"
    path.write_text("a;b;kind\n" + "".join(f"{float(u)!r};{float(v)!r};{k}\n"
                                            for (u, v), k in zip(X, labels, strict=True)))
    return path, X, labels


def test_fit_classify_reads_labels_and_reproduces_the_library(tmp_path, capsys):
    path, X, labels = _pets_csv(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = _run(["fit", path, "--task", "classify", "--x", "a,b", "--y", "kind",
                              "--method", "map", "--alpha", "0.5", "--level", "0.9",
                              "--out", out], capsys)
    assert code == 0, err
    model = bf.from_dict(json.loads((out / "model.json").read_text()))
    X = pd.DataFrame(X, columns=["a", "b"])
    reference = bf.MAPClassifier(alpha=0.5).fit(X, labels)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12)
    assert model.classes_.tolist() == ["cat", "dog"]
    assert str(reference.summary(level=0.9)) in stdout
    assert f"training accuracy: {reference.score(X, labels):.6g}" in stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["model.json", "summary.csv", "summary.md", "predictions.csv", "reliability.png",
         "reliability.svg", "decision_boundary.png", "decision_boundary.svg"])
    table = pd.read_csv(out / "predictions.csv")
    assert list(table.columns) == ["a", "b", "kind", "predicted", "p_cat", "p_dog"]
    np.testing.assert_allclose(table[["p_cat", "p_dog"]], reference.predict_proba(X),
                               rtol=1e-12)
    assert table["predicted"].tolist() == reference.predict(X).tolist()


def test_fit_classify_weights_predict_and_errors(tmp_path, capsys):
    path, X, labels = _pets_csv(tmp_path, n=30, seed=5)
    counts = np.arange(30) % 3 + 1
    weighted = tmp_path / "weighted.csv"
    weighted.write_text("a,b,kind,n\n" + "".join(
        f"{float(u)!r},{float(v)!r},{k},{c}\n"
        for (u, v), k, c in zip(X, labels, counts, strict=True)))
    new = tmp_path / "new.csv"
    new.write_text("a,b\n0.5,-1\n-2,2\n")
    code, stdout, err = _run(["fit", weighted, "--task", "classify", "--y", "kind",
                              "--weights", "n", "--method", "mle", "--predict", new], capsys)
    assert code == 0, err
    repeated = bf.MLEClassifier().fit(np.repeat(X, counts, axis=0), np.repeat(labels, counts))
    rows = pd.read_csv(io.StringIO(stdout))
    np.testing.assert_allclose(rows[["p_cat", "p_dog"]],
                               repeated.predict_proba(np.array([[0.5, -1.0], [-2.0, 2.0]])),
                               rtol=1e-8)
    assert "MLEClassifier" in err and "z" in err  # the table goes to stderr beside the CSV
    code, _, err = _run(["fit", path, "--y", "kind"], capsys)
    assert code == 1 and "'cat' is not a number" in err and "--task classify" in err
    code, _, err = _run(["fit", path, "--task", "classify", "--y", "kind", "--beta", "2"],
                        capsys)
    assert code == 1 and "--beta" in err
    code, _, err = _run(["fit", path, "--task", "classify", "--y", "kind", "--method",
                         "evidence", "--alpha", "2"], capsys)
    assert code == 1 and "--alpha applies to --method map or bayes" in err
    code, _, err = _run(["fit", path, "--task", "classify", "--y", "kind", "--method", "map",
                         "--prior", "laplace"], capsys)
    assert code == 1 and "apply to a regression's --method map, not to --task classify" in err
    with pytest.raises(SystemExit) as info:
        main(["fit", str(path), "--task", "classify", "--y", "kind", "--method", "lasso"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "invalid choice: 'lasso'" in err and err.count("\n") == 1
    code, _, err = _run(["fit", path, "--task", "classify", "--y", "kind", "--method", "map"],
                        capsys)
    assert code == 0 and "fixes alpha=1 without learning it" in err
    single = tmp_path / "single.csv"
    single.write_text("a,kind\n1,x\n2,x\n3,x\n")
    code, _, err = _run(["fit", single, "--task", "classify", "--y", "kind"], capsys)
    assert code == 1 and err.count("\n") == 1 and "only one class" in err
