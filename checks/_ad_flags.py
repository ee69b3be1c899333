"""One judgement for the hygiene checks that look at a single userAccountControl flag.

Why shared: "PASSWD_NOTREQD", "reversible encryption" and "no Kerberos pre-authentication" are
the same criterion on a different bit (enabled accounts that carry it fail, one result each, the
passing ones summarised per domain), and must report unreadable userAccountControl the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gitc_agent.core.check_api import Verdict, fail, msg, ok
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account
from gitc_agent.model.message import N_

from ._ad_hygiene import HygieneDomain


def judge_flag(hd: HygieneDomain, flag: int, flag_name: str, kinds: tuple[str, ...],
               raise_for: Callable[[Account], tuple[str, int, int] | None] = lambda a: None,
               ) -> Iterator[Verdict]:
    """Fail each enabled account of `kinds` with `flag`; `raise_for` may give (the privileged
    groups it is in, likelihood, impact) for accounts that warrant a higher score."""
    checked = flagged = 0
    for kind in kinds:
        accounts, problems = hd.enabled(kind)
        yield from problems
        checked += len(accounts)
        for account in [a for a in accounts if a.uac & flag]:
            flagged += 1
            raised = raise_for(account)
            values = {"account": account.name, "flag": flag_name}
            if raised:
                message = msg(_RAISED[account.type], **values, groups=raised[0])
            else:
                message = msg(_FLAGGED[account.type], **values)
            yield fail(message, subject=subjects.account(account.name),
                       likelihood=raised[1] if raised else None,
                       impact=raised[2] if raised else None, account=account.dn, uac=account.uac)
    yield ok(msg(_PASSED[" and ".join(kinds)], passed=checked - flagged, checked=checked,
                 flag=flag_name), checked=checked, flagged=flagged)


_FLAGGED = {"user": N_("{account} (user) is enabled and has {flag} set."),
            "computer": N_("{account} (computer) is enabled and has {flag} set.")}
_RAISED = {
    "user": N_("{account} (user) is enabled and has {flag} set. It is privileged ({groups}), so "
               "likelihood and impact are raised."),
    "computer": N_("{account} (computer) is enabled and has {flag} set. It is privileged "
                   "({groups}), so likelihood and impact are raised."),
}
_PASSED = {
    "user": N_("{passed} of {checked} enabled user account(s) do not have {flag} (those that do "
               "are reported one by one)."),
    "user and computer": N_("{passed} of {checked} enabled user and computer account(s) do not "
                            "have {flag} (those that do are reported one by one)."),
}
