"""Read what the AD hygiene checks need beyond users and groups (the `hygiene` part of `ad.accounts`).

Why here and how: the per-account attributes ride along in the same partitioned account reads
(`account_cells`, extra columns; see model/hygiene.py), so a large directory is not read twice.
The domain-wide facts are a handful of base or one-level reads on the main connection: the
RootDSE's functional levels, the domain object's ms-DS-MachineAccountQuota, the Recycle Bin
feature, the trustedDomain objects under CN=System and the schema entries of the attributes read.

Secrets are never kept: `userPassword`/`unixUserPassword` are recorded as "set" only, and
`description`/`info` only as the ids of the configured patterns they match (a matching
description is withheld from the account row too). LAPS passwords are never requested: only their
expiration times. Readability is recorded per attribute (`readable`), see `readability`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ldap3 import LEVEL, Connection
from ldap3.utils.conv import escape_filter_chars

from gitc_agent.collectors.ad.password_policy import bound_account_reader
from gitc_agent.collectors.ad.session import (
    LdapReadError,
    attr,
    paged_search,
    raw_values,
    read_entry,
)
from gitc_agent.model.hygiene import (
    COLUMN_ATTRIBUTES,
    HYGIENE_COLUMNS,
    PASSWORD_ATTRIBUTES,
    SCHEMA_ATTRIBUTES,
)
from gitc_agent.model.sid import sid_to_str
from gitc_agent.model.uac import SERVER_TRUST_ACCOUNT

#: Extra attributes of the account reads (never a password value is kept, see the docstring).
ACCOUNT_ATTRS = [*COLUMN_ATTRIBUTES.values(), *PASSWORD_ATTRIBUTES, "info"]
TRUST_ATTRS = ["trustPartner", "flatName", "trustDirection", "trustType", "trustAttributes",
               "msDS-SupportedEncryptionTypes", "whenChanged", "securityIdentifier"]
RECYCLE_BIN = ("CN=Recycle Bin Feature,CN=Optional Features,CN=Directory Service,CN=Windows NT,"
               "CN=Services")
_CONFIDENTIAL = 0x80  # searchFlags: readable only with the extended right
_MAX_TEXT = 4096  # longer description/info text is matched on its first 4 KiB

Patterns = list[tuple[str, re.Pattern[str]]]
_LOWER_ATTRS = frozenset(a.lower() for a in ACCOUNT_ATTRS)
#: the cells of an account that has none of the attributes (most accounts): shared, never changed
_NONE_SET = (None, [], [], None, None, None, None, [])


def compile_patterns(patterns: dict[str, str] | None) -> Patterns:
    """The patterns, led by one alternation of them all: most texts match none, and one search
    tells that at a quarter of the cost."""
    chosen = _default_patterns() if patterns is None else patterns
    compiled = [(key, re.compile(expression, re.IGNORECASE)) for key, expression in chosen.items()]
    if not compiled:
        return []
    anyone = re.compile("|".join(f"(?:{e})" for e in chosen.values()), re.IGNORECASE)
    return [("", anyone), *compiled]


def _default_patterns() -> dict[str, str]:
    # imported here: reader processes are always given the patterns, and pydantic (which the
    # settings module needs) costs each of them a tenth of a second to import
    from gitc_agent.settings.ad_hygiene_config import DEFAULT_SECRET_PATTERNS

    return DEFAULT_SECRET_PATTERNS


def matches(text: str | None, patterns: Patterns) -> list[str]:
    if not text or not patterns:
        return []
    head = text[:_MAX_TEXT]
    if not patterns[0][1].search(head):
        return []
    return [key for key, expression in patterns[1:] if expression.search(head)]


def account_cells(first: Callable[[str], bytes | None], values: Callable[[str], list[bytes]],
                  present: bool, description: str | None, patterns: Patterns,
                  filetime: Callable[[bytes | None], str | None],
                  text: Callable[[bytes | None], str | None]) -> tuple[list[Any], bool]:
    """(cells in HYGIENE_COLUMNS order, whether the description matched a secret pattern).

    `first(name)` gives an attribute's first raw value, `values(name)` all of them."""
    if not present:
        in_description = matches(description, patterns)
        if not in_description:
            return list(_NONE_SET), False
    enc = first("msDS-SupportedEncryptionTypes")
    secrets = [name for name in PASSWORD_ATTRIBUTES if values(name)]  # set: never the value
    in_description = matches(description, patterns)
    secrets += [f"description:{key}" for key in in_description]
    secrets += [f"info:{key}" for key in matches(text(first("info")), patterns)]
    cells = {
        "enc_types": int(enc) if enc else None,
        "sid_history": _sids(values("sIDHistory")),
        "delegate_to": [v.decode("utf-8", "replace") for v in values("msDS-AllowedToDelegateTo")],
        "os": text(first("operatingSystem")),
        "os_version": text(first("operatingSystemVersion")),
        "laps_legacy_expires": filetime(first("ms-Mcs-AdmPwdExpirationTime")),
        "laps_expires": filetime(first("msLAPS-PasswordExpirationTime")),
        "secrets": secrets,
    }
    return [cells[c] for c in HYGIENE_COLUMNS], bool(in_description)


