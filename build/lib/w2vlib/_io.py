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

import os
import secrets
import stat
from pathlib import Path

__all__ = ["atomic_write", "resolve_target"]


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
                                  f"({exc.strerror})") from None
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
