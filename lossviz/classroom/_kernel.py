"""An IPython kernel that runs one submission under limits, started by the grader.

``python -m lossviz.classroom._kernel --sandbox CONFIG.json -f CONNECTION.json`` sets
resource limits (address space, CPU seconds, file size), installs an audit hook
that refuses reading the forbidden folders (the instructor's notebooks, the other
submissions, the grader's own files) and writing or deleting outside the
submission's temporary copy, and then starts an ordinary ipykernel.

Every refused attempt raises ``PermissionError`` in the student's code and is
appended to a log that the grader reads afterwards, so a submission that catches
the error is still caught. This guards against accidents and casual cheating; it
is not a security boundary against code written to escape it (ctypes, for one).
"""

from __future__ import annotations

import json
import os
import resource
import sys

_READ_EVENTS = frozenset({"os.listdir", "os.scandir", "glob.glob"})
# Audit events that change the file system, and which of their arguments name
# the paths changed (shutil.copyfile reads its first argument and writes its second).
_WRITE_EVENTS = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "shutil.move": (0, 1),
    "os.link": (1,),
    "os.symlink": (1,),
    "shutil.copyfile": (1,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.truncate": (0,),
    "os.utime": (0,),
    "shutil.rmtree": (0,),
}
_SPAWN_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "pty.spawn",
    }
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _set_limits(memory_mb: int, cpu_seconds: int, file_mb: int) -> None:
    """Cap address space, CPU time and file size of this process and its children."""
    for which, value in (
        (resource.RLIMIT_AS, memory_mb * 2**20),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, file_mb * 2**20),
    ):
        if value > 0:
            _soft, hard = resource.getrlimit(which)
            limit = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (limit, hard if which == resource.RLIMIT_CPU else limit))


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def install_guard(forbidden: list[str], writable: list[str], log_path: str) -> None:
    """Install the audit hook that refuses forbidden reads, outside writes and new programs.

    Parameters
    ----------
    forbidden : list of str
        Folders whose files may not be read or listed.
    writable : list of str
        Folders inside which files may be created, written and removed.
    log_path : str
        File to which each refused attempt is appended, one line each.

    """
    forbidden_roots = tuple(os.path.realpath(p) for p in forbidden)
    writable_roots = tuple(os.path.realpath(p) for p in writable) + ("/dev/null",)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    realpath = os.path.realpath
    fspath = os.fspath
    fsdecode = os.fsdecode
    write = os.write

    def refuse(what: str) -> None:
        write(log_fd, (what.replace("\n", " ") + "\n").encode("utf-8", "replace"))
        raise PermissionError(f"not allowed while grading: {what}")

    def path_of(arg: object) -> str | None:
        if isinstance(arg, int) or arg is None:
            return None
        try:
            return realpath(fsdecode(fspath(arg)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path = path_of(args[0])
            if path is None:
                return
            mode = args[1] if len(args) > 1 else None
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            writing = bool(flags & _WRITE_FLAGS) or (
                isinstance(mode, str) and any(c in mode for c in "wax+")
            )
            if _inside(path, forbidden_roots):
                refuse(f"reading {path}")
            if writing and not _inside(path, writable_roots):
                refuse(f"writing {path} (outside the submission's own folder)")
        elif event in _READ_EVENTS:
            path = path_of(args[0]) if args else None
            if path is not None and _inside(path, forbidden_roots):
                refuse(f"listing {path}")
        elif event in _WRITE_EVENTS:
            for i in _WRITE_EVENTS[event]:
                path = path_of(args[i]) if i < len(args) else None
                if path is not None and not _inside(path, writable_roots):
                    refuse(f"changing {path} (outside the submission's own folder) via {event}")
        elif event in _SPAWN_EVENTS:
            program = " ".join(str(a) for a in args[:2] if a is not None)[:120]
            refuse(f"starting another program ({event}: {program})")

    sys.addaudithook(hook)


def main(argv: list[str] | None = None) -> None:
    """Read the sandbox configuration, apply it and start an IPython kernel."""
    argv = list(sys.argv[1:] if argv is None else argv)
    i = argv.index("--sandbox")
    config_path = argv[i + 1]
    del argv[i : i + 2]
    with open(config_path, encoding="utf-8") as fh:
        config = json.load(fh)
    with open(config["pid_file"], "w", encoding="utf-8") as fh:
        fh.write(str(os.getpid()))
    _set_limits(config["memory_mb"], config["cpu_seconds"], config["file_mb"])
    # Import what every chapter uses before the guard, so imports stay fast.
    # (platform.uname() runs `uname -p` once and caches it; debugpy asks for it.)
    import platform

    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp
    import numpy  # noqa: F401

    platform.uname()
    platform.processor()
    # Matplotlib lists the system fonts with `fc-list` when its font cache is missing.
    import matplotlib.font_manager  # noqa: F401

    import lossviz.checks  # noqa: F401

    install_guard(config["forbidden"], config["writable"], config["violations_log"])
    sys.argv = [sys.argv[0], *argv]
    ipykernel.kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
