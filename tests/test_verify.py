"""The one-line check helper: it passes what is right and names what is wrong."""

import numpy as np
import pytest
import sympy as sp

from w2vlib import functions, objectives, symbolic
from w2vlib.verify import check


def _softmax_case(rng, n=4, d=3, o=1):
    model = symbolic.skipgram_softmax_model(n=n, d=d, o=o)
    v_c, U = rng.normal(size=d), rng.normal(size=(n, d))
    return model, v_c, U, o


def test_all_checks_pass_and_print_one_line(rng, capsys):
    model, v_c, U, o = _softmax_case(rng)
    U_sym, p, y = model.params["U"], model.extras["p"], model.extras["y"]
    _, lib = objectives.skipgram_softmax(v_c, o, U)
    _, sym = model.numeric(v_c=v_c, U=U)
    check(sympy=(model.grad("v_c"), U_sym.T * (p - y)),
          fd=(lambda v_c: objectives.skipgram_softmax(v_c, o, U), {"v_c": v_c}),
          w2vlib=(lib["v_c"], sym["v_c"]))
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("SymPy ✓   finite differences ✓ (max rel. error ")
    assert out.rstrip().endswith("w2vlib ✓")


def test_wrong_displayed_formula_fails_sympy(rng, capsys):
    model, *_ = _softmax_case(rng)
    U_sym, p, y = model.params["U"], model.extras["p"], model.extras["y"]
    with pytest.raises(AssertionError, match="SymPy check 0"):
        check(sympy=(model.grad("v_c"), U_sym.T * (y - p)))    # dropped sign
    assert capsys.readouterr().out == ""


def test_wrong_gradient_fails_finite_differences(rng):
    model, v_c, U, o = _softmax_case(rng)

    def wrong(v_c):
        loss, g = objectives.skipgram_softmax(v_c, o, U)
        return loss, {"v_c": -g["v_c"]}
    with pytest.raises(AssertionError, match="finite differences"):
        check(fd=(wrong, {"v_c": v_c}))


def test_w2vlib_mismatch_names_the_key_and_entry():
    with pytest.raises(AssertionError, match=r"w2vlib check 0 U differs .* \[1, 0\]"):
        check(w2vlib=({"U": np.array([[1.0], [2.0]])}, {"U": np.array([[1.0], [2.5]])}))
    with pytest.raises(AssertionError, match="shape"):
        check(w2vlib=(np.zeros(3), np.zeros(4)))


def test_index_notation_and_lists_of_pairs(capsys):
    x = sp.Symbol("x")
    check(sympy=[(sp.diff(sp.exp(x) ** 2, x), 2 * sp.exp(2 * x)),
                 (sp.diff(functions_sigma(x), x), functions_sigma(x) * (1 - functions_sigma(x)))])
    assert capsys.readouterr().out == "SymPy ✓\n"
    parts = symbolic.index_softmax_loss()
    v, m = parts["v"], parts["m"]
    with pytest.raises(AssertionError):
        check(sympy=(sp.diff(parts["loss"], v[m]), 0), how="index")


def functions_sigma(x):
    return symbolic.sigma(x)


def test_autodiff_pair_and_sampling_rng(rng, capsys):
    model, v_c, U, o = _softmax_case(rng)
    draw = np.random.default_rng(0)

    def sampled(v_c):
        negatives = draw.integers(0, 4, size=3)
        return objectives.skipgram_neg_sampling(v_c, o, negatives, U)
    check(fd=(sampled, {"v_c": v_c}, draw), autodiff=(functions.softmax(U @ v_c),
                                                      functions.softmax(U @ v_c)))
    assert capsys.readouterr().out.rstrip().endswith("autodiff ✓")


@pytest.mark.parametrize("kwargs, exc", [
    ({}, ValueError),
    ({"sympy": 3}, TypeError),
    ({"fd": (1, 2)}, TypeError),
    ({"w2vlib": ({"a": 1}, {"b": 1})}, ValueError),
    ({"sympy": (1, 1), "how": "fast"}, ValueError),
])
def test_bad_arguments_are_named(kwargs, exc):
    with pytest.raises(exc):
        check(**kwargs)
