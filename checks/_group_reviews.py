"""Shared reading for the re-certification checks (`ad.groups.*`): the groups in scope, their
current (transitive) members, and their reviews.

Why shared: the three checks must agree on which groups are in scope (the same resolution
`gitc-agent review export` uses, gitc_agent/model/review_scope.py), on which review is the last
one, and on what makes a group not assessable: a scope rule that matches nothing, a membership
that cannot be read completely, or a review-record folder with a file that could not be read
(it may hold the last review of any group).

Reviews come from two places: review records (`ad.group_reviews` evidence, written by `review
import`: date, reviewer, the membership seen and each member's decision) and the policy's
`group_reviews` list (date and reviewer only, as `ad.privileged.review_overdue` has them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from pydantic import Field, field_validator, model_validator

from gitc_agent.core.check_api import (
    CheckParams,
    EvidenceSet,
    Outcome,
    Status,
    Verdict,
    msg,
    not_applicable,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account, Membership, privileged_groups
from gitc_agent.model.group_review import RecordError, ReviewRecord, parse_record
from gitc_agent.model.kinds import AD_ACCOUNTS, AD_GROUP_REVIEWS
from gitc_agent.model.message import MessageList, msg_list
from gitc_agent.model.review_scope import GroupInScope, ScopeRule, resolve_scope
from gitc_agent.model.sid import group_key

from ._ad_accounts import Domain, domains, membership_issue


class ScopeEntry(CheckParams):
    """One rule of `review_groups`: the groups it names, how often they are re-certified, by whom."""

    sid: str | None = None
    dn: str | None = None
    ou: str | None = None  # every group anywhere under this OU
    name: str | None = None  # a pattern on the group name (fnmatch, case-insensitive)
    period_days: int = Field(ge=1, le=3660)
    owner: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one(self) -> ScopeEntry:
        given = [k for k in ("sid", "dn", "ou", "name") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("name the groups with exactly one of sid, dn, ou or name "
                             f"(given: {', '.join(given) or 'none'})")
        if self.ou and not self.ou.strip().lower().startswith(("ou=", "cn=", "dc=")):
            raise ValueError(f"ou {self.ou!r} is not a DN (OU=Applicaties,DC=corp,DC=example)")
        return self

    def rule(self) -> ScopeRule:
        return ScopeRule(self.sid, self.dn, self.ou, self.name, self.period_days, self.owner)


class PolicyReview(CheckParams):
    """A review recorded in the policy: it says when and by whom, not which members it saw."""

    group: str = Field(min_length=1, description="SID, RID:nnn or DN")
    date: date
    reviewer: str = Field(min_length=1)
    reference: str = ""

    _g = field_validator("group")(classmethod(lambda cls, v: group_key(v)))


class ReviewParams(CheckParams):
    review_groups: list[ScopeEntry] = Field(default_factory=list)
    # the organisation keeps review records (`group_reviews.folder` in the config): their
    # evidence missing is then an error, not "no review"
    review_records: bool = False
    group_reviews: list[PolicyReview] = Field(default_factory=list)
    extra_groups: list[str] = Field(default_factory=list)  # privileged beyond the built-in ones

    _e = field_validator("extra_groups")(classmethod(lambda cls, v: [group_key(x) for x in v]))


@dataclass(frozen=True)
class LastReview:
    day: date
    reviewer: str
    source: str  # the record file, or "policy"
    record: ReviewRecord | None  # None: recorded in the policy


@dataclass
class ReviewDomain:
    domain: Domain
    records: list[ReviewRecord]
    unreadable: MessageList | None  # why the review records could not all be read
    source: dict[str, str] = field(default_factory=dict)
    collected: bool = False  # an ad.group_reviews document is in the evidence

    @property
    def subject(self) -> str:
        return self.domain.subject


@dataclass(frozen=True)
class ReviewedGroup:
    scope: GroupInScope
    label: str
    subject: str
    members: list[tuple[Membership, Account | None]]  # current account members, transitive
    last: LastReview | None
    evidence: dict


def review_domains(evidence: EvidenceSet) -> Iterator[ReviewDomain | Outcome]:
    """Each readable domain with the review records of its groups."""
    records, problems, sources = [], [], []
    for doc in evidence.of_kind(AD_GROUP_REVIEWS):
        sources.append(doc.target)
        problems += [msg("{part}: {error}", part=e.get("part", "?"),  # the collector's words
                         error=e.get("message", msg("unknown error"))) for e in doc.errors]
        listed, files, count = (doc.data.get(k) for k in ("records", "files", "count"))
        per_file = [f.get("records") if isinstance(f, dict) else None
                    for f in (files if isinstance(files, list) else [None])]
        if not isinstance(listed, list) or type(count) is not int or count != len(listed) \
                or not all(type(n) is int for n in per_file) or sum(per_file) != len(listed):
            problems.append(msg("the review records of {target} are incomplete or inconsistent",
                                target=doc.target))
            continue
        for entry in listed:
            try:
                records.append(parse_record(entry, str(entry.get("file", ""))
                                            if isinstance(entry, dict) else ""))
            except RecordError as exc:
                problems.append(msg("a review record of {target} is malformed: {problem}",
                                    target=doc.target, problem=exc.message))
    if not evidence.of_kind(AD_ACCOUNTS):
        yield Outcome(subjects.evidence(AD_ACCOUNTS), Status.ERROR,
                      msg("no ad.accounts evidence was collected, so the current members of the "
                          "reviewed groups are unknown and nothing was assessed"), {})
        return
    for item in domains(evidence):
        if isinstance(item, Outcome):
            yield item
            continue
        mine = [r for r in records if r.domain.lower() == item.base.lower()]
        yield ReviewDomain(item, mine, msg_list(problems) if problems else None,
                           {**item.source, "review_records": ", ".join(sources)}, bool(sources))


def groups_in_scope(rd: ReviewDomain, params: ReviewParams, privileged_period: int | None = None,
                    needs_records: bool = False) -> Iterator[ReviewedGroup | Verdict]:
    """Each group in scope, ready to judge, or a verdict saying why it cannot be judged.
    `needs_records`: the check judges what only review records say (what was seen, decided)."""
    directory = rd.domain.directory
    if not params.review_groups:
        yield not_applicable(msg("the policy names no groups for re-certification "
                                 "(review_groups)"), subject=rd.domain.subject)
        return
    if params.review_records and not rd.collected:
        yield unknown(msg("the policy says review records are kept (review_records), but no "
                          "ad.group_reviews evidence was collected, so the reviews of {domain} "
                          "are unknown and were not assessed (configure group_reviews.folder)",
                          domain=rd.domain.base), subject=rd.domain.subject)
        return
    if needs_records and not rd.collected:
        yield not_applicable(msg("the organisation keeps no review records (review_records: "
                                 "false), so what its reviews saw and decided is not recorded"),
                             subject=rd.domain.subject)
        return
    privileged = [g.group.dn for g in privileged_groups(directory, params.extra_groups)
                  if g.group is not None]
    scope = resolve_scope(directory, [e.rule() for e in params.review_groups], privileged,
                          privileged_period)
    for rule in scope.unmatched:
        yield unknown(msg("the review scope rule {rule} matches no group in the evidence of "
                          "{domain}: the group may be misspelt, renamed or not readable for the "
                          "bound account, so it was not assessed", rule=rule.label,
                          domain=rd.domain.base),
                      subject=subjects.aspect(rd.domain.subject, f"review-scope:{rule.label}"))
    for group, rule in scope.nameless:
        yield unknown(msg("the name of {dn} could not be read, so whether the review scope rule "
                          "{rule} covers it is unknown and it was not assessed", dn=group.dn,
                          rule=rule.label), subject=subjects.group(group.sid or group.dn))
    for entry in scope.groups:
        group = entry.group
        subject = subjects.group(entry.key)
        label = group.name
        if not group.sid:  # every AD group has one: the subject and the record match need it
            yield unknown(msg("the objectSid of {group} could not be read, so it was not "
                              "assessed", group=group.dn), subject=subject, group=group.dn)
            continue
        if rd.unreadable:
            yield unknown(msg("{group}: the review records could not all be read ({why}), so "
                              "its reviews are unknown and it was not assessed", group=label,
                              why=rd.unreadable), subject=subject, group=group.dn)
            continue
        issue = membership_issue(directory, group)
        if issue:
            yield unknown(issue.message("recertification"), subject=subject, group=group.dn)
            continue
        members = list(directory.account_members(group))
        yield ReviewedGroup(entry, label, subject, members, _last(rd, entry, params),
                            {"group": group.dn, "group_sid": group.sid, "owner": entry.owner,
                             "period_days": entry.period_days, "members": len(members),
                             "privileged": entry.privileged, "scope_rules": list(entry.rules)})


def _last(rd: ReviewDomain, entry: GroupInScope, params: ReviewParams) -> LastReview | None:
    """The latest review; on the same day a record wins (it says what was seen)."""
    directory = rd.domain.directory
    found = [LastReview(r.date, r.reviewer, r.file, r)
             for r in rd.records if r.is_of(entry.group.dn, entry.group.sid)]
    for review in params.group_reviews:
        group = directory.group(review.group)
        if group is not None and group.dn.lower() == entry.group.dn.lower():
            found.append(LastReview(review.date, review.reviewer, "policy", None))
    if not found:
        return None
    return max(found, key=lambda r: (r.day, r.record is not None))

