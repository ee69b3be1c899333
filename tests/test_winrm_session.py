"""WinRM sessions are built without touching os.environ, so workers need no shared lock."""

from __future__ import annotations

import pytest
import requests.utils
from winrm.exceptions import WinRMError
from winrm.protocol import Protocol

from gitc_agent.collectors.windows.hosts import collect_fleet
from gitc_agent.collectors.windows.winrm_session import attach_session
from tests.winrm_helpers import host_for, settings
from tests.wsman.server import WSManServer
from tests.wsman.windows_profiles import PATCHED, profile


def test_fleet_never_rewrites_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("requests rewrote os.environ (proxy lookup)")

    monkeypatch.setattr(requests.utils, "set_environ", forbidden)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # would fail if it were used
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")  # the config's CA wins
    servers = [WSManServer(profile(PATCHED)).start() for _ in range(12)]
    try:
        docs = collect_fleet(settings([host_for(s, f"h{i}") for i, s in enumerate(servers)],
                                      workers=12), lambda _m: None)
    finally:
        for s in servers:
            s.stop()
    assert [d.status for d in docs] == ["ok"] * 12, [d.errors for d in docs]


def _transport(endpoint: str, auth: str, encryption: str):
    return Protocol(endpoint=endpoint, transport=auth, username="u", password="p",
                    message_encryption=encryption, proxy=None).transport


def test_ntlm_over_http_sets_up_encryption_per_session(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = _transport("http://ws01:5985/wsman", "ntlm", "always")
    calls = []
    monkeypatch.setattr(type(transport), "setup_encryption", lambda self, s: calls.append(s))
    session = attach_session(transport)
    assert session.trust_env is False and type(session.auth).__name__ == "HttpNtlmAuth"
    assert calls == [session] and attach_session(transport) is session
    assert session.headers["Content-Type"].startswith("application/soap+xml")


def test_basic_cannot_encrypt_and_https_validates_by_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(WinRMError, match="encryption"):
        attach_session(_transport("http://ws01:5985/wsman", "basic", "always"))
    assert attach_session(_transport("https://ws01:5986/wsman", "basic", "auto")).verify is True
