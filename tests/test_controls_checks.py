"""The governance.control.* checks: one verdict per control and period, judged at the log's
collection time on the Dutch working-day calendar; what cannot be read is an `error`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.errors import InputError

REGISTRY = discover(use_entry_points=False)
CHECKS = ("governance.control.not_executed", "governance.control.executed_late",
          "governance.control.recorded_late", "governance.control.no_review")
SCHEDULE = [
    # close of August 2026: Mon 31 August; due Thu 27 August
    {"id": "IC-01", "title": "Aansluiting crediteuren", "frequency": "monthly_before_close",
     "due": "2 working days before close", "four_eyes": True},
    # due 5 working days after the close: Mon 7 September
    {"id": "IC-03", "title": "Bankafstemming", "frequency": "monthly_after_close",
     "due": "5 working days after close", "record_working_days": 1},
    {"id": "IC-08", "title": "Periode 8", "frequency": "after_period_8",
     "due": "10 working days after close"},
]
AUGUST = {"from": "2026-08", "to": "2026-08"}


def entry(control: str, period: str, executed: str | None, recorded: str, by: str = "a.bakker",
          reviewer: str = "h.vos", row: int = 1, **extra: Any) -> dict[str, Any]:
    return {"control": control, "period": period, "executed_at": executed,
            "recorded_at": recorded, "executed_by": by if executed else "",
            "reviewed_by": reviewer, "reviewed_at": None, "note": "", "row": row,
            "line": row + 1, **extra}


def doc(entries: list[dict[str, Any]], collected: str = "2026-10-01T08:00:00+00:00",
        rejected: list[dict[str, Any]] | None = None, **kw: Any) -> EvidenceDoc:
    data = {"source": {"file": "/x/controles.csv"}, "executions": entries,
            "counts": {"read": len(entries), "used": len(entries), "rejected": 0},
            "rejected": rejected or []}
    return EvidenceDoc(kind="controls.register", target="fin", collector="test", data=data,
                       collected_at=collected, **kw)


def run(tmp_path: Path, docs: list[Any], **shared: Any) -> dict[str, dict[str, Any]]:
    """{check: {subject: result}} for the four checks; `docs` may be log lines of one log."""
    if docs and isinstance(docs[0], dict):
        docs = [doc(docs)]
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    head = shipped.split("\nchecks:")[0]
    values = {"control_schedule": SCHEDULE, "control_periods": AUGUST, **shared}
    text = (head + "\nchecks:\n" + "".join(f"  {c}: {{}}\n" for c in CHECKS)
            + f"shared: {json.dumps(values)}\nexceptions: []\n")
    (tmp_path / "p.yaml").write_text(text)
    policy = load_policy(str(tmp_path / "p.yaml"), REGISTRY)
    results = evaluate(policy, REGISTRY, EvidenceSet(docs), date(2030, 1, 1))
    out: dict[str, dict[str, Any]] = {c: {} for c in CHECKS}
    for r in results:
        out[r.check][r.subject] = {"status": r.status.value, "message": r.message,
                                   "evidence": r.evidence}
    return out


def status(got: dict[str, dict[str, Any]], check: str) -> dict[str, str]:
    return {s: r["status"] for s, r in got[f"governance.control.{check}"].items()}


def test_on_time_late_and_missing_controls_per_period(tmp_path: Path) -> None:
    got = run(tmp_path, [
        entry("IC-01", "2026-08", "2026-08-27T16:00:00+02:00", "2026-08-28T09:00:00+02:00"),
        entry("IC-03", "2026-08", "2026-09-08", "2026-09-08", row=2),
    ])
    s = {c: status(got, c) for c in ("not_executed", "executed_late", "recorded_late")}
    assert s["not_executed"] == {"control:IC-01@2026-08": "pass", "control:IC-03@2026-08": "pass",
                                 "control:IC-08@2026-08": "fail"}
    assert s["executed_late"] == {"control:IC-01@2026-08": "pass", "control:IC-03@2026-08": "fail",
                                  "control:IC-08@2026-08": "not_applicable"}
    # IC-01 recorded a day after its due date; IC-03 executed late and recorded that day
    assert s["recorded_late"] == {"control:IC-01@2026-08": "fail", "control:IC-03@2026-08": "pass",
                                  "control:IC-08@2026-08": "not_applicable"}
    late = got["governance.control.executed_late"]["control:IC-03@2026-08"]
    assert late["evidence"]["due"] == "2026-09-07" and late["evidence"]["working_days_late"] == 1
    assert "2026-09-08" in late["message"] and "1 working day(s)" in late["message"]
    assert late["evidence"]["collected_at"] == "2026-10-01T08:00:00+00:00"
    assert late["evidence"]["target"] == "fin" and late["evidence"]["row"] == 2
    missing = got["governance.control.not_executed"]["control:IC-08@2026-08"]
    assert "due 2026-09-14" in missing["message"] and "no line" in missing["message"]


def test_recording_allowance_counts_working_days_after_the_due_date(tmp_path: Path) -> None:
    got = run(tmp_path, [
        entry("IC-03", "2026-08", "2026-09-04", "2026-09-08"),  # due 7 Sep + 1 day: on time
    ])
    assert status(got, "recorded_late")["control:IC-03@2026-08"] == "pass"
    got = run(tmp_path, [entry("IC-03", "2026-08", "2026-09-04", "2026-09-09")])
    result = got["governance.control.recorded_late"]["control:IC-03@2026-08"]
    assert result["status"] == "fail" and result["evidence"]["record_deadline"] == "2026-09-08"


def test_the_evaluation_date_is_the_logs_collection_time(tmp_path: Path) -> None:
    """Not yet due on 10 September (IC-08 due 14 September): not_applicable, not pass; the same
    log collected on 15 September fails it."""
    entries = [entry("IC-01", "2026-08", "2026-08-27", "2026-08-27"),
               entry("IC-03", "2026-08", "2026-09-01", "2026-09-01", row=2)]
    early = run(tmp_path, [doc(entries, "2026-09-10T08:00:00+00:00")])
    assert status(early, "not_executed")["control:IC-08@2026-08"] == "not_applicable"
    assert "not yet due" in early["governance.control.not_executed"][
        "control:IC-08@2026-08"]["message"]
    later = run(tmp_path, [doc(entries, "2026-09-15T08:00:00+00:00")])
    assert status(later, "not_executed")["control:IC-08@2026-08"] == "fail"


def test_closing_days_and_public_holidays_move_the_due_date(tmp_path: Path) -> None:
    """IC-03 executed Tue 8 September, due Mon 7 September: late. With Thu 3 September a
    closing day of the organisation, the due date is Tue 8 September: on time."""
    entries = [entry("IC-03", "2026-08", "2026-09-08", "2026-09-08")]
    assert status(run(tmp_path, entries), "executed_late")["control:IC-03@2026-08"] == "fail"
    got = run(tmp_path, entries, control_closing_days=["2026-09-03"])
    assert status(got, "executed_late")["control:IC-03@2026-08"] == "pass"
    assert got["governance.control.executed_late"]["control:IC-03@2026-08"][
        "evidence"]["due"] == "2026-09-08"
    # April: close Thu 30 April; 2 working days before skips King's Day (Mon 27 April)
    april = run(tmp_path, [entry("IC-01", "2026-04", "2026-04-28", "2026-04-28")],
                control_periods={"from": "2026-04", "to": "2026-04"})
    r = april["governance.control.executed_late"]["control:IC-01@2026-04"]
    assert r["status"] == "pass" and r["evidence"]["due"] == "2026-04-28"


def test_an_execution_late_in_utc_counts_on_the_dutch_date(tmp_path: Path) -> None:
    got = run(tmp_path, [entry("IC-01", "2026-08", "2026-08-27T22:30:00+00:00",
                               "2026-08-27T22:30:00+00:00")])
    assert status(got, "executed_late")["control:IC-01@2026-08"] == "fail"  # 28 Aug in NL


def test_four_eyes(tmp_path: Path) -> None:
    def review(reviewer: str, reviewed_at: str | None = None) -> str:
        got = run(tmp_path, [entry("IC-01", "2026-08", "2026-08-27", "2026-08-27",
                                   reviewer=reviewer, reviewed_at=reviewed_at),
                             entry("IC-03", "2026-08", "2026-09-01", "2026-09-01", row=2,
                                   reviewer="")])
        assert status(got, "no_review")["control:IC-03@2026-08"] == "not_applicable"
        return status(got, "no_review")["control:IC-01@2026-08"]

    assert review("h.vos") == "pass"
    assert review("") == "fail"
    assert review("A.Bakker") == "fail"  # the executor reviewing herself
    assert review("h.vos", "2026-08-20") == "fail"  # reviewed before it was done


def test_bad_log_lines_are_errors_and_the_rest_is_judged(tmp_path: Path) -> None:
    rejected = [{"file": "controles.csv", "row": 7, "line": 8, "control": "IC-03",
                 "period": "2026-08", "reason": "control IC-03 for period 2026-08 is already "
                                               "on row 2 (duplicate row)"}]
    got = run(tmp_path, [doc([
        entry("IC-01", "2026-08", "2026-08-27", "2026-08-27"),
        entry("IC-99", "2026-08", "2026-08-27", "2026-08-27", row=3),  # not in the handbook
        entry("IC-08", "2026-09", "2026-09-27", "2026-09-27", row=4),  # period 8 is August
        entry("IC-08", "2026-08", "2026-08-27T10:00:00", "2026-08-27", row=5),  # no zone
    ], rejected=rejected)])
    for check in CHECKS:
        s = {k: v["status"] for k, v in got[check].items()}
        assert s["row:controles.csv:3"] == "error"
        assert s["row:controles.csv:4"] == "error"
        assert s["row:controles.csv:5"] == "error"
        assert s["row:controles.csv:7"] == "error"
        # the rejected duplicate makes its slot unknown, never "not executed"
        assert s["control:IC-03@2026-08"] == "error"
        assert s["control:IC-08@2026-08"] == "error"
    messages = {k: v["message"] for k, v in got["governance.control.not_executed"].items()}
    assert "'IC-99' is not in the policy's control schedule" in messages["row:controles.csv:3"]
    assert "controles.csv row 3 (line 4)" in messages["row:controles.csv:3"]
    assert "period 2026-09 is not a period of IC-08" in messages["row:controles.csv:4"]
    assert "unreadable executed_at" in messages["row:controles.csv:5"]
    assert "duplicate" in messages["control:IC-03@2026-08"]
    assert status(got, "not_executed")["control:IC-01@2026-08"] == "pass"


@pytest.mark.parametrize("broken", ["errors", "empty", "no-list", "bad-time"])
def test_an_unusable_log_is_an_error_never_a_pass(tmp_path: Path, broken: str) -> None:
    d = doc([entry("IC-01", "2026-08", "2026-08-27", "2026-08-27")])
    if broken == "errors":
        d.errors = [{"part": "file", "message": "cannot read the export: denied"}]
    elif broken == "empty":
        d.data["executions"] = []
    elif broken == "no-list":
        del d.data["executions"]
    else:
        d.collected_at = "yesterday"
    got = run(tmp_path, [d])
    for check in CHECKS:
        assert {k: v["status"] for k, v in got[check].items()} == {
            "export:controls.register": "error"}


def test_an_empty_schedule_is_an_error(tmp_path: Path) -> None:
    got = run(tmp_path, [doc([entry("IC-01", "2026-08", "2026-08-27", "2026-08-27")])],
              control_schedule=[])
    for check in CHECKS:
        (result,) = got[check].values()
        assert result["status"] == "error" and "control_schedule" in result["message"]


def test_periods_default_to_the_calendar_year_of_the_log(tmp_path: Path) -> None:
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    head = shipped.split("\nchecks:")[0]
    (tmp_path / "p.yaml").write_text(
        head + "\nchecks:\n  governance.control.not_executed: {}\n"
        f"shared: {json.dumps({'control_schedule': SCHEDULE[:1]})}\nexceptions: []\n")
    policy = load_policy(str(tmp_path / "p.yaml"), REGISTRY)
    results = evaluate(policy, REGISTRY, EvidenceSet([doc(
        [entry("IC-01", "2026-08", "2026-08-27", "2026-08-27")])]), date(2030, 1, 1))
    subjects = {r.subject: r.status.value for r in results}
    assert len(subjects) == 12 and subjects["control:IC-01@2026-08"] == "pass"
    assert subjects["control:IC-01@2026-07"] == "fail"
    assert subjects["control:IC-01@2026-10"] == "not_applicable"  # due 28 Oct, log of 1 Oct


@pytest.mark.parametrize(("control", "needle"), [
    ({"due": "2 days before close"}, "must read 'N working days"),
    ({"due": "2 working days after close"}, "due before the close"),
    ({"frequency": "weekly"}, "frequency"),
])
def test_a_bad_schedule_is_exit_2_with_the_shared_line(tmp_path: Path, control: dict,
                                                       needle: str) -> None:
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    head = shipped.split("\nchecks:")[0]
    bad = {**SCHEDULE[0], **control}
    (tmp_path / "p.yaml").write_text(
        head + "\nchecks:\n  governance.control.not_executed: {}\nshared:\n"
        f"  control_schedule:\n    - {json.dumps(SCHEDULE[1])}\n    - {json.dumps(bad)}\n"
        "exceptions: []\n")
    with pytest.raises(InputError) as info:
        load_policy(str(tmp_path / "p.yaml"), REGISTRY)
    assert needle in str(info.value) and "shared.control_schedule" in str(info.value)
    lines = (tmp_path / "p.yaml").read_text().splitlines()
    assert info.value.line is not None and "IC-01" in lines[info.value.line - 1]


def test_a_control_listed_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="listed twice"):
        run(tmp_path, [], control_schedule=[SCHEDULE[0], SCHEDULE[0]])


def test_an_after_close_control_executed_before_the_close_fails(tmp_path: Path) -> None:
    got = run(tmp_path, [entry("IC-03", "2026-08", "2026-08-28", "2026-08-28"),  # close: 31 Aug
                         entry("IC-01", "2026-08", "2026-08-03", "2026-08-03", row=2)])
    late = got["governance.control.executed_late"]
    assert late["control:IC-03@2026-08"]["status"] == "fail"
    assert "before the period's close on 2026-08-31" in late["control:IC-03@2026-08"]["message"]
    assert late["control:IC-01@2026-08"]["status"] == "pass"  # before close: early is fine
    on_close = run(tmp_path, [entry("IC-03", "2026-08", "2026-08-31", "2026-08-31")])
    assert status(on_close, "executed_late")["control:IC-03@2026-08"] == "pass"
