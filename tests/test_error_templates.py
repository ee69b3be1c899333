"""Every input error is a message template, so the command line can show it in the user's
language: `raise InputError(msg("{path} is empty", path=p), file, line)`, never an f-string or a
plain literal, which would bake English into the error. This reads the syntax of gitc_agent/ and
checks/ and names each offender with its file and line; the same goes for OutputError,
LockedError and the second argument of a YAML document's `doc.error(loc, message)`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.ast_messages import offenders as scan

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (ROOT / "gitc_agent", ROOT / "checks")
ERRORS = {"InputError", "OutputError", "LockedError"}
#: files allowed to (relative paths, with the reason beside each): none today; keep it short
ALLOWED: set[str] = set()


def _message_arg(call: ast.Call) -> ast.expr | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(
        func, ast.Attribute) else None
    if name in ERRORS:
        if call.args:
            return call.args[0]
        return next((k.value for k in call.keywords if k.arg == "message"), None)
    if (name == "error" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id == "doc" and len(call.args) == 2):
        return call.args[1]
    return None


def _built(node: ast.expr) -> str | None:
    """Why `node` is English baked into the error, or None for a msg() call or a name."""
    if isinstance(node, ast.JoinedStr):
        return "f-string"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "plain string literal"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return "% formatting" if isinstance(node.op, ast.Mod) else "+ concatenation"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "join")):
        return f".{node.func.attr}()"
    if isinstance(node, ast.IfExp):
        return _built(node.body) or _built(node.orelse)
    return None


def offenders(source: str, filename: str) -> list[str]:
    if filename in ALLOWED:
        return []
    return scan(source, filename, _message_arg, _built)


def test_the_detector_finds_each_way_of_baking_english_into_an_error() -> None:
    source = ('raise InputError(f"{p} is bad", p)\n'
              'raise InputError("plain", p)\n'
              'raise OutputError("a" + b)\n'
              'raise LockedError("%s" % b)\n'
              'raise doc.error(loc, f"{x} twice")\n'
              'raise InputError("x: {}".format(y))\n'
              'raise InputError(msg("{p} is bad", p=p), p)\n'
              'raise InputError(exc.message, p)\n'
              'raise doc.error(loc, msg("twice"))\n'
              'raise InputError(message=f"{x}")\n')
    found = offenders(source, "x.py")
    assert [f.split(": ", 1)[0] for f in found] == [f"x.py:{n}" for n in (1, 2, 3, 4, 5, 6, 10)]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_no_input_error_bakes_in_english(folder: Path) -> None:
    found = [o for path in sorted(folder.rglob("*.py"))
             for o in offenders(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not found, (f"{len(found)} error message(s) not made with msg() (see "
                       "docs/language.md):\n" + "\n".join(found))
