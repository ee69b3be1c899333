"""Never a silent pass for the re-certification checks: every degradation of the demo's review
records, and of the directory's groups and the reviewed members' rows, either loses verdicts
with a new error or moves towards fail (the invariant of tests/degrade.py), exhaustively rather
than sampled, because the review-record document is small."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from gitc_agent import demo
from gitc_agent.core.evidence import load_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.model.kinds import AD_ACCOUNTS, AD_GROUP_REVIEWS
from tests.degrade import Scenario, enumerate_sites, judge

CHECKS = ("ad.groups.review_overdue", "ad.groups.changed_since_review",
          "ad.groups.review_not_acted_on")
REVIEWED = ("j.willems", "t.schouten")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    registry = discover(use_entry_points=False)
    policy = load_policy(str(demo.policy_path()), registry)
    policy = dataclasses.replace(policy, checks=[c for c in policy.checks if c.id in CHECKS],
                                 exceptions=[])
    evidence, _ = load_evidence(demo.evidence_dir())
    docs = [d for d in evidence if d.kind in (AD_ACCOUNTS, AD_GROUP_REVIEWS)]
    return Scenario("group-reviews", docs, policy, registry, date(2026, 11, 16))


def _relevant(scenario: Scenario, site) -> bool:
    doc = scenario.docs[site.doc]
    if doc.kind == AD_GROUP_REVIEWS or site.family in ("drop_document", "add_error"):
        return True
    if site.path[:1] == ("groups",):
        return True
    if site.path[:1] == ("accounts",) and len(site.path) > 1:
        row = doc.data["accounts"][site.path[1]]
        return row[doc.data["account_columns"].index("sam")] in REVIEWED
    return site.path[:1] in (("domain_sid",), ("account_columns",))


def test_baseline_has_verdicts_of_every_check(scenario: Scenario) -> None:
    checks = {check for check, _ in scenario.baseline}
    assert checks == set(CHECKS)
    assert "fail" in scenario.baseline.values() and "pass" in scenario.baseline.values()


def test_no_degradation_gains_a_pass_or_loses_a_verdict_silently(scenario: Scenario) -> None:
    sites = [s for s in enumerate_sites(scenario.docs) if _relevant(scenario, s)]
    assert len(sites) > 300  # the review records are degraded everywhere
    violations = [v.line() for site in sites for v in judge(scenario, site)]
    assert violations == [], "\n".join(violations[:20])
