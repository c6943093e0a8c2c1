"""SymPy scaffolding shared by the chapters.

* Concrete models: every word2vec loss for small sizes (say n = 4 words, d = 3),
  written with named symbols in the book's notation (``v_c`` = (v_c0, v_c1, v_c2),
  ``U`` with entries U_{w,i}). ``model.grad("v_c")`` differentiates;
  ``model.numeric(...)`` lambdifies loss and gradients to compare with w2vlib.
* Index notation: one general component with ``IndexedBase``, ``Sum`` and
  ``KroneckerDelta`` (:func:`index_softmax_loss`).
* :func:`assert_equal` fails showing the simplified difference.

``sigma`` is a SymPy function whose derivative is declared as sigma(1 - sigma)
for readable output; :func:`assert_equal` and :meth:`SymbolicModel.numeric`
rewrite it as 1 / (1 + exp(-x)), so nothing rests on that declaration
(chapter 04 derives it).
"""

from dataclasses import dataclass

import numpy as np
import sympy as sp

__all__ = [
    "sigma",
    "vector",
    "matrix",
    "gradient",
    "assert_equal",
    "SymbolicModel",
    "skipgram_softmax_model",
    "skipgram_neg_sampling_model",
    "skipgram_nce_model",
    "skipgram_hs_model",
    "cbow_softmax_model",
    "cbow_neg_sampling_model",
    "cbow_hs_model",
    "index_softmax_loss",
]


