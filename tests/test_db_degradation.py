"""Never a silent pass for the db.* checks, exhaustively: every degradation site of the demo's
PostgreSQL evidence and of the recorded SQL Server catalog (tests/degrade.py) is applied, not a
sample, and the invariant is judged (no subject gains a pass; a lost verdict comes with an error).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gitc_agent.collectors.db.result_sets import read_result_sets
from gitc_agent.collectors.db.sqlserver import map_result_sets
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.core.policy import load_policy
from tests.db_helpers import DATA, REGISTRY, demo_ad, policy_file
from tests.degrade import Scenario, judge
from tests.test_db_model import demo_doc

SHARED = {
    "db_approved": [{"member": "postgres", "role": "superuser", "until": "2027-06-30",
                     "approved_by": "CISO"},
                    {"member": "adm-jdevries", "role": "dba_beheer", "until": "2026-03-31",
                     "approved_by": "CIO"},
                    {"member": "adm-jdevries", "role": "sysadmin", "until": "2027-03-31",
                     "approved_by": "CIO"}],
    "db_reviews": [{"role": "superuser", "date": "2026-10-01", "reviewer": "CISO"},
                   {"role": "sysadmin", "date": "2026-01-01", "reviewer": "CISO"}],
    "db_register": [{"login": "rapportage", "owner": "BI", "justification": "reports",
                     "monitoring": "audit"},
                    {"login": "gitc_audit", "owner": "CISO", "justification": "audit",
                     "monitoring": "pgaudit"}],
}


def sqlserver_doc() -> EvidenceDoc:
    data, errors = map_result_sets(read_result_sets(DATA / "sqlserver-catalog.txt"),
                                   {"kassa_app": "svc-sql01"})
    return EvidenceDoc(kind="db.instance", target="sql-kassa", collector="db.sqlserver_script",
                       data=data, errors=errors, collected_at="2026-11-16T07:30:00+00:00")


@pytest.mark.parametrize("which", ["postgresql", "sqlserver"])
def test_every_degradation_of_db_evidence_only_loses_verdicts(which: str,
                                                             tmp_path: Path) -> None:
    doc = demo_doc() if which == "postgresql" else sqlserver_doc()
    policy = load_policy(str(policy_file(tmp_path, shared=SHARED)), REGISTRY)
    scenario = Scenario(which, [doc, demo_ad()], policy, REGISTRY, date(2026, 11, 16))
    statuses = set(scenario.baseline.values())
    assert {"pass", "fail"} <= statuses  # a baseline with something to lose
    sites = [s for s in scenario.sites if s.doc == 0]
    assert len(sites) > 300
    violations = [v.line() for site in sites for v in judge(scenario, site)]
    assert violations == [], "\n".join(violations[:20])
