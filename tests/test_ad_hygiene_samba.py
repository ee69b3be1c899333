"""AD hygiene indicators against a real Samba AD DC: each one planted (fail) and removed (pass).

Samba refuses to set pwdLastSet to anything but 0/-1 through its modules; an old password (and
an old trust or logon) is planted by writing the attribute in the domain partition's database
file directly (`_raw_replace`), which the running DC reads. What Samba cannot hold at all (the
LAPS schema, functional levels above 2008 R2) is tested on recorded evidence in
tests/test_ad_hygiene_unit.py.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gitc_agent.collectors.ad import accounts as ad_accounts
from gitc_agent.collectors.run import collect_ad
from gitc_agent.core.check_api import Outcome, Status
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.registry import discover
from gitc_agent.settings.config import ADSettings, BindSettings
from gitc_agent.settings.credentials import Secret
from tests.lab.samba_lab import SambaLab, _program, _tool_env

pytestmark = pytest.mark.samba
REGISTRY = discover(use_entry_points=False)
DESCRIPTION_GUID = "bf967950-0de6-11d0-a285-00aa003049e2"  # schemaIDGUID of `description`
ENC_TYPES_GUID = "20119867-1d04-4ab7-9371-cfc3d5df0afd"  # msDS-SupportedEncryptionTypes


def settings(lab: SambaLab, user: str | None = None, password: str | None = None,
             parallel: int = 1) -> ADSettings:
    bind = BindSettings(method="simple", user=user or lab.admin_user,
                        secret=Secret(password or lab.admin_password, "test"))
    return ADSettings(servers=[lab.ldaps_url], base_dn=lab.base_dn, bind=bind, starttls=False,
                      ca_file=lab.ca_file, validate_certificate=True, timeout_seconds=30,
                      page_size=500, parallel_reads=parallel)


def collect(lab: SambaLab, parallel: int = 1, **kw: str) -> EvidenceDoc:
    docs = collect_ad(settings(lab, parallel=parallel, **kw), lambda _msg: None)
    (doc,) = [d for d in docs if d.kind == ad_accounts.KIND]
    return doc


def run(check_id: str, doc: EvidenceDoc, **params: Any) -> dict[str, Outcome]:
    spec = REGISTRY.get(check_id)
    assert spec is not None
    outcomes = list(spec.func(EvidenceSet([doc]), spec.params.model_validate(params)))
    return {o.subject: o for o in outcomes}


def status(check_id: str, doc: EvidenceDoc, subject: str, **params: Any) -> Status | None:
    """The status of `subject` (None: no result for it)."""
    found = run(check_id, doc, **params).get(subject)
    return found.status if found else None


def modify(lab: SambaLab, dn: str, *changes: str) -> None:
    lab.ldb("ldbmodify", stdin=f"dn: {dn}\nchangetype: modify\n" + "\n-\n".join(changes) + "\n")


def filetime(when: datetime) -> int:
    return int((when - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)


def _raw_replace(lab: SambaLab, dn: str, attribute: str, value: str | None) -> None:
    """Write (or delete) an attribute in the domain partition file, past Samba's modules
    (which refuse a pwdLastSet other than 0 or -1)."""
    partition = lab.workdir / "private" / "sam.ldb.d" / f"{lab.base_dn.upper()}.ldb"
    change = (f"replace: {attribute}\n{attribute}: {value}\n" if value is not None
              else f"delete: {attribute}\n")
    subprocess.run([_program("ldbmodify"), "-H", str(partition)], check=True, text=True,
                   capture_output=True, env=_tool_env(),
                   input=f"dn: {dn}\nchangetype: modify\n{change}")


@contextmanager
def raw_value(lab: SambaLab, dn: str, attribute: str, value: str) -> Iterator[None]:
    (before,) = lab.search(dn, "(objectClass=*)", "base", attribute)
    old = before.get(attribute.lower())
    _raw_replace(lab, dn, attribute, value)
    try:
        yield
    finally:
        _raw_replace(lab, dn, attribute, old[0] if old else None)


def user_dn(lab: SambaLab, name: str) -> str:
    return f"CN={name},CN=Users,{lab.base_dn}"


def computer(lab: SambaLab, name: str) -> str:
    """An enabled workstation account (samba-tool creates it disabled)."""
    lab.samba_tool("computer", "create", name)
    dn = f"CN={name},CN=Computers,{lab.base_dn}"
    modify(lab, dn, "replace: userAccountControl\nuserAccountControl: 4096")
    return dn


# --- accounts and passwords ------------------------------------------------------------------


def test_userAccountControl_flags_fail_when_set_and_pass_when_cleared(samba: SambaLab) -> None:
    samba.create_user("hyg-flags")
    dn = user_dn(samba, "hyg-flags")
    flags = {"ad.hygiene.passwd_not_required": 0x20, "ad.hygiene.reversible_encryption": 0x80,
             "ad.hygiene.kerberos_preauth_disabled": 0x400000, "ad.hygiene.des_only": 0x200000}
    modify(samba, dn, f"replace: userAccountControl\nuserAccountControl: {512 | sum(flags.values())}")
    doc = collect(samba)
    assert doc.errors == [], doc.errors
    for check_id in flags:
        assert status(check_id, doc, "account:hyg-flags") is Status.FAIL, check_id
    modify(samba, dn, "replace: userAccountControl\nuserAccountControl: 512")
    doc = collect(samba)
    for check_id in flags:
        results = run(check_id, doc)
        assert "account:hyg-flags" not in results, check_id
        assert results[f"domain:{samba.base_dn}"].status is Status.PASS, check_id


def test_des_only_encryption_types(samba: SambaLab) -> None:
    samba.create_user("hyg-des")
    dn = user_dn(samba, "hyg-des")
    modify(samba, dn, "replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 3")
    assert status("ad.hygiene.des_only", collect(samba), "account:hyg-des") is Status.FAIL
    modify(samba, dn, "replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24")
    assert status("ad.hygiene.des_only", collect(samba), "account:hyg-des") is None


def test_preauth_disabled_on_a_privileged_account_is_scored_higher(samba: SambaLab) -> None:
    samba.create_user("hyg-asrep-adm")
    samba.add_members("Domain Admins", "hyg-asrep-adm")
    modify(samba, user_dn(samba, "hyg-asrep-adm"),
           f"replace: userAccountControl\nuserAccountControl: {512 | 0x400000}")
    result = run("ad.hygiene.kerberos_preauth_disabled", collect(samba))["account:hyg-asrep-adm"]
    assert result.status is Status.FAIL
    assert (result.likelihood, result.impact) == (5, 5)


def test_krbtgt_password_age(samba: SambaLab) -> None:
    dn = user_dn(samba, "krbtgt")
    assert status("ad.hygiene.krbtgt_password_age", collect(samba), "account:krbtgt") \
        is Status.PASS
    old = filetime(datetime.now(UTC) - timedelta(days=400))
    with raw_value(samba, dn, "pwdLastSet", str(old)):
        result = run("ad.hygiene.krbtgt_password_age", collect(samba))["account:krbtgt"]
        assert result.status is Status.FAIL and "400 days" in result.message


def test_builtin_administrator_password_age_and_recent_logon(samba: SambaLab) -> None:
    dn = samba.admin_dn
    doc = collect(samba)
    assert status("ad.hygiene.builtin_admin_password_age", doc, "account:Administrator") \
        is Status.PASS
    old = filetime(datetime.now(UTC) - timedelta(days=800))
    samba.set_domain_password_settings(max_age_days=0)  # the bind account's password: no expiry
    with raw_value(samba, dn, "pwdLastSet", str(old)):
        assert status("ad.hygiene.builtin_admin_password_age", collect(samba),
                      "account:Administrator") is Status.FAIL
    recent = filetime(datetime.now(UTC) - timedelta(days=3))
    with raw_value(samba, dn, "lastLogonTimestamp", str(recent)):
        assert status("ad.hygiene.builtin_admin_recent_logon", collect(samba),
                      "account:Administrator") is Status.FAIL
    long_ago = filetime(datetime.now(UTC) - timedelta(days=90))
    reader = samba.create_user("hyg-reader")  # a bind as Administrator refreshes its logon time
    with raw_value(samba, dn, "lastLogonTimestamp", str(long_ago)):
        doc = collect(samba, user=f"hyg-reader@{samba.realm}", password=reader)
        assert status("ad.hygiene.builtin_admin_recent_logon", doc, "account:Administrator") \
            is Status.PASS


def test_guest_enabled(samba: SambaLab) -> None:
    assert status("ad.hygiene.guest_enabled", collect(samba), "account:Guest") is Status.PASS
    samba.samba_tool("user", "enable", "Guest")
    try:
        assert status("ad.hygiene.guest_enabled", collect(samba), "account:Guest") is Status.FAIL
    finally:
        samba.samba_tool("user", "disable", "Guest")


def test_kerberoastable_privileged_account(samba: SambaLab) -> None:
    samba.create_user("hyg-svc-adm")
    samba.samba_tool("spn", "add", "HTTP/app.gitc.test", "hyg-svc-adm")
    samba.add_members("Domain Admins", "hyg-svc-adm")
    dn = user_dn(samba, "hyg-svc-adm")
    assert status("ad.hygiene.kerberoastable_privileged", collect(samba),
                  "account:hyg-svc-adm") is Status.PASS  # password set just now
    with raw_value(samba, dn, "pwdLastSet", str(filetime(datetime.now(UTC) - timedelta(days=60)))):
        doc = collect(samba)
        assert status("ad.hygiene.kerberoastable_privileged", doc, "account:hyg-svc-adm") \
            is Status.FAIL
        assert status("ad.hygiene.privileged_password_age", doc, "account:hyg-svc-adm") is None
        assert status("ad.hygiene.privileged_password_age", doc, "account:hyg-svc-adm",
                      max_days=30) is None  # created today: not judged on age yet


def test_privileged_delegation_protection(samba: SambaLab) -> None:
    samba.create_user("hyg-da")
    samba.add_members("Domain Admins", "hyg-da")
    check = "ad.hygiene.privileged_delegation_protection"
    assert status(check, collect(samba), "account:hyg-da") is Status.FAIL
    samba.add_members("Protected Users", "hyg-da")
    assert status(check, collect(samba), "account:hyg-da") is None
    samba.samba_tool("group", "removemembers", "Protected Users", "hyg-da")
    modify(samba, user_dn(samba, "hyg-da"),
           f"replace: userAccountControl\nuserAccountControl: {512 | 0x100000}")
    assert status(check, collect(samba), "account:hyg-da") is None


def test_privileged_count(samba: SambaLab) -> None:
    subject = f"domain:{samba.base_dn}"
    doc = collect(samba)
    assert status("ad.hygiene.privileged_count", doc, subject, max_count=2) is Status.PASS
    for i in range(3):
        samba.create_user(f"hyg-cnt{i}")
        samba.add_members("Domain Admins", f"hyg-cnt{i}")
    result = run("ad.hygiene.privileged_count", collect(samba), max_count=2)[subject]
    assert result.status is Status.FAIL and result.evidence["privileged"] >= 3


def test_passwords_in_attributes_are_flagged_and_never_stored(samba: SambaLab) -> None:
    samba.create_user("hyg-pw1")
    samba.create_user("hyg-pw2", description="Kassa koppeling ww: Zomer2024!x")
    samba.create_user("hyg-pw3")
    modify(samba, user_dn(samba, "hyg-pw1"), "replace: userPassword\nuserPassword: Plain-Geheim-77")
    modify(samba, user_dn(samba, "hyg-pw3"), "replace: unixUserPassword\nunixUserPassword: crypt-Xy9",
           "replace: info\ninfo: password=Lente2025?")
    doc = collect(samba)
    text = json.dumps(doc.to_dict())
    for secret in ("Plain-Geheim-77", "Zomer2024!x", "crypt-Xy9", "Lente2025?"):
        assert secret not in text
    results = run("ad.hygiene.password_in_attributes", doc)
    assert results["account:hyg-pw1"].evidence["found"] == ["userPassword"]
    assert results["account:hyg-pw2"].evidence["found"] == ["description:pw-colon"]
    assert set(results["account:hyg-pw3"].evidence["found"]) == {
        "unixUserPassword", "info:password-assign"}
    modify(samba, user_dn(samba, "hyg-pw1"), "delete: userPassword")
    modify(samba, user_dn(samba, "hyg-pw2"), "replace: description\ndescription: Kassa koppeling")
    modify(samba, user_dn(samba, "hyg-pw3"), "delete: unixUserPassword", "delete: info")
    results = run("ad.hygiene.password_in_attributes", collect(samba))
    assert not any(s.startswith("account:hyg-pw") for s in results)


def test_primary_group_and_sid_history(samba: SambaLab) -> None:
    samba.create_user("hyg-prim")
    dn = user_dn(samba, "hyg-prim")
    samba.add_members("Domain Admins", "hyg-prim")  # Samba wants membership first
    modify(samba, dn, "replace: primaryGroupID\nprimaryGroupID: 512")
    try:
        assert status("ad.hygiene.primary_group", collect(samba), "account:hyg-prim") \
            is Status.FAIL
    finally:
        modify(samba, dn, "replace: primaryGroupID\nprimaryGroupID: 513")
    assert status("ad.hygiene.primary_group", collect(samba), "account:hyg-prim") is None
    samba.create_user("hyg-sidh")
    dn = user_dn(samba, "hyg-sidh")
    foreign = "S-1-5-21-1-2-3-1105"  # same-domain SIDs: see the unit tests
    modify(samba, dn, f"add: sIDHistory\nsIDHistory: {foreign}")
    result = run("ad.hygiene.sid_history", collect(samba))["account:hyg-sidh"]
    assert result.status is Status.FAIL and result.impact == 5  # no trust names that domain
    assert result.evidence["sid_history"] == [foreign]
    modify(samba, dn, "delete: sIDHistory")
    assert status("ad.hygiene.sid_history", collect(samba), "account:hyg-sidh") is None


# --- delegation and computers ------------------------------------------------------------------


def test_unconstrained_and_constrained_delegation(samba: SambaLab) -> None:
    dn = computer(samba, "HYGSRV01")
    subject = "account:HYGSRV01$"
    modify(samba, dn, f"replace: userAccountControl\nuserAccountControl: {0x1000 | 0x80000}")
    doc = collect(samba)
    assert status("ad.hygiene.unconstrained_delegation", doc, subject) is Status.FAIL
    assert status("ad.hygiene.unconstrained_delegation", doc, "account:DC1$") is None  # a DC
    modify(samba, dn, "replace: userAccountControl\nuserAccountControl: 4096",
           "replace: msDS-AllowedToDelegateTo\nmsDS-AllowedToDelegateTo: cifs/app01.gitc.test")
    doc = collect(samba)
    assert status("ad.hygiene.unconstrained_delegation", doc, subject) is None
    assert status("ad.hygiene.constrained_delegation", doc, subject) is None  # member server
    modify(samba, dn, f"replace: userAccountControl\nuserAccountControl: {0x1000 | 0x1000000}")
    assert status("ad.hygiene.constrained_delegation", collect(samba), subject) is Status.FAIL
    modify(samba, dn, "replace: userAccountControl\nuserAccountControl: 4096",
           "replace: msDS-AllowedToDelegateTo\nmsDS-AllowedToDelegateTo: ldap/dc1.gitc.test")
    result = run("ad.hygiene.constrained_delegation", collect(samba))[subject]
    assert result.status is Status.FAIL and result.impact == 5


def test_stale_computer_and_unsupported_os(samba: SambaLab) -> None:
    dn = computer(samba, "HYGWS01")
    subject = "account:HYGWS01$"
    modify(samba, dn, "replace: operatingSystem\noperatingSystem: Windows Server 2008 R2 Standard")
    doc = collect(samba)
    assert status("ad.hygiene.stale_computers", doc, subject) is None  # created just now
    assert status("ad.hygiene.unsupported_os", doc, subject) is Status.FAIL
    modify(samba, dn, "replace: operatingSystem\noperatingSystem: Windows Server 2022 Standard")
    assert status("ad.hygiene.unsupported_os", collect(samba), subject) is None
    old = str(filetime(datetime.now(UTC) - timedelta(days=200)))
    with raw_value(samba, dn, "pwdLastSet", old), raw_value(samba, dn, "lastLogonTimestamp", old):
        assert status("ad.hygiene.stale_computers", collect(samba), subject) is Status.FAIL


def test_laps_schema_absent_on_samba_is_a_finding(samba: SambaLab) -> None:
    """Samba 4.17 has no LAPS schema: the domain fails (per-computer LAPS: unit tests)."""
    doc = collect(samba)
    result = run("ad.hygiene.laps", doc)[f"domain:{samba.base_dn}"]
    assert result.status is Status.FAIL and "schema" in result.message
    assert doc.data["hygiene"]["schema"]["msLAPS-PasswordExpirationTime"]["present"] is False


# --- domain and forest ---------------------------------------------------------------------------


def test_machine_account_quota(samba: SambaLab) -> None:
    subject = f"domain:{samba.base_dn}"
    assert status("ad.hygiene.machine_account_quota", collect(samba), subject) is Status.FAIL
    modify(samba, samba.base_dn, "replace: ms-DS-MachineAccountQuota\nms-DS-MachineAccountQuota: 0")
    try:
        assert status("ad.hygiene.machine_account_quota", collect(samba), subject) is Status.PASS
    finally:
        modify(samba, samba.base_dn,
               "replace: ms-DS-MachineAccountQuota\nms-DS-MachineAccountQuota: 10")


def test_pre_windows_2000_and_operator_groups(samba: SambaLab) -> None:
    doc = collect(samba)
    pre = run("ad.hygiene.pre_windows_2000", doc)
    assert pre["group:S-1-5-32-554/account:Authenticated Users"].status is Status.FAIL
    samba.create_user("hyg-op")
    samba.add_members("Account Operators", "hyg-op")
    modify(samba, f"CN=Pre-Windows 2000 Compatible Access,CN=Builtin,{samba.base_dn}",
           f"delete: member\nmember: CN=S-1-5-11,CN=ForeignSecurityPrincipals,{samba.base_dn}")
    doc = collect(samba)
    assert run("ad.hygiene.pre_windows_2000", doc)["group:S-1-5-32-554"].status is Status.PASS
    operators = run("ad.hygiene.operators_empty", doc)
    assert operators["group:S-1-5-32-548"].status is Status.FAIL
    assert "hyg-op" in operators["group:S-1-5-32-548"].message
    assert operators["group:S-1-5-32-549"].status is Status.PASS
    samba.samba_tool("group", "removemembers", "Account Operators", "hyg-op")
    assert run("ad.hygiene.operators_empty", collect(samba))["group:S-1-5-32-548"].status \
        is Status.PASS


def test_recycle_bin_and_functional_level(samba: SambaLab) -> None:
    subject = f"domain:{samba.base_dn}"
    doc = collect(samba)
    assert status("ad.hygiene.recycle_bin", doc, subject) is Status.FAIL
    levels = run("ad.hygiene.functional_level", doc)  # Samba 4.17: 2008 R2 (4)
    assert levels[f"{subject}#domain_level"].status is Status.FAIL
    assert run("ad.hygiene.functional_level", doc, min_level=4)[f"{subject}#forest_level"] \
        .status is Status.PASS
    config = f"CN=Configuration,{samba.base_dn}"
    samba.ldb("ldbmodify", stdin=f"dn: \nchangetype: modify\nadd: enableOptionalFeature\n"
                                 f"enableOptionalFeature: CN=Partitions,{config}:"
                                 f"766ddcd8-acd0-445e-f3b9-a7f9b6744f2a\n")
    try:
        assert status("ad.hygiene.recycle_bin", collect(samba), subject) is Status.PASS
    finally:
        for record in samba.search(config, "(msDS-EnabledFeature=*)", "sub", "1.1"):
            modify(samba, record["dn"][0], "delete: msDS-EnabledFeature")
    assert status("ad.hygiene.recycle_bin", collect(samba), subject) is Status.FAIL


def test_trusts(samba: SambaLab) -> None:
    subject = "trust:partner.example"
    assert status("ad.trusts.sid_filtering", collect(samba), f"domain:{samba.base_dn}") \
        is Status.PASS  # no trusts
    dn = f"CN=partner.example,CN=System,{samba.base_dn}"
    samba.ldb("ldbadd", stdin=f"dn: {dn}\nobjectClass: trustedDomain\ntrustPartner: "
                              f"partner.example\nflatName: PARTNER\ntrustDirection: 3\n"
                              f"trustType: 2\ntrustAttributes: 0\n"
                              f"securityIdentifier: S-1-5-21-11-22-33\n")
    try:
        doc = collect(samba)
        assert status("ad.trusts.sid_filtering", doc, subject) is Status.FAIL
        assert status("ad.trusts.encryption", doc, subject) is Status.FAIL
        assert status("ad.trusts.tgt_delegation", doc, subject) is Status.PASS
        assert status("ad.trusts.inactive", doc, subject) is Status.PASS
        modify(samba, dn, "replace: trustAttributes\ntrustAttributes: 4",
               "replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24")
        doc = collect(samba)
        assert status("ad.trusts.sid_filtering", doc, subject) is Status.PASS
        assert status("ad.trusts.encryption", doc, subject) is Status.PASS
        modify(samba, dn, f"replace: trustAttributes\ntrustAttributes: {0x8 | 0x40 | 0x800}")
        doc = collect(samba)
        assert status("ad.trusts.sid_filtering", doc, subject) is Status.FAIL  # forest + SIDH
        assert status("ad.trusts.tgt_delegation", doc, subject) is Status.FAIL
        with raw_value(samba, dn, "whenChanged", "20250101000000.0Z"):
            assert status("ad.trusts.inactive", collect(samba), subject) is Status.FAIL
    finally:
        samba.ldb("ldbdel", dn)


def test_replication_conflict_and_duplicate_objects(samba: SambaLab) -> None:
    dn = f"CN=hyg-dup\\0ACNF:5b1e0c2e-1111-2222-3333-444455556666,CN=Users,{samba.base_dn}"
    samba.ldb("ldbadd", stdin=f"dn: {dn}\nobjectClass: user\nsAMAccountName: $DUPLICATE-1f3a\n")
    results = run("ad.hygiene.replication_conflicts", collect(samba))
    assert results["account:$DUPLICATE-1f3a"].status is Status.FAIL
    samba.ldb("ldbdel", dn)
    results = run("ad.hygiene.replication_conflicts", collect(samba))
    assert "account:$DUPLICATE-1f3a" not in results
    assert results[f"domain:{samba.base_dn}"].status is Status.PASS


# --- what the bound account cannot read --------------------------------------------------------


def _sid_of(lab: SambaLab, sam: str) -> str:
    (rec,) = lab.search(lab.base_dn, f"(sAMAccountName={sam})", "sub", "objectSid")
    return rec["objectsid"][0]


def test_unreadable_attributes_make_the_checks_error(samba: SambaLab) -> None:
    password = samba.create_user("hyg-auditor")
    sid = _sid_of(samba, "hyg-auditor")
    for guid in (DESCRIPTION_GUID, ENC_TYPES_GUID):
        samba.samba_tool("dsacl", "set", f"--objectdn={samba.base_dn}",
                         f"--sddl=(OD;CI;RP;{guid};;{sid})")
    # an inherited deny comes after the explicit allows users get from their class's default
    # ACL (canonical order), so description stays readable there; deny it on Guest explicitly
    samba.samba_tool("dsacl", "set", f"--objectdn={user_dn(samba, 'Guest')}",
                     f"--sddl=(OD;;RP;{DESCRIPTION_GUID};;{sid})")
    samba.samba_tool("dsacl", "set", f"--objectdn=CN=DC1,OU=Domain Controllers,{samba.base_dn}",
                     f"--sddl=(OD;;RP;{ENC_TYPES_GUID};;{sid})")
    doc = collect(samba, user=f"hyg-auditor@{samba.realm}", password=password)
    readable = doc.data["hygiene"]["readable"]
    assert readable["description"]["readable"] is False
    assert readable["msDS-SupportedEncryptionTypes"]["readable"] is False
    assert readable["unixUserPassword"]["readable"] is False  # confidential, not an admin
    domain = f"domain:{samba.base_dn}"
    des = run("ad.hygiene.des_only", doc)
    assert [o.status for o in des.values()] == [Status.ERROR]
    assert des[domain].status is Status.ERROR
    secrets = run("ad.hygiene.password_in_attributes", doc)
    assert secrets[domain].status is Status.ERROR and "description" in secrets[domain].message
    narrowed = run("ad.hygiene.password_in_attributes", doc, attributes=["userPassword", "info"])
    assert narrowed[domain].status is Status.PASS


def test_invisible_trust_container_is_error_not_no_trusts(samba: SambaLab) -> None:
    password = samba.create_user("hyg-auditor2")
    samba.samba_tool("dsacl", "set", f"--objectdn=CN=System,{samba.base_dn}",
                     f"--sddl=(D;;RPLCLORC;;;{_sid_of(samba, 'hyg-auditor2')})")
    doc = collect(samba, user=f"hyg-auditor2@{samba.realm}", password=password)
    assert doc.error_for("hygiene.trusts")
    for check_id in ("ad.trusts.sid_filtering", "ad.trusts.inactive"):
        assert [o.status for o in run(check_id, doc).values()] == [Status.ERROR]


def test_parallel_collection_reads_the_same_hygiene_evidence(samba: SambaLab) -> None:
    samba.create_user("hyg-par", description="wachtwoord staat in de kluis")
    serial, parallel = collect(samba), collect(samba, parallel=2)
    assert serial.data["account_columns"] == parallel.data["account_columns"]
    assert sorted(serial.data["accounts"]) == sorted(parallel.data["accounts"])
    assert serial.data["hygiene"]["readable"] == parallel.data["hygiene"]["readable"]
    row = next(r for r in parallel.data["accounts"] if r[1] == "hyg-par")
    columns = parallel.data["account_columns"]
    assert row[columns.index("secrets")] == ["description:wachtwoord"]
    assert "kluis" not in row[columns.index("description")]
