"""Leavers and joiners against a real Samba AD DC, through the real CLI: users carrying
employeeID, a generated HR export (a leaver still enabled, with an adm- account tied by the
mapping; a leaver who logged on after the end date, lastLogonTimestamp written on the DC; a
leaver properly disabled), joiners with and without a request, and an account HR does not know."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from gitc_agent import demo
from tests.cli_run import gitc, latest_report, results_by_subject
from tests.lab.samba_lab import SambaLab, _program, _tool_env
from tests.lab_config import write_config

pytestmark = pytest.mark.samba
LEAVER, NO_HR, JOINER, MOVED = ("ad.accounts.leaver_enabled", "ad.accounts.no_hr_record",
                                 "ad.accounts.joiner_without_request",
                                 "ad.accounts.moved_rights_kept")


def _filetime(when: datetime) -> int:
    return int((when - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)


def _modify(lab: SambaLab, name: str, attribute: str, value: str, raw: bool = False) -> None:
    """Set an attribute of user `name`; `raw` writes the partition file past Samba's modules
    (lastLogonTimestamp and whenCreated are the DC's own to write)."""
    (entry,) = lab.search(lab.base_dn, f"(sAMAccountName={name})", "sub", "dn")
    dn = entry["dn"][0]
    change = f"dn: {dn}\nchangetype: modify\nreplace: {attribute}\n{attribute}: {value}\n"
    if not raw:
        lab.ldb("ldbmodify", stdin=change)
        return
    partition = lab.workdir / "private" / "sam.ldb.d" / f"{lab.base_dn.upper()}.ldb"
    subprocess.run([_program("ldbmodify"), "-H", str(partition)], check=True, text=True,
                   capture_output=True, env=_tool_env(), input=change)


def _user(lab: SambaLab, name: str, employee: str | None, *, disabled: bool = False,
          old: bool = True) -> None:
    lab.create_user(name, given_name="Test", surname=name)
    if employee:
        _modify(lab, name, "employeeID", employee)
    if disabled:
        lab.samba_tool("user", "disable", name)
    if old:  # created years ago: not a joiner of this period
        _modify(lab, name, "whenCreated", "20200106090000.0Z", raw=True)


def _policy(tmp_path: Path) -> Path:
    policy = yaml.safe_load(demo.policy_path().read_text())
    policy["checks"] = {k: v for k, v in policy["checks"].items()
                        if k in (LEAVER, NO_HR, JOINER, MOVED)}
    policy["shared"] = {"department_groups": [{"department": "Financiën",
                                               "groups": ["GG-HR-Fin-*"]}]}
    policy["exceptions"] = []
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy, default=str))
    return path


