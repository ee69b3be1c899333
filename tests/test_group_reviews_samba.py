"""A review campaign against a real Samba AD DC: application groups under OU=Applicaties (one
nested into the other), scan, export the campaign, mark one member remove with openpyxl, import,
scan again: `ad.groups.review_not_acted_on` fails; remove the member in the directory, scan
again: it passes. The review-record folder is read by the collector through the config."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from gitc_agent.core.policy import resolve_policy_path
from tests.cli_run import gitc, latest_report, results_by_subject
from tests.lab.samba_lab import SambaLab
from tests.lab_config import write_config
from tests.test_review_campaign import fill

pytestmark = pytest.mark.samba
CHECKS = ("ad.groups.review_overdue", "ad.groups.changed_since_review",
          "ad.groups.review_not_acted_on")


def _policy(folder: Path, ou: str) -> Path:
    shipped = yaml.safe_load(resolve_policy_path("adr-gitc").read_text())
    policy = {key: shipped[key] for key in ("policy", "scale", "priorities", "matrix")}
    policy["checks"] = {"ad.groups.review_overdue": {},
                        "ad.groups.changed_since_review": {},
                        "ad.groups.review_not_acted_on": {"removal_days": 0}}
    policy["shared"] = {"review_records": True,
                        "review_groups": [{"ou": ou, "period_days": 365,
                                           "owner": "Applicatiebeheer Zaaksysteem"}]}
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False, allow_unicode=True))
    return path


def _scan(config: Path, policy: Path, out: Path) -> dict:
    done = gitc("scan", "--config", config, "--policy", policy, "--out", out, "--quiet",
                timeout=300)
    assert done.code in (0, 1), done.output
    return latest_report(out)


def test_campaign_round_trip_against_the_lab(samba: SambaLab, tmp_path: Path) -> None:
    ou = f"OU=Applicaties,{samba.base_dn}"
    samba.samba_tool("ou", "create", ou)
    try:
        for user in ("zaak-anna", "zaak-bob", "zaak-cor"):
            samba.create_user(user)
        samba.create_group("APP-Zaak-Gebruikers", groupou="OU=Applicaties")
        samba.create_group("APP-Zaak-Beheer", groupou="OU=Applicaties")
        samba.add_members("APP-Zaak-Gebruikers", "zaak-anna", "zaak-bob", "APP-Zaak-Beheer")
        samba.add_members("APP-Zaak-Beheer", "zaak-cor")
        _round_trip(samba, tmp_path, ou)
    finally:
        samba.ldb("ldbdel", "--recursive", ou)


def _round_trip(samba: SambaLab, tmp_path: Path, ou: str) -> None:
    records = tmp_path / "group-reviews"
    records.mkdir()
    config = write_config(tmp_path / "cfg", samba)
    data = yaml.safe_load(config.read_text())
    data["group_reviews"] = {"folder": str(records)}
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    policy = _policy(tmp_path, ou)
    out = tmp_path / "reports"

    first = _scan(config, policy, out)
    overdue = results_by_subject(first, "ad.groups.review_overdue")
    assert len(overdue) == 2 and {r["status"] for r in overdue.values()} == {"fail"}
    assert {r["evidence"]["group"].split(",")[0] for r in overdue.values()} == {
        "CN=APP-Zaak-Gebruikers", "CN=APP-Zaak-Beheer"}
    assert {r["status"] for r in results_by_subject(
        first, "ad.groups.review_not_acted_on").values()} == {"not_applicable"}

    campaign = tmp_path / "campaign"
    done = gitc("review", "export", "--policy", policy, "--evidence",
                (out / "latest" / "evidence").resolve(), "--out", campaign)
    assert done.code == 0, done.output
    (book,) = campaign.glob("*.xlsx")
    today = datetime.now(UTC).date().isoformat()
    sheets = {"01 APP-Zaak-Beheer": {}, "02 APP-Zaak-Gebruikers": {"zaak-cor": "remove"}}
    returned = fill(book, sheets, tmp_path / "returned.xlsx", reviewer="E. Eigenaar", day=today)
    done = gitc("review", "import", returned, "--out", records)  # campaign.json is beside it? no
    assert done.code == 2 and "no campaign manifest" in done.output
    done = gitc("review", "import", returned, "--out", records, "--campaign",
                campaign / "campaign.json")
    assert done.code == 0, done.output

    second = _scan(config, policy, out)
    acted = results_by_subject(second, "ad.groups.review_not_acted_on")
    cor = next(r for s, r in acted.items() if s.endswith("/account:zaak-cor"))
    assert cor["status"] == "fail"
    assert cor["evidence"]["path"] == "zaak-cor → APP-Zaak-Beheer → APP-Zaak-Gebruikers"
    assert {r["status"] for r in results_by_subject(
        second, "ad.groups.review_overdue").values()} == {"pass"}
    assert {r["status"] for r in results_by_subject(
        second, "ad.groups.changed_since_review").values()} == {"pass"}

    samba.samba_tool("group", "removemembers", "APP-Zaak-Beheer", "zaak-cor")
    samba.create_user("zaak-dirk")
    samba.add_members("APP-Zaak-Gebruikers", "zaak-dirk")  # after the review: not covered
    third = _scan(config, policy, out)
    acted = results_by_subject(third, "ad.groups.review_not_acted_on")
    cor = next(r for s, r in acted.items() if s.endswith("/account:zaak-cor"))
    assert cor["status"] == "pass", cor["message"]
    changed = {r["evidence"]["group"].split(",")[0]: r for r in results_by_subject(
        third, "ad.groups.changed_since_review").values()}
    assert changed["CN=APP-Zaak-Gebruikers"]["status"] == "fail"
    assert changed["CN=APP-Zaak-Gebruikers"]["evidence"]["added"] == [
        "zaak-dirk (zaak-dirk → APP-Zaak-Gebruikers)"]
    assert changed["CN=APP-Zaak-Beheer"]["status"] == "pass"
    coverage = [c for c in third["coverage"] if c["check"] in CHECKS]
    assert coverage and all(c["completeness"] == "complete" for c in coverage), coverage
