"""The student's side of grading: ``python -m w2vlib.teach.runner`` (inside the sandbox).

Reads one plan from its standard input: ``{"cells": [source, ...], "snapshots": {index:
[names]}, "names": [names]}``. Runs every cell in order (errors do not stop the run; the
check cells were removed by the grader), reporting each cell's error; after the cells
listed in ``snapshots`` it sends the values of those names, and at the end the values of
``names``, as data (w2vlib.teach.values). Then it answers calls of the function answers
(``{"call": handle, "args": [...], "kwargs": {...}}``) until its input ends.

Everything the notebook prints goes to /dev/null: the only way out is the pipe, and what
comes out of it is data that the grader checks before use. Nothing here is trusted by the
grader; this module only makes the honest case work.
"""

import os
import sys


def _error(exc):
    return {"ename": type(exc).__name__, "evalue": str(exc)[:2000]}


def _values(ns, names, functions):
    from w2vlib.teach.values import Unencodable, encode
    out = {}
    for name in names:
        if name not in ns:
            out[name] = {"missing": True}
            continue
        try:
            out[name] = {"value": encode(ns[name], functions)}
        except Unencodable as exc:
            out[name] = {"unencodable": str(exc)}
        except Exception as exc:                    # a value whose methods raise
            out[name] = {"unencodable": f"{type(exc).__name__}: {exc}"[:300]}
    return out


def main():
    rfd, wfd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    from w2vlib.teach.values import Unencodable, decode, encode, recv, send
    from IPython.core.interactiveshell import InteractiveShell
    plan = recv(rfd)
    shell = InteractiveShell.instance(colors="NoColor")
    shell.showtraceback = lambda *a, **k: None          # errors are reported by message
    shell.enable_gui = lambda gui=None: None            # %matplotlib inline, no front end
    ns = shell.user_ns
    functions = {}
    snapshots = {int(k): v for k, v in plan.get("snapshots", {}).items()}
    for index, source in enumerate(plan["cells"]):
        error = None
        try:
            result = shell.run_cell(source, store_history=False)
            exc = result.error_before_exec or result.error_in_exec
            if exc is not None:
                error = _error(exc)
        except BaseException as exc:                # SystemExit and the like
            error = _error(exc)
        send(wfd, {"cell": index, "error": error})
        if index in snapshots:
            send(wfd, {"snapshot": index, "values": _values(ns, snapshots[index], functions)})
    send(wfd, {"done": True, "values": _values(ns, plan.get("names", []), functions)})
    while True:
        try:
            request = recv(rfd)
        except (EOFError, ValueError, OSError):
            return
        if not isinstance(request, dict) or request.get("call") not in functions:
            send(wfd, {"error": {"ename": "ValueError", "evalue": "no such function"}})
            continue
        try:
            args = decode(request.get("args", []))
            kwargs = decode(request.get("kwargs", {"$dict": []}))
            err = request.get("errstate") or {}
            err = {k: v for k, v in err.items() if k in ("divide", "over", "under", "invalid")
                   and v in ("ignore", "warn", "raise", "call", "print", "log")}
            import numpy as np
            with np.errstate(**err):        # the check's floating-point error handling
                value = functions[request["call"]](*args, **kwargs)
        except BaseException as exc:
            send(wfd, {"error": _error(exc)})
            continue
        try:
            send(wfd, {"value": encode(value, functions)})
        except Unencodable as exc:
            send(wfd, {"error": {"ename": "TypeError", "evalue": f"it returned {exc}, "
                                 "which the grader cannot receive (expected numbers, "
                                 "arrays, strings, SymPy expressions or containers of "
                                 "these)"}})


if __name__ == "__main__":
    sys.exit(main())
