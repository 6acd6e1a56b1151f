# `make test` and `make demo` set up everything they need: a .venv built from pyproject.toml
# with an interpreter >= 3.12 found by tools/find-python (override with PYTHON=...).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# e.g. BENCH_ARGS="--torch-python /work/torch-venv/bin/python" for bench_nn's PyTorch peer
BENCH_ARGS ?=

.PHONY: test test-gpu demo lint bench bench-quick clean docs docs-figures constraints

$(STAMP): pyproject.toml constraints.txt
	@py=$$(tools/find-python) || exit 1; \
	  if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	    rm -rf $(VENV); echo "creating $(VENV) with $$py"; "$$py" -m venv $(VENV) || exit 1; fi
	$(BIN)/python -m pip install --quiet -c constraints.txt pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The backend-parametrized suite on CuPy (needs a GPU and `pip install -e '.[gpu]'`): the same
# tests that run on NumPy and array-api-strict in `make test`.
test-gpu: $(STAMP)
	$(BIN)/python -c 'import cupy' || { echo "test-gpu needs CuPy: $(BIN)/pip install -e '.[gpu]'"; exit 1; }
	MPLBACKEND=Agg BAYESFIT_TEST_BACKENDS=cupy $(BIN)/python -m pytest $(PYTEST_ARGS) -k cupy tests

demo: $(STAMP)
	MPLBACKEND=Agg $(BIN)/bayesfit compare --out demo-output

# The site (site/); warnings are errors. The figures it shows come from the examples:
# `make docs-figures` regenerates them into docs/figures.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-figures: $(STAMP)
	for example in examples/*.py; do \
	  MPLBACKEND=Agg $(BIN)/python $$example --out docs/figures || exit 1; done

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks --quick $(BENCH_ARGS)

# Re-pin constraints.txt to the newest releases pyproject.toml allows (a deliberate update:
# review and commit the diff, then run make test).
constraints:
	@py=$$(tools/find-python) || exit 1; rm -rf .venv-pin && "$$py" -m venv .venv-pin && \
	  .venv-pin/bin/python -m pip install --quiet --upgrade pip && \
	  .venv-pin/bin/python -m pip install --quiet -e '.[dev]' && \
	  { sed -n '1,2p' constraints.txt; .venv-pin/bin/python -m pip freeze --all --exclude-editable; } \
	  > constraints.new && mv constraints.new constraints.txt; rm -rf .venv-pin

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info site
