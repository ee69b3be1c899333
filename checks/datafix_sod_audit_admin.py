"""datafix.sod.audit_admin: no executor of datafixes controls the database audit log.

The audit log is the detective control on a DBA who can bypass preventive ones; an executor who
can switch it off or purge it leaves no trace (ISO 27002:2022 8.15, 5.3).
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, msg

from ._datafix import DB_ROLES, KINDS, REFERENCES, REGISTER, Datafix, datafix_exports
from ._datafix_roles import RoleParams, holders, sod


@check(
    id="datafix.sod.audit_admin",
    title="No datafix executor controls the database audit log",
    likelihood=3,
    impact=5,
    evidence=[],
    optional_evidence=KINDS,
    each=datafix_exports(REGISTER, DB_ROLES),
    params=RoleParams,
    references=[*REFERENCES, "ISO 27002:2022 8.15"],
    remediation=(
        "Move control of the audit configuration and its storage out of the executors' reach "
        "(e.g. a separate audit administrator, logs shipped to a SIEM the DBA cannot change)."
    ),
)
def judge(dfx: Datafix, params: RoleParams) -> Iterator[Verdict]:
    executors = holders(dfx, "executor", params.roles.executor)
    admins = holders(dfx, "audit_admin", params.roles.audit_admin, de_facto=False)
    yield from sod(dfx, executors, admins, lambda **v: msg(
        "{person} can execute datafixes and control the audit log: {a_role} through {a_how}; "
        "{b_role} through {b_how}.", **v))
