"""From raw text to training examples: tokens, vocabulary, subsampling, noise, windows.

The pipeline, in the order the trainer runs it::

    tokenize(text)                         -> ["the", "cat", ...]
    Vocab.build(sentences, min_count=5)    -> words sorted by frequency, counts, index
    vocab.encode(tokens)                   -> int array (out-of-vocabulary words dropped)
    keep_probability(vocab.counts, 1e-3)   -> per-word probability of keeping a token
    subsample(sentences_idx, keep, rng)    -> thinned sentences (frequent words dropped)
    skipgram_pairs(sentences_idx, window, rng)   -> (centres, contexts), whole epoch at once
    cbow_examples(sentences_idx, window, rng)    -> centres, padded contexts, mask
    NegativeSampler(vocab.counts, 0.75, rng)     -> k_1..k_K drawn from P_n(w) ~ #(w)^(3/4)

Everything that touches the corpus is vectorised over a whole epoch: the
sentences are concatenated into one token array with a sentence id per token,
and windows never cross a sentence boundary. Sentences are lists (or 1-D arrays)
of word indices ``0..n-1``; an empty sentence is allowed and contributes nothing.
"""

import math
import numbers
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from . import _checks as chk

__all__ = [
    "tokenize",
    "Vocab",
    "keep_probability",
    "subsample",
    "noise_distribution",
    "NegativeSampler",
    "flatten",
    "dynamic_windows",
    "skipgram_pairs",
    "cbow_examples",
    "SUBSAMPLING_FORMULAS",
]

_WORD = None             # compiled on first use: letters followed by letters or marks

SUBSAMPLING_FORMULAS = ("word2vec", "paper", "d2l")


# --------------------------------------------------------------------------- tokens
def _word_pattern():
    """A letter followed by letters and combining marks (Unicode categories L*, M*).

    Python's ``re`` has no ``\\p{M}``, so the ranges of the mark categories are read
    from :mod:`unicodedata` once (about 0.15 s) and put in a character class.
    """
    global _WORD
    if _WORD is None:
        ranges, start = [], None
        for cp in range(sys.maxunicode + 2):
            mark = cp <= sys.maxunicode and unicodedata.category(chr(cp))[0] == "M"
            if mark and start is None:
                start = cp
            elif not mark and start is not None:
                ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(cp - 1))}")
                start = None
        marks = "".join(ranges)
        _WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{marks}])*")
    return _WORD


