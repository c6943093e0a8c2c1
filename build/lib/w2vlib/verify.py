"""One call checks a displayed gradient every way the book knows, and prints one line.

    verify.check(
        sympy=(model.grad("v_c"), U_sym.T * (p_sym - y_sym)),        # derived, displayed
        fd=(lambda v_c: objectives.skipgram_softmax(v_c, o, U), {"v_c": v_c}),
        w2vlib=(lib["v_c"], sym["v_c"]),                              # w2vlib, reference
    )
    # prints:  SymPy ✓   finite differences ✓ (max rel. error 4e-11)   w2vlib ✓

Each keyword is one independent check, and any of them may be left out:

``sympy``
    ``(derived, displayed)``: SymPy reduces *derived − displayed* to zero
    (:func:`w2vlib.symbolic.assert_equal`; ``how="expanded"`` uses
    :func:`~w2vlib.symbolic.assert_equal_expanded`, ``how="index"``
    :func:`~w2vlib.symbolic.assert_index_equal` for index notation). A list of pairs
    checks each.
``fd``
    ``(f, params)`` or ``(f, params, rng)``: central finite differences
    (:func:`w2vlib.gradcheck.gradcheck`) agree with the gradients ``f`` returns, to a
    relative error of at most ``tol``.
``w2vlib``
    ``(value, reference)``: w2vlib's value equals a reference (SymPy's derivative
    evaluated at the same point, or a displayed formula evaluated in NumPy) to
    ``rtol``/``atol``. Arrays, or dicts of arrays with the same keys; a list of pairs
    checks each.
``autodiff``
    ``(value, reference)``: the same comparison for a gradient computed by
    :mod:`w2vlib.autodiff`, the book's reverse-mode differentiation.

A failed check raises ``AssertionError`` saying which check failed and where; nothing
is printed then. On success one line is printed and ``None`` returned, so a check cell
shows exactly that line.
"""

import math

import numpy as np

from . import symbolic
from .gradcheck import gradcheck

__all__ = ["check", "CHECK"]

CHECK = "\u2713"


def _pairs(arg, what):
    """Normalise ``(a, b)`` or ``[(a, b), ...]`` to a list of pairs."""
    if isinstance(arg, tuple) and len(arg) == 2:
        return [arg]
    if isinstance(arg, list) and arg and all(isinstance(p, tuple) and len(p) == 2
                                             for p in arg):
        return arg
    raise TypeError(f"{what}: expected a pair (a, b) or a non-empty list of pairs, "
                    f"got {type(arg).__name__}")


def _sympy(arg, how):
    assert_fn = {"plain": symbolic.assert_equal,
                 "expanded": symbolic.assert_equal_expanded,
                 "index": symbolic.assert_index_equal}.get(how)
    if assert_fn is None:
        raise ValueError(f"how: expected 'plain', 'expanded' or 'index', got {how!r}")
    import sympy as sp
    for i, (derived, displayed) in enumerate(_pairs(arg, "sympy")):
        for what, expr in (("derived", derived), ("displayed", displayed)):
            if not isinstance(expr, (sp.Basic, sp.MatrixBase, int, float, np.number)) \
                    or isinstance(expr, bool):
                raise TypeError(f"sympy check {i}: expected the {what} side to be a SymPy "
                                f"expression, matrix or number, got {type(expr).__name__} "
                                f"{expr!r:.60}")
        try:
            assert_fn(derived, displayed)
        except AssertionError as exc:
            raise AssertionError(f"SymPy check {i}: derived and displayed differ: "
                                 f"{exc}") from None
    return f"SymPy {CHECK}"


def _fd(arg, tol):
    if not (isinstance(arg, tuple) and len(arg) in (2, 3) and callable(arg[0])):
        raise TypeError("fd: expected (f, params) or (f, params, rng) with f callable")
    f, params, rng = (*arg, None)[:3]
    report = gradcheck(f, params, rng=rng)
    try:
        report.assert_ok(tol)
    except AssertionError as exc:
        raise AssertionError(f"finite differences: {exc}") from None
    return f"finite differences {CHECK} (max rel. error {report.max_rel_error:.0e})"


def _as_dict(x):
    return x if isinstance(x, dict) else {"": x}


def _numbers(value, name, i, key, side):
    where = f"{name} check {i}{' ' + key if key else ''}"
    if np.iscomplexobj(value):
        raise TypeError(f"{where}: expected real numbers as the {side}, got complex values")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: expected numbers (an array) as the {side}, got "
                        f"{type(value).__name__} {value!r:.60}") from None


def _close(arg, name, rtol, atol):
    for i, (value, reference) in enumerate(_pairs(arg, name)):
        a, b = _as_dict(value), _as_dict(reference)
        if sorted(a) != sorted(b):
            raise ValueError(f"{name} check {i}: value has keys {sorted(a)}, reference "
                             f"{sorted(b)}")
        if not a:
            raise ValueError(f"{name} check {i}: nothing to compare (two empty dicts)")
        for key in a:
            x = _numbers(a[key], name, i, key, "value")
            y = _numbers(b[key], name, i, key, "reference")
            if x.size == 0 and y.size == 0:
                raise ValueError(f"{name} check {i}{' ' + key if key else ''}: nothing to "
                                 "compare (both are empty)")
            for side, arr in (("value", x), ("reference", y)):
                if not np.all(np.isfinite(arr)):
                    j = tuple(int(k) for k in np.argwhere(~np.isfinite(arr))[0]) \
                        if arr.ndim else ()
                    raise AssertionError(
                        f"{name} check {i}{' ' + key if key else ''}: the {side} is "
                        f"{arr[j]} at {list(j)} (not finite)")
            if x.shape != y.shape:
                raise AssertionError(f"{name} check {i}{' ' + key if key else ''}: shape "
                                     f"{x.shape} against the reference's {y.shape}")
            if not np.allclose(x, y, rtol=rtol, atol=atol):
                worst = np.unravel_index(np.argmax(np.abs(x - y)), x.shape) if x.size else ()
                where = [int(j) for j in worst]
                raise AssertionError(
                    f"{name} check {i}{' ' + key if key else ''} differs from the "
                    f"reference at {where}: {x[worst]:.6g} against {y[worst]:.6g}")
    return f"{name} {CHECK}"


def check(*, sympy=None, fd=None, w2vlib=None, autodiff=None, how="plain", tol=1e-6,
          rtol=1e-10, atol=1e-12):
    """Run the checks that are given (see the module's docstring) and print one line."""
    if sympy is None and fd is None and w2vlib is None and autodiff is None:
        raise ValueError("check: expected at least one of sympy, fd, w2vlib, autodiff")
    if how not in ("plain", "expanded", "index"):
        raise ValueError(f"how: expected 'plain', 'expanded' or 'index', got {how!r}")
    for label, value in (("tol", tol), ("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                or not math.isfinite(value) or value < 0:
            raise ValueError(f"{label}: expected a finite non-negative number, got {value!r}")
    parts = []
    if sympy is not None:
        parts.append(_sympy(sympy, how))
    if fd is not None:
        parts.append(_fd(fd, tol))
    if w2vlib is not None:
        parts.append(_close(w2vlib, "w2vlib", rtol, atol))
    if autodiff is not None:
        parts.append(_close(autodiff, "autodiff", rtol, atol))
    print("   ".join(parts))