class sigma(sp.Function):
    """The logistic function sigma(x) = 1 / (1 + exp(-x))."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        base = rf"\sigma\left({arg}\right)"
        return rf"{base}^{{{exp}}}" if exp else base


def vector(name, d):
    """A (d, 1) column of real symbols name_0 .. name_{d-1}."""
    return sp.Matrix(d, 1, lambda i, _: sp.Symbol(f"{name}_{i}", real=True))


def matrix(name, n, d):
    """An (n, d) matrix of real symbols name_{w,i}; row w is the vector of word w."""
    return sp.Matrix(n, d, lambda w, i: sp.Symbol(f"{name}_{{{w},{i}}}", real=True))


def gradient(expr, M):
    """The matrix of d expr / d M_ij, shaped like M."""
    return M.applyfunc(lambda x: sp.diff(expr, x))


def _is_zero(e):
    e = sp.sympify(e).rewrite(sp.exp)
    if e == 0:
        return True
    e = sp.simplify(e)
    return e == 0 or sp.simplify(sp.expand(sp.powsimp(e))) == 0


def assert_equal(a, b):
    """Assert that SymPy reduces a - b to zero (entrywise for matrices).

    Raises AssertionError showing the simplified difference if it does not.
    """
    diff = sp.Matrix(a) - sp.Matrix(b) if isinstance(a, sp.MatrixBase) else a - b
    entries = list(diff) if isinstance(diff, sp.MatrixBase) else [diff]
    bad = [(i, e) for i, e in enumerate(entries) if not _is_zero(e)]
    if bad:
        i, e = bad[0]
        raise AssertionError(f"not equal: entry {i} of the difference simplifies to "
                             f"{sp.simplify(sp.sympify(e).rewrite(sp.exp))}")
    return True


@dataclass
class SymbolicModel:
    """A symbolic loss and the symbol matrices it depends on.

    loss: a SymPy expression; params: dict name -> sp.Matrix of symbols (vectors are
    (d, 1) columns); extras: named intermediate expressions (z, p, h, ...).
    """

    loss: sp.Expr
    params: dict
    extras: dict

    def grad(self, name):
        """d loss / d params[name], shaped like the parameter."""
        if name not in self.params:
            raise KeyError(f"name: expected one of {sorted(self.params)}, got {name!r}")
        return gradient(self.loss, self.params[name])

    def _symbols(self):
        return [s for name in self.params for s in self.params[name]]

    def numeric(self, **values):
        """Lambdify: evaluate loss and every gradient at NumPy values.

        values: name -> array with the parameter's shape (vectors as (d,)).
        Returns ``(loss, grads)`` like w2vlib's objectives, grads shaped like the values.
        """
        missing = sorted(set(self.params) - set(values))
        if missing:
            raise KeyError(f"values: missing {missing}; expected {sorted(self.params)}")
        args = []
        for name, M in self.params.items():
            arr = np.asarray(values[name], dtype=np.float64)
            if arr.size != M.rows * M.cols:
                raise ValueError(f"values[{name!r}]: expected {M.rows * M.cols} entries "
                                 f"(shape {M.shape}), got shape {arr.shape}")
            args.extend(arr.reshape(M.shape).ravel())
        loss, grads = self._compiled()(*args)
        return float(loss), {name: np.asarray(g, dtype=np.float64).reshape(np.shape(values[name]))
                             for name, g in zip(self.params, grads)}

    def _compiled(self):
        """One lambdified function returning (loss, [grad of each parameter]), cached."""
        if getattr(self, "_fn", None) is None:
            # Plain identifiers for the arguments: lambdify would otherwise rename
            # names such as U_{0,1} one symbol at a time, which dominates its cost.
            syms = self._symbols()
            free = sp.sympify(self.loss).free_symbols - set(syms)
            if free:
                raise ValueError(f"numeric: the loss has symbols that are not parameters, "
                                 f"{sorted(map(str, free))}; give them values when "
                                 f"building the model")
            plain = dict(zip(syms, sp.symbols(f"x0:{len(syms)}", real=True)))

            def prepare(e):
                return e.rewrite(sp.exp).xreplace(plain)

            exprs = [prepare(self.loss),
                     [self.grad(name).applyfunc(prepare) for name in self.params]]
            self._fn = sp.lambdify(list(plain.values()), exprs, "numpy", cse=True)
        return self._fn


def _softmax_loss(z, o):
    return sp.log(sum(sp.exp(zi) for zi in z)) - z[o]


def _logistic_loss(scores, targets):
    return -sum(sp.log(sigma((2 * t - 1) * s)) for s, t in zip(scores, targets))


def skipgram_softmax_model(n=4, d=3, o=1):
    """J = log sum_w exp(u_w . v_c) - u_o . v_c, with symbols v_c (d, 1) and U (n, d)."""
    v_c, U = vector("v_c", d), matrix("U", n, d)
    z = U * v_c
    p = z.applyfunc(sp.exp) / sum(sp.exp(zi) for zi in z)
    y = sp.Matrix(n, 1, lambda w, _: 1 if w == o else 0)
    return SymbolicModel(_softmax_loss(z, o), {"v_c": v_c, "U": U}, {"z": z, "p": p, "y": y})


def skipgram_neg_sampling_model(n=4, d=3, o=0, negatives=(1, 2)):
    """J = -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c) (repeats allowed)."""
    v_c, U = vector("v_c", d), matrix("U", n, d)
    rows = [o, *negatives]
    scores = [(U[w, :] * v_c)[0] for w in rows]
    targets = [1] + [0] * len(negatives)
    return SymbolicModel(_logistic_loss(scores, targets), {"v_c": v_c, "U": U},
                         {"s": sp.Matrix(scores)})


def skipgram_nce_model(n=4, d=3, o=0, negatives=(1, 2), log_kpn=None):
    """NCE: J = -log sigma(u_o . v_c - b_o) - sum_k log sigma(-(u_k . v_c - b_k)).

    b_w = log(K P_n(w)): by default the symbols b_0..b_{n-1} (extras["b"]), so that
    the derivation holds for every noise distribution and b = 0 gives
    :func:`skipgram_neg_sampling_model`; pass n numbers (or SymPy expressions) as
    ``log_kpn`` to fix them, which :meth:`SymbolicModel.numeric` needs.
    """
    v_c, U = vector("v_c", d), matrix("U", n, d)
    if log_kpn is None:
        b = sp.Matrix(n, 1, lambda w, _: sp.Symbol(f"b_{w}", real=True))
    else:
        if len(log_kpn) != n:
            raise ValueError(f"log_kpn: expected {n} values (one per word), got "
                             f"{len(log_kpn)}")
        b = sp.Matrix(n, 1, lambda w, _: sp.sympify(log_kpn[w]))
    rows = [o, *negatives]
    scores = [(U[w, :] * v_c)[0] for w in rows]
    shifted = [s - b[w] for s, w in zip(scores, rows)]
    targets = [1] + [0] * len(negatives)
    return SymbolicModel(_logistic_loss(shifted, targets), {"v_c": v_c, "U": U},
                         {"s": sp.Matrix(scores), "b": b})


def skipgram_hs_model(n=4, d=3, path=(2, 0), code=(1, 0)):
    """J = -sum_l log sigma((2 t_l - 1) u_{n_l} . v_c), t_l = 1 - code_l; U_inner (n-1, d)."""
    v_c, U_inner = vector("v_c", d), matrix("U'", n - 1, d)
    scores = [(U_inner[j, :] * v_c)[0] for j in path]
    targets = [1 - b for b in code]
    return SymbolicModel(_logistic_loss(scores, targets), {"v_c": v_c, "U_inner": U_inner},
                         {"s": sp.Matrix(scores)})


def _cbow_hidden(V, context):
    return sum((V[w, :].T for w in context), sp.zeros(V.cols, 1)) / len(context)


def cbow_softmax_model(n=4, d=3, context=(0, 2), c=1):
    """h = (1/C) sum_j v_{w_j};  J = log sum_w exp(u_w . h) - u_c . h."""
    V, U = matrix("V", n, d), matrix("U", n, d)
    h = _cbow_hidden(V, context)
    z = U * h
    return SymbolicModel(_softmax_loss(z, c), {"V": V, "U": U}, {"h": h, "z": z})


def cbow_neg_sampling_model(n=4, d=3, context=(0, 2), c=1, negatives=(3,)):
    """h = mean of the context vectors;  J = -log sigma(u_c . h) - sum_k log sigma(-u_k . h)."""
    V, U = matrix("V", n, d), matrix("U", n, d)
    h = _cbow_hidden(V, context)
    rows = [c, *negatives]
    scores = [(U[w, :] * h)[0] for w in rows]
    return SymbolicModel(_logistic_loss(scores, [1] + [0] * len(negatives)),
                         {"V": V, "U": U}, {"h": h})


def cbow_hs_model(n=4, d=3, context=(0, 2), path=(2, 0), code=(1, 0)):
    """h = mean of the context vectors; hierarchical softmax along ``path``."""
    V, U_inner = matrix("V", n, d), matrix("U'", n - 1, d)
    h = _cbow_hidden(V, context)
    scores = [(U_inner[j, :] * h)[0] for j in path]
    return SymbolicModel(_logistic_loss(scores, [1 - b for b in code]),
                         {"V": V, "U_inner": U_inner}, {"h": h})


def index_softmax_loss(n=None, d=None):
    """Skip-gram softmax loss in index notation, for one general component.

    Returns a dict with the IndexedBase objects ``U`` and ``v`` (v = v_c), the index
    symbols ``w, i, m, o`` and sizes ``n, d`` (symbols unless given), the score
    ``z(w)`` (a function of a word index) and the loss
    J = -z_o + log sum_{w=0}^{n-1} exp(z_w), with z_w = sum_{i=0}^{d-1} U_{w,i} v_i.
    Differentiate with respect to ``v[m]`` or ``U[w, m]``; SymPy answers with
    KroneckerDelta factors.
    """
    n = sp.Symbol("n", integer=True, positive=True) if n is None else n
    d = sp.Symbol("d", integer=True, positive=True) if d is None else d
    U, v = sp.IndexedBase("U"), sp.IndexedBase("v")
    w, i, m, o, j = sp.symbols("w i m o j", integer=True, nonnegative=True)

    def z(word):
        return sp.Sum(U[word, i] * v[i], (i, 0, d - 1))

    loss = -z(o) + sp.log(sp.Sum(sp.exp(z(w)), (w, 0, n - 1)))
    return {"U": U, "v": v, "w": w, "i": i, "m": m, "o": o, "j": j, "n": n, "d": d,
            "z": z, "loss": loss}


def collapse_deltas(expr):
    """Evaluate sums over Kronecker deltas, taking every free index to be in range.

    Differentiating an indexed expression with respect to one component (``v[m]``,
    ``z[j]``) leaves sums such as Sum(KroneckerDelta(i, m) * U[w, i], (i, 0, d - 1)).
    ``.doit()`` turns each into Piecewise((U[w, m], m <= d - 1), (0, True)), because
    SymPy does not know that m is one of 0..d-1. This helper calls ``.doit()`` and
    keeps the first branch of every Piecewise whose other branch is (0, True) and
    whose condition only compares integer symbols (index bounds): the value for an
    index inside its range, which is what a component's derivative means.
    Added for chapters 01-02 (index-notation derivatives).
    """
    def is_range_condition(cond):
        rels = cond.args if isinstance(cond, sp.And) else (cond,)
        return all(isinstance(r, sp.core.relational.Relational)
                   and all(s.is_integer for s in r.free_symbols) for r in rels)

    def in_range(pw):
        return (len(pw.args) == 2 and pw.args[1].cond == sp.true and pw.args[1].expr == 0
                and is_range_condition(pw.args[0].cond))

    return sp.sympify(expr).doit().replace(
        lambda e: isinstance(e, sp.Piecewise) and in_range(e), lambda e: e.args[0].expr)


def _split_sums(expr):
    """Sum_x (a + b) -> Sum_x a + Sum_x b, after multiplying out each summand."""
    def split(s):
        terms = sp.Add.make_args(sp.expand_mul(s.function))
        return sp.Add(*[sp.Sum(t, *s.limits) for t in terms])
    return expr.replace(lambda e: isinstance(e, sp.Sum), split)


def _pull_constants(expr):
    """Sum_x (c f(x)) -> c Sum_x f(x) for every factor c free of x."""
    def pull(s):
        x = s.limits[0][0]
        inside = [f for f in sp.Mul.make_args(s.function) if f.has(x)]
        outside = [f for f in sp.Mul.make_args(s.function) if not f.has(x)]
        return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *s.limits)
    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, pull)


def _sum_height(e):
    return isinstance(e, sp.Sum) + max((_sum_height(a) for a in e.args), default=0)


def _canonical_indices(expr):
    """Name each summation index after its Sum's nesting height (Sum_w f(w), Sum_w' f(w')
    become one expression). Assumes no Sum reuses an enclosing Sum's index."""
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        x, a, b = expr.limits[0]
        new = sp.Symbol(f"_s{_sum_height(expr)}", integer=True)
        return sp.Sum(_canonical_indices(expr.function.xreplace({x: new})), (new, a, b))
    if not expr.args:
        return expr
    return expr.func(*[_canonical_indices(a) for a in expr.args])


