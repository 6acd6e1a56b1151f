"""Certified accuracy: digits of MLERegression and its peers on NIST's eleven StRD problems.

    python benchmarks/bench_nist.py [--quick]

Accuracy, not speed: for each of NIST's linear least-squares reference problems (read from
../shared/data/nist; absent data are reported, not an error), the correct significant
digits (log relative error, capped at NIST's 15; the log absolute error where the certified
value is 0) of the coefficients, their standard errors, the residual SD and R^2, worst
entry of each, for bayesfit and its peers on the same design in one run. The residual SD
and R^2 of every method are taken from its own coefficients' residuals; bayesfit's come
from its summary(). --quick runs the same (it takes a second).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg
import statsmodels.api as sm

import bayesfit as bf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' NIST reader
from tests import nist

QUANTITIES = ("coef", "std_error", "residual_sd", "r2")


def digits(problem, coef, std_error, resid):
    y = problem.y
    rss = float(resid @ resid)
    tss = np.sum((y - y.mean()) ** 2) if problem.intercept else y @ y
    return (
        nist.lre(coef, problem.coef),
        nist.lre(std_error, problem.std_error),
        nist.lre(np.sqrt(rss / (len(y) - len(coef))), problem.residual_sd),
        nist.lre(1.0 - rss / tss, problem.r2),
    )


def _se(Phi, resid, cov_unscaled):
    sigma2 = resid @ resid / (Phi.shape[0] - Phi.shape[1])
    return np.sqrt(sigma2 * np.diag(cov_unscaled))


def bayesfit_fit(problem):
    basis = (bf.basis.Polynomial(nist.DEGREE[problem.name]) if problem.name in nist.DEGREE
             else bf.basis.Identity(bias=problem.intercept))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bf.BayesfitWarning)
        model = bf.MLERegression(basis).fit(problem.x, problem.y)
    s = model.summary()
    return (
        nist.lre(model.coef_, problem.coef),
        nist.lre(s.coefficients["std_error"].to_numpy(), problem.std_error),
        nist.lre(s.statistics["noise_std_unbiased"], problem.residual_sd),
        nist.lre(s.statistics["r2"], problem.r2),
    )


def lstsq_fit(problem):
    Phi = problem.design()
    w = np.linalg.lstsq(Phi, problem.y, rcond=None)[0]
    resid = problem.y - Phi @ w
    pinv = np.linalg.pinv(Phi)
    return digits(problem, w, _se(Phi, resid, pinv @ pinv.T), resid)


def householder_fit(problem):
    Phi = problem.design()
    Q, R = np.linalg.qr(Phi)
    w = scipy.linalg.solve_triangular(R, Q.T @ problem.y)
    resid = problem.y - Phi @ w
    R_inv = scipy.linalg.solve_triangular(R, np.eye(R.shape[0]))
    return digits(problem, w, _se(Phi, resid, R_inv @ R_inv.T), resid)


def polyfit_fit(problem):
    if problem.name not in nist.DEGREE:
        return None
    x = problem.x[:, 0]
    w, cov = np.polyfit(x, problem.y, nist.DEGREE[problem.name], cov="unscaled")
    resid = problem.y - np.polyval(w, x)
    return digits(problem, w[::-1], _se(problem.design(), resid, cov)[::-1], resid)


def statsmodels_fit(method):
    def fit(problem):
        ols = sm.OLS(problem.y, problem.design()).fit(method=method)
        return digits(problem, ols.params, ols.bse, ols.resid)

    return fit


PEERS = {
    "bayesfit": bayesfit_fit,
    "numpy lstsq": lstsq_fit,
    "numpy polyfit": polyfit_fit,
    "Householder QR": householder_fit,
    "statsmodels OLS (pinv)": statsmodels_fit("pinv"),
    "statsmodels OLS (qr)": statsmodels_fit("qr"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same run (CI smoke run)")
    parser.parse_args()
    print("# bench_nist  correct digits: coefficients / std errors / residual SD / R^2")
    if not nist.available():
        print(f"skipped: {nist.SKIP_REASON}")
        return
    print("| data | " + " | ".join(PEERS) + " |")
    print("|---|" + "---|" * len(PEERS))
    for name in nist.FILES:
        problem = nist.read(name)
        cells = []
        for fit in PEERS.values():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # statsmodels: "rank-deficient" on Filip
                result = fit(problem)
            cells.append("n/a" if result is None else " / ".join(f"{d:.1f}" for d in result))
        label = f"{name} (degree {nist.DEGREE[name]})" if name in nist.DEGREE else name
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
