"""Run commands as an ordinary (non-root) user, for tests that attack the grader as one.

Tests run as root (CI too). :func:`run_as_user` runs a command as uid and gid
:data:`UID` (no passwd entry, no groups), so the grader meets the rights an
instructor's ordinary account has. Nothing on the machine changes: an ordinary
user usually cannot reach the interpreter (pyenv installs it under ``/root``,
mode 0700), so the command gets a private mount namespace in which every closed
folder above what it needs (the base interpreter, the venv, the checkout, its
working folder and home) is covered by an empty tmpfs, with only the needed
folders bound back in their places. The interpreter, the venv and the checkout
come back read-only; the working folder and home keep their own permissions
(:func:`give_to_user` hands a course copy to the user first).
"""
from __future__ import annotations

import ctypes
import functools
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from .nbtools import ROOT, isolated_env

__all__ = ["BIN", "GID", "UID", "USER", "chainrule_as_user", "give_to_user", "nbgrader_as_user", "ordinary_env",
           "ordinary_user_available", "run_as_user"]

UID = GID = 4242  # no passwd entry: an account nobody else uses
USER = "chainrule-learner"
BIN = Path(sys.executable).parent  # the venv's bin (not resolved: the venv's python, not the base one)

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV = 1, 2, 4
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18


def _read_only_paths() -> list[Path]:
    """What every command needs and must not change: the base interpreter, the venv and the checkout."""
    return [Path(p).resolve() for p in (sys.base_prefix, sys.prefix, ROOT)]


def _may_enter(folder: Path) -> bool:
    """May the ordinary user (not root, in no group but its own) enter ``folder``?"""
    st = os.stat(folder)
    if st.st_uid == UID:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid == GID:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def _closed_top(path: Path) -> Path | None:
    """The highest folder strictly above ``path`` that the ordinary user may not enter, if any."""
    return next((folder for folder in reversed(path.parents) if not _may_enter(folder)), None)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@functools.lru_cache(maxsize=1)
def ordinary_user_available() -> str | None:
    """None when tests can run commands as the ordinary user here; otherwise why not (for ``pytest.skip``)."""
    if not sys.platform.startswith("linux"):
        return f"needs Linux (mount namespaces), this is {sys.platform}"
    if os.geteuid() != 0:
        return "needs root, to make a mount namespace and switch to an ordinary user"
    for path in _read_only_paths():
        if not (os.stat(path).st_mode & stat.S_IROTH and _may_enter(path)):
            return (f"{path} (the interpreter, the venv or the checkout) is closed to other users "
                    f"(mode {stat.filemode(os.stat(path).st_mode)}); make it readable and enterable by others")
    probe = [str(BIN / "python"), "-c", "import os, nbgrader, chainrule_reference; print(os.getuid())"]
    try:
        with tempfile.TemporaryDirectory() as home:
            proc = run_as_user(probe, cwd=Path(home), env=ordinary_env(Path(home)), timeout=120)
    except (OSError, subprocess.SubprocessError) as err:
        return f"cannot make a mount namespace or switch to uid {UID} here: {err}"
    if proc.returncode != 0 or proc.stdout.strip() != str(UID):
        return (f"Python does not start as uid {UID} in a private mount namespace (exit {proc.returncode}):\n"
                f"{proc.stdout}{proc.stderr}")
    return None


def give_to_user(folder: Path) -> None:
    """Make ``folder`` and everything in it the ordinary user's (``chown -R``), e.g. a course copy."""
    os.chown(folder, UID, GID)
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), UID, GID, follow_symlinks=False)


