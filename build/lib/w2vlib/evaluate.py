"""Keyed vectors and the two standard intrinsic evaluations of word vectors.

:class:`KeyedVectors` pairs a list of words with a matrix of vectors (one row per
word, the most frequent word first) and answers the questions the book asks of
trained embeddings: nearest neighbours by cosine similarity (:meth:`most_similar`),
the cosine of two words (:meth:`similarity`) and analogies *a : b :: c : ?* by

* **3CosAdd** (Mikolov et al. 2013): the word whose unit vector is closest in cosine to
  :math:`\\hat v_b - \\hat v_a + \\hat v_c`, i.e. that maximises
  :math:`\\cos(w, b) - \\cos(w, a) + \\cos(w, c)`;
* **3CosMul** (Levy & Goldberg 2014): the word maximising
  :math:`\\cos'(w, b)\\,\\cos'(w, c) / (\\cos'(w, a) + \\varepsilon)` with cosines shifted to
  :math:`[0, 1]` by :math:`\\cos' = (1 + \\cos)/2`.

The query words a, b, c are never returned as answers.

:func:`evaluate_analogies` and :func:`evaluate_word_pairs` score vectors on the Google
analogy set (``questions-words.txt``) and on WordSim353 exactly the way gensim 4.4's
``KeyedVectors.evaluate_word_analogies`` and ``evaluate_word_pairs`` count, so that
figures in the book are comparable with gensim's:

* only the first ``restrict_vocab`` words (the most frequent ones) are used, both to
  decide whether a question is covered and as candidate answers;
* matching is case-insensitive: the vocabulary and the file are upper-cased, and when
  several vocabulary words differ only by case, the first (most frequent) one stands for
  all of them;
* a question with any word outside that restricted vocabulary is *not covered*: it is
  counted in ``n_oov`` and skipped (neither correct nor incorrect); a line that does not
  hold exactly four words is skipped and not counted at all;
* the prediction is the best-scoring word among the top 5 candidates (query words
  removed by index) whose upper-cased form is not one of the query words; when all five
  are case variants of query words, the fifth is the prediction (this mirrors gensim's loop);
* accuracy is correct / (correct + incorrect) per section, 0.0 for a section with no
  covered question, and a final ``'Total accuracy'`` section pools all sections;
* for word pairs, Spearman's rho is ``scipy.stats.spearmanr`` of the human scores against
  the cosines of covered pairs, and the OOV share is n_oov / (n_covered + n_oov) (gensim
  returns it as a percentage; we return the fraction).

gensim's ``evaluate_word_analogies`` ignores its ``similarity_function`` argument and
always uses 3CosAdd; ``method="3cosmul"`` here applies the same counting with 3CosMul.
gensim's ``most_similar_cosmul`` uses eps = 1e-6 (and ignores ``restrict_vocab``); the
paper's eps = 1e-3 is our default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _checks as chk
from ._checks import as_float_array, as_matrix, as_vector, as_words

__all__ = [
    "KeyedVectors",
    "AnalogySection",
    "AnalogyResult",
    "WordPairsResult",
    "evaluate_analogies",
    "evaluate_word_pairs",
    "METHODS",
    "cosine_matrix",
]

METHODS = ("3cosadd", "3cosmul")
_TOPN = 5            # gensim looks at the top 5 candidates of each question
_BATCH = 256         # questions scored per matrix product


def _check_positive_int(x, name, *, allow_none=False):
    return chk.positive_int(x, name, allow_none=allow_none)


def _check_method(method):
    return chk.one_of(method, "method", METHODS)


def _check_eps(eps):
    return chk.positive_float(eps, "eps")


class KeyedVectors:
    """Words and their vectors: ``KeyedVectors(words, vectors)``.

    Parameters
    ----------
    words : sequence of str
        The vocabulary, distinct non-empty strings, most frequent first (the order
        ``restrict_vocab`` relies on).
    vectors : array of shape (n, d)
        Row ``i`` is the vector of ``words[i]`` (e.g. ``V``, ``U`` or ``U + V``). Kept in
        its dtype (float32 or float64; other numeric types become float64).

    A zero row has no direction: its cosine with every word is taken to be 0.
    """

    def __init__(self, words, vectors):
        vectors = as_matrix(vectors, "vectors")
        words, index = as_words(words, vectors.shape[0])
        self.words = words
        self.key_to_index = index
        self.vectors = np.array(vectors, order="C", copy=True)   # a copy: later changes to the
        self.vectors.setflags(write=False)                      # caller's array do not leak in
        norms = np.linalg.norm(self.vectors, axis=1)
        safe = np.where(norms > 0, norms, 1)
        self.norms = norms
        self._unit = self.vectors / safe[:, None].astype(self.vectors.dtype)
        self._unit.setflags(write=False)

    # -- basic container protocol ---------------------------------------------------
    @property
    def n(self):
        """Vocabulary size."""
        return len(self.words)

    @property
    def d(self):
        """Vector dimension."""
        return self.vectors.shape[1]

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.key_to_index

    def __repr__(self):
        return f"KeyedVectors(n={self.n}, d={self.d}, dtype={self.vectors.dtype})"

    def index(self, word, name="word"):
        """Row of ``word``; KeyError naming the argument and the word if it is not in the
        vocabulary."""
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            raise KeyError(f"{name}: word {word!r} not in vocabulary") from None

    def __getitem__(self, word):
        return self.vectors[self.index(word)]

    def unit(self, word, name="word"):
        """The unit-length vector of ``word`` (zero for a zero row)."""
        return self._unit[self.index(word, name)]

    # -- similarities -----------------------------------------------------------------
    def similarity(self, w1, w2):
        """Cosine similarity of two words, a float in [-1, 1]."""
        return float(np.dot(self.unit(w1, "w1").astype(np.float64),
                            self.unit(w2, "w2").astype(np.float64)))

    def _restrict(self, restrict_vocab):
        r = _check_positive_int(restrict_vocab, "restrict_vocab", allow_none=True)
        return self.n if r is None else min(r, self.n)

    def _top(self, scores, exclude, topn):
        """The ``topn`` best (index, score) pairs of ``scores`` leaving out ``exclude``."""
        k = min(topn + len(exclude), scores.shape[0])
        if k < scores.shape[0]:
            best = np.argpartition(-scores, k - 1)[:k]
        else:
            best = np.arange(scores.shape[0])
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best if i not in exclude][:topn]

    def _as_list(self, words, name):
        if words is None:
            return []
        if isinstance(words, str):
            return [words]
        try:
            return list(words)
        except TypeError:
            raise ValueError(f"{name}: expected a word or a list of words, got {words!r}") from None

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Words nearest in cosine to the mean of the unit vectors of ``positive`` minus
        those of ``negative`` (gensim's ``most_similar``); the query words are excluded.

        Returns a list of ``(word, cosine)`` pairs, best first.
        """
        positive = self._as_list(positive, "positive")
        negative = self._as_list(negative, "negative")
        if not positive and not negative:
            raise ValueError("positive: expected at least one query word (in positive or "
                             "negative), got none")
        topn = _check_positive_int(topn, "topn")
        r = self._restrict(restrict_vocab)
        idx = [self.index(w, "positive") for w in positive] + \
            [self.index(w, "negative") for w in negative]
        weights = np.array([1.0] * len(positive) + [-1.0] * len(negative))
        mean = weights @ self._unit[idx].astype(np.float64)
        norm = np.linalg.norm(mean)
        if norm > 0:
            mean /= norm
        scores = self._unit[:r] @ mean.astype(self._unit.dtype)
        return self._top(scores, set(idx), topn)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Words nearest in cosine to an arbitrary vector (no word excluded)."""
        vector = as_vector(vector, "vector", d=self.d)
        topn = _check_positive_int(topn, "topn")
        r = self._restrict(restrict_vocab)
        norm = np.linalg.norm(vector)
        if norm == 0:
            raise ValueError("vector: expected a non-zero vector, got all zeros")
        scores = self._unit[:r] @ (vector / norm).astype(self._unit.dtype)
        return self._top(scores, set(), topn)

    def _analogy_scores(self, ia, ib, ic, r, method, eps):
        """Scores of the first ``r`` words for a batch of questions, shape (B, r)."""
        unit = self._unit[:r]
        if method == "3cosadd":
            query = (self._unit[ib].astype(np.float64) + self._unit[ic] - self._unit[ia])
            norms = np.linalg.norm(query, axis=1, keepdims=True)
            query = query / np.where(norms > 0, norms, 1)
            return query.astype(unit.dtype) @ unit.T
        # 3CosMul: three cosine matrices, shifted to [0, 1]
        cos = [(1 + self._unit[i] @ unit.T) / 2 for i in (ia, ib, ic)]
        return cos[1] * cos[2] / (cos[0] + eps)

    def analogy(self, a, b, c, topn=1, method="3cosadd", restrict_vocab=None, eps=1e-3):
        """Solve *a : b :: c : ?*, e.g. ``analogy('man', 'king', 'woman') -> [('queen', s)]``.

        ``method`` is ``"3cosadd"`` (score = cosine with the normalised
        :math:`\\hat v_b - \\hat v_a + \\hat v_c`) or ``"3cosmul"`` (Levy & Goldberg's
        :math:`\\cos'_b \\cos'_c / (\\cos'_a + \\varepsilon)`, cosines shifted to [0, 1]).
        a, b and c are never returned. Returns ``topn`` ``(word, score)`` pairs.
        """
        method = _check_method(method)
        eps = _check_eps(eps)
        topn = _check_positive_int(topn, "topn")
        r = self._restrict(restrict_vocab)
        ia, ib, ic = (self.index(w, name) for w, name in ((a, "a"), (b, "b"), (c, "c")))
        scores = self._analogy_scores([ia], [ib], [ic], r, method, eps)[0]
        return self._top(scores, {ia, ib, ic}, topn)

    def most_similar_cosmul(self, positive, negative, topn=10, restrict_vocab=None, eps=1e-3):
        """3CosMul with any number of positive and negative words (gensim's
        ``most_similar_cosmul``, which uses eps=1e-6): the product of shifted cosines
        with ``positive`` divided by (the product for ``negative`` + eps)."""
        positive = self._as_list(positive, "positive")
        negative = self._as_list(negative, "negative")
        if not positive:
            raise ValueError("positive: expected at least one query word, got none")
        topn = _check_positive_int(topn, "topn")
        eps = _check_eps(eps)
        r = self._restrict(restrict_vocab)
        pos = [self.index(w, "positive") for w in positive]
        neg = [self.index(w, "negative") for w in negative]
        shifted = (1 + self._unit[pos + neg].astype(np.float64) @ self._unit[:r].T) / 2
        scores = np.prod(shifted[:len(pos)], axis=0) / (np.prod(shifted[len(pos):], axis=0) + eps)
        return self._top(scores, set(pos + neg), topn)

    # -- evaluation and I/O ---------------------------------------------------------------
    def evaluate_analogies(self, path, restrict_vocab=30000, method="3cosadd",
                           case_insensitive=True, eps=1e-3):
        """See :func:`evaluate_analogies`."""
        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab, method=method,
                                  case_insensitive=case_insensitive, eps=eps)

    def evaluate_word_pairs(self, path, restrict_vocab=300000, case_insensitive=True,
                            delimiter="\t"):
        """See :func:`evaluate_word_pairs`."""
        return evaluate_word_pairs(self, path, restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive, delimiter=delimiter)

    def save_word2vec_format(self, path, binary=False):
        """Write the vectors in word2vec's text or binary format (see :mod:`w2vlib.vectors_io`)."""
        from .vectors_io import save_word2vec_format
        save_word2vec_format(path, self.words, self.vectors, binary=binary)

    @classmethod
    def load_word2vec_format(cls, path, binary=False):
        """Read a word2vec text or binary file into KeyedVectors."""
        from .vectors_io import load_word2vec_format
        words, vectors = load_word2vec_format(path, binary=binary)
        return cls(words, vectors)

    def to_gensim(self):
        """The same vectors as a ``gensim.models.KeyedVectors`` (float32, same order)."""
        from gensim.models import KeyedVectors as GensimKV
        kv = GensimKV(self.d)
        kv.add_vectors(self.words, self.vectors.astype(np.float32))
        return kv


