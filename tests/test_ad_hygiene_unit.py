"""AD hygiene checks on recorded evidence (the demo's ad.accounts document, altered per test).

This covers what the Samba lab cannot hold (LAPS attributes, functional levels above 2008 R2,
same-domain SID history, forest trusts' flags on real partners) and the evidence that is
incomplete: hygiene columns missing, a domain-wide part unreadable, an attribute the bound
account could not read. Each case is a failing and a passing (or an error) subject.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from gitc_agent import demo
from gitc_agent.collectors.ad import hygiene as collector
from gitc_agent.collectors.ad.accounts import ROW_COLUMNS, account_row
from gitc_agent.core.check_api import Outcome, Status
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.registry import discover
from gitc_agent.model.hygiene import HYGIENE_COLUMNS

REGISTRY = discover(use_entry_points=False)
HYGIENE_CHECKS = sorted(c for c in REGISTRY.checks if c.startswith(("ad.hygiene.", "ad.trusts.")))
DOMAIN = "domain:DC=corp,DC=vbz,DC=example"
_FILE = demo.evidence_dir() / "ad.accounts@corp.vbz.example.json"


def demo_doc() -> EvidenceDoc:
    raw = json.loads(_FILE.read_text())
    return EvidenceDoc(kind=raw["kind"], target=raw["target"], collector=raw["collector"],
                       data=raw["data"], errors=raw["errors"], collected_at=raw["collected_at"])


def run(check_id: str, doc: EvidenceDoc, **params: Any) -> dict[str, Outcome]:
    spec = REGISTRY.get(check_id)
    assert spec is not None
    return {o.subject: o for o in spec.func(EvidenceSet([doc]), spec.params.model_validate(params))}


def set_cell(doc: EvidenceDoc, sam: str, column: str, value: Any) -> None:
    index = doc.data["account_columns"].index(column)
    (row,) = [r for r in doc.data["accounts"] if r[1] == sam]
    row[index] = value


def test_there_are_thirty_hygiene_checks_with_criteria_in_their_description() -> None:
    assert len(HYGIENE_CHECKS) == 30
    for check_id in HYGIENE_CHECKS:
        spec = REGISTRY.get(check_id)
        assert spec.description and spec.remediation, check_id
        assert any(r.startswith("PingCastle ") for r in spec.references), check_id


def test_demo_evidence_gives_no_error_for_any_hygiene_check() -> None:
    doc = demo_doc()
    for check_id in HYGIENE_CHECKS:
        errors = [o for o in run(check_id, doc).values() if o.status is Status.ERROR]
        assert errors == [], (check_id, errors)


@pytest.mark.parametrize("check_id", HYGIENE_CHECKS)
def test_missing_hygiene_columns_is_an_error_never_a_pass(check_id: str) -> None:
    doc = demo_doc()
    width = len(doc.data["account_columns"]) - len(HYGIENE_COLUMNS)
    doc.data["account_columns"] = doc.data["account_columns"][:width]
    doc.data["accounts"] = [r[:width] for r in doc.data["accounts"]]
    statuses = {o.status for o in run(check_id, doc).values()}
    assert statuses == {Status.ERROR}, check_id


@pytest.mark.parametrize("check_id", HYGIENE_CHECKS)
def test_unreadable_hygiene_part_is_an_error_for_domain_wide_checks(check_id: str) -> None:
    doc = demo_doc()
    doc.errors = [{"part": "hygiene", "message": "the RootDSE could not be read"}]
    outcomes = run(check_id, doc)
    reads_part = check_id.startswith("ad.trusts.") or check_id in {
        "ad.hygiene.machine_account_quota", "ad.hygiene.recycle_bin", "ad.hygiene.functional_level",
        "ad.hygiene.laps", "ad.hygiene.des_only", "ad.hygiene.password_in_attributes",
        "ad.hygiene.sid_history", "ad.hygiene.constrained_delegation", "ad.hygiene.unsupported_os"}
    if reads_part:
        assert {o.status for o in outcomes.values()} == {Status.ERROR}, check_id
    else:  # judged from users and groups alone: the verdicts stay
        assert Status.ERROR not in {o.status for o in outcomes.values()}, check_id


def test_laps_per_computer_and_schema() -> None:
    doc = demo_doc()
    results = run("ad.hygiene.laps", doc)
    assert results["account:WS0012$"].status is Status.FAIL  # no expiration time
    assert "no longer rotated" in results["account:WS0011$"].message
    assert "account:WS0001$" not in results and "account:DC01$" not in results
    set_cell(doc, "WS0012$", "laps_legacy_expires", "2026-12-20T00:00:00Z")
    assert "account:WS0012$" not in run("ad.hygiene.laps", doc)  # legacy LAPS counts too
    doc.data["hygiene"]["readable"]["msLAPS-PasswordExpirationTime"]["readable"] = False
    assert [o.status for o in run("ad.hygiene.laps", doc).values()] == [Status.ERROR]
    for name in ("msLAPS-PasswordExpirationTime", "ms-Mcs-AdmPwdExpirationTime"):
        doc.data["hygiene"]["schema"][name]["present"] = False
    (only,) = run("ad.hygiene.laps", doc).values()
    assert only.status is Status.FAIL and "schema" in only.message


def test_functional_levels_above_samba() -> None:
    doc = demo_doc()
    results = run("ad.hygiene.functional_level", doc)  # 7 and 7
    assert {o.status for o in results.values()} == {Status.PASS}
    doc.data["hygiene"]["domain"]["forest_level"] = 5
    results = run("ad.hygiene.functional_level", doc)
    assert results[f"{DOMAIN}#forest_level"].status is Status.FAIL
    assert results[f"{DOMAIN}#domain_level"].status is Status.PASS
    del doc.data["hygiene"]["domain"]["domain_level"]
    assert run("ad.hygiene.functional_level", doc)[f"{DOMAIN}#domain_level"].status \
        is Status.ERROR


def test_same_domain_sid_history_is_scored_higher_and_known_trust_is_not() -> None:
    doc = demo_doc()
    sid = doc.data["domain_sid"]
    set_cell(doc, "j.vries", "sid_history", [f"{sid}-512"])
    set_cell(doc, "p.bakker", "sid_history", ["S-1-5-21-3623811015-3361044348-30300820-1201"])
    results = run("ad.hygiene.sid_history", doc)
    assert (results["account:j.vries"].likelihood, results["account:j.vries"].impact) == (4, 5)
    partner = results["account:p.bakker"]  # the SID of a domain the evidence trusts
    assert partner.status is Status.FAIL and partner.impact is None
    set_cell(doc, "j.vries", "sid_history", None)  # not read: never "none"
    assert run("ad.hygiene.sid_history", doc)["account:j.vries"].status is Status.ERROR


def test_trust_kinds() -> None:
    doc = demo_doc()
    (trust,) = doc.data["hygiene"]["trusts"]
    assert run("ad.trusts.sid_filtering", doc)["trust:partner.example"].status is Status.FAIL
    trust["attributes"] = 0x20  # within the forest: filtering does not apply
    assert run("ad.trusts.sid_filtering", doc)["trust:partner.example"].status \
        is Status.NOT_APPLICABLE
    trust.update(attributes=0x8, direction=1)  # inbound only
    assert run("ad.trusts.tgt_delegation", doc)["trust:partner.example"].status \
        is Status.NOT_APPLICABLE
    trust.update(type=1, enc_types=None)
    assert "downlevel" in run("ad.trusts.encryption", doc)["trust:partner.example"].message
    doc.data["hygiene"]["trusts"] = []
    assert run("ad.trusts.inactive", doc)[DOMAIN].status is Status.PASS
    doc.errors = [{"part": "hygiene.trusts", "message": "denied"}]
    assert [o.status for o in run("ad.trusts.inactive", doc).values()] == [Status.ERROR]


def test_unsupported_os_table_from_the_policy() -> None:
    doc = demo_doc()
    assert run("ad.hygiene.unsupported_os", doc)["account:WS0012$"].status is Status.FAIL
    table = [{"match": "Windows 10*", "end_of_support": "2028-10-14"}]  # ESU bought
    assert "account:WS0012$" not in run("ad.hygiene.unsupported_os", doc, support=table)


def test_privileged_count_share() -> None:
    doc = demo_doc()
    assert run("ad.hygiene.privileged_count", doc)[DOMAIN].status is Status.PASS
    result = run("ad.hygiene.privileged_count", doc, max_share=0.05, min_users=10)[DOMAIN]
    assert result.status is Status.FAIL and "%" in result.message


def test_description_with_a_password_is_withheld_by_the_collector() -> None:
    raw = {"sAMAccountName": [b"svc-x"], "objectSid": [bytes.fromhex(
        "010500000000000515000000010000000200000003000000e9030000")],
        "userAccountControl": [b"512"], "whenCreated": [b"20240101000000.0Z"],
        "primaryGroupID": [b"513"], "description": [b"Koppeling, wachtwoord is Geheim!42"],
        "info": [b"pwd=Ander-Geheim"], "userPassword": [b"Plain-1"]}
    row = account_row("CN=svc-x,DC=x", raw, {}, collector.compile_patterns(None))
    cells = dict(zip(ROW_COLUMNS, row, strict=True))
    assert "Geheim" not in json.dumps(row) and "Plain-1" not in json.dumps(row)
    assert cells["description"].startswith("[withheld")
    assert set(cells["secrets"]) == {"userPassword", "description:wachtwoord",
                                     "description:password-is", "info:pw-colon"}


def test_readability_from_schema_and_sentinels() -> None:
    doc = demo_doc()
    columns = doc.data["account_columns"]
    part = copy.deepcopy(doc.data["hygiene"])
    part["bound_account"] = {"privileged": False}
    readable = collector.readability(part, doc.data["accounts"], columns, doc.data["domain_sid"])
    assert readable["unixUserPassword"]["readable"] is False  # confidential
    assert readable["ms-Mcs-AdmPwdExpirationTime"]["readable"] is True  # not in the schema
    assert readable["operatingSystem"]["readable"] is True
    rows = copy.deepcopy(doc.data["accounts"])
    for row in rows:
        if row[1] == "DC02$":
            row[columns.index("os")] = None  # a DC without operatingSystem: withheld
    readable = collector.readability(part, rows, columns, doc.data["domain_sid"])
    assert readable["operatingSystem"]["readable"] is False
    assert collector.readability({"schema": None}, rows, columns, None)["sIDHistory"] == {
        "readable": False, "why": "the schema could not be read"}


def test_a_secret_pattern_that_is_not_a_regular_expression_is_exit_2(tmp_path) -> None:
    from tests.cli_run import gitc

    secret = tmp_path / "bind.secret"
    secret.write_text("S3cret-Value-For-Test\n")
    secret.chmod(0o600)
    config = tmp_path / "gitc-agent.yaml"
    config.write_text(f"""ad:
  servers: [ldaps://dc1.example:636]
  bind:
    method: simple
    user: svc-gitc@EXAMPLE.TEST
    password: {{file: {secret}}}
  hygiene:
    secret_patterns:
      broken: "(ww:"
""")
    run = gitc("scan", "--policy", "ad-hygiene", "--config", config, "--out", tmp_path / "o")
    assert run.code == 2
    assert str(config) in run.stderr and "broken" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "o").exists()


def test_shipped_profiles_carry_the_hygiene_checks() -> None:
    from gitc_agent.core.policy import load_policy, shipped_profiles

    assert "ad-hygiene" in shipped_profiles()
    hygiene = load_policy("ad-hygiene", REGISTRY)
    assert sorted(c.id for c in hygiene.checks) == HYGIENE_CHECKS
    params = {c.id: c.params for c in hygiene.checks}
    assert params["ad.hygiene.privileged_password_age"].max_days == 1095  # PingCastle's 3 years
    for ref in ("adr-gitc", str(demo.policy_path())):
        ids = {c.id for c in load_policy(ref, REGISTRY).checks}
        assert set(HYGIENE_CHECKS) <= ids, ref
