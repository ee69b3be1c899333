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
from pathlib import Path
from typing import Any

from gitc_agent.errors import InputError

MAX_JSON_DEPTH = 100  # evidence, reports and feeds nest < 15 deep; stdlib recursion starts ~300
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def open_regular(path: Path, what: str, *, follow: bool = True) -> int:
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
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise InputError(f"{what} is {kind}, not a regular file", path)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path, limit: int, what: str, *, follow: bool = True) -> bytes:
    """All bytes of a regular file of at most `limit` bytes; InputError on anything else."""
    try:
        fd = open_regular(path, what, follow=follow)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise InputError(f"{what} is a symbolic link, which is refused", path) from None
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", path) from None
    if len(data) > limit:
        raise InputError(f"{what} is larger than {limit} bytes, which is refused", path)
    return data


def parse_json(data: bytes | str, path: Path, what: str, encoding: str = "utf-8-sig") -> Any:
    """JSON from a user's file, or InputError (file and line) for anything unusable."""
    try:
        text = data.decode(encoding) if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        label = "UTF-8" if codecs.lookup(encoding).name.startswith("utf-8") else encoding
        raise InputError(f"{what} is not {label} text (byte {exc.start})", path) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc.msg}", path, exc.lineno) from None
    except RecursionError:
        raise InputError(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep", path) from None
    except ValueError as exc:  # an integer longer than sys.get_int_max_str_digits()
        raise InputError(f"{what} holds an unusable number: {exc}", path) from None
    raw = data.encode(errors="surrogatepass") if isinstance(data, str) else data
    _check_tree(value, path, what, bool(_SURROGATE_ESCAPE.search(raw)))
    return value


def _check_tree(value: Any, path: Path, what: str, strings: bool) -> None:
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
                    raise InputError(f"{what} holds a lone surrogate ({item[:40]!r}), which is "
                                     "not Unicode text", path) from None
            continue
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep", path)
        if strings:
            stack.extend((child, depth + 1) for child in children)
        else:  # only containers can be deeper: millions of scalar cells need no visit
            stack.extend((child, depth + 1) for child in children
                         if isinstance(child, dict | list))
