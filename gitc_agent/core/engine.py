"""Evaluate evidence against a policy: checks -> results -> exceptions -> scores.

Pure: no I/O. A check that is missing, broken or lacks evidence gives an `error` result (the run
is then incomplete), never a silent pass.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date

from gitc_agent.core.check_api import CheckSpec
from gitc_agent.core.evidence import EvidenceSet
from gitc_agent.core.exception_note import exception_note
from gitc_agent.core.plan import Plan
from gitc_agent.core.policy import Policy, PolicyCheck
from gitc_agent.core.registry import Registry
from gitc_agent.core.results import Outcome, Result, Status
from gitc_agent.model import subjects
from gitc_agent.model.message import Message, map_texts, msg, plain
from gitc_agent.run.interrupt import sigint_noted, stops_the_run
from gitc_agent.run.redact import redact

MAX_MESSAGE = 2000
log = logging.getLogger(__name__)


def evaluate(policy: Policy, registry: Registry, evidence: EvidenceSet, today: date,
             expected_kinds: set[str] | frozenset[str] = frozenset(),
             plan: Plan | None = None) -> list[Result]:
    """`expected_kinds`: evidence the run set out to collect; missing, it is an error even for
    a check that has none of its evidence (an interrupted or broken collection). `plan`: the
    collection plan; each planned target whose evidence is missing is an error of every check
    that reads its kind (a host file deleted from saved evidence is not a smaller population)."""
    if plan is not None:
        expected_kinds = frozenset(expected_kinds) | plan.kinds
    results: list[Result] = []
    for problem in registry.problems:
        results.append(Result(
            check="gitc_agent.plugin", title="Check plugin could be loaded",
            subject=subjects.plugin(problem.source), status=Status.ERROR,
            message=redact(problem.message), evidence={}, references=[],
            remediation="Fix or remove the plugin; its checks were not run."))
    for pcheck in policy.checks:
        began = time.monotonic()
        produced = _run_check(pcheck, evidence, expected_kinds, plan)
        results.extend(produced)
        counts = Counter(r.status.value for r in produced)
        log.info("check %s: %s", pcheck.id, dict(counts),
                 extra={"event": "check", "check": pcheck.id, "results": dict(counts),
                        "duration_s": round(time.monotonic() - began, 4),
                        "errors": [r.message for r in produced if r.status is Status.ERROR][:20]})
    for result in results:
        _apply_exception(result, policy, today)
        _score(result, policy)
    rank = policy.matrix.rank
    order = {Status.FAIL: 0, Status.ACCEPTED: 1, Status.ERROR: 2, Status.PASS: 3,
             Status.NOT_APPLICABLE: 4}
    results.sort(key=lambda r: (-rank(r.priority), order[r.status], r.check, r.subject))
    return results


def _run_check(pcheck: PolicyCheck, evidence: EvidenceSet,
               expected_kinds: set[str] | frozenset[str], plan: Plan | None) -> list[Result]:
    spec = pcheck.spec
    if spec is None:
        return [_error(pcheck, None, subjects.check(pcheck.id),
                       msg("the policy enables this check, but no loaded plugin defines it "
                           "(see the plugin load errors in this report)"))]
    kinds = (*spec.evidence, *spec.optional_evidence)
    lost = _planned_but_missing(pcheck, spec, evidence, plan)
    results = _judge(pcheck, spec, evidence, expected_kinds, {r.evidence["kind"] for r in lost})
    _name_target(results, evidence, kinds)
    return lost + results


def _planned_but_missing(pcheck: PolicyCheck, spec: CheckSpec, evidence: EvidenceSet,
                         plan: Plan | None) -> list[Result]:
    """An error for each planned (kind, target) of this check's kinds that has no document."""
    if plan is None:
        return []
    primary = (*spec.evidence, *spec.optional_evidence)[:1]
    lost = []
    for kind in (*spec.evidence, *spec.optional_evidence):
        present = {d.target for d in evidence.of_kind(kind)}
        for target in plan.targets_of(kind):
            if target in present:
                continue
            result = _error(pcheck, spec, subjects.aspect(subjects.evidence(kind), target),
                            msg("the collection planned evidence of kind '{kind}' from {target}, "
                                "but it is missing from the evidence, so {target} was not "
                                "assessed", kind=kind, target=target))
            # the target names the population only for the check's own kind; a missing shared
            # input (a feed) leaves every target of the check unassessed
            result.evidence = {**({"target": target} if kind in primary else {}),
                               "kind": kind, "planned_target": target}
            lost.append(result)
    return lost


