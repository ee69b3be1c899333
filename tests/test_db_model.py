"""The pure parts of the db area: pgaudit.log as pgaudit reads it, the audit state both the db
and the datafix checks rely on, the transitive role closure with its path, and the demo."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from gitc_agent import demo
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.db_audit import audit_state, pgaudit_classes
from gitc_agent.model.db_principals import Instance, MalformedInstance
from tests.db_helpers import by_subject, demo_ad, run

DEMO_DB = demo.evidence_dir() / "db.instance@pg-kassa.json"


def demo_doc(change=None) -> EvidenceDoc:
    raw = json.loads(DEMO_DB.read_text())
    data = copy.deepcopy(raw["data"])
    if change:
        change(data)
    return EvidenceDoc(kind=raw["kind"], target=raw["target"], collector=raw["collector"],
                       data=data, errors=raw["errors"], collected_at=raw["collected_at"])


@pytest.mark.parametrize(("setting", "classes"), [
    ("write, ddl, role", ["ddl", "role", "write"]),
    ("all, -misc", ["ddl", "function", "misc_set", "read", "role", "write"]),
    ("none", []),
    ("", []),
    ("write,rolex", None),
    (None, None),
])
def test_pgaudit_log_is_read_as_pgaudit_reads_it(setting, classes) -> None:
    assert pgaudit_classes(setting) == classes


def test_audit_state_postgres() -> None:
    base = {"engine": "postgresql", "audit": {"loaded": True, "log_classes": ["ddl", "role",
                                                                            "write"],
                                              "overrides": []}}
    assert audit_state(base).on is True
    missing = copy.deepcopy(base)
    missing["audit"]["log_classes"] = ["ddl", "write"]
    assert audit_state(missing).on is False and "role" in str(audit_state(missing).reasons[0])
    override = copy.deepcopy(base)
    override["audit"]["overrides"] = [{"database": "kassa", "role": "*",
                                       "setting": "pgaudit.log", "value": "ddl"}]
    state = audit_state(override)
    assert state.on is False and "database kassa" in str(state.reasons[0])
    off = copy.deepcopy(base)
    off["audit"]["loaded"] = False
    assert audit_state(off).on is False
    unknown = copy.deepcopy(base)
    unknown["audit"]["loaded"] = None
    assert audit_state(unknown).on is None
    assert audit_state(base, "audit: permission denied").on is None
    assert audit_state({"engine": "oracle", "audit": {}}).on is None


def test_closure_has_the_shortest_path_and_admin_option() -> None:
    def role(name, login=True):
        return {"name": name, "type": "role", "login": login, "disabled": False,
                "superuser": False, "createrole": False, "createdb": False,
                "replication": False, "bypassrls": False, "password_hash": None,
                "permissions": []}

    data = {"engine": "postgresql", "databases": [],
            "principals": [role("a"), role("b", False), role("c", False), role("top", False)],
            "memberships": [{"role": "top", "member": "c", "admin_option": False,
                             "scope": "server"},
                            {"role": "c", "member": "b", "admin_option": True,
                             "scope": "server"},
                            {"role": "b", "member": "a", "admin_option": False,
                             "scope": "server"},
                            {"role": "top", "member": "a", "admin_option": False,
                             "scope": "database:x"}]}
    members = Instance.from_data(data).members("top")
    assert members["a"].path == ("a", "b", "c", "top")
    assert members["b"].admin_option is True and members["c"].admin_option is False
    assert Instance.from_data(data).members("top", "database:x")["a"].path == ("a", "top")
    broken = copy.deepcopy(data)
    broken["memberships"][0]["scope"] = "elsewhere"
    with pytest.raises(MalformedInstance):
        Instance.from_data(broken)
    broken = copy.deepcopy(data)
    del broken["principals"][0]["superuser"]
    with pytest.raises(MalformedInstance):
        Instance.from_data(broken)


def test_demo_shows_an_unapproved_superuser_and_md5(tmp_path: Path) -> None:
    from gitc_agent.core.policy import load_policy
    from tests.db_helpers import REGISTRY

    policy = load_policy(str(demo.policy_path()), REGISTRY)
    from gitc_agent.core.engine import evaluate
    from gitc_agent.core.evidence import EvidenceSet

    results = [r for r in evaluate(policy, REGISTRY, EvidenceSet([demo_doc(), demo_ad()]),
                                   __import__("datetime").date(2026, 11, 16))
               if r.check.startswith("db.")]
    statuses = {(r.check, r.subject): r.status.value for r in results}
    assert statuses[("db.privileged.unapproved_member",
                     "db:pg-kassa/role:superuser/member:adm-kmulder")] == "fail"
    assert statuses[("db.privileged.unapproved_member",
                     "db:pg-kassa/role:superuser/member:adm-jdevries")] == "pass"
    assert statuses[("db.logins.password_policy", "db:pg-kassa/login:kassa_app")] == "fail"
    assert statuses[("db.audit.enabled", "db:pg-kassa")] == "pass"
    assert "error" not in {s for (c, _), s in statuses.items()}


def test_ad_unusable_makes_identity_checks_error_not_pass(tmp_path: Path) -> None:
    res = run([demo_doc()], tmp_path)  # no AD evidence at all
    orphaned = by_subject(res["db.logins.orphaned"])
    assert orphaned["db:pg-kassa/login:adm-kmulder"] == "error"
    impersonal = by_subject(res["db.logins.impersonal_unregistered"])
    assert impersonal["db:pg-kassa/login:j.willems"] == "error"
    assert impersonal["db:pg-kassa/login:postgres"] == "fail"  # impersonal by name, unregistered


def test_disabled_ad_account_and_hba_group_rule(tmp_path: Path) -> None:
    def change(data):
        data["hba_rules"].insert(0, {"line": 2, "type": "host", "database": ["all"],
                                     "user_name": ["+dba_beheer"], "address": "10.9.0.0",
                                     "netmask": "255.255.0.0", "auth_method": "password",
                                     "error": None})
    res = run([demo_doc(change), demo_ad()], tmp_path)
    pw = by_subject(res["db.logins.password_policy"])
    assert pw["db:pg-kassa/login:adm-jdevries"] == "fail"  # member of dba_beheer
    assert pw["db:pg-kassa/login:j.willems"] == "pass"
    res = run([demo_doc(lambda d: d["hba_rules"][0].update(auth_method="kerberos5x")),
               demo_ad()], tmp_path)
    assert by_subject(res["db.logins.password_policy"])["db:pg-kassa/login:postgres"] == "error"


@pytest.mark.parametrize("part", ["connection", "principals", "gitc-unknown-part"])
def test_unreadable_parts_never_pass(tmp_path: Path, part: str) -> None:
    doc = demo_doc()
    doc.errors = [{"part": part, "message": "permission denied"}]
    res = run([doc, demo_ad()], tmp_path)
    for check in ("db.privileged.unapproved_member", "db.logins.orphaned",
                  "db.logins.password_policy", "db.logins.impersonal_unregistered"):
        assert {r.status.value for r in res[check]} == {"error"}, check
