# Every target sets itself up from scratch: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= ../shared/data

.PHONY: setup demo test test-fast lint eval bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/parallax demo --db sqlite:///demo.db

lint: setup
	$(BIN)/ruff check src tests bench scripts

test: setup lint
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m 'not slow'

eval: setup
	$(BIN)/python -m parallax.eval.report --data $(DATA)

bench: setup
	$(BIN)/python bench/run.py --data $(DATA)

clean:
	rm -rf $(VENV) build *.egg-info demo.db parallax.db .pytest_cache
