"""w2vlib.datasets: gensim's test data, the synthetic corpus, text8 (offline)."""

import io
import os
import re
import urllib.request
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from w2vlib import datasets
from w2vlib.corpus import tokenize
from w2vlib.evaluate import KeyedVectors, evaluate_analogies

ALPHA = re.compile(r"[^\W\d_]+")


# ---------------------------------------------------------------- cache directory
def test_cache_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLIB_CACHE", str(tmp_path / "from_env"))
    assert datasets.cache_dir() == tmp_path / "from_env" and (tmp_path / "from_env").is_dir()
    assert datasets.cache_dir(tmp_path / "explicit") == tmp_path / "explicit"
    monkeypatch.delenv("W2VLIB_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets.cache_dir() == tmp_path / "home" / ".cache" / "w2vlib"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="cache_dir: expected a directory"):
        datasets.cache_dir(tmp_path / "file")


# ---------------------------------------------------------------- Wikipedia
@pytest.fixture(scope="module")
def wiki_cache(tmp_path_factory):
    """Parse the dump once for this module, into a fresh cache directory."""
    cache = tmp_path_factory.mktemp("w2vcache")
    sentences = datasets.wiki_corpus(cache_dir=cache)
    return cache, sentences


def test_wiki_corpus_size_and_tokens(wiki_cache):
    _, sentences = wiki_cache
    total = datasets.count_tokens(sentences)
    assert 450_000 < total < 490_000                     # ~470k, as the reference says
    assert max(len(s) for s in sentences) <= 1000
    assert all(s for s in sentences)
    sample = [w for s in sentences[::50] for w in s]
    assert all(ALPHA.fullmatch(w) and w == w.lower() for w in sample)
    counts = Counter(w for s in sentences for w in s)
    assert counts.most_common(3)[0][0] == "the"
    assert sentences[0][:3] == ["anarchism", "is", "a"]
    # redirect pages are skipped
    assert not any(s[0] == "redirect" for s in sentences)


def test_wiki_corpus_cache_is_used(wiki_cache, monkeypatch):
    cache, sentences = wiki_cache
    files = list(cache.iterdir())
    assert [f.name for f in files] == [datasets._wiki_cache_name()]
    assert files[0].name.startswith(f"enwiki-shortened.v{datasets._WIKI_CACHE_VERSION}-")

    def no_parse():
        raise AssertionError("the dump was parsed again despite the cache")

    monkeypatch.setattr(datasets, "_wiki_paragraphs", no_parse)
    assert datasets.wiki_corpus(cache_dir=cache) == sentences
    monkeypatch.setenv("W2VLIB_CACHE", str(cache))
    assert datasets.wiki_corpus(max_tokens=5) == [sentences[0][:5]]


def test_wiki_corpus_slices_and_chunks(wiki_cache):
    cache, sentences = wiki_cache
    part = datasets.wiki_corpus(max_tokens=10_000, cache_dir=cache)
    assert datasets.count_tokens(part) == 10_000
    flat = [w for s in sentences for w in s]
    assert [w for s in part for w in s] == flat[:10_000]
    assert part[:-1] == sentences[:len(part) - 1]
    small = datasets.wiki_corpus(cache_dir=cache, chunk_size=50)
    assert max(len(s) for s in small) == 50
    assert [w for s in small for w in s] == flat
    with pytest.raises(ValueError, match="max_tokens: expected an integer >= 1 or None, got 0"):
        datasets.wiki_corpus(max_tokens=0, cache_dir=cache)
    with pytest.raises(ValueError, match="chunk_size: expected an integer >= 1, got 2.5"):
        datasets.wiki_corpus(cache_dir=cache, chunk_size=2.5)


def test_unreadable_cache_is_rebuilt(tmp_path, monkeypatch):
    cache = tmp_path / "c"
    cache.mkdir()
    path = cache / datasets._wiki_cache_name()
    path.write_bytes(b"\x1f\x8b garbage, not gzip")
    monkeypatch.setattr(datasets, "_wiki_paragraphs", lambda: [["alpha", "beta"], ["gamma"]])
    assert datasets.wiki_corpus(cache_dir=cache) == [["alpha", "beta"], ["gamma"]]
    monkeypatch.setattr(datasets, "_wiki_paragraphs", lambda: 1 / 0)
    assert datasets.wiki_corpus(cache_dir=cache) == [["alpha", "beta"], ["gamma"]]


def test_lee_corpus():
    docs = datasets.lee_corpus()
    assert len(docs) == 300
    assert 55_000 < datasets.count_tokens(docs) < 65_000
    assert docs[0][:3] == ["hundreds", "of", "people"]
    assert docs == [tokenize(line) for line in
                    open(Path(datasets.analogy_path()).parent / "lee_background.cor")]
    assert datasets.count_tokens(datasets.lee_corpus(max_tokens=1234)) == 1234


# ---------------------------------------------------------------- evaluation sets
def test_load_google_analogies():
    qs = datasets.load_analogies(datasets.analogy_path())
    assert len(qs) == 19544
    sections = list(dict.fromkeys(q.section for q in qs))
    assert len(sections) == 14 and sections[0] == "capital-common-countries"
    assert sections[-1] == "gram9-plural-verbs"
    assert qs[0] == datasets.Analogy("capital-common-countries",
                                     "athens", "greece", "baghdad", "iraq")
    raw = datasets.load_analogies(datasets.analogy_path(), lowercase=False)
    assert raw[0].a == "Athens"


def test_load_wordsim353():
    pairs = datasets.load_word_pairs(datasets.wordsim_path())
    assert len(pairs) == 353
    assert pairs[0] == ("love", "sex", 6.77)
    assert all(0 <= s <= 10 for _, _, s in pairs)


def test_write_then_load_analogies(tmp_path):
    qs = [datasets.Analogy("s1", "a", "b", "c", "d"), datasets.Analogy("s1", "e", "f", "g", "h"),
          datasets.Analogy("s2", "i", "j", "k", "l")]
    datasets.write_analogies(tmp_path / "q.txt", qs)
    assert (tmp_path / "q.txt").read_text() == ": s1\na b c d\ne f g h\n: s2\ni j k l\n"
    assert datasets.load_analogies(tmp_path / "q.txt") == qs
    with pytest.raises(ValueError, match="single words, got .* at position 0"):
        datasets.write_analogies(tmp_path / "x.txt", [("s", "a b", "c", "d", "e")])
    with pytest.raises(ValueError, match="at least one question"):
        datasets.write_analogies(tmp_path / "x.txt", [])


@pytest.mark.parametrize("content, match", [
    ("a b c d\n", "line 1: expected a section header"),
    (": s\na b c\n", "line 2: expected 4 words 'a b c d', got 3"),
    (":\na b c d\n", "line 1: expected a section name"),
    (": s\n\n", "expected analogy questions, found none"),
])
def test_load_analogies_malformed(tmp_path, content, match):
    path = tmp_path / "q.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        datasets.load_analogies(path)


@pytest.mark.parametrize("content, match", [
    ("a\tb\n", "line 1: expected 'word1"),
    ("# c\na\tb\tnot-a-number\n", "line 2: expected"),
    ("# only comments\n", "expected word pairs, found none"),
])
def test_load_word_pairs_malformed(tmp_path, content, match):
    path = tmp_path / "p.tsv"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        datasets.load_word_pairs(path)


# ---------------------------------------------------------------- synthetic corpus
def test_synthetic_corpus_is_seeded_and_complete(tmp_path):
    s1, q1 = datasets.synthetic_corpus(n_sentences=2000, seed=3)
    s2, q2 = datasets.synthetic_corpus(n_sentences=2000, seed=3)
    s3, _ = datasets.synthetic_corpus(n_sentences=2000, seed=4)
    assert s1 == s2 and q1 == q2 and s1 != s3
    assert len(s1) == 2000 and all(isinstance(w, str) for s in s1 for w in s)
    assert len(q1) == 3 * 10 * 9
    assert {q.section for q in q1} == set(datasets.SYNTHETIC_FAMILIES)
    assert datasets.Analogy("country-capital", "france", "paris", "japan", "tokyo") in q1
    vocab = {w for s in s1 for w in s}
    assert {w for q in q1 for w in q[1:]} <= vocab
    # every sentence is lowercase alphabetic: it survives tokenize unchanged
    assert all(tokenize(" ".join(s)) == s for s in s1[:200])
    path = tmp_path / "planted.txt"
    _, q4 = datasets.synthetic_corpus(n_sentences=10, seed=3, questions_path=path)
    assert datasets.load_analogies(path) == q4 == q1


def test_planted_analogies_fail_on_random_vectors(tmp_path):
    """The control: without training, the planted questions are not solved."""
    path = tmp_path / "q.txt"
    sentences, _ = datasets.synthetic_corpus(n_sentences=3000, seed=0, questions_path=path)
    words = sorted({w for s in sentences for w in s})
    rng = np.random.default_rng(0)
    res = evaluate_analogies(KeyedVectors(words, rng.normal(size=(len(words), 30))), path)
    assert res.coverage == 1.0
    assert res.accuracy < 0.1


def test_planted_analogies_are_solved_by_gensim(tmp_path):
    from gensim.models import Word2Vec
    path = tmp_path / "q.txt"
    sentences, _ = datasets.synthetic_corpus(n_sentences=3000, seed=0, questions_path=path)
    model = Word2Vec(sentences, vector_size=30, window=5, min_count=1, sg=1, negative=5,
                     epochs=5, workers=1, seed=1, hashfxn=lambda s: zlib.crc32(s.encode()))
    kv = KeyedVectors(model.wv.index_to_key, model.wv.vectors)
    for method in ("3cosadd", "3cosmul"):
        res = kv.evaluate_analogies(path, method=method)
        assert res.coverage == 1.0
        assert res.accuracy > 0.8, (method, res.table())
        assert min(s.accuracy for s in res.sections) > 0.6


def test_planted_analogies_are_solved_by_w2vlib_trainer(tmp_path):
    from w2vlib.train import train
    path = tmp_path / "q.txt"
    sentences, _ = datasets.synthetic_corpus(n_sentences=3000, seed=0, questions_path=path)
    model = train(sentences, d=30, epochs=5, min_count=1, seed=0, progress=False)
    res = model.wv.evaluate_analogies(path)
    assert res.coverage == 1.0
    assert res.accuracy > 0.75, res.table()


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_sentences=0), "n_sentences: expected at least 1"),
    (dict(n_sentences=-5), "n_sentences: expected a non-negative integer"),
    (dict(seed=1.5), "seed: expected a non-negative integer"),
    (dict(background=1.0), r"background: expected a probability in \[0, 1\)"),
])
def test_synthetic_corpus_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.synthetic_corpus(**kwargs)


