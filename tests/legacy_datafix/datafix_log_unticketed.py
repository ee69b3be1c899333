"""datafix.log.unticketed: every data change by a privileged principal maps to a ticket.

Auditors start from the system's own change population (the database audit log), not from the
tickets: a datafix nobody registered is only visible there. A statement is ticketed when it names
a registered, executed ticket and falls inside that ticket's execution time, or, without a
reference, when its person executed a ticket at that time. One result per principal, database
and day, so 100,000 log lines stay a readable report.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, ok, unknown
from gitc_agent.model import subjects

from ._datafix import AUDIT_LOG, KINDS, REFERENCES, REGISTER, Datafix, Statement, Ticket, datafix_exports
from ._datafix_roles import RoleParams, holders

SHOWN = 20  # unticketed statements listed in one result's evidence
OTHER_STATEMENTS = ("SELECT", "EXECUTE", "EXEC", "CALL", "BEGIN", "COMMIT", "ROLLBACK",
                    "SAVEPOINT", "SET", "SHOW", "USE", "DECLARE", "CREATE", "ALTER", "DROP",
                    "GRANT", "REVOKE", "DENY", "LOGIN", "LOGOUT", "CONNECT", "DISCONNECT",
                    "BACKUP", "RESTORE", "CHECKPOINT", "DBCC")
UNKNOWN = "?"  # names a ticket whose register row was rejected: cannot tell


class Params(RoleParams):
    statements: list[str] = Field(default_factory=lambda: [
        "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE"])
    # recognised, but not data changes; any other value means the log was not understood
    other_statements: list[str] = Field(default_factory=lambda: list(OTHER_STATEMENTS))
    tolerance_minutes: int = Field(default=15, ge=0, le=1440)
    open_ended_hours: int = Field(default=12, ge=1, le=168)  # execution end missing


@check(
    id="datafix.log.unticketed",
    title="Every data change by a privileged principal in the audit log has a datafix ticket",
    likelihood=4,
    impact=4,
    evidence=[],
    optional_evidence=KINDS,
    each=datafix_exports(AUDIT_LOG),
    params=Params,
    references=[*REFERENCES, "ISO 27002:2022 8.15"],
    remediation=(
        "Find out what each unticketed change did and why, register it retroactively with "
        "approval and review, and make privileged sessions carry the ticket reference."
    ),
)
def judge(dfx: Datafix, params: Params) -> Iterator[Verdict]:
    if AUDIT_LOG not in dfx.present:
        if AUDIT_LOG not in dfx.problems:  # an unreadable log was reported by the walker
            yield unknown("No database audit-log export was collected, so the change population "
                          "could not be compared with the tickets.",
                          subject=subjects.export(AUDIT_LOG), **dfx.evidence(REGISTER))
        return
    # who executed datafixes per the register is privileged too, with or without role definitions
    executors = holders(dfx, "executor", params.roles.executor)
    admins = holders(dfx, "audit_admin", params.roles.audit_admin, de_facto=False)
    if not executors.defined or executors.problems:
        yield unknown("; ".join(executors.problems) or
                      "The policy defines no executor role, so only principals who executed "
                      "datafixes in the register were treated as privileged; changes by other "
                      "privileged principals were not assessed.",
                      subject=subjects.role("executor"), **dfx.evidence(AUDIT_LOG))
    if admins.problems:
        yield unknown("; ".join(admins.problems), subject=subjects.role("audit_admin"),
                      **dfx.evidence(AUDIT_LOG))
    privileged = set(executors.how) | set(admins.how)
    population = _Population(dfx, params)
    for s in dfx.statements:
        population.add(s, privileged)
    yield from population.unreadable()
    for key, items in sorted(population.sessions.items()):
        yield _session(dfx, *key, items, population.outside, population.unclear.get(key, 0))
    for key in sorted(set(population.unclear) - set(population.sessions)):
        yield _unclear(dfx, *key, population.unclear[key])
    if dfx.persons_problem:  # a principal that resolved to no person may be privileged
        yield unknown(f"{population.outside} data change(s) by principals not known as "
                      f"privileged could not be excluded, because principals could not be "
                      f"resolved to persons: {dfx.persons_problem}.",
                      subject=subjects.PRIVILEGED_CHANGES, **dfx.evidence(AUDIT_LOG, REGISTER))
    elif population.sessions or population.unclear:
        return
    elif not population.unrecognised and not executors.problems and not admins.problems:
        yield ok(f"The audit log holds no data changes by privileged principals "
                 f"({population.outside} by other principals were outside the population).",
                 subject=subjects.PRIVILEGED_CHANGES, **dfx.evidence(AUDIT_LOG, REGISTER))


Key = tuple[str, str, str]  # principal, database, day


class _Population:
    """The log's data changes by privileged principals, per session; lines whose statement value
    is not recognised are counted, never skipped: they may be changes under another name."""

    def __init__(self, dfx: Datafix, params: Params):
        self.dfx = dfx
        self.changes = {s.strip().upper() for s in params.statements}
        self.known = self.changes | {s.strip().upper() for s in params.other_statements}
        self.windows = _Windows(dfx, params)
        self.sessions: dict[Key, list[tuple[Statement, str | None]]] = defaultdict(list)
        self.unclear: Counter[Key] = Counter()  # privileged lines with unrecognised statements
        self.unrecognised: Counter[str] = Counter()
        self.outside = 0

    def add(self, s: Statement, privileged: set[str]) -> None:
        value = s.statement.strip().upper()
        if value in self.known and value not in self.changes:
            return
        person = self.dfx.people.get(s.principal)
        key = (s.principal, s.database, s.at.date().isoformat())
        if value not in self.known:
            self.unrecognised[value] += 1
            if person is not None and person.key in privileged:
                self.unclear[key] += 1
        elif person is None or person.key not in privileged:
            self.outside += 1
        else:
            self.sessions[key].append((s, self.windows.ticket_of(s, person.key)))

    def unreadable(self) -> Iterator[Verdict]:
        """One `error` for the log when statement values were not recognised, with the counts."""
        if not self.unrecognised:
            return
        count = sum(self.unrecognised.values())
        read = len(self.dfx.statements)
        values = dict(self.unrecognised.most_common(SHOWN))
        yield unknown(
            f"{count} of {read} audit-log line(s) carry a statement value that is neither a data "
            f"change nor another known statement ({', '.join(values)}), so the log could not be "
            f"read as the change population. Map the export's values to statements in the "
            f"config (datafix.audit_log.statement_map, e.g. UP: UPDATE) or classify them in "
            f"this check's statements / other_statements.", subject=subjects.export(AUDIT_LOG),
            **self.dfx.evidence(AUDIT_LOG, statements={
                "read": read, "used": read - count, "unrecognised": count},
                unrecognised_values=values))


class _Windows:
    """When each executed ticket allowed changes, per executing person: a statement is ticketed
    when it falls in one (its own ticket's when it names one)."""

    def __init__(self, dfx: Datafix, params: Params):
        self.rejected = dfx.rejected_tickets
        self.tolerance = timedelta(minutes=params.tolerance_minutes)
        self.open_ended = timedelta(hours=params.open_ended_hours)
        self.by_id = {t.id.strip().upper(): t for t in dfx.tickets if t.execution_start}
        # per person: windows sorted by opening time, searched with bisect (100,000s of statements)
        self.by_person: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
        for t in self.by_id.values():
            person = dfx.people.get(t.executor)
            if person is not None:
                lo, hi = self.window(t)
                self.by_person[person.key].append((lo, hi, t.id))
        self.longest: dict[str, timedelta] = {}
        for key, wins in self.by_person.items():
            wins.sort()
            self.longest[key] = max(hi - lo for lo, hi, _ in wins)

    def window(self, t: Ticket) -> tuple[datetime, datetime]:
        start = t.execution_start
        assert start is not None  # only executed tickets have a window
        return start - self.tolerance, (t.execution_end or start + self.open_ended) + self.tolerance

    def ticket_of(self, s: Statement, person: str) -> str | None:
        """The ticket that covers the statement, UNKNOWN when it names a rejected one, or None."""
        ref = s.ticket.strip().upper()
        if ref and ref in self.rejected and ref not in self.by_id:
            return UNKNOWN
        if ref and ref in self.by_id:
            lo, hi = self.window(self.by_id[ref])
            return self.by_id[ref].id if lo <= s.at <= hi else None
        if ref:
            return None
        return self._covering(person, s.at)

    def _covering(self, key: str, at: datetime) -> str | None:
        wins = self.by_person.get(key, [])
        i = bisect_right(wins, (at, at, "\uffff"))
        while i > 0:
            i -= 1
            lo, hi, tid = wins[i]
            if lo < at - self.longest[key]:
                return None
            if hi >= at:
                return tid
        return None


def _session(dfx: Datafix, principal: str, database: str, day: str,
             items: Iterable[tuple[Statement, str | None]], outside: int,
             unclear: int = 0) -> Verdict:
    """One principal's changes in one database on one day, so 100,000 log lines stay readable."""
    items = list(items)
    subject = subjects.session(principal, database, day)
    bad = [s for s, m in items if m is None]
    unknown_refs = sorted({s.ticket for s, m in items if m == UNKNOWN})
    tickets = sorted({m for _, m in items if m and m != UNKNOWN})
    evidence = dfx.evidence(AUDIT_LOG, REGISTER, principal=principal, database=database,
                            day=day, statements=len(items), unticketed=len(bad),
                            tickets=tickets, outside_population=outside,
                            unrecognised_statements=unclear)
    if bad:
        evidence["unticketed_statements"] = [
            {"row": s.row, "at": s.at.isoformat(), "statement": s.statement,
             "object": s.object, "ticket": s.ticket or None} for s in bad[:SHOWN]]
        refs = sorted({s.ticket for s in bad if s.ticket})
        note = (f"; reference(s) {', '.join(refs)} are not registered or do not cover that "
                f"time" if refs else "")
        return fail(f"{principal} made {len(bad)} data change(s) in {database or 'the database'} "
                    f"on {day} without a matching datafix ticket (first at "
                    f"{bad[0].at.isoformat()} on {bad[0].object}){note}.", subject=subject,
                    **evidence)
    if unknown_refs:
        return unknown(f"{principal} changed data on {day} under ticket(s) "
                       f"{', '.join(unknown_refs)}, whose register row(s) were rejected, so these "
                       f"changes could not be matched.", subject=subject, **evidence)
    if unclear:
        return _unclear(dfx, principal, database, day, unclear, **evidence)
    return ok(f"{principal}: all {len(items)} data change(s) on {day} match ticket(s) "
              f"{', '.join(tickets)}.", subject=subject, **evidence)


def _unclear(dfx: Datafix, principal: str, database: str, day: str, count: int,
             **evidence: object) -> Verdict:
    """A session with lines whose statement is not recognised: they may be unticketed changes."""
    evidence = evidence or dfx.evidence(AUDIT_LOG, REGISTER, principal=principal,
                                        database=database, day=day,
                                        unrecognised_statements=count)
    return unknown(f"{principal} has {count} audit-log line(s) in {database or 'the database'} "
                   f"on {day} whose statement value is not recognised, so whether they are "
                   f"ticketed data changes could not be assessed.",
                   subject=subjects.session(principal, database, day), **evidence)
