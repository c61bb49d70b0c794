"""The sandbox that runs learner code for the grader: real child processes, no mocks.

What crosses the wire, what the process may reach at each isolation level, how it ends, and the
reference-copy check. The whole path through `nbgrader autograde` is in test_grading_faults.py.
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from chainrule.checking import CheckFailure
from chainrule_reference.sandbox.copies import copies_of_reference
from chainrule_reference.sandbox.process import LEVELS, Limits, Sandbox, SandboxDied, isolation_level
from chainrule_reference.sandbox.proxies import RemoteObject
from chainrule_reference.sandbox.wire import Codec, Connection, WireError

from .nbtools import ROOT, ASSIGNMENTS, host_processes_named, read, solution_cells, solution_path

AVAILABLE = LEVELS[:LEVELS.index(isolation_level()) + 1]
PROBE = f"""
import os, socket
def probe(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        net = "connected"
    except OSError as err:
        net = str(err)
    try:
        open({str(ROOT / "reference" / "src" / "chainrule_reference" / "spec.py")!r}).read()
        files = "read the reference"
    except OSError as err:
        files = str(err)
    return net, files, os.getcwd(), os.listdir(".")
"""


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


def _run(box, source, name, *args):
    box.request("exec", timeout=20, source=source, cell=name)
    return box.request("call", timeout=20, target=box.request("lookup", name=name), args=list(args), kwargs={})


# ---- what crosses the wire ----------------------------------------------------------------------

plain = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False) | st.text(max_size=5)
    | hnp.arrays(hnp.scalar_dtypes().filter(lambda d: d.kind in "biufc"), hnp.array_shapes(min_dims=0, max_side=3)),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=3), inner,
                                                                                        max_size=3),
    max_leaves=8)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, True)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=60, deadline=None)
@given(plain)
def test_plain_data_round_trips_exactly(sandbox, value):
    """Does every plain value come back from the learner's process with its exact type, dtype and bits?"""
    sandbox.request("exec", timeout=20, source="def echo(v):\n    return v\n", cell="echo")
    echo = sandbox.request("lookup", timeout=20, name="echo")
    assert _same(value, echo(value))


def test_many_arrays_larger_than_a_pipe_arrive_whole(sandbox):
    """A message's arrays go out gathered into few writes: do 1,200 arrays (a few bytes up to 3 MiB, more than a
    pipe holds, so writes stop part-way through an array) come back intact and in order?"""
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=n) for n in [0, 1, 7, 393_216, *rng.integers(0, 40, 1_196)]]
    back = _run(sandbox, "def echo(v):\n    return v\n", "echo", arrays)
    assert _same(arrays, back)


def test_non_finite_floats_and_numpy_scalars_round_trip(sandbox):
    back = _run(sandbox, "def echo(*v):\n    return v\n", "echo", float("nan"), float("-inf"), np.float32(1.5),
                np.int64(-3), 2 + 1j)
    assert np.isnan(back[0]) and back[1] == float("-inf")
    assert type(back[2]) is np.float32 and type(back[3]) is np.int64 and back[4] == 2 + 1j


def test_learner_types_stay_handles_never_plain_values(sandbox):
    """A float subclass, an object array, an ndarray subclass: each comes back as a proxy, not as data."""
    back = _run(sandbox, "import numpy as np\nclass F(float):\n    def __eq__(self, other):\n        return True\n"
                "def odd():\n    return F(1.0), np.array([1.0], dtype=object), np.ma.masked_array([1.0])\n", "odd")
    assert all(isinstance(v, RemoteObject) for v in back)
    assert [type(v).__name__ for v in back] == ["F", "ndarray", "MaskedArray"]


def test_a_random_generator_is_sent_by_state_and_advanced_like_a_local_one(sandbox):
    mine, theirs = np.random.default_rng(5), np.random.default_rng(5)
    draws = _run(sandbox, "def draw(rng):\n    return rng.normal(size=3)\n", "draw", mine)
    assert np.array_equal(draws, theirs.normal(size=3))
    assert mine.normal() == theirs.normal()  # the parent's generator moved on as if it had drawn itself


