# `make test` and `make demo` set up everything they need: a .venv built from pyproject.toml
# with an interpreter >= 3.12 found by tools/find-python (override with PYTHON=...).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# e.g. BENCH_ARGS="--torch-python /work/torch-venv/bin/python" for bench_nn's PyTorch peer
BENCH_ARGS ?=

.PHONY: test test-gpu bench-gpu gpu-check gpu-wheels demo lint bench bench-quick clean docs \
  docs-figures constraints

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

# The GPU checks (tools/gpu-check; docs/backend.md says what they assume). test-gpu: the
# backend-parametrized suite on CuPy, the same tests that run on NumPy and array-api-strict in
# `make test` (needs a GPU and `.venv/bin/pip install -e '.[gpu]'`); bench-gpu:
# benchmarks/bench_gpu.py. Without CuPy or a CUDA device each says so and exits 0.
test-gpu: $(STAMP)
	PYTHON=$(BIN)/python PYTEST_ARGS="$(PYTEST_ARGS)" tools/gpu-check test

bench-gpu: $(STAMP)
	PYTHON=$(BIN)/python tools/gpu-check bench

# Both, on a GPU machine that reaches no package registry: no .venv is built; the machine's
# python3 (with CuPy) runs this tree, plus the wheels `make gpu-wheels` fetched beforehand.
gpu-check:
	tools/gpu-check all

gpu-wheels: $(STAMP)
	rm -rf .gpu-wheels && $(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: \
	  -d .gpu-wheels $$(grep -iE '^array[-_]api[-_](compat|strict)==' constraints.txt)

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
