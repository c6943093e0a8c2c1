"""The grader (w2vlib.teach.grade) on a small chapter made for it (tests/fixtures/42_fixture.ipynb).

A class of six is graded once (two at a time), against the student edition's checks: the
full edition (every exercise passed), the untouched student edition (not attempted), one
wrong answer (that exercise fails, and the message says what the check found, though the
notebook prints its own "✓" and rewrote its check cells: B8.8, B8.9), a dishonest
notebook that silences the checks from inside its own kernel (issue 19, B8.2-B8.4: nothing
it does reaches the checks, so it scores 0), an answer written below the untouched stub
(B8.29: graded), and a notebook whose process exits half-way (B8.17: reported, the answers
it had already given are still checked). The long adversarial suite (every case of the
probe's part B.8) is tests/test_teach_b8.py, run by `make test-teach`.
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
TIMEOUT = 60

HOOKS = """\
ip = get_ipython()
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"])
"""


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
    """({student: {exercise: Result}}, [Graded], root folder, CSV path, checks folder)."""
    root = tmp_path_factory.mktemp("class")
    checks = root / "checks"
    edition.write_student(FIXTURES, checks)
    folders = {}
    for student in ("full", "untouched", "wrong", "dishonest", "below", "crash"):
        folders[student] = root / "class" / student
        folders[student].mkdir(parents=True)
    write = lambda student, nb: nbformat.write(nb, str(folders[student] / NAME))  # noqa: E731
    write("full", edition.read(CHAPTER))
    write("untouched", student_edition())
    wrong = answered(solved_student_edition(), "2",     # B8.9: it prints the ✓ itself
                     'square = base + base\nprint("Exercise 2 ✓")')
    for cell in wrong.cells:                              # B8.8: and "fixes" the checks
        if grade.is_check(cell):
            cell.source = 'print("Exercise ✓")'
    write("wrong", wrong)
    dishonest = student_edition()           # stubs untouched, the checks "silenced"
    answered(dishonest, "2", "import builtins, sympy\nsquare = 0\n"
             "builtins.AssertionError = None\nsympy.simplify = lambda e: 0")
    dishonest.cells.append(new_code_cell(HOOKS))
    write("dishonest", dishonest)
    below = student_edition()               # the answer in a new cell under the stub
    ex1 = grade.exercises(below)[0]
    below.cells.insert(ex1.answer + 1, new_code_cell("d_cube = 3 * x**2"))
    write("below", below)
    crash = solved_student_edition()
    crash.cells.insert(grade.exercises(crash)[1].answer, new_code_cell("import os\nos._exit(3)"))
    write("crash", crash)
    results = grade.grade(root / "class", checks, timeout=TIMEOUT, jobs=2)
    out = root / "grades.csv"
    grade.write_csv(results, out)
    by_student = {}
    for g in results:
        by_student.setdefault(g.student, {}).update({r.number: r for r in g.results})
    return by_student, results, root, out, checks


def statuses(row):
    return {number: r.status for number, r in row.items()}


def test_full_edition_passes_everything(graded):
    by_student, *_ = graded
    assert statuses(by_student["full"]) == dict.fromkeys("123", grade.PASSED)


def test_untouched_student_edition_is_not_attempted(graded):
    by_student, *_ = graded
    assert statuses(by_student["untouched"]) == dict.fromkeys("123", grade.NOT_ATTEMPTED)


def test_one_wrong_answer_fails_with_what_was_found(graded):
    """Also B8.8 and B8.9: its edited check cells and its own "✓" change nothing."""
    by_student, *_ = graded
    row = by_student["wrong"]
    assert statuses(row) == {"1": grade.PASSED, "2": grade.FAILED, "3": grade.PASSED}
    message = row["2"].message
    assert message.startswith("check: AssertionError: square is 6, not base times base")
    assert "square = 6, base = 3" in message            # the values in the failed assert


def test_silencing_the_kernel_does_not_reach_the_checks(graded):
    """B8.2 (input transformer), B8.3 (custom exception handler), B8.4 (rebinding what
    the check uses): the checks run in another process, so the notebook scores 0."""
    by_student, *_ = graded
    row = by_student["dishonest"]
    assert row["2"].status == grade.FAILED and "square = 0" in row["2"].message
    assert row["1"].status == row["3"].status == grade.NOT_ATTEMPTED
    assert sum(r.points for r in row.values()) == 0


def test_an_answer_below_the_stub_is_graded(graded):
    """B8.29: the stub is untouched, the answer sits in a new cell under it."""
    by_student, *_ = graded
    assert statuses(by_student["below"]) == {"1": grade.PASSED, "2": grade.NOT_ATTEMPTED,
                                             "3": grade.NOT_ATTEMPTED}


def test_a_process_that_exits_is_reported_and_its_earlier_answers_count(graded):
    """B8.17: exercise 1 was answered before the exit, so it is still checked."""
    by_student, results, *_ = graded
    row = by_student["crash"]
    assert statuses(row) == {"1": grade.PASSED, "2": grade.FAILED, "3": grade.FAILED}
    assert "the notebook's process ended" in row["2"].message
    problem = [g.problem for g in results if g.student == "crash"][0]
    assert problem.startswith("the notebook's process ended (exit 3)")


def test_csv_has_points_per_exercise_and_a_total(graded):
    by_student, _, _, out, _ = graded
    with open(out, newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == sorted(by_student)
    assert rows["wrong"]["42:2"].startswith("failed: check: AssertionError: square is 6")
    assert (rows["wrong"]["points"], rows["wrong"]["out of"]) == ("2", "3")
    assert (rows["wrong"]["42:1 points"], rows["wrong"]["42:2 points"]) == ("1", "0")
    assert rows["untouched"]["not attempted"] == "3" and rows["untouched"]["points"] == "0"
    assert rows["full"]["42:1"] == "passed" and rows["full"]["points"] == "3"
    assert "process ended" in rows["crash"]["problems"]


def test_terminal_table_and_feedback_pages(graded, tmp_path):
    _, results, *_ = graded
    text = grade.render(results)
    assert re.search(r"^full\s+3/3\s+✓\s+✓\s+✓\s*$", text, re.MULTILINE)
    assert re.search(r"^untouched\s+0/3\s+·\s+·\s+·\s*$", text, re.MULTILINE)
    assert re.search(r"^wrong\s+2/3\s+✓\s+✗\s+✓\s*$", text, re.MULTILINE)
    assert "wrong 42:2 (a square): check: AssertionError: square is 6" in text
    pages = grade.write_feedback(results, tmp_path / "feedback")
    assert sorted(p.name for p in pages) == sorted(f"{s}.md" for s in (
        "below", "crash", "dishonest", "full", "untouched", "wrong"))
    page = (tmp_path / "feedback" / "wrong.md").read_text()
    assert "**Points: 2 of 3**" in page and "square is 6, not base times base" in page


def test_the_checks_folder_is_not_written(graded):
    *_, checks = graded
    fresh = edition.strip_solutions(edition.read(CHAPTER))
    assert nbformat.read(str(checks / NAME), 4).cells == fresh.cells


# ----------------------------------------------------------------- structure and input

def test_exercises_of_the_fixture():
    found = grade.exercises(edition.read(CHAPTER))
    assert [(e.number, e.title, e.names, e.mode) for e in found] == [
        ("1", "a derivative", ["d_cube"], "all"), ("2", "a square", ["square"], "all"),
        ("3", "a root", ["root"], "all")]
    assert all(e.check == e.answer + 1 for e in found)
    stripped = grade.exercises(student_edition())
    assert [e.names for e in stripped] == [e.names for e in found]


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


def test_unreadable_notebook_and_empty_folder_are_reported(tmp_path):
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
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(ValueError, match="timeout: expected a positive"):
        grade.grade(tmp_path, FIXTURES, timeout=0)
    with pytest.raises(ValueError, match="jobs: expected at least 1"):
        grade.grade(tmp_path, FIXTURES, jobs=0)
    with pytest.raises(ValueError, match="submissions: no such notebook or folder"):
        grade.grade(tmp_path / "missing", FIXTURES)
    with pytest.raises(ValueError, match="checks: expected a folder"):
        grade.grade(tmp_path, tmp_path / "missing")
    with pytest.raises(ValueError, match="checks: a class is graded by the teacher's checks"):
        grade.grade(tmp_path, None)


def test_command_line_refuses_a_class_without_checks(tmp_path, capsys, monkeypatch):
    """B8.27: outside the repository, without --checks, a class is not graded by the
    students' own (editable) check cells."""
    for student in ("a", "b"):
        (tmp_path / "class" / student).mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert grade.main([str(tmp_path / "class")]) == 2
    assert "pass --checks" in capsys.readouterr().err


