"""Read the user's files without hanging, exhausting memory or crashing on what is inside.

Why one module: every reader of a user-supplied file (policy, config, evidence, feeds, datafix
exports, keys, saved reports, the manifest `verify` reads) has the same traps. A size limit from
`stat` is worthless for a FIFO (blocks forever) or `/dev/zero` (st_size 0, endless), so the file
is opened without blocking, the *opened* descriptor is checked to be a regular file and at most
limit + 1 bytes are read. Python's `json` raises RecursionError on deep nesting and ValueError on
integers over 4,300 digits, and lone surrogates (`"\\ud800"`) parse fine but crash whatever
later writes them as UTF-8: each becomes an InputError (exit 2) naming the file.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, Message, msg, phrase

MAX_JSON_DEPTH = 100  # evidence, reports and feeds nest < 15 deep; stdlib recursion starts ~300
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_KINDS = ((stat.S_ISDIR, N_("a directory")), (stat.S_ISFIFO, N_("a FIFO (named pipe)")),
          (stat.S_ISCHR, N_("a character device")), (stat.S_ISBLK, N_("a block device")),
          (stat.S_ISSOCK, N_("a socket")))


def open_regular(path: Path, what: str | Message, *, follow: bool = True) -> int:
    """A read-only descriptor of `path`, which must be a regular file (InputError if not).

    O_NONBLOCK so that opening a FIFO never waits for a writer; the check is on the opened
    descriptor, so the file cannot be swapped between check and read. With `follow=False` a
    symbolic link is refused (O_NOFOLLOW). OSError from opening is left to the caller: some
    readers make it an input error, the datafix collector a collection error.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), N_("not a regular file"))
            raise InputError(msg("{what} is {kind}, not a regular file", what=phrase(what),
                                 kind=phrase(kind)), path)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path, limit: int, what: str | Message, *, follow: bool = True) -> bytes:
    """All bytes of a regular file of at most `limit` bytes; InputError on anything else."""
    try:
        fd = open_regular(path, what, follow=follow)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise InputError(msg("{what} is a symbolic link, which is refused",
                                 what=phrase(what)), path) from None
        raise InputError(msg("cannot read the {what}: {reason}", what=phrase(what),
                             reason=exc.strerror or exc), path) from None
    if len(data) > limit:
        raise InputError(msg("{what} is larger than {limit} bytes, which is refused", what=phrase(what),
                             limit=limit), path)
    return data


def read_regular_pieces(path: Path, limit: int, what: str | Message,
                        piece: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of `read_regular`, in pieces of `piece` bytes as they are read: a run copies
    its evidence files (a year of audit log: 60 MB) without holding one whole."""
    try:
        fd = open_regular(path, what)
    except OSError as exc:
        raise InputError(msg("cannot read the {what}: {reason}", what=phrase(what),
                             reason=exc.strerror or exc), path) from None
    size = 0
    with os.fdopen(fd, "rb") as handle:
        while True:
            try:
                data = handle.read(piece)
            except OSError as exc:
                raise InputError(msg("cannot read the {what}: {reason}", what=phrase(what),
                                     reason=exc.strerror or exc), path) from None
            if not data:
                return
            size += len(data)
            if size > limit:
                raise InputError(msg("{what} is larger than {limit} bytes, which is refused",
                                     what=phrase(what), limit=limit), path)
            yield data


def parse_json(data: bytes | str, path: Path, what: str | Message, encoding: str = "utf-8-sig") -> Any:
    """JSON from a user's file, or InputError (file and line) for anything unusable."""
    try:
        text = data.decode(encoding) if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        label = "UTF-8" if codecs.lookup(encoding).name.startswith("utf-8") else encoding
        raise InputError(msg("{what} is not {label} text (byte {byte})", what=phrase(what), label=label,
                             byte=exc.start), path) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(msg("{what} is not valid JSON: {problem}", what=phrase(what), problem=exc.msg),
                         path, exc.lineno) from None
    except RecursionError:
        raise InputError(msg("{what} is nested more than {depth} levels deep", what=phrase(what),
                             depth=MAX_JSON_DEPTH), path) from None
    except ValueError as exc:  # an integer longer than sys.get_int_max_str_digits()
        raise InputError(msg("{what} holds an unusable number: {problem}", what=phrase(what),
                             problem=exc), path) from None
    raw = data.encode(errors="surrogatepass") if isinstance(data, str) else data
    _check_tree(value, path, what, bool(_SURROGATE_ESCAPE.search(raw)))
    return value


def _check_tree(value: Any, path: Path, what: str | Message, strings: bool) -> None:
    """Depth (what later code may recurse over) and, if the text escapes one, lone surrogates."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
            if strings:
                stack.extend((key, depth) for key in item)
        elif isinstance(item, list):
            children = item
        else:
            if strings and isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise InputError(msg("{what} holds a lone surrogate ({item!r}), which is not Unicode "
                                         "text", what=phrase(what), item=item[:40]), path) from None
            continue
        if depth > MAX_JSON_DEPTH:
            raise InputError(msg("{what} is nested more than {depth} levels deep",
                                 what=phrase(what), depth=MAX_JSON_DEPTH), path)
        if strings:
            stack.extend((child, depth + 1) for child in children)
        else:  # only containers can be deeper: millions of scalar cells need no visit
            stack.extend((child, depth + 1) for child in children
                         if isinstance(child, dict | list))
