"""The wire between the grader and the process that runs a learner's code.

Both sides use this module (the child gets a copy of the file, not the
package): messages are JSON headers followed by raw array bytes, and values
cross as plain data only. No pickle: what the child sends can be numbers,
strings, None, tuples, lists, dicts, NumPy arrays and scalars of numeric
dtypes (and random generators, by their state). Anything else stays where it
was made and crosses as a *handle*, an id the other side can only ask
questions about (attributes, calls, arithmetic), each question one more round
trip. Only exact built-in types count as plain: a float subclass with a
doctored ``__eq__`` is a handle, never a float.

Either side may call the other while waiting for an answer (a learner's
function calling back the test's ``f``, which does arithmetic on the learner's
objects), so a request is answered by a loop that serves incoming requests
until its own reply arrives.

No message can make the reader allocate much more than its size: the JSON
and the array bytes have separate limits, checked from the 12-byte frame
before anything else is read; the values a JSON text holds are counted before
it is parsed; strings and nesting are bounded; arrays are read in place.
Whatever breaks these rules is a :class:`WireError`.

Only the standard library and NumPy are imported here.
"""
from __future__ import annotations

import json
import math
import os
import re
import select
import struct
import time
from typing import Any, Callable

import numpy as np

# What one message may hold, in either direction. The reader checks the sizes before it reads
# anything and the number of values before it parses anything; the writer checks the same before
# it sends, so an honest result that is too big becomes a clear error where it was made. Measured
# on the course's solution notebooks graded by ``grade_notebook`` (biggest message seen, grader to
# learner / learner to grader): JSON 6,344 / 493 bytes, arrays 18,000 / 480,000 bytes, values 136 / 101,
# strings 5,971 (an answer cell's source) / 28 characters. Each limit leaves a margin of 10 or more
# (tests/test_grader_limits.py checks it).
MAX_HEADER = 256 << 10  # bytes of JSON in one message
MAX_PAYLOAD = 8 << 20  # bytes of array data in one message
MAX_VALUES = 10_000  # JSON values (numbers, strings, lists, objects and keys) in one message
MAX_STRING = 256 << 10  # characters of one string value (a long answer cell must fit, ten times over)
MAX_DEPTH = 64  # nesting of tuples, lists and dicts
MAX_ERROR_TEXT = 2000  # characters of an exception's message that cross (the grader cuts it further)
_HEADER = struct.Struct(">IQ")  # JSON length, number of bytes that follow
_NUMERIC = "biufc"
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_DECODING_ERRORS = (ValueError, TypeError, IndexError, KeyError, OverflowError, RecursionError)
TOO_BIG = "this is too big to pass between the grader and the submission"


class WireError(Exception):
    """The other side sent something that is not a valid message, or went away."""


class WireTimeout(WireError):
    """No answer before the deadline."""


class WireClosed(WireError):
    """The other side closed its end of the pipes (it ended, or it is ending)."""


class RemoteError(Exception):
    """An exception raised on the other side, described by its type name and message."""

    def __init__(self, type_name: str, message: str, raised_in: str = "", cause: "RemoteError | None" = None):
        super().__init__(message)
        self.type_name = type_name
        self.message = message
        self.raised_in = raised_in  # the function or method that raised it, for messages
        self.cause = cause  # the exception it was raised from, if any


def _message_of(err: BaseException) -> str:
    """``str(err)``, cut to :data:`MAX_ERROR_TEXT`; a ``__str__`` that fails gives a placeholder."""
    try:
        return str(err)[:MAX_ERROR_TEXT]
    except Exception:
        return "(its message could not be read)"


def _describe_error(err: BaseException, where: Callable[[BaseException], str], depth: int = 0) -> dict:
    found = {"type": type(err).__name__[:100], "message": _message_of(err), "raised_in": where(err)[:200]}
    if err.__cause__ is not None and depth < 3:
        found["cause"] = _describe_error(err.__cause__, where, depth + 1)
    return found


def _field(error: dict, key: str, limit: int, default: str = "") -> str:
    """A text field of an error sent by the other side, cut to ``limit`` (anything but a string: ``default``)."""
    value = error.get(key, default)
    return value[:limit] if type(value) is str else default


def _error_from(error: Any, depth: int = 0) -> RemoteError:
    if type(error) is not dict:
        raise WireError("an error must be an object")
    cause = error.get("cause")
    return RemoteError(_field(error, "type", 100, "Exception"), _field(error, "message", MAX_ERROR_TEXT),
                       _field(error, "raised_in", 200),
                       _error_from(cause, depth + 1) if cause is not None and depth < 3 else None)


