"""The AD checks on evidence that is partly unreadable: they must say `error`, never pass.

Hand-made evidence (helpers shared with test_ad_accounts_unit); the same defects against a real
directory are in test_ad_accounts_samba and test_samba_password_policy.
"""

from __future__ import annotations

from typing import Any

import pytest

from gitc_agent.core.check_api import Status
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.model.directory import ACCOUNT_COLUMNS
from tests.test_ad_accounts_unit import (
    BASE,
    COLLECTED,
    DSID,
    REGISTRY,
    acct,
    dn,
    evidence,
    grp,
    run,
)

DA = f"group:{DSID}-512"
EXPIRED = "2026-06-01"  # before COLLECTED (2026-06-30)


# --- privileged groups whose members were not read completely ------------------------------------

@pytest.mark.parametrize("check_id", ["ad.privileged.unapproved_member",
                                      "ad.privileged.review_overdue",
                                      "ad.accounts.impersonal_privileged",
                                      "ad.accounts.privileged_password_never_expires"])
def test_domain_admins_flagged_incomplete_is_error_not_no_members(check_id: str) -> None:
    ev = evidence([])
    da = ev.of_kind("ad.accounts")[0].data["groups"][1]
    da.update(members=[], members_incomplete=True)
    out = run(check_id, ev)
    assert out[DA].status is Status.ERROR
    assert "could not be read completely" in out[DA].message
    assert not any(s.startswith(DA + "/") for s in out)


def test_unreadable_primary_group_id_makes_domain_group_membership_unknown() -> None:
    ev = evidence([acct("hidden", 1400, primary_group_id=None), acct("printer", 1401)],
                  [grp("Print Operators", "S-1-5-32-550", dn("printer"))])
    ev.of_kind("ad.accounts")[0].data["unreadable"] = {"primaryGroupID": 1}
    out = run("ad.privileged.unapproved_member", ev)
    assert out[DA].status is Status.ERROR
    assert "primaryGroupID" in out[DA].message
    assert not any(s.startswith(DA + "/") for s in out)
    # Administrators contains Domain Admins, so it is unknown too; Print Operators holds no
    # domain group, so no primary group can make anyone a member of it: still assessed.
    assert out["group:S-1-5-32-544"].status is Status.ERROR
    assert out["group:S-1-5-32-550/account:printer"].status is Status.FAIL
    review = run("ad.privileged.review_overdue", ev)
    assert review[DA].status is Status.ERROR


def test_incomplete_approved_group_makes_the_approval_error() -> None:
    ev = evidence([acct("a1", 1402)],
                  [{**grp("Server Operators", "S-1-5-32-549"), "members_incomplete": True}])
    approved = [{"account": "a1", "group": "S-1-5-32-549", "until": EXPIRED,
                 "approved_by": "CISO"}]
    out = run("ad.privileged.approval_expired", ev, approved=approved)
    assert out["approval:S-1-5-32-549/a1"].status is Status.ERROR


# --- approvals that resolve to nothing -----------------------------------------------------------

def _approvals(*accounts: str, group: str = "RID:512") -> list[dict[str, Any]]:
    return [{"account": a, "group": group, "until": EXPIRED, "approved_by": "CISO"}
            for a in accounts]


def test_expired_approval_of_a_member_named_by_upn_fails() -> None:
    ev = evidence([acct("adm-jan", 1410, upn="jan.adm@ex.test")])
    ev.of_kind("ad.accounts")[0].data["groups"][1]["members"].append(dn("adm-jan"))
    out = run("ad.privileged.approval_expired", ev, approved=_approvals("jan.adm@ex.test"))
    assert out["approval:RID:512/jan.adm@ex.test"].status is Status.FAIL


def test_expired_approval_of_a_member_named_by_dn_of_a_nested_group_fails() -> None:
    ev = evidence([acct("jdoe", 1411)], [grp("Tier0", f"{DSID}-1412", dn("jdoe"))])
    ev.of_kind("ad.accounts")[0].data["groups"][1]["members"].append(dn("Tier0"))
    out = run("ad.privileged.approval_expired", ev, approved=_approvals(dn("Tier0")))
    assert out[f"approval:RID:512/{dn('Tier0')}"].status is Status.FAIL


