"""Writing output files all-or-nothing: the CLI and reports never leave a partial result."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output_dir"]


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