# ---------------------------------------------------------------- text8, offline
def make_text8_zip(path, text, member="text8"):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, text)
    return path


@pytest.fixture
def text8_source(tmp_path):
    """A small fake text8.zip (leading space like the real file), served from file://."""
    rng = np.random.default_rng(0)
    vocab = np.array(["anarchism", "originated", "as", "a", "term", "of", "abuse", "first"])
    words = rng.choice(vocab, size=250_000).tolist()       # ~1.4 MB: crosses read blocks
    text = " " + " ".join(words)
    src = make_text8_zip(tmp_path / "source.zip", text)
    return src.as_uri(), words


@pytest.fixture
def count_downloads(monkeypatch):
    calls = []
    real = urllib.request.urlopen

    def counting(url, *args, **kwargs):
        calls.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", counting)
    return calls


def test_text8_downloads_once_and_reads(tmp_path, text8_source, count_downloads):
    url, words = text8_source
    cache = tmp_path / "cache"
    tokens = datasets.text8(cache_dir=cache, url=url)
    assert tokens == words
    assert count_downloads == [url]
    assert sorted(os.listdir(cache)) == ["text8.zip"]
    again = datasets.text8(cache_dir=cache, url=url, max_tokens=1000)
    assert again == words[:1000]
    assert count_downloads == [url]                         # served from the cache
    assert datasets.text8(cache_dir=cache, url="file:///nonexistent", max_tokens=3) == words[:3]
    assert datasets.chunk(again, 300)[-1] == words[900:1000]


