"""Collect patch, reboot, service and local-password state from many Windows hosts at once.

A bounded pool of workers; each host is handled by one worker with its own pywinrm Protocol
(sessions are never shared between threads, which breaks NTLM) and its own deadline. A host that
is unreachable, refuses the credentials, hangs or answers garbage yields an evidence document
whose `errors` say why; the other hosts are not affected.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from gitc_agent.collectors.windows import script as windows_script
from gitc_agent.collectors.windows.winrm_client import RemoteError, run_command
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import kinds
from gitc_agent.run.redact import redact, redact_obj
from gitc_agent.settings.config import WinRMHost, WinRMSettings

KIND = kinds.WINDOWS_HOST_STATE
COLLECTOR = "windows.winrm"
PARTS = ("os", "hotfixes", "history", "missing_updates", "reboot", "services", "password",
         "software")
_DENIED = re.compile(r"0x80070005|access is denied|E_ACCESSDENIED|UnauthorizedAccess", re.I)

Progress = Callable[[str], None]


def clean_stderr(raw: bytes) -> str:
    """PowerShell writes CLIXML to stderr under WinRS: keep the error texts, drop progress."""
    text = raw.decode("utf-8", errors="replace")
    if not text.startswith("#< CLIXML"):
        return text.strip()
    body = text.split("\n", 1)[1] if "\n" in text else ""
    messages = []
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "unreadable CLIXML on stderr"
    for node in root.iter():
        if node.tag.endswith("}S") and node.get("S") == "Error" and node.text:
            messages.append(node.text.replace("_x000D__x000A_", "\n"))
    return "".join(messages).strip()


def _parse_stdout(raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                break
            if isinstance(obj, dict):
                return obj
            break
    preview = redact(text.strip()[:200]) or "(no output)"
    raise RemoteError("script", f"the script did not return a JSON document; output began: "
                                f"{preview!r}")


def normalise(raw: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Script output -> evidence data and errors; a failed WUA search becomes an explicit marker."""
    errors = [{"part": str(e.get("part", "script")), "message": str(e.get("message", ""))[:500]}
              for e in raw.get("errors") or [] if isinstance(e, dict)]
    failed = {e["part"]: e["message"] for e in errors}
    data: dict[str, Any] = {"script_version": raw.get("script")}
    keys = {"os": "os", "hotfixes": "hotfixes", "history": "update_history", "reboot": "reboot",
            "services": "services", "password": "password_policy", "software": "software"}
    for part, key in keys.items():
        if part not in failed and part in raw:
            data[key] = raw[part]
        elif part not in failed:
            errors.append({"part": part, "message": "missing from the script's output"})
    if "missing_updates" in failed:
        message = failed["missing_updates"]
        data["missing_updates"] = {"status": "denied" if _DENIED.search(message) else "failed",
                                   "message": message}
    elif isinstance(raw.get("missing"), list):
        data["missing_updates"] = {"status": "ok", "updates": raw["missing"]}
    else:
        data["missing_updates"] = {"status": "failed", "message": "missing from the output"}
        errors.append({"part": "missing_updates", "message": "missing from the script's output"})
    return data, errors


def collect_host(host: WinRMHost, services: Sequence[str], deadline_seconds: float,
                 operation_timeout: int) -> EvidenceDoc:
    """One host -> one evidence document, never an exception."""
    started = time.monotonic()
    base = {"host": host.name, "endpoint": host.endpoint, "transport": host.transport}
    try:
        result = run_command(host, windows_script.command_line(),
                             windows_script.environment(services), started + deadline_seconds,
                             operation_timeout)
        stderr = clean_stderr(result.stderr)
        try:
            raw = _parse_stdout(result.stdout)
        except RemoteError as exc:
            detail = f" (exit code {result.exit_code}; stderr: {stderr[:300]})" if stderr else ""
            raise RemoteError(exc.part, f"{exc}{detail}") from None
        data, errors = normalise(raw)
        data.update(base, elapsed_seconds=round(result.elapsed, 2), exit_code=result.exit_code)
        if stderr:
            data["stderr"] = stderr[:2000]
    except RemoteError as exc:
        base["elapsed_seconds"] = round(time.monotonic() - started, 2)
        return _failed(host, base, [{"part": exc.part, "message": str(exc)}])
    return EvidenceDoc(kind=KIND, target=host.name, collector=COLLECTOR, data=redact_obj(data),
                       errors=redact_obj(errors))


def _failed(host: WinRMHost, base: dict[str, Any], errors: list[dict[str, str]]) -> EvidenceDoc:
    # `data` stays empty so the document's status is `error`; where/how goes in the message.
    where = f" ({base['endpoint']}, {base['transport']}, after {base['elapsed_seconds']} s)"
    errs = [{**e, "message": e["message"] + where} for e in errors]
    return EvidenceDoc(kind=KIND, target=host.name, collector=COLLECTOR, data={},
                       errors=redact_obj(errs))


def collect_fleet(settings: WinRMSettings, progress: Progress,
                  services: Sequence[str] = (),
                  sink: list[EvidenceDoc] | None = None) -> list[EvidenceDoc]:
    """All hosts through a bounded pool; results in the configured host order.

    If the run is interrupted, hosts not started yet are cancelled, the ones that finished are
    appended to `sink`, and the interruption goes on up; running hosts end by their deadline.
    """
    names = list(dict.fromkeys([*settings.services, *services]))
    hosts = settings.targets
    docs: dict[int, EvidenceDoc] = {}
    progress(f"WinRM: {len(hosts)} host(s), {min(settings.workers, len(hosts))} worker(s)")
    pool = ThreadPoolExecutor(max_workers=max(1, min(settings.workers, len(hosts))),
                              thread_name_prefix="winrm")
    try:
        futures = {pool.submit(collect_host, h, names, settings.deadline_seconds,
                               settings.operation_timeout_seconds): i
                   for i, h in enumerate(hosts)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                doc = future.result()
            except Exception as exc:  # a bug must cost one host, not the run
                doc = EvidenceDoc(kind=KIND, target=hosts[index].name, collector=COLLECTOR,
                                  data={}, errors=[{"part": "collector", "message":
                                                    redact(f"{type(exc).__name__}: {exc}")}])
            docs[index] = doc  # only this thread touches docs: results arrive here in turn
            progress(f"WinRM: {len(docs)}/{len(hosts)} done; {hosts[index].name}: {doc.status}")
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        if sink is not None:
            sink.extend(docs[i] for i in sorted(docs))
        raise
    pool.shutdown(wait=True)
    return [docs[i] for i in range(len(hosts))]
