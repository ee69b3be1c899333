"""The events collector on real EVTX samples and generated log-manager exports: what it keeps,
what it rejects (with file, record and reason), and the parser's errors with chunk and offset."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitc_agent.cli import main
from gitc_agent.collectors.events.collect import collect
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from gitc_agent.settings.config import load_config
from tests import events_samples as es

SAMPLES = Path(__file__).parent / "data" / "evtx"
T0 = datetime(2026, 10, 1, 8, tzinfo=UTC)
SID = "S-1-5-21-1-2-3"


def run(tmp: Path, sources: str, extra: str = "") -> EvidenceDoc:
    config = tmp / "gitc-agent.yaml"
    config.write_text(f"events:\n  sources: {sources}\n{extra}", encoding="utf-8")
    settings = load_config(config).events
    assert settings is not None
    return collect(settings)


def copy(tmp: Path, name: str) -> str:
    shutil.copy(SAMPLES / name, tmp / name)
    return name


def test_evtx_sample_changes_are_kept_with_sids_and_the_file_hash(tmp_path: Path) -> None:
    doc = run(tmp_path, f"[{{file: {copy(tmp_path, 'new-user-security.evtx')}}}]")
    data = doc.data
    assert not doc.errors
    assert data["counts"]["read"] == 4 and data["counts"]["rejected"] == 0
    source = data["sources"][0]
    assert source["format"] == "evtx" and source["hosts"] == ["ie8win7"]
    assert source["sha256"] == hashlib.sha256(
        (SAMPLES / "new-user-security.evtx").read_bytes()).hexdigest()
    assert source["first"] == "2013-10-23T16:22:39+00:00"
    cols = data["addition_columns"]
    added = [dict(zip(cols, row, strict=True)) for row in data["group_additions"]]
    assert {(a["event_id"], a["group_sid"]) for a in added} == {
        (4728, "S-1-5-21-3463664321-2923530833-3546627382-513"), (4732, "S-1-5-32-545"),
        (4732, "S-1-5-32-544")}
    assert all(a["member_sid"] == "S-1-5-21-3463664321-2923530833-3546627382-1000" for a in added)
    created = dict(zip(data["creation_columns"], data["accounts_created"][0], strict=True))
    assert created["account"] == "IEUser" and created["record_id"] == 112


def test_evtx_sample_logons_are_aggregated_per_account_type_and_host(tmp_path: Path) -> None:
    doc = run(tmp_path, f"[{{file: {copy(tmp_path, 'Security_with_size_t.evtx')}}}]")
    data = doc.data
    rows = [dict(zip(data["logon_columns"], r, strict=True)) for r in data["logons"]]
    admin = [r for r in rows if r["account"] == "Administrator" and r["logon_type"] == 2]
    assert admin and admin[0]["host"] == "win-l0zzq76pmuf" and admin[0]["count"] == 10
    assert sum(r["count"] for r in rows) == data["counts"]["logon_events"]
    # SYSTEM and machine-account logons are counted as ignored, never listed
    assert data["counts"]["logons_ignored"] > 0
    assert not [r for r in rows if r["account"].endswith("$") or r["sid"] == "S-1-5-18"]
    assert sum(h["events"] for h in data["hosts"]) == data["counts"]["accepted"] == 636


def test_corrupt_evtx_gives_the_parser_error_with_chunk_and_offset(tmp_path: Path) -> None:
    doc = run(tmp_path, f"[{{file: {copy(tmp_path, 'sample_with_a_bad_chunk_magic.evtx')}}}]")
    source = doc.data["sources"][0]
    errors = source["parse_errors"]
    assert [e["chunk"] for e in errors] == [6, 10]
    assert errors[0]["offset"] == 4096 + 6 * 65536
    assert "Invalid EVTX chunk header magic" in errors[0]["message"]
    assert isinstance(errors[0]["after_record"], int)
    # the records it could read are from another channel: rejected with the reason
    assert source["rejected_reasons"]["unknown channel"] == 269
    assert "AppXDeployment" in source["rejected"][0]["reason"]
    assert source["rejected"][0]["at"].startswith("record ")


def test_truncated_evtx_is_reported_not_read_as_a_quiet_log(tmp_path: Path) -> None:
    raw = (SAMPLES / "Security_with_size_t.evtx").read_bytes()
    (tmp_path / "cut.evtx").write_bytes(raw[:4096 + 5 * 65536 + 1000])
    doc = run(tmp_path, "[{file: cut.evtx}]")
    source = doc.data["sources"][0]
    assert 0 < source["counts"]["read"] < 636
    truncated = [e for e in source["parse_errors"] if "truncated" in e["message"]]
    assert truncated and truncated[0]["offset"] == 4096 + 5 * 65536


def test_not_an_evtx_file_is_invalid_input(tmp_path: Path) -> None:
    (tmp_path / "x.evtx").write_bytes(b"not an event log" * 20)
    with pytest.raises(InputError, match="not an EVTX file"):
        run(tmp_path, "[{file: x.evtx}]")


def _events() -> list[es.Ev]:
    return [es.logon(T0, "dc01.corp.example", "svc-app", f"{SID}-1101", 10,
                     workstation="WS01", ip="10.0.0.5"),
            es.logon(T0 + timedelta(hours=1), "app01.corp.example", "svc-app", f"{SID}-1101", 5),
            es.logon(T0 + timedelta(hours=2), "app01.corp.example", "svc-app", f"{SID}-1101", 5),
            es.logon(T0, "app01.corp.example", "APP01$", "S-1-5-18", 5, domain="NT AUTHORITY"),
            es.added(T0, "dc01.corp.example", "Domain Admins", f"{SID}-512", f"{SID}-1101",
                     "CN=svc-app,DC=corp,DC=example"),
            es.created(T0, "dc01.corp.example", "svc-new", f"{SID}-1200"),
            es.other(T0 + timedelta(hours=5), "dc01.corp.example")]


@pytest.mark.parametrize("fmt", ["ecs", "splunk", "wef"])
def test_every_json_format_reduces_to_the_same_evidence(tmp_path: Path, fmt: str) -> None:
    es.write(tmp_path / "ecs.ndjson", _events(), "ecs")
    baseline = run(tmp_path, "[{file: ecs.ndjson, format: ecs}]").data
    es.write(tmp_path / f"{fmt}.json", _events(), fmt)
    doc = run(tmp_path, f"[{{file: {fmt}.json}}]")  # format: auto, told from the first record
    data = doc.data
    assert data["sources"][0]["format"] == fmt
    for key in ("logons", "group_additions", "accounts_created", "hosts", "counts"):
        assert data[key] == baseline[key], key
    rows = [dict(zip(data["logon_columns"], r, strict=True)) for r in data["logons"]]
    assert {(r["logon_type"], r["host"], r["source"], r["count"]) for r in rows} == {
        (10, "dc01.corp.example", "ws01", 1), (5, "app01.corp.example", None, 2)}
    assert data["counts"]["logons_ignored"] == 1


def test_timestamps_without_zone_and_unknown_channels_are_rejected_rows(tmp_path: Path) -> None:
    lines = [es.ecs(ev) for ev in _events()]
    lines[1]["@timestamp"] = "2026-10-01T09:00:00"  # no zone
    lines[2]["winlog"]["channel"] = "Microsoft-Windows-Sysmon/Operational"
    import json
    text = "\n".join(json.dumps(x) for x in lines) + "\n{not json\n"
    (tmp_path / "mixed.ndjson").write_text(text, encoding="utf-8")
    doc = run(tmp_path, "[{file: mixed.ndjson, format: ecs}]")
    source = doc.data["sources"][0]
    assert source["counts"] == {"read": 8, "accepted": 5, "rejected": 3, "outside_period": 0}
    assert source["rejected_reasons"] == {"timestamp without time zone": 1,
                                          "unknown channel": 1, "unreadable record": 1}
    reasons = {r["at"]: r["reason"] for r in source["rejected"]}
    assert "has no time zone" in reasons["line 2"]
    assert "Sysmon" in reasons["line 3"] and "not JSON" in reasons["line 8"]
    assert doc.data["counts"]["group_additions"] == 1  # the rest is still read


def test_period_filter_and_field_mapping(tmp_path: Path) -> None:
    events = _events()
    for ev in events:
        ev.data["AcctName"] = ev.data.pop("TargetUserName", None)
    es.write(tmp_path / "renamed.ndjson", events, "ecs")
    doc = run(tmp_path, "[{file: renamed.ndjson, format: ecs, "
                        "fields: {target_user: winlog.event_data.AcctName}}]",
              "  period: {start: '2026-10-01T08:30:00Z', end: '2026-10-02T00:00:00Z'}\n")
    data = doc.data
    assert data["period"] == {"start": "2026-10-01T08:30:00+00:00",
                              "end": "2026-10-02T00:00:00+00:00", "from": "config"}
    assert data["counts"]["outside_period"] == 4 and data["counts"]["accepted"] == 3
    assert {r[0] for r in data["logons"]} == {"svc-app"}


def test_unknown_format_is_invalid_input(tmp_path: Path) -> None:
    (tmp_path / "odd.json").write_text('{"foo": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell the export's format"):
        run(tmp_path, "[{file: odd.json}]")


@pytest.mark.parametrize(("extra", "message"), [
    ("  period: {start: '2026-10-01T00:00:00', end: '2026-11-01T00:00:00Z'}\n", "zone"),
    ("", "unknown field(s) usr"),
])
def test_bad_events_config_exits_2_with_file_and_line(tmp_path: Path, extra: str,
                                                      message: str) -> None:
    es.write(tmp_path / "a.ndjson", _events(), "ecs")
    fields = "" if extra else ", fields: {usr: x}"
    config = tmp_path / "gitc-agent.yaml"
    config.write_text(f"events:\n  sources: [{{file: a.ndjson{fields}}}]\n{extra}",
                      encoding="utf-8")
    code = main(["collect", "--config", str(config), "--out", str(tmp_path / "ev")])
    assert code == 2
    with pytest.raises(InputError) as info:
        load_config(config)
    assert message in str(info.value) and str(config) in str(info.value)
    assert not (tmp_path / "ev").exists()


def test_collect_writes_events_evidence_and_plans_it(tmp_path: Path) -> None:
    es.write(tmp_path / "a.ndjson", _events(), "ecs")
    config = tmp_path / "gitc-agent.yaml"
    config.write_text("events:\n  sources: [{file: a.ndjson}]\n", encoding="utf-8")
    code = main(["collect", "--config", str(config), "--out", str(tmp_path / "ev")])
    assert code == 0
    import json
    plan = json.loads((tmp_path / "ev" / "plan.json").read_text())
    assert {"kind": "events.security", "target": tmp_path.name} in plan["targets"]
    saved = json.loads((tmp_path / "ev" / f"events.security@{tmp_path.name}.json").read_text())
    assert saved["data"]["counts"]["read"] == 7


def test_too_many_logon_aggregates_is_an_evidence_error_not_a_cut_list(tmp_path: Path) -> None:
    events = [es.logon(T0 + timedelta(seconds=i), "dc01", f"user{i}", f"{SID}-{2000 + i}", 3)
              for i in range(1001)]
    es.write(tmp_path / "many.ndjson", events, "ecs")
    doc = run(tmp_path, "[{file: many.ndjson}]", "  max_logon_aggregates: 1000\n")
    assert doc.data == {} and doc.errors[0]["part"] == "logons"
    assert "more than 1000 distinct logon aggregates" in doc.errors[0]["message"]


def test_evidence_that_lost_rows_is_an_error_for_the_checks(tmp_path: Path) -> None:
    from gitc_agent.core.engine import evaluate
    from gitc_agent.core.evidence import EvidenceSet
    from gitc_agent.core.policy import load_policy
    from gitc_agent.core.registry import discover

    es.write(tmp_path / "a.ndjson", _events(), "ecs")
    doc = run(tmp_path, "[{file: a.ndjson}]")
    doc.data["logons"] = doc.data["logons"][1:]  # one aggregate lost
    registry = discover(use_entry_points=False)
    policy = load_policy("adr-gitc", registry)
    got = [r for r in evaluate(policy, registry, EvidenceSet([doc]), T0.date())
           if r.check == "ad.accounts.impersonal_interactive_logon"]
    assert [r.status.value for r in got if "logons" in r.message] == ["error"]
    assert not [r for r in got if r.status.value == "pass"]