@pytest.mark.parametrize("name", ["adm-jna", "nobody@ex.test", "S-1-5-21-1-2-3-9999",
                                  "CN=gone,CN=Users,DC=ex,DC=test"])
def test_approval_that_resolves_to_no_account_is_error_naming_it(name: str) -> None:
    ev = evidence([acct("adm-jan", 1413)])
    out = run("ad.privileged.approval_expired", ev, approved=_approvals(name))
    result = out[f"approval:RID:512/{name}"]
    assert result.status is Status.ERROR
    assert name in result.message


def test_approval_of_an_account_whose_name_was_unreadable_is_error() -> None:
    row = acct("adm-jan", 1414)
    row[ACCOUNT_COLUMNS.index("sam")] = None
    ev = evidence([row])
    ev.of_kind("ad.accounts")[0].data["groups"][1]["members"].append(dn("adm-jan"))
    out = run("ad.privileged.approval_expired", ev, approved=_approvals("adm-jan"))
    assert out["approval:RID:512/adm-jan"].status is Status.ERROR


def test_unresolvable_approval_does_not_cover_a_member() -> None:
    ev = evidence([acct("adm-jan", 1415)])
    ev.of_kind("ad.accounts")[0].data["groups"][1]["members"].append(dn("adm-jan"))
    approved = [{"account": "adm-jna", "group": "RID:512", "until": "2027-01-01",
                 "approved_by": "CISO"}]
    out = run("ad.privileged.unapproved_member", ev, approved=approved)
    assert out[f"{DA}/account:adm-jan"].status is Status.FAIL


# --- persons and impersonal accounts -------------------------------------------------------------

def _people() -> EvidenceSet:
    return evidence([acct("j.jansen", 1420, employee_id=None, given_name="Jan", sn="Jansen"),
                     acct("p.emp", 1421),
                     acct("half", 1422, employee_id=None, given_name="Half"),
                     acct("kassa", 1423, employee_id=None)],
                    [grp("Backup Operators", "S-1-5-32-551", dn("j.jansen"), dn("kassa"))])


def test_person_recognised_by_given_name_and_sn_without_employee_id() -> None:
    out = run("ad.accounts.impersonal_unregistered", _people())
    assert "account:j.jansen" not in out and "account:p.emp" not in out
    assert out["account:half"].status is Status.FAIL
    assert out["account:kassa"].status is Status.FAIL
    assert "person attributes" in out["account:kassa"].message
    priv = run("ad.accounts.impersonal_privileged", _people())
    assert "group:S-1-5-32-551/account:j.jansen" not in priv
    assert priv["group:S-1-5-32-551/account:kassa"].status is Status.FAIL


def test_person_attributes_are_configurable() -> None:
    rules = {"person_attributes": [["employeeID"]]}
    out = run("ad.accounts.impersonal_unregistered", _people(), rules=rules)
    assert out["account:j.jansen"].status is Status.FAIL
    assert "account:p.emp" not in out
    off = run("ad.accounts.impersonal_unregistered", _people(),
              rules={"no_person_attributes": False})
    assert "account:kassa" not in off


def test_person_attributes_refuse_what_is_not_collected() -> None:
    spec = REGISTRY.get("ad.accounts.impersonal_unregistered")
    with pytest.raises(ValueError, match="telephoneNumber"):
        spec.params.model_validate({"rules": {"person_attributes": [["telephoneNumber"]]}})


# --- adminCount not readable -----------------------------------------------------------------------

def test_unreadable_admincount_is_error_not_no_orphans() -> None:
    ev = evidence([acct("former", 1430)])
    administrator = ev.of_kind("ad.accounts")[0].data["accounts"][0]
    # the built-in Administrator always carries adminCount=1: absent means unreadable
    administrator[ACCOUNT_COLUMNS.index("admin_count")] = None
    out = run("ad.privileged.admincount_orphan", ev)
    assert [o.status for o in out.values()] == [Status.ERROR]
    assert "adminCount" in next(iter(out.values())).message


