"""Reverse-mode automatic differentiation for NumPy arrays: what ``torch.grad()`` does.

A computation written with :class:`Var` arrays records a graph: every operation makes a
node that keeps its value, its inputs, and for each input the **vector-Jacobian product**
(VJP) of the operation. For y = f(x) with Jacobian dy/dx, the VJP maps a gradient
g = dJ/dy (shaped like y) to (dy/dx)^T g (shaped like x): the input's share of dJ/dx.
:meth:`Var.backward` walks the graph from the scalar loss back to the inputs, in reverse
topological order, and adds up the VJPs of every path (the chain rule). No Jacobian is
ever formed: the VJP of softmax costs about 3n operations, its Jacobian has n^2 entries.

Each operation also states its **Jacobian-vector product** (JVP), t -> (dy/dx) t, which
:func:`jvp` pushes forwards from the inputs (forward mode: one pass per input direction).

Operations (each docstring states its VJP): ``+ - * / ** @``, unary ``-``, indexing
``x[rows]`` (a row gather), :func:`exp`, :func:`log`, :func:`sigmoid`,
:func:`log_sigmoid`, :func:`logsumexp`, :func:`softmax`, :func:`vsum` (``x.sum()``),
:func:`mean` (``x.mean()``). :func:`primitive` adds a new one. Values are float64.

Operation counts: with :func:`count_ops`, every forward computation, VJP and JVP adds
the number of scalar operations it performs (a multiply-add, an exponential, a
comparison count one each) to a tally, so the cost of a backward pass can be compared
with the cost of the forward pass.
"""

import contextlib
import numbers
from collections import namedtuple

import numpy as np

from . import _checks as chk
from .gradcheck import gradcheck

__all__ = ["Var", "primitive", "grad", "jvp", "seeded_loss", "check_vjp", "count_ops",
           "exp", "log", "sigmoid", "log_sigmoid", "logsumexp", "softmax", "vsum", "mean",
           "matmul", "take_rows"]

#: One input of a node: the input Var, its VJP g -> (dy/dx)^T g, its JVP t -> (dy/dx) t,
#: and the number of scalar operations one VJP (or JVP) call performs.
Edge = namedtuple("Edge", "parent vjp jvp cost")

_tally = None          # a dict while count_ops() is active


def _count(kind, n):
    if _tally is not None:
        _tally[kind] += int(n)


@contextlib.contextmanager
def count_ops():
    """Count scalar operations: ``with count_ops() as ops: ...``; then ``ops["forward"]``,
    ``ops["backward"]`` (VJPs) and ``ops["jvp"]``."""
    global _tally
    outer, _tally = _tally, {"forward": 0, "backward": 0, "jvp": 0}
    try:
        yield _tally
    finally:
        _tally = outer


