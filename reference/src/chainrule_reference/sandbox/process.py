"""The sandbox: a separate, limited process that runs a learner's code.

:class:`Sandbox` starts ``child.py`` with a clean interpreter (``python -I -S``)
whose import path holds only NumPy, the learner library ``chainrule`` and the
wire module: the reference package is not on it. The process gets an empty
working folder, no stdin, its output thrown away, and limits on memory, CPU
time, file size, open files and processes. When the grader runs as root on
Linux it is also cut off from the network (a new network namespace), sees
the grader's files (the course folder, the reference package) only as empty
folders (a new mount namespace), and runs as the unprivileged user
``nobody``; :func:`isolation_level` says which of :data:`LEVELS` this machine gives.
Set the environment variable ``CHAINRULE_SANDBOX_DEBUG`` to see the process's stderr.

The learner's objects never leave the process: the grader holds proxies
(:mod:`.proxies`) whose every use is a request.
"""
from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

import chainrule

from .proxies import RemoteClass, RemoteObject, proxy_for, raise_local
from .wire import Codec, Connection, RemoteError, WireClosed, WireError, WireTimeout

__all__ = ["LEVELS", "Limits", "Sandbox", "SandboxDied", "isolation_level"]

HERE = Path(__file__).resolve().parent
NOBODY = 65534
_CLONE_NEWNS, _CLONE_NEWNET, _CLONE_NEWUSER = 0x00020000, 0x40000000, 0x10000000
LEVELS = ("process", "network", "namespaces")  # weakest first
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18


@dataclass(frozen=True)
class Limits:
    """What the learner's process may use (per process, for its whole life)."""
    memory_bytes: int = 2 << 30
    cpu_seconds: int = 600
    file_bytes: int = 1 << 20
    open_files: int = 64
    processes: int = 64  # counted per user: with namespaces, all of user nobody's processes


class SandboxDied(BaseException):
    """The learner's process ended or stopped answering; the message says how.

    A BaseException, like KeyboardInterrupt: the ``except Exception`` that
    turns a learner's error into a message must let it through to the grader.
    """


def _libc_call(name: str, *args) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}: {os.strerror(errno)}")


def _bind(source: str, target: str) -> None:
    _libc_call("mount", source.encode(), target.encode(), None, _MS_BIND | _MS_REC, None)
    _libc_call("mount", None, target.encode(), None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None)