def count_values(data: bytes) -> int:
    """How many JSON values (keys included) the ASCII JSON text ``data`` holds at most, without parsing it.

    Every value but the first follows a ``[``, ``,`` or ``:`` and every key a ``{`` or ``,``, so
    counting those outside strings bounds the work (and the memory) parsing would take.
    """
    bare = _JSON_STRING.sub(b'""', data)
    return 1 + sum(bare.count(mark) for mark in (b"[", b"{", b",", b":"))


def size_problem(json_bytes: int, payload_bytes: int, values: int = 0) -> str:
    """Why a message of these sizes is over the limits ('' if it is not)."""
    if json_bytes > MAX_HEADER:
        return f"{json_bytes} bytes of JSON (the limit is {MAX_HEADER})"
    if payload_bytes > MAX_PAYLOAD:
        return f"{payload_bytes} bytes of arrays (the limit is {MAX_PAYLOAD})"
    if values > MAX_VALUES:
        return f"{values} values (the limit is {MAX_VALUES})"
    return ""


# ---- values -------------------------------------------------------------------------------------

class Codec:
    """Turns values into JSON-able trees plus byte buffers, and back.

    ``to_handle(obj)`` gives the tree for an object that is not plain data;
    ``from_tag(tag, payload)`` makes the local object for a non-plain tag.
    ``lenient`` (the grader's side only) sends subclasses of tuple, list and
    dict as the plain container; the learner's side never gets that trust.
    """

    def __init__(self, to_handle: Callable[[Any], list], from_tag: Callable[[str, list], Any], lenient: bool = False):
        self.to_handle = to_handle
        self.from_tag = from_tag
        self.lenient = lenient
        self.generators: list[np.random.Generator] = []  # decoded in the current message
        self.sent_generators: list[np.random.Generator] = []  # encoded in the current message
        self.encoded = 0  # values encoded in the current message (an early stop; the JSON is counted again)

    def encode(self, value: Any, buffers: list[bytes], depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"values nested more than {MAX_DEPTH} deep cannot be sent")
        self.encoded += 1
        if self.encoded > MAX_VALUES:
            raise ValueError(f"{TOO_BIG}: more than {MAX_VALUES} values (a NumPy array counts as one)")
        kind = type(value)
        if self.lenient and kind not in (tuple, list, dict) and isinstance(value, (tuple, list, dict)):
            kind = next(k for k in (tuple, list, dict) if isinstance(value, k))
        if kind is str and len(value) > MAX_STRING:
            raise ValueError(f"{TOO_BIG}: a string of {len(value)} characters (the limit is {MAX_STRING})")
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if value == value and abs(value) != float("inf") else ["f", repr(value)]
        if kind is complex:
            return ["c", repr(value.real), repr(value.imag)]
        if kind in (tuple, list):
            return ["t" if kind is tuple else "l", [self.encode(v, buffers, depth + 1) for v in value]]
        if kind is dict:
            return ["d", [[self.encode(k, buffers, depth + 1), self.encode(v, buffers, depth + 1)]
                          for k, v in value.items()]]
        if kind is np.ndarray and value.dtype.kind in _NUMERIC and not value.dtype.fields:
            buffers.append(np.ascontiguousarray(value).tobytes())
            return ["a", len(buffers) - 1, value.dtype.str, list(value.shape)]
        if isinstance(value, np.generic) and kind is np.dtype(kind).type and value.dtype.kind in _NUMERIC:
            buffers.append(np.asarray(value).tobytes())
            return ["s", len(buffers) - 1, value.dtype.str]
        if kind is np.random.Generator:
            self.sent_generators.append(value)
            return ["g", value.bit_generator.state]
        return self.to_handle(value)

    def decode(self, tree: Any, buffers: list, depth: int = 0) -> Any:
        """The value of ``tree``; ``buffers`` hold the message's array bytes (arrays are read in place)."""
        if depth > MAX_DEPTH:
            raise WireError("message nested too deep")
        if type(tree) is str and len(tree) > MAX_STRING:
            raise WireError(f"a string of {len(tree)} characters is over the limit")
        if tree is None or type(tree) in (bool, str, int, float):
            return tree
        if type(tree) is not list or not tree or type(tree[0]) is not str:
            raise WireError(f"not a value: {str(tree)[:80]}")
        tag, rest = tree[0], tree[1:]
        if tag == "f":
            return float(_text(rest[0]))
        if tag == "c":
            return complex(float(_text(rest[0])), float(_text(rest[1])))
        if tag in ("t", "l"):
            items = [self.decode(v, buffers, depth + 1) for v in _list(rest[0])]
            return tuple(items) if tag == "t" else items
        if tag == "d":
            return {self.decode(_list(kv)[0], buffers, depth + 1): self.decode(kv[1], buffers, depth + 1)
                    for kv in _list(rest[0])}
        if tag == "a":
            dtype, shape = _dtype(rest[1]), tuple(_count(n) for n in _list(rest[2]))
            data = buffers[_index(rest[0], len(buffers))]
            if len(shape) > 32 or math.prod(shape) * dtype.itemsize != len(data):
                raise WireError("array bytes do not match its shape")
            return _array(data, dtype).reshape(shape)
        if tag == "s":
            dtype = _dtype(rest[1])
            data = buffers[_index(rest[0], len(buffers))]
            if len(data) != dtype.itemsize:
                raise WireError("scalar bytes do not match its dtype")
            return np.frombuffer(data, dtype=dtype)[0]
        if tag == "g":
            generator = np.random.Generator(np.random.PCG64())
            generator.bit_generator.state = rest[0]
            self.generators.append(generator)
            return generator
        return self.from_tag(tag, rest)


