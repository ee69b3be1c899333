"""Pure tests of the AD user-management checks on hand-made evidence with fixed dates, and of range
retrieval (a Windows-only code path that Samba never triggers on its own)."""

from __future__ import annotations

from typing import Any

import pytest

from gitc_agent.collectors.ad.accounts import account_row, filetime, read_groups, sid_to_str
from gitc_agent.collectors.ad.session import LdapReadError, read_ranged
from gitc_agent.core.check_api import Outcome, Status
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.registry import discover
from gitc_agent.model.directory import ACCOUNT_COLUMNS, Directory

REGISTRY = discover(use_entry_points=False)
BASE = "DC=ex,DC=test"
DSID = "S-1-5-21-1-2-3"
COLLECTED = "2026-06-30T08:00:00+00:00"


def acct(sam: str, rid: int, **kw: Any) -> list[Any]:
    row = {"dn": f"CN={sam},CN=Users,{BASE}", "sam": sam, "sid": f"{DSID}-{rid}", "type": "user",
           "uac": 512, "last_logon": "2026-06-20T10:00:00Z", "created": "2020-01-01T00:00:00Z",
           "employee_id": str(rid), "spn": 0, "primary_group_id": 513, **kw}
    return [row.get(c) for c in ACCOUNT_COLUMNS]


def dn(sam: str) -> str:
    return f"CN={sam},CN=Users,{BASE}"


def grp(name: str, sid: str, *members: str) -> dict[str, Any]:
    return {"dn": dn(name), "name": name, "sid": sid, "members": list(members)}


def evidence(accounts: list[list[Any]], extra_groups: list[dict[str, Any]] = (),
             errors: list[dict[str, str]] = ()) -> EvidenceSet:
    groups = [grp("Administrators", "S-1-5-32-544", dn("Administrator"), dn("Domain Admins")),
              grp("Domain Admins", f"{DSID}-512", dn("Administrator")),
              *extra_groups]
    data = {"base_dn": BASE, "domain_sid": DSID, "account_columns": list(ACCOUNT_COLUMNS),
            "accounts": [acct("Administrator", 500, admin_count=1), *accounts], "groups": groups}
    return EvidenceSet([EvidenceDoc(kind="ad.accounts", target=BASE, collector="test", data=data,
                                    errors=list(errors), collected_at=COLLECTED)])


def run(check_id: str, ev: EvidenceSet, **params: Any) -> dict[str, Outcome]:
    spec = REGISTRY.get(check_id)
    assert spec is not None
    return {o.subject: o for o in spec.func(ev, spec.params.model_validate(params))}


# --- dormant -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("last_logon", "status"), [
    ("2026-03-18T08:00:00Z", None),            # 104 days: within 90 + 14 days of lag
    ("2026-03-17T07:00:00Z", Status.FAIL),     # 105 days: dormant even allowing the lag
])
def test_dormant_allows_for_last_logon_timestamp_lag(last_logon: str, status: Status | None) -> None:
    out = run("ad.accounts.dormant", evidence([acct("jdoe", 1200, last_logon=last_logon)]))
    assert (out["account:jdoe"].status if "account:jdoe" in out else None) is status


def test_dormant_never_logged_on_counts_after_n_days_from_creation() -> None:
    ev = evidence([acct("old", 1201, last_logon=None, created="2026-03-01T00:00:00Z"),
                   acct("new", 1202, last_logon=None, created="2026-05-01T00:00:00Z")])
    out = run("ad.accounts.dormant", ev, max_days=90)
    assert out["account:old"].status is Status.FAIL
    assert "account:new" not in out
    assert out[f"domain:{BASE}"].status is Status.PASS


def test_dormant_skips_disabled_and_expired_and_errors_on_unreadable() -> None:
    ev = evidence([acct("off", 1203, uac=514, last_logon="2020-01-01T00:00:00Z"),
                   acct("gone", 1204, expires="2026-01-01T00:00:00Z",
                        last_logon="2020-01-01T00:00:00Z"),
                   acct("hidden", 1205, uac=None),
                   acct("nocreated", 1206, last_logon=None, created=None)])
    out = run("ad.accounts.dormant", ev)
    assert "account:off" not in out and "account:gone" not in out
    assert out["account:hidden"].status is Status.ERROR
    assert out["account:nocreated"].status is Status.ERROR


