"""One way to write a file, for every writer of w2vlib (vectors, bench JSON, the data
cache, grade CSVs).

:func:`atomic_write` writes through a temporary file in the target's directory and
renames it over the target, so a reader never sees a half-written file and a failure
(or Ctrl-C) leaves the old file as it was and no temporary behind. Unlike a bare
``os.replace(tmp, path)`` it

* follows a symbolic link (also a dangling one) and writes its target, so the link
  stays a link;
* keeps the target's permission bits (a new file gets the umask's, as ``open`` gives);
* refuses a file that is not writable, as ``open(path, "w")`` would (also as root);
* refuses a directory, and names the path in every error.

A hard-linked target is replaced by a new file (its other names keep the old
contents); :func:`atomic_write` says so in its docstring rather than writing in place,
because an in-place write is not atomic.
"""

import bz2
import gzip
import os
import secrets
import stat
from pathlib import Path

__all__ = ["atomic_write", "resolve_target", "open_read", "compression"]


def resolve_target(path):
    """The file that writing ``path`` should change: ``path`` with every symbolic link
    followed (a dangling link gives the path it points to). Raises OSError naming the
    path for a link loop."""
    path = Path(os.fspath(path))
    seen = set()
    while path.is_symlink():
        if path in seen or len(seen) > 40:
            raise OSError(f"{path}: too many levels of symbolic links")
        seen.add(path)
        target = Path(os.readlink(path))
        path = target if target.is_absolute() else path.parent / target
    return path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, writer, *, binary=True, encoding="utf-8", newline=None):
    """Call ``writer(f)`` on a temporary file, then rename it over ``path`` (see the module).

    ``writer`` may also be ``bytes`` or ``str``, written as they are. ``binary=False``
    opens the temporary file in text mode with ``encoding`` and ``newline``.
    Returns the path written (the link's target when ``path`` is a symbolic link).
    Raises IsADirectoryError, PermissionError or FileNotFoundError naming the path.
    A hard link is replaced, not written in place: its other names keep the old file.
    """
    target = resolve_target(path)
    shown = os.fspath(path) if Path(os.fspath(path)) == target \
        else f"{os.fspath(path)} (a link to {target})"
    if target.is_dir():
        raise IsADirectoryError(f"{shown}: is a directory, expected a file path")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{shown}: the directory {target.parent} does not exist")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    else:
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{shown}: not a regular file; refusing to replace it")
        mode = stat.S_IMODE(st.st_mode)
        if not (mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) \
                or not os.access(target, os.W_OK):
            raise PermissionError(f"{shown}: the file is write-protected (mode "
                                  f"{mode:04o}); make it writable or choose another path")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except PermissionError as exc:
            raise PermissionError(f"{shown}: cannot write in {target.parent} "
                                  f"({exc.strerror}); make the directory writable or "
                                  f"choose another path") from None
        kwargs = {} if binary else dict(encoding=encoding, newline=newline)
        with os.fdopen(fd, "wb" if binary else "w", **kwargs) as f:
            if isinstance(writer, (bytes, bytearray, str)):
                f.write(writer)
            else:
                writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


_GZIP_MAGIC = b"\x1f\x8b"
_BZ2_MAGIC = (b"BZh", b"\x31\x41\x59\x26\x53\x59")     # "BZh", a level 1-9, a block magic


def compression(path):
    """``"gzip"``, ``"bz2"`` or None: how the file at ``path`` is compressed, read from
    its first bytes (not its name), so a ``.gz`` or ``.bz2`` file is recognised whatever
    it is called, and a plain file named ``.gz`` is read as it is."""
    with open(path, "rb") as f:
        head = f.read(10)
    if head[:2] == _GZIP_MAGIC:
        return "gzip"
    if head[:3] == _BZ2_MAGIC[0] and head[3:4] in b"123456789" and head[4:10] == _BZ2_MAGIC[1]:
        return "bz2"
    return None


class _Named:
    """A decompressing reader whose errors name the file (and say it is compressed)."""

    def __init__(self, f, path, kind):
        self.f, self.path, self.kind = f, path, kind

    def __iter__(self):
        it = iter(self.f)
        while True:
            try:
                line = next(it)
            except StopIteration:
                return
            except (OSError, EOFError, ValueError) as exc:
                raise OSError(f"{self.path}: the {self.kind} data is damaged or truncated "
                              f"({exc})") from None
            yield line

    def read(self, n=-1):
        try:
            return self.f.read(n)
        except (OSError, EOFError, ValueError) as exc:
            raise OSError(f"{self.path}: the {self.kind} data is damaged or truncated "
                          f"({exc})") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def open_read(path):
    """Open ``path`` for reading bytes, decompressing gzip and bz2 files on the fly (as
    gensim's ``LineSentence`` does); see :func:`compression`. Use as a context manager;
    iterating gives lines (bytes)."""
    kind = compression(path)
    if kind is None:
        return open(path, "rb")
    opener = gzip.open if kind == "gzip" else bz2.open
    return _Named(opener(path, "rb"), os.fspath(path), kind)
