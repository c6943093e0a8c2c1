"""Property tests of w2vlib.vectors_io's public entry points on bad input (issue 21).

Whatever the path, words, vectors or file bytes, ``save_word2vec_format`` and
``load_word2vec_format`` either do the right thing (a file that reads back exactly; finite
float32 vectors, one distinct non-empty word per row) or raise a clear error: a
ValueError, TypeError or OSError whose message names the argument or the file. Never
another exception, never a warning, never a silently changed file.
"""

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib.evaluate import KeyedVectors
from w2vlib.vectors_io import load_word2vec_format, save_word2vec_format

CLEAR = (ValueError, TypeError, OSError)
WORDS = ["the", "café", "naïve", "日本", "x"]

BAD = st.sampled_from([
    None, "", "x", 3, -1, 2.5, float("nan"), True, [], [[1, 2], [3]], object(), {"a": 1},
    b"bytes", np.array([np.nan, 1.0]), np.zeros((0, 3)), np.ones((2, 3, 4)),
    np.array(["a", "b"]), np.full((5, 2), 1e39), np.full((5, 2), 1e-50), ["a"] * 5,
    ["a b", "c", "d", "e", "f"], ["", "b", "c", "d", "e"], [1, 2, 3, 4, 5],
    np.ones((5, 2), dtype=complex), "nodir/x.txt",
])


def _vectors():
    return np.random.default_rng(0).normal(size=(len(WORDS), 3))


@settings(max_examples=40)
@given(arg=st.sampled_from(["path", "words", "vectors", "binary"]), bad=BAD)
def test_save_with_one_bad_argument(tmp_path_factory, arg, bad):
    folder = tmp_path_factory.mktemp("save")
    good = dict(path=folder / "v.txt", words=WORDS, vectors=_vectors(), binary=False)
    if arg == "path" and isinstance(bad, str) and bad:
        bad = folder / bad
    kwargs = dict(good, **{arg: bad})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            save_word2vec_format(**kwargs)
        except CLEAR as exc:
            msg = str(exc)
            assert f"{arg}" in msg or "words/vectors" in msg or str(kwargs["path"]) in msg, msg
            assert ".part" not in msg
            assert [p.name for p in folder.iterdir()] in ([], ["nodir"]), "left a file behind"
            return
    words, V = load_word2vec_format(kwargs["path"], binary=bool(kwargs["binary"]))
    assert words == [str(w) for w in kwargs["words"]]
    np.testing.assert_array_equal(V, np.asarray(kwargs["vectors"], dtype=np.float32))


def _good_file(folder, binary, d=3):
    path = folder / ("v.bin" if binary else "v.txt")
    save_word2vec_format(path, WORDS, _vectors()[:, :d], binary=binary)
    return path


def _check_loaded_or_clear(path, binary):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            words, V = load_word2vec_format(path, binary=binary)
        except CLEAR as exc:
            assert path.name in str(exc) or "path" in str(exc), str(exc)
            return None
    assert V.dtype == np.float32 and V.ndim == 2 and V.shape[0] == len(words) >= 1
    assert np.isfinite(V).all()
    assert len(set(words)) == len(words) and all(words)
    return words, V


