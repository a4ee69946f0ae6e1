"""Run a submission's code in an isolated worker and call its functions from outside.

The grader (the trusted side) never executes student code. A :class:`Session` starts
``_sandbox_worker.py`` in a bubblewrap sandbox (``bwrap``, Debian package
``bubblewrap``) with

- a read-only view of only what Python needs: ``/usr`` (and the ``/bin``, ``/lib``
  links), a few files of ``/etc``, the Python installation and virtual environment,
  and the ``lossviz`` package folder itself at ``/opt/lossviz/lossviz`` (never the
  repository around it). Nothing else of the host's file system exists inside:
  not the instructor's notebooks, other submissions, other workers' folders, home
  folders or ``/tmp``;
- a private, writable copy of the one submission folder at ``/home/student`` (the
  working directory) and a private ``/tmp``;
- new PID, network, IPC and UTS namespaces: no network, and every process the
  submission starts dies with the sandbox (``--die-with-parent``; ``--new-session``
  also keeps it away from the grader's terminal);
- an unprivileged user with no capabilities: when the grader runs as root, the worker
  drops to a user id of its own (from 200000 on, so that the process limit of one
  sandbox is not shared with the others) before any student code; otherwise bubblewrap
  maps user 65534 in a user namespace;
- an environment emptied to ``PATH``, ``HOME``, ``TMPDIR``, ``PYTHONPATH``,
  ``MPLBACKEND=Agg``, ``IPYTHONDIR`` and one-thread settings for the BLAS libraries;
- resource limits set by the worker before any student code: address space, CPU
  seconds, processes (``RLIMIT_NPROC``), file size, no core files;
- wall-time limits enforced from here: per cell, per call and per notebook, after
  which the whole sandbox is killed.

The worker runs the chosen cells in an IPython shell and then answers CALL requests
(function name and plain-value arguments, see ``_wire.py``). :class:`RemoteFunction`
makes such a function look like an ordinary Python callable, so that the checkers of
:mod:`lossviz.checks` judge it exactly as they judge a student's function in a notebook.

Without bubblewrap, ``Session(..., sandbox=False)`` runs the same worker as a plain
child process with the same limits and environment but none of the isolation.
"""

from __future__ import annotations

import builtins
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lossviz.classroom import _wire

WORKER = Path(__file__).with_name("_sandbox_worker.py")
PACKAGE = Path(__file__).resolve().parents[1]  # the lossviz package folder
INSIDE_PACKAGE = "/opt/lossviz/lossviz"
INSIDE_HOME = "/home/student"
NOBODY = 65534
#: User ids the sandboxed workers run as when the grader is root (one per worker).
FIRST_UID, UID_RANGE = 200_000, 100_000
_UIDS = iter(range(10**9))


def _next_uid() -> int:
    return FIRST_UID + (os.getpid() * 7919 + next(_UIDS)) % UID_RANGE


#: What ``--no-sandbox`` exposes, printed by the command line.
NO_SANDBOX_WARNING = (
    "--no-sandbox: submissions run as ordinary child processes of the grader, as your own "
    "user, with resource limits and an emptied environment but NO isolation: they can read "
    "every file you can (the solutions, other submissions), write to your files, use the "
    "network, and start programs that outlive grading. Use it only for code you trust."
)


class SandboxUnavailable(RuntimeError):
    """Bubblewrap is missing or does not work on this machine."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission notebook.

    Attributes
    ----------
    cell_timeout : float
        Seconds one cell may run; then the worker is killed and restarted without it.
    total_timeout : float
        Seconds for the whole notebook (cells and calls); then it is stopped.
    memory_mb : int
        Address-space limit of the worker, in MiB.
    file_mb : int
        Largest file the worker may write, in MiB.
    call_timeout : float
        Seconds one call of a student's function may take.
    nproc : int
        Most processes and threads of the sandbox user at once.

    """

    cell_timeout: float = 60
    total_timeout: float = 600
    memory_mb: int = 2048
    file_mb: int = 64
    call_timeout: float = 20
    nproc: int = 64