def _name_target(results: list[Result], evidence: EvidenceSet, kinds: tuple[str, ...]) -> None:
    """A result whose evidence names no target (one resting on several exports) is about the
    one target its check's evidence has, if there is exactly one: coverage and follow-up are
    per target."""
    targets = {d.target for kind in kinds for d in evidence.of_kind(kind)}
    if len(targets) != 1:
        return
    (target,) = targets
    for result in results:
        if "target" not in result.evidence:
            result.evidence = {"target": target, **result.evidence}


def _judge(pcheck: PolicyCheck, spec: CheckSpec, evidence: EvidenceSet,
           expected_kinds: set[str] | frozenset[str], lost_kinds: set[str]) -> list[Result]:
    kinds = (*spec.evidence, *spec.optional_evidence)
    absent = [kind for kind in kinds if not evidence.of_kind(kind)]
    nothing = bool(kinds) and len(absent) == len(kinds)
    # The check's area is the evidence it requires (optional kinds only add context, such as
    # the directory beside the security events); with none of it collected or planned the area
    # is outside this run's scope.
    required = spec.evidence or kinds
    out_of_scope = bool(required) and all(kind in absent for kind in required)
    if out_of_scope and len(evidence) and not expected_kinds.intersection(absent):
        # Nothing this check needs was collected: the area is outside this run's scope (the
        # config has no section for it). Reported, but neither a pass nor an incomplete run.
        scope = msg("not in the scope of this run: no evidence of kind {kinds} was collected or "
                    "supplied (configure the collector for it, or disable the check in the "
                    "policy)", kinds=", ".join(absent))
        return [Result(check=spec.id, title=spec.title, subject=subjects.scope(spec.id),
                       status=Status.NOT_APPLICABLE, message=str(scope),
                       message_template=scope.template, message_params=dict(scope.params),
                       evidence={"missing_kinds": absent},
                       references=_references(pcheck, spec), remediation="")]
    missing = [kind for kind in spec.evidence if kind in absent]
    if nothing and not spec.evidence:  # optional kinds only: name those the run expected
        missing = [kind for kind in absent if kind in expected_kinds or not expected_kinds]
    if missing:  # a kind whose planned targets are all missing is reported per target
        return [_error(pcheck, spec, subjects.evidence(kind),
                       msg("no evidence of kind '{kind}' was collected or supplied, so this "
                           "check could not look", kind=kind))
                for kind in missing if kind not in lost_kinds]
    with sigint_noted() as delivered:
        try:
            outcomes = list(spec.func(evidence, pcheck.params))
        except BaseException as exc:  # a broken (third-party) check must not stop the run,
            if stops_the_run(exc, delivered()):  # but the user's Ctrl-C and RunInterrupted do
                raise
            return [_error(pcheck, spec, subjects.check(spec.id),
                           msg("the check failed: {error}: {detail}",
                               error=type(exc).__name__, detail=str(exc)))]
    results: list[Result] = []
    seen: set[str] = set()
    references = _references(pcheck, spec)  # one list for all of the check's results
    for outcome in outcomes:
        if not isinstance(outcome, Outcome) or not isinstance(outcome.status, Status):
            results.append(_error(pcheck, spec, subjects.check(spec.id),
                                  msg("the check yielded {type}, not an Outcome",
                                      type=type(outcome).__name__)))
            continue
        if outcome.subject in seen:
            results.append(_error(pcheck, spec, subjects.check(spec.id),
                                  msg("the check yielded subject '{subject}' twice",
                                      subject=outcome.subject)))
            continue
        seen.add(outcome.subject)
        results.append(_result(pcheck, spec, outcome, references))
    if not results:
        results.append(_error(pcheck, spec, subjects.check(spec.id),
                              msg("the check yielded no result, so nothing was assessed")))
    return results