def test_text8_max_tokens_across_blocks(tmp_path, text8_source):
    url, words = text8_source
    n = 200_000                       # beyond the first 1 MB block
    assert datasets.text8(cache_dir=tmp_path, url=url, max_tokens=n) == words[:n]


def test_text8_failed_download_leaves_nothing(tmp_path):
    cache = tmp_path / "cache"
    bad = (tmp_path / "missing.zip").as_uri()
    with pytest.raises(OSError, match="could not download .*missing.zip"):
        datasets.text8(cache_dir=cache, url=bad)
    assert os.listdir(cache) == []


def test_text8_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    class Broken(io.BytesIO):
        def read(self, n=-1):
            if self.tell() > 0:
                raise ConnectionResetError("connection reset by peer")
            return super().read(10)

        def __enter__(self):
            return self

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: Broken(b"x" * 100))
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match="connection reset by peer"):
        datasets.text8(cache_dir=cache, url="http://example.invalid/text8.zip")
    assert os.listdir(cache) == []


def test_text8_bad_cached_file(tmp_path):
    (tmp_path / "text8.zip").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="expected a zip file .*delete it to download again"):
        datasets.text8(cache_dir=tmp_path)
    make_text8_zip(tmp_path / "text8.zip", "a b", member="one")
    assert datasets.text8(cache_dir=tmp_path) == ["a", "b"]    # a single member is accepted
    with zipfile.ZipFile(tmp_path / "text8.zip", "a") as zf:
        zf.writestr("two", "c")
    with pytest.raises(ValueError, match="expected a zip holding the file 'text8'"):
        datasets.text8(cache_dir=tmp_path)


def test_text8_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="max_tokens: expected an integer >= 1 or None, got -1"):
        datasets.text8(cache_dir=tmp_path, max_tokens=-1)
    with pytest.raises(ValueError, match="url: expected a URL string"):
        datasets.text8(cache_dir=tmp_path, url=None)
    with pytest.raises(ValueError, match="size: expected an integer >= 1, got 0"):
        datasets.chunk(["a"], 0)


def test_truncate_keeps_sentence_boundaries_and_refuses_bad_sizes():
    sentences = [["a", "b", "c"], ["d", "e"], ["f"]]
    assert datasets.truncate(sentences, 4) == [["a", "b", "c"], ["d"]]
    assert datasets.truncate(sentences, 3) == [["a", "b", "c"]]
    assert datasets.truncate(sentences, 100) == sentences
    assert datasets.truncate(sentences, None) is sentences
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="max_tokens: expected an integer >= 1 or None"):
            datasets.truncate(sentences, bad)