def bwrap_path() -> str | None:
    """Return the ``bwrap`` executable, or None."""
    return shutil.which("bwrap")


# ----------------------------------------------------------------------------- bwrap


def _prefixes() -> list[str]:
    found = []
    for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        real = os.path.realpath(p)
        for q in {p, real}:
            if q.startswith("/usr/") or q == "/usr":
                continue
            found.append(q)
    found = sorted(set(found), key=len)
    # drop a prefix inside another one (bound already)
    return [p for p in found if not any(p != q and p.startswith(q + "/") for q in found)]


def _module_location(name: str) -> tuple[str, bool] | None:
    """Where a forbidden module lives, and whether it is a folder, without importing it."""
    if name == "lossviz" or name.startswith("lossviz."):
        rel = name.split(".")[1:]
        base = PACKAGE.joinpath(*rel)
        if base.is_dir():
            return str(base), True
        if base.with_suffix(".py").is_file():
            return str(base.with_suffix(".py")), False
        return None
    import importlib.util

    try:
        spec = importlib.util.find_spec(name.split(".")[0])
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        return None
    if spec.submodule_search_locations:
        return str(Path(spec.origin).parent), True
    return str(spec.origin), False


def _other_copies() -> list[str]:
    """Other installed copies of lossviz inside the mounted prefixes (hidden in the sandbox)."""
    copies = []
    for entry in sys.path:
        candidate = Path(entry or ".") / "lossviz"
        try:
            real = candidate.resolve()
        except OSError:
            continue
        if real == PACKAGE or not (candidate / "__init__.py").is_file():
            continue
        if any(str(candidate).startswith(prefix + "/") for prefix in _prefixes()):
            copies.append(str(candidate))
    return sorted(set(copies))


def _inside(path: str) -> str:
    """Where a host path of the lossviz package appears in the sandbox."""
    pkg = str(PACKAGE)
    if path == pkg or path.startswith(pkg + "/"):
        return INSIDE_PACKAGE + path[len(pkg) :]
    return path


def _dirs(path: str, made: set[str]) -> list[str]:
    """``--dir`` arguments making every ancestor of ``path`` (mode 0755)."""
    args = []
    parts = Path(path).parts[1:-1]
    cur = ""
    for part in parts:
        cur += "/" + part
        if cur not in made:
            made.add(cur)
            args += ["--perms", "0755", "--dir", cur]
    return args


def bwrap_command(
    private: Path, mpl_cache: Path | None, forbid: list[str], argv: list[str]
) -> list[str]:
    """Build the bubblewrap command line for one worker (see the module docstring)."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed")
    cmd = [bwrap, "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + name
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    for name in (
        "ld.so.cache",
        "ld.so.conf",
        "ld.so.conf.d",
        "localtime",
        "nsswitch.conf",
        "passwd",
        "group",
        "fonts",
        "mime.types",
        "alternatives",
    ):
        path = "/etc/" + name
        if os.path.exists(path):
            cmd += ["--ro-bind", path, path]
    # A private /tmp first: everything bound below lands on top of it, so an interpreter
    # whose prefix lies under /tmp (a CI virtual environment made with mktemp) still shows.
    cmd += ["--perms", "1777", "--tmpfs", "/tmp"]
    made = {"/usr", "/etc", "/tmp"}
    for prefix in _prefixes():
        cmd += _dirs(prefix, made) + ["--ro-bind", prefix, prefix]
    cmd += _dirs(INSIDE_PACKAGE, made) + ["--ro-bind", str(PACKAGE), INSIDE_PACKAGE]
    for other in _other_copies():  # e.g. a non-editable install in site-packages
        cmd += ["--tmpfs", other]
    for name in forbid:
        found = _module_location(name)
        if found is None:
            continue
        path, is_dir = found
        target = _inside(path)
        cmd += ["--tmpfs", target] if is_dir else ["--ro-bind", "/dev/null", target]
    if mpl_cache is not None:
        cmd += ["--ro-bind", str(mpl_cache), "/opt/mplcache"]
    cmd += _dirs(INSIDE_HOME + "/x", made) + ["--bind", str(private), INSIDE_HOME]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    cmd += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        # The worker keeps only the right to drop to its own user id, which it does at once.
        cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        cmd += ["--unshare-user", "--disable-userns", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    cmd += ["--clearenv", "--chdir", INSIDE_HOME]
    for key, value in _environment(INSIDE_PACKAGE, INSIDE_HOME, "/tmp").items():
        cmd += ["--setenv", key, value]
    return cmd + ["--"] + argv


def _environment(package: str, home: str, tmp: str) -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "PYTHONPATH": str(Path(package).parent),
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "IPYTHONDIR": f"{tmp}/ipython",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LANG": "C.UTF-8",
    }


# ----------------------------------------------------------------------------- reports


@dataclass
class CellReport:
    """What one cell did in the worker."""

    id: str
    error: dict | None = None
    stdout: str = ""
    stderr: str = ""
    status: str = "ok"  # ok | error | timeout | died


@dataclass
class CallReply:
    """The outcome of one call of a student's function."""

    kind: str  # result | raised | missing | dead
    value: Any = None
    error: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    stdout: str = ""


