"""Reading an `events.security` document, checked against itself.

Why so strict: the checks judge aggregates, so a list that lost rows would read as "no logons" or
"no changes". Every list must add up to the counts the collector wrote, every row must have the
collector's columns and types; a part that does not is `broken` (its checks report `error`), and
a document whose frame is unreadable is `Malformed` (every event check reports `error`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.timeutil import parse_time

from ._events_model import Change, ChangeTicket, Coverage, Events, Logon, Malformed


def _time(value: Any, what: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise Malformed(f"unreadable {what} {value!r}")
    return parsed


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Malformed(f"{what} {value!r} is not a count")
    return value


def _text(value: Any, what: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise Malformed(f"{what} {value!r} is not a name")
    return value


def _rows(data: dict[str, Any], key: str, columns_key: str, need: Iterable[str],
          ) -> tuple[list[str], list[list[Any]]]:
    columns, rows = data.get(columns_key), data.get(key)
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise Malformed(f"{key} or {columns_key} missing")
    missing = [c for c in need if c not in columns]
    if missing:
        raise Malformed(f"{columns_key} lacks {', '.join(missing)}")
    if any(not isinstance(r, list) or len(r) != len(columns) for r in rows):
        raise Malformed(f"a row of {key} does not match {columns_key}")
    return columns, rows


def parse(doc: EvidenceDoc) -> Events:
    data = doc.data
    counts = data.get("counts")
    if not isinstance(counts, dict):
        raise Malformed("the counts are missing")
    counts = {k: _int(v, f"count {k}") for k, v in counts.items()}
    for key in ("read", "accepted", "rejected", "logon_events", "group_additions",
                "accounts_created"):
        if key not in counts:
            raise Malformed(f"the count {key!r} is missing")
    period = data.get("period")
    if not isinstance(period, dict):
        raise Malformed("the period is missing")
    if period.get("start") is None and period.get("end") is None and counts["accepted"] == 0:
        start = end = _time(doc.collected_at, "collection time")  # nothing was read at all
    else:
        start, end = _time(period.get("start"), "period start"), _time(period.get("end"),
                                                                       "period end")
    if end < start:
        raise Malformed("the period ends before it starts")
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise Malformed("no sources are listed")
    for s in sources:
        if not isinstance(s, dict) or not isinstance(s.get("file"), str):
            raise Malformed("a source has no file name")
        c = s.get("counts")
        if not isinstance(c, dict) or not all(isinstance(c.get(k), int)
                                              for k in ("read", "rejected")):
            raise Malformed(f"source {s.get('file')}: its counts are missing")
        reasons = s.get("rejected_reasons")
        if not isinstance(reasons, dict) or sum(
                _int(v, "rejected count") for v in reasons.values()) != c["rejected"]:
            raise Malformed(f"source {s['file']}: the rejected records are not accounted for")
        if not isinstance(s.get("parse_errors", []), list):
            raise Malformed(f"source {s['file']}: its parser errors are unreadable")
    if sum(s["counts"]["rejected"] for s in sources) != counts["rejected"]:
        raise Malformed("the rejected records of the sources do not add up")
    expected = data.get("expected_hosts")
    if not isinstance(expected, list) or not all(isinstance(h, str) for h in expected) \
            or len(expected) != counts.get("expected_hosts"):
        raise Malformed("the listed servers (expected_hosts) are missing or do not match their "
                        "count")
    events = Events(doc, start, end, [], [], [], {}, list(expected), counts, None)
    for part, reader in (("logons", _logons), ("additions", _additions),
                         ("creations", _creations), ("hosts", _hosts), ("tickets", _tickets)):
        try:
            reader(data, events)
        except (Malformed, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            events.broken[part] = str(exc) or type(exc).__name__
    return events


def _logons(data: dict[str, Any], events: Events) -> None:
    cols, rows = _rows(data, "logons", "logon_columns",
                       ("account", "domain", "sid", "logon_type", "host", "source", "first",
                        "last", "count"))
    i = {c: n for n, c in enumerate(cols)}
    total = 0
    for r in rows:
        count = _int(r[i["count"]], "logon count")
        logon_type = _int(r[i["logon_type"]], "logon type")
        events.logons.append(Logon(
            _text(r[i["account"]], "account"), r[i["domain"]] if isinstance(r[i["domain"]], str)
            else "", _text(r[i["sid"]], "SID", optional=True), logon_type,
            _text(r[i["host"]], "host"), _text(r[i["source"]], "source", optional=True),
            _time(r[i["first"]], "first logon"), _time(r[i["last"]], "last logon"), count))
        total += count
    if total != events.counts["logon_events"]:
        raise Malformed(f"the logon aggregates count {total} logons, the collector counted "
                        f"{events.counts['logon_events']}")


def _change_rows(data: dict[str, Any], key: str, columns_key: str, need: tuple[str, ...],
                 count_key: str, events: Events) -> list[dict[str, Any]]:
    cols, rows = _rows(data, key, columns_key, need)
    if len(rows) != events.counts[count_key]:
        raise Malformed(f"{len(rows)} {key} listed, the collector counted "
                        f"{events.counts[count_key]}")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _record(value: Any) -> int | str:
    """The collector always writes one (record id, or file and line): it names the result."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise Malformed(f"record id {value!r} is missing")
    return value


