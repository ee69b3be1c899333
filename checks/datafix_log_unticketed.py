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

from gitc_agent.core.check_api import Message, Status, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.message import msg_list

from ._datafix import AUDIT_LOG, KINDS, REFERENCES, REGISTER, Datafix, Ticket, datafix_exports
from ._datafix_log import Line, LogGroup
from ._datafix_roles import RoleParams, holders, unique

SHOWN = 20  # unticketed statements listed in one result's evidence
OTHER_STATEMENTS = ("SELECT", "EXECUTE", "EXEC", "CALL", "BEGIN", "COMMIT", "ROLLBACK",
                    "SAVEPOINT", "SET", "SHOW", "USE", "DECLARE", "CREATE", "ALTER", "DROP",
                    "GRANT", "REVOKE", "DENY", "LOGIN", "LOGOUT", "CONNECT", "DISCONNECT",
                    "BACKUP", "RESTORE", "CHECKPOINT", "DBCC")
UNKNOWN = "?"  # names a ticket whose register row was rejected: cannot tell
UNDECIDED = "…"  # lines of a summarised group between a first and last in different windows
THE_DATABASE = msg("the database")  # a log line that names none: a phrase, translated


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
            yield unknown(msg("No database audit-log export was collected, so the change "
                              "population could not be compared with the tickets."),
                          subject=subjects.export(AUDIT_LOG), **dfx.evidence(REGISTER))
        return
    if dfx.log_audit_off:
        yield unknown(msg("The database audit this log comes from is not known to record every "
                          "change ({reason}), so the log is no complete change population: no "
                          "session passes.", reason=dfx.log_audit_off),
                      subject=subjects.export(AUDIT_LOG), **dfx.evidence(AUDIT_LOG))
        for verdict in _judge(dfx, params):  # what the log does show still fails
            if verdict.status is Status.PASS:  # the passes say so themselves; this is a guard
                verdict = unknown(msg("{result} Not a pass: the audit is not known to be on "
                                      "({reason}).", result=verdict.message,
                                      reason=dfx.log_audit_off), subject=verdict.subject,
                                  **verdict.evidence)
            yield verdict
        return
    yield from _judge(dfx, params)


def _judge(dfx: Datafix, params: Params) -> Iterator[Verdict]:
    # who executed datafixes per the register is privileged too, with or without role definitions
    executors = holders(dfx, "executor", params.roles.executor)
    admins = holders(dfx, "audit_admin", params.roles.audit_admin, de_facto=False)
    if not executors.defined or executors.problems:
        yield unknown(msg("{problems}", problems=msg_list(unique(executors.problems))) if
                      executors.problems else
                      msg("The policy defines no executor role, so only principals who executed "
                          "datafixes in the register were treated as privileged; changes by "
                          "other privileged principals were not assessed."),
                      subject=subjects.role("executor"), **dfx.evidence(AUDIT_LOG))
    if admins.problems:
        yield unknown(msg("{problems}", problems=msg_list(unique(admins.problems))),
                      subject=subjects.role("audit_admin"), **dfx.evidence(AUDIT_LOG))
    privileged = set(executors.how) | set(admins.how)
    population = _Population(dfx, params)
    for g in dfx.log:
        population.add(g, privileged)
    yield from population.unreadable()
    for key, items in sorted(population.sessions.items()):
        yield _session(dfx, *key, items, population.outside, population.unclear.get(key, 0))
    for key in sorted(set(population.unclear) - set(population.sessions)):
        yield _unclear(dfx, *key, population.unclear[key])
    if dfx.persons_problem:  # a principal that resolved to no person may be privileged
        yield unknown(msg("{count} data change(s) by principals not known as privileged could "
                          "not be excluded, because principals could not be resolved to "
                          "persons: {problem}.", count=population.outside,
                          problem=dfx.persons_problem),
                      subject=subjects.PRIVILEGED_CHANGES, **dfx.evidence(AUDIT_LOG, REGISTER))
    elif population.sessions or population.unclear:
        return
    elif not population.unrecognised and not executors.problems and not admins.problems:
        evidence = dfx.evidence(AUDIT_LOG, REGISTER)
        if dfx.log_audit_off:
            yield unknown(msg("The audit log holds no data changes by privileged principals "
                              "({count} by other principals were outside the population). Not a "
                              "pass: the audit is not known to be on ({reason}).",
                              count=population.outside, reason=dfx.log_audit_off),
                          subject=subjects.PRIVILEGED_CHANGES, **evidence)
        else:
            yield ok(msg("The audit log holds no data changes by privileged principals ({count} "
                         "by other principals were outside the population).",
                         count=population.outside),
                     subject=subjects.PRIVILEGED_CHANGES, **evidence)


