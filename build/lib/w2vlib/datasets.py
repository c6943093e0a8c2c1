"""Corpora and evaluation sets for the book, all available offline.

Real text (shipped inside the gensim wheel, ``gensim/test/test_data``):

* :func:`wiki_corpus` — the shortened English Wikipedia dump
  (``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2``): articles of
  namespace 0, redirects skipped, wiki markup removed with gensim's ``filter_wiki``,
  tokenised with :func:`w2vlib.corpus.tokenize`. About 470k tokens. Parsing takes a few
  seconds, so the tokens are cached (gzip'd text) in the cache directory.
* :func:`lee_corpus` — the Lee background news corpus (``lee_background.cor``, ~60k
  tokens, one document per line).

(``head500.noblanks.cor`` is deliberately not offered: it is stemmed and stop-word
filtered, so analogies such as *walk : walking* cannot be expressed in it.)

Evaluation sets (also from gensim): the Google analogy questions (:func:`analogy_path`,
19,544 questions in 14 sections) and WordSim353 (:func:`wordsim_path`), read with
:func:`load_analogies` and :func:`load_word_pairs`.

Sentences: a corpus is a list of sentences, each a list of str tokens; windows never
cross a sentence boundary. The Wikipedia corpus keeps one *paragraph* (one line of the
filtered article text) per sentence and cuts paragraphs longer than ``chunk_size`` tokens
(default 1000, word2vec.c's ``MAX_SENTENCE_LENGTH``) into consecutive chunks; tokens are
never dropped, so the corpus is the articles' token stream cut at paragraph ends.

Also: :func:`synthetic_corpus`, template sentences with planted relations (country –
capital, male – female, singular – plural) whose analogies a correct trainer solves, and
:func:`text8`, the first 10^8 bytes of Wikipedia (Mahoney), downloaded once into the cache.

Cache directory: the ``cache_dir`` argument, else the environment variable
``W2VLIB_CACHE``, else ``~/.cache/w2vlib``.
"""

from __future__ import annotations

import bz2
import gzip
import numbers
import os
import secrets
import urllib.error
import urllib.request
import zipfile
import zlib
from collections import namedtuple
from pathlib import Path

import numpy as np

from . import _checks
from .corpus import tokenize

__all__ = [
    "cache_dir",
    "truncate",
    "wiki_corpus",
    "lee_corpus",
    "analogy_path",
    "wordsim_path",
    "Analogy",
    "load_analogies",
    "write_analogies",
    "load_word_pairs",
    "synthetic_corpus",
    "SYNTHETIC_FAMILIES",
    "text8",
    "chunk",
    "count_tokens",
    "TEXT8_URL",
]

WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
LEE_FILE = "lee_background.cor"
ANALOGY_FILE = "questions-words.txt"
WORDSIM_FILE = "wordsim353.tsv"
TEXT8_URL = "http://mattmahoney.net/dc/text8.zip"
# bump when the paragraph rule changes, so stale caches are not used (a change of the
# tokeniser is detected by _wiki_cache_name's probe)
_WIKI_CACHE_VERSION = 1
_TOKENIZER_PROBE = ("Don't panic: 42 Zürich-based CAFÉS, naïve_user's e-mail! "
                    "nai\u0308ve ½ ﬁne हिन्दी İstanbul")

Analogy = namedtuple("Analogy", "section a b c d")
Analogy.__doc__ = "One analogy question a : b :: c : d from the named section."


# -- helpers ---------------------------------------------------------------------------------
def _check_max_tokens(max_tokens):
    return _checks.positive_int(max_tokens, "max_tokens", allow_none=True)


def _check_chunk_size(chunk_size, name="chunk_size"):
    return _checks.positive_int(chunk_size, name)


def cache_dir(path=None):
    """The cache directory, created if needed: ``path``, else the environment variable
    ``W2VLIB_CACHE``, else ``~/.cache/w2vlib``."""
    if path is None:
        path = os.environ.get("W2VLIB_CACHE") or Path.home() / ".cache" / "w2vlib"
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"cache_dir: expected a directory, got the file {path}")
    path.mkdir(parents=True, exist_ok=True)
    return path


_cache_dir_arg = cache_dir      # for functions whose ``cache_dir`` argument shadows the name


