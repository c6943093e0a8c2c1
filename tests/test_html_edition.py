"""The HTML edition (w2vlib.teach.edition.build_html), built once from the stored outputs with
the committed book/_config.yml and book/_toc.yml and `jupyter-book build`.

Every chapter has its page, with its title and, if its stored outputs hold a figure, the
figure; each exercise's whole solution (text, code, outputs) sits in one toggle; the site
loads nothing from the network, has one search box, no thebe script, a footer with the
authors, the copyright and the licenses; the TOC lists every chapter file; the committed
notebooks are left as they were. The student website, built from the student edition,
holds no solution text or code in any of its files.
"""

import hashlib
import html
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from w2vlib.teach import edition

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = edition.chapters(NOTEBOOKS)
IDS = [p.stem for p in CHAPTERS]
TOC = edition.book_dir() / "_toc.yml"

# Building the two websites takes ~30 s of jupyter-book: make test-slow (CI) runs these.
pytestmark = pytest.mark.slow


def digest(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(output folder, digests of the notebooks before the build)."""
    before = digest(CHAPTERS)
    out = tmp_path_factory.mktemp("book") / "html"
    index = edition.build_html(NOTEBOOKS, out)
    assert index == out / "index.html"
    return out, before


def squash(text):
    """Letters and digits only, lower case: the title as text, whatever the markup."""
    return re.sub(r"[\W_]+", "", text.replace("$", "").lower())


def page_title(page):
    """The text of the first <h1> of an HTML page."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.DOTALL)
    assert match, "the page has no <h1>"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def sidebar(page):
    """The texts of the entries of the left sidebar's table of contents."""
    nav = re.search(r'<nav class="[^"]*bd-docs-nav[^"]*".*?</nav>', page, re.DOTALL).group(0)
    return [html.unescape(re.sub(r"<[^>]+>", "", a)).strip()
            for a in re.findall(r'<a class="reference internal"[^>]*>(.*?)</a>', nav, re.DOTALL)]


def toggles(page):
    """The HTML inside each sphinx-design dropdown of a page."""
    return re.findall(r'<details class="[^"]*sd-dropdown[^"]*">(.*?)</details>', page,
                      re.DOTALL)


def test_index_opens_the_title_page(site):
    out, _ = site
    index = (out / "index.html").read_text()
    assert re.search(r'url=intro\.html', index)
    intro = (out / "intro.html").read_text()
    assert page_title(intro) == "About this book"
    title = html.unescape(re.search(r"<title>(.*?)</title>", intro).group(1))
    assert title == "About this book — The Math Behind Word2Vec"     # not the title twice


def test_sidebar_lists_the_chapters(site):
    out, _ = site
    entries = sidebar((out / "intro.html").read_text())
    assert entries[0] == "Preface"
    titles = [edition.chapter_title(edition.read(p)) for p in CHAPTERS[1:]]
    assert [squash(e) for e in entries[1:]] == [squash(t) for t in titles]


def test_no_page_title_is_doubled(site):
    """A page whose first heading is the book's title would be titled "T — T" (the preface's
    h1 should be its own title: the title page and the sidebar carry the book's)."""
    out, _ = site
    for page in out.glob("*.html"):
        match = re.search(r"<title>(.*?)</title>", page.read_text())
        if match:
            title = html.unescape(match.group(1))
            assert title != "The Math Behind Word2Vec — The Math Behind Word2Vec", page.name


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_page(site, path):
    out, _ = site
    page_path = out / edition.page_name(path)
    assert page_path.is_file()
    page = page_path.read_text()
    nb = edition.read(path)
    assert squash(page_title(page)) == squash(edition.chapter_title(nb))
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    if edition.has_figure(nb):
        assert images, "the stored outputs hold a figure, the page shows none"
    for src in images:
        assert (page_path.parent / src).is_file(), src


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_one_toggle_per_exercise_holds_its_solution(site, path):
    page = (site[0] / edition.page_name(path)).read_text()
    nb = edition.read(path)
    solutions = [c for c in nb.cells if edition.is_solution(c)]
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    texts = [edition.solution_text(m.group(0)) for source in markdown
             for m in edition.SOLUTION_BLOCK.finditer(source)]
    found = toggles(page)
    assert len(found) == max(len(solutions), len(texts))
    shown = [squash(html.unescape(re.sub(r"<[^>]+>", "", t))) for t in found]
    for k, cell in enumerate(solutions):         # the code, inside the k-th toggle
        lines = [line for line in cell.source.splitlines() if len(squash(line)) >= 8]
        assert all(squash(line) in shown[k] for line in lines), f"solution {k + 1}"
    assert not re.search(r'class="cell [^"]*tag_solution', page)    # no code outside
    assert not re.search(r"<details>\s*<summary>\s*Solution", page)  # no second toggle


def test_no_network_needed_and_no_thebe(site):
    """No page loads a script, style sheet or font from another site (MathJax is bundled),
    and none declares sphinx-thebe's THEBE_JS_URL (which it did twice: a console error)."""
    out, _ = site
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in out.glob("*.html"):
        text = page.read_text()
        assert not re.findall(r'<script[^>]* src="(?:https?:)?//', text), page.name
        assert not re.findall(r'<link[^>]* href="(?:https?:)?//[^"]*"[^>]*stylesheet', text)
        assert not re.findall(r'<link[^>]*stylesheet[^>]* href="(?:https?:)?//', text)
        assert "thebe" not in text.lower(), page.name


def test_one_search_box_and_the_footer(site):
    out, _ = site
    for page in [out / "intro.html", *(out / edition.page_name(p) for p in CHAPTERS)]:
        text = page.read_text()
        assert text.count('class="btn search-button-field') == 1, page.name
        footer = re.search(r'<footer class="bd-footer-content.*?</footer>', text, re.DOTALL)
        plain = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", footer.group(0))).split())
        assert "By The Math Behind Word2Vec contributors" in plain
        assert "© Copyright 2026." in plain
        assert "CC BY 4.0" in plain and "MIT" in plain


def test_committed_notebooks_untouched(site):
    _, before = site
    assert digest(CHAPTERS) == before


# ------------------------------------------------------------------ the student website
# Built from the student edition with the same configuration. Every file of it (pages,
# sources, downloads, search index) is searched for each line of each solution: the
# written solutions, the solution cells' code and their outputs (a line that also occurs
# outside the solutions of the book is no secret). The same search on the full website
# finds those lines, so a leak would be found.

def flat(text):
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
    lines = {flat(line) for text in secret for line in text.splitlines()
             if len(flat(line)) >= 16}
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
    return flat("\n".join(rest))


def site_text(folder):
    """Every text file of a built site, tags stripped and squashed, as one string."""
    parts = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix in {".html", ".js", ".ipynb", ".md", ".txt", ".json"} and \
                "mathjax" not in path.parts:
            text = path.read_text(errors="replace")
            parts.append(flat(html.unescape(re.sub(r"<[^>]+>", " ", text))))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def sites(site, tmp_path_factory):
    """(student site's text, full site's text, student site's folder, the non-secrets)."""
    student = tmp_path_factory.mktemp("student") / "student-html"
    edition.build_html(NOTEBOOKS, student, student=True)
    return site_text(student), site_text(site[0]), student, everything_else()


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
        page = (root / edition.page_name(path)).read_text()
        stubs = [c for c in nb.cells if edition.EXERCISE_TAG in c.metadata.get("tags", [])]
        assert page.count("write your solution here") >= len(stubs)
        assert 'sd-dropdown' not in page
        for cell in nb.cells:
            if edition.is_check(cell):
                first = cell.source.splitlines()[0]
                assert flat(first) in flat(html.unescape(re.sub(r"<[^>]+>", "", page)))


# --------------------------------------------------------------- the committed config

def test_toc_lists_every_chapter_file():
    """Every NN_*.ipynb of notebooks/ is in book/_toc.yml, in file-name order, after the
    title page; a listed chapter that has not landed yet is allowed."""
    listed = edition.toc_files(TOC)
    assert listed[0] == "intro"
    present = [p.stem for p in CHAPTERS]
    assert [name for name in listed if name in present] == present
    assert listed[1:] == sorted(listed[1:])
    assert all(re.fullmatch(r"\d\d_\w+", name) for name in listed[1:])


def test_staging_drops_chapters_not_yet_written(tmp_path):
    src = tmp_path / "nb"
    src.mkdir()
    for name, title in [("01_one_parameter_trick", "B"), ("00_preface", "A"), ("draft", "D")]:
        nb = new_notebook(cells=[new_markdown_cell(f"# {title}")])
        nbformat.write(nb, str(src / f"{name}.ipynb"))
    staged = edition.stage(src, tmp_path / "stage")
    assert [p.stem for p in staged] == ["00_preface", "01_one_parameter_trick"]
    assert edition.toc_files(tmp_path / "stage" / "_toc.yml") == [
        "intro", "00_preface", "01_one_parameter_trick"]
    assert (tmp_path / "stage" / "_config.yml").read_text() == (
        edition.book_dir() / "_config.yml").read_text()


def test_fold_solutions():
    nb = new_notebook(cells=[
        new_markdown_cell("**Exercise 1 (x).** Find it.\n\n<details><summary>Solution</summary>"
                          "\n\nThe secret argument.\n\n</details>"),
        new_code_cell("answer = 6 * 7\nprint(answer)", metadata={"tags": ["solution"]},
                      outputs=[new_output("stream", name="stdout", text="4"),
                               new_output("stream", name="stdout", text="2\n")]),
        new_code_cell("assert answer == 42", metadata={"tags": ["check"]}),
        new_markdown_cell("**Exercise 2 (y).** Say why.\n\n<details><summary>Solution</summary>"
                          "\n\nBecause.\n\n</details>"),
        new_code_cell("print('after')"),
    ])
    before = nbformat.writes(nb)
    folded = edition.fold_solutions(nb)
    assert nbformat.writes(nb) == before
    sources = [c.source for c in folded.cells]
    assert sources[0] == "**Exercise 1 (x).** Find it."
    assert sources[1] == ("::::{dropdown} Solution\n\nThe secret argument.\n\n```python\n"
                          "answer = 6 * 7\nprint(answer)\n```\n\n```text\n42\n```\n\n::::")
    assert folded.cells[2].source == "assert answer == 42"
    assert sources[3] == "**Exercise 2 (y).** Say why."
    assert sources[4] == "::::{dropdown} Solution\n\nBecause.\n\n::::"
    assert sources[5] == "print('after')"


def test_build_refuses_a_folder_that_is_not_a_build(tmp_path):
    (tmp_path / "keep.txt").write_text("not a build")
    with pytest.raises(ValueError, match="out: expected a new folder or an earlier HTML build"):
        edition.build_html(NOTEBOOKS, tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "not a build"
