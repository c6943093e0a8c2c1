"""The HTML edition (w2vlib.edition.build_html), built once from the stored outputs.

Every chapter has its page, with its title and, if its stored outputs hold a figure, the
figure; solutions sit behind toggles; the site loads nothing from the network; the
committed notebooks are left as they were.
"""

import hashlib
import html
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from w2vlib import edition

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = edition.chapters(NOTEBOOKS)
IDS = [p.stem for p in CHAPTERS]


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


def test_index_opens_the_first_chapter(site):
    out, _ = site
    index = (out / "index.html").read_text()
    first = edition.page_name(CHAPTERS[0])
    assert re.search(rf"url={re.escape(first)}", index) or squash(
        edition.chapter_title(edition.read(CHAPTERS[0]))) in squash(index)


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
def test_solutions_behind_toggles(site, path):
    out, _ = site
    page = (out / edition.page_name(path)).read_text()
    nb = edition.read(path)
    n_cells = sum(edition.is_solution(c) for c in nb.cells)
    markdown = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    n_blocks = len(re.findall(r"<details>\s*<summary>\s*Solution", markdown, re.IGNORECASE))
    # a solution cell is a hidden cell: its code and outputs sit inside a <details> toggle
    hidden = re.findall(r'<div class="cell [^"]*tag_solution[^"]*tag_hide-cell[^"]*">\s*<details',
                        page)
    assert len(hidden) == n_cells
    assert len(re.findall(r"<details>\s*<summary>\s*Solution", page)) == n_blocks


def test_no_network_needed(site):
    """No page loads a script, style sheet or font from another site (MathJax is bundled)."""
    out, _ = site
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in out.glob("*.html"):
        text = page.read_text()
        assert not re.findall(r'<script[^>]* src="(?:https?:)?//', text), page.name
        assert not re.findall(r'<link[^>]* href="(?:https?:)?//[^"]*"[^>]*stylesheet', text)
        assert not re.findall(r'<link[^>]*stylesheet[^>]* href="(?:https?:)?//', text)


def test_committed_notebooks_untouched(site):
    _, before = site
    assert digest(CHAPTERS) == before


def test_toc_follows_the_files(tmp_path):
    """Chapters are the NN_*.ipynb files in name order; a new one is picked up."""
    src = tmp_path / "nb"
    src.mkdir()
    for name, title in [("03_c", "C"), ("00_a", "A"), ("01_b", "B"), ("draft", "D")]:
        nb = new_notebook(cells=[new_markdown_cell(f"# {title}"),
                                 new_code_cell("1", metadata={"tags": ["solution"]})])
        nbformat.write(nb, str(src / f"{name}.ipynb"))
    staged = edition.stage(src, tmp_path / "stage")
    assert [p.stem for p in staged] == ["00_a", "01_b", "03_c"]
    toc = (tmp_path / "stage" / "_toc.yml").read_text()
    assert [m for m in re.findall(r'"(0\d_\w)"', toc)] == ["00_a", "01_b", "03_c"]
    assert edition.book_toc(["00_a", "01_b", "03_c"]) == {
        "format": "jb-book", "root": "00_a", "chapters": [{"file": "01_b"}, {"file": "03_c"}]}
    tags = edition.read(staged[0]).cells[1].metadata["tags"]
    assert tags == ["solution", edition.HIDE_TAG]
    assert edition.read(src / "00_a.ipynb").cells[1].metadata["tags"] == ["solution"]
    nbformat.write(new_notebook(cells=[new_markdown_cell("# E")]), str(src / "02_e.ipynb"))
    staged = edition.stage(src, tmp_path / "stage")
    assert [p.stem for p in staged] == ["00_a", "01_b", "02_e", "03_c"]


def test_build_refuses_a_folder_that_is_not_a_build(tmp_path):
    (tmp_path / "keep.txt").write_text("not a build")
    with pytest.raises(ValueError, match="out: expected a new folder or an earlier HTML build"):
        edition.build_html(NOTEBOOKS, tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "not a build"
