"""The website's title page (book/intro.md) names every chapter of book/_toc.yml.

Each chapter listed in the table of contents must appear on the title page as a link to
its notebook, with the chapter's title as its notebook's first heading gives it, so that
a chapter added to the book, or renamed, cannot be missing from the title page.
"""

import json
import re
from pathlib import Path

import pytest

from w2vlib.teach import edition

ROOT = Path(__file__).resolve().parents[1]
INTRO = edition.book_dir() / "intro.md"
TOC = edition.book_dir() / "_toc.yml"
CHAPTERS = edition.toc_files(TOC)[1:]                      # the root is intro itself


def title(stem):
    """The first Markdown heading of notebooks/<stem>.ipynb, without its '# '."""
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{stem}: no '# ' heading")


def test_the_toc_lists_the_chapters():
    assert edition.toc_files(TOC)[0] == "intro" and len(CHAPTERS) >= 13


@pytest.mark.parametrize("stem", CHAPTERS)
def test_intro_links_every_chapter_with_its_title(stem):
    text = INTRO.read_text(encoding="utf-8")
    links = dict((target, label) for label, target in
                 re.findall(r"\[([^\]]+)\]\(([^)#]+)\.ipynb\)", text))
    assert stem in links, f"book/intro.md has no link to {stem}.ipynb"
    assert links[stem] == title(stem), (stem, links[stem], title(stem))
