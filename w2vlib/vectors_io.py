"""Read and write word vectors in the word2vec text and binary formats.

Both formats start with a header line ``"n d\\n"`` (number of rows, vector dimension).

* **text**: then one line per word, ``word v1 v2 ... vd``, values separated by single
  spaces (word2vec.c also leaves a space before the newline; we accept any whitespace).
* **binary**: then, per word, the word's UTF-8 bytes, one space, and ``d`` little-endian
  float32 values (``4 d`` bytes). word2vec.c writes a newline after each vector, gensim
  does not; the reader accepts both (newlines before a word are skipped).

We write what gensim writes (no newline after binary vectors; float32 values printed with
9 significant digits in text, enough to read back the same float32).

The reader never trusts the header blindly. It rejects, with a ``ValueError`` that names
the row or the header's claim:

* a header that is not two positive integers;
* a header declaring more rows than the file can hold, *before* allocating anything
  (a binary row takes at least ``4 d + 2`` bytes, a text row at least ``2 d + 1``);
* a row with a different number of values than the header's ``d``, a truncated binary
  vector, more or fewer rows than declared, data left after the last row;
* a word that is not valid UTF-8, an empty word, a word given twice, a non-finite value.

Words may not contain whitespace (the formats cannot represent it); :func:`save_word2vec_format`
refuses them.
"""

from __future__ import annotations

import numbers
import os
import unicodedata
from pathlib import Path

import numpy as np

from ._checks import as_matrix, as_words
from ._io import atomic_write, compression

__all__ = ["save_word2vec_format", "load_word2vec_format"]

_MAX_HEADER = 1024          # bytes: a header is two integers
_MAX_WORD = 4096            # bytes: a longer "word" means a corrupt or misread file
_CHUNK = 1 << 20
_F32_MAX = float(np.finfo(np.float32).max)
_SNIFF = 1 << 16           # bytes read to guess the format of a file that fails to parse


def save_word2vec_format(path, words, vectors, binary=False):
    """Write ``words`` and ``vectors`` (shape (n, d)) to ``path`` in word2vec format.

    Values are stored as float32 (rounded to nearest). A value too large for float32
    (beyond about 3.4e38, e.g. a float64 1e39) is refused, naming its row and word,
    rather than written as ``inf``; so is a non-zero row that float32 would round to all
    zeros (every entry below about 1.4e-45). Single entries that small are stored as 0,
    as float32 must.

    The file is written with :func:`w2vlib._io.atomic_write`: through a temporary file
    renamed over the target, so a failed or interrupted write leaves the old file as it
    was. A symbolic link is followed (its target is written, the link stays), an
    existing file keeps its permission bits, a write-protected file is refused as
    ``open(path, "w")`` would refuse it. A hard-linked file is replaced by a new one:
    its other names keep the old vectors.
    """
    path, binary = _check_path(path), _check_binary(binary)
    vectors = as_matrix(vectors, "vectors")
    words, _ = as_words(words, vectors.shape[0], storable=True)
    n, d = vectors.shape
    _check_float32_range(vectors, words)
    data = vectors.astype("<f4")

    def write(f):
        f.write(f"{n} {d}\n".encode())
        if binary:
            for w, row in zip(words, data):
                f.write(w.encode("utf-8") + b" " + row.tobytes())
        else:
            fmt = " ".join(["%.9g"] * d)
            for w, row in zip(words, data.astype(np.float64)):
                f.write(f"{w} {fmt % tuple(row)}\n".encode("utf-8"))

    atomic_write(path, write)


