"""Grade the book's exercises: passed, failed (with what the check expected and found), or
not attempted; checks that no submission can reach.

    python -m w2vlib.teach.grade SUBMISSIONS [--checks DIR] [--csv FILE] [--feedback DIR]
                                             [--timeout S] [--jobs N]

``SUBMISSIONS`` is a class folder (one folder per student, each holding that student's
notebooks), or one student's folder of notebooks, or one notebook (a student checking their
own work). A notebook is matched to its chapter by the two digits its name starts with
(``03_skipgram_softmax (1).ipynb``: chapter 03), else by its cells (a renamed copy of the
student edition keeps its cell ids). The checks come from ``--checks``: the student
edition (``make student``; it holds no solutions) or the chapter notebooks; default
``notebooks/`` if it exists. A class is never graded by its own check cells.

**An exercise** (the book's one structure): a Markdown cell ``**Exercise N (title).**``,
one code cell tagged ``solution`` (in the student edition: a stub tagged ``exercise`` that
binds the answer's names to ``TODO``), then one code cell tagged ``check``. The *answer*
is the names the solution binds and the check reads (the student edition records them in
the stub's metadata).

**How a notebook is graded.** Every checks notebook and every submission is read into
memory before any student code runs. Each notebook is graded by a worker process of its
own, in three steps:

1. the student's notebook, without its check cells, runs top to bottom (errors do not stop
   it) in a sandbox (:mod:`w2vlib.teach.sandbox`: bubblewrap where it works, else user
   nobody when the grader is root, else a bare process in a session of its own), in an
   empty temporary folder, with a minimal environment; the answers come out as data:
   numbers, strings, arrays (shape and dtype kept), SymPy expressions (``srepr``),
   containers of these; a function stays in the sandbox and is called from the checks;
2. a separate, fresh checker process (:mod:`w2vlib.teach.checker`) runs the teacher's
   chapter with each answer bound to the student's data and runs the teacher's checks;
3. the sandbox is killed with everything it started (also processes it detached).

An exercise is ``not attempted`` when its answer is still the stub's ``TODO`` (or the
untouched stub of an older edition), ``failed`` with a message otherwise unless its check
passes. A notebook that runs longer than ``--timeout`` seconds (default 600) or ends is
reported and the answers it had produced are still checked; a worker that dies is reported
and the others are graded.

**Reports.** The terminal shows one row per student (``✓`` passed, ``✗`` failed, ``·`` not
attempted), each failure with its message, and each notebook's problem. ``--csv`` writes
one row per student: points (1 per exercise passed) with the total, then for each exercise
its result and points. ``--feedback DIR`` writes one Markdown page per student. Every
message has its control characters escaped, and no CSV cell starts a spreadsheet formula.
The exit status is 0 whatever the grades.
"""

import argparse
import ast
import builtins
import concurrent.futures
import csv
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ANSWER_TAGS = ("solution", "exercise")      # full edition, student edition
CHECK_TAG = "check"
HEADING = re.compile(r"^\*\*Exercise\s+(\d+(?:\.\d+)*)\b\s*(?:\(([^)\n]*)\))?", re.MULTILINE)
CHAPTER = re.compile(r"^(\d\d)_")
PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
SYMBOL = {PASSED: "✓", FAILED: "✗", NOT_ATTEMPTED: "·"}
MESSAGE_CHARS = 400
OLD_STUB = '# Exercise: write your solution here.\nraise NotImplementedError("exercise")'


# ------------------------------------------------------------------------ the structure

@dataclass
class Exercise:
    """One exercise of a chapter: its number, title, cells and answer names."""
    number: str
    title: str
    answer: int             # index of the answer cell (tagged solution or exercise)
    check: int              # index of the check cell (tagged check)
    answer_id: str = ""
    check_id: str = ""
    check_source: str = ""
    names: list = field(default_factory=list)     # the answer: names the check reads
    mode: str = "all"       # "all": bind every name; "missing": only those not defined


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def is_answer(cell):
    return cell.cell_type == "code" and any(t in tags(cell) for t in ANSWER_TAGS)


def is_check(cell):
    return cell.cell_type == "code" and CHECK_TAG in tags(cell)