def test_dormant_cis_45_days() -> None:
    ev = evidence([acct("idle", 1207, last_logon="2026-05-01T00:00:00Z")])  # 60 days
    assert run("ad.accounts.dormant", ev, max_days=45)["account:idle"].status is Status.FAIL
    assert "account:idle" not in run("ad.accounts.dormant", ev, max_days=90)


# --- membership model --------------------------------------------------------------------------

def test_cycle_terminates_and_path_is_shortest() -> None:
    ev = evidence([acct("jdoe", 1300)],
                  [grp("A", f"{DSID}-1400", dn("B"), dn("jdoe")), grp("B", f"{DSID}-1401", dn("A")),
                   grp("Backup Operators", "S-1-5-32-551", dn("A"), dn("B"))])
    out = run("ad.privileged.unapproved_member", ev)
    result = out["group:S-1-5-32-551/account:jdoe"]
    assert result.status is Status.FAIL
    assert result.evidence["path"] == "jdoe → A → Backup Operators"


def test_primary_group_counts_as_membership() -> None:
    ev = evidence([acct("prim", 1301, primary_group_id=512)])
    out = run("ad.privileged.unapproved_member", ev)
    assert out[f"group:{DSID}-512/account:prim"].evidence["path"].endswith("(primaryGroupID)")
    assert "group:S-1-5-32-544/account:prim" in out


def test_groups_are_identified_by_sid_not_name() -> None:
    ev = evidence([acct("jdoe", 1302)], [grp("Opérateurs de sauvegarde", "S-1-5-32-551",
                                             dn("jdoe"))])
    out = run("ad.privileged.unapproved_member", ev)
    assert out["group:S-1-5-32-551/account:jdoe"].status is Status.FAIL


def test_missing_required_group_is_error_optional_is_not_applicable() -> None:
    out = run("ad.privileged.unapproved_member", evidence([]))
    assert out["group:S-1-5-32-548"].status is Status.ERROR  # Account Operators: every domain
    assert out[f"group:{DSID}-519"].status is Status.NOT_APPLICABLE  # forest root only


def test_empty_administrators_means_unreadable() -> None:
    ev = evidence([])
    ev.of_kind("ad.accounts")[0].data["groups"][0]["members"] = []
    ev.of_kind("ad.accounts")[0].data["accounts"][0][ACCOUNT_COLUMNS.index("primary_group_id")] = 513
    out = run("ad.privileged.review_overdue", ev)
    assert out["group:S-1-5-32-544"].status is Status.ERROR


def test_incomplete_member_list_is_error() -> None:
    ev = evidence([acct("jdoe", 1303)],
                  [{**grp("Server Operators", "S-1-5-32-549", dn("jdoe")),
                    "members_incomplete": True}])
    out = run("ad.privileged.unapproved_member", ev)
    assert out["group:S-1-5-32-549"].status is Status.ERROR
    assert not any(s.startswith("group:S-1-5-32-549/") for s in out)


def test_collection_errors_give_error_outcomes() -> None:
    ev = EvidenceSet([EvidenceDoc(kind="ad.accounts", target=BASE, collector="t", data={},
                                  errors=[{"part": "connection", "message": "refused"}])])
    for check_id in ("ad.accounts.dormant", "ad.privileged.admincount_orphan",
                     "ad.privileged.approval_expired", "ad.accounts.impersonal_unregistered"):
        assert {o.status for o in run(check_id, ev).values()} == {Status.ERROR}


# --- approvals and reviews ---------------------------------------------------------------------

def test_approval_expired_past_fails_future_passes_removed_passes() -> None:
    ev = evidence([acct("a1", 1310), acct("a2", 1311), acct("a3", 1312)],
                  [grp("Server Operators", "S-1-5-32-549", dn("a1"), dn("a2"))])
    approved = [{"account": "a1", "group": "S-1-5-32-549", "until": "2026-06-29",
                 "approved_by": "CISO"},
                {"account": "a2", "group": "S-1-5-32-549", "until": "2026-07-01",
                 "approved_by": "CISO"},
                {"account": "a3", "group": "S-1-5-32-549", "until": "2026-01-01",
                 "approved_by": "CISO"}]
    out = run("ad.privileged.approval_expired", ev, approved=approved)
    assert out["approval:S-1-5-32-549/a1"].status is Status.FAIL
    assert out["approval:S-1-5-32-549/a2"].status is Status.PASS
    assert out["approval:S-1-5-32-549/a3"].status is Status.PASS  # no longer a member
    members = run("ad.privileged.unapproved_member", ev, approved=approved)
    assert members["group:S-1-5-32-549/account:a1"].status is Status.PASS


