"""Find output formats: the built-in table here, then entry points (`gitc_agent.formats`).

The table means a source checkout works without fresh installed metadata; setup.cfg declares the
same entry points for tools that list plugins, and this distribution's own entry points are
skipped in favour of the table. A format loads only when asked for, so a JSON-only run never
imports a template engine. As with check plugins, a format that fails to load, is not a valid
format or reuses a name is recorded as a problem and logged, and the run goes on without it:
that includes a plugin raising SystemExit or KeyboardInterrupt itself, while the run's own
interruption and the user's Ctrl-C still end the run (`run.interrupt.stops_the_run`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

from gitc_agent.report.formats.plugin import NAME, OutputFormat
from gitc_agent.run.interrupt import sigint_noted, stops_the_run
from gitc_agent.run.signing import MANIFEST, SIGNATURE

ENTRY_POINT_GROUP = "gitc_agent.formats"
DISTRIBUTION = "gitc-agent"
BUILTIN = {
    "json": "gitc_agent.report.formats.json:FORMAT",
    "html": "gitc_agent.report.formats.html:FORMAT",
    "csv": "gitc_agent.report.formats.csv:FORMAT",
    "oscal": "gitc_agent.report.formats.oscal:FORMAT",
    "junit": "gitc_agent.report.formats.junit:FORMAT",
    "xlsx": "gitc_agent.report.formats.xlsx:FORMAT",
    "pdf": "gitc_agent.report.formats.pdf:FORMAT",
}
RESERVED_FILES = frozenset({MANIFEST, SIGNATURE, "evidence", "latest"})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormatProblem:
    source: str
    message: str


@dataclass
class FormatRegistry:
    entries: dict[str, EntryPoint] = field(default_factory=dict)  # name -> where it is defined
    problems: list[FormatProblem] = field(default_factory=list)
    _loaded: dict[str, OutputFormat | None] = field(default_factory=dict)

    def names(self) -> list[str]:
        return list(self.entries)

    def get(self, name: str) -> OutputFormat | None:
        """The loaded format, or None if it could not be loaded (then a problem says why)."""
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def problem(self, source: str, message: str) -> None:
        self.problems.append(FormatProblem(source, message))
        log.warning("output format %s: %s; that format is not written", source, message,
                    extra={"event": "format_problem", "source": source, "problem": message})

    def _load(self, name: str) -> OutputFormat | None:
        ep = self.entries[name]
        source = describe(ep)
        with sigint_noted() as delivered:
            try:
                loaded = ep.load()
            except BaseException as exc:  # a broken plugin must not stop the run
                if stops_the_run(exc, delivered()):
                    raise
                return self.problem(source, f"load failed: {type(exc).__name__}: {exc}")
        fmt = _format_in(loaded)
        if fmt is None:
            return self.problem(source, "defines no OutputFormat")
        if fmt.name != name:
            return self.problem(source, f"declares format {fmt.name!r}, not {name!r}")
        if not callable(fmt.render):
            return self.problem(source, "its render is not a function")
        bad_file = _bad_file_name(fmt.file_name, builtin=ep.value == BUILTIN.get(name))
        if bad_file:
            return self.problem(source, bad_file)
        return replace(fmt, source="built-in" if ep.value == BUILTIN.get(name) else source)


def describe(ep: EntryPoint) -> str:
    return f"{ep.name} (built in)" if ep.value == BUILTIN.get(ep.name) \
        else f"entry point {ep.name} ({ep.value})"


def _format_in(obj: Any) -> OutputFormat | None:
    if isinstance(obj, OutputFormat):
        return obj
    if isinstance(obj, ModuleType):
        found = [v for v in vars(obj).values() if isinstance(v, OutputFormat)]
        return found[0] if len(found) == 1 else None
    return None


def _bad_file_name(name: Any, builtin: bool) -> str | None:
    """A plugin writes one plain file into the run folder: no path, nothing the run owns."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name):
        return f"file name {name!r} is not a plain file name"
    if name in RESERVED_FILES or (name == "report.json" and not builtin):
        return f"file name {name!r} belongs to the run folder itself"
    return None


def _is_own(ep: EntryPoint) -> bool:
    dist = getattr(ep, "dist", None)
    name = dist.metadata["Name"] if dist is not None else None
    return bool(name) and re.sub(r"[-_.]+", "-", name).lower() == DISTRIBUTION


def discover(use_entry_points: bool = True) -> FormatRegistry:
    """Built-in formats first, so a plugin cannot silently replace one."""
    registry = FormatRegistry()
    for name, value in BUILTIN.items():
        registry.entries[name] = EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
    if not use_entry_points:
        return registry
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if _is_own(ep):  # the same formats as BUILTIN, possibly from stale metadata
            continue
        if not NAME.match(ep.name) or ep.name == "all":
            registry.problem(describe(ep), "a format name is lower-case letters, digits, - "
                                           "and _ (and not 'all')")
        elif ep.name in registry.entries:
            other = describe(registry.entries[ep.name])
            registry.problem(describe(ep), f"format name {ep.name!r} is already defined by "
                                           f"{other}; ignored")
        else:
            registry.entries[ep.name] = ep
    return registry


@cache
def default_registry() -> FormatRegistry:
    """One registry per process, so each plugin problem is reported once."""
    return discover()