def _python(source):
    """``source`` with IPython magics and shell lines blanked (line numbers kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def cell_names(source):
    """(names a code cell binds, names it reads), at any depth; IPython magics skipped."""
    tree = ast.parse(_python(source))
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


def free_names(source):
    """The names a cell reads and does not bind itself (builtins left out), in order."""
    try:
        bound, _ = cell_names(source)
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) \
                and node.id not in bound and not hasattr(builtins, node.id) \
                and node.id not in out:
            out.append(node.id)
    return out


def top_level_names(source):
    """The names a cell binds outside any function, class, lambda or comprehension."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    out = []

    def targets(node):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id not in out:
                out.append(sub.id)

    def visit(body):
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append(stmt.name)
            elif isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    targets(t)
            elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
                targets(stmt.target)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                out.extend((a.asname or a.name).split(".")[0] for a in stmt.names)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                targets(stmt.target)
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
                visit(stmt.body)
            elif isinstance(stmt, (ast.If, ast.While)):
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, ast.Try):
                visit(stmt.body)
                for handler in stmt.handlers:
                    visit(handler.body)
                visit(stmt.orelse)
                visit(stmt.finalbody)
    visit(tree.body)
    return out


def answer_names(answer_cell, check_source):
    """(names, mode) of an exercise's answer: recorded in the stub's metadata, or the
    names the solution binds and the check reads; else every free name of the check,
    bound only where the chapter has not defined it ("missing")."""
    recorded = answer_cell.get("metadata", {}).get("w2vlib", {}).get("answers")
    if isinstance(recorded, list) and all(isinstance(n, str) for n in recorded) and recorded:
        return list(recorded), "all"
    check = free_names(check_source)
    if "solution" in tags(answer_cell):
        names = [n for n in top_level_names(answer_cell.source) if n in check]
        if names:
            return names, "all"
    return check, "missing"


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
        ex.names, ex.mode = answer_names(nb.cells[ex.answer], ex.check_source)
    return found


def chapter_key(path):
    """The two digits a chapter's file name starts with, or None."""
    match = CHAPTER.match(Path(path).name)
    return match.group(1) if match else None


# ------------------------------------------------------------------- safe text output