def test_policy_refuses_groups_by_name() -> None:
    spec = REGISTRY.get("ad.privileged.unapproved_member")
    with pytest.raises(ValueError, match="not by name"):
        spec.params.model_validate({"approved": [{"account": "x", "group": "Domain Admins",
                                                  "until": "2027-01-01", "approved_by": "y"}]})


def test_review_overdue_period() -> None:
    ev = evidence([])
    reviews = [{"group": "S-1-5-32-544", "date": "2026-03-01", "reviewer": "J. Jansen"},
               {"group": "RID:512", "date": "2026-05-01", "reviewer": "J. Jansen"}]
    out = run("ad.privileged.review_overdue", ev, reviews=reviews, max_age_days=92)
    assert out["group:S-1-5-32-544"].status is Status.FAIL  # 121 days
    assert out[f"group:{DSID}-512"].status is Status.PASS  # 60 days
    out = run("ad.privileged.review_overdue", ev, reviews=[])
    assert out["group:S-1-5-32-544"].status is Status.FAIL


# --- impersonal accounts ------------------------------------------------------------------------

def test_impersonal_rules_and_register() -> None:
    ev = evidence([acct("svc-web", 1320), acct("spnuser", 1321, spn=1),
                   acct("noemp", 1322, employee_id=None), acct("person", 1323)],
                  [grp("Backup Operators", "S-1-5-32-551", dn("svc-web"))])
    out = run("ad.accounts.impersonal_unregistered", ev)
    assert out["account:svc-web"].status is Status.FAIL
    assert out["account:spnuser"].status is Status.FAIL
    assert out["account:noemp"].status is Status.FAIL
    assert "account:person" not in out
    entry = {"account": "svc-web", "owner": "Team Web", "justification": "IIS app pool",
             "monitoring": "SIEM"}
    out = run("ad.accounts.impersonal_unregistered", ev, register=[entry])
    assert out["account:svc-web"].status is Status.PASS
    priv = run("ad.accounts.impersonal_privileged", ev, register=[entry])
    assert priv["group:S-1-5-32-551/account:svc-web"].status is Status.FAIL
    priv = run("ad.accounts.impersonal_privileged", ev,
               register=[{**entry, "privileged_groups": ["S-1-5-32-551"]}])
    assert priv["group:S-1-5-32-551/account:svc-web"].status is Status.PASS


# --- password never expires, adminCount --------------------------------------------------------

def test_privileged_password_never_expires() -> None:
    ev = evidence([acct("adm1", 1330, uac=512 | 0x10000), acct("adm2", 1331),
                   acct("plain", 1332, uac=512 | 0x10000)],
                  [grp("Server Operators", "S-1-5-32-549", dn("adm1"), dn("adm2"))])
    out = run("ad.accounts.privileged_password_never_expires", ev)
    assert out["account:adm1"].status is Status.FAIL
    assert out["account:adm2"].status is Status.PASS
    assert "account:plain" not in out


def test_admincount_orphan() -> None:
    ev = evidence([acct("former", 1340, admin_count=1), acct("current", 1341, admin_count=1),
                   acct("krbtgt", 502, admin_count=1, uac=514)],
                  [grp("Account Operators", "S-1-5-32-548", dn("current"))])
    out = run("ad.privileged.admincount_orphan", ev)
    assert out["account:former"].status is Status.FAIL
    assert "account:current" not in out and "account:krbtgt" not in out
    assert "account:Administrator" not in out


# --- collector helpers and range retrieval ------------------------------------------------------

