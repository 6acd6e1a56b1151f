"""Out-of-core and distributed fits agree with the in-memory fit (issue: scale)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import bayesfit as bf
from bayesfit.basis import Polynomial
from bayesfit.streaming import iter_array_chunks, read_csv_chunks

# the lasso: the same statistics, a coordinate-descent solve on them
LASSO = functools.partial(bf.MAPRegression, prior="laplace", alpha=200.0, beta=25.0)
ESTIMATORS = [bf.MLERegression, bf.MAPRegression, bf.BayesianRegression, bf.EvidenceRegression,
              LASSO, bf.ARDRegression]
ATTRIBUTES = ("beta_", "alpha_", "log_evidence_", "gamma_", "noise_std_")


def data(n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    y = 0.5 + X @ [1.0, -2.0, 0.3] + 0.4 * X[:, 0] ** 2 + 0.2 * rng.normal(size=n)
    return X, y


def assert_same_fit(a, b, rtol=1e-10):
    np.testing.assert_allclose(bf.to_numpy(a.coef_), bf.to_numpy(b.coef_), rtol=rtol)
    for name in ATTRIBUTES:
        if hasattr(a, name):
            assert getattr(a, name) == pytest.approx(getattr(b, name), rel=rtol), name


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_memmap_chunks_equal_in_memory(estimator, tmp_path):
    X, y = data()
    np.save(tmp_path / "X.npy", X)
    X_disk = np.load(tmp_path / "X.npy", mmap_mode="r")
    kwargs = {"tol": 1e-13} if estimator in (bf.EvidenceRegression, bf.ARDRegression) else {}
    batch = estimator(Polynomial(2), **kwargs).fit(X, y)
    streamed = estimator(Polynomial(2), **kwargs).fit_stream(
        iter_array_chunks(X_disk, y, chunksize=3_000)
    )
    assert_same_fit(streamed, batch)


def test_csv_chunks_equal_in_memory(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = data(5_000)
    path = tmp_path / "big.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "t": y}).to_csv(path, index=False)
    batch = bf.EvidenceRegression(Polynomial(2), tol=1e-13).fit(X[:, :2], y)
    streamed = bf.EvidenceRegression(Polynomial(2), tol=1e-13).fit_stream(
        read_csv_chunks(path, x=["a", "b"], y="t", chunksize=700)
    )
    # CSV holds 17 significant digits, so the text round trip is exact
    assert_same_fit(streamed, batch)


def test_csv_reader_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x,t\n1,2\n3,oops\n")
    with pytest.raises(ValueError, match=r"bad.csv, line 3: column 't' is not a number \('oops'\)"):
        list(read_csv_chunks(path, x="x", y="t"))
    with pytest.raises(ValueError, match=r"column\(s\) \['z'\] not in"):
        next(read_csv_chunks(path, x="z", y="t"))
    with pytest.raises(ValueError, match="chunksize must be a positive int"):
        next(read_csv_chunks(path, x="x", y="t", chunksize=0))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        next(iter_array_chunks(np.ones(3), np.ones(2)))


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    # Two worker processes on the loopback interface only; nothing leaves this machine.
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_dask_on_a_local_cluster_equals_in_memory(estimator, dask_client):
    da = pytest.importorskip("dask.array")
    X, y = data()
    kwargs = {"tol": 1e-13} if estimator in (bf.EvidenceRegression, bf.ARDRegression) else {}
    batch = estimator(Polynomial(2), **kwargs).fit(X, y)
    distributed = estimator(Polynomial(2), **kwargs).fit(
        da.from_array(X, chunks=(2_500, 2)), da.from_array(y, chunks=4_000)
    )
    assert_same_fit(distributed, batch)
    assert isinstance(distributed.coef_, np.ndarray)
    np.testing.assert_allclose(distributed.predict(X[:5]), batch.predict(X[:5]), rtol=1e-10)


def test_dask_default_rbf_centres_come_from_the_range(dask_client):
    da = pytest.importorskip("dask.array")
    X, y = data(4_000)
    batch = bf.EvidenceRegression(bf.basis.GaussianRBF(5), tol=1e-13).fit(X[:, 0], y)
    lazy = bf.EvidenceRegression(bf.basis.GaussianRBF(5), tol=1e-13).fit(
        da.from_array(X[:, 0], chunks=1_000), da.from_array(y, chunks=1_000)
    )
    np.testing.assert_allclose(lazy.basis_.centers_, batch.basis_.centers_, rtol=1e-15)
    assert lazy.log_evidence_ == pytest.approx(batch.log_evidence_, rel=1e-10)


def test_dask_bad_input(dask_client):
    da = pytest.importorskip("dask.array")
    X, y = data(2_000)
    X[1_500, 1] = np.nan
    with pytest.raises(
        ValueError,
        match=r"X contains NaN at row 1500, column 1 \(in the block of rows 1500\.\.1999\)",
    ):
        bf.MAPRegression().fit(da.from_array(X, chunks=(500, 3)), da.from_array(y, chunks=500))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        bf.MAPRegression().fit(da.ones((10, 2)), da.ones(9))
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        Xd = da.ones((10, 2), chunks=5)
        bf.MAPRegression().fit(Xd[Xd[:, 0] > 0], da.ones(10))
