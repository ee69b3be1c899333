"""The department of an account's person, from the HR export evidence (`hr.persons`) when there.

Matched as the lifecycle checks match (docs/user-lifecycle.md): the account's `match.attribute`
(default employeeID) or the mapping's account -> employee id, ids compared without spaces and
case-insensitively. Without HR evidence the column stays empty and says so in the header note.
"""

from __future__ import annotations

from collections.abc import Callable

from gitc_agent.core.evidence import EvidenceSet
from gitc_agent.model.directory import Account
from gitc_agent.model.kinds import HR_PERSONS

_ATTRIBUTE = {"employeeid": "employee_id", "samaccountname": "sam", "userprincipalname": "upn",
              "mail": "mail"}


def _norm(value: object) -> str:
    return "".join(str(value).split()).casefold() if value is not None else ""


def department_of(evidence: EvidenceSet) -> Callable[[Account | None], str] | None:
    """A lookup account -> department, or None when no readable HR export is in the evidence."""
    docs = [d for d in evidence.of_kind(HR_PERSONS) if isinstance(d.data.get("persons"), list)]
    if not docs:
        return None
    departments: dict[str, str] = {}
    mapping: dict[str, str] = {}
    attribute = "employee_id"
    for doc in docs:
        for person in doc.data["persons"]:
            if isinstance(person, dict) and person.get("employee_id") is not None:
                departments[_norm(person["employee_id"])] = str(person.get("department") or "")
        match = doc.data.get("match") or {}
        if isinstance(match, dict):
            attribute = _ATTRIBUTE.get(str(match.get("attribute", "employeeID")).lower(),
                                       "employee_id")
            accounts = match.get("accounts") or {}
            if isinstance(accounts, dict):
                mapping.update({str(k).lower(): _norm(v) for k, v in accounts.items()})

    def lookup(account: Account | None) -> str:
        if account is None:
            return ""
        key = mapping.get((account.sam or "").lower()) or mapping.get((account.upn or "").lower())
        if key is None:
            key = _norm(getattr(account, attribute, None))
        return departments.get(key, "") if key else ""

    return lookup
