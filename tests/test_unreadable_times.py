"""An evidence time that cannot be read is never a pass: each check that measures time says it
could not look (`error`), or counts the item against the norm, but never in its favour."""

from __future__ import annotations

from typing import Any

from gitc_agent.core.check_api import Outcome, Status
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.registry import discover
from tests.test_ad_accounts_unit import BASE, acct, evidence
from tests.test_host_local import admin

REGISTRY = discover(use_entry_points=False)


def run(check_id: str, ev: EvidenceSet, **params: Any) -> dict[str, Outcome]:
    spec = REGISTRY.get(check_id)
    assert spec is not None
    return {o.subject: o for o in spec.func(ev, spec.params.model_validate(params))}


def test_dormant_with_an_unreadable_last_logon_or_expiry_is_not_assessed() -> None:
    ev = evidence([acct("garbled", 1300, last_logon="last tuesday"),
                   acct("expiry", 1301, expires="2026-13-45")])
    out = run("ad.accounts.dormant", ev)
    assert out["account:garbled"].status is Status.ERROR
    assert "last tuesday" in out["account:garbled"].message
    assert out["account:expiry"].status is Status.ERROR
    assert "accountExpires" in out["account:expiry"].message
    assert "1 of 2 enabled account(s)" in out[f"domain:{BASE}"].message  # only Administrator


def test_directory_with_an_unreadable_collection_time_is_not_assessed() -> None:
    ev = evidence([acct("jdoe", 1302)])
    next(iter(ev)).collected_at = "sometime"
    out = run("ad.accounts.dormant", ev)
    assert [o.status for o in out.values()] == [Status.ERROR]
    assert "unreadable collection time" in out[f"domain:{BASE}"].message


def test_package_lists_with_an_unreadable_refresh_time_do_not_pass() -> None:
    clean = {"packages": [], "lists_updated_at": "not a time"}
    [outcome] = run("host.patch.pending_updates", EvidenceSet([admin(updates_apt=clean)])).values()
    assert outcome.status is Status.ERROR and "'not a time'" in outcome.message


def test_datafix_ticket_with_an_unreadable_time_is_a_rejected_row() -> None:
    ticket = {"ticket": "DF-1", "row": 3, "line": 4, "requester": "a", "executor": "b",
              "reviewer": "c", "approvers": [{"name": "d", "at": "gisteren"}],
              "execution_start": "2026-05-01T10:00:00+00:00", "reviewed_at": None}
    register = EvidenceDoc(kind="datafix.register", target="x", collector="t",
                           data={"counts": {"read": 1, "used": 1, "rejected": 0},
                                 "source": {"file": "/exports/register.csv"},
                                 "tickets": [ticket], "rejected": []},
                           collected_at="2026-06-01T00:00:00+00:00")
    out = run("datafix.ticket.review", EvidenceSet([register]))
    assert "ticket:DF-1" not in out
    row = out["row:register.csv:3"]
    assert row.status is Status.ERROR and "'gisteren'" in row.message
