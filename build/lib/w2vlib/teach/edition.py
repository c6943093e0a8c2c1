"""The book's editions, built from the chapter notebooks.

    python -m w2vlib.teach.edition html    [--notebooks DIR] [--out DIR]   # _build/html
    python -m w2vlib.teach.edition html --student [--out DIR]      # _build/student-html
    python -m w2vlib.teach.edition student [--notebooks DIR] [--out DIR]   # _build/student

**HTML edition.** A static website built with jupyter-book's command line
(``jupyter-book build``) from the notebooks' *stored* outputs: nothing is executed. The
configuration is committed in ``book/`` (``_config.yml``, ``_toc.yml``, the title page
``intro.md`` and a small Sphinx extension in ``_ext/``); :func:`stage` copies it and the
chapters ``NN_*.ipynb`` of ``--notebooks`` into ``<out>-src``, and the build's
``_build/html`` becomes ``<out>``. In the staged copies each exercise's whole solution (the
``<details>`` text and the ``solution`` cell's code and outputs) sits in one closed
"Solution" toggle; with ``--student`` the staged copies are the student edition instead,
so the site holds no solution at all. The committed notebooks are never modified.

**Student edition.** Copies of the notebooks without the solutions: every
``<details><summary>Solution</summary>...</details>`` block is cut from the Markdown
cells (a cell left empty is dropped) and every ``solution``-tagged code cell becomes a
stub, tagged ``exercise``, that binds the answer's names (those the solution binds and the
check reads, also recorded in the stub's metadata as ``w2vlib.answers``) to
:data:`w2vlib.teach.TODO`, with its outputs cleared. The ``check`` cells stay (without
their stored output), each behind a guard that prints ``Exercise N: not attempted yet``
while an answer is still ``TODO``: "Run All" runs the whole chapter whatever is done, the
student runs the checks, and ``python -m w2vlib.teach.grade`` grades with them. Every other
cell is kept as it is, outputs included.

Only the standard library is imported at module level; ``nbformat``, PyYAML and
jupyter-book are used by the functions that need them.
"""

import argparse
import copy
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
CHECK_TAG = "check"
EXERCISE_STUB = '# Exercise: write your solution here.\nraise NotImplementedError("exercise")'
GUARD = "from w2vlib.teach import todo\nif todo({names}):\n    print({message!r})\nelse:\n"

# MathJax 3 is served from the book's own _static folder, so the book reads offline. The files
# come from the pinned PyPI package django-static-mathjax (MathJax 3.2.2, no dependencies):
# the TeX-to-HTML component, the TeX extensions it loads on demand, its fonts and its menu.
MATHJAX_PACKAGE = "mathjax"
MATHJAX_FILES = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2", "ui")

# A collapsed solution in a Markdown cell: <details><summary>Solution</summary> ... </details>.
SOLUTION_BLOCK = re.compile(
    r"<details>\s*<summary>\s*solution\b.*?</summary>.*?</details>[ \t]*\n?",
    re.IGNORECASE | re.DOTALL,
)


# ---------------------------------------------------------------------------- chapters

def chapters(notebooks):
    """The chapter notebooks ``NN_*.ipynb`` of the folder ``notebooks``, in file-name order."""
    folder = Path(notebooks)
    if not folder.is_dir():
        raise ValueError(f"notebooks: expected a folder of chapter notebooks, got {str(folder)!r}")
    found = sorted(folder.glob(CHAPTER_GLOB))
    if not found:
        raise ValueError(f"notebooks: no chapter notebooks ({CHAPTER_GLOB}) in {str(folder)!r}")
    return found


def read(path):
    """Read a notebook (nbformat 4)."""
    import nbformat
    return nbformat.read(str(path), as_version=4)