def _atomize(expr, table):
    """Replace each outermost Sum by a symbol, equal Sums by the same symbol."""
    if isinstance(expr, sp.Sum):
        return table.setdefault(expr, sp.Dummy(f"S{len(table)}"))
    if not expr.args:
        return expr
    return expr.func(*[_atomize(a, table) for a in expr.args])


def simplify_index(expr):
    """Tidy an index-notation derivative: split each Sum over the terms of its summand,
    evaluate the Kronecker-delta sums (:func:`collapse_deltas`, free indices taken to be
    in range) until none is left, and take factors free of a summation index out of
    its Sum. Added for chapter 03."""
    expr = sp.sympify(expr)
    for _ in range(5):
        new = collapse_deltas(_split_sums(expr))
        if new == expr:
            break
        expr = new
    return _pull_constants(expr)


def assert_index_equal(a, b):
    """Assert that two index-notation expressions are equal for every size n, d.

    Tidies a - b with :func:`simplify_index`, renames summation indices canonically
    (so Sum_w f(w) and Sum_w' f(w') match), then treats each remaining Sum as one
    unknown and simplifies (``sp.simplify`` applied to such Sums directly can raise
    StopIteration in SymPy 1.14). Raises AssertionError showing what is left if that
    is not zero. Added for chapter 03.
    """
    table = {}
    diff = _canonical_indices(simplify_index(sp.sympify(a) - sp.sympify(b)))
    left = sp.simplify(_atomize(diff, table))
    if left != 0:
        back = {s: e for e, s in table.items()}
        raise AssertionError(f"not equal: the difference simplifies to {left.xreplace(back)}")
    return True