def has_any(lowered: dict[str, str]) -> bool:
    """Whether the entry (lower-cased attribute names) has any of the hygiene attributes."""
    return not _LOWER_ATTRS.isdisjoint(lowered)


def _sids(raw: list[bytes]) -> list[str] | None:
    """SIDs as text; None (not read, never "none") when a value is not a binary SID."""
    try:
        return [sid_to_str(v) for v in raw]
    except ValueError:
        return None


def _int(raw: dict[str, list[bytes]], name: str) -> int | None:
    values = attr(raw, name)
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def _one(raw: dict[str, list[bytes]], name: str) -> str | None:
    return (attr(raw, name) or [None])[0]


def collect(conn: Connection, base_dn: str, page_size: int, patterns: dict[str, str] | None,
            domain_sid: str | None, errors: list[dict[str, str]]) -> dict[str, Any]:
    """The domain-wide part; each piece that cannot be read is an `errors` entry of its own."""
    part: dict[str, Any] = {"secret_patterns": dict(_default_patterns() if patterns is None
                                                    else patterns)}
    try:
        _, root = read_entry(conn, "", ["configurationNamingContext", "schemaNamingContext",
                                        "domainFunctionality", "forestFunctionality"])
    except LdapReadError as exc:
        errors.append({"part": "hygiene", "message": f"the RootDSE could not be read: {exc}"})
        return part
    part["domain"] = _domain(conn, base_dn, root, _one(root, "configurationNamingContext"), errors)
    part["trusts"] = _trusts(conn, base_dn, page_size, errors)
    part["schema"] = _schema(conn, _one(root, "schemaNamingContext"), errors)
    part["bound_account"] = bound_account_reader(conn, domain_sid)
    return part


def _domain(conn: Connection, base_dn: str, root: dict, config_nc: str | None,
            errors: list[dict[str, str]]) -> dict[str, Any]:
    domain: dict[str, Any] = {"domain_level": _int(root, "domainFunctionality"),
                              "forest_level": _int(root, "forestFunctionality")}
    try:
        _, raw = read_entry(conn, base_dn, ["ms-DS-MachineAccountQuota", "msDS-Behavior-Version"])
        domain["machine_account_quota"] = _int(raw, "ms-DS-MachineAccountQuota")  # None: unreadable
        if domain["domain_level"] is None:
            domain["domain_level"] = _int(raw, "msDS-Behavior-Version")
    except LdapReadError as exc:
        errors.append({"part": "hygiene.domain", "message": f"the domain object could not be "
                                                             f"read: {exc}"})
    domain["recycle_bin"] = None
    if config_nc is None:
        errors.append({"part": "hygiene.recycle_bin", "message": "the RootDSE does not name the "
                       "configuration partition, so the Recycle Bin feature could not be read"})
        return domain
    try:
        _, raw = read_entry(conn, f"{RECYCLE_BIN},{config_nc}", ["msDS-EnabledFeatureBL"])
        domain["recycle_bin"] = bool(attr(raw, "msDS-EnabledFeatureBL"))
    except LdapReadError as exc:
        errors.append({"part": "hygiene.recycle_bin", "message": f"the Recycle Bin feature object "
                                                                  f"could not be read: {exc}"})
    return domain


def _trusts(conn: Connection, base_dn: str, page_size: int,
            errors: list[dict[str, str]]) -> list[dict[str, Any]] | None:
    """Every trustedDomain object (none is a valid answer: the container itself is readable)."""
    system = f"CN=System,{base_dn}"
    try:
        # CN=AdminSDHolder is a child of CN=System in every domain: when the bound account does
        # not see it, it cannot list CN=System, and "no trusts" would be a guess
        if not list(paged_search(conn, system, "(cn=AdminSDHolder)", ["cn"], 10, scope=LEVEL)):
            raise LdapReadError(f"the children of {system} are not visible to the bound account")
        found = list(paged_search(conn, system, "(objectClass=trustedDomain)", TRUST_ATTRS,
                                  page_size, scope=LEVEL))
    except LdapReadError as exc:
        errors.append({"part": "hygiene.trusts", "message": f"the trusts could not be read: {exc}"})
        return None
    trusts = []
    for dn, raw in found:
        changed = _one(raw, "whenChanged")
        trusts.append({
            "name": dn, "partner": _one(raw, "trustPartner"), "flat_name": _one(raw, "flatName"),
            "direction": _int(raw, "trustDirection"), "type": _int(raw, "trustType"),
            "attributes": _int(raw, "trustAttributes"),
            "enc_types": _int(raw, "msDS-SupportedEncryptionTypes"),
            "changed": (f"{changed[0:4]}-{changed[4:6]}-{changed[6:8]}T{changed[8:10]}:"
                        f"{changed[10:12]}:{changed[12:14]}Z") if changed else None,
            "sid": _sid((raw_values(raw, "securityIdentifier") or [None])[0]),
        })
    return trusts