Key = tuple[str, str, str]  # principal, database, day
Item = tuple[LogGroup, Line, str | None, int]  # group, line, its ticket, lines it stands for


class _Population:
    """The log's data changes by privileged principals, per session; lines whose statement value
    is not recognised are counted, never skipped: they may be changes under another name."""

    def __init__(self, dfx: Datafix, params: Params):
        self.dfx = dfx
        self.changes = {s.strip().upper() for s in params.statements}
        self.known = self.changes | {s.strip().upper() for s in params.other_statements}
        self.windows = _Windows(dfx, params)
        self.sessions: dict[Key, list[Item]] = defaultdict(list)
        self.unclear: Counter[Key] = Counter()  # privileged lines with unrecognised statements
        self.unrecognised: Counter[str] = Counter()
        self.outside = 0

    def add(self, g: LogGroup, privileged: set[str]) -> None:
        value = g.statement.strip().upper()
        if value in self.known and value not in self.changes:
            return
        person = self.dfx.people.get(g.principal)
        key = (g.principal, g.database, g.day)
        if value not in self.known:
            self.unrecognised[value] += g.count
            if person is not None and person.key in privileged:
                self.unclear[key] += g.count
        elif person is None or person.key not in privileged:
            self.outside += g.count
        else:
            self.sessions[key].extend(self.windows.place(g, person.key))

    def unreadable(self) -> Iterator[Verdict]:
        """One `error` for the log when statement values were not recognised, with the counts."""
        if not self.unrecognised:
            return
        count = sum(self.unrecognised.values())
        read = sum(g.count for g in self.dfx.log)
        values = dict(self.unrecognised.most_common(SHOWN))
        yield unknown(
            msg("{count} of {read} audit-log line(s) carry a statement value that is neither a "
                "data change nor another known statement ({values}), so the log could not be "
                "read as the change population. Map the export's values to statements in the "
                "config (datafix.audit_log.statement_map, e.g. UP: UPDATE) or classify them in "
                "this check's statements / other_statements.", count=count, read=read,
                values=", ".join(values)), subject=subjects.export(AUDIT_LOG),
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

    def place(self, g: LogGroup, person: str) -> list[Item]:
        """Each line of the group with its ticket. A summarised group (first and last only) is
        placed whole when one window holds both (a window is one interval, so it holds every
        line between them); otherwise first and last are placed and the rest is UNDECIDED."""
        if g.lines is not None:
            return [(g, line, self.ticket_of(g.ticket_key, line.at, person), 1)
                    for line in g.lines]
        first = self.ticket_of(g.ticket_key, g.first.at, person)
        if first == UNKNOWN:
            return [(g, g.first, UNKNOWN, g.count)]
        whole = first if g.ticket_key else self._covering(person, g.first.at, g.last.at)
        if whole is not None and self.ticket_of(g.ticket_key, g.last.at, person) == whole:
            return [(g, g.first, whole, g.count)]
        items: list[Item] = [(g, g.first, first, 1),
                             (g, g.last, self.ticket_of(g.ticket_key, g.last.at, person), 1)]
        if g.count > 2:
            items.append((g, g.first, UNDECIDED, g.count - 2))
        return items

    def ticket_of(self, ref: str, at: datetime, person: str) -> str | None:
        """The ticket that covers a line at `at` with reference `ref` (upper case, may be
        empty), UNKNOWN when it names a rejected one, or None."""
        if ref and ref in self.rejected and ref not in self.by_id:
            return UNKNOWN
        if ref and ref in self.by_id:
            lo, hi = self.window(self.by_id[ref])
            return self.by_id[ref].id if lo <= at <= hi else None
        if ref:
            return None
        return self._covering(person, at, at)

    def _covering(self, key: str, at: datetime, until: datetime) -> str | None:
        """The ticket of a window of this person that holds all of [at, until]."""
        wins = self.by_person.get(key, [])
        i = bisect_right(wins, (at, at, "\uffff"))
        while i > 0:
            i -= 1
            lo, hi, tid = wins[i]
            if lo < at - self.longest[key]:
                return None
            if hi >= until:
                return tid
        return None


def _session(dfx: Datafix, principal: str, database: str, day: str, items: Iterable[Item],
             outside: int, unclear: int = 0) -> Verdict:
    """One principal's changes in one database on one day, so 100,000 log lines stay readable."""
    items = list(items)
    subject = subjects.session(principal, database, day)
    bad = sorted(((g, line, n) for g, line, m, n in items if m is None),
                 key=lambda item: item[1].row)  # file order, as the log reads
    unknown_refs = sorted({g.ticket for g, _, m, _ in items if m == UNKNOWN})
    undecided = sum(n for _, _, m, n in items if m == UNDECIDED)
    tickets = sorted({m for _, _, m, _ in items if m and m not in (UNKNOWN, UNDECIDED)})
    unticketed = sum(n for _, _, n in bad)
    evidence = dfx.evidence(AUDIT_LOG, REGISTER, principal=principal, database=database,
                            day=day, statements=sum(n for *_, n in items),
                            unticketed=unticketed, tickets=tickets, outside_population=outside,
                            unrecognised_statements=unclear)
    if undecided:
        evidence["undecided_statements"] = undecided
    if bad:
        evidence["unticketed_statements"] = [
            {"row": line.row, "at": line.at.isoformat(), "statement": g.statement,
             "object": g.object, "ticket": g.ticket or None} for g, line, _ in bad[:SHOWN]]
        refs = sorted({g.ticket for g, _, _ in bad if g.ticket})
        first_bad = bad[0]
        values = {"principal": principal, "count": unticketed,
                  "database": database or THE_DATABASE, "day": day,
                  "first": first_bad[1].at.isoformat(), "object": first_bad[0].object}
        return fail(_unticketed(values, undecided, ", ".join(refs)), subject=subject, **evidence)
    if unknown_refs:
        return unknown(msg("{principal} changed data on {day} under ticket(s) {tickets}, whose "
                           "register row(s) were rejected, so these changes could not be "
                           "matched.", principal=principal, day=day,
                           tickets=", ".join(unknown_refs)), subject=subject, **evidence)
    if undecided:
        return unknown(msg("{principal} has {count} data change(s) in {database} on {day} that "
                           "the evidence holds only as a summary (a group of more than 64 lines "
                           "keeps its first and last line), and those fall under different "
                           "tickets, so whether each change is ticketed could not be assessed.",
                           principal=principal, count=undecided,
                           database=database or THE_DATABASE, day=day),
                       subject=subject, **evidence)
    if unclear:
        return _unclear(dfx, principal, database, day, unclear, evidence)
    values = {"principal": principal, "count": evidence["statements"], "day": day,
              "tickets": ", ".join(tickets)}
    if dfx.log_audit_off:
        return unknown(msg("{principal}: all {count} data change(s) on {day} match ticket(s) "
                           "{tickets}. Not a pass: the audit is not known to be on ({reason}).",
                           **values, reason=dfx.log_audit_off), subject=subject, **evidence)
    return ok(msg("{principal}: all {count} data change(s) on {day} match ticket(s) {tickets}.",
                  **values), subject=subject, **evidence)


def _unticketed(values: dict[str, object], undecided: int, refs: str) -> Message:
    """The fail message, in one of four fixed forms (so each is one translatable template)."""
    if undecided and refs:
        return msg("{principal} made {count} data change(s) (and {undecided} more line(s) that "
                   "could not be placed) in {database} on {day} without a matching datafix "
                   "ticket (first at {first} on {object}); reference(s) {refs} are not "
                   "registered or do not cover that time.", **values, undecided=undecided,
                   refs=refs)
    if undecided:
        return msg("{principal} made {count} data change(s) (and {undecided} more line(s) that "
                   "could not be placed) in {database} on {day} without a matching datafix "
                   "ticket (first at {first} on {object}).", **values, undecided=undecided)
    if refs:
        return msg("{principal} made {count} data change(s) in {database} on {day} without a "
                   "matching datafix ticket (first at {first} on {object}); reference(s) {refs} "
                   "are not registered or do not cover that time.", **values, refs=refs)
    return msg("{principal} made {count} data change(s) in {database} on {day} without a "
               "matching datafix ticket (first at {first} on {object}).", **values)


def _unclear(dfx: Datafix, principal: str, database: str, day: str, count: int,
             evidence: dict[str, object] | None = None) -> Verdict:
    """A session with lines whose statement is not recognised: they may be unticketed changes.
    `evidence`: the session's own, when it has other lines too."""
    evidence = evidence or dfx.evidence(AUDIT_LOG, REGISTER, principal=principal,
                                        database=database, day=day,
                                        unrecognised_statements=count)
    return unknown(msg("{principal} has {count} audit-log line(s) in {database} on {day} whose "
                       "statement value is not recognised, so whether they are ticketed data "
                       "changes could not be assessed.", principal=principal, count=count,
                       database=database or THE_DATABASE, day=day),
                   subject=subjects.session(principal, database, day), **evidence)
