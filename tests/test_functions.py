import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from w2vlib.functions import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax
from w2vlib.gradcheck import numerical_gradient

finite = st.floats(-50, 50, allow_nan=False)


def test_sigmoid_known_values():
    np.testing.assert_allclose(sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75])
    np.testing.assert_allclose(sigmoid(2.0) + sigmoid(-2.0), 1.0)


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=finite))
def test_sigmoid_matches_textbook_formula(x):
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(log_sigmoid(x), np.log(1 / (1 + np.exp(-x))), rtol=1e-10,
                               atol=1e-12)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=finite))
def test_softmax_rows_are_distributions_and_match_formula(z):
    p = softmax(z)
    assert p.shape == z.shape
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    e = np.exp(z)
    np.testing.assert_allclose(p, e / e.sum(axis=-1, keepdims=True), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(logsumexp(z), np.log(e.sum(axis=-1)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(log_softmax(z), np.log(p), rtol=1e-9, atol=1e-9)


def test_softmax_is_shift_invariant(rng):
    z = rng.normal(size=(4, 7))
    np.testing.assert_allclose(softmax(z + 123.4), softmax(z))


def test_batched_over_leading_axes(rng):
    z = rng.normal(size=(2, 3, 5))
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(softmax(z)[i, j], softmax(z[i, j]))
            np.testing.assert_allclose(logsumexp(z)[i, j], logsumexp(z[i, j]))


@pytest.mark.parametrize("big", [1000.0, -1000.0, 1e300])
def test_stable_at_extremes(big):
    z = np.array([big, 0.0, -big])
    for f in (softmax, log_softmax, sigmoid, log_sigmoid):
        assert np.all(np.isfinite(f(z))), f.__name__
    assert np.isfinite(logsumexp(z))
    np.testing.assert_allclose(log_sigmoid(np.array([-1000.0])), [-1000.0])
    np.testing.assert_allclose(softmax(np.array([1000.0, 0.0])), [1.0, 0.0])


def test_gradients_finite_at_extremes():
    # d logsumexp / dz = softmax(z), d log_sigmoid / dx = sigmoid(-x); both finite at +-1000
    z = np.array([1000.0, -1000.0, 999.0])
    num = numerical_gradient(lambda z: float(logsumexp(z)), {"z": z})["z"]
    np.testing.assert_allclose(num, softmax(z), atol=1e-6)
    x = np.array([1000.0, -1000.0])
    num = numerical_gradient(lambda x: float(log_sigmoid(x).sum()), {"x": x})["x"]
    np.testing.assert_allclose(num, sigmoid(-x), atol=1e-6)


def test_float32_stays_float32():
    z = np.array([1.0, 2.0], dtype=np.float32)
    assert softmax(z).dtype == np.float32
    assert sigmoid(z).dtype == np.float32


@pytest.mark.parametrize("f", [sigmoid, log_sigmoid, softmax, log_softmax, logsumexp])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_refused(f, bad):
    with pytest.raises(ValueError, match=r"^(x|z): expected finite values"):
        f(np.array([0.0, bad]))


@pytest.mark.parametrize("f", [softmax, log_softmax, logsumexp])
def test_empty_or_scalar_input_is_refused(f):
    with pytest.raises(ValueError, match="z: expected at least one entry"):
        f(np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"z: expected at least 1 dimension"):
        f(3.0)


def test_non_numeric_input_is_refused():
    with pytest.raises(ValueError, match="x: expected a real numeric array"):
        sigmoid(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="x: expected a real numeric array"):
        sigmoid(np.array([1j]))
