"""Part B.7 of the probe of 2026-12-06: the 27 degenerate calls of ``gradcheck`` and
``verify.check``, one test each (test_b7_NN). Each non-finite loss or gradient fails and is
named; every parameter counts; a bad argument is refused with its name."""

import numpy as np
import pytest
import sympy as sp

from w2vlib import verify
from w2vlib.gradcheck import gradcheck

X = np.array([0.3, -0.2, 0.5])


def good(x):
    return 0.5 * float(np.sum(x ** 2)), {"x": x.copy()}


def with_grad(grad):
    return lambda x: (0.5 * float(np.sum(x ** 2)), {"x": grad(x)})


def test_b7_01_no_params_and_no_argument_function():
    with pytest.raises(ValueError, match="params: expected a non-empty dict"):
        gradcheck(lambda: (0.0, {}), {})


def test_b7_02_empty_params_refused_before_f_is_called():
    with pytest.raises(ValueError, match="params: expected a non-empty dict"):
        gradcheck(good, {})


def test_b7_03_params_a_list():
    with pytest.raises(ValueError, match="params: expected a non-empty dict"):
        gradcheck(good, [X])


def test_b7_04_empty_parameter_is_vacuous_and_says_so():
    report = gradcheck(lambda x: (0.0, {"x": x}), {"x": np.zeros(0)})
    assert report.max_rel_error == 0.0 and report.ok()
    assert "no entries" in str(report)


@pytest.mark.parametrize("number, grad", [
    ("05", lambda x: np.full_like(x, np.nan)),
    ("06", lambda x: np.full_like(x, np.inf)),
    ("07", lambda x: np.array([100.0, np.nan, 100.0])),
])
def test_b7_05_06_07_nonfinite_gradient_fails_and_names_the_entry(number, grad):
    report = gradcheck(with_grad(grad), {"x": X})
    assert not report.ok(1e-6)
    with pytest.raises(AssertionError, match=r"analytic gradient of x is (nan|inf) at x\["):
        report.assert_ok(1e-6)
    assert "not finite" in str(report)
    assert report.worst_param == "x" and report.max_rel_error > 1e-6


def test_b7_08_nan_loss_fails():
    report = gradcheck(lambda x: (float("nan"), {"x": x.copy()}), {"x": X})
    with pytest.raises(AssertionError, match="the loss is nan"):
        report.assert_ok(1e-6)


def test_b7_09_every_parameter_counts():
    def f(a, b):
        loss = 0.5 * float(a @ a + b @ b)
        return loss, {"a": np.full_like(a, np.nan), "b": b + 1e-3}
    report = gradcheck(f, {"a": X, "b": X})
    with pytest.raises(AssertionError, match=r"gradient of a is nan at a\[0\]"):
        report.assert_ok(1e-6)
    assert report.worst_param == "a" and report.per_param["a"] == np.inf

    def g(a, b):                    # a right, b wrong: b is the worst
        return 0.5 * float(a @ a + b @ b), {"a": a.copy(), "b": b + 1e-3}
    assert gradcheck(g, {"a": X, "b": X}).worst_param == "b"


@pytest.mark.parametrize("h", [0.0, 1, float("nan"), -1e-4])
def test_b7_10_bad_step(h):
    with pytest.raises(ValueError, match="h: expected a positive float step"):
        gradcheck(good, {"x": X}, h=h)


def test_b7_11_parameter_not_numbers_named():
    with pytest.raises(ValueError, match=r"params\['x'\]: expected an array of real numbers"):
        gradcheck(good, {"x": "abc"})


def test_b7_12_bare_loss_refused():
    with pytest.raises(ValueError, match=r"f: expected it to return \(loss, grads\)"):
        gradcheck(lambda x: 0.5 * float(x @ x), {"x": X})


def test_b7_13_vector_loss_refused():
    with pytest.raises(ValueError, match="f: expected a scalar loss, got an array of shape"):
        gradcheck(lambda x: (x ** 2, {"x": x}), {"x": X})


def test_b7_14_f_none():
    with pytest.raises(TypeError, match="f: expected a function"):
        gradcheck(None, {"x": X})


def test_b7_15_complex_parameters_refused():
    with pytest.raises(ValueError, match=r"params\['x'\]: expected real numbers"):
        gradcheck(good, {"x": X + 1j})


def test_b7_16_gradient_of_wrong_shape():
    with pytest.raises(ValueError, match=r"grads\['x'\]: expected shape \(3,\), got \(5,\)"):
        gradcheck(with_grad(lambda x: np.zeros(5)), {"x": X})


def test_b7_17_check_without_checks():
    with pytest.raises(ValueError, match="check: expected at least one of"):
        verify.check()


def test_b7_18_fd_with_nan_gradient_fails(capsys):
    with pytest.raises(AssertionError, match="finite differences: .*not finite"):
        verify.check(fd=(with_grad(lambda x: np.full_like(x, np.nan)), {"x": X}))
    assert capsys.readouterr().out == ""


def test_b7_19_fd_with_empty_params():
    with pytest.raises(ValueError, match="params: expected a non-empty dict"):
        verify.check(fd=(good, {}))


@pytest.mark.parametrize("pair", [([], []), ({}, {})])
def test_b7_20_nothing_to_compare_is_refused(pair, capsys):
    with pytest.raises(ValueError, match="nothing to compare"):
        verify.check(w2vlib=pair)
    assert "✓" not in capsys.readouterr().out


def test_b7_21_nan_against_nan_fails():
    with pytest.raises(AssertionError, match="not finite"):
        verify.check(w2vlib=(np.nan, np.nan))
    with pytest.raises(AssertionError, match="not finite"):
        verify.check(w2vlib=(np.array([1.0, np.inf]), np.array([1.0, np.inf])))


@pytest.mark.parametrize("pair", [(1.0, np.ones(3)), (np.ones(3), 1.0)])
def test_b7_22_shape_mismatch(pair):
    with pytest.raises(AssertionError, match="shape"):
        verify.check(w2vlib=pair)


def test_b7_23_sympy_strings_refused():
    with pytest.raises(TypeError, match="sympy check 0: expected the derived side"):
        verify.check(sympy=("x", "y"))
    x = sp.Symbol("x")
    verify.check(sympy=(sp.diff(x ** 2, x), 2 * x))         # still works


@pytest.mark.parametrize("tol", [float("nan"), -1, float("inf")])
def test_b7_24_bad_tolerance(tol):
    with pytest.raises(ValueError, match="tol: expected a finite non-negative number"):
        verify.check(fd=(good, {"x": X}), tol=tol)
    with pytest.raises(ValueError, match="tol: expected a finite non-negative number"):
        gradcheck(good, {"x": X}).ok(tol)


def test_b7_25_empty_list_of_pairs():
    with pytest.raises(TypeError, match="w2vlib: expected a pair"):
        verify.check(w2vlib=[])


def test_b7_26_unknown_how_refused_without_sympy():
    with pytest.raises(ValueError, match="how: expected"):
        verify.check(w2vlib=(1.0, 1.0), how="bogus")


def test_b7_27_objects_refused_by_name():
    with pytest.raises(TypeError, match="w2vlib check 0: expected numbers"):
        verify.check(w2vlib=(object(), object()))