def test_admincount_orphan_with_incomplete_protected_group_is_error() -> None:
    ev = evidence([acct("maybe", 1431, admin_count=1)],
                  [{**grp("Server Operators", "S-1-5-32-549"), "members_incomplete": True}])
    out = run("ad.privileged.admincount_orphan", ev)
    assert {o.status for o in out.values()} == {Status.ERROR}


# --- a PSO that is visible but not readable --------------------------------------------------------

def test_pso_listed_as_unreadable_is_error_for_every_password_check() -> None:
    pso = f"CN=PSO-Hidden,CN=Password Settings Container,CN=System,{BASE}"
    data = {"base_dn": BASE, "pso_container": f"CN=Password Settings Container,CN=System,{BASE}",
            "domain": {"dn": BASE, "min_length": 14, "history": 24, "max_age_days": 90,
                       "max_age_never": False, "lockout_threshold": 5, "complexity": True,
                       "reversible_encryption": False},
            "psos": []}
    errors = [{"part": f"pso:{pso}", "message": "visible, but its attributes could not be read"}]
    ev = EvidenceSet([EvidenceDoc(kind="ad.password_policy", target=BASE, collector="t",
                                  data=data, errors=errors, collected_at="2026-06-30T08:00:00Z")])
    for check_id in ("ad.password.min_length", "ad.password.settings"):
        spec = REGISTRY.get(check_id)
        outcomes = {o.subject: o for o in spec.func(ev, spec.params.model_validate({}))}
        assert outcomes[f"pso:{pso}"].status is Status.ERROR, check_id
        assert "could not be read" in outcomes[f"pso:{pso}"].message


# --- evidence that cannot say who is who (found by tests/test_degradation.py) ---------------------

AD_CHECKS = ("ad.accounts.dormant", "ad.accounts.impersonal_privileged",
             "ad.accounts.impersonal_unregistered", "ad.accounts.privileged_password_never_expires",
             "ad.privileged.admincount_orphan", "ad.privileged.approval_expired",
             "ad.privileged.review_overdue", "ad.privileged.unapproved_member")
DOMAIN = f"domain:{BASE}"


def _data(ev: EvidenceSet) -> dict[str, Any]:
    return ev.of_kind("ad.accounts")[0].data


def test_group_without_a_members_key_is_incomplete_not_empty() -> None:
    ev = evidence([acct("adm-jan", 1440)], [grp("Backup Operators", "S-1-5-32-551", dn("adm-jan"))])
    del _data(ev)["groups"][2]["members"]
    for check_id in ("ad.privileged.review_overdue", "ad.privileged.unapproved_member"):
        out = run(check_id, ev)
        assert out["group:S-1-5-32-551"].status is Status.ERROR, check_id
        assert "could not be read completely" in out["group:S-1-5-32-551"].message
    priv = run("ad.accounts.impersonal_privileged", ev)
    assert DOMAIN not in priv  # "no impersonal account in any group" is not established


@pytest.mark.parametrize("degrade", ["no accounts", "no sam column", "no type column",
                                     "no primary_group_id column", "row without dn"])
def test_account_table_that_cannot_say_who_is_who_is_a_domain_error(degrade: str) -> None:
    ev = evidence([acct("m.devos", 1441, last_logon="2020-01-01T00:00:00Z")])
    data = _data(ev)
    if degrade == "no accounts":
        data["accounts"] = []
    elif degrade == "row without dn":
        data["accounts"][1][ACCOUNT_COLUMNS.index("dn")] = None
    else:
        column = degrade.split()[1]
        data["account_columns"] = [None if c == column else c for c in ACCOUNT_COLUMNS]
    for check_id in AD_CHECKS:
        approved = [{"account": "m.devos", "group": "RID:512", "until": EXPIRED,
                     "approved_by": "CISO"}] if check_id.endswith("approval_expired") else []
        out = run(check_id, ev, **({"approved": approved} if approved else {}))
        assert [(s, o.status) for s, o in out.items()] == [(DOMAIN, Status.ERROR)], check_id


def test_unreadable_primary_group_id_cell_counts_without_the_collectors_tally() -> None:
    ev = evidence([acct("adm-kmulder", 1442, primary_group_id=None)])
    out = run("ad.privileged.approval_expired", ev, approved=_approvals("adm-kmulder"))
    assert out["approval:RID:512/adm-kmulder"].status is Status.ERROR
    assert "primaryGroupID" in out["approval:RID:512/adm-kmulder"].message


