"""Generated security-event exports in the shapes log managers write (for tests, demo, bench).

One event is described once (`Ev`) and rendered as Winlogbeat/ECS, Splunk JSON or WEF XML
rendered as JSON, so a test can assert the same verdicts on every format.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


@dataclass
class Ev:
    at: datetime
    event_id: int
    host: str
    data: dict[str, Any] = field(default_factory=dict)
    record: int = 0
    channel: str = "Security"


def logon(at: datetime, host: str, user: str, sid: str, logon_type: int,
          workstation: str = "-", ip: str = "-", domain: str = "CORP") -> Ev:
    return Ev(at, 4624, host, {"TargetUserName": user, "TargetUserSid": sid,
                               "TargetDomainName": domain, "LogonType": str(logon_type),
                               "WorkstationName": workstation, "IpAddress": ip,
                               "SubjectUserSid": "S-1-0-0"})


def added(at: datetime, host: str, group: str, group_sid: str, member_sid: str, member_dn: str,
          by: str = "adm-jdevries", event_id: int = 4728) -> Ev:
    return Ev(at, event_id, host, {"TargetUserName": group, "TargetSid": group_sid,
                                   "TargetDomainName": "CORP", "MemberSid": member_sid,
                                   "MemberName": member_dn, "SubjectUserName": by,
                                   "SubjectDomainName": "CORP"})


def created(at: datetime, host: str, account: str, sid: str, by: str = "adm-jdevries") -> Ev:
    return Ev(at, 4720, host, {"TargetUserName": account, "TargetSid": sid,
                               "TargetDomainName": "CORP", "SubjectUserName": by,
                               "SubjectDomainName": "CORP", "SamAccountName": account})


def other(at: datetime, host: str) -> Ev:
    """A special-privileges logon (4672): counts for coverage only."""
    return Ev(at, 4672, host, {"SubjectUserName": "SYSTEM", "SubjectUserSid": "S-1-5-18"})


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ecs(ev: Ev) -> dict[str, Any]:
    return {"@timestamp": stamp(ev.at), "event": {"code": str(ev.event_id), "kind": "event"},
            "host": {"name": ev.host.split(".")[0]},
            "winlog": {"channel": ev.channel, "event_id": ev.event_id, "computer_name": ev.host,
                       "record_id": ev.record, "provider_name":
                           "Microsoft-Windows-Security-Auditing", "event_data": ev.data}}


def splunk(ev: Ev) -> dict[str, Any]:
    return {"preview": False, "result": {"_time": ev.at.isoformat(timespec="milliseconds"),
                                         "EventCode": str(ev.event_id), "LogName": ev.channel,
                                         "ComputerName": ev.host, "RecordNumber": str(ev.record),
                                         "sourcetype": "XmlWinEventLog", **ev.data}}


def wef(ev: Ev) -> dict[str, Any]:
    return {"Event": {"System": {"Provider": {"@Name": "Microsoft-Windows-Security-Auditing"},
                                 "EventID": str(ev.event_id),
                                 "TimeCreated": {"@SystemTime": stamp(ev.at)},
                                 "EventRecordID": str(ev.record), "Channel": ev.channel,
                                 "Computer": ev.host},
                      "EventData": {"Data": [{"@Name": k, "#text": v}
                                             for k, v in ev.data.items()]}}}


RENDER = {"ecs": ecs, "splunk": splunk, "wef": wef}


def write(path: Path, events: Iterable[Ev], fmt: str = "ecs") -> Path:
    render = RENDER[fmt]
    with open(path, "w", encoding="utf-8") as out:
        for number, ev in enumerate(events, start=1):
            ev.record = ev.record or number
            out.write(json.dumps(render(ev), separators=(",", ":")) + "\n")
    return path


def hourly(host: str, start: datetime, end: datetime, skip: tuple[datetime, datetime] | None = None,
           ) -> list[Ev]:
    """One coverage event per hour at `host` from `start` to `end`, except in `skip`."""
    out, at = [], start + timedelta(minutes=7)
    while at < end:
        if skip is None or not skip[0] <= at < skip[1]:
            out.append(other(at, host))
        at += timedelta(hours=1)
    return out
