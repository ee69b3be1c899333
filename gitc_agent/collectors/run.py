"""Run every collector the config enables and return their evidence documents.

A collector that cannot reach or read its target still returns a document: one whose `errors`
say why, so the checks report `error` and the run is marked incomplete.
"""

from __future__ import annotations

from collections.abc import Callable

from gitc_agent.collectors import ad_password_policy
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
        return [EvidenceDoc(kind=ad_password_policy.KIND, target=target, collector="ad.ldap",
                            data={}, errors=[{"part": "connection", "message": redact(str(exc))}])]
    try:
        base_dn = settings.base_dn or default_naming_context(conn)
        progress(f"reading password policies of {base_dn} from {url}")
        data, errors = ad_password_policy.collect(conn, base_dn, settings.page_size)
        data["server"] = url
        return [EvidenceDoc(kind=ad_password_policy.KIND, target=base_dn, collector="ad.ldap",
                            data=data, errors=[{**e, "message": redact(e["message"])}
                                               for e in errors])]
    except LdapReadError as exc:
        return [EvidenceDoc(kind=ad_password_policy.KIND, target=target, collector="ad.ldap",
                            data={}, errors=[{"part": "connection", "message": redact(str(exc))}])]
    finally:
        conn.unbind()


def collect_all(config: Config, progress: Progress) -> list[EvidenceDoc]:
    docs: list[EvidenceDoc] = []
    if config.ad is not None:
        docs.extend(collect_ad(config.ad, progress))
    return docs