class Var:
    """An array that records the operations applied to it.

    ``Var(value, name=None)`` makes an input (a leaf) whose gradient is wanted;
    ``constant=True`` makes one that is only read (no gradient flows into it).
    After ``loss.backward()`` every node of the graph holds ``.grad`` = dJ/d(node).
    """

    __array_ufunc__ = None        # ndarray (op) Var defers to Var's reflected operators

    def __init__(self, value, name=None, *, constant=False):
        self.value = _as_float(value, name or "value")
        self.name = name
        self.op = "const" if constant else "input"
        self.edges = ()
        self.requires_grad = not constant
        self.grad = None

    @property
    def shape(self):
        return self.value.shape

    def __repr__(self):
        label = f" {self.name!r}" if self.name else ""
        return f"Var({self.op}{label}, shape={self.shape})"

    # ---------------------------------------------------------------- operators
    def __add__(self, other): return add(self, other)              # noqa: E704
    def __radd__(self, other): return add(other, self)             # noqa: E704
    def __sub__(self, other): return sub(self, other)              # noqa: E704
    def __rsub__(self, other): return sub(other, self)             # noqa: E704
    def __mul__(self, other): return mul(self, other)              # noqa: E704
    def __rmul__(self, other): return mul(other, self)             # noqa: E704
    def __truediv__(self, other): return div(self, other)          # noqa: E704
    def __rtruediv__(self, other): return div(other, self)         # noqa: E704
    def __matmul__(self, other): return matmul(self, other)        # noqa: E704
    def __rmatmul__(self, other): return matmul(other, self)       # noqa: E704
    def __neg__(self): return neg(self)                            # noqa: E704
    def __pow__(self, k): return power(self, k)                    # noqa: E704
    def __getitem__(self, rows): return take_rows(self, rows)      # noqa: E704
    def sum(self, axis=None): return vsum(self, axis)              # noqa: E704
    def mean(self, axis=None): return mean(self, axis)             # noqa: E704

    def named(self, name):
        """Give this node a name (shown by repr and in traces); returns the node."""
        self.name = name
        return self

    # ---------------------------------------------------------------- the graph
    def graph(self):
        """Every node this one depends on, inputs first (a topological order)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:                                 # iterative depth-first search
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((e.parent, False) for e in node.edges)
        return order

    def backward(self, seed=None):
        """Reverse mode: set ``.grad`` = dJ/d(node) on every node of the graph.

        J is this node if it is a scalar (seed 1); otherwise pass ``seed``, an array of
        this node's shape, and the result is the VJP: node.grad = (d self/d node)^T seed.
        """
        if seed is None:
            if self.value.size != 1:
                raise ValueError(f"backward: the output has shape {self.shape}, not a scalar; "
                                 "pass seed=, an array of that shape (the vector of the "
                                 "vector-Jacobian product)")
            seed = np.ones_like(self.value)
        seed = _as_float(seed, "seed")
        if seed.shape != self.shape:
            raise ValueError(f"seed: expected shape {self.shape} (the output's), "
                             f"got {seed.shape}")
        order = self.graph()
        for node in order:
            node.grad = np.zeros_like(node.value) if node.requires_grad else None
        self.grad = seed.copy()
        for node in reversed(order):                 # outputs before their inputs
            for e in node.edges:
                if e.parent.requires_grad:
                    contribution = e.vjp(node.grad)
                    _count("backward", e.cost)
                    if np.shape(contribution) != e.parent.shape:
                        raise ValueError(f"{node.op}: its VJP returned shape "
                                         f"{np.shape(contribution)} for an input of shape "
                                         f"{e.parent.shape}")
                    e.parent.grad = e.parent.grad + contribution
        return self


# ------------------------------------------------------------------------- plumbing
def _as_float(x, name):
    if isinstance(x, Var):
        raise TypeError(f"{name}: expected an array, got a Var")
    return np.array(chk.as_float_array(x, name), dtype=np.float64)


def _as_var(x):
    return x if isinstance(x, Var) else Var(x, constant=True)


def primitive(op, value, edges, cost=None):
    """A new node: ``value`` (the forward result) computed by ``op`` from ``edges``.

    edges: a list of ``(parent, vjp)``, ``(parent, vjp, jvp)`` or
    ``(parent, vjp, jvp, cost)``: parent a Var; vjp maps dJ/d(value) to the parent's
    share of dJ/d(parent); jvp (optional) maps a tangent of the parent to the tangent
    of the value; cost (optional) the scalar operations of one VJP call.
    cost: the scalar operations of the forward computation (default: value's size).
    """
    value = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{op}: the result has a non-finite entry (an overflow, or an "
                         "input outside the operation's domain)")
    full = []
    for e in edges:
        if not (isinstance(e, tuple) and 2 <= len(e) <= 4 and isinstance(e[0], Var)
                and callable(e[1])):
            raise TypeError(f"{op}: each edge must be (parent Var, vjp[, jvp[, cost]]), "
                            f"got {e!r}")
        full.append(Edge(*e, *(None, value.size)[len(e) - 2:]))
    node = Var.__new__(Var)
    node.value, node.name, node.op, node.grad = value, None, op, None
    node.edges = tuple(full)
    node.requires_grad = any(e.parent.requires_grad for e in full)
    _count("forward", value.size if cost is None else cost)
    return node


def _unbroadcast(g, shape):
    """Sum g over the axes that broadcasting added or stretched, back to ``shape``."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def _broadcast(op, a, b):
    a, b = _as_var(a), _as_var(b)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast") from None
    size = int(np.prod(shape))
    return a, b, shape, size


# --------------------------------------------------------------- elementwise, two inputs
def add(a, b):
    """a + b (broadcasting). VJP: g -> g for each input, summed over broadcast axes."""
    a, b, shape, size = _broadcast("add", a, b)
    return primitive("add", a.value + b.value, [
        (a, lambda g: _unbroadcast(g, a.shape), lambda t: t, size),
        (b, lambda g: _unbroadcast(g, b.shape), lambda t: t, size)])


def sub(a, b):
    """a - b (broadcasting). VJP: g -> g for a and -g for b (summed over broadcast axes)."""
    a, b, shape, size = _broadcast("sub", a, b)
    return primitive("sub", a.value - b.value, [
        (a, lambda g: _unbroadcast(g, a.shape), lambda t: t, size),
        (b, lambda g: -_unbroadcast(g, b.shape), lambda t: -t, size)])


def mul(a, b):
    """a * b elementwise (broadcasting). VJP: g -> g * b for a and g * a for b
    (each summed over the axes broadcasting added)."""
    a, b, shape, size = _broadcast("mul", a, b)
    x, y = a.value, b.value
    return primitive("mul", x * y, [
        (a, lambda g: _unbroadcast(g * y, a.shape), lambda t: t * y, size),
        (b, lambda g: _unbroadcast(g * x, b.shape), lambda t: t * x, size)])


def div(a, b):
    """a / b elementwise (broadcasting). VJP: g -> g / b for a and -g a / b^2 for b."""
    a, b, shape, size = _broadcast("div", a, b)
    x, y = a.value, b.value
    if np.any(y == 0):
        raise ValueError("div: the divisor has a zero entry")
    return primitive("div", x / y, [
        (a, lambda g: _unbroadcast(g / y, a.shape), lambda t: t / y, size),
        (b, lambda g: _unbroadcast(-g * x / y**2, b.shape), lambda t: -t * x / y**2,
         3 * size)])


# --------------------------------------------------------------- elementwise, one input
def neg(x):
    """-x. VJP: g -> -g."""
    return primitive("neg", -x.value, [(x, lambda g: -g, lambda t: -t)])


def power(x, k):
    """x ** k for a constant number k. VJP: g -> g * k x^(k-1)."""
    if not isinstance(k, numbers.Real) or isinstance(k, bool):
        raise TypeError(f"power: expected a constant real exponent, got {type(k).__name__}")
    x = _as_var(x)
    if k < 1 and np.any(x.value == 0):
        raise ValueError(f"power: x ** {k} has no finite derivative at 0")
    d = k * x.value ** (k - 1)
    return primitive("power", x.value ** k, [(x, lambda g: g * d, lambda t: t * d)])


def exp(x):
    """e^x elementwise. VJP: g -> g * e^x (the output itself)."""
    x = _as_var(x)
    with np.errstate(over="ignore"):            # an overflow is reported by primitive()
        y = np.exp(x.value)
    return primitive("exp", y, [(x, lambda g: g * y, lambda t: t * y)])


def log(x):
    """log x elementwise, for x > 0. VJP: g -> g / x."""
    x = _as_var(x)
    if np.any(x.value <= 0):
        raise ValueError("log: expected positive entries, got "
                         f"{x.value[x.value <= 0].flat[0]}")
    return primitive("log", np.log(x.value), [(x, lambda g: g / x.value,
                                                 lambda t: t / x.value)])


def _sigmoid(x):
    e = np.exp(-np.abs(x))                       # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(x):
    """sigma(x) = 1 / (1 + e^-x) elementwise. VJP: g -> g * sigma(x) (1 - sigma(x))."""
    x = _as_var(x)
    s = _sigmoid(x.value)
    d = s * (1.0 - s)
    return primitive("sigmoid", s, [(x, lambda g: g * d, lambda t: t * d)],
                     cost=4 * s.size)


def log_sigmoid(x):
    """log sigma(x) elementwise, stable: min(x, 0) - log1p(e^-|x|).
    VJP: g -> g * sigma(-x) (since d log sigma(x)/dx = 1 - sigma(x) = sigma(-x))."""
    x = _as_var(x)
    v = x.value
    d = _sigmoid(-v)
    return primitive("log_sigmoid", np.minimum(v, 0.0) - np.log1p(np.exp(-np.abs(v))),
                     [(x, lambda g: g * d, lambda t: t * d)], cost=4 * v.size)


# --------------------------------------------------------------- along the last axis
def _last_axis(op, x):
    x = _as_var(x)
    if x.value.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"{op}: expected at least one entry along the last axis, "
                         f"got shape {x.shape}")
    return x