def chunk(tokens, size=1000):
    """Cut a token list into consecutive sentences of at most ``size`` tokens."""
    size = _check_chunk_size(size, "size")
    tokens = list(tokens)
    return [tokens[i:i + size] for i in range(0, len(tokens), size)]


def count_tokens(sentences):
    """Total number of tokens in a list of sentences."""
    return sum(len(s) for s in sentences)


def truncate(sentences, max_tokens):
    """The first ``max_tokens`` tokens, keeping sentence boundaries (the last one cut).

    sentences: list of lists of tokens; max_tokens: a positive int, or None for all.
    """
    max_tokens = _check_max_tokens(max_tokens)
    if max_tokens is None:
        return sentences
    out, left = [], max_tokens
    for s in sentences:
        if left <= 0:
            break
        out.append(s[:left])
        left -= len(out[-1])
    return out


def _datapath(name):
    from gensim.test.utils import datapath
    path = Path(datapath(name))
    if not path.exists():
        raise FileNotFoundError(f"{name} not found in gensim's test data ({path.parent}); "
                                f"is gensim installed from a wheel that includes test/test_data?")
    return path


def _atomic_write_bytes(path, writer):
    """Call ``writer(fileobj)`` on a temporary file next to ``path``, then rename it over
    ``path``: readers never see a partial file, and a failure leaves nothing behind."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        with open(tmp, "xb") as f:
            writer(f)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- gensim's test data ---------------------------------------------------------------------
def analogy_path():
    """Path (str) of the Google analogy questions, ``questions-words.txt``."""
    return str(_datapath(ANALOGY_FILE))


def wordsim_path():
    """Path (str) of WordSim353, ``wordsim353.tsv``."""
    return str(_datapath(WORDSIM_FILE))


def _wiki_paragraphs():
    """Token lists, one per non-empty paragraph, of the dump's articles (redirects skipped)."""
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    paragraphs = []
    with bz2.open(_datapath(WIKI_FILE), "rb") as f:
        for _title, text, _pageid in extract_pages(f, filter_namespaces=("0",)):
            if not text or text.lstrip().lower().startswith("#redirect"):
                continue
            for line in filter_wiki(text).splitlines():
                tokens = tokenize(line)
                if tokens:
                    paragraphs.append(tokens)
    return paragraphs


def _wiki_cache_name():
    """The cache file name: format version + a checksum of what tokenize does to a probe."""
    probe = zlib.crc32(" ".join(tokenize(_TOKENIZER_PROBE)).encode("utf-8"))
    return f"enwiki-shortened.v{_WIKI_CACHE_VERSION}-{probe:08x}.txt.gz"


def wiki_corpus(max_tokens=None, cache_dir=None, chunk_size=1000, rebuild=False):
    """The shortened English Wikipedia dump from gensim's test data, ~470k tokens.

    Returns a list of sentences (lists of lowercase alphabetic tokens): one per paragraph,
    paragraphs longer than ``chunk_size`` tokens cut into chunks. ``max_tokens`` keeps only
    the first ``max_tokens`` tokens. The first call parses the dump (a few seconds) and
    caches the paragraphs as ``enwiki-shortened.v{N}-{checksum}.txt.gz`` in the cache
    directory (see :func:`cache_dir`; the name changes if the tokeniser does); later calls
    read the cache. ``rebuild=True`` ignores the cache.
    """
    max_tokens = _check_max_tokens(max_tokens)
    chunk_size = _check_chunk_size(chunk_size)
    path = _cache_dir_arg(cache_dir) / _wiki_cache_name()
    paragraphs = None
    if path.exists() and not rebuild:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                paragraphs = [line.split() for line in f]
        except (OSError, EOFError, UnicodeDecodeError):
            paragraphs = None            # unreadable cache: build it again
    if paragraphs is None:
        paragraphs = _wiki_paragraphs()

        def write(f):
            with gzip.GzipFile(filename="", fileobj=f, mode="wb", compresslevel=6, mtime=0) as gz:
                gz.write("".join(" ".join(p) + "\n" for p in paragraphs).encode("utf-8"))

        _atomic_write_bytes(path, write)
    sentences = [p[i:i + chunk_size] for p in paragraphs for i in range(0, len(p), chunk_size)]
    return truncate(sentences, max_tokens)


