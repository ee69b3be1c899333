"""Windows targets from AD without a DC: config rules, merging, and a failed AD read."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitc_agent.collectors.windows import targets as windows_targets
from gitc_agent.collectors.windows.targets import Computer, ldap_filter, merge
from gitc_agent.core.check_api import EvidenceSet
from gitc_agent.core.registry import discover
from gitc_agent.errors import InputError
from gitc_agent.settings.config import (
    ADSettings,
    BindSettings,
    WinRMFromAD,
    WinRMSettings,
    load_config,
)
from gitc_agent.settings.credentials import Secret
from tests.winrm_helpers import host_for
from tests.wsman.server import WSManServer
from tests.wsman.windows_profiles import PATCHED, profile

BASE = "OU=Servers,DC=corp,DC=example"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "gitc-agent.yaml"
    path.write_text(body)
    return path


AD_SECTION = """
ad:
  servers: [ldaps://dc01.corp.example]
  bind: {user: svc@corp.example, password: {env: AD_PW}}
"""


def test_from_ad_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AD_PW", "ad-pw-1")
    monkeypatch.setenv("WINRM_PW", "winrm-pw-1")
    cfg = load_config(write(tmp_path, AD_SECTION + f"""
winrm:
  user: svc-gitc
  password: {{env: WINRM_PW}}
  port: 15986
  from_ad: {{base: "{BASE}", os_filter: "Windows Server*"}}
"""))
    assert cfg.winrm is not None and cfg.winrm.targets == ()
    assert cfg.winrm.from_ad == WinRMFromAD(base=BASE, os_filter="Windows Server*",
                                            include_disabled=False)
    host = cfg.winrm.host("srv01.corp.example")
    assert host.endpoint == "https://srv01.corp.example:15986/wsman"
    assert host.password is not None and host.password.reveal() == "winrm-pw-1"


@pytest.mark.parametrize(("body", "needle"), [
    (f"winrm: {{user: u, password: {{env: WINRM_PW}}, from_ad: {{base: '{BASE}'}}}}\n",
     "add an 'ad' section"),
    ("winrm: {user: u, password: {env: WINRM_PW}}\n", "from_ad"),
    (AD_SECTION + f"winrm: {{transport: basic, user: u, password: {{env: WINRM_PW}}, "
                  f"from_ad: {{base: '{BASE}'}}}}\n", "allow_basic"),
])
def test_from_ad_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str,
                               needle: str) -> None:
    monkeypatch.setenv("AD_PW", "ad-pw-1")
    monkeypatch.setenv("WINRM_PW", "winrm-pw-1")
    with pytest.raises(InputError, match=needle):
        load_config(write(tmp_path, body))


def test_filter_escapes_everything_but_the_wildcard() -> None:
    assert ldap_filter("Windows Server (2022)*") == \
        r"(&(objectCategory=computer)(operatingSystem=Windows Server \282022\29*))"
    assert ldap_filter(None) == "(&(objectCategory=computer))"


def _defaults() -> WinRMSettings:
    """The section's own settings, for hosts read from AD."""
    return WinRMSettings(transport="ntlm", scheme="https", port=5986, user="u",
                         secret=Secret("pw", "t"), validate_certificate=True, ca_file=None,
                         from_ad=WinRMFromAD(base=BASE))


def test_merge_config_first_then_ad_with_overrides_and_disabled_skipped() -> None:
    d = _defaults()
    configured = [d.host("extra.corp.example"), d.host("SRV02", "10.0.0.2")]
    computers = [
        Computer("CN=SRV01,OU=S", "SRV01", "srv01.corp.example", "Windows Server 2022", False),
        Computer("CN=SRV02,OU=S", "SRV02", "srv02.corp.example", "Windows Server 2019", False),
        Computer("CN=SRV03,OU=S", "SRV03", "srv03.corp.example", "Windows Server 2022", True),
        Computer("CN=SRV04,OU=S", "SRV04", None, "Windows Server 2016", False),
    ]
    hosts, records = merge(configured, computers, d, include_disabled=False)
    assert [h.name for h in hosts] == ["extra.corp.example", "SRV02", "srv01.corp.example",
                                       "SRV04"]
    assert hosts[1].endpoint == "https://10.0.0.2:5986/wsman"  # the override wins
    by_dn = {r["dn"]: r for r in records}
    assert by_dn["CN=SRV02,OU=S"]["overridden_by_config"] is True
    assert by_dn["CN=SRV03,OU=S"]["target"] is None and "disabled" in by_dn["CN=SRV03,OU=S"][
        "skipped"]
    hosts, _ = merge(configured, computers, d, include_disabled=True)
    assert "srv03.corp.example" in [h.name for h in hosts]


def test_failed_ad_read_is_an_error_not_an_empty_fleet() -> None:
    """The DC refuses the connection: configured hosts are still read, and the checks say the AD
    hosts were not checked instead of passing on an empty list."""
    ad = ADSettings(servers=["ldaps://127.0.0.1:1"], base_dn=None,
                    bind=BindSettings(method="simple", user="svc", secret=Secret("x", "t")),
                    starttls=False, ca_file=None, validate_certificate=True, timeout_seconds=3,
                    page_size=500)
    with WSManServer(profile(PATCHED)) as srv:
        s = _defaults().model_copy(update={"targets": (host_for(srv, "configured01"),),
                                           "workers": 8, "deadline_seconds": 10,
                                           "operation_timeout_seconds": 2})
        messages: list[str] = []
        docs = windows_targets.collect(s, ad, messages.append)
    by = {(d.kind, d.target): d for d in docs}
    targets = by[("windows.targets", f"ad:{BASE}")]
    assert targets.status == "error" and "127.0.0.1:1" in targets.errors[0]["message"]
    failed = by[("windows.host_state", f"ad:{BASE}")]
    assert failed.status == "error" and "could not be listed from AD" in failed.errors[0][
        "message"]
    ok = by[("windows.host_state", "configured01")]
    assert ok.status == "ok" and ok.data["source"] == "config"

    for doc in docs:
        doc.collected_at = "2026-11-16T08:00:00+00:00"
    spec = discover(use_entry_points=False).get("windows.patch.update_age")
    assert spec is not None
    results = {o.subject: o.status.value for o in spec.func(EvidenceSet(docs), spec.params())}
    assert results[f"host:ad:{BASE}"] == "error"
    assert results["host:configured01"] == "pass"
