"""Central finite differences: check an analytic gradient, and say where it is wrong.

    report = gradcheck(lambda v_c, U: skipgram_softmax(v_c, 2, U), {"v_c": v_c, "U": U})
    report.assert_ok(1e-6)

The function receives the parameters as keyword arguments and returns
``(loss, grads)`` with ``grads[name]`` shaped like ``params[name]`` (it may return
more gradients than are checked, and a bare loss is accepted by
:func:`numerical_gradient`). Each entry is nudged by +-h, in float64, and
(J(x + h e_i) - J(x - h e_i)) / 2h is compared with the analytic value.

The relative error of one entry is |a - n| / max(1, |a|, |n|) (as in CS224n's
checker): relative for large gradients, absolute for small ones, so an entry that
should be 0 is not judged by a ratio of rounding errors.

For an objective that samples (negatives drawn inside the function), pass the
``numpy.random.Generator`` it uses as ``rng``: its state is restored before every
evaluation, so each evaluation draws the same negatives.
"""

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["gradcheck", "numerical_gradient", "numerical_hessian", "relative_error",
           "GradCheckReport"]


def relative_error(analytic, numeric):
    """Elementwise |a - n| / max(1, |a|, |n|)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(a - n) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(n)))


def _loss_of(out):
    loss = out[0] if isinstance(out, tuple) else out
    if np.ndim(loss) != 0:
        raise ValueError(f"f: expected a scalar loss, got an array of shape {np.shape(loss)}")
    if np.iscomplexobj(loss):
        raise ValueError(f"f: expected a real loss, got the complex {loss!r}")
    try:
        return float(loss)
    except (TypeError, ValueError):
        raise ValueError(f"f: expected a scalar loss, got {type(loss).__name__}") from None


def _as_params(params, caller):
    """``params`` as {name: float64 array}, or ValueError naming what is wrong."""
    if not isinstance(params, dict) or not params:
        raise ValueError("params: expected a non-empty dict of name -> array, got "
                         f"{params!r:.80}")
    out = {}
    for name, value in params.items():
        if np.iscomplexobj(value):
            raise ValueError(f"params[{name!r}]: expected real numbers, got complex values "
                             f"({caller} checks real gradients)")
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"params[{name!r}]: expected an array of real numbers, got "
                             f"{type(value).__name__} {value!r:.60}") from None
        bad = _first_nonfinite(arr)
        if bad is not None:
            raise ValueError(f"params[{name!r}]: expected finite values, got {arr[bad]} at "
                             f"{list(bad)}")
        out[name] = arr
    return out


def _first_nonfinite(arr):
    if np.all(np.isfinite(arr)):
        return None
    return tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()


def numerical_gradient(f, params, h=1e-4, rng=None):
    """Central-difference gradient of ``f(**params)`` for every array in ``params``.

    f: returns a scalar loss or ``(loss, grads)``; params: dict name -> array.
    Returns a dict name -> array of the same shape (float64).
    """
    x = _as_params(params, "numerical_gradient")
    if not (isinstance(h, float) and math.isfinite(h) and h > 0):
        raise ValueError(f"h: expected a positive float step, got {h!r}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError("rng: expected a numpy.random.Generator or None, "
                         f"got {type(rng).__name__}")
    state = rng.bit_generator.state if rng is not None else None

    def evaluate():
        if rng is not None:
            rng.bit_generator.state = state
        return _loss_of(f(**x))

    numeric = {}
    for name, arr in x.items():
        g = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + h
            plus = evaluate()
            arr[i] = old - h
            minus = evaluate()
            arr[i] = old
            g[i] = (plus - minus) / (2 * h)
        numeric[name] = g
    if rng is not None:
        rng.bit_generator.state = state
    return numeric


@dataclass
class GradCheckReport:
    """What :func:`gradcheck` found: the worst entry and the error of each parameter."""

    max_rel_error: float
    worst_param: str
    worst_index: tuple
    analytic: dict = field(repr=False)
    numeric: dict = field(repr=False)
    per_param: dict = field(default_factory=dict)

    nonfinite: str = ""         # what is not finite (loss or gradient entry), or ""

    def ok(self, tol=1e-6):
        """True if every value is finite and every entry's error is at most ``tol``."""
        _check_tol(tol)
        return not self.nonfinite and self.max_rel_error <= tol

    def assert_ok(self, tol=1e-6):
        """Raise AssertionError naming the worst entry (or the first non-finite value) if
        the check fails."""
        if not self.ok(tol):
            if self.nonfinite:
                raise AssertionError(f"gradient check failed: {self.nonfinite}")
            i = self.worst_index
            raise AssertionError(
                f"gradient check failed: relative error {self.max_rel_error:.3g} > {tol:g} at "
                f"{self.worst_param}{list(i)}: analytic "
                f"{self.analytic[self.worst_param][i]:.6g}, numeric "
                f"{self.numeric[self.worst_param][i]:.6g}")
        return self

    def __str__(self):
        if self.nonfinite:
            return f"gradient check failed: {self.nonfinite}"
        if self.worst_param is None:
            return "no entries to compare (every parameter is empty)"
        return (f"max relative error {self.max_rel_error:.1e} at "
                f"{self.worst_param}{list(self.worst_index)}")