class _Dead(Exception):
    pass


class _Timeout(Exception):
    pass


# ----------------------------------------------------------------------------- the worker


class _Process:
    """One running worker: the bwrap (or plain) process and its two pipes."""

    def __init__(
        self,
        folder: Path | None,
        limits: Limits,
        forbid: list[str],
        sandbox: bool,
        mpl_cache: Path | None,
    ) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="lossviz-worker-"))
        self.private = self.base / "home"
        if folder is not None:
            shutil.copytree(folder, self.private, symlinks=True)
        else:
            self.private.mkdir()
        self.log = open(self.base / "worker.log", "wb")  # noqa: SIM115 - closed in stop()
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        config = {
            "in_fd": to_r,
            "out_fd": from_w,
            "memory_mb": limits.memory_mb,
            # a backstop: wall-time limits stop a notebook first; a worker may serve
            # several notebooks of one student in turn
            "cpu_seconds": int(limits.total_timeout) * 20 + 10,
            "file_mb": limits.file_mb,
            "nproc": limits.nproc,
            "forbid": forbid,
            "drop_root": sandbox,
        }
        if sandbox:
            if os.geteuid() == 0:
                config["uid"] = _next_uid()
                _chown_tree(self.private, config["uid"])
            config["sys_path"] = [str(Path(INSIDE_PACKAGE).parent)]
            config["mpl_cache"] = "/opt/mplcache" if mpl_cache else None
            argv = [sys.executable, "-s", f"{INSIDE_PACKAGE}/classroom/{WORKER.name}"]
            cmd = bwrap_command(self.private, mpl_cache, forbid, [*argv, json.dumps(config)])
            env = None
            cwd = None
        else:
            config["sys_path"] = [str(PACKAGE.parent)]
            config["mpl_cache"] = str(mpl_cache) if mpl_cache else None
            tmp = self.base / "tmp"
            tmp.mkdir()
            cmd = [sys.executable, "-s", str(WORKER), json.dumps(config)]
            env = _environment(str(PACKAGE), str(self.private), str(tmp))
            cwd = self.private
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            pass_fds=(to_r, from_w),
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
        os.close(to_r)
        os.close(from_w)
        self.to_w, self.from_r = to_w, from_r
        self.buffer = b""

    def send(self, message: dict) -> None:
        try:
            os.write(self.to_w, _wire.dumps(message))
        except OSError as err:
            raise _Dead(str(err)) from None

    def receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + max(0.0, timeout)
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout()
            ready, _, _ = select.select([self.from_r], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise _Dead("the worker stopped")
            self.buffer += chunk
            if len(self.buffer) > _wire.MAX_MESSAGE:
                raise _Dead("the worker sent an oversized message")
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return _wire.loads(line)
        except _wire.WireError as err:
            raise _Dead(f"the worker sent a malformed message ({err})") from None

    def log_tail(self) -> str:
        try:
            self.log.flush()
            data = (self.base / "worker.log").read_bytes()[-2000:]
        except OSError:
            return ""
        return data.decode("utf-8", "replace")

    def stop(self) -> None:
        for fd in (self.to_w, self.from_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        self.log.close()
        _rmtree(self.base)


def _chown_tree(path: Path, uid: int) -> None:
    os.chown(path, uid, uid, follow_symlinks=False)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def _rmtree(path: Path) -> None:
    def onexc(func, p, _exc):
        try:
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=onexc)
    else:
        shutil.rmtree(path, onerror=onexc)


class Session:
    """A worker that has run a list of cells and serves calls, restarted when it dies.

    Parameters
    ----------
    folder : Path or None
        The submission's folder, copied privately for the worker.
    cells : list of (str, str)
        ``(id, source)`` of the cells to run, in order.
    limits : Limits
        Time and resource limits.
    forbid : list of str
        Modules the answers may not use (stand-ins raise ``ForbiddenHelperError``).
    sandbox : bool
        Use bubblewrap (default) or a plain child process.
    mpl_cache : Path, optional
        A Matplotlib config folder with a ready font cache.

    """

    MAX_STARTS = 3

    def __init__(
        self,
        folder: Path | None,
        cells: list[tuple[str, str]],
        limits: Limits,
        forbid: list[str] | None = None,
        sandbox: bool = True,
        mpl_cache: Path | None = None,
    ) -> None:
        self.folder = folder
        self.cells = list(cells)
        self.limits = limits
        self.forbid = list(forbid or [])
        self.sandbox = sandbox
        self.mpl_cache = mpl_cache
        self.deadline = time.monotonic() + limits.total_timeout
        self.reports: dict[str, CellReport] = {}
        self.skipped: set[str] = set()
        self.events: list[str] = []
        self.forbidden_used: list[str] = []
        self.proc: _Process | None = None
        self.starts = 0
        self.out_of_time = False
        self.subdir = ""

    # -- lifecycle
    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def __del__(self) -> None:
        # A session nobody closed (an exception in the caller) still leaves no process.
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown
            pass

    def close(self) -> None:
        """Kill the worker (and everything it started) and remove its files."""
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def switch(self, cells: list[tuple[str, str]], seconds: float) -> None:
        """Run another notebook's cells in this worker, in a fresh namespace.

        Imported modules stay loaded (this is what makes grading several chapters of
        one student in one worker fast); variables, figures and the working directory
        are reset. A dead worker is started again with the new cells.
        """
        self.cells = list(cells)
        self.reports = {}
        self.skipped = set()
        self.starts = 0
        self.out_of_time = False
        self.deadline = time.monotonic() + seconds
        if self.proc is None:
            return
        try:
            self.proc.send({"op": "reset", "cwd": self.subdir})
            reply = self.proc.receive(min(30.0, self.left()))
            if reply.get("ev") != "reset":
                raise _Dead("out of order")
        except (_Dead, _Timeout):
            self.close()
            return
        if not self._run_cells():
            self.close()

    def left(self) -> float:
        """Seconds left of the notebook's time."""
        return self.deadline - time.monotonic()

    def start(self) -> bool:
        """Start a worker and run the cells; False if no worker could be had."""
        while self.proc is None:
            if self.starts >= self.MAX_STARTS or self.left() <= 0:
                return False
            self.starts += 1
            self.proc = _Process(
                self.folder, self.limits, self.forbid, self.sandbox, self.mpl_cache
            )
            try:
                hello = self.proc.receive(min(60.0, self.left()))
                if hello.get("ev") != "ready":
                    raise _Dead("the worker did not start")
                if self.subdir:
                    self.proc.send({"op": "reset", "cwd": self.subdir})
                    if self.proc.receive(min(30.0, self.left())).get("ev") != "reset":
                        raise _Dead("the worker did not start")
            except (_Dead, _Timeout):
                tail = self.proc.log_tail().strip().splitlines()[-3:]
                self.events.append("the grading worker failed to start: " + " / ".join(tail))
                self.close()
                if self.starts >= self.MAX_STARTS:
                    return False
                continue
            if not self._run_cells():
                self.close()
        return True

    def _run_cells(self) -> bool:
        assert self.proc is not None
        for cell_id, source in self.cells:
            if cell_id in self.skipped:
                continue
            limit = min(self.limits.cell_timeout, self.left())
            try:
                self.proc.send({"op": "cell", "id": cell_id, "source": source})
                start = self.proc.receive(min(30.0, max(limit, 0.1)))
                if start.get("ev") != "cell_start":
                    raise _Dead("out of order")
                end = self.proc.receive(max(limit, 0.1))
                if end.get("ev") != "cell_end":
                    raise _Dead("out of order")
            except _Timeout:
                self.skipped.add(cell_id)
                if self.left() <= 0:
                    self.out_of_time = True
                    self.reports[cell_id] = CellReport(cell_id, status="timeout")
                    return False
                self.reports[cell_id] = CellReport(cell_id, status="timeout")
                return False
            except _Dead:
                self.skipped.add(cell_id)
                tail = self.proc.log_tail().strip().splitlines()[-2:]
                self.reports[cell_id] = CellReport(
                    cell_id, status="died", stderr="\n".join(tail)[-500:]
                )
                return False
            error = end.get("error")
            self.reports[cell_id] = CellReport(
                cell_id,
                error=error if isinstance(error, dict) else None,
                stdout=str(end.get("stdout", ""))[:20_000],
                stderr=str(end.get("stderr", ""))[:20_000],
                status="error" if error else "ok",
            )
        return True

    # -- calls
    def call(self, name: str, args: tuple, kwargs: dict) -> CallReply:
        """Call the student's ``name(*args, **kwargs)`` in the worker."""
        if not self.start():
            why = (
                "not run: the notebook ran out of time"
                if self.left() <= 0
                else "not run: the grading process could not be started or kept crashing"
            )
            return CallReply("dead", error={"type": "RuntimeError", "message": why})
        assert self.proc is not None
        functions: dict[int, Any] = {}
        message = {
            "op": "call",
            "name": name,
            "args": _wire.encode(tuple(args), functions=functions),
            "kwargs": _wire.encode(dict(kwargs), functions=functions),
            "timeout": self.limits.call_timeout,
        }
        try:
            self.proc.send(message)
            callbacks = 0
            while True:
                limit = min(self.limits.call_timeout + 5, self.left())
                reply = self.proc.receive(max(limit, 0.1))
                if reply.get("ev") != "callback":
                    break
                callbacks += 1
                if callbacks > 100_000:
                    raise _Dead("too many callbacks")
                self._answer_callback(reply, functions)
        except _Timeout:
            self.close()
            return CallReply(
                "raised",
                error={
                    "type": "TimeoutError",
                    "message": f"{name} ran longer than {self.limits.call_timeout:g} s "
                    "and was stopped",
                },
            )
        except _Dead as err:
            self.close()
            return CallReply(
                "dead", error={"type": "RuntimeError", "message": f"the worker died ({err})"}
            )
        return self._parse_reply(reply)

    def _answer_callback(self, reply: dict, functions: dict[int, Any]) -> None:
        assert self.proc is not None
        func = functions.get(reply.get("fn"))  # type: ignore[arg-type]
        try:
            if func is None:
                raise ValueError("unknown function")
            args = _wire.decode(reply.get("args", []))
            kwargs = _wire.decode(reply.get("kwargs", {"$d": {}}))
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise ValueError("bad arguments")
            value = func(*args, **kwargs)
            self.proc.send({"op": "cbreply", "value": _wire.encode(value)})
        except Exception as err:  # noqa: BLE001 - reported to the worker, which raises
            self.proc.send({"op": "cberror", "error": f"{type(err).__name__}: {err}"[:500]})

    def _parse_reply(self, reply: dict) -> CallReply:
        kind = reply.get("ev")
        warns = []
        for w in reply.get("warnings", [])[:20] if isinstance(reply.get("warnings"), list) else []:
            if isinstance(w, dict):
                warns.append((str(w.get("category", ""))[:60], str(w.get("message", ""))[:500]))
        stdout = str(reply.get("stdout", ""))[:2000]
        if kind == "result":
            try:
                value = _wire.decode(reply.get("value"))
            except _wire.WireError as err:
                value = _wire.Opaque(f"a value the grader could not read ({err})")
            return CallReply("result", value=value, warnings=warns, stdout=stdout)
        if kind == "raised" and isinstance(reply.get("error"), dict):
            error = {k: str(v)[:3000] for k, v in reply["error"].items() if k in _ERROR_KEYS}
            if error.get("type") == "ForbiddenHelperError":
                self.forbidden_used.append(error.get("message", ""))
            return CallReply("raised", error=error, warnings=warns, stdout=stdout)
        if kind == "missing":
            return CallReply("missing", value=bool(reply.get("defined")))
        self.close()
        return CallReply(
            "dead", error={"type": "RuntimeError", "message": "the worker sent a bad reply"}
        )


_ERROR_KEYS = {"type", "message", "traceback"}

# ----------------------------------------------------------------------------- the proxy

_SAFE_EXCEPTIONS = {
    name: obj
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, Exception)
}
_SAFE_EXCEPTIONS["LinAlgError"] = np.linalg.LinAlgError
_SAFE_WARNINGS = {
    name: obj
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, Warning)
}


