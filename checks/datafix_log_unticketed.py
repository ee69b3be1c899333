"""datafix.log.unticketed: every data change by a privileged principal maps to a ticket.

Auditors start from the system's own change population (the database audit log), not from the
tickets: a datafix nobody registered is only visible there. A statement is ticketed when it names
a registered, executed ticket and falls inside that ticket's execution time, or, without a
reference, when its person executed a ticket at that time. One result per principal, database
and day, so 100,000 log lines stay a readable report.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

from pydantic import Field

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, check

from ._datafix import AUDIT_LOG, KINDS, REFERENCES, REGISTER, RoleParams, Statement, Ticket, holders, load

SHOWN = 20  # unticketed statements listed in one result's evidence
UNKNOWN = "?"  # names a ticket whose register row was rejected: cannot tell


class Params(RoleParams):
    statements: list[str] = Field(default_factory=lambda: [
        "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE"])
    tolerance_minutes: int = Field(default=15, ge=0, le=1440)
    open_ended_hours: int = Field(default=12, ge=1, le=168)  # execution end missing


@check(
    id="datafix.log.unticketed",
    title="Every data change by a privileged principal in the audit log has a datafix ticket",
    likelihood=4,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    params=Params,
    references=[*REFERENCES, "ISO 27002:2022 8.15"],
    remediation=(
        "Find out what each unticketed change did and why, register it retroactively with "
        "approval and review, and make privileged sessions carry the ticket reference."
    ),
)
def unticketed(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    dfx = load(evidence)
    if isinstance(dfx, Outcome):
        yield dfx
        return
    if AUDIT_LOG not in dfx.present:
        yield from dfx.errors(AUDIT_LOG)
        if AUDIT_LOG not in dfx.problems:
            yield Outcome("export:datafix.audit_log", Status.ERROR,
                          "No database audit-log export was collected, so the change population "
                          "could not be compared with the tickets.", dfx.source(REGISTER))
        return
    yield from dfx.errors(AUDIT_LOG)
    # who executed datafixes per the register is privileged too, with or without role definitions
    executors = holders(dfx, "executor", params.roles.executor)
    admins = holders(dfx, "audit_admin", params.roles.audit_admin, de_facto=False)
    if not executors.defined or executors.problems:
        yield Outcome("roles:executor", Status.ERROR,
                      "; ".join(executors.problems) or
                      "The policy defines no executor role, so only principals who executed "
                      "datafixes in the register were treated as privileged; changes by other "
                      "privileged principals were not assessed.", dfx.source(AUDIT_LOG))
    privileged = set(executors.how) | set(admins.how)
    kinds = {s.upper() for s in params.statements}
    tol = timedelta(minutes=params.tolerance_minutes)
    by_id = {t.id.strip().upper(): t for t in dfx.tickets if t.execution_start}
    open_ended = timedelta(hours=params.open_ended_hours)

    def window(t: Ticket) -> tuple:
        start = t.execution_start
        return start - tol, (t.execution_end or start + open_ended) + tol

    # per person: windows sorted by opening time, searched with bisect (100,000s of statements)
    by_person: dict[str, list[tuple]] = defaultdict(list)
    for t in by_id.values():
        person = dfx.people.get(t.executor)
        if person is not None:
            lo, hi = window(t)
            by_person[person.key].append((lo, hi, t.id))
    longest: dict[str, timedelta] = {}
    for key, wins in by_person.items():
        wins.sort()
        longest[key] = max(hi - lo for lo, hi, _ in wins)

    def covering(key: str, at) -> str | None:
        wins = by_person.get(key, [])
        i = bisect_right(wins, (at, at, "\uffff"))
        while i > 0:
            i -= 1
            lo, hi, tid = wins[i]
            if lo < at - longest[key]:
                return None
            if hi >= at:
                return tid
        return None

    groups: dict[tuple[str, str, str], list[tuple[Statement, str | None]]] = defaultdict(list)
    outside = 0
    for s in dfx.statements:
        if s.statement not in kinds:
            continue
        person = dfx.people.get(s.principal)
        if person is None or person.key not in privileged:
            outside += 1
            continue
        match = None
        ref = s.ticket.strip().upper()
        if ref and ref in dfx.rejected_tickets and ref not in by_id:
            match = UNKNOWN
        elif ref and ref in by_id:
            lo, hi = window(by_id[ref])
            match = by_id[ref].id if lo <= s.at <= hi else None
        elif not ref:
            match = covering(person.key, s.at)
        groups[(s.principal, s.database, s.at.date().isoformat())].append((s, match))
    for (principal, database, day), items in sorted(groups.items()):
        subject = f"session:{principal}/{database or '-'}/{day}"
        bad = [s for s, m in items if m is None]
        unknown = sorted({s.ticket for s, m in items if m == UNKNOWN})
        tickets = sorted({m for _, m in items if m and m != UNKNOWN})
        evidence = dfx.source(AUDIT_LOG, REGISTER, principal=principal, database=database,
                              day=day, statements=len(items), unticketed=len(bad),
                              tickets=tickets, outside_population=outside)
        if bad:
            evidence["unticketed_statements"] = [
                {"row": s.row, "at": s.at.isoformat(), "statement": s.statement,
                 "object": s.object, "ticket": s.ticket or None} for s in bad[:SHOWN]]
            refs = sorted({s.ticket for s in bad if s.ticket})
            note = (f"; reference(s) {', '.join(refs)} are not registered or do not cover that "
                    f"time" if refs else "")
            yield Outcome(subject, Status.FAIL,
                          f"{principal} made {len(bad)} data change(s) in {database or 'the database'} "
                          f"on {day} without a matching datafix ticket (first at "
                          f"{bad[0].at.isoformat()} on {bad[0].object}){note}.", evidence)
        elif unknown:
            yield Outcome(subject, Status.ERROR,
                          f"{principal} changed data on {day} under ticket(s) "
                          f"{', '.join(unknown)}, whose register row(s) were rejected, so these "
                          f"changes could not be matched.", evidence)
        else:
            yield Outcome(subject, Status.PASS,
                          f"{principal}: all {len(items)} data change(s) on {day} match "
                          f"ticket(s) {', '.join(tickets)}.", evidence)
    if not groups:
        yield Outcome("log:privileged-changes", Status.PASS,
                      f"The audit log holds no data changes by privileged principals "
                      f"({outside} by other principals were outside the population).",
                      dfx.source(AUDIT_LOG, REGISTER))
