"""The grader on the real chapters.

Every chapter with exercises is checked without running it (strict nbval runs it):
each ``**Exercise N`` heading has one ``solution`` cell and one ``check`` cell right after
it, so the grader finds every exercise; the check's stored output (which strict nbval
requires a fresh run to reproduce, without an error) prints ``Exercise N ✓``, so the full
edition scores every exercise passed; and the check reads a name that only its solution
binds, so in the untouched student edition it raises NameError and the exercise scores
"not attempted".

One chapter is also graded for real, as a student's notebook: its first exercise left
untouched, its second answered wrongly, the others answered: exactly those statuses come
back (in the long suite, `make test-teach`: W2VLIB_TEACH_LONG=1).
"""

import builtins
import os
import re
from pathlib import Path

import nbformat
import pytest

from w2vlib.teach import edition, grade

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = edition.chapters(NOTEBOOKS)
IDS = [p.stem for p in CHAPTERS]
GRADED_CHAPTER = "02_softmax_cross_entropy.ipynb"     # a quick one, with several exercises


def headings(nb):
    return [m.group(1) for c in nb.cells if c.cell_type == "markdown"
            for m in grade.HEADING.finditer(c.source)]


def output_text(cell):
    return "".join(out.get("text", "") for out in cell.get("outputs", []))


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_exercise_has_a_solution_and_a_check(path):
    nb = edition.read(path)
    numbers = headings(nb)
    if not numbers:
        pytest.skip("no exercises")
    found = grade.exercises(nb)
    assert [e.number for e in found] == numbers, "an exercise without a solution cell"
    for e in found:
        code_after = next(i for i in range(e.answer + 1, len(nb.cells))
                          if nb.cells[i].cell_type == "code")
        assert e.check == code_after, f"exercise {e.number}: the check must follow the answer"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_full_edition_passes_every_check(path):
    nb = edition.read(path)
    for e in grade.exercises(nb):
        check = nb.cells[e.check]
        assert not [o for o in check.outputs if o.output_type == "error"]
        assert re.search(rf"Exercise {re.escape(e.number)} ✓\s*$", output_text(check)), (
            f"exercise {e.number}: the check's stored output does not end with its ✓")


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_an_untouched_exercise_cannot_pass(path):
    """Each check reads a name bound by its own solution and by no other cell before it."""
    nb = edition.read(path)
    found = grade.exercises(nb)
    answers = {e.answer for e in found}
    known = set(dir(builtins))
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        bound, loaded = grade.cell_names(cell.source)
        exercise = next((e for e in found if e.check == index), None)
        if exercise is not None:
            own, _ = grade.cell_names(nb.cells[exercise.answer].source)
            assert (loaded & own) - known, (
                f"exercise {exercise.number}: the check reads no name that only its "
                "solution binds, so it could pass without an answer")
        if index not in answers:
            known |= bound


@pytest.fixture(scope="module")
def graded_chapter(tmp_path_factory):
    if not os.environ.get("W2VLIB_TEACH_LONG"):
        pytest.skip("a real chapter graded: the long grader suite (make test-teach)")
    path = NOTEBOOKS / GRADED_CHAPTER
    if not path.exists():
        pytest.skip(f"{GRADED_CHAPTER} is not in the book")
    full = edition.read(path)
    found = grade.exercises(full)
    assert len(found) >= 3, "the graded chapter needs three exercises"
    nb = edition.strip_solutions(full)
    mine = grade.exercises(nb)
    for e_full, e in list(zip(found, mine))[1:]:
        nb.cells[e.answer].source = full.cells[e_full.answer].source
    wrong = found[1]        # the second exercise: its answer, then every name it binds
    names, _ = grade.cell_names(full.cells[wrong.answer].source)
    _, read = grade.cell_names(wrong.check_source)
    nb.cells[mine[1].answer].source += "\n" + "\n".join(
        f"{name} = None" for name in sorted(names & read))
    folder = tmp_path_factory.mktemp("class") / "student"
    folder.mkdir()
    nbformat.write(nb, str(folder / GRADED_CHAPTER))
    results = grade.grade(folder.parent, NOTEBOOKS, timeout=300)
    assert len(results) == 1 and not results[0].problem
    return found, results[0].results


def test_a_real_chapter_graded(graded_chapter):
    found, results = graded_chapter
    assert [r.number for r in results] == [e.number for e in found]
    expected = [grade.NOT_ATTEMPTED, grade.FAILED] + [grade.PASSED] * (len(found) - 2)
    assert [r.status for r in results] == expected, [(r.number, r.message) for r in results]
    assert results[1].message.startswith("check: ")
