"""What crosses between learners and the instructor: submissions in, feedback out.

A learner controls every file of her submission, including what kind of file
it is. A symbolic link in the exchange to the instructor's solution notebook
or gradebook would otherwise be followed by nbgrader with the instructor's
rights, and the learner's markdown would otherwise reach the feedback HTML as
live HTML and JavaScript. The course's ``nbgrader_config.py`` plugs in:

- :class:`RegularFilesCollect` for ``nbgrader collect``
  (``c.ExchangeFactory.collect``): only regular files are collected; links,
  devices, named pipes, sockets and files with other hard links are refused
  with a warning naming them, and the rest of the submission is collected.
- :class:`RegularFilesOnly`, the first preprocessor of ``nbgrader autograde``
  and ``nbgrader generate_feedback``: a notebook read from a folder that holds
  anything but regular files and folders (a link put into
  ``autograde/submitted`` by hand, say) is not graded, so nbgrader removes
  what it had copied for it.
- :func:`safe_markdown2html`, the ``markdown2html`` filter of nbconvert's
  ``HTMLExporter`` (feedback and formgrader): markdown rendered without
  ``javascript:`` links, its TeX turned into MathML on the server (so the page
  needs no script and no network to show math), then cleaned to an allow-list
  of tags and attributes.

``chainrule grade`` uses :func:`copy_regular_file` and :func:`irregular_entries`
in the same way when it files an export.
"""
from __future__ import annotations

import errno
import functools
import os
import re
import secrets
import stat
import tempfile
from html import escape
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree

import bleach
from bleach.html5lib_shim import Filter
import latex2mathml.converter
from jinja2 import pass_context
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from nbgrader.exchange.default.collect import ExchangeCollect
from traitlets import Bool

__all__ = ["RefusedFile", "RefusedFileError", "RegularFilesCollect", "RegularFilesOnly", "clean_feedback_html",
           "copy_regular_file", "copy_regular_tree", "irregular_entries", "kind_of", "markdown_to_safe_html",
           "safe_markdown2html", "tex_to_mathml", "write_new_file"]

_CHUNK = 1 << 20
_MAX_DEPTH = 32  # folders nested deeper than this in a submission are not collected


class RefusedFile(Exception):
    """A file that is not copied; the message says why (``"a symbolic link"``)."""


class RefusedFileError(Exception):
    """A notebook that is not graded because its folder holds links or other non-regular files."""


# ---- copying regular files only -------------------------------------------------------------------

