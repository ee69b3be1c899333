"""Walkers of the vulnerability checks: (host, advisory) pairs, applicable advisories, sources.

Every walker first yields an `error` for each part that could not be read (an advisory source,
a document, an advisory record, a host's software list), in each check that depends on it, so a
lost match always comes with a reason. Dates are judged at the evidence's collection time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, Outcome, Status, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.kinds import (
    FEED_CISA_KEV,
    FEED_CSAF,
    HOST_STATE,
    VULN_INVENTORY,
    VULN_TICKETS,
    WINDOWS_HOST_STATE,
)
from gitc_agent.model.message import N_
from gitc_agent.model.timeutil import parse_time

from ._advisory_match import FIXED, OPEN, UNDECIDABLE, Pair, matching
from ._advisory_model import Advisory, Problem
from ._feeds import kev_problem
from ._unreadable import Unreadable, why

REFERENCES = ["ISO 27002:2022 8.8", "BIO 12.6.1.1", "BIO2 8.08.01", "NIS2 art. 21(2)(e)"]
APPLIES = (OPEN, FIXED, UNDECIDABLE)
HOSTS = [WINDOWS_HOST_STATE, HOST_STATE, VULN_INVENTORY]  # where installed software comes from
# all optional, hosts first: a missing planned host is then an error about that host (the
# engine names the first kind's target), and a run without `vuln:` is out of scope, not broken
KINDS = [*HOSTS, FEED_CSAF]


def _error(problem: Problem) -> Outcome:
    return Outcome(problem.subject, Status.ERROR, problem.message, dict(problem.source))


def out_of_scope(evidence: EvidenceSet, *needed: str) -> Outcome | None:
    """`not_applicable` when the run has no advisory source at all (a config without `vuln:`);
    the check's kinds are all optional so that a WinRM-only scan is not made incomplete."""
    if evidence.of_kind(FEED_CSAF) or any(evidence.of_kind(k) for k in needed):
        return None
    return Outcome(subjects.scope("vuln.advisories"), Status.NOT_APPLICABLE,
                   msg("not in the scope of this run: no CSAF advisory source was collected "
                       "(configure vuln.sources, or disable the check in the policy)"), {})


def host_advisories(evidence: EvidenceSet) -> Iterator[Pair | Outcome]:
    """Each (host, advisory) pair where the advisory names a product the host has."""
    outside = out_of_scope(evidence)
    if outside is not None:
        yield outside
        return
    found = matching(evidence)
    yield from (_error(p) for p in found.problems)
    yield from found.pairs


def remediation_days(klass: str, table: Mapping[str, int], default: int) -> tuple[int, Message]:
    """The days the policy gives the advisory's class, and that basis as a phrase."""
    key = klass.lower()
    if key in table:
        return table[key], _class_basis(klass, table[key], True)
    return default, _class_basis(klass, default, False)


# The bases are made once per class and advisory, not per host (10,000 advisories on 2,000 hosts
# judge 80,000 pairs in two checks with the same few phrases), and as whole sentences rather than
# a phrase in a phrase: each nested value is a dict in every result (bench/bench_advisories.py).

IN_TABLE = N_("class {klass}: {days} days")
NOT_IN_TABLE = N_("class {klass} is not in the policy's table: default {days} days")


@lru_cache(maxsize=1024)
def _class_basis(klass: str, days: int, in_table: bool) -> Message:
    return msg(IN_TABLE if in_table else NOT_IN_TABLE, klass=klass, days=days)


@lru_cache(maxsize=1 << 15)
def _due_basis(kev_cve: str | None, published: date, in_table: bool, klass: str,
               days: int) -> Message:
    if kev_cve is not None and in_table:
        return msg("CISA KEV dueDate of {cve} (earlier than class {klass}: {days} days)",
                   cve=kev_cve, klass=klass, days=days)
    if kev_cve is not None:
        return msg("CISA KEV dueDate of {cve} (earlier than class {klass} is not in the "
                   "policy's table: default {days} days)", cve=kev_cve, klass=klass, days=days)
    if in_table:
        return msg("published {published} + class {klass}: {days} days", published=published,
                   klass=klass, days=days)
    return msg("published {published} + class {klass} is not in the policy's table: default "
               "{days} days", published=published, klass=klass, days=days)


@dataclass(frozen=True)
class Kev:
    """KEV due dates per CVE; `problem` when the catalog is present but not fully readable."""

    due: dict[str, date]
    problem: Message | None


def kev(evidence: EvidenceSet) -> Kev:
    def build() -> Kev:
        docs = evidence.of_kind(FEED_CISA_KEV)
        if not docs:
            return Kev({}, None)
        problem = kev_problem(docs[0])
        unread = [e["part"] for e in docs[0].errors if e.get("part") != "file"]
        due: dict[str, date] = {}
        for vuln in (docs[0].data or {}).get("vulnerabilities") or []:
            try:
                due[vuln["cveID"]] = date.fromisoformat(str(vuln["dueDate"]))
            except (KeyError, TypeError, ValueError):
                problem = problem or msg("a KEV entry has no readable CVE or dueDate ({entry})",
                                         entry=f"{vuln!r:.80}")
        if unread and not problem:
            problem = msg("{count} KEV catalog entries could not be read", count=len(unread))
        return Kev(due, problem)

    return evidence.derived("vuln.kev", build)