_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def inert(text):
    """``text`` with control characters (and bidirectional overrides) escaped, so that
    showing it on a terminal or in a spreadsheet does nothing but show it."""
    out = []
    for ch in str(text):
        if ch in "\n\t":
            out.append(" ")
        elif ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") \
                and ch not in "\u200d":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def first_line(text, limit=MESSAGE_CHARS):
    text = " ".join(inert(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def csv_cell(value):
    """A CSV cell that no spreadsheet reads as a formula (or a control sequence)."""
    text = inert(value) if isinstance(value, str) else value
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r", "|", "%"):
        return "'" + text
    return text


# --------------------------------------------------------------------- one submission

@dataclass
class Result:
    """The grade of one exercise of one notebook."""
    chapter: str
    number: str
    title: str
    status: str
    message: str = ""
    points: int = 0
    out_of: int = 1

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

    @property
    def points(self):
        return sum(r.points for r in self.results)


def find_cell(cells, cell_id, predicate, rank):
    """Index of the code cell with id ``cell_id``, else of the ``rank``-th cell for which
    ``predicate`` holds, else None."""
    if cell_id:
        for index, cell in enumerate(cells):
            if cell.get("id") == cell_id and cell.cell_type == "code":
                return index
    matching = [i for i, cell in enumerate(cells) if predicate(cell)]
    return matching[rank] if rank < len(matching) else None


def plan_student(submission, reference):
    """What the sandbox runs, and where each exercise's answer is in it.

    Returns ``(cells, spans)``: the sources of the submission's code cells without its
    check cells, and for each exercise number ``{"answer": index in cells or None,
    "stub": bool, "extra": bool, "snapshot": index or None, "cell": notebook position}``.
    """
    code = [(i, c) for i, c in enumerate(submission.cells)
            if c.cell_type == "code" and not is_check(c)]
    position = {i: k for k, (i, _) in enumerate(code)}
    answers = [find_cell(submission.cells, ex.answer_id, is_answer, rank)
               for rank, ex in enumerate(reference)]
    spans = {}
    for k, ex in enumerate(reference):
        at = answers[k]
        if at is None or at not in position:
            spans[ex.number] = {"answer": None, "stub": False, "extra": False,
                                "snapshot": None, "cell": None}
            continue
        later = [a for a in answers[k + 1:] if a is not None and a > at]
        end = min(later) if later else len(submission.cells)
        inside = [position[i] for i, _ in code if at <= i < end]
        extra = any(submission.cells[i].source.strip() for i, _ in code if at < i < end)
        source = submission.cells[at].source.strip()
        from w2vlib.teach.edition import stub
        spans[ex.number] = {"answer": position[at],
                            "stub": source in (OLD_STUB.strip(), stub(ex.names).strip()),
                            "extra": extra, "snapshot": max(inside), "cell": at + 1}
    return [c.source for _, c in code], spans


def cause(cell_errors, answer):
    """What went wrong first, up to the answer cell: the first failing code cell (an
    import that failed, say) and then the answer cell's own error; or ''."""
    own = cell_errors.get(answer) if answer is not None else None
    earlier = [(i, e) for i, e in sorted(cell_errors.items())
               if answer is None or i < answer]
    if earlier:
        text = f"code cell {earlier[0][0] + 1} failed first: {earlier[0][1]}"
        return text + (f" (then the answer cell raised {own})" if own else "")
    return f"the answer cell raised {own}" if own else ""


def decide(ex, span, values, cell_errors, ended):
    """(status, message) of an exercise before its check runs, or None to run the check.

    ``values``: {name: wire} from the sandbox (or None if the answer was never read);
    ``cell_errors``: {index in the run: "Name: message"}; ``ended``: why the run stopped
    early, or ''.
    """
    answer = span["answer"]
    if values is None:
        if answer is None or span["stub"] and not span["extra"]:
            return NOT_ATTEMPTED, ""
        return FAILED, ended or "the answer was never read"
    todo = [n for n in ex.names if values.get(n, {}).get("value") == {"$todo": True}]
    missing = [n for n in ex.names if "missing" in values.get(n, {"missing": True})]
    if ex.mode == "missing":
        missing = []            # checked in the checker against what the chapter defines
    if ex.names and len(todo) == len(ex.names):
        return NOT_ATTEMPTED, ""
    if missing and len(missing) == len(ex.names) and (
            answer is None or span["stub"] and not span["extra"]):
        return NOT_ATTEMPTED, ""
    if todo:
        return FAILED, f"{', '.join(todo)} still {'is' if len(todo) == 1 else 'are'} TODO"
    if missing:
        why = f"your answer does not define {', '.join(missing)}"
        first = cause(cell_errors, answer)
        if first:
            return FAILED, f"{why}: {first}"
        return FAILED, why + (f" ({ended})" if ended else "")
    bad = [f"{n} is {values[n]['unencodable']}" for n in ex.names
           if "unencodable" in values.get(n, {})]
    if bad:
        return FAILED, ("; ".join(bad) + ", which the grader cannot take out of the "
                        "notebook (expected numbers, strings, arrays, SymPy expressions, "
                        "functions, or lists, tuples and dicts of these)")
    return None


def checker_cells(reference_nb, reference):
    """The teacher's code cells for the checker, marked context, answer or check (the
    answer cells' own code, a solution in the full edition, is never sent)."""
    kind = {}
    for ex in reference:
        kind[ex.answer] = ("answer", ex.number)
        kind[ex.check] = ("check", ex.number)
    cells = []
    for index, cell in enumerate(reference_nb.cells):
        if cell.cell_type != "code":
            continue
        what, number = kind.get(index, ("context", None))
        cells.append({"kind": what, "exercise": number,
                      "source": "" if what == "answer" else cell.source})
    return cells


def make_task(submission, reference_nb, reference, timeout):
    """Everything a worker needs to grade one notebook, as data (no notebook library)."""
    cells, spans = plan_student(submission, reference)
    return {"cells": cells, "spans": spans, "timeout": float(timeout),
            "exercises": [{"number": ex.number, "names": ex.names, "mode": ex.mode}
                          for ex in reference],
            "checker_cells": checker_cells(reference_nb, reference)}


# ------------------------------------------------------------- the worker: one notebook

def _spawn_checker(rfd, wfd, home):
    argv = [sys.executable, "-m", "w2vlib.teach.checker", "--fds", str(rfd), str(wfd)]
    fds = (rfd, wfd)
    env = dict(os.environ, MPLBACKEND="Agg")
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, pass_fds=fds, cwd=home, env=env,
                            start_new_session=True)
    return proc


def _wires(values):
    """The sandbox's {name: {"value"|"missing"|"unencodable": ...}}, malformed entries
    dropped (the sandbox is not trusted to send well-formed messages)."""
    if not isinstance(values, dict):
        return {}
    out = {}
    for name, wire in values.items():
        if isinstance(name, str) and isinstance(wire, dict) and len(wire) == 1 \
                and next(iter(wire)) in ("value", "missing", "unencodable"):
            if "unencodable" in wire:
                wire = {"unencodable": first_line(wire["unencodable"], 200)}
            out[name] = wire
    return out


def supervise(task):
    """Grade one notebook (the worker's whole job); a JSON-able dict (see :func:`grade`)."""
    from types import SimpleNamespace

    from w2vlib.teach import sandbox
    from w2vlib.teach.values import recv, send
    sandbox.become_subreaper()
    started = time.monotonic()
    timeout = float(task["timeout"])
    reference = [SimpleNamespace(**ex) for ex in task["exercises"]]
    cells, spans = task["cells"], task["spans"]
    snapshots = {}
    for ex in reference:          # right after the answer cell, and after its last cell
        for at in {spans[ex.number]["answer"], spans[ex.number]["snapshot"]} - {None}:
            snapshots.setdefault(at, [])
            snapshots[at].extend(n for n in ex.names if n not in snapshots[at])
    names = sorted({n for ex in reference for n in ex.names})
    out = {"exercises": {}, "problem": "", "cell_errors": {}}
    scratch = Path(tempfile.mkdtemp(prefix="w2vlib-grade-"))
    home = scratch / "home"
    mode = task["sandbox"]
    sandbox.prepare_home(mode, home)
    argv, kwargs = sandbox.command(mode, task["lib"], home)
    runner = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, start_new_session=True, **kwargs)
    wfd, rfd = runner.stdin.fileno(), runner.stdout.fileno()
    # the checker starts now (it loads its libraries while the notebook runs)
    checker = _spawn_checker(rfd, wfd, scratch)
    deadline = started + timeout
    values, snap_values, ended, current = None, {}, "", 0
    try:
        send(wfd, {"cells": cells, "snapshots": {str(k): v for k, v in snapshots.items()},
                   "names": names})
        while True:
            message = recv(rfd, deadline)
            if not isinstance(message, dict):
                raise ValueError("a malformed message")
            if "cell" in message:
                current = int(message["cell"]) + 1
                if message.get("error"):
                    e = message["error"]
                    out["cell_errors"][int(message["cell"])] = first_line(
                        f"{e.get('ename', 'Error')}: {e.get('evalue', '')}", 200)
            elif "snapshot" in message:
                snap_values.update(_wires(message.get("values")))
            elif message.get("done"):
                values = _wires(message.get("values"))
                break
    except TimeoutError:
        ended = f"timed out after {timeout:g} s (in code cell {current + 1})"
    except EOFError:
        try:                        # its pipe closed: it is ending; let it be reaped
            code = runner.wait(timeout=10)
        except Exception:           # still running, or not a child we can wait for
            code = runner.poll()
        how = (f"signal {-code}" if code is not None and code < 0 else
               f"exit {code}" if code is not None else "its pipe closed")
        ended = f"the notebook's process ended ({how}) in code cell {current}"
    except (ValueError, OSError, TypeError, KeyError, AttributeError) as exc:
        ended = first_line(f"the notebook's process sent a malformed message ({exc})")
    alive = values is not None
    if ended:
        sandbox.kill(runner)
        out["problem"] = ended
    # what each exercise's answer is: the end of the run, else the last snapshot
    wires, skip = {}, set()
    cell_errors = out["cell_errors"]
    for ex in reference:
        span = spans[ex.number]
        vals = values if values is not None else (
            {n: snap_values[n] for n in ex.names}
            if span["answer"] is not None and all(n in snap_values for n in ex.names)
            else None)
        if vals is not None and ex.mode == "missing":
            vals = {n: v for n, v in vals.items() if n in ex.names}
        decided = decide(ex, span, vals, cell_errors, ended)
        if decided is not None:
            out["exercises"][ex.number] = {"status": decided[0], "message": decided[1]}
            skip.add(ex.number)
        else:
            wires[ex.number] = {n: vals[n] for n in ex.names if n in vals}
    # the checks, in a fresh process that never ran student code
    if len(skip) < len(reference):
        left = max(timeout - (time.monotonic() - started), 0) + timeout
        plan = {"cells": task["checker_cells"], "skip": sorted(skip), "ended": ended,
                "call_timeout": min(timeout, 120.0),
                "bind": {ex.number: {"names": ex.names, "mode": ex.mode,
                                     "values": wires.get(ex.number) or {}}
                         for ex in reference}}
        plan["alive"] = alive
        result = None
        try:
            send(checker.stdin.fileno(), plan)
            result = recv(checker.stdout.fileno(), time.monotonic() + left)
        except TimeoutError:
            out["problem"] = first_line(f"{out['problem']}; " if out["problem"] else "") + \
                f"the checks timed out after {left:.0f} s"
        except (EOFError, ValueError, OSError) as exc:
            out["problem"] = f"the checker ended without a result ({type(exc).__name__})"
        result = result if isinstance(result, dict) else {}
        if "crash" in result:
            out["problem"] = first_line("the checker failed: " + result["crash"])
        context = result.get("context_errors") or []
        if context:
            c = context[0]
            out["checks_problem"] = first_line(
                f"the chapter's own code cell {c['cell'] + 1} failed in the grader's run: "
                f"{c['message']} (a problem of the grading installation, not of the "
                "submission)")
        for ex in reference:
            if ex.number in skip:
                continue
            bind_errors = (result.get("bind_errors") or {}).get(ex.number)
            check = (result.get("checks") or {}).get(ex.number)
            if bind_errors:
                status = (FAILED, "; ".join(bind_errors))
            elif check is None:
                status = (FAILED, "the check did not run" +
                          (f": {out['problem']}" if out["problem"] else ""))
            elif check.get("ok"):
                status = (PASSED, "")
            else:
                msg = "check: " + str(check.get("message", ""))
                first = cause(cell_errors, spans[ex.number]["answer"])
                if out.get("checks_problem"):
                    msg = f"[{out['checks_problem']}] {msg}"
                if first:
                    msg = f"{first}; {msg}"
                status = (FAILED, msg)
            note = ""
            span = spans[ex.number]
            if span["stub"] and span["extra"] and status[0] != NOT_ATTEMPTED:
                note = " (graded from the cells below the untouched stub)"
            out["exercises"][ex.number] = {"status": status[0],
                                           "message": first_line(status[1]) + note}
    sandbox.kill(checker)
    sandbox.kill(runner)
    sandbox.sweep(keep=())
    import shutil
    shutil.rmtree(scratch, ignore_errors=True)
    out["seconds"] = time.monotonic() - started
    return out


