"""Shared reading of datafix evidence for the datafix checks: people, tickets, audit log.

Why shared: every datafix check must say the same thing about missing or unreadable evidence and
rejected rows (an `error` naming file and row, never a skip), report the same row counts, and
decide "is this the same person?" the same way. A person is resolved through the DB-login mapping
and the `ad.accounts` evidence to one employee (employeeID), so the DBA's admin account and
office account count as one person; names that match no account stay names. When the directory
could not be read (or was not collected), that person question has no answer: `persons_problem`
says why, and a check that needs it reports `error` instead of trusting that two names are two
people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, Outcome, Status, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account, Directory
from gitc_agent.model.kinds import (
    DATAFIX,
    DATAFIX_AUDIT_LOG,
    DATAFIX_DB_ROLES,
    DATAFIX_REGISTER,
)
from gitc_agent.model.message import MessageList
from gitc_agent.model.timeutil import parse_time

from ._datafix_ad import AdState, ad_state
from ._datafix_log import (
    BadGroup,
    LogGroup,
    audit_off,
    entry,
    group,
    read_groups,
    shared_zone,
)
from ._db import DbServer, db_servers

REGISTER, DB_ROLES, AUDIT_LOG, KINDS = DATAFIX_REGISTER, DATAFIX_DB_ROLES, DATAFIX_AUDIT_LOG, DATAFIX
ARROW = " → "
REFERENCES = ["ISO 27002:2022 5.3", "ISO 27002:2022 8.31", "ISO 27002:2022 8.32", "BIO2 5.03",
              "NIS2 art. 21(2)(e)"]


# --- people --------------------------------------------------------------------------------


@dataclass
class Person:
    key: str  # employee:104206, account:adm-x or name:x
    label: str
    names: set[str] = field(default_factory=set)  # how this person appears in the exports

    @property
    def subject(self) -> str:
        return subjects.person(self.key)


class People:
    """Resolve names from exports (ticket fields, DB logins) to persons."""

    def __init__(self, directory: Directory | None, logins: dict[str, str]):
        self.directory = directory
        self.logins = {k.strip().lower(): v for k, v in logins.items()}
        self._by_alias: dict[str, Account] = {}
        if directory is not None:
            for account in directory.accounts.values():
                for alias in (account.upn, account.mail):
                    if alias:
                        self._by_alias[alias.lower()] = account
        self.persons: dict[str, Person] = {}
        self._cache: dict[str, Person | None] = {}

    def account(self, name: str) -> Account | None:
        text = name.strip()
        mapped = self.logins.get(text.lower())
        if mapped:
            text = mapped.strip()
        if self.directory is None or not text:
            return None
        found = self.directory.account(text) or self._by_alias.get(text.lower())
        if found is None and "\\" in text:
            found = self.directory.account(text.rsplit("\\", 1)[1])
        if found is None and "@" in text:
            found = self.directory.account(text.split("@", 1)[0])
        return found

    def of_account(self, account: Account, alias: str | None = None) -> Person:
        if account.employee_id:
            key = f"employee:{account.employee_id}"
            label = " ".join(p for p in (account.given_name, account.sn) if p) or account.name
        else:
            key, label = f"account:{account.name.lower()}", account.name
        person = self.persons.setdefault(key, Person(key, label))
        person.names.add(alias or account.name)
        return person

    def get(self, name: str) -> Person | None:
        """The person behind a name; None for an empty name."""
        text = name.strip()
        if not text:
            return None
        if text in self._cache:
            return self._cache[text]
        account = self.account(text)
        if account is not None:
            person = self.of_account(account, text)
        else:
            mapped = self.logins.get(text.lower(), text).strip()
            key = f"name:{mapped.lower()}"
            person = self.persons.setdefault(key, Person(key, mapped))
            person.names.add(text)
        self._cache[text] = person
        return person


def same(people: People, x: str, y: str) -> bool:
    """Whether two names from the exports are one person."""
    px, py = people.get(x), people.get(y)
    return px is not None and py is not None and px.key == py.key


# --- evidence ------------------------------------------------------------------------------


def _time(value: Any) -> datetime:
    """A time the collector wrote; one that cannot be read rejects its row (never a guess)."""
    parsed = shared_zone(parse_time(value))  # one tzinfo per offset: 100,000 tickets
    if parsed is None:
        raise ValueError(msg("unreadable time {value}", value=repr(value)))
    return parsed


# the register's required columns: without one, a ticket would silently read as not executed,
# not reviewed or not approved
TICKET_KEYS = ("ticket", "row", "requester", "approvers", "executor", "execution_start",
               "reviewer", "reviewed_at")


@dataclass(slots=True)  # slots: a register holds 100,000 of them
class Ticket:
    id: str
    row: int
    requester: str
    approvers: list[tuple[str, datetime]]
    executor: str
    execution_start: datetime | None
    execution_end: datetime | None
    reviewer: str
    reviewed_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    database: str

    @property
    def subject(self) -> str:
        return subjects.ticket(self.id)

    @classmethod
    def from_data(cls, t: dict[str, Any]) -> Ticket:
        """Raises ValueError for a time that cannot be read, a field the collector always writes
        that is missing, or an execution that ended without starting."""
        if not isinstance(t, dict):
            raise ValueError(msg("the ticket is not a record"))
        missing = [k for k in TICKET_KEYS if k not in t]
        if missing:
            raise ValueError(msg("field(s) {fields} missing from the evidence",
                                 fields=", ".join(missing)))
        if not isinstance(t["ticket"], str) or not t["ticket"].strip():
            raise ValueError(msg("the ticket id is empty"))
        for key in ("requester", "executor", "reviewer"):  # names: "" when empty, never null
            if not isinstance(t[key], str):
                raise ValueError(msg("the {field} field is not text", field=key))
        if not isinstance(t["approvers"], list) or not all(
                isinstance(a, dict) and isinstance(a.get("name"), str) for a in t["approvers"]):
            raise ValueError(msg("the approvers are not a list of named approvals"))
        if t.get("execution_end") and not t["execution_start"]:
            raise ValueError(msg("an execution end but no execution start"))

        def when(key: str) -> datetime | None:
            return _time(t[key]) if t.get(key) else None

        return cls(t["ticket"], t["row"], t["requester"],
                   [(a["name"], _time(a["at"])) for a in t["approvers"]], t["executor"],
                   when("execution_start"), when("execution_end"), t["reviewer"],
                   when("reviewed_at"), when("window_start"), when("window_end"),
                   t.get("database", ""))


@dataclass
class Datafix:
    """Everything a datafix check reads, plus the outcomes for what could not be read. Judged as
    one population: segregation of duties is a question about all tickets and roles at once."""

    people: People
    tickets: list[Ticket]
    log: list[LogGroup]  # the audit log, grouped (see _datafix_log)
    memberships: list[dict[str, Any]]
    directory: Directory | None
    as_of: datetime
    rows: dict[str, dict[str, int]]  # kind -> counts (read, used, rejected)
    problems: dict[str, list[Outcome]]  # kind -> error outcomes (unreadable doc, rejected rows)
    present: set[str]  # kinds with a readable document (DB roles: memberships exported)
    rejected_tickets: set[str] = field(default_factory=set)  # ids on rejected register rows
    ad: AdState = field(default_factory=lambda: AdState(None))
    log_audit_off: MessageList | None = None  # why the log's audit is not known to be on
    db_servers: list[DbServer | Outcome] = field(default_factory=list)  # db.instance, for roles
    log_instances: tuple[str, ...] = ()  # the db.instance targets whose audit the log relies on
    _shared: dict[tuple[str, ...], tuple[dict, str]] = field(default_factory=dict, repr=False,
                                                             compare=False)

    @property
    def persons_problem(self) -> MessageList | None:
        """Why names cannot be resolved to persons (None: they can)."""
        return self.ad.persons_problem

    @property
    def subject(self) -> str:
        return subjects.DATAFIX_EXPORTS

    @property
    def source(self) -> dict[str, Any]:
        """Empty: a result rests on several exports and names them itself (`evidence`)."""
        return {}

    def evidence(self, *kinds: str, **extra: object) -> dict[str, object]:
        """Result evidence: the row counts of the exports this result rests on."""
        link = ({"audit_instance": list(self.log_instances)}
                if AUDIT_LOG in kinds and self.log_instances else {})
        shared = self._shared.get(kinds)  # one dict per set of kinds, not one per result:
        if shared is None:  # 300,000 results of 100,000 tickets
            shared = self._shared[kinds] = ({k: self.rows[k] for k in kinds if k in self.rows},
                                            self.as_of.isoformat(timespec="seconds"))
        return {"rows": shared[0], "as_of": shared[1], **link, **extra}

    def errors(self, *kinds: str) -> Iterator[Outcome]:
        for kind in kinds:
            yield from self.problems.get(kind, [])


def datafix_exports(*kinds: str) -> Callable[[EvidenceSet], Iterator[Datafix | Outcome]]:
    """A walker: the datafix exports as one population, after an `error` for each unreadable
    export of `kinds` and each of its rejected rows (not_applicable when none was configured)."""
    def walk(evidence: EvidenceSet) -> Iterator[Datafix | Outcome]:
        dfx = load(evidence)
        if isinstance(dfx, Outcome):
            yield dfx
            return
        yield from dfx.errors(*kinds)
        yield dfx

    return walk


def load(evidence: EvidenceSet) -> Datafix | Outcome:
    """Read the datafix evidence once per evaluation for all seven checks; an Outcome
    (not_applicable) when none was configured at all."""
    return evidence.derived("datafix", lambda: _load(evidence))


class _Reader:
    """Collects what each export holds, and an `error` for every part that cannot be used."""

    def __init__(self) -> None:
        self.problems: dict[str, list[Outcome]] = {}
        self.rows: dict[str, dict[str, int]] = {}
        self.present: set[str] = set()
        self.tickets: list[Ticket] = []
        self.log: list[LogGroup] = []
        self.memberships: list[dict[str, Any]] = []
        self.logins: dict[str, str] = {}
        self.stamps: list[datetime] = []
        self.rejected_ids: set[str] = set()
        self.instances: set[str] = set()  # db.instance targets whose audit the log relies on

    def read(self, doc: EvidenceDoc) -> None:
        src = {"evidence_file": doc.file or "", "collected_at": doc.collected_at}
        stamp = parse_time(doc.collected_at)
        if stamp is not None:  # an unreadable export was still collected at this time
            self.stamps.append(stamp)
        if doc.errors or not doc.data or stamp is None:
            message: str | Message = "; ".join(e.get("message", "?") for e in doc.errors) or (
                msg("no data") if not doc.data else
                msg("unreadable collection time {time}", time=repr(doc.collected_at)))
            self.problems.setdefault(doc.kind, []).append(Outcome(
                subjects.export(doc.kind), Status.ERROR,
                msg("The {kind} export could not be read, so it was not assessed: {problem}",
                    kind=doc.kind, problem=message), src))
            return
        if doc.kind != DB_ROLES:  # DB roles count as read only when memberships were exported
            self.present.add(doc.kind)
        self.rows[doc.kind] = dict(doc.data.get("counts", {}))
        for bad in doc.data.get("rejected", []):
            self.reject(doc.kind, src, bad)
        if doc.kind == REGISTER:
            self.rejected_ids.update(b["ticket"].strip().upper()
                                     for b in doc.data.get("rejected", []) if b.get("ticket"))
            tickets = doc.data.get("tickets", [])
            if not isinstance(tickets, list):  # not "no tickets": nothing can be told
                self.present.discard(doc.kind)
                self.problems.setdefault(doc.kind, []).append(Outcome(
                    subjects.export(doc.kind), Status.ERROR,
                    msg("The {kind} export holds no list of tickets, so it was not assessed.",
                        kind=doc.kind), src))
                return
            for t in tickets:
                try:
                    self.tickets.append(Ticket.from_data(t))
                except ValueError as exc:
                    row = t if isinstance(t, dict) else {}
                    self.reject(doc.kind, src, self._bad(doc, row, reason_of(exc)))
                    self.rejected_ids.add(str(row.get("ticket") or "").strip().upper())
        elif doc.kind == DB_ROLES:
            memberships = doc.data.get("memberships")
            # absent: only a login mapping was configured; empty: no database lacks role members
            if isinstance(memberships, list) and memberships:
                self.present.add(doc.kind)
                for m in memberships:
                    if isinstance(m, dict) and isinstance(m.get("role"), str) \
                            and isinstance(m.get("principal"), str):
                        self.memberships.append(m)
                    else:  # a membership that cannot be read may be the one that clashes
                        self.reject(doc.kind, src, self._bad(
                            doc, m if isinstance(m, dict) else {},
                            msg("the role membership has no role or principal")))
            self.logins.update(doc.data.get("logins") or {})
        else:
            part = read_groups(doc.data)
            if part is None:
                self.present.discard(doc.kind)  # an audit log recording nothing proves nothing
                self.problems.setdefault(doc.kind, []).append(Outcome(
                    subjects.export(doc.kind), Status.ERROR,
                    msg("The {kind} export holds no usable lines, so the change population "
                        "could not be assessed (counts: {counts}).", kind=doc.kind,
                        counts=str(doc.data.get("counts"))), src))
                return
            rows, cols, grouped = part
            instance = (doc.data.get("source") or {}).get("instance")
            if instance:
                self.instances.add(str(instance))
            times: dict[str, Any] = {}  # each distinct time text parsed once (_datafix_log)
            for cells in rows:
                try:
                    self.log.append(group(cells, cols, times) if grouped else entry(cells, cols))
                except BadGroup as exc:
                    self.reject(doc.kind, src, self._bad(doc, {"row": exc.row}, exc.reason))

    def reject(self, kind: str, src: dict[str, str], bad: dict[str, Any]) -> None:
        """`bad["reason"]`: the collector's recorded reason (data), or this reading's own
        (a Message, kept in English text in the evidence)."""
        reason = bad["reason"]
        self.problems.setdefault(kind, []).append(Outcome(
            subjects.row(bad["file"], bad["row"]), Status.ERROR,
            msg("{file} row {row} (line {line}) was rejected and not assessed: {reason}",
                file=bad["file"], row=bad["row"], line=bad.get("line", "?"),
                reason=reason), {**src, **bad, "reason": str(reason)}))

    @staticmethod
    def _bad(doc: EvidenceDoc, row: dict[str, Any], reason: str | Message) -> dict[str, Any]:
        """A row the collector accepted but this reading cannot use, as the collector would
        have rejected it."""
        file = PurePath(str((doc.data.get("source") or {}).get("file") or doc.kind)).name
        return {"file": file, "row": row.get("row"), "line": row.get("line", "?"),
                "ticket": row.get("ticket", ""), "reason": reason}


def reason_of(exc: Exception) -> str | Message:
    """The reason a ValueError of this reading carries: its Message, else its text."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Message) else str(exc)


def _load(evidence: EvidenceSet) -> Datafix | Outcome:
    docs = [d for kind in KINDS for d in evidence.of_kind(kind)]
    if not docs:
        return Outcome(subjects.DATAFIX_EXPORTS, Status.NOT_APPLICABLE,
                       msg("No datafix exports were collected or supplied (the config has no "
                           "'datafix:' section), so datafix segregation was not assessed here. "
                           "If this environment has datafixes, configure the register, DB roles "
                           "and audit log."))
    reader = _Reader()
    for doc in docs:
        reader.read(doc)
    if not reader.stamps:
        return Outcome(subjects.DATAFIX_EXPORTS, Status.ERROR,
                       msg("No datafix export has a readable collection time, so datafixes "
                           "were not assessed (every time is judged against it)."))
    ad = ad_state(evidence)
    return Datafix(People(ad.directory, reader.logins), reader.tickets, reader.log,
                   reader.memberships, ad.directory, max(reader.stamps), reader.rows,
                   reader.problems, reader.present, reader.rejected_ids, ad,
                   audit_off(evidence, reader.instances, {g.database for g in reader.log})
                   if reader.instances else None, list(db_servers(evidence)),
                   tuple(sorted(reader.instances)))
