"""Find checks: built-in (`checks/`), entry points (`gitc_agent.checks`) and `--checks-dir`.

A third-party module that fails to import, or that reuses a known check id, is recorded as a load
problem; the engine reports it as an `error` result instead of crashing the run. "Fails" includes
`sys.exit()`, a `KeyboardInterrupt` the module raises itself and any other BaseException: only
the run's own interruption and a Ctrl-C the user presses (a real SIGINT, see
`run.interrupt.sigint_noted`) still end the run, with no report. A built-in check
must live in the module named after its id, so the id a report shows leads to its code.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from gitc_agent.core.check_api import CheckSpec
from gitc_agent.run.interrupt import sigint_noted, stops_the_run

ENTRY_POINT_GROUP = "gitc_agent.checks"


@dataclass(frozen=True)
class LoadProblem:
    source: str
    message: str


@dataclass
class Registry:
    checks: dict[str, CheckSpec] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)

    def get(self, check_id: str) -> CheckSpec | None:
        return self.checks.get(check_id)

    def add(self, spec: CheckSpec, source: str) -> None:
        if spec.id in self.checks:
            other = self.checks[spec.id].source
            self.problems.append(LoadProblem(source, f"check id {spec.id!r} is already "
                                                     f"defined by {other}; ignored"))
            return
        self.checks[spec.id] = replace(spec, source=source)

    def sorted(self) -> list[CheckSpec]:
        return [self.checks[k] for k in sorted(self.checks)]


def _specs_in(obj: Any) -> list[CheckSpec]:
    if isinstance(obj, CheckSpec):
        return [obj]
    if isinstance(obj, ModuleType):
        return [v for v in vars(obj).values() if isinstance(v, CheckSpec)]
    if isinstance(obj, Iterable):
        return [v for v in obj if isinstance(v, CheckSpec)]
    return []


def _failed(what: str, exc: BaseException) -> str:
    return f"{what} failed: {type(exc).__name__}: {exc}"


def _builtin(registry: Registry) -> None:
    package = importlib.import_module("gitc_agent.checks")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        name = f"gitc_agent.checks.{info.name}"
        with sigint_noted() as delivered:
            try:
                module = importlib.import_module(name)
            except BaseException as exc:  # a broken module must not stop the others
                if stops_the_run(exc, delivered()):
                    raise
                registry.problems.append(LoadProblem(name, _failed("import", exc)))
                continue
        for spec in _specs_in(module):
            module_name = spec.id.replace(".", "_")
            if module_name != info.name:
                registry.problems.append(LoadProblem(name, (
                    f"check id {spec.id!r} does not match its module name {info.name!r}: a "
                    f"built-in check lives in checks/{module_name}.py; ignored")))
                continue
            registry.add(spec, "built-in")


def _from_entry_points(registry: Registry) -> None:
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        source = f"entry point {ep.name} ({ep.value})"
        with sigint_noted() as delivered:
            try:
                loaded = ep.load()
            except BaseException as exc:
                if stops_the_run(exc, delivered()):
                    raise
                registry.problems.append(LoadProblem(source, _failed("load", exc)))
                continue
        specs = _specs_in(loaded)
        if not specs:
            registry.problems.append(LoadProblem(source, "defines no check"))
        for spec in specs:
            registry.add(spec, source)


def _from_dir(registry: Registry, folder: Path) -> None:
    tag = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"gitc_agent_plugins_{tag}.{path.stem}"
        source = str(path)
        with sigint_noted() as delivered:
            try:
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None:
                    raise ImportError("not a Python module")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            except BaseException as exc:
                sys.modules.pop(name, None)
                if stops_the_run(exc, delivered()):
                    raise
                registry.problems.append(LoadProblem(source, _failed("import", exc)))
                continue
        for check_spec in _specs_in(module):
            registry.add(check_spec, source)


def discover(checks_dirs: Iterable[Path] = (), use_entry_points: bool = True) -> Registry:
    """Built-in checks first, so a plugin cannot silently replace one."""
    registry = Registry()
    _builtin(registry)
    if use_entry_points:
        _from_entry_points(registry)
    for folder in checks_dirs:
        _from_dir(registry, folder)
    return registry