__all__ += ["simplify_index", "assert_index_equal"]


def _expand_sigma(expr):
    """sigma(x) -> 1 - sigma(-x) when the expanded x has a leading minus; then expand
    (exp(a + b) is left whole: splitting it into exp(a) exp(b) is slow and not needed)."""
    def flip(s):
        x = sp.expand(s.args[0], power_exp=False)
        return 1 - sigma(-x) if x.could_extract_minus_sign() else sigma(x)
    return sp.expand(sp.sympify(expr).replace(lambda e: isinstance(e, sigma), flip),
                     power_exp=False)


def assert_equal_expanded(a, b):
    """:func:`assert_equal`, fast on gradients of softmax and logistic losses.

    Both sides (scalars or matrices) are first expanded, with every sigma(-x) written
    as 1 - sigma(x) (exact, since sigma(x) + sigma(-x) = 1), so that equal gradients
    usually cancel term by term; whatever does not cancel goes on to assert_equal's
    rewrite-to-exp and simplify. About 7x faster than assert_equal on the CBOW
    softmax and negative-sampling gradients of chapter 05 (n = 4, d = 3). Added for
    chapter 05.
    """
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        return assert_equal(sp.Matrix(a).applyfunc(_expand_sigma),
                            sp.Matrix(b).applyfunc(_expand_sigma))
    return assert_equal(_expand_sigma(a), _expand_sigma(b))