def _array(data, dtype: np.dtype) -> np.ndarray:
    """The bytes ``data`` as a flat array, in place where they are aligned for ``dtype`` (else a copy)."""
    flat = np.frombuffer(data, dtype=dtype)
    return flat if flat.flags.aligned else flat.copy()


def _text(x: Any) -> str:
    if type(x) is not str or len(x) > 64:
        raise WireError("bad number")
    return x


def _list(x: Any) -> list:
    if type(x) is not list:
        raise WireError("expected a list")
    return x


def _count(x: Any) -> int:
    if type(x) is not int or x < 0:
        raise WireError("expected a count")
    return x


def _index(x: Any, n: int) -> int:
    if type(x) is not int or not 0 <= x < n:
        raise WireError("no such buffer")
    return x


def _dtype(text: Any) -> np.dtype:
    dtype = np.dtype(_text(text))
    if dtype.kind not in _NUMERIC or dtype.fields:
        raise WireError(f"dtype {dtype} is not numeric")
    return dtype


# ---- messages -----------------------------------------------------------------------------------

class Connection:
    """Requests and replies over a pair of pipes, served in both directions.

    ``serve(op, args)`` answers the other side's requests; it returns a value
    or raises (the exception goes back as a :class:`RemoteError`).
    """

    def __init__(self, read_fd: int, write_fd: int, codec: Codec, serve: Callable[[str, dict], Any]):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.codec = codec
        self.serve = serve
        self.deadline: float | None = None  # time.monotonic() after which reads give up
        self.where: Callable[[BaseException], str] = lambda err: ""  # names where an error was raised
        self._next_id = 0

    def request(self, op: str, **args: Any) -> Any:
        """Ask the other side to do ``op``; serve its requests until the reply comes."""
        self._next_id += 1
        my_id = self._next_id
        sent_generators = self._send({"op": op, "id": my_id}, args)
        while True:
            message, values = self._receive()
            if "op" in message:
                self._answer(message, values)
                continue
            if message.get("re") != my_id:
                raise WireError("reply out of order")
            _restore_generators(sent_generators, message.get("rng", []))
            if "error" in message:
                raise _error_from(message["error"])
            if "value" not in values:
                raise WireError("a reply with no value")
            return values["value"]

    def serve_forever(self) -> None:
        """Answer requests until the other side closes the pipe."""
        while True:
            message, values = self._receive()
            if "op" not in message:
                raise WireError("a reply came with no request pending")
            self._answer(message, values)

    def _answer(self, message: dict, values: dict) -> None:
        generators, self.codec.generators = self.codec.generators, []
        reply: dict = {"re": message["id"]}
        try:
            result = {"value": self.serve(message["op"], values)}
        except (Exception, SystemExit) as err:  # goes back to the caller as a RemoteError
            result = {}
            reply["error"] = _describe_error(err, self.where)
        reply["rng"] = [g.bit_generator.state for g in generators]
        try:
            self._send(reply, result)
        except (ValueError, TypeError, RecursionError) as err:  # too big, or not plain data: say so instead
            self._send({"re": message["id"], "error": {"type": type(err).__name__, "message": _message_of(err)}}, {})

    def _send(self, header: dict, values: dict) -> list:
        """Send one message; returns the random generators it carried, in the order the other side decodes them.

        A message over the limits raises ValueError before anything is written.
        """
        buffers: list[bytes] = []
        self.codec.sent_generators, self.codec.encoded = [], 0
        header = dict(header, values={k: self.codec.encode(v, buffers) for k, v in values.items()},
                      buffers=[len(b) for b in buffers])
        sent_generators = self.codec.sent_generators
        data = json.dumps(header).encode()
        payload_bytes = sum(len(b) for b in buffers)
        problem = size_problem(len(data), payload_bytes, count_values(data))
        if problem:
            raise ValueError(f"{TOO_BIG}: {problem}")
        _write_all(self.write_fd, [_HEADER.pack(len(data), payload_bytes) + data, *buffers], self.deadline)
        return sent_generators

    def _receive(self) -> tuple[dict, dict]:
        """The next message, checked against the limits before it is read, and before it is parsed."""
        json_length, payload_length = _HEADER.unpack(self._read(_HEADER.size))
        problem = size_problem(json_length, payload_length)
        if problem:
            raise WireError(f"a message of {problem} was refused")
        data = self._read(json_length)
        if not data.isascii():  # json.dumps writes ASCII; other encodings would fool the count of values
            raise WireError("a message's JSON must be ASCII")
        problem = size_problem(json_length, payload_length, count_values(data))
        if problem:
            raise WireError(f"a message of {problem} was refused")
        try:
            message = json.loads(data)
        except (ValueError, RecursionError) as err:
            raise WireError(f"not JSON: {str(err)[:100]}") from None
        del data
        if type(message) is not dict:
            raise WireError("a message must be a JSON object")
        if "op" in message and (type(message["op"]) is not str or type(message.get("id")) is not int):
            raise WireError("a request needs an op and an id")
        buffers = _split(self._read(payload_length), message.get("buffers", []))
        raw = message.get("values", {})
        if type(raw) is not dict:
            raise WireError("values must be an object")
        self.codec.generators = []
        try:
            return message, {k: self.codec.decode(v, buffers) for k, v in raw.items()}
        except _DECODING_ERRORS as err:
            raise WireError(f"a value that cannot be read ({type(err).__name__})") from None

    def _read(self, n: int) -> bytearray:
        """Exactly ``n`` bytes, read in place into one buffer."""
        buffer = bytearray(n)
        got = 0
        with memoryview(buffer) as view:
            while got < n:
                if self.deadline is not None:
                    wait = self.deadline - time.monotonic()
                    if wait <= 0 or not select.select([self.read_fd], [], [], wait)[0]:
                        raise WireTimeout("no answer before the time limit")
                count = os.readv(self.read_fd, [view[got:got + (1 << 20)]])
                if not count:
                    raise WireClosed("the other side closed the connection")
                got += count
        return buffer


