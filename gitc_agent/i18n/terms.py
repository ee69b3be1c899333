"""The vocabulary of a report in the reader's words: statuses, follow-up states, completeness,
what a population consists of, and a finding's one-line headline.

English shows the values of the report contract as they are (`fail`, `partly_resolved`), so
English output is unchanged; Dutch uses the terms Dutch IT auditors write (afwijking, voldoet,
niet beoordeeld, deels opgelost, risico geaccepteerd). Each term has a gettext context, because
the same English word means different things in different columns.
"""

from __future__ import annotations

import re
from typing import Any

from gitc_agent.i18n.translator import Translator

STATUS = "status"  # a result's status
FINDING = "finding status"
FOLLOW_UP = "follow-up"  # a finding's follow-up state (and a result's)
COMPLETENESS = "completeness"
POPULATION = "population"  # what the tested subjects are
EXCEPTION = "exception"  # an exception's state
EVIDENCE = "evidence"  # an evidence document's status (core.evidence: ok, partial, error)

#: every (context, term), so extraction and the completeness test see them (contract values)
TERMS = (
    (STATUS, "fail"), (STATUS, "pass"), (STATUS, "error"), (STATUS, "accepted"),
    (STATUS, "not_applicable"),
    (FINDING, "finding"), (FINDING, "accepted"), (FINDING, "not_assessed"),
    (FINDING, "no_finding"),
    (FOLLOW_UP, "new"), (FOLLOW_UP, "open"), (FOLLOW_UP, "resolved"),
    (FOLLOW_UP, "accepted"), (FOLLOW_UP, "not_reassessed"), (FOLLOW_UP, "not_resolved"),
    (FOLLOW_UP, "partly_resolved"), (FOLLOW_UP, "risk_accepted"), (FOLLOW_UP, "gone"),
    (COMPLETENESS, "complete"), (COMPLETENESS, "partial"), (COMPLETENESS, "none"),
    (EXCEPTION, "valid"), (EXCEPTION, "expired"),
    (EVIDENCE, "ok"), (EVIDENCE, "partial"), (EVIDENCE, "error"),
)
#: what a population consists of (report.finding_build names them; a test keeps the two equal)
NOUNS = tuple((POPULATION, noun) for noun in (
    "accounts", "hosts", "password policies", "tickets", "persons", "roles", "sessions",
    "approvals", "groups", "rows", "exports", "log entries", "control periods", "trusts",
    "events", "advisories", "patch rounds", "feeds", "host advisories", "logins", "agents",
    "settings", "memberships", "subjects", "Windows host", "Windows hosts", "admin host",
    "admin hosts", "host"))
_HOSTS = re.compile(r"^(\d+) (Windows hosts?|admin hosts?|hosts?)$")


def _value(item: Any) -> str:
    return str(getattr(item, "value", item) if item is not None else "")


def status(tr: Translator, value: Any) -> str:
    return tr.term(STATUS, _value(value))


def finding_status(tr: Translator, value: Any) -> str:
    return tr.term(FINDING, _value(value))


def follow_up(tr: Translator, value: Any) -> str:
    return tr.term(FOLLOW_UP, _value(value))


def completeness(tr: Translator, value: Any) -> str:
    return tr.term(COMPLETENESS, _value(value))


def evidence_status(tr: Translator, value: Any) -> str:
    return tr.term(EVIDENCE, _value(value))


def exception_state(tr: Translator, value: Any) -> str:
    return tr.term(EXCEPTION, _value(value))


def population_noun(tr: Translator, what: str) -> str:
    return tr.term(POPULATION, what)


def scope_label(tr: Translator, finding: Any) -> str:
    """"4 Windows hosts" is made by the findings; other scopes are names (a DN, an export)."""
    label = finding.scope_label
    match = _HOSTS.match(label) if finding.scope.startswith("hosts:") else None
    if match is None:
        return label
    return f"{match.group(1)} {population_noun(tr, match.group(2))}"


def headline(tr: Translator, finding: Any) -> str:
    """"3 of 412 memberships deviate (1 accepted, 2 not assessed)" in the reader's words."""
    pop = finding.population
    text = tr("{deviating} of {count} {what} deviate",
              deviating=len(finding.deviations) + len(finding.accepted), count=pop.count,
              what=population_noun(tr, pop.what))
    extra = []
    if finding.accepted:
        extra.append(tr("{n} accepted", n=len(finding.accepted)))
    if finding.not_assessed:
        extra.append(tr("{n} not assessed", n=len(finding.not_assessed)))
    return text + (f" ({', '.join(extra)})" if extra else "")


def template_globals(tr: Translator) -> dict[str, Any]:
    """What the HTML template calls to say things in the report's language."""
    return {"tr": tr, "language": tr.language, "message": tr.message, "title": tr.title,
            "status": lambda v: status(tr, v), "fstatus": lambda v: finding_status(tr, v),
            "followup": lambda v: follow_up(tr, v), "completeness": lambda v: completeness(tr, v),
            "exception_state": lambda v: exception_state(tr, v),
            "evidence_status": lambda v: evidence_status(tr, v),
            "noun": lambda v: population_noun(tr, v), "scope": lambda f: scope_label(tr, f),
            "headline": lambda f: headline(tr, f)}
