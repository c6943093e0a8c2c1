"""The book's house style, checked on every chapter notebook (notebooks/NN_*.ipynb).

Each rule is stated in the preface ("How the book is tested") or in the brief of issue 9:

* nbval markers are cell tags, never ``# NBVAL_...`` comments in code;
* code lines are at most 88 characters (the HTML edition's column);
* a displayed gradient is checked through the one shared helper ``w2vlib.verify.check``:
  outside exercise cells no chapter calls SymPy's ``assert_equal*`` or a gradient check's
  ``.assert_ok`` directly, and every chapter that derives gradients calls
  ``verify.check`` at least once;
* every exercise is a Markdown cell ``**Exercise N (title).**`` with a folded solution,
  followed by exactly one code cell tagged ``solution`` and one tagged ``check``, and the
  check ends by printing ``Exercise N ✓``;
* every exercise heading carries a difficulty mark right after it,
  ``**Exercise N (title).** ★`` (routine), ``★★`` (a derivation) or ``★★★`` (a proof or
  an open-ended task); for now only in the chapters of ``DIFFICULTY_CHAPTERS``;
* a chapter opens with the question it answers and has Summary and Exercises headings;
* the test harness (nbval, the sanitize file) is explained once, in the preface: no other
  chapter mentions it;
* a cell that draws a figure ends with ``plt.show()`` and assigns no plotting call to ``_``.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]

MAX_LINE = 88
# Chapters whose subject is a gradient: their displayed gradients go through verify.check.
GRADIENT_CHAPTERS = {"01", "02", "03", "04", "05", "10", "11", "12"}
# Chapters whose exercises carry difficulty marks (the others will follow).
DIFFICULTY_CHAPTERS = {f"{i:02d}" for i in range(13)}          # every chapter
MARKED_EXERCISE = re.compile(r"^\*\*Exercise (\d+) \([^)]+\)\.\*\* (★{1,3})(?=\s)(?!★)",
                             re.MULTILINE)
EXERCISE = re.compile(r"^\*\*Exercise (\d+) \(([^)]+)\)\.\*\*", re.MULTILINE)
DIRECT_CHECK = re.compile(r"\bassert_(?:equal|equal_expanded|index_equal)\s*\(|\.assert_ok\s*\(")
FIGURE_CALL = re.compile(r"\bplt\.(?:subplots|figure|plot|bar|hist|scatter|imshow)\s*\(")
UNDERSCORE_PLOT = re.compile(r"^\s*_\s*=\s*(?:ax|axes|plt|fig|plots)\w*\b", re.MULTILINE)


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def code_cells(path):
    return [c for c in cells(path) if c["cell_type"] == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def notebook(request):
    return request.param


def test_chapters_found():
    assert len(NOTEBOOKS) >= 10, f"expected the book's chapters in notebooks/, found {IDS}"


def test_no_nbval_comments(notebook):
    offenders = [(i, line.strip()) for i, c in enumerate(cells(notebook))
                 if c["cell_type"] == "code"
                 for line in source(c).splitlines() if re.search(r"#\s*NBVAL", line, re.I)]
    assert not offenders, f"nbval markers must be cell tags, not comments: {offenders}"


def test_code_lines_at_most_88(notebook):
    long_lines = [(i, len(line), line) for i, c in enumerate(cells(notebook))
                  if c["cell_type"] == "code"
                  for line in source(c).splitlines() if len(line) > MAX_LINE]
    assert not long_lines, (f"{len(long_lines)} code lines longer than {MAX_LINE} "
                            f"characters (cell, length, line): {long_lines[:5]}")


def test_gradient_checks_go_through_verify(notebook):
    direct = [(i, m.group(0)) for i, c in enumerate(cells(notebook))
              if c["cell_type"] == "code" and not tags(c) & {"solution", "check"}
              for m in DIRECT_CHECK.finditer(source(c))]
    assert not direct, ("outside exercises, a gradient is checked with one "
                        f"verify.check(...) call, not directly: (cell, call) {direct}")
    if notebook.stem[:2] in GRADIENT_CHAPTERS:
        calls = sum(source(c).count("verify.check(") for c in code_cells(notebook)
                    if not tags(c) & {"solution", "check"})
        assert calls > 0, "a chapter that derives gradients checks them with verify.check"


def test_exercise_structure(notebook):
    nb = cells(notebook)
    exercises = [(i, int(m.group(1))) for i, c in enumerate(nb) if c["cell_type"] == "markdown"
                 for m in EXERCISE.finditer(source(c))]
    assert exercises, "expected at least one **Exercise N (title).** cell"
    numbers = [n for _, n in exercises]
    assert numbers == list(range(1, len(numbers) + 1)), f"exercises numbered {numbers}"
    assert len({i for i, _ in exercises}) == len(exercises), "one exercise per Markdown cell"
    for i, number in exercises:
        text = source(nb[i])
        assert re.search(r"<details>\s*<summary>\s*Solution\s*</summary>", text), (
            f"exercise {number}: expected a folded <details><summary>Solution</summary>")
        assert i + 2 < len(nb), f"exercise {number}: expected a solution and a check cell"
        solution, check = nb[i + 1], nb[i + 2]
        assert solution["cell_type"] == "code" and tags(solution) >= {"solution"}, (
            f"exercise {number}: the next cell must be a code cell tagged 'solution'")
        assert check["cell_type"] == "code" and tags(check) >= {"check"}, (
            f"exercise {number}: the cell after the solution must be tagged 'check'")
        last = [line for line in source(check).splitlines() if line.strip()][-1]
        assert re.fullmatch(rf'print\(\s*"Exercise {number} ✓"\s*\)', last.strip()), (
            f"exercise {number}: the check must end with print(\"Exercise {number} ✓\")")
    n_solution = sum("solution" in tags(c) for c in nb)
    n_check = sum("check" in tags(c) for c in nb)
    assert n_solution == n_check == len(exercises), (
        f"{len(exercises)} exercises but {n_solution} solution and {n_check} check cells")


@pytest.mark.parametrize("chapter", [p for p in NOTEBOOKS if not p.stem.startswith("00_")],
                         ids=[i for i in IDS if not i.startswith("00_")])
def test_no_harness_talk_outside_the_preface(chapter):
    mentions = [(i, m.group(0)) for i, c in enumerate(cells(chapter))
                for m in re.finditer(r"nbval|sanitiz\w*", source(c), re.I)]
    assert not mentions, f"test-harness talk belongs in the preface: (cell, word) {mentions}"


def test_exercises_carry_a_difficulty_mark(notebook):
    if notebook.stem[:2] not in DIFFICULTY_CHAPTERS:
        pytest.skip("difficulty marks are not yet required in this chapter")
    text = [source(c) for c in cells(notebook) if c["cell_type"] == "markdown"]
    headings = [int(m.group(1)) for t in text for m in EXERCISE.finditer(t)]
    marked = [int(m.group(1)) for t in text for m in MARKED_EXERCISE.finditer(t)]
    assert headings and marked == headings, (
        f"every exercise heading is followed by ★, ★★ or ★★★: exercises {headings}, "
        f"marked {marked}")


def test_opens_with_question_and_ends_with_summary_and_exercises(notebook):
    nb = cells(notebook)
    first = source(nb[0])
    assert nb[0]["cell_type"] == "markdown" and "?" in first, (
        "a chapter opens with the question it answers")
    headings = [line.lstrip("#").strip() for c in nb if c["cell_type"] == "markdown"
                for line in source(c).splitlines() if line.startswith("#")]
    assert any(h.startswith("Summary") for h in headings), "expected a 'Summary' heading"
    assert any(h.startswith("Exercises") for h in headings), "expected an 'Exercises' heading"


def draws_a_figure(cell):
    """A cell draws a figure if its stored output holds one or it opens one with plt."""
    images = any(mime.startswith("image/") for out in cell.get("outputs", [])
                 for mime in out.get("data", {}))
    return images or bool(FIGURE_CALL.search(source(cell)))


def test_plotting_cells_end_with_show(notebook):
    for i, c in enumerate(code_cells(notebook)):
        src = source(c)
        assert not UNDERSCORE_PLOT.search(src), (
            f"code cell {i}: call the plotting function, do not assign it to _")
        if not draws_a_figure(c):
            continue
        last = [line for line in src.splitlines() if line.strip()][-1].strip()
        assert last == "plt.show()", f"code cell {i}: a plotting cell ends with plt.show()"