def _additions(data: dict[str, Any], events: Events) -> None:
    for r in _change_rows(data, "group_additions", "addition_columns",
                          ("time", "host", "record_id", "event_id", "group_sid", "group_name",
                           "member_sid", "member_name", "by"), "group_additions", events):
        events.additions.append(Change(
            _time(r["time"], "change time"), _text(r["host"], "host"), _record(r["record_id"]),
            _int(r["event_id"], "event id"), _text(r["group_sid"], "group SID").upper(),
            _text(r["group_name"], "group name", optional=True),
            _text(r["member_sid"], "member SID").upper(),
            _text(r["member_name"], "member name", optional=True),
            _text(r["by"], "changed by", optional=True)))


def _creations(data: dict[str, Any], events: Events) -> None:
    for r in _change_rows(data, "accounts_created", "creation_columns",
                          ("time", "host", "record_id", "account", "sid", "by"),
                          "accounts_created", events):
        events.creations.append(Change(
            _time(r["time"], "creation time"), _text(r["host"], "host"), _record(r["record_id"]),
            4720,
            _text(r["sid"], "SID", optional=True), _text(r["account"], "account"),
            by=_text(r["by"], "created by", optional=True)))


def _hosts(data: dict[str, Any], events: Events) -> None:
    hosts = data.get("hosts")
    if not isinstance(hosts, list):
        raise Malformed("the per-host coverage is missing")
    total = 0
    for h in hosts:
        name = _text(h["host"], "host").lower()
        covered = tuple((_time(a, "covered hour"), _time(b, "covered hour"))
                        for a, b in h["covered"])
        count = _int(h["events"], "event count")
        if count and not covered:
            raise Malformed(f"{name}: {count} events but no covered hours")
        events.hosts[name] = Coverage(name, _time(h["first"], "first event"),
                                      _time(h["last"], "last event"), count, covered)
        total += count
    if total != events.counts["accepted"]:
        raise Malformed(f"the hosts' events add up to {total}, the collector accepted "
                        f"{events.counts['accepted']}")


def _tickets(data: dict[str, Any], events: Events) -> None:
    part = data.get("tickets")
    if part is None:
        return
    listed = part["tickets"]
    counts = part["counts"]
    if len(listed) != counts["used"] or counts["rejected"] != len(part["rejected"]):
        raise Malformed("the change tickets do not add up to their counts")
    if part["rejected"]:
        first = part["rejected"][0]
        raise Malformed(f"{counts['rejected']} row(s) of the change-ticket export were rejected "
                        f"(first: row {first['row']}: {first['reason']}), so a change may have "
                        f"a ticket that could not be read")
    events.tickets = [ChangeTicket(_text(t["ticket"], "ticket"), _time(t["approved_at"],
                                                                       "approval time"),
                                   _text(t["account"], "ticket account"),
                                   _text(t["group"], "ticket group", optional=True))
                      for t in listed]