# -- analogies ------------------------------------------------------------------------------
@dataclass
class AnalogySection:
    """One section of an analogy file: the covered questions, split by outcome."""
    name: str
    correct: list = field(default_factory=list)
    incorrect: list = field(default_factory=list)

    @property
    def n_correct(self):
        return len(self.correct)

    @property
    def n_covered(self):
        return len(self.correct) + len(self.incorrect)

    @property
    def accuracy(self):
        """correct / covered, or 0.0 when nothing is covered (as gensim)."""
        return self.n_correct / self.n_covered if self.n_covered else 0.0


@dataclass
class AnalogyResult:
    """What :func:`evaluate_analogies` returns.

    ``sections`` holds the file's sections in order; ``total`` pools them (gensim's
    ``'Total accuracy'`` entry). ``n_questions`` counts well-formed question lines,
    ``n_oov`` those with a word outside the restricted vocabulary (skipped).
    """
    sections: list
    total: AnalogySection
    n_questions: int
    n_oov: int
    method: str
    restrict_vocab: int

    @property
    def accuracy(self):
        return self.total.accuracy

    @property
    def n_covered(self):
        return self.total.n_covered

    @property
    def coverage(self):
        """Share of questions whose four words are all in the restricted vocabulary."""
        return self.n_covered / self.n_questions

    @property
    def oov_ratio(self):
        return self.n_oov / self.n_questions

    def section(self, name):
        for s in self.sections + [self.total]:
            if s.name == name:
                return s
        raise KeyError(f"section {name!r} not in this result; sections are "
                       f"{[s.name for s in self.sections]}")

    def to_gensim(self):
        """``(score, sections)`` in the form gensim's ``evaluate_word_analogies`` returns."""
        secs = [{"section": s.name, "correct": list(s.correct), "incorrect": list(s.incorrect)}
                for s in self.sections + [self.total]]
        return self.accuracy, secs

    def table(self):
        """A plain-text table: one line per section, then the total and the coverage."""
        width = max(len(s.name) for s in self.sections + [self.total])
        lines = [f"{'section':<{width}}  correct / covered  accuracy"]
        for s in self.sections + [self.total]:
            lines.append(f"{s.name:<{width}}  {s.n_correct:>7} / {s.n_covered:<7}  "
                         f"{s.accuracy:8.4f}")
        lines.append(f"coverage: {self.n_covered} of {self.n_questions} questions "
                     f"({self.coverage:.4f}); method {self.method}, "
                     f"restrict_vocab {self.restrict_vocab}")
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def _ok_vocab(kv, restrict_vocab, case_insensitive):
    """gensim's ``ok_vocab``: (folded) word -> row, the first of case variants winning."""
    keys = kv.words[:restrict_vocab]
    fold = str.upper if case_insensitive else (lambda s: s)
    return {fold(k): i for i, k in reversed(list(enumerate(keys)))}, fold


