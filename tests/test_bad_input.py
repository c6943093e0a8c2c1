"""Bad input never gives a silent wrong answer (issue 12).

First every case the issue lists, each with the error it must now raise; then a
Hypothesis test that feeds random bad values, one argument at a time, to the public
functions and accepts only a clear error (ValueError, TypeError, KeyError, IndexError
or OSError whose message names the argument) or a finite result.
"""

import os
import tracemalloc
import unicodedata
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib import (corpus, datasets, evaluate, fast, functions, glove, huffman, jacobians,
                    objectives, pmi, quality, stream, vectors_io)
from w2vlib._io import atomic_write
from w2vlib._checks import MAX_BYTES
from w2vlib.train import TrainingDivergedError, train

ALLOWED = (ValueError, TypeError, KeyError, IndexError, OSError)


# ------------------------------------------------------------------ the tokenizer
@pytest.mark.parametrize("text, tokens", [
    ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),                                  # Devanagari marks
    (unicodedata.normalize("NFD", "naïve Zürich"), ["naïve", "zürich"]),  # combining accents
    ("naïve Zürich", ["naïve", "zürich"]),                                # precomposed
    ("İstanbul", ["istanbul"]),                                           # dotted capital I
    ("Ελληνικά, кириллица; العربية", ["ελληνικά", "кириллица", "العربية"]),
    ("ﬁne ＦＵＬＬ", ["fine", "full"]),                          # NFKC: ligature, fullwidth
    ("Don't panic: 42 towels!", ["don", "t", "panic", "towels"]),
    ("\u0301abc", ["abc"]),                                      # a leading mark is dropped
])
def test_tokenize_keeps_words_with_their_marks(text, tokens):
    assert corpus.tokenize(text) == tokens


def test_tokenize_same_tokens_for_nfc_and_nfd():
    text = "Ça s'écrit « déjà » à Köln, São Paulo, Ångström"
    assert corpus.tokenize(unicodedata.normalize("NFD", text)) == corpus.tokenize(text)


# ------------------------------------------------------------------ training that diverges
@pytest.fixture(scope="module")
def small_corpus():
    return datasets.lee_corpus(max_tokens=12_000)


@pytest.mark.parametrize("model", ["sgns", "cbow", "hs", "softmax"])
def test_diverging_training_stops_with_when_and_what_to_try(small_corpus, model):
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no RuntimeWarning on the way either
        with pytest.raises(TrainingDivergedError) as info:
            train(small_corpus, model=model, d=20, epochs=2, lr=5000.0 if model == "cbow" else 5.0,
                  progress=False, row_rule="sum")
    msg = str(info.value)
    assert msg.startswith("lr: training diverged in epoch ")
    assert "words" in msg and "learning rate" in msg and "Try a smaller lr" in msg
    assert isinstance(info.value, ValueError)


def test_a_sane_learning_rate_does_not_trip_the_check(small_corpus):
    r = train(small_corpus, d=20, epochs=1, progress=False)
    assert np.isfinite(r.V).all() and r.loss_history.shape[0] > 0


# ------------------------------------------------------------------ the output kernels
def test_softmax_output_refuses_negative_and_large_targets():
    h, U = np.ones((2, 3)), np.ones((4, 3))
    with pytest.raises(IndexError, match="o: expected word indices in 0..3, got -1"):
        objectives.softmax_output(h, np.array([0, -1]), U)
    with pytest.raises(IndexError, match="got 4"):
        objectives.softmax_output(h, np.array([4, 0]), U)
    with pytest.raises(ValueError, match="o: expected integer word indices"):
        objectives.softmax_output(h, np.array([0.0, 1.0]), U)
    with pytest.raises(ValueError, match="h: expected shape"):
        objectives.softmax_output(np.ones((2, 2)), np.array([0, 1]), U)


def test_binary_logistic_refuses_targets_other_than_0_and_1():
    h, u = np.ones(3), np.ones((2, 3))
    with pytest.raises(ValueError, match="t: expected only 0 and 1, got 2"):
        objectives.binary_logistic_output(h, u, [1, 2])
    with pytest.raises(ValueError, match="t: expected shape"):
        objectives.binary_logistic_output(h, u, [1, 0, 0])
    with pytest.raises(ValueError, match="mask: expected only 0 and 1"):
        objectives.binary_logistic_output(h, u, [1, 0], mask=[1, 0.5])
    with pytest.raises(ValueError, match="u: expected shape"):
        objectives.binary_logistic_output(h, np.ones((2, 4)), [1, 0])


def test_kernels_refuse_overflow_and_non_finite_input_by_name():
    U = np.ones((3, 2))
    with pytest.raises(ValueError, match="h/U: expected inputs small enough"):
        objectives.softmax_output(np.full(2, 1e200), np.array(0), U * 1e200)
    with pytest.raises(ValueError, match="h: expected finite values, found nan"):
        objectives.binary_logistic_output(np.array([np.nan, 0]), U, [1, 0, 0])


# ------------------------------------------------------------------ vocabulary and settings
def test_vocab_encode_refuses_a_string():
    vocab = corpus.Vocab.from_counts(["the", "cat"], [3, 2])
    with pytest.raises(TypeError, match="tokens: expected a list of tokens, got a single str"):
        vocab.encode("the cat")
    assert vocab.encode(["the", "cat", "dog"]).tolist() == [0, 1]


@pytest.mark.parametrize("words, counts, match", [
    (["a", "b"], [1.5, 2], "counts: expected whole-number counts"),
    (["a", "b"], [1, np.nan], "counts: expected whole-number counts"),
    (["a", ""], [1, 2], "words: expected non-empty strings, got '' at position 1"),
    ("ab", [1, 2], "words: expected a sequence of words"),
])
def test_vocab_from_counts_refuses(words, counts, match):
    with pytest.raises((ValueError, TypeError), match=match):
        corpus.Vocab.from_counts(words, counts)


