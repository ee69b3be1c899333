"""Where each format keeps the fields of a Windows Security event, and reading them out.

Why presets plus a mapping: the same event reaches the auditor in several shapes. EVTX and WEF
(XML rendered as JSON) keep `Event.System` and `Event.EventData` (the latter sometimes as a list
of `{"@Name", "#text"}` pairs); Winlogbeat (ECS) has `winlog.event_data`; a Splunk export has the
event-data names at the top level, under `result`. The config's `fields:` points a canonical field
at another dotted path when a log manager renames one; nothing is guessed beyond the preset.

A timestamp without a zone is refused, not assumed to be UTC: a log manager that writes local
time without its offset would shift every gap and every "before the approval" by hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: canonical field -> alternative dotted paths, first present wins; `event_data` is the prefix of
#: the event-data names (TargetUserName, LogonType, ...)
_SYSTEM_XML = {
    "time": ("Event.System.TimeCreated.#attributes.SystemTime",
             "Event.System.TimeCreated.@SystemTime", "Event.System.TimeCreated.SystemTime"),
    "event_id": ("Event.System.EventID.#text", "Event.System.EventID.Value",
                 "Event.System.EventID"),
    "channel": ("Event.System.Channel",),
    "host": ("Event.System.Computer",),
    "record_id": ("Event.System.EventRecordID",),
    "event_data": ("Event.EventData",),
}
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "evtx": _SYSTEM_XML,
    "wef": _SYSTEM_XML,
    "ecs": {
        "time": ("@timestamp",),
        "event_id": ("winlog.event_id", "event.code"),
        "channel": ("winlog.channel", "event.provider_channel"),
        "host": ("winlog.computer_name", "host.name", "host.hostname"),
        "record_id": ("winlog.record_id",),
        "event_data": ("winlog.event_data",),
    },
    "splunk": {
        "time": ("_time",),
        "event_id": ("EventCode", "EventID"),
        "channel": ("LogName", "Channel"),
        "host": ("ComputerName", "Computer", "host"),
        "record_id": ("RecordNumber", "EventRecordID"),
        "event_data": ("",),
    },
}
#: event-data names of the fields the checks need (the same in every format)
DATA_NAMES = {
    "target_user": "TargetUserName", "target_domain": "TargetDomainName",
    "target_sid": ("TargetUserSid", "TargetSid"), "logon_type": "LogonType",
    "workstation": "WorkstationName", "ip": "IpAddress", "member_sid": "MemberSid",
    "member_name": "MemberName", "subject_user": "SubjectUserName",
    "subject_domain": "SubjectDomainName",
}
SYSTEM_FIELDS = ("time", "event_id", "channel", "host", "record_id")


class FieldError(ValueError):
    """The record cannot be used; the message is the rejection reason."""


@dataclass(frozen=True)
class Mapping_:
    """The compiled paths of one source: preset with the config's overrides applied."""

    system: dict[str, tuple[tuple[str, ...], ...]]
    data_prefix: tuple[str, ...]
    data_paths: dict[str, tuple[tuple[str, ...], ...]]  # overrides of event-data fields


def compile_mapping(fmt: str, overrides: Mapping[str, str]) -> Mapping_:
    preset = PRESETS[fmt]
    system = {f: tuple(_split(p) for p in preset[f]) for f in SYSTEM_FIELDS}
    prefix = _split(preset["event_data"][0])
    data: dict[str, tuple[tuple[str, ...], ...]] = {}
    for field, path in overrides.items():
        if field in system:
            system[field] = (_split(path),)
        elif field == "event_data":
            prefix = _split(path)
        else:
            data[field] = (_split(path),)
    return Mapping_(system, prefix, data)


def _split(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split(".") if p) if path else ()


def lookup(record: Any, path: tuple[str, ...]) -> Any:
    """The value at a dotted path; a key that itself contains dots (ECS flattened) is tried
    whole as well."""
    node = record
    try:  # the common case: every step is a dict holding the key
        for part in path:
            node = node[part]
        return node
    except (KeyError, TypeError, IndexError):
        pass
    node = record
    for i, part in enumerate(path):
        if not isinstance(node, dict):
            return None
        if part in node:
            node = node[part]
            continue
        rest = ".".join(path[i:])
        return node.get(rest)
    return node


def first(record: Any, paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        value = lookup(record, path)
        if value is not None:
            return value
    return None


def event_data(record: Any, mapping: Mapping_) -> dict[str, Any]:
    """The EventData names and values; WEF's `Data: [{"@Name": ..., "#text": ...}]` flattened."""
    node = lookup(record, mapping.data_prefix) if mapping.data_prefix else record
    if not isinstance(node, dict):
        return {}
    items = node.get("Data")
    if isinstance(items, list) and items and isinstance(items[0], dict):
        flat = dict(node)
        for item in items:
            if isinstance(item, dict):
                name = item.get("@Name") or item.get("Name") or (
                    item.get("#attributes") or {}).get("Name")
                if isinstance(name, str):
                    flat[name] = item.get("#text", item.get("value"))
        return flat
    return node


_NAMES = {k: (v,) if isinstance(v, str) else v for k, v in DATA_NAMES.items()}


def data_value(record: Any, data: dict[str, Any], mapping: Mapping_, field: str) -> str | None:
    """A text value of the event data; '-' and empty are absent (how Windows writes none)."""
    if mapping.data_paths and field in mapping.data_paths:
        value = first(record, mapping.data_paths[field])
    else:
        value = None
        for name in _NAMES[field]:
            value = data.get(name)
            if value is not None:
                break
    if value is None:
        return None
    if type(value) is str:  # the common case, checked first: millions of calls
        return None if value in ("", "-") else value.strip() or None
    if isinstance(value, list):  # Splunk multi-valued fields
        value = value[-1] if value else None
        if value is None:
            return None
    text = str(value).strip()
    return None if text in ("", "-") else text


def parse_time(value: Any) -> float:
    """Seconds since the epoch (UTC). Numbers are epoch seconds (Splunk `_time`)."""
    if isinstance(value, bool) or value is None:
        raise FieldError("no timestamp")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not text:
        raise FieldError("no timestamp")
    if "-" not in text and text.replace(".", "", 1).isdigit():
        return float(text)
    if text.endswith(" UTC"):
        text = text[:-4] + "Z"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(f"timestamp {text[:40]!r} is not ISO 8601 or epoch seconds") from None
    if when.tzinfo is None:
        raise FieldError(f"timestamp {text[:40]!r} has no time zone, so when it happened is "
                         f"unknown (export UTC or with an offset)")
    return when.timestamp()


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def event_id(value: Any) -> int:
    if isinstance(value, dict):
        value = value.get("#text", value.get("Value"))
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise FieldError(f"event id {str(value)[:20]!r} is not a number") from None