def _check_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) \
            or not math.isfinite(tol) or tol < 0:
        raise ValueError(f"tol: expected a finite non-negative number, got {tol!r}")


def gradcheck(f, params, h=1e-4, rng=None):
    """Compare the gradients ``f`` returns with central differences.

    f: called as ``f(**params)``, returns ``(loss, grads)``; params: dict name -> array.
    Returns a :class:`GradCheckReport`; call ``.assert_ok(tol)`` to assert.
    """
    if not callable(f):
        raise TypeError(f"f: expected a function returning (loss, grads), got "
                        f"{type(f).__name__}")
    x = _as_params(params, "gradcheck")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError("rng: expected a numpy.random.Generator or None, "
                         f"got {type(rng).__name__}")
    state = rng.bit_generator.state if rng is not None else None
    out = f(**{k: v.copy() for k, v in x.items()})
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
        raise ValueError("f: expected it to return (loss, grads) with grads a dict of "
                         "name -> array")
    loss = _loss_of(out)
    analytic = {}
    for name, value in x.items():
        if name not in out[1]:
            raise KeyError(f"f returned no gradient for parameter {name!r}; it returned "
                           f"{sorted(out[1])}")
        if np.iscomplexobj(out[1][name]):
            raise ValueError(f"grads[{name!r}]: expected real numbers, got complex values")
        try:
            g = np.asarray(out[1][name], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"grads[{name!r}]: expected an array of numbers, got "
                             f"{type(out[1][name]).__name__}") from None
        if g.shape != value.shape:
            raise ValueError(f"grads[{name!r}]: expected shape {value.shape}, got {g.shape}")
        analytic[name] = g
    if rng is not None:
        rng.bit_generator.state = state
    numeric = numerical_gradient(f, x, h=h, rng=rng)
    nonfinite = "" if math.isfinite(loss) else f"the loss is {loss} (not finite)"
    for kind, grads in (("analytic", analytic), ("numeric", numeric)):
        for name in x:
            bad = _first_nonfinite(grads[name])
            if bad is not None and not nonfinite:
                nonfinite = (f"the {kind} gradient of {name} is {grads[name][bad]} at "
                             f"{name}{list(bad)} (not finite)")
    # every parameter counts: the worst entry over all of them (a NaN never hides)
    per_param, worst = {}, (-1.0, None, None)
    for name in x:
        err = relative_error(analytic[name], numeric[name])
        if not err.size:
            per_param[name] = 0.0
            continue
        err = np.where(np.isnan(err), np.inf, err)
        idx = np.unravel_index(np.argmax(err), err.shape)
        e = float(err[idx])
        per_param[name] = e
        if worst[1] is None or e > worst[0]:
            worst = (e, name, tuple(int(i) for i in idx))
    if worst[1] is None:                    # every parameter is empty: nothing compared
        worst = (0.0, None, ())
    return GradCheckReport(worst[0], worst[1], worst[2], analytic, numeric, per_param,
                           nonfinite)


def numerical_hessian(f, x, h=1e-4):
    """The Hessian of the scalar function ``f`` at the vector ``x`` by central differences:
    entry (a, b) is (f(x+a+b) - f(x+a-b) - f(x-a+b) + f(x-a-b)) / (4 h^2) with a, b the
    steps h e_a, h e_b. Costs 4 n^2 evaluations for n = x.size (for small checks)."""
    x = np.asarray(x, dtype=np.float64)
    E = h * np.eye(x.size)
    return np.array([[(f(x + a + b) - f(x + a - b) - f(x - a + b) + f(x - a - b))
                      / (4 * h * h) for b in E] for a in E])
