"""The grading sandbox (bubblewrap worker) and its wire format, tested from outside.

Each test starts a real worker (about half a second) and asks it to do what a hostile
submission would; the assertions are about what the host sees afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import numpy as np
import psutil
import pytest
from conftest import ROOT

from lossviz.classroom import _wire
from lossviz.classroom.sandbox import (
    Limits,
    RemoteFunction,
    Session,
    StudentError,
    bwrap_command,
    bwrap_path,
)

needs_bwrap = pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed")
LIMITS = Limits(cell_timeout=10, total_timeout=60, memory_mb=1024, call_timeout=5)


def run(tmp_path: Path, source: str, **kwargs) -> tuple[Session, dict]:
    """Run one cell in a fresh sandboxed worker; return the session and the cell's report."""
    folder = tmp_path / "student"
    folder.mkdir(exist_ok=True)
    (folder / "mine.txt").write_text("my own file", encoding="utf-8")
    session = Session(folder, [("c", source)], kwargs.pop("limits", LIMITS), **kwargs)
    assert session.start()
    return session, session.reports["c"]


def printed(report) -> str:
    assert report.error is None, report.error
    return report.stdout


# ----------------------------------------------------------------------------- the wire


def test_wire_round_trips_plain_values() -> None:
    value = {
        "a": np.arange(6.0).reshape(2, 3),
        "b": (1, 2.5, None, True, "x", [np.float32(1.5), np.int64(3)]),
        "c": [float("nan"), float("inf")],
        "d": np.array([True, False]),
    }
    back = _wire.decode(json.loads(_wire.dumps({"v": _wire.encode(value)}))["v"])
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back["b"][:5] == (1, 2.5, None, True, "x")
    assert back["b"][5][0] == np.float32(1.5) and back["b"][5][0].dtype == np.float32
    assert np.isnan(back["c"][0]) and back["c"][1] == float("inf")
    assert back["d"].dtype == bool


def test_wire_describes_what_it_cannot_send_and_refuses_hostile_data() -> None:
    assert _wire.decode(_wire.encode(iter([1]))).__repr__() == "a list_iterator"
    bad = [
        {"$a": base64.b64encode(b"xxxxxxxx").decode(), "dtype": "O", "shape": [1]},  # objects
        {"$a": base64.b64encode(b"xxxx").decode(), "dtype": "<f8", "shape": [1]},  # short
        {"$a": "!!", "dtype": "<f8", "shape": [0]},  # not base64
        {"$fn": 1},  # no functions from the worker
        {"__reduce__": "os.system"},
        {"$f": "1e400"},
    ]
    for data in bad:
        with pytest.raises(_wire.WireError):
            _wire.decode(data)
    with pytest.raises(_wire.WireError):
        _wire.loads(b"[1, 2]")
    with pytest.raises(_wire.WireError):
        _wire.loads(b'{"x": NaN}')


def test_the_repository_and_other_folders_are_not_in_the_sandbox(tmp_path) -> None:
    cmd = " ".join(bwrap_command(tmp_path, None, [], ["python"])) if bwrap_path() else ""
    if cmd:
        assert str(ROOT) + " " not in cmd.replace(str(ROOT / "lossviz"), "")
        assert "--ro-bind / /" not in cmd


@needs_bwrap
def test_an_interpreter_under_tmp_is_mounted_over_the_private_tmp(tmp_path, monkeypatch) -> None:
    # CI makes its virtual environment with mktemp, under /tmp. bubblewrap applies mounts in
    # order, so the private /tmp must come before the interpreter's prefix, or it hides it.
    import lossviz.classroom.sandbox as sandbox

    fake = "/tmp/tmp.abc123/venv"
    monkeypatch.setattr(sandbox, "_prefixes", lambda: [fake])
    cmd = bwrap_command(tmp_path, None, [], ["python"])
    tmpfs = [i for i in range(len(cmd) - 1) if cmd[i : i + 2] == ["--tmpfs", "/tmp"]]
    bind = [i for i in range(len(cmd) - 2) if cmd[i : i + 3] == ["--ro-bind", fake, fake]]
    assert len(tmpfs) == 1 and len(bind) == 1, cmd
    assert tmpfs[0] < bind[0]


# ----------------------------------------------------------------------------- isolation


