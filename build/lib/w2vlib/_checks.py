"""Input validation shared by w2vlib's public functions.

Every check raises ``ValueError`` (bad shape, bad value, non-finite entry) or
``IndexError`` (an index outside the vocabulary) with a message that names the
argument, what it got and what was expected, so that a mistake is reported at the
call that made it, not as a NumPy broadcasting error three frames deeper.
"""

import numbers
import os

import numpy as np

#: The largest array a w2vlib function may allocate, in bytes: 4 GiB, or the value of the
#: environment variable W2VLIB_MAX_BYTES. Parameters that would need more are refused
#: before anything is allocated (a typo such as ``window=10**6`` should not swap the
#: machine to death).
MAX_BYTES = int(os.environ.get("W2VLIB_MAX_BYTES", 4 * 2**30))


def positive_int(x, name, *, allow_none=False):
    """An int >= 1 (numpy integers accepted; booleans, floats and strings refused)."""
    if x is None and allow_none:
        return None
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or x < 1:
        expected = "an integer >= 1 or None" if allow_none else "an integer >= 1"
        raise ValueError(f"{name}: expected {expected}, got {x!r}")
    return int(x)


def positive_float(x, name):
    """A finite real number > 0 (booleans and strings refused)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) \
            or not np.isfinite(x) or x <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {x!r}")
    return float(x)


def one_of(x, name, choices):
    """``x`` if it is one of ``choices`` (compared with ==), else a ValueError listing them."""
    if not isinstance(x, (str, int, float, type(None))) or x not in choices:
        raise ValueError(f"{name}: expected one of {tuple(choices)}, got {x!r}")
    return x


def as_rng(rng, name="rng"):
    """A ``numpy.random.Generator`` (what every sampling function takes)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name}: expected a numpy.random.Generator (np.random.default_rng(seed)),"
                        f" got {type(rng).__name__}")
    return rng


def as_array(x, name):
    """``np.asarray(x)``, with a ragged or otherwise unconvertible ``x`` named."""
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: expected an array (a ragged list cannot be one), got "
                         f"{type(x).__name__}: {exc}") from None


def iterable(x, name, what):
    """Refuse a non-iterable ``x`` with a TypeError naming it."""
    try:
        iter(x)
    except TypeError:
        raise TypeError(f"{name}: expected {what}, got {type(x).__name__}") from None
    return x


