"""The typed view of a report's coverage records and collection plan (see coverage.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitc_agent.report.coverage import Completeness, PlanState
from gitc_agent.report.view_parse import Obj


@dataclass(frozen=True)
class SourceView:
    kind: str
    target: str
    collected_at: str | None
    status: str
    evidence_file: str | None
    sha256: str | None
    where: dict[str, Any]  # server, base_dn, filter, attributes, endpoint, file: as recorded


@dataclass(frozen=True)
class CoverageView:
    """One check on one target: the population tested and whether it was complete."""

    check: str
    target: str | None
    completeness: Completeness
    reasons: tuple[str, ...]
    plan: PlanState
    subjects: int
    results: dict[str, int]
    population: dict[str, dict[str, int]]
    sources: tuple[SourceView, ...]


@dataclass(frozen=True)
class PlanInfo:
    sha256: str | None
    created_at: str | None
    kinds: int
    targets: int


def parse_plan(plan: Obj | None) -> PlanInfo | None:
    if plan is None:
        return None
    return PlanInfo(sha256=plan.opt_string("sha256"), created_at=plan.opt_string("created_at"),
                    kinds=plan.opt_integer("kinds") or 0, targets=plan.opt_integer("targets") or 0)


def _coverage(c: Obj) -> CoverageView:
    return CoverageView(
        check=c.string("check"), target=c.opt_string("target"),
        completeness=c.enum("completeness", Completeness), reasons=c.strings("reasons"),
        plan=c.enum("plan", PlanState), subjects=c.integer("subjects"),
        results=c.obj("results").int_values(),
        population={kind: c.obj("population").obj(kind).int_values()
                    for kind in c.obj("population").value},
        sources=tuple(SourceView(
            kind=s.string("kind"), target=s.string("target"),
            collected_at=s.opt_string("collected_at"), status=s.string("status"),
            evidence_file=s.opt_string("evidence_file"), sha256=s.opt_string("sha256"),
            where={k: v for k, v in s.value.items() if k not in _SOURCE_FIELDS})
            for s in c.objs("sources")))


_SOURCE_FIELDS = ("kind", "target", "collector", "collected_at", "status", "evidence_file",
                  "sha256")


def parse_coverage(records: list[Obj]) -> tuple[CoverageView, ...]:
    return tuple(_coverage(c) for c in records)
