"""Grade the book's exercises: passed, failed (with the check's message) or not attempted.

    python -m w2vlib.grade SUBMISSIONS [--checks DIR] [--csv FILE] [--timeout S] [--jobs N]

``SUBMISSIONS`` is one of

* a folder with one folder per student, each holding that student's notebooks (a class);
* a folder of notebooks, or one notebook (one student: a student checking their own work).

A notebook is matched to its chapter by the two digits its file name starts with
(``03_skipgram_softmax.ipynb``, ``03_skipgram_softmax (1).ipynb``: chapter 03). The checks
come from ``--checks`` (the chapter notebooks, default ``notebooks/`` if it exists), not from
the submission: a student who edits or deletes a ``check`` cell is still graded by the
original one, as nbgrader restores its read-only test cells. Without a checks folder the
submission's own ``check`` cells are used (for a student checking their own notebook).

**What an exercise is** (the book's one structure): a Markdown cell starting
``**Exercise N (title).**``; then one code cell tagged ``solution`` (in the student
edition: a stub tagged ``exercise``) where the answer binds named variables; then one code
cell tagged ``check`` that asserts on them and prints ``Exercise N ✓``.

**How a notebook is graded.** Its cells run top to bottom in a fresh kernel of this Python
(so w2vlib is importable), errors do not stop the run, and each exercise's original check
runs where the submission's check cell was (right after the answer cell if it was deleted).
The result of an exercise is

* ``passed`` if its check ran without error;
* ``not attempted`` if the check did not pass and the answer cell is still the stub
  (or was deleted);
* ``failed`` otherwise, with the check's error (``AssertionError: ...``) as the message;
  an error raised by the answer cell itself is quoted first.

A notebook that runs longer than ``--timeout`` seconds (default 600) or whose kernel dies
is stopped and reported; the checks that had already run keep their result, the others
fail with the reason (or are "not attempted" if untouched). An unreadable notebook is
reported the same way. Nothing a submission does stops the grading of the others.

The terminal shows one row per student (``✓`` passed, ``✗`` failed, ``·`` not attempted),
then every failure with its message; ``--csv`` writes the same table for a gradebook (one
row per student, one column per exercise holding ``passed``, ``failed: <message>`` or
``not attempted``). The exit status is 0 whatever the grades.
"""

import argparse
import ast
import concurrent.futures
import copy
import csv
import re
import sys
import time
from dataclasses import dataclass, field
import subprocess
from pathlib import Path

from w2vlib.edition import EXERCISE_STUB as STUB

ANSWER_TAGS = ("solution", "exercise")      # full edition, student edition
CHECK_TAG = "check"
HEADING = re.compile(r"^\*\*Exercise\s+(\d+(?:\.\d+)*)\b\s*(?:\(([^)\n]*)\))?", re.MULTILINE)
CHAPTER = re.compile(r"^(\d\d)_")
PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
SYMBOL = {PASSED: "✓", FAILED: "✗", NOT_ATTEMPTED: "·"}
MESSAGE_CHARS = 300


# ------------------------------------------------------------------------ the structure

@dataclass
class Exercise:
    """One exercise of a chapter: its number, title and the indices of its two cells."""
    number: str
    title: str
    answer: int             # index of the answer cell (tagged solution or exercise)
    check: int              # index of the check cell (tagged check)
    answer_id: str = ""
    check_id: str = ""
    check_source: str = ""


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def is_answer(cell):
    return cell.cell_type == "code" and any(t in tags(cell) for t in ANSWER_TAGS)


def is_check(cell):
    return cell.cell_type == "code" and CHECK_TAG in tags(cell)


def exercises(nb):
    """The exercises of a notebook, in order (see the module docstring).

    Raises ValueError naming the cell if the structure is broken: an answer cell without
    an ``**Exercise N`` heading before it, two answer cells for one heading, or an answer
    cell without a check cell after it (before the next answer cell).
    """
    found, heading, used = [], None, set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for match in HEADING.finditer(cell.source):
                heading = (match.group(1), (match.group(2) or "").strip())
        elif is_answer(cell):
            if heading is None:
                raise ValueError(f"nb: the answer cell {index} has no '**Exercise N' "
                                 "Markdown heading before it")
            if heading in used:
                raise ValueError(f"nb: exercise {heading[0]} has two answer cells "
                                 f"(the second is cell {index})")
            used.add(heading)
            found.append(Exercise(heading[0], heading[1], index, -1,
                                  answer_id=cell.get("id", "")))
        elif is_check(cell):
            if not found or found[-1].check != -1:
                raise ValueError(f"nb: the check cell {index} follows no answer cell")
            found[-1].check, found[-1].check_id = index, cell.get("id", "")
            found[-1].check_source = cell.source
    for ex in found:
        if ex.check == -1:
            raise ValueError(f"nb: exercise {ex.number} (cell {ex.answer}) has no cell "
                             "tagged 'check' after its answer cell")
    return found


