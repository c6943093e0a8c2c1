"""w2vlib.vectors_io: word2vec text/binary files, round trips with gensim, malformed files."""

import os
import struct
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib.vectors_io import load_word2vec_format, save_word2vec_format

WORDS = ["the", "café", "naïve", "日本", "x"]


@pytest.fixture
def data(rng):
    return WORDS, rng.normal(size=(len(WORDS), 7)).astype(np.float32)


@pytest.mark.parametrize("binary", [False, True])
def test_roundtrip_is_exact(tmp_path, data, binary):
    words, V = data
    path = tmp_path / "v.w2v"
    save_word2vec_format(path, words, V, binary=binary)
    w2, V2 = load_word2vec_format(path, binary=binary)
    assert w2 == words
    assert V2.dtype == np.float32
    np.testing.assert_array_equal(V2, V)
    assert os.listdir(tmp_path) == ["v.w2v"]          # no temporary file left behind


@pytest.mark.parametrize("binary", [False, True])
def test_ours_read_by_gensim(tmp_path, data, binary):
    words, V = data
    path = tmp_path / "ours"
    save_word2vec_format(path, words, V, binary=binary)
    kv = GensimKV.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == words
    np.testing.assert_array_equal(kv.vectors, V)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_read_by_ours(tmp_path, data, binary):
    words, V = data
    kv = GensimKV(V.shape[1])
    kv.add_vectors(words, V)
    path = tmp_path / "theirs"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kv.save_word2vec_format(str(path), binary=binary)
    w2, V2 = load_word2vec_format(path, binary=binary)
    assert w2 == words
    np.testing.assert_array_equal(V2, V)


def test_binary_header_and_layout_match_word2vec(tmp_path):
    path = tmp_path / "v.bin"
    save_word2vec_format(path, ["ab", "c"], np.array([[1.0, -2.0], [0.5, 3.0]]), binary=True)
    raw = path.read_bytes()
    assert raw == b"2 2\nab " + struct.pack("<2f", 1, -2) + b"c " + struct.pack("<2f", 0.5, 3)


def test_word2vec_c_binary_with_newlines_is_read(tmp_path):
    # word2vec.c writes a newline after each vector
    body = b"".join(w + b" " + struct.pack("<3f", *v) + b"\n"
                    for w, v in ((b"one", (1, 2, 3)), (b"two", (4, 5, 6))))
    path = tmp_path / "c.bin"
    path.write_bytes(b"2 3\n" + body)
    words, V = load_word2vec_format(path, binary=True)
    assert words == ["one", "two"]
    np.testing.assert_array_equal(V, [[1, 2, 3], [4, 5, 6]])


def test_word2vec_c_text_with_trailing_space_is_read(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"2 3\none 1.000000 2.000000 3.000000 \ntwo 4 5 6 \n")
    words, V = load_word2vec_format(path)
    assert words == ["one", "two"]
    np.testing.assert_array_equal(V, [[1, 2, 3], [4, 5, 6]])


@settings(deadline=None, max_examples=25)
@given(words=st.lists(st.text(st.characters(blacklist_categories=("Cs", "Z", "Cc")), min_size=1,
                              max_size=6), min_size=1, max_size=8, unique=True),
       d=st.integers(1, 5), seed=st.integers(0, 2**32 - 1), binary=st.booleans())
def test_roundtrip_property(tmp_path_factory, words, d, seed, binary):
    words = [w for w in words if not any(c.isspace() for c in w)] or ["w"]
    V = np.random.default_rng(seed).normal(scale=1e3, size=(len(words), d)).astype(np.float32)
    path = tmp_path_factory.mktemp("rt") / "v"
    save_word2vec_format(path, words, V, binary=binary)
    w2, V2 = load_word2vec_format(path, binary=binary)
    assert w2 == words
    np.testing.assert_array_equal(V2, V)


