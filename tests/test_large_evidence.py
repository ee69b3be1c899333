"""Large evidence and large reports at the cost of small ones (issue #15, audit logs at scale):
evidence written compact and streamed with the hash of the bytes on disk, equal strings shared
when a large document is loaded, parsed evidence released once the report is built (its status
kept), report.json streamed with the same bytes, redaction that copies only what it masks, and
the audit log's one-loop CSV reading with the rules of every other export."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest

from gitc_agent import cli
from gitc_agent.collectors.datafix import audit_log
from gitc_agent.collectors.datafix.fast_dates import compile_format
from gitc_agent.collectors.datafix.tabular import DateParser, csv_records
from gitc_agent.core import evidence as evidence_module
from gitc_agent.core import evidence_json
from gitc_agent.core.evidence import (
    EvidenceDoc,
    load_evidence,
    name_evidence,
    release_data,
    save_evidence,
)
from gitc_agent.report.formats import json as json_format
from gitc_agent.run import output, redact
from gitc_agent.run.output import StreamedReport, report_bytes
from gitc_agent.run.verify import verify
from gitc_agent.settings.datafix_config import AuditLogTable


def _log_doc(groups: int) -> EvidenceDoc:
    rows = [["CORP\\adm-x", "KASSA", "2026-03-02", "UPDATE", "dbo.Bon", f"DF-{i}", 1,
             "2026-03-02T10:00:00+01:00", i + 1, "2026-03-02T10:00:00+01:00", i + 1, []]
            for i in range(groups)]
    return EvidenceDoc(kind="datafix.audit_log", target="export", collector="test",
                       data={"groups": rows, "counts": {"read": groups, "used": groups},
                             "source": {"file": "audit.csv", "ünïcode": "é"}},
                       errors=[{"part": "rows", "message": "1 row rejected"}])


def test_evidence_is_written_compact_one_item_per_line_and_hashed_as_written(
        tmp_path: Path) -> None:
    doc = _log_doc(500)
    named = name_evidence([doc])
    written = save_evidence([doc], tmp_path)
    raw = (tmp_path / doc.filename).read_bytes()
    assert written == named == [{"file": doc.filename,
                                 "sha256": hashlib.sha256(raw).hexdigest()}]
    assert json.loads(raw) == doc.to_dict()
    lines = raw.decode().splitlines()
    assert len(lines) > 500 and max(len(line) for line in lines) < 400  # one group per line
    assert not any(line.startswith(" ") for line in lines)  # not indented
    assert "ünïcode" in raw.decode()  # UTF-8, not \u escapes
    loaded, hashes = load_evidence(tmp_path)
    assert hashes == written and [d.to_dict() for d in loaded] == [doc.to_dict()]


def test_a_document_json_must_sort_itself_is_written_as_json_writes_it() -> None:
    doc = {"schema": "x", "data": {1: "int key"}, "kind": "a.b"}
    text = b"".join(evidence_json.pieces(doc))
    assert text == (json.dumps(doc, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":")) + "\n").encode()


def test_a_large_document_shares_equal_strings_and_reads_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence_module, "SHARE_FROM", 1)
    doc = _log_doc(300)
    doc.data["tickets"] = [{"ticket": f"T{i}", "executor": "adm-x",
                            "approvers": [{"name": "b.peters", "at": "2026-03-01"}]}
                           for i in range(100)]
    save_evidence([doc], tmp_path)
    (loaded,), _ = load_evidence(tmp_path)
    assert loaded.to_dict() == doc.to_dict()
    groups, tickets = loaded.data["groups"], loaded.data["tickets"]
    assert groups[0][0] is groups[299][0] and groups[0][7] is groups[5][9]
    assert tickets[0]["executor"] is tickets[99]["executor"]
    assert tickets[0]["approvers"][0]["name"] is tickets[50]["approvers"][0]["name"]


def test_released_evidence_keeps_its_status_and_frees_its_data() -> None:
    partial, fine = _log_doc(3), EvidenceDoc("a.b", "t", "test", {"x": 1})
    release_data([partial, fine])
    assert (partial.status, fine.status) == ("partial", "ok")
    assert partial.data == {} and fine.data == {} and partial.errors


def test_redaction_copies_only_what_it_masks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact, "_secrets", set())  # what other tests registered stays theirs
    tree = {"a": ["plain", ("t", "u")], "b": {"c": "has s3cr3t-value inside"}, "d": 1}
    assert redact.redact_obj(tree) is tree  # nothing registered: nothing to copy
    redact.register_secret("s3cr3t-value")
    out = redact.redact_obj(tree)
    assert out is not tree and out["b"]["c"] == f"has {redact.MASK} inside"
    assert out["a"] is not tree["a"] and out["a"][1] == ["t", "u"]  # tuples: lists
    assert tree["b"]["c"] == "has s3cr3t-value inside"  # the original is untouched
    same = {"k": ["x"], "n": None}
    assert redact.redact_obj(same) is same


def test_streamed_report_has_the_bytes_of_report_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "_PIECE", 10_000)
    report = {"schema": "s", "results": [{"id": str(i), "m": "é" * (i % 7)} for i in range(3000)],
              "empty": [], "summary": {"a": [1, 2]}}
    streamed = StreamedReport(report)
    whole = report_bytes(report)
    assert b"".join(streamed) == whole == b"".join(streamed)  # made anew on each iteration
    assert streamed.sha256() == hashlib.sha256(whole).hexdigest()
    assert len(list(streamed)) > 1  # in pieces
    assert json.loads(whole) == report


def test_a_large_report_is_streamed_into_the_run_folder_and_verifies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_format, "STREAM_FROM", 1)  # the demo's report counts as large
    out = tmp_path / "reports"
    code = cli.main(["demo", "--out", str(out), "--quiet"])
    assert code == 3
    report_file = out / "latest" / "report.json"
    report = json.loads(report_file.read_bytes())
    assert report_file.read_bytes() == report_bytes(report)
    assert verify(out / "latest", None).ok


def _table(path: Path) -> AuditLogTable:
    return AuditLogTable(file=path, delimiter=";", columns={
        "timestamp": "t", "principal": "p", "statement": "s", "object": "o", "ticket": "k",
        "database": "d"})


def test_the_audit_log_loop_rejects_and_numbers_rows_like_every_export(tmp_path: Path) -> None:
    path = tmp_path / "audit.csv"
    path.write_text("t;p;s;o;k;d\r\n"
                    "02-03-2026 10:00;adm-x;UPDATE;dbo.Bon;;KASSA\r\n"
                    "\r\n"  # blank: not a record
                    "02-03-2026 10:01;adm-x;UPDATE\r\n"  # too few fields
                    '02-03-2026 10:02;adm-x;"UP\r\nDATE";dbo.Bon;;KASSA\r\n'  # quoted newline
                    "31-02-2026 10:03;adm-x;DELETE;dbo.Bon;;KASSA\r\n"  # no such day
                    ";;;;;\r\n"  # blank cells only: not a record
                    "02-03-2026 10:04;;DELETE;dbo.Bon;;KASSA\r\n", encoding="utf-8")
    table = _table(path)
    records, _, _ = csv_records(table)
    expected = [(n, line) for n, line, _ in records]
    dates = DateParser(["%d-%m-%Y %H:%M"], datetime.now().astimezone().tzinfo)
    data = audit_log.read(table, dates, lambda: "sha")
    assert data["counts"] == {"read": len(expected), "used": 2, "rejected": 3}
    rejected = {(r["row"], r["line"]): r["reason"] for r in data["rejected"]}
    assert set(rejected) == {(2, 4), (4, 7), (5, 9)} and (2, 4) in expected
    assert "3 fields where the header has 6" in rejected[(2, 4)]
    assert "matches none of the date formats" in rejected[(4, 7)]
    assert "empty" in rejected[(5, 9)]
    assert sum(g[6] for g in data["groups"]) == 2


def test_compiled_formats_take_fields_by_name_whatever_their_order() -> None:
    assert compile_format("%M %d-%m-%Y")("07 02-03-2026") == datetime(2026, 3, 2, 0, 7)
    assert compile_format("%Y%m%d %H%M%S")("20260302 101112") == datetime(2026, 3, 2, 10, 11, 12)
    with pytest.raises(ValueError):
        compile_format("%d-%m-%Y %H:%M:%S")("02-03-2026 10:11:60")
