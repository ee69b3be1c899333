"""Partitioned parallel reads of users and computers: the partitions cover every object exactly
once, the union equals a single-connection read on a real Samba DC, a failing or crashing
partition is an error (never a shorter list), and the password never reaches a worker's command
line or environment."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from gitc_agent.collectors.ad import accounts as ad_accounts
from gitc_agent.collectors.ad import workers as ad_workers
from gitc_agent.collectors.ad.lean import parse_entry
from gitc_agent.collectors.ad.parallel import (
    ParallelReader,
    Partition,
    merge_accounts,
    usn_partitions,
)
from gitc_agent.collectors.ad.session import LdapReadError, connect
from gitc_agent.settings.config import ADSettings, BindSettings
from gitc_agent.settings.credentials import Secret
from tests.lab.samba_lab import SambaLab

_TERM = re.compile(r"\((!?)\(?uSNCreated(<=|>=|=)(\*|\d+)\)?\)")


def _matches(ldap_filter: str, usn: int | None) -> bool:
    """Evaluate the uSNCreated terms of a partition filter (None: attribute not visible)."""
    results = []
    for negate, op, value in _TERM.findall(ldap_filter):
        if op == "=":  # presence
            ok = usn is not None
        elif usn is None:
            ok = False  # a comparison with an absent attribute is never true
        else:
            ok = usn <= int(value) if op == "<=" else usn >= int(value)
        results.append(not ok if negate else ok)
    return any(results) if "(|(uSNCreated" in ldap_filter else all(results)


@pytest.mark.parametrize(("highest", "count"), [(0, 4), (1, 4), (7, 3), (1000, 8), (123457, 9)])
def test_usn_partitions_cover_every_object_exactly_once(highest: int, count: int) -> None:
    parts = usn_partitions(ad_accounts.ACCOUNT_FILTER, highest, count)
    assert all(p.ldap_filter.startswith("(&" + ad_accounts.ACCOUNT_FILTER) for p in parts)
    for usn in [None, -1, 0, 1, 2, highest - 1, highest, highest + 1, highest * 5 + 3,
                *range(0, highest + 2, max(1, highest // 97))]:
        hits = [p.label for p in parts if _matches(p.ldap_filter, usn)]
        assert len(hits) == 1, (usn, hits)


def _row(dn: str) -> list:
    return [dn, *([None] * 17)]


def test_merge_refuses_a_partial_list_and_names_the_failed_partition() -> None:
    parts = [Partition("usn<10", "(a)"), Partition("usn>=10", "(b)")]
    ok = {"rows": [_row("CN=a")], "unreadable": {"sn": 1}}
    with pytest.raises(LdapReadError, match=r"usn>=10: boom"):
        merge_accounts(parts, [ok, {"error": "boom"}])
    with pytest.raises(LdapReadError, match="two partitions"):
        merge_accounts(parts, [ok, {"rows": [_row("cn=A")], "unreadable": {}}])
    rows, unreadable = merge_accounts(parts, [ok, {"rows": [_row("CN=b")], "unreadable": {"sn": 2}}])
    assert [r[0] for r in rows] == ["CN=a", "CN=b"] and unreadable == {"sn": 3}


def test_lean_parser_reads_long_form_lengths() -> None:
    value = b"x" * 300

    def tlv(tag: int, body: bytes) -> bytes:
        n = len(body)
        head = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
        return bytes([tag]) + head + body

    attr = tlv(0x30, tlv(0x04, b"Description") + tlv(0x31, tlv(0x04, value) + tlv(0x04, b"y")))
    entry = tlv(0x64, tlv(0x04, b"CN=x,DC=t") + tlv(0x30, attr))
    message = tlv(0x30, tlv(0x02, b"\x07") + entry)
    assert parse_entry(message) == (7, "CN=x,DC=t", {"description": [value, b"y"]})


# --- against the Samba lab -----------------------------------------------------------------------


def _settings(lab: SambaLab, parallel: int) -> ADSettings:
    bind = BindSettings(method="simple", user=lab.admin_user,
                        secret=Secret(lab.admin_password, "test"))
    return ADSettings(servers=[lab.ldaps_url], base_dn=lab.base_dn, bind=bind, starttls=False,
                      ca_file=lab.ca_file, validate_certificate=True, timeout_seconds=30,
                      page_size=50, parallel_reads=parallel)


def _collect(lab: SambaLab, parallel: int) -> tuple[dict, list[dict]]:
    settings = _settings(lab, parallel)
    conn, url = connect(settings)
    try:
        return ad_accounts.collect(conn, lab.base_dn, settings.page_size, settings, url)
    finally:
        conn.unbind()


@pytest.fixture
def populated(samba: SambaLab) -> Iterator[SambaLab]:
    """Users, computers and groups added in several batches, so their USNs interleave."""
    ou = f"OU=Par,{samba.base_dn}"
    samba.ldb("ldbadd", stdin=f"dn: {ou}\nobjectClass: organizationalUnit\n")
    for batch in range(4):
        users = [f"dn: CN=par{batch}-{i},{ou}\nobjectClass: user\nsAMAccountName: par{batch}-{i}\n"
                 f"userAccountControl: 512\ndescription: batch {batch}\n" for i in range(60)]
        hosts = [f"dn: CN=PC{batch}-{i},{ou}\nobjectClass: computer\nsAMAccountName: PC{batch}-{i}$\n"
                 f"userAccountControl: 4096\n" for i in range(5)]
        members = "".join(f"member: CN=par{batch}-{i},{ou}\n" for i in range(0, 60, 7))
        group = f"dn: CN=pargrp{batch},{ou}\nobjectClass: group\n{members}"
        samba.ldb("ldbadd", stdin="\n".join([*users, *hosts, group]))
    yield samba
    samba.ldb("ldbdel", "--recursive", ou)  # the lab's restore leaves OUs behind


@pytest.mark.samba
def test_partitioned_read_equals_single_connection_read(populated: SambaLab) -> None:
    single, single_errors = _collect(populated, 1)
    parallel, parallel_errors = _collect(populated, 2)
    assert single_errors == [] and parallel_errors == []
    assert len(single["accounts"]) > 260
    assert len(parallel["accounts"]) == len(single["accounts"])
    assert sorted(r[0] for r in parallel["accounts"]) == sorted(r[0] for r in single["accounts"])
    assert sorted(parallel["accounts"]) == sorted(single["accounts"])
    assert parallel["counts"] == single["counts"]
    by_dn = {g["dn"]: g for g in single["groups"]}
    assert {g["dn"]: g for g in parallel["groups"]} == by_dn
    assert parallel["privileged"] == single["privileged"]


def failing_part(base_dn: str, ldap_filter: str, page_size: int) -> dict:
    """A worker task whose open-ended partition fails; the others read for real."""
    if "(!(" in ldap_filter:  # the last partition
        return {"error": "simulated failure of one partition"}
    return ad_accounts.read_accounts_part(base_dn, ldap_filter, page_size)


def crashing_part(base_dn: str, ldap_filter: str, page_size: int) -> dict:
    if "(!(" in ldap_filter:  # the last partition
        os._exit(3)  # a reader process that dies
    return ad_accounts.read_accounts_part(base_dn, ldap_filter, page_size)


@pytest.mark.samba
@pytest.mark.parametrize("task", [failing_part, crashing_part])
def test_a_failed_partition_is_an_error_never_a_shorter_list(
        populated: SambaLab, monkeypatch: pytest.MonkeyPatch, task) -> None:
    monkeypatch.setattr(ad_accounts, "read_accounts_part", task)
    data, errors = _collect(populated, 2)
    assert "accounts" not in data
    assert any(e["part"] == "accounts" for e in errors), errors
    message = next(e["message"] for e in errors if e["part"] == "accounts")
    assert "partition" in message or "reader process" in message
    assert data["counts"]["users"] == 0 and "privileged" not in data


def probe(base_dn: str, ldap_filter: str, page_size: int) -> dict:
    """Worker task: what a process listing, the environment and a log line would show."""
    with open("/proc/self/cmdline", "rb") as handle:
        cmdline = handle.read().decode(errors="replace")
    return {"rows": [], "unreadable": {}, "cmdline": cmdline, "environ": repr(dict(os.environ)),
            "settings": repr(ad_workers._worker["settings"]),
            "formatted": f"{ad_workers._worker['settings'].bind.secret}"}


def test_the_password_reaches_workers_only_through_the_pipe() -> None:
    password = "Par-Secret-Passw0rd-XYZ"
    settings = ADSettings(servers=["ldaps://127.0.0.1:1"], base_dn="DC=x",
                          bind=BindSettings(method="simple", user="u@X",
                                            secret=Secret(password, "test")),
                          starttls=False, ca_file=None, validate_certificate=True,
                          timeout_seconds=5, page_size=10, parallel_reads=2)
    with ParallelReader(settings, settings.servers[0]) as reader:
        future = reader.submit(probe, "DC=x", "(x)", 10)
        seen = future.result(timeout=60)
    assert "multiprocessing" in seen["cmdline"]
    for key in ("cmdline", "environ", "settings", "formatted"):
        assert password not in seen[key], key