# ----------------------------------------------------------------------------- a class

def notebooks_of(folder):
    """The notebooks under ``folder`` (checkpoints and hidden folders left out)."""
    return sorted(p for p in Path(folder).rglob("*.ipynb")
                  if not any(part.startswith(".") for part in
                             p.relative_to(folder).parts))


def students(submissions):
    """({student: [notebooks]}, [notes]) for a class folder, a student's folder or one
    notebook; notes are :class:`Graded` rows for files that are not graded."""
    path = Path(submissions)
    notes = []
    if path.is_file():
        if path.suffix != ".ipynb":
            raise ValueError(f"submissions: expected a notebook or a folder, got {str(path)!r}")
        return {path.stem: [path]}, notes
    if not path.is_dir():
        raise ValueError(f"submissions: no such notebook or folder: {str(path)!r}")
    folders = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    loose = sorted(path.glob("*.ipynb"))
    if not folders:
        return {path.resolve().name: loose}, notes
    for stray in loose:
        notes.append(Graded("(class folder)", str(stray), problem=(
            "a notebook at the top of the class folder, not in a student's folder: not "
            "graded (move it into the student's folder)")))
    return {folder.name: notebooks_of(folder) for folder in folders}, notes


def read_checks(checks):
    """{chapter key: (path, notebook text, notebook, exercises)} of the checks folder,
    read into memory (before any student code runs)."""
    import nbformat
    folder = Path(checks)
    if not folder.is_dir():
        raise ValueError(f"checks: expected a folder of chapter notebooks, got {str(folder)!r}")
    found = {}
    for p in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        text = p.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        key = chapter_key(p)
        if key in found:
            raise ValueError(f"checks: two notebooks of chapter {key} in {str(folder)!r}: "
                             f"{Path(found[key][0]).name} and {p.name}")
        found[key] = (str(p), text, nb, exercises(nb))
    if not found:
        raise ValueError(f"checks: no chapter notebooks (NN_*.ipynb) in {str(folder)!r}")
    return found


