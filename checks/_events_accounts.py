"""Which accounts the logon checks watch: the impersonal ones, registered or detected.

Why here and not in the collector: whether an account is impersonal is the policy's rule (its
register and its detection rules) applied to the AD evidence, and the collector knows neither.
An account in the register is watched even when the AD evidence is missing (matched by name);
detection needs the AD evidence, and without it the check says so in an `error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from gitc_agent.core.check_api import Message, Verdict, msg, unknown
from gitc_agent.model import subjects
from gitc_agent.model.message import N_, MessageList, msg_list

from ._ad_accounts import ImpersonalParams, RegisteredAccount, is_impersonal, unknown_state
from ._events import Events, Logon


class WatchParams(ImpersonalParams):
    """The impersonal-account rules and register; the events checks add their own keys."""


@dataclass
class Watched:
    name: str
    sid: str | None
    entry: RegisteredAccount | None
    reasons: list[Message] = field(default_factory=list)
    dn: str | None = None

    @property
    def subject(self) -> str:
        return subjects.account(self.name)

    def evidence(self) -> dict[str, object]:
        out: dict[str, object] = {"account": self.dn or self.name, "sid": self.sid,
                                  "registered": self.entry is not None}
        if self.reasons:
            out["reasons"] = [str(r) for r in self.reasons]
        return out


def watched(events: Events, params: WatchParams) -> Iterator[Watched | Verdict]:
    """Every impersonal account: registered (with or without AD) and detected (AD only)."""
    domain = events.domain
    register: list[RegisteredAccount] = list(params.register_)
    seen: set[str] = set()
    if domain is not None:
        directory = domain.directory
        by_dn: dict[str, RegisteredAccount] = {}
        for entry in register:
            found = directory.account(entry.account)
            if found is not None:
                by_dn[found.dn.lower()] = entry
        for key, account in sorted(directory.accounts.items()):
            if account.type != "user":
                continue
            entry = by_dn.get(key)
            reasons = is_impersonal(account, params.rules)
            if entry is None and not reasons:
                continue
            silent = not events.logons_of(account.name, account.sid)
            if account.enabled is None and silent:
                yield unknown_state(account)  # disabled (not watched) or enabled: unknown
                continue
            if account.enabled is False and silent:
                continue  # disabled and silent: nothing to watch (unregistered: another check)
            seen.add(account.name.lower())
            if entry is not None:
                seen.add(entry.account.lower())
            yield Watched(account.name, account.sid, entry, reasons, account.dn)
    else:
        yield unknown(msg("Impersonal accounts outside the register could not be detected, "
                          "because {problem}; only the register's accounts were judged (by "
                          "name).", problem=events.ad_problem),
                      subject=subjects.evidence("ad.accounts"))
    for entry in register:
        if entry.account.lower() not in seen:
            seen.add(entry.account.lower())
            yield Watched(entry.account, entry.account.upper() if entry.account.upper()
                          .startswith("S-1-") else None, entry)


def logons(events: Events, account: Watched) -> list[Logon]:
    return events.logons_of(account.name, account.sid)


def summary(items: Iterable[Logon]) -> MessageList:
    """The three most frequent logons, each a phrase ("1× type 10 (RDP) on HOST from WS")."""
    return msg_list(_logon(lg) for lg in sorted(items, key=lambda x: (-x.count, x.host))[:3])


def _logon(logon: Logon) -> Message:
    kind = _LOGON_KINDS.get(logon.type)
    values = {"count": logon.count, "type": logon.type, "host": logon.host,
              "kind": msg(kind) if kind else "?"}
    if logon.source and logon.source != logon.host:
        return msg("{count}× type {type} ({kind}) on {host} from {source}", source=logon.source,
                   **values)
    return msg("{count}× type {type} ({kind}) on {host}", **values)


#: the logon types' names (_events.LOGON_TYPE_NAMES), marked so each is translated where shown
_LOGON_KINDS = {2: N_("interactive"), 3: N_("network"), 4: N_("batch"), 5: N_("service"),
                7: N_("unlock"), 8: N_("network cleartext"), 9: N_("new credentials"),
                10: N_("RDP"), 11: N_("cached interactive")}