def chapter_title(nb):
    """The text of the notebook's first level-1 Markdown heading (``# Title``)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    raise ValueError("nb: expected a Markdown cell with a level-1 heading ('# Title')")


def is_solution(cell):
    """True for a code cell tagged ``solution``."""
    return cell.cell_type == "code" and SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def is_check(cell):
    """True for a code cell tagged ``check`` (an exercise's test)."""
    return cell.cell_type == "code" and CHECK_TAG in cell.get("metadata", {}).get("tags", [])


def has_figure(nb):
    """True if some stored output of the notebook is a PNG image."""
    return any("image/png" in out.get("data", {})
               for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)


# ---------------------------------------------------------------------- student edition

def stub(names):
    """The student edition's answer cell for an answer made of ``names``."""
    if not names:
        return "# Exercise: write your solution here."
    listed = ", ".join(f"`{n}`" for n in names)
    return ("# Exercise: write your solution here; it defines " + listed + ".\n"
            "from w2vlib.teach import TODO\n" + " = ".join(names) + " = TODO")


def _multiline_strings(source):
    import io
    import tokenize
    try:
        return any(tok.type == tokenize.STRING and tok.start[0] != tok.end[0]
                   for tok in tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return True


def guarded(check_source, names, number):
    """The check cell of the student edition: ``check_source`` runs only once no answer
    name is ``TODO``; until then it prints that the exercise is not attempted yet. A check
    that indenting would change (a string over several lines) is left as it is."""
    if not names or _multiline_strings(check_source):
        return check_source
    body = "\n".join(("    " + line) if line.strip() else line
                     for line in check_source.splitlines())
    return GUARD.format(names=", ".join(names),
                        message=f"Exercise {number}: not attempted yet") + body


def answers_of(nb):
    """{index of a solution cell: (its exercise number, its answer names)}."""
    from w2vlib.teach import grade
    try:
        found = grade.exercises(nb)
    except ValueError:
        return {}
    return {ex.answer: (ex.number, ex.names if ex.mode == "all" else [], ex.check)
            for ex in found}


def strip_solutions(nb):
    """A copy of ``nb`` without solutions (see the module docstring); ``nb`` is unchanged."""
    import nbformat
    out = copy.deepcopy(nb)
    answers = answers_of(out)
    checks = {check: (number, names) for number, names, check in answers.values()}
    cells = []
    for index, cell in enumerate(out.cells):
        if cell.cell_type == "markdown" and "<details" in cell.source.lower():
            source = SOLUTION_BLOCK.sub("", cell.source)
            source = re.sub(r"\n{3,}", "\n\n", source).strip()
            if not source:
                continue
            cell.source = source
        elif is_solution(cell):
            tags = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG]
            cell.metadata["tags"] = tags + [EXERCISE_TAG]
            names = answers.get(index, (None, []))[1]
            cell.source = stub(names)
            if names:
                cell.metadata["w2vlib"] = {"answers": list(names)}
            cell.outputs = []
            cell.execution_count = None
        elif is_check(cell):            # kept, to be run by the student; its ✓ is earned
            if index in checks:
                cell.source = guarded(cell.source, checks[index][1], checks[index][0])
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    out.cells = cells
    nbformat.validate(out)
    return out


def write_student(notebooks="notebooks", out="_build/student"):
    """Write the student edition of every chapter of ``notebooks`` into ``out``; the paths."""
    import nbformat
    out = Path(out)
    sources = chapters(notebooks)
    if out.resolve() == Path(notebooks).resolve():
        raise ValueError(f"out: expected a folder other than the notebooks', got {str(out)!r}")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(CHAPTER_GLOB):         # chapters renamed or removed since last time
        old.unlink()
    written = []
    for path in sources:
        target = out / path.name
        nbformat.write(strip_solutions(read(path)), str(target))
        written.append(target)
    return written


# ------------------------------------------------------------------------- HTML edition

def book_dir(notebooks=None):
    """The committed jupyter-book files (``_config.yml``, ``_toc.yml``, ``intro.md``,
    ``_ext/``): the folder ``book/`` of the repository, found beside this package (a
    checkout), else beside the ``notebooks`` folder (an installed w2vlib building a
    checkout's chapters), else in the working directory."""
    candidates = [Path(__file__).resolve().parents[2] / "book"]
    if notebooks is not None:
        candidates.append(Path(notebooks).resolve().parent / "book")
    candidates.append(Path.cwd() / "book")
    for folder in candidates:
        if (folder / "_config.yml").is_file():
            return folder
    raise RuntimeError("the book's configuration is missing: no book/_config.yml beside "
                       "w2vlib, beside the notebooks' folder or in the working directory "
                       "(build the HTML edition from a checkout of the repository)")


def toc_files(toc_path):
    """The file names a ``_toc.yml`` lists (the root first), in order."""
    import yaml
    toc = yaml.safe_load(Path(toc_path).read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return names


def output_markdown(out, name):
    """A stored output of a solution cell as Markdown: (text, attachments)."""
    data = out.get("data", {})
    if out.get("output_type") == "stream":
        return f"```text\n{out.get('text', '').rstrip()}\n```", {}
    if "image/png" in data:
        return f"![output](attachment:{name}.png)", {f"{name}.png": {
            "image/png": data["image/png"]}}
    if "text/latex" in data:
        latex = data["text/latex"].strip().strip("$").strip()
        latex = latex.removeprefix("\\displaystyle").strip()
        return f"$$\n{latex}\n$$", {}
    if "text/plain" in data:
        return f"```text\n{data['text/plain'].rstrip()}\n```", {}
    return "", {}


def merged_streams(outputs):
    """The outputs with each run of consecutive stdout (or stderr) chunks joined."""
    merged = []
    for out in outputs:
        if (merged and out.get("output_type") == "stream"
                and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + out["text"]}
        else:
            merged.append(out)
    return merged


def solution_text(block):
    """The body of a ``<details><summary>Solution</summary>...</details>`` block."""
    body = re.sub(r"^\s*<details>\s*<summary>.*?</summary>", "", block,
                  flags=re.IGNORECASE | re.DOTALL)
    return re.sub(r"</details>\s*$", "", body, flags=re.IGNORECASE).strip()


def solution_toggle(parts, attachments):
    """A Markdown cell holding ``parts`` in a closed "Solution" dropdown."""
    import nbformat
    fence = "::::"                      # longer than a ':::' fence inside the parts
    body = "\n\n".join(parts)
    cell = nbformat.v4.new_markdown_cell(f"{fence}{{dropdown}} Solution\n\n{body}\n\n{fence}")
    cell.metadata["tags"] = ["solution-toggle"]
    if attachments:
        cell.attachments = attachments
    return cell


def fold_solutions(nb):
    """A copy of ``nb`` in which each exercise's whole solution sits in one toggle.

    The ``<details>`` solution of an exercise's Markdown cell, the code of its
    ``solution`` cell and that code's stored outputs become one Markdown cell holding a
    closed ``{dropdown}``, where the solution cell was; the ``check`` cell follows it,
    visible. ``nb`` is unchanged.
    """
    import nbformat
    out = copy.deepcopy(nb)
    cells, pending = [], None          # pending: the text of the last Solution block
    for cell in out.cells:
        if cell.cell_type == "markdown" and SOLUTION_BLOCK.search(cell.source):
            texts = [solution_text(m.group(0)) for m in SOLUTION_BLOCK.finditer(cell.source)]
            cell.source = re.sub(r"\n{3,}", "\n\n", SOLUTION_BLOCK.sub("", cell.source)).strip()
            if cell.source:
                cells.append(cell)
            pending = "\n\n".join(texts)
            continue
        if is_solution(cell):
            parts, attachments = ([pending] if pending else []), {}
            parts.append(f"```python\n{cell.source.rstrip()}\n```")
            for k, output in enumerate(merged_streams(cell.get("outputs", []))):
                text, files = output_markdown(output, f"solution-output-{k}")
                parts.append(text)
                attachments.update(files)
            cells.append(solution_toggle([p for p in parts if p], attachments))
            pending = None
            continue
        if pending is not None and cell.cell_type == "code":
            cells.append(solution_toggle([pending], {}))    # a written-only solution
            pending = None
        cells.append(cell)
    if pending is not None:
        cells.append(solution_toggle([pending], {}))
    out.cells = cells
    nbformat.validate(out)
    return out


def mathjax_source():
    """The folder of MathJax's ``es5`` build inside the installed django-static-mathjax."""
    spec = importlib.util.find_spec(MATHJAX_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax not found: install the pinned requirements "
                           "(django-static-mathjax), e.g. with `make setup`")
    es5 = Path(spec.submodule_search_locations[0]) / "static" / "mathjax" / "es5"
    if not (es5 / MATHJAX_FILES[0]).is_file():
        raise RuntimeError(f"MathJax not found: no {MATHJAX_FILES[0]} in {es5}")
    return es5


def copy_mathjax(target):
    """Copy the parts of MathJax the book uses into ``target``."""
    es5, target = mathjax_source(), Path(target)
    if target.exists():
        shutil.rmtree(target)
    for part in MATHJAX_FILES:
        src, dst = es5 / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def stage(notebooks, stage_dir, student=False):
    """Copy the book's files and the chapters into ``stage_dir``; the staged chapter paths.

    The full edition's chapters get :func:`fold_solutions`, the student edition's
    :func:`strip_solutions`. The staged ``_toc.yml`` is the committed one without the
    entries whose notebook is not in ``notebooks`` (a chapter listed before it lands).
    """
    import nbformat
    import yaml
    source, stage_dir = book_dir(notebooks), Path(stage_dir)
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    shutil.copytree(source, stage_dir, ignore=shutil.ignore_patterns("_build", "__pycache__"))
    staged = []
    for path in chapters(notebooks):
        nb = read(path)
        nb = strip_solutions(nb) if student else fold_solutions(nb)
        target = stage_dir / path.name
        nbformat.write(nb, str(target))
        staged.append(target)
    present = {p.stem for p in staged} | {p.stem for p in stage_dir.glob("*.md")}
    toc = yaml.safe_load((source / "_toc.yml").read_text())
    toc["chapters"] = [e for e in toc.get("chapters", []) if e.get("file") in present]
    (stage_dir / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    copy_mathjax(stage_dir / "_mathjax" / "mathjax")     # -> _static/mathjax/ in the output
    return staged


def jupyter_book_command():
    """The ``jupyter-book`` script of this Python's environment (or on the PATH)."""
    beside = Path(sys.executable).with_name("jupyter-book")
    found = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if not found:
        raise RuntimeError("jupyter-book not found: install the pinned requirements "
                           "(make setup)")
    return found


def build_html(notebooks="notebooks", out="_build/html", quiet=True, student=False):
    """Build the HTML edition of ``notebooks`` into ``out``; the path of ``index.html``.

    Stages the book in ``<out>-src`` (see :func:`stage`) and runs
    ``jupyter-book build <out>-src``; its ``_build/html`` becomes ``out``. An earlier build
    in ``out`` is replaced; any other non-empty ``out`` raises ValueError. Raises
    RuntimeError if the build fails.
    """
    out = Path(out).absolute()
    if out.exists():            # start clean, so a renamed chapter leaves no stale page
        if not (out / ".buildinfo").is_file() and any(out.iterdir()):
            raise ValueError(f"out: expected a new folder or an earlier HTML build, "
                             f"got the non-empty folder {str(out)!r}")
        shutil.rmtree(out)
    stage_dir = out.with_name(out.name + "-src")
    stage(notebooks, stage_dir, student=student)
    command = [jupyter_book_command(), "build", str(stage_dir), "--builder", "html"]
    if quiet:
        command.append("--quiet")
    result = subprocess.run(command, capture_output=quiet, text=True)
    built = stage_dir / "_build" / "html"
    if result.returncode != 0 or not (built / "index.html").is_file():
        log = (result.stdout or "")[-3000:] + (result.stderr or "")[-3000:]
        raise RuntimeError(f"the HTML build failed ({' '.join(command)}):\n{log}")
    shutil.move(str(built), str(out))
    return out / "index.html"


def page_name(path):
    """The HTML page of a chapter notebook (its file name with ``.html``)."""
    return Path(path).stem + ".html"


# ---------------------------------------------------------------------------------- CLI

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m w2vlib.teach.edition", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("edition", choices=["html", "student"])
    parser.add_argument("--notebooks", default="notebooks",
                        help="folder of the chapter notebooks (default: notebooks)")
    parser.add_argument("--out", default=None,
                        help="output folder (default: _build/html or _build/student)")
    parser.add_argument("--student", action="store_true",
                        help="html: the website of the student edition (no solutions)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Sphinx's log")
    args = parser.parse_args(argv)
    if args.edition == "html":
        out = args.out or ("_build/student-html" if args.student else "_build/html")
        index = build_html(args.notebooks, out, quiet=not args.verbose, student=args.student)
        try:
            shown = index.relative_to(Path.cwd())
        except ValueError:
            shown = index
        kind = "Student website" if args.student else "HTML edition"
        print(f"{kind}: open {shown} in a browser ({index.as_uri()})")
    else:
        out = args.out or "_build/student"
        written = write_student(args.notebooks, out)
        print(f"Student edition: {len(written)} notebooks in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
