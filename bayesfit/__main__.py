"""``python -m bayesfit``: the same command line as the installed ``bayesfit``."""

from bayesfit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
