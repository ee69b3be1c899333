"""The WinRM collector against the WS-Management test server, through unmodified pywinrm."""

from __future__ import annotations

import json
import time
from pathlib import Path

from gitc_agent.collectors.windows.hosts import collect_fleet, collect_host
from gitc_agent.run.redact import MASK
from tests.winrm_helpers import host_for, settings
from tests.wsman.server import LoopbackPKI, Reply, StaticBehaviour, WSManServer, clixml_stderr
from tests.wsman.windows_profiles import PATCHED, profile


def test_https_with_ca_validation_reads_the_host_and_cleans_up() -> None:
    with WSManServer(profile(PATCHED), scheme="https", max_operation_timeout=2) as srv:
        doc = collect_host(host_for(srv, "win-patched"), [], 10, 2)
        assert doc.status == "ok", doc.errors
        assert doc.data["os"]["build"] == 20348
        assert doc.data["missing_updates"] == {"status": "ok", "updates": []}
        assert srv.shells[0].codepage == 65001
        assert len(srv.commands[0].command) + sum(map(len, srv.commands[0].args)) < 8191
        assert srv.commands[0].rejected is None
        assert srv.cleaned_up  # Signal terminate + Delete shell
        assert srv.actions == ["Create", "Command", "Receive", "Signal", "Delete"]


def test_plain_http_wire_protocol() -> None:
    # Basic over HTTP only where the host allows unencrypted traffic (Windows' default refuses)
    with WSManServer(profile(PATCHED), scheme="http", allow_unencrypted=True) as srv:
        doc = collect_host(host_for(srv, "win-http"), [], 10, 2)
        assert doc.status == "ok", doc.errors
        assert doc.data["endpoint"].startswith("http://")


def test_a_certificate_from_another_ca_is_refused(tmp_path: Path) -> None:
    other = LoopbackPKI.create(tmp_path / "other-ca")
    with WSManServer(profile(PATCHED), scheme="https") as srv:
        doc = collect_host(host_for(srv, "win-mitm", ca_file=str(other.ca_file)), [], 10, 2)
        assert doc.status == "error"
        assert "certificate" in doc.errors[0]["message"]
        assert "Create" not in srv.actions  # nothing was sent over the unverified channel


def test_services_named_by_config_and_policy_are_passed_to_the_host() -> None:
    with WSManServer(profile(PATCHED), scheme="https") as srv:
        docs = collect_fleet(settings([host_for(srv, "win-svc")], services=("Sense",)),
                             lambda _m: None, services=["cyserver"])
        assert docs[0].data["services"]["queried"] == ["Sense", "cyserver"]
        assert [s["name"] for s in docs[0].data["services"]["found"]] == ["Sense"]


def test_clixml_on_stderr_is_cleaned() -> None:
    noisy = profile(PATCHED, stderr=clixml_stderr("WARNING: slow disk"))
    failing = StaticBehaviour(Reply(stderr=clixml_stderr("Get-CimInstance : Access denied"),
                                    exit_code=1))
    with WSManServer(noisy) as ok_srv, WSManServer(failing) as bad_srv:
        ok = collect_host(host_for(ok_srv, "noisy"), [], 10, 2)
        bad = collect_host(host_for(bad_srv, "failing"), [], 10, 2)
    assert ok.status == "ok"
    assert ok.data["stderr"] == "WARNING: slow disk"
    assert bad.status == "error"
    message = bad.errors[0]["message"]
    assert "Access denied" in message and "CLIXML" not in message and "exit code 1" in message


def test_hung_receive_is_cut_off_by_the_deadline() -> None:
    with WSManServer(StaticBehaviour(Reply(hang=True, silent=True))) as srv:
        started = time.monotonic()
        doc = collect_host(host_for(srv, "win-hung"), [], 6, 20)
        elapsed = time.monotonic() - started
        assert doc.status == "error"
        assert "deadline" in doc.errors[0]["message"] or "in time" in doc.errors[0]["message"]
        assert elapsed < 6.5
        assert srv.commands[0].receives >= 1


def test_password_never_reaches_evidence() -> None:
    password = "S3cret-Winrm-Pw!"
    leaky = StaticBehaviour(Reply(stdout=f"oops {password} was here", exit_code=1))
    with WSManServer(leaky, users={"Administrator": password}) as leak, \
            WSManServer(profile(PATCHED)) as good, \
            WSManServer(profile(PATCHED), users={"Administrator": "other"}) as refused:
        hosts = [host_for(leak, "leak"), host_for(good, "good", password=password),
                 host_for(refused, "refused", password=password)]
        hosts[1] = host_for(good, "good")
        docs = collect_fleet(settings(hosts), lambda _m: None)
    text = json.dumps([d.to_dict() for d in docs])
    assert password not in text
    assert MASK in text  # the echoed password was masked, not dropped silently
    assert docs[2].status == "error" and "401" in docs[2].errors[0]["message"]
