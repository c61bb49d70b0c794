"""The process that runs a learner's code for the grader (started by :mod:`.process`).

It is run as a script from a folder that holds a copy of this file and of
``wire.py``, NumPy and the learner library ``chainrule``, and nothing of the
grader: the reference implementations and the hidden tests' answers are not
importable here. It executes the learner's answer cells in one namespace and
then answers the grader's requests (call a graded function, read an attribute,
do arithmetic on an object) over the pipes whose file descriptors it gets as arguments, until
the grader closes them.
"""
from __future__ import annotations

import builtins
import gc
import importlib
import importlib.abc
import json
import operator
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import numpy.ma  # noqa: E402,F401 - NumPy loads np.ma and np.random on first use; every request uses them
import numpy.random  # noqa: E402,F401 - (plain_arrays, the codec): loaded here, a fork finds them ready

from chainrule.checking import call_learner, frame_name, learner_code, style_notes  # noqa: E402
from wire import Codec, Connection, WireError  # noqa: E402

OPERATORS = {name: getattr(operator, name) for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "neg", "pos", "abs",
    "eq", "ne", "lt", "le", "gt", "ge", "getitem", "contains")}
OPERATORS.update(len=len, float=float, int=int, bool=bool, list=list)
NUMPY_ERRORS = ("divide", "over", "under", "invalid")
NUMPY_ERROR_MODES = ("ignore", "warn", "raise", "print")
WARNINGS_SENT = 50  # distinct warnings of one call handed to the grader (which trusts none of it)
WARNING_TEXT = 500  # characters of each
COMPOSED = ("chainrule.visible.single_layer_network.train_two_layer",
            "chainrule.visible.single_layer_network.train_two_layer_batches")
"""The course's functions that the grader may run here over the learner's functions, by full name."""


