"""SIGTERM and `--deadline` stop collection: never swallowed as a collection error.

Against the real Samba lab, reached through a slow link (every chunk the DC sends is delayed), so
that collection is certainly still running when the signal or the deadline comes, whatever the
machine's speed: each timing below lies inside the window, and the assertions hold for any moment
in it (the bind, the password policy read, the serial or the partitioned account read). The
local-host collector is interrupted in its package-manager call (a fake `apt` that hangs).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psutil
import pytest
import yaml

from tests.cli_run import latest_report
from tests.lab.samba_lab import SambaLab
from tests.lab_config import write_config

LINK_DELAY = 0.15  # s per chunk from the DC: an uninterrupted AD read takes well over 10 s
GRACE = 6.0  # s after the stop for evaluation, the report and the reader processes to end


class SlowLink:
    """A TCP forwarder on the lab's address that delays every chunk the server sends."""

    def __init__(self, address: str, port: int, delay: float) -> None:
        self.target = (address, port)
        self.delay = delay
        self._listener = socket.create_server((address, 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []

    def __enter__(self) -> SlowLink:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for sock in [self._listener, *self._sockets]:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            self._sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, 0.0), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, self.delay),
                             daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket, delay: float) -> None:
        try:
            while data := src.recv(65536):
                time.sleep(delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def slow_lab(samba: SambaLab) -> Iterator[SlowLink]:
    with SlowLink(samba.address, urlparse(samba.ldaps_url).port or 636, LINK_DELAY) as link:
        yield link


def _config(tmp_path: Path, samba: SambaLab, link: SlowLink, parallel: int) -> Path:
    return write_config(tmp_path / "cfg", samba,
                        servers=[f"ldaps://{samba.address}:{link.port}"], page_size=1,
                        parallel_reads=parallel)


def _start(config: Path, out: Path, *extra: str,
           env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "gitc_agent", "scan", "--policy", "adr-gitc",
                             "--config", str(config), "--out", str(out), "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def _wait_for_lock(out: Path, proc: subprocess.Popen[str]) -> None:
    lock = out / ".gitc-agent.lock"
    for _ in range(400):
        if lock.exists() and lock.read_text().strip() == str(proc.pid):
            return
        time.sleep(0.025)
    raise AssertionError(f"the run never took the lock: {proc.communicate(timeout=30)}")


def _assert_interrupted(out: Path, proc: subprocess.Popen[str], reason: str,
                        prefixes: tuple[str, ...], lost_kind: str) -> dict[str, Any]:
    """Exit 3, `run.interrupted` set, the interrupted collector's checks `error`, and the
    interruption nowhere recorded as a read error (the evidence it stopped is absent)."""
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 3, stdout + stderr
    assert "Traceback" not in stderr, stderr
    report = latest_report(out)
    assert report["run"]["interrupted"] == reason
    assert report["summary"]["complete"] is False
    evidence = {p.name: json.loads(p.read_text()) for p in (out / "latest" / "evidence").glob(
        "*.json") if p.name != "plan.json"}
    assert not [n for n in evidence if n.startswith(lost_kind + "@")], sorted(evidence)
    text = json.dumps(report) + json.dumps(evidence)
    assert "RunInterrupted" not in text and reason not in json.dumps(evidence)
    lost = [r for r in report["results"] if r["check"].startswith(prefixes)]
    assert lost and {r["status"] for r in lost} == {"error"}, [(r["check"], r["status"])
                                                              for r in lost]
    return report


def _children(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


AD_ACCOUNT_CHECKS = ("ad.accounts.", "ad.privileged.")


@pytest.mark.samba
@pytest.mark.parametrize("parallel", [1, 4], ids=["serial", "parallel"])
@pytest.mark.parametrize("after", [0.3, 1.2, 3.0])
def test_sigterm_during_the_ad_read_stops_the_run_promptly(
        samba: SambaLab, slow_lab: SlowLink, tmp_path: Path, parallel: int, after: float) -> None:
    out = tmp_path / "out"
    proc = _start(_config(tmp_path, samba, slow_lab, parallel), out)
    _wait_for_lock(out, proc)
    time.sleep(after)
    readers = _children(proc)
    proc.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    _assert_interrupted(out, proc, "stopped by SIGTERM", AD_ACCOUNT_CHECKS, "ad.accounts")
    assert time.monotonic() - stopped < GRACE
    _, alive = psutil.wait_procs(readers, timeout=GRACE)
    assert not alive, "reader processes outlived the interrupted run"


@pytest.mark.samba
@pytest.mark.parametrize("parallel", [1, 4], ids=["serial", "parallel"])
@pytest.mark.parametrize("deadline", [0.2, 0.4, 0.8])
def test_deadline_during_the_ad_read_stops_the_run_promptly(
        samba: SambaLab, slow_lab: SlowLink, tmp_path: Path, parallel: int,
        deadline: float) -> None:
    out = tmp_path / "out"
    started = time.monotonic()
    proc = _start(_config(tmp_path, samba, slow_lab, parallel), out, "--deadline", str(deadline))
    _assert_interrupted(out, proc, f"the overall deadline of {deadline:g} s passed",
                        AD_ACCOUNT_CHECKS, "ad.accounts")
    assert time.monotonic() - started < deadline + GRACE


# --- the local host: a package manager that does not answer ----------------------------------

HOST_CHECKS = ("host.",)


@pytest.fixture
def hanging_apt(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """PATH with an `apt` that says it started and then hangs (exec: no child left behind)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "apt.started"
    apt = bin_dir / "apt"
    apt.write_text(f"#!/bin/sh\necho $$ > '{started}'\nexec sleep 60\n")
    apt.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}, started


def _local_config(tmp_path: Path) -> Path:
    path = tmp_path / "cfg" / "gitc-agent.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({"local_host": {"command_timeout_seconds": 120},
                                    "output": {"dir": str(tmp_path / "reports")}}))
    return path


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> int:
    for _ in range(600):
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        if proc.poll() is not None:
            raise AssertionError(f"the run ended first: {proc.communicate()}")
        time.sleep(0.025)
    raise AssertionError("the package manager was never called")


def test_sigterm_while_the_package_manager_hangs_stops_the_run(
        tmp_path: Path, hanging_apt: tuple[dict[str, str], Path]) -> None:
    env, started = hanging_apt
    out = tmp_path / "out"
    proc = _start(_local_config(tmp_path), out, env=env)
    apt = _wait_for(started, proc)
    proc.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    _assert_interrupted(out, proc, "stopped by SIGTERM", HOST_CHECKS, "host.state")
    assert time.monotonic() - stopped < GRACE
    assert not psutil.pid_exists(apt) or psutil.Process(apt).status() == psutil.STATUS_ZOMBIE


@pytest.mark.parametrize("deadline", [0.2, 0.4, 0.8])
def test_deadline_while_the_package_manager_hangs_stops_the_run(
        tmp_path: Path, hanging_apt: tuple[dict[str, str], Path], deadline: float) -> None:
    env, _ = hanging_apt
    out = tmp_path / "out"
    started = time.monotonic()
    proc = _start(_local_config(tmp_path), out, "--deadline", str(deadline), env=env)
    _assert_interrupted(out, proc, f"the overall deadline of {deadline:g} s passed",
                        HOST_CHECKS, "host.state")
    assert time.monotonic() - started < deadline + GRACE
