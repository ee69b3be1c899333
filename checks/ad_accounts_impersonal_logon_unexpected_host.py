"""ad.accounts.impersonal_logon_unexpected_host: impersonal accounts log on only from their hosts.

A service account is used from the servers it serves; a logon from anywhere else means the
password is known beyond its purpose. The register entry's `allowed_hosts` (patterns such as
`sql01*` or `*.srv.corp.example`) says where; a logon's host is the workstation or address it
came from when the event records one, else the host it logged on at. An impersonal account that
is not in the register has no allowed host. A register entry without `allowed_hosts` cannot be
judged (`error`): the register must say where the account belongs.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS, EVENTS_SECURITY

from ._events import REFERENCES, Events, describe_logons, host_matches, security_events
from ._events_accounts import Watched, WatchParams, logons, summary, watched


class Params(WatchParams):
    pass


@check(
    id="ad.accounts.impersonal_logon_unexpected_host",
    title="Impersonal accounts log on only from the hosts their register entry allows",
    likelihood=3,
    impact=4,
    evidence=[EVENTS_SECURITY],
    optional_evidence=[AD_ACCOUNTS],
    each=security_events("logons"),
    params=Params,
    references=[*REFERENCES, "BIO 9.2.1.2", "CIS Controls v8 5.5"],
    remediation=(
        "Find out what used the account from that host; restrict where it may log on "
        "(userWorkstations, authentication policy silos, or a gMSA bound to its servers), "
        "rotate its password, and record the allowed hosts in the register."
    ),
)
def judge(events: Events, params: Params) -> Iterator[Verdict]:
    if "logons" in events.broken:
        return
    for account in watched(events, params):
        if isinstance(account, Verdict):
            yield account
            continue
        yield _judge(events, account)


def _judge(events: Events, account: Watched) -> Verdict:
    mine = logons(events, account)
    evidence = events.evidence(**account.evidence(), logons=sum(lg.count for lg in mine))
    if not mine:
        return ok(msg("{account}: no logon in {period}.", account=account.name,
                      period=events.period), subject=account.subject, **evidence)
    allowed = account.entry.allowed_hosts if account.entry else []
    if account.entry is not None and not allowed:
        return unknown(msg("{account} logged on {count} time(s) ({logons}), but its register "
                           "entry names no allowed_hosts, so whether those hosts are expected is "
                           "unknown; add them to the register.", account=account.name,
                           count=evidence["logons"], logons=summary(mine)),
                       subject=account.subject, **evidence)
    unexpected = [lg for lg in mine if not host_matches(allowed, lg.origin)]
    evidence.update(allowed_hosts=allowed, unexpected=describe_logons(unexpected, 10))
    if unexpected:
        hosts = sorted({lg.origin for lg in unexpected})
        values = {"account": account.name, "hosts": ", ".join(hosts[:10]),
                  "logons": summary(unexpected)}
        if allowed:
            text = msg("{account} logged on from {hosts} outside its allowed hosts ({allowed}): "
                       "{logons}.", allowed=", ".join(allowed), **values)
        else:
            text = msg("{account} logged on from {hosts} and it is not in the register, so no "
                       "host is allowed: {logons}.", **values)
        return fail(text, subject=account.subject, **evidence)
    origins = sorted({lg.origin for lg in mine})
    return ok(msg("{account} logged on only from allowed hosts ({hosts}).", account=account.name,
                  hosts=", ".join(origins[:10])), subject=account.subject, **evidence)
