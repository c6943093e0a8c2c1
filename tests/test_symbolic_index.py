"""symbolic.simplify_index and symbolic.assert_index_equal (index-notation derivatives)."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib import objectives as ob
from w2vlib import symbolic as sy


def _softmax_parts():
    ix = sy.index_softmax_loss()
    w, j, n = ix["w"], ix["j"], ix["n"]
    w2 = sp.Symbol("w'", integer=True, nonnegative=True)
    p_w = sp.exp(ix["z"](w)) / sp.Sum(sp.exp(ix["z"](w2)), (w2, 0, n - 1))
    y_w = sp.KroneckerDelta(w, ix["o"])
    return ix, w, j, w2, p_w, y_w


def test_dJ_dv_component_matches_for_every_size():
    ix, w, j, _, p_w, y_w = _softmax_parts()
    derived = sp.diff(ix["loss"], ix["v"][j])
    displayed = sp.Sum((p_w - y_w) * ix["U"][w, j], (w, 0, ix["n"] - 1))
    assert sy.assert_index_equal(derived, displayed)


def test_dJ_dU_component_matches_after_renaming_the_summation_index():
    ix, w, j, w2, p_w, y_w = _softmax_parts()
    derived = sp.diff(ix["loss"].xreplace({w: w2}), ix["U"][w, j])
    assert sy.assert_index_equal(derived, (p_w - y_w) * ix["v"][j])


@pytest.mark.parametrize("wrong", ["twice", "other index", "no y", "wrong sign"])
def test_wrong_component_formulas_are_rejected(wrong):
    ix, w, j, _, p_w, y_w = _softmax_parts()
    U, i, n = ix["U"], ix["i"], ix["n"]
    derived = sp.diff(ix["loss"], ix["v"][j])
    displayed = {
        "twice": sp.Sum(2 * (p_w - y_w) * U[w, j], (w, 0, n - 1)),
        "other index": sp.Sum((p_w - y_w) * U[w, i], (w, 0, n - 1)),
        "no y": sp.Sum(p_w * U[w, j], (w, 0, n - 1)),
        "wrong sign": sp.Sum((y_w - p_w) * U[w, j], (w, 0, n - 1)),
    }[wrong]
    with pytest.raises(AssertionError, match="not equal: the difference simplifies to"):
        sy.assert_index_equal(derived, displayed)


def test_sums_that_differ_only_in_the_name_of_their_index_are_equal():
    a, w, w2, n = sp.IndexedBase("a"), *sp.symbols("w w' n", integer=True)
    assert sy.assert_index_equal(sp.Sum(a[w] ** 2, (w, 0, n - 1)),
                                 sp.Sum(a[w2] ** 2, (w2, 0, n - 1)))
    with pytest.raises(AssertionError):
        sy.assert_index_equal(sp.Sum(a[w] ** 2, (w, 0, n - 1)), sp.Sum(a[w2] ** 2, (w2, 1, n - 1)))


def test_simplify_index_leaves_no_delta_or_piecewise():
    ix, w, j, w2, _, _ = _softmax_parts()
    for raw in (sp.diff(ix["loss"], ix["v"][j]),
                sp.diff(ix["loss"].xreplace({w: w2}), ix["U"][w, j])):
        assert raw.has(sp.KroneckerDelta)                 # differentiation left deltas
        tidy = sy.simplify_index(raw)
        assert not any(isinstance(e, sp.Sum) and e.has(sp.KroneckerDelta)
                       for e in sp.preorder_traversal(tidy))
        assert not tidy.has(sp.Piecewise)


@settings(deadline=None, max_examples=8)
@given(n=st.integers(2, 5), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_simplified_component_evaluates_to_w2vlib_gradient(n, d, seed):
    rng = np.random.default_rng(seed)
    ix, w, j, w2, _, _ = _softmax_parts()
    o = int(rng.integers(n))
    sizes = {ix["n"]: n, ix["d"]: d, ix["o"]: o}
    tidy_v = sy.simplify_index(sp.diff(ix["loss"], ix["v"][j])).subs(sizes).doit()
    tidy_U = sy.simplify_index(sp.diff(ix["loss"].xreplace({w: w2}), ix["U"][w, j]))
    tidy_U = tidy_U.subs(sizes).doit()
    f_v = sp.lambdify((ix["U"], ix["v"], j), tidy_v)
    f_U = sp.lambdify((ix["U"], ix["v"], w, j), tidy_U)
    U, v_c = rng.normal(size=(n, d)), rng.normal(size=d)
    _, grads = ob.skipgram_softmax(v_c, o, U)
    np.testing.assert_allclose([f_v(U, v_c, jj) for jj in range(d)], grads["v_c"],
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([[f_U(U, v_c, ww, jj) for jj in range(d)] for ww in range(n)],
                               grads["U"], rtol=1e-10, atol=1e-12)
