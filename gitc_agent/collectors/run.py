"""Run every collector the config enables and return their evidence documents.

A collector that cannot reach or read its target still returns a document: one whose `errors`
say why, so the checks report `error` and the run is marked incomplete.
"""

from __future__ import annotations

from collections.abc import Callable

from gitc_agent.collectors import ad_accounts, ad_password_policy, datafix_files
from gitc_agent.collectors.ldap_session import LdapReadError, connect, default_naming_context
from gitc_agent.config import ADSettings, Config
from gitc_agent.evidence import EvidenceDoc
from gitc_agent.redact import redact

Progress = Callable[[str], None]


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
    """Users, computers and groups (issue 7), on the connection the password policy used."""
    progress(f"reading users, computers and groups of {base_dn} from {url}")
    try:
        data, errors = ad_accounts.collect(conn, base_dn, settings.page_size)
    except LdapReadError as exc:  # e.g. the connection dropped between reads
        data, errors = {}, [{"part": "connection", "message": str(exc)}]
    if data:
        data["server"] = url
    return EvidenceDoc(kind=ad_accounts.KIND, target=base_dn, collector="ad.ldap", data=data,
                       errors=[{**e, "message": redact(e["message"])} for e in errors])


def collect_all(config: Config, progress: Progress) -> list[EvidenceDoc]:
    docs: list[EvidenceDoc] = []
    if config.ad is not None:
        docs.extend(collect_ad(config.ad, progress))
    if config.datafix is not None:  # issue 4: files, read after AD so roles resolve on both
        progress("reading the datafix exports")
        docs.extend(datafix_files.collect(config.datafix))
    return docs
