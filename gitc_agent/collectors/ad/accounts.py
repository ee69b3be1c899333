"""Collect users, computers and groups for the user-management checks (evidence `ad.accounts`).

Why this shape: the checks resolve nested membership client-side, so the evidence holds every
group's direct `member` list (read completely with range retrieval) next to compact account rows
(a column list plus one list per account, not one dictionary each), which keeps memory and file
size bounded on directories of 50,000 accounts. Pages are streamed; only needed attributes are
requested. What cannot be read goes into `errors` (whole parts) or `unreadable` (how many
accounts lacked an attribute every account has), never an empty list that looks like "none".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ldap3 import Connection
from ldap3.utils.conv import escape_filter_chars

from gitc_agent.collectors.ad import hygiene, memberof, workers
from gitc_agent.collectors.ad.lean import LowerKeyed
from gitc_agent.collectors.ad.memberof import MemberOfIndex
from gitc_agent.collectors.ad.parallel import (
    CHUNKS_PER_WORKER,
    ParallelReader,
    highest_usn,
    merge_accounts,
    result_of,
    usn_partitions,
)
from gitc_agent.collectors.ad.session import (
    LdapReadError,
    paged_search,
    ranged_key,
    read_entry,
    read_ranged,
)
from gitc_agent.model import kinds
from gitc_agent.model.directory import (
    ACCOUNT_COLUMNS,
    Directory,
    privileged_groups,
    privileged_summary,
)
from gitc_agent.model.hygiene import HYGIENE_COLUMNS
from gitc_agent.model.sid import sid_to_str

if TYPE_CHECKING:  # reader processes import this module: no pydantic config models there
    from gitc_agent.settings.config import ADSettings

KIND = kinds.AD_ACCOUNTS
ACCOUNT_FILTER = "(|(sAMAccountType=805306368)(sAMAccountType=805306369))"  # users, computers
GROUP_FILTER = "(objectClass=group)"
ACCOUNT_ATTRS = [
    "sAMAccountName", "userPrincipalName", "objectSid", "userAccountControl", "pwdLastSet",
    "lastLogonTimestamp", "accountExpires", "whenCreated", "employeeID", "givenName", "sn",
    "mail", "servicePrincipalName", "adminCount", "primaryGroupID", "description",
    *hygiene.ACCOUNT_ATTRS,  # the hygiene checks' attributes ride along (collectors/ad/hygiene.py)
    memberof.ATTRIBUTE,  # for the privileged cross-check only, never kept (collectors/ad/memberof.py)
]
#: The account rows: the directory model's columns, then the hygiene checks' (model/hygiene.py).
ROW_COLUMNS = (*ACCOUNT_COLUMNS, *HYGIENE_COLUMNS)
GROUP_ATTRS = ["objectSid", "sAMAccountName", "name", "member", memberof.ATTRIBUTE]
#: Every user and computer has these; when one is missing the bound account could not read it.
ALWAYS_PRESENT = ("sAMAccountName", "objectSid", "userAccountControl", "whenCreated",
                  "primaryGroupID")
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_NEVER = (0, 0x7FFFFFFFFFFFFFFF)
_MAX_DESCRIPTION = 200


def filetime(value: bytes | str | None) -> str | None:
    """AD 100-ns FILETIME to ISO time; 0 and the maximum mean 'never' (None)."""
    if value is None:
        return None
    ticks = int(value)
    if ticks in _NEVER or ticks < 0:
        return None
    try:
        when = _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def generalized_time(value: bytes | str | None) -> str | None:
    """GeneralizedTime (`YYYYmmddHHMMSS.0Z`) to ISO time.

    Fourteen digits that make a valid date are read by slicing (strptime is a tenth of the cost
    of a whole account row); anything else goes through strptime, which also gives its error."""
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    digits = text[:14]
    if len(digits) == 14 and digits.isdigit() and digits.isascii():
        try:
            when = datetime(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]),
                            int(digits[8:10]), int(digits[10:12]), int(digits[12:14]), tzinfo=UTC)
        except ValueError:
            pass
        else:
            return when.isoformat(timespec="seconds").replace("+00:00", "Z")
    when = datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _first(raw: dict[str, list[bytes]], lowered: dict[str, str], name: str) -> bytes | None:
    key = lowered.get(name.lower())
    values = raw.get(key) if key else None
    return values[0] if values else None


def _lower_keyed(raw: dict[str, list[bytes]]) -> dict[str, list[bytes]]:
    """The entry under lower-cased attribute names (the lean parser's entries already are)."""
    return raw if isinstance(raw, LowerKeyed) else {k.lower(): v for k, v in raw.items()}


_ALWAYS_PRESENT_LOWER = tuple((name, name.lower()) for name in ALWAYS_PRESENT)


def _text(value: bytes | None) -> str | None:
    return value.decode("utf-8", "replace") if value is not None else None


def account_row(dn: str, raw: dict[str, list[bytes]], unreadable: dict[str, int],
                patterns: hygiene.Patterns | None = None) -> list[Any]:
    """One compact row in ROW_COLUMNS order; counts attributes that should be there but are not.

    A description that matches a secret pattern is withheld (only the pattern id is kept)."""
    low = _lower_keyed(raw)
    for name, lower in _ALWAYS_PRESENT_LOWER:
        if lower not in low:
            unreadable[name] = unreadable.get(name, 0) + 1

    def first(name: str) -> bytes | None:  # `name` in lower case
        values = low.get(name)
        return values[0] if values else None

    sid = first("objectsid")
    uac = first("useraccountcontrol")
    admin_count = first("admincount")
    primary = first("primarygroupid")
    spns = low.get("serviceprincipalname")
    description = _text(first("description"))
    extra, secret = hygiene.account_cells(
        lambda name: first(name.lower()), lambda name: low.get(name.lower(), []),
        hygiene.has_any(low), description,
        hygiene.compile_patterns(None) if patterns is None else patterns, filetime, _text)
    if secret:
        description = "[withheld: it matches a secret pattern]"
    row = {
        "dn": dn,
        "sam": _text(first("samaccountname")),
        "upn": _text(first("userprincipalname")),
        "sid": sid_to_str(sid) if sid else None,
        "type": "computer" if uac and int(uac) & 0x3000 else "user",
        "uac": int(uac) if uac else None,
        "pwd_last_set": filetime(first("pwdlastset")),
        "last_logon": filetime(first("lastlogontimestamp")),
        "expires": filetime(first("accountexpires")),
        "created": generalized_time(first("whencreated")),
        "employee_id": _text(first("employeeid")),
        "given_name": _text(first("givenname")),
        "sn": _text(first("sn")),
        "mail": _text(first("mail")),
        "spn": len(spns) if spns is not None else 0,
        "admin_count": int(admin_count) if admin_count else None,
        "primary_group_id": int(primary) if primary else None,
        "description": description[:_MAX_DESCRIPTION] if description else None,
    }
    return [row[c] for c in ACCOUNT_COLUMNS] + extra


def _domain_sid(conn: Connection, base_dn: str) -> str:
    _, raw = read_entry(conn, base_dn, ["objectSid"])
    values = raw.get("objectSid") or next((v for k, v in raw.items() if k.lower() == "objectsid"), [])
    if not values:
        raise LdapReadError(f"the objectSid of {base_dn} is not readable")
    return sid_to_str(values[0])


#: Columns whose values often repeat (bulk-created accounts, common names, descriptions): one
#: string object per distinct value keeps 50,000 rows compact.
_SHARED = tuple(ACCOUNT_COLUMNS.index(c) for c in (
    "created", "pwd_last_set", "last_logon", "expires", "given_name", "sn", "description"))


def read_accounts(conn: Connection, base_dn: str, page_size: int, unreadable: dict[str, int],
                  ldap_filter: str = ACCOUNT_FILTER,
                  secret_patterns: dict[str, str] | None = None,
                  member_of: MemberOfIndex | None = None) -> list[list[Any]]:
    seen: dict[str, str] = {}
    rows = []
    patterns = hygiene.compile_patterns(secret_patterns)
    for dn, raw in paged_search(conn, base_dn, ldap_filter, ACCOUNT_ATTRS, page_size):
        row = account_row(dn, raw, unreadable, patterns)
        for i in _SHARED:
            if row[i] is not None:
                row[i] = seen.setdefault(row[i], row[i])
        rows.append(row)
        if member_of is not None:
            member_of.add(row[0], raw)
    if member_of is not None:
        member_of.finish(conn)
    return rows


def share_member_strings(data: dict[str, Any]) -> None:
    """Let `member` values point at the account's or group's own DN string (one object each)."""
    canon = {row[0]: row[0] for row in data.get("accounts", [])}
    canon.update((g["dn"], g["dn"]) for g in data.get("groups", []))
    for group in data.get("groups", []):
        group["members"] = [canon.get(m, m) for m in group["members"]]


def read_groups(conn: Connection, base_dn: str, page_size: int, errors: list[dict[str, str]],
                member_of: MemberOfIndex | None = None) -> list[dict[str, Any]]:
    """Every group with its complete direct `member` list (range retrieval after the paged read)."""
    groups: list[dict[str, Any]] = []
    partial: list[tuple[int, str, dict[str, list[bytes]]]] = []
    for dn, raw in paged_search(conn, base_dn, GROUP_FILTER, GROUP_ATTRS, page_size):
        lowered = {k.lower(): k for k in raw}
        sid = _first(raw, lowered, "objectSid")
        group: dict[str, Any] = {
            "dn": dn,
            "name": _text(_first(raw, lowered, "sAMAccountName") or _first(raw, lowered, "name"))
            or dn,
            "sid": sid_to_str(sid) if sid else None,
        }
        if ranged_key(raw, "member") is not None:
            partial.append((len(groups), dn, {k: v for k, v in raw.items()
                                              if k.lower().startswith("member")}))
            group["members"] = []
        else:
            group["members"] = [_text(v) for v in raw.get(lowered.get("member", ""), [])]
        groups.append(group)
        if member_of is not None:
            member_of.add(dn, raw)
    for index, dn, raw in partial:  # the paged search is finished: the connection is free
        try:
            groups[index]["members"] = read_ranged(conn, dn, "member", raw)
            groups[index]["range_retrieval"] = True
        except LdapReadError as exc:
            groups[index]["members_incomplete"] = True
            errors.append({"part": f"group:{dn}", "message": f"members could not be read "
                                                             f"completely: {exc}"})
    if member_of is not None:
        member_of.finish(conn)
    return groups


def cross_check_privileged(conn: Connection, base_dn: str, page_size: int, data: dict[str, Any],
                           errors: list[dict[str, str]],
                           member_of: MemberOfIndex | None = None) -> None:
    """Mark a privileged group incomplete when objects name it in `memberOf` that its `member`
    does not list.

    Why: a bound account denied reading `member` sees the group empty, which looks like "no
    members"; `memberOf` sits on the members under their own ACL, so it shows the gap. Who names
    a group comes from `member_of` (gathered by the bulk reads) plus one search for the objects
    they do not cover; without a complete index, one `(memberOf=...)` search per group."""
    by_dn = {g["dn"].lower(): g for g in data["groups"]}
    groups = [entry.group for entry in privileged_groups(Directory.from_data({**data, "accounts": []}))
              if entry.group is not None and not entry.group.incomplete]
    residual: dict[str, list[str]] | None = None
    failure: LdapReadError | None = None
    if member_of is not None and member_of.complete and groups:
        try:
            residual = memberof.read_residual(conn, base_dn, page_size,
                                              [ACCOUNT_FILTER, GROUP_FILTER], [g.dn for g in groups])
        except LdapReadError as exc:
            failure = exc
    for group in groups:
        listed = {m.lower() for m in group.members}
        try:
            if failure is not None:
                raise failure
            if residual is not None and member_of is not None:
                named = memberof.named_by(member_of, residual, group.dn)
            else:
                named = [dn for dn, _ in paged_search(
                    conn, base_dn, f"(memberOf={escape_filter_chars(group.dn)})", ["1.1"],
                    page_size)]
        except LdapReadError as exc:
            message = f"members could not be cross-checked against memberOf: {exc}"
        else:
            hidden = sorted((dn for dn in named if dn.lower() not in listed), key=str.lower)
            if not hidden:
                continue
            message = (f"members could not be read completely: member lists {len(listed)} "
                       f"value(s), but {len(hidden)} more object(s) name the group in memberOf "
                       f"(e.g. {hidden[0]}), so member was not readable for the bound account")
        by_dn[group.dn.lower()]["members_incomplete"] = True
        errors.append({"part": f"group:{group.dn}", "message": message})


def read_accounts_part(base_dn: str, ldap_filter: str, page_size: int) -> dict[str, Any]:
    """Reader-process task: compact rows of one partition, or the error that stopped it."""
    unreadable: dict[str, int] = {}
    member_of = MemberOfIndex()
    try:
        rows = read_accounts(workers.connection(), base_dn, page_size, unreadable, ldap_filter,
                             workers.secret_patterns(), member_of)
    except LdapReadError as exc:
        return {"error": str(exc)}
    return {"rows": rows, "unreadable": unreadable, "member_of": member_of.answer()}


def read_groups_part(base_dn: str, page_size: int) -> dict[str, Any]:
    """Reader-process task: every group with its complete member list (range retrieval too)."""
    errors: list[dict[str, str]] = []
    member_of = MemberOfIndex()
    try:
        groups = read_groups(workers.connection(), base_dn, page_size, errors, member_of)
    except LdapReadError as exc:
        return {"error": str(exc)}
    return {"groups": groups, "errors": errors, "member_of": member_of.answer()}


def collect(conn: Connection, base_dn: str, page_size: int, settings: ADSettings | None = None,
            url: str | None = None) -> tuple[dict[str, Any], list[dict]]:
    """Return (data, errors) for the evidence document.

    With `settings.parallel_reads` > 1 (and the `url` `conn` is bound to), users, computers and
    groups are read by reader processes over their own connections (see `parallel`).
    """
    data: dict[str, Any] = {"base_dn": base_dn, "account_columns": list(ROW_COLUMNS)}
    patterns = settings.hygiene.secret_patterns if settings is not None else None
    errors: list[dict[str, str]] = []
    parallel = settings is not None and url is not None and settings.parallel_reads > 1
    reader = ParallelReader(settings, url) if parallel else None  # workers start while we read
    member_of = MemberOfIndex()  # who names which group, from the bulk reads
    try:
        try:
            data["domain_sid"] = _domain_sid(conn, base_dn)
        except LdapReadError as exc:
            errors.append({"part": "domain", "message": f"the domain SID could not be read, so "
                                                        f"domain groups cannot be identified: {exc}"})

        def read_hygiene() -> None:  # while the reader processes read, where there are any
            data["hygiene"] = hygiene.collect(conn, base_dn, page_size, patterns,
                                              data.get("domain_sid"), errors)

        if reader is not None:
            _read_parallel(reader, conn, base_dn, page_size, data, errors, read_hygiene, patterns,
                           member_of)
        else:
            _read_serial(conn, base_dn, page_size, data, errors, patterns, member_of)
            read_hygiene()
        _combine(conn, base_dn, page_size, data, errors, member_of)  # while the readers exit
        if reader is not None:
            reader.close()
    except BaseException:  # interrupted (or a bug): the reads in flight are not waited for
        if reader is not None:
            reader.abandon()
        raise
    data["counts"] = {
        "users": sum(1 for r in data.get("accounts", []) if r[4] == "user"),
        "computers": sum(1 for r in data.get("accounts", []) if r[4] == "computer"),
        "groups": len(data.get("groups", [])),
    }
    return data, errors


def _combine(conn: Connection, base_dn: str, page_size: int, data: dict[str, Any],
             errors: list[dict[str, str]], member_of: MemberOfIndex) -> None:
    """What is derived from the reads: shared strings, readability, cross-check, summary."""
    share_member_strings(data)
    if "accounts" in data:
        data["hygiene"]["readable"] = hygiene.readability(
            data["hygiene"], data["accounts"], list(ROW_COLUMNS), data.get("domain_sid"))
    if "accounts" in data and "groups" in data:
        cross_check_privileged(conn, base_dn, page_size, data, errors, member_of)
        data["privileged"] = privileged_summary(Directory.from_data(data))


def _accounts_error(exc: Exception) -> dict[str, str]:
    return {"part": "accounts", "message": f"users and computers could not be read: {exc}"}


def _read_accounts_here(conn: Connection, base_dn: str, page_size: int, data: dict[str, Any],
                        errors: list[dict[str, str]], patterns: dict[str, str] | None = None,
                        member_of: MemberOfIndex | None = None) -> None:
    """Users and computers on this one connection."""
    unreadable: dict[str, int] = {}
    try:
        data["accounts"] = read_accounts(conn, base_dn, page_size, unreadable,
                                         secret_patterns=patterns, member_of=member_of)
        data["unreadable"] = unreadable
    except LdapReadError as exc:
        errors.append(_accounts_error(exc))


def _read_serial(conn: Connection, base_dn: str, page_size: int, data: dict[str, Any],
                 errors: list[dict[str, str]], patterns: dict[str, str] | None = None,
                 member_of: MemberOfIndex | None = None) -> None:
    _read_accounts_here(conn, base_dn, page_size, data, errors, patterns, member_of)
    try:
        data["groups"] = read_groups(conn, base_dn, page_size, errors, member_of)
    except LdapReadError as exc:
        errors.append({"part": "groups", "message": f"groups could not be read: {exc}"})


def _read_parallel(reader: ParallelReader, conn: Connection, base_dn: str, page_size: int,
                   data: dict[str, Any], errors: list[dict[str, str]],
                   meanwhile: Callable[[], None], patterns: dict[str, str] | None = None,
                   member_of: MemberOfIndex | None = None) -> None:
    """Groups in one worker, users and computers in uSNCreated partitions across all workers."""
    groups = reader.submit(read_groups_part, base_dn, page_size)
    try:
        highest = highest_usn(conn)
    except LdapReadError:  # not an AD-like directory: read on this connection
        highest = None
    if highest is None:
        meanwhile()
        _read_accounts_here(conn, base_dn, page_size, data, errors, patterns, member_of)
    else:
        parts = usn_partitions(ACCOUNT_FILTER, highest, reader.workers * CHUNKS_PER_WORKER)
        futures = [reader.submit(read_accounts_part, base_dn, p.ldap_filter, page_size)
                   for p in parts]
        meanwhile()  # the main connection is idle while the processes read
        answers = [result_of(f, "reading users and computers") for f in futures]
        try:
            data["accounts"], data["unreadable"] = merge_accounts(parts, answers)
        except LdapReadError as exc:
            errors.append(_accounts_error(exc))
        for answer in answers:
            if member_of is not None:
                member_of.merge(memberof.payload(answer))
            answer.clear()  # the rows live on in data["accounts"] only
    answer = result_of(groups, "reading groups")
    if "error" in answer:
        errors.append({"part": "groups", "message": f"groups could not be read: {answer['error']}"})
    else:
        data["groups"] = answer["groups"]
        errors.extend(answer["errors"])
        if member_of is not None:
            member_of.merge(memberof.payload(answer))
    reader.release()  # every answer is in: the processes may exit while this one carries on