def tokenize(text):
    """Split text into lowercase word tokens.

    A token is a letter followed by any run of letters and combining marks, so words
    written with combining marks stay whole: "हिन्दी भाषा" gives ["हिन्दी", "भाषा"] and
    "naïve Zürich" gives ["naïve", "zürich"] whether the accents are precomposed or
    combining. Digits, punctuation, underscores and whitespace separate tokens and are
    dropped: "Don't panic: 42 towels!" gives ["don", "t", "panic", "towels"].

    The text is NFKC-normalised, lowercased, and normalised again (lowercasing can
    produce sequences that compose); the combining dot above that lowercasing leaves
    after "i" (from "İ", U+0130) is dropped, so "İstanbul" gives ["istanbul"].
    text: str. Returns a list of str (empty for text without letters).
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).lower())
    text = text.replace("i\u0307", "i")
    return _word_pattern().findall(text)


# --------------------------------------------------------------------------- vocabulary
def _check_min_count(min_count):
    return chk.positive_int(min_count, "min_count")


@dataclass
class Vocab:
    """The vocabulary: words sorted by decreasing count, ties broken alphabetically.

    ``words[w]`` is the word with index ``w``, ``counts[w]`` its count #(w) (int64),
    ``index[word]`` its index. ``len(vocab)`` is n; ``word in vocab`` tests membership.
    Index 0 is the most frequent word.
    """

    words: list
    counts: np.ndarray
    index: dict = field(repr=False)

    @classmethod
    def build(cls, sentences, min_count=5):
        """Count the tokens of ``sentences`` (an iterable of lists of str) and keep the
        words seen at least ``min_count`` times."""
        min_count = _check_min_count(min_count)
        counter = Counter()
        for i, sentence in enumerate(sentences):
            if isinstance(sentence, str):
                raise ValueError("sentences: expected an iterable of token lists, got a str "
                                 "among them (tokenize it first)")
            try:
                counter.update(sentence)
            except TypeError:
                raise TypeError(f"sentences: expected lists of str tokens, sentence {i} is "
                                f"a {type(sentence).__name__}") from None
        bad = [w for w in counter if not isinstance(w, str) or not w]
        if bad:
            raise ValueError(f"sentences: expected tokens that are non-empty strings, got "
                             f"{bad[0]!r}")
        if not counter:
            raise ValueError("sentences: expected at least one token, got an empty corpus")
        kept = sorted(((w, c) for w, c in counter.items() if c >= min_count),
                      key=lambda wc: (-wc[1], wc[0]))
        if not kept:
            raise ValueError(f"sentences: expected at least one word with count >= min_count="
                             f"{min_count}, the most frequent has {max(counter.values())}")
        return cls.from_counts([w for w, _ in kept], [c for _, c in kept])

    @classmethod
    def from_counts(cls, words, counts):
        """A vocabulary from parallel lists of words and counts (kept in the given order)."""
        if isinstance(words, (str, bytes)):
            raise TypeError("words: expected a sequence of words, got a single "
                            f"{type(words).__name__}")
        words = list(chk.iterable(words, "words", "a sequence of words"))
        raw = chk.as_array(counts, "counts")
        if raw.shape != (len(words),) or len(words) == 0:
            raise ValueError(f"counts: expected one count per word ({len(words)}), got shape "
                             f"{raw.shape}")
        if raw.dtype == bool or not np.issubdtype(raw.dtype, np.number) \
                or np.issubdtype(raw.dtype, np.complexfloating) \
                or not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
            raise ValueError(f"counts: expected whole-number counts, got {raw[:5].tolist()}"
                             f"{' ...' if raw.size > 5 else ''}")
        if np.any(raw < 1):
            raise ValueError("counts: expected positive counts")
        counts = raw.astype(np.int64)
        for i, w in enumerate(words):
            if not isinstance(w, str) or not w:
                raise ValueError(f"words: expected non-empty strings, got {w!r} at "
                                 f"position {i}")
        index = {w: i for i, w in enumerate(words)}
        if len(index) != len(words):
            raise ValueError("words: expected distinct words")
        return cls(words=words, counts=counts, index=index)

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    @property
    def total(self):
        """T, the number of in-vocabulary tokens of the corpus (sum of the counts)."""
        return int(self.counts.sum())

    def encode(self, tokens):
        """Word indices of ``tokens`` (int32 array); out-of-vocabulary tokens are dropped.

        tokens: a list (or other iterable) of str, e.g. from :func:`tokenize`; a single
        str is refused (it would be read one character at a time).
        """
        if isinstance(tokens, (str, bytes)):
            raise TypeError(f"tokens: expected a list of tokens, got a single "
                            f"{type(tokens).__name__} (tokenize it first)")
        get = self.index.get
        idx = np.fromiter(map(get, tokens, repeat(-1)), dtype=np.int32)
        return idx[idx >= 0]

    def decode(self, indices):
        """The words of a sequence of indices."""
        idx = np.asarray(indices)
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0
                         or idx.max() >= len(self)):
            raise IndexError(f"indices: expected word indices in 0..{len(self) - 1}")
        return [self.words[i] for i in idx.ravel().tolist()]


# --------------------------------------------------------------------------- subsampling
def _check_counts(counts):
    counts = chk.as_array(counts, "counts")
    if counts.ndim != 1 or counts.size == 0 or not np.issubdtype(counts.dtype, np.number) \
            or not np.all(np.isfinite(counts)) or np.any(counts <= 0):
        raise ValueError(f"counts: expected a non-empty 1-D array of positive counts, got "
                         f"shape {counts.shape}")
    return counts.astype(np.float64)


def keep_probability(counts, sample=1e-3, formula="word2vec"):
    """Probability of keeping each token of word w when subsampling frequent words.

    counts: (n,) word counts #(w); f(w) = #(w) / T with T = sum of the counts.
    sample: the threshold tau (the paper calls it t), > 0.
    formula:
      * "word2vec" (default; word2vec.c and gensim):  keep = sqrt(tau/f) + tau/f;
      * "paper" (Mikolov et al. 2013, section 2.3): discard = 1 - sqrt(tau/f),
        i.e. keep = sqrt(tau/f);
      * "d2l" (Dive into Deep Learning): keep = sqrt(tau/f).
    "paper" and "d2l" agree in form but are used with different default thresholds
    (tau = 1e-5 in the paper, 1e-4 in d2l); word2vec.c adds tau/f, so with the same
    tau it keeps more, and only thins words with f > ~2.618 tau (where x + x^2 = 1
    for x = sqrt(tau/f)). Every value is capped at 1.
    Returns (n,) float64 in (0, 1].
    """
    counts = _check_counts(counts)
    if isinstance(sample, bool) or not isinstance(sample, (int, float, np.number)) \
            or not math.isfinite(sample) or sample <= 0:
        raise ValueError(f"sample: expected a finite threshold > 0, got {sample!r}")
    if formula not in SUBSAMPLING_FORMULAS:
        raise ValueError(f"formula: expected one of {SUBSAMPLING_FORMULAS}, got {formula!r}")
    ratio = sample / (counts / counts.sum())          # tau / f(w)
    keep = np.sqrt(ratio)
    if formula == "word2vec":
        keep = keep + ratio
    return np.minimum(keep, 1.0)


def _as_sentences(sentences_idx):
    out = []
    chk.iterable(sentences_idx, "sentences_idx", "a list of 1-D integer arrays")
    for i, s in enumerate(sentences_idx):
        a = chk.as_array(s, "sentences_idx")
        if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
            raise ValueError(f"sentences_idx: expected 1-D integer arrays of word indices, "
                             f"sentence {i} has dtype {a.dtype} and shape {a.shape}")
        out.append(a.astype(np.int64, copy=False) if a.size else np.zeros(0, np.int64))
    return out


def flatten(sentences_idx):
    """Concatenate sentences: returns ``(tokens, sentence_ids)``, two (N,) int arrays.

    ``sentence_ids[i]`` is the sentence that token i came from; windows use it to stop
    at sentence boundaries.
    """
    sents = _as_sentences(sentences_idx)
    if not sents:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lengths = np.array([s.size for s in sents])
    tokens = np.concatenate(sents) if lengths.sum() else np.zeros(0, np.int64)
    return tokens, np.repeat(np.arange(len(sents)), lengths)


def _unflatten(tokens, sentence_ids, n_sentences):
    bounds = np.searchsorted(sentence_ids, np.arange(n_sentences + 1))
    return [tokens[bounds[i]:bounds[i + 1]] for i in range(n_sentences)]


def subsample(sentences_idx, keep_prob, rng):
    """Drop each token of word w independently with probability 1 - keep_prob[w].

    sentences_idx: list of 1-D int arrays; keep_prob: (n,) from :func:`keep_probability`;
    rng: a ``numpy.random.Generator``. Returns the thinned sentences (same count, some
    possibly empty). Windows are then taken over the thinned sentences, as in
    word2vec.c and gensim, so subsampling also widens the effective window.
    """
    chk.as_rng(rng)
    sents = _as_sentences(sentences_idx)
    keep_prob = chk.as_float_array(keep_prob, "keep_prob", ndim=1)
    if np.any((keep_prob < 0) | (keep_prob > 1)):
        raise ValueError("keep_prob: expected probabilities in [0, 1]")
    tokens, sid = flatten(sents)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= keep_prob.size):
        raise IndexError(f"sentences_idx: expected word indices in 0..{keep_prob.size - 1}")
    keep = rng.random(tokens.size) < keep_prob[tokens]
    return _unflatten(tokens[keep], sid[keep], len(sents))


# --------------------------------------------------------------------------- noise
def noise_distribution(counts, power=0.75):
    """P_n(w) = #(w)^power / sum_v #(v)^power (word2vec: power = 3/4). Returns (n,) float64."""
    counts = _check_counts(counts)
    if isinstance(power, bool) or not isinstance(power, (int, float, np.number)) \
            or not math.isfinite(power):
        raise ValueError(f"power: expected a finite number, got {power!r}")
    # In log space, so that a large power is a sharp but valid distribution rather than
    # inf / inf = NaN: P_n(w) = exp(power log #(w) - max) / sum.
    logw = power * np.log(counts)
    w = np.exp(logw - logw.max())
    return w / w.sum()


