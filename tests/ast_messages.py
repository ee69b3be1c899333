"""The syntax scan the message tests share: each call whose message argument is built in place.

tests/test_i18n_templates.py (verdicts and Outcome in checks/ and core) and
tests/test_error_templates.py (InputError, OutputError, LockedError, doc.error) differ only in
which argument is the message and which ways of building it they refuse."""

from __future__ import annotations

import ast
from collections.abc import Callable


def offenders(source: str, filename: str, message_arg: Callable[[ast.Call], ast.expr | None],
              built: Callable[[ast.expr], str | None]) -> list[str]:
    """`file:line: why passed to call()` for each call whose message `built` refuses, by line."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            arg = message_arg(node)
            why = built(arg) if arg is not None else None
            if why:
                found.append((arg.lineno, f"{filename}:{arg.lineno}: {why} passed to "
                                          f"{ast.unparse(node.func)}()"))
    return [text for _line, text in sorted(found)]