def logsumexp(x):
    """log sum_j e^(x_j) along the last axis (shifted by the maximum).
    VJP: g -> g[..., None] * softmax(x): the gradient of logsumexp is the softmax."""
    x = _last_axis("logsumexp", x)
    m = x.value.max(axis=-1, keepdims=True)
    e = np.exp(x.value - m)
    total = e.sum(axis=-1, keepdims=True)
    p = e / total
    return primitive("logsumexp", (m + np.log(total))[..., 0], [
        (x, lambda g: g[..., None] * p, lambda t: (t * p).sum(axis=-1), x.value.size)],
        cost=4 * x.value.size)


def softmax(x):
    """p = softmax(x) along the last axis.
    VJP: g -> p * (g - sum_j g_j p_j), i.e. (diag(p) - p p^T) g without forming the
    n x n Jacobian (about 3n operations instead of n^2)."""
    x = _last_axis("softmax", x)
    e = np.exp(x.value - x.value.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)

    def vjp(g):                     # the Jacobian is symmetric: the JVP has the same form
        return p * (g - (g * p).sum(axis=-1, keepdims=True))
    return primitive("softmax", p, [(x, vjp, vjp, 3 * p.size)], cost=4 * p.size)


# --------------------------------------------------------------- reductions, products
def _axis(op, x, axis):
    if axis is not None and (not isinstance(axis, numbers.Integral) or isinstance(axis, bool)
                             or not -x.value.ndim <= axis < x.value.ndim):
        raise ValueError(f"{op}: axis must be None or an integer in "
                         f"{-x.value.ndim}..{x.value.ndim - 1}, got {axis!r}")
    return axis


