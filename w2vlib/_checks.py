"""Input validation shared by w2vlib's public functions.

Every check raises ``ValueError`` (bad shape, bad value, non-finite entry) or
``IndexError`` (an index outside the vocabulary) with a message that names the
argument, what it got and what was expected, so that a mistake is reported at the
call that made it, not as a NumPy broadcasting error three frames deeper.
"""

import numbers

import numpy as np


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
    arr = np.asarray(idx)
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
    arr = np.asarray(t)
    if arr.shape != (length,):
        raise ValueError(f"{name}: expected shape ({length},), got {arr.shape}")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name}: expected only 0 and 1, got {arr.tolist()}")
    return arr.astype(np.float64)


def as_words(words, n, *, storable=False):
    """A list of n distinct, non-empty strings (one word per row of an (n, d) matrix).

    storable: also refuse whitespace inside a word (the word2vec file formats cannot
    store it). Returns ``(words, index)`` with index the dict word -> row.
    """
    if isinstance(words, (str, bytes)):
        raise ValueError(f"words: expected a sequence of strings, got a single "
                         f"{type(words).__name__}")
    words = list(words)
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
