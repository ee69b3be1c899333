"""SQL Server from its catalog: the shipped script's result sets (recorded sqlcmd and SSMS
output, tests/data/db/) mapped to `db.instance`, and the db.* verdicts on them with the demo AD.

No SQL Server runs here: these files are written to look exactly like `sqlcmd -s "|" -W` output
(header, dashes, rows, NULL, CRLF) and SSMS "Save Results As" CSV (BOM, quoting).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitc_agent.collectors.db.result_sets import read_result_sets
from gitc_agent.collectors.db.sqlserver import map_result_sets
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from tests.db_helpers import DATA, by_subject, demo_ad, run

SCRIPT = Path(__file__).parent.parent / "gitc_agent" / "collectors" / "db" / "sqlserver_catalog.sql"
LOGIN_MAP = {"kassa_app": "svc-sql01"}


def doc_from(sets: dict, errors_extra: list | None = None) -> EvidenceDoc:
    data, errors = map_result_sets(sets, LOGIN_MAP)
    return EvidenceDoc(kind="db.instance", target="sql-kassa", collector="test", data=data,
                       errors=errors + (errors_extra or []),
                       collected_at="2026-11-16T07:30:00+00:00")


def test_sqlcmd_and_ssms_outputs_map_to_the_same_evidence() -> None:
    a = map_result_sets(read_result_sets(DATA / "sqlserver-catalog.txt"), LOGIN_MAP)
    b = map_result_sets(read_result_sets(DATA / "sqlserver-ssms"), LOGIN_MAP)
    assert a == b and a[1] == []
    data = a[0]
    sa = next(p for p in data["principals"] if p["name"] == "sa")
    assert sa["disabled"] is True and sa["password_policy"] is True
    assert sa["password_expiration"] is False
    kmulder = next(p for p in data["principals"] if p["name"] == "CORP\\adm-kmulder")
    assert kmulder["permissions"] == ["CONTROL SERVER"]
    kassa = next(d for d in data["databases"] if d["name"] == "KASSA_PROD")
    assert kassa["guest_connect"] is True
    assert {u["name"]: u["orphaned"] for u in kassa["users"]}["oud_rapport"] is True
    spec = data["audit"]["database_specifications"][0]
    assert [a["action"] for a in spec["actions"]] == ["INSERT", "UPDATE"]


def test_every_result_set_the_mapping_reads_is_produced_by_the_script() -> None:
    text = SCRIPT.read_text()
    from gitc_agent.collectors.db.sqlserver import SETS

    for name, (_part, columns) in SETS.items():
        assert f"'gitc:{name}' AS result_set" in text, name
        section = text.split(f"'gitc:{name}' AS result_set", 1)[1].split("result_set", 1)[0]
        for column in columns:  # named in the SELECT that follows the marker
            assert column in section, (name, column)
    assert "password_hash IS NULL" in text and "SELECT sl.password_hash" not in text


def test_verdicts_with_windows_groups_expanded_through_ad(tmp_path: Path) -> None:
    docs = [doc_from(read_result_sets(DATA / "sqlserver-catalog.txt")), demo_ad()]
    res = run(docs, tmp_path, shared={
        "db_approved": [{"member": "adm-jdevries", "role": "sysadmin", "until": "2027-03-31",
                         "approved_by": "CIO"}],
        "db_register": [{"login": "rapportage", "owner": "Team BI", "justification": "reports",
                         "monitoring": "monthly review"}]})
    members = by_subject(res["db.privileged.unapproved_member"])
    # GG-Tier0-Admins is a Windows-group login in sysadmin: its AD members are judged one by one
    assert members["db:sql-kassa/role:sysadmin/member:CORP\\adm-jdevries"] == "pass"
    assert members["db:sql-kassa/role:sysadmin/member:CORP\\adm-aelamrani"] == "fail"
    assert members["db:sql-kassa/role:sysadmin/member:CORP\\adm-kmulder"] == "fail"  # CONTROL SERVER
    assert members["db:sql-kassa/role:db_owner@KASSA_PROD/member:CORP\\t.schouten"] == "fail"
    assert not any("@master" in s for s in members)  # system databases are not db_owner scope
    pw = by_subject(res["db.logins.password_policy"])
    assert pw == {"db:sql-kassa/login:kassa_app": "fail", "db:sql-kassa/login:sa": "fail",
                  "db:sql-kassa/login:rapportage": "pass"}
    orphaned = by_subject(res["db.logins.orphaned"])
    assert orphaned["db:sql-kassa/login:CORP\\adm-odekker"] == "fail"  # AD account disabled
    assert orphaned["db:sql-kassa/login:CORP\\svc-kassa-app"] == "fail"  # gone from AD
    assert orphaned["db:sql-kassa/login:BUILTIN\\Administrators"] == "fail"
    assert orphaned["db:sql-kassa/login:rapportage"] == "pass"  # registered
    assert orphaned["db:sql-kassa/database:KASSA_PROD/user:oud_rapport"] == "fail"
    assert orphaned["db:sql-kassa/database:KASSA_PROD/user:guest"] == "fail"
    impersonal = by_subject(res["db.logins.impersonal_unregistered"])
    assert impersonal["db:sql-kassa/login:sa"] == "fail"
    assert impersonal["db:sql-kassa/login:rapportage"] == "pass"
    assert impersonal["db:sql-kassa/login:CORP\\adm-kmulder"] == "pass"
    audit = res["db.audit.enabled"][0]
    assert audit.status.value == "fail" and "DELETE" in audit.message


def test_missing_result_set_is_an_error_for_its_part(tmp_path: Path) -> None:
    sets = read_result_sets(DATA / "sqlserver-catalog.txt")
    del sets["server_role_members"]
    doc = doc_from(sets)
    assert doc.error_for("memberships") == "result set server_role_members is missing from the script output"
    res = run([doc, demo_ad()], tmp_path)
    assert {r.status.value for r in res["db.privileged.unapproved_member"]} == {"error"}
    assert {r.status.value for r in res["db.privileged.review_overdue"]} == {"error"}
    # the parts that were there are still judged
    assert "fail" in {r.status.value for r in res["db.logins.password_policy"]}


def test_without_ad_windows_logins_are_not_assessed(tmp_path: Path) -> None:
    res = run([doc_from(read_result_sets(DATA / "sqlserver-catalog.txt"))], tmp_path)
    members = res["db.privileged.unapproved_member"]
    group = [r for r in members if "GG-Tier0-Admins" in r.subject]
    assert group and {r.status.value for r in group} == {"error"}
    orphaned = by_subject(res["db.logins.orphaned"])
    assert orphaned["db:sql-kassa/login:CORP\\adm-odekker"] == "error"
    assert orphaned["db:sql-kassa/login:BUILTIN\\Administrators"] == "fail"


def test_audit_off_and_unknown(tmp_path: Path) -> None:
    sets = read_result_sets(DATA / "sqlserver-catalog.txt")
    sets["server_audits"] = [{**sets["server_audits"][0], "enabled": "0"}]
    off = run([doc_from(sets), demo_ad()], tmp_path)["db.audit.enabled"][0]
    assert off.status.value == "fail" and "SERVER_ROLE_MEMBER_CHANGE_GROUP" in off.message
    del sets["server_audits"]
    unknown = run([doc_from(sets), demo_ad()], tmp_path)["db.audit.enabled"][0]
    assert unknown.status.value == "error"


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("name|type\n----|----\nsa|S\n", 1, "without the 'gitc:<name>' marker"),
    ("result_set\n----------\ngitc:server\n\nserver_name|version\n-----------|-------\n"
     "SQL|16|extra\n", 7, "3 columns"),
    ("Msg 229, Level 14, State 5, Server SQL01, Line 12\nThe SELECT permission was denied\n",
     1, "holds an error"),
])
def test_unparseable_output_is_input_error_with_line(tmp_path: Path, text: str, line: int,
                                                     reason: str) -> None:
    path = tmp_path / "catalog.txt"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_result_sets(path)
    assert caught.value.line == line and reason in str(caught.value)


def test_config_refuses_sqlserver_without_result_sets_and_weak_tls(tmp_path: Path) -> None:
    from gitc_agent.settings.config import load_config

    cfg = tmp_path / "c.yaml"
    cfg.write_text("databases:\n  servers:\n    - {name: s1, engine: sqlserver, host: x}\n")
    with pytest.raises(InputError) as caught:
        load_config(cfg)
    assert "result_sets" in str(caught.value) and caught.value.line == 3
    cfg.write_text("databases:\n  servers:\n    - name: p1\n      engine: postgresql\n"
                   "      host: db1\n      user: u\n      password: {env: HOME}\n"
                   "      sslmode: require\n")
    with pytest.raises(InputError) as caught:
        load_config(cfg)
    assert "allow_unvalidated_tls" in str(caught.value) and caught.value.line == 8
    folder = tmp_path / "sets"
    shutil.copytree(DATA / "sqlserver-ssms", folder)
    cfg.write_text("databases:\n  servers:\n    - {name: s1, engine: sqlserver, "
                   "result_sets: sets}\n  login_map: {kassa_app: svc-sql01}\n")
    config = load_config(cfg)
    assert config.databases is not None
    assert config.databases.servers[0].result_sets == folder
