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

from gitc_agent.core.check_api import Message, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.message import N_
from gitc_agent.model.timeutil import parse_time

from ._events_model import Change, ChangeTicket, Coverage, Events, Logon, Malformed
from ._unreadable import why

# `what` names the field in the reason (an N_-marked English noun, or a Message), made a
# Message only when the value is bad: these run for every row of the events.

def _what(what: str | Message) -> Message:
    return what if isinstance(what, Message) else msg(what)


def _time(value: Any, what: str | Message) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise Malformed(msg("unreadable {what} {value}", what=_what(what), value=repr(value)))
    return parsed


def _int(value: Any, what: str | Message) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Malformed(msg("{what} {value} is not a count", what=_what(what),
                            value=repr(value)))
    return value


def _text(value: Any, what: str | Message, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise Malformed(msg("{what} {value} is not a name", what=_what(what), value=repr(value)))
    return value


def _rows(data: dict[str, Any], key: str, columns_key: str, need: Iterable[str],
          ) -> tuple[list[str], list[list[Any]]]:
    columns, rows = data.get(columns_key), data.get(key)
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise Malformed(msg("{key} or {columns} missing", key=key, columns=columns_key))
    missing = [c for c in need if c not in columns]
    if missing:
        raise Malformed(msg("{columns} lacks {missing}", columns=columns_key,
                            missing=", ".join(missing)))
    if any(not isinstance(r, list) or len(r) != len(columns) for r in rows):
        raise Malformed(msg("a row of {key} does not match {columns}", key=key,
                            columns=columns_key))
    return columns, rows


def parse(doc: EvidenceDoc) -> Events:
    data = doc.data
    counts = data.get("counts")
    if not isinstance(counts, dict):
        raise Malformed(msg("the counts are missing"))
    counts = {k: _int(v, msg("count {key}", key=k)) for k, v in counts.items()}
    for key in ("read", "accepted", "rejected", "logon_events", "group_additions",
                "accounts_created"):
        if key not in counts:
            raise Malformed(msg("the count {key} is missing", key=repr(key)))
    period = data.get("period")
    if not isinstance(period, dict):
        raise Malformed(msg("the period is missing"))
    if period.get("start") is None and period.get("end") is None and counts["accepted"] == 0:
        start = end = _time(doc.collected_at, N_("collection time"))  # nothing was read at all
    else:
        start, end = _time(period.get("start"), N_("period start")), _time(period.get("end"),
                                                                       N_("period end"))
    if end < start:
        raise Malformed(msg("the period ends before it starts"))
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise Malformed(msg("no sources are listed"))
    for s in sources:
        if not isinstance(s, dict) or not isinstance(s.get("file"), str):
            raise Malformed(msg("a source has no file name"))
        c = s.get("counts")
        if not isinstance(c, dict) or not all(isinstance(c.get(k), int)
                                              for k in ("read", "rejected")):
            raise Malformed(msg("source {file}: its counts are missing", file=str(s.get("file"))))
        reasons = s.get("rejected_reasons")
        if not isinstance(reasons, dict) or sum(
                _int(v, N_("rejected count")) for v in reasons.values()) != c["rejected"]:
            raise Malformed(msg("source {file}: the rejected records are not accounted for",
                                file=s["file"]))
        if not isinstance(s.get("parse_errors", []), list):
            raise Malformed(msg("source {file}: its parser errors are unreadable",
                                file=s["file"]))
    if sum(s["counts"]["rejected"] for s in sources) != counts["rejected"]:
        raise Malformed(msg("the rejected records of the sources do not add up"))
    expected = data.get("expected_hosts")
    if not isinstance(expected, list) or not all(isinstance(h, str) for h in expected) \
            or len(expected) != counts.get("expected_hosts"):
        raise Malformed(msg("the listed servers (expected_hosts) are missing or do not match "
                            "their count"))
    events = Events(doc, start, end, [], [], [], {}, list(expected), counts, None)
    for part, reader in (("logons", _logons), ("additions", _additions),
                         ("creations", _creations), ("hosts", _hosts), ("tickets", _tickets)):
        try:
            reader(data, events)
        except (Malformed, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            events.broken[part] = why(exc)
    return events


def _logons(data: dict[str, Any], events: Events) -> None:
    cols, rows = _rows(data, "logons", "logon_columns",
                       ("account", "domain", "sid", "logon_type", "host", "source", "first",
                        "last", "count"))
    i = {c: n for n, c in enumerate(cols)}
    total = 0
    for r in rows:
        count = _int(r[i["count"]], N_("logon count"))
        logon_type = _int(r[i["logon_type"]], N_("logon type"))
        events.logons.append(Logon(
            _text(r[i["account"]], N_("account")), r[i["domain"]] if isinstance(r[i["domain"]], str)
            else "", _text(r[i["sid"]], N_("SID"), optional=True), logon_type,
            _text(r[i["host"]], N_("host")), _text(r[i["source"]], N_("source"), optional=True),
            _time(r[i["first"]], N_("first logon")), _time(r[i["last"]], N_("last logon")), count))
        total += count
    if total != events.counts["logon_events"]:
        raise Malformed(msg("the logon aggregates count {total} logons, the collector counted "
                            "{counted}", total=total, counted=events.counts["logon_events"]))


def _change_rows(data: dict[str, Any], key: str, columns_key: str, need: tuple[str, ...],
                 count_key: str, events: Events) -> list[dict[str, Any]]:
    cols, rows = _rows(data, key, columns_key, need)
    if len(rows) != events.counts[count_key]:
        raise Malformed(msg("{count} {key} listed, the collector counted {counted}",
                            count=len(rows), key=key, counted=events.counts[count_key]))
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _record(value: Any) -> int | str:
    """The collector always writes one (record id, or file and line): it names the result."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise Malformed(msg("record id {value} is missing", value=repr(value)))
    return value


def _additions(data: dict[str, Any], events: Events) -> None:
    for r in _change_rows(data, "group_additions", "addition_columns",
                          ("time", "host", "record_id", "event_id", "group_sid", "group_name",
                           "member_sid", "member_name", "by"), "group_additions", events):
        events.additions.append(Change(
            _time(r["time"], N_("change time")), _text(r["host"], N_("host")), _record(r["record_id"]),
            _int(r["event_id"], N_("event id")), _text(r["group_sid"], N_("group SID")).upper(),
            _text(r["group_name"], N_("group name"), optional=True),
            _text(r["member_sid"], N_("member SID")).upper(),
            _text(r["member_name"], N_("member name"), optional=True),
            _text(r["by"], N_("changed by"), optional=True)))


def _creations(data: dict[str, Any], events: Events) -> None:
    for r in _change_rows(data, "accounts_created", "creation_columns",
                          ("time", "host", "record_id", "account", "sid", "by"),
                          "accounts_created", events):
        events.creations.append(Change(
            _time(r["time"], N_("creation time")), _text(r["host"], N_("host")), _record(r["record_id"]),
            4720,
            _text(r["sid"], N_("SID"), optional=True), _text(r["account"], N_("account")),
            by=_text(r["by"], N_("created by"), optional=True)))


def _hosts(data: dict[str, Any], events: Events) -> None:
    hosts = data.get("hosts")
    if not isinstance(hosts, list):
        raise Malformed(msg("the per-host coverage is missing"))
    total = 0
    for h in hosts:
        name = _text(h["host"], N_("host")).lower()
        covered = tuple((_time(a, N_("covered hour")), _time(b, N_("covered hour")))
                        for a, b in h["covered"])
        count = _int(h["events"], N_("event count"))
        if count and not covered:
            raise Malformed(msg("{host}: {count} events but no covered hours", host=name,
                                count=count))
        events.hosts[name] = Coverage(name, _time(h["first"], N_("first event")),
                                      _time(h["last"], N_("last event")), count, covered)
        total += count
    if total != events.counts["accepted"]:
        raise Malformed(msg("the hosts' events add up to {total}, the collector accepted "
                            "{accepted}", total=total, accepted=events.counts["accepted"]))


def _tickets(data: dict[str, Any], events: Events) -> None:
    part = data.get("tickets")
    if part is None:
        return
    listed = part["tickets"]
    counts = part["counts"]
    if len(listed) != counts["used"] or counts["rejected"] != len(part["rejected"]):
        raise Malformed(msg("the change tickets do not add up to their counts"))
    if part["rejected"]:
        first = part["rejected"][0]
        raise Malformed(msg("{count} row(s) of the change-ticket export were rejected (first: "
                            "row {row}: {reason}), so a change may have a ticket that could not "
                            "be read", count=counts["rejected"], row=first["row"],
                            reason=first["reason"]))
    events.tickets = [ChangeTicket(_text(t["ticket"], N_("ticket")), _time(t["approved_at"],
                                                                       N_("approval time")),
                                   _text(t["account"], N_("ticket account")),
                                   _text(t["group"], N_("ticket group"), optional=True))
                      for t in listed]
