"""A faster equivalent of `datetime.strptime` for the plain numeric formats audit logs use.

Why: a year of audit log has millions of distinct timestamps, and `strptime` takes about
10 µs each. A format made only of %d %m %Y %H %M %S and literal characters is compiled once
to a regular expression with the same acceptance (one or two digits, a four-digit year,
whitespace in the format matching any run of whitespace, as strptime does); the datetime
constructor then rejects impossible dates exactly as strptime does. Any other format returns
None and the caller keeps using strptime.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

_FIELDS = {"d": ("day", r"(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])"),
           "m": ("month", r"(1[0-2]|0[1-9]|[1-9])"),
           "Y": ("year", r"(\d\d\d\d)"),
           "H": ("hour", r"(2[0-3]|[0-1]\d|\d)"),
           "M": ("minute", r"([0-5]\d|\d)"),
           "S": ("second", r"(6[0-1]|[0-5]\d|\d)")}


_ORDER = ("year", "month", "day", "hour", "minute", "second")


def compile_format(fmt: str) -> Callable[[str], datetime] | None:
    """A parser for `fmt` that raises ValueError like strptime, or None if `fmt` has other
    directives."""
    pattern, names, i = [], [], 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            code = fmt[i + 1:i + 2]
            if code not in _FIELDS or _FIELDS[code][0] in names:
                return None
            name, regex = _FIELDS[code]
            names.append(name)
            pattern.append(regex)
            i += 2
            continue
        pattern.append(r"\s+" if char.isspace() else re.escape(char))
        i += 1
    if not {"day", "month", "year"} <= set(names):
        return None
    compiled = re.compile("".join(pattern) + r"\Z", re.IGNORECASE)
    # the groups in datetime's argument order (year, month, day, hour, minute, second)
    present = [n for n in _ORDER if n in names]
    order = [names.index(n) for n in present]
    seconds = "second" in names
    positional = present == list(_ORDER[:len(present)])  # else a minute would be taken for an hour

    def parse(text: str) -> datetime:
        match = compiled.match(text)
        if match is None:
            raise ValueError(f"time data {text!r} does not match format {fmt!r}")
        groups = match.groups()
        values = [int(groups[i]) for i in order]
        if seconds and values[-1] > 59:
            raise ValueError("second must be in 0..59")
        if positional:
            return datetime(*values)
        return datetime(**dict(zip(present, values, strict=True)))

    return parse
