"""Answers as data, between a student's process and the checker (see w2vlib.teach).

:func:`encode` turns a value into JSON-able data: ``None``, bools, ints, floats (NaN and
inf included), complex numbers, strings, bytes, NumPy arrays and scalars (numeric, bool or
string dtypes: dtype, shape and raw bytes), SymPy expressions and matrices (their
``srepr``), lists, tuples, dicts, sets, :data:`w2vlib.teach.TODO`, and w2vlib's own
records (a w2vlib class and its fields). A function becomes a *handle*: the function stays
in the process that made it, and the other side calls it through :class:`Remote`.
Anything else raises :class:`Unencodable` naming the type.

:func:`decode` builds the value back and trusts nothing: a tag it does not know, a dtype
outside the list, a shape that does not match the bytes, or SymPy text that is not a tree
of SymPy constructors (:func:`safe_sympify`, which never calls ``eval``) raise ValueError.

:func:`send` and :func:`recv` frame messages on a pipe: 8 bytes of length, then JSON.
"""

import ast
import base64
import dataclasses
import importlib
import json
import math
import os
import select
import struct
import time

import numpy as np

__all__ = ["encode", "decode", "safe_sympify", "send", "recv", "Unencodable", "Remote",
           "MAX_MESSAGE"]

MAX_MESSAGE = 512 * 2 ** 20        # bytes in one message
MAX_DEPTH = 40
ARRAY_KINDS = "biufcUS"             # bool, int, uint, float, complex, str, bytes


class Unencodable(TypeError):
    """A value that cannot cross between the student's process and the checker."""


def _is_sympy(value):
    mod = type(value).__module__ or ""
    if not mod.startswith("sympy"):
        return False
    import sympy as sp
    return isinstance(value, (sp.Basic, sp.MatrixBase))


def encode(value, functions=None, depth=0):
    """``value`` as JSON-able data (see the module). ``functions``: a dict that receives
    each function found (handle -> function); None refuses functions."""
    from w2vlib.teach import TODO
    if depth > MAX_DEPTH:
        raise Unencodable(f"nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2 ** 63 else {"$int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, complex):
        return {"$complex": [encode(value.real), encode(value.imag)]}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if value is TODO:
        return {"$todo": True}
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype.kind not in ARRAY_KINDS or arr.dtype.hasobject:
            raise Unencodable(f"a NumPy array of dtype {arr.dtype} (only numbers, bools and "
                              "strings)")
        data = {"dtype": arr.dtype.str, "shape": list(arr.shape),
                "data": base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode()}
        return {"$scalar" if isinstance(value, np.generic) else "$array": data}
    if _is_sympy(value):
        import sympy as sp
        return {"$sympy": sp.srepr(value)}
    if isinstance(value, list):
        return [encode(v, functions, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, functions, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": [encode(v, functions, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"$dict": [[encode(k, functions, depth + 1), encode(v, functions, depth + 1)]
                          for k, v in value.items()]}
    cls = type(value)
    module = cls.__module__ or ""
    if module.startswith("w2vlib.") and not module.startswith("w2vlib.teach") \
            and hasattr(value, "__dict__") and not isinstance(value, type):
        fields = ({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
                  if dataclasses.is_dataclass(value) else vars(value))
        try:                        # a record of data; one holding functions is not data
            encoded = {str(k): encode(v, None, depth + 1) for k, v in fields.items()}
        except Unencodable:
            raise Unencodable(f"a {module}.{cls.__qualname__} (it holds more than data)") \
                from None
        return {"$object": f"{module}:{cls.__qualname__}", "fields": encoded}
    if callable(value) and not isinstance(value, type):
        if functions is None:
            raise Unencodable(f"a function ({getattr(value, '__name__', cls.__name__)}): "
                              "the grader passes only data to a student's function")
        handle = f"f{len(functions)}"
        functions[handle] = value
        return {"$function": handle, "name": str(getattr(value, "__name__", cls.__name__))}
    raise Unencodable(f"a {cls.__module__}.{cls.__qualname__}" if module != "builtins"
                      else f"a {cls.__name__}")


def _b64(text):
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode(), validate=True)


