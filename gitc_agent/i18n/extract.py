"""What must be translated: every msgid in the sources, the template and the check registry.

Babel's Python extractor reads msg(), N_(), NP_() and tr() calls everywhere, plus the verdicts
ok/fail/unknown/not_applicable in checks/ and gitc_agent/core (elsewhere those names mean other
things); the Jinja2 extractor reads tr() in the HTML template. The registry adds what the
decorator declares rather than calls: each built-in check's title, remediation and description
(the docstring's first paragraph, as `checks list` shows it). The terms (statuses, follow-up
states) and the exception sentences are added from their modules. Each message keeps where it
was found, so a missing translation can be reported by the catalog (area) that should have it.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract

from gitc_agent.core import engine, exception_note
from gitc_agent.i18n import terms

PACKAGE = Path(__file__).resolve().parents[1]  # gitc_agent/
ROOT = PACKAGE.parent
# a source checkout has checks/ beside the package; an installed one has gitc_agent/checks
CHECKS = ROOT / "checks" if (ROOT / "checks").is_dir() else PACKAGE / "checks"
TEMPLATES = PACKAGE / "report" / "templates"
POT = Path(__file__).resolve().parent / "gitc_agent.pot"
EVERYWHERE = {"msg": None, "N_": None, "NP_": ((1, "c"), 2), "tr": None}
VERDICTS = {**EVERYWHERE, "ok": None, "fail": None, "unknown": None, "not_applicable": None}

#: catalog area -> check-module (and walker) name prefixes; everything else of gitc_agent is
#: `core` (engine, collectors) or `report` (renderers, terms)
AREAS = {
    "checks_ad": ("ad_", "_ad_", "_password_objects", "_group_reviews"),
    "checks_ops": ("events_", "vuln_", "windows_", "host_", "governance_", "monitoring_",
                   "_admin_host", "_advis", "_agents", "_events", "_feeds", "_vuln", "_windows",
                   "_controls"),
    "checks_datafix_db": ("datafix_", "db_", "_datafix", "_db"),
    "checks_hr": ("hr_", "_hr"),
    "checks_review": ("review_", "_review"),
}


#: what the commands print and the input errors of the loaders (docs/language.md): commands.po
COMMANDS = {("gitc_agent", "cli.py"), ("gitc_agent", "settings"), ("gitc_agent", "run"),
            ("gitc_agent", "errors.py")}
COMMANDS_FILES = {"gitc_agent/review/command.py", "gitc_agent/report/sample_run.py",
                  "gitc_agent/collectors/vuln/status.py"}


def area_of(location: str) -> str:
    """The catalog a msgid found at `location` (a path relative to the source root) belongs in."""
    path = Path(location.split(":", 1)[0])
    if path.parts[:1] == ("checks",):
        name = path.stem
        for area, prefixes in AREAS.items():
            if name.startswith(prefixes):
                return area
        return "checks (no catalog area)"
    if path.parts[:2] in COMMANDS or path.as_posix() in COMMANDS_FILES:
        return "commands"
    if "report" in path.parts or path.parts[:2] == ("gitc_agent", "i18n"):
        return "report"
    return "core"


def _python_files() -> Iterator[tuple[Path, dict]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        yield path, VERDICTS if rel.parts[0] == "core" else EVERYWHERE
    for path in sorted(CHECKS.glob("*.py")):
        yield path, VERDICTS


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def catalog() -> Catalog:
    """A fresh template catalog (what `extract` writes as gitc_agent.pot). Babel's warnings
    about f-strings are silenced: the AST test (tests/test_i18n_templates.py) names each one
    passed where a template belongs, with its file and line."""
    cat = Catalog(project="gitc-agent", fuzzy=False)
    with contextlib.redirect_stderr(io.StringIO()):
        for path, keywords in _python_files():
            with path.open("rb") as fp:
                for lineno, message, comments, context in extract("python", fp, keywords):
                    if isinstance(message, str) and message:
                        cat.add(message, locations=[(_rel(path), lineno)], context=context,
                                auto_comments=comments)
    for path in sorted(TEMPLATES.glob("*.j2")):
        with path.open("rb") as fp:
            found = extract("jinja2.ext:babel_extract", fp, {"tr": None},
                            options={"trim_blocks": "true", "lstrip_blocks": "true"})
            for lineno, message, _comments, context in found:
                if isinstance(message, str) and message:
                    cat.add(message, locations=[(_rel(path), lineno)], context=context)
    for context, text in (*terms.TERMS, *terms.NOUNS):
        cat.add(text, locations=[("gitc_agent/i18n/terms.py", 1)], context=context)
    for text in (exception_note.ACCEPTED, exception_note.EXPIRED, engine.ERROR_REMEDIATION):
        cat.add(text, locations=[("gitc_agent/core/exception_note.py", 1)])
    _registry(cat)
    return cat


def _registry(cat: Catalog) -> None:
    from gitc_agent.core.registry import discover

    for spec in discover((), use_entry_points=False).sorted():
        where = f"checks/{spec.id.replace('.', '_')}.py"
        for text in (spec.title, spec.remediation, spec.description):
            if text:
                cat.add(text, locations=[(where, 1)])
