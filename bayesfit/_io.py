"""Writing output files all-or-nothing and reproducibly.

The CLI and reports never leave a partial result, and the same results give byte-identical
files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["atomic_output_dir", "save_figure"]

# The metadata key in which matplotlib stamps the time of writing, per format.
_DATE_KEYS = {"svg": "Date", "pdf": "CreationDate", "ps": "CreationDate", "eps": "CreationDate"}


@contextlib.contextmanager
def atomic_output_dir(directory: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary directory whose files move into ``directory`` on success.

    The temporary directory sits next to ``directory`` (same file system, so each move is an
    atomic rename). If the block raises, it is deleted and ``directory`` is left as it was.

    Parameters
    ----------
    directory : path
        Where the files end up; created if missing. Files already there with other names are
        kept, files with the same names are replaced.

    Yields
    ------
    pathlib.Path
        The temporary directory to write into.

    Raises
    ------
    ValueError
        If ``directory`` exists and is not a directory.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with atomic_output_dir(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("done")
    >>> sorted(p.name for p in out.iterdir())
    ['a.txt']
    """
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise ValueError(f"output directory {str(target)!r} exists and is not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-partial-", dir=target.parent))
    try:
        yield tmp
        target.mkdir(exist_ok=True)
        for item in sorted(tmp.iterdir()):
            os.replace(item, target / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save_figure(fig: Any, stem: Path, formats: Sequence[str]) -> None:
    """Write ``fig`` as ``stem.<format>`` for each format, then close it.

    The files are byte-identical across runs: matplotlib would stamp SVG/PDF/PS files with
    the date and name SVG elements with a random salt; both are fixed here.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    stem : pathlib.Path
        The path without the extension.
    formats : sequence of str
        Formats matplotlib can write (``"png"``, ``"svg"``, ...).
    """
    import matplotlib
    import matplotlib.pyplot as plt

    try:
        with matplotlib.rc_context({"svg.hashsalt": "bayesfit"}):
            for fmt in formats:
                key = _DATE_KEYS.get(fmt)
                fig.savefig(
                    stem.with_name(f"{stem.name}.{fmt}"),
                    format=fmt,
                    dpi=100,
                    metadata=None if key is None else {key: None},
                )
    finally:
        plt.close(fig)