def match_chapter(nb, refs):
    """The chapter whose answer and check cell ids the notebook holds, or None."""
    ids = {c.get("id") for c in nb.cells if c.get("id")}
    best = None
    for key, (_, _, _, exs) in refs.items():
        own = {e.answer_id for e in exs} | {e.check_id for e in exs}
        own.discard("")
        if own and len(own & ids) >= max(1, len(own) // 2):
            score = len(own & ids)
            if best is None or score > best[0]:
                best = (score, key)
    return best[1] if best else None


def _run_worker(task):
    """Run :func:`supervise` in a process of its own; (result dict, problem)."""
    from w2vlib.teach.values import recv, send
    argv = [sys.executable, "-m", "w2vlib.teach.grade", "--worker"]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        send(proc.stdin.fileno(), task)
        proc.stdin.close()
        result = recv(proc.stdout.fileno(), time.monotonic() + 3 * task["timeout"] + 120)
        proc.wait(timeout=30)
        return result, ""
    except (TimeoutError, EOFError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
        code = proc.poll()
        if code is None and isinstance(exc, (EOFError, OSError)):
            try:                    # its pipe closed: it is dying; let it be reaped
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                code = None
        err = proc.stderr.read(4000).decode(errors="replace") if code is not None else ""
        how = (f"killed by signal {-code}" if code is not None and code < 0 else
               f"exit status {code}" if code is not None else "no answer in time")
        tail = err.strip().splitlines()[-1] if err.strip() else ""
        return None, first_line(f"the grading worker died ({how})" +
                                (f": {tail}" if tail else ""))
    finally:
        for target in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
            try:
                target()
            except (ProcessLookupError, PermissionError, OSError):
                pass
        proc.wait()


def _results_of(key, exs, worker, problem):
    results = []
    for ex in exs:
        got = (worker or {}).get("exercises", {}).get(ex.number)
        if got is None:
            got = {"status": FAILED, "message": problem or "not graded"}
        status = got["status"] if got["status"] in SYMBOL else FAILED
        results.append(Result(key, ex.number, ex.title, status,
                              first_line(got.get("message", "")),
                              points=int(status == PASSED)))
    return results


def grade(submissions, checks=None, timeout=600.0, jobs=1):
    """Grade a class (see :func:`students`); a list of :class:`Graded`, one per notebook
    (and one per problem found in the folders).

    Without ``checks`` only one student's notebooks can be graded, by their own check
    cells (a self-check); a class needs the teacher's checks. A student who submitted no
    notebook of a chapter that someone else submitted gets "not attempted" for it.
    """
    import nbformat
    from w2vlib.teach import sandbox
    if not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected at least 1, got {jobs!r}")
    who, notes = students(submissions)
    if checks is None and len(who) > 1:
        raise ValueError("checks: a class is graded by the teacher's checks: pass --checks "
                         "(the student edition's folder, from `make student`, or notebooks/)")
    refs = read_checks(checks) if checks is not None else None
    # every submission into memory before any student code runs
    tasks = []
    for student, paths in who.items():
        if not paths:
            notes.append(Graded(student, "", problem="no notebook submitted"))
        for path in paths:
            if path.is_symlink():
                notes.append(Graded(student, str(path), problem="a symbolic link to "
                                    f"{os.readlink(path)}: not graded (hand in a copy)"))
                continue
            try:
                text = path.read_text(encoding="utf-8")
                nb = nbformat.reads(text, as_version=4)
            except Exception as exc:                # noqa: BLE001 - reported per notebook
                problem = first_line(f"unreadable notebook: {type(exc).__name__}: {exc}")
                key = chapter_key(path)
                exs = refs[key][3] if refs and key in refs else []
                notes.append(Graded(student, str(path),
                                    _results_of(key, exs, None, problem), problem))
                continue
            key, note = chapter_key(path), ""
            if refs is None:
                try:
                    own = exercises(nb)
                except ValueError as exc:
                    notes.append(Graded(student, str(path), problem=first_line(str(exc))))
                    continue
                key = key or first_line(path.stem, 40)
                entry = (str(path), text, nb, own)
                note = "graded by its own check cells (a self-check, not the teacher's)"
            else:
                if key not in refs:
                    matched = match_chapter(nb, refs)
                    if matched is None:
                        notes.append(Graded(student, str(path), problem=(
                            "not a chapter of the checks folder: its name should start "
                            "with the chapter's two digits (NN_), and its cells match no "
                            "chapter")))
                        continue
                    note = (f"matched to chapter {matched} by its cells (its name does not "
                            f"start with {matched}_)")
                    key = matched
                entry = refs[key]
            tasks.append({"student": student, "path": str(path), "key": key, "note": note,
                          "exs": entry[3],
                          "work": make_task(nb, entry[2], entry[3], timeout)})
    scratch = Path(tempfile.mkdtemp(prefix="w2vlib-grade-lib-"))
    try:
        mode, why = sandbox.choose(scratch)
        lib = sandbox.copy_library(scratch / "lib") if not (scratch / "lib").exists() \
            else scratch / "lib"

        def one(task):
            payload = dict(task["work"], sandbox=mode, lib=str(lib))
            worker, problem = _run_worker(payload)
            graded = Graded(task["student"], task["path"],
                            _results_of(task["key"], task["exs"], worker, problem))
            parts = [problem, (worker or {}).get("problem", ""),
                     (worker or {}).get("checks_problem", ""), task["note"]]
            graded.problem = first_line("; ".join(p for p in parts if p))
            graded.seconds = float((worker or {}).get("seconds", 0.0))
            return graded

        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            graded = list(pool.map(one, tasks))
    finally:
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)
    graded = _one_per_chapter(graded) + notes
    if refs is not None:            # chapters a student did not hand in
        submitted = {(g.student, r.chapter) for g in graded for r in g.results}
        chapters = sorted({r.chapter for g in graded for r in g.results})
        names = sorted({g.student for g in graded if g.student != "(class folder)"})
        for key in chapters:
            for student in names:
                if (student, key) not in submitted:
                    graded.append(Graded(student, "", [
                        Result(key, ex.number, ex.title, NOT_ATTEMPTED, "not submitted")
                        for ex in refs[key][3]]))
    grade.sandbox = (mode, why)
    return graded


def _one_per_chapter(graded):
    """Of several notebooks of one chapter by one student, the one with the most points
    counts; the others are named in its problem."""
    groups = {}
    for g in graded:
        key = g.results[0].chapter if g.results else None
        groups.setdefault((g.student, key), []).append(g)
    out = []
    for (_, key), group in groups.items():
        if key is None or len(group) == 1:
            out.extend(group)
            continue
        group.sort(key=lambda g: (-g.points, g.path))
        best = group[0]
        names = ", ".join(Path(g.path).name for g in group)
        note = (f"{len(group)} notebooks of chapter {key}: {names}; the one with the most "
                f"points counts ({Path(best.path).name})")
        best.problem = first_line("; ".join(p for p in (best.problem, note) if p))
        out.append(best)
    return out


# --------------------------------------------------------------------------- reporting

def _label_key(label):
    parts = re.split(r"[:.]", label)
    return tuple((0, float(p), "") if re.fullmatch(r"\d+(\.\d+)?", p) else (1, 0.0, p)
                 for p in parts)


def table(graded):
    """(labels of the exercises, {student: {label: Result}}) in order."""
    labels, rows = [], {}
    for g in sorted(graded, key=lambda g: g.student):
        row = rows.setdefault(g.student, {})
        for r in g.results:
            row[r.label] = r
            if r.label not in labels:
                labels.append(r.label)
    return sorted(labels, key=_label_key), rows


def render(graded):
    """The terminal report: the table, then each failure and each notebook's problem."""
    labels, rows = table(graded)
    shown = {s: inert(s) for s in rows}
    width = max([len(s) for s in shown.values()] + [7])
    lines = [f"{'student':<{width}}  {'points':>6}  " + " ".join(labels)]
    for student, row in rows.items():
        passed = sum(r.points for r in row.values())
        marks = " ".join(f"{SYMBOL[row[la].status] if la in row else ' ':^{len(la)}}"
                         for la in labels)
        lines.append(f"{shown[student]:<{width}}  {passed:>3}/{len(labels):<2}  {marks}")
    lines.append("✓ passed   ✗ failed   · not attempted")
    failures = [(s, r) for s, row in rows.items() for r in row.values() if r.status == FAILED]
    problems = [g for g in sorted(graded, key=lambda g: g.student) if g.problem]
    if failures:
        lines += ["", "Failed:"]
        lines += [f"  {shown[s]} {r.label} ({inert(r.title)}): {first_line(r.message)}"
                  for s, r in failures]
    if problems:
        lines += ["", "Notebooks with a problem:"]
        lines += [f"  {inert(g.student)} {inert(Path(g.path).name) or '-'}: "
                  f"{first_line(g.problem)}" for g in problems]
    return "\n".join(lines)


def csv_text(graded):
    """The CSV (see the module docstring) as text."""
    labels, rows = table(graded)
    problems = {}
    for g in graded:
        if g.problem:
            problems.setdefault(g.student, []).append(
                f"{Path(g.path).name}: {g.problem}" if g.path else g.problem)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["student", "points", "out of", "passed", "failed", "not attempted"]
    for label in labels:
        header += [label, f"{label} points"]
    writer.writerow(header + ["problems"])
    for student, row in rows.items():
        count = {s: sum(r.status == s for r in row.values()) for s in SYMBOL}
        cells = []
        for label in labels:
            r = row.get(label)
            cells += (["", ""] if r is None else
                      [f"{FAILED}: {r.message}" if r.status == FAILED else r.status,
                       r.points])
        writer.writerow([csv_cell(c) for c in [
            student, sum(r.points for r in row.values()), len(labels), count[PASSED],
            count[FAILED], count[NOT_ATTEMPTED], *cells,
            " | ".join(problems.get(student, []))]])
    return buffer.getvalue()


def write_csv(graded, path):
    """Write the CSV atomically. A symbolic link at ``path`` is replaced by the file, never
    written through (a submission may have planted it); the note says so. Returns the
    note, or ''."""
    from w2vlib._io import atomic_write
    path = Path(path)
    note = ""
    if path.is_symlink():
        note = (f"{path} was a symbolic link (to {os.readlink(path)}); it was replaced by "
                "the CSV, and the file it pointed to was not touched")
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, csv_text(graded), binary=False, newline="")
    return note