# ---------------------------------------------------------------- malformed files
def write(tmp_path, content, name="bad"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("header", [b"abc 3\n", b"5\n", b"1 2 3\n", b"2.5 3\n", b"\n"])
@pytest.mark.parametrize("binary", [False, True])
def test_bad_header(tmp_path, header, binary):
    path = write(tmp_path, header + b"a 1 2 3\n" * 3)
    with pytest.raises(ValueError, match="header: expected two integers 'n d'"):
        load_word2vec_format(path, binary=binary)


@pytest.mark.parametrize("header", [b"0 3\n", b"2 0\n", b"-1 3\n"])
def test_header_must_be_positive(tmp_path, header):
    path = write(tmp_path, header + b"a 1 2 3\n" * 3)
    with pytest.raises(ValueError, match="header: expected positive row count and dimension"):
        load_word2vec_format(path)


def test_header_without_newline_is_rejected_without_reading_it_all(tmp_path):
    path = write(tmp_path, b"7" * 100_000)
    with pytest.raises(ValueError, match="header: expected a first line 'n d' of at most 1024"):
        load_word2vec_format(path, binary=True)


def test_empty_file(tmp_path):
    with pytest.raises(ValueError, match="header"):
        load_word2vec_format(write(tmp_path, b""))


@pytest.mark.parametrize("binary, need", [(True, 10**12 * 402), (False, 10**12 * 201)])
def test_header_claiming_more_rows_than_the_file_holds(tmp_path, monkeypatch, binary, need):
    """Rejected before anything is allocated: np.empty must not be called."""
    import w2vlib.vectors_io as vio
    path = write(tmp_path, b"1000000000000 100\n" + b"a " + b"\0" * 400)

    def no_alloc(*args, **kwargs):
        raise AssertionError("allocated before validating the header")

    monkeypatch.setattr(vio.np, "empty", no_alloc)
    with pytest.raises(ValueError) as err:
        load_word2vec_format(path, binary=binary)
    msg = str(err.value)
    assert "declares 1000000000000 rows of dimension 100" in msg
    assert f"need at least {need} bytes" in msg and "only 402 bytes" in msg


def test_huge_dimension_is_rejected(tmp_path):
    path = write(tmp_path, b"1 4000000000\nword \0\0\0\0\n")
    with pytest.raises(ValueError, match="declares 1 rows of dimension 4000000000"):
        load_word2vec_format(path, binary=True)


def test_text_fewer_rows_than_header(tmp_path):
    path = write(tmp_path, b"3 2\nalpha 0.123456 0.654321\nbeta 0.123456 0.654321\n")
    with pytest.raises(ValueError, match="declares 3 rows but the file ends after 2"):
        load_word2vec_format(path)


def test_text_more_rows_than_header(tmp_path):
    path = write(tmp_path, b"1 2\nalpha 1 2\nbeta 3 4\n")
    with pytest.raises(ValueError, match="declares 1 rows but the file has more"):
        load_word2vec_format(path)


def test_text_row_width_not_matching_header(tmp_path):
    path = write(tmp_path, b"2 2\nalpha 1 2\nbeta 3 4 5\n")
    with pytest.raises(ValueError,
                       match=r"row 1 \(word 'beta'\) has 3 values, but the header declares d=2"):
        load_word2vec_format(path)


def test_text_value_not_a_number(tmp_path):
    path = write(tmp_path, b"1 2\nalpha 1 two\n")
    with pytest.raises(ValueError, match=r"row 0 \(word 'alpha'\): expected 2 numbers"):
        load_word2vec_format(path)


def test_non_finite_value(tmp_path):
    path = write(tmp_path, b"2 2\nalpha 1 2\nbeta nan 4\n")
    with pytest.raises(ValueError, match=r"row 1 \(word 'beta'\) has a non-finite value"):
        load_word2vec_format(path)


def test_duplicate_word(tmp_path):
    path = write(tmp_path, b"2 2\nalpha 1 2\nalpha 3 4\n")
    with pytest.raises(ValueError, match="'alpha' appears twice, in rows 0 and 1"):
        load_word2vec_format(path)


def test_text_word_not_utf8(tmp_path):
    path = write(tmp_path, b"2 2\nalpha 1 2\ncaf\xe9 3 4\n")
    with pytest.raises(ValueError, match=r"row 1: the word b'caf\\xe9' is not valid UTF-8"):
        load_word2vec_format(path)


def test_binary_word_not_utf8(tmp_path):
    path = write(tmp_path,
                 b"2 1\nalpha " + struct.pack("<f", 1) + b"\xff\xfe " + struct.pack("<f", 2))
    with pytest.raises(ValueError, match=r"row 1: the word b'\\xff\\xfe' is not valid UTF-8"):
        load_word2vec_format(path, binary=True)


def test_binary_truncated_vector(tmp_path):
    row = b"a_rather_long_word " + struct.pack("<4f", 1, 2, 3, 4)
    path = write(tmp_path, b"2 4\n" + row + row.replace(b"a_r", b"b_r")[:-5])
    with pytest.raises(ValueError, match=r"row 1 \(word 'b_rather_long_word'\) is truncated: "
                                         r"expected 16 bytes \(4 float32 values\), got 11"):
        load_word2vec_format(path, binary=True)


def test_binary_fewer_rows_than_header(tmp_path):
    rows = b"".join(f"word{i}_with_a_long_name ".encode() + struct.pack("<2f", i, i)
                    for i in range(2))
    path = write(tmp_path, b"3 2\n" + rows)
    with pytest.raises(ValueError, match="declares 3 rows but the file ends after 2"):
        load_word2vec_format(path, binary=True)


def test_binary_more_rows_than_header(tmp_path):
    rows = b"".join(f"w{i} ".encode() + struct.pack("<2f", i, i) for i in range(3))
    path = write(tmp_path, b"2 2\n" + rows)
    with pytest.raises(ValueError, match="declares 2 rows but data follows the last one"):
        load_word2vec_format(path, binary=True)


def test_binary_width_not_matching_header(tmp_path):
    # vectors of 2 floats under a header saying 3: the rows no longer line up
    rows = b"".join(f"word{i} ".encode() + struct.pack("<2f", 1.5, 2.5) for i in range(4))
    path = write(tmp_path, b"4 3\n" + rows)
    with pytest.raises(ValueError, match="not matching the header"):
        load_word2vec_format(path, binary=True)


def test_binary_file_read_as_text_fails_cleanly(tmp_path, rng):
    V = rng.normal(size=(50, 300)).astype(np.float32)
    path = tmp_path / "v.bin"
    save_word2vec_format(path, [f"w{i}" for i in range(50)], V, binary=True)
    with pytest.raises(ValueError, match="row 0"):
        load_word2vec_format(path, binary=False)


def test_binary_without_any_space(tmp_path):
    path = write(tmp_path, b"1 2\n" + b"x" * 5000)
    with pytest.raises(ValueError,
                       match="row 0: expected a word followed by a space within 4096 bytes"):
        load_word2vec_format(path, binary=True)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_word2vec_format(tmp_path / "nope")


# ---------------------------------------------------------------- bad input to save
@pytest.mark.parametrize("words, match", [
    (["a b", "c"], "word 'a b' at position 0 contains whitespace"),
    (["a", "a"], "distinct words, 'a' appears at positions 0 and 1"),
    (["a", ""], "non-empty strings, got '' at position 1"),
    (["a"], "expected one word per row, got 1 words for 2 rows"),
    ("ab", "single str"),
])
def test_save_bad_words(tmp_path, words, match):
    with pytest.raises(ValueError, match=match):
        save_word2vec_format(tmp_path / "v", words, np.eye(2))
    assert not any(tmp_path.iterdir())


def test_save_bad_vectors(tmp_path):
    with pytest.raises(ValueError, match="vectors: expected finite values"):
        save_word2vec_format(tmp_path / "v", ["a", "b"], np.array([[1, np.inf], [0, 1]]))
    with pytest.raises(ValueError, match="vectors: expected 2 dimension"):
        save_word2vec_format(tmp_path / "v", ["a", "b"], np.ones(2))
