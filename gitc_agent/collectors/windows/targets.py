"""Which Windows hosts to read: the configured ones, merged with computer objects from AD.

Computers under `winrm.from_ad.base` whose operatingSystem matches the filter become WinRM hosts
with the section's settings; a configured host entry with the same DNS name or name overrides
the AD one (e.g. its address or port). The AD read is recorded as a `windows.targets` document
that says which hosts came from AD and which were skipped and why. A failed read, or one that
finds no computer, also yields a `windows.host_state` error document, so the Windows checks
report `error` instead of "nothing to check".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ldap3.utils.conv import escape_filter_chars

from gitc_agent.collectors.ad.session import LdapReadError, attr, connect, paged_search
from gitc_agent.collectors.windows import hosts as windows_hosts
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import kinds
from gitc_agent.model.uac import ACCOUNT_DISABLED
from gitc_agent.run.redact import redact
from gitc_agent.settings.config import ADSettings, WinRMFromAD, WinRMHost, WinRMSettings

KIND = kinds.WINDOWS_TARGETS
COLLECTOR = "windows.ad_targets"
ATTRIBUTES = ["dNSHostName", "name", "operatingSystem", "userAccountControl"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Computer:
    dn: str
    name: str
    dns_host_name: str | None
    operating_system: str | None
    disabled: bool

    @property
    def host_name(self) -> str:
        """What WinRM connects to: the DNS name; the plain name only when AD has none."""
        return self.dns_host_name or self.name


def ldap_filter(os_filter: str | None) -> str:
    """Computer objects, with operatingSystem matched server-side (`*` stays a wildcard)."""
    parts = ["(objectCategory=computer)"]
    if os_filter:
        pattern = "*".join(escape_filter_chars(p) for p in os_filter.split("*"))
        parts.append(f"(operatingSystem={pattern})")
    return f"(&{''.join(parts)})"


def read_computers(ad: ADSettings, source: WinRMFromAD) -> tuple[list[Computer], str]:
    """Computers under the base DN (disabled ones included; the caller decides); raises
    LdapReadError when the directory cannot be read."""
    conn, url = connect(ad)
    try:
        found = []
        for dn, raw in paged_search(conn, source.base, ldap_filter(source.os_filter), ATTRIBUTES,
                                    ad.page_size):
            uac = (attr(raw, "userAccountControl") or ["0"])[0]
            found.append(Computer(
                dn=dn, name=(attr(raw, "name") or [dn.split(",")[0].partition("=")[2]])[0],
                dns_host_name=(attr(raw, "dNSHostName") or [None])[0],
                operating_system=(attr(raw, "operatingSystem") or [None])[0],
                disabled=bool(int(uac) & ACCOUNT_DISABLED) if uac.lstrip("-").isdigit() else False))
    finally:
        conn.unbind()
    return sorted(found, key=lambda c: c.host_name.lower()), url


def merge(configured: Sequence[WinRMHost], computers: Sequence[Computer],
          settings: WinRMSettings, include_disabled: bool
          ) -> tuple[list[WinRMHost], list[dict[str, object]]]:
    """Configured hosts first (in their order), then the AD computers no entry overrides.

    Returns the hosts and one record per AD computer for the evidence.
    """
    by_name = {h.name.lower(): h for h in configured}
    hosts = list(configured)
    records: list[dict[str, object]] = []
    taken = {h.name.lower() for h in configured}
    for c in computers:
        record: dict[str, object] = {"dn": c.dn, "name": c.name, "dns_host_name": c.dns_host_name,
                                     "operating_system": c.operating_system,
                                     "disabled": c.disabled}
        override = by_name.get(c.host_name.lower()) or by_name.get(c.name.lower())
        if override is not None:  # a configured host is read whatever AD says
            record["target"] = override.name
            record["overridden_by_config"] = True
        elif c.disabled and not include_disabled:
            record["target"] = None
            record["skipped"] = "account disabled (set include_disabled: true to read it)"
        elif c.host_name.lower() in taken:
            record["target"] = None
            record["skipped"] = f"another computer object has the same host name {c.host_name}"
        else:
            hosts.append(settings.host(c.host_name))
            taken.add(c.host_name.lower())
            record["target"] = c.host_name
        records.append(record)
    return hosts, records


def _failed_read(source: WinRMFromAD, message: str) -> list[EvidenceDoc]:
    target = f"ad:{source.base}"
    error = [{"part": "connection", "message": redact(message)}]
    return [EvidenceDoc(kind=KIND, target=target, collector=COLLECTOR, data={}, errors=error),
            EvidenceDoc(kind=windows_hosts.KIND, target=target, collector=COLLECTOR, data={},
                        errors=[{"part": "connection", "message": redact(
                            f"the Windows hosts under {source.base} could not be listed from "
                            f"AD, so none of them was checked: {message}")}])]


def resolve(settings: WinRMSettings, ad: ADSettings | None,
            progress: Progress) -> tuple[WinRMSettings, list[EvidenceDoc], dict[str, str]]:
    """The settings with the merged targets, the evidence of the AD read, and each host's
    source ("config", "ad" or "ad, overridden by config")."""
    sources = {h.name: "config" for h in settings.targets}
    source = settings.from_ad
    if source is None:
        return settings, [], sources
    if ad is None:  # the config loader refuses this; kept for callers that build settings
        return settings, _failed_read(source, "no 'ad' section to read computers with"), sources
    progress(f"reading Windows computers under {source.base} from AD")
    try:
        computers, url = read_computers(ad, source)
    except LdapReadError as exc:
        return settings, _failed_read(source, str(exc)), sources
    hosts, records = merge(settings.targets, computers, settings, source.include_disabled)
    for r in records:
        if r["target"]:
            sources[str(r["target"])] = ("ad, overridden by config" if r.get("overridden_by_config")
                                         else "ad")
    from_ad = [str(r["target"]) for r in records if r["target"]]
    data = {"server": url, "base": source.base, "filter": ldap_filter(source.os_filter),
            "include_disabled": source.include_disabled, "computers": records,
            "hosts_from_ad": from_ad}
    docs = [EvidenceDoc(kind=KIND, target=f"ad:{source.base}", collector=COLLECTOR, data=data)]
    if not from_ad:
        why = (f"no enabled computer object under {source.base} matches {data['filter']}"
               if not computers or source.include_disabled else
               f"every computer object under {source.base} matching {data['filter']} is "
               "disabled")
        docs[0].errors.append({"part": "targets", "message": why})
        docs.append(EvidenceDoc(kind=windows_hosts.KIND, target=f"ad:{source.base}",
                                collector=COLLECTOR, data={}, errors=[{
                                    "part": "connection", "message": f"{why}: is the base DN or "
                                    "the operating-system filter wrong?"}]))
    progress(f"AD: {len(from_ad)} Windows host(s) under {source.base}")
    return settings.model_copy(update={"targets": tuple(hosts)}), docs, sources


def collect(settings: WinRMSettings, ad: ADSettings | None, progress: Progress,
            services: Sequence[str] = (), sink: list[EvidenceDoc] | None = None
            ) -> list[EvidenceDoc]:
    """Resolve the targets, then read every host; each host document says where it came from."""
    resolved, docs, sources = resolve(settings, ad, progress)
    if sink is not None:
        sink.extend(docs)  # the AD read is kept even if the fleet run is interrupted
        docs = []
    if resolved.targets:
        for doc in windows_hosts.collect_fleet(resolved, progress, services, sink=sink):
            if doc.data:  # an error document keeps empty data, so its status stays `error`
                doc.data["source"] = sources.get(doc.target, "config")
            docs.append(doc)
    return docs