def _split(payload: bytearray, sizes: Any) -> list[memoryview]:
    """The message's array bytes, cut into its buffers (views, not copies)."""
    sizes = _list(sizes)
    if any(type(n) is not int or n < 0 for n in sizes) or sum(sizes) != len(payload):
        raise WireError("buffer sizes do not add up")
    view, start, buffers = memoryview(payload), 0, []
    for n in sizes:
        buffers.append(view[start:start + n])
        start += n
    return buffers


def _restore_generators(generators: list[np.random.Generator], states: Any) -> None:
    """Move the generators a request carried to where the other side left them."""
    try:
        for generator, state in zip(generators, _list(states)):
            generator.bit_generator.state = state
    except _DECODING_ERRORS as err:
        raise WireError(f"a generator state that cannot be read ({type(err).__name__})") from None


def _write_all(fd: int, parts: list[bytes], deadline: float | None) -> None:
    """Write ``parts`` one after the other, gathered into as few system calls as the pipe allows."""
    views = [memoryview(part).cast("B") for part in parts if len(part)]
    while views:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([], [fd], [], wait)[1]:
                raise WireTimeout("the other side stopped reading")
        try:
            written = os.writev(fd, views[:_IOV_MAX])
        except BlockingIOError:  # a non-blocking pipe that is full: wait again
            continue
        except BrokenPipeError:
            raise WireClosed("the other side closed the connection") from None
        while written and written >= len(views[0]):
            written -= len(views.pop(0))
        if written:
            views[0] = views[0][written:]


_IOV_MAX = 1024  # buffers one writev may take (Linux's UIO_MAXIOV)
