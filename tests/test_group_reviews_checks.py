"""The re-certification checks (ad.groups.*) on the demo evidence and on variants of it: a member
added since the review, a period passed, a privileged group's stricter period, a removal carried
out or still open, and every way the evidence can fail to say (never a pass)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gitc_agent import demo
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet, load_evidence
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Outcome, Status
from gitc_agent.model.kinds import AD_ACCOUNTS, AD_GROUP_REVIEWS

REGISTRY = discover(use_entry_points=False)
BASE = "DC=corp,DC=vbz,DC=example"
BEHEER = f"CN=GG-App-Kassa-Beheer,OU=Groepen,{BASE}"
KEYUSERS = f"CN=GG-App-Kassa-Sleutelgebruikers,OU=Groepen,{BASE}"
SID = "S-1-5-21-1004336348-1177238915-682003330"
SCOPE = [{"name": "GG-App-Kassa-*", "period_days": 182, "owner": "Applicatiebeheer Kassa"}]
TESS = f"group:{SID}-1158/account:t.schouten"


@pytest.fixture()
def docs() -> list[EvidenceDoc]:
    evidence, _ = load_evidence(demo.evidence_dir())
    return [copy.deepcopy(d) for d in evidence if d.kind in (AD_ACCOUNTS, AD_GROUP_REVIEWS)]


def run(check: str, docs: list[EvidenceDoc], **params: Any) -> dict[str, Outcome]:
    spec = REGISTRY.get(check)
    model = spec.params.model_validate({"review_groups": SCOPE, **params})
    return {o.subject: o for o in spec.func(EvidenceSet(docs), model)}


def of(docs: list[EvidenceDoc], kind: str) -> EvidenceDoc:
    return next(d for d in docs if d.kind == kind)


def group(doc: EvidenceDoc, dn: str) -> dict[str, Any]:
    return next(g for g in doc.data["groups"] if g["dn"] == dn)


def test_demo_review_is_current_covered_and_one_removal_was_not_carried_out(docs) -> None:
    overdue = run("ad.groups.review_overdue", docs)
    assert {o.status for o in overdue.values()} == {Status.PASS}
    assert overdue[f"group:{SID}-1158"].evidence["reviewer"].startswith("H. de Wit")
    changed = run("ad.groups.changed_since_review", docs)
    assert [o.status for o in changed.values()] == [Status.PASS, Status.PASS]
    acted = run("ad.groups.review_not_acted_on", docs)
    assert acted[TESS].status is Status.FAIL
    assert "GG-App-Kassa-Sleutelgebruikers" in acted[TESS].evidence["path"]  # how she comes in
    assert acted[f"group:{SID}-1159"].status is Status.PASS  # all kept


def test_a_member_added_after_the_review_fails_with_its_path(docs) -> None:
    group(of(docs, AD_ACCOUNTS), KEYUSERS)["members"].append(
        f"CN=Sem Dijkstra,OU=Medewerkers,{BASE}")
    changed = run("ad.groups.changed_since_review", docs)
    for key in ("1158", "1159"):  # nested: Beheer gets him through the key users
        outcome = changed[f"group:{SID}-{key}"]
        assert outcome.status is Status.FAIL
        assert outcome.evidence["added"][0].startswith("s.dijkstra (s.dijkstra → "
                                                       "GG-App-Kassa-Sleutelgebruikers")


def test_the_period_passes_and_a_privileged_group_keeps_its_stricter_period(docs) -> None:
    of(docs, AD_ACCOUNTS).collected_at = "2027-04-01T07:00:00+00:00"  # 198 days after
    overdue = run("ad.groups.review_overdue", docs)
    assert {o.status for o in overdue.values()} == {Status.FAIL}
    scope = [{"dn": f"CN=Domain Admins,CN=Users,{BASE}", "period_days": 365, "owner": "CISO"}]
    reviews = [{"group": "RID:512", "date": "2026-07-01", "reviewer": "J. Jansen"}]
    spec = REGISTRY.get("ad.groups.review_overdue")
    docs[0].collected_at = of(docs, AD_ACCOUNTS).collected_at = "2026-11-16T07:30:12+00:00"
    for period, status in ((92, Status.FAIL), (200, Status.PASS)):
        model = spec.params.model_validate({"review_groups": scope, "group_reviews": reviews,
                                            "privileged_period_days": period})
        (outcome,) = spec.func(EvidenceSet(docs), model)
        assert outcome.status is status, outcome.message
        assert outcome.evidence["period_days"] == min(period, 365)
        assert outcome.evidence["review_source"] == "policy"


def test_an_ou_rule_takes_every_group_under_it_and_a_rule_that_finds_nothing_is_an_error(
        docs) -> None:
    scope = [{"ou": f"OU=Groepen,{BASE}", "period_days": 365, "owner": "Applicatiebeheer"},
             {"dn": f"CN=Weg,OU=Groepen,{BASE}", "period_days": 365, "owner": "x"}]
    overdue = run("ad.groups.review_overdue", docs, review_groups=scope)
    groups = {s for s, o in overdue.items() if s.startswith("group:")}
    assert groups == {f"group:{SID}-1158", f"group:{SID}-1159", f"group:{SID}-1160"}
    assert overdue[f"group:{SID}-1160"].status is Status.FAIL  # service accounts: never reviewed
    (missing,) = [o for o in overdue.values() if o.status is Status.ERROR]
    assert "CN=Weg" in missing.message


def test_a_removal_carried_out_passes_and_one_still_within_its_days_passes_as_open(docs) -> None:
    acted = run("ad.groups.review_not_acted_on", docs, removal_days=90)
    assert acted[TESS].status is Status.PASS and "still open" in acted[TESS].message
    group(of(docs, AD_ACCOUNTS), BEHEER)["members"].remove(KEYUSERS)
    acted = run("ad.groups.review_not_acted_on", docs)
    assert acted[TESS].status is Status.PASS and "no longer a member" in acted[TESS].message


@pytest.mark.parametrize("damage", ["error", "count", "record", "incomplete", "no_ad"])
def test_evidence_that_cannot_say_is_never_a_pass(docs, damage: str) -> None:
    reviews, ad = of(docs, AD_GROUP_REVIEWS), of(docs, AD_ACCOUNTS)
    if damage == "error":
        reviews.errors.append({"part": "records", "message": "x.json: not valid JSON"})
    elif damage == "count":
        reviews.data["records"].pop()
    elif damage == "record":
        del reviews.data["records"][0]["members"][0]["decision"]
    elif damage == "incomplete":
        group(ad, KEYUSERS)["members_incomplete"] = True
    else:
        docs.remove(ad)
    for check in ("ad.groups.review_overdue", "ad.groups.changed_since_review",
                  "ad.groups.review_not_acted_on"):
        outcomes = run(check, docs)
        assert outcomes and {o.status for o in outcomes.values()} == {Status.ERROR}, check


def test_a_last_review_recorded_only_in_the_policy_cannot_say_what_it_covered(docs) -> None:
    reviews = [{"group": BEHEER, "date": "2026-10-20", "reviewer": "Team Kassa"}]
    changed = run("ad.groups.changed_since_review", docs, group_reviews=reviews)
    assert changed[f"group:{SID}-1158"].status is Status.ERROR
    assert changed[f"group:{SID}-1159"].status is Status.PASS
    overdue = run("ad.groups.review_overdue", docs, group_reviews=reviews)
    assert overdue[f"group:{SID}-1158"].evidence["last_review"] == "2026-10-20"


def test_without_a_scope_the_checks_say_so() -> None:
    evidence, _ = load_evidence(demo.evidence_dir())
    spec = REGISTRY.get("ad.groups.review_overdue")
    (outcome,) = spec.func(evidence, spec.params())
    assert outcome.status is Status.NOT_APPLICABLE and "review_groups" in outcome.message


def test_a_scope_entry_names_one_kind_of_group() -> None:
    spec = REGISTRY.get("ad.groups.review_overdue")
    with pytest.raises(ValueError, match="exactly one of sid, dn, ou or name"):
        spec.params.model_validate({"review_groups": [
            {"ou": f"OU=x,{BASE}", "name": "APP-*", "period_days": 1, "owner": "x"}]})


def test_review_records_kept_but_not_collected_is_an_error_and_not_kept_is_said(docs) -> None:
    without = [d for d in docs if d.kind == AD_ACCOUNTS]
    for check in ("ad.groups.review_overdue", "ad.groups.changed_since_review",
                  "ad.groups.review_not_acted_on"):
        (outcome,) = run(check, without, review_records=True).values()
        assert outcome.status is Status.ERROR and "group_reviews.folder" in outcome.message
    for check in ("ad.groups.changed_since_review", "ad.groups.review_not_acted_on"):
        (outcome,) = run(check, without).values()
        assert outcome.status is Status.NOT_APPLICABLE and "review_records" in outcome.message
    overdue = run("ad.groups.review_overdue", without)  # no record, no policy review: overdue
    assert {o.status for o in overdue.values()} == {Status.FAIL}
