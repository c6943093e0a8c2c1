"""Fixes to the pages jupyter-book 1.0.4 writes, as a Sphinx extension (see _config.yml).

The book has no live code (launch buttons are off), but jupyter-book always loads
sphinx-thebe, which adds its configuration script once per reading pass, so every page
declared ``const THEBE_JS_URL`` twice (a SyntaxError in the browser's console), plus a
style sheet, a loader and a per-page configuration. All of it is left out of the pages.
Any script from another site is dropped too: the book loads nothing from the network
(MathJax is served from its own ``_static/mathjax``).
"""

from docutils import nodes


def _is_thebe(name, body=""):
    return "thebe" in name.lower() or "THEBE_JS_URL" in body


def _drop_scripts(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        kept = []
        for item in context.get(key) or []:
            name = str(getattr(item, "filename", item) or "")
            body = str(getattr(item, "attributes", {}).get("body", ""))
            if _is_thebe(name, body) or name.startswith(("http:", "https:", "//")):
                continue
            kept.append(item)
        if key in context:
            context[key] = kept


def _drop_thebe_nodes(app, doctree, docname):
    for node in list(doctree.findall(nodes.raw)):
        if "x-thebe-config" in node.astext() or "kernelName =" in node.astext():
            node.parent.remove(node)


def setup(app):
    app.connect("doctree-resolved", _drop_thebe_nodes)
    app.connect("html-page-context", _drop_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
