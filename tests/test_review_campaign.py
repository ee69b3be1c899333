"""A review campaign end to end on the demo evidence: `review export` writes the workbook,
openpyxl fills it in as a reviewer would, `review import` writes the review records, the
collector reads them and `ad.groups.review_not_acted_on` judges them. Bad workbooks are refused
with file, sheet, cell and reason (exit 2). LibreOffice opens the workbook once."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from gitc_agent import demo
from gitc_agent.collectors import group_reviews
from gitc_agent.core.evidence import EvidenceSet, load_evidence
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Status
from gitc_agent.model.kinds import AD_ACCOUNTS, HR_PERSONS
from gitc_agent.review.layout import CAMPAIGN_SHEET, DECISION_COL, FIRST_MEMBER_ROW, neutralise
from gitc_agent.settings.group_reviews_config import GroupReviewsSettings
from tests.cli_run import gitc

POLICY = str(demo.policy_path())
SID = "S-1-5-21-1004336348-1177238915-682003330"
BEHEER, KEYUSERS = "01 GG-App-Kassa-Beheer", "02 GG-App-Kassa-Sleutelgebruike"
DECISION = openpyxl.utils.get_column_letter(DECISION_COL + 1)


def export(out: Path, evidence: Path | None = None, *extra: str) -> Path:
    done = gitc("review", "export", "--policy", POLICY, "--evidence",
                evidence or demo.evidence_dir(), "--out", out, *extra)
    assert done.code == 0, done.output
    return out


def fill(book_path: Path, decisions: dict[str, dict[str, str]], saved: Path,
         reviewer: str = "H. de Wit", day: str = "2026-12-01") -> Path:
    """Fill in what a reviewer fills in: reviewer, date, one decision per member."""
    book = openpyxl.load_workbook(book_path)
    for name in book.sheetnames:
        if name == CAMPAIGN_SHEET:
            continue
        ws = book[name]
        ws["B7"], ws["B8"] = reviewer, day
        for row in range(FIRST_MEMBER_ROW + 1, ws.max_row + 1):
            account = ws.cell(row, 1).value
            if account:
                ws[f"{DECISION}{row}"] = decisions.get(name, {}).get(account, "keep")
    book.save(saved)
    return saved


@pytest.fixture()
def campaign(tmp_path: Path) -> Path:
    return export(tmp_path / "campaign", None, "--campaign-id", "RC-test-1")


def only_book(folder: Path) -> Path:
    (book,) = folder.glob("*.xlsx")
    return book


def test_the_workbook_lists_every_member_with_its_path_and_records_campaign_and_evidence(
        campaign: Path) -> None:
    book = openpyxl.load_workbook(only_book(campaign))
    assert book.sheetnames == [BEHEER, KEYUSERS, CAMPAIGN_SHEET]
    assert book[CAMPAIGN_SHEET].sheet_state == "hidden"
    ws = book[BEHEER]
    rows = {r[0]: r for r in ws.iter_rows(min_row=FIRST_MEMBER_ROW + 1, values_only=True)}
    assert set(rows) == {"j.willems", "t.schouten"}
    assert rows["t.schouten"][5] == ("t.schouten → GG-App-Kassa-Sleutelgebruikers → "
                                     "GG-App-Kassa-Beheer")
    assert ws.protection.sheet  # only the yellow cells are open
    assert not ws[f"{DECISION}{FIRST_MEMBER_ROW + 1}"].protection.locked
    assert ws["A11"].protection.locked
    (validation,) = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert validation.formula1 == '"keep,remove"'
    assert str(validation.sqref) == f"{DECISION}11:{DECISION}12"
    evidence, hashes = load_evidence(demo.evidence_dir())
    sha = next(h["sha256"] for h in hashes if h["file"].startswith("ad.accounts@"))
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props == {"gitc_campaign": "RC-test-1", "gitc_evidence_sha256": sha}
    hidden = list(book[CAMPAIGN_SHEET].iter_rows(values_only=True))
    assert ("campaign", "RC-test-1") in [r[:2] for r in hidden]
    assert sha in [r[5] for r in hidden if r[0] == BEHEER]
    # the department is the HR export's, matched on employeeID
    hr = next(iter(evidence.of_kind(HR_PERSONS)), None)
    if hr is not None:
        ad = evidence.of_kind(AD_ACCOUNTS)[0]
        cols = ad.data["account_columns"]
        employee = next(r[cols.index("employee_id")] for r in ad.data["accounts"]
                        if r[cols.index("sam")] == "j.willems")
        want = next(p["department"] for p in hr.data["persons"] if p["employee_id"] == employee)
        assert rows["j.willems"][2] == want


def test_round_trip_marks_a_removal_that_the_check_follows_up(campaign: Path,
                                                              tmp_path: Path) -> None:
    returned = fill(only_book(campaign), {BEHEER: {"t.schouten": "remove"}},
                    tmp_path / "returned.xlsx")
    records = tmp_path / "records"
    records.mkdir()
    done = gitc("review", "import", returned, "--out", records, "--campaign",
                campaign / "campaign.json")
    assert done.code == 0, done.output
    files = sorted(records.glob("*.json"))
    assert len(files) == 2
    record = json.loads(files[0].read_text())
    assert record["reviewer"] == "H. de Wit" and record["date"] == "2026-12-01"
    assert {m["name"]: m["decision"] for m in record["members"]} == {"j.willems": "keep",
                                                                    "t.schouten": "remove"}
    again = gitc("review", "import", returned, "--out", records, "--campaign",
                 campaign / "campaign.json")
    assert again.code == 2 and "already imported" in again.output
    doc = group_reviews.collect(GroupReviewsSettings(folder=records, target="records"))
    assert doc.errors == [] and doc.data["count"] == 2
    evidence, _ = load_evidence(demo.evidence_dir())
    ad = evidence.of_kind(AD_ACCOUNTS)[0]
    ad.collected_at = "2027-01-15T07:00:00+00:00"  # 45 days after the review
    spec = discover(use_entry_points=False).get("ad.groups.review_not_acted_on")
    params = spec.params.model_validate({"review_groups": [
        {"name": "GG-App-Kassa-*", "period_days": 182, "owner": "x"}]})
    outcomes = {o.subject: o for o in spec.func(EvidenceSet([ad, doc]), params)}
    assert outcomes[f"group:{SID}-1158/account:t.schouten"].status is Status.FAIL
    beheer = next(g for g in ad.data["groups"] if g["name"] == "GG-App-Kassa-Beheer")
    beheer["members"] = [m for m in beheer["members"] if "Sleutelgebruikers" not in m]
    outcomes = {o.subject: o for o in spec.func(EvidenceSet([ad, doc]), params)}
    assert outcomes[f"group:{SID}-1158/account:t.schouten"].status is Status.PASS


def refused(book: Path, campaign: Path, tmp_path: Path) -> str:
    records = tmp_path / "records-refused"
    records.mkdir(exist_ok=True)
    done = gitc("review", "import", book, "--out", records, "--campaign",
                campaign / "campaign.json")
    assert done.code == 2, done.output
    assert "Traceback" not in done.output
    assert list(records.iterdir()) == []  # nothing written
    return done.output


def test_a_workbook_from_another_campaign_is_refused(campaign: Path, tmp_path: Path) -> None:
    other = export(tmp_path / "other", None, "--campaign-id", "RC-test-2")
    book = fill(only_book(other), {}, tmp_path / "other.xlsx")
    output = refused(book, campaign, tmp_path)
    assert "other.xlsx" in output and "'RC-test-2'" in output and "'RC-test-1'" in output


def test_an_edited_member_cell_is_refused_with_sheet_and_cell(campaign: Path,
                                                            tmp_path: Path) -> None:
    book_path = fill(only_book(campaign), {}, tmp_path / "edited.xlsx")
    book = openpyxl.load_workbook(book_path)
    book[BEHEER]["A12"] = "m.visser"  # a reviewer "corrects" a member
    book[KEYUSERS]["A14"] = "extra row"
    book.save(book_path)
    output = refused(book_path, campaign, tmp_path)
    assert f"sheet '{BEHEER}', cell A12: 'm.visser' where the campaign wrote 't.schouten'" in output
    assert f"sheet '{KEYUSERS}', cell A14: 'extra row'" in output


def test_a_missing_sheet_an_empty_decision_and_a_bad_date_are_refused(campaign: Path,
                                                                     tmp_path: Path) -> None:
    book_path = fill(only_book(campaign), {}, tmp_path / "partial.xlsx")
    book = openpyxl.load_workbook(book_path)
    del book[KEYUSERS]
    book[BEHEER][f"{DECISION}11"] = None
    book[BEHEER][f"{DECISION}12"] = "=1+1"
    book[BEHEER]["B8"] = "31-02-2026"
    book.save(book_path)
    output = refused(book_path, campaign, tmp_path)
    assert f"sheet '{KEYUSERS}': the sheet is missing" in output
    assert f"cell {DECISION}11: no decision for j.willems" in output
    assert f"cell {DECISION}12: '=1+1' is not a decision" in output
    assert "cell B8: '31-02-2026' is not a date" in output


def test_a_workbook_made_from_other_evidence_is_refused(campaign: Path, tmp_path: Path) -> None:
    book = fill(only_book(campaign), {}, tmp_path / "returned.xlsx")
    manifest = json.loads((campaign / "campaign.json").read_text())
    manifest["workbooks"][0]["sheets"][0]["evidence_sha256"] = "0" * 64
    (campaign / "campaign.json").write_text(json.dumps(manifest))
    assert "was made from evidence" in refused(book, campaign, tmp_path)


def test_without_hr_evidence_the_department_is_empty_and_text_stays_text(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    source = next(demo.evidence_dir().glob("ad.accounts@*.json"))
    doc = json.loads(source.read_text())
    cols = doc["data"]["account_columns"]
    row = next(r for r in doc["data"]["accounts"] if r[cols.index("sam")] == "j.willems")
    row[cols.index("given_name")] = "=HYPERLINK(\"http://x\")"
    (folder / source.name).write_text(json.dumps(doc))
    done = gitc("review", "export", "--policy", POLICY, "--evidence", folder, "--out",
                tmp_path / "c", "--per-owner")
    assert done.code == 0 and "department column is empty" in done.output, done.output
    (book_path,) = (tmp_path / "c").glob("review-*-applicatiebeheer-kassa.xlsx")
    ws = openpyxl.load_workbook(book_path)[BEHEER]
    cell = ws["B11"]
    full = f"{row[cols.index('given_name')]} {row[cols.index('sn')]}"
    assert cell.data_type == "s" and cell.value == neutralise(full)
    assert cell.value.startswith("'=") and ws["C11"].value is None


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs libreoffice-calc (tests/run.sh)")
def test_libreoffice_opens_the_campaign_workbook(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile",
                           "--headless", "--convert-to", filt, "--outdir", str(out),
                           str(only_book(campaign))], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    sheet = next(out.glob(f"*{BEHEER}*.csv"))
    with open(sheet, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[9][0] == "Account" and {r[0] for r in rows[10:]} == {"j.willems", "t.schouten"}


def test_export_refuses_a_policy_without_scope_and_a_folder_with_a_campaign(campaign: Path,
                                                                           tmp_path: Path) -> None:
    done = gitc("review", "export", "--policy", "adr-gitc", "--evidence", demo.evidence_dir(),
                "--out", tmp_path / "x")
    assert done.code == 2 and "review_groups is empty" in done.output, done.output
    done = gitc("review", "export", "--policy", POLICY, "--evidence", demo.evidence_dir(),
                "--out", campaign)
    assert done.code == 2 and "holds another campaign" in done.output, done.output
    assert "Traceback" not in done.output


def test_the_demo_reports_the_review_finding(tmp_path: Path) -> None:
    done = gitc("demo", "--out", tmp_path / "demo", "--quiet")
    assert done.code == 3, done.output
    report = json.loads((tmp_path / "demo" / "latest" / "report.json").read_text())
    mine = [r for r in report["results"] if r["check"].startswith("ad.groups.")]
    assert {(r["check"], r["status"]) for r in mine if r["status"] != "pass"} == {
        ("ad.groups.review_not_acted_on", "fail")}
    (finding,) = [f for f in report["findings"]
                  if f["check"] == "ad.groups.review_not_acted_on"]
    assert finding["status"] == "finding" and finding["population"]["completeness"] == "complete"


def test_a_missing_record_folder_in_the_config_is_refused_with_file_and_line(
        tmp_path: Path) -> None:
    from gitc_agent.errors import InputError
    from gitc_agent.settings.config import load_config

    config = tmp_path / "gitc-agent.yaml"
    config.write_text("output: {dir: out}\ngroup_reviews:\n  folder: reviews\n")
    with pytest.raises(InputError) as raised:
        load_config(config)
    assert str(raised.value).startswith(f"{config}:3:") and "does not exist" in str(raised.value)
    (tmp_path / "reviews").mkdir()
    assert load_config(config).group_reviews.folder == tmp_path / "reviews"
    (tmp_path / "reviews" / "broken.json").write_text("{")
    doc = group_reviews.collect(load_config(config).group_reviews)
    assert doc.data["count"] == 0 and "broken.json" in doc.errors[0]["message"]