class NegativeSampler:
    """Draw negative samples k ~ P_n(w) ∝ #(w)^power, seeded and vectorised.

    Uses Walker's alias method (Vose's construction): one uniform number per draw,
    O(1) each, exact up to float rounding. word2vec.c fills a
    table of 1e8 word indices and reads it at random (cache misses dominate);
    gensim binary-searches a cumulative table; the alias method gives the same
    distribution about six times faster than ``searchsorted`` here.

    counts: (n,) word counts; power: the exponent (0.75); rng: a Generator or a seed.
    """

    def __init__(self, counts, power=0.75, rng=None):
        self.probabilities = noise_distribution(counts, power)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.prob, self.alias = _alias_table(self.probabilities)
        self._n = self.probabilities.size
        self._dtype = np.int32 if self._n < 2**31 else np.int64

    def sample(self, size):
        """An int array of the given shape of draws from P_n.

        One uniform x in [0, n) per draw: its integer part picks a column of the alias
        table, its fractional part decides between the column's word and its alias.
        """
        x = self.rng.random(size=size) * self._n
        idx = x.astype(self._dtype)
        return np.where(x - idx < self.prob[idx], idx, self.alias[idx])


def _alias_table(p):
    n = p.size
    prob = p * n
    alias = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    small = [i for i in np.flatnonzero(prob < 1.0).tolist()]
    large = [i for i in np.flatnonzero(prob >= 1.0).tolist()]
    pr = prob.tolist()
    al = alias.tolist()
    while small and large:
        s, g = small.pop(), large.pop()
        al[s] = g
        pr[g] = pr[g] + pr[s] - 1.0
        (small if pr[g] < 1.0 else large).append(g)
    for i in small + large:       # leftovers are 1 up to rounding
        pr[i] = 1.0
    return np.array(pr), np.array(al, dtype=alias.dtype)


