"""Shared reading of `events.security` evidence for the security-event checks.

Why shared: every event check must say the same thing when the events are missing, inconsistent
or partly unreadable (an `error`, never a pass), and judge the same period. The evidence is
checked against itself before anything is judged: the aggregates must add up to the counts the
collector wrote, so a list that lost rows reads as unknown, not as "no logons". Rejected records
and parser errors become `error` results naming file, record and reason; the rest is still judged.
The AD evidence is optional here: it tells which accounts are impersonal and which hosts are
domain controllers; without it, a check says what it could not decide.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, Outcome, Status, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.kinds import EVENTS_SECURITY
from gitc_agent.model.message import N_

from ._ad_accounts import Domain, domains
from ._events_model import Change, ChangeTicket, Coverage, Events, Logon, Malformed
from ._events_parse import parse

__all__ = [
    "Change",
    "ChangeTicket",
    "Coverage",
    "Events",
    "Logon",
    "Malformed",
    "describe_logons",
    "host_matches",
    "security_events",
]

REFERENCES = ["ISO 27002:2022 8.15", "ISO 27002:2022 8.16", "BIO2 5.16.02"]
INTERACTIVE_TYPES = [2, 10, 11]  # interactive, remote interactive (RDP), cached interactive
LOGON_TYPE_NAMES = {2: "interactive", 3: "network", 4: "batch", 5: "service", 7: "unlock",
                    8: "network cleartext", 9: "new credentials", 10: "RDP",
                    11: "cached interactive"}
#: the parts of the evidence as the error about an unusable one names them
PARTS = {"logons": N_("logons"), "additions": N_("additions"), "creations": N_("creations"),
         "hosts": N_("hosts"), "tickets": N_("tickets")}
SERVER_TRUST_ACCOUNT = 0x2000  # userAccountControl of a domain controller
DOMAIN_CONTROLLERS_RID = 516


def security_events(*parts: str) -> Callable[[EvidenceSet], Iterator[Events | Outcome]]:
    """A walker: each readable events document (with the AD domain), after an `error` for each
    rejected-record reason, parser error and unusable part among `parts` (logons, additions,
    creations, hosts, tickets)."""
    def walk(evidence: EvidenceSet) -> Iterator[Events | Outcome]:
        for doc in evidence.of_kind(EVENTS_SECURITY):
            yield from _walk_doc(evidence, doc, parts)

    return walk


def _walk_doc(evidence: EvidenceSet, doc: EvidenceDoc, parts: tuple[str, ...],
              ) -> Iterator[Events | Outcome]:
    src = doc.source
    subject = subjects.export(EVENTS_SECURITY)
    if doc.errors or not doc.data:
        message = "; ".join(f"{e.get('part', '?')}: {e.get('message', '?')}" for e in doc.errors)
        yield Outcome(subject, Status.ERROR, msg("The security events could not be read, so "
                                                 "this was not assessed: {reason}",
                                                 reason=message or msg("no data")), src)
        return
    try:
        events = evidence.derived(f"events:{doc.target}:{doc.collected_at}:{id(doc)}",
                                  lambda: parse(doc))
    except Malformed as exc:
        yield Outcome(subject, Status.ERROR, msg("The security-event evidence is malformed, so "
                                                 "this was not assessed: {reason}",
                                                 reason=exc.message), src)
        return
    yield from _source_problems(doc)
    for part in parts:
        if part in events.broken:
            yield Outcome(subject, Status.ERROR, msg(
                "The {part} in the security-event evidence cannot be used, so they were not "
                "assessed: {reason}", part=msg(PARTS.get(part, part)),
                reason=events.broken[part]), src)
    events.domain, events.ad_problem, ad_outcomes = _ad(evidence)
    yield from ad_outcomes
    yield events


def _ad(evidence: EvidenceSet) -> tuple[Domain | None, Message | None, list[Outcome]]:
    docs = evidence.of_kind("ad.accounts")
    if not docs:
        return None, msg("no AD evidence was collected"), []
    outcomes: list[Outcome] = []
    domain = None
    for item in domains(evidence):
        if isinstance(item, Outcome):
            outcomes.append(item)
        elif domain is None:
            domain = item
    problem = None if domain is not None else msg("the AD evidence could not be read")
    return domain, problem, outcomes


def _source_problems(doc: EvidenceDoc) -> Iterator[Outcome]:
    """One `error` per rejected-record reason and per parser error of each source."""
    for source in doc.data.get("sources") or []:
        name = str(source.get("file"))
        src = {**doc.source, "file": name, "sha256": source.get("sha256")}
        samples = source.get("rejected") or []
        for reason, count in sorted((source.get("rejected_reasons") or {}).items()):
            first = next((s for s in samples if isinstance(s, dict)), None)
            if first:
                text = msg("{source}: {count} record(s) rejected and not assessed: {reason} "
                           "(first at {at}: {first}).", source=name, count=count,
                           reason=str(reason), at=str(first.get("at")),
                           first=str(first.get("reason")))
            else:
                text = msg("{source}: {count} record(s) rejected and not assessed: {reason}.",
                           source=name, count=count, reason=str(reason))
            yield Outcome(subjects.aspect(subjects.log_source(name), str(reason)), Status.ERROR,
                          text, {**src, "rejected": count, "samples": samples[:5]})
        for err in source.get("parse_errors") or []:
            known = isinstance(err, dict) and err.get("offset") is not None
            aspect = (f"chunk {err.get('chunk')} at byte offset {err.get('offset')}" if known
                      else "an unknown position")  # the subject: the same in every language
            where = (msg("chunk {chunk} at byte offset {offset}", chunk=str(err.get("chunk")),
                         offset=str(err.get("offset"))) if known
                     else msg("an unknown position"))
            after = err.get("after_record") if isinstance(err, dict) else None
            why = str(err.get("message") if isinstance(err, dict) else err)
            if after is not None:
                text = msg("{source}: the EVTX parser failed at {where} (after record {after}): "
                           "{reason}; the events there were not read.", source=name,
                           where=where, after=str(after), reason=why)
            else:
                text = msg("{source}: the EVTX parser failed at {where}: {reason}; the events "
                           "there were not read.", source=name, where=where, reason=why)
            yield Outcome(subjects.aspect(subjects.log_source(name), aspect), Status.ERROR,
                          text, {**src, "parse_error": err})


# --- shared judgement helpers -----------------------------------------------------------------

def host_matches(patterns: Iterable[str], host: str) -> bool:
    """A host name (FQDN or short, any case) against patterns like `app0*` or `*.corp.example`."""
    name = host.strip().lower()
    short = name.split(".", 1)[0]
    return any(fnmatch.fnmatchcase(name, p.lower()) or fnmatch.fnmatchcase(short, p.lower())
               for p in patterns)


def describe_logons(logons: Iterable[Logon], limit: int = 5) -> list[dict[str, Any]]:
    ordered = sorted(logons, key=lambda x: (-x.count, x.first))
    return [{"type": lg.type, "kind": LOGON_TYPE_NAMES.get(lg.type, str(lg.type)),
             "host": lg.host, "source": lg.source, "first": lg.first.isoformat(),
             "last": lg.last.isoformat(), "count": lg.count} for lg in ordered[:limit]]