def test_sid_and_filetime_conversion() -> None:
    raw = bytes([1, 5, 0, 0, 0, 0, 0, 5]) + b"".join(
        v.to_bytes(4, "little") for v in (21, 1, 2, 3, 500))
    assert sid_to_str(raw) == "S-1-5-21-1-2-3-500"
    assert filetime(b"0") is None and filetime(b"9223372036854775807") is None
    # 133000000000000000 ticks = 13,300,000,000 s after 1601 = Unix time 1,655,526,400
    assert filetime(b"133000000000000000") == "2022-06-18T04:26:40Z"


def test_account_row_counts_unreadable_attributes() -> None:
    unreadable: dict[str, int] = {}
    row = account_row(dn("x"), {"sAMAccountName": [b"x"]}, unreadable)
    assert row[ACCOUNT_COLUMNS.index("uac")] is None
    assert unreadable["objectSid"] == 1 and unreadable["userAccountControl"] == 1


class FakeRangeConnection:
    """A minimal stand-in for ldap3's Connection that answers like a Windows DC enforcing
    MaxValRange (here 3 values per request). Only for range retrieval, which Samba never does
    on its own; every other path is tested against the real Samba DC."""

    def __init__(self, members: dict[str, list[bytes]], per_request: int = 3, fail_at: int = -1):
        self.members, self.per_request, self.fail_at = members, per_request, fail_at
        self.response: list[dict] = []
        self.result: dict = {}
        self.requests: list[tuple[str, list[str]]] = []

    def _slice(self, group: str, start: int) -> tuple[str, list[bytes]]:
        values = self.members[group]
        end = start + self.per_request
        high = "*" if end >= len(values) else str(end - 1)
        return f"member;range={start}-{high}", values[start:end]

    def search(self, base: str, _filter: str, search_scope: Any = None, attributes: Any = None,
               paged_size: int | None = None, paged_cookie: bytes | None = None) -> bool:
        self.requests.append((base, list(attributes)))
        if paged_size is not None:  # the paged group dump: first range of each group
            entries = []
            for group in self.members:
                key, values = self._slice(group, 0)
                entries.append({"type": "searchResEntry", "dn": group, "raw_attributes": {
                    "objectSid": [bytes([1, 1, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0])],
                    "sAMAccountName": [group.split(",")[0][3:].encode()], "member": [],
                    key: values}})
            self.response, self.result = entries, {"result": 0, "controls": {}}
            return True
        start = int(attributes[0].split("=")[1].split("-")[0])
        if start == self.fail_at:
            self.response, self.result = [], {"result": 50, "description": "insufficientAccessRights"}
            return False
        key, values = self._slice(base, start)
        self.response = [{"type": "searchResEntry", "dn": base, "raw_attributes": {key: values}}]
        self.result = {"result": 0}
        return True


def test_range_retrieval_reads_every_value() -> None:
    values = [f"CN=u{i},{BASE}".encode() for i in range(10)]
    conn = FakeRangeConnection({f"CN=Big,{BASE}": values})
    errors: list[dict[str, str]] = []
    groups = read_groups(conn, BASE, 500, errors)  # type: ignore[arg-type]
    assert errors == []
    assert groups[0]["members"] == [v.decode() for v in values]
    assert groups[0]["range_retrieval"] is True
    assert [r[1] for r in conn.requests[1:]] == [["member;range=3-*"], ["member;range=6-*"],
                                                 ["member;range=9-*"]]


def test_range_retrieval_failure_is_recorded_not_truncated() -> None:
    values = [f"CN=u{i},{BASE}".encode() for i in range(10)]
    conn = FakeRangeConnection({f"CN=Big,{BASE}": values}, fail_at=6)
    errors: list[dict[str, str]] = []
    groups = read_groups(conn, BASE, 500, errors)  # type: ignore[arg-type]
    assert groups[0]["members_incomplete"] is True
    assert errors and errors[0]["part"] == f"group:CN=Big,{BASE}"
    with pytest.raises(LdapReadError):
        read_ranged(conn, f"CN=Big,{BASE}", "member",  # type: ignore[arg-type]
                    {"member;range=0-5": values[:6]})


def test_directory_account_lookup_by_name_dn_and_sid() -> None:
    ev = evidence([acct("jdoe", 1350)])
    directory = Directory.from_data(ev.of_kind("ad.accounts")[0].data)
    assert directory.account("JDOE") is directory.account(dn("jdoe"))
    assert directory.account(f"{DSID}-1350") is directory.account("jdoe")
