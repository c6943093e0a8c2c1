"""w2vlib.evaluate: keyed vectors, analogies (3CosAdd / 3CosMul), word-pair correlations.

The evaluations are checked against gensim 4.4 on the real Google analogy set and
WordSim353, with vectors we build (no training): the counts (per section correct and
incorrect, coverage) and Spearman rho / OOV share must be equal to gensim's.
"""

import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV
from gensim.test.utils import datapath
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vlib.evaluate import KeyedVectors, cosine_matrix, evaluate_analogies, evaluate_word_pairs

QW = datapath("questions-words.txt")
WS = datapath("wordsim353.tsv")


def gensim_kv(words, vectors):
    kv = GensimKV(vectors.shape[1])
    kv.add_vectors(list(words), np.asarray(vectors, dtype=np.float32))
    return kv


def planted_vectors(seed=0, d=20, keep=0.8, noise=0.6):
    """Vectors for a random 80% of the analogy words where, section by section, b = a +
    offset + noise: many analogies come out right, many wrong (conflicts and noise).
    Some capitalised variants come *before* their lowercase word with an unrelated
    vector, so the case-folding rule (first variant wins) changes answers."""
    rng = np.random.default_rng(seed)
    questions = []
    with open(QW) as f:
        for line in f:
            if line.startswith(":"):
                sec = line
            else:
                questions.append((sec, line.lower().split()))
    words = sorted({w for _, q in questions for w in q})
    rng.shuffle(words)
    words = words[: int(keep * len(words))]
    offsets, vec = {}, {}
    for sec, q in questions:
        off = offsets.setdefault(sec, rng.normal(size=d))
        for a, b in ((q[0], q[1]), (q[2], q[3])):
            vec.setdefault(a, rng.normal(size=d))
            vec.setdefault(b, vec[a] + off + noise * rng.normal(size=d))
    V = np.array([vec[w] for w in words])
    variants = [w.capitalize() for w in words[100:130]]
    words = words[:100] + variants + words[100:]
    V = np.vstack([V[:100], rng.normal(size=(len(variants), d)), V[100:]])
    return words, V.astype(np.float32)


@pytest.fixture(scope="module")
def planted():
    words, V = planted_vectors()
    return KeyedVectors(words, V), gensim_kv(words, V)


# ---------------------------------------------------------------- analogies vs gensim
@pytest.mark.parametrize("restrict_vocab", [None, 400])
def test_evaluate_analogies_counts_equal_gensim(planted, restrict_vocab):
    ours, theirs = planted
    r = restrict_vocab or len(ours)
    res = evaluate_analogies(ours, QW, restrict_vocab=r)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g_score, g_sections = theirs.evaluate_word_analogies(QW, restrict_vocab=r)
    score, sections = res.to_gensim()
    assert [s["section"] for s in sections] == [s["section"] for s in g_sections]
    assert sections[-1]["section"] == "Total accuracy"
    for mine, ref in zip(sections, g_sections):
        assert mine["correct"] == ref["correct"], mine["section"]
        assert mine["incorrect"] == ref["incorrect"], mine["section"]
    assert score == g_score
    # the comparison is not trivial: partial coverage, accuracy far from 0 and 1
    assert res.n_questions == 19544
    assert res.n_covered == len(g_sections[-1]["correct"]) + len(g_sections[-1]["incorrect"])
    assert res.n_oov == res.n_questions - res.n_covered
    assert 0.02 < res.coverage < 0.9
    assert 0.2 < res.accuracy < 0.95
    assert res.oov_ratio == pytest.approx(1 - res.coverage)


def test_default_restrict_vocab_is_30000_and_sections_are_named(planted):
    ours, _ = planted
    res = ours.evaluate_analogies(QW)
    assert res.restrict_vocab == len(ours)           # 30000 capped at n
    assert [s.name for s in res.sections][:2] == ["capital-common-countries", "capital-world"]
    assert len(res.sections) == 14
    assert res.section("family") is res.sections[4]
    assert res.section("Total accuracy") is res.total
    with pytest.raises(KeyError, match="section 'nope'"):
        res.section("nope")
    table = res.table()
    assert "capital-world" in table and "Total accuracy" in table and "coverage" in table
    assert sum(s.n_covered for s in res.sections) == res.n_covered


