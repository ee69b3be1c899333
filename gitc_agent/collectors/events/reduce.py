"""Reduce a stream of Security events to what the checks judge, in bounded memory.

Why reduce in the collector: a month of domain-controller logs is millions of events, and the
evidence is JSON an auditor keeps. What the checks need is small: per account, logon type, host
and source one aggregate (first, last, count); every privileged-group addition (4728, 4732, 4756)
and account creation (4720), which are rare; and per host the hours in which it logged anything,
as ranges. The collector does not know the policy, so it keeps every account's aggregates and
lets the checks decide which accounts matter.

Nothing is dropped silently: a record that cannot be used is rejected with its reason (counted per
reason, the first ones listed with file and record), events outside the configured period are
counted, and logons of the machine itself (SYSTEM, computer accounts, window manager) are counted
as ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gitc_agent.collectors.events import fields as f
from gitc_agent.collectors.events.readers import Unreadable

LOGON, CREATED = 4624, 4720
GROUP_ADDED = (4728, 4732, 4756)  # security-enabled global, local, universal group
SYSTEM_SIDS = frozenset({"S-1-5-18", "S-1-5-19", "S-1-5-20", "S-1-5-7", "S-1-0-0"})
SYSTEM_DOMAINS = frozenset({"nt authority", "window manager", "font driver host"})
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
SAMPLES = 20  # rejected records listed per source (all are counted)
MAX_HOSTS_LISTED = 1000
LOGON_COLUMNS = ["account", "domain", "sid", "logon_type", "host", "source", "first", "last",
                 "count"]
ADDITION_COLUMNS = ["time", "host", "record_id", "event_id", "group_sid", "group_name",
                    "member_sid", "member_name", "by"]
CREATION_COLUMNS = ["time", "host", "record_id", "account", "sid", "by"]


class TooManyAggregates(Exception):
    """More distinct logon aggregates than the configured bound: the evidence would not be small."""


@dataclass
class SourceStats:
    file: str
    format: str
    read: int = 0
    accepted: int = 0
    outside_period: int = 0
    first: float | None = None
    last: float | None = None
    hosts: set[str] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, location: str, category: str, reason: str) -> None:
        self.reasons[category] += 1
        if len(self.rejected) < SAMPLES:
            self.rejected.append({"file": self.file, "at": location, "reason": reason})

    def describe(self) -> dict[str, Any]:
        hosts = sorted(self.hosts)
        out = {"file": self.file, "format": self.format,
               "counts": {"read": self.read, "accepted": self.accepted,
                          "rejected": sum(self.reasons.values()),
                          "outside_period": self.outside_period},
               "first": f.iso(self.first) if self.first is not None else None,
               "last": f.iso(self.last) if self.last is not None else None,
               "hosts": hosts[:MAX_HOSTS_LISTED], "hosts_seen": len(hosts),
               "rejected_reasons": dict(sorted(self.reasons.items())),
               "rejected": self.rejected}
        return out


class Reducer:
    """Aggregates over every source of one collection."""

    def __init__(self, channels: Iterable[str], period: tuple[float, float] | None,
                 max_logons: int):
        self.channels = {c.strip().lower() for c in channels}
        self.channel_list = ", ".join(sorted(channels))
        self.period = period
        self.max_logons = max_logons
        self.logons: dict[tuple, list[Any]] = {}
        self.additions: list[list[Any]] = []
        self.creations: list[list[Any]] = []
        self.hours: dict[str, set[int]] = {}
        self.host_counts: Counter[str] = Counter()
        self.host_span: dict[str, list[float]] = {}
        self.counts: Counter[str] = Counter()
        self._channel_ok: dict[str, bool] = {}  # raw channel text -> configured (memo)
        self._host_names: dict[str, str] = {}  # raw host text -> normalised (memo)

    def add_all(self, records: Iterable[tuple[str, Any]], mapping: f.Mapping_,
                stats: SourceStats) -> None:
        for location, record in records:
            stats.read += 1
            if isinstance(record, Unreadable):
                stats.reject(location, "unreadable record", record.reason)
                continue
            try:
                self._add(record, mapping, stats, location)
            except f.FieldError as exc:
                reason = str(exc)
                stats.reject(location, _category(reason), reason)

    def _add(self, record: Any, mapping: f.Mapping_, stats: SourceStats, location: str) -> None:
        system = mapping.system
        seconds = f.parse_time(f.first(record, system["time"]))
        eid = f.event_id(f.first(record, system["event_id"]))
        channel = f.first(record, system["channel"])
        known = self._channel_ok.get(channel) if isinstance(channel, str) else None
        if known is None:
            if not isinstance(channel, str) or not channel.strip():
                raise f.FieldError("no channel: which log this event came from is unknown")
            known = self._channel_ok[channel] = channel.strip().lower() in self.channels
        if not known:
            raise f.FieldError(f"channel {channel[:60]!r} is not a configured channel "
                               f"({self.channel_list})")
        raw_host = f.first(record, system["host"])
        host = self._host_names.get(raw_host) if isinstance(raw_host, str) else None
        if host is None:
            if not isinstance(raw_host, str) or not raw_host.strip():
                raise f.FieldError("no host (Computer): where this event was logged is unknown")
            host = self._host_names[raw_host] = raw_host.strip().lower()
        if eid == LOGON:
            logon = self._logon_key(record, mapping, host)
        elif eid in GROUP_ADDED or eid == CREATED:
            change = self._change(record, mapping, host, eid, seconds, system,
                                  f"{stats.file} {location}")
        if self.period is not None and not self.period[0] <= seconds < self.period[1]:
            stats.outside_period += 1
            return
        stats.accepted += 1
        stats.hosts.add(host)
        if stats.first is None or seconds < stats.first:
            stats.first = seconds
        if stats.last is None or seconds > stats.last:
            stats.last = seconds
        self._cover(host, seconds)
        if eid == LOGON:
            self._count_logon(logon, seconds)
        elif eid in GROUP_ADDED:
            self.additions.append(change)
            self.counts["group_additions"] += 1
        elif eid == CREATED:
            self.creations.append(change)
            self.counts["accounts_created"] += 1
        else:
            self.counts["other_events"] += 1

    def _cover(self, host: str, seconds: float) -> None:
        hour = int(seconds // 3600)
        hours = self.hours.get(host)
        if hours is None:
            hours = self.hours[host] = set()
            self.host_span[host] = [seconds, seconds]
        hours.add(hour)
        span = self.host_span[host]
        if seconds < span[0]:
            span[0] = seconds
        elif seconds > span[1]:
            span[1] = seconds
        self.host_counts[host] += 1

    def _logon_key(self, record: Any, mapping: f.Mapping_, host: str) -> tuple | None:
        data = f.event_data(record, mapping)
        user = f.data_value(record, data, mapping, "target_user")
        sid = f.data_value(record, data, mapping, "target_sid")
        domain = f.data_value(record, data, mapping, "target_domain") or ""
        if (user is None or user.endswith("$") or (sid or "").upper() in SYSTEM_SIDS
                or domain.lower() in SYSTEM_DOMAINS):
            return None  # the machine itself
        text = f.data_value(record, data, mapping, "logon_type")
        try:
            logon_type = int(text) if text is not None else None
        except ValueError:
            logon_type = None
        if logon_type is None:
            raise f.FieldError(f"logon event of {user[:60]} without a readable logon type")
        source = f.data_value(record, data, mapping, "workstation")
        if source is None:
            ip = f.data_value(record, data, mapping, "ip")
            source = None if ip is None or ip.lower() in LOOPBACK else ip
        return (user, domain, sid.upper() if sid else None, logon_type, host,
                source.lower() if source else None)

    def _count_logon(self, key: tuple | None, seconds: float) -> None:
        if key is None:
            self.counts["logons_ignored"] += 1
            return
        self.counts["logon_events"] += 1
        folded = (key[0].lower(), key[1].lower(), *key[2:])
        entry = self.logons.get(folded)
        if entry is None:
            if len(self.logons) >= self.max_logons:
                raise TooManyAggregates(self.max_logons)
            self.logons[folded] = [*key, seconds, seconds, 1]
            return
        if seconds < entry[6]:
            entry[6] = seconds
        if seconds > entry[7]:
            entry[7] = seconds
        entry[8] += 1

    def _change(self, record: Any, mapping: f.Mapping_, host: str, eid: int, seconds: float,
                system: dict, location: str) -> list[Any]:
        """A change's row; it is identified by its record id, or where no export gives one by
        its file and line, so its result keeps its identity from run to run."""
        data = f.event_data(record, mapping)
        rid = f.first(record, system["record_id"])
        if isinstance(rid, str) and rid.strip().isdigit():
            rid = int(rid)  # Splunk and WEF-as-JSON write numbers as text
        if not isinstance(rid, int | str) or isinstance(rid, bool) or rid == "":
            rid = location
        user = f.data_value(record, data, mapping, "subject_user")
        domain = f.data_value(record, data, mapping, "subject_domain")
        by = f"{domain}\\{user}" if domain and user else user
        sid = f.data_value(record, data, mapping, "target_sid")
        name = f.data_value(record, data, mapping, "target_user")
        if eid == CREATED:
            if name is None:
                raise f.FieldError("account-creation event without the new account's name")
            return [f.iso(seconds), host, rid, name, sid.upper() if sid else None, by]
        member = f.data_value(record, data, mapping, "member_sid")
        if sid is None or member is None:
            raise f.FieldError(f"group-membership event {eid} without the group's or the "
                               f"member's SID")
        return [f.iso(seconds), host, rid, eid, sid.upper(), name, member.upper(),
                f.data_value(record, data, mapping, "member_name"), by]

    def host_coverage(self) -> list[dict[str, Any]]:
        """Per host: first and last event, count, and the hours with events as [start, end)
        ranges (an hour bucket is covered when at least one event fell in it)."""
        out = []
        for host in sorted(self.hours):
            ranges: list[list[str]] = []
            start = prev = None
            for hour in sorted(self.hours[host]):
                if start is None:
                    start = prev = hour
                elif hour == prev + 1:
                    prev = hour
                else:
                    ranges.append([f.iso(start * 3600), f.iso((prev + 1) * 3600)])
                    start = prev = hour
            if start is not None:
                ranges.append([f.iso(start * 3600), f.iso((prev + 1) * 3600)])
            first, last = self.host_span[host]
            out.append({"host": host, "first": f.iso(first), "last": f.iso(last),
                        "events": self.host_counts[host], "covered": ranges})
        return out

    def logon_rows(self) -> list[list[Any]]:
        rows = [[*v[:6], f.iso(v[6]), f.iso(v[7]), v[8]] for v in self.logons.values()]
        return sorted(rows, key=lambda r: (r[0].lower(), r[3], r[4], r[5] or ""))


def _category(reason: str) -> str:
    """The reason without its example value, to count rejections per kind of problem."""
    for marker, category in (("has no time zone", "timestamp without time zone"),
                             ("not a configured channel", "unknown channel"),
                             ("is not ISO 8601", "unreadable timestamp"),
                             ("no timestamp", "no timestamp"), ("event id", "unreadable event id"),
                             ("no channel", "no channel"), ("no host", "no host"),
                             ("logon type", "logon without logon type"),
                             ("without the group", "group change without SIDs"),
                             ("account-creation", "account creation without name")):
        if marker in reason:
            return category
    return reason[:60]