@needs_bwrap
def test_environment_is_emptied_to_a_whitelist(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("INSTRUCTOR_SECRET", "s3cret")
    session, report = run(tmp_path, "import os\nprint(sorted(os.environ.items()))")
    with session:
        text = printed(report)
    assert "s3cret" not in text and "INSTRUCTOR_SECRET" not in text
    names = {k for k, _ in eval(text)}  # noqa: S307 - our own test output
    assert names <= {
        "PATH",
        "HOME",
        "TMPDIR",
        "PYTHONPATH",
        "PYTHONDONTWRITEBYTECODE",
        "MPLBACKEND",
        "IPYTHONDIR",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "LANG",
        "PWD",
        "LC_CTYPE",
        "MPLCONFIGDIR",
    }


@needs_bwrap
def test_network_is_unreachable(tmp_path) -> None:
    code = (
        "import socket\n"
        "for host in [('1.1.1.1', 53), ('127.0.0.1', 22)]:\n"
        "    try:\n"
        "        socket.create_connection(host, timeout=2); print('connected')\n"
        "    except OSError as err:\n"
        "        print('refused', err.errno)\n"
    )
    session, report = run(tmp_path, code)
    with session:
        assert "connected" not in printed(report)
        assert printed(report).count("refused") == 2


@needs_bwrap
def test_files_outside_the_submission_cannot_be_read(tmp_path) -> None:
    secret = tmp_path / "solutions" / "answer.ipynb"
    secret.parent.mkdir()
    secret.write_text("THE SOLUTION", encoding="utf-8")
    book = ROOT / "book" / "03_choosing_a_loss.ipynb"
    code = f"""
import os
results = {{}}
def attempt(name, fn):
    try:
        results[name] = 'READ ' + str(fn())[:40]
    except Exception as err:
        results[name] = type(err).__name__
attempt('path', lambda: open({str(secret)!r}).read())
attempt('book', lambda: open({str(book)!r}).read())
attempt('repo', lambda: os.listdir({str(ROOT)!r}))
attempt('link', lambda: os.link({str(secret)!r}, 'stolen.ipynb'))
root = os.open('/', os.O_RDONLY)
attempt('dir_fd', lambda: os.read(os.open({str(secret)[1:]!r}, os.O_RDONLY, dir_fd=root), 99))
attempt('proc_root', lambda: open('/proc/1/root' + {str(secret)!r}).read())
attempt('proc_parent', lambda: os.listdir('/proc/%d/root/work' % os.getppid()))
attempt('tmp', lambda: os.listdir('/tmp'))
attempt('home_up', lambda: os.listdir('..'))
attempt('own', lambda: open('mine.txt').read())
print(results)
"""
    session, report = run(tmp_path, code)
    with session:
        results = eval(printed(report))  # noqa: S307 - our own test output
    for key in ("path", "book", "repo", "link", "dir_fd", "proc_root", "proc_parent"):
        assert not results[key].startswith("READ"), (key, results[key])
        assert "SOLUTION" not in results[key]
    assert results["own"] == "READ my own file"
    assert "lossviz-worker" not in results["tmp"]  # other workers' folders are not there
    assert results["home_up"] == "READ ['student']"
    assert not (tmp_path / "student" / "stolen.ipynb").exists()


@needs_bwrap
def test_writes_stay_in_the_private_copy_and_tmp_is_private(tmp_path) -> None:
    marker = f"lossviz-{uuid.uuid4().hex}"
    code = (
        "import matplotlib.pyplot as plt\n"
        f"plt.plot([1, 2]); plt.savefig('/tmp/{marker}.png')\n"
        "open('notes.txt', 'w').write('x')\n"
        "import os\nprint(sorted(os.listdir('/tmp')))\n"
    )
    session, report = run(tmp_path, code)
    with session:
        assert f"{marker}.png" in printed(report)
    assert not Path(f"/tmp/{marker}.png").exists()
    assert not (tmp_path / "student" / "notes.txt").exists()  # only the private copy changed


@needs_bwrap
def test_a_process_started_with_setsid_is_gone_after_grading(tmp_path) -> None:
    tag = str(4_000_000 + os.getpid() % 1000)
    code = (
        "import subprocess, os\n"
        f"subprocess.Popen(['sleep', '{tag}'], start_new_session=True)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.setsid()\n"
        f"    os.execvp('sleep', ['sleep', '{tag}'])\n"
        "print('started')\n"
    )

    def sleepers() -> list[int]:
        return [
            p.pid
            for p in psutil.process_iter(["cmdline"])
            if (p.info["cmdline"] or [])[-1:] == [tag]
        ]

    import time

    session, report = run(tmp_path, code)
    try:
        assert "started" in printed(report)
        for _ in range(50):  # the forked child needs a moment to exec sleep
            if len(sleepers()) == 2:
                break
            time.sleep(0.1)
        assert len(sleepers()) == 2  # they run while the worker does
    finally:
        session.close()
    for _ in range(50):
        if not sleepers():
            break
        time.sleep(0.1)
    assert sleepers() == []


@needs_bwrap
def test_not_root_no_capabilities_and_few_processes(tmp_path) -> None:
    code = (
        "import os\n"
        "status = open('/proc/self/status').read()\n"
        "print(os.getuid(), os.geteuid(), [l for l in status.splitlines() "
        "if l.startswith('CapEff')][0].split()[1])\n"
        "n = 0\n"
        "try:\n"
        "    for _ in range(500):\n"
        "        if os.fork() == 0:\n"
        "            import time; time.sleep(5); os._exit(0)\n"
        "        n += 1\n"
        "except OSError:\n"
        "    pass\n"
        "print('forked', n)\n"
    )
    session, report = run(tmp_path, code, limits=Limits(nproc=40, total_timeout=60))
    with session:
        out = printed(report)
    uid, euid, caps = out.splitlines()[0].split()
    assert uid == euid and int(uid) != 0 and int(caps, 16) == 0
    assert int(out.split("forked")[1]) < 40


# ----------------------------------------------------------------------------- calls


@needs_bwrap
def test_remote_function_returns_values_raises_errors_and_calls_back(tmp_path) -> None:
    code = (
        "import numpy as np, warnings\n"
        "def f(x, g=None):\n"
        "    if g is not None:\n"
        "        return g(np.asarray(x)) + 1\n"
        "    if x == 'boom':\n"
        "        raise KeyError('boom')\n"
        "    if x == 'custom':\n"
        "        class Mine(Exception): pass\n"
        "        raise Mine('mine')\n"
        "    if x == 'warn':\n"
        "        return np.exp(np.array([1000.0]))\n"
        "    return np.asarray(x) * 2\n"
    )
    session, report = run(tmp_path, code)
    with session:
        f = RemoteFunction(session, "f")
        np.testing.assert_array_equal(f([1.0, 2.0]), [2.0, 4.0])
        assert f([1.0, 2.0], g=lambda v: float(np.sum(v))) == 4.0
        with pytest.raises(KeyError, match="boom"):
            f("boom")
        with pytest.raises(StudentError, match="mine"):
            f("custom")
        with pytest.warns(RuntimeWarning, match="overflow"):
            f("warn")


@needs_bwrap
def test_an_endless_call_is_stopped_and_the_worker_restarted(tmp_path) -> None:
    code = (
        "def spin(x):\n"
        "    while True:\n"
        "        try:\n"
        "            while True: pass\n"
        "        except BaseException: pass\n"
        "def ok(x):\n    return x + 1\n"
    )
    session, _ = run(tmp_path, code, limits=Limits(call_timeout=1, total_timeout=60))
    with session:
        with pytest.raises(TimeoutError, match="spin ran longer"):
            RemoteFunction(session, "spin")(1)
        assert RemoteFunction(session, "ok")(1) == 2


@needs_bwrap
def test_forbidden_modules_are_absent_even_if_the_stand_ins_are_removed(tmp_path) -> None:
    code = (
        "import sys\n"
        "import lossviz.losses as L\n"
        "from scipy import stats\n"
        "def use(x):\n    return float(L.mse(x, x))\n"
        "def sneak(x):\n"
        "    sys.meta_path = [m for m in sys.meta_path if 'Forbid' not in type(m).__name__]\n"
        "    for name in [n for n in sys.modules if n.startswith('lossviz.losses')]:\n"
        "        del sys.modules[name]\n"
        "    import importlib\n"
        "    return importlib.import_module('lossviz.losses').mse\n"
    )
    session, report = run(tmp_path, code, forbid=["lossviz.losses", "scipy"])
    with session:
        assert report.error is None
        with pytest.raises(Exception) as info:
            RemoteFunction(session, "use")([1.0])
        assert type(info.value).__name__ == "ForbiddenHelperError"
        with pytest.raises(AttributeError):
            RemoteFunction(session, "sneak")(1)


@needs_bwrap
def test_file_size_is_limited(tmp_path) -> None:
    code = (
        "try:\n"
        "    with open('big.bin', 'wb') as fh:\n"
        "        fh.write(b'x' * (3 * 2**20))\n"
        "    print('wrote')\n"
        "except OSError as err:\n"
        "    print('refused', err.errno)\n"
    )
    session, report = run(tmp_path, code, limits=Limits(file_mb=1, total_timeout=60))
    with session:
        assert printed(report).startswith("refused")
