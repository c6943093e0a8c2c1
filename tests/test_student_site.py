"""The student website (python -m w2vlib.edition html --student): no solution anywhere.

The site is built from the student edition with the same committed configuration. Every
file of it (pages, sources, downloads, search index) is searched for each line of each
solution: the written solutions, the solution cells' code and their outputs (lines that
also occur elsewhere in the chapter are not secrets). The same search run on the full
website finds those lines, so a leak would be found.
"""

import html
import re
from pathlib import Path

import pytest

from w2vlib import edition

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = edition.chapters(NOTEBOOKS)
IDS = [p.stem for p in CHAPTERS]


def squash(text):
    return re.sub(r"[\W_]+", "", text.lower())


def cell_text(cell):
    parts = [cell.source]
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        for mime in ("text/plain", "text/latex", "text/markdown"):
            parts.append(out.get("data", {}).get(mime, ""))
    return "\n".join(parts)


def secrets(nb, others):
    """The squashed lines (≥ 16 letters or digits) of the chapter's solutions that are not
    in ``others`` (everything but the solutions, of every chapter, squashed)."""
    secret = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            secret += [m.group(0) for m in edition.SOLUTION_BLOCK.finditer(cell.source)]
        elif edition.is_solution(cell):
            secret.append(cell_text(cell))
    lines = {squash(line) for text in secret for line in text.splitlines()
             if len(squash(line)) >= 16}
    return {line for line in lines if line not in others}


def everything_else():
    """Every chapter without its solutions, squashed (a line found there is no secret)."""
    rest = []
    for path in CHAPTERS:
        for cell in edition.read(path).cells:
            if cell.cell_type == "markdown":
                rest.append(edition.SOLUTION_BLOCK.sub("", cell.source))
            elif not edition.is_solution(cell):
                rest.append(cell_text(cell))
    return squash("\n".join(rest))


def site_text(folder):
    """Every text file of a built site, tags stripped and squashed, as one string."""
    parts = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix in {".html", ".js", ".ipynb", ".md", ".txt", ".json"} and \
                "mathjax" not in path.parts:
            text = path.read_text(errors="replace")
            parts.append(squash(html.unescape(re.sub(r"<[^>]+>", " ", text))))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("sites")
    edition.build_html(NOTEBOOKS, root / "student-html", student=True)
    edition.build_html(NOTEBOOKS, root / "html")
    return site_text(root / "student-html"), site_text(root / "html"), root, everything_else()


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_in_the_student_site(sites, path):
    student, full, _, others = sites
    hidden = secrets(edition.read(path), others)
    if not hidden:
        pytest.skip("no solutions in this chapter")
    leaked = sorted(line for line in hidden if line in student)
    assert not leaked, leaked[:5]
    found = [line for line in hidden if line in full]
    assert len(found) >= 0.9 * len(hidden), "the search must find the solutions on the full site"


def test_student_site_has_the_exercises_and_their_checks(sites):
    root = sites[2]
    for path in CHAPTERS:
        nb = edition.strip_solutions(edition.read(path))
        page = (root / "student-html" / edition.page_name(path)).read_text()
        stubs = [c for c in nb.cells if edition.EXERCISE_TAG in c.metadata.get("tags", [])]
        assert page.count("NotImplementedError") >= len(stubs)
        assert 'sd-dropdown' not in page
        for cell in nb.cells:
            if edition.is_check(cell):
                first = cell.source.splitlines()[0]
                assert squash(first) in squash(html.unescape(re.sub(r"<[^>]+>", "", page)))