class NoReference(importlib.abc.MetaPathFinder):
    """Says plainly that the reference is out of reach, rather than 'No module named ...'."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "chainrule_reference":
            raise ImportError("the reference implementation (chainrule_reference) cannot be used by graded "
                              "code: graded functions must be your own code.")
        return None


class Shell:
    """``get_ipython()`` of the learner's process: the grader turned magics and ``!`` commands into calls
    of it (IPython's own transformer), and every one of them does nothing. ``!cmd`` captured into a
    variable gives an empty list."""

    def getoutput(self, *args, **kwargs) -> list:
        return []

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


SHELL = Shell()


def plain_arrays(value, depth: int = 0):
    """``value`` with NumPy's own array subclasses (``np.matrix``, masked arrays, memory maps) made plain
    arrays, inside tuples, lists and dicts: the grader judges their values. Masked entries become NaN (an
    integer masked array with any is made float64 first), so they fail as values that are not finite."""
    kind = type(value)
    if kind in (tuple, list) and depth < 64:
        return kind(plain_arrays(item, depth + 1) for item in value)
    if kind is dict and depth < 64:
        return {key: plain_arrays(item, depth + 1) for key, item in value.items()}
    if kind is np.ma.MaskedArray and value.dtype.kind in "biufc":
        if np.ma.is_masked(value):
            floating = value if value.dtype.kind in "fc" else value.astype(np.float64)
            return np.ma.filled(floating, np.nan).view(np.ndarray)
        return value.data.view(np.ndarray)
    if kind in (np.matrix, np.memmap):
        return value.view(np.ndarray)
    return value


def write_font_list(name: str, data: np.ndarray) -> None:
    """matplotlib's font list, which the grader built once and sends to a sandbox made for plotting, into
    its private configuration folder (``MPLCONFIGDIR``), so that importing matplotlib does not build it again."""
    folder = os.environ["MPLCONFIGDIR"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, os.path.basename(name)), "wb") as file:
        file.write(data.tobytes())


class Callback:
    """A function of the grader's (a test's ``f``, say): calling it asks the grader to run it."""

    def __init__(self, connection: Connection, ident: int, name: str):
        self._connection, self._ident, self.__name__ = connection, ident, name

    def __call__(self, *args, **kwargs):
        return self._connection.request("callback", target=self, args=list(args), kwargs=kwargs)

    def __repr__(self):
        return f"<function {self.__name__}>"


class Child:
    def __init__(self, read_fd: int, write_fd: int):
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: SHELL}
        self.objects: dict[int, object] = {}
        self.connection = Connection(read_fd, write_fd, Codec(self.to_handle, self.from_tag), self.serve)
        self.connection.where = self.where

    @staticmethod
    def where(err: BaseException) -> str:
        """The learner's function or method where ``err`` was raised ('' if not in an answer cell)."""
        tb, name = err.__traceback__, ""
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.startswith("<answer cell"):
                name = frame_name(tb.tb_frame)
            tb = tb.tb_next
        return name

    def to_handle(self, obj) -> list:
        if isinstance(obj, Callback):
            return ["cb", obj._ident]
        self.objects[id(obj)] = obj
        kind = "class" if isinstance(obj, type) else "function" if callable(obj) else "object"
        return ["h", id(obj), type(obj).__name__ if kind != "class" else obj.__name__, kind]

    def from_tag(self, tag: str, rest: list):
        if tag == "h":
            try:
                return self.objects[int(rest[0])]
            except (KeyError, ValueError, TypeError):
                raise WireError("unknown handle") from None
        if tag == "cb":
            return Callback(self.connection, int(rest[0]), str(rest[1]))
        raise WireError(f"unknown tag {tag!r}")

    def serve(self, op: str, args: dict):
        """Do one request, as learner code (the course's own tools refuse to help it), under the
        grader's NumPy error settings (a test may make overflow raise)."""
        errors = args.pop("numpy_errors", None) or {}
        with np.errstate(**{k: v for k, v in errors.items() if k in NUMPY_ERRORS and v in NUMPY_ERROR_MODES}), \
                learner_code():
            return self._serve(op, args)

    def _serve(self, op: str, args: dict):
        if op == "exec":
            exec(compile(args["source"], f"<answer cell {args['cell']}>", "exec"), self.namespace)
            return None
        if op == "font_list":
            write_font_list(args["name"], args["data"])
            return None
        if op == "lookup":
            if args["name"] not in self.namespace:
                raise NameError(f"name '{args['name']}' is not defined")
            return self.namespace[args["name"]]
        if op == "call_graded":
            with style_notes():  # the grader judges the values first and writes the notes itself
                call = call_learner(self.namespace[args["name"]], args["args"], name=args["name"],
                                    arg_names=args["arg_names"])
            warnings = [text[:WARNING_TEXT] for text in call.warnings[:WARNINGS_SENT]]
            return plain_arrays(call.result), warnings, call.changed
        if op == "call_composed":
            return self.call_composed(args["runner"], args["names"], args["arg_names"], args["args"])
        if op == "call":
            return args["target"](*args["args"], **args["kwargs"])
        if op == "getattr":
            return getattr(args["target"], args["name"])
        if op == "setattr":
            setattr(args["target"], args["name"], args["value"])
            return None
        if op == "operator":
            return OPERATORS[args["name"]](*args["operands"])
        raise ValueError(f"unknown request {op!r}")

    def call_composed(self, runner: str, names: list, arg_names: dict, args: list):
        """``runner(*learner functions, *args)`` for :data:`COMPOSED` ``runner``, each of the learner's functions
        called as ``call_graded`` calls it; returns the result, the warnings and the inputs changed in place, as
        ``[function, input, whether it is a dict]``."""
        if runner not in COMPOSED:
            raise ValueError(f"the grader does not run {runner!r} here")
        module, name = runner.rsplit(".", 1)
        run = getattr(importlib.import_module(module), name)
        seen, changed = set(), []

        def learner(fn_name):
            def call(*fn_args):
                done = call_learner(self.namespace[fn_name], fn_args, name=fn_name, arg_names=arg_names[fn_name])
                if len(seen) < WARNINGS_SENT:
                    seen.update(text[:WARNING_TEXT] for text in done.warnings)
                for arg, value in zip(arg_names[fn_name] or (), fn_args):
                    if arg in done.changed and [fn_name, arg, isinstance(value, dict)] not in changed:
                        changed.append([fn_name, arg, isinstance(value, dict)])
                return plain_arrays(done.result)
            return call

        with style_notes():  # the grader judges the values first and writes the notes itself
            result = run(*(learner(fn_name) for fn_name in names), *args)
        return plain_arrays(result), sorted(seen)[:WARNINGS_SENT], changed


