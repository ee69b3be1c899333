"""Run one command on one Windows host over WinRM, within a deadline the host cannot stretch.

pywinrm's `run_cmd` retries a Receive that times out forever, so a hung host would block a
worker for good. Here the lower-level Protocol calls are used directly: every HTTP request gets
a read timeout no longer than the time left, Receive is repeated only until the deadline, and
the command and shell are cleaned up (best effort, also bounded) whatever happened.
"""

from __future__ import annotations

import contextlib
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)
from winrm.protocol import Protocol

from gitc_agent.collectors.windows.winrm_session import attach_session
from gitc_agent.run.redact import redact
from gitc_agent.settings.config import WinRMHost

CLEANUP_RESERVE = 5.0  # seconds kept back from the deadline to close the shell
MAX_OUTPUT = 16 * 1024 * 1024


class RemoteError(Exception):
    """Why a host could not be read; the message is safe to put in evidence."""

    def __init__(self, part: str, message: str):
        super().__init__(redact(message))
        self.part = part


@dataclass
class CommandResult:
    stdout: bytes
    stderr: bytes
    exit_code: int
    elapsed: float


def _protocol(host: WinRMHost, read_timeout: int, operation_timeout: int) -> Protocol:
    kwargs = {}
    if host.ca_file is not None:
        kwargs["ca_trust_path"] = str(host.ca_file)
    return Protocol(
        endpoint=host.endpoint,
        transport="basic" if host.transport == "basic" else host.transport,
        username=host.user,
        password=host.password.reveal() if host.password is not None else None,
        server_cert_validation="validate" if host.validate_certificate else "ignore",
        read_timeout_sec=read_timeout,
        operation_timeout_sec=operation_timeout,
        message_encryption=host.message_encryption,
        proxy=None,
        **kwargs,
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, InvalidCredentialsError):
        return "the host refused the credentials (HTTP 401)"
    if isinstance(exc, WSManFaultError):
        code = f" (WS-Management code {exc.wsman_fault_code})" if exc.wsman_fault_code else ""
        return f"WS-Management fault{code}: {exc.reason}"
    if isinstance(exc, WinRMTransportError):
        return f"HTTP {exc.code} from the WinRM service"
    if isinstance(exc, ET.ParseError | StopIteration | KeyError | AttributeError | IndexError):
        return "the host's answer was not WS-Management XML (is this a WinRM listener?)"
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "the host's TLS certificate could not be validated against the trusted CA"
    if "timed out" in text.lower():
        return "the host did not answer in time"
    if "Connection refused" in text:
        return "connection refused (is WinRM listening on that port?)"
    return f"{type(exc).__name__}: {text[:300]}"


class _Budget:
    def __init__(self, deadline: float, proto: Protocol, operation_timeout: int):
        self.deadline = deadline
        self.proto = proto
        self.operation_timeout = operation_timeout
        # Keep time to close the shell: 5 s, or a fifth of a short deadline.
        self.reserve = min(CLEANUP_RESERVE, (deadline - time.monotonic()) / 5)

    def arm(self, cleanup: bool = False, receive: bool = False) -> None:
        """Shrink the next request's timeouts to what is left of the deadline."""
        left = self.deadline - (0 if cleanup else self.reserve) - time.monotonic()
        if left < 1:
            raise RemoteError("connection", "the per-host deadline was reached")
        read = int(left)
        if receive:
            # The server holds a Receive open for OperationTimeout: it must end before the read.
            op = min(self.operation_timeout, read - 1)
            if op < 1:
                raise RemoteError("connection", "the per-host deadline was reached while "
                                                "waiting for the script's output")
            self.proto.operation_timeout_sec = op
            read = op + min(10, max(1, read - op))
        self.proto.transport.read_timeout_sec = read


def run_command(host: WinRMHost, command: str, env: dict[str, str], deadline: float,
                operation_timeout: int = 20) -> CommandResult:
    """Run `command` in a fresh shell (code page 65001) and return its output before `deadline`.

    `deadline` is a time.monotonic() value. Raises RemoteError on any failure.
    """
    started = time.monotonic()
    total = deadline - started
    read0 = max(2, int(min(total, operation_timeout + 10)))
    try:
        proto = _protocol(host, read0, min(operation_timeout, read0 - 1))
    except (WinRMError, ValueError) as exc:
        raise RemoteError("connection", f"cannot set up the WinRM client: {exc}") from None
    try:
        attach_session(proto.transport)  # never reads os.environ: no lock between workers
    except Exception as exc:
        raise RemoteError("connection", f"cannot set up the WinRM client: {_describe(exc)}") \
            from None
    budget = _Budget(deadline, proto, operation_timeout)
    shell_id = command_id = None
    out: list[bytes] = []
    err: list[bytes] = []
    size = 0
    try:
        budget.arm()
        shell_id = proto.open_shell(codepage=65001, noprofile=True, env_vars=env)
        budget.arm()
        command_id = proto.run_command(shell_id, command)
        while True:
            budget.arm(receive=True)
            try:
                o, e, code, done = proto.get_command_output_raw(shell_id, command_id)
            except WinRMOperationTimeoutError:
                continue  # no output yet; the loop re-checks the deadline
            out.append(o)
            err.append(e)
            size += len(o) + len(e)
            if size > MAX_OUTPUT:
                raise RemoteError("script", f"the script wrote more than {MAX_OUTPUT} bytes")
            if done:
                return CommandResult(b"".join(out), b"".join(err), code,
                                     time.monotonic() - started)
    except RemoteError:
        raise
    except Exception as exc:  # requests, pywinrm and XML errors alike: record, never crash
        raise RemoteError("connection", _describe(exc)) from None
    finally:
        _cleanup(proto, budget, shell_id, command_id)


def _cleanup(proto: Protocol, budget: _Budget, shell_id: str | None,
             command_id: str | None) -> None:
    """Terminate the command and delete the shell, but never past the deadline."""
    if shell_id is None:
        return
    steps = []
    if command_id is not None:
        steps.append(lambda: proto.cleanup_command(shell_id, command_id))
    steps.append(lambda: proto.close_shell(shell_id, close_session=True))
    for step in steps:
        try:
            budget.arm(cleanup=True)
        except RemoteError:
            break
        with contextlib.suppress(Exception):
            step()
    with contextlib.suppress(Exception):
        proto.transport.close_session()
