# The Math Behind Word2Vec: two commands do everything.
#   make book   set up .venv, execute every chapter in a fresh kernel (into _build/book),
#               build the HTML edition from those copies (_build/html/index.html)
#   make test   set up .venv, lint (ruff), run the unit tests and strict nbval over notebooks/
# Also: make html (HTML edition from the stored outputs), make student (the student edition:
# notebooks without solutions in _build/student, and its website in _build/student-html),
# make grade SUBMISSIONS=DIR [TIMEOUT=s] [JOBS=n] (grade a class's notebooks), make lint,
# make outputs (maintainers). Slow checks that CI runs after make test: make test-kernels
# (the chapters with AVX2- and SSE-level float kernels), make test-slow (the trainer on real
# corpora), make test-teach (the grader's adversarial suite) and make test-extras (each
# install the README names, in a fresh venv). The website's configuration is in book/.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# One BLAS thread per process: the tests run two processes on two cores, and a small
# product that OpenBLAS splits across threads on a busy machine runs ~100x slower.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
EXECUTE := $(BIN)/jupyter nbconvert --to notebook --execute \
	--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False

.PHONY: setup book html student grade lint test unit nbval outputs lab bench clean \
	test-kernels test-slow

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# The committed notebooks are not touched: fresh copies are executed into _build/book.
book: setup
	rm -rf _build/book && mkdir -p _build/book
	$(EXECUTE) --output-dir _build/book $(NOTEBOOKS)
	$(BIN)/python -m w2vlib.teach.edition html --notebooks _build/book --out _build/html

# The website, from the outputs stored in notebooks/ (nothing is executed; works offline):
# book/ and the chapters are staged in _build/html-src and built with `jupyter-book build`.
html: setup
	$(BIN)/python -m w2vlib.teach.edition html --notebooks notebooks --out _build/html

# Every chapter without its solutions (exercise cells raise NotImplementedError("exercise"),
# the check cells stay), and the website of that edition, with no solution in it.
student: setup
	$(BIN)/python -m w2vlib.teach.edition student --notebooks notebooks --out _build/student
	$(BIN)/python -m w2vlib.teach.edition html --student --notebooks notebooks --out _build/student-html

# Grade a class: SUBMISSIONS holds one folder of notebooks per student. The checks are the
# student edition's (no solutions in them); TIMEOUT is per notebook, JOBS notebooks at once.
SUBMISSIONS ?= submissions
TIMEOUT ?= 600
JOBS ?= 1
grade: setup
	$(BIN)/python -m w2vlib.teach.edition student --notebooks notebooks --out _build/student
	$(BIN)/python -m w2vlib.teach.grade $(SUBMISSIONS) --checks _build/student \
		--csv _build/grades.csv --feedback _build/feedback --timeout $(TIMEOUT) --jobs $(JOBS)

lint: setup
	$(BIN)/ruff check w2vlib tests notebooks

test: setup lint
	$(BIN)/python -m pytest -n 2 --dist loadscope -m "not slow"

# Tests on real corpora that take a minute (the trainer on the Bible corpus): CI runs them.
test-slow: setup
	$(BIN)/python -m pytest -n 2 --dist loadscope -m slow tests

# The chapters as other machines run them: strict nbval once per floating-point kernel
# configuration (OpenBLAS core and NumPy SIMD level held to AVX2, then to SSE), after
# checking that the kernels asked for are in use. A level above this CPU's is skipped.
# KERNELS="haswell nehalem native" picks the configurations (see w2vlib/repro.py).
KERNELS ?= haswell nehalem
test-kernels: setup
	$(BIN)/python -m w2vlib.repro test $(KERNELS)

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

# The grader's long adversarial suite (every case of probe part B.8, a real chapter graded,
# every chapter's student edition run to the end; a few minutes), and each extra the README
# names installed into a fresh venv under /tmp that runs the README's command for it
# (slow, needs the package index). Both are for .ci/run, not for `make test`.
.PHONY: test-teach test-extras
test-teach: setup
	W2VLIB_TEACH_LONG=1 $(BIN)/python -m pytest -p no:xdist -q tests/test_teach_b8.py \
		tests/test_grade_chapters.py

test-extras: setup
	$(BIN)/python tests/check_extras.py