def test_vocab_build_refuses_empty_tokens():
    with pytest.raises(ValueError, match="non-empty strings, got ''"):
        corpus.Vocab.build([["a", "", "b"]], min_count=1)


def test_min_lr_fraction_above_one_is_refused(small_corpus):
    with pytest.raises(ValueError, match=r"min_lr_fraction: expected a fraction of lr in \(0, 1\]"):
        train(small_corpus, min_lr_fraction=5, progress=False)


def test_a_large_noise_power_is_sharp_not_nan():
    p = corpus.noise_distribution([10, 5, 1], power=1000)
    assert np.isfinite(p).all() and p[0] == pytest.approx(1.0)
    draws = corpus.NegativeSampler([10, 5, 1], power=1000, rng=0).sample(1000)
    assert np.all(draws == 0)


# ------------------------------------------------------------------ resource bounds
def test_huge_batch_size_allocates_only_what_the_data_needs(small_corpus):
    tracemalloc.start()
    try:
        r = train(small_corpus, d=10, epochs=1, batch_size=10**10, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20
    assert r.params["batch_size"] <= 2 * 5 * 10_000


@pytest.mark.parametrize("kwargs, name", [
    (dict(window=10**6), "window"), (dict(negative=10**9), "negative"),
    (dict(d=10**9), "d"),
])
def test_settings_that_need_too_much_memory_are_refused_before_allocating(
        small_corpus, kwargs, name, monkeypatch):
    real_zeros = np.zeros

    def guarded(shape, *a, **k):
        assert np.prod(shape, dtype=float) * 8 < MAX_BYTES, "allocated before refusing"
        return real_zeros(shape, *a, **k)
    monkeypatch.setattr(np, "zeros", guarded)
    args = dict(d=10, epochs=1, progress=False)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name}: too large"):
        train(small_corpus, **args)