def set_limits(limits: dict) -> None:
    """Soft and hard limits alike (``Limits`` of process.py), so the learner's code cannot raise them again.

    A limit the system does not enforce (RLIMIT_AS on macOS, say) is left as it is.
    """
    import resource

    for which, value in ((resource.RLIMIT_AS, limits.get("memory_bytes")),
                         (resource.RLIMIT_CPU, limits.get("cpu_seconds")),
                         (resource.RLIMIT_FSIZE, limits.get("file_bytes")),
                         (resource.RLIMIT_NOFILE, limits.get("open_files")),
                         (resource.RLIMIT_NPROC, limits.get("processes")), (resource.RLIMIT_CORE, 0)):
        if value is not None:
            try:
                resource.setrlimit(which, (value, value))
            except (ValueError, OSError):
                pass


def serve(read_fd: int, write_fd: int) -> None:
    """Serve the grader over the pipes ``read_fd`` and ``write_fd`` until it closes them."""
    try:
        Child(read_fd, write_fd).connection.serve_forever()
    except WireError:
        pass  # the grader closed the pipes: done


def main() -> None:
    """``child.py READ_FD WRITE_FD LIMITS_JSON``: set the limits, then serve the grader until it closes the pipes.

    ``child.py --warm CONTROL_FD LIMITS_JSON``: the warm process of a container kept for one learner's
    notebooks (:func:`warm`).
    """
    set_limits(json.loads(sys.argv[3]))
    sys.meta_path.insert(0, NoReference())
    np.seterr(all="warn")
    if sys.argv[1] == "--warm":
        warm(int(sys.argv[2]))
    else:
        serve(int(sys.argv[1]), int(sys.argv[2]))


# ---- the warm process: one learner's notebooks, a fresh fork each ------------------------------------

CONTROL_MESSAGE = 64  # bytes of a request or a reply on the control socket


def in_own_pid_namespace() -> bool:
    """Is this the first process of a bubblewrap container's own PID namespace (process 2, whose parent,
    process 1, is bubblewrap's init)? Only there does ``kill(-1)`` reach no process but the learner's own."""
    try:
        with open("/proc/1/comm") as comm:
            return os.getpid() == 2 and os.getppid() == 1 and comm.read().strip() == "bwrap"
    except OSError:
        return False


def end_the_others() -> None:
    """Kill every process of this container but itself and its init (what an earlier notebook left
    running), and reap them."""
    if not in_own_pid_namespace():
        raise RuntimeError("not in a container of its own: refusing to kill(-1)")
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            if os.waitpid(-1, 0)[0] == 0:
                break
        except ChildProcessError:
            break


def warm(control_fd: int) -> None:
    """Fork one fresh process per notebook of a learner, from this process that has NumPy and ``chainrule``
    (its checks, ``chainrule.visible``, included) loaded and has run no learner code, until the grader closes
    the control socket.

    Requests on the control socket (a Unix socket pair, one message each):
    ``fork`` with two file descriptors (the pipes of the wire): every process an earlier notebook left is
    killed first, then a child serves the grader over them as :func:`main` does, and the reply is its
    process id; ``wait PID``: the reply is its exit code (minus the signal that ended it), once it ends;
    ``clean``: every other process is killed, the reply is ``ok``.
    """
    import chainrule.visible  # noqa: F401 - every notebook's first cell imports its checks: loaded once, here
    gc.freeze()  # a fork's garbage collector never scans (and so never copies) the pages of what is loaded here
    control = socket.socket(fileno=control_fd)
    control.send(b"ready")
    while True:
        message, fds, _, _ = socket.recv_fds(control, CONTROL_MESSAGE, 2)
        if not message:
            return
        if message == b"fork" and len(fds) == 2:
            end_the_others()
            pid = os.fork()
            if pid == 0:
                control.close()
                code = 0
                try:
                    serve(*fds)
                except BaseException:  # noqa: BLE001 - never back into this loop
                    code = 1
                os._exit(code)
            for fd in fds:
                os.close(fd)
            control.send(str(pid).encode())
        elif message.startswith(b"wait ") and not fds:
            try:
                _, status = os.waitpid(int(message[5:]), 0)
                control.send(str(os.waitstatus_to_exitcode(status)).encode())
            except (ChildProcessError, ValueError):
                control.send(b"unknown")
        elif message == b"clean" and not fds:
            end_the_others()
            control.send(b"ok")
        else:
            for fd in fds:
                os.close(fd)
            control.send(b"unknown")


if __name__ == "__main__":
    main()
