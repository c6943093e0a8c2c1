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

import os
import secrets
from pathlib import Path

import numpy as np

from ._checks import as_matrix, as_words

__all__ = ["save_word2vec_format", "load_word2vec_format"]

_MAX_HEADER = 1024          # bytes: a header is two integers
_MAX_WORD = 4096            # bytes: a longer "word" means a corrupt or misread file
_CHUNK = 1 << 20


def save_word2vec_format(path, words, vectors, binary=False):
    """Write ``words`` and ``vectors`` (shape (n, d)) to ``path`` in word2vec format.

    The file is written to a temporary name and renamed, so a failed write never leaves
    a half-written file under ``path``. Values are stored as float32.
    """
    vectors = as_matrix(vectors, "vectors")
    words, _ = as_words(words, vectors.shape[0], storable=True)
    n, d = vectors.shape
    data = vectors.astype("<f4")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        with open(tmp, "xb") as f:
            f.write(f"{n} {d}\n".encode())
            if binary:
                for w, row in zip(words, data):
                    f.write(w.encode("utf-8") + b" " + row.tobytes())
            else:
                fmt = " ".join(["%.9g"] * d)
                for w, row in zip(words, data.astype(np.float64)):
                    f.write(f"{w} {fmt % tuple(row)}\n".encode("utf-8"))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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
    body = os.fstat(f.fileno()).st_size - f.tell()
    per_row = 4 * d + 2 if binary else 2 * d + 1
    if n * per_row > body:
        fmt = "binary" if binary else "text"
        raise ValueError(f"{where} declares {n} rows of dimension {d}, which need at least "
                         f"{n * per_row} bytes in the {fmt} format, but the file has only "
                         f"{body} bytes after the header (wrong header, or truncated file)")
    return n, d


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


def load_word2vec_format(path, binary=False):
    """Read a word2vec file; returns ``(words, vectors)`` with ``vectors`` float32 of shape (n, d).

    Raises ``ValueError`` naming the problem (and the row) for any malformed file; see the
    module docstring for the checks.
    """
    name = Path(path).name
    with open(path, "rb") as f:
        n, d = _parse_header(f, path, binary)
        words, vectors = (_read_binary if binary else _read_text)(f, path, n, d)
    seen = {}
    for i, w in enumerate(words):
        if w in seen:
            raise ValueError(f"{name}: word {w!r} appears twice, in rows {seen[w]} and {i}")
        seen[w] = i
    bad = ~np.isfinite(vectors)
    if bad.any():
        row = int(np.argwhere(bad)[0, 0])
        raise ValueError(f"{name}: row {row} (word {words[row]!r}) has a non-finite value")
    return words, vectors
