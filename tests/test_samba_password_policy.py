"""The password checks end to end against a real Samba AD DC (the issue's acceptance tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli_run import every_file_text, gitc, latest_report, results_by_subject
from tests.lab.samba_lab import SambaLab
from tests.lab_config import write_config

pytestmark = pytest.mark.samba

MIN_LENGTH = "ad.password.min_length"


def _ad_statuses(report: dict) -> set[str]:
    """Statuses of the checks on the directory; the others are out of scope (no winrm, events
    etc. configured), including the ad.* checks that judge security events."""
    in_scope = [r for r in report["results"] if not r["subject"].startswith("scope:")]
    others = {r["status"] for r in in_scope if not r["check"].startswith("ad.")}
    assert others <= {"not_applicable"}, others
    return {r["status"] for r in in_scope if r["check"].startswith("ad.")}


def _domain_subject(lab: SambaLab) -> str:
    return f"domain:{lab.base_dn}"


def scan(tmp_path: Path, lab: SambaLab, policy: str = "adr-gitc", *extra: str, **cfg) -> tuple:
    config = write_config(tmp_path / "cfg", lab, **cfg)
    out = tmp_path / "out"
    run = gitc("scan", "--policy", policy, "--config", config, "--out", out, *extra)
    return run, out


def test_fresh_domain_fails_then_passes_at_12_and_cis_still_fails(samba: SambaLab,
                                                                   tmp_path: Path) -> None:
    run, out = scan(tmp_path / "a", samba)
    assert run.code == 1, run.output
    result = results_by_subject(latest_report(out), MIN_LENGTH)[_domain_subject(samba)]
    assert result["status"] == "fail"
    assert result["evidence"]["min_length"] == 7
    assert result["priority"] == "hoog"

    samba.set_domain_password_settings(min_length=12)
    run, out = scan(tmp_path / "b", samba)
    result = results_by_subject(latest_report(out), MIN_LENGTH)[_domain_subject(samba)]
    assert result["status"] == "pass", result["message"]

    run, out = scan(tmp_path / "c", samba, "cis-windows-2022")
    result = results_by_subject(latest_report(out), MIN_LENGTH)[_domain_subject(samba)]
    assert result["status"] == "fail"
    assert result["evidence"]["required"] == 14


def test_weak_pso_fails_even_when_the_domain_policy_passes(samba: SambaLab, tmp_path: Path) -> None:
    samba.set_domain_password_settings(min_length=12)
    samba.create_group("Kassa-Beheer")
    weak = samba.create_pso("PSO-Kassa", 10, min_length=8)
    samba.apply_pso("PSO-Kassa", "Kassa-Beheer")
    samba.create_pso("PSO-Admins", 5, min_length=16)
    run, out = scan(tmp_path, samba)
    assert run.code == 1, run.output
    results = results_by_subject(latest_report(out), MIN_LENGTH)
    assert results[_domain_subject(samba)]["status"] == "pass"
    pso = results[f"pso:{weak}"]
    assert pso["status"] == "fail"
    assert pso["evidence"]["min_length"] == 8
    assert any("Kassa-Beheer" in dn for dn in pso["evidence"]["applies_to"])
    strong = [r for s, r in results.items() if "PSO-Admins" in s]
    assert [r["status"] for r in strong] == ["pass"]


def test_user_who_cannot_read_psos_gets_error_not_pass(samba: SambaLab, tmp_path: Path) -> None:
    samba.create_pso("PSO-Hidden", 10, min_length=6)
    password = samba.create_user("jan.lezer")
    run, out = scan(tmp_path, samba, user=f"jan.lezer@{samba.realm}", password=password)
    assert run.code == 3, run.output
    report = latest_report(out)
    assert report["summary"]["complete"] is False
    statuses = {s: r["status"] for s, r in results_by_subject(report, MIN_LENGTH).items()}
    pso_results = {s: st for s, st in statuses.items() if not s.startswith("domain:")}
    assert pso_results, statuses
    assert set(pso_results.values()) == {"error"}, statuses
    assert not any("PSO-Hidden" in s and st == "pass" for s, st in statuses.items())


@pytest.mark.parametrize("case", ["wrong-password", "unreachable"])
def test_bind_failures_are_errors_and_the_password_leaks_nowhere(samba: SambaLab, tmp_path: Path,
                                                                  case: str) -> None:
    marker = "Marker-Secret-7f3a9c-" + case
    if case == "wrong-password":
        cfg = {"password": marker}
    else:  # a loopback address where nothing listens
        cfg = {"password": marker, "servers": ["ldaps://127.0.0.99:636"]}
    run, out = scan(tmp_path, samba, **cfg)
    assert run.code == 3, run.output
    report = latest_report(out)
    assert _ad_statuses(report) == {"error"}
    assert report["summary"]["complete"] is False
    text = every_file_text(out)
    assert marker not in run.stdout and marker not in run.stderr
    assert marker not in text
    assert ("invalidCredentials" in text) if case == "wrong-password" else ("127.0.0.99" in text)


def _policy_with_exception(tmp_path: Path, subject: str, expires: str) -> Path:
    shipped = Path(__file__).parents[1] / "policies" / "adr-gitc.yaml"
    text = shipped.read_text().replace("exceptions: []", f"""exceptions:
  - check: ad.password.min_length
    subject: "{subject}"
    owner: "CISO Voorbeeldzaken"
    reason: "Legacy application cannot handle long passwords; replacement planned"
    expires: {expires}
