"""Coverage: per check and target, the population that was tested and whether it was complete.

The auditor's first question about information produced by the entity is whether the population
is complete and accurate. So each check × target says how many subjects it judged, what the
collector counted (accounts, groups, tickets, log lines read/used/rejected), where the evidence
came from (server or file, base DN, filter, `collected_at`, SHA-256) and its completeness:

- `none`: nothing was judged (the evidence was missing or unreadable, or out of scope);
- `partial`: something was judged, but there are error results or evidence errors;
- `complete`: no errors, and the target was planned (or there is no plan to hold it against).

Follow-up calls a finding resolved only on a complete target (see followup.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.core.plan import Plan
from gitc_agent.core.policy import Policy
from gitc_agent.core.results import Result, Status
from gitc_agent.model import subjects


class Completeness(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    NONE = "none"


class PlanState(StrEnum):
    """Whether a target was in the collection plan; `unknown` when the evidence had no plan."""

    PLANNED = "planned"
    UNPLANNED = "unplanned"
    UNKNOWN = "unknown"


COMPLETE, PARTIAL, NONE = Completeness
PLANNED, UNPLANNED, UNKNOWN = PlanState
#: what a source record keeps of a document's data, where the collector wrote it
_SOURCE_KEYS = ("server", "base_dn", "base", "filter", "attributes", "query", "endpoint", "file")
_NOT_POPULATION = ("header", "entry_columns", "account_columns", "package_managers")
MAX_REASONS = 10


def coverage(policy: Policy, results: list[Result], docs: list[EvidenceDoc],
             files: list[dict[str, str]], plan: Plan | None) -> list[dict[str, Any]]:
    """One record per check × target, in the policy's check order."""
    sha = {f["file"]: f["sha256"] for f in files}
    by_check: dict[str, list[Result]] = {}
    for r in results:
        by_check.setdefault(r.check, []).append(r)
    kinds_of = {pc.id: (*pc.spec.evidence, *pc.spec.optional_evidence) if pc.spec else ()
                for pc in policy.checks}
    order = [*kinds_of, *(c for c in by_check if c not in kinds_of)]
    records = []
    for check in order:
        records += _check(check, kinds_of.get(check, ()), by_check.get(check, []), docs, sha, plan)
    return records


def _target(result: Result) -> str | None:
    target = result.evidence.get("target") if isinstance(result.evidence, Mapping) else None
    return target if isinstance(target, str) else None


def _check(check: str, kinds: tuple[str, ...], results: list[Result], docs: list[EvidenceDoc],
           sha: dict[str, str], plan: Plan | None) -> list[dict[str, Any]]:
    mine = [d for d in docs if d.kind in kinds]
    primary = kinds[:1]
    targets = list(dict.fromkeys(
        [t for r in results if (t := _target(r))]
        + [d.target for d in mine if d.kind in primary]
        + [t for kind in primary for t in (plan.targets_of(kind) if plan else [])]))
    shared = [d for d in mine if d.target not in targets]  # inputs of every target (feeds)
    general = [r for r in results if _target(r) is None]  # about the check, not one target
    if not targets:
        targets = [None] if results else []
    return [_record(check, target, kinds, [r for r in results if _target(r) == target] +
                    (general if target is not None else []),
                    [d for d in mine if d.target == target] + shared, sha, plan)
            for target in targets]


def _record(check: str, target: str | None, kinds: tuple[str, ...], results: list[Result],
            docs: list[EvidenceDoc], sha: dict[str, str], plan: Plan | None) -> dict[str, Any]:
    statuses = Counter(r.status.value for r in results)
    judged = [r for r in results if r.status is not Status.ERROR
              and r.subject != subjects.scope(check)]
    reasons = [f"{r.subject}: {r.message}" for r in results if r.status is Status.ERROR]
    reasons += [f"{d.kind} from {d.target}: {e.get('part', '?')}: {e.get('message', '')}"
                for d in docs for e in d.errors]
    reasons += [r.message for r in results if r.subject == subjects.scope(check)]
    planned = _planned(plan, kinds, target)
    if planned == UNPLANNED and target is not None:
        reasons.append(f"{target} is not in the collection plan")
    if not judged:
        completeness = NONE
        if not reasons:
            reasons.append("no subject was judged")
    elif any(r.status is Status.ERROR for r in results) or any(d.errors for d in docs):
        completeness = PARTIAL
    else:
        completeness = COMPLETE
    return {"check": check, "target": target, "completeness": completeness.value,
            "reasons": reasons[:MAX_REASONS] + ([f"... and {len(reasons) - MAX_REASONS} more"]
                                                if len(reasons) > MAX_REASONS else []),
            "plan": planned.value, "subjects": len(judged), "results": dict(sorted(statuses.items())),
            "population": {d.kind: population(d) for d in docs},
            "sources": [_source(d, sha) for d in docs]}


def _planned(plan: Plan | None, kinds: tuple[str, ...], target: str | None) -> PlanState:
    if plan is None:
        return UNKNOWN
    return PLANNED if any(target in plan.targets_of(k) for k in kinds) else UNPLANNED


def population(doc: EvidenceDoc) -> dict[str, int]:
    """What the collector counted: its `counts`, `rows` and `unreadable` fields, and the length
    of each list it wrote (accounts, groups, tickets, entries, rejected rows ...)."""
    data, found = doc.data, {}
    counts = data.get("counts")
    if isinstance(counts, Mapping):
        found.update({k: v for k, v in counts.items() if _is_int(v)})
    if _is_int(data.get("rows")):
        found["rows"] = data["rows"]
    for key, value in data.items():
        if (isinstance(value, list) and key not in _NOT_POPULATION and key not in found
                and not key.endswith("_columns")):  # a table's column names, not a population
            found[key] = len(value)
    unreadable = data.get("unreadable")
    if isinstance(unreadable, Mapping | list) and unreadable:
        found["unreadable"] = sum(_size(v) for v in unreadable.values()) \
            if isinstance(unreadable, Mapping) else len(unreadable)
    return found


def _size(value: Any) -> int:
    return value if _is_int(value) else len(value) if isinstance(value, Iterable) else 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _source(doc: EvidenceDoc, sha: dict[str, str]) -> dict[str, Any]:
    data = doc.data
    nested = data.get("source") if isinstance(data.get("source"), Mapping) else {}
    where = {k: data[k] for k in _SOURCE_KEYS if isinstance(data.get(k), str | list)}
    if "file" not in where and isinstance(nested.get("file"), str):
        where["file"] = nested["file"]
    return {"kind": doc.kind, "target": doc.target, "collector": doc.collector,
            "collected_at": doc.collected_at, "status": doc.status,
            "evidence_file": doc.file, "sha256": sha.get(doc.file or ""), **where}