@settings(max_examples=50)
@given(binary=st.booleans(), data=st.data())
def test_load_of_a_damaged_file(tmp_path_factory, binary, data):
    path = _good_file(tmp_path_factory.mktemp("load"), binary)
    raw = bytearray(path.read_bytes())
    how = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete", "header",
                                     "value"]))
    i = data.draw(st.integers(0, len(raw) - 1))
    if how == "value":                 # one value that float32 cannot hold, or not a number
        row, col = data.draw(st.integers(0, len(WORDS) - 1)), data.draw(st.integers(0, 2))
        value = data.draw(st.sampled_from(["nan", "inf", "-inf", "1e39", "-1e999"]))
        lines = raw.split(b"\n")
        if binary:
            body = bytes(raw).split(b"\n", 1)[1]
            start = body.index(WORDS[row].encode() + b" ") + len(WORDS[row].encode()) + 1
            x = np.array([float(value)]).astype("<f4").tobytes() if value != "1e39" else \
                np.array([np.inf], "<f4").tobytes()
            start += 4 * col
            raw = lines[0] + b"\n" + body[:start] + x + body[start + 4:]
        else:
            parts = lines[row + 1].split(b" ")
            parts[col + 1] = value.encode()
            lines[row + 1] = b" ".join(parts)
            raw = b"\n".join(lines)
    elif how == "truncate":
        raw = raw[:i]
    elif how == "flip":
        raw[i] = data.draw(st.integers(0, 255))
    elif how == "insert":
        raw[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    elif how == "delete":
        del raw[i:i + data.draw(st.integers(1, 8))]
    else:
        n, d = data.draw(st.integers(-2, 12)), data.draw(st.integers(-2, 12))
        raw = f"{n} {d}\n".encode() + raw.split(b"\n", 1)[1]
    path.write_bytes(bytes(raw))
    loaded = _check_loaded_or_clear(path, binary)
    if how == "value":
        assert loaded is None, "a non-finite value was read"
    if loaded is not None and how == "header":
        assert loaded[1].shape == (n, d)


@settings(max_examples=30)
@given(binary=st.booleans(), other=st.booleans())
def test_load_with_the_other_format_flag(tmp_path_factory, binary, other):
    path = _good_file(tmp_path_factory.mktemp("flag"), binary, d=3)
    loaded = _check_loaded_or_clear(path, other)
    if binary == other:
        assert loaded is not None and loaded[0] == WORDS


@pytest.mark.parametrize("path, error", [
    (3, TypeError), (None, TypeError), (b"v.txt", TypeError), ("", TypeError),
    ("missing.txt", FileNotFoundError), (".", IsADirectoryError),
])
def test_load_paths_that_are_not_files(tmp_path, monkeypatch, path, error):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error):
        load_word2vec_format(path)


@pytest.mark.parametrize("binary", ["yes", 2, None, np.array([1, 0])])
def test_binary_must_be_a_flag(tmp_path, binary):
    with pytest.raises(TypeError, match="binary: expected True"):
        save_word2vec_format(tmp_path / "v", WORDS, _vectors(), binary=binary)
    with pytest.raises(TypeError, match="binary: expected True"):
        load_word2vec_format(tmp_path / "v", binary=binary)


@pytest.mark.parametrize("kind", ["gz", "bz2"])
def test_a_compressed_vectors_file_is_named(tmp_path, kind):
    import bz2
    import gzip
    path = _good_file(tmp_path, False)
    packed = tmp_path / f"v.txt.{kind}"
    data = path.read_bytes()
    packed.write_bytes(gzip.compress(data) if kind == "gz" else bz2.compress(data))
    with pytest.raises(ValueError, match=f"v.txt.{kind}: the file is .*-compressed; "
                                         "decompress it first"):
        load_word2vec_format(packed)


def test_a_symlink_loop_is_named(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    with pytest.raises(OSError, match="loop"):
        save_word2vec_format(loop, WORDS, _vectors())
    assert loop.is_symlink() and os.readlink(loop) == "loop"


@settings(max_examples=30)
@given(scale=st.sampled_from([1e-30, 1e-20, 1.0, 1e20, 1e30]), binary=st.booleans())
def test_keyed_vectors_round_trip_keeps_cosines(tmp_path_factory, scale, binary):
    V = (_vectors() * scale).astype(np.float32)
    kv = KeyedVectors(WORDS, V)
    path = tmp_path_factory.mktemp("kv") / "v"
    kv.save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert back.words == WORDS and np.array_equal(back.vectors, V)
    assert back.similarity("the", "x") == pytest.approx(
        KeyedVectors(WORDS, _vectors()).similarity("the", "x"), abs=1e-5)
