"""The sandbox: a separate, limited process that runs a learner's code.

:class:`Sandbox` starts ``child.py`` with a clean interpreter (``python -I -S -B``)
whose import path holds only NumPy, the learner library ``chainrule`` (with its
numerical tools replaced by refusals, ``graded_gradcheck.py``) and the wire
module: the reference package is not on it. The child sets its own limits on
memory, CPU time, file size, open files and processes before it reads any
learner code; its output is thrown away and it reads nothing from stdin.

Where bubblewrap (``bwrap``, the sandbox Flatpak uses) runs, which
:func:`isolation_level` probes once, every sandbox is a bubblewrap container:

* its own PID namespace: the learner's processes see only each other, and all
  of them die with the sandbox (``--die-with-parent``; the namespace's init
  takes them down when the child ends);
* a file system made from an allow-list: the interpreter and its standard
  library, the system's shared libraries, NumPy and ``chainrule`` (a copy
  compiled to bytecode once per grading process, :func:`_compiled_chainrule`), read-only;
  private, size-limited tmpfs for the working folder, ``/tmp``, ``/var/tmp`` and
  ``/dev/shm``; nothing else of the host (no course folder, no other course copy,
  no home folders, no gradebook, no ``/etc``);
* no network, its own IPC and UTS namespaces;
* as root: a fresh user id per sandbox, not shared with any other process
  (``setpriv``); as an ordinary user: its own user namespace, with no further
  user namespaces inside it.

A sandbox made for plotting (``Sandbox(plotting=True)``, for a notebook whose answer cells use
matplotlib) also gets matplotlib and the packages it needs, read-only, with ``MPLBACKEND=Agg``, its
configuration folder in its private ``/tmp``, and matplotlib's font list, built once per grading
process in a sandbox of its own (:func:`_font_list`) rather than at every import.

Elsewhere the level is ``"process"``: the limits above and nothing more; the
grader says so loudly (:data:`PROCESS_LEVEL_WARNING`).
Set the environment variable ``CHAINRULE_SANDBOX_DEBUG`` to see the process's stderr.

The learner's objects never leave the process: the grader holds proxies
(:mod:`.proxies`) whose every use is a request.
"""
from __future__ import annotations

import atexit
import compileall
import functools
import itertools
import json
import os
import re
import shutil
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import chainrule

from .proxies import RemoteClass, RemoteObject, proxy_for, raise_local
from .wire import Codec, Connection, RemoteError, WireClosed, WireError, WireTimeout

__all__ = ["LEVELS", "Limits", "PROCESS_LEVEL_WARNING", "Sandbox", "SandboxDied", "WarmContainer",
           "close_warm_container", "isolation_level", "warm_container"]

HERE = Path(__file__).resolve().parent
LEVELS = ("process", "bubblewrap")  # weakest first
PROCESS_LEVEL_WARNING = (
    "WARNING: bubblewrap (0.8 or newer) is not available here or cannot make its namespaces, so the "
    "learner's code runs as a plain process with "
    "the grader's rights: it can read any file this user can read (other submissions, the gradebook, "
    "the reference), reach the network, and signal this user's processes. Grade only trusted "
    "submissions this way, or install bubblewrap (Debian and Ubuntu: apt install bubblewrap). "
    "See docs/grading.md.")
