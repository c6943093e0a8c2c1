"""The student edition (w2vlib.teach.edition): solutions stripped, notebooks valid and runnable.

Every chapter is checked: no solution text survives, the notebook validates, every other
cell is kept (check cells without their stored output, behind the "not attempted yet"
guard), up to its first exercise it is the full chapter (which strict nbval runs), and no
cell after an exercise needs the answer. Each stub binds its answer's names to TODO, so
"Run All" runs the whole student edition (every chapter is run so in `make test-teach`).
"""

import builtins
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from w2vlib.teach import edition, grade

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = edition.chapters(NOTEBOOKS)
IDS = [p.stem for p in CHAPTERS]


# ----------------------------------------------------------------------- helpers (test side)

def details_blocks(text):
    """Every <details>...</details> block of a Markdown text, with its summary."""
    return re.findall(r"<details>\s*<summary>(.*?)</summary>(.*?)</details>", text,
                      re.DOTALL | re.IGNORECASE)


def output_text(cell):
    """The text of a code cell's outputs (streams, plain text, LaTeX, errors)."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        for mime in ("text/plain", "text/latex", "text/markdown", "text/html"):
            value = out.get("data", {}).get(mime, "")
            parts.append(value if isinstance(value, str) else "".join(value))
        parts.extend(out.get("traceback", []))
    return "\n".join(parts)


def lines(text):
    """The stripped lines of a text that are long enough to identify it."""
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= 12}


def solution_and_rest(nb):
    """(lines of the solutions, lines of everything else) of an original chapter."""
    secret, rest = [], []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            blocks = [b for b in details_blocks(cell.source) if "solution" in b[0].lower()]
            secret.extend(body for _, body in blocks)
            rest.append(re.sub(r"<details>.*?</details>", "", cell.source, flags=re.DOTALL))
        elif "solution" in cell.metadata.get("tags", []):
            secret.extend([cell.source, output_text(cell)])
        else:
            rest.extend([cell.source, output_text(cell)])
    return lines("\n".join(secret)) - lines("\n".join(rest)), lines("\n".join(rest))


def n_solution_cells(nb):
    return sum("solution" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    written = edition.write_student(NOTEBOOKS, out)
    assert [p.name for p in written] == [p.name for p in CHAPTERS]
    return out


# ------------------------------------------------------------------ every chapter, stripped

@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_survives(student, path):
    original, stripped = edition.read(path), nbformat.read(str(student / path.name), 4)
    nbformat.validate(stripped)
    secret, _ = solution_and_rest(original)
    if n_solution_cells(original) or "<details" in "".join(c.source for c in original.cells):
        assert secret, "the chapter has solutions, so there must be solution text to look for"
    text = "\n".join(c.source + "\n" + output_text(c) for c in stripped.cells)
    assert not secret & lines(text)
    for cell in stripped.cells:
        assert "solution" not in cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            assert not [b for b in details_blocks(cell.source) if "solution" in b[0].lower()]
    stubs = [c for c in stripped.cells if "exercise" in c.metadata.get("tags", [])]
    assert len(stubs) == n_solution_cells(original)
    for cell in stubs:
        names = cell.metadata["w2vlib"]["answers"]
        assert names, "every exercise's answer has a name the check reads"
        assert cell.source == edition.stub(names) and cell.outputs == []
        assert cell.execution_count is None


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_everything_else_is_kept(student, path):
    """Code cells that are not solutions keep their source and outputs, in order; check
    cells keep their source, without the stored "✓" (the student has not earned it yet)."""
    original, stripped = edition.read(path), nbformat.read(str(student / path.name), 4)
    guard = {e.check: edition.guarded(e.check_source, e.names, e.number)
             for e in grade.exercises(original)}
    keep = [(guard[i], []) if edition.is_check(c) else (c.source, c.outputs)
            for i, c in enumerate(original.cells)
            if c.cell_type == "code" and "solution" not in c.metadata.get("tags", [])]
    kept = [(c.source, c.outputs) for c in stripped.cells
            if c.cell_type == "code" and "exercise" not in c.metadata.get("tags", [])]
    assert kept == keep
    checks = [edition.guarded(e.check_source, e.names, e.number)
              for e in grade.exercises(original)]
    assert [c.source for c in stripped.cells if edition.is_check(c)] == checks
    for source, original_check in zip(checks, [e.check_source for e in
                                               grade.exercises(original)]):
        assert source.startswith("from w2vlib.teach import todo\nif todo(")
        assert source.endswith(original_check.splitlines()[-1])
    assert edition.chapter_title(stripped) == edition.chapter_title(original)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_runs_up_to_the_first_exercise(student, path):
    """Up to its first exercise the student edition is the full chapter, cell for cell.

    Strict nbval runs the full chapter (no cell may raise unless tagged raises-exception),
    so this prefix runs; re-executing it here would only repeat nbval's work.
    """
    nb, full = nbformat.read(str(student / path.name), 4), edition.read(path)
    first = next((i for i, c in enumerate(nb.cells)
                  if "exercise" in c.metadata.get("tags", [])), len(nb.cells))
    first_full = next((i for i, c in enumerate(full.cells) if edition.is_solution(c)),
                      len(full.cells))
    code = [(c.source, c.outputs) for c in nb.cells[:first] if c.cell_type == "code"]
    code_full = [(c.source, c.outputs) for c in full.cells[:first_full]
                 if c.cell_type == "code"]
    assert code == code_full


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_nothing_after_an_exercise_needs_its_answer(student, path):
    """What only the student edition can break: a cell after a stub that reads a name only
    a solution bound (it would raise NameError for the student). Check cells are meant to
    fail until the exercise is done; every other code cell must find its names."""
    nb = nbformat.read(str(student / path.name), 4)
    known = set(dir(builtins)) | {"get_ipython", "display", "In", "Out", "_"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "exercise" in cell.metadata.get("tags", []):
            continue
        bound, loaded = grade.cell_names(cell.source)
        if "check" not in cell.metadata.get("tags", []):
            missing = loaded - bound - known
            assert not missing, f"cell {index} reads {sorted(missing)}, bound only by a solution"
        known |= bound


def exercise_notebook():
    return new_notebook(cells=[
        new_code_cell("x = 2"),
        new_markdown_cell("**Exercise 1 (square).** Square x.\n\n<details><summary>"
                          "Solution</summary>\n\nMultiply.\n\n</details>"),
        new_code_cell("square = x * x", metadata={"tags": ["solution"]}),
        new_code_cell('assert square == 4\nprint("Exercise 1 ✓")',
                      metadata={"tags": ["check"]}),
        new_code_cell('print("after the exercise")'),
    ])


def test_run_all_does_not_stop_at_an_unattempted_exercise(tmp_path):
    """Issue 19 item 7: the stub binds TODO and the check says "not attempted yet", so the
    cells after an exercise still run; once answered, the check runs (and can fail)."""
    stripped = edition.strip_solutions(exercise_notebook())
    NotebookClient(stripped, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    texts = ["".join(o.get("text", "") for o in c.outputs)
             for c in stripped.cells if c.cell_type == "code"]
    assert texts[2:] == ["Exercise 1: not attempted yet\n", "after the exercise\n"]
    stripped.cells[2].source = "square = x + x + 1"
    with pytest.raises(Exception, match="AssertionError"):
        NotebookClient(stripped, timeout=60, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()


# ------------------------------------------------------------------- strip_solutions itself

def small_notebook():
    solution_out = new_output("stream", name="stdout", text="the answer is 42\n")
    return new_notebook(cells=[
        new_markdown_cell("# Chapter 9 — A title\n\nText."),
        new_code_cell("x = 1\nprint(x)", execution_count=1,
                      outputs=[new_output("stream", name="stdout", text="1\n")]),
        new_markdown_cell("## Exercises\n\n**Exercise 1.** Find it.\n\n"
                          "<details><summary>Solution</summary>\n\nIt is 42, because of"
                          " the secret argument.\n\n</details>\n\n**Exercise 2.** More."),
        new_code_cell("answer = 6 * 7\nprint('the answer is', answer)", execution_count=2,
                      metadata={"tags": ["solution", "other-tag"]}, outputs=[solution_out]),
        new_markdown_cell("<DETAILS> <summary> Solution (sketch)</summary>\nshort\n</details>"),
        new_markdown_cell("<details><summary>Hint</summary>\n\nThink of 6.\n\n</details>"),
    ])


def test_strip_solutions_small_notebook():
    nb = small_notebook()
    before = nbformat.writes(nb)
    out = edition.strip_solutions(nb)
    assert nbformat.writes(nb) == before                      # the input is not modified
    nbformat.validate(out)
    sources = [c.source for c in out.cells]
    assert len(out.cells) == 5                                # the solution-only cell is gone
    assert sources[0] == nb.cells[0].source
    assert out.cells[1] == nb.cells[1]                        # other cells kept, outputs too
    assert sources[2] == "## Exercises\n\n**Exercise 1.** Find it.\n\n**Exercise 2.** More."
    stub = out.cells[3]
    assert stub.source == edition.stub([])          # no check cell: no answer names
    assert stub.outputs == [] and stub.execution_count is None
    assert stub.metadata["tags"] == ["other-tag", "exercise"]
    assert "Hint" in sources[4]                               # a hint is not a solution
    text = nbformat.writes(out)
    for secret in ("secret argument", "short", "6 * 7", "the answer is 42", "Solution"):
        assert secret not in text


def test_stub_binds_todo_and_the_guard_waits_for_it(capsys):
    from w2vlib.teach import TODO
    out = edition.strip_solutions(exercise_notebook())
    stub, check = out.cells[2], out.cells[3]
    assert stub.metadata["w2vlib"] == {"answers": ["square"]}
    ns = {"x": 2}
    exec(stub.source, ns)
    assert ns["square"] is TODO
    exec(check.source, ns)
    assert capsys.readouterr().out == "Exercise 1: not attempted yet\n"
    ns["square"] = 4
    exec(check.source, ns)
    assert capsys.readouterr().out == "Exercise 1 ✓\n"
    ns["square"] = 5
    with pytest.raises(AssertionError):
        exec(check.source, ns)


def test_a_check_with_a_multiline_string_is_not_indented():
    source = 'text = """a\nb"""\nassert square == 4'
    assert edition.guarded(source, ["square"], "1") == source
    assert edition.guarded("assert True", [], "1") == "assert True"


def test_write_student_writes_every_chapter(tmp_path):
    src = tmp_path / "nb"
    src.mkdir()
    for name in ("01_b.ipynb", "00_a.ipynb", "notes.ipynb"):
        nbformat.write(small_notebook(), str(src / name))
    written = edition.write_student(src, tmp_path / "out")
    assert [p.name for p in written] == ["00_a.ipynb", "01_b.ipynb"]
    for p in written:
        assert "<details><summary>Solution" not in p.read_text()
    assert not (tmp_path / "out" / "notes.ipynb").exists()
    (src / "01_b.ipynb").rename(src / "02_b.ipynb")          # a renamed chapter leaves no copy
    written = edition.write_student(src, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["00_a.ipynb", "02_b.ipynb"]
    with pytest.raises(ValueError, match="out: expected a folder other than the notebooks'"):
        edition.write_student(src, src)
    assert "<details><summary>Solution" in (src / "00_a.ipynb").read_text()  # untouched


def test_chapter_title():
    assert edition.chapter_title(small_notebook()) == "Chapter 9 — A title"
    with pytest.raises(ValueError, match="nb: expected .*level-1 heading"):
        edition.chapter_title(new_notebook(cells=[new_markdown_cell("## Only a section")]))


def test_chapters_bad_folder(tmp_path):
    with pytest.raises(ValueError, match="notebooks: expected a folder"):
        edition.chapters(tmp_path / "missing")
    with pytest.raises(ValueError, match="notebooks: no chapter notebooks"):
        edition.chapters(tmp_path)
