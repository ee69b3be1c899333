"""Follow-up of earlier findings: compare a run with the previous report by fingerprint.

`new` fails now and did not before; `open` failed before and still fails; `resolved` failed (or
was accepted) before and passes, does not apply or is gone now; `accepted` is covered by a valid
exception now. A result that could not be assessed (`error`) gets no label: nobody looked.
Without a previous report there is no baseline and nothing is labelled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from gitc_agent.core.results import FINDING_STATUSES, Status
from gitc_agent.errors import InputError
from gitc_agent.report.report import SCHEMA
from gitc_agent.report.view import GONE, FollowUp, ReportView

LABELS = tuple(label.value for label in FollowUp)


def load_report(path: Path) -> tuple[dict[str, Any], str]:
    """A previous report and the SHA-256 of its bytes; anything else is invalid input."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read report: {exc.strerror}", path) from None
    try:
        report = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("not a JSON report", path) from None
    if not isinstance(report, dict) or report.get("schema") != SCHEMA \
            or not isinstance(report.get("results"), list) or not isinstance(report.get("run"), dict):
        raise InputError(f"not a gitc-agent report (schema {SCHEMA!r})", path)
    for r in report["results"]:
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str)
                                              for k in ("id", "check", "subject", "status")):
            raise InputError("report result without id, check, subject and status", path)
    try:
        ReportView.of(report)  # everything a rendering reads is there and of the right type
    except InputError as exc:
        raise InputError(exc.message, path) from None
    return report, hashlib.sha256(raw).hexdigest()


def compare(previous: list[dict[str, Any]], current: list[dict[str, Any]]
            ) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Label per current result id, and the resolved findings (with what they are now)."""
    before = {r["id"]: r for r in previous}
    labels: dict[str, str] = {}
    resolved = []
    now_ids = set()
    for r in current:
        now_ids.add(r["id"])
        old = before.get(r["id"])
        was_finding = old is not None and old["status"] in FINDING_STATUSES
        status = Status(r["status"])
        if status is Status.ACCEPTED:
            labels[r["id"]] = FollowUp.ACCEPTED.value
        elif status is Status.FAIL:
            labels[r["id"]] = (FollowUp.OPEN if was_finding else FollowUp.NEW).value
        elif status in (Status.PASS, Status.NOT_APPLICABLE) and was_finding:
            labels[r["id"]] = FollowUp.RESOLVED.value
            resolved.append(_resolved(old, status.value))
    for old in previous:
        if old["id"] not in now_ids and old["status"] in FINDING_STATUSES:
            resolved.append(_resolved(old, GONE))
    return labels, resolved


def _resolved(old: dict[str, Any], now: str) -> dict[str, Any]:
    return {"id": old["id"], "check": old["check"], "title": old.get("title"),
            "subject": old["subject"], "priority": old.get("priority"),
            "status_before": old["status"], "now": now}


def counts(labels: dict[str, str], resolved: list[dict[str, Any]]) -> dict[str, int]:
    result = dict.fromkeys(LABELS, 0)
    for label in labels.values():
        if label != FollowUp.RESOLVED:
            result[label] += 1
    result[FollowUp.RESOLVED.value] = len(resolved)
    return result


def apply(report: dict[str, Any], previous: dict[str, Any] | None, previous_sha256: str | None,
          previous_path: str | None) -> None:
    """Label the report's results and add the follow-up section and chain link to it."""
    if previous is None:
        report["run"]["previous_report"] = None
        report["follow_up"] = {"previous": None, "counts": None, "resolved": []}
        report["summary"]["follow_up"] = None
        return
    labels, resolved = compare(previous["results"], report["results"])
    for r in report["results"]:
        r["follow_up"] = labels.get(r["id"])
    link = {"run_id": previous["run"].get("id"), "started_at": previous["run"].get("started_at"),
            "sha256": previous_sha256, "path": previous_path}
    report["run"]["previous_report"] = link
    report["follow_up"] = {"previous": link, "counts": counts(labels, resolved),
                           "resolved": resolved}
    report["summary"]["follow_up"] = counts(labels, resolved)
