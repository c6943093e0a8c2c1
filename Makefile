# The Math Behind Word2Vec: two commands do everything.
#   make book   set up .venv, execute every chapter in a fresh kernel (into _build/book)
#   make test   set up .venv, run the unit tests and strict nbval over notebooks/
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
EXECUTE := $(BIN)/jupyter nbconvert --to notebook --execute \
	--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False

.PHONY: setup book test unit nbval outputs lab bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

book: setup
	rm -rf _build/book && mkdir -p _build/book
	$(EXECUTE) --output-dir _build/book $(NOTEBOOKS)
	@echo "Executed chapters are in _build/book/"

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadscope

unit: setup
	$(BIN)/python -m pytest tests

nbval: setup
	$(BIN)/python -m pytest notebooks

# Maintainers: re-execute the committed notebooks in place (fresh kernel each).
outputs: setup
	$(EXECUTE) --inplace $(NOTEBOOKS)

lab: setup
	$(BIN)/jupyter lab notebooks/

bench: setup
	$(BIN)/python -m w2vlib.bench

clean:
	rm -rf _build .pytest_cache .hypothesis