__all__ += ["assert_equal_expanded"]


def _exact(x):
    """A count as an exact SymPy number (floats via their shortest decimal form)."""
    if isinstance(x, sp.Basic) and not isinstance(x, sp.Float):
        return x
    return sp.nsimplify(float(x), rational=True)


def _glove_weight(x, x_max, alpha):
    return sp.Min(1, (x / x_max) ** alpha)


def glove_pair_model(d=3, x=None, x_max=100, alpha=sp.Rational(3, 4)):
    """One GloVe term J_ij = f(x) (w_i . w~_j + b_i + b~_j - log x)^2.

    Parameters ``w_i``, ``w_tilde_j`` ((d, 1) columns), ``b_i``, ``b_tilde_j`` ((1, 1)).
    x: the count X_ij as a number (then f(x) = min(1, (x / x_max)^alpha) is a number
    and the model can be lambdified), or None for a positive symbol x with the weight
    left as a symbol f (for derivations). extras: "e" (the residual), "f", "x".
    Added for chapter 10.
    """
    w_i, w_t = vector("w_i", d), vector(r"\tilde{w}_j", d)
    b_i = sp.Matrix([[sp.Symbol("b_i", real=True)]])
    b_t = sp.Matrix([[sp.Symbol(r"\tilde{b}_j", real=True)]])
    if x is None:
        x, f = sp.Symbol("x", positive=True), sp.Symbol("f", positive=True)
    else:
        x = _exact(x)
        f = _glove_weight(x, _exact(x_max), _exact(alpha))
    e = (w_i.T * w_t)[0] + b_i[0] + b_t[0] - sp.log(x)
    return SymbolicModel(f * e**2, {"w_i": w_i, "w_tilde_j": w_t, "b_i": b_i, "b_tilde_j": b_t},
                         {"e": e, "f": f, "x": x})


def glove_model(X, d=2, x_max=100, alpha=sp.Rational(3, 4)):
    """The whole GloVe objective for a small concrete count matrix X (n_rows, n_cols):

    J = sum over X_ij > 0 of f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2,
    f(x) = min(1, (x / x_max)^alpha), the counts taken as exact numbers.
    Parameters ``W`` (n_rows, d), ``W_tilde`` (n_cols, d), ``b`` (n_rows, 1),
    ``b_tilde`` (n_cols, 1); extras: "E" the matrix of residuals e_ij and "F" the weights
    f(X_ij), both 0 where X_ij = 0.
    ``numeric`` takes b and b_tilde as (n,) arrays, like :func:`w2vlib.glove.loss`.
    Added for chapter 10.
    """
    X = sp.Matrix(X).applyfunc(_exact)
    n_rows, n_cols = X.shape
    W, W_t = matrix("W", n_rows, d), matrix(r"\tilde{W}", n_cols, d)
    b, b_t = vector("b", n_rows), vector(r"\tilde{b}", n_cols)
    x_max, alpha = _exact(x_max), _exact(alpha)

    def residual(i, j):
        if X[i, j] == 0:
            return sp.Integer(0)
        return (W[i, :] * W_t[j, :].T)[0] + b[i] + b_t[j] - sp.log(X[i, j])

    E = sp.Matrix(n_rows, n_cols, residual)
    F = sp.Matrix(n_rows, n_cols, lambda i, j: 0 if X[i, j] == 0
                  else _glove_weight(X[i, j], x_max, alpha))
    loss = sum((F[i, j] * E[i, j] ** 2 for i in range(n_rows) for j in range(n_cols)),
               sp.Integer(0))
    return SymbolicModel(loss, {"W": W, "W_tilde": W_t, "b": b, "b_tilde": b_t},
                         {"E": E, "F": F})


__all__ += ["glove_pair_model", "glove_model"]