def ordinary_env(home: Path) -> dict[str, str]:
    """The tests' environment (:func:`tests.nbtools.isolated_env`: the venv's bin first on PATH) for the
    ordinary user, at home in ``home``.

    ``home`` is made and given to the user, with its Jupyter, IPython and cache folders (the tests' own
    Jupyter folders belong to root). Temporary files go to the system's folder (no TMPDIR), as for any user.
    """
    env = isolated_env()
    folders = {"HOME": home, "JUPYTER_CONFIG_DIR": home / ".jupyter", "JUPYTER_DATA_DIR": home / ".local/share/jupyter",
               "JUPYTER_RUNTIME_DIR": home / ".local/share/jupyter/runtime", "IPYTHONDIR": home / ".ipython",
               "XDG_CACHE_HOME": home / ".cache", "MPLCONFIGDIR": home / ".config/matplotlib"}
    for var, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    give_to_user(home)
    env.pop("TMPDIR", None)
    env.update(USER=USER, LOGNAME=USER)
    return env


def _libc_call(name: str, *args) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}: {os.strerror(errno)}")


def _mount_plan(read_only: Sequence[Path], writable: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, bool]]]:
    """The closed folders to cover with a tmpfs, and the paths to bind back into them (path, read-only?),
    outermost first; a path inside another of the same kind comes back with it."""
    wanted = {(path, True) for path in read_only} | {(path, False) for path in writable}
    binds = []
    for path, ro in sorted(wanted, key=lambda item: len(item[0].parts)):
        top = _closed_top(path)
        if top is not None and not any(_inside(path, p) and ro == r for p, r in binds):
            binds.append((path, ro))
    tops = sorted({_closed_top(path) for path, _ in binds}, key=lambda p: len(p.parts))
    return tops, binds


def _enter_as_user(tops: Sequence[Path], binds: Sequence[tuple[Path, bool]], cwd: Path) -> None:
    """In the child, before exec: a private mount namespace with ``tops`` emptied and ``binds`` back
    in place, then the ordinary user's uid and gid with no supplementary groups, in ``cwd`` as that
    user sees it."""
    _libc_call("unshare", _CLONE_NEWNS)
    _libc_call("mount", None, b"/", None, _MS_REC | _MS_PRIVATE, None)  # nothing leaks to the machine
    handles = [os.open(path, os.O_PATH | os.O_DIRECTORY) for path, _ in binds]  # before the tmpfs hides them
    for top in tops:
        _libc_call("mount", b"none", str(top).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=64k,mode=0755")
    for handle, (path, read_only) in zip(handles, binds):
        os.makedirs(path, exist_ok=True)
        target = str(path).encode()
        _libc_call("mount", f"/proc/self/fd/{handle}".encode(), target, None, _MS_BIND | _MS_REC, None)
        if read_only:
            _libc_call("mount", None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None)
        os.close(handle)
    os.setgroups([])
    os.setgid(GID)
    os.setuid(UID)
    os.chdir(cwd)


def run_as_user(args: Sequence[str], *, cwd: Path, env: dict[str, str], timeout: float = 600,
                reachable: Sequence[Path] = ()) -> subprocess.CompletedProcess:
    """Run ``args`` as the ordinary user in ``cwd`` with ``env``; output captured as text.

    The command reaches the interpreter, the venv and the checkout (read-only), ``cwd``, ``env["HOME"]``
    and the folders in ``reachable`` (with their own permissions), wherever they are.
    Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds.
    """
    cwd = Path(cwd).resolve()
    writable = [cwd, *(Path(p).resolve() for p in (env["HOME"], *reachable))]
    tops, binds = _mount_plan(_read_only_paths(), writable)
    return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=lambda: _enter_as_user(tops, binds, cwd))


def nbgrader_as_user(*args: str, cwd: Path, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    """A real ``nbgrader`` command (the venv's) run as the ordinary user in the course folder ``cwd``."""
    return run_as_user([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, timeout=timeout)


def chainrule_as_user(*args: str, cwd: Path, env: dict[str, str], timeout: float = 900,
                      reachable: Sequence[Path] = ()) -> subprocess.CompletedProcess:
    """The course's console script ``chainrule`` (``chainrule grade SUBMISSIONS ...``) run as the ordinary user.

    ``reachable``: folders it needs besides ``cwd`` and home, such as the submissions when they lie elsewhere.
    """
    return run_as_user([str(BIN / "chainrule"), *args], cwd=cwd, env=env, timeout=timeout, reachable=reachable)
