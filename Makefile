# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install

.PHONY: install demo test lint typecheck unit bench clean browser go wrk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/armsctl demo

# lint-imports checks the layering contracts in pyproject.toml (docs/architecture.md).
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-logo

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest -n 2 -q

# The browser tests (tests/e2e) drive Debian's Chromium; as root, install it when missing,
# otherwise the browser tests skip with a loud message.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing chromium for the browser tests (apt-get)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
	  echo "*** /usr/bin/chromium is missing and we are not root: BROWSER TESTS WILL BE SKIPPED ***"; \
	fi

# The Go interoperability tests (tests/interop) build a checker with Debian's Go and
# golang.org/x/mod (sumdb/note, sumdb/tlog); as root, install them when missing, otherwise
# those tests skip with a loud message.
GO_PACKAGES := golang-go golang-golang-x-mod-dev
go:
	@if command -v go >/dev/null && [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing $(GO_PACKAGES) for the Go interoperability tests (apt-get)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(GO_PACKAGES); \
	else \
	  echo "*** Go or golang.org/x/mod is missing and we are not root: GO INTEROPERABILITY TESTS WILL BE SKIPPED ***"; \
	fi

# bench/bench_api.py drives the API with Debian's wrk; as root, install it when missing,
# otherwise the API benchmark skips with a loud message.
wrk:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing wrk for the API benchmark (apt-get)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; \
	else \
	  echo "*** wrk is missing and we are not root: THE API BENCHMARK WILL BE SKIPPED ***"; \
	fi

test: lint typecheck browser go unit

bench: install wrk
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache out