def _slug(name):
    slug = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFKC", name)).strip("._")
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return (slug[:60] or "student") + ("" if slug == name else f"-{digest}")


def feedback(graded, student):
    """One student's feedback page (Markdown): each exercise's result and message."""
    labels, rows = table(graded)
    row = rows.get(student, {})
    total = sum(r.points for r in row.values())
    lines = [f"# Feedback for {inert(student)}", "",
             f"**Points: {total} of {len(row)}**", "",
             "| exercise | result | points | message |", "|---|---|---|---|"]
    for label in labels:
        r = row.get(label)
        if r is None:
            continue
        message = first_line(r.message).replace("|", "\\|").replace("`", "'")
        lines.append(f"| {label} ({inert(r.title)}) | {SYMBOL[r.status]} {r.status} | "
                     f"{r.points} | {message} |")
    problems = [g for g in graded if g.student == student and g.problem]
    if problems:
        lines += ["", "## Notebooks with a problem", ""]
        lines += [f"- {inert(Path(g.path).name) or '-'}: {first_line(g.problem)}"
                  for g in problems]
    return "\n".join(lines) + "\n"


def write_feedback(graded, folder):
    """One Markdown page per student in ``folder`` (``<student>.md``); the paths."""
    from w2vlib._io import atomic_write
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student in sorted({g.student for g in graded}):
        path = folder / f"{_slug(student)}.md"
        if path.is_symlink():
            path.unlink()
        atomic_write(path, feedback(graded, student), binary=False)
        written.append(path)
    return written