def lee_corpus(max_tokens=None):
    """The Lee background corpus (``lee_background.cor``): 300 news documents, ~60k tokens.

    Returns one sentence (token list) per document (the longest has ~600 tokens).
    """
    max_tokens = _check_max_tokens(max_tokens)
    with open(_datapath(LEE_FILE), encoding="utf-8") as f:
        docs = [tokenize(line) for line in f]
    return truncate([d for d in docs if d], max_tokens)


def load_analogies(path, lowercase=True):
    """Read an analogy file in ``questions-words.txt`` format into a list of :class:`Analogy`.

    The format: section lines ``: name`` and question lines ``a b c d`` (*a : b :: c : d*).
    Blank lines are skipped; anything else is an error (``ValueError`` naming the line).
    ``lowercase=True`` lowercases the words (our corpora are lowercase).
    """
    path = Path(path)
    out, section = [], None
    for line_no, line in _checks.text_lines(path):
        if line.startswith(":"):
            section = line[1:].strip()
            if not section:
                raise ValueError(f"{path.name}: line {line_no}: expected a section name "
                                 f"after ':'")
            continue
        words = line.split()
        if not words:
            continue
        if section is None:
            raise ValueError(f"{path.name}: line {line_no}: expected a section header ': name' "
                             f"before the first question, got {line.strip()[:60]!r}")
        if len(words) != 4:
            raise ValueError(f"{path.name}: line {line_no}: expected 4 words 'a b c d', got "
                             f"{len(words)}: {line.strip()[:60]!r}")
        if lowercase:
            words = [w.lower() for w in words]
        out.append(Analogy(section, *words))
    if not out:
        raise ValueError(f"{path.name}: expected analogy questions, found none")
    return out


def write_analogies(path, questions):
    """Write :class:`Analogy` tuples (or 5-tuples) in ``questions-words.txt`` format."""
    lines, current = [], None
    for i, q in enumerate(questions):
        if len(q) != 5 or not all(isinstance(w, str) and w and not any(c.isspace() for c in w)
                                  for w in q[1:]):
            raise ValueError(f"questions: expected (section, a, b, c, d) with single words, got "
                             f"{q!r} at position {i}")
        if q[0] != current:
            current = q[0]
            lines.append(f": {current}")
        lines.append(" ".join(q[1:]))
    if not lines:
        raise ValueError("questions: expected at least one question, got none")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_word_pairs(path, lowercase=True, delimiter="\t"):
    """Read a word-similarity file (WordSim353 format): ``word1<TAB>word2<TAB>score`` lines.

    Lines starting with ``#`` and blank lines are skipped. Returns a list of
    ``(word1, word2, score)`` tuples; a malformed line is a ``ValueError`` naming it.
    """
    path = Path(path)
    pairs = []
    for line_no, line in _checks.text_lines(path):
        if line.startswith("#") or not line.strip():
            continue
        parts = line.rstrip("\r\n").split(delimiter)
        try:
            a, b, score = parts
            score = float(score)
        except ValueError:
            raise ValueError(f"{path.name}: line {line_no}: expected 'word1{delimiter!r}word2"
                             f"{delimiter!r}score', got {line.strip()[:60]!r}") from None
        if not np.isfinite(score):
            raise ValueError(f"{path.name}: line {line_no}: expected a finite score, got "
                             f"{parts[2].strip()!r}")
        if lowercase:
            a, b = a.lower(), b.lower()
        pairs.append((a, b, score))
    if not pairs:
        raise ValueError(f"{path.name}: expected word pairs, found none")
    return pairs