def _array(data, scalar):
    if not isinstance(data, dict) or set(data) != {"dtype", "shape", "data"}:
        raise ValueError("an array needs dtype, shape and data")
    if not isinstance(data["dtype"], str) or len(data["dtype"]) > 16:
        raise ValueError("bad dtype")
    dtype = np.dtype(data["dtype"])
    if dtype.kind not in ARRAY_KINDS or dtype.hasobject or dtype.fields is not None:
        raise ValueError(f"dtype {dtype} is not allowed")
    shape = data["shape"]
    if not (isinstance(shape, list) and len(shape) <= 32
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
        raise ValueError("bad shape")
    raw = _b64(data["data"])
    if math.prod(shape) * dtype.itemsize != len(raw):
        raise ValueError(f"{len(raw)} bytes do not make an array of shape {tuple(shape)} "
                         f"and dtype {dtype}")
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return arr[()] if scalar else arr


def decode(data, remote=None, depth=0):
    """The value :func:`encode` made ``data`` from (see the module); ``remote``: a callable
    ``remote(handle, name)`` that makes the stand-in of a function (None refuses them)."""
    from w2vlib.teach import TODO
    if depth > MAX_DEPTH + 2:
        raise ValueError("nested too deeply")
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(v, remote, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise ValueError(f"unexpected {type(data).__name__}")
    tag = next(iter(data))
    body = data[tag]
    if tag == "$float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "$int" and isinstance(body, str) and len(body) < 5000:
        return int(body)
    if tag == "$complex" and isinstance(body, list) and len(body) == 2:
        re_, im = (decode(v, None, depth + 1) for v in body)
        if not all(isinstance(v, float | int) for v in (re_, im)):
            raise ValueError("bad complex")
        return complex(re_, im)
    if tag == "$bytes":
        return _b64(body)
    if tag == "$todo":
        return TODO
    if tag in ("$array", "$scalar"):
        return _array(body, tag == "$scalar")
    if tag == "$sympy" and isinstance(body, str):
        return safe_sympify(body)
    if tag in ("$tuple", "$set") and isinstance(body, list):
        items = [decode(v, remote, depth + 1) for v in body]
        return tuple(items) if tag == "$tuple" else set(items)
    if tag == "$dict" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise ValueError("bad dict entry")
            out[decode(pair[0], remote, depth + 1)] = decode(pair[1], remote, depth + 1)
        return out
    if tag == "$object" and isinstance(body, str) and isinstance(data.get("fields"), dict):
        return _object(body, data["fields"], remote, depth)
    if tag == "$function" and isinstance(body, str) and remote is not None:
        return remote(body, str(data.get("name", "function"))[:80])
    raise ValueError(f"unexpected data {tag!r}")


def _object(path, fields, remote, depth):
    module, _, qualname = path.partition(":")
    if not module.startswith("w2vlib.") or module.startswith("w2vlib.teach") \
            or not all(p.isidentifier() for p in module.split(".") + qualname.split(".")):
        raise ValueError(f"objects of {path!r} are not accepted")
    cls = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    if not isinstance(cls, type):
        raise ValueError(f"{path} is not a class")
    obj = object.__new__(cls)
    for key, value in fields.items():
        if not key.isidentifier():
            raise ValueError(f"bad field name {key!r}")
        object.__setattr__(obj, key, decode(value, remote, depth + 1))
    return obj


# ------------------------------------------------------------------ SymPy without eval

def _sympy_names():
    import sympy as sp
    allowed = {}
    for name in dir(sp):
        obj = getattr(sp, name)
        if isinstance(obj, type) and issubclass(obj, (sp.Basic, sp.MatrixBase)):
            allowed[name] = obj
        elif isinstance(obj, sp.Basic):             # pi, E, I, oo, zoo, nan, true, false
            allowed[name] = obj
    return allowed


_ALLOWED = None


def safe_sympify(text):
    """The SymPy object an ``srepr`` string describes, built without ``eval``: only
    constructors of SymPy classes (and SymPy's constants) applied to numbers, strings,
    lists, tuples and other such constructions are accepted."""
    global _ALLOWED
    if _ALLOWED is None:
        _ALLOWED = _sympy_names()
    if not isinstance(text, str):
        raise ValueError(f"SymPy text: expected a string, got {type(text).__name__}")
    if len(text) > 2_000_000:
        raise ValueError("SymPy text longer than 2,000,000 characters")
    try:
        tree = ast.parse(text, mode="eval")
        return _build(tree.body, 0)
    except ValueError:
        raise
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise ValueError(f"not SymPy srepr text ({type(exc).__name__})") from None
    except Exception as exc:                # a SymPy constructor refusing its arguments
        raise ValueError(f"SymPy refused it: {type(exc).__name__}: {str(exc)[:200]}") from None


def _build(node, depth):
    if depth > 200:
        raise ValueError("SymPy expression nested too deeply")
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool,
                                                                  type(None))):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)):
        return -node.operand.value
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_build(e, depth + 1) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Name) and node.id in _ALLOWED:
        return _ALLOWED[node.id]
    if isinstance(node, ast.Call):
        import sympy as sp
        from sympy.core.function import UndefinedFunction
        func = _build(node.func, depth + 1)
        ok = (isinstance(func, type) and issubclass(func, (sp.Basic, sp.MatrixBase))) \
            or isinstance(func, UndefinedFunction)
        if not ok:
            raise ValueError(f"not a SymPy constructor: {ast.unparse(node.func)[:60]}")
        args = [_build(a, depth + 1) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise ValueError("** in SymPy text")
            value = _build(kw.value, depth + 1)
            if not isinstance(value, (str, int, float, bool, type(None))):
                raise ValueError(f"keyword {kw.arg} must be a constant")
            kwargs[kw.arg] = value
        return func(*args, **kwargs)
    raise ValueError(f"not SymPy srepr text: {ast.unparse(node)[:60]}")


# ----------------------------------------------------------------------------- framing

def send(fd, message):
    """Write one message (a JSON-able object) to the file descriptor ``fd``."""
    data = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE:
        raise Unencodable(f"a message of {len(data)} bytes (at most {MAX_MESSAGE})")
    view = memoryview(struct.pack(">Q", len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd, n, deadline):
    chunks, left = [], n
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError("no answer in time")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side has ended")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv(fd, deadline=None):
    """Read one message from ``fd`` (TimeoutError after the monotonic ``deadline``,
    EOFError if the writer is gone, ValueError if it is not a well-formed message)."""
    (size,) = struct.unpack(">Q", _read_exactly(fd, 8, deadline))
    if size > MAX_MESSAGE:
        raise ValueError(f"a message of {size} bytes (at most {MAX_MESSAGE})")
    try:
        return json.loads(_read_exactly(fd, size, deadline))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not a message: {type(exc).__name__}") from None


class Remote:
    """A student's function, called through the pipes of the process that holds it."""

    def __init__(self, handle, name, wfd, rfd, timeout, state=None):
        self.handle, self.__name__, self._w, self._r = handle, name, wfd, rfd
        self._timeout = timeout
        self._state = {} if state is None else state    # shared by one process's handles

    def __repr__(self):
        return f"<your function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        try:
            message = {"call": self.handle, "args": encode(list(args)),
                       "kwargs": encode(kwargs), "errstate": np.geterr()}
        except Unencodable as exc:
            raise TypeError(f"the grader cannot pass {exc} to your function "
                            f"{self.__name__}") from None
        if self._state.get("broken"):
            raise RuntimeError(f"your function {self.__name__} cannot be called: "
                               f"{self._state['broken']}")
        try:
            send(self._w, message)
            reply = recv(self._r, time.monotonic() + self._timeout)
        except TimeoutError:
            self._state["broken"] = f"an earlier call did not return within {self._timeout:g} s"
            raise TimeoutError(f"your function {self.__name__} did not return within "
                               f"{self._timeout:g} s") from None
        except (EOFError, OSError, ValueError):
            self._state["broken"] = "the notebook's process has ended"
            raise RuntimeError(f"your function {self.__name__} cannot be called: the "
                               "notebook's process has ended") from None
        if not isinstance(reply, dict):
            raise RuntimeError(f"your function {self.__name__}: a malformed reply")
        if "error" in reply:
            err = reply["error"] if isinstance(reply["error"], dict) else {}
            ename = str(err.get("ename", "Error"))[:60]
            evalue = str(err.get("evalue", ""))[:2000]
            import builtins
            cls = getattr(builtins, ename, None)
            if not (isinstance(cls, type) and issubclass(cls, Exception)) \
                    or cls in (SystemExit, KeyboardInterrupt):
                cls = RuntimeError
                evalue = f"{ename}: {evalue}"
            raise cls(evalue)
        try:
            return decode(reply.get("value"), self._remote_again)
        except (ValueError, TypeError, RecursionError) as exc:
            raise RuntimeError(f"your function {self.__name__} returned something the "
                               f"grader cannot read: {exc}") from None

    def _remote_again(self, handle, name):
        return Remote(handle, name, self._w, self._r, self._timeout, self._state)
