"""The collection plan: which evidence kinds and targets a collection set out to read.

Written beside the evidence (`plan.json`), so an offline evaluation can tell a target that was
never collected, or whose file was deleted, from one that is not there to collect: anything
planned but missing is an `error`, never a silent pass. Evidence without a plan (older
collections, hand-made evidence) is still evaluated; the report then says the plan is unknown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.run.atomic import create_new, write_bytes_atomic
from gitc_agent.run.input_files import parse_json, read_regular

PLAN_SCHEMA = "gitc-agent/plan/v1"
PLAN_FILE = "plan.json"


@dataclass(frozen=True)
class Plan:
    """`kinds`: every kind the collection meant to produce (at least one document each);
    `targets`: the (kind, target) pairs it set out to read, each of which must be present."""

    kinds: frozenset[str]
    targets: frozenset[tuple[str, str]]
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    sha256: str | None = None  # of the file it was read from

    def targets_of(self, kind: str) -> list[str]:
        return sorted(t for k, t in self.targets if k == kind)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": PLAN_SCHEMA, "created_at": self.created_at, "kinds": sorted(self.kinds),
                "targets": [{"kind": k, "target": t} for k, t in sorted(self.targets)]}

    def describe(self) -> dict[str, Any]:
        """What the report says about the plan it evaluated against."""
        return {"file": PLAN_FILE, "sha256": self.sha256, "created_at": self.created_at,
                "kinds": len(self.kinds), "targets": len(self.targets)}


def plan_bytes(plan: Plan) -> bytes:
    return (json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n").encode()


def make_plan(kinds: Iterable[str], targets: Iterable[tuple[str, str]],
              created_at: str | None = None) -> Plan:
    """A new plan, with the SHA-256 of the file `save_plan` will write for it."""
    pairs = frozenset(targets)
    plan = Plan(kinds=frozenset(kinds) | {k for k, _ in pairs}, targets=pairs,
                **({"created_at": created_at} if created_at else {}))
    return replace(plan, sha256=hashlib.sha256(plan_bytes(plan)).hexdigest())


def save_plan(plan: Plan, folder: Path, fresh: bool = False) -> dict[str, str]:
    """`fresh`: `folder` is a run's new staging folder, so the file is created new (as
    `save_evidence` does there); otherwise it is replaced atomically."""
    payload = plan_bytes(plan)
    if fresh:
        create_new(folder / PLAN_FILE, payload)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(folder / PLAN_FILE, payload)
    return {"file": PLAN_FILE, "sha256": hashlib.sha256(payload).hexdigest()}


def copy_plan(source: Path, folder: Path) -> None:
    """Keep the plan byte for byte when a run re-evaluates saved evidence (if it has one)."""
    if (source / PLAN_FILE).is_file():  # into a new staging folder: created new, as evidence
        create_new(folder / PLAN_FILE, read_regular(source / PLAN_FILE, 64 * 1024 * 1024,
                                                    N_("collection plan")))


def load_plan(folder: Path) -> Plan | None:
    """The plan in an evidence folder; None if there is none; a malformed one is invalid input."""
    path = folder / PLAN_FILE
    if not path.is_file():
        return None
    raw = read_regular(path, 64 * 1024 * 1024, N_("collection plan"))
    obj = parse_json(raw, path, N_("collection plan"))
    if not isinstance(obj, dict) or obj.get("schema") != PLAN_SCHEMA:
        raise InputError(msg("not a gitc-agent collection plan (schema must be {schema!r})",
                             schema=PLAN_SCHEMA),
                         path)
    kinds, targets = obj.get("kinds"), obj.get("targets")
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise InputError(msg("plan 'kinds' must be a list of kind names"), path)
    if not isinstance(targets, list) or not all(
            isinstance(t, dict) and isinstance(t.get("kind"), str)
            and isinstance(t.get("target"), str) for t in targets):
        raise InputError(msg("plan 'targets' must be a list of {{kind, target}}"), path)
    return Plan(kinds=frozenset(kinds) | {t["kind"] for t in targets},
                targets=frozenset((t["kind"], t["target"]) for t in targets),
                created_at=str(obj.get("created_at", "")),
                sha256=hashlib.sha256(raw).hexdigest())
