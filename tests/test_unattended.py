"""Unattended runs: locking, SIGTERM and deadlines, JSON logs, retention, keyring, no leaks."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from gitc_agent.run.retention import apply_retention
from tests.cli_run import every_file_text, gitc, latest_report
from tests.lab.samba_lab import SambaLab
from tests.lab_config import password_file, write_config
from tests.wsman.server import Reply, StaticBehaviour, WSManServer
from tests.wsman.windows_profiles import PATCHED, profile


@pytest.fixture
def hung_host() -> Iterator[WSManServer]:
    """A Windows host that accepts the command and then never answers Receive."""
    with WSManServer(StaticBehaviour(Reply(hang=True, silent=True))) as server:
        yield server


@pytest.fixture
def healthy_host() -> Iterator[WSManServer]:
    with WSManServer(profile(PATCHED)) as server:
        yield server


def winrm_config(folder: Path, server: WSManServer, host_deadline: float = 6,
                 password: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    user, real = server.auth
    host, port = server.endpoint.split("//")[1].split("/")[0].split(":")
    config = {"winrm": {
        "transport": "basic", "allow_basic": True, "scheme": "https", "ca_file": server.ca_file,
        "user": user, "password": {"file": str(password_file(folder, password or real))},
        "deadline_seconds": host_deadline, "operation_timeout_seconds": 1,
        "hosts": [{"name": "srv01.corp.test", "address": host, "port": int(port)}]}}
    path = folder / "gitc-agent.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


POLICY = Path(__file__).parents[1] / "policies" / "adr-gitc.yaml"


@pytest.fixture(autouse=True)
def no_kev_policy(tmp_path: Path) -> Path:
    """adr-gitc without the KEV check, which needs feed files these hosts do not come with."""
    text = POLICY.read_text().replace("  windows.patch.kev_overdue:\n",
                                      "  windows.patch.kev_overdue:\n    enabled: false\n")
    path = tmp_path / "adr-gitc-no-kev.yaml"
    path.write_text(text)
    return path


def start_scan(config: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    policy = config.parents[1] / "adr-gitc-no-kev.yaml"
    return subprocess.Popen([sys.executable, "-m", "gitc_agent", "scan", "--policy", str(policy),
                             "--config", str(config), "--out", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_lock_holder(out: Path, proc: subprocess.Popen[str]) -> None:
    lock = out / ".gitc-agent.lock"
    for _ in range(200):
        if lock.exists() and lock.read_text().strip() == str(proc.pid):
            return
        time.sleep(0.05)
    raise AssertionError("the first run never took the lock")


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def test_second_run_on_the_same_folder_exits_4_and_the_first_report_is_whole(
        tmp_path: Path, hung_host: WSManServer) -> None:
    config = winrm_config(tmp_path / "cfg", hung_host, host_deadline=4)
    out = tmp_path / "out"
    first = start_scan(config, out)
    wait_for_lock_holder(out, first)
    second = gitc("scan", "--policy", "adr-gitc", "--config", config, "--out", out, "--lang", "en")
    assert second.code == 4, second.output
    assert "another gitc-agent run" in second.stderr and str(first.pid) in second.stderr
    first.communicate(timeout=60)
    assert first.returncode == 3  # the hung host is not assessed
    report = latest_report(out)
    assert report["summary"]["complete"] is False
    assert len([p for p in out.iterdir() if not p.name.startswith(".")]) == 2  # run + latest


def test_sigterm_mid_scan_writes_an_incomplete_report_and_keeps_the_previous_one(
        tmp_path: Path, hung_host: WSManServer, healthy_host: WSManServer,
        no_kev_policy: Path) -> None:
    out = tmp_path / "out"
    good = gitc("scan", "--policy", no_kev_policy, "--config",
                winrm_config(tmp_path / "good", healthy_host), "--out", out)
    assert good.code in (0, 1), good.output
    previous = (out / "latest").resolve()
    before = folder_digest(previous)

    proc = start_scan(winrm_config(tmp_path / "hung", hung_host, host_deadline=20), out,
                      "--log-file", str(tmp_path / "scan.jsonl"))
    wait_for_lock_holder(out, proc)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    proc.communicate(timeout=60)
    assert proc.returncode == 3
    report = latest_report(out)
    assert report["run"]["interrupted"] == "stopped by SIGTERM"
    assert report["summary"]["complete"] is False
    # the interrupted host is not assessed: every Windows check is an error for it, none is
    # left out or given any other verdict (the KEV check is off in this policy)
    windows = [r for r in report["results"] if r["check"].startswith("windows.")]
    assert sorted((r["check"], r["status"]) for r in windows) == [
        ("windows.monitoring.agent_running", "error"),
        ("windows.password.local_min_length", "error"),
        ("windows.patch.missing_updates", "error"),
        ("windows.patch.reboot_pending", "error"),
        ("windows.patch.update_age", "error"),
    ]
    assert all(r["subject"].endswith("srv01.corp.test") for r in windows)
    assert any(r["status"] == "error" for r in report["results"])
    assert folder_digest(previous) == before
    assert not [p for p in out.iterdir() if p.name.endswith(".partial")]
    assert time.monotonic() - started < 25  # bounded by the per-host deadline
    events = [json.loads(line) for line in (tmp_path / "scan.jsonl").read_text().splitlines()]
    finished = [e for e in events if e.get("event") == "run_finished"]
    assert finished and finished[0]["interrupted"] == "stopped by SIGTERM"


def test_overall_deadline_stops_collection(tmp_path: Path, hung_host: WSManServer) -> None:
    out = tmp_path / "out"
    config = winrm_config(tmp_path / "cfg", hung_host, host_deadline=8)
    started = time.monotonic()
    run = gitc("scan", "--policy", "adr-gitc", "--config", config, "--out", out,
               "--deadline", "1.5", "--quiet")
    assert run.code == 3, run.output
    assert latest_report(out)["run"]["interrupted"] == "the overall deadline of 1.5 s passed"
    assert time.monotonic() - started < 8 + 5


def test_log_file_is_json_lines_with_run_id_targets_checks_and_durations(
        tmp_path: Path, healthy_host: WSManServer, no_kev_policy: Path) -> None:
    log = tmp_path / "logs" / "scan.jsonl"
    out = tmp_path / "out"
    run = gitc("scan", "--policy", no_kev_policy, "--config",
               winrm_config(tmp_path / "cfg", healthy_host), "--out", out, "--log-file", log)
    assert run.code in (0, 1), run.output
    events = [json.loads(line) for line in log.read_text().splitlines()]
    run_id = latest_report(out)["run"]["id"]
    assert {e["run_id"] for e in events} == {run_id}
    collected = [e for e in events if e.get("event") == "collected"]
    assert [e["target"] for e in collected] == ["srv01.corp.test"]
    assert collected[0]["duration_s"] > 0
    checks = {e["check"]: e for e in events if e.get("event") == "check"}
    assert "windows.patch.update_age" in checks and "duration_s" in checks["ad.password.min_length"]


@pytest.mark.samba
@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_a_marker_password_appears_nowhere(samba: SambaLab, tmp_path: Path, outcome: str) -> None:
    marker = f"Marker-{outcome}-9b1e7d-Pw!"
    samba.create_user("svc-marker", password=marker)
    password = marker if outcome == "success" else marker + "-wrong"
    config = write_config(tmp_path / "cfg", samba, user=f"svc-marker@{samba.realm}",
                          password=password)
    out, log = tmp_path / "out", tmp_path / "scan.jsonl"
    run = gitc("scan", "--policy", "adr-gitc", "--config", config, "--out", out, "--log-file",
               log)
    evidence = tmp_path / "evidence"
    collect = gitc("collect", "--config", config, "--out", evidence)
    if outcome == "success":
        assert run.code == 3 and collect.code == 3  # an ordinary user cannot read the PSOs
        assert "insufficient" not in run.output and latest_report(out)["results"]
    else:
        assert "invalidCredentials" in every_file_text(out)
    for text in (run.stdout, run.stderr, collect.stdout, collect.stderr, every_file_text(out),
                 every_file_text(evidence), log.read_text()):
        assert marker not in text


def test_retention_keeps_the_newest_and_never_the_latest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    names = ["20261101T020000Z-aaaaaaaa", "20261110T020000Z-bbbbbbbb",
             "20261119T020000Z-cccccccc", "20261120T020000Z-dddddddd"]
    for name in names:
        (out / name).mkdir(parents=True)
        (out / name / "report.json").write_text("{}")
    (out / "notes").mkdir()
    (out / "latest").symlink_to(names[1])  # a reader points at an older run
    now = datetime(2026, 11, 21, tzinfo=UTC)
    removed = apply_retention(out, keep=2, keep_days=None, now=now)
    assert [p.name for p in removed] == [names[0]]
    removed = apply_retention(out, keep=None, keep_days=5, now=now)
    assert removed == []  # the only old one left is the one `latest` points at
    assert sorted(p.name for p in out.iterdir()) == sorted([*names[1:], "latest", "notes"])


def test_keyring_password_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    from gitc_agent.settings.config import load_config

    store = PlaintextKeyring()
    store.file_path = str(tmp_path / "keyring.cfg")
    monkeypatch.setattr(keyring.core, "_keyring_backend", store)
    keyring.set_password("gitc-agent", "svc-gitc", "From-The-Keyring-1!")
    cfg = tmp_path / "gitc-agent.yaml"
    cfg.write_text("""ad:
  servers: [ldaps://dc1.example.test]
  bind:
    method: simple
    user: svc-gitc@EXAMPLE.TEST
    password: {keyring: {service: gitc-agent, username: svc-gitc}}
""")
    config = load_config(cfg)
    assert config.ad.bind.secret.reveal() == "From-The-Keyring-1!"
    assert "From-The-Keyring" not in repr(config)
    keyring.delete_password("gitc-agent", "svc-gitc")
    from gitc_agent.errors import InputError

    with pytest.raises(InputError, match="keyring set gitc-agent svc-gitc") as info:
        load_config(cfg)
    assert info.value.line == 6


def test_secret_file_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the file to another owner")
    secret = password_file(tmp_path, "x" * 16)
    os.chown(secret, 65534, 65534)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"""ad:
  servers: [ldaps://dc1.example.test]
  bind: {{method: simple, user: u, password: {{file: {secret}}}}}
""")
    run = gitc("scan", "--policy", "adr-gitc", "--config", cfg)
    assert run.code == 2 and "owned by uid 65534" in run.stderr