# -- the synthetic corpus --------------------------------------------------------------------
# Each family: a relation between two roles. Each pair is an entity seen in both roles,
# with attribute words of its own; each role has words of its own. A sentence puts one
# word of a pair among two role words, two attribute words and some function words, so a
# word's contexts are (entity attributes) + (role words): its PMI row is a sum of an
# entity part and a role part, and the analogy offsets b - a are shared by the family.
SYNTHETIC_FAMILIES = {
    "country-capital": {
        "roles": (("country", "nation", "border", "government", "population"),
                  ("city", "capital", "mayor", "streets", "downtown")),
        "pairs": (("france", "paris", ("french", "eiffel")),
                  ("germany", "berlin", ("german", "rhine")),
                  ("italy", "rome", ("italian", "colosseum")),
                  ("spain", "madrid", ("spanish", "prado")),
                  ("japan", "tokyo", ("japanese", "fuji")),
                  ("china", "beijing", ("chinese", "yangtze")),
                  ("egypt", "cairo", ("egyptian", "nile")),
                  ("russia", "moscow", ("russian", "kremlin")),
                  ("greece", "athens", ("greek", "acropolis")),
                  ("canada", "ottawa", ("canadian", "niagara"))),
    },
    "male-female": {
        "roles": (("he", "his", "him", "mr", "himself"),
                  ("she", "her", "hers", "mrs", "herself")),
        "pairs": (("king", "queen", ("throne", "crown")),
                  ("prince", "princess", ("castle", "heir")),
                  ("man", "woman", ("adult", "office")),
                  ("boy", "girl", ("school", "playground")),
                  ("father", "mother", ("parent", "children")),
                  ("son", "daughter", ("born", "family")),
                  ("brother", "sister", ("sibling", "twin")),
                  ("uncle", "aunt", ("cousin", "visit")),
                  ("husband", "wife", ("married", "wedding")),
                  ("actor", "actress", ("film", "stage"))),
    },
    "singular-plural": {
        "roles": (("one", "single", "this", "each", "every"),
                  ("many", "several", "these", "two", "some")),
        "pairs": (("car", "cars", ("drive", "engine")),
                  ("dog", "dogs", ("bark", "leash")),
                  ("apple", "apples", ("fruit", "orchard")),
                  ("house", "houses", ("roof", "rent")),
                  ("book", "books", ("read", "page")),
                  ("tree", "trees", ("forest", "branch")),
                  ("bird", "birds", ("nest", "fly")),
                  ("computer", "computers", ("software", "screen")),
                  ("river", "rivers", ("water", "bridge")),
                  ("flower", "flowers", ("garden", "bloom"))),
    },
}
_FUNCTION_WORDS = ("the", "of", "and", "a", "in", "to", "is", "was", "for", "on", "that", "with",
                   "as", "by", "at", "from", "it", "an", "be", "are")
_BACKGROUND_WORDS = ("weather", "music", "market", "morning", "history", "science", "game", "road",
                     "winter", "summer", "news", "money", "food", "island", "village", "language",
                     "sport", "energy", "light", "story", "century", "war", "peace", "art", "team",
                     "night", "plan", "law", "health", "travel")