def _choose(kv, candidates, ignore, ok_vocab, fold):
    """gensim's choice among the top candidates: the first whose folded form is allowed."""
    predicted = None
    for i in candidates:
        predicted = fold(kv.words[i])
        if predicted in ok_vocab and predicted not in ignore:
            break
    return predicted


def evaluate_analogies(kv, path, restrict_vocab=30000, method="3cosadd", case_insensitive=True,
                       eps=1e-3):
    """Accuracy of ``kv`` on an analogy file in ``questions-words.txt`` format.

    The file has section lines ``": name"`` followed by lines ``a b c d`` meaning
    *a : b :: c : d*. Counting follows gensim 4.4 (see the module docstring):
    ``restrict_vocab`` first words only, case-insensitive, questions with an unknown word
    skipped and counted as OOV. Returns an :class:`AnalogyResult`.
    """
    if not isinstance(kv, KeyedVectors):
        raise ValueError(f"kv: expected a w2vlib KeyedVectors, got {type(kv).__name__}")
    method = _check_method(method)
    eps = _check_eps(eps)
    r = kv._restrict(restrict_vocab)
    ok_vocab, fold = _ok_vocab(kv, r, case_insensitive)
    path = Path(path)

    # pass 1: parse, count, and collect the covered questions
    sections, section = [], None
    covered = []          # (section object, (a, b, c, expected) folded, (ia, ib, ic))
    n_questions = n_oov = 0
    for line_no, line in chk.text_lines(path):
        if line.startswith(": "):
            section = AnalogySection(line.lstrip(": ").strip())
            sections.append(section)
            continue
        if section is None:
            raise ValueError(f"{path.name}: expected a section header ': name' before line "
                             f"{line_no}, got {line.strip()[:60]!r}")
        words = line.split()
        if len(words) != 4:       # gensim skips such lines without counting them
            continue
        q = tuple(fold(w) for w in words)
        n_questions += 1
        if any(w not in ok_vocab for w in q):
            n_oov += 1
            continue
        covered.append((section, q, tuple(ok_vocab[w] for w in q[:3])))
    if n_questions == 0:
        raise ValueError(f"{path.name}: expected analogy questions 'a b c d', found none")

    # pass 2: score the covered questions in batches
    k = min(_TOPN + 3, r)
    for start in range(0, len(covered), _BATCH):
        batch = covered[start:start + _BATCH]
        ia, ib, ic = (np.array([item[2][j] for item in batch]) for j in range(3))
        scores = kv._analogy_scores(ia, ib, ic, r, method, eps)
        if k < r:
            top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(r), (len(batch), r))
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        for (sec, q, idx), row in zip(batch, top):
            candidates = [int(i) for i in row if i not in idx][:_TOPN]
            predicted = _choose(kv, candidates, set(q[:3]), ok_vocab, fold)
            (sec.correct if predicted == q[3] else sec.incorrect).append(q)

    total = AnalogySection("Total accuracy",
                           [q for s in sections for q in s.correct],
                           [q for s in sections for q in s.incorrect])
    return AnalogyResult(sections, total, n_questions, n_oov, method, r)


