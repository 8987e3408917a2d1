# Two commands for a fresh machine: `make run` (dashboard on the sample data) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# glibc malloc keeps freed memory in the process instead of unmapping every large array: the 50M-row
# kernels then reuse pages instead of faulting fresh ones in (on this VM that kernel time was 2-6 s
# per funnel call, more than the computation). RSS stays at its high-water mark; see README "Speed".
# Arrow's allocator (mimalloc) keeps freed pages for a minute instead of 10 ms: the 10M-row CSV load is
# faster (README "Speed"; compare with `MIMALLOC_PURGE_DELAY=10 make bench`). The app hands them back itself at the end of every load, save and cached computation
# and at the start of every page run (analytics/arrow_pool.py), which keeps the server under 6 GiB
# (kept forever, MIMALLOC_PURGE_DELAY=-1, it held 8.0 GiB; README "Speed").
export MALLOC_MMAP_MAX_ ?= 0
export MALLOC_TRIM_THRESHOLD_ ?= 100000000000
export MIMALLOC_PURGE_DELAY ?= 60000

.PHONY: run test loadtest bench bench-browser bench-sql install install-dev chromium clean

run: $(VENV)/.runtime
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(VENV)/.dev chromium
	@bash scripts/install-postgres.sh || echo "PostgreSQL could not be installed: the PostgreSQL push-down tests will be skipped"
	$(BIN)/python -m pytest

# 10 browser sessions at once on a ~1M-order data set (also part of `make test`)
loadtest: $(VENV)/.dev chromium
	$(BIN)/python -m pytest tests/e2e/test_load.py -s

bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks.run

# every page in Chromium with the 10M-order sample loaded: render seconds and server memory
bench-browser: $(VENV)/.dev chromium
	$(BIN)/python -m benchmarks.browser

# the SQL push-down on a throw-away PostgreSQL server: COPY load seconds, step seconds, equal to memory?
bench-sql: $(VENV)/.dev
	bash scripts/install-postgres.sh
	$(BIN)/python -m benchmarks.pushdown

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
chromium:
	@bash scripts/install-chromium.sh

clean:
	rm -rf $(VENV) .pytest_cache
