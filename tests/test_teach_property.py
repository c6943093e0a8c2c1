"""Hypothesis: the grader's and the editions' public entry points on malformed input
(issue 21 item 6). Nothing here runs a notebook; each property says what may come out.

* ``values.decode`` of any JSON: a value, or ValueError/TypeError (never another error, and
  never code run); ``encode`` then ``decode`` gives the value back;
* ``values.safe_sympify`` of any text: a SymPy object or ValueError; ``srepr`` round-trips;
* ``values.recv`` of any bytes: a message, or ValueError/EOFError/TimeoutError;
* ``grade.exercises`` of any notebook made of headings and tagged cells: exercises or a
  ValueError naming the cell; ``edition.strip_solutions`` of it: a valid notebook in which
  no solution's source survives; ``grade.plan_student`` of it against the fixture: a plan;
* ``grade.inert`` leaves no control character; ``grade.csv_cell`` starts no formula;
  ``grade.free_names`` and ``top_level_names`` of any text: a list.
"""

import json
import math
import os
import time
import unicodedata
from pathlib import Path

import numpy as np
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from w2vlib.teach import TODO, edition, grade, values

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "42_fixture.ipynb"

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                      st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
TAGS = ["$float", "$int", "$complex", "$bytes", "$todo", "$array", "$scalar", "$sympy",
        "$tuple", "$set", "$dict", "$object", "$function", "dtype", "shape", "data", "x"]
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(TAGS), inner, max_size=3)), max_leaves=12)


@given(json_value)
def test_decode_of_any_json_is_a_value_or_a_clear_refusal(data):
    try:
        values.decode(json.loads(json.dumps(data)))
    except (ValueError, TypeError):
        pass


@given(dtype=st.sampled_from(["<f8", "<f4", "<i8", "|b1", "<c16", "<U3"]),
       shape=st.lists(st.integers(0, 3), max_size=3), data=st.binary(max_size=64))
def test_decode_of_a_made_up_array_checks_its_bytes(dtype, shape, data):
    import base64
    wire = {"$array": {"dtype": dtype, "shape": shape,
                       "data": base64.b64encode(data).decode()}}
    try:
        arr = values.decode(wire)
    except ValueError:
        assert math.prod(shape) * np.dtype(dtype).itemsize != len(data)
    else:
        assert arr.shape == tuple(shape) and arr.dtype == np.dtype(dtype)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape \
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


arrays = hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_,
                                     np.complex128]),
                    hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
plain = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 80, 2 ** 80), st.floats(),
                  st.text(max_size=10), arrays, st.just(TODO))
nested = st.recursive(plain, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=10)


@given(nested)
def test_encode_then_decode_gives_the_value_back(value):
    wire = json.loads(json.dumps(values.encode(value)))
    back = values.decode(wire)
    if value is TODO:
        assert back is TODO
    else:
        assert _same(value, back), (value, back)


TOKENS = list("()[],'=.+-*_ 0123456789abcxyz") + [
    "Symbol", "Integer", "Add", "__import__", "os", "eval", "lambda", "Function", "Matrix",
    "__class__", "system", "Float", "pi"]


@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_safe_sympify_accepts_only_sympy_constructions(text):
    try:
        out = values.safe_sympify(text)
    except ValueError:
        return
    assert out is None or isinstance(out, (sp.Basic, sp.MatrixBase, str, int, float, bool,
                                           tuple, list, type)) or callable(out)


x, y = sp.symbols("x y")
exprs = st.recursive(
    st.one_of(st.sampled_from([x, y, sp.pi, sp.Integer(2), sp.Rational(1, 3)])),
    lambda inner: st.one_of(st.builds(sp.Add, inner, inner), st.builds(sp.Mul, inner, inner),
                            st.builds(sp.exp, inner), st.builds(sp.log, inner)),
    max_leaves=6)


@given(exprs)
def test_srepr_round_trips(expr):
    assert values.safe_sympify(sp.srepr(expr)) == expr


@given(st.binary(max_size=40))
def test_recv_of_any_bytes(data):
    r, w = os.pipe()
    try:
        os.write(w, data)
        os.close(w)
        w = None
        try:
            values.recv(r, time.monotonic() + 2)
        except (ValueError, EOFError, TimeoutError):
            pass
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


code = st.sampled_from(["a = 1", "b = a + 1", "assert a == 1", "def f(z):\n    return z",
                        "print('x')", "%matplotlib inline", "raise ValueError('x')", "",
                        "a, (b, c) = 1, (2, 3)", "for i in range(2):\n    c = i",
                        "lambda: (", "import os as o"])
cells = st.lists(st.one_of(
    st.builds(lambda n, t: new_markdown_cell(f"**Exercise {n} ({t}).** Do it."),
              st.sampled_from(["1", "2", "2.1"]), st.text("abc ", max_size=5)),
    st.builds(lambda s, tag: new_code_cell(s, metadata={"tags": [tag]} if tag else {}),
              code, st.sampled_from(["solution", "check", "exercise", None])),
    st.builds(new_markdown_cell, st.text(max_size=30))), max_size=10)


@given(cells)
def test_exercises_and_the_student_edition_of_any_notebook(cell_list):
    nb = new_notebook(cells=cell_list)
    try:
        found = grade.exercises(nb)
    except ValueError as exc:
        assert str(exc).startswith("nb: ")
        found = None
    out = edition.strip_solutions(nb)
    by_id = {c.id: c for c in out.cells}
    for cell in nb.cells:
        if edition.is_solution(cell):
            stub = by_id[cell.id]
            assert stub.source.startswith("# Exercise: write your solution here")
            assert "solution" not in stub.metadata["tags"]
            assert "exercise" in stub.metadata["tags"]
    if found is not None:
        assert [e.number for e in grade.exercises(out)] == [e.number for e in found]


@given(cells)
def test_plan_student_of_any_submission(cell_list):
    reference = grade.exercises(edition.strip_solutions(edition.read(FIXTURE)))
    run, spans = grade.plan_student(new_notebook(cells=cell_list), reference)
    assert sorted(spans) == ["1", "2", "3"]
    for span in spans.values():
        assert span["answer"] is None or 0 <= span["answer"] < len(run)


@given(st.text())
def test_inert_text_has_no_control_characters(text):
    shown = grade.inert(text)
    for ch in shown:
        assert unicodedata.category(ch) not in ("Cc", "Cs", "Co") or ch == " "
        assert ch not in "\x1b\u202e\u2066"
    cell = grade.csv_cell(text)
    assert cell[:1] not in ("=", "+", "-", "@")


@given(st.text(max_size=80))
def test_names_of_any_text(text):
    assume("\x00" not in text)
    assert isinstance(grade.free_names(text), list)
    assert isinstance(grade.top_level_names(text), list)