def _expand(g, shape, axis):
    """Broadcast a reduced gradient back to ``shape`` (the input of the reduction)."""
    return np.broadcast_to(g if axis is None else np.expand_dims(g, axis), shape).copy()


def vsum(x, axis=None):
    """sum of x's entries (over ``axis``, or all). VJP: g -> g copied to every entry."""
    x = _as_var(x)
    axis = _axis("sum", x, axis)
    return primitive("sum", x.value.sum(axis=axis), [
        (x, lambda g: _expand(g, x.shape, axis), lambda t: t.sum(axis=axis), x.value.size)],
        cost=x.value.size)


def mean(x, axis=None):
    """mean of x's entries (over ``axis``, or all). VJP: g -> g / N copied to every
    entry, N the number of entries averaged."""
    x = _as_var(x)
    axis = _axis("mean", x, axis)
    N = x.value.size if axis is None else x.shape[axis]
    if N == 0:
        raise ValueError(f"mean: no entries to average in shape {x.shape}")
    return primitive("mean", x.value.mean(axis=axis), [
        (x, lambda g: _expand(g, x.shape, axis) / N, lambda t: t.mean(axis=axis),
         x.value.size)], cost=x.value.size)


def matmul(a, b):
    """a @ b for matrices and vectors, (m, k) @ (k, n) with either side possibly 1-D.
    VJP: g -> g @ b^T for a and a^T @ g for b (an outer product when the other is a
    vector). Each costs m k n multiply-adds, like the forward product."""
    a, b = _as_var(a), _as_var(b)
    if not (1 <= a.value.ndim <= 2 and 1 <= b.value.ndim <= 2):
        raise ValueError(f"matmul: expected vectors or matrices, got shapes {a.shape} "
                         f"and {b.shape}")
    A = a.value.reshape(1, -1) if a.value.ndim == 1 else a.value     # (m, k)
    B = b.value.reshape(-1, 1) if b.value.ndim == 1 else b.value     # (k, n)
    if A.shape[1] != B.shape[0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match "
                         f"(inner sizes {A.shape[1]} and {B.shape[0]})")
    out = (A @ B).reshape(a.shape[:-1] + b.shape[1:])
    cost = A.shape[0] * A.shape[1] * B.shape[1]

    def as_2d(g):
        return np.asarray(g).reshape(A.shape[0], B.shape[1])
    return primitive("matmul", out, [
        (a, lambda g: (as_2d(g) @ B.T).reshape(a.shape),
         lambda t: np.matmul(t, b.value), cost),
        (b, lambda g: (A.T @ as_2d(g)).reshape(b.shape),
         lambda t: np.matmul(a.value, t), cost)], cost=cost)