# ------------------------------------------------------------------ files
def test_word_pair_file_with_nan_names_file_and_line(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("# header\ncat\tdog\t7.5\ncat\tmouse\tnan\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pairs.tsv: line 3: expected a finite score"):
        datasets.load_word_pairs(path)
    kv = evaluate.KeyedVectors(["cat", "dog", "mouse"], np.eye(3))
    with pytest.raises(ValueError, match="pairs.tsv: line 3: expected a finite score"):
        kv.evaluate_word_pairs(path)


@pytest.mark.parametrize("reader", ["load_word_pairs", "evaluate_word_pairs", "load_analogies",
                                    "evaluate_analogies"])
def test_non_utf8_files_name_file_and_line(tmp_path, reader):
    path = tmp_path / "latin1.txt"
    body = b": section\n" if "analog" in reader else b""
    body += b"cat\tdog\t1.0\n" if "pairs" in reader else b"a b c d\n"
    path.write_bytes(body + "caf\u00e9 b c d\t1\t2\n".encode("latin-1"))
    kv = evaluate.KeyedVectors(["a", "b", "c", "d"], np.eye(4))
    call = {"load_word_pairs": lambda: datasets.load_word_pairs(path),
            "evaluate_word_pairs": lambda: kv.evaluate_word_pairs(path),
            "load_analogies": lambda: datasets.load_analogies(path),
            "evaluate_analogies": lambda: kv.evaluate_analogies(path)}[reader]
    line = 3 if "analog" in reader else 2
    with pytest.raises(ValueError, match=f"latin1.txt: line {line} is not valid UTF-8"):
        call()


def test_constant_similarities_are_an_error_not_nan(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("a\tb\t1\nb\tc\t2\na\tc\t3\n", encoding="utf-8")
    kv = evaluate.KeyedVectors(["a", "b", "c"], np.ones((3, 2)))
    with pytest.raises(ValueError, match="the correlation is undefined"):
        kv.evaluate_word_pairs(path)


# ------------------------------------------------------------------ degenerate corpora
@pytest.mark.parametrize("sentences, match", [
    ([["hello"] * 10], "vocab: expected at least 2 words"),
    ([["a"], ["b"]], "sentences: expected a sentence with at least two in-vocabulary tokens"),
])
def test_corpora_with_nothing_to_train_on_are_refused(sentences, match):
    with pytest.raises(ValueError, match=match):
        train(sentences, min_count=1, progress=False)


# ------------------------------------------------------------------ the property test
BAD = st.sampled_from([
    None, "x", "", -1, 0, 2.5, -3.7, float("nan"), float("inf"), True, 10**12, [],
    [[1, 2], [3]], object(), np.array([np.nan, 1.0]), np.array([[1.0, np.inf]]),
    np.zeros((0, 3)), np.ones((2, 3, 4)), np.array(["a", "b"]), 1e300,
    np.array([-1, 2]), np.full((3, 2), 1e200), {"a": 1},
])


def _good_calls():
    """Each public function with good arguments: (label, function, kwargs)."""
    rng = np.random.default_rng(0)
    U = rng.normal(size=(5, 3))
    V = rng.normal(size=(5, 3))
    v = rng.normal(size=3)
    counts = np.array([9, 7, 4, 2, 1])
    kv = evaluate.KeyedVectors(["a", "b", "c", "d", "e"], V)
    sents = [np.array([0, 1, 2, 3]), np.array([4, 0])]
    return [
        ("sigmoid", functions.sigmoid, dict(x=v)),
        ("log_sigmoid", functions.log_sigmoid, dict(x=v)),
        ("softmax", functions.softmax, dict(z=v)),
        ("log_softmax", functions.log_softmax, dict(z=v)),
        ("logsumexp", functions.logsumexp, dict(z=v)),
        ("softmax_output", objectives.softmax_output, dict(h=V[:2], o=np.array([0, 1]), U=U)),
        ("binary_logistic_output", objectives.binary_logistic_output,
         dict(h=v, u=U[:3], t=np.array([1, 0, 0]))),
        ("skipgram_softmax", objectives.skipgram_softmax, dict(v_c=v, o=1, U=U)),
        ("skipgram_neg_sampling", objectives.skipgram_neg_sampling,
         dict(v_c=v, o=1, negatives=[2, 3], U=U)),
        ("skipgram_nce", objectives.skipgram_nce,
         dict(v_c=v, o=1, negatives=[2, 3], U=U, log_kpn=np.log(2 * counts / counts.sum()))),
        ("nce_expected_loss", objectives.nce_expected_loss,
         dict(s=v, p=np.array([0.5, 0.3, 0.2]), noise=np.array([0.2, 0.2, 0.6]), K=2,
              log_kpn=np.log(2 * np.array([0.2, 0.2, 0.6])))),
        ("skipgram_hs", objectives.skipgram_hs,
         dict(v_c=v, path=[0, 2], code=[1, 0], U_inner=U[:4])),
        ("cbow_softmax", objectives.cbow_softmax, dict(V=V, context=[0, 2], c=1, U=U)),
        ("cbow_neg_sampling", objectives.cbow_neg_sampling,
         dict(V=V, context=[0, 2], c=1, negatives=[3], U=U)),
        ("cbow_hs", objectives.cbow_hs,
         dict(V=V, context=[0, 2], path=[0, 1], code=[0, 1], U_inner=U[:4])),
        ("tokenize", corpus.tokenize, dict(text="the cat")),
        ("Vocab.from_counts", corpus.Vocab.from_counts, dict(words=list("abcde"), counts=counts)),
        ("keep_probability", corpus.keep_probability, dict(counts=counts, sample=1e-3)),
        ("noise_distribution", corpus.noise_distribution, dict(counts=counts, power=0.75)),
        ("dynamic_windows", corpus.dynamic_windows, dict(size=4, window=2, rng=rng)),
        ("skipgram_pairs", corpus.skipgram_pairs, dict(sentences_idx=sents, window=2, rng=rng)),
        ("cbow_examples", corpus.cbow_examples, dict(sentences_idx=sents, window=2, rng=rng)),
        ("build_huffman", huffman.build_huffman, dict(counts=counts)),
        ("cooccurrence", pmi.cooccurrence, dict(sentences_idx=sents, n=5, window=2)),
        ("pmi", pmi.pmi, dict(counts=np.arange(1.0, 26.0).reshape(5, 5))),
        ("svd_embedding", pmi.svd_embedding, dict(M=np.arange(1.0, 26.0).reshape(5, 5), d=2)),
        ("KeyedVectors", evaluate.KeyedVectors, dict(words=list("abcde"), vectors=V)),
        ("most_similar", kv.most_similar, dict(positive="a", topn=2)),
        ("similarity", kv.similarity, dict(w1="a", w2="b")),
        ("similar_by_vector", kv.similar_by_vector, dict(vector=v, topn=2)),
        ("analogy", kv.analogy, dict(a="a", b="b", c="c")),
        ("skipgram_softmax_window", objectives.skipgram_softmax_window,
         dict(v_c=v, outside=[1, 3, 1], U=U)),
        ("shared_negative_output", fast.shared_negative_output,
         dict(H=V[:3], U_S=U[:2], T=np.array([1.0, 0.0]))),
        ("skipgram_shared_negatives", fast.skipgram_shared_negatives,
         dict(V=V, context=[0, 2], c=1, negatives=[3, 4], U=U)),
        ("skipgram_span", fast.skipgram_span,
         dict(V=V, inputs=[0, 2, 3], centres=[1], band=np.ones((3, 1)), negatives=[4],
              U=U)),
        ("glove.loss", glove.loss,
         dict(W=V, W_tilde=U, b=v[:1].repeat(5), b_tilde=v[:1].repeat(5),
              X=np.arange(25.0).reshape(5, 5))),
        ("glove.weighting", glove.weighting, dict(X=np.arange(25.0).reshape(5, 5))),
        ("random_pair_cosine", quality.random_pair_cosine, dict(V=V, n_pairs=10)),
        ("trick_softmax_output", jacobians.trick_softmax_output,
         dict(h=v, o=1, U=U)),
        ("softmax_jacobian", jacobians.softmax_jacobian, dict(z=v)),
        ("glove.pair_loss", glove.pair_loss,
         dict(w_i=v, w_tilde_j=v[::-1], b_i=0.1, b_tilde_j=-0.2, x=3.0)),
        ("glove.train", glove.train,
         dict(X=np.arange(1.0, 26.0).reshape(5, 5), d=2, epochs=1, batch_size=4)),
        ("train", train,
         dict(sentences=[["a", "b", "c", "a", "b"], ["c", "a", "d"]], d=4, window=2,
              negative=2, sample=None, min_count=1, epochs=1, progress=False)),
    ]


CALLS = _good_calls()


def _finite(x):
    if isinstance(x, (tuple, list)):
        return all(_finite(e) for e in x)
    if isinstance(x, dict):
        return all(_finite(e) for e in x.values())
    if isinstance(x, (np.ndarray, float, np.floating)):
        a = np.asarray(x)
        return not np.issubdtype(a.dtype, np.floating) or bool(np.isfinite(a).all())
    return True


def test_every_good_call_runs():
    for label, f, kwargs in CALLS:
        assert _finite(f(**kwargs)), label


@settings(max_examples=300)
@given(call=st.sampled_from(range(len(CALLS))), which=st.integers(0, 10), bad=BAD)
def test_bad_values_get_a_clear_error_or_a_finite_result(call, which, bad):
    label, f, kwargs = CALLS[call]
    # A huge epoch count is a long run that was asked for, not bad input: not fuzzed.
    names = sorted(k for k in kwargs if k != "epochs")
    name = names[which % len(names)]
    kwargs = dict(kwargs, **{name: bad})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = f(**kwargs)
        except ALLOWED as exc:
            # The message names the argument, or (a shape that does not match another
            # argument) one of the arguments it is checked against.
            msg = str(exc)
            assert any(f"{arg}:" in msg or f"{arg} " in msg for arg in kwargs), \
                f"{label}({name}={bad!r}): {type(exc).__name__} names no argument: {msg}"
            return
    assert _finite(out), f"{label}({name}={bad!r}) returned a non-finite result"


# ------------------------------------------------------------------ probe 2 (2026-12-06)
# Each test below is one row of the second adversarial probe (its id in the name).



_WORDS3 = ["alpha", "beta", "gamma"]


def _vectors3(dtype=np.float32):
    return np.arange(1, 13, dtype=dtype).reshape(3, 4) / 7


@pytest.mark.parametrize("binary", [False, True])
def test_a14_b1_1_save_through_a_symlink_writes_its_target(tmp_path, binary):
    real, link = tmp_path / "real", tmp_path / "link"
    vectors_io.save_word2vec_format(real, ["old", "row"], np.ones((2, 4)), binary=binary)
    link.symlink_to("real")
    vectors_io.save_word2vec_format(link, _WORDS3, _vectors3(), binary=binary)
    assert link.is_symlink() and os.readlink(link) == "real"
    words, V = vectors_io.load_word2vec_format(real, binary=binary)
    assert words == _WORDS3 and np.array_equal(V, _vectors3())
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]


def test_b1_7_save_through_a_dangling_symlink_creates_the_target(tmp_path):
    (tmp_path / "sub").mkdir()
    link = tmp_path / "dangling"
    link.symlink_to("sub/target.txt")
    vectors_io.save_word2vec_format(link, _WORDS3, _vectors3())
    assert link.is_symlink() and (tmp_path / "sub" / "target.txt").is_file()
    assert vectors_io.load_word2vec_format(link)[0] == _WORDS3
    missing = tmp_path / "to_nowhere"
    missing.symlink_to("nodir/target.txt")
    with pytest.raises(FileNotFoundError, match="to_nowhere .a link to .*nodir.*does not exist"):
        vectors_io.save_word2vec_format(missing, _WORDS3, _vectors3())


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_a15_b1_2_save_keeps_the_file_mode(tmp_path, mode):
    path = tmp_path / "v.txt"
    path.write_text("old")
    path.chmod(mode)
    vectors_io.save_word2vec_format(path, _WORDS3, _vectors3())
    assert path.stat().st_mode & 0o7777 == mode
    new = tmp_path / "new.txt"
    old_mask = os.umask(0o027)
    try:
        vectors_io.save_word2vec_format(new, _WORDS3, _vectors3())
    finally:
        os.umask(old_mask)
    assert new.stat().st_mode & 0o777 == 0o640        # a new file: the umask's mode


def test_b1_3_hard_link_policy_is_replace_and_documented(tmp_path):
    one, two = tmp_path / "hard1", tmp_path / "hard2"
    vectors_io.save_word2vec_format(one, ["old", "row"], np.ones((2, 4)))
    os.link(one, two)
    vectors_io.save_word2vec_format(one, _WORDS3, _vectors3())
    assert vectors_io.load_word2vec_format(one)[0] == _WORDS3
    assert vectors_io.load_word2vec_format(two)[0] == ["old", "row"]   # the stated policy
    assert "hard-linked file is replaced" in vectors_io.save_word2vec_format.__doc__


def test_b1_4_save_refuses_a_write_protected_file(tmp_path):
    path = tmp_path / "ro.txt"
    path.write_text("keep me")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match=r"ro.txt: the file is write-protected .mode 0444"):
        vectors_io.save_word2vec_format(path, _WORDS3, _vectors3())
    assert path.read_text() == "keep me" and os.listdir(tmp_path) == ["ro.txt"]


