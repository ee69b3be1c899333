"""ad.accounts.impersonal_interactive_logon: impersonal accounts do not log on interactively.

A service, shared or functional account that logs on interactively, over RDP or with cached
credentials (4624 logon types 2, 10 and 11) is being used by a person, who then acts under a name
that is nobody's (BIO 9.2.1.2; BIO2 5.16.02). The accounts watched are those in the policy's
register and those the detection rules find in the AD evidence; a register entry with
`interactive_allowed: true` expects such logons. Judged on the events of the evidence's period.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok
from gitc_agent.model.kinds import AD_ACCOUNTS, EVENTS_SECURITY

from ._events import INTERACTIVE_TYPES, REFERENCES, Events, describe_logons, security_events
from ._events_accounts import Watched, WatchParams, logons, summary, watched


class Params(WatchParams):
    interactive_types: list[int] = Field(default_factory=lambda: list(INTERACTIVE_TYPES),
                                         min_length=1)


@check(
    id="ad.accounts.impersonal_interactive_logon",
    title="Impersonal accounts are not used to log on interactively or over RDP",
    likelihood=3,
    impact=4,
    evidence=[EVENTS_SECURITY],
    optional_evidence=[AD_ACCOUNTS],
    each=security_events("logons"),
    params=Params,
    references=[*REFERENCES, "BIO 9.2.1.2"],
    remediation=(
        "Find out who used the account and why; deny interactive and RDP logon to service "
        "accounts (user rights 'Deny log on locally' / 'Deny log on through Remote Desktop "
        "Services', or a gMSA), rotate its password, and give the person a personal account."
    ),
)
def judge(events: Events, params: Params) -> Iterator[Verdict]:
    if "logons" in events.broken:
        return
    for account in watched(events, params):
        if isinstance(account, Verdict):
            yield account
            continue
        yield _judge(events, account, params)


def _judge(events: Events, account: Watched, params: Params) -> Verdict:
    mine = logons(events, account)
    interactive = [lg for lg in mine if lg.type in params.interactive_types]
    evidence = events.evidence(**account.evidence(), logons=sum(lg.count for lg in mine),
                               interactive=describe_logons(interactive))
    if interactive and account.entry is not None and account.entry.interactive_allowed:
        return ok(msg("{account} logged on interactively ({logons}); its register entry allows "
                      "that.", account=account.name, logons=summary(interactive)),
                  subject=account.subject, **evidence)
    if interactive:
        values = {"account": account.name, "count": sum(lg.count for lg in interactive),
                  "period": events.period, "logons": summary(interactive)}
        if account.entry:
            text = msg("{account} is an impersonal account and logged on interactively or over "
                       "RDP {count} time(s) in {period}: {logons}. A person used it.", **values)
        else:
            text = msg("{account} is an impersonal account and logged on interactively or over "
                       "RDP {count} time(s) in {period}: {logons}. A person used it. It is not "
                       "in the register either.", **values)
        return fail(text, subject=account.subject, **evidence)
    other = sum(lg.count for lg in mine)
    return ok(msg("{account}: no interactive or RDP logon in {period} ({other} logon(s) of other "
                  "types).", account=account.name, period=events.period, other=other),
              subject=account.subject, **evidence)