def test_case_sensitive_counts_equal_gensim(planted):
    ours, theirs = planted
    res = evaluate_analogies(ours, QW, restrict_vocab=len(ours), case_insensitive=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, g_sections = theirs.evaluate_word_analogies(QW, restrict_vocab=len(ours),
                                                       case_insensitive=False)
    assert res.to_gensim()[1] == g_sections
    # the file is capitalised for names: few questions are covered case-sensitively
    assert res.n_covered < evaluate_analogies(ours, QW, restrict_vocab=len(ours)).n_covered


def test_3cosmul_counts_equal_gensim_cosmul(planted, tmp_path):
    """gensim's evaluate always uses 3CosAdd; route its loop through most_similar_cosmul
    (eps = 1e-6 in gensim) and compare our method='3cosmul' on a subset of questions."""
    ours, theirs = planted
    lines, n = [], 0
    with open(QW) as f:
        for line in f:
            if line.startswith(":"):
                lines.append(line)
                n = 0
            elif n < 150:
                lines.append(line)
                n += 1
    path = tmp_path / "subset.txt"
    path.write_text("".join(lines))

    def via_cosmul(positive, negative, topn, restrict_vocab):
        return theirs.most_similar_cosmul(positive=positive, negative=negative, topn=topn)

    theirs.most_similar = via_cosmul
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, g_sections = theirs.evaluate_word_analogies(str(path), restrict_vocab=len(ours))
    finally:
        del theirs.most_similar
    res = evaluate_analogies(ours, path, restrict_vocab=len(ours), method="3cosmul", eps=1e-6)
    assert res.to_gensim()[1] == g_sections
    assert 0.2 < res.accuracy < 0.95
    # and 3CosMul is a different method: some answers differ from 3CosAdd
    add = evaluate_analogies(ours, path, restrict_vocab=len(ours))
    assert add.total.correct != res.total.correct


# ---------------------------------------------------------------- word pairs vs gensim
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_evaluate_word_pairs_equal_gensim(case_insensitive):
    rng = np.random.default_rng(3)
    pairs = [line.split("\t")[:2] for line in open(WS) if not line.startswith("#")]
    words = sorted({w for p in pairs for w in p})
    rng.shuffle(words)
    words = words[: int(0.85 * len(words))]
    words = ["Tiger", "Love"] + words + ["filler%s" % c for c in "abcdefgh"]
    d = 8
    V = rng.normal(size=(len(words), d))
    # make the cosines agree somewhat with the human scores: rho well away from 0
    score = {(a, b): float(s) for a, b, s in (line.split("\t") for line in open(WS)
                                              if not line.startswith("#"))}
    index = {w: i for i, w in enumerate(words)}
    for (a, b), s in score.items():
        if a in index and b in index and s > 7:
            V[index[b]] = V[index[a]] + 0.5 * rng.normal(size=d)
    V = V.astype(np.float32)
    ours = KeyedVectors(words, V)
    res = evaluate_word_pairs(ours, WS, case_insensitive=case_insensitive)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pearson, spearman, oov = gensim_kv(words, V).evaluate_word_pairs(
            WS, case_insensitive=case_insensitive)
    assert res.spearman == pytest.approx(spearman[0], abs=1e-9)
    assert res.spearman_pvalue == pytest.approx(spearman[1], rel=1e-6)
    assert res.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert 100 * res.oov_ratio == pytest.approx(oov, abs=1e-12)
    assert res.n_pairs + res.n_oov == 353
    assert 0.05 < res.oov_ratio < 0.5 and res.spearman > 0.2
    assert "Spearman" in str(res)


def test_word_pairs_restrict_vocab_counts_as_oov():
    words = ["tiger", "cat", "love", "sex"]
    V = np.eye(4, dtype=np.float32) + 0.1
    kv = KeyedVectors(words, V)
    full = kv.evaluate_word_pairs(WS)
    part = kv.evaluate_word_pairs(WS, restrict_vocab=2)
    assert full.n_pairs == 3        # love-sex, tiger-cat, tiger-tiger
    assert part.n_pairs == 2 and part.n_oov == full.n_oov + 1


def test_word_pairs_with_nothing_covered_is_an_error():
    kv = KeyedVectors(["zzz", "yyy"], np.eye(2))
    with pytest.raises(ValueError, match="found none"):
        kv.evaluate_word_pairs(WS)


# ---------------------------------------------------------------- similarity queries vs gensim
def test_most_similar_equals_gensim(planted):
    ours, theirs = planted
    w = ours.words
    for pos, neg in (([w[150]], []), ([w[200], w[201]], [w[202]]), (w[250], [w[251]])):
        for r in (None, 300):
            mine = ours.most_similar(positive=pos, negative=neg, topn=7, restrict_vocab=r)
            ref = theirs.most_similar(positive=pos, negative=neg, topn=7, restrict_vocab=r)
            assert [w for w, _ in mine] == [w for w, _ in ref]
            np.testing.assert_allclose([s for _, s in mine], [s for _, s in ref], atol=1e-5)


def test_analogy_methods_equal_gensim(planted):
    ours, theirs = planted
    a, b, c = ours.words[140], ours.words[160], ours.words[180]
    add = ours.analogy(a, b, c, topn=5)
    ref = theirs.most_similar(positive=[b, c], negative=[a], topn=5)
    assert [w for w, _ in add] == [w for w, _ in ref]
    mul = ours.analogy(a, b, c, topn=5, method="3cosmul", eps=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = theirs.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
    assert [w for w, _ in mul] == [w for w, _ in ref]
    np.testing.assert_allclose([s for _, s in mul], [s for _, s in ref], rtol=1e-5)
    mul2 = ours.most_similar_cosmul([b, c], [a], topn=5, eps=1e-6)
    assert [w for w, _ in mul2] == [w for w, _ in ref]
    assert ours.similarity(a, b) == pytest.approx(float(theirs.similarity(a, b)), abs=1e-6)


def test_analogy_by_hand_and_query_words_excluded():
    # gender along axis 1, royalty along axis 2: king - man + woman = queen; the query
    # words themselves score high too (king is close to the target) and must be excluded
    words = ["man", "woman", "king", "queen", "apple"]
    V = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [0.2, -0.5, 0.1]], dtype=float)
    kv = KeyedVectors(words, V)
    for method in ("3cosadd", "3cosmul"):
        best = kv.analogy("man", "king", "woman", topn=2, method=method)
        assert best[0][0] == "queen"
        assert {w for w, _ in best}.isdisjoint({"man", "king", "woman"})
    # 3CosAdd's score is the cosine with the normalised b - a + c
    target = V[2] / np.linalg.norm(V[2]) - V[0] / np.linalg.norm(V[0]) + V[1] / np.linalg.norm(V[1])
    expected = target @ V[3] / np.linalg.norm(target) / np.linalg.norm(V[3])
    assert kv.analogy("man", "king", "woman")[0][1] == pytest.approx(expected)
    # 3CosMul's score: shifted cosines, product over (negative + eps)
    cos = cosine_matrix(V)
    sh = (1 + cos[3]) / 2
    assert kv.analogy("man", "king", "woman", method="3cosmul", eps=1e-3)[0][1] == pytest.approx(
        sh[2] * sh[1] / (sh[0] + 1e-3))
    assert kv.most_similar("queen", topn=1)[0][0] != "queen"


