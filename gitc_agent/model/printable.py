"""Untrusted text made safe for a terminal: every control character shown as a visible escape.

Names, DNs, messages and labels come from evidence, servers and policy files. Printed raw, an
ESC sequence clears the screen or retitles the window, U+202E reverses what follows, and a newline
forges a console line ("Run complete."). The terminal gets `printable(text)`; the JSON report
keeps the original. Backslashes are left alone: they are common in DNs and DOMAIN\\user names.
"""

from __future__ import annotations

import unicodedata

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Format characters that are invisible or reorder text; ZWNJ/ZWJ (U+200C, U+200D) stay, as
# Persian, Indic scripts and emoji sequences need them.
_KEEP_FORMAT = {"\u200c", "\u200d"}
_ESCAPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _escape(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with C0/C1 controls, DEL, bidi and other invisible format characters, line and
    paragraph separators and lone surrogates written as `\\x1b`, `\\u202e`, `\\n`, ..."""
    if text.isprintable() and text.isascii():  # the common case, fast
        return text
    return "".join(
        _escape(ch) if unicodedata.category(ch) in _ESCAPED_CATEGORIES
        and ch not in _KEEP_FORMAT else ch
        for ch in text)
