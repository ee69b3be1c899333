"""Datafix verdicts on degraded evidence: AD that could not be read, DB roles never exported and
audit-log statement values nobody recognises leave subjects `error`, never `pass`."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from gitc_agent.collectors.datafix import files as datafix_files
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.results import Result, Status
from gitc_agent.settings.config import load_config
from tests.datafix_exports import Lab, config_yaml, dn, generate
from tests.test_datafix_checks import REGISTRY, collect, policy_text

AS_OF = date(2026, 6, 1)
REVIEW = "datafix.sod.execute_and_review"
AUDIT_ADMIN = "datafix.sod.audit_admin"
UNTICKETED = "datafix.log.unticketed"
CODES = {b";UPDATE;": b";UP;", b";DELETE;": b";DL;", b";INSERT;": b";IN;", b";SELECT;": b";SL;"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return generate(tmp_path_factory.mktemp("dfx-degraded"), tickets=1200, app_lines=500)


def judge(lab: Lab, tmp: Path, docs: list[EvidenceDoc]) -> dict[tuple[str, str], Result]:
    policy_file = tmp / "policy.yaml"
    policy_file.write_text(policy_text(lab))
    policy = load_policy(str(policy_file), REGISTRY)
    return {(r.check, r.subject): r for r in evaluate(policy, REGISTRY, EvidenceSet(docs), AS_OF)}


def with_ad(docs: list[EvidenceDoc], change) -> list[EvidenceDoc]:
    """The evidence with its ad.accounts document degraded by `change(data, errors)`."""
    out = []
    for doc in docs:
        if doc.kind == "ad.accounts":
            data, errors = copy.deepcopy(doc.data), list(doc.errors)
            change(data, errors)
            doc = EvidenceDoc(kind=doc.kind, target=doc.target, collector=doc.collector,
                              data=data, errors=errors, collected_at=doc.collected_at)
        out.append(doc)
    return out


def test_a_group_not_fully_read_leaves_its_role_holders_unknown(lab: Lab, tmp_path: Path) -> None:
    review_group = dn("GG-Datafix-Review", "OU=Groepen")

    def truncate(data: dict, errors: list) -> None:
        group = next(g for g in data["groups"] if g["dn"] == review_group)
        group["members"], group["members_incomplete"] = group["members"][:1], True
        errors.append({"part": f"group:{review_group}", "message": "members could not be read "
                                                                  "completely: sizeLimitExceeded"})

    docs = collect(lab)
    clean = judge(lab, tmp_path, docs)
    degraded = judge(lab, tmp_path, with_ad(docs, truncate))
    d2 = (REVIEW, "person:employee:2004")  # an executor; not a reviewer as far as was read
    assert clean[d2].status is Status.PASS
    assert degraded[d2].status is Status.ERROR
    assert "GG-Datafix-Review" in degraded[d2].message
    assert degraded[(REVIEW, "roles:reviewer")].status is Status.ERROR
    # what was read still proves the audited finding
    assert degraded[(REVIEW, "person:employee:2001")].status is Status.FAIL
    # persons still resolve: accounts were read completely
    assert degraded[("datafix.ticket.segregation", "ticket:DF-24100")].status is Status.FAIL


def test_unreadable_accounts_leave_tickets_and_persons_unknown(lab: Lab, tmp_path: Path) -> None:
    def deny(data: dict, errors: list) -> None:
        data.pop("accounts")
        errors.append({"part": "accounts", "message": "users and computers could not be read: "
                                                      "insufficientAccessRights"})

    results = judge(lab, tmp_path, with_ad(collect(lab), deny))
    # requester d.mulder and executor adm-dmulder are one employee: not provable without AD
    seg = results[("datafix.ticket.segregation", "ticket:DF-24100")]
    assert seg.status is Status.ERROR and "ad.accounts" in seg.message
    review = results[("datafix.ticket.review", "ticket:DF-24900")]  # x reviewed own change
    assert review.status is Status.ERROR and "insufficientAccessRights" in review.message
    persons = [r for (cid, subject), r in results.items()
               if cid.startswith("datafix.sod.") and subject.startswith("person:")]
    assert persons and not [r for r in persons if r.status is Status.PASS]
    assert not [r for r in results.values()
                if r.check in ("datafix.ticket.segregation", "datafix.ticket.review")
                and r.status is Status.PASS]
    assert results[(UNTICKETED, "log:privileged-changes")].status is Status.ERROR


def self_reviewed(doc: EvidenceDoc, ticket: str) -> EvidenceDoc:
    """The register with `ticket` reviewed by its executor under the very same name."""
    data = copy.deepcopy(doc.data)
    t = next(t for t in data["tickets"] if t["ticket"] == ticket)
    t["reviewer"] = t["executor"]
    return EvidenceDoc(kind=doc.kind, target=doc.target, collector=doc.collector, data=data,
                       collected_at=doc.collected_at)


def test_no_ad_evidence_with_roles_from_ad_groups(lab: Lab, tmp_path: Path) -> None:
    docs = [self_reviewed(d, "DF-24001") if d.kind == "datafix.register" else d
            for d in collect(lab) if d.kind != "ad.accounts"]
    results = judge(lab, tmp_path, docs)
    assert results[(REVIEW, "roles:executor")].status is Status.ERROR
    persons = {s: r for (cid, s), r in results.items() if cid == REVIEW and s.startswith("person:")}
    register = next(d for d in docs if d.kind == "datafix.register")
    executor = next(t["executor"] for t in register.data["tickets"] if t["ticket"] == "DF-24001")
    assert persons.pop(f"person:name:{executor.lower()}").status is Status.FAIL
    assert len(persons) >= 4 and {r.status for r in persons.values()} == {Status.ERROR}
    seg = results[("datafix.ticket.segregation", "ticket:DF-24100")]
    assert seg.status is Status.ERROR and "no ad.accounts evidence" in seg.message
    # a clash the names themselves show is still a finding
    same_name = results[("datafix.ticket.segregation", "ticket:DF-24001")]
    assert same_name.status is Status.FAIL and "is also the executor" in same_name.message


def login_map_only(lab: Lab) -> str:
    """The lab's config without a roles export: only an inline login mapping."""
    text = config_yaml(lab)
    head, _ = text.split("  db_roles:\n")
    return head + '  login_map: {"dba_ybos": "adm-ybos"}\n'


