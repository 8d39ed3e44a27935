# Every target sets itself up from scratch: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= ../shared/data

.PHONY: setup browser demo test test-fast lint eval bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

# The browser tests drive Debian's Chromium (playwright cannot download one here). Installed
# when missing and we may; otherwise those tests skip locally (and fail under CI=true).
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: /usr/bin/chromium missing and not installable here: browser tests will skip"; }

demo: setup
	$(BIN)/parallax demo --db sqlite:///demo.db

lint: setup
	$(BIN)/ruff check src tests bench scripts

test: setup lint browser
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m 'not slow'

eval: setup
	$(BIN)/python -m parallax.eval.report --data $(DATA)

bench: setup
	$(BIN)/python bench/run.py --data $(DATA)
	$(BIN)/python -m parallax.web.bench

clean:
	rm -rf $(VENV) build *.egg-info demo.db parallax.db .pytest_cache