def test_a30_b1_5_b1_6_errors_name_the_users_path_not_a_temp_file(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError) as info:
        vectors_io.save_word2vec_format(tmp_path / "nodir" / "x.txt", _WORDS3, _vectors3())
    assert "x.txt" in str(info.value) and ".part" not in str(info.value)
    (tmp_path / "adir").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        vectors_io.save_word2vec_format(tmp_path / "adir", _WORDS3, _vectors3())
    assert "adir: is a directory" in str(info.value) and ".part" not in str(info.value)
    real_open = os.open                   # a read-only directory (root ignores modes)

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".part"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(PermissionError) as info:
        vectors_io.save_word2vec_format(tmp_path / "vec.txt", _WORDS3, _vectors3())
    assert "vec.txt: cannot write in" in str(info.value) and ".part" not in str(info.value)


def test_datasets_cache_writer_is_the_shared_atomic_writer(tmp_path):
    real, link = tmp_path / "real.gz", tmp_path / "cache.gz"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link.symlink_to("real.gz")
    datasets._atomic_write_bytes(link, lambda f: f.write(b"new"))
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert real.stat().st_mode & 0o777 == 0o600


def test_atomic_write_text_mode_and_failure_leaves_old_file(tmp_path):
    path = tmp_path / "t.txt"
    atomic_write(path, "first\n", binary=False)
    with pytest.raises(RuntimeError):
        atomic_write(path, lambda f: (f.write("half"), (_ for _ in ()).throw(RuntimeError())),
                     binary=False)
    assert path.read_text() == "first\n" and os.listdir(tmp_path) == ["t.txt"]


