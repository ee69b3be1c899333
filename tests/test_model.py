"""The shared model: one reading of evidence times, SIDs and group keys, for collectors and checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gitc_agent.collectors import feeds, local_host
from gitc_agent.collectors.ad import accounts as ad_accounts
from gitc_agent.collectors.ad import password_policy
from gitc_agent.collectors.datafix import files as datafix_files
from gitc_agent.collectors.windows import hosts as windows_hosts
from gitc_agent.collectors.windows import targets as windows_targets
from gitc_agent.core.registry import discover
from gitc_agent.model import kinds, sid, subjects
from gitc_agent.model.directory import ACCOUNT_COLUMNS, Directory
from gitc_agent.model.timeutil import parse_time


def test_parse_time_reads_what_collectors_write_and_returns_none_otherwise() -> None:
    assert parse_time("2026-06-30T08:00:00Z") == datetime(2026, 6, 30, 8, tzinfo=UTC)
    assert parse_time("2026-06-30T10:00:00+02:00") == datetime(2026, 6, 30, 8, tzinfo=UTC)
    assert parse_time("2026-06-30T08:00:00") == datetime(2026, 6, 30, 8, tzinfo=UTC)
    for unreadable in ("", "30-06-2026", "yesterday", None, 20260630):
        assert parse_time(unreadable) is None


@pytest.mark.parametrize("key", ["S-1-5-32-544", "s-1-5-21-1-2-3-512", " RID:512 ",
                                 "CN=GG-Beheer,OU=Groepen,DC=corp,DC=example"])
def test_group_key_accepts_sid_rid_and_dn(key: str) -> None:
    assert sid.group_key(key) == key.strip()


@pytest.mark.parametrize("key", ["Domain Admins", "Administrateurs", "RID:abc", "S-1-five"])
def test_group_key_refuses_names_and_malformed_keys(key: str) -> None:
    with pytest.raises(ValueError, match="not by name"):
        sid.group_key(key)


def test_one_sid_decoder_that_refuses_a_truncated_value() -> None:
    raw = bytes([1, 2, 0, 0, 0, 0, 0, 5]) + (32).to_bytes(4, "little") + (544).to_bytes(4, "little")
    assert ad_accounts.sid_to_str is sid.sid_to_str
    assert sid.sid_to_str(raw) == "S-1-5-32-544"
    with pytest.raises(ValueError):
        sid.sid_to_str(raw[:-2])


def test_every_kind_is_named_once_written_by_a_collector_and_read_by_checks() -> None:
    named = {k: v for k, v in vars(kinds).items() if k.isupper() and isinstance(v, str)}
    assert len(set(named.values())) == len(named)
    written = {ad_accounts.KIND, password_policy.KIND, windows_hosts.KIND, windows_targets.KIND,
               local_host.KIND, feeds.KEV_KIND, feeds.FIX_MAP_KIND, datafix_files.REGISTER,
               datafix_files.DB_ROLES, datafix_files.AUDIT_LOG}
    from gitc_agent.collectors.events import collect as events_collect
    written |= {events_collect.KIND}
    from gitc_agent.collectors.db import collect as db_collect
    written |= {db_collect.KIND}
    from gitc_agent.collectors import controls_log
    written |= {controls_log.KIND}
    from gitc_agent.collectors import group_reviews
    written |= {group_reviews.KIND}
    from gitc_agent.collectors.hr import collect as hr_collect
    written |= {hr_collect.PERSONS, hr_collect.REQUESTS}
    from gitc_agent.collectors.vuln import csaf_source, exports
    written |= {csaf_source.KIND, exports.INVENTORY, exports.TICKETS}
    assert written == set(named.values())
    read = {k for spec in discover(use_entry_points=False).sorted()
            for k in (*spec.evidence, *spec.optional_evidence)}
    assert read <= written


def test_unreadable_account_expiry_is_unknown_not_unexpired() -> None:
    def account(expires: str | None) -> list:
        row = {"dn": "CN=a,DC=x", "sam": "a", "type": "user", "uac": 512, "spn": 0,
               "expires": expires}
        return [row.get(c) for c in ACCOUNT_COLUMNS]

    when = datetime(2026, 6, 30, tzinfo=UTC)
    directory = Directory.from_data({"accounts": [account(None)], "groups": []})
    assert directory.account("a").expired_at(when) is False
    directory = Directory.from_data({"accounts": [account("2026-01-01T00:00:00Z")], "groups": []})
    assert directory.account("a").expired_at(when) is True
    directory = Directory.from_data({"accounts": [account("never-ish")], "groups": []})
    assert directory.account("a").expired_at(when) is None


def test_subjects_are_spelled_one_way() -> None:
    assert subjects.membership("S-1-5-32-544", "jdoe") == "group:S-1-5-32-544/account:jdoe"
    assert subjects.aspect(subjects.domain("DC=x"), "history") == "domain:DC=x#history"
    assert subjects.session("CORP\\dba", "", "2026-06-01") == "session:CORP\\dba/-/2026-06-01"