def synthetic_corpus(n_sentences=10000, seed=0, questions_path=None, background=0.2):
    """A seeded corpus with planted analogies: ``(sentences, questions)``.

    ``sentences`` is a list of ``n_sentences`` token lists (about 9 tokens each).
    ``questions`` lists, for every family of :data:`SYNTHETIC_FAMILIES` and every ordered
    pair of its entities (p, q), the question p0 : p1 :: q0 : q1 (e.g. france : paris ::
    japan : tokyo), as :class:`Analogy` tuples with the family as section: 270 in all.
    If ``questions_path`` is given they are also written there in ``questions-words.txt``
    format, ready for :func:`w2vlib.evaluate.evaluate_analogies`.

    How sentences are made: with probability ``background`` a sentence is 5–10 words drawn
    (Zipf-like) from function and background words; otherwise a family, an entity (Zipf-like
    weights 1/sqrt(rank)) and a role (1/2 each) are drawn and the sentence holds that word,
    two of the role's words, both attribute words of the entity and function words between
    them, in random order. Entity and role contribute independently to a word's contexts,
    which is what makes the vector offsets of a family parallel.
    """
    for name, value in (("n_sentences", n_sentences), ("seed", seed)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
                or value < 0:
            raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    if n_sentences < 1:
        raise ValueError(f"n_sentences: expected at least 1, got {n_sentences}")
    if not isinstance(background, numbers.Real) or not 0 <= background < 1:
        raise ValueError(f"background: expected a probability in [0, 1), got {background!r}")
    rng = np.random.default_rng(seed)
    n = int(n_sentences)
    families = list(SYNTHETIC_FAMILIES.items())
    n_pairs = len(families[0][1]["pairs"])
    n_role_words = len(families[0][1]["roles"][0])

    def zipf(k, power=1.0):
        p = 1 / np.arange(1, k + 1) ** power
        return p / p.sum()

    fw = _FUNCTION_WORDS
    bg = _FUNCTION_WORDS + _BACKGROUND_WORDS
    # every random draw is made up front, in bulk
    is_background = rng.random(n) < background
    bg_length = rng.integers(5, 11, size=n)
    bg_words = rng.choice(len(bg), size=(n, 10), p=zipf(len(bg)))
    fam = rng.integers(len(families), size=n)
    pair = rng.choice(n_pairs, size=n, p=zipf(n_pairs, 0.5))
    role = rng.integers(2, size=n)
    role_words = rng.random((n, n_role_words)).argsort(axis=1)[:, :2]   # two distinct
    order = rng.random((n, 5)).argsort(axis=1)                           # shuffle of 5 words
    filler = rng.random((n, 5)) < 0.5
    filler_words = rng.choice(len(fw), size=(n, 5), p=zipf(len(fw)))

    sentences = []
    for i in range(n):
        if is_background[i]:
            sentences.append([bg[j] for j in bg_words[i, :bg_length[i]]])
            continue
        family = families[fam[i]][1]
        p = family["pairs"][pair[i]]
        words = family["roles"][role[i]]
        content = [p[role[i]], words[role_words[i, 0]], words[role_words[i, 1]], *p[2]]
        sentence = []
        for k, j in enumerate(order[i]):
            if filler[i, k]:
                sentence.append(fw[filler_words[i, k]])
            sentence.append(content[j])
        sentences.append(sentence)

    questions = [Analogy(name, p[0], p[1], q[0], q[1])
                 for name, fam in families
                 for p in fam["pairs"] for q in fam["pairs"] if p is not q]
    if questions_path is not None:
        write_analogies(questions_path, questions)
    return sentences, questions


# -- text8 -------------------------------------------------------------------------------------
def _download(url, path, timeout):
    """Download ``url`` to ``path`` atomically (temporary file, then rename)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            def write(f):
                while True:
                    block = response.read(1 << 20)
                    if not block:
                        break
                    f.write(block)
            _atomic_write_bytes(path, write)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise OSError(f"could not download {url} to {path}: {exc}. Download it by hand and put it "
                      f"at that path, or pass another url or cache_dir") from exc


def _text8_member(zf, path):
    names = zf.namelist()
    if "text8" in names:
        return "text8"
    if len(names) == 1:
        return names[0]
    raise ValueError(f"{path}: expected a zip holding the file 'text8', got members {names[:5]}")


def text8(cache_dir=None, url=TEXT8_URL, max_tokens=None, timeout=60):
    """The text8 corpus (first 10^8 bytes of English Wikipedia, cleaned: 17M tokens).

    Downloads ``url`` once to ``<cache_dir>/text8.zip`` (see :func:`cache_dir`; nothing is
    downloaded when that file exists), then streams the zip's ``text8`` member and returns
    its tokens, a list of str; ``max_tokens`` stops after that many (reading only what is
    needed). text8 has no sentence boundaries: use :func:`chunk` to cut it into sentences.
    A failed download raises ``OSError`` (and leaves no partial file); a file that is not a
    valid zip raises ``ValueError`` (delete it to download again).
    """
    max_tokens = _check_max_tokens(max_tokens)
    if not isinstance(url, str) or not url:
        raise ValueError(f"url: expected a URL string, got {url!r}")
    path = _cache_dir_arg(cache_dir) / "text8.zip"
    if not path.exists():
        _download(url, path, timeout)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(f"{path}: expected a zip file (text8.zip); delete it to download "
                         f"again") from None
    tokens, carry = [], b""
    with zf, zf.open(_text8_member(zf, path)) as f:
        while max_tokens is None or len(tokens) < max_tokens:
            block = f.read(1 << 20)
            if not block:
                break
            block = carry + block
            parts = block.split()
            if block[-1:].isspace():
                carry = b""
            else:
                carry = parts.pop() if parts else b""
            tokens.extend(p.decode("ascii", errors="replace") for p in parts)
        if carry and (max_tokens is None or len(tokens) < max_tokens):
            tokens.append(carry.decode("ascii", errors="replace"))
    return tokens[:max_tokens] if max_tokens is not None else tokens