# --------------------------------------------------------------------------- windows
def _check_window(window):
    return chk.positive_int(window, "window")


def check_window_memory(positions, window, name="window"):
    """Refuse a window whose (positions x 2 window) index arrays exceed the memory limit."""
    chk.check_memory(positions * 2 * window * 25, name,
                     f"the window positions of {positions:,} tokens with window {window:,}")


def dynamic_windows(size, window, rng):
    """Effective window sizes, one per centre position: window - b with b uniform on
    0..window-1 (word2vec.c), so uniform on 1..window. Returns (size,) int array."""
    window = _check_window(window)
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Integral) or size < 0:
        raise ValueError(f"size: expected an integer >= 0, got {size!r}")
    chk.check_memory(8 * int(size), "size", f"{int(size):,} window sizes")
    return window - chk.as_rng(rng).integers(0, window, size=size)


def _window_positions(sentence_ids, effective, window, start=0, stop=None):
    """Positions of every (centre, context) pair with centre in [start, stop).

    Returns (centre_pos, context_pos), ordered by centre position, then by offset
    -m..-1, 1..m (word2vec.c's order). A context lies within the centre's effective
    window and in the same sentence.
    """
    N = sentence_ids.size
    stop = N if stop is None else stop
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    centre = np.arange(start, stop)
    ctx = centre[:, None] + offsets[None, :]                   # (B, 2m)
    ok = np.abs(offsets)[None, :] <= effective[start:stop, None]
    ok &= (ctx >= 0) & (ctx < N)
    np.clip(ctx, 0, max(N - 1, 0), out=ctx)
    ok &= sentence_ids[ctx] == sentence_ids[start:stop, None]
    rows, cols = np.nonzero(ok)
    return centre[rows], ctx[rows, cols], ok


def skipgram_pairs(sentences_idx, window, rng):
    """All (centre, context) pairs of one epoch, vectorised (no Python loop per word).

    For each token, an effective window e = window - b with b uniform on 0..window-1
    is drawn; the pairs are (w_t, w_{t+j}) for 0 < |j| <= e inside the sentence.
    Returns ``(centres, contexts)``, two int arrays of equal length, ordered by
    centre position, then offset.
    """
    window = _check_window(window)
    chk.as_rng(rng)
    tokens, sid = flatten(sentences_idx)
    check_window_memory(tokens.size, window)
    eff = dynamic_windows(tokens.size, window, rng)
    cpos, opos, _ = _window_positions(sid, eff, window)
    return tokens[cpos], tokens[opos]


def cbow_examples(sentences_idx, window, rng):
    """CBOW examples of one epoch: each centre with its (dynamic) window of context words.

    Returns ``(centres, contexts, mask)``: centres (N,), contexts (N, 2 window) padded
    with 0 where ``mask`` (N, 2 window, bool) is False; columns are offsets
    -m..-1, 1..m. Centres without any context word (one-word sentences) are dropped,
    as in word2vec.c.
    """
    window = _check_window(window)
    chk.as_rng(rng)
    tokens, sid = flatten(sentences_idx)
    check_window_memory(tokens.size, window)
    eff = dynamic_windows(tokens.size, window, rng)
    return _cbow_from_flat(tokens, sid, eff, window, 0, tokens.size)[:3]


def _cbow_from_flat(tokens, sid, eff, window, start, stop):
    _, _, ok = _window_positions(sid, eff, window, start, stop)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    centre = np.arange(start, stop)
    ctx = np.clip(centre[:, None] + offsets[None, :], 0, max(tokens.size - 1, 0))
    keep = ok.any(axis=1)
    contexts = np.where(ok, tokens[ctx], 0)[keep]
    return tokens[centre[keep]], contexts, ok[keep], centre[keep]
