"""The teacher's side of grading: ``python -m w2vlib.teach.checker [--fds R W]``.

A fresh process that never runs a student's code. It reads one plan from its standard
input: the chapter's cells, each marked ``context`` (the teacher's own cells: they are run,
so the checks find what the chapter defines), ``answer`` (where the exercise's answer
names are bound to the student's values, decoded from data) or ``check`` (the teacher's
check cell: run, its error or its silence is the result). A function answer is bound to a
:class:`w2vlib.teach.values.Remote` that calls it in the student's process through the
descriptors ``R`` (its replies) and ``W`` (its requests).

A failing check is reported as ``Name: message``; a failing ``assert`` also gives its
statement and the values of the names in it, so an assert without a message still says
what was expected and what was found. The result goes to standard output as one message.
"""

import argparse
import ast
import contextlib
import io
import os
import sys
import traceback
import types

SHOW = 100          # characters of one value in a message


def _short(value):
    import numpy as np
    try:
        with np.printoptions(threshold=8, edgeitems=2, precision=6):
            text = repr(value)
    except Exception as exc:                        # noqa: BLE001 - a broken __repr__
        text = f"<{type(value).__name__}: repr failed: {type(exc).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= SHOW else text[:SHOW - 1] + "…"


def _statement(source, lineno):
    """The source of the innermost statement of ``source`` at line ``lineno``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= lineno <= (node.end_lineno or 0):
            if best is None or node.lineno >= best.lineno:
                best = node
    return best


def describe(exc, source, filename):
    """``Name: message`` of a failed check, with the failing statement and its values."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    tb, frame, lineno = exc.__traceback__, None, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            frame, lineno = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    if frame is None:
        return text
    node = _statement(source, lineno)
    if node is None:
        return text
    segment = " ".join((ast.get_source_segment(source, node) or "").split())
    if isinstance(node, ast.Assert) and node.msg is not None:
        segment = " ".join((ast.get_source_segment(source, node.test) or "").split())
        segment = f"assert {segment}, …"
    if len(segment) > 160:
        segment = segment[:159] + "…"
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) \
                and sub.id not in names:
            names.append(sub.id)
    shown = []
    for name in names:
        scope = frame.f_locals if name in frame.f_locals else frame.f_globals
        if name not in scope:
            continue
        value = scope[name]
        if isinstance(value, (types.ModuleType, type, types.FunctionType,
                              types.BuiltinFunctionType)) or callable(value):
            continue
        shown.append(f"{name} = {_short(value)}")
    where = f" (line {lineno}: {segment}"
    where += (f"; {', '.join(shown[:6])})" if shown else ")")
    if isinstance(exc, AssertionError) or not str(exc):
        return text + where
    return text + f" (line {lineno}: {segment})"


def run(plan, rfd=None, wfd=None):
    """Run the plan (see the module); the result as a dict."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell
    from w2vlib.teach.values import Remote, decode
    shell = InteractiveShell.instance(colors="NoColor")
    ns = shell.user_ns
    shell.enable_gui = lambda gui=None: None            # %matplotlib inline, no front end
    timeout = float(plan.get("call_timeout", 60))
    state = {} if rfd is not None and plan.get("alive", True) else {
        "broken": plan.get("ended") or "the notebook's process had ended before the checks "
        "ran"}

    def remote(handle, name):
        return Remote(handle, name, wfd, rfd, timeout, state)

    result = {"checks": {}, "context_errors": [], "bind_errors": {}}
    skip = set(plan.get("skip", []))
    for index, cell in enumerate(plan["cells"]):
        kind, number = cell["kind"], cell.get("exercise")
        filename = f"<cell {index}>"
        if kind == "answer":
            bind = plan["bind"].get(number, {})
            for name in bind.get("names", []):
                if bind.get("mode") == "missing" and name in ns:
                    continue
                wire = bind.get("values", {}).get(name)
                if wire is None or "value" not in wire:
                    continue
                try:
                    ns[name] = decode(wire["value"], remote)
                except Exception as exc:            # noqa: BLE001 - malformed student data
                    result["bind_errors"].setdefault(number, []).append(
                        f"{name}: the grader could not read it ({type(exc).__name__}: "
                        f"{str(exc)[:200]})")
            continue
        if kind == "check" and (number in skip or number in result["bind_errors"]):
            continue
        out = io.StringIO()
        try:
            code = compile(shell.transform_cell(cell["source"]), filename, "exec")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                exec(code, ns)                      # the teacher's own cell
            error = None
        except BaseException as exc:                # noqa: BLE001 - reported, not raised
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = exc
        if kind == "check":
            result["checks"][number] = {
                "ok": error is None, "output": out.getvalue()[-2000:],
                "message": "" if error is None else describe(error, cell["source"],
                                                             filename)}
        elif error is not None:
            result["context_errors"].append(
                {"cell": index, "message": f"{type(error).__name__}: {error}"[:500]})
    return result


def main(argv=None):
    from w2vlib.teach.values import recv, send
    parser = argparse.ArgumentParser(prog="python -m w2vlib.teach.checker")
    parser.add_argument("--fds", nargs=2, type=int, default=None)
    args = parser.parse_args(argv)
    out_fd = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)                                # stray output cannot break the reply
    os.environ.setdefault("MPLBACKEND", "Agg")
    import numpy  # noqa: F401 - loaded while the student's notebook runs
    import sympy  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401
    plan = recv(0)
    rfd, wfd = args.fds if args.fds else (None, None)
    try:
        result = run(plan, rfd, wfd)
    except Exception:                               # noqa: BLE001 - the grader reports it
        result = {"crash": traceback.format_exc()[-2000:]}
    send(out_fd, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
