"""vuln.process.ticket_per_advisory: every applicable Urgent (or High/High) advisory has a
ticket for the back office, opened in time and closed within the remediation time.

The audited process: an open vulnerability becomes a ticket. For each advisory of the classes
the policy names that applies to at least one host (fixed or not), the ticket export must hold
a ticket whose reference names the advisory id or one of its CVEs, opened within N days of the
advisory's publication and closed no later than its remediation due date (still open past the
due date fails; still open before it passes, pending). When no ticket is found but rows of the
export were rejected, the result is `error`: the ticket may be in a rejected row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import Field

from gitc_agent.core.check_api import (
    CheckParams,
    EvidenceSet,
    Message,
    Outcome,
    Status,
    Verdict,
    check,
    fail,
    msg,
    ok,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.kinds import FEED_CISA_KEV, FEED_CSAF, FEED_CVE_FIX_MAP, VULN_TICKETS

from ._advisories import (
    APPLIES,
    KINDS,
    REFERENCES,
    Kev,
    Tickets,
    due_date,
    kev,
    out_of_scope,
    remediation_days,
    tickets,
)
from ._advisory_match import matching
from ._advisory_model import Advisory


class Params(CheckParams):
    classes: list[str] = Field(default_factory=lambda: ["urgent", "high/high"], min_length=1)
    open_within_days: int = Field(default=2, ge=0, le=90)
    remediation_days: dict[str, int] = Field(
        default_factory=lambda: {"urgent": 7, "high/high": 7, "normal": 30})
    default_days: int = Field(default=90, ge=0, le=3650)


@dataclass(frozen=True)
class Applicable:
    advisory: Advisory
    hosts: tuple[str, ...]
    export: Tickets
    kev: Kev

    @property
    def subject(self) -> str:
        return self.advisory.subject

    @property
    def source(self) -> dict[str, Any]:
        return {**self.export.doc.source, "advisory_file": self.advisory.file}


def _applicable(evidence: EvidenceSet) -> Iterator[Applicable | Outcome]:
    outside = out_of_scope(evidence, VULN_TICKETS)
    if outside is not None:
        yield outside
        return
    if not evidence.of_kind(FEED_CSAF):
        yield Outcome(subjects.evidence(FEED_CSAF), Status.ERROR, msg(
            "no CSAF advisory source (vuln.sources) was collected, so whether each urgent "
            "advisory became a ticket could not be assessed (configure it, or disable this "
            "check in the policy)."), {})
        return
    if not evidence.of_kind(VULN_TICKETS):
        yield Outcome(subjects.evidence(VULN_TICKETS), Status.ERROR, msg(
            "no ticket export (vuln.tickets) was collected, so whether each urgent advisory "
            "became a ticket could not be assessed (configure it, or disable this check in the "
            "policy)."), {})
        return
    found = matching(evidence)
    export, problems = tickets(evidence)
    for problem in [*found.problems, *problems]:
        yield Outcome(problem.subject, Status.ERROR, problem.message, dict(problem.source))
    if export is None:
        return
    hosts: dict[str, set[str]] = {}
    for pair in found.pairs:
        if pair.state in APPLIES:
            hosts.setdefault(pair.advisory.tracking_id, set()).add(pair.inventory.name)
    kev_state = kev(evidence)
    for adv in found.advisories:
        if adv.tracking_id in hosts:
            yield Applicable(adv, tuple(sorted(hosts[adv.tracking_id])), export, kev_state)


@check(
    id="vuln.process.ticket_per_advisory",
    title="Each applicable urgent advisory has a ticket, opened and closed in time",
    likelihood=3,
    impact=3,
    evidence=[],
    optional_evidence=[*KINDS, VULN_TICKETS, FEED_CISA_KEV, FEED_CVE_FIX_MAP],
    each=_applicable,
    params=Params,
    references=[*REFERENCES, "audited process: a back-office ticket per open vulnerability"],
    remediation="Open a ticket for the back office for every applicable urgent advisory as soon "
                "as it is published, name the advisory id in it, and close it when the fix is "
                "installed on every host.",
)
def judge(item: Applicable, params: Params) -> Verdict | tuple[()]:
    adv = item.advisory
    if adv.klass not in [c.lower() for c in params.classes]:
        return ()  # not a class the process requires a ticket for
    days, basis = remediation_days(adv.klass, params.remediation_days, params.default_days)
    due, why = due_date(adv, days, basis, item.kev.due)
    keys = {adv.tracking_id.upper(), *(c.upper() for c in adv.cves)}
    found = sorted((t for t in item.export.tickets if t.references & keys),
                   key=lambda t: t.opened_at)
    today = item.export.collected_at.date()
    open_by = adv.initial_release.date() + timedelta(days=params.open_within_days)
    evidence = {"advisory": adv.tracking_id, "class": adv.klass, "hosts": list(item.hosts),
                "published": adv.initial_release.isoformat(), "due": due.isoformat(),
                "due_basis": str(why), "open_by": open_by.isoformat(),
                "tickets": [t.ticket for t in found]}
    head = {"advisory": adv.tracking_id, "klass": adv.klass, "hosts": len(item.hosts)}
    if not found:
        if item.export.rejected:
            return unknown(msg("{advisory} ({klass}, applies to {hosts} host(s)): no ticket "
                               "names it, but {rejected} row(s) of the ticket export were "
                               "rejected; the ticket may be among them.",
                               rejected=item.export.rejected, **head), **evidence)
        return fail(msg("{advisory} ({klass}, applies to {hosts} host(s)): no ticket in the "
                        "export names the advisory or its CVEs.", **head), **evidence)
    ticket = found[0]
    opened, closed = ticket.opened_at.date(), ticket.closed_at.date() if ticket.closed_at else None
    evidence.update(ticket=ticket.ticket, opened_at=ticket.opened_at.isoformat(),
                    closed_at=ticket.closed_at.isoformat() if ticket.closed_at else None)
    late_open = opened > open_by
    late_close = closed is not None and closed > due
    still_open = closed is None and today > due
    values = {**head, "ticket": ticket.ticket, "opened": opened, "open_by": open_by,
              "days": params.open_within_days, "closed": closed, "due": due}
    text = _problems(late_open, late_close, still_open, values)
    if text is not None:
        return fail(text, **evidence)
    if closed:
        return ok(msg("{advisory} ({klass}, applies to {hosts} host(s)): ticket {ticket} opened "
                      "on {opened}, closed on {closed}.", **_only(values, "ticket", "opened",
                                                                  "closed")), **evidence)
    return ok(msg("{advisory} ({klass}, applies to {hosts} host(s)): ticket {ticket} opened on "
                  "{opened}, open, due {due}.", **_only(values, "ticket", "opened", "due")),
              **evidence)


def _only(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """The advisory's head values and `names`."""
    return {k: v for k, v in values.items() if k in ("advisory", "klass", "hosts", *names)}