def due_date(adv: Advisory, days: int, basis: Message, kev_due: dict[str, date],
             ) -> tuple[date, Message]:
    """Publication + the class's days, or a KEV dueDate of one of its CVEs when earlier; with
    the basis of that date as a phrase (evidence keeps its English text)."""
    published = adv.initial_release.date()
    due = published + timedelta(days=days)
    earlier = sorted((d, cve) for cve, d in kev_due.items() if cve in adv.cves and d < due)
    key = (basis.template == IN_TABLE, basis.params["klass"], basis.params["days"])
    if earlier:
        return earlier[0][0], _due_basis(earlier[0][1], published, *key)
    return due, _due_basis(None, published, *key)


def describe(adv: Advisory) -> str:
    """`NCSC-2026-0412 (CVE-2026-40991; title)`; a Microsoft advisory is named by its CVE."""
    cves = [c for c in adv.cves if c != adv.tracking_id]
    return f"{adv.tracking_id} ({'; '.join([', '.join(cves)] if cves else [])}" \
        f"{'; ' if cves else ''}{adv.title})"


def pair_evidence(pair: Pair, **extra: Any) -> dict[str, Any]:
    adv = pair.advisory
    return {"advisory": adv.tracking_id, "source": adv.source_name, "title": adv.title,
            "class": adv.klass, "cves": list(adv.cves), "published": adv.initial_release.isoformat(),
            "current_release": adv.current_release.isoformat(), "advisory_file": adv.file,
            "installed": list(pair.products), "expected_fix": pair.fix_text,
            "state": pair.state, "decided_by_fix_map": pair.by_fix_map, **extra}


# --- the ticket export -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    ticket: str
    row: int
    opened_at: datetime
    closed_at: datetime | None
    references: frozenset[str]
    category: str
    queue: str
    title: str


@dataclass
class Tickets:
    doc: EvidenceDoc
    tickets: list[Ticket]
    rejected: int  # rows the collection could not use

    @property
    def subject(self) -> str:
        return f"tickets:{self.doc.target}"

    @property
    def source(self) -> dict[str, str]:
        return self.doc.source

    @property
    def collected_at(self) -> datetime:
        when = parse_time(self.doc.collected_at)
        assert when is not None
        return when


def _ticket(raw: Any) -> Ticket:
    if not isinstance(raw, dict):
        raise Unreadable(msg("a ticket record is not an object"))
    texts = {k: raw.get(k) for k in ("ticket", "category", "queue", "title")}
    refs, opened = raw.get("references"), parse_time(raw.get("opened_at"))
    closed_raw = raw.get("closed_at")
    closed = parse_time(closed_raw)
    if not all(isinstance(v, str) for v in texts.values()) or not texts["ticket"] \
            or not isinstance(refs, list) or not all(isinstance(r, str) for r in refs) \
            or opened is None or (closed_raw is not None and closed is None) \
            or not isinstance(raw.get("row"), int):
        raise Unreadable(msg("ticket record {ticket} is incomplete or unreadable",
                             ticket=repr(raw.get("ticket"))))
    return Ticket(texts["ticket"], raw["row"], opened, closed,
                  frozenset(r.upper() for r in refs), texts["category"], texts["queue"],
                  texts["title"])


def tickets(evidence: EvidenceSet) -> tuple[Tickets | None, list[Problem]]:
    """The ticket export, or why it cannot be used (then nothing about tickets is judged)."""
    problems: list[Problem] = []
    docs = evidence.of_kind(VULN_TICKETS)
    if not docs:
        return None, problems
    doc = docs[0]
    counts = (doc.data or {}).get("counts")
    rows = (doc.data or {}).get("tickets")
    if doc.errors or not isinstance(rows, list) or parse_time(doc.collected_at) is None \
            or not isinstance(counts, dict) or not isinstance(counts.get("rejected"), int) \
            or counts.get("used") != len(rows):
        reason = doc.errors[0].get("message") if doc.errors else msg(
            "no readable tickets or counts")
        problems.append(Problem(f"tickets:{doc.target}", msg(
            "the ticket export could not be read ({reason}), so the process was not assessed.",
            reason=reason), doc.source))
        return None, problems
    good = []
    for index, raw in enumerate(rows):
        try:
            good.append(_ticket(raw))
        except ValueError as exc:
            problems.append(Problem(f"ticket:{doc.target}#{index}",
                                    msg("{reason}.", reason=why(exc)), doc.source))
    return Tickets(doc, good, counts["rejected"]), problems


def sources(evidence: EvidenceSet) -> Iterator[EvidenceDoc]:
    yield from evidence.of_kind(FEED_CSAF)


def feed_subject(doc: EvidenceDoc) -> str:
    return subjects.feed(doc.target)


@dataclass(frozen=True)
class Judging:
    """A (host, advisory) pair with the KEV due dates beside it: what a judge is handed."""

    pair: Pair
    kev: Kev

    @property
    def subject(self) -> str:
        return self.pair.subject

    @property
    def source(self) -> Mapping[str, Any]:
        return self.pair.source


def pairs_with_kev(evidence: EvidenceSet) -> Iterator[Judging | Outcome]:
    kev_state = kev(evidence)
    for item in host_advisories(evidence):
        yield Judging(item, kev_state) if isinstance(item, Pair) else item
