"""The untrusted side of grading: runs one submission's cells and calls its functions.

Started by :mod:`lossviz.classroom.sandbox`, normally inside bubblewrap, as::

    python -s _sandbox_worker.py CONFIG_JSON

It talks to the grader over two pipes (file descriptors named in the config) in the
JSON-lines format of ``_wire.py``. Before any student code runs it sets its resource
limits, drops to the unprivileged user id it is given when started as root, and, for an
exercise that forbids helpers, replaces those modules by stand-ins that raise
``ForbiddenHelperError`` when used (the modules' files are also hidden by the sandbox,
so removing the stand-ins does not bring them back).

Nothing in this process is trusted: the grader decides every verdict from the plain
values it receives, and treats every message as hostile.
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import signal
import sys
import traceback
import types
import warnings
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec

LIMIT_TEXT = 20_000


class ForbiddenHelperError(Exception):
    """Raised when an answer uses a module the exercise forbids."""


class _CallTimeout(BaseException):
    """The worker's own alarm for a call that runs too long."""


class _Poison:
    """Stands for anything taken from a forbidden module; using it raises."""

    def __init__(self, name: str, root: str) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_root", root)

    def _refuse(self, *_args, **_kwargs):
        raise ForbiddenHelperError(
            f"{object.__getattribute__(self, '_name')} was used, but this exercise is to be "
            f"solved without {object.__getattribute__(self, '_root')}"
        )

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Poison(f"{object.__getattribute__(self, '_name')}.{attr}", self._root)

    __call__ = _refuse
    __getitem__ = _refuse
    __iter__ = _refuse
    __len__ = _refuse
    __bool__ = _refuse
    __float__ = _refuse
    __int__ = _refuse
    __array__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __pow__ = __neg__ = __matmul__ = _refuse


class _StubModule(types.ModuleType):
    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Poison(f"{self.__name__}.{attr}", self.__dict__["_lossviz_root"])


class _ForbidFinder(MetaPathFinder, Loader):
    """Import hook that serves stand-in modules for the forbidden names."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def _root(self, fullname: str) -> str | None:
        for name in self.names:
            if fullname == name or fullname.startswith(name + "."):
                return name
        return None

    def find_spec(self, fullname, path=None, target=None):  # noqa: D102 - importlib API
        root = self._root(fullname)
        if root is None:
            return None
        return ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):  # noqa: D102 - importlib API
        module = _StubModule(spec.name)
        module.__dict__["_lossviz_root"] = self._root(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):  # noqa: D102 - importlib API
        return None


class _Capped(io.TextIOBase):
    """A text stream that keeps only the first LIMIT_TEXT characters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = LIMIT_TEXT - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        text = "".join(self.parts)
        return text + (f"\n... ({self.dropped} more characters)" if self.dropped else "")


def _set_limits(config: dict) -> None:
    for which, value in (
        (resource.RLIMIT_AS, config["memory_mb"] * 2**20),
        (resource.RLIMIT_CPU, config["cpu_seconds"]),
        (resource.RLIMIT_FSIZE, config["file_mb"] * 2**20),
        (resource.RLIMIT_NPROC, config["nproc"]),
        (resource.RLIMIT_CORE, 0),
    ):
        if value is not None:
            resource.setrlimit(which, (value, value))


def _drop_privileges(uid: int) -> None:
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if os.geteuid() == 0 or os.getuid() == 0:  # pragma: no cover - defensive
            raise SystemExit("could not drop root")


def _error_info(err: BaseException, skip_frames: int = 1) -> dict:
    tb = traceback.extract_tb(err.__traceback__)[skip_frames:]
    lines = traceback.format_list(tb[-4:])
    return {
        "type": type(err).__name__,
        "message": str(err)[:2000],
        "traceback": "".join(lines)[-3000:],
    }