def main(argv=None):
    if argv is None and sys.argv[1:2] == ["--worker"]:
        return _worker_main()
    parser = argparse.ArgumentParser(prog="python -m w2vlib.teach.grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", help="a class folder (one folder per student), a "
                        "student's folder of notebooks, or one notebook")
    parser.add_argument("--checks", default=None, help="the folder of the student edition "
                        "(or of the chapter notebooks) whose checks are run (default: "
                        "notebooks/ if it exists)")
    parser.add_argument("--csv", default=None, help="also write the table to this CSV file")
    parser.add_argument("--feedback", default=None,
                        help="also write one Markdown page per student into this folder")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds a notebook may run (default 600)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks graded at the same time (default 1)")
    args = parser.parse_args(argv)
    checks = args.checks
    if checks is None and Path("notebooks").is_dir():
        checks = "notebooks"
        print("(checks: notebooks/)")
    try:
        graded = grade(args.submissions, checks, timeout=args.timeout, jobs=args.jobs)
    except ValueError as exc:
        print(f"error: {inert(exc)}", file=sys.stderr)
        return 2
    mode, why = grade.sandbox
    if mode != "bwrap":
        print(f"(sandbox: {mode}; {why}: see the README, 'Teaching with the book')")
    print(render(graded))
    if args.csv:
        note = write_csv(graded, args.csv)
        print(f"\nCSV: {inert(args.csv)}" + (f" ({inert(note)})" if note else ""))
    if args.feedback:
        written = write_feedback(graded, args.feedback)
        print(f"Feedback: {len(written)} pages in {inert(args.feedback)}")
    return 0


def _worker_main():
    from w2vlib.teach.values import recv, send
    out = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    task = recv(0)
    send(out, supervise(task))
    return 0


if __name__ == "__main__":
    sys.exit(main())