def cell_names(source):
    """(names a code cell binds, names it reads), at any depth; IPython magics skipped."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound, loaded


def chapter_key(path):
    """The two digits a chapter's file name starts with, or None."""
    match = CHAPTER.match(Path(path).name)
    return match.group(1) if match else None


# --------------------------------------------------------------------- one submission

@dataclass
class Result:
    """The grade of one exercise of one notebook."""
    chapter: str
    number: str
    title: str
    status: str
    message: str = ""

    @property
    def label(self):
        return f"{self.chapter}:{self.number}"


@dataclass
class Graded:
    """The grades of one notebook, and what went wrong with the notebook as a whole."""
    student: str
    path: str
    results: list = field(default_factory=list)
    problem: str = ""
    seconds: float = 0.0


def first_line(text, limit=MESSAGE_CHARS):
    text = " ".join(str(text).strip().split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def error_of(cell):
    """``'Name: message'`` of the error a cell's outputs hold, or None."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return first_line(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
    return None


def is_stub(cell):
    return cell is not None and cell.source.strip() == STUB.strip()


def find_cell(cells, cell_id, predicate, rank):
    """Index of the cell with id ``cell_id``, else of the ``rank``-th cell for which
    ``predicate`` holds, else None."""
    if cell_id:
        for index, cell in enumerate(cells):
            if cell.get("id") == cell_id and cell.cell_type == "code":
                return index
    matching = [i for i, cell in enumerate(cells) if predicate(cell)]
    return matching[rank] if rank < len(matching) else None


def assemble(submission, reference):
    """The notebook to run: the submission with the reference's checks in place.

    Returns (notebook, {exercise number: its answer cell in that notebook, or None}).
    """
    import nbformat
    cells = [copy.deepcopy(c) for c in submission.cells]
    plan = []
    for rank, ex in enumerate(reference):
        answer = find_cell(cells, ex.answer_id, is_answer, rank)
        check = find_cell(cells, ex.check_id, is_check, rank)
        plan.append((ex, answer, check))
    # the answer cells, as objects: they keep their outputs when the notebook has run
    answers = {ex.number: cells[answer] if answer is not None else None
               for ex, answer, _ in plan}
    marked = []
    for ex, answer, check in plan:
        pristine = nbformat.v4.new_code_cell(ex.check_source)
        pristine.metadata["w2vlib_grade"] = ex.number
        if check is not None:
            cells[check] = pristine
        elif answer is not None:
            marked.append((answer, pristine))
        else:
            marked.append((len(cells) - 1, pristine))
    for after, pristine in sorted(marked, key=lambda pair: -pair[0]):
        cells.insert(after + 1, pristine)
    # any other check cell the student kept or copied is not run
    cells = [c for c in cells if not (is_check(c) and "w2vlib_grade" not in c.metadata)]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(submission.metadata), cells=cells)
    return nb, answers


def current_env_kernel():
    """A kernel manager that starts this Python's ipykernel (so w2vlib is importable)."""
    import ipykernel.kernelspec
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())

    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisPython())


