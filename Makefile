# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

CESIUM := web/node_modules/cesium/Build/Cesium/Cesium.js

.PHONY: run test test-slow lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# CesiumJS for the 3-D globe page, pinned by web/package-lock.json (only Build/Cesium is
# served). Without npm, or offline, the globe page is unavailable and its test skips.
$(CESIUM): web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error \
	    || echo "warning: npm ci failed: the 3-D globe (evasim globe) and its test are skipped"; \
	else echo "warning: npm not found: the 3-D globe (evasim globe) and its test are skipped"; fi

run: $(STAMP) $(CESIUM)
	$(BIN)/evasim replay vkd-49 --out out/vkd-49
	@echo "Open out/vkd-49/report.html in a browser; telemetry, events and summary are beside it."

test: $(STAMP) $(CESIUM)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/python -m pytest -q -n 2 -m "not slow"  # two workers: the CI machine has two cores

# The slow end-to-end cases (a real Dask cluster, chunked video, the 3-D globe in a browser).
test-slow: $(STAMP) $(CESIUM)
	$(BIN)/python -m pytest -q -n 2 -m slow

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_replay.py

clean:
	rm -rf $(VENV) out build src/*.egg-info web/node_modules