""")
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("expires", "status"), [("2099-12-31", "accepted"),
                                                  ("2020-01-31", "fail")])
def test_exception_accepts_until_it_expires(samba: SambaLab, tmp_path: Path, expires: str,
                                            status: str) -> None:
    policy = _policy_with_exception(tmp_path, "domain:DC=*", expires)
    _, out = scan(tmp_path, samba, str(policy))
    result = results_by_subject(latest_report(out), MIN_LENGTH)[_domain_subject(samba)]
    assert result["status"] == status
    assert result["exception"]["owner"] == "CISO Voorbeeldzaken"
    assert result["exception"]["state"] == ("valid" if status == "accepted" else "expired")
    assert result["priority"] == "hoog"  # an accepted risk keeps its place on the matrix
    if status == "fail":
        assert "expired on 2020-01-31" in result["message"]


def _comparable(report: dict) -> list[tuple]:
    return sorted((r["id"], r["status"], r["priority"], r["message"]) for r in report["results"])


def test_collect_then_evaluate_gives_the_same_results_as_scan(samba: SambaLab,
                                                              tmp_path: Path) -> None:
    service = samba.create_pso("PSO-Service", 20, min_length=10, account_lockout_threshold=0)
    samba.apply_pso("PSO-Service", "Domain Users")
    config = write_config(tmp_path / "cfg", samba)
    scan_run = gitc("scan", "--policy", "adr-gitc", "--config", config, "--out", tmp_path / "s")
    collect_run = gitc("collect", "--config", config, "--out", tmp_path / "ev")
    assert collect_run.code == 0, collect_run.output
    evidence = tmp_path / "ev"
    moved = tmp_path / "offline-evidence"
    shutil.copytree(evidence, moved, ignore=shutil.ignore_patterns(".*"))
    eval_run = gitc("evaluate", "--policy", "adr-gitc", "--evidence", moved, "--out", tmp_path / "e")
    assert scan_run.code == eval_run.code == 1
    scanned, evaluated = latest_report(tmp_path / "s"), latest_report(tmp_path / "e")
    assert _comparable(scanned) == _comparable(evaluated)
    assert len(scanned["results"]) > 10
    assert evaluated["run"]["evidence"][0]["sha256"]
    pso = results_by_subject(evaluated, MIN_LENGTH)[f"pso:{service}"]
    assert pso["status"] == "fail" and pso["evidence"]["min_length"] == 10
    assert any("Domain Users" in dn for dn in pso["evidence"]["applies_to"])
    lockout = results_by_subject(evaluated, "ad.password.settings")[f"pso:{service}#lockout_threshold"]
    assert lockout["status"] == "fail" and lockout["evidence"]["actual"] == 0


@pytest.mark.parametrize("method", ["ntlm", "kerberos"])
def test_ntlm_and_kerberos_binds_read_the_policy(samba: SambaLab, tmp_path: Path,
                                                 method: str, monkeypatch) -> None:
    env = {}
    if method == "kerberos":
        ccache = tmp_path / "krb5cc"
        env = {"KRB5_CONFIG": str(samba.krb5_conf), "KRB5CCNAME": f"FILE:{ccache}"}
        samba.kinit_admin(env)
    config = write_config(tmp_path / "cfg", samba, method=method)
    out = tmp_path / "out"
    run = gitc("scan", "--policy", "adr-gitc", "--config", config, "--out", out, env=env)
    assert run.code == 1, run.output
    result = results_by_subject(latest_report(out), MIN_LENGTH)[_domain_subject(samba)]
    assert result["status"] == "fail"
    assert result["evidence"]["min_length"] == 7


def test_certificate_of_another_ca_is_refused(samba: SambaLab, tmp_path: Path) -> None:
    from tests.lab.samba_lab import write_ca

    other_ca, _ = write_ca(tmp_path / "other-ca", "some other CA")
    run, out = scan(tmp_path, samba, ca_file=other_ca)
    assert run.code == 3
    report = latest_report(out)
    assert _ad_statuses(report) == {"error"}
    assert "certificate" in report["results"][0]["message"].lower()


SETTINGS = "ad.password.settings"


def test_password_settings_verdicts_follow_the_domain_policy(samba: SambaLab,
                                                             tmp_path: Path) -> None:
    domain = _domain_subject(samba)
    samba.samba_tool("domain", "passwordsettings", "set", "--max-pwd-age=42",
                     "--account-lockout-threshold=5", "--complexity=on", "--store-plaintext=off")
    _, out = scan(tmp_path / "a", samba)
    before = results_by_subject(latest_report(out), SETTINGS)
    for setting in ("max_age", "lockout_threshold", "complexity", "reversible_encryption"):
        assert before[f"{domain}#{setting}"]["status"] == "pass", before[f"{domain}#{setting}"]
    samba.samba_tool("domain", "passwordsettings", "set", "--max-pwd-age=400",
                     "--account-lockout-threshold=0", "--complexity=off", "--store-plaintext=on")
    _, out = scan(tmp_path / "b", samba)
    after = results_by_subject(latest_report(out), SETTINGS)
    assert after[f"{domain}#max_age"]["status"] == "fail"
    assert after[f"{domain}#max_age"]["evidence"]["actual"] == 400
    assert after[f"{domain}#lockout_threshold"]["status"] == "fail"
    assert after[f"{domain}#lockout_threshold"]["evidence"]["actual"] == 0
    assert after[f"{domain}#complexity"]["status"] == "fail"
    assert after[f"{domain}#complexity"]["evidence"]["actual"] is False
    reversible = after[f"{domain}#reversible_encryption"]
    assert reversible["status"] == "fail" and reversible["impact"] == 5


def test_pso_denied_to_the_bound_account_is_error_not_absent(samba: SambaLab,
                                                             tmp_path: Path) -> None:
    samba.set_domain_password_settings(min_length=12)
    samba.create_pso("PSO-Open", 10, min_length=14)
    denied = samba.create_pso("PSO-Denied", 20, min_length=6)
    samba.samba_tool("dsacl", "set", f"--objectdn={denied}", "--sddl=(D;;RPLCLORC;;;DA)")
    run, out = scan(tmp_path, samba)
    assert run.code == 3, run.output
    results = results_by_subject(latest_report(out), MIN_LENGTH)
    assert results[f"pso:{denied}"]["status"] == "error"
    assert [r["status"] for s, r in results.items() if "PSO-Open" in s] == ["pass"]
    settings = results_by_subject(latest_report(out), SETTINGS)
    assert settings[f"pso:{denied}"]["status"] == "error"
