"""A campaign: every member of every group in scope, from saved evidence and the policy's scope.

The scope is the policy's `review_groups` as the `ad.groups.*` checks read it (the same
resolution, gitc_agent/model/review_scope.py), so the workbook holds the groups the checks will
judge. The evidence is the `ad.accounts` document of a collection; its file's SHA-256 and
collection time go into the workbook and into each review record, because "the membership the
reviewer saw" is that document's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gitc_agent.core.evidence import EvidenceSet, load_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.errors import InputError
from gitc_agent.model.directory import Directory, MalformedDirectory, privileged_groups
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import Message, msg, msg_list
from gitc_agent.model.review_scope import ScopeRule, resolve_scope
from gitc_agent.model.timeutil import parse_time
from gitc_agent.review.hr_lookup import department_of

REVIEW_CHECKS = ("ad.groups.review_overdue", "ad.groups.changed_since_review",
                 "ad.groups.review_not_acted_on")
ARROW = " → "


@dataclass(frozen=True)
class Member:
    dn: str
    sid: str | None
    name: str
    path: str
    row: tuple[str, ...]  # the cells of its row, the decision excepted


@dataclass
class CampaignGroup:
    domain: str
    evidence_file: str
    evidence_sha256: str
    collected_at: str
    dn: str
    sid: str | None
    name: str
    owner: str
    period_days: int
    members: list[Member] = field(default_factory=list)


@dataclass
class Campaign:
    id: str
    created_at: str
    policy: dict[str, str]
    groups: list[CampaignGroup]
    warnings: list[Message]
    hr: bool  # departments came from an HR export


def new_campaign_id(now: datetime) -> str:
    return f"RC-{now:%Y%m%d}-{secrets.token_hex(3)}"


def build(policy_ref: str, evidence_dir: Path, campaign_id: str | None = None) -> Campaign:
    policy = load_policy(policy_ref, discover())
    enabled = [c for c in policy.checks if c.id in REVIEW_CHECKS and c.params is not None]
    if not enabled:
        raise InputError(msg("the policy enables none of {items}, so it names no groups to re-certify",
                             items=', '.join(REVIEW_CHECKS)), policy.source)
    params = enabled[0].params
    rules = [ScopeRule(e.sid, e.dn, e.ou, e.name, e.period_days, e.owner)
             for e in params.review_groups]
    if not rules:
        raise InputError(msg("the policy's review_groups is empty: name the groups to re-certify (by sid, "
                             "dn, ou or name)"), policy.source)
    privileged_period = next((getattr(c.params, "privileged_period_days", None)
                              for c in enabled if hasattr(c.params, "privileged_period_days")),
                             None)
    evidence, hashes = load_evidence(evidence_dir)
    docs = evidence.of_kind(AD_ACCOUNTS)
    if not docs:
        raise InputError(msg("no ad.accounts evidence in the folder: collect the directory first"),
                         evidence_dir)
    sha = {h["file"]: h["sha256"] for h in hashes}
    now = datetime.now(UTC)
    campaign = Campaign(campaign_id or new_campaign_id(now), now.isoformat(timespec="seconds"),
                        policy.describe(), [], [], False)
    department = department_of(evidence)
    campaign.hr = department is not None
    for doc in docs:
        _add_domain(campaign, doc, sha.get(doc.file or "", ""), rules, params, privileged_period,
                    department, evidence, evidence_dir)
    if not campaign.groups:
        none = msg("no group in the evidence is in the policy's review scope")
        raise InputError(msg("{problem}: {warnings}", problem=none,
                             warnings=msg_list(campaign.warnings)) if campaign.warnings else none,
                         evidence_dir)
    return campaign


def _add_domain(campaign: Campaign, doc, sha256: str, rules, params, privileged_period,
                department, evidence: EvidenceSet, folder: Path) -> None:
    base = doc.data.get("base_dn") or doc.target
    problems = [f"{e.get('part')}: {e.get('message')}" for e in doc.errors]
    try:
        directory = Directory.from_data(doc.data)
    except MalformedDirectory as exc:
        problems.append(str(exc))
        directory = None
    if directory is None or directory.problems or problems or parse_time(doc.collected_at) is None:
        reasons = problems + (directory.problems if directory else [])
        raise InputError(msg("the ad.accounts evidence of {base} cannot say who is a member: "
                             "{reasons}", base=base,
                             reasons=msg_list(reasons or [msg("unreadable collection time")])),
                         folder / (doc.file or ""))
    privileged = [g.group.dn for g in privileged_groups(directory, params.extra_groups)
                  if g.group is not None]
    scope = resolve_scope(directory, rules, privileged, privileged_period)
    for rule in scope.unmatched:
        campaign.warnings.append(msg("{base}: the scope rule {label} matches no group", base=base,
                                     label=rule.label))
    for entry in scope.groups:
        group = entry.group
        nested = [directory.groups[k] for k in directory.members(group) if k in directory.groups]
        broken = [g.name for g in (group, *nested) if g.incomplete]
        if broken:
            campaign.warnings.append(msg("{group_name}: the members of {items} could not be read "
                                         "completely, so it is left out of this campaign",
                                         group_name=group.name, items=', '.join(broken)))
            continue
        item = CampaignGroup(base, doc.file or "", sha256, doc.collected_at, group.dn, group.sid,
                             group.name, entry.owner, entry.period_days)
        for membership, account in directory.account_members(group):
            path = ARROW.join(membership.path) + (" (primaryGroupID)"
                                                  if membership.primary_group else "")
            name = account.name if account else directory.display(membership.member)
            dn = account.dn if account else membership.member
            full = " ".join(p for p in (account.given_name, account.sn) if p) if account else ""
            enabled = ("" if account is None or account.enabled is None
                       else "yes" if account.enabled else "no")
            row = (name, full or _cn(dn), department(account) if department else "",
                   _logon(account.last_logon if account else None), enabled, path, dn)
            item.members.append(Member(dn, account.sid if account else None, name, path, row))
        item.members.sort(key=lambda m: m.name.lower())
        campaign.groups.append(item)


def _cn(dn: str) -> str:
    first = dn.split(",", 1)[0]
    return first.split("=", 1)[1] if "=" in first else dn


def _logon(value: str | None) -> str:
    """lastLogonTimestamp as a minute in UTC; empty: never (or unreadable, which the check says)."""
    when = parse_time(value)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when else ""