def _sid(raw: bytes | None) -> str | None:
    try:
        return sid_to_str(raw) if raw else None
    except ValueError:
        return None


def _schema(conn: Connection, schema_nc: str | None,
            errors: list[dict[str, str]]) -> dict[str, Any] | None:
    """Per attribute: in the schema at all (LAPS is an extension), and confidential."""
    if schema_nc is None:
        errors.append({"part": "hygiene.schema", "message": "the RootDSE does not name the schema "
                                                            "partition"})
        return None
    names = "".join(f"(lDAPDisplayName={escape_filter_chars(n)})" for n in SCHEMA_ATTRIBUTES)
    try:
        found = {(_one(raw, "lDAPDisplayName") or "").lower(): _int(raw, "searchFlags") or 0
                 for _, raw in paged_search(conn, schema_nc, f"(|{names})",
                                            ["lDAPDisplayName", "searchFlags"], 100, scope=LEVEL)}
    except LdapReadError as exc:
        errors.append({"part": "hygiene.schema", "message": f"the schema could not be read: {exc}"})
        return None
    if "description" not in found:  # every schema has it: the schema was not readable
        errors.append({"part": "hygiene.schema", "message": "the schema shows no 'description' "
                       "attribute, so it was not readable for the bound account"})
        return None
    return {name: {"present": name.lower() in found,
                   "confidential": bool(found.get(name.lower(), 0) & _CONFIDENTIAL)}
            for name in SCHEMA_ATTRIBUTES}


def readability(part: dict[str, Any], rows: list[list[Any]], columns: list[str],
                domain_sid: str | None) -> dict[str, dict[str, Any]]:
    """Whether the bound account could read each attribute, and why that is believed.

    Unreadable when: the schema could not be read; the attribute is confidential and the bound
    account holds none of Administrators, Domain Admins, Enterprise Admins; or a sentinel object
    that always carries it (a DC's operatingSystem and msDS-SupportedEncryptionTypes, the
    built-in Administrator's and Guest's description) shows it without it. Otherwise readable.
    Guest is the sentinel that counts for inherited denies: Administrator's ACL is AdminSDHolder's
    and inherits nothing."""
    schema = part.get("schema")
    privileged = bool((part.get("bound_account") or {}).get("privileged"))
    col = {c: columns.index(c) for c in ("uac", "sid", "description", "os", "enc_types")}
    dcs = [r for r in rows
           if isinstance(r[col["uac"]], int) and r[col["uac"]] & SERVER_TRUST_ACCOUNT]
    builtin = [r for r in rows if domain_sid and r[col["sid"]] in (f"{domain_sid}-500",
                                                                     f"{domain_sid}-501")]
    sentinels = {"operatingSystem": ("the domain controllers' computer objects", dcs, "os"),
                 "msDS-SupportedEncryptionTypes": ("the domain controllers' computer objects",
                                                   dcs, "enc_types"),
                 "description": ("the built-in Administrator and Guest", builtin, "description")}
    out: dict[str, dict[str, Any]] = {}
    for name in SCHEMA_ATTRIBUTES:
        if not isinstance(schema, dict):
            out[name] = {"readable": False, "why": "the schema could not be read"}
            continue
        entry = schema[name]
        label, objects, column = sentinels.get(name, ("", [], ""))
        if not entry["present"]:
            out[name] = {"readable": True, "why": "not in this forest's schema: no object has it"}
        elif entry["confidential"] and not privileged:
            out[name] = {"readable": False, "why": "confidential in the schema, and the bound "
                         "account is not an administrator"}
        elif objects and not all(r[col[column]] is not None for r in objects):
            out[name] = {"readable": False, "why": f"{label} always carry it, and the bound "
                         f"account sees it missing there"}
        else:
            basis = (f"seen on {label}" if objects
                     else "not confidential; AD lets authenticated users read it by default")
            out[name] = {"readable": True, "why": basis}
    return out
