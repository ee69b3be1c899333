"""AD user management against a real Samba AD DC: collection, nesting, cycles, primaryGroupID,
service accounts, large groups, renamed groups and a bound account that cannot read everything."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from gitc_agent.collectors.ad import accounts as ad_accounts
from gitc_agent.collectors.ad.session import connect, read_entry, read_ranged
from gitc_agent.collectors.run import collect_ad
from gitc_agent.core.check_api import Outcome, Status
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.registry import discover
from gitc_agent.model.directory import Directory
from gitc_agent.settings.config import ADSettings, BindSettings
from gitc_agent.settings.credentials import Secret
from tests.lab.samba_lab import SambaLab

pytestmark = pytest.mark.samba
REGISTRY = discover(use_entry_points=False)


def settings(lab: SambaLab, user: str | None = None, password: str | None = None) -> ADSettings:
    bind = BindSettings(method="simple", user=user or lab.admin_user,
                        secret=Secret(password or lab.admin_password, "test"))
    return ADSettings(servers=[lab.ldaps_url], base_dn=lab.base_dn, bind=bind, starttls=False,
                      ca_file=lab.ca_file, validate_certificate=True, timeout_seconds=30,
                      page_size=500, parallel_reads=1)


def collect(lab: SambaLab, **kw: str) -> EvidenceDoc:
    docs = collect_ad(settings(lab, **kw), lambda _msg: None)
    (doc,) = [d for d in docs if d.kind == ad_accounts.KIND]
    return doc


def run(check_id: str, doc: EvidenceDoc, **params: Any) -> dict[str, Outcome]:
    spec = REGISTRY.get(check_id)
    assert spec is not None
    outcomes = list(spec.func(EvidenceSet([doc]), spec.params.model_validate(params)))
    return {o.subject: o for o in outcomes}


def one(outcomes: dict[str, Outcome], *parts: str) -> Outcome:
    found = [o for s, o in outcomes.items() if all(p in s for p in parts)]
    assert len(found) == 1, (parts, sorted(outcomes))
    return found[0]


def test_user_nested_three_levels_into_administrators_is_found_with_path(samba: SambaLab) -> None:
    samba.create_user("jdoe")
    for name in ("Helpdesk-T2", "Server Admins", "Tier-Wrap"):
        samba.create_group(name)
    samba.add_members("Helpdesk-T2", "jdoe")
    samba.add_members("Server Admins", "Helpdesk-T2")
    samba.add_members("Administrators", "Server Admins")
    doc = collect(samba)
    assert doc.errors == []
    result = one(run("ad.privileged.unapproved_member", doc), "S-1-5-32-544", "account:jdoe")
    assert result.status is Status.FAIL
    assert result.evidence["path"] == "jdoe → Helpdesk-T2 → Server Admins → Administrators"
    summary = {g["sid"]: g for g in doc.data["privileged"]}
    paths = {m["dn"].split(",")[0]: m["path"] for m in summary["S-1-5-32-544"]["members"]}
    assert paths["CN=jdoe"] == ["jdoe", "Helpdesk-T2", "Server Admins", "Administrators"]


def test_approval_until_past_fails_and_future_passes(samba: SambaLab) -> None:
    samba.create_user("adm-past")
    samba.create_user("adm-future")
    samba.add_members("Domain Admins", "adm-past", "adm-future")
    doc = collect(samba)
    today = date.fromisoformat(doc.collected_at[:10])
    approved = [
        {"account": "adm-past", "group": "RID:512", "until": today - timedelta(days=1),
         "approved_by": "CISO"},
        {"account": "adm-future", "group": "RID:512", "until": today + timedelta(days=30),
         "approved_by": "CISO"},
    ]
    expired = run("ad.privileged.approval_expired", doc, approved=approved)
    assert expired["approval:RID:512/adm-past"].status is Status.FAIL
    assert expired["approval:RID:512/adm-future"].status is Status.PASS
    members = run("ad.privileged.unapproved_member", doc, approved=approved)
    # Approval for Domain Admins covers Administrators reached through Domain Admins.
    assert one(members, "S-1-5-32-544", "account:adm-future").status is Status.PASS
    assert one(members, "-512/", "account:adm-future").status is Status.PASS


def test_membership_cycle_terminates_and_members_are_reported_once(samba: SambaLab) -> None:
    samba.create_user("cyc-user")
    samba.create_group("Cycle-A")
    samba.create_group("Cycle-B")
    samba.add_members("Cycle-A", "Cycle-B", "cyc-user")
    samba.add_members("Cycle-B", "Cycle-A")
    samba.add_members("Account Operators", "Cycle-A")
    doc = collect(samba)
    outcomes = run("ad.privileged.unapproved_member", doc)
    hits = [s for s in outcomes if "S-1-5-32-548" in s and "cyc-user" in s]
    assert hits == ["group:S-1-5-32-548/account:cyc-user"]
    assert outcomes[hits[0]].evidence["path"] == "cyc-user → Cycle-A → Account Operators"


def test_primary_group_membership_counts(samba: SambaLab) -> None:
    samba.create_user("prim-user")
    samba.add_members("Domain Admins", "prim-user")
    user_dn = f"CN=prim-user,CN=Users,{samba.base_dn}"
    samba.ldb("ldbmodify", stdin=f"dn: {user_dn}\nchangetype: modify\nreplace: primaryGroupID\n"
                                 f"primaryGroupID: 512\n")
    try:
        doc = collect(samba)
        # Like Windows, Samba drops the member value once it is the primary group.
        da = Directory.from_data(doc.data).group("RID:512")
        assert da is not None and user_dn.lower() not in {m.lower() for m in da.members}
        result = one(run("ad.privileged.unapproved_member", doc), "-512/", "account:prim-user")
        assert result.status is Status.FAIL
        assert "(primaryGroupID)" in result.evidence["path"]
    finally:  # restore() deletes the user; it must not be a Domain Admin by primary group then
        samba.ldb("ldbmodify", stdin=f"dn: {user_dn}\nchangetype: modify\n"
                                     f"replace: primaryGroupID\nprimaryGroupID: 513\n")


def test_service_account_register_and_privileged(samba: SambaLab) -> None:
    samba.create_user("svc-report")
    samba.samba_tool("spn", "add", "HTTP/report.gitc.test", "svc-report")
    samba.add_members("Domain Admins", "svc-report")
    doc = collect(samba)
    unregistered = run("ad.accounts.impersonal_unregistered", doc)
    assert unregistered["account:svc-report"].status is Status.FAIL
    assert "service principal" in unregistered["account:svc-report"].message
    entry = {"account": "svc-report", "owner": "Team BI", "justification": "report server",
             "monitoring": "SIEM use case UC-12"}
    registered = run("ad.accounts.impersonal_unregistered", doc, register=[entry])
    assert registered["account:svc-report"].status is Status.PASS
    privileged = run("ad.accounts.impersonal_privileged", doc, register=[entry])
    assert one(privileged, "-512/", "svc-report").status is Status.FAIL
    allowed = run("ad.accounts.impersonal_privileged", doc,
                  register=[{**entry, "privileged_groups": ["RID:512", "S-1-5-32-544"]}])
    assert one(allowed, "-512/", "svc-report").status is Status.PASS


def _bulk_users(lab: SambaLab, prefix: str, count: int) -> list[str]:
    dns = [f"CN={prefix}{i},CN=Users,{lab.base_dn}" for i in range(count)]
    ldif = "\n".join(f"dn: {dn}\nobjectClass: user\nsAMAccountName: {prefix}{i}\n"
                     f"userAccountControl: 544\n" for i, dn in enumerate(dns))
    lab.ldb("ldbadd", stdin=ldif)
    return dns


def test_privileged_group_with_more_than_1500_members_is_complete(samba: SambaLab) -> None:
    dns = _bulk_users(samba, "big", 1600)
    group_dn = f"CN=Print Operators,CN=Builtin,{samba.base_dn}"
    try:
        samba.ldb("ldbmodify", stdin=f"dn: {group_dn}\nchangetype: modify\nadd: member\n"
                  + "".join(f"member: {dn}\n" for dn in dns))
        doc = collect(samba)
        group = Directory.from_data(doc.data).group("S-1-5-32-550")
        assert group is not None and len(group.members) == 1600
        outcomes = run("ad.privileged.unapproved_member", doc)
        assert sum(1 for s in outcomes if s.startswith("group:S-1-5-32-550/account:big")) == 1600
        # Samba answers an explicit range request like Windows does: follow it to the end.
        conn, _ = connect(settings(samba))
        try:
            _, raw = read_entry(conn, group_dn, ["member;range=0-999"])
            assert any(k.lower().startswith("member;range=0-999") for k in raw)
            assert len(read_ranged(conn, group_dn, "member", raw)) == 1600
        finally:
            conn.unbind()
    finally:
        samba.ldb("ldbmodify", stdin=f"dn: {group_dn}\nchangetype: modify\nreplace: member\n")
        samba.ldb("ldbdel", *dns)


def test_renamed_privileged_group_is_still_found(samba: SambaLab) -> None:
    samba.create_user("ren-user")
    samba.add_members("Domain Admins", "ren-user")
    da = f"CN=Domain Admins,CN=Users,{samba.base_dn}"
    samba.ldb("ldbmodify", stdin=f"dn: {da}\nchangetype: modify\nreplace: sAMAccountName\n"
                                 f"sAMAccountName: Beheerders-Domein\n")
    try:
        doc = collect(samba)
        result = one(run("ad.privileged.unapproved_member", doc), "-512/", "account:ren-user")
        assert result.status is Status.FAIL
        assert "Beheerders-Domein" in result.message
    finally:
        samba.ldb("ldbmodify", stdin=f"dn: {da}\nchangetype: modify\nreplace: sAMAccountName\n"
                                     f"sAMAccountName: Domain Admins\n")


def test_bound_account_that_cannot_see_builtin_gets_errors_not_passes(samba: SambaLab) -> None:
    password = samba.create_user("auditor-ro")
    (rec,) = samba.search(samba.base_dn, "(sAMAccountName=auditor-ro)", "sub", "objectSid")
    sid = rec["objectsid"][0]
    samba.samba_tool("dsacl", "set", f"--objectdn=CN=Builtin,{samba.base_dn}",
                     f"--sddl=(D;CI;RPLCLORC;;;{sid})")
    doc = collect(samba, user=f"auditor-ro@{samba.realm}", password=password)
    assert doc.errors == [], doc.errors
    for check_id in ("ad.privileged.unapproved_member", "ad.privileged.review_overdue",
                     "ad.accounts.impersonal_privileged",
                     "ad.accounts.privileged_password_never_expires"):
        outcomes = run(check_id, doc)
        admins = outcomes.get("group:S-1-5-32-544")
        assert admins is not None and admins.status is Status.ERROR, (check_id, admins)
        assert not any("S-1-5-32-544/" in s for s in outcomes)
    orphan = run("ad.privileged.admincount_orphan", doc)
    assert [o.status for o in orphan.values()] == [Status.ERROR]


def test_wrong_password_is_an_error_for_every_check(samba: SambaLab) -> None:
    doc = collect(samba, password="not-the-password")
    assert doc.error_for("connection")
    assert "not-the-password" not in str(doc.to_dict())
    for check_id in ("ad.accounts.dormant", "ad.privileged.unapproved_member"):
        statuses = {o.status for o in run(check_id, doc).values()}
        assert statuses == {Status.ERROR}


def _sid_of(lab: SambaLab, sam: str) -> str:
    (rec,) = lab.search(lab.base_dn, f"(sAMAccountName={sam})", "sub", "objectSid")
    return rec["objectsid"][0]


MEMBER_GUID = "bf9679c0-0de6-11d0-a285-00aa003049e2"  # schemaIDGUID of `member`
ADMIN_COUNT_GUID = "bf967918-0de6-11d0-a285-00aa003049e2"  # schemaIDGUID of `adminCount`


def test_domain_admins_with_unreadable_member_is_error_not_no_members(samba: SambaLab) -> None:
    password = samba.create_user("auditor-da")
    samba.create_user("adm-hidden")
    samba.add_members("Domain Admins", "adm-hidden")
    da = f"CN=Domain Admins,CN=Users,{samba.base_dn}"
    samba.samba_tool("dsacl", "set", f"--objectdn={da}",
                     f"--sddl=(OD;;RP;{MEMBER_GUID};;{_sid_of(samba, 'auditor-da')})")
    doc = collect(samba, user=f"auditor-da@{samba.realm}", password=password)
    assert Directory.from_data(doc.data).group("RID:512").members == ()  # looks empty
    assert doc.error_for(f"group:{da}"), doc.errors
    for check_id in ("ad.privileged.unapproved_member", "ad.privileged.review_overdue"):
        outcomes = run(check_id, doc)
        result = one(outcomes, "-512")
        assert result.status is Status.ERROR, (check_id, result.message)
    approved = [{"account": "adm-hidden", "group": "RID:512", "until": "2020-01-01",
                 "approved_by": "CISO"}]
    expired = run("ad.privileged.approval_expired", doc, approved=approved)
    assert expired["approval:RID:512/adm-hidden"].status is Status.ERROR
    # Administrators holds Domain Admins, so its membership is unknown as well
    assert run("ad.privileged.unapproved_member", doc)["group:S-1-5-32-544"].status \
        is Status.ERROR


def test_approvals_by_upn_and_typo(samba: SambaLab) -> None:
    samba.create_user("adm-upn")
    samba.add_members("Domain Admins", "adm-upn")
    doc = collect(samba)
    today = date.fromisoformat(doc.collected_at[:10])
    past = today - timedelta(days=1)
    approved = [{"account": f"adm-upn@{samba.dns_domain}", "group": "RID:512", "until": past,
                 "approved_by": "CISO"},
                {"account": "adm-nup", "group": "RID:512", "until": past, "approved_by": "CISO"}]
    out = run("ad.privileged.approval_expired", doc, approved=approved)
    assert out[f"approval:RID:512/adm-upn@{samba.dns_domain}"].status is Status.FAIL
    typo = out["approval:RID:512/adm-nup"]
    assert typo.status is Status.ERROR and "adm-nup" in typo.message


def test_person_without_employee_id_is_not_impersonal(samba: SambaLab) -> None:
    samba.create_user("j.jansen", given_name="Jan", surname="Jansen")
    samba.create_user("kassa-balie")
    samba.add_members("Domain Admins", "j.jansen", "kassa-balie")
    doc = collect(samba)
    unregistered = run("ad.accounts.impersonal_unregistered", doc)
    assert "account:j.jansen" not in unregistered
    assert unregistered["account:kassa-balie"].status is Status.FAIL
    privileged = run("ad.accounts.impersonal_privileged", doc)
    assert not any("j.jansen" in s for s in privileged)
    assert one(privileged, "-512/", "kassa-balie").status is Status.FAIL


def test_unreadable_admincount_is_error(samba: SambaLab) -> None:
    password = samba.create_user("auditor-ac")
    samba.samba_tool("dsacl", "set", f"--objectdn={samba.base_dn}",
                     f"--sddl=(OD;CI;RP;{ADMIN_COUNT_GUID};;{_sid_of(samba, 'auditor-ac')})")
    doc = collect(samba, user=f"auditor-ac@{samba.realm}", password=password)
    orphan = run("ad.privileged.admincount_orphan", doc)
    assert [o.status for o in orphan.values()] == [Status.ERROR]
    assert "adminCount" in next(iter(orphan.values())).message
