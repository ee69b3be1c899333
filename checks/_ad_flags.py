"""One judgement for the hygiene checks that look at a single userAccountControl flag.

Why shared: "PASSWD_NOTREQD", "reversible encryption" and "no Kerberos pre-authentication" are
the same criterion on a different bit (enabled accounts that carry it fail, one result each, the
passing ones summarised per domain), and must report unreadable userAccountControl the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gitc_agent.core.check_api import Verdict, fail, ok
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account

from ._ad_hygiene import HygieneDomain


def judge_flag(hd: HygieneDomain, flag: int, flag_name: str, kinds: tuple[str, ...],
               raise_for: Callable[[Account], tuple[str, int, int] | None] = lambda a: None,
               ) -> Iterator[Verdict]:
    """Fail each enabled account of `kinds` with `flag`; `raise_for` may give (why, likelihood,
    impact) for accounts that warrant a higher score (privileged ones)."""
    checked = flagged = 0
    for kind in kinds:
        accounts, problems = hd.enabled(kind)
        yield from problems
        checked += len(accounts)
        for account in [a for a in accounts if a.uac & flag]:
            flagged += 1
            raised = raise_for(account)
            note = f" {raised[0]}" if raised else ""
            yield fail(f"{account.name} ({account.type}) is enabled and has {flag_name} set."
                       + note, subject=subjects.account(account.name),
                       likelihood=raised[1] if raised else None,
                       impact=raised[2] if raised else None, account=account.dn, uac=account.uac)
    yield ok(f"{checked - flagged} of {checked} enabled {' and '.join(kinds)} account(s) do not "
             f"have {flag_name} (those that do are reported one by one).", checked=checked,
             flagged=flagged)