def _problems(late_open: bool, late_close: bool, still_open: bool,
              values: dict[str, Any]) -> Message | None:
    """What is wrong with the advisory's ticket (opened late; closed late or still open)."""
    if late_open and late_close:
        return msg("{advisory} ({klass}, applies to {hosts} host(s)): ticket {ticket} was opened "
                   "on {opened}, after {open_by} ({days} days after publication); it was closed "
                   "on {closed}, after the due date {due}.", **values)
    if late_open and still_open:
        return msg("{advisory} ({klass}, applies to {hosts} host(s)): ticket {ticket} was opened "
                   "on {opened}, after {open_by} ({days} days after publication); it is still "
                   "open past the due date {due}.",
                   **_only(values, "ticket", "opened", "open_by", "days", "due"))
    if late_open:
        return msg("{advisory} ({klass}, applies to {hosts} host(s)): ticket {ticket} was opened "
                   "on {opened}, after {open_by} ({days} days after publication).",
                   **_only(values, "ticket", "opened", "open_by", "days"))
    if late_close:
        return msg("{advisory} ({klass}, applies to {hosts} host(s)): it was closed on {closed}, "
                   "after the due date {due}.", **_only(values, "closed", "due"))
    if still_open:
        return msg("{advisory} ({klass}, applies to {hosts} host(s)): it is still open past the "
                   "due date {due}.", **_only(values, "due"))
    return None