def test_leavers_and_joiners_against_the_hr_export(samba: SambaLab, tmp_path: Path) -> None:
    today = date.today()
    day = lambda d: d.strftime("%d-%m-%Y")  # noqa: E731 - Dutch Excel dates
    _user(samba, "hr-leaver", "900001")
    _user(samba, "adm-hrleaver", None)  # tied to 900001 by the mapping only
    _user(samba, "hr-used", "900002", disabled=True)
    _modify(samba, "hr-used", "lastLogonTimestamp",
            str(_filetime(datetime.now(UTC) - timedelta(days=3))), raw=True)
    _user(samba, "hr-gone", "900003", disabled=True)
    _user(samba, "hr-stayer", "900004")
    _user(samba, "hr-nobody", "900099")
    _user(samba, "hr-join-ok", "900005", old=False)
    _user(samba, "hr-join-bad", "900006", old=False)
    _user(samba, "hr-moved", "900007")
    for group in ("GG-HR-Fin-Crediteuren", "GG-HR-Fin-Kassa"):
        samba.create_group(group)
    samba.add_members("GG-HR-Fin-Crediteuren", "hr-moved", "hr-stayer")
    samba.add_members("GG-HR-Fin-Kassa", "GG-HR-Fin-Crediteuren")
    (tmp_path / "hr.csv").write_text("\ufeff" + "\r\n".join([
        "Personeelsnummer;Naam;Datum in dienst;Datum uit dienst;Afdeling;Vorige afdeling;"
        "Overgeplaatst",
        f"900001;Lea Ver;01-01-2019;{day(today - timedelta(days=30))};ICT;;",
        f"900002;Ute Used;01-01-2019;{day(today - timedelta(days=20))};HRM;;",
        f"900003;Gon Ok;01-01-2019;{day(today - timedelta(days=40))};HRM;;",
        "900004;Stay Er;01-01-2019;;Financiën;;",
        f"900005;Jo Ok;{day(today)};;ICT;;",
        f"900006;Jo Bad;{day(today)};;ICT;;",
        f"900007;Mo Ved;01-01-2019;;Beleid;Financiën;{day(today - timedelta(days=60))}"])
        + "\r\n", encoding="utf-8")
    (tmp_path / "req.csv").write_text(
        "Melding;Account;Personeelsnummer;Aangevraagd;Goedgekeurd\r\n"
        f"REQ-1;hr-join-ok;900005;{day(today - timedelta(days=5))};"
        f"{day(today - timedelta(days=2))}\r\n", encoding="utf-8")
    config = write_config(tmp_path, samba)
    data = yaml.safe_load(config.read_text())
    data["hr"] = {
        "persons": {"file": "hr.csv", "columns": {
            "employee_id": "Personeelsnummer", "name": "Naam", "start": "Datum in dienst",
            "end": "Datum uit dienst", "department": "Afdeling",
            "previous_department": "Vorige afdeling", "moved_on": "Overgeplaatst"}},
        "requests": {"file": "req.csv", "columns": {
            "ticket": "Melding", "account": "Account", "employee_id": "Personeelsnummer",
            "requested_at": "Aangevraagd", "approved_at": "Goedgekeurd"}},
        "match": {"accounts": {"adm-hrleaver": "900001"}},
        "date_formats": ["%d-%m-%Y"], "timezone": "Europe/Amsterdam"}
    config.write_text(yaml.safe_dump(data))
    run = gitc("scan", "--policy", _policy(tmp_path), "--config", config, "--out",
               tmp_path / "out", "--quiet")
    assert run.code == 1, run.output  # findings, and everything could be assessed
    report = latest_report(tmp_path / "out")
    leavers = results_by_subject(report, LEAVER)
    assert leavers["person:employee:900001"]["status"] == "fail"
    assert leavers["person:employee:900001"]["evidence"]["enabled"] == ["adm-hrleaver",
                                                                        "hr-leaver"]
    used = leavers["person:employee:900002"]
    assert used["status"] == "fail" and "logged on after the end date" in used["message"]
    assert leavers["person:employee:900003"]["status"] == "pass"
    assert "person:employee:900004" not in leavers
    no_hr = results_by_subject(report, NO_HR)
    assert no_hr["account:hr-nobody"]["status"] == "fail"
    assert "900099" in no_hr["account:hr-nobody"]["message"]
    assert "account:hr-stayer" not in no_hr and "account:adm-hrleaver" not in no_hr
    joiners = results_by_subject(report, JOINER)
    assert joiners["account:hr-join-ok"]["status"] == "pass"
    assert "REQ-1" in joiners["account:hr-join-ok"]["message"]
    assert joiners["account:hr-join-bad"]["status"] == "fail"
    assert "account:hr-stayer" not in joiners  # created in 2020
    coverage = {c["check"]: c for c in report["coverage"]}
    assert coverage[LEAVER]["completeness"] == "complete"
    assert coverage[LEAVER]["population"]["hr.persons"]["used"] == 7
    moved = results_by_subject(report, MOVED)
    assert set(moved) == {"person:employee:900007"}  # the stayer in Financiën did not move
    assert moved["person:employee:900007"]["status"] == "fail"
    assert moved["person:employee:900007"]["evidence"]["kept"] == [
        "hr-moved → GG-HR-Fin-Crediteuren", "hr-moved → GG-HR-Fin-Kassa"]  # nested too
