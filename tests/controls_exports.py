"""The demo ministry's control log for 2026, written as its controller's Excel export.

Why generated: the audited pattern (before-close controls recorded late except in August,
after-close controls executed but recorded late, period-8 controls not executed) is computed from
the same Dutch working-day calendar the checks use, so every date sits exactly where the pattern
needs it. The demo evidence (gitc_agent/demo/evidence/controls.register@corp.vbz.example.json) is
this CSV collected by the real collector; tests/test_controls_demo.py checks they still agree.

    python3 -m tests.controls_exports   # rewrites the demo evidence file
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from pathlib import Path

from gitc_agent.model.workdays import WorkCalendar

HEADER = ["Beheersmaatregel", "Periode", "Uitgevoerd op", "Vastgelegd op", "Uitgevoerd door",
          "Beoordeeld door", "Beoordeeld op", "Toelichting"]
COLUMNS = {"control": "Beheersmaatregel", "period": "Periode", "executed_at": "Uitgevoerd op",
           "recorded_at": "Vastgelegd op", "executed_by": "Uitgevoerd door",
           "reviewed_by": "Beoordeeld door", "reviewed_at": "Beoordeeld op",
           "note": "Toelichting"}
COLLECTED_AT = "2026-11-16T07:36:02+00:00"
DEMO_FILE = "/srv/gitc/exports/interne-controles-2026.csv"
FMT = "%d-%m-%Y %H:%M"
# control -> (working days from the close, executor, reviewer or "", before-close?)
MONTHLY = {"IC-01": (-2, "a.bakker", "h.vos", True), "IC-02": (0, "a.bakker", "", True),
           "IC-03": (5, "r.jansen", "l.meijer", False), "IC-04": (3, "r.jansen", "", False)}
MONTHS = range(1, 11)  # January to October: November's controls are not due on 16 November
# the ministry's closing days (also in the demo policy): Liberation Day (a day off every year for
# central government staff, a public holiday only every fifth year) and the day after Ascension
CLOSING_DAYS = [date(2026, 5, 5), date(2026, 5, 15)]


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute)).strftime(FMT)


def demo_rows(calendar: WorkCalendar | None = None) -> list[list[str]]:
    cal = calendar or WorkCalendar(CLOSING_DAYS)
    rows: list[list[str]] = []
    for month in MONTHS:
        close = cal.last_working_day(2026, month)
        for control, (offset, executor, reviewer, before) in MONTHLY.items():
            due = cal.shift(close, offset)
            executed = cal.shift(due, -1)
            # August: recorded the same day; otherwise after the deadline, though done on time
            recorded = executed if before and month == 8 else cal.shift(due, 4)
            reviewed_by = reviewer
            if control == "IC-01" and month == 3:
                reviewed_by = executor  # self-review
            if control == "IC-01" and month == 6:
                reviewed_by = ""
            reviewed_at = _at(executed, 16) if reviewed_by else ""
            rows.append([control, f"{month:02d}-2026", _at(executed, 10, 15), _at(recorded, 9, 5),
                         executor, reviewed_by, reviewed_at, ""])
    # period 8: IC-08 has a line saying it was not performed, IC-09 none at all
    rows.append(["IC-08", "08-2026", "", _at(date(2026, 9, 30), 11), "", "", "",
                 "Niet uitgevoerd: geen capaciteit (zie MT-verslag 30-09)"])
    return rows


def demo_csv() -> str:
    """Dutch Excel: `;`, day-first local times (the config names Europe/Amsterdam)."""
    lines = [";".join(HEADER)] + [";".join(r) for r in demo_rows()]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def write_config(folder: Path, text: str, **options: object) -> Path:
    """A config whose `controls` section reads `text` as the control log."""
    (folder / "controles.csv").write_text(text, encoding="utf-8")
    section = {"log": {"file": "controles.csv", "columns": COLUMNS}, **options}
    config = folder / "gitc-agent.yaml"
    config.write_text(json.dumps({"controls": section, "output": {"dir": "out"}}),
                      encoding="utf-8")
    return config


def demo_document(folder: Path) -> dict:
    """Collect the demo CSV with the real collector, dated and placed as the demo's evidence."""
    from gitc_agent.collectors import controls_log
    from gitc_agent.settings.config import load_config

    config = load_config(write_config(folder, demo_csv(), timezone="Europe/Amsterdam"))
    assert config.controls is not None
    doc = controls_log.collect(config.controls)
    doc.target = "corp.vbz.example"
    doc.collected_at = COLLECTED_AT
    doc.data["source"]["file"] = DEMO_FILE
    return doc.to_dict()


def main() -> None:
    import tempfile

    from gitc_agent import demo

    with tempfile.TemporaryDirectory() as tmp:
        payload = demo_document(Path(tmp))
    out = demo.evidence_dir() / "controls.register@corp.vbz.example.json"
    out.write_text(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
