"""Each install the README names runs what the README says it runs (issue 19 item 7).

    python tests/check_extras.py [book] [teach]        # `make test-extras`; both by default

For each extra: a fresh venv under /tmp, ``pip install ".[extra]"`` from this checkout (a
real, non-editable install: the package list and package data are what a user gets), then
the README's commands for it, run outside the checkout:

* ``book``: register the kernel (``python -m ipykernel install --prefix``), and the
  student's self-check ``python -m w2vlib.teach.grade NOTEBOOK`` of a solved notebook, which
  must score every exercise;
* ``teach``: ``python -m w2vlib.teach.edition student`` of the book, then
  ``python -m w2vlib.teach.grade CLASS --checks STUDENT_EDITION`` of a class holding chapter
  02 solved, which must score every exercise (it scored 0 when [teach] lacked the
  chapters' packages), and ``python -m w2vlib.teach.edition html --student``.

Slow (minutes: the installs) and needs the package index; not part of `make test`.
Exits non-zero, naming the step, if anything fails.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run(argv, cwd, env=None, timeout=3600):
    print("$", " ".join(str(a) for a in argv), flush=True)
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"FAILED ({done.returncode}): {' '.join(map(str, argv))}\n"
                         f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def venv(extra, work):
    folder = work / f"venv-{extra}"
    run([sys.executable, "-m", "venv", folder], work)
    python = folder / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"{ROOT}[{extra}]"], work)
    return python


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def solved_copy(chapter, target):
    """The student edition of ``chapter`` with every stub replaced by its solution."""
    from w2vlib.teach import edition, grade
    import nbformat
    full = edition.read(chapter)
    nb = edition.strip_solutions(full)
    for a, b in zip(grade.exercises(full), grade.exercises(nb)):
        nb.cells[b.answer].source = full.cells[a.answer].source
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))
    return len(grade.exercises(nb))


def sandboxed(out):
    """Where bubblewrap is installed, the grader must be using it."""
    if shutil.which("bwrap") and "(sandbox:" in out:
        raise SystemExit("FAILED: bubblewrap is installed but the grader did not use it:\n"
                         + out.splitlines()[0])


def check_book(work):
    python = venv("book", work)
    env = clean_env()
    run([python, "-m", "ipykernel", "install", "--prefix", work / "kernel-prefix",
         "--name", "word2vec-book"], work, env)
    n = solved_copy(ROOT / "tests" / "fixtures" / "42_fixture.ipynb",
                    work / "self" / "42_fixture.ipynb")
    out = run([python, "-m", "w2vlib.teach.grade", work / "self" / "42_fixture.ipynb",
               "--timeout", "300"], work / "self", env)
    print(out)
    sandboxed(out)
    if not re.search(rf"\b{n}/{n}\b", out):
        raise SystemExit(f"FAILED: the [book] self-check did not score {n}/{n}")


def check_teach(work):
    python = venv("teach", work)
    env = clean_env()
    run([python, "-m", "w2vlib.teach.edition", "student", "--notebooks", ROOT / "notebooks",
         "--out", work / "student"], work, env)
    chapter = ROOT / "notebooks" / "02_softmax_cross_entropy.ipynb"
    n = solved_copy(chapter, work / "class" / "alice" / chapter.name)
    out = run([python, "-m", "w2vlib.teach.grade", work / "class", "--checks",
               work / "student", "--csv", work / "grades.csv", "--timeout", "600"],
              work, env)
    print(out)
    sandboxed(out)
    if not re.search(rf"^alice\s+{n}/{n}\b", out, re.MULTILINE):
        raise SystemExit(f"FAILED: the [teach] install did not grade chapter 02 {n}/{n}")
    run([python, "-m", "w2vlib.teach.edition", "html", "--student", "--notebooks",
         ROOT / "notebooks", "--out", work / "student-html"], work, env)
    if not (work / "student-html" / "index.html").is_file():
        raise SystemExit("FAILED: no student website")


def main(argv):
    extras = argv or ["book", "teach"]
    work = Path(tempfile.mkdtemp(prefix="w2vlib-extras-"))
    try:
        for extra in extras:
            (work / extra).mkdir(parents=True)
            {"book": check_book, "teach": check_teach}[extra](work / extra)
            print(f"[{extra}] OK", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"extras": extras, "ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