def test_callbacks_and_proxies_nest(sandbox):
    """The learner's code calls the grader's f, which does arithmetic on the learner's objects."""
    sandbox.request("exec", timeout=20, cell="Box", source=(
        "class Box:\n    def __init__(self, v):\n        self.v = v\n"
        "    def __mul__(self, other):\n        return Box(self.v * (other.v if isinstance(other, Box) else other))\n"
        "    __rmul__ = __mul__\n"
        "def apply(f, v):\n    return f(Box(v)).v\n"))
    apply = sandbox.request("lookup", name="apply")
    assert apply(lambda box: 3 * box * box, 2.0) == 12.0


def test_errors_keep_their_type_message_and_cause(sandbox):
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        _run(sandbox, "def bad():\n    return 1 / 0\n", "bad")
    sandbox.request("exec", timeout=20, source="def shout(x):\n    raise ValueError('no ' + str(x))\n", cell="shout")
    with pytest.raises(CheckFailure, match="shout raised ValueError: no 3") as info:
        sandbox.request("call_graded", name="shout", args=[3], arg_names=["x"])
    assert isinstance(info.value.__cause__, ValueError)


def test_garbage_on_the_wire_is_refused():
    """The grader's side refuses bytes that are not a message, and non-numeric arrays."""
    def unknown(tag, rest):
        raise WireError(f"unknown tag {tag!r}")

    codec = Codec(lambda obj: ["h", 0, "x", "object"], unknown)
    for bad in [["a", 0, "|O", [1]], ["a", 0, "<f8", [3]], ["zz"], {"no": "list"}]:
        with pytest.raises(WireError):
            codec.decode(bad, [b"12345678"])
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00{oops")
    os.close(write_fd)
    with pytest.raises(WireError, match="not JSON"):
        Connection(read_fd, os.open(os.devnull, os.O_WRONLY), codec, lambda op, args: None).request("x")


# ---- what the process may reach -----------------------------------------------------------------

@pytest.mark.parametrize("level", AVAILABLE)
def test_isolation_levels_do_what_they_say(level):
    """At "bubblewrap": no network, none of the host's files (the reference's source), an empty
    private working folder. At "process": none of that (it says so loudly), only limits."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        with Sandbox(isolation=level) as box:
            net, files, cwd, listing = _run(box, PROBE, "probe", listener.getsockname()[1])
    finally:
        listener.close()
    assert (net == "connected") is (level == "process"), net
    assert (files == "read the reference") is (level == "process"), files
    assert listing == []
    assert cwd == ("/sandbox/work" if level == "bubblewrap" else str(box.folder / "work"))


def test_the_reference_cannot_be_imported_at_any_level(sandbox):
    with pytest.raises(ImportError, match="reference implementation"):
        sandbox.request("exec", timeout=20, source="import chainrule_reference.hidden", cell="cheat")


@pytest.mark.parametrize("source, says", [
    ("while True:\n    pass\n", "did not finish in time"),
    ("import os\nos._exit(3)\n", "exited with code 3"),
    ("import ctypes\nctypes.string_at(0)\n", "segmentation fault"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "was killed"),
])
@pytest.mark.parametrize("tenant", [None, "ann"])
def test_how_the_process_ended_is_named(source, says, tenant):
    """In a container of its own and forked in a learner's warm container alike."""
    with Sandbox(tenant=tenant) as box:
        with pytest.raises(SandboxDied, match=says):
            box.request("exec", timeout=3, source=source, cell="end")
    with Sandbox(tenant=tenant) as box:  # the learner's next sandbox works
        assert _run(box, "def alive():\n    return 'alive'\n", "alive") == "alive"


def test_memory_and_file_limits_hold():
    with Sandbox(Limits(memory_bytes=1 << 30, file_bytes=1 << 16)) as box:
        with pytest.raises(MemoryError):
            box.request("exec", timeout=20, source="x = bytearray(2 << 30)\n", cell="hog")
        with pytest.raises(OSError, match="File too large"):
            box.request("exec", timeout=20, source="open('big', 'wb').write(bytes(1 << 20))\n", cell="disk")
        assert box.request("exec", timeout=20, source="y = 1\n", cell="after") is None  # still alive


# ---- copies of the reference --------------------------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebooks_are_not_flagged_as_copies(assignment):
    """The course's solutions were written apart from the reference: none may count as a copy."""
    assert copies_of_reference(list(solution_cells(read(solution_path(assignment))).values())) == set()


def test_a_pasted_reference_is_flagged_but_not_a_textbook_formula():
    source = (ROOT / "reference" / "src" / "chainrule_reference" / "scalar_derivatives.py").read_text()
    pasted = source.replace("@reference_impl\n", "").replace("from ._registry import reference_impl\n", "")
    found = copies_of_reference([pasted])
    assert {"tanh_grad", "leaky_relu_grad", "difference_errors", "composite_and_grad"} <= found
    assert "forward_difference" not in found and "central_difference" not in found
    renamed = pasted.replace("exact = df(x)", "truth = df(x)").replace("- exact)", "- truth)")
    assert "difference_errors" not in copies_of_reference([renamed])


def test_wire_module_imports_nothing_of_the_grader():
    """The child gets wire.py and child.py as files: they must not import chainrule_reference."""
    folder = ROOT / "reference" / "src" / "chainrule_reference" / "sandbox"
    for name in ("wire.py", "child.py"):
        assert "chainrule_reference" not in "".join(
            line for line in (folder / name).read_text().splitlines(True) if line.lstrip().startswith(("import",
                                                                                                      "from")))


# ---- what a sandbox cannot do to the host, to the grader or to another sandbox (bubblewrap) ---

needs_bubblewrap = pytest.mark.skipif(isolation_level() != "bubblewrap",
                                      reason="bubblewrap is not available here: the learner's process is a plain "
                                             "process, which defends none of this (docs/grading.md)")

DAEMON = """
import ctypes, os, time
def plant(name):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME, to be found in the host's /proc
            time.sleep(60)
        os._exit(0)
    time.sleep(0.3)
    return sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
"""


@needs_bubblewrap
def test_a_detached_process_dies_with_its_sandbox():
    """A double-forked process in a new session (the attack on later students) ends with the sandbox."""
    name = f"cr-daemon-{os.getpid() % 10000}"
    with Sandbox() as box:
        pids = _run(box, DAEMON, "plant", name)
        assert host_processes_named(name), "the daemon should be running while the sandbox lives"
    assert len(pids) <= 4, pids  # bwrap's init, the child, the daemon (and its parent, exiting): no host process
    deadline = time.monotonic() + 10
    while host_processes_named(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not host_processes_named(name)


@needs_bubblewrap
def test_the_grader_and_other_sandboxes_are_out_of_reach():
    """Each sandbox sees only its own processes, has its own user id (as root), and signalling its
    parent or the namespace's init hurts nobody outside it."""
    source = ("import os, signal\ndef look():\n    seen = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
              "    uid = os.getuid()\n    for target in (os.getppid(), 1):\n        try:\n"
              "            os.kill(target, signal.SIGKILL)\n        except OSError:\n            pass\n"
              "    return seen, uid\n")
    with Sandbox() as first, Sandbox() as second:
        seen, uid = _run(second, source, "look")
        assert _run(first, "def alive():\n    return 'alive'\n", "alive") == "alive"
    assert max(seen) <= 3, seen  # bwrap's init, the child (and nothing of the host or of the first sandbox)
    if os.geteuid() == 0:
        with Sandbox() as third:
            other_uid = _run(third, "import os\ndef uid():\n    return os.getuid()\n", "uid")
        assert uid != 0 and other_uid != 0 and uid != other_uid


@needs_bubblewrap
def test_only_the_allow_list_of_files_is_there(tmp_path):
    """Another copy of the course (a clone, last term's folder), /etc and the home folders are absent;
    files written to /tmp, /var/tmp and /dev/shm stay in the sandbox's private tmpfs."""
    copy = tmp_path / "last-term" / "solutions"
    copy.mkdir(parents=True)
    (copy / "answers.py").write_text("secret = 42\n")
    marker = f"chainrule-left-behind-{os.getpid()}"
    paths = [str(copy / "answers.py"), "/etc/passwd", str(ROOT / "solutions"), "/root", "/home"]
    source = (f"import os\ndef roam():\n    found = {{}}\n    for path in {paths!r}:\n"
              "        try:\n"
              "            found[path] = open(path).read()[:20] if os.path.isfile(path) else os.listdir(path)\n"
              "        except OSError as err:\n            found[path] = type(err).__name__\n"
              f"    for folder in ['/tmp', '/var/tmp', '/dev/shm', '.']:\n"
              f"        open(os.path.join(folder, {marker!r}), 'w').write('x')\n"
              "    return found\n")
    with Sandbox() as box:
        found = _run(box, source, "roam")
    assert found[str(copy / "answers.py")] == "FileNotFoundError", found
    assert found["/etc/passwd"] == "FileNotFoundError" and found[str(ROOT / "solutions")] == "FileNotFoundError"
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        assert not os.path.exists(os.path.join(folder, marker)), folder


def test_the_course_numerical_tools_are_absent_at_every_level(sandbox):
    """Unwrapping the guard (``__wrapped__``) or resetting its flag does not bring the tools back:
    in the learner's process they are refusals, whatever the learner's code does."""
    source = ("import chainrule, chainrule.checking, chainrule.gradcheck as g\n"
              "chainrule.checking._learner_depth = -100\n"
              "def cheat(x):\n    tool = getattr(g.num_derivative, '__wrapped__', g.num_derivative)\n"
              "    return tool(lambda v: v * v, x)\n")
    with pytest.raises(CheckFailure, match="num_derivative: graded functions must compute their answer themselves"):
        _run(sandbox, source, "cheat", 3.0)


@needs_bubblewrap
def test_a_fork_bomb_stops_at_the_process_limit():
    """The learner's user may have at most ``Limits.processes`` tasks; the bomb's children die with it."""
    source = ("import os, time\ndef bomb():\n    made = 0\n    for _ in range(100):\n        try:\n"
              "            if os.fork() == 0:\n                time.sleep(30)\n                os._exit(0)\n"
              "            made += 1\n        except OSError:\n            break\n    return made\n")
    with Sandbox(Limits(processes=8)) as box:
        made = _run(box, source, "bomb")
    assert 0 < made < 8


@needs_bubblewrap
def test_the_sandbox_imports_chainrule_from_bytecode_compiled_once(sandbox):
    """chainrule comes from a copy compiled to bytecode by the grading process (the -B sandbox writes none),
    read-only, with the refusing gradcheck; the package's own folder is not bound."""
    from chainrule_reference.sandbox.process import _compiled_chainrule, _file_system

    copy = _compiled_chainrule()
    assert copy and (Path(copy) / "__pycache__").is_dir() and str(Path(copy).parent.name).startswith("chainrule-bytecode-")
    assert copy in _file_system()
    source = ("import os, chainrule.checking as c, chainrule.gradcheck as g\n"
              "def found():\n"
              "    writable = os.access(os.path.dirname(c.__file__), os.W_OK)\n"
              "    return os.path.isfile(c.__cached__), writable, 'refus' in open(g.__file__).read().lower()\n")
    assert _run(sandbox, source, "found") == (True, False, True)


# ---- warm containers: one learner's notebooks, a fresh fork each ---------------------------------------

LOOK = """
import os
def look(note):
    if note:
        open('/tmp/note', 'w').write(note)
    seen = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
    return seen, os.getuid(), os.getpid(), open('/tmp/note').read() if os.path.exists('/tmp/note') else None
"""


@needs_bubblewrap
def test_a_learners_sandboxes_are_fresh_forks_in_her_own_container():
    """ann's sandboxes share her warm container: a file she left in /tmp is there for her next notebook, a
    daemon she left is not (the warm process killed it), and each notebook gets a fresh process (nothing
    of the last one's names). bob's sandbox, next in the same grading process, is a container of his own:
    not her file, not her user id (as root), and her container and daemon are gone from the machine."""
    from chainrule_reference.sandbox.process import close_warm_container
    name = f"cr-warm-{os.getpid() % 10000}"
    try:
        with Sandbox(tenant="ann") as box:
            _run(box, DAEMON, "plant", name)
            _, ann_uid, first_pid, _ = _run(box, LOOK, "look", "ann's note")
            box.request("exec", timeout=20, source="secret = 42\n", cell="mine")
            assert host_processes_named(name)
        with Sandbox(tenant="ann") as box:
            seen, uid, pid, note = _run(box, LOOK, "look", "")
            with pytest.raises(NameError):
                box.request("lookup", timeout=20, name="secret")
        assert note == "ann's note" and uid == ann_uid and pid != first_pid
        assert len(seen) == 3, seen  # bwrap's init, the warm process, this notebook's process: no daemon
        assert not host_processes_named(name)
        with Sandbox(tenant="bob") as box:
            seen, bob_uid, _, note = _run(box, LOOK, "look", "")
        assert note is None and len(seen) == 3, seen
        if os.geteuid() == 0:
            assert bob_uid not in (0, ann_uid)
    finally:
        close_warm_container()


@needs_bubblewrap
def test_a_fork_finds_what_every_notebook_loads_already_loaded():
    """The warm process loads what each notebook would otherwise load again in its fork (the checks its
    first cell imports; np.random and np.ma, which NumPy loads on first use and every request uses: 30 ms a
    notebook) and freezes it out of the garbage collector's scans (which would copy its pages), all before
    any learner code runs."""
    from chainrule_reference.sandbox.process import close_warm_container
    probe = ("import gc, sys\nfound = [m for m in ('chainrule.visible', 'numpy.random', 'numpy.ma') if m in "
             "sys.modules], gc.get_freeze_count() > 0\ndef loaded():\n    return found\n")  # as the fork starts
    try:
        with Sandbox(tenant="ann") as box:
            before = _run(box, probe, "loaded")
        assert before == (["chainrule.visible", "numpy.random", "numpy.ma"], True)
    finally:
        close_warm_container()


@needs_bubblewrap
def test_a_warm_process_the_learner_kills_or_stops_is_replaced():
    """The learner's code runs as the warm process does, so it may kill it or stop it: her notebook's
    sandbox then dies (and says how), and her next notebook gets a new container."""
    from chainrule_reference.sandbox.process import close_warm_container
    try:
        for attack in ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos._exit(0)\n",
                       "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nos._exit(0)\n"):
            with Sandbox(tenant="ann") as box:
                with pytest.raises(SandboxDied, match="closed its connection"):
                    box.request("exec", timeout=20, source=attack, cell="attack")
            with Sandbox(tenant="ann") as box:
                assert _run(box, "def alive():\n    return 'alive'\n", "alive") == "alive"
    finally:
        close_warm_container()


def test_the_warm_process_kills_nothing_outside_a_container_of_its_own():
    """kill(-1) would reach every process of its user: outside a PID namespace of bubblewrap's (here, in
    the grader's own namespace) the warm process refuses to do it. (Its os.kill only records here, so that
    a broken guard fails the test rather than killing this machine's processes.)"""
    import subprocess
    import sys
    from chainrule_reference.sandbox import child
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import child\n"
              "sent = []\nchild.os.kill = lambda pid, sig: sent.append((pid, sig))\n"
              "try:\n    child.end_the_others()\nexcept RuntimeError as err:\n    print(err)\n"
              "print('signals sent:', sent)\n")
    done = subprocess.run([sys.executable, "-c", script, str(Path(child.__file__).parent)], capture_output=True,
                          text=True, timeout=60)
    assert "refusing to kill(-1)" in done.stdout and "signals sent: []" in done.stdout, done.stdout + done.stderr
