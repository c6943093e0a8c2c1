"""Teaching with the book: the editions and a grader whose checks no submission can reach.

    python -m w2vlib.teach.edition student|html ...     # the student edition, the websites
    python -m w2vlib.teach.grade SUBMISSIONS ...         # grade a class

Modules: ``edition`` (student and HTML editions), ``grade`` (the grader and its reports),
``sandbox`` (how a student's notebook is run: bubblewrap, another user, or a bare
process), ``runner`` (runs inside the sandbox: executes the notebook, hands out answers
as data, answers calls of a function answer), ``checker`` (a separate process that runs
the teacher's checks on that data), ``values`` (the data format between them: numbers,
strings, arrays, SymPy expressions as ``srepr`` text, containers of these; never pickles).

This module holds what the student edition's cells import: :data:`TODO`, the value an
untouched exercise stub binds, and :func:`todo`, which its check cell asks before checking.
"""

__all__ = ["TODO", "todo"]


class _Todo:
    """The placeholder an exercise stub binds: "not written yet"."""
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "TODO"

    def __reduce__(self):
        return (_Todo, ())


TODO = _Todo()


def todo(*values):
    """True if any of ``values`` is still :data:`TODO` (the exercise is not done yet)."""
    return any(v is TODO for v in values)
