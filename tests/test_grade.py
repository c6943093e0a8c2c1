"""The grader (w2vlib.teach.grade) on a small chapter made for it (tests/fixtures/42_fixture.ipynb).

A class of six students is graded once, in one call: the full edition (every exercise
passed), the untouched student edition (every exercise not attempted), one wrong answer
(exactly that exercise fails, with the check's message), an edited check cell (the original
check is run anyway), a notebook that crashes its kernel and one that loops (both reported,
neither stops the others). The real chapters are graded in test_grade_chapters.py.
"""

import csv
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from w2vlib.teach import edition, grade

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHAPTER = FIXTURES / "42_fixture.ipynb"
NAME = CHAPTER.name
TIMEOUT = 15


def student_edition():
    return edition.strip_solutions(edition.read(CHAPTER))


def answered(nb, number, source):
    """``nb`` with the answer cell of exercise ``number`` replaced by ``source``."""
    ex = {e.number: e for e in grade.exercises(nb)}[number]
    nb.cells[ex.answer].source = source
    return nb


def solved_student_edition():
    """The student edition with every stub replaced by the full edition's answer."""
    full, nb = edition.read(CHAPTER), student_edition()
    for ex_full, ex in zip(grade.exercises(full), grade.exercises(nb)):
        nb.cells[ex.answer].source = full.cells[ex_full.answer].source
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(results as {student: {exercise: Result}}, [Graded], class folder, CSV path)."""
    root = tmp_path_factory.mktemp("class")
    folders = {}
    for student in ("full", "untouched", "wrong", "tampered", "crash", "loop", "solved"):
        folders[student] = root / "class" / student
        folders[student].mkdir(parents=True)
    write = lambda student, nb: nbformat.write(nb, str(folders[student] / NAME))  # noqa: E731
    write("full", edition.read(CHAPTER))
    write("untouched", student_edition())
    write("solved", solved_student_edition())
    write("wrong", answered(solved_student_edition(), "2", "square = base + base"))
    tampered = answered(student_edition(), "1", "d_cube = x**2")
    for cell in tampered.cells:                  # the student "fixes" the checks
        if grade.is_check(cell):
            cell.source = 'print("Exercise ✓")'
    write("tampered", tampered)
    crash = solved_student_edition()
    crash.cells.insert(grade.exercises(crash)[1].answer, new_code_cell("import os\nos._exit(1)"))
    write("crash", crash)
    loop = solved_student_edition()
    forever = new_code_cell("import time\nwhile True:\n    time.sleep(0.1)")
    loop.cells.insert(grade.exercises(loop)[2].answer, forever)
    write("loop", loop)
    results = grade.grade(root / "class", FIXTURES, timeout=TIMEOUT, jobs=2)
    out = root / "grades.csv"
    grade.write_csv(results, out)
    by_student = {}
    for g in results:
        by_student.setdefault(g.student, {}).update({r.number: r for r in g.results})
    return by_student, results, root, out


def statuses(row):
    return {number: r.status for number, r in row.items()}


def test_full_edition_passes_everything(graded):
    by_student, *_ = graded
    assert statuses(by_student["full"]) == dict.fromkeys("123", grade.PASSED)
    assert statuses(by_student["solved"]) == dict.fromkeys("123", grade.PASSED)


def test_untouched_student_edition_is_not_attempted(graded):
    by_student, *_ = graded
    assert statuses(by_student["untouched"]) == dict.fromkeys("123", grade.NOT_ATTEMPTED)


def test_one_wrong_answer_fails_exactly_that_exercise(graded):
    by_student, *_ = graded
    row = by_student["wrong"]
    assert statuses(row) == {"1": grade.PASSED, "2": grade.FAILED, "3": grade.PASSED}
    assert row["2"].message == "check: AssertionError: square is 6, not base times base"


def test_edited_checks_are_replaced_by_the_originals(graded):
    by_student, *_ = graded
    row = by_student["tampered"]
    assert statuses(row) == {"1": grade.FAILED, "2": grade.NOT_ATTEMPTED,
                             "3": grade.NOT_ATTEMPTED}
    assert "d_cube is not the derivative" in row["1"].message


def test_a_crash_is_reported_not_fatal(graded):
    by_student, results, *_ = graded
    row = by_student["crash"]
    assert statuses(row) == {"1": grade.PASSED, "2": grade.FAILED, "3": grade.FAILED}
    assert "the kernel died" in row["2"].message
    assert [g.problem for g in results if g.student == "crash"][0].startswith(
        "the kernel died")


def test_a_loop_times_out_and_is_reported(graded):
    by_student, results, *_ = graded
    row = by_student["loop"]
    assert statuses(row) == {"1": grade.PASSED, "2": grade.PASSED, "3": grade.FAILED}
    assert f"timed out after {TIMEOUT} s" in row["3"].message
    loop = [g for g in results if g.student == "loop"][0]
    assert loop.seconds < 3 * TIMEOUT          # stopped, not run forever (a loaded machine)


def test_csv_for_a_gradebook(graded):
    by_student, _, _, out = graded
    with open(out, newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == sorted(by_student)
    assert rows["wrong"]["42:2"] == ("failed: check: AssertionError: square is 6, not base "
                                     "times base")
    assert (rows["wrong"]["passed"], rows["wrong"]["failed"]) == ("2", "1")
    assert rows["untouched"]["not attempted"] == "3"
    assert rows["full"]["42:1"] == "passed"
    assert "timed out" in rows["loop"]["problems"]


def test_terminal_table(graded):
    _, results, *_ = graded
    text = grade.render(results)
    assert re.search(r"^full\s+3/3\s+✓\s+✓\s+✓\s*$", text, re.MULTILINE)
    assert re.search(r"^untouched\s+0/3\s+·\s+·\s+·\s*$", text, re.MULTILINE)
    assert re.search(r"^wrong\s+2/3\s+✓\s+✗\s+✓\s*$", text, re.MULTILINE)
    assert "wrong 42:2 (a square): check: AssertionError: square is 6" in text


def test_command_line_one_notebook(tmp_path, capsys):
    """A student checks their own notebook: its own check cells are used."""
    path = tmp_path / NAME
    nbformat.write(answered(student_edition(), "3", "root = -sp.sqrt(2)"), str(path))
    assert grade.main([str(path), "--checks", str(FIXTURES), "--csv",
                       str(tmp_path / "g.csv"), "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"0/3\s+·\s+·\s+✗", out)
    assert "root is not a positive root" in out
    assert (tmp_path / "g.csv").is_file()


# ----------------------------------------------------------------- structure and input

def test_exercises_of_the_fixture():
    found = grade.exercises(edition.read(CHAPTER))
    assert [(e.number, e.title) for e in found] == [
        ("1", "a derivative"), ("2", "a square"), ("3", "a root")]
    assert all(e.check == e.answer + 1 for e in found)
    stripped = grade.exercises(student_edition())
    assert [e.check_source for e in stripped] == [e.check_source for e in found]


def test_broken_structure_is_named():
    heading = lambda: new_markdown_cell("**Exercise 1 (x).** Do it.")  # noqa: E731
    answer = lambda: new_code_cell("a = 1", metadata={"tags": ["solution"]})  # noqa: E731
    check = lambda: new_code_cell("assert a == 1", metadata={"tags": ["check"]})  # noqa: E731
    with pytest.raises(ValueError, match="exercise 1 .* has no cell tagged 'check'"):
        grade.exercises(new_notebook(cells=[heading(), answer()]))
    with pytest.raises(ValueError, match="no '\\*\\*Exercise N' Markdown heading"):
        grade.exercises(new_notebook(cells=[answer(), check()]))
    with pytest.raises(ValueError, match="the check cell 1 follows no answer cell"):
        grade.exercises(new_notebook(cells=[heading(), check()]))
    with pytest.raises(ValueError, match="exercise 1 has two answer cells"):
        grade.exercises(new_notebook(cells=[heading(), answer(), check(), answer(), check()]))


def test_unreadable_notebook_is_reported(tmp_path):
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / NAME).write_text("{ not json")
    (tmp_path / "dan").mkdir()
    results = grade.grade(tmp_path, FIXTURES, timeout=10)
    eve = [g for g in results if g.student == "eve"][0]
    assert eve.problem.startswith("unreadable notebook")
    assert {r.status for r in eve.results} == {grade.FAILED}
    dan = [g for g in results if g.student == "dan"]
    assert dan[0].problem == "no notebook submitted"
    assert {r.status for g in dan for r in g.results} == {grade.NOT_ATTEMPTED}


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="timeout: expected a positive"):
        grade.grade(tmp_path, FIXTURES, timeout=0)
    with pytest.raises(ValueError, match="jobs: expected at least 1"):
        grade.grade(tmp_path, FIXTURES, jobs=0)
    with pytest.raises(ValueError, match="submissions: no such notebook or folder"):
        grade.grade(tmp_path / "missing", FIXTURES)
    with pytest.raises(ValueError, match="checks: expected a folder"):
        grade.grade(tmp_path, tmp_path / "missing")
