"""Windows targets read from a real Samba AD DC, pointed at WS-Management test servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from gitc_agent.collectors.run import collect_all
from gitc_agent.settings.config import load_config
from tests.lab.samba_lab import SambaLab
from tests.lab_config import password_file, write_config
from tests.wsman.server import WSManServer
from tests.wsman.windows_profiles import PATCHED, behind, profile

pytestmark = pytest.mark.samba


def _computer(lab: SambaLab, name: str, os_name: str, ou: str | None, dns: str | None = None,
              disabled: bool = False) -> str:
    options = [f"--computerou={ou}"] if ou else []
    lab.samba_tool("computer", "create", name, "--description=gitc test server", *options)
    dn = f"CN={name},{ou or 'CN=Computers'},{lab.base_dn}"
    change = [f"dn: {dn}", "changetype: modify", "replace: operatingSystem",
              f"operatingSystem: {os_name}", "-", "replace: dNSHostName",
              f"dNSHostName: {dns or f'{name.lower()}.{lab.dns_domain}'}", "-"]
    # samba-tool creates computer accounts disabled (as if not joined yet); joined ones are not.
    uac = 4096 | (2 if disabled else 0)  # WORKSTATION_TRUST_ACCOUNT | ACCOUNTDISABLE
    change += ["replace: userAccountControl", f"userAccountControl: {uac}", "-"]
    lab.ldb("ldbmodify", stdin="\n".join(change) + "\n")
    return dn


@pytest.fixture
def servers_ou(samba: SambaLab) -> Iterator[SambaLab]:
    """OU=Servers with four computers, plus one outside it; removed again afterwards."""
    samba.samba_tool("ou", "create", f"OU=Servers,{samba.base_dn}")
    try:
        _computer(samba, "SRV01", "Windows Server 2022 Datacenter", "OU=Servers")
        _computer(samba, "SRV02", "Windows Server 2019 Standard", "OU=Servers")
        _computer(samba, "SRV03", "Windows Server 2022 Standard", "OU=Servers", disabled=True)
        _computer(samba, "SRV04", "Windows Server 2016 Standard", "OU=Servers",
                  dns="srv04.gitc-lab.invalid")
        _computer(samba, "WS01", "Windows 10 Enterprise", "OU=Servers")
        _computer(samba, "SRV09", "Windows Server 2022 Standard", None)
        yield samba
    finally:
        samba.ldb("ldbdel", "--recursive", f"OU=Servers,{samba.base_dn}")
        samba.ldb("ldbdel", f"CN=SRV09,CN=Computers,{samba.base_dn}")


def _config(tmp_path: Path, lab: SambaLab, hosts: list, ad_password: str | None = None) -> Path:
    path = write_config(tmp_path, lab, password=ad_password)
    config = yaml.safe_load(path.read_text())
    srv = hosts[0][1] if hosts else WSManServer()
    user, password = srv.auth
    config["winrm"] = {
        "transport": "basic", "allow_basic": True, "user": user,
        "password": {"file": str(password_file(tmp_path, password, "winrm.secret"))},
        "ca_file": srv.ca_file, "deadline_seconds": 8, "operation_timeout_seconds": 2,
        "from_ad": {"base": f"OU=Servers,{lab.base_dn}", "os_filter": "Windows Server*"},
        "hosts": [{"name": name, "address": "127.0.0.1", "port": s.port} for name, s in hosts],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_hosts_from_an_ou_filtered_by_os_with_overrides(servers_ou: SambaLab,
                                                        tmp_path: Path) -> None:
    lab = servers_ou
    srv01_fqdn = f"srv01.{lab.dns_domain}"
    with WSManServer(profile(PATCHED)) as srv01, WSManServer(profile(behind)) as srv02, \
            WSManServer(profile(PATCHED)) as extra:
        hosts = [(srv01_fqdn, srv01), ("SRV02", srv02), ("extra.corp.example", extra)]
        config = load_config(_config(tmp_path, lab, hosts))
        docs = collect_all(config, lambda _m: None)
        assert srv01.shells_opened == 1 and srv02.shells_opened == 1 and extra.shells_opened == 1

    [targets] = [d for d in docs if d.kind == "windows.targets"]
    assert targets.status == "ok", targets.errors
    records = {r["name"]: r for r in targets.data["computers"]}
    assert set(records) == {"SRV01", "SRV02", "SRV03", "SRV04"}  # not WS01, not SRV09
    assert records["SRV01"]["overridden_by_config"] and records["SRV02"]["target"] == "SRV02"
    assert records["SRV03"]["disabled"] and records["SRV03"]["target"] is None
    assert records["SRV01"]["operating_system"] == "Windows Server 2022 Datacenter"
    assert sorted(targets.data["hosts_from_ad"]) == sorted([srv01_fqdn, "SRV02",
                                                            "srv04.gitc-lab.invalid"])

    hosts_state = {d.target: d for d in docs if d.kind == "windows.host_state"}
    assert list(hosts_state) == [srv01_fqdn, "SRV02", "extra.corp.example",
                                 "srv04.gitc-lab.invalid"]
    assert hosts_state[srv01_fqdn].data["source"] == "ad, overridden by config"
    assert hosts_state["extra.corp.example"].data["source"] == "config"
    assert hosts_state["SRV02"].status == "ok"
    # Found in AD but not reachable: an error for that host, never left out.
    srv04 = hosts_state["srv04.gitc-lab.invalid"]
    assert srv04.status == "error" and srv04.errors[0]["part"] == "connection"
    assert "srv04.gitc-lab.invalid:5986" in srv04.errors[0]["message"]


def test_refused_ad_bind_is_an_error_document(servers_ou: SambaLab, tmp_path: Path) -> None:
    with WSManServer(profile(PATCHED)) as extra:
        config = load_config(_config(tmp_path, servers_ou, [("extra.corp.example", extra)],
                                     ad_password="not-the-password"))
        docs = collect_all(config, lambda _m: None)
    [targets] = [d for d in docs if d.kind == "windows.targets"]
    assert targets.status == "error" and "refused" in targets.errors[0]["message"]
    state = {d.target: d for d in docs if d.kind == "windows.host_state"}
    assert state[f"ad:OU=Servers,{servers_ou.base_dn}"].status == "error"
    assert state["extra.corp.example"].status == "ok"


def test_an_os_filter_that_matches_nothing_is_an_error(samba: SambaLab, tmp_path: Path) -> None:
    with WSManServer(profile(PATCHED)) as extra:
        path = _config(tmp_path, samba, [("extra.corp.example", extra)])
        config = yaml.safe_load(path.read_text())
        config["winrm"]["from_ad"] = {"base": samba.base_dn, "os_filter": "Windows Server 1999*"}
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        docs = collect_all(load_config(path), lambda _m: None)
    state = {d.target: d for d in docs if d.kind == "windows.host_state"}
    failed = state[f"ad:{samba.base_dn}"]
    assert failed.status == "error" and "no enabled computer object" in failed.errors[0]["message"]
