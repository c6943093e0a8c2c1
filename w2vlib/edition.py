"""The book's two editions, built from the chapter notebooks.

    python -m w2vlib.edition html    [--notebooks DIR] [--out DIR]   # default _build/html
    python -m w2vlib.edition student [--notebooks DIR] [--out DIR]   # default _build/student

**HTML edition.** A static website built by jupyter-book 1.x (Sphinx) from the
notebooks' *stored* outputs: nothing is executed. The chapters are the files
``NN_*.ipynb`` of ``--notebooks``, in file-name order; the first one is the root page
(``index.html`` leads to it). The jupyter-book configuration (``_config.yml``,
``_toc.yml``) is generated into a staging folder beside the output, together with copies
of the notebooks in which every ``solution``-tagged code cell also carries the
``hide-cell`` tag, so that it is shown behind a toggle; the ``<details>`` solution blocks
of the Markdown cells are collapsed by the browser itself. The committed notebooks are
never modified.

**Student edition.** Copies of the notebooks without the solutions: every
``<details><summary>Solution</summary>...</details>`` block is cut from the Markdown
cells (a cell left empty is dropped) and every ``solution``-tagged code cell becomes a
stub, tagged ``exercise``, that raises ``NotImplementedError("exercise")``, with its
outputs cleared. Every other cell is kept as it is, outputs included.

Only the standard library is imported at module level; ``nbformat`` and jupyter-book
are imported by the functions that need them.
"""

import argparse
import copy
import importlib.util
import json
import re
import shutil
import sys
import warnings
from pathlib import Path

BOOK_TITLE = "The Math Behind Word2Vec"
BOOK_AUTHOR = "the w2vlib authors"
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
CHECK_TAG = "check"
HIDE_TAG = "hide-cell"
EXERCISE_STUB = '# Exercise: write your solution here.\nraise NotImplementedError("exercise")'

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

def strip_solutions(nb):
    """A copy of ``nb`` without solutions (see the module docstring); ``nb`` is unchanged."""
    import nbformat
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if cell.cell_type == "markdown" and "<details" in cell.source.lower():
            source = SOLUTION_BLOCK.sub("", cell.source)
            source = re.sub(r"\n{3,}", "\n\n", source).strip()
            if not source:
                continue
            cell.source = source
        elif is_solution(cell):
            tags = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG]
            cell.metadata["tags"] = tags + [EXERCISE_TAG]
            cell.source = EXERCISE_STUB
            cell.outputs = []
            cell.execution_count = None
        elif is_check(cell):            # kept, to be run by the student; its ✓ is earned
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

def book_config(title=BOOK_TITLE):
    """The jupyter-book ``_config.yml`` as a dict (written as JSON, which is YAML)."""
    return {
        "title": title,
        "author": BOOK_AUTHOR,
        "copyright": "",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        "execute": {"execute_notebooks": "off"},
        "parse": {"myst_enable_extensions": ["amsmath", "colon_fence", "dollarmath", "linkify",
                                             "substitution", "tasklist"]},
        "html": {
            "use_repository_button": False,
            "use_issues_button": False,
            "use_edit_page_button": False,
            "use_multitoc_numbering": False,
            "home_page_in_navbar": True,
        },
        "launch_buttons": {"thebe": False, "binderhub_url": "", "jupyterhub_url": "",
                           "colab_url": "", "deepnote_url": ""},
        "repository": {"url": ""},
        "sphinx": {"config": {
            "nb_code_prompt_show": "Show the solution's code",
            "nb_code_prompt_hide": "Hide the solution's code",
            "html_show_copyright": False,
            "html_show_sphinx": False,
            "myst_dmath_double_inline": True,
            "html_static_path": ["_mathjax"],
            "mathjax_path": "mathjax/tex-chtml.js",
        }},
    }


def book_toc(names):
    """The ``_toc.yml`` as a dict: the first name is the root, the others are chapters."""
    root, *rest = names
    toc = {"format": "jb-book", "root": root}
    if rest:
        toc["chapters"] = [{"file": name} for name in rest]
    return toc


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


