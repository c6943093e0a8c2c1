"""The checker itself: it passes true gradients and catches the classic mistakes."""

import numpy as np
import pytest

from w2vlib import objectives as ob
from w2vlib.gradcheck import gradcheck, numerical_gradient, relative_error


def test_quadratic_exact(rng):
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)
    num = numerical_gradient(lambda x: float(x @ A @ x), {"x": x})["x"]
    np.testing.assert_allclose(num, (A + A.T) @ x, atol=1e-8)


def test_relative_error_definition():
    np.testing.assert_allclose(relative_error([2.0, 1e-9], [2.2, 0.0]), [0.2 / 2.2, 1e-9])


def _wrong(f, name, transform):
    def g(**kw):
        loss, grads = f(**kw)
        return loss, {**grads, name: transform(grads[name])}
    return g


def test_dropped_sign_is_caught(rng):
    U, v_c = rng.normal(size=(5, 3)), rng.normal(size=3)
    f = lambda v_c, U: ob.skipgram_softmax(v_c, 1, U)          # noqa: E731
    gradcheck(f, {"v_c": v_c, "U": U}).assert_ok(1e-6)
    report = gradcheck(_wrong(f, "v_c", lambda g: -g), {"v_c": v_c, "U": U})
    assert not report.ok(1e-6)
    assert report.worst_param == "v_c"
    with pytest.raises(AssertionError, match=r"relative error .* at v_c\[\d\]"):
        report.assert_ok(1e-6)


def test_missing_one_over_C_is_caught(rng):
    V, U = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    context = [0, 2, 4]
    f = lambda V, U: ob.cbow_softmax(V, context, 1, U)         # noqa: E731
    gradcheck(f, {"V": V, "U": U}).assert_ok(1e-6)
    # word2vec.c's update adds the full dJ/dh to each context row: C times the gradient
    report = gradcheck(_wrong(f, "V", lambda g: g * len(context)), {"V": V, "U": U})
    assert report.worst_param == "V" and report.max_rel_error > 0.1


def test_sampled_objective_needs_state_restored():
    rng = np.random.default_rng(0)
    U, v_c = np.random.default_rng(1).normal(size=(20, 3)), np.ones(3)

    def sgns(v_c, U):
        return ob.skipgram_neg_sampling(v_c, 0, rng.integers(1, 20, size=5), U)

    gradcheck(sgns, {"v_c": v_c, "U": U}, rng=rng).assert_ok(1e-6)
    # without restoring, every evaluation draws new negatives and the check fails
    assert not gradcheck(sgns, {"v_c": v_c, "U": U}).ok(1e-6)


def test_report_names_each_parameter(rng):
    U, v_c = rng.normal(size=(4, 2)), rng.normal(size=2)
    report = gradcheck(lambda v_c, U: ob.skipgram_softmax(v_c, 0, U), {"v_c": v_c, "U": U})
    assert set(report.per_param) == {"v_c", "U"}
    assert "max relative error" in str(report)


def test_bad_arguments():
    ok = lambda x: (float(x.sum()), {"x": np.ones_like(x)})    # noqa: E731
    with pytest.raises(ValueError, match="params: expected a non-empty dict"):
        numerical_gradient(ok, {})
    with pytest.raises(ValueError, match="h: expected a positive float step"):
        gradcheck(ok, {"x": np.ones(2)}, h=0.0)
    with pytest.raises(ValueError, match="rng: expected a numpy.random.Generator"):
        gradcheck(ok, {"x": np.ones(2)}, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="f: expected it to return"):
        gradcheck(lambda x: 1.0, {"x": np.ones(2)})
    with pytest.raises(KeyError, match="no gradient for parameter 'x'"):
        gradcheck(lambda x: (1.0, {"y": x}), {"x": np.ones(2)})
    with pytest.raises(ValueError, match=r"grads\['x'\]: expected shape \(2,\)"):
        gradcheck(lambda x: (1.0, {"x": np.ones(3)}), {"x": np.ones(2)})


def test_numerical_hessian_of_a_quadratic_and_a_logistic_loss():
    from w2vlib.gradcheck import numerical_hessian
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(numerical_hessian(lambda x: 0.5 * x @ A @ x, [0.3, -1.0]), A,
                               atol=1e-6)
    y = np.array([1.0, 2.0])                      # -log sigma(y.x): sigma' y y^T
    H = numerical_hessian(lambda x: np.log1p(np.exp(-y @ x)), np.zeros(2))
    np.testing.assert_allclose(H, 0.25 * np.outer(y, y), atol=1e-6)