INSIDE = "/sandbox"  # where the child's files are, inside a bubblewrap sandbox
_TMPFS_BYTES = 16 << 20  # each private tmpfs: the working folder, /tmp, /var/tmp, /dev/shm
_UIDS = itertools.count()
_CHILD_ENV = {"LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_CONTAINER_ENV = {"PATH": "/usr/bin:/bin", "HOME": f"{INSIDE}/work"} | _CHILD_ENV  # the child's, in bubblewrap


@dataclass(frozen=True)
class Limits:
    """What the learner's process may use (set by the child itself, hard and soft, before any learner code)."""
    memory_bytes: int = 2 << 30
    cpu_seconds: int = 600
    file_bytes: int = 1 << 20
    open_files: int = 64
    processes: int = 16  # tasks of its user: the sandbox's own (bubblewrap), the grader's ("process" level)


class SandboxDied(BaseException):
    """The learner's process ended or stopped answering; the message says how.

    A BaseException, like KeyboardInterrupt: the ``except Exception`` that
    turns a learner's error into a message must let it through to the grader.
    """


# ---- what the learner's process may read ---------------------------------------------------------

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


@functools.cache
def _plotting_packages() -> dict[str, str]:
    """matplotlib and the packages it needs (its distribution's requirements, recursively), name -> path:
    each top-level folder or module those distributions install, NumPy aside (always there). Empty when
    matplotlib is not installed."""
    from importlib import metadata

    found: dict[str, str] = {}
    todo, seen = ["matplotlib"], {"numpy"}
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        from packaging.requirements import Requirement  # a requirement of matplotlib's: there when it is

        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
        for file in dist.files or []:
            top = file.parts[0]
            path = Path(dist.locate_file(top)).resolve()
            if top not in ("..", "__pycache__") and not top.endswith((".dist-info", ".pth")) and path.exists():
                found[top] = str(path)
    return found


@functools.cache
def _compiled_chainrule() -> str | None:
    """A copy of ``chainrule`` as the sandbox has it (its ``gradcheck`` the refusals of
    ``graded_gradcheck.py``), compiled to bytecode, in a private temporary folder of this process; None if
    it could not be made (the sandbox then binds the package's own folder, as before).

    The sandbox runs with ``-B`` on a read-only file system, so it never writes bytecode: where the package's
    folder holds none (an editable install run with ``PYTHONDONTWRITEBYTECODE``, a read-only install, or
    sources changed since), every sandbox would compile ``chainrule`` again as it imports it. Made once per
    grading process (worker processes forked from it share it) and removed when that process exits (or, if it
    was killed, by the next grading process of this user: :func:`_remove_stale_copies`). The
    copy holds only the learner library, as the package's folder does; the sandbox gets it read-only."""
    owner = os.getpid()
    _remove_stale_copies()
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"chainrule-bytecode-{owner}-"))
    except OSError:
        return None
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    try:
        package = folder / "chainrule"
        shutil.copytree(Path(chainrule.__file__).resolve().parent, package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy2(HERE / "graded_gradcheck.py", package / "gradcheck.py")
        if not compileall.compile_dir(str(package), quiet=2, workers=1):
            raise OSError("compileall failed")
        return str(package)
    except (OSError, shutil.Error):
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _remove_stale_copies() -> None:
    """Remove the compiled copies (:func:`_compiled_chainrule`) of this user's grading processes that ended
    without removing theirs (killed by a signal): a folder named after a process id that no longer exists."""
    for folder in Path(tempfile.gettempdir()).glob("chainrule-bytecode-*-*"):
        try:
            pid = int(folder.name.split("-")[2])
            if folder.is_symlink() or folder.stat().st_uid != os.geteuid() or pid == os.getpid():
                continue
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError, IndexError):
            continue


def _system_folders() -> list[tuple[str, str | None]]:
    """The host's shared-library folders: (path, where a symlink points) for /lib, /lib64 and the /usr ones."""
    found = []
    for path in ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/lib32", "/lib32"):
        if os.path.islink(path):
            found.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            found.append((path, None))
    return found