def _check_path(path):
    """A str or os.PathLike path (an int would be taken by ``open`` as a file descriptor)."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)) or not \
            os.fspath(path):
        raise TypeError(f"path: expected a file path (a non-empty str or os.PathLike), got "
                        f"{path!r}")
    return path


def _check_binary(binary):
    if not isinstance(binary, (bool, np.bool_)) and not (
            isinstance(binary, numbers.Integral) and binary in (0, 1)):
        raise TypeError(f"binary: expected True (binary format) or False (text), got "
                        f"{binary!r}")
    return bool(binary)


def _check_float32_range(vectors, words):
    """Refuse values that float32 would store as inf, and non-zero rows it would zero."""
    if vectors.dtype == np.float32:
        return
    with np.errstate(over="ignore", under="ignore"):
        as32 = vectors.astype(np.float32)
    big = np.isinf(as32)
    if big.any():
        row, col = (int(i) for i in np.argwhere(big)[0])
        raise ValueError(f"vectors: row {row} (word {words[row]!r}) holds {vectors[row, col]:g} "
                         f"at column {col}, more than float32 (the file's type) can hold "
                         f"(largest {_F32_MAX:.4g}); scale the vectors down before saving")
    zeroed = ~(as32 != 0).any(axis=1) & (vectors != 0).any(axis=1)
    if zeroed.any():
        row = int(np.flatnonzero(zeroed)[0])
        raise ValueError(f"vectors: row {row} (word {words[row]!r}) is non-zero but every "
                         f"entry is below float32's smallest value (~1.4e-45), so it would "
                         f"be stored as a zero vector; scale the vectors up before saving")


def _parse_header(f, path, binary):
    line = f.readline(_MAX_HEADER)
    where = f"{Path(path).name}: header"
    if not line.endswith(b"\n"):
        raise ValueError(f"{where}: expected a first line 'n d' of at most {_MAX_HEADER} bytes "
                         f"ending in a newline, got {line[:60]!r}")
    try:
        parts = line.decode("ascii").split()
        n, d = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{where}: expected two integers 'n d' (rows, dimension), got "
                         f"{line.strip()[:60]!r}") from None
    if n < 1 or d < 1:
        raise ValueError(f"{where}: expected positive row count and dimension, got n={n}, d={d}")
    return n, d


def _check_size(f, path, binary, n, d):
    """Refuse a header that declares more rows than the file can hold (before allocating)."""
    body = os.fstat(f.fileno()).st_size - f.tell()
    per_row = 4 * d + 2 if binary else 2 * d + 1
    if n * per_row > body:
        fmt = "binary" if binary else "text"
        raise ValueError(f"{Path(path).name}: header declares {n} rows of dimension {d}, which "
                         f"need at least {n * per_row} bytes in the {fmt} format, but the file "
                         f"has only {body} bytes after the header (wrong header, or truncated "
                         f"file)")


def _decode_word(raw, row, path):
    try:
        word = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{Path(path).name}: row {row}: the word {raw[:40]!r} is not valid UTF-8 "
                         f"({exc.reason} at byte {exc.start})") from None
    if not word:
        raise ValueError(f"{Path(path).name}: row {row}: expected a word, got an empty string")
    return word


def _read_text(f, path, n, d):
    name = Path(path).name
    words = []
    vectors = np.empty((n, d), dtype=np.float32)
    max_line = 64 * d + _MAX_WORD
    for row in range(n):
        line = f.readline(max_line)
        if not line:
            raise ValueError(f"{name}: the header declares {n} rows but the file ends after {row}")
        if not line.endswith(b"\n") and len(line) == max_line:
            raise ValueError(f"{name}: row {row} is longer than {max_line} bytes: not a text "
                             f"file of {d}-dimensional vectors (binary file? then use "
                             f"binary=True)")
        parts = line.split()
        if not parts:
            raise ValueError(f"{name}: row {row} is empty; expected 'word' and {d} values")
        word = _decode_word(parts[0], row, path)
        if len(parts) - 1 != d:
            raise ValueError(f"{name}: row {row} (word {word!r}) has {len(parts) - 1} values, "
                             f"but the header declares d={d}")
        try:
            vectors[row] = [float(x) for x in parts[1:]]
        except ValueError:
            raise ValueError(f"{name}: row {row} (word {word!r}): expected {d} numbers, got "
                             f"{b' '.join(parts[1:])[:80]!r}") from None
        words.append(word)
    rest = f.read(max_line)
    if rest.strip():
        raise ValueError(f"{name}: the header declares {n} rows but the file has more "
                         f"(next: {rest.strip()[:40]!r})")
    return words, vectors


class _Buffer:
    """Chunked reads from a binary file with bounded look-ahead."""

    def __init__(self, f):
        self.f, self.buf, self.pos = f, b"", 0

    def _fill(self, need):
        while len(self.buf) - self.pos < need:
            chunk = self.f.read(max(_CHUNK, need))
            if not chunk:
                return False
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        return True

    def skip_newlines(self):
        while True:
            if not self._fill(1):
                return
            if self.buf[self.pos:self.pos + 1] != b"\n":
                return
            self.pos += 1

    def until_space(self, limit):
        """Bytes up to the next space (consumed), or None if none within ``limit`` bytes."""
        while True:
            i = self.buf.find(b" ", self.pos, self.pos + limit + 1)
            if i >= 0:
                out = self.buf[self.pos:i]
                self.pos = i + 1
                return out
            if len(self.buf) - self.pos > limit or not self._fill(len(self.buf) - self.pos + 1):
                return None

    def take(self, k):
        if not self._fill(k):
            return self.buf[self.pos:]
        out = self.buf[self.pos:self.pos + k]
        self.pos += k
        return out

    def rest(self, limit):
        self._fill(limit)
        return self.buf[self.pos:self.pos + limit]


def _read_binary(f, path, n, d):
    name = Path(path).name
    words = []
    vectors = np.empty((n, d), dtype=np.float32)
    buf = _Buffer(f)
    width = 4 * d
    hint = "(row count or dimension not matching the header, or a truncated file)"
    for row in range(n):
        buf.skip_newlines()
        raw = buf.until_space(_MAX_WORD)
        if raw is None:
            left = buf.rest(_MAX_WORD)
            if not left:
                raise ValueError(f"{name}: the header declares {n} rows but the file ends "
                                 f"after {row} {hint}")
            raise ValueError(f"{name}: row {row}: expected a word followed by a space within "
                             f"{_MAX_WORD} bytes, got {left[:40]!r} {hint}")
        word = _decode_word(raw, row, path)
        data = buf.take(width)
        if len(data) < width:
            raise ValueError(f"{name}: row {row} (word {word!r}) is truncated: expected "
                             f"{width} bytes ({d} float32 values), got {len(data)} {hint}")
        vectors[row] = np.frombuffer(data, dtype="<f4")
        words.append(word)
    buf.skip_newlines()
    rest = buf.rest(64)
    if rest:
        raise ValueError(f"{name}: the header declares {n} rows but data follows the last one "
                         f"({rest[:40]!r}) {hint}")
    return words, vectors


def _clean_word(raw):
    """``raw`` decoded, if it looks like a word (UTF-8, no control character), else None."""
    try:
        word = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not word or any(unicodedata.category(ch) == "Cc" for ch in word):
        return None
    return word


def _binary_rows_fit(body, n, dim, whole):
    """True if ``body`` (the bytes after the header) reads as binary rows of dimension
    ``dim``: the first rows (all n if the file is ``whole``) are a clean word, a space and
    ``dim`` finite float32 values, and a whole file ends after the n-th row."""
    pos, width = 0, 4 * dim
    rows = n if whole else min(n, 3)
    for _ in range(rows):
        while body[pos:pos + 1] == b"\n":
            pos += 1
        end = body.find(b" ", pos, pos + _MAX_WORD + 1)
        if end < 0 or _clean_word(body[pos:end]) is None or end + 1 + width > len(body):
            return False
        if not np.isfinite(np.frombuffer(body[end + 1:end + 1 + width], dtype="<f4")).all():
            return False
        pos = end + 1 + width
    return not whole or not body[pos:].strip(b"\n")


def _format_hint(path, binary, n, d):
    """A sentence to add to a read error when the file looks like the other format, or
    like binary rows of another dimension than the header's (a header that lies)."""
    try:
        with open(path, "rb") as f:
            f.readline(_MAX_HEADER)
            body = f.read(_SNIFF + 1)
    except OSError:
        return ""
    whole = len(body) <= _SNIFF
    first = body.split(b"\n", 1)[0]
    parts = first.split()
    if binary and len(parts) > 1 and _clean_word(first) is not None:
        try:
            values = [float(x) for x in parts[1:]]
        except ValueError:
            values = None
        if values is not None:
            return (f" The file looks like the text format (row 0 is {parts[0][:40]!r} and "
                    f"{len(values)} numbers): read it with binary=False.")
    if _looks_like_text(body):
        return ""
    if not binary and _binary_rows_fit(body, n, d, whole):
        return " The file looks like the binary format: read it with binary=True."
    for dim in range(1, _SNIFF // 4):
        if dim != d and _binary_rows_fit(body, n, dim, whole):
            if binary:
                return (f" The rows fit d={dim}, not the header's d={d}: the header is "
                        f"likely wrong.")
            return (f" The file looks like the binary format (rows of a word and {dim} "
                    f"float32 values): read it with binary=True.")
    return ""


def _looks_like_text(body):
    """True if ``body`` is UTF-8 text without control characters other than tab and
    line ends (float32 vectors almost always hold a NUL or a byte that is not UTF-8)."""
    text = body.decode("utf-8", errors="replace")[:-4]
    return "\ufffd" not in text and not any(
        unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text)


def load_word2vec_format(path, binary=False):
    """Read a word2vec file; returns ``(words, vectors)`` with ``vectors`` float32 of shape (n, d).

    Raises ``ValueError`` naming the problem (and the row) for any malformed file; see the
    module docstring for the checks. When a file fails to parse and looks like the other
    format (``binary=`` the wrong way round), or like binary rows of another dimension
    than its header declares, the message says so.
    """
    path, binary = _check_path(path), _check_binary(binary)
    name = Path(path).name
    if os.path.isfile(path) and compression(path):
        raise ValueError(f"{name}: the file is {compression(path)}-compressed; decompress it "
                         f"first (e.g. gunzip or bunzip2), then read the result")
    with open(path, "rb") as f:
        n, d = _parse_header(f, path, binary)
        try:
            _check_size(f, path, binary, n, d)
            with np.errstate(over="ignore", invalid="ignore"):
                words, vectors = (_read_binary if binary else _read_text)(f, path, n, d)
        except ValueError as exc:
            raise ValueError(f"{exc}{_format_hint(path, binary, n, d)}") from None
    seen = {}
    for i, w in enumerate(words):
        if w in seen:
            raise ValueError(f"{name}: word {w!r} appears twice, in rows {seen[w]} and {i}")
        seen[w] = i
    bad = ~np.isfinite(vectors)
    if bad.any():
        row = int(np.argwhere(bad)[0, 0])
        raise ValueError(f"{name}: row {row} (word {words[row]!r}) has a non-finite value "
                         f"(or one beyond float32's range, about 3.4e38)")
    return words, vectors
