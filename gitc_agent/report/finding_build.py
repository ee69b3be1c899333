"""Building findings from a report's results and coverage: scope, population, score.

The scope of a result is the coverage target it was judged on (a domain, an export, a database).
Per-host checks are the exception: an auditor reports "2 of 40 Windows hosts miss updates" as one
finding, not one per host, so the hosts of one evidence kind form one scope (`hosts:<kind>`).

Scoring (the policy's `finding_scoring` per check, default `raise`):
- `raise`: the check's default likelihood and impact, raised to the worst deviation's when that
  one lands in a higher priority band (a check raises a subject's score when its evidence says
  so: ransomware, a critical update);
- `worst`: the worst deviation's score, also when the check lowered it (a latent PSO);
- `check`: the check's defaults, whatever the deviations carry.
Without the policy's defaults (a saved report that predates findings) `worst` is all there is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from gitc_agent.core.results import Status
from gitc_agent.model import kinds
from gitc_agent.report.coverage import Completeness
from gitc_agent.report.finding_model import Finding, FindingStatus, Population, finding_id
from gitc_agent.report.view import ReportView, ResultView
from gitc_agent.report.view_coverage import CoverageView

SCORING_METHODS = ("raise", "worst", "check")
#: evidence kinds whose target is one host; their targets are grouped into one scope per check
HOST_KINDS = {kinds.WINDOWS_HOST_STATE: ("Windows host", "Windows hosts"),
              kinds.HOST_STATE: ("admin host", "admin hosts")}
WHOLE_CHECK = "all"  # the scope of results that name no target (a check that could not run)
#: what a subject is, by the prefix `model.subjects` gives it, in the population's words
_NOUNS = {"account": "accounts", "host": "hosts", "pso": "password policies",
          "psos": "password policies", "domain": "password policies", "ticket": "tickets",
          "person": "persons", "roles": "roles", "session": "sessions", "approval": "approvals",
          "group": "groups", "row": "rows", "export": "exports", "log": "log entries",
          "control": "control periods", "trust": "trusts", "event": "events",
          "advisory": "advisories", "patch-round": "patch rounds", "feed": "feeds"}
# second parts of `kind:x/part:y` subjects that name the unit of the population
_PAIR_NOUNS = {"advisory": "host advisories", "login": "logins", "role": "roles",
               "approval": "approvals"}
Score = tuple[int, int]


def noun(subject: str) -> str:
    if "#" in subject:
        return "agents" if subject.startswith("host:") else "settings"
    if subject.startswith("group:") and "/account:" in subject:
        return "memberships"
    if "/" in subject:
        second = subject.split("/", 1)[1].split(":", 1)[0]
        if second in _PAIR_NOUNS:
            return _PAIR_NOUNS[second]
    return _NOUNS.get(subject.split(":", 1)[0], "subjects")


def _host_kind(record: CoverageView | None, results: list[ResultView]) -> str | None:
    """The host kind of a target, or None when the target is not one host."""
    if record is not None:
        for source in record.sources:
            if source.target == record.target and source.kind in HOST_KINDS:
                return source.kind
    judged = [r for r in results if not r.subject.startswith(("scope:", "check:"))]
    if judged and all(r.subject.startswith("host:") for r in judged):
        return "host"
    return None


class _Scoring:
    def __init__(self, view: ReportView, defaults: Mapping[str, Score] | None,
                 methods: Mapping[str, str] | None):
        self.rank = {b.id: i for i, b in enumerate(view.scoring.bands)}
        self.cells = {(c.likelihood, c.impact): c.priority for c in view.summary.heatmap}
        self.lik = sorted(view.scoring.likelihood)
        self.imp = sorted(view.scoring.impact)
        self.defaults = defaults
        self.methods = methods or {}

    def key(self, r: ResultView) -> tuple[int, int, int]:
        return self.rank.get(r.priority or "", -1), r.likelihood or 0, r.impact or 0

    def method(self, check: str) -> str:
        if self.defaults is None or check not in self.defaults:
            return "worst"
        return self.methods.get(check, "raise")

    def score(self, check: str, graded: tuple[ResultView, ...]
              ) -> tuple[int | None, int | None, str | None]:
        if not graded:
            return None, None, None
        worst = graded[0]
        method = self.method(check)
        worst_score = (worst.likelihood or self.lik[0], worst.impact or self.imp[0])
        if method == "worst":
            lik, imp = worst_score
        else:
            default = self.defaults[check]  # type: ignore[index]  # method() saw it
            default = (min(max(default[0], self.lik[0]), self.lik[-1]),
                       min(max(default[1], self.imp[0]), self.imp[-1]))
            lik, imp = default
            if method == "raise" and self._key(worst_score) > self._key(default):
                lik, imp = worst_score
        return lik, imp, self.cells.get((lik, imp))

    def _key(self, score: Score) -> tuple[int, int, int]:
        return self.rank.get(self.cells.get(score, ""), -1), *score


def build_findings(view: ReportView, defaults: Mapping[str, Score] | None = None,
                   methods: Mapping[str, str] | None = None) -> tuple[Finding, ...]:
    """One finding per check and scope, in the report's check order (`defaults`: the policy's
    likelihood and impact per check; `methods`: its `finding_scoring` per check)."""
    scoring = _Scoring(view, defaults, methods)
    records: dict[str, dict[str | None, CoverageView]] = {}
    for c in view.coverage:
        records.setdefault(c.check, {})[c.target] = c
    by_check: dict[str, dict[str | None, list[ResultView]]] = {}
    for r in view.results:
        by_check.setdefault(r.check, {}).setdefault(r.target, []).append(r)
    order = list(dict.fromkeys([*records, *by_check]))
    found: list[Finding] = []
    for check in order:
        found += _check_findings(check, records.get(check, {}), by_check.get(check, {}), scoring)
    return tuple(found)


def _check_findings(check: str, records: dict[str | None, CoverageView],
                    results: dict[str | None, list[ResultView]], scoring: _Scoring
                    ) -> list[Finding]:
    scopes: dict[str, tuple[str, list[str], list[ResultView], list[CoverageView]]] = {}
    untargeted = results.get(None, [])
    for target in dict.fromkeys([*records, *results]):
        if target is None:
            continue
        mine = results.get(target, [])
        record = records.get(target)
        kind = _host_kind(record, mine)
        scope = f"hosts:{kind}" if kind else target
        entry = scopes.setdefault(scope, (target, [], [], []))
        entry[1].append(target)
        entry[2].extend(mine)
        if record is not None:
            entry[3].append(record)
    if untargeted or None in records:
        if len(scopes) == 1:
            next(iter(scopes.values()))[2].extend(untargeted)
        else:
            record = records.get(None)
            scopes[WHOLE_CHECK] = ("the check as a whole", [], list(untargeted),
                                   [record] if record else [])
    return [_finding(check, scope, label, targets, mine, recs, scoring)
            for scope, (label, targets, mine, recs) in scopes.items()]


def _finding(check: str, scope: str, label: str, targets: list[str], results: list[ResultView],
             records: list[CoverageView], scoring: _Scoring) -> Finding:
    statuses: dict[Status, list[ResultView]] = {s: [] for s in Status}
    for r in results:
        statuses[r.status].append(r)
    deviations = _worst_first(statuses[Status.FAIL], scoring)
    accepted = _worst_first(statuses[Status.ACCEPTED], scoring)
    errors = tuple(statuses[Status.ERROR])
    status = (FindingStatus.FINDING if deviations else FindingStatus.ACCEPTED if accepted
              else FindingStatus.NOT_ASSESSED if errors or not results
              else FindingStatus.NO_FINDING)
    lik, imp, priority = scoring.score(check, deviations or accepted)
    if scope.startswith("hosts:"):
        one, many = HOST_KINDS.get(scope[len("hosts:"):], ("host", "hosts"))
        label = f"{len(targets)} {one if len(targets) == 1 else many}"
    title = next((r.title for r in results if r.title), check)
    return Finding(
        id=finding_id(check, scope), check=check, title=title, scope=scope, scope_label=label,
        status=status, likelihood=lik, impact=imp, priority=priority,
        scoring=scoring.method(check), population=_population(results, targets, records),
        deviations=deviations, accepted=accepted, not_assessed=errors,
        passed=len(statuses[Status.PASS]), not_applicable=len(statuses[Status.NOT_APPLICABLE]))


def _worst_first(results: list[ResultView], scoring: _Scoring) -> tuple[ResultView, ...]:
    return tuple(sorted(results, key=lambda r: (tuple(-k for k in scoring.key(r)), r.subject)))


def _population(results: list[ResultView], targets: list[str],
                records: list[CoverageView]) -> Population:
    judged = [r for r in results if r.status is not Status.ERROR
              and not r.subject.startswith(("scope:", "check:"))]
    nouns = Counter(noun(r.subject) for r in judged)
    what = nouns.most_common(1)[0][0] if nouns else "subjects"
    if records:
        count = sum(c.subjects for c in records)
        states = {c.completeness for c in records}
        completeness = (next(iter(states)) if len(states) == 1 else Completeness.PARTIAL)
    else:  # a report that predates coverage
        count = len(judged)
        completeness = (Completeness.NONE if not judged else Completeness.PARTIAL
                        if len(judged) < len(results) else Completeness.COMPLETE)
    evidence: dict[str, str | None] = {}
    for c in records:
        for source in c.sources:
            if source.evidence_file:
                evidence.setdefault(source.evidence_file, source.sha256)
    return Population(count=count, what=what, completeness=completeness,
                      targets=tuple(targets), evidence=tuple(evidence.items()))


def defaults_of(policy: Any) -> tuple[dict[str, Score], dict[str, str]]:
    """The policy's (or the check's) likelihood and impact per check, and `finding_scoring`."""
    defaults: dict[str, Score] = {}
    methods: dict[str, str] = {}
    for pc in policy.checks:
        lik = pc.likelihood or (pc.spec.likelihood if pc.spec else None)
        imp = pc.impact or (pc.spec.impact if pc.spec else None)
        if lik and imp:
            defaults[pc.id] = (lik, imp)
        method = getattr(pc, "finding_scoring", None)
        if method:
            methods[pc.id] = method
    return defaults, methods
