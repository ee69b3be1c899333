"""A review record: what one re-certification of one group saw and decided.

Written by `gitc-agent review import` from a returned campaign workbook, read back by the
`ad.group_reviews` collector, judged by the `ad.groups.*` checks. The record keeps the membership
the reviewer saw (as of the evidence the workbook was made from), because LDAP alone cannot say
when a member was added: `whenChanged` is the group's last change of any kind, and replication
metadata (`msDS-ReplValueMetaData`) is not in the evidence and is lost when a member is removed
and added again. "Added since the review" is therefore the current members the record does not
list. Everything is required: a record missing a part cannot say what the review covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gitc_agent.model.message import Message, msg

SCHEMA = "gitc-agent/group-review/v1"
KEEP, REMOVE = "keep", "remove"
DECISIONS = (KEEP, REMOVE)


class RecordError(ValueError):
    """The record cannot say what the review covered: why, in words for the user (a Message, so
    a check's sentence about it is translated whole; str(exc) is its English text)."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ReviewedMember:
    dn: str
    sid: str | None
    name: str
    path: str
    decision: str  # keep or remove

    def same(self, dn: str, sid: str | None) -> bool:
        """The same account: by SID when both have one (it survives a rename), else by DN."""
        if self.sid and sid:
            return self.sid.upper() == sid.upper()
        return self.dn.lower() == dn.lower()


@dataclass(frozen=True)
class ReviewRecord:
    campaign: str
    evidence_sha256: str
    domain: str  # base DN
    group_dn: str
    group_sid: str | None
    group_name: str
    owner: str
    reviewer: str
    date: date
    membership_as_of: str  # collected_at of the evidence the workbook showed
    members: tuple[ReviewedMember, ...]
    file: str = ""  # the record file it was read from

    def is_of(self, dn: str, sid: str | None) -> bool:
        if self.group_sid and sid:
            return self.group_sid.upper() == sid.upper()
        return self.group_dn.lower() == dn.lower()

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "campaign": self.campaign,
                "evidence_sha256": self.evidence_sha256, "domain": self.domain,
                "group": {"dn": self.group_dn, "sid": self.group_sid, "name": self.group_name},
                "owner": self.owner, "reviewer": self.reviewer, "date": self.date.isoformat(),
                "membership_as_of": self.membership_as_of, "member_count": len(self.members),
                "members": [{"dn": m.dn, "sid": m.sid, "name": m.name, "path": m.path,
                             "decision": m.decision} for m in self.members]}


def _text(data: dict[str, Any], key: str, where: str = "", optional: bool = False) -> Any:
    value = data.get(key)
    if optional and value is None and key in data:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RecordError(msg("{key} is missing or not text", key=where + key))
    return value


def parse_record(data: Any, file: str = "") -> ReviewRecord:
    """The record `data` describes; RecordError says what is missing or wrong."""
    if not isinstance(data, dict):
        raise RecordError(msg("a review record is a JSON object"))
    if data.get("schema") != SCHEMA:
        raise RecordError(msg("schema is {found}, not {schema}", found=repr(data.get("schema")),
                              schema=repr(SCHEMA)))
    group = data.get("group")
    if not isinstance(group, dict):
        raise RecordError(msg("group is missing"))
    try:
        day = date.fromisoformat(_text(data, "date"))
    except ValueError:
        raise RecordError(msg("date {date} is not a date (YYYY-MM-DD)",
                              date=repr(data.get("date")))) from None
    listed = data.get("members")
    if not isinstance(listed, list):
        raise RecordError(msg("members is missing or not a list"))
    count = data.get("member_count")
    if not isinstance(count, int) or isinstance(count, bool) or count != len(listed):
        raise RecordError(msg("member_count {count} does not match the {listed} member(s) listed",
                              count=repr(count), listed=len(listed)))
    members = []
    for index, entry in enumerate(listed):
        where = f"members[{index}]."
        if not isinstance(entry, dict):
            raise RecordError(msg("{entry} is not an object", entry=f"members[{index}]"))
        decision = _text(entry, "decision", where)
        if decision not in DECISIONS:
            raise RecordError(msg("{key} {decision} is neither keep nor remove",
                                  key=where + "decision", decision=repr(decision)))
        members.append(ReviewedMember(_text(entry, "dn", where), _text(entry, "sid", where, True),
                                      _text(entry, "name", where), _text(entry, "path", where),
                                      decision))
    return ReviewRecord(
        campaign=_text(data, "campaign"), evidence_sha256=_text(data, "evidence_sha256"),
        domain=_text(data, "domain"), group_dn=_text(group, "dn", "group."),
        group_sid=_text(group, "sid", "group.", True), group_name=_text(group, "name", "group."),
        owner=_text(data, "owner"), reviewer=_text(data, "reviewer"), date=day,
        membership_as_of=_text(data, "membership_as_of"), members=tuple(members), file=file)