def _references(pcheck: PolicyCheck, spec: CheckSpec | None) -> list[str]:
    refs = list(pcheck.references) + list(spec.references if spec else ())
    return list(dict.fromkeys(refs))


def _result(pcheck: PolicyCheck, spec: CheckSpec, outcome: Outcome,
            references: list[str] | None = None) -> Result:
    """`references`: the check's, computed once (a check can yield 100,000 results)."""
    result = Result(
        check=spec.id, title=spec.title, subject=outcome.subject, status=outcome.status,
        message=redact(outcome.message)[:MAX_MESSAGE], evidence=outcome.evidence,
        remediation=pcheck.remediation or spec.remediation,
        references=references if references is not None else _references(pcheck, spec),
        **_template(outcome.template, outcome.params))
    result.likelihood = outcome.likelihood or pcheck.likelihood or spec.likelihood
    result.impact = outcome.impact or pcheck.impact or spec.impact
    return result


ERROR_REMEDIATION = "Make the evidence readable (connectivity, rights) and run again."


def _error(pcheck: PolicyCheck, spec: CheckSpec | None, subject: str,
           message: Message) -> Result:
    return Result(check=pcheck.id, title=spec.title if spec else pcheck.id, subject=subject,
                  status=Status.ERROR, message=redact(str(message))[:MAX_MESSAGE], evidence={},
                  remediation=ERROR_REMEDIATION,
                  references=_references(pcheck, spec),
                  **_template(message.template, plain(message.params)))


def _template(template: str | None, params: dict | None) -> dict:
    """The Result fields a renderer translates from, redacted like the English text."""
    if template is None:
        return {}
    # the message's own dict when nothing was masked: one dict less per result (300,000)
    return {"message_template": template, "message_params": map_texts(params or {}, redact)}


def _apply_exception(result: Result, policy: Policy, today: date) -> None:
    """A valid exception turns a fail into accepted; an expired one is shown but covers nothing."""
    if result.status is not Status.FAIL:
        return
    matching = [e for e in policy.exceptions if e.matches(result.check, result.subject)]
    if not matching:
        return
    valid = [e for e in matching if e.expires >= today]
    if valid:
        chosen = max(valid, key=lambda e: e.expires)
        result.status = Status.ACCEPTED
        result.exception = {**chosen.to_dict(), "state": "valid"}
        result.message += " " + str(exception_note(result.exception))
    else:
        chosen = max(matching, key=lambda e: e.expires)
        result.exception = {**chosen.to_dict(), "state": "expired"}
        result.message += " " + str(exception_note(result.exception))


def _score(result: Result, policy: Policy) -> None:
    """Only findings (fail, accepted) are placed on the matrix; the rest carry no priority."""
    if result.status.is_finding:  # a check's 0 or None is clamped too: a finding is always scored
        matrix = policy.matrix
        result.likelihood = matrix.clamp(result.likelihood or 0, "likelihood")
        result.impact = matrix.clamp(result.impact or 0, "impact")
        result.priority = matrix.priority(result.likelihood, result.impact)
    else:
        result.likelihood = result.impact = result.priority = None


def summarize(results: Iterable[Result], policy: Policy) -> dict:
    results = list(results)
    by_status = {s.value: 0 for s in Status}
    by_priority = {band.id: 0 for band in policy.matrix.bands}
    for result in results:
        by_status[result.status.value] += 1
        if result.status is Status.FAIL and result.priority:
            by_priority[result.priority] += 1
    return {
        "total": len(results),
        "status": by_status,
        "priority": by_priority,
        "heatmap": policy.matrix.heatmap(results),
        "complete": by_status[Status.ERROR.value] == 0,
    }