@pytest.mark.parametrize(("cell", "value", "why"), [
    ("type", "printer", "neither user nor computer"),
    ("sam", None, "sAMAccountName"),
    ("sid", None, "objectSid"),
])
def test_account_that_cannot_be_identified_or_classified_is_error_never_skipped(
        cell: str, value: Any, why: str) -> None:
    row = acct("test-kassa", 1443, employee_id=None, last_logon="2020-01-01T00:00:00Z")
    row[ACCOUNT_COLUMNS.index(cell)] = value
    ev = evidence([row])
    _data(ev)["groups"][1]["members"].append(dn("test-kassa"))
    name = "test-kassa" if cell != "sam" else dn("test-kassa")
    for check_id in ("ad.accounts.dormant", "ad.accounts.impersonal_unregistered"):
        out = run(check_id, ev)
        assert out[f"account:{name}"].status is Status.ERROR, check_id
        assert why in out[f"account:{name}"].message
    # "no enabled impersonal account" is not established while one could not be judged
    assert DOMAIN not in run("ad.accounts.impersonal_unregistered", ev)
    members = run("ad.privileged.unapproved_member", ev)
    assert members[DA].status is Status.ERROR  # a member of Domain Admins is unknown
    assert not any(s.startswith(DA + "/") for s in members)


def test_group_with_an_unreadable_sid_makes_absent_optional_groups_unknown() -> None:
    schema = grp("Schema Admins", f"{DSID}-518", dn("Administrator"))
    before = run("ad.privileged.review_overdue", evidence([], [schema]))
    assert before[f"group:{DSID}-518"].status is Status.FAIL
    ev = evidence([], [{**schema, "sid": None}])
    out = run("ad.privileged.review_overdue", ev)
    assert out[f"group:{DSID}-518"].status is Status.ERROR  # not: absent, so not applicable
    assert "Schema Admins" in out[f"group:{DSID}-518"].message
    orphan = run("ad.privileged.admincount_orphan", ev)
    assert [o.status for o in orphan.values()] == [Status.ERROR]


# --- password policy objects that cannot be identified, or a PSO list nobody vouched for ----------

def _password(psos: list[dict[str, Any]], **extra: Any) -> EvidenceSet:
    data = {"base_dn": BASE, "pso_container": f"CN=PSC,{BASE}",
            "domain": {"dn": BASE, "min_length": 8, "history": 24, "max_age_days": 90,
                       "max_age_never": False, "lockout_threshold": 5, "complexity": True,
                       "reversible_encryption": False},
            "psos": psos, **extra}
    return EvidenceSet([EvidenceDoc(kind="ad.password_policy", target=BASE, collector="t",
                                    data=data, errors=[], collected_at=COLLECTED)])


def _password_run(ev: EvidenceSet) -> dict[str, dict[str, Any]]:
    out = {}
    for check_id in ("ad.password.min_length", "ad.password.settings"):
        spec = REGISTRY.get(check_id)
        out[check_id] = {o.subject: o for o in spec.func(ev, spec.params.model_validate({}))}
    return out


def test_empty_pso_list_needs_the_collectors_word_that_psos_were_visible() -> None:
    for outcomes in _password_run(_password([])).values():
        assert outcomes[f"psos:CN=PSC,{BASE}"].status is Status.ERROR
        assert "pso_reader" in outcomes[f"psos:CN=PSC,{BASE}"].message
    vouched = _password([], pso_reader={"privileged": True, "groups": ["S-1-5-32-544"]})
    for outcomes in _password_run(vouched).values():
        assert {o.status for o in outcomes.values()} <= {Status.PASS, Status.FAIL}


def test_policy_object_without_a_dn_is_error_not_a_none_subject() -> None:
    ev = _password([], pso_reader={"privileged": True})
    ev.of_kind("ad.password_policy")[0].data["domain"]["dn"] = None
    for check_id, outcomes in _password_run(ev).items():
        assert [(s, o.status) for s, o in outcomes.items()] == [(DOMAIN, Status.ERROR)], check_id
        assert not any("None" in s for s in outcomes)
