"""A typed, read-only view of a report dict, parsed once, for everything that renders it.

The JSON report is the record and `report` and `diff` read saved ones, so the view is always built
from the dict. Renderers then branch on `Status` and `FollowUp` members instead of spelling the
strings of the contract, and a malformed report is an InputError that says what is wrong instead
of a KeyError deep inside a renderer. Values are kept as they are in the report (no re-formatting),
so a rendering from the view is the same as one from the dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gitc_agent.core.results import Status
from gitc_agent.errors import InputError
from gitc_agent.model.language import DEFAULT, LANGUAGES
from gitc_agent.model.message import msg
from gitc_agent.report.report import SCHEMA
from gitc_agent.report.view_coverage import CoverageView, PlanInfo, parse_coverage, parse_plan
from gitc_agent.report.view_parse import Obj
from gitc_agent.run.gc_pause import paused

__all__ = ["GONE", "CoverageView", "FollowUp", "PlanInfo", "ReportView"]

GONE = "gone"  # what a resolved finding is `now` when the current run does not report it


class FollowUp(StrEnum):
    """A result's label against the previous report (see followup.py); order is the contract's."""

    NEW = "new"
    OPEN = "open"
    RESOLVED = "resolved"
    ACCEPTED = "accepted"
    NOT_REASSESSED = "not_reassessed"  # failed before; this run could not look: still open


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    color: str | None


@dataclass(frozen=True)
class Cell:
    likelihood: int
    impact: int
    priority: str
    findings: int
    accepted: int


@dataclass(frozen=True)
class Scoring:
    likelihood: dict[int, str]
    impact: dict[int, str]
    bands: tuple[Band, ...]

    def band(self, band_id: str | None) -> Band | None:
        return next((b for b in self.bands if b.id == band_id), None)


@dataclass(frozen=True)
class ExceptionView:
    owner: str | None
    reason: str | None
    expires: str | None
    state: str | None


@dataclass(frozen=True)
class ResultView:
    id: str
    check: str
    title: str
    subject: str
    status: Status
    likelihood: int | None
    impact: int | None
    priority: str | None
    message: str
    remediation: str
    references: tuple[str, ...]
    exception: ExceptionView | None
    follow_up: FollowUp | None
    evidence: Any = field(compare=False)
    # what `message` was made from (msg()): a renderer in another language translates the
    # template and fills in the params; None for a plain message or an older report
    message_template: str | None = None
    message_params: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def evidence_fields(self) -> Mapping[str, Any]:
        """The evidence as a mapping: {} when a hand-edited report holds something else there
        (the type test first: a dict as good as always, and quicker than the ABC's)."""
        evidence = self.evidence
        return evidence if type(evidence) is dict or isinstance(evidence, Mapping) else {}

    @property
    def target(self) -> str | None:
        """The target the evidence names, by which findings are scoped (finding_build) and
        their populations gathered (finding_population); None when it names none."""
        target = self.evidence_fields.get("target")
        return target if isinstance(target, str) else None


@dataclass(frozen=True)
class ResolvedView:
    """A finding of the previous report that is no longer one; `now` is None when it is gone."""

    id: str
    check: str
    title: str | None
    subject: str
    priority: str | None
    status_before: Status
    now: Status | None


@dataclass(frozen=True)
class NotReassessedView:
    """An earlier finding this run could not look at (`now`: its status now, None when gone)."""

    id: str
    check: str
    title: str | None
    subject: str
    target: str | None
    priority: str | None
    status_before: Status
    now: Status | None
    last_assessed: str | None
    reason: str


@dataclass(frozen=True)
class ReportLink:
    run_id: str | None
    started_at: str | None
    sha256: str | None
    path: str | None


@dataclass(frozen=True)
class FollowUpView:
    previous: ReportLink | None
    counts: dict[FollowUp, int] | None
    resolved: tuple[ResolvedView, ...]
    not_reassessed: tuple[NotReassessedView, ...] = ()


@dataclass(frozen=True)
class Target:
    kind: str
    target: str
    collector: str | None
    collected_at: str | None
    status: str


@dataclass(frozen=True)
class PolicyInfo:
    id: str
    title: str
    version: str
    sha256: str


@dataclass(frozen=True)
class RunView:
    id: str
    mode: str
    started_at: str
    finished_at: str
    host: str
    as_of: str
    policy: PolicyInfo
    targets: tuple[Target, ...]
    previous_report: ReportLink | None
    plan: PlanInfo | None = None  # None: the evidence had no collection plan


@dataclass(frozen=True)
class Summary:
    status: dict[Status, int]
    priority: dict[str, int]
    heatmap: tuple[Cell, ...]
    complete: bool
    follow_up: dict[FollowUp, int] | None


@dataclass(frozen=True)
class ReportView:
    schema: str
    tool_version: str
    run: RunView
    scoring: Scoring
    results: tuple[ResultView, ...]
    summary: Summary
    follow_up: FollowUpView | None
    document: Mapping[str, Any] = field(compare=False, repr=False)  # the record, as written
    coverage: tuple[CoverageView, ...] = ()  # empty for a report that predates coverage
    language: str = DEFAULT  # the language the run was reported in (older reports: English)

    @property
    def findings(self) -> list[ResultView]:
        return [r for r in self.results if r.status.is_finding]

    def with_status(self, *statuses: Status) -> list[ResultView]:
        return [r for r in self.results if r.status in statuses]

    @classmethod
    def of(cls, report: ReportView | Mapping[str, Any]) -> ReportView:
        """The view of a report dict (InputError if it is not a v1 report); a view as it is."""
        if isinstance(report, ReportView):
            return report
        with paused():  # millions of small objects: see gc_pause
            return parse_report(report)


def parse_report(report: Mapping[str, Any]) -> ReportView:
    doc = Obj(report, "report")
    if doc.raw("schema") != SCHEMA:
        raise InputError(msg("not a gitc-agent report (schema {schema!r})", schema=SCHEMA))
    run = doc.obj("run")
    return _consistent(ReportView(
        schema=SCHEMA, tool_version=doc.obj("tool").string("version"), run=_run(run),
        scoring=_scoring(doc.obj("scoring")),
        results=tuple(_result(r) for r in doc.objs("results")),
        summary=_summary(doc.obj("summary")),
        follow_up=_follow_up(doc.opt_obj("follow_up")), document=report,
        coverage=parse_coverage(doc.objs("coverage", optional=True)),
        language=_language(doc)))


def _language(doc: Obj) -> str:
    language = doc.opt_string("language") or DEFAULT
    if language not in LANGUAGES:
        raise InputError(msg("report.language must be one of {items}, not {language}",
                             items=", ".join(LANGUAGES), language=repr(language)))
    return language


def _consistent(view: ReportView) -> ReportView:
    """What the renderers look up in one another: a heatmap cell for every level pair of the
    scale, and only priorities that are bands. Each field of a hand-edited report can be
    well-typed while these are broken, and a renderer would then fail on a missing key."""
    bands = {b.id for b in view.scoring.bands}
    known = ", ".join(sorted(bands))
    cells = {(c.likelihood, c.impact) for c in view.summary.heatmap}
    for lik in sorted(view.scoring.likelihood):
        for imp in sorted(view.scoring.impact):
            if (lik, imp) not in cells:
                raise InputError(msg("report.summary.heatmap has no cell for likelihood "
                                     "{likelihood}, impact {impact}",
                                     likelihood=lik, impact=imp))
    for i, cell in enumerate(view.summary.heatmap):
        if cell.priority not in bands:
            raise InputError(msg("report.summary.heatmap[{index}].priority {priority!r} is not a priority of "
                                 "report.scoring.priorities ({known})", index=i, priority=cell.priority,
                                 known=known))
    for i, r in enumerate(view.results):
        if (r.priority is None and r.status.is_finding) or (r.priority is not None
                                                            and r.priority not in bands):
            what = (msg("a finding must have one of") if r.priority is None
                    else msg("must be one of"))
            raise InputError(msg("report.results[{index}].priority {priority!r}: {what} "
                                 "report.scoring.priorities ({known})", index=i, priority=r.priority,
                                 what=what, known=known))
    for band_id in view.summary.priority:
        if band_id not in bands:
            raise InputError(msg("report.summary.priority counts {band_id!r}, which is not a priority of "
                                 "report.scoring.priorities ({known})", band_id=band_id, known=known))
    return view


def parse_resolved(items: list[Any], where: str = "resolved findings") -> tuple[ResolvedView, ...]:
    return tuple(_resolved(Obj(item, f"{where}[{i}]")) for i, item in enumerate(items))


def parse_not_reassessed(items: list[Any], where: str = "not re-assessed findings"
                         ) -> tuple[NotReassessedView, ...]:
    return tuple(_not_reassessed(Obj(item, f"{where}[{i}]")) for i, item in enumerate(items))


def _run(run: Obj) -> RunView:
    policy = run.obj("policy")
    return RunView(
        id=run.string("id"), mode=run.string("mode"), started_at=run.string("started_at"),
        finished_at=run.opt_string("finished_at") or "", host=run.string("host"),
        as_of=run.string("as_of"),
        policy=PolicyInfo(id=policy.string("id"), title=policy.opt_string("title") or "",
                          version=policy.string("version"), sha256=policy.string("sha256")),
        targets=tuple(Target(kind=t.string("kind"), target=t.string("target"),
                             collector=t.opt_string("collector"),
                             collected_at=t.opt_string("collected_at"), status=t.string("status"))
                      for t in run.objs("targets", optional=True)),
        previous_report=_link(run.opt_obj("previous_report")), plan=parse_plan(run.opt_obj("plan")))


def _link(link: Obj | None) -> ReportLink | None:
    if link is None:
        return None
    return ReportLink(run_id=link.opt_string("run_id"), started_at=link.opt_string("started_at"),
                      sha256=link.opt_string("sha256"), path=link.opt_string("path"))


def _scoring(scoring: Obj) -> Scoring:
    return Scoring(
        likelihood=scoring.levels("likelihood"), impact=scoring.levels("impact"),
        bands=tuple(Band(id=b.string("id"), label=b.string("label"), color=b.opt_string("color"))
                    for b in scoring.objs("priorities")))


def parse_result(item: Any, where: str) -> ResultView:
    """One result as the view reads it (InputError if malformed), for a reader that streams a
    report's results instead of holding them (previous_report.py)."""
    return _result(Obj(item, where))


def _result(r: Obj) -> ResultView:
    exc = r.opt_obj("exception")
    if exc is not None and not exc.value:  # an empty exception is none
        exc = None
    return ResultView(
        id=r.string("id"), check=r.string("check"), title=r.opt_string("title") or "",
        subject=r.string("subject"), status=r.enum("status", Status),
        likelihood=r.opt_integer("likelihood"), impact=r.opt_integer("impact"),
        priority=r.opt_string("priority"), message=r.opt_string("message") or "",
        remediation=r.opt_string("remediation") or "", references=r.strings("references"),
        exception=None if exc is None else ExceptionView(
            owner=exc.opt_string("owner"), reason=exc.opt_string("reason"),
            expires=exc.opt_string("expires"), state=exc.opt_string("state")),
        follow_up=r.opt_enum("follow_up", FollowUp), evidence=r.raw("evidence", {}),
        message_template=r.opt_string("message_template"), message_params=_params(r))


def _params(r: Obj) -> Mapping[str, Any] | None:
    params = r.raw("message_params")
    if params is not None and not isinstance(params, Mapping):
        raise InputError(msg("{where}.message_params must be a JSON object, not {params}",
                             where=r.where, params=repr(params)))
    return params


def _resolved(old: Obj) -> ResolvedView:
    now = old.string("now")
    return ResolvedView(id=old.string("id"), check=old.string("check"), title=old.opt_string("title"),
                        subject=old.string("subject"), priority=old.opt_string("priority"),
                        status_before=old.enum("status_before", Status),
                        now=None if now == GONE else old.enum("now", Status))


def _counts(counts: Obj, enum: type[StrEnum]) -> dict[Any, int]:
    """Counts per member; a member the report predates counts 0."""
    return {member: counts.opt_integer(member.value) or 0 for member in enum}


def _opt_counts(counts: Obj | None) -> dict[FollowUp, int] | None:
    return None if counts is None else _counts(counts, FollowUp)


def _summary(summary: Obj) -> Summary:
    return Summary(
        status=_counts(summary.obj("status"), Status), priority=summary.obj("priority").int_values(),
        heatmap=tuple(Cell(likelihood=c.integer("likelihood"), impact=c.integer("impact"),
                           priority=c.string("priority"), findings=c.integer("findings"),
                           accepted=c.integer("accepted")) for c in summary.objs("heatmap")),
        complete=summary.boolean("complete"),
        follow_up=_opt_counts(summary.opt_obj("follow_up")))


def _follow_up(follow: Obj | None) -> FollowUpView | None:
    if follow is None:
        return None
    return FollowUpView(previous=_link(follow.opt_obj("previous")),
                        counts=_opt_counts(follow.opt_obj("counts")),
                        resolved=tuple(_resolved(o)
                                       for o in follow.objs("resolved", optional=True)),
                        not_reassessed=tuple(_not_reassessed(o) for o in
                                             follow.objs("not_reassessed", optional=True)))


def _not_reassessed(old: Obj) -> NotReassessedView:
    now = old.string("now")
    return NotReassessedView(
        id=old.string("id"), check=old.string("check"), title=old.opt_string("title"),
        subject=old.string("subject"), target=old.opt_string("target"),
        priority=old.opt_string("priority"), status_before=old.enum("status_before", Status),
        now=None if now == GONE else old.enum("now", Status),
        last_assessed=old.opt_string("last_assessed"), reason=old.opt_string("reason") or "")
