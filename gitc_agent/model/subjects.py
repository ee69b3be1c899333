"""How a result names what it judged: one function per subject prefix.

The subject is half of a finding's fingerprint (with the check id), so follow-up across runs and
the policy's exceptions depend on it being spelled the same way every time, by every check.
"""

from __future__ import annotations

DATAFIX_EXPORTS = "datafix:exports"  # the datafix exports as a whole (none configured)
PRIVILEGED_CHANGES = "log:privileged-changes"  # the audit log's privileged changes as a whole


def domain(base_dn: str) -> str:
    return f"domain:{base_dn}"


def pso(dn: str) -> str:
    return f"pso:{dn}"


def psos(container_dn: str) -> str:
    """The fine-grained password policies of a domain, as one (unreadable) whole."""
    return f"psos:{container_dn}"


def account(name: str) -> str:
    return f"account:{name}"


def group(key: str) -> str:
    """`key`: the group's SID, or its DN when it has none."""
    return f"group:{key}"


def membership(group_key: str, account_name: str) -> str:
    """One account's membership of one privileged group."""
    return f"{group(group_key)}/{account(account_name)}"


def approval(group_key: str, account_name: str) -> str:
    """A time-bound approval in the policy, named as the policy names it."""
    return f"approval:{group_key}/{account_name}"


def host(name: str) -> str:
    return f"host:{name}"


def aspect(subject: str, name: str) -> str:
    """One setting or role of a subject, followed up on its own (`domain:...#history`)."""
    return f"{subject}#{name}"


def ticket(ticket_id: str) -> str:
    return f"ticket:{ticket_id}"


def person(key: str) -> str:
    """`key`: employee:<employeeID>, account:<name> or name:<name>."""
    return f"person:{key}"


def role(name: str) -> str:
    return f"roles:{name}"


def export(kind: str) -> str:
    return f"export:{kind}"


def row(file: str, number: object) -> str:
    """A rejected row of an exported file."""
    return f"row:{file}:{number}"


def session(principal: str, database: str, day: str) -> str:
    """One principal's changes in one database on one day."""
    return f"session:{principal}/{database or '-'}/{day}"


def control(control_id: str, period: str) -> str:
    """One internal control in one period (`control:IC-03@2026-08`, `control:IC-20@2026`)."""
    return f"control:{control_id}@{period}"


def event(host: str, record: object) -> str:
    """One security event (a group change, an account creation) by host and record id."""
    return f"event:{host}/{record}"


def log_source(file: str) -> str:
    """One exported file of security events."""
    return f"log-source:{file}"


def plugin(source: str) -> str:
    return f"plugin:{source}"


def check(check_id: str) -> str:
    return f"check:{check_id}"


def scope(check_id: str) -> str:
    return f"scope:{check_id}"


def evidence(kind: str) -> str:
    return f"evidence:{kind}"


def advisory(advisory_id: str) -> str:
    """A security advisory (CSAF tracking id, e.g. NCSC-2026-0412) or an unreadable document."""
    return f"advisory:{advisory_id}"


def host_advisory(host_name: str, advisory_id: str) -> str:
    """One advisory on one host: the unit of remediation."""
    return f"{host(host_name)}/{advisory(advisory_id)}"


def feed(source: str) -> str:
    """A configured advisory source (ncsc-nl, microsoft)."""
    return f"feed:{source}"


def patch_round(day: str) -> str:
    """One monthly patch round, by its release day (YYYY-MM-DD)."""
    return f"patch-round:{day}"


def trust(partner: str) -> str:
    """A trust of the domain, by its partner's DNS name (trustPartner)."""
    return f"trust:{partner}"