def stage(notebooks, stage_dir):
    """Copy the chapters into ``stage_dir`` with the jupyter-book files; the staged paths.

    The copies differ from the originals only in the ``hide-cell`` tag added to every
    ``solution`` code cell.
    """
    import nbformat
    stage_dir = Path(stage_dir)
    stage_dir.mkdir(parents=True, exist_ok=True)
    for old in stage_dir.glob("*.ipynb"):      # chapters renamed or removed since last time
        old.unlink()
    staged = []
    for path in chapters(notebooks):
        nb = read(path)
        for cell in nb.cells:
            if is_solution(cell) and HIDE_TAG not in cell.metadata["tags"]:
                cell.metadata["tags"].append(HIDE_TAG)
        target = stage_dir / path.name
        nbformat.write(nb, str(target))
        staged.append(target)
    copy_mathjax(stage_dir / "_mathjax" / "mathjax")     # -> _static/mathjax/ in the output
    (stage_dir / "_config.yml").write_text(json.dumps(book_config(), indent=1) + "\n")
    (stage_dir / "_toc.yml").write_text(json.dumps(book_toc([p.stem for p in staged]),
                                                   indent=1) + "\n")
    return staged


def build_html(notebooks="notebooks", out="_build/html", quiet=True):
    """Build the HTML edition of ``notebooks`` into ``out``; the path of ``index.html``.

    Beside ``out`` go the staging folder ``<out>-src`` (which also keeps Sphinx's doctrees)
    and myst-nb's ``jupyter_execute``. An earlier build in ``out`` is replaced; any other
    non-empty ``out`` raises ValueError. Raises RuntimeError if Sphinx fails.
    """
    from jupyter_book.sphinx import build_sphinx
    out = Path(out).absolute()
    if out.exists():            # start clean, so a renamed chapter leaves no stale page
        if not (out / ".buildinfo").is_file() and any(out.iterdir()):
            raise ValueError(f"out: expected a new folder or an earlier HTML build, "
                             f"got the non-empty folder {str(out)!r}")
        shutil.rmtree(out)
    stage_dir = out.with_name(out.name + "-src")
    stage(notebooks, stage_dir)
    with warnings.catch_warnings():     # the Sphinx extensions' deprecation notices
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        result = build_sphinx(
            stage_dir, out,
            path_config=stage_dir / "_config.yml",
            confoverrides={"external_toc_path": (stage_dir / "_toc.yml").as_posix(),
                           "latex_individualpages": False},
            noconfig=True, use_external_toc=True, builder="html",
            doctreedir=stage_dir / ".doctrees", freshenv=True, quiet=quiet,
        )
    if isinstance(result, BaseException):
        raise RuntimeError(f"the HTML build failed: {result!r}") from result
    if result:
        raise RuntimeError(f"the HTML build failed with status {result}")
    index = out / "index.html"
    if not index.exists():
        raise RuntimeError(f"the HTML build wrote no {index}")
    return index


def page_name(path):
    """The HTML page of a chapter notebook (its file name with ``.html``)."""
    return Path(path).stem + ".html"


# ---------------------------------------------------------------------------------- CLI

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m w2vlib.edition", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("edition", choices=["html", "student"])
    parser.add_argument("--notebooks", default="notebooks",
                        help="folder of the chapter notebooks (default: notebooks)")
    parser.add_argument("--out", default=None,
                        help="output folder (default: _build/html or _build/student)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Sphinx's log")
    args = parser.parse_args(argv)
    if args.edition == "html":
        index = build_html(args.notebooks, args.out or "_build/html", quiet=not args.verbose)
        try:
            shown = index.relative_to(Path.cwd())
        except ValueError:
            shown = index
        print(f"HTML edition: open {shown} in a browser ({index.as_uri()})")
    else:
        out = args.out or "_build/student"
        written = write_student(args.notebooks, out)
        print(f"Student edition: {len(written)} notebooks in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