def test_keyedvectors_copies_its_input():
    V = np.eye(3)
    kv = KeyedVectors(["a", "b", "c"], V)
    V[0, 1] = 5.0                       # the caller keeps a writable array ...
    assert V.flags.writeable
    assert kv.similarity("a", "b") == 0.0          # ... whose later changes do not leak in
    with pytest.raises(ValueError):
        kv.vectors[0, 0] = 2.0


def test_zero_vector_has_cosine_zero():
    kv = KeyedVectors(["a", "b", "c"], np.array([[1.0, 0], [0, 0], [0.5, 0.5]]))
    assert kv.similarity("a", "b") == 0.0
    res = kv.most_similar("a", topn=2)
    assert res[0][0] == "c" and res[1] == ("b", 0.0)


@settings(deadline=None)
@given(st.integers(2, 40), st.integers(1, 6), st.integers(0, 10**6), st.integers(1, 50))
def test_most_similar_is_sorted_brute_force(n, d, seed, topn):
    rng = np.random.default_rng(seed)
    V = rng.normal(size=(n, d))
    kv = KeyedVectors([f"w{i}" for i in range(n)], V)
    res = kv.most_similar("w0", topn=topn)
    assert len(res) == min(topn, n - 1)
    cos = cosine_matrix(V)[0]
    expected = sorted(range(1, n), key=lambda j: -cos[j])[:topn]
    np.testing.assert_allclose([s for _, s in res], cos[expected], atol=1e-12)
    assert all(-1 - 1e-12 <= s <= 1 + 1e-12 for _, s in res)
    i, j = rng.integers(n, size=2)
    assert kv.similarity(f"w{i}", f"w{j}") == pytest.approx(kv.similarity(f"w{j}", f"w{i}"))


