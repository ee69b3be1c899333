"""Compile the catalogs and check that every msgid has a translation (the `python3 -m
gitc_agent.i18n` commands; Babel is needed here, not to run the tool).

A translation counts only when it is there, not fuzzy (a guess by msgmerge that nobody
checked), and has exactly the placeholders of its msgid: a `{account}` translated as
`{acount}` would otherwise fail at render time, or silently drop the value.
"""

from __future__ import annotations

import io
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from gitc_agent.i18n import catalog as catalogs
from gitc_agent.i18n.extract import POT, area_of
from gitc_agent.model.language import ENGLISH, LANGUAGES

Key = tuple[str | None, str]  # (context, msgid)


def placeholders(text: str) -> set[str] | None:
    """The `{name}` fields of a str.format text; None when it is not a valid format string."""
    try:
        return {name for _t, name, _s, _c in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def read(path: Path) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, abort_invalid=True)


def compiled(path: Path) -> bytes:
    """The .mo of one .po (fuzzy entries left out, as gettext does)."""
    out = io.BytesIO()
    write_mo(out, read(path), use_fuzzy=False)
    return out.getvalue()


def compile_all(languages: Iterable[str] = LANGUAGES) -> list[Path]:
    written = []
    for language in languages:
        for po in catalogs.po_files(language):
            mo = po.with_suffix(".mo")
            mo.write_bytes(compiled(po))
            written.append(mo)
    return written


def write_pot(cat: Catalog, path: Path = POT) -> None:
    out = io.BytesIO()
    write_po(out, cat, width=100, omit_header=False, sort_output=True)
    path.write_bytes(out.getvalue())


@dataclass(frozen=True)
class Problem:
    area: str
    key: Key
    what: str  # missing, empty, fuzzy, placeholders differ
    where: str  # source location or catalog file

    def line(self) -> str:
        ctx = f"[{self.key[0]}] " if self.key[0] else ""
        return f"{self.what}: {ctx}{self.key[1]!r} ({self.where})"


def _key(m: Message) -> Key:
    return (m.context, m.id if isinstance(m.id, str) else m.id[0])


def problems(template: Catalog, language: str = "nl",
             po_paths: Iterable[Path] | None = None) -> list[Problem]:
    """Every msgid of `template` that lacks a usable `language` translation, and every entry of
    that language's catalogs (or of `po_paths`) whose placeholders differ from its msgid."""
    good: dict[Key, str] = {}
    unusable: dict[Key, tuple[str, str]] = {}  # key -> (fuzzy or empty, catalog file)
    out: list[Problem] = []
    for po in catalogs.po_files(language) if po_paths is None else po_paths:
        for m in read(po):
            if not m.id:
                continue
            key = _key(m)
            text = m.string if isinstance(m.string, str) else (m.string or [""])[0]
            if text and not m.fuzzy and placeholders(key[1]) != placeholders(text):
                out.append(Problem(po.stem, key, "placeholders differ", po.name))
            elif text and not m.fuzzy:
                good.setdefault(key, po.name)
            else:
                unusable.setdefault(key, ("fuzzy" if m.fuzzy else "empty", po.name))
    for m in template:
        if not m.id:
            continue
        key = _key(m)
        where = _location(m) or "?"
        if key in good:
            continue
        what, po_name = unusable.get(key, ("missing", where))
        out.append(Problem(area_of(where), key, what, po_name))
    return out


def _location(m: Message) -> str | None:
    return m.locations[0][0] if m.locations else None


def report(found: list[Problem]) -> str:
    """Problems grouped by catalog area, with a count per area."""
    by_area: dict[str, list[Problem]] = {}
    for p in found:
        by_area.setdefault(p.area, []).append(p)
    lines = []
    for area in sorted(by_area):
        items = by_area[area]
        lines.append(f"{area}: {len(items)} msgid(s) without a usable Dutch translation")
        lines.extend("  " + p.line() for p in sorted(items, key=lambda p: (p.where, p.key[1])))
    return "\n".join(lines)


def languages_with_catalogs() -> list[str]:
    return [lang for lang in LANGUAGES if lang != ENGLISH]
