# smpp-gateway: every target sets itself up (the virtualenv .venv at the project root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Debian packages some tests drive for real: headless Chromium (status page), Prometheus + promtool.
SYSTEM_TOOLS := /usr/bin/chromium /usr/bin/chromedriver /usr/bin/promtool /usr/bin/prometheus openssl

.PHONY: venv system-deps bench-deps test lint format run bench soak fuzz clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# Installs what is missing, once; tests that need a tool skip with a reason where it cannot be had.
system-deps:
	@missing=0; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing test tools: chromium chromium-driver prometheus openssl"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium chromium-driver prometheus openssl >/dev/null || echo "warning: could not install test tools"; \
	  else echo "warning: chromium/prometheus missing and not root: the tests that need them will skip"; fi; \
	fi

test: $(STAMP) system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check smpp_gateway simulators tests
	$(BIN)/ruff format --check smpp_gateway simulators tests
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format smpp_gateway simulators tests
	$(BIN)/ruff check --fix smpp_gateway simulators tests

run: $(STAMP)
	$(BIN)/python -m smpp_gateway.demo

# valgrind counts the gateway's instructions per message (bench_instructions), the figure that does
# not move with the machine's load.
bench-deps:
	@command -v valgrind >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing valgrind"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null \
	      || echo "warning: could not install valgrind"; \
	  else echo "warning: valgrind missing and not root: bench_instructions will be skipped"; fi; }

bench: $(STAMP) bench-deps
	$(BIN)/python -m tests.bench.run

soak: $(STAMP)
	$(BIN)/python -m tests.bench.run --soak

# Coverage-guided fuzzing of the codec, the frame reader and the session for a bounded time; new
# corpus inputs land in tests/fuzz/corpus/ (commit them: make test replays them).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[fuzz]' || echo "atheris unavailable: fuzzing with hypothesis"
	$(BIN)/python -m tests.fuzz.run --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