def _python_files() -> tuple[list[str], list[str]]:
    """What the interpreter needs (its binary, its shared library, its standard library), and the
    folders of installed packages inside those that must look empty (site-packages of the base install)."""
    needed = [_interpreter(), os.path.realpath(os.path.dirname(os.__file__))]
    library = os.path.join(sysconfig.get_config_var("LIBDIR") or "", sysconfig.get_config_var("INSTSONAME") or "")
    if os.path.isfile(library):
        needed.append(os.path.realpath(library))
    masked = [os.path.realpath(p) for p in site.getsitepackages([sys.base_prefix]) if os.path.isdir(p)]
    return needed, masked


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@functools.cache
def _file_system() -> tuple[str, ...]:
    """The ``bwrap`` arguments that build a sandbox's file system: the same for every sandbox of this
    process, so worked out once (see the module docstring for what each part gives)."""
    args: list[str] = []
    mounted: list[str] = []  # what bwrap binds or mounts: nothing is made inside these
    made: list[str] = []  # folders made with --dir

    def parents(path: str) -> list[str]:
        out = []
        parts = Path(path).parts
        for i in range(2, len(parts)):
            folder = str(Path(*parts[:i]))
            if folder not in made and not any(_inside(folder, m) for m in mounted):
                made.append(folder)
                out += ["--perms", "0755", "--dir", folder]  # else bwrap may copy a closed parent's mode (/root)
        return out

    def mount(how: list[str], target: str) -> list[str]:
        out = parents(target) + how + [target]
        mounted.append(target)
        return out

    for path, link in _system_folders():
        args += mount(["--symlink", link] if link else ["--ro-bind", path], path)
    needed, masked = _python_files()
    for path in needed:
        if not any(_inside(path, m) for m in mounted):
            args += mount(["--ro-bind", path], path)
    for path in masked:
        if any(_inside(path, m) for m in mounted):
            args += ["--tmpfs", path]
    compiled = _compiled_chainrule()
    for name, source in _packages().items():
        args += mount(["--ro-bind", compiled if name == "chainrule" and compiled else source], f"{INSIDE}/{name}")
    if not compiled:
        args += ["--ro-bind", str(HERE / "graded_gradcheck.py"), f"{INSIDE}/chainrule/gradcheck.py"]
    args += ["--ro-bind", str(HERE / "child.py"), f"{INSIDE}/child.py",
             "--ro-bind", str(HERE / "wire.py"), f"{INSIDE}/wire.py"]
    args += mount(["--proc"], "/proc") + mount(["--dev"], "/dev")
    for folder in (f"{INSIDE}/work", "/tmp", "/var/tmp", "/dev/shm"):
        args += mount(["--size", str(_TMPFS_BYTES), "--perms", "0777", "--tmpfs"], folder)
    if os.geteuid() == 0:
        args += ["--ro-bind", shutil.which("setpriv") or "/usr/bin/setpriv", "/usr/bin/setpriv"]
    return tuple(args + ["--chdir", f"{INSIDE}/work"])


