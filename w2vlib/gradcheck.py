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

from dataclasses import dataclass, field

import numpy as np

__all__ = ["gradcheck", "numerical_gradient", "relative_error", "GradCheckReport"]


def relative_error(analytic, numeric):
    """Elementwise |a - n| / max(1, |a|, |n|)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    return np.abs(a - n) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(n)))


def _loss_of(out):
    loss = out[0] if isinstance(out, tuple) else out
    return float(loss)


def numerical_gradient(f, params, h=1e-4, rng=None):
    """Central-difference gradient of ``f(**params)`` for every array in ``params``.

    f: returns a scalar loss or ``(loss, grads)``; params: dict name -> array.
    Returns a dict name -> array of the same shape (float64).
    """
    if not isinstance(params, dict) or not params:
        raise ValueError(f"params: expected a non-empty dict of name -> array, got {params!r}")
    if not (isinstance(h, float) and h > 0):
        raise ValueError(f"h: expected a positive float step, got {h!r}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError("rng: expected a numpy.random.Generator or None, "
                         f"got {type(rng).__name__}")
    state = rng.bit_generator.state if rng is not None else None
    x = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

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

    def ok(self, tol=1e-6):
        return self.max_rel_error <= tol

    def assert_ok(self, tol=1e-6):
        """Raise AssertionError naming the worst entry if the error exceeds ``tol``."""
        if not self.ok(tol):
            i = self.worst_index
            raise AssertionError(
                f"gradient check failed: relative error {self.max_rel_error:.3g} > {tol:g} at "
                f"{self.worst_param}{list(i)}: analytic "
                f"{self.analytic[self.worst_param][i]:.6g}, numeric "
                f"{self.numeric[self.worst_param][i]:.6g}")
        return self

    def __str__(self):
        return (f"max relative error {self.max_rel_error:.1e} at "
                f"{self.worst_param}{list(self.worst_index)}")


def gradcheck(f, params, h=1e-4, rng=None):
    """Compare the gradients ``f`` returns with central differences.

    f: called as ``f(**params)``, returns ``(loss, grads)``; params: dict name -> array.
    Returns a :class:`GradCheckReport`; call ``.assert_ok(tol)`` to assert.
    """
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError("rng: expected a numpy.random.Generator or None, "
                         f"got {type(rng).__name__}")
    state = rng.bit_generator.state if rng is not None else None
    out = f(**{k: np.array(v, dtype=np.float64) for k, v in params.items()})
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
        raise ValueError("f: expected it to return (loss, grads) with grads a dict of "
                         "name -> array")
    analytic = {}
    for name, value in params.items():
        if name not in out[1]:
            raise KeyError(f"f returned no gradient for parameter {name!r}; it returned "
                           f"{sorted(out[1])}")
        g = np.asarray(out[1][name], dtype=np.float64)
        if g.shape != np.shape(value):
            raise ValueError(f"grads[{name!r}]: expected shape {np.shape(value)}, got {g.shape}")
        analytic[name] = g
    if rng is not None:
        rng.bit_generator.state = state
    numeric = numerical_gradient(f, params, h=h, rng=rng)
    per_param, worst = {}, (-1.0, None, None)
    for name in params:
        err = relative_error(analytic[name], numeric[name])
        idx = np.unravel_index(np.argmax(err), err.shape) if err.size else ()
        e = float(err[idx]) if err.size else 0.0
        per_param[name] = e
        if e > worst[0]:
            worst = (e, name, tuple(int(i) for i in idx))
    return GradCheckReport(worst[0], worst[1], worst[2], analytic, numeric, per_param)
