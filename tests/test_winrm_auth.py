"""NTLM and NTLM message encryption on the wire: the collector's config, unmodified pywinrm and a
real pyspnego acceptor in the test server (the Kerberos twin is in test_winrm_kerberos_samba.py).

What is checked is what crossed the wire: the mechanism the server's acceptor negotiated, the
raw request bodies (sealed over HTTP: no SOAP, no script in them), and that the server proved
the password: a wrong one is a 401 and an error document, never evidence.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from winrm.exceptions import WinRMTransportError
from winrm.protocol import Protocol

from gitc_agent.collectors.windows.hosts import collect_fleet
from gitc_agent.collectors.windows.winrm_session import attach_session
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.settings.config import load_config
from tests.wsman.server import WSManServer
from tests.wsman.windows_profiles import PATCHED, profile

PASSWORD = "Ntlm-Passw0rd!"


def collect(tmp_path: Path, srv: WSManServer, user: str = "CORP\\svc-gitc",
            password: str = PASSWORD, monkeypatch: pytest.MonkeyPatch | None = None,
            ) -> EvidenceDoc:
    """One host through the config file's winrm section, as a user would set it up."""
    assert monkeypatch is not None
    monkeypatch.setenv("GITC_WINRM_PW", password)
    ca = f"  ca_file: {srv.ca_file}\n" if srv.scheme == "https" else "  allow_http: true\n"
    config = tmp_path / "gitc-agent.yaml"
    config.write_text(
        "winrm:\n  transport: ntlm\n"
        f"  scheme: {srv.scheme}\n  user: '{user}'\n  password: {{env: GITC_WINRM_PW}}\n{ca}"
        "  deadline_seconds: 15\n  operation_timeout_seconds: 2\n"
        f"  hosts:\n    - {{name: win-ntlm, address: {srv.host}, port: {srv.port}}}\n")
    settings = load_config(config).winrm
    assert settings is not None
    (host,) = settings.targets
    assert host.transport == "ntlm"
    assert host.message_encryption == ("always" if srv.scheme == "http" else "auto")
    (doc,) = collect_fleet(settings, lambda _m: None)
    return doc


def ntlm_server(scheme: str, **kwargs: object) -> WSManServer:
    return WSManServer(profile(PATCHED), scheme=scheme,  # type: ignore[arg-type]
                       users={"CORP\\svc-gitc": PASSWORD}, auth=("negotiate",),
                       record_wire=True, **kwargs)  # type: ignore[arg-type]


def test_ntlm_over_https_authenticates_the_connection_without_sealing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ntlm_server("https") as srv:
        doc = collect(tmp_path, srv, monkeypatch=monkeypatch)
        log = srv.auth_log
    assert doc.status == "ok", doc.errors
    assert doc.data["os"]["build"] == 20348 and doc.data["transport"] == "ntlm"
    # one NTLM handshake (the anonymous first request is how HTTP negotiation starts), then
    # every WS-Management message on that connection as CORP\svc-gitc, TLS-protected only
    assert srv.auth_failures == [None]
    assert [(r.mechanism, r.principal, r.encrypted) for r in log] == \
        [("ntlm", "CORP\\svc-gitc", False)] * 5
    assert all(r.body.startswith(b"<?xml") for r in log)
    assert srv.actions == ["401", "Create", "Command", "Receive", "Signal", "Delete"]


def test_ntlm_over_http_seals_every_message(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with ntlm_server("http") as srv:
        doc = collect(tmp_path, srv, monkeypatch=monkeypatch)
        log = srv.auth_log
        script = srv.scripts[0]
        payload = srv.shells[0].environment["GITC_PS"]  # the script, sent in the shell's env
    assert doc.status == "ok", doc.errors
    assert doc.data["missing_updates"] == {"status": "ok", "updates": []}
    # the empty POST that sets up the context, then five sealed messages the server unsealed
    assert [(r.mechanism, r.encrypted) for r in log] == [("ntlm", False)] + [("ntlm", True)] * 5
    assert log[0].body == b""
    assert script is not None and "ProgressPreference" in script and len(payload) > 1000
    for record in log[1:]:
        assert record.body.startswith(b"--Encrypted Boundary\r\n")
        assert b"application/HTTP-SPNEGO-session-encrypted" in record.body
        assert b"Envelope" not in record.body and b"soap-envelope" not in record.body
        assert b"ProgressPreference" not in record.body
        assert base64.b64encode(script.encode("utf-16-le"))[:40] not in record.body
        assert payload[:40].encode() not in record.body
    assert srv.cleaned_up


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_a_wrong_ntlm_password_is_a_401_and_an_error(tmp_path: Path, scheme: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with ntlm_server(scheme) as srv:
        doc = collect(tmp_path, srv, password="not-the-password", monkeypatch=monkeypatch)
        assert srv.auth_log == [] and srv.commands == []
        assert any("Invalid NTLM response" in e for e in srv.auth_errors), srv.auth_errors
    assert doc.status == "error" and doc.data == {}
    assert "refused the credentials (HTTP 401)" in doc.errors[0]["message"]


def test_an_unknown_ntlm_user_is_refused(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with ntlm_server("https") as srv:
        doc = collect(tmp_path, srv, user="CORP\\someone-else", monkeypatch=monkeypatch)
        assert srv.auth_log == []
    assert doc.status == "error"
    assert "HTTP 401" in doc.errors[0]["message"]


def test_the_server_demands_sealing_over_http() -> None:
    """AllowUnencrypted=false, as on Windows: an NTLM session that does not seal is refused, so
    the sealed runs above cannot pass by the server tolerating plain text."""
    with ntlm_server("http") as srv:
        proto = Protocol(endpoint=srv.endpoint, transport="ntlm", username="CORP\\svc-gitc",
                         password=PASSWORD, message_encryption="never", proxy=None)
        attach_session(proto.transport)
        with pytest.raises(WinRMTransportError) as raised:
            proto.open_shell()
        assert raised.value.code == 400
        assert "unencrypted" in srv.actions and srv.shells_opened == 0
        assert [r.encrypted for r in srv.auth_log] == [False]  # authenticated, then refused