def test_b2_7_save_refuses_values_float32_cannot_hold(tmp_path):
    V = _vectors3(np.float64)
    V[1, 2] = 1e39
    with pytest.raises(ValueError, match=r"vectors: row 1 \(word 'beta'\) holds 1e\+39 at "
                                         r"column 2, more than float32"):
        vectors_io.save_word2vec_format(tmp_path / "v.txt", _WORDS3, V)
    V[1, 2], V[2] = 0.0, 1e-50
    with pytest.raises(ValueError, match=r"row 2 \(word 'gamma'\) is non-zero but every entry "
                                         r"is below float32"):
        vectors_io.save_word2vec_format(tmp_path / "v.txt", _WORDS3, V)
    assert os.listdir(tmp_path) == []
    V[2, 0] = 1.0                     # a single tiny entry next to others is stored as 0
    vectors_io.save_word2vec_format(tmp_path / "v.txt", _WORDS3, V)
    assert vectors_io.load_word2vec_format(tmp_path / "v.txt")[1][2].tolist() == [1, 0, 0, 0]


def test_b2_1_overflowing_text_value_is_refused_without_a_warning(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("2 2\na 1 2\nb 1e39 1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"row 1 \(word 'b'\) has a non-finite value "
                                             r"\(or one beyond float32's range"):
            vectors_io.load_word2vec_format(path)


@pytest.mark.parametrize("header_d", [3, 5, 2])
def test_a29_binary_header_with_the_wrong_dimension_says_so(tmp_path, header_d):
    good = tmp_path / "good.bin"
    vectors_io.save_word2vec_format(good, _WORDS3, _vectors3(), binary=True)
    body = good.read_bytes().split(b"\n", 1)[1]
    lie = tmp_path / "lie.bin"
    lie.write_bytes(f"3 {header_d}\n".encode() + body)
    with pytest.raises(ValueError, match=f"The rows fit d=4, not the header's d={header_d}: "
                                         "the header is likely wrong"):
        vectors_io.load_word2vec_format(lie, binary=True)


def test_b9_5_reading_with_binary_the_wrong_way_round_says_so(tmp_path):
    text, binary = tmp_path / "v.txt", tmp_path / "v.bin"
    words = [f"w{i}" for i in range(12)]
    V = np.random.default_rng(0).normal(size=(12, 20))
    vectors_io.save_word2vec_format(text, words, V)
    vectors_io.save_word2vec_format(binary, words, V, binary=True)
    with pytest.raises(ValueError, match="looks like the text format .* binary=False"):
        vectors_io.load_word2vec_format(text, binary=True)
    with pytest.raises(ValueError, match="looks like the binary format.*binary=True"):
        vectors_io.load_word2vec_format(binary, binary=False)
    bad_text = tmp_path / "bad.txt"                  # a plain bad text file gets no hint
    bad_text.write_text("2 3\na 1 2 3\nb 1 2\n")
    with pytest.raises(ValueError) as info:
        vectors_io.load_word2vec_format(bad_text)
    assert "binary" not in str(info.value)


@pytest.mark.parametrize("binary", [False, True])
def test_b9_4_a_word_with_a_no_break_space_saves_as_it_loads(tmp_path, binary):
    path = tmp_path / "v"
    vectors_io.save_word2vec_format(path, ["a\xa0b", "c\u3000d"], np.eye(2), binary=binary)
    words, _ = vectors_io.load_word2vec_format(path, binary=binary)
    assert words == ["a\xa0b", "c\u3000d"]
    again = tmp_path / "again"
    vectors_io.save_word2vec_format(again, words, np.eye(2), binary=binary)
    assert again.read_bytes() == path.read_bytes()
    for bad in ("a b", "a\tb", "a\nb"):              # what the reader splits on is refused
        with pytest.raises(ValueError, match="contains whitespace"):
            vectors_io.save_word2vec_format(path, [bad, "c"], np.eye(2), binary=binary)


# B.3: odd Unicode in analogy and word-pair files, matched as the tokenizer matches
_B3_TEXT = ("Café naïve Zürich Köln résumé İstanbul Ankara straße Strasse हिन्दी भाषा "
            "Ελληνικά λόγος ﬁne ＦＵＬＬ")
_B3_Q1, _B3_Q2 = "café naïve zürich köln", "résumé हिन्दी भाषा ελληνικά"


@pytest.fixture(scope="module")
def b3_kv():
    words = corpus.tokenize(_B3_TEXT)
    assert words == ["café", "naïve", "zürich", "köln", "résumé", "istanbul", "ankara",
                     "straße", "strasse", "हिन्दी", "भाषा", "ελληνικά", "λόγος", "fine", "full"]
    return evaluate.KeyedVectors(words, np.random.default_rng(0).normal(size=(15, 8)))


def _b3_files(tmp_path, q1, q2, bom=""):
    qa, ws = tmp_path / "q.txt", tmp_path / "ws.tsv"
    qa.write_text(f"{bom}: s\n{q1}\n{q2}\n", encoding="utf-8")
    pairs = [w for q in (q1, q2) for w in q.split()]
    ws.write_text(bom + "".join(f"{a}\t{b}\t{i}\n" for i, (a, b) in
                                enumerate(zip(pairs[::2], pairs[1::2]))), encoding="utf-8")
    return qa, ws


def _nfd(s):
    return unicodedata.normalize("NFD", s)


def _each_word(q, f):
    return " ".join(f(w) for w in q.split())


@pytest.mark.parametrize("row, q1, q2", [
    ("b3_1_nfc", _B3_Q1, _B3_Q2),
    ("b3_2_nfd", _nfd(_B3_Q1), _nfd(_B3_Q2)),
    ("b3_3_upper", _B3_Q1.upper(), _B3_Q2.upper()),
    ("b3_4_rlm", _each_word(_B3_Q1, lambda w: w + "\u200f"),
     _each_word(_B3_Q2, lambda w: w + "\u200f")),
    ("b3_5_zwj", _each_word(_B3_Q1, lambda w: w[:2] + "\u200d" + w[2:]), _B3_Q2),
])
def test_b3_evaluation_files_match_the_tokenizers_words(tmp_path, b3_kv, row, q1, q2):
    qa, ws = _b3_files(tmp_path, q1, q2)
    result = b3_kv.evaluate_analogies(qa)
    assert (result.n_questions, result.n_covered, result.n_oov) == (2, 2, 0), row
    assert result.oov_words == {} and result.oov_summary == ""
    pairs = b3_kv.evaluate_word_pairs(ws)
    assert (pairs.n_pairs, pairs.n_oov) == (4, 0), row
    loaded = [w for a, b, _ in datasets.load_word_pairs(ws) for w in (a, b)]
    assert loaded == [corpus.tokenize(w)[0] for q in (q1, q2) for w in q.split()]


@pytest.mark.parametrize("row, q", [
    ("b3_6_dotted_capital_i", "İstanbul ankara café naïve"),
    ("b3_7_fullwidth_and_ligature", "ＦＵＬＬ ﬁne café naïve"),
])
def test_b3_6_b3_7_compatibility_forms_match(tmp_path, b3_kv, row, q):
    qa, _ = _b3_files(tmp_path, q, _B3_Q2)
    result = b3_kv.evaluate_analogies(qa)
    assert result.n_covered == 2 and result.n_oov == 0, row
    assert datasets.load_analogies(qa)[0][1:] == tuple(corpus.tokenize(q))


def test_b3_8_strasse_and_strasse_with_eszett_stay_two_words(tmp_path, b3_kv):
    qa, _ = _b3_files(tmp_path, "straße strasse café naïve", _B3_Q2)
    result = b3_kv.evaluate_analogies(qa)
    assert result.n_covered == 2
    # the question keeps both words: a is straße, b is strasse (gensim's upper() would
    # fold both to STRASSE and score straße twice); reported upper-cased, as gensim does
    assert corpus.normalize("Straße") != corpus.normalize("Strasse")
    q = (result.total.correct + result.total.incorrect)[0]
    assert q == ("STRASSE", "STRASSE", "CAFÉ", "NAÏVE")      # reported as gensim reports
    ia, ib = (b3_kv.index(w) for w in ("straße", "strasse"))
    assert ia != ib
    scores = b3_kv._analogy_scores([ia], [ib], [b3_kv.index("café")], 15, "3cosadd", 1e-3)
    same = b3_kv._analogy_scores([ia], [ia], [b3_kv.index("café")], 15, "3cosadd", 1e-3)
    assert not np.allclose(scores, same)


def test_b3_9_crlf_files_read_as_lf(tmp_path, b3_kv):
    qa, ws = _b3_files(tmp_path, _B3_Q1, _B3_Q2)
    lf = (b3_kv.evaluate_analogies(qa).n_covered, b3_kv.evaluate_word_pairs(ws).spearman)
    for p in (qa, ws):
        p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    assert (b3_kv.evaluate_analogies(qa).n_covered,
            b3_kv.evaluate_word_pairs(ws).spearman) == lf


def test_b3_10_b3_11_a_byte_order_mark_is_dropped(tmp_path, b3_kv):
    qa, ws = _b3_files(tmp_path, _B3_Q1, _B3_Q2, bom="\ufeff")
    assert b3_kv.evaluate_analogies(qa).n_covered == 2
    assert b3_kv.evaluate_word_pairs(ws).n_pairs == 4
    assert datasets.load_analogies(qa)[0].section == "s"
    assert datasets.load_word_pairs(ws)[0][0] == "café"


def test_b3_12_format_characters_inside_words_are_dropped_by_the_tokenizer():
    assert corpus.tokenize("می\u200cخواهم") == ["میخواهم"]            # ZWNJ (Persian)
    assert corpus.tokenize("क्\u200dष") == ["क्ष"]                    # ZWJ (Devanagari)
    assert corpus.tokenize("ca\u200dfé \u200fnaïve\ufeff") == ["café", "naïve"]
    assert corpus.tokenize("co\u00adoperation") == ["cooperation"]     # soft hyphen
    assert corpus.tokenize("ab\u200bcd") == ["ab", "cd"]      # a zero-width space separates
    assert corpus.normalize("ＦＵＬＬ", lowercase=False) == "FULL"


def test_oov_entries_are_counted_with_their_reason(tmp_path, b3_kv):
    qa, ws = _b3_files(tmp_path, "café naïve zebra köln", "ankara full \u200d λόγος")
    result = b3_kv.evaluate_analogies(qa, restrict_vocab=10)
    assert (result.n_questions, result.n_oov, result.n_malformed) == (2, 2, 0)
    assert result.oov_words["ZEBRA"] == "not in the vocabulary"
    assert result.oov_words["FULL"].startswith("beyond restrict_vocab=10 (row 14)")
    assert result.oov_summary.startswith("2 questions out of vocabulary: 1 word(s) not in")
    qa.write_text(": s\n\u200d café naïve köln\n")         # only a ZWJ: no word left
    assert b3_kv.evaluate_analogies(qa).oov_words == {
        "": "no single word left after normalisation"}
    ws.write_text("café\tzebra\t1\nnaïve\tköln\t2\nfine\tfull\t3\nbad line\n")
    pairs = b3_kv.evaluate_word_pairs(ws)
    assert (pairs.n_pairs, pairs.n_oov, pairs.n_malformed) == (2, 1, 1)
    assert pairs.oov_words == {"ZEBRA": "not in the vocabulary"}


def test_keyed_vectors_lookup_normalises_but_keeps_case(b3_kv):
    assert b3_kv.index(_nfd("café")) == b3_kv.index("café")
    assert "café\u200f" in b3_kv and b3_kv.similarity("ca\u200dfé", "naïve") == \
        b3_kv.similarity("café", "naïve")
    assert "Café" not in b3_kv                 # no case folding: case variants may exist
    with pytest.raises(KeyError, match="w1: word 'Café' not in vocabulary"):
        b3_kv.similarity("Café", "naïve")


def test_evaluation_matches_gensim_on_ascii_files(tmp_path):
    from gensim.models import KeyedVectors as GensimKV
    words = ["king", "queen", "man", "woman", "Paris", "paris", "france", "italy", "rome"]
    V = np.random.default_rng(1).normal(size=(len(words), 6)).astype(np.float32)
    ours = evaluate.KeyedVectors(words, V)
    theirs = GensimKV(6)
    theirs.add_vectors(words, V)
    qa = tmp_path / "q.txt"
    qa.write_text(": a\nman king woman queen\nParis france rome italy\n: b\nMAN woman king "
                  "queen\nfrance PARIS italy rome\nzebra man king queen\n")
    assert ours.evaluate_analogies(qa).to_gensim() == theirs.evaluate_word_analogies(str(qa))


# B.2: huge and tiny vectors still have the cosines of their directions
@pytest.mark.parametrize("row, scale", [("b2_4_huge", 1e20), ("b2_5_tiny", 1e-25),
                                        ("float64_huge", 1e200)])
def test_b2_4_b2_5_cosines_do_not_overflow_or_underflow(row, scale):
    base = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.1], [-3.0, 1.0, 0.5]])
    dtype = np.float64 if scale > 1e100 else np.float32
    kv = evaluate.KeyedVectors(["a", "b", "c"], (base * scale).astype(dtype))
    ref = evaluate.KeyedVectors(["a", "b", "c"], base.astype(dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kv.similarity("a", "b") == pytest.approx(ref.similarity("a", "b"), abs=1e-6)
        assert kv.similarity("a", "b") > 0.99, row
        got = kv.most_similar("a")
    assert [w for w, _ in got] == ["b", "c"]
    assert got[0][1] == pytest.approx(ref.most_similar("a")[0][1], abs=1e-6)
    assert np.isfinite(kv.norms).all() and kv.norms[0] == pytest.approx(14 ** 0.5 * scale)
    hit = kv.similar_by_vector((base[1] * scale).astype(dtype), topn=1)[0]
    assert hit[0] == "b" and hit[1] == pytest.approx(1.0, abs=1e-6)


def test_ordinary_rows_keep_gensims_unit_vectors_bit_for_bit():
    V = np.random.default_rng(2).normal(size=(50, 16)).astype(np.float32)
    kv = evaluate.KeyedVectors([f"w{i}" for i in range(50)], V)
    expected = V / np.linalg.norm(V, axis=1)[:, None]           # what gensim computes
    assert np.array_equal(kv._unit, expected)


def test_b9_3_a_query_without_direction_is_refused():
    kv = evaluate.KeyedVectors(["a", "b", "c", "z"], [[1, 0], [0, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match="positive/negative: the query .* has no direction"):
        kv.most_similar(positive="a", negative="a")
    with pytest.raises(ValueError, match="no direction"):
        kv.most_similar("z")                                      # a zero row
    assert kv.most_similar("a", topn=1)[0][0] == "c"


# B.5: iterables that can be read once
_B5_KW = dict(d=8, epochs=3, min_count=1, progress=False, seed=1)


@pytest.fixture(scope="module")
def b5_small():
    return datasets.lee_corpus(max_tokens=1_500)


def test_b5_1_to_b5_3_one_shot_iterators_train_like_the_list(b5_small):
    import itertools
    ref = train(b5_small, **_B5_KW).V
    for one_shot in ((s for s in b5_small), map(list, b5_small),
                     itertools.chain(b5_small[:5], b5_small[5:]),
                     (iter(s) for s in b5_small)):          # sentences that are iterators
        np.testing.assert_array_equal(train(one_shot, **_B5_KW).V, ref)


class _SharedIterator:
    def __init__(self, sentences):
        self.it = iter(sentences)

    def __iter__(self):
        return self.it


@pytest.mark.parametrize("given_vocab", [False, True])
def test_b5_4_b5_5_a_shared_iterator_is_named_as_the_cause(b5_small, given_vocab):
    vocab = corpus.Vocab.build(b5_small, min_count=1) if given_vocab else None
    with pytest.raises(TypeError, match="iter.. of this _SharedIterator returns the same "
                                        "iterator on every call.*generator function"):
        train(_SharedIterator(b5_small), vocab=vocab, **_B5_KW)


def test_b5_6_a_shrinking_reiterable_is_refused(b5_small):
    class Shrinking:
        def __init__(self):
            self.n = 0

        def __iter__(self):
            self.n += 1
            return iter(b5_small[:len(b5_small) - self.n])

    with pytest.raises(ValueError, match="the corpus changed between passes"):
        train(Shrinking(), **_B5_KW)


def test_b5_7_an_endless_iterator_is_refused_at_the_memory_limit(monkeypatch):
    import itertools
    import time

    from w2vlib import _checks
    monkeypatch.setattr(_checks, "MAX_BYTES", 2**22)     # 4 MiB: stops after ~30k sentences
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"one-shot iterator \(repeat\) is read into memory.*"
                                         r"Is it endless"):
        train(itertools.repeat(["a", "b"]), **_B5_KW)
    assert time.perf_counter() - t0 < 5


# B.6: corpus files
def test_b6_1_a_byte_order_mark_is_not_glued_to_the_first_word(tmp_path, b5_small):
    path = tmp_path / "crlf_bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(" ".join(s) for s in b5_small[:20])
                     .encode())
    first = list(stream.LineSentences(path))[0]
    assert first == b5_small[0]
    vocab = corpus.Vocab.build(stream.LineSentences(path), min_count=1)
    assert vocab.words == corpus.Vocab.build(b5_small[:20], min_count=1).words


@pytest.mark.parametrize("kind", ["gz", "bz2"])
def test_b6_8_compressed_corpus_files_are_read(tmp_path, b5_small, kind):
    import bz2
    import gzip
    text = "\n".join(" ".join(s) for s in b5_small).encode()
    path = tmp_path / f"corpus.txt.{kind}"
    path.write_bytes(gzip.compress(text) if kind == "gz" else bz2.compress(text))
    assert list(stream.LineSentences(path)) == b5_small
    np.testing.assert_array_equal(train(path, **_B5_KW).V, train(b5_small, **_B5_KW).V)
    ws = tmp_path / f"ws.tsv.{kind}"                   # the evaluation readers too
    raw = "tiger\tcat\t7.35\n".encode()
    ws.write_bytes(gzip.compress(raw) if kind == "gz" else bz2.compress(raw))
    assert datasets.load_word_pairs(ws) == [("tiger", "cat", 7.35)]
    broken = tmp_path / f"broken.{kind}"
    broken.write_bytes(path.read_bytes()[:60])
    with pytest.raises(OSError, match=f"broken.{kind}: the {'gzip' if kind == 'gz' else kind}"
                                      " data is damaged or truncated"):
        list(stream.LineSentences(broken))


def test_b6_7_a_latin1_corpus_names_file_and_line_and_encoding(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("a b\nthe café\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt: line 2 is not valid UTF-8 .* pass "
                                         r"encoding= \(e.g. encoding='latin-1'\)"):
        train(path, **_B5_KW)
    assert list(stream.LineSentences(path, encoding="latin-1"))[1] == ["the", "café"]
    with pytest.raises(ValueError, match="encoding: expected the name of a text encoding"):
        stream.LineSentences(path, encoding="klingon")
    with pytest.raises(ValueError, match="encoding: 'utf-16' does not write a newline"):
        stream.LineSentences(path, encoding="utf-16")


def test_b6_2_to_b6_6_other_corpus_files_keep_their_behaviour(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"the\x00cat sat\rold mac\r\n\n")
    assert list(stream.LineSentences(path)) == [["the\x00cat", "sat"], ["old", "mac"], []]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match="expected at least one token, got an empty corpus"):
        train(empty, **_B5_KW)
    with pytest.raises(OSError, match="is not a file"):
        train(tmp_path, **_B5_KW)


# B.9: free exploration (the rows in files this branch owns)
@pytest.mark.parametrize("rng", ["seed", 1.5, -1, True])
def test_b9_6_negative_sampler_refuses_a_bad_rng_by_name(rng):
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator, an integer "
                                        "seed >= 0 or None"):
        corpus.NegativeSampler([3, 2, 1], rng=rng)


@pytest.mark.parametrize("size", [-1, (2, -3), 2.5, "3"])
def test_b9_6_negative_sampler_refuses_a_bad_size_by_name(size):
    sampler = corpus.NegativeSampler([3, 2, 1], rng=0)
    with pytest.raises(ValueError, match="size: expected a number of draws"):
        sampler.sample(size)
    assert sampler.sample((2, 3)).shape == (2, 3) and sampler.sample(0).shape == (0,)
    assert corpus.NegativeSampler([3, 2, 1], rng=7).sample(5).tolist() == \
        corpus.NegativeSampler([3, 2, 1], rng=np.random.default_rng(7)).sample(5).tolist()


def test_b9_9_unsegmented_scripts_are_one_token_per_run_as_documented():
    assert corpus.tokenize("我爱北京天安门。日本語の文章") == ["我爱北京天安门", "日本語の文章"]
    doc = " ".join(corpus.tokenize.__doc__.split())
    assert "are not segmented: a run of their letters is one token" in doc


class _Lines:
    """Token lists read from an open file, one line per next()."""

    def __init__(self, f):
        self.f = f

    def __iter__(self):
        return self

    def __next__(self):
        line = self.f.readline()
        if not line:
            raise StopIteration
        return line.split()


class _Rewinding:
    """__iter__ rewinds one file and returns the same iterator object on every pass."""

    def __init__(self, f):
        self.f, self.lines = f, _Lines(f)

    def __iter__(self):
        self.f.seek(0)
        return self.lines


def test_b5_4_a_shared_iterator_that_rewinds_is_accepted(tmp_path, b5_small):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in b5_small))
    with open(path, encoding="utf-8") as f:
        corpus_ = _Rewinding(f)
        assert iter(corpus_) is iter(corpus_)
        np.testing.assert_array_equal(train(corpus_, **_B5_KW).V,
                                      train(b5_small, **_B5_KW).V)
