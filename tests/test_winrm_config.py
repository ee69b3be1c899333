"""The winrm/local_host/feeds config sections: secure defaults, overrides, explicit opt-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitc_agent.errors import InputError
from gitc_agent.settings.config import load_config


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "gitc-agent.yaml"
    path.write_text(body)
    return path


def test_https_default_overrides_and_secret_from_env(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WINRM_PW", "hunter2-winrm")
    (tmp_path / "ca.pem").write_text("x")
    cfg = load_config(write(tmp_path, """
winrm:
  user: CORP\\\\svc-gitc
  password: {env: WINRM_PW}
  ca_file: ca.pem
  hosts:
    - ws01.corp.example
    - {name: dc01.corp.example, transport: kerberos, port: 15986}
local_host: {}
feeds: {kev_catalog: feeds/kev.json}
"""))
    assert cfg.winrm is not None
    ws, dc = cfg.winrm.targets
    assert ws.endpoint == "https://ws01.corp.example:5986/wsman"
    assert ws.transport == "ntlm" and ws.validate_certificate and ws.ca_file == tmp_path / "ca.pem"
    assert ws.password is not None and ws.password.reveal() == "hunter2-winrm"
    assert "hunter2" not in repr(ws)
    assert dc.endpoint == "https://dc01.corp.example:15986/wsman" and dc.password is None
    assert cfg.local_host is not None
    assert cfg.feeds is not None and cfg.feeds.kev_catalog == tmp_path / "feeds/kev.json"


@pytest.mark.parametrize(("section", "needle"), [
    ("scheme: http\n  transport: ntlm", "allow_http"),
    ("scheme: http\n  allow_http: true\n  allow_basic: true\n  transport: basic", "readably"),
    ("transport: basic", "allow_basic"),
])
def test_insecure_transport_needs_opt_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         section: str, needle: str) -> None:
    monkeypatch.setenv("WINRM_PW", "pw-123")
    path = write(tmp_path, f"""
winrm:
  {section}
  user: u
  password: {{env: WINRM_PW}}
  hosts: [ws01]
""")
    with pytest.raises(InputError, match=needle):
        load_config(path)


def test_http_with_ntlm_uses_message_encryption(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WINRM_PW", "pw-123")
    cfg = load_config(write(tmp_path, """
winrm: {scheme: http, allow_http: true, user: u, password: {env: WINRM_PW}, hosts: [ws01]}
"""))
    assert cfg.winrm is not None
    [host] = cfg.winrm.targets
    assert host.endpoint == "http://ws01:5985/wsman" and host.message_encryption == "always"


def test_the_password_itself_is_not_accepted_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_config(write(tmp_path, "winrm: {user: u, password: plain, hosts: [ws01]}\n"))