def take_rows(x, rows):
    """x[rows]: a gather of rows (axis 0) by an integer or a 1-D integer array.
    VJP: g -> zeros like x with g added into the gathered rows (np.add.at), so a row
    gathered twice receives the sum of both gradients."""
    x = _as_var(x)
    if x.value.ndim == 0:
        raise ValueError("take_rows: cannot index a scalar")
    n = x.shape[0]
    if isinstance(rows, (numbers.Integral, np.integer)) and not isinstance(rows, bool):
        rows = chk.as_index(rows, "rows", n)
    else:
        rows = chk.as_indices(rows, "rows", n, what="row index")
    out = x.value[rows]

    def vjp(g):
        full = np.zeros(x.shape)
        np.add.at(full, rows, g)
        return full
    return primitive("take_rows", out, [(x, vjp, lambda t: t[rows])], cost=out.size)


# --------------------------------------------------------------- gradients, as functions
def _leaves(params):
    if not isinstance(params, dict) or not params:
        raise ValueError(f"params: expected a non-empty dict of name -> array, got {params!r}")
    return {k: Var(v, name=k) for k, v in params.items()}


def _var_output(f, out):
    if not isinstance(out, Var):
        raise TypeError(f"f: expected it to return a Var (built from its arguments), got "
                        f"{type(out).__name__}")
    return out


def grad(f, **params):
    """``(loss, grads)`` of a scalar loss ``f(**params)`` written with Vars, by reverse mode.

    grads[name] has the shape of params[name] (the format of w2vlib.objectives).
    """
    leaves = _leaves(params)
    out = _var_output(f, f(**leaves))
    out.backward()
    return float(out.value), {k: np.zeros_like(v.value) if v.grad is None else v.grad
                              for k, v in leaves.items()}     # None: J does not use it


def jvp(f, params, tangents):
    """Forward mode: ``(value, tangent)`` with tangent = sum_x (d f/d x) tangents[x].

    params, tangents: dicts name -> array of the same shapes. Tangents are pushed from
    the inputs to the output in topological order, one JVP per edge.
    """
    leaves = _leaves(params)
    if set(tangents) != set(params):
        raise KeyError(f"tangents: expected keys {sorted(params)}, got {sorted(tangents)}")
    out = _var_output(f, f(**leaves))
    dot = {}
    for node in out.graph():
        if node.edges:
            total = np.zeros_like(node.value)
            for e in node.edges:
                if id(e.parent) in dot:
                    if e.jvp is None:
                        raise ValueError(f"{node.op}: this operation has no JVP")
                    total = total + e.jvp(dot[id(e.parent)])
                    _count("jvp", e.cost)
            dot[id(node)] = total
        elif node.name in tangents and node is leaves[node.name]:
            t = _as_float(tangents[node.name], f"tangents[{node.name!r}]")
            if t.shape != node.shape:
                raise ValueError(f"tangents[{node.name!r}]: expected shape {node.shape}, "
                                 f"got {t.shape}")
            dot[id(node)] = t
    return out.value, dot.get(id(out), np.zeros_like(out.value))


def seeded_loss(f, seed):
    """The scalar s . f(x) as a function ``(**params) -> (loss, grads)``, grads by
    reverse mode with the seed s: the form :func:`w2vlib.gradcheck.gradcheck` and
    :func:`w2vlib.verify.check` (``fd=``) take, for an operation of any output shape.

    seed: an array of f's output shape, or a numpy Generator: then a standard normal
    seed of that shape is drawn at the first call and kept.
    """
    if not isinstance(seed, np.random.Generator):
        seed = _as_float(seed, "seed")
    fixed = []

    def loss(**params):
        leaves = _leaves(params)
        out = _var_output(f, f(**leaves))
        if not fixed:
            fixed.append(seed.normal(size=out.shape)
                         if isinstance(seed, np.random.Generator) else seed)
        out.backward(fixed[0])
        return float(np.sum(fixed[0] * out.value)), {k: v.grad for k, v in leaves.items()}
    return loss


def check_vjp(f, params, rng):
    """Check the VJPs of ``f(**params)`` (any output shape) by finite differences.

    A random seed s of the output's shape turns f into the scalar s . f(x); its gradient
    by reverse mode is compared with central differences (:func:`w2vlib.gradcheck.
    gradcheck`). Returns the GradCheckReport; call ``.assert_ok(tol)``.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    return gradcheck(seeded_loss(f, rng), params)
