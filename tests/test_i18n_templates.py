"""No message is built before it reaches a verdict: a built string cannot be translated.

A check says `fail(msg("{account} left on {end}", account=..., end=...))`; an f-string, `%`,
`+` or `.format()` in the message position bakes the values into English text that no catalog
can match. This test reads the syntax of every module in checks/ and gitc_agent/core and names
each offender with its file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.ast_messages import offenders as scan

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (ROOT / "checks", ROOT / "gitc_agent" / "core")
VERDICTS = {"ok", "fail", "unknown", "not_applicable", "msg"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _built(node: ast.expr) -> str | None:
    """Why `node` is a message built in place, or None when it is a literal or a name."""
    if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue)
                                               for v in node.values):
        return "f-string"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return "% formatting" if isinstance(node.op, ast.Mod) else "+ concatenation"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"):
        return ".format()"
    return None


def _message_arg(call: ast.Call) -> ast.expr | None:
    name = _name(call.func)
    if name in VERDICTS:
        return call.args[0] if call.args else None
    if name == "Outcome":
        if len(call.args) >= 3:
            return call.args[2]
        return next((k.value for k in call.keywords if k.arg == "message"), None)
    return None


def offenders(source: str, filename: str) -> list[str]:
    return scan(source, filename, _message_arg, _built)


def test_the_detector_finds_each_way_of_building_a_message() -> None:
    source = ('fail(f"{a} is bad")\nok("x" + y)\nunknown("%s" % y)\nnot_applicable("{}".format(y))\n'
              'Outcome(s, Status.ERROR, f"{e}")\nOutcome(s, st, message="a" + b)\n'
              'fail(msg("{a} is bad", a=a))\nok("plain")\nok(f"no placeholders")\nmsg(f"{x}")\n')
    found = offenders(source, "x.py")
    assert [f.split(": ", 1)[0] for f in found] == [f"x.py:{n}" for n in (1, 2, 3, 4, 5, 6, 10)]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_no_message_is_built_in_place(folder: Path) -> None:
    found = [o for path in sorted(folder.glob("*.py"))
             for o in offenders(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not found, f"{len(found)} message(s) built in place:\n" + "\n".join(found)