def run(nb, cwd, timeout):
    """Run every cell of ``nb`` in place, errors allowed; '' or what stopped the run."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    client = NotebookClient(nb, km=current_env_kernel(), timeout=int(timeout),
                            allow_errors=True, record_timing=False, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    deadline = time.monotonic() + timeout
    index = -1
    try:
        with client.setup_kernel(stderr=subprocess.DEVNULL):     # the kernel's log
            for index, cell in enumerate(nb.cells):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CellTimeoutError(f"{timeout:g} s")
                client.timeout = max(1, int(left + 0.999))
                client.execute_cell(cell, index)
    except CellTimeoutError:
        return f"timed out after {timeout:g} s (in cell {index})"
    except DeadKernelError:
        return f"the kernel died (in cell {index})"
    except Exception as exc:        # a kernel that cannot start, a broken notebook
        return first_line(f"the notebook could not run (cell {index}): "
                          f"{type(exc).__name__}: {exc}")
    return ""


def grade_notebook(path, reference_path=None, student="", timeout=600.0):
    """Grade one submitted notebook against the checks of ``reference_path`` (default: its
    own check cells); a :class:`Graded`."""
    import nbformat
    path = Path(path)
    started = time.monotonic()
    graded = Graded(student, str(path))
    chapter = chapter_key(reference_path or path) or chapter_key(path) or path.stem
    reference = None
    if reference_path is not None:
        reference = exercises(nbformat.read(str(reference_path), as_version=4))
    try:
        submission = nbformat.read(str(path), as_version=4)
        if reference is None:
            reference = exercises(submission)
    except Exception as exc:
        graded.problem = first_line(f"unreadable notebook: {type(exc).__name__}: {exc}")
        if reference is not None:
            graded.results = [Result(chapter, ex.number, ex.title, FAILED, graded.problem)
                              for ex in reference]
        return graded
    nb, answers = assemble(submission, reference)
    graded.problem = run(nb, path.parent, timeout)
    ran = {c.metadata["w2vlib_grade"]: c for c in nb.cells
           if c.cell_type == "code" and "w2vlib_grade" in c.metadata}
    for ex in reference:
        check = ran[ex.number]
        answer = answers[ex.number]
        executed = check.execution_count is not None or check.outputs
        error = error_of(check) if executed else (graded.problem or "the check did not run")
        if executed and error is None:
            result = Result(chapter, ex.number, ex.title, PASSED)
        elif answer is None or is_stub(answer):
            result = Result(chapter, ex.number, ex.title, NOT_ATTEMPTED)
        else:
            answer_error = error_of(answer)
            prefix = f"the answer cell raised {answer_error}; " if answer_error else ""
            result = Result(chapter, ex.number, ex.title, FAILED,
                             first_line(prefix + "check: " + error))
        graded.results.append(result)
    graded.seconds = time.monotonic() - started
    return graded


# ----------------------------------------------------------------------------- a class

def notebooks_of(folder):
    """The notebooks under ``folder`` (checkpoints left out), in name order."""
    return sorted(p for p in Path(folder).rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def students(submissions):
    """{student: [notebooks]} for a class folder, a student's folder or one notebook."""
    path = Path(submissions)
    if path.is_file():
        if path.suffix != ".ipynb":
            raise ValueError(f"submissions: expected a notebook or a folder, got {str(path)!r}")
        return {path.stem: [path]}
    if not path.is_dir():
        raise ValueError(f"submissions: no such notebook or folder: {str(path)!r}")
    folders = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if any(path.glob("*.ipynb")) or not folders:
        return {path.resolve().name: notebooks_of(path) if not folders else
                sorted(path.glob("*.ipynb"))}
    return {folder.name: notebooks_of(folder) for folder in folders}


def references(checks):
    """{chapter key: reference notebook path} of the checks folder (or None)."""
    if checks is None:
        return None
    folder = Path(checks)
    if not folder.is_dir():
        raise ValueError(f"checks: expected a folder of chapter notebooks, got {str(folder)!r}")
    found = {chapter_key(p): p for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))}
    if not found:
        raise ValueError(f"checks: no chapter notebooks (NN_*.ipynb) in {str(folder)!r}")
    return found


def _grade_task(args):
    return grade_notebook(*args)