def _closed_ancestor(path: str) -> str | None:
    """The highest folder above ``path`` that user nobody may not enter (``/root``, say), if any."""
    parts = Path(path).parts
    for i in range(2, len(parts)):
        folder = os.path.join(*parts[:i])
        if not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def _enter_namespaces(binds: Sequence[tuple[str, str]], hidden: Sequence[str], reachable: str | None = None,
                      stash: str | None = None) -> None:
    """In the new process, before Python starts: no network, the grader's files hidden, user nobody.

    ``reachable`` (the interpreter's installation) stays at its own path even
    when it lies in a folder nobody may enter: that folder becomes an empty
    one, with only the installation bound back into it (through ``stash``).
    """
    _libc_call("unshare", _CLONE_NEWNS | _CLONE_NEWNET)
    _libc_call("mount", None, b"/", None, _MS_REC | _MS_PRIVATE, None)
    for source, target in binds:
        _bind(source, target)
    closed = _closed_ancestor(reachable) if reachable else None
    if closed:
        _bind(reachable, stash)
        _libc_call("mount", b"none", closed.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=64k,mode=0755")
        os.makedirs(reachable)
        _bind(stash, reachable)
    for folder in hidden:
        if not os.path.isdir(folder):  # inside the emptied closed folder already: nothing to hide
            continue
        _libc_call("mount", b"none", folder.encode(), b"tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                   b"size=4k,mode=0755")
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _set_limits(limits: Limits) -> None:
    """Soft and hard limits alike, so the learner's code cannot raise them again.

    A limit the system does not enforce (RLIMIT_AS on macOS, say) is left as it is.
    """
    for which, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                         (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_NOFILE, limits.open_files),
                         (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, limits.processes)):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def _leave_network() -> None:
    """In the new process: a user namespace of its own (no new rights) with an empty network namespace."""
    _libc_call("unshare", _CLONE_NEWUSER | _CLONE_NEWNET)


_ISOLATION: str | None = None


def isolation_level() -> str:
    """The strongest isolation this machine gives the learner's process, one of :data:`LEVELS`.

    ``"namespaces"``: root on Linux: no network, the grader's files hidden, user nobody.
    ``"network"``: unprivileged user namespaces: no network, the grader's rights on files.
    ``"process"``: a separate process with limits, and nothing more.
    """
    global _ISOLATION
    if _ISOLATION is None:
        _ISOLATION = "process"
        probes = [("namespaces", lambda: _enter_namespaces([], [])), ("network", _leave_network)]
        for level, prepare in probes if sys.platform.startswith("linux") else []:
            if level == "namespaces" and os.geteuid() != 0:
                continue
            try:
                subprocess.run(["/bin/true"], preexec_fn=prepare, check=True, timeout=30,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except (OSError, subprocess.SubprocessError):
                continue
            _ISOLATION = level
            break
    return _ISOLATION


def _interpreter() -> str:
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def _packages() -> dict[str, str]:
    """What the learner's process may import besides the standard library: name -> folder."""
    numpy_dir = Path(np.__file__).resolve().parent
    found = {"numpy": str(numpy_dir), "chainrule": str(Path(chainrule.__file__).resolve().parent)}
    libs = numpy_dir.parent / "numpy.libs"
    if libs.is_dir():
        found["numpy.libs"] = str(libs.resolve())
    return found


class Sandbox:
    """One learner process. Use as a context manager; ``request`` talks to it.

    Args:
        limits: resource limits of the process.
        hidden: folders the process must not see (used with namespaces), besides
            the reference package's own folder, which is always hidden.
        isolation: ``"auto"`` (the best this machine gives, :func:`isolation_level`)
            or one of :data:`LEVELS` no stronger than that.
    """

    def __init__(self, limits: Limits = Limits(), hidden: Iterable[Path] = (), isolation: str = "auto"):
        self.limits = limits
        best = isolation_level()
        self.isolation = best if isolation == "auto" else isolation
        if LEVELS.index(self.isolation) > LEVELS.index(best):
            raise ValueError(f"this machine gives at most {best!r} isolation, not {isolation!r}")
        reference = Path(__file__).resolve().parents[1]
        folders = sorted({str(Path(h).resolve()) for h in [reference, *hidden] if Path(h).exists()})
        self.hidden = [f for f in folders if not any(f.startswith(g + os.sep) for g in folders)]
        self.folder = Path(tempfile.mkdtemp(prefix="chainrule-sandbox-"))
        self.callbacks: dict[int, Any] = {}
        self.proxies: dict[int, Any] = {}
        self.process: subprocess.Popen | None = None
        self.connection: Connection | None = None
        self._start()

    # ---- the process ----------------------------------------------------------------------------

    def _start(self) -> None:
        folder = self.folder
        folder.chmod(0o755)
        shutil.copy(HERE / "wire.py", folder / "wire.py")
        shutil.copy(HERE / "child.py", folder / "child.py")
        work = folder / "work"
        work.mkdir(mode=0o777)
        work.chmod(0o777)
        binds = []
        for name, source in _packages().items():
            if self.isolation == "namespaces":
                (folder / name).mkdir()
                binds.append((source, str(folder / name)))
            else:
                (folder / name).symlink_to(source)
        interpreter = _interpreter()
        for hidden in self.hidden:
            if str(folder).startswith(hidden + os.sep) or interpreter.startswith(hidden + os.sep):
                raise ValueError(f"cannot hide {hidden}: the sandbox needs what is inside it")
        child_reads, parent_writes = os.pipe()
        parent_reads, child_writes = os.pipe()
        limits, hidden, isolation = self.limits, self.hidden, self.isolation

        prefix = os.path.realpath(sys.base_prefix)
        (folder / "python").mkdir()

        def prepare() -> None:
            if isolation == "namespaces":
                _enter_namespaces(binds, hidden, prefix, str(folder / "python"))
            elif isolation == "network":
                _leave_network()
            _set_limits(limits)

        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        stderr = None if os.environ.get("CHAINRULE_SANDBOX_DEBUG") else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [interpreter, "-I", "-S", "-B", str(folder / "child.py"), str(child_reads), str(child_writes)],
                cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                pass_fds=(child_reads, child_writes), preexec_fn=prepare, start_new_session=True)
        finally:
            os.close(child_reads)
            os.close(child_writes)
        os.set_blocking(parent_writes, False)
        codec = Codec(self._to_handle, self._from_tag, lenient=True)
        self.connection = Connection(parent_reads, parent_writes, codec, self._serve)

    def _kill(self) -> None:
        """Kill the process and everything in its process group, and reap it."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def close(self) -> None:
        """Stop the process (and anything it started) and remove its folder."""
        if self.process is not None:
            self._kill()
        if self.connection is not None:
            for fd in (self.connection.read_fd, self.connection.write_fd):
                os.close(fd)
            self.connection = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _how_it_ended(self, error: WireError) -> SandboxDied:
        if isinstance(error, WireTimeout):
            self._kill()
            return SandboxDied("did not finish in time (the time limit cut it off)")
        if not isinstance(error, WireClosed):
            self._kill()
            return SandboxDied(f"sent something the grader cannot read ({error})")
        try:
            code = self.process.wait(timeout=5)  # the pipe closes a moment before the exit is seen
        except subprocess.TimeoutExpired:
            self._kill()
            return SandboxDied(f"closed its connection to the grader ({error})")
        if code < 0:
            name = signal.Signals(-code).name
            why = {"SIGSEGV": "crashed (segmentation fault)", "SIGXCPU": "used up its CPU time",
                   "SIGKILL": "was killed (out of memory?)", "SIGABRT": "aborted"}.get(name, f"was stopped by {name}")
            return SandboxDied(why)
        return SandboxDied(f"exited with code {code} (os._exit or a crash)")

    # ---- requests -------------------------------------------------------------------------------

    def request(self, op: str, timeout: float | None = None, **args: Any) -> Any:
        """Do ``op`` in the learner's process; learner exceptions come back as local ones (:func:`raise_local`).

        ``timeout`` (seconds) bounds this request; without it the current deadline holds.
        """
        if self.connection is None:
            raise SandboxDied("is not running")
        saved = self.connection.deadline
        if timeout is not None:
            self.connection.deadline = time.monotonic() + timeout
        try:
            return self.connection.request(op, numpy_errors=np.geterr(), **args)
        except RemoteError as err:
            raise_local(err)
        except WireError as err:
            died = self._how_it_ended(err)
            self.connection.deadline = None
            self.close()
            raise died from None
        finally:
            if self.connection is not None:
                self.connection.deadline = saved

    def set_deadline(self, seconds: float | None) -> None:
        """Every request from now on must be answered within ``seconds`` in all (None: no limit)."""
        if self.connection is not None:
            self.connection.deadline = None if seconds is None else time.monotonic() + seconds

    def operate(self, name: str, *operands: Any) -> Any:
        return self.request("operator", name=name, operands=list(operands))

    def _serve(self, op: str, args: dict) -> Any:
        if op != "callback" or not callable(args.get("target")) or isinstance(args["target"], RemoteObject):
            raise ValueError("the grader only runs its own callbacks")
        return args["target"](*args["args"], **args["kwargs"])

    def _to_handle(self, obj: Any) -> list:
        if isinstance(obj, (RemoteObject, RemoteClass)):
            return ["h", obj._ident]
        if callable(obj):
            self.callbacks[id(obj)] = obj
            return ["cb", id(obj), str(getattr(obj, "__name__", "f"))]
        raise TypeError(f"a {type(obj).__name__} cannot be sent to the learner's process")

    def _from_tag(self, tag: str, rest: list) -> Any:
        if tag == "cb":
            try:
                return self.callbacks[int(rest[0])]
            except (KeyError, ValueError, TypeError):
                raise WireError("unknown callback") from None
        if tag != "h" or len(rest) != 3:
            raise WireError(f"unknown tag {tag!r}")
        ident, name, kind = int(rest[0]), str(rest[1])[:80], str(rest[2])
        if ident not in self.proxies:
            self.proxies[ident] = proxy_for(self, ident, name, kind)
        return self.proxies[ident]
