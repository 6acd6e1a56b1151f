"""Reading NIST's StRD linear least-squares files (../shared/data/nist), for tests and benchmarks.

The files are NIST's, byte for byte (CRLF line ends); their header says which lines hold the
certified values and which the data. Nothing here uses bayesfit: the reader and the accuracy
measure (log relative error) are the independent side of the comparison.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NIST_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nist"
FILES = ("Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
         "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5")
#: Polynomial degree of the model for the one-predictor files (None: linear in the columns).
DEGREE = {"Norris": 1, "Pontius": 2, "Filip": 10, "Wampler1": 5, "Wampler2": 5,
          "Wampler3": 5, "Wampler4": 5, "Wampler5": 5}
NO_INTERCEPT = ("NoInt1", "NoInt2")
#: NIST computed the certified values to 15 significant digits.
CERTIFIED_DIGITS = 15.0


@dataclass(frozen=True)
class NistProblem:
    name: str
    x: np.ndarray  # (N, k) predictors as given
    y: np.ndarray
    coef: np.ndarray  # certified estimates B0, B1, ...
    std_error: np.ndarray  # their certified standard deviations
    residual_sd: float
    r2: float

    @property
    def intercept(self) -> bool:
        return self.name not in NO_INTERCEPT

    def design(self) -> np.ndarray:
        """The full design matrix, bias column first where the model has one."""
        if self.name in DEGREE:
            return np.vander(self.x[:, 0], DEGREE[self.name] + 1, increasing=True)
        if self.intercept:
            return np.column_stack([np.ones(len(self.y)), self.x])
        return self.x


def available() -> bool:
    return all((NIST_DIR / f"{name}.dat").is_file() for name in FILES)


SKIP_REASON = f"NIST StRD files not found in {NIST_DIR} (the shared/ data beside the clone)"


def read(name: str) -> NistProblem:
    lines = (NIST_DIR / f"{name}.dat").read_text().replace("\r", "").split("\n")
    header = "\n".join(lines[:15])
    cert = re.search(r"Certified Values\s+\(lines (\d+) to (\d+)\)", header)
    data = re.search(r"Data\s+\(lines (\d+) to (\d+)\)", header)
    certified = lines[int(cert[1]) - 1 : int(cert[2])]
    coef, sd = [], []
    residual_sd = r2 = math.nan
    for i, line in enumerate(certified):
        match = re.match(r"\s*B\d+\s+(\S+)\s+(\S+)", line)
        if match:
            coef.append(float(match[1]))
            sd.append(float(match[2]))
        elif "Standard Deviation" in line and "Residual" in certified[i - 1]:
            residual_sd = float(line.split()[-1])
        elif "R-Squared" in line:
            r2 = float(line.split()[-1])
    rows = [[float(v) for v in line.split()] for line in lines[int(data[1]) - 1 : int(data[2])]
            if line.strip()]
    table = np.array(rows)
    return NistProblem(name, table[:, 1:], table[:, 0], np.array(coef), np.array(sd),
                       residual_sd, r2)


def lre(estimate, certified) -> float:
    """The fewest correct significant digits among the entries (log relative error).

    Where the certified value is 0 (Wampler1's exact fit), the log absolute error; capped at
    the 15 digits NIST certifies.
    """
    estimate = np.atleast_1d(np.asarray(estimate, dtype=np.float64))
    certified = np.atleast_1d(np.asarray(certified, dtype=np.float64))
    scale = np.where(certified == 0.0, 1.0, np.abs(certified))
    with np.errstate(divide="ignore", invalid="ignore"):
        digits = -np.log10(np.abs(estimate - certified) / scale)
    digits = np.where(np.isnan(digits), 0.0, digits)
    return float(np.clip(digits, 0.0, CERTIFIED_DIGITS).min())
