"""Bad input never gives a silent wrong answer (issue 12).

First every case the issue lists, each with the error it must now raise; then a
Hypothesis test that feeds random bad values, one argument at a time, to the public
functions and accepts only a clear error (ValueError, TypeError, KeyError, IndexError
or OSError whose message names the argument) or a finite result.
"""

import tracemalloc
import unicodedata
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib import (corpus, datasets, evaluate, fast, functions, glove, huffman, jacobians,
                    objectives, pmi, quality)
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