class StudentError(Exception):
    """An exception of the student's code whose type is not a built-in one."""


class NotDefined(NameError):
    """The answer function does not exist in the submission."""


def rebuild_exception(error: dict) -> Exception:
    """Build an exception of a safe type standing for the student's error (never unpickled)."""
    name = str(error.get("type", "Exception"))
    message = str(error.get("message", ""))
    cls = _SAFE_EXCEPTIONS.get(name)
    if cls is None or cls in (SystemExit, KeyboardInterrupt, GeneratorExit):
        label = name if name.isidentifier() and len(name) <= 60 else "Error"
        cls = type(label, (StudentError,), {})
    try:
        err = cls(message)
    except Exception:  # noqa: BLE001 - exception types with other signatures
        err = StudentError(f"{name}: {message}")
    tb = str(error.get("traceback", "")).strip()
    if tb:
        err.add_note("In your code:\n" + tb[-800:])
    return err


class RemoteFunction:
    """A callable standing for the student's function ``name`` inside a worker.

    Calling it sends the arguments to the worker and returns the decoded result, or
    raises an exception of the same built-in type as the student's, and re-emits the
    warnings the call raised there. The checkers cannot tell it from a local function.
    """

    def __init__(self, session: Session, name: str) -> None:
        self._session = session
        self.__name__ = name
        self.__qualname__ = name
        self.printed: list[str] = []

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the student's function in the worker with plain-value arguments."""
        reply = self._session.call(self.__name__, args, kwargs)
        if reply.stdout:
            self.printed.append(reply.stdout)
        for category, message in reply.warnings:
            cls = _SAFE_WARNINGS.get(category, UserWarning)
            warnings.warn_explicit(message, cls, filename="<your function>", lineno=0)
        if reply.kind == "result":
            return reply.value
        if reply.kind == "missing":
            what = "is not a function" if reply.value else "is not defined"
            raise NotDefined(f"{self.__name__} {what} in your notebook")
        err = rebuild_exception(reply.error)
        if reply.kind == "dead":
            err._lossviz_grader = True  # type: ignore[attr-defined]
        raise err