def test_text_is_made_inert():
    """B8.16: escape sequences are shown, not obeyed; CSV cells start no formula."""
    evil = "\x1b[2J\x1b[H\x1b[32mall exercises passed\x1b[0m\x1b[8m\u202e"
    shown = grade.inert(evil)
    assert "\x1b" not in shown and "\u202e" not in shown
    assert shown.startswith("\\x1b[2J") and "all exercises passed" in shown
    for text in ("=HYPERLINK(\"http://x\",\"ok\")", "+1", "-1", "@SUM(A1)"):
        assert grade.csv_cell(text).startswith("'")
    assert grade.csv_cell("passed") == "passed" and grade.csv_cell(3) == 3


def test_csv_is_never_written_through_a_link(tmp_path):
    """B8.13: a symbolic link at the CSV's path is replaced, its target untouched."""
    chapter = tmp_path / "03_chapter.ipynb"
    chapter.write_text("the teacher's chapter")
    link = tmp_path / "grades.csv"
    link.symlink_to(chapter)
    row = grade.Graded("=cmd|' /C calc'!A0", "x.ipynb",
                       [grade.Result("42", "1", "t", grade.PASSED, points=1)])
    note = grade.write_csv([row], link)
    assert chapter.read_text() == "the teacher's chapter"
    assert not link.is_symlink() and "symbolic link" in note
    text = link.read_text()
    assert "'=cmd" in text and "\n=cmd" not in text