def _bubblewrap_command(env: dict[str, str], binds: dict[str, str] | None = None) -> list[str]:
    """The ``bwrap`` command line of one sandbox, up to the interpreter's own arguments: namespaces,
    ``env`` as the whole environment, the file system (with ``binds``, name -> host path, read-only in
    the child's folder), and as root a fresh user of its own."""
    root = os.geteuid() == 0
    args = [shutil.which("bwrap") or "bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"]
    if not root:
        args += ["--unshare-user", "--disable-userns"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    args += _file_system()
    for name, source in (binds or {}).items():
        args += ["--ro-bind", source, f"{INSIDE}/{name}"]
    if root:
        uid = str(_fresh_uid())
        args += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs", "--"]
    return args + [_interpreter(), "-I", "-S", "-B"]


def _fresh_uid() -> int:
    """A user id for one sandbox that no other process on the machine has: above 2**30 (far past any
    account), made of this process's id and a counter, so sandboxes of parallel graders never share one."""
    return (1 << 30) + (os.getpid() % (1 << 22)) * 256 + next(_UIDS) % 256


_ISOLATION: str | None = None
_FONT_LISTS: dict[str, tuple[str, np.ndarray] | None] = {}  # isolation level -> matplotlib's font list
FONT_LIST = """
import os, matplotlib, matplotlib.font_manager, numpy
_path = os.path.join(matplotlib.get_cachedir(), f"fontlist-v{matplotlib.font_manager.FontManager.__version__}.json")
font_list = (os.path.basename(_path), numpy.frombuffer(open(_path, "rb").read(), numpy.uint8))
"""


def _font_list(isolation: str) -> tuple[str, np.ndarray] | None:
    """matplotlib's font list (file name, bytes) as a plotting sandbox of level ``isolation`` builds it:
    built once per grading process, in a sandbox of its own that runs only this module's code, and sent
    to every later plotting sandbox as it starts (it lands in the sandbox's private configuration folder).
    None if it could not be built: matplotlib then builds it at import."""
    if isolation not in _FONT_LISTS:
        _FONT_LISTS[isolation] = None  # the sandbox below builds its own
        try:
            with Sandbox(isolation=isolation, plotting=True) as box:
                box.request("exec", timeout=120, source=FONT_LIST, cell="font list")
                name, data = box.request("lookup", timeout=10, name="font_list")
            if type(name) is str and re.fullmatch(r"fontlist-v[0-9.]+\.json", name) and type(data) is np.ndarray:
                _FONT_LISTS[isolation] = name, data.astype(np.uint8)
        except (Exception, SandboxDied):  # noqa: BLE001 - no font list: matplotlib builds its own
            pass
    return _FONT_LISTS[isolation]


def isolation_level() -> str:
    """The strongest isolation this machine gives the learner's process, one of :data:`LEVELS`.

    ``"bubblewrap"``: Linux with ``bwrap`` that can make its namespaces here (as root, or
    as an ordinary user where unprivileged user namespaces are allowed), and ``setpriv``
    as root. ``"process"``: a separate process with limits, and nothing more.
    """
    global _ISOLATION
    if _ISOLATION is None:
        _ISOLATION = "process"
        tools = [shutil.which("bwrap")] + ([shutil.which("setpriv")] if os.geteuid() == 0 else [])
        if sys.platform.startswith("linux") and all(tools):
            probe = _bubblewrap_command({"PATH": "/usr/bin"}) + [
                "-c", f"import sys; sys.path.insert(0, {INSIDE!r}); import numpy, chainrule"]
            try:
                subprocess.run(probe, check=True, timeout=60, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _ISOLATION = "bubblewrap"
            except (OSError, subprocess.SubprocessError):
                pass
    return _ISOLATION


class _WarmGone(Exception):
    """The warm container stopped answering, or answered nonsense; it has been killed."""


class WarmContainer:
    """A bubblewrap container kept for one learner's notebooks (a *tenant*), whose warm process
    (``child.py --warm``: NumPy and ``chainrule`` imported, no learner code run) forks a fresh process for
    each notebook: a sandbox then starts at the cost of a fork, not of a container and an interpreter.

    What the notebooks of one learner share: the container (its PID namespace, its ``/tmp``, its user
    id). Before each fork, and when a notebook's sandbox closes, the warm process kills every other
    process in the container (what the notebook left running). Learners never share one: the grader keeps
    one warm container per grading process and kills it before it makes one for another learner.
    The warm process runs as the learner's processes do, so they can kill or ptrace it; then it stops
    answering, and the grader kills the container and starts a new one.
    """

    def __init__(self, tenant: str, limits: Limits):
        self.tenant, self.limits = tenant, limits
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = _bubblewrap_command(_CONTAINER_ENV) + [f"{INSIDE}/child.py", "--warm", str(theirs.fileno()),
                                                         json.dumps(asdict(limits))]
        try:
            self.process = subprocess.Popen(command, cwd="/", env={}, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=_child_stderr(),
                                            pass_fds=(theirs.fileno(),), start_new_session=True)
        finally:
            theirs.close()
        self.control = ours
        if self._ask(b"", timeout=60) != b"ready":
            self.kill()
            raise _WarmGone("the warm process did not start")

    def _ask(self, message: bytes, fds: tuple[int, ...] = (), timeout: float = 10.0) -> bytes:
        """Send ``message`` (with ``fds``) and return the reply; a silent or closed container is killed."""
        try:
            self.control.settimeout(timeout)
            if message:
                socket.send_fds(self.control, [message], list(fds))
            reply = self.control.recv(_CONTROL_REPLY)
        except OSError:
            reply = b""
        if not reply:
            self.kill()
            raise _WarmGone("the warm process stopped answering")
        return reply

    def alive(self) -> bool:
        return self.process.poll() is None and self.control.fileno() >= 0

    def fork(self) -> tuple[int, int, int]:
        """A fresh process for one notebook: (its process id in the container, the grader's read and write
        ends of its pipes)."""
        child_reads, parent_writes = os.pipe()
        parent_reads, child_writes = os.pipe()
        try:
            reply = self._ask(b"fork", (child_reads, child_writes))
        except _WarmGone:
            for fd in (parent_reads, parent_writes):
                os.close(fd)
            raise
        finally:
            os.close(child_reads)
            os.close(child_writes)
        if not reply.isdigit():
            os.close(parent_reads)
            os.close(parent_writes)
            self.kill()
            raise _WarmGone(f"the warm process answered {reply[:20]!r} to a fork")
        return int(reply), parent_reads, parent_writes

    def exit_code(self, pid: int, timeout: float) -> int | None:
        """How process ``pid`` ended (minus the signal that ended it), once it has; None if that is not
        known in ``timeout`` seconds (the container is then killed)."""
        try:
            reply = self._ask(f"wait {pid}".encode(), timeout=timeout)
        except _WarmGone:
            return None
        try:
            return int(reply)
        except ValueError:
            return None

    def clean(self) -> None:
        """Kill every process in the container but the warm one (or, when it does not say it did, the container)."""
        try:
            if self._ask(b"clean", timeout=5) != b"ok":
                self.kill()
        except _WarmGone:
            pass

    def kill(self) -> None:
        """Kill the container and everything in it."""
        _kill_group(self.process)
        self.control.close()


_CONTROL_REPLY = 64  # bytes of a reply of the warm process


def _child_stderr() -> int | None:
    """Where a learner process's stderr goes: nowhere, unless CHAINRULE_SANDBOX_DEBUG is set."""
    return None if os.environ.get("CHAINRULE_SANDBOX_DEBUG") else subprocess.DEVNULL


def _kill_group(process: subprocess.Popen) -> None:
    """Kill ``process`` and its process group (with bubblewrap: its whole PID namespace), and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


_WARM: list[WarmContainer] = []  # this grading process's warm container: at most one, for one learner


def warm_container(tenant: str, limits: Limits) -> WarmContainer:
    """The warm container of ``tenant`` with ``limits``: the one this process keeps, if it is that learner's
    and alive; else a new one, after the one kept (another learner's) is killed."""
    if _WARM and (_WARM[0].tenant, _WARM[0].limits) == (tenant, limits) and _WARM[0].alive():
        return _WARM[0]
    close_warm_container()
    _WARM.append(WarmContainer(tenant, limits))
    return _WARM[0]


@atexit.register
def close_warm_container() -> None:
    """Kill the warm container this process keeps, if any."""
    while _WARM:
        _WARM.pop().kill()


class Sandbox:
    """One learner process. Use as a context manager; ``request`` talks to it.

    Args:
        limits: resource limits of the process.
        isolation: ``"auto"`` (the best this machine gives, :func:`isolation_level`)
            or one of :data:`LEVELS` no stronger than that.
        plotting: matplotlib is importable (read-only, Agg backend, font list ready); without it, matplotlib
            is not there, and the sandbox starts as fast as ever.
        tenant: the learner whose code it runs. With bubblewrap (and without plotting), the process is then
            forked in that learner's warm container (:class:`WarmContainer`), which later sandboxes of the
            same learner reuse; without a tenant, every sandbox is a container of its own. One sandbox of a
            tenant at a time: forking the next one kills the last (and whatever it left running).
    """

    def __init__(self, limits: Limits = Limits(), isolation: str = "auto", plotting: bool = False,
                 tenant: str | None = None):
        self.limits, self.plotting, self.tenant = limits, plotting, tenant
        self.warm: WarmContainer | None = None  # the container it was forked in, if any
        self.pid = 0  # its process id there
        best = isolation_level()
        self.isolation = best if isolation == "auto" else isolation
        if LEVELS.index(self.isolation) > LEVELS.index(best):
            raise ValueError(f"this machine gives at most {best!r} isolation, not {isolation!r}")
        self.folder: Path | None = None  # the child's files on the host ("process" level only)
        self.callbacks: dict[int, Any] = {}
        self.proxies: dict[int, Any] = {}
        self.proxy_types: dict = {}  # the learner's type names -> proxy classes, for this sandbox only
        self.process: subprocess.Popen | None = None
        self.connection: Connection | None = None
        self._start()

    # ---- the process ----------------------------------------------------------------------------

    def _binds(self) -> dict[str, str]:
        """What this sandbox has beyond the allow-list, name in the child's folder -> host path: for plotting,
        matplotlib and its packages."""
        return _plotting_packages() if self.plotting else {}

    def _process_folder(self) -> Path:
        """At the "process" level: a temporary folder with the child's files and an empty working folder."""
        folder = Path(tempfile.mkdtemp(prefix="chainrule-sandbox-"))
        for name in ("wire.py", "child.py"):
            shutil.copy(HERE / name, folder / name)
        for name, source in (_packages() | self._binds()).items():
            if name == "chainrule":
                shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__", "plots"))
                shutil.copy(HERE / "graded_gradcheck.py", folder / name / "gradcheck.py")
            else:
                (folder / name).symlink_to(source)
        (folder / "work").mkdir()
        return folder

    def _fork_warm(self) -> bool:
        """Fork the process in the tenant's warm container (a second, new container if the first fails)."""
        for _ in range(2):
            try:
                self.warm = warm_container(self.tenant, self.limits)
                self.pid, parent_reads, parent_writes = self.warm.fork()
            except _WarmGone:
                self.warm = None
                continue
            self._connect(parent_reads, parent_writes)
            return True
        return False

    def _connect(self, parent_reads: int, parent_writes: int) -> None:
        """Talk to the learner's process over the grader's ends of its pipes."""
        os.set_blocking(parent_writes, False)
        codec = Codec(self._to_handle, self._from_tag, lenient=True)
        self.connection = Connection(parent_reads, parent_writes, codec, self._serve)

    def _start(self) -> None:
        if self.tenant is not None and self.isolation == "bubblewrap" and not self.plotting and self._fork_warm():
            return
        fonts = _font_list(self.isolation) if self.plotting else None
        child_reads, parent_writes = os.pipe()
        parent_reads, child_writes = os.pipe()
        child_args = [str(child_reads), str(child_writes), json.dumps(asdict(self.limits))]
        plotting = {"MPLBACKEND": "Agg"} if self.plotting else {}
        if self.isolation == "bubblewrap":  # bwrap itself gets an empty environment, the child its own
            child_env = _CONTAINER_ENV | plotting
            if plotting:
                child_env["MPLCONFIGDIR"] = "/tmp/matplotlib"
            command = _bubblewrap_command(child_env, self._binds()) + [f"{INSIDE}/child.py", *child_args]
            cwd, env = "/", {}
        else:
            self.folder = self._process_folder()
            work = self.folder / "work"
            command = [_interpreter(), "-I", "-S", "-B", str(self.folder / "child.py"), *child_args]
            cwd, env = work, {"PATH": "/usr/bin:/bin", "HOME": str(work)} | _CHILD_ENV | plotting
            if plotting:
                env["MPLCONFIGDIR"] = str(self.folder / "mplconfig")  # not "matplotlib": the package's link
        try:
            self.process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=_child_stderr(),
                                            pass_fds=(child_reads, child_writes), start_new_session=True)
        finally:
            os.close(child_reads)
            os.close(child_writes)
        self._connect(parent_reads, parent_writes)
        if fonts:
            self.request("font_list", timeout=30, name=fonts[0], data=fonts[1])

    def _kill(self) -> None:
        """Kill the process and everything it started, and reap it.

        With bubblewrap, killing ``bwrap`` takes the whole PID namespace with it;
        at the "process" level only the process group goes (a detached process stays).
        A process forked in a warm container goes with its whole container.
        """
        if self.warm is not None:
            self.warm.kill()
            self.warm = None
            return
        _kill_group(self.process)

    def close(self) -> None:
        """Stop the process (and anything it started), forget its objects and remove its folder."""
        if self.warm is not None:
            self.warm.clean()  # kills it and what it started; the container stays for the learner's next notebook
            self.warm = None
        if self.process is not None:
            self._kill()
        if self.connection is not None:
            for fd in (self.connection.read_fd, self.connection.write_fd):
                os.close(fd)
            self.connection = None
        self.callbacks.clear()
        self.proxies.clear()
        self.proxy_types.clear()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _exit_status(self, code: int) -> int:
        """The child's exit code, or minus the signal that killed it (bwrap reports 128 + signal)."""
        if self.isolation == "bubblewrap" and code > 128:
            return -(code - 128)
        return code

    def _how_it_ended(self, error: WireError) -> SandboxDied:
        if isinstance(error, WireTimeout):
            self._kill()
            return SandboxDied("did not finish in time (the time limit cut it off)")
        if not isinstance(error, WireClosed):
            self._kill()
            return SandboxDied(f"sent something the grader cannot read ({error})")
        if self.warm is not None:
            code = self.warm.exit_code(self.pid, timeout=5)
            if code is None:
                self._kill()
                return SandboxDied(f"closed its connection to the grader ({error})")
        else:
            try:
                code = self._exit_status(self.process.wait(timeout=5))  # the pipe closes a moment before the exit
            except subprocess.TimeoutExpired:
                self._kill()
                return SandboxDied(f"closed its connection to the grader ({error})")
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
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