def test_keyedvectors_container_and_roundtrip(tmp_path):
    kv = KeyedVectors(["x", "y"], np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert len(kv) == 2 and kv.n == 2 and kv.d == 2 and "x" in kv and "z" not in kv
    np.testing.assert_array_equal(kv["y"], [3.0, 4.0])
    np.testing.assert_allclose(np.linalg.norm(kv.unit("y")), 1.0)
    assert "n=2" in repr(kv)
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    back = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert back.words == kv.words
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    g = kv.to_gensim()
    assert g.index_to_key == ["x", "y"]


# ---------------------------------------------------------------- bad input
@pytest.fixture
def small():
    return KeyedVectors(["a", "b", "c", "d"], np.eye(4))


def test_unknown_word_is_a_keyerror(small):
    with pytest.raises(KeyError, match="word 'unknownword' not in vocabulary"):
        small.most_similar("unknownword")
    with pytest.raises(KeyError, match="word 'zz' not in vocabulary"):
        small.similarity("a", "zz")
    with pytest.raises(KeyError, match="word 'zz' not in vocabulary"):
        small.analogy("a", "b", "zz")
    with pytest.raises(KeyError, match="word 'zz' not in vocabulary"):
        small["zz"]
    with pytest.raises(KeyError, match="word 'zz' not in vocabulary"):
        small.most_similar_cosmul(["a"], ["zz"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(topn=0), "topn: expected an integer >= 1, got 0"),
    (dict(topn=1.5), "topn: expected an integer >= 1"),
    (dict(restrict_vocab=0), "restrict_vocab: expected an integer >= 1 or None, got 0"),
    (dict(method="cos"), "method: expected one of"),
    (dict(eps=0.0), "eps: expected a finite number > 0, got 0.0"),
])
def test_analogy_bad_arguments(small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        small.analogy("a", "b", "c", **kwargs)


def test_most_similar_needs_a_query(small):
    with pytest.raises(ValueError, match="at least one query word"):
        small.most_similar()
    with pytest.raises(ValueError, match="positive: expected at least one"):
        small.most_similar_cosmul([], ["a"])
    with pytest.raises(ValueError, match="positive: expected a word or a list of words"):
        small.most_similar(3)
    with pytest.raises(ValueError, match="vector: expected shape"):
        small.similar_by_vector(np.ones(3))
    with pytest.raises(ValueError, match="vector: expected a non-zero vector"):
        small.similar_by_vector(np.zeros(4))
    assert small.similar_by_vector(np.array([0, 0, 1.0, 0]), topn=1)[0][0] == "c"


@pytest.mark.parametrize("words, vectors, match", [
    (["a", "b"], np.eye(3), "expected one word per row, got 2 words"),
    (["a", "a"], np.eye(2), "distinct words, 'a' appears at positions 0 and 1"),
    (["a", ""], np.eye(2), "non-empty strings, got '' at position 1"),
    (["a", 7], np.eye(2), "non-empty strings, got 7 at position 1"),
    ("ab", np.eye(2), "single str"),
    (["a", "b"], np.array([[1.0, np.nan], [0, 1]]), "vectors: expected finite values"),
    (["a", "b"], np.ones(2), "vectors: expected 2 dimension"),
])
def test_keyedvectors_bad_construction(words, vectors, match):
    with pytest.raises(ValueError, match=match):
        KeyedVectors(words, vectors)


def test_evaluate_bad_files(small, tmp_path):
    no_header = tmp_path / "a.txt"
    no_header.write_text("a b c d\n")
    with pytest.raises(ValueError, match="expected a section header"):
        small.evaluate_analogies(no_header)
    empty = tmp_path / "b.txt"
    empty.write_text(": only-a-header\nthree words only\n")
    with pytest.raises(ValueError, match="expected analogy questions"):
        small.evaluate_analogies(empty)
    latin1 = tmp_path / "c.txt"
    latin1.write_bytes(b": s\na b c \xe9\n")
    with pytest.raises(ValueError, match="line 2 is not valid UTF-8"):
        small.evaluate_analogies(latin1)
    with pytest.raises(ValueError, match="kv: expected a w2vlib KeyedVectors"):
        evaluate_analogies("not kv", no_header)
    with pytest.raises(ValueError, match="kv: expected a w2vlib KeyedVectors"):
        evaluate_word_pairs("not kv", WS)
    with pytest.raises(ValueError, match="delimiter: expected a non-empty string"):
        small.evaluate_word_pairs(WS, delimiter="")


def test_malformed_question_lines_are_skipped_and_uncovered_counted(small, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": s1\na b c d\nA B D C\nbad line\n\na b c zz\n: s2\nd c b a\n")
    res = small.evaluate_analogies(path)
    assert res.n_questions == 4 and res.n_oov == 1 and res.n_covered == 3
    assert [s.n_covered for s in res.sections] == [2, 1]
    assert res.section("s1").correct + res.section("s1").incorrect == [
        ("A", "B", "C", "D"), ("A", "B", "D", "C")]