def test_login_map_alone_does_not_count_as_db_roles_read(lab: Lab, tmp_path: Path) -> None:
    config_path = lab.folder / "login-map-only.yaml"
    config_path.write_text(login_map_only(lab))
    config = load_config(config_path)
    assert config.datafix is not None
    roles_doc = datafix_files.collect_db_roles(config.datafix)
    assert "memberships" not in roles_doc.data  # never exported, so not an empty list
    assert roles_doc.data["logins"] == {"dba_ybos": "adm-ybos"}
    docs = [d for d in collect(lab) if d.kind != "datafix.db_roles"] + [roles_doc]
    results = judge(lab, tmp_path, docs)
    executors = {s: r for (cid, s), r in results.items()
                 if cid == AUDIT_ADMIN and s.startswith("person:")}
    assert executors and {r.status for r in executors.values()} == {Status.ERROR}
    z = executors["person:employee:2005"]
    assert "datafix.db_roles" in z.message
    assert results[(AUDIT_ADMIN, "roles:audit_admin")].status is Status.ERROR
    # the login mapping still ties the SQL login to its person
    y = results[("datafix.sod.execute_and_approve", "person:employee:2002")]
    assert "dba_ybos" in " ".join(y.evidence["executor"]) or y.status is Status.ERROR


def coded_lab(lab: Lab, tmp: Path, statement_map: str = "") -> list[EvidenceDoc]:
    """The lab with its audit log in SQL Server action codes (UP, DL, IN, SL)."""
    folder = tmp / "coded"
    folder.mkdir(exist_ok=True)
    for path in lab.files.values():
        raw = path.read_bytes()
        if path.name == "audit.csv":
            for word, code in CODES.items():
                raw = raw.replace(word, code)
        (folder / path.name).write_bytes(raw)
    text = config_yaml(lab)
    if statement_map:
        text = text.replace("  audit_log:\n", f"  audit_log:\n    statement_map: {statement_map}\n")
    (folder / "gitc-agent.yaml").write_text(text)
    config = load_config(folder / "gitc-agent.yaml")
    assert config.datafix is not None
    ad = [d for d in collect(lab) if d.kind == "ad.accounts"]
    return list(datafix_files.collect(config.datafix)) + ad


def test_unrecognised_statement_values_are_an_unreadable_log(lab: Lab, tmp_path: Path) -> None:
    results = judge(lab, tmp_path, coded_lab(lab, tmp_path))
    mine = [r for r in results.values() if r.check == UNTICKETED]
    assert not [r for r in mine if r.status is Status.PASS]
    log = results[(UNTICKETED, "export:datafix.audit_log")]
    assert log.status is Status.ERROR
    assert log.evidence["statements"]["read"] == lab.log_lines
    assert log.evidence["statements"]["unrecognised"] == lab.log_lines
    assert log.evidence["statements"]["used"] == 0
    assert set(log.evidence["unrecognised_values"]) == {"UP", "DL", "IN", "SL"}
    assert "statement_map" in log.message


def test_statement_map_maps_codes_to_statements(lab: Lab, tmp_path: Path) -> None:
    codes = "{UP: UPDATE, dl: DELETE, IN: INSERT, SL: SELECT}"
    results = judge(lab, tmp_path, coded_lab(lab, tmp_path, codes))
    fails = {s for (cid, s), r in results.items() if cid == UNTICKETED and r.status is Status.FAIL}
    assert fails == lab.expected[UNTICKETED]
    assert not [r for r in results.values() if r.check == UNTICKETED and r.status is Status.ERROR]
