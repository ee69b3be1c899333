"""Datafix roles defined by DB roles on a server the `db` collector read (`db.instance`):
members transitively, joined to persons through the login map and AD like the AD roles; a
server that was not read, a catalog part that was not readable or a role the server lacks is a
problem (`error`), never "nobody holds it". Recorded data: the demo's pg-kassa; real: the
PostgreSQL lab (marker postgres)."""

from __future__ import annotations

from datetime import date

import pytest
from gitc_agent.checks._datafix import load
from gitc_agent.checks._datafix_roles import RoleDef, holders, texts

from gitc_agent import demo
from gitc_agent.collectors.db import postgres
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet, load_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Status
from tests.lab.postgres_lab import PostgresLab
from tests.test_db_postgres_lab import server as lab_server

REGISTRY = discover(use_entry_points=False)
JAN = "employee:104200"  # adm-jdevries in the demo AD


def demo_docs(replace_db: list[EvidenceDoc] | None = None) -> list[EvidenceDoc]:
    docs = list(load_evidence(demo.evidence_dir())[0])
    if replace_db is not None:
        docs = [d for d in docs if d.kind != "db.instance"] + replace_db
    return docs


def role(docs: list[EvidenceDoc], **ref) -> object:
    dfx = load(EvidenceSet(docs))
    return holders(dfx, "executor", RoleDef(db_roles=[ref]), de_facto=False)


def test_members_of_a_live_db_role_are_holders_through_the_path() -> None:
    h = role(demo_docs(), role="dba_super", server="pg-kassa")
    assert h.problems == []
    assert set(h.how) == {JAN}  # adm-jdevries → dba_beheer → dba_super, joined to his employeeID
    assert texts(h.how[JAN]) == [
        "DB role dba_super on pg-kassa (adm-jdevries → dba_beheer → dba_super)"]
    rw = role(demo_docs(), role="kassa_rw", server="pg-*")  # a server glob
    # j.willems is an AD person; kassa_app has no AD account and stays a name
    assert set(rw.how) == {"employee:104216", "name:kassa_app"} and rw.problems == []


def _doc(target: str, data: dict, errors: list | None = None) -> EvidenceDoc:
    return EvidenceDoc("db.instance", target, "test", data, errors=errors or [],
                       collected_at="2026-11-16T07:30:00+00:00")


@pytest.mark.parametrize("case, expected", [
    ("not-collected", "no db.instance evidence of that server"),
    ("connection", "could not be read"),
    ("memberships", "whose members could not be read"),
    ("no-such-role", "has no such role"),
])
def test_what_cannot_be_read_is_a_problem_never_nobody(case: str, expected: str) -> None:
    pg = next(d for d in demo_docs() if d.kind == "db.instance")
    if case == "not-collected":
        dbs: list[EvidenceDoc] = []
    elif case == "connection":
        dbs = [_doc("pg-kassa", {}, [{"part": "connection", "message": "refused"}])]
    elif case == "memberships":
        dbs = [_doc("pg-kassa", {**pg.data, "memberships": []},
                    [{"part": "memberships", "message": "permission denied"}])]
    else:
        dbs = [pg]
    name = "dba_nobody" if case == "no-such-role" else "dba_super"
    h = role(demo_docs(dbs), role=name, server="pg-kassa")
    assert h.how == {} and any(expected in str(p) for p in h.problems), h.problems


def _sod(docs: list[EvidenceDoc], tmp_path, executor: dict, reviewer: dict) -> dict:
    policy = demo.policy_path().read_text()
    start = policy.index("    executor: {db_roles:")
    end = policy.index("\n", policy.index("    reviewer: ", start))
    policy = (policy[:start] + f"    executor: {executor}\n    approver: {{accounts: [e.smit]}}\n"
              f"    reviewer: {reviewer}" + policy[end:])
    (tmp_path / "p.yaml").write_text(policy)
    out = evaluate(load_policy(str(tmp_path / "p.yaml"), REGISTRY), REGISTRY,
                   EvidenceSet(docs), date(2026, 11, 20))
    return {r.subject: r for r in out if r.check == "datafix.sod.execute_and_review"}


def test_sod_fails_for_a_live_db_role_holder_who_also_reviews(tmp_path) -> None:
    res = _sod(demo_docs(), tmp_path, {"db_roles": [{"role": "dba_super", "server": "pg-kassa"}]},
               {"accounts": ["j.vries"]})
    jan = res[f"person:{JAN}"]
    # a fail, covered by the demo's accepted risk on person:*
    assert jan.status is Status.ACCEPTED
    assert "executor through DB role dba_super on pg-kassa (adm-jdevries → dba_beheer" in \
        jan.message
    broken = _sod(demo_docs([]), tmp_path,
                  {"db_roles": [{"role": "dba_super", "server": "pg-kassa"}]},
                  {"accounts": ["j.vries"]})
    assert broken["roles:executor"].status is Status.ERROR
    assert f"person:{JAN}" not in broken  # not a holder without the server's evidence


@pytest.mark.postgres
def test_lab_role_members_transitively_joined_to_persons(postgres_lab: PostgresLab) -> None:
    doc = postgres.collect(lab_server(postgres_lab),
                           {"alice": "adm-jdevries", "carol": "adm-kmulder"})
    assert doc.errors == []
    doc = EvidenceDoc(doc.kind, "pg-kassa", doc.collector, doc.data, errors=doc.errors,
                      collected_at=doc.collected_at)
    h = role(demo_docs([doc]), role="dba_admins", server="pg-kassa")
    assert h.problems == []
    people = load(EvidenceSet(demo_docs([doc]))).people
    labels = {key: texts(reasons) for key, reasons in h.how.items()}
    assert labels[JAN] == ["DB role dba_admins on pg-kassa (alice → dba_team → dba_admins)"]
    kmulder = people.get("adm-kmulder")
    assert kmulder is not None and kmulder.key in labels  # carol, mapped to adm-kmulder
    assert len(labels) == 2  # bob is superuser but not in dba_admins
    missing = role(demo_docs([doc]), role="kassa_dba", server="pg-kassa")
    assert missing.how == {} and "has no such role" in str(missing.problems[0])