def kind_of(mode: int) -> str:
    """What a file of ``mode`` (from ``lstat``) is, in words."""
    for test, words in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                        (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                        (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _open_regular(name: str, dir_fd: int | None = None, single_link: bool = False) -> int:
    """A read-only descriptor of the regular file ``name``, never through a symbolic link.

    The checks are made on the opened file, so a file swapped for a link after
    a first look is refused too. ``single_link`` refuses a file that has other
    names (hard links), which could be another user's file.
    """
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RefusedFile("a symbolic link") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or (single_link and info.st_nlink > 1):
        os.close(fd)
        raise RefusedFile(kind_of(info.st_mode) if not stat.S_ISREG(info.st_mode)
                          else f"a file with {info.st_nlink - 1} other hard link(s)")
    return fd


def write_new_file(read: Callable[[int], bytes], dest: Path, max_bytes: int) -> int:
    """Write what ``read(size)`` returns, until it returns nothing, to ``dest``; returns the bytes written.

    ``dest`` must not exist yet, so nothing is ever written through a link. More
    than ``max_bytes`` is refused (:class:`RefusedFile`), however big the source
    said it was: the bytes are counted as they come. Nothing is left at ``dest``
    when the copy fails.
    """
    written = 0
    try:
        with open(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644), "wb") as out:
            while chunk := read(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise RefusedFile(f"larger than {max_bytes} bytes")
                out.write(chunk)
    except FileExistsError:
        raise
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return written


def copy_regular_file(source: Path, dest: Path, max_bytes: int) -> None:
    """Copy the regular file ``source`` to ``dest``, replacing the file or link that was there.

    Raises :class:`RefusedFile` when ``source`` is a link, not a regular file, or
    longer than ``max_bytes`` (counted while copying). The copy is written to a
    new file beside ``dest`` and renamed over it, so nothing is written through a link.
    """
    temporary = dest.with_name(f".{dest.name}.{secrets.token_hex(8)}.part")
    fd = _open_regular(str(source))
    try:
        write_new_file(lambda size: os.read(fd, size), temporary, max_bytes)
    finally:
        os.close(fd)
    os.replace(temporary, dest)


class _Budget:
    """How many bytes a copied tree may take: ``per_file``, and ``total`` in all (``left`` of it now)."""

    def __init__(self, per_file: int, total: int):
        self.per_file, self.total, self.left = per_file, total, total


def copy_regular_tree(source: str, dest: Path, max_file_bytes: int, max_total_bytes: int) -> list[str]:
    """Copy the folder ``source`` to the new folder ``dest``: regular files and folders only.

    Nothing is followed: ``source`` and every entry under it are opened without
    following symbolic links and checked once open. Returns a line per refused
    entry (``"data/x (a symbolic link)"``). Raises :class:`RefusedFile` when
    ``source`` itself is not a folder, or its files are over ``max_total_bytes`` in all.
    """
    try:
        top = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise RefusedFile(kind_of(os.lstat(source).st_mode)) from None
        raise
    refused: list[str] = []
    try:
        dest.mkdir()
        _copy_folder(top, dest, "", refused, _Budget(max_file_bytes, max_total_bytes), depth=0)
    finally:
        os.close(top)
    return refused


def _copy_folder(fd: int, dest: Path, prefix: str, refused: list[str], budget: _Budget, depth: int) -> None:
    """Copy the folder open as ``fd`` into ``dest`` (see :func:`copy_regular_tree`); an entry that
    cannot be read is refused, not the submission."""
    for name in sorted(os.listdir(fd)):
        try:
            _copy_entry(fd, name, dest, prefix, refused, budget, depth)
        except OSError as error:
            refused.append(f"{prefix + name} (could not be read: {error.strerror})")


def _copy_entry(fd: int, name: str, dest: Path, prefix: str, refused: list[str], budget: _Budget,
                depth: int) -> None:
    """Copy the entry ``name`` of the folder open as ``fd``: a folder, or a regular file within budget."""
    shown = prefix + name
    if stat.S_ISDIR(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
        if depth >= _MAX_DEPTH:
            refused.append(f"{shown} (folders nested more than {_MAX_DEPTH} deep)")
            return
        sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        try:
            (dest / name).mkdir()
            _copy_folder(sub, dest / name, shown + "/", refused, budget, depth + 1)
        finally:
            os.close(sub)
        return
    try:
        source = _open_regular(name, dir_fd=fd, single_link=True)
    except RefusedFile as why:
        refused.append(f"{shown} ({why})")
        return
    try:
        budget.left -= write_new_file(lambda size: os.read(source, size), dest / name,
                                      min(budget.per_file, budget.left))
    except RefusedFile as why:
        if budget.left < budget.per_file:
            raise RefusedFile(f"more than {budget.total} bytes in all") from None
        refused.append(f"{shown} ({why})")
    finally:
        os.close(source)


def irregular_entries(folder: Path) -> list[str]:
    """What in ``folder`` is neither a regular file nor a folder (links, devices, pipes, sockets), one
    line each (``"gradebook.db (a symbolic link)"``), found without following anything."""
    if folder.is_symlink():
        return [f"{folder.name} (a symbolic link)"]
    found = []
    for root, dirs, files in os.walk(folder):  # os.walk never descends into a linked folder
        for name in dirs + files:
            path = Path(root) / name
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(f"{path.relative_to(folder)} ({kind_of(mode)})")
    return sorted(found)


# ---- nbgrader collect ------------------------------------------------------------------------------

class RegularFilesCollect(ExchangeCollect):
    """nbgrader's ``collect`` that copies only the regular files of each submission.

    Each submission is first copied, regular files only (see
    :func:`copy_regular_tree`), to a private folder; nbgrader's own copy then
    applies its rules (``CourseDirectory.ignore``, ``include``, ``max_file_size``,
    ``groupshared``) from there. Every refused entry is one warning line naming
    it. A submission that is not a folder, or is over ``CourseDirectory.max_dir_size``,
    is refused whole, with a warning, and the rest of the class is collected.
    """

    def do_copy(self, src, dest, log=None):
        """Copy the submission ``src`` to ``dest``, regular files only."""
        with tempfile.TemporaryDirectory(prefix="chainrule-collect-") as private:
            staged = Path(private) / "submission"
            try:
                refused = copy_regular_tree(src, staged, 1000 * self.coursedir.max_file_size,
                                            1000 * self.coursedir.max_dir_size)
            except RefusedFile as why:
                self.log.warning("Refused to collect %s: %s; nothing of it was collected", src, why)
                return
            for line in refused:
                self.log.warning("Refused to collect %s: only regular files are collected", os.path.join(src, line))
            super().do_copy(str(staged), dest, log)


# ---- nbgrader autograde and generate_feedback -----------------------------------------------------

class RegularFilesOnly(Preprocessor):
    """Refuse a notebook whose folder holds links, devices, pipes or sockets.

    nbgrader copies a submission's other files with the grader's rights,
    following links, and reads the notebook through a link. Put first in
    ``Autograde.sanitize_preprocessors`` and ``GenerateFeedback.preprocessors``,
    this fails such a notebook with a :class:`RefusedFileError` naming the
    entries, and nbgrader then removes what it had written for it; the others
    are graded as usual.
    """

    enabled = Bool(True, help="Whether to refuse such notebooks").tag(config=True)

    def preprocess(self, nb, resources):
        folder = Path(resources["metadata"]["path"])
        found = irregular_entries(folder)
        if found:
            raise RefusedFileError(f"{folder} is not graded: only regular files are, and it holds "
                                   + "; ".join(found))
        return nb, resources


# ---- feedback HTML ---------------------------------------------------------------------------------

# Presentation MathML, as latex2mathml writes it. Left out: maction, semantics and annotation(-xml)
# (which may hold HTML), mglyph (a URL), and the href, style and colour attributes.
_MATHML_TAGS = {"math", "menclose", "merror", "mfenced", "mfrac", "mi", "mlabeledtr", "mmultiscripts", "mn", "mo",
                "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle",
                "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none"}
_MATHML_ATTRIBUTES = {"accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
                      "displaystyle", "fence", "form", "frame", "framespacing", "height", "largeop", "linebreak",
                      "linethickness", "lspace", "mathsize", "mathvariant", "maxsize", "minsize", "movablelimits",
                      "notation", "rowalign", "rowlines", "rowspacing", "rspace", "scriptlevel", "separator",
                      "stretchy", "symmetric", "width"}
_CHARACTER_REFERENCE = re.compile(r"&amp;(#x[0-9A-Fa-f]+;)")
_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
         "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
         "tbody", "td", "th", "thead", "tr", "ul"} | _MATHML_TAGS
_ATTRIBUTES = {"*": {"class", "id", "title"}, "a": {"href"}, "img": {"src", "alt", "width", "height"},
               "ol": {"start"}, "td": {"align", "colspan", "rowspan"}, "th": {"align", "colspan", "rowspan"}}


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """Attributes kept by :func:`clean_feedback_html`; ``data:`` URLs only for images."""
    if tag in _MATHML_TAGS:
        return name in _MATHML_ATTRIBUTES | _ATTRIBUTES["*"]
    if name not in _ATTRIBUTES["*"] | _ATTRIBUTES.get(tag, set()):
        return False
    if name in ("href", "src") and value.strip().lower().startswith("data:"):
        return tag == "img" and value.strip().lower().startswith("data:image/")
    return True


NO_ALT_TEXT = "No description has been provided for this image"  # nbconvert's words for an image without one


class _AltText(Filter):
    """Gives an image without an ``alt`` attribute nbconvert's text for one (screen readers read it)."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "img":
                token["data"].setdefault((None, "alt"), NO_ALT_TEXT)
            yield token


_CLEANER = bleach.Cleaner(tags=_TAGS, attributes=_allowed_attribute, protocols={"http", "https", "mailto", "data"},
                          strip=False, strip_comments=True, filters=[_AltText])


def clean_feedback_html(html: str) -> str:
    """``html`` with only the tags and attributes markdown and its math produce; any other tag
    (``<script>``, ``<iframe>``, ...) is escaped, so it shows as text, and event handlers and
    ``javascript:`` URLs go. Every image has an ``alt`` text."""
    return _CLEANER.clean(html)


def tex_to_mathml(tex: str, display: bool) -> str:
    """The formula ``tex`` as a MathML ``<math>`` element (``display="block"`` for display math).

    latex2mathml writes symbols as character references in its elements' text
    and unescapes its whole output; here only those references are restored, so
    the text of ``\\text{<b>}`` stays text. A formula latex2mathml cannot convert
    shows as its TeX source in a ``<code class="tex-source">`` element instead.
    """
    try:
        element = latex2mathml.converter.convert_to_element(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of exception on TeX it does not know
        delimiter = "$$" if display else "$"
        return f'<code class="tex-source">{escape(delimiter + tex + delimiter)}</code>'
    del element.attrib["xmlns"]  # HTML puts <math> in the MathML namespace itself
    return _CHARACTER_REFERENCE.sub(r"&\1", ElementTree.tostring(element, encoding="unicode"))


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with its math (``$...$``, ``$$...$$``, ``\\(...\\)``,
    ``\\[...\\]``, ``\\begin{env}...\\end{env}``) as MathML rather than TeX left for MathJax."""

    def inline_math(self, body: str) -> str:
        """``$...$`` and ``\\(...\\)``."""
        return tex_to_mathml(body, display=False)

    def block_math(self, body: str) -> str:
        """``$$...$$`` and ``\\[...\\]``."""
        return tex_to_mathml(body, display=True)

    def latex_environment(self, name: str, body: str) -> str:
        """``\\begin{name}...\\end{name}`` outside dollars."""
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


def markdown_to_safe_html(source: str, path: str = "", attachments: dict | None = None) -> str:
    """The markdown ``source`` as HTML fit for a reader's browser: math as MathML, the cell's
    ``attachments`` inlined, no ``javascript:`` links, only allowed tags and attributes.

    Without attachments the HTML depends on the source alone (``path`` serves only to embed
    images, which this renderer never does), so it is rendered once per process and reused: a
    class's feedback pages share all the notebook's own markdown, and rendering and sanitizing it
    is a third of a feedback page's cost.
    """
    if not attachments and len(source) <= _CACHED_MARKDOWN_CHARS:
        return _markdown_without_attachments(source)
    return _render_markdown(source, path, attachments or {})


def _render_markdown(source: str, path: str, attachments: dict) -> str:
    renderer = _MathMLRenderer(escape=False, allow_harmful_protocols=False, path=path, attachments=attachments)
    return clean_feedback_html(MarkdownWithMath(renderer=renderer).render(source))


_CACHED_MARKDOWN_CHARS = 20_000  # longer cells (a learner's, say) are rendered every time: the cache stays small


@functools.lru_cache(maxsize=2048)
def _markdown_without_attachments(source: str) -> str:
    return _render_markdown(source, "", {})


@pass_context
def safe_markdown2html(context, source: str) -> str:
    """nbconvert's ``markdown2html`` filter (with the cell's attachments) made safe for a reader's browser.

    Set as ``c.HTMLExporter.filters = {"markdown2html": ...}``: it renders the
    markdown cells of nbgrader's feedback and formgrader pages, and the
    instructor's comments there (see :func:`markdown_to_safe_html`).
    """
    cell = context.get("cell", {})
    path = context.get("resources", {}).get("metadata", {}).get("path", "")
    return markdown_to_safe_html(source, path=path, attachments=cell.get("attachments", {}))