def as_float_array(x, name, *, ndim=None, min_ndim=0, finite=True):
    """Return ``x`` as a float32/float64 array (integers and others become float64)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: expected a numeric array, got {type(x).__name__}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: expected a real numeric array, got dtype {arr.dtype}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} dimension(s), got shape {arr.shape}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name}: expected at least {min_ndim} dimension(s), "
                         f"got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(f"{name}: expected finite values, found {arr[where] if where else arr} "
                         f"at index {where}")
    return arr


def as_vector(x, name, d=None):
    """A finite float vector of shape (d,)."""
    arr = as_float_array(x, name, ndim=1)
    if d is not None and arr.shape[0] != d:
        raise ValueError(f"{name}: expected shape ({d},), got {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty vector, got shape {arr.shape}")
    return arr


def as_matrix(x, name, d=None):
    """A finite float matrix of shape (n, d) with n >= 1."""
    arr = as_float_array(x, name, ndim=2)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name}: expected a non-empty (n, d) matrix, got shape {arr.shape}")
    if d is not None and arr.shape[1] != d:
        raise ValueError(f"{name}: expected {d} columns (the vector dimension d), got shape "
                         f"{arr.shape}")
    return arr


def as_count_matrix(X, name):
    """A non-empty 2-D float64 matrix of finite counts >= 0 with at least one positive
    (co-occurrence counts X_{c,o}: chapters 9 and 10)."""
    X = as_float_array(X, name, ndim=2)
    if X.size == 0:
        raise ValueError(f"{name}: expected a non-empty (n, n) count matrix, got shape "
                         f"{X.shape}")
    if np.any(X < 0):
        raise ValueError(f"{name}: expected non-negative counts, found a negative entry")
    if not np.any(X > 0):
        raise ValueError(f"{name}: expected at least one positive count, got all zeros")
    return X.astype(np.float64, copy=False)


def as_index(i, name, n):
    """A Python int in range(n); booleans and floats are refused."""
    if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral):
        raise ValueError(f"{name}: expected an integer word index, got {i!r}")
    i = int(i)
    if not 0 <= i < n:
        raise IndexError(f"{name}: expected a word index in 0..{n - 1}, got {i}")
    return i


def as_indices(idx, name, n, *, allow_empty=False, what="word index"):
    """A 1-D int array of indices in range(n)."""
    arr = as_array(idx, name)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D list of indices, got shape {arr.shape}")
    if arr.size == 0:
        if allow_empty:
            return arr.astype(np.intp)
        raise ValueError(f"{name}: expected at least one {what}, got none")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: expected integer {what}es, got dtype {arr.dtype}")
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise IndexError(f"{name}: expected {what}es in 0..{n - 1}, got {int(arr[bad][0])}")
    return arr.astype(np.intp)


def as_binary(t, name, length):
    """A 0/1 vector of the given length, returned as float."""
    arr = as_array(t, name)
    if arr.shape != (length,):
        raise ValueError(f"{name}: expected shape ({length},), got {arr.shape}")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name}: expected only 0 and 1, got {arr.tolist()}")
    return arr.astype(np.float64)


def check_index_array(idx, name, n):
    """Check (cheaply: the trainer's inner loop calls it) that ``idx`` is an integer array
    of indices in 0..n-1; negative indices would silently wrap to the end."""
    if idx.dtype == bool or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"{name}: expected integer word indices, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].ravel()[0]
        raise IndexError(f"{name}: expected word indices in 0..{n - 1}, got {int(bad)}")
    return idx


def check_binary_array(t, name, shape):
    """``t`` broadcast to ``shape`` with only 0 and 1 (targets t_j, or a padding mask)."""
    arr = as_array(t, name)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name}: expected an array of 0s and 1s, got dtype {arr.dtype}")
    try:
        arr = np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(f"{name}: expected shape {shape} (or one that broadcasts to it), "
                         f"got {arr.shape}") from None
    if not np.all((arr == 0) | (arr == 1)):
        bad = arr[(arr != 0) & (arr != 1)].ravel()[0].item()
        raise ValueError(f"{name}: expected only 0 and 1, got {bad!r}")
    return arr


def text_lines(path, encoding="utf-8"):
    """Yield ``(line_no, line)`` for a text file, counting from 1.

    A line that does not decode is a ``ValueError`` naming the file and the line, not a
    bare ``UnicodeDecodeError`` with neither.
    """
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, 1):
            try:
                yield line_no, raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ValueError(f"{path}: line {line_no} is not valid {encoding.upper()} "
                                 f"({exc.reason} at byte {exc.start})") from None


def check_memory(nbytes, name, what):
    """Refuse a parameter whose arrays would need more than :data:`MAX_BYTES`."""
    if nbytes > MAX_BYTES:
        raise ValueError(f"{name}: too large: {what} would need {nbytes / 2**30:.1f} GiB, more "
                         f"than the limit of {MAX_BYTES / 2**30:.1f} GiB (W2VLIB_MAX_BYTES)")


class NonFiniteError(ValueError):
    """A computation met (or made) a value that is not finite: an input was inf or NaN, or
    scores overflowed. A ValueError, so callers that catch bad input catch it too."""


def check_finite_result(*results, inputs):
    """Raise :class:`NonFiniteError` if a result is not finite, naming the culprit input.

    Checking the (small) results is cheaper than checking every input on each call; a
    non-finite input shows up in them, and so do finite inputs whose scores overflow.
    """
    if all(np.isfinite(r).all() for r in results):
        return
    for name, x in inputs.items():
        if not np.isfinite(x).all():
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
            raise NonFiniteError(f"{name}: expected finite values, found {x[where].item()} "
                                 f"at index {where}")
    raise NonFiniteError(f"{'/'.join(inputs)}: expected inputs small enough for the scores "
                         "to stay finite; the loss or its gradient overflowed")


def as_words(words, n, *, storable=False):
    """A list of n distinct, non-empty strings (one word per row of an (n, d) matrix).

    storable: also refuse whitespace inside a word (the word2vec file formats cannot
    store it). Returns ``(words, index)`` with index the dict word -> row.
    """
    if isinstance(words, (str, bytes)):
        raise ValueError(f"words: expected a sequence of strings, got a single "
                         f"{type(words).__name__}")
    words = list(iterable(words, "words", "a sequence of strings"))
    if len(words) != n:
        raise ValueError(f"words/vectors: expected one word per row, got {len(words)} words "
                         f"for {n} rows")
    index = {}
    for i, w in enumerate(words):
        if not isinstance(w, str) or not w:
            raise ValueError(f"words: expected non-empty strings, got {w!r} at position {i}")
        if storable and any(ch.isspace() for ch in w):
            raise ValueError(f"words: word {w!r} at position {i} contains whitespace, which the "
                             f"word2vec formats cannot store")
        if w in index:
            raise ValueError(f"words: expected distinct words, {w!r} appears at positions "
                             f"{index[w]} and {i}")
        index[w] = i
    return words, index
