"""ad.accounts.privileged_password_never_expires: privileged users with "password never expires".

A privileged password that never has to change stays valid after it leaks. One result per
privileged user account (across all privileged groups it is in). Disabled accounts count with a
lower likelihood.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, check

from ._ad_accounts import KIND, ExtraGroups, domains, path_text, privileged, state_note, with_source


class Params(ExtraGroups):
    pass


@check(
    id="ad.accounts.privileged_password_never_expires",
    title="Privileged accounts do not have 'password never expires'",
    likelihood=3,
    impact=4,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.17", "ISO 27002:2022 8.2"],
    remediation=(
        "Clear 'Password never expires' (userAccountControl DONT_EXPIRE_PASSWORD) on privileged "
        "accounts; for service accounts that need it use a gMSA, or register an exception."
    ),
)
def privileged_password_never_expires(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for domain in domains(evidence):
        if isinstance(domain, Outcome):
            yield domain
            continue
        directory = domain.directory
        accounts: dict[str, list[str]] = {}
        paths: dict[str, list[str]] = {}
        for group in privileged(domain, params.extra_groups):
            if isinstance(group, Outcome):
                if group.status is Status.ERROR:
                    yield group
                continue
            for membership, account in directory.account_members(group.group):
                if account is None or account.type != "user":
                    continue
                accounts.setdefault(account.dn.lower(), []).append(group.label)
                paths.setdefault(account.dn.lower(), []).append(path_text(membership))
        for key, groups in sorted(accounts.items()):
            account = directory.accounts[key]
            subject = f"account:{account.name}"
            evidence = with_source(domain, account=account.dn, groups=groups, paths=paths[key],
                                   uac=account.uac)
            never = account.password_never_expires
            if never is None:
                yield Outcome(subject, Status.ERROR,
                              f"{account.name}: userAccountControl could not be read.", evidence)
            elif never:
                note, likelihood = state_note(account, domain)
                yield Outcome(subject, Status.FAIL,
                              f"{account.name} is privileged ({', '.join(groups)}) and its "
                              f"password never expires." + note, evidence, likelihood=likelihood)
            else:
                yield Outcome(subject, Status.PASS,
                              f"{account.name} is privileged and its password expires.", evidence)
        if not accounts:
            yield Outcome(f"domain:{domain.base}", Status.PASS,
                          "No user account is in a privileged group.", with_source(domain))
