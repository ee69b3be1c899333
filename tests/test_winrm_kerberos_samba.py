"""Kerberos to a WinRM host with tickets from the Samba lab's KDC, through unmodified pywinrm.

The lab DC plays the domain: a service account carries the SPN ``HTTP/localhost`` and its keys
are exported to a keytab, which the test server's pyspnego/GSSAPI acceptor uses, as a Windows
host uses its machine account's keys. The client gets a TGT with kinit and pywinrm
(pykerberos) asks the KDC for the service ticket itself. Over HTTP every message is sealed
with the Kerberos session key.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitc_agent.collectors.windows.hosts import collect_fleet
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.settings.config import load_config
from tests.lab.samba_lab import SambaLab
from tests.wsman.server import WSManServer
from tests.wsman.windows_profiles import PATCHED, profile

pytestmark = pytest.mark.samba

SPN = "HTTP/localhost"  # the test server answers on localhost: the SPN pywinrm asks for


@dataclass
class Realm:
    lab: SambaLab
    keytab: Path
    principal: str  # the client with a TGT in the ticket cache
    ccache: Path


@pytest.fixture
def realm(samba: SambaLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Realm]:
    samba.create_user("winrm-svc")
    samba.samba_tool("spn", "add", SPN, "winrm-svc")
    # AES keys, as for any current Windows account (without the attribute Samba exports RC4)
    samba.ldb("ldbmodify", stdin=(
        f"dn: CN=winrm-svc,CN=Users,{samba.base_dn}\nchangetype: modify\n"
        "replace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n-\n"))
    keytab = samba.export_keytab(tmp_path / "http.keytab", SPN)
    password = samba.create_user("winrm-reader")
    # The lab's krb5.conf, and the name used as is: no DNS canonicalisation of "localhost"
    conf = tmp_path / "krb5.conf"
    conf.write_text(samba.krb5_conf.read_text().replace(
        "\trdns = false\n", "\trdns = false\n\tdns_canonicalize_hostname = false\n")
        + f"\tlocalhost = {samba.realm}\n")
    ccache = tmp_path / "krb5cc"
    monkeypatch.setenv("KRB5_CONFIG", str(conf))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{ccache}")
    principal = f"winrm-reader@{samba.realm}"
    kinit = subprocess.run(["kinit", principal], input=password + "\n", capture_output=True,
                           text=True, check=False)
    assert kinit.returncode == 0, kinit.stderr
    yield Realm(samba, keytab, principal, ccache)


def kerberos_server(realm: Realm, scheme: str, users: list[str] | None = None) -> WSManServer:
    return WSManServer(profile(PATCHED), scheme=scheme,  # type: ignore[arg-type]
                       users=dict.fromkeys(users or [realm.principal], ""),
                       auth=("negotiate",), keytab=realm.keytab, server_name="localhost",
                       record_wire=True)


def collect(tmp_path: Path, srv: WSManServer) -> EvidenceDoc:
    """One host through the config's winrm section: kerberos, no password (the ticket cache)."""
    ca = f"  ca_file: {srv.ca_file}\n" if srv.scheme == "https" else "  allow_http: true\n"
    config = tmp_path / "gitc-agent.yaml"
    config.write_text(
        f"winrm:\n  transport: kerberos\n  scheme: {srv.scheme}\n{ca}"
        "  deadline_seconds: 15\n  operation_timeout_seconds: 2\n"
        f"  hosts:\n    - {{name: localhost, port: {srv.port}}}\n")
    settings = load_config(config).winrm
    assert settings is not None
    assert settings.targets[0].password is None
    (doc,) = collect_fleet(settings, lambda _m: None)
    return doc


def service_tickets() -> str:
    return subprocess.run(["klist", "-e"], capture_output=True, text=True, check=True).stdout


def test_kerberos_over_http_seals_every_message(realm: Realm, tmp_path: Path) -> None:
    with kerberos_server(realm, "http") as srv:
        doc = collect(tmp_path, srv)
        log = srv.auth_log
        payload = srv.shells[0].environment["GITC_PS"] if srv.shells else ""
    assert doc.status == "ok", (doc.errors, srv.auth_errors)
    assert doc.data["transport"] == "kerberos" and doc.data["os"]["build"] == 20348
    # preemptive Kerberos (no anonymous 401), the context set-up POST, then sealed messages
    assert srv.auth_failures == []
    assert [(r.mechanism, r.principal, r.encrypted) for r in log] == \
        [("kerberos", realm.principal, False)] + [("kerberos", realm.principal, True)] * 5
    for record in log[1:]:
        assert b"application/HTTP-SPNEGO-session-encrypted" in record.body
        assert b"Envelope" not in record.body and payload[:40].encode() not in record.body
    # the KDC issued the service ticket pywinrm presented (AES, from the exported keys)
    tickets = service_tickets()
    assert f"{SPN}@{realm.lab.realm}" in tickets and "aes256-cts" in tickets


def test_kerberos_over_https(realm: Realm, tmp_path: Path) -> None:
    with kerberos_server(realm, "https") as srv:
        doc = collect(tmp_path, srv)
        log = srv.auth_log
    assert doc.status == "ok", (doc.errors, srv.auth_errors)
    assert [(r.mechanism, r.encrypted) for r in log] == [("kerberos", False)] * 5
    assert all(r.body.startswith(b"<?xml") for r in log)


def test_a_principal_the_host_does_not_know_is_refused(realm: Realm, tmp_path: Path) -> None:
    with kerberos_server(realm, "http", users=[f"someone-else@{realm.lab.realm}"]) as srv:
        doc = collect(tmp_path, srv)
        assert srv.auth_log == [] and realm.principal in srv.auth_failures
    assert doc.status == "error" and doc.data == {}
    assert "HTTP 401" in doc.errors[0]["message"]


def test_without_a_ticket_the_host_is_an_error(realm: Realm, tmp_path: Path) -> None:
    subprocess.run(["kdestroy"], check=True, capture_output=True)
    with kerberos_server(realm, "http") as srv:
        doc = collect(tmp_path, srv)
        assert srv.auth_log == [] and srv.commands == []
    assert doc.status == "error" and doc.data == {}
    assert doc.errors[0]["part"] == "connection"