class Worker:
    """Runs cells in an IPython shell and serves calls over the pipes."""

    def __init__(self, config: dict) -> None:
        self.inp = os.fdopen(config["in_fd"], "rb", buffering=0)
        self.out = os.fdopen(config["out_fd"], "wb", buffering=0)
        self.config = config
        self.home = os.getcwd()
        self._reader = io.BufferedReader(self.inp, buffer_size=1 << 16)

    # -- wire
    def send(self, message: dict) -> None:
        self.out.write(_wire.dumps(message))

    def receive(self) -> dict:
        line = self._reader.readline(_wire.MAX_MESSAGE + 1)
        if not line:
            raise SystemExit(0)
        return _wire.loads(line)

    # -- main loop
    def serve(self) -> None:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        config.InteractiveShell.colors = "NoColor"
        self.shell = InteractiveShell.instance(config=config)
        self.send({"ev": "ready", "pid": os.getpid()})
        while True:
            message = self.receive()
            op = message.get("op")
            if op == "cell":
                self.run_cell(message)
            elif op == "call":
                self.call(message)
            elif op == "reset":
                self.reset(str(message.get("cwd") or ""))
            elif op == "exit":
                return

    def reset(self, cwd: str = "") -> None:
        """Forget the previous notebook: variables, figures; go to its folder."""
        self.shell.reset(new_session=False)
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            try:
                plt.close("all")
            except Exception:  # noqa: BLE001 - the student's matplotlib state
                pass
        target = os.path.realpath(os.path.join(self.home, cwd))
        if not (target == self.home or target.startswith(self.home + os.sep)):
            target = self.home
        try:
            os.chdir(target)
        except OSError:
            os.chdir(self.home)
        self.send({"ev": "reset"})

    def run_cell(self, message: dict) -> None:
        source = str(message.get("source", ""))
        self.send({"ev": "cell_start", "id": message.get("id")})
        out, err = _Capped(), _Capped()
        old = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        error = None
        try:
            result = self.shell.run_cell(source, store_history=False)
            exc = result.error_before_exec or result.error_in_exec
            if exc is not None:
                error = _error_info(exc, skip_frames=0)
        except BaseException as exc:  # noqa: BLE001 - report, keep serving
            error = _error_info(exc, skip_frames=0)
        finally:
            sys.stdout, sys.stderr = old
        self.send(
            {
                "ev": "cell_end",
                "id": message.get("id"),
                "error": error,
                "stdout": out.value(),
                "stderr": err.value(),
            }
        )

    def _callback(self, key: int):
        def stand_in(*args, **kwargs):
            self.send(
                {
                    "ev": "callback",
                    "fn": key,
                    "args": _wire.encode(list(args)),
                    "kwargs": _wire.encode(dict(kwargs)),
                }
            )
            reply = self.receive()
            if reply.get("op") == "cbreply":
                return _wire.decode(reply.get("value"))
            raise RuntimeError(str(reply.get("error", "the grader's function failed"))[:500])

        stand_in.__name__ = "f"
        return stand_in

    def call(self, message: dict) -> None:
        name = str(message.get("name", ""))
        func = self.shell.user_ns.get(name)
        if func is None or not callable(func):
            self.send({"ev": "missing", "defined": func is not None})
            return
        try:
            args = _wire.decode(message.get("args", []), make_function=self._callback)
            kwargs = _wire.decode(message.get("kwargs", {"$d": {}}), make_function=self._callback)
        except _wire.WireError as err:
            self.send({"ev": "raised", "error": {"type": "WireError", "message": str(err)}})
            return
        out, err = _Capped(), _Capped()
        old = sys.stdout, sys.stderr
        seconds = float(message.get("timeout", 10))

        def alarm(_signum, _frame):
            raise _CallTimeout()

        signal.signal(signal.SIGALRM, alarm)
        sys.stdout, sys.stderr = out, err
        reply: dict
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                signal.setitimer(signal.ITIMER_REAL, seconds)
                value = func(*args, **kwargs)
                signal.setitimer(signal.ITIMER_REAL, 0)
                reply = {"ev": "result", "value": _wire.encode(value)}
            except _CallTimeout:
                reply = {
                    "ev": "raised",
                    "error": {
                        "type": "TimeoutError",
                        "message": f"{name} ran longer than {seconds:g} s and was stopped",
                    },
                }
            except BaseException as exc:  # noqa: BLE001 - the student's error, reported
                signal.setitimer(signal.ITIMER_REAL, 0)
                reply = {"ev": "raised", "error": _error_info(exc)}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sys.stdout, sys.stderr = old
        reply["warnings"] = [
            {"category": w.category.__name__, "message": str(w.message)[:500]} for w in caught[:20]
        ]
        reply["stdout"] = out.value()[:2000]
        self.send(reply)


def main() -> None:
    """Read the config, limit and confine this process, then serve the grader."""
    config = json.loads(sys.argv[1])
    _set_limits(config)
    if config.get("drop_root", True):
        _drop_privileges(int(config.get("uid", 65534)))
    for path in config.get("sys_path", []):
        if path not in sys.path:
            sys.path.insert(1, path)
    mpl = config.get("mpl_cache")
    if mpl and os.path.isdir(mpl):
        target = os.path.join(os.environ.get("TMPDIR", "/tmp"), "mpl")
        try:
            shutil.copytree(mpl, target, dirs_exist_ok=True)
            os.environ["MPLCONFIGDIR"] = target
        except OSError:  # Matplotlib then builds its own cache, only slower
            pass
    if config.get("forbid"):
        sys.meta_path.insert(0, _ForbidFinder(list(config["forbid"])))
        for name in list(sys.modules):
            if any(name == f or name.startswith(f + ".") for f in config["forbid"]):
                del sys.modules[name]
    Worker(config).serve()


if __name__ == "__main__":
    import _wire  # noqa: I001 - from this folder (sys.path[0]), not via lossviz

    main()
