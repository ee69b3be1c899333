"""The privileged cross-check from the `memberOf` the bulk reads gather (collectors/ad/memberof.py),
and the fast paths of the account reader (lean parser keys, GeneralizedTime) against the slow ones.

A fake connection answers by filter, so that it shows which searches the cross-check makes: one
search for the objects no bulk read covers when the index is complete, one per group when not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gitc_agent.collectors.ad import accounts
from gitc_agent.collectors.ad.lean import LowerKeyed, parse_entry
from gitc_agent.collectors.ad.memberof import MemberOfIndex, read_residual, residual_filter
from gitc_agent.model.directory import ACCOUNT_COLUMNS

BASE = "DC=ex,DC=test"
DSID = "S-1-5-21-1-2-3"
DA = f"CN=Domain Admins,CN=Users,{BASE}"
ADMINS = f"CN=Administrators,CN=Builtin,{BASE}"


def user_dn(name: str) -> str:
    return f"CN={name},CN=Users,{BASE}"


class FakeConnection:
    """Answers paged searches from `by_filter` (filter -> entries) and range reads from `ranged`."""

    def __init__(self, by_filter: dict[str, list[tuple[str, dict[str, list[bytes]]]]] | None = None,
                 ranged: dict[str, list[bytes]] | None = None, fail: str | None = None) -> None:
        self.by_filter = by_filter or {}
        self.ranged = ranged or {}
        self.fail = fail
        self.filters: list[str] = []
        self.response: list[dict[str, Any]] = []
        self.result: dict[str, Any] = {}

    def search(self, base: str, ldap_filter: str, search_scope: Any = None,
               attributes: Any = None, paged_size: int | None = None,
               paged_cookie: bytes | None = None) -> bool:
        self.filters.append(ldap_filter)
        if self.fail is not None and self.fail in ldap_filter:
            self.response, self.result = [], {"result": 50, "description": "insufficientAccessRights"}
            return False
        if paged_size is None:  # a range read of one object
            values = self.ranged.get(base, [])
            self.response = [{"type": "searchResEntry", "dn": base,
                              "raw_attributes": {"memberOf;range=2-*": values}}]
        else:
            self.response = [{"type": "searchResEntry", "dn": dn, "raw_attributes": raw}
                             for dn, raw in self.by_filter.get(ldap_filter, [])]
        self.result = {"result": 0, "controls": {}}
        return True


def test_index_collects_every_spelling_of_memberof() -> None:
    index = MemberOfIndex()
    index.add("CN=a", LowerKeyed(memberof=[DA.encode(), ADMINS.encode()]))
    index.add("CN=b", {"memberOf": [DA.upper().encode()]})  # ldap3's own path keeps the case
    index.add("CN=c", {"sAMAccountName": [b"c"]})  # in no group
    assert index.named == {DA.lower(): ["CN=a", "CN=b"], ADMINS.lower(): ["CN=a"]}
    assert index.complete and index.answer() is index.named


def test_ranged_memberof_is_read_to_the_end_or_makes_the_index_incomplete() -> None:
    first = [f"CN=g{i},{BASE}".encode() for i in range(2)]
    index = MemberOfIndex()
    index.add("CN=many", {"memberOf;range=0-1": first})
    index.finish(FakeConnection(ranged={"CN=many": [DA.encode()]}))  # type: ignore[arg-type]
    assert index.complete and index.named[DA.lower()] == ["CN=many"]
    assert index.named[f"cn=g0,{BASE}".lower()] == ["CN=many"]

    broken = MemberOfIndex()
    broken.add("CN=many", {"memberOf;range=0-1": first})
    broken.finish(FakeConnection(fail="objectClass"))  # type: ignore[arg-type]
    assert not broken.complete and broken.answer() is None


def test_a_missing_reader_answer_makes_the_merged_index_incomplete() -> None:
    index = MemberOfIndex()
    index.merge({DA.lower(): ["CN=a"]})
    index.merge({DA.lower(): ["CN=b"]})
    assert index.named == {DA.lower(): ["CN=a", "CN=b"]} and index.complete
    index.merge(None)  # e.g. an answer without the index
    assert not index.complete


def test_residual_filter_excludes_the_bulk_reads_first_and_escapes_dns() -> None:
    odd = f"CN=Admins (old)*,{BASE}"
    text = residual_filter([accounts.ACCOUNT_FILTER, accounts.GROUP_FILTER], [DA, odd])
    assert text.startswith(f"(&(!{accounts.ACCOUNT_FILTER})(!{accounts.GROUP_FILTER})(|")
    assert f"(memberOf={DA})" in text
    assert "(memberOf=CN=Admins \\28old\\29\\2a,DC=ex,DC=test)" in text


def test_residual_object_that_names_no_group_by_text_means_ask_per_group() -> None:
    flt = residual_filter(["(a=1)"], [DA])
    contact = ("CN=contact", {"memberOf": [DA.encode()]})
    assert read_residual(FakeConnection({flt: [contact]}), BASE, 100, ["(a=1)"],  # type: ignore[arg-type]
                         [DA]) == {DA.lower(): ["CN=contact"]}
    other = ("CN=odd", {"memberOf": [b"CN=Domain  Admins,CN=Users,DC=ex,DC=test"]})
    assert read_residual(FakeConnection({flt: [other]}), BASE, 100, ["(a=1)"],  # type: ignore[arg-type]
                         [DA]) is None


# --- the cross-check itself ----------------------------------------------------------------------

def _data(da_members: list[str]) -> dict[str, Any]:
    def row(name: str, rid: int) -> list[Any]:
        values = {"dn": user_dn(name), "sam": name, "sid": f"{DSID}-{rid}", "type": "user",
                  "uac": 512, "primary_group_id": 513}
        return [values.get(c) for c in ACCOUNT_COLUMNS]

    return {"base_dn": BASE, "domain_sid": DSID, "account_columns": list(ACCOUNT_COLUMNS),
            "accounts": [row("Administrator", 500), row("hidden", 1200)],
            "groups": [{"dn": DA, "name": "Domain Admins", "sid": f"{DSID}-512",
                        "members": da_members},
                       {"dn": ADMINS, "name": "Administrators", "sid": "S-1-5-32-544",
                        "members": [DA]}]}


def _index(*pairs: tuple[str, str]) -> MemberOfIndex:
    index = MemberOfIndex()
    for member, group in pairs:
        index.add(member, LowerKeyed(memberof=[group.encode()]))
    return index


def test_hidden_member_found_with_one_search_for_the_rest() -> None:
    data = _data([])  # member unreadable: Domain Admins looks empty
    index = _index((user_dn("hidden"), DA), (DA, ADMINS))
    conn = FakeConnection()
    errors: list[dict[str, str]] = []
    accounts.cross_check_privileged(conn, BASE, 100, data, errors, index)  # type: ignore[arg-type]
    assert len(conn.filters) == 1 and conn.filters[0].startswith("(&(!")
    assert [e["part"] for e in errors] == [f"group:{DA}"]
    assert "1 more object(s)" in errors[0]["message"] and user_dn("hidden") in errors[0]["message"]
    assert data["groups"][0]["members_incomplete"] is True
    assert "members_incomplete" not in data["groups"][1]


def test_member_found_only_outside_the_bulk_reads_counts_too() -> None:
    data = _data([user_dn("Administrator")])
    index = _index((user_dn("Administrator"), DA), (DA, ADMINS))
    rest = residual_filter([accounts.ACCOUNT_FILTER, accounts.GROUP_FILTER], [ADMINS, DA])
    contact = f"CN=ext,CN=ForeignSecurityPrincipals,{BASE}"
    conn = FakeConnection({rest: [(contact, {"memberOf": [DA.encode()]})]})
    errors: list[dict[str, str]] = []
    accounts.cross_check_privileged(conn, BASE, 100, data, errors, index)  # type: ignore[arg-type]
    assert [e["part"] for e in errors] == [f"group:{DA}"] and contact in errors[0]["message"]


def test_complete_lists_give_no_errors() -> None:
    data = _data([user_dn("Administrator")])
    index = _index((user_dn("Administrator"), DA), (DA, ADMINS))
    errors: list[dict[str, str]] = []
    accounts.cross_check_privileged(FakeConnection(), BASE, 100, data, errors,  # type: ignore[arg-type]
                                    index)
    assert errors == [] and not any("members_incomplete" in g for g in data["groups"])


@pytest.mark.parametrize("index", [None, "incomplete"])
def test_without_a_complete_index_each_group_is_searched(index: str | None) -> None:
    data = _data([])
    by_group = {f"(memberOf={DA})": [(user_dn("hidden"), {})]}
    conn = FakeConnection(by_group)
    member_of = None
    if index == "incomplete":
        member_of = _index((user_dn("hidden"), DA))
        member_of.merge(None)
    errors: list[dict[str, str]] = []
    accounts.cross_check_privileged(conn, BASE, 100, data, errors, member_of)  # type: ignore[arg-type]
    assert sorted(conn.filters) == sorted([f"(memberOf={DA})", f"(memberOf={ADMINS})"])
    assert [e["part"] for e in errors] == [f"group:{DA}"]


def test_a_failed_search_for_the_rest_is_an_error_for_every_group() -> None:
    data = _data([user_dn("Administrator")])
    errors: list[dict[str, str]] = []
    accounts.cross_check_privileged(FakeConnection(fail="(&(!"), BASE, 100, data,  # type: ignore[arg-type]
                                    errors, _index((user_dn("Administrator"), DA)))
    assert sorted(e["part"] for e in errors) == sorted([f"group:{DA}", f"group:{ADMINS}"])
    assert all("could not be cross-checked" in e["message"] for e in errors)


# --- fast paths equal the slow ones --------------------------------------------------------------

def test_lean_entries_are_marked_lower_keyed_and_rows_match_mixed_case_entries() -> None:
    def tlv(tag: int, body: bytes) -> bytes:
        n = len(body)
        return bytes([tag]) + (bytes([n]) if n < 0x80 else b"\x82" + n.to_bytes(2, "big")) + body

    attrs = b"".join(tlv(0x30, tlv(0x04, name) + tlv(0x31, tlv(0x04, value)))
                     for name, value in ((b"sAMAccountName", b"jdoe"), (b"userAccountControl", b"512"),
                                         (b"whenCreated", b"20240229235959.0Z"),
                                         (b"memberOf", DA.encode())))
    message = tlv(0x30, tlv(0x02, b"\x01") + tlv(0x64, tlv(0x04, b"CN=jdoe") + tlv(0x30, attrs)))
    parsed = parse_entry(message)
    assert parsed is not None and isinstance(parsed[2], LowerKeyed)
    mixed = {"sAMAccountName": [b"jdoe"], "userAccountControl": [b"512"],
             "whenCreated": [b"20240229235959.0Z"], "memberOf": [DA.encode()]}
    lean_unreadable: dict[str, int] = {}
    mixed_unreadable: dict[str, int] = {}
    lean_row = accounts.account_row("CN=jdoe", parsed[2], lean_unreadable)
    assert lean_row == accounts.account_row("CN=jdoe", mixed, mixed_unreadable)
    assert lean_unreadable == mixed_unreadable == {"objectSid": 1, "primaryGroupID": 1}
    assert lean_row[ACCOUNT_COLUMNS.index("created")] == "2024-02-29T23:59:59Z"


@pytest.mark.parametrize("value", [b"20241201101010.0Z", b"19991231000000Z", "20240229235959.0Z",
                                   b"20241131101010.0Z", b"20241301000000.0Z", b"20240101000060.0Z",
                                   b"2024120110101", b"abcdefghijklmn", "２０２４１２０１１０１０１０"])
def test_generalized_time_equals_strptime(value: bytes | str) -> None:
    text = value.decode() if isinstance(value, bytes) else value
    try:
        when = datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        with pytest.raises(ValueError):
            accounts.generalized_time(value)
    else:
        expected = when.isoformat(timespec="seconds").replace("+00:00", "Z")
        assert accounts.generalized_time(value) == expected
