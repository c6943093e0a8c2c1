"""Where a student's notebook runs: the strongest of three sandboxes this machine offers.

``bwrap``
    Debian's bubblewrap: new user, PID, mount, network, IPC and UTS namespaces, all
    capabilities dropped, user ``nobody`` inside. The process sees read-only ``/usr``,
    the Python installation, a private copy of w2vlib (no notebooks beside it), the data
    cache, an empty writable home (its working directory) and an empty ``/tmp``; it sees
    no other file of the machine (no class folder, no checks, no CSV, no repository), no
    other process (the grader is outside its PID namespace) and no network. When the
    sandbox ends, every process started inside it ends too.
``nobody``
    (when the grader runs as root and bubblewrap is missing) the process runs as user
    ``nobody`` in a session of its own, with a minimal environment and an empty working
    directory: it cannot write the teacher's files or signal the grader, but it can read
    every file that is readable by everyone.
``none``
    (neither) the process runs as the teacher, in a session of its own, with a minimal
    environment and an empty working directory. Checks still never run where student code
    ran, but the notebook can read and write whatever the teacher can, and kill the grader.

``W2VLIB_SANDBOX=bwrap|nobody|none`` forces a level (a forced level that does not work on
this machine raises RuntimeError). Orphans (processes a notebook detached from its
session) are found and killed: the grading worker is a child subreaper (Linux
``PR_SET_CHILD_SUBREAPER``), so they become its children when their parents end.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

NOBODY = 65534
HOME = "/home/student"
LIB = "/opt/w2vlib"
CACHE = "/opt/w2vlib-cache"
_mode = None


def python_paths():
    """(the interpreter to run, the folders it needs), with symbolic links resolved."""
    prefix = Path(os.path.realpath(sys.prefix))
    base = Path(os.path.realpath(sys.base_prefix))
    exe = prefix / "bin" / Path(sys.executable).name
    if not exe.exists():
        exe = Path(os.path.realpath(sys.executable))
    folders = {prefix, base, Path(os.path.realpath(exe)).parent.parent}
    return str(exe), sorted(str(f) for f in folders)


def copy_library(target):
    """A copy of the w2vlib package (its Python files and result files, nothing else) in
    ``target``/w2vlib, readable by everyone; returns ``target``."""
    source = Path(__file__).resolve().parents[1]
    target = Path(target)
    shutil.copytree(source, target / "w2vlib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.ipynb"))
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def environment(home, lib, cache=None):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHONPATH": str(lib), "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{home}/.matplotlib",
           "IPYTHONDIR": f"{home}/.ipython", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if cache:
        env["W2VLIB_CACHE"] = str(cache)
    return env


def teacher_cache():
    """The data cache of w2vlib (read-only for the notebook), or None if there is none."""
    path = Path(os.environ.get("W2VLIB_CACHE") or Path.home() / ".cache" / "w2vlib")
    return str(path) if path.is_dir() else None


def command(mode, lib, home, module="w2vlib.teach.runner"):
    """(argv, keyword arguments of Popen) that run ``python -m module`` in the sandbox."""
    exe, folders = python_paths()
    cache = teacher_cache()
    limits = ["prlimit", "--core=0", "--fsize=2000000000"] if shutil.which("prlimit") else []
    if mode == "bwrap":
        argv = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                "--cap-drop", "ALL"]
        if os.geteuid() == 0:
            argv += ["--uid", str(NOBODY), "--gid", str(NOBODY)]
        argv += ["--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]   # binds below /tmp go on it
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                argv += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                argv += ["--ro-bind", top, top]
        for extra in ("/etc/fonts", "/etc/ld.so.cache", "/etc/localtime"):
            if os.path.exists(extra):
                argv += ["--ro-bind", extra, extra]
        for folder in folders:
            if not folder.startswith("/usr/"):
                argv += ["--ro-bind", folder, folder]
        argv += ["--ro-bind", str(lib), LIB]
        if cache:
            argv += ["--ro-bind", cache, CACHE]
        argv += ["--bind", str(home), HOME, "--chdir", HOME, "--proc", "/proc",
                 "--dev", "/dev", "--clearenv"]
        for key, value in environment(HOME, LIB, CACHE if cache else None).items():
            argv += ["--setenv", key, value]
        return argv + ["--", *limits, exe, "-m", module], {"cwd": "/"}
    env = environment(home, lib, cache)
    kwargs = {"cwd": str(home), "env": env}
    if mode == "nobody":
        kwargs.update(user=NOBODY, group=NOBODY, extra_groups=[])
    return [*limits, exe, "-m", module], kwargs


def prepare_home(mode, home):
    Path(home).mkdir(parents=True, exist_ok=True)
    if mode == "nobody":
        os.chown(home, NOBODY, NOBODY)
    os.chmod(home, 0o700)


def _probe(mode, scratch):
    lib = Path(scratch) / "lib"
    if not lib.exists():
        copy_library(lib)
    home = Path(scratch) / f"home-{mode}"
    prepare_home(mode, home)
    argv, kwargs = command(mode, lib, home, module="w2vlib.teach.values")
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=60, **kwargs)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return "" if done.returncode == 0 else done.stderr.decode(errors="replace")[-300:]


def choose(scratch):
    """The sandbox level to use (see the module), and why a stronger one is not used."""
    global _mode
    forced = os.environ.get("W2VLIB_SANDBOX", "")
    if forced:
        if forced not in ("bwrap", "nobody", "none"):
            raise ValueError(f"W2VLIB_SANDBOX: expected bwrap, nobody or none, got {forced!r}")
        why = _probe(forced, scratch) if forced != "none" else ""
        if why:
            raise RuntimeError(f"W2VLIB_SANDBOX={forced} does not work here: {why}")
        return forced, ""
    if _mode is not None:
        return _mode
    notes = []
    if shutil.which("bwrap"):
        why = _probe("bwrap", scratch)
        if not why:
            _mode = ("bwrap", "")
            return _mode
        notes.append(f"bubblewrap does not work here ({why.strip()[:120]})")
    else:
        notes.append("bubblewrap (bwrap) is not installed")
    if os.geteuid() == 0:
        why = _probe("nobody", scratch)
        if not why:
            _mode = ("nobody", "; ".join(notes))
            return _mode
        notes.append(f"user nobody cannot run this Python ({why.strip()[:120]})")
    else:
        notes.append("the grader is not root, so it cannot switch to another user")
    _mode = ("none", "; ".join(notes))
    return _mode


# ----------------------------------------------------------------------------- ending

def become_subreaper():
    """Make this process adopt the orphans of its descendants (Linux); True if done."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0          # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def children(pid=None):
    """The pids whose parent is ``pid`` (default: this process)."""
    pid = os.getpid() if pid is None else pid
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def kill(proc):
    """Kill ``proc`` and its process group; wait for it."""
    if proc is None:
        return
    for target in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
        try:
            target()
        except (ProcessLookupError, PermissionError, OSError):
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def sweep(keep=(), rounds=50):
    """Kill every child of this process but ``keep`` (the orphans it adopted), until none
    is left; the number killed."""
    killed = 0
    quiet = 0
    for _ in range(rounds):
        found = [p for p in children() if p not in keep]
        if not found:
            quiet += 1
            if quiet >= 2:
                break
            time.sleep(0.05)
            continue
        quiet = 0
        own_group = os.getpgid(0)
        for pid in found:
            try:
                if os.getpgid(pid) != own_group:
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass
            killed += 1
        time.sleep(0.02)
        for pid in found:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
    return killed
