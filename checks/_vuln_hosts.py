"""Read each host's installed software (WinRM, the admin host, the inventory export) for the
advisory checks, or say why it cannot be read.

Strict on purpose: a host whose software list is missing or empty, or a package list from an
unknown manager, is reported as unreadable (`error`), never matched on what is left: an empty
list would otherwise read as "nothing installed" and the host would pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.kinds import HOST_STATE, VULN_INVENTORY
from gitc_agent.model.timeutil import parse_time

from ._advisory_model import Problem, tokens
from ._unreadable import Unreadable, why
from ._windows_hosts import Host, kbs_in, windows_hosts

MANAGERS = ("dpkg", "rpm")
# what a software list is called in the reason it cannot be read (made once, used per host)
INSTALLED_SOFTWARE = msg("the installed software list")
PACKAGE_LIST = msg("the package list")
EXPORTED_SOFTWARE = msg("the exported software list")


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    version: str | None
    tokens: frozenset[str]


@dataclass
class Inventory:
    name: str
    origin: str  # winrm, local, export <file>
    items: list[Item]
    kbs: set[str]
    source: dict[str, str]
    collected_at: datetime

    @property
    def subject(self) -> str:
        return subjects.host(self.name)


def _items(raw: Any, what: Message) -> list[Item]:
    if not isinstance(raw, list) or not raw:
        raise Unreadable(msg("{what} is missing or empty", what=what))
    items = []
    for entry in raw:
        try:
            name, version = entry["name"], entry["version"]
        except (TypeError, KeyError):
            raise Unreadable(msg("{what} has an entry without a name or version",
                                 what=what)) from None
        if type(name) is not str or not name.strip() or not (version is None
                                                              or type(version) is str):
            raise Unreadable(msg("{what} has an entry without a readable name and version",
                                 what=what))
        items.append(Item(name, version.strip() or None if version else None, tokens(name)))
    return items


def _windows(host: Host) -> Inventory:
    os_info, software = host.part("os", "os"), host.part("software", "software")
    if not isinstance(os_info, dict) or not isinstance(os_info.get("caption"), str) \
            or not isinstance(os_info.get("build"), int) or not isinstance(os_info.get("ubr"),
                                                                            int):
        if "os" in host.errors:
            raise Unreadable(msg("the OS caption, build or UBR could not be read ({reason})",
                                 reason=host.errors["os"]))
        raise Unreadable(msg("the OS caption, build or UBR could not be read"))
    if software is None:
        raise Unreadable(msg("the installed software (Uninstall keys) could not be read "
                             "({reason})", reason=host.errors.get("software") or msg(
                                 "not in this evidence: collected by an older remote script; "
                                 "collect again")))
    items = _items(software, INSTALLED_SOFTWARE)
    name = os_info["caption"]  # "Microsoft Windows 11 Enterprise" + "Version 24H2" (Windows 10/11)
    if isinstance(os_info.get("display_version"), str) and os_info["display_version"].strip():
        name = f"{name} Version {os_info['display_version'].strip()}"
    items.append(Item(name, f"10.0.{os_info['build']}.{os_info['ubr']}", tokens(name)))
    hotfixes = host.part("hotfixes", "hotfixes")
    kbs = {str(h.get("kb", "")).upper() for h in hotfixes or [] if isinstance(h, dict)}
    for entry in host.data.get("update_history") or []:
        if isinstance(entry, dict) and entry.get("result") == 2:
            kbs |= kbs_in(str(entry.get("title", "")))
    return Inventory(host.name, "winrm", items, kbs, host.source, host.collected_at)


def _local(doc: EvidenceDoc) -> Inventory:
    packages, when = doc.data.get("packages"), parse_time(doc.collected_at)
    if doc.error_for("packages") or not isinstance(packages, dict) or when is None:
        raise Unreadable(msg("the installed packages could not be read ({reason})",
                             reason=doc.error_for("packages") or msg("not in this evidence")))
    if packages.get("manager") not in MANAGERS:
        raise Unreadable(msg("unknown package manager {manager}",
                             manager=repr(packages.get("manager"))))
    return Inventory(doc.target, "local", _items(packages.get("items"), PACKAGE_LIST),
                     set(), doc.source, when)


def inventories(evidence: EvidenceSet) -> tuple[list[Inventory], list[Problem]]:
    """Every host with its installed software: WinRM hosts, the admin host, then the export's
    hosts that no live evidence covers (live evidence wins: it is what the host itself said)."""
    found: list[Inventory] = []
    problems: list[Problem] = []
    for host in windows_hosts(evidence):
        if not isinstance(host, Host):
            said = (Message(host.template, host.params or {}) if host.template  # translatable
                    else host.message)
            problems.append(Problem(host.subject, said, dict(host.evidence)))
            continue
        try:
            found.append(_windows(host))
        except ValueError as exc:
            problems.append(Problem(host.subject, msg(
                "{host}: {reason}, so no advisory could be matched to it.", host=host.name,
                reason=why(exc)), host.source))
    for doc in evidence.of_kind(HOST_STATE):
        try:
            found.append(_local(doc))
        except ValueError as exc:
            problems.append(Problem(subjects.host(doc.target), msg(
                "{host}: {reason}, so no advisory could be matched to it.", host=doc.target,
                reason=why(exc)), doc.source))
    live = {i.name.lower().split(".")[0] for i in found} | {
        p.subject.removeprefix("host:").lower().split(".")[0] for p in problems}
    for doc in evidence.of_kind(VULN_INVENTORY):
        read = list(_export(doc, live))
        problems += [p for p in read if isinstance(p, Problem)]
        found += [i for i in read if isinstance(i, Inventory)]
    return found, problems


def _export(doc: EvidenceDoc, live: set[str]) -> Iterator[Inventory | Problem]:
    hosts, when = (doc.data or {}).get("hosts"), parse_time(doc.collected_at)
    if doc.errors or not isinstance(hosts, dict) or not hosts or when is None:
        reason = doc.errors[0].get("message") if doc.errors else msg("no hosts in the evidence")
        yield Problem(f"inventory:{doc.target}", msg(
            "the inventory export could not be read ({reason}), so its hosts were not assessed.",
            reason=reason), doc.source)
        return
    for name, raw in hosts.items():
        if str(name).lower().split(".")[0] in live:
            continue
        try:
            yield Inventory(str(name), "export", _items(raw, EXPORTED_SOFTWARE),
                            set(), doc.source, when)
        except ValueError as exc:
            yield Problem(subjects.host(str(name)), msg("{host}: {reason}.", host=str(name),
                                                        reason=why(exc)), doc.source)
