"""Datafix roles resolved from a real Samba AD DC: an executor through a nested group who is also a
reviewer through another group is found; a DBA reachable only through a DB Windows-group login is
resolved to the group's members."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gitc_agent.collectors.ad import accounts as ad_accounts
from gitc_agent.collectors.datafix import files as datafix_files
from gitc_agent.collectors.run import collect_ad
from gitc_agent.core.evidence import EvidenceSet
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Status
from gitc_agent.settings.config import load_config
from tests.lab.samba_lab import SambaLab
from tests.test_ad_accounts_samba import settings

pytestmark = pytest.mark.samba
REGISTRY = discover(use_entry_points=False)

REGISTER = ("\ufeffticket;requester;approver;approved_at;executor;execution_start;execution_end;"
            "reviewer;reviewed_at;window_start;window_end\r\n"
            "DF-1;fb-anna;lead-piet;01-12-2024 09:00;dba-jan;02-12-2024 14:05;02-12-2024 14:20;"
            "rev-kim;03-12-2024;02-12-2024 14:00;02-12-2024 16:00\r\n")


def test_executor_through_nested_group_and_reviewer_through_another(samba: SambaLab,
                                                                   tmp_path: Path) -> None:
    for user in ("dba-jan", "dba-els", "rev-kim"):
        samba.create_user(user)
    for group in ("DBA-Team", "DBA-Prod-Write", "Datafix-Reviewers", "SQL-Sysadmins"):
        samba.create_group(group)
    samba.add_members("DBA-Team", "dba-jan")
    samba.add_members("DBA-Prod-Write", "DBA-Team")  # dba-jan: executor only through nesting
    samba.add_members("Datafix-Reviewers", "rev-kim", "dba-jan")
    samba.add_members("SQL-Sysadmins", "dba-els")  # a Windows group login in SQL Server
    docs = collect_ad(settings(samba), lambda _msg: None)
    (ad,) = [d for d in docs if d.kind == ad_accounts.KIND]
    assert ad.errors == []
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "db_roles.csv").write_text(
        f"principal,role,database\r\n{samba.domain}\\SQL-Sysadmins,sysadmin,\r\n", encoding="utf-8")
    base = samba.base_dn
    (tmp_path / "gitc-agent.yaml").write_text(
        "datafix:\n  register: {file: register.csv}\n  db_roles: {file: db_roles.csv}\n")
    config = load_config(tmp_path / "gitc-agent.yaml")
    evidence = EvidenceSet([ad, *datafix_files.collect(config.datafix)])
    spec = REGISTRY.get("datafix.sod.execute_and_review")
    params = spec.params.model_validate({"roles": {
        "executor": {"ad_groups": [f"CN=DBA-Prod-Write,CN=Users,{base}"],
                     "db_roles": [{"role": "sysadmin"}]},
        "reviewer": {"ad_groups": [f"CN=Datafix-Reviewers,CN=Users,{base}"]}}})
    outcomes = {o.subject: o for o in spec.func(evidence, params)}
    jan = outcomes["person:account:dba-jan"]
    assert jan.status is Status.FAIL
    assert "AD group: dba-jan → DBA-Team → DBA-Prod-Write" in jan.evidence["executor"]
    assert "AD group: dba-jan → Datafix-Reviewers" in jan.evidence["reviewer"]
    els = outcomes["person:account:dba-els"]
    assert els.status is Status.PASS
    assert "via dba-els → SQL-Sysadmins" in els.evidence["executor"][0]
    assert "person:account:rev-kim" not in outcomes  # a reviewer only: not in the population
    assert not [o for o in outcomes.values() if o.status is Status.ERROR]
    assert date.fromisoformat(ad.collected_at[:10]) >= date(2024, 12, 3)
