"""The output formats: each a rendering of the one JSON report into one file of the run folder.

Formats are plugins (see plugin.py for the API and registry.py for how they are found); this
module is what the command line uses: parse `--format`, render the asked-for files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.report.formats.plugin import OutputFormat, Pending, RenderOptions
from gitc_agent.report.formats.registry import FormatRegistry, default_registry
from gitc_agent.report.report_hash import remember_sha256
from gitc_agent.report.view import ReportView
from gitc_agent.run.gc_pause import paused
from gitc_agent.run.interrupt import sigint_noted, stops_the_run

__all__ = ["OutputFormat", "RenderOptions", "files", "parse_formats", "parse_separator", "render",
           "render_all"]

SEPARATORS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "|": "|"}


def parse_formats(values: Iterable[str] | None,
                  registry: FormatRegistry | None = None) -> list[str]:
    """`--format html --format csv,junit` -> ['json', 'html', 'csv', 'junit']; json always.

    The formats are loaded here, before anything is collected: one that cannot be loaded is
    reported now and left out, the others are still written.
    """
    registry = registry or default_registry()
    known = registry.names()
    wanted = ["json"]
    for value in values or ():
        for name in value.split(","):
            name = name.strip().lower()
            if name == "all":
                wanted.extend(known)
            elif name not in known:
                raise InputError(msg("unknown --format {name!r} (choose from {items}, all)",
                                     name=name, items=', '.join(known)))
            else:
                wanted.append(name)
    return [name for name in dict.fromkeys(wanted) if registry.get(name) is not None]


def parse_separator(value: str) -> str:
    if value not in SEPARATORS:
        raise InputError(msg("--csv-separator {value!r} is not one of: , ; tab |", value=value))
    return SEPARATORS[value]


def files(registry: FormatRegistry | None = None) -> dict[str, str]:
    """Format name -> file name, for every format that loads."""
    registry = registry or default_registry()
    return {name: fmt.file_name for name in registry.names() if (fmt := registry.get(name))}


def __getattr__(name: str) -> Any:
    if name == "FILES":  # the former constant; now it depends on the installed plugins
        return files()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render(report: ReportView | Mapping[str, Any], fmt: str, options: RenderOptions,
           registry: FormatRegistry | None = None) -> bytes:
    registry = registry or default_registry()
    loaded = registry.get(fmt) if fmt in registry.entries else None
    if loaded is None:
        raise InputError(msg("unknown or unloadable format {fmt!r}", fmt=fmt))
    return loaded.render(ReportView.of(report), options)


def render_all(report: ReportView | Mapping[str, Any], formats: Iterable[str],
               options: RenderOptions, registry: FormatRegistry | None = None) -> dict[str, bytes]:
    """File name -> content for every requested format that loads and renders.

    A plugin that raises (SystemExit and KeyboardInterrupt included) or returns something other
    than bytes is reported and skipped; the run's interruption and the user's Ctrl-C still stop
    the run. A built-in format that fails is a bug and raises.
    """
    registry = registry or default_registry()
    view = ReportView.of(report)
    with paused():  # see gc_pause: half the time of the large formats went to the collector
        return _render_each(view, formats, options, registry)


def _render_each(view: ReportView, formats: Iterable[str], options: RenderOptions,
                 registry: FormatRegistry) -> dict[str, bytes]:
    """In the asked order, except that report.json comes first (the PDF's footer and the
    workbook name its hash) and the formats that render beside the others are begun next; the
    outputs keep the asked order."""
    chosen = _chosen(formats, registry)
    first = sorted(chosen, key=lambda f: 0 if f.file_name == "report.json" else
                   1 if f.source == "built-in" and f.begin is not None else 2)
    outputs: dict[str, bytes] = {}
    pending: dict[str, Pending] = {}
    try:
        for fmt in first:
            if fmt.source != "built-in":
                data = _render_plugin(fmt, view, options, registry)
                if data is not None:
                    outputs[fmt.file_name] = data
            elif fmt.begin is not None:
                pending[fmt.file_name] = fmt.begin(view, options)
            else:
                outputs[fmt.file_name] = fmt.render(view, options)
                if fmt.file_name == "report.json":
                    remember_sha256(view, outputs[fmt.file_name])
        while pending:
            name = next(iter(pending))
            outputs[name] = pending[name].result()
            del pending[name]
    except BaseException:
        for job in pending.values():
            job.cancel()
        raise
    return {f.file_name: outputs[f.file_name] for f in chosen if f.file_name in outputs}


def _chosen(formats: Iterable[str], registry: FormatRegistry) -> list[OutputFormat]:
    """The formats to render, in the asked order; an unknown one is an error, one that failed
    to load or that claims a file name an earlier one writes is reported and left out."""
    chosen: list[OutputFormat] = []
    for name in formats:
        fmt = registry.get(name) if name in registry.entries else None
        if fmt is None:
            if name not in registry.entries:
                raise InputError(msg("unknown format {name!r}", name=name))
            continue  # reported when it failed to load
        if any(f.file_name == fmt.file_name for f in chosen):
            registry.problem(fmt.source, f"file name {fmt.file_name!r} is already written by "
                                         f"another format")
            continue
        chosen.append(fmt)
    return chosen


def _render_plugin(fmt: OutputFormat, view: ReportView, options: RenderOptions,
                   registry: FormatRegistry) -> bytes | None:
    """A plugin's rendering, or None (reported) when it raised or returned something other
    than bytes; the run's interruption and the user's Ctrl-C still stop the run."""
    with sigint_noted() as delivered:
        try:
            data = fmt.render(view, options)
        except BaseException as exc:  # a broken plugin must not cost the run its other files
            if stops_the_run(exc, delivered()):
                raise
            registry.problem(fmt.source, f"render failed: {type(exc).__name__}: {exc}")
            return None
    if not isinstance(data, bytes):
        registry.problem(fmt.source, f"render returned {type(data).__name__}, not bytes")
        return None
    return data
