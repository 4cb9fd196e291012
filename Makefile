# `make run`, `make test` and `make lint` set themselves up: a .venv is created when missing and the
# project (with its test extra) installed into it; a second run only checks a stamp and is quick.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFIG ?= config.yaml
PYTEST_ARGS ?=
# mypy cannot follow setup.py's package_dir mapping: it checks the folders as xiaoqu.* through symlinks here.
TYPECHECK := build/typecheck

.PHONY: run test lint check-config bench clean

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

# The demo's people come in as an office's would: the simulator writes its estate as a
# residents sheet and `xiaoqu residents import` reads it (a second run changes nothing).
DEMO_SHEET := .xiaoqu/estate.xlsx

run: $(STAMP)
ifeq ($(CONFIG),config.yaml)
	@mkdir -p .xiaoqu
	$(VENV)/bin/xiaoqu simulator sheet -c $(CONFIG) -o $(DEMO_SHEET)
	$(VENV)/bin/xiaoqu residents import $(DEMO_SHEET) -c $(CONFIG)
endif
	$(VENV)/bin/xiaoqu run -c $(CONFIG)

check-config: $(STAMP)
	$(VENV)/bin/xiaoqu check-config -c $(CONFIG)

# The suite on TEST_WORKERS pytest-xdist workers: most tests wait on brokers, sockets and
# subprocesses rather than the CPU, so more workers than cores pay. Each file's tests stay on one
# worker, and the whole browser suite (one demo hub, one Chromium) on one; the files go out in
# collection order, the long folders first (tests/conftest.py). The tests marked `serial` (bound
# by real time: the fault tests) run after, one at a time with nothing else running; both passes
# run, and test fails if either failed (pytest's 5, "no tests collected", is no failure:
# PYTEST_ARGS may name a folder without any).
TEST_WORKERS ?= 4

test: $(STAMP)
	status=0; \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not serial" $(PYTEST_ARGS) || status=$$?; \
	$(PY) -m pytest -m serial $(PYTEST_ARGS) || [ $$? = 5 ] || status=1; \
	[ $$status = 0 ] || [ $$status = 5 ]

# ruff, mypy and the layering test; every one runs, and lint fails if any of them failed.
lint: $(STAMP)
	@rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/xiaoqu
	@for d in core integrations plugins; do ln -s "$(CURDIR)/$$d" $(TYPECHECK)/xiaoqu/$$d; done
	@status=0; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "mypy"; MYPYPATH=$(TYPECHECK) $(VENV)/bin/mypy -p xiaoqu.core -p xiaoqu.integrations -p xiaoqu.plugins || status=1; \
	echo "layering test"; $(PY) -m pytest -q tests/architecture || status=1; \
	exit $$status

bench: $(STAMP)
	$(PY) bench/run_all.py $(NAMES)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