def grade(submissions, checks=None, timeout=600.0, jobs=1):
    """Grade a class (see :func:`students`); a list of :class:`Graded`, one per notebook.

    A student who submitted no notebook of a chapter that someone else submitted gets
    "not attempted" for its exercises (with checks) or is left out of it (without).
    """
    if timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    if jobs < 1:
        raise ValueError(f"jobs: expected at least 1, got {jobs!r}")
    refs = references(checks)
    tasks, notes = [], []
    for student, paths in students(submissions).items():
        if not paths:
            notes.append(Graded(student, "", problem="no notebook submitted"))
        for path in paths:
            key = chapter_key(path)
            if refs is not None and key not in refs:
                notes.append(Graded(student, str(path), problem="not a chapter of the "
                                    "checks folder (its name should start with NN_)"))
                continue
            tasks.append((path, refs[key] if refs is not None else None, student, timeout))
    if jobs == 1 or len(tasks) < 2:
        graded = [_grade_task(t) for t in tasks]
    else:
        import multiprocessing
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            graded = list(pool.map(_grade_task, tasks))
    graded += notes
    if refs is not None:            # chapters a student did not hand in
        import nbformat
        submitted = {(g.student, chapter_key(g.path)) for g in graded if g.path}
        for key in sorted({chapter_key(g.path) for g in graded if g.path and g.results}):
            reference = exercises(nbformat.read(str(refs[key]), as_version=4))
            for student in sorted({g.student for g in graded}):
                if (student, key) not in submitted:
                    graded.append(Graded(student, "", [
                        Result(key, ex.number, ex.title, NOT_ATTEMPTED, "not submitted")
                        for ex in reference]))
    return graded


# --------------------------------------------------------------------------- reporting

def table(graded):
    """(labels of the exercises, {student: {label: Result}}) in order."""
    labels, rows = [], {}
    for g in sorted(graded, key=lambda g: g.student):
        row = rows.setdefault(g.student, {})
        for r in g.results:
            row[r.label] = r
            if r.label not in labels:
                labels.append(r.label)
    order = {label: tuple(float(x) for x in re.split(r"[:.]", label)) for label in labels}
    return sorted(labels, key=order.get), rows


def render(graded):
    """The terminal report: the table, then each failure and each notebook's problem."""
    labels, rows = table(graded)
    width = max([len(s) for s in rows] + [7])
    lines = [f"{'student':<{width}}  {'passed':>6}  " + " ".join(labels)]
    for student, row in rows.items():
        passed = sum(r.status == PASSED for r in row.values())
        marks = " ".join(f"{SYMBOL[row[la].status] if la in row else ' ':^{len(la)}}"
                         for la in labels)
        lines.append(f"{student:<{width}}  {passed:>3}/{len(labels):<2}  {marks}")
    lines.append("✓ passed   ✗ failed   · not attempted")
    failures = [(s, r) for s, row in rows.items() for r in row.values() if r.status == FAILED]
    problems = [g for g in sorted(graded, key=lambda g: g.student) if g.problem]
    if failures:
        lines += ["", "Failed:"]
        lines += [f"  {s} {r.label} ({r.title}): {r.message}" for s, r in failures]
    if problems:
        lines += ["", "Notebooks that did not run to the end:"]
        lines += [f"  {g.student} {Path(g.path).name or '-'}: {g.problem}" for g in problems]
    return "\n".join(lines)


def write_csv(graded, path):
    """One row per student: totals, then one column per exercise (see the docstring)."""
    labels, rows = table(graded)
    problems = {}
    for g in graded:
        if g.problem:
            problems.setdefault(g.student, []).append(
                f"{Path(g.path).name or '-'}: {g.problem}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "passed", "failed", "not attempted", *labels, "problems"])
        for student, row in rows.items():
            count = {s: sum(r.status == s for r in row.values()) for s in SYMBOL}
            cells = []
            for label in labels:
                r = row.get(label)
                cells.append("" if r is None else
                             f"{FAILED}: {r.message}" if r.status == FAILED else r.status)
            writer.writerow([student, count[PASSED], count[FAILED], count[NOT_ATTEMPTED],
                             *cells, " | ".join(problems.get(student, []))])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m w2vlib.grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", help="a class folder (one folder per student), a "
                        "student's folder of notebooks, or one notebook")
    parser.add_argument("--checks", default=None, help="the chapter notebooks whose checks "
                        "are run (default: notebooks/ if it exists, else each submission's "
                        "own check cells)")
    parser.add_argument("--csv", default=None, help="also write the table to this CSV file")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds a notebook may run (default 600)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks graded at the same time (default 1)")
    args = parser.parse_args(argv)
    checks = args.checks
    if checks is None and Path("notebooks").is_dir():
        checks = "notebooks"
    if checks is None:
        print("(no checks folder: each notebook is graded by its own check cells)")
    graded = grade(args.submissions, checks, timeout=args.timeout, jobs=args.jobs)
    print(render(graded))
    if args.csv:
        write_csv(graded, args.csv)
        print(f"\nCSV: {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