# -- word pairs -----------------------------------------------------------------------------
@dataclass
class WordPairsResult:
    """What :func:`evaluate_word_pairs` returns; ``oov_ratio`` is a fraction (gensim: percent)."""
    spearman: float
    spearman_pvalue: float
    pearson: float
    pearson_pvalue: float
    n_pairs: int
    n_oov: int

    @property
    def oov_ratio(self):
        return self.n_oov / (self.n_pairs + self.n_oov)

    def __str__(self):
        return (f"Spearman rho {self.spearman:.4f}, Pearson r {self.pearson:.4f} on {self.n_pairs} "
                f"pairs; {self.n_oov} pairs out of vocabulary ({self.oov_ratio:.4f})")


def evaluate_word_pairs(kv, path, restrict_vocab=300000, case_insensitive=True, delimiter="\t"):
    """Correlation of cosine similarities with human judgements (WordSim353 format).

    Lines are ``word1<TAB>word2<TAB>score``; lines starting with ``#`` and malformed lines
    are skipped (as gensim). Pairs with a word outside the first ``restrict_vocab`` words
    are counted in ``n_oov`` and skipped. Returns a :class:`WordPairsResult` with Spearman's
    rho (``scipy.stats.spearmanr``), Pearson's r and the OOV share.
    """
    from scipy import stats

    if not isinstance(kv, KeyedVectors):
        raise ValueError(f"kv: expected a w2vlib KeyedVectors, got {type(kv).__name__}")
    if not isinstance(delimiter, str) or not delimiter:
        raise ValueError(f"delimiter: expected a non-empty string, got {delimiter!r}")
    r = kv._restrict(restrict_vocab)
    ok_vocab, fold = _ok_vocab(kv, r, case_insensitive)
    path = Path(path)
    gold, model = [], []
    n_oov = 0
    for line_no, line in chk.text_lines(path):
        if not line or line.startswith("#"):
            continue
        parts = line.split(delimiter)
        if len(parts) != 3:
            continue
        a, b, score = (fold(p) for p in parts)
        try:
            score = float(score)
        except ValueError:
            continue
        if not np.isfinite(score):
            raise ValueError(f"{path}: line {line_no}: expected a finite score, got "
                             f"{parts[2].strip()!r}")
        if a not in ok_vocab or b not in ok_vocab:
            n_oov += 1
            continue
        gold.append(score)
        ua = kv._unit[ok_vocab[a]].astype(np.float64)
        ub = kv._unit[ok_vocab[b]].astype(np.float64)
        model.append(float(ua @ ub))
    if not gold:
        raise ValueError(f"{path.name}: expected word pairs in the vocabulary, found none "
                         f"({n_oov} pairs out of vocabulary)")
    if len(gold) < 2:
        raise ValueError(f"{path.name}: expected at least 2 covered pairs for a correlation, got 1")
    if np.ptp(model) == 0 or np.ptp(gold) == 0:
        which = "the vectors give every covered pair" if np.ptp(model) == 0 else \
            "the file gives every covered pair"
        raise ValueError(f"{path.name}: {which} the same similarity, so the correlation is "
                         f"undefined")
    sp = stats.spearmanr(gold, model)
    pe = stats.pearsonr(gold, model)
    return WordPairsResult(float(sp[0]), float(sp[1]), float(pe[0]), float(pe[1]), len(gold), n_oov)


def cosine_matrix(X, Y=None):
    """Cosines between the rows of ``X`` and of ``Y`` (default ``X``); zero rows give 0."""
    X = as_float_array(X, "X", ndim=2)
    Y = X if Y is None else as_float_array(Y, "Y", ndim=2)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X/Y: expected the same number of columns, got {X.shape} and {Y.shape}")

    def unit(M):
        n = np.linalg.norm(M, axis=1, keepdims=True)
        return M / np.where(n > 0, n, 1)

    return unit(X) @ unit(Y).T
