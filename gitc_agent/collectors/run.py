"""Run every collector the config enables and return their evidence documents.

A collector that cannot reach or read its target still returns a document: one whose `errors`
say why, so the checks report `error` and the run is marked incomplete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from gitc_agent.collectors.ad import accounts as ad_accounts
from gitc_agent.collectors.ad import password_policy as ad_password_policy
from gitc_agent.collectors.ad.session import LdapReadError, connect, default_naming_context
from gitc_agent.collectors.datafix import files as datafix_files
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.core.plan import Plan, make_plan
from gitc_agent.run.redact import redact
from gitc_agent.settings.config import ADSettings, Config

Progress = Callable[[str], None]
log = logging.getLogger(__name__)

#: Config sections that name something to collect.
SECTIONS = ("ad", "winrm", "local_host", "feeds", "datafix", "events", "controls", "databases", "vuln",
            "hr", "group_reviews")


def configured_sections(config: Config) -> list[str]:
    return [name for name in SECTIONS if getattr(config, name, None) is not None]


def collect_ad(settings: ADSettings, progress: Progress) -> list[EvidenceDoc]:
    target = settings.base_dn or settings.servers[0]
    progress(f"binding to {', '.join(settings.servers)}")
    try:
        conn, url = connect(settings)
    except LdapReadError as exc:
        return [EvidenceDoc(kind=kind, target=target, collector="ad.ldap", data={},
                            errors=[{"part": "connection", "message": redact(str(exc))}])
                for kind in (ad_password_policy.KIND, ad_accounts.KIND)]
    try:
        base_dn = settings.base_dn or default_naming_context(conn)
        progress(f"reading password policies of {base_dn} from {url}")
        data, errors = ad_password_policy.collect(conn, base_dn, settings.page_size)
        data["server"] = url
        docs = [EvidenceDoc(kind=ad_password_policy.KIND, target=base_dn, collector="ad.ldap",
                            data=data, errors=[{**e, "message": redact(e["message"])}
                                               for e in errors])]
        docs.append(_collect_accounts(conn, url, base_dn, settings, progress))
        return docs
    except LdapReadError as exc:
        return [EvidenceDoc(kind=kind, target=target, collector="ad.ldap", data={},
                            errors=[{"part": "connection", "message": redact(str(exc))}])
                for kind in (ad_password_policy.KIND, ad_accounts.KIND)]
    finally:
        conn.unbind()


def _collect_accounts(conn, url: str, base_dn: str, settings: ADSettings,
                      progress: Progress) -> EvidenceDoc:
    """Users, computers and groups, on the connection the password policy used."""
    progress(f"reading users, computers and groups of {base_dn} from {url}")
    try:
        data, errors = ad_accounts.collect(conn, base_dn, settings.page_size, settings, url)
    except LdapReadError as exc:  # e.g. the connection dropped between reads
        data, errors = {}, [{"part": "connection", "message": str(exc)}]
    if data:
        data["server"] = url
    return EvidenceDoc(kind=ad_accounts.KIND, target=base_dn, collector="ad.ldap", data=data,
                       errors=[{**e, "message": redact(e["message"])} for e in errors])


#: Evidence read from local input files before a run starts: section -> (documents, seconds).
InputFiles = dict[str, tuple[list[EvidenceDoc], float]]


def read_input_files(config: Config) -> InputFiles:
    """Read the local input files (feeds, datafix exports) before anything is written.

    A broken one is invalid input (exit 2) and must be found before the output folder, its
    lock or the log file exist; reading them is quick and local, so it happens before the
    collection (and its --deadline) starts."""
    from gitc_agent.collectors import feeds

    readers: dict[str, Callable[[], list[EvidenceDoc]]] = {}
    if config.feeds is not None:
        readers["feeds"] = lambda: feeds.collect(config.feeds)
    if config.datafix is not None:
        readers["datafix"] = lambda: list(datafix_files.collect(config.datafix))
    if config.events is not None:  # security-event exports (EVTX, NDJSON), streamed
        from gitc_agent.collectors.events import collect as events_collect
        readers["events"] = lambda: [events_collect.collect(config.events)]
    if config.vuln is not None:  # CSAF sources, inventory and ticket exports (files)
        from gitc_agent.collectors.vuln import collect as vuln_collect
        readers["vuln"] = lambda: vuln_collect.collect(config.vuln)
    if config.databases is not None:  # SQL Server catalog result sets (files)
        from gitc_agent.collectors.db import collect as db_collect
        readers["databases"] = lambda: db_collect.read_files(config.databases)
    if config.controls is not None:
        from gitc_agent.collectors import controls_log
        readers["controls"] = lambda: [controls_log.collect(config.controls)]
    if config.hr is not None:  # the HR export, joiner requests, account mapping (files)
        from gitc_agent.collectors.hr import collect as hr_collect
        readers["hr"] = lambda: list(hr_collect.collect(config.hr))
    if config.group_reviews is not None:  # review records written by `review import`
        from gitc_agent.collectors import group_reviews
        readers["group_reviews"] = lambda: [group_reviews.collect(config.group_reviews)]
    read: InputFiles = {}
    for section, reader in readers.items():
        began = time.monotonic()
        docs = reader()
        read[section] = (docs, round(time.monotonic() - began, 3))
    return read


def collect_all(config: Config, progress: Progress, services: Sequence[str] = (),
                sink: list[EvidenceDoc] | None = None,
                files: InputFiles | None = None) -> list[EvidenceDoc]:
    """Run every configured collector; documents are appended to `sink` as each finishes, so an
    interrupted run keeps what it already collected. `services`: extra Windows service names
    to query (those the policy requires; the caller knows the policy, collection does not).
    `files`: what `read_input_files` already read (else the files are read here)."""
    from gitc_agent.collectors import local_host
    from gitc_agent.collectors.windows import targets as windows_targets

    docs = sink if sink is not None else []
    files = files if files is not None else read_input_files(config)
    if "feeds" in files:  # local files first, in the order they always had
        progress("reading vulnerability feed files")
        _timed("feeds", docs, lambda: files["feeds"][0], files["feeds"][1])
    if config.ad is not None:
        _timed("ad", docs, lambda: collect_ad(config.ad, progress))
    if "datafix" in files:  # files, listed after AD as before
        progress("reading the datafix exports")
        _timed("datafix", docs, lambda: files["datafix"][0], files["datafix"][1])
    if "events" in files:
        progress("reading the security-event exports")
        _timed("events", docs, lambda: files["events"][0], files["events"][1])
    if "vuln" in files:
        progress("reading the CSAF advisories, inventory and ticket exports")
        _timed("vuln", docs, lambda: files["vuln"][0], files["vuln"][1])
    if "controls" in files:
        progress("reading the internal-control log")
        _timed("controls", docs, lambda: files["controls"][0], files["controls"][1])
    if "hr" in files:
        progress("reading the HR export and joiner requests")
        _timed("hr", docs, lambda: files["hr"][0], files["hr"][1])
    if "group_reviews" in files:
        progress("reading the review records of group re-certifications")
        _timed("group_reviews", docs, lambda: files["group_reviews"][0],
               files["group_reviews"][1])
    if config.databases is not None:
        from gitc_agent.collectors.db import collect as db_collect
        progress("reading the database servers")
        _timed("databases", docs, lambda: db_collect.collect_live(config.databases))
        if "databases" in files:
            _timed("databases", docs, lambda: files["databases"][0], files["databases"][1])
    if config.local_host is not None:
        progress("reading the local admin host (psutil, package manager)")
        _timed("local_host", docs,
               lambda: [local_host.collect(config.local_host.command_timeout_seconds)])
    if config.winrm is not None:
        _timed("winrm", docs,
               lambda: windows_targets.collect(config.winrm, config.ad, progress, services,
                                               sink=docs))
    return docs


def _timed(section: str, docs: list[EvidenceDoc], run: Callable[[], list[EvidenceDoc]],
           seconds: float | None = None) -> None:
    """Run one collector, add its documents, and log each target with the time it took
    (`seconds`: already measured, for files read before the run)."""
    began = time.monotonic()
    before = len(docs)
    docs.extend(run())
    if seconds is None:
        seconds = round(time.monotonic() - began, 3)
    for doc in docs[before:]:
        log.info("collected %s from %s: %s", doc.kind, doc.target, doc.status,
                 extra={"event": "collected", "section": section, "kind": doc.kind,
                        "target": doc.target, "status": doc.status, "duration_s": seconds,
                        "errors": [e.get("message", "") for e in doc.errors]})


def expected_kinds(config: Config) -> set[str]:
    """Evidence kinds the configured sections produce, even when a target could not be read.

    A check reading one of these is in the run's scope: if its evidence is missing (say, the run
    was interrupted first) it is an error, never "not applicable".
    """
    from gitc_agent.collectors import feeds, local_host
    from gitc_agent.collectors.windows import hosts as windows_hosts

    kinds: set[str] = set()
    if config.ad is not None:
        kinds |= {ad_password_policy.KIND, ad_accounts.KIND}
    if config.winrm is not None:
        kinds.add(windows_hosts.KIND)
    if config.local_host is not None:
        kinds.add(local_host.KIND)
    if config.datafix is not None:
        kinds.update(datafix_files.planned_kinds(config.datafix))
    if config.events is not None:
        from gitc_agent.collectors.events import collect as events_collect
        kinds.update(events_collect.planned_kinds(config.events))
    if config.vuln is not None:
        from gitc_agent.collectors.vuln import collect as vuln_collect
        kinds.update(vuln_collect.planned_kinds(config.vuln))
    if config.databases is not None:
        from gitc_agent.collectors.db import collect as db_collect
        kinds.add(db_collect.KIND)
    if config.controls is not None:
        from gitc_agent.collectors import controls_log
        kinds.update(kind for kind, _ in controls_log.planned(config.controls))
    if config.hr is not None:
        from gitc_agent.collectors.hr import collect as hr_collect
        kinds.update(hr_collect.planned_kinds(config.hr))
    if config.group_reviews is not None:
        from gitc_agent.collectors import group_reviews
        kinds.add(group_reviews.KIND)
    if config.feeds is not None:
        if config.feeds.kev_catalog:
            kinds.add(feeds.KEV_KIND)
        if config.feeds.kev_fix_map:
            kinds.add(feeds.FIX_MAP_KIND)
    return kinds


def collection_plan(config: Config, docs: Sequence[EvidenceDoc]) -> Plan:
    """The kinds and targets this collection set out to read, for `plan.json` beside the evidence.

    Targets the config names are planned whether or not they were reached (an interrupted run);
    targets found at run time (the Windows hosts listed from AD, the naming context AD reports)
    are planned as the collection found them; every document it wrote is planned too, so a
    deleted evidence file is noticed by an offline evaluation.
    """
    from gitc_agent.collectors import feeds
    from gitc_agent.collectors.windows import hosts as windows_hosts
    from gitc_agent.collectors.windows import targets as windows_targets

    planned: set[tuple[str, str]] = {(d.kind, d.target) for d in docs}
    if config.ad is not None and config.ad.base_dn:
        planned |= {(ad_password_policy.KIND, config.ad.base_dn),
                    (ad_accounts.KIND, config.ad.base_dn)}
    if config.winrm is not None:
        planned |= {(windows_hosts.KIND, h.name) for h in config.winrm.targets}
        for doc in docs:
            if doc.kind == windows_targets.KIND:
                planned |= {(windows_hosts.KIND, str(name))
                            for name in doc.data.get("hosts_from_ad", [])}
    if config.datafix is not None:
        planned |= {(kind, config.datafix.target)
                    for kind in datafix_files.planned_kinds(config.datafix)}
    if config.events is not None:
        from gitc_agent.collectors.events import collect as events_collect
        planned |= {(kind, config.events.target)
                    for kind in events_collect.planned_kinds(config.events)}
    if config.vuln is not None:
        from gitc_agent.collectors.vuln import collect as vuln_collect
        planned |= vuln_collect.planned(config.vuln)
    if config.databases is not None:
        from gitc_agent.collectors.db import collect as db_collect
        planned |= db_collect.planned_targets(config.databases)
    if config.controls is not None:
        from gitc_agent.collectors import controls_log
        planned |= set(controls_log.planned(config.controls))
    if config.hr is not None:
        from gitc_agent.collectors.hr import collect as hr_collect
        planned |= {(kind, config.hr.target) for kind in hr_collect.planned_kinds(config.hr)}
    if config.group_reviews is not None:
        from gitc_agent.collectors import group_reviews
        planned |= group_reviews.planned(config.group_reviews)
    if config.feeds is not None:
        for kind, path in ((feeds.KEV_KIND, config.feeds.kev_catalog),
                           (feeds.FIX_MAP_KIND, config.feeds.kev_fix_map)):
            if path is not None:
                planned.add((kind, path.stem))
    return make_plan(expected_kinds(config), planned)
