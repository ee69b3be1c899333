"""The AD hygiene part of `ad.accounts` evidence: extra account columns and the domain's settings.

Why a model of its own: the hygiene indicators (PingCastle-style) need a few more attributes per
account, read in the same partitioned account reads (extra columns after `ACCOUNT_COLUMNS`), and a
few domain-wide facts (the domain object, the Recycle Bin feature, trusts, the schema). Evidence
written before these existed lacks them: then only the hygiene checks are `error`, the others
still judge. No I/O; what cannot be told is returned as a reason, never a default: a phrase of
ours is a Message (translated inside the check's sentence), an error the collector recorded is
its own text.

Readability (`readable`): LDAP does not tell a client that an attribute was withheld. The
collector records per attribute whether it was in the schema, confidential (searchFlags 0x80:
only readable with extended rights) and, where an object must carry it (a sentinel: the
domain controller's computer object carries operatingSystem and msDS-SupportedEncryptionTypes,
the built-in Administrator a description), whether the sentinel showed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitc_agent.model.message import Message, msg, msg_list

Reason = Message | str  # a phrase of ours, or the collector's recorded error

#: Per-account columns the hygiene checks read, after ACCOUNT_COLUMNS in the account rows.
HYGIENE_COLUMNS = ("enc_types", "sid_history", "delegate_to", "os", "os_version",
                   "laps_legacy_expires", "laps_expires", "secrets")
#: Columns holding a list: None there means "not read", never "none".
LIST_COLUMNS = ("sid_history", "delegate_to", "secrets")
#: The LDAP attribute behind each column (what `readable` is keyed by).
COLUMN_ATTRIBUTES = {
    "enc_types": "msDS-SupportedEncryptionTypes", "sid_history": "sIDHistory",
    "delegate_to": "msDS-AllowedToDelegateTo", "os": "operatingSystem",
    "os_version": "operatingSystemVersion", "laps_legacy_expires": "ms-Mcs-AdmPwdExpirationTime",
    "laps_expires": "msLAPS-PasswordExpirationTime",
}
PASSWORD_ATTRIBUTES = ("userPassword", "unixUserPassword")
TEXT_ATTRIBUTES = ("description", "info")
LAPS_LEGACY = "ms-Mcs-AdmPwdExpirationTime"
LAPS_WINDOWS = "msLAPS-PasswordExpirationTime"
#: The schema attributes whose presence and flags the collector records.
SCHEMA_ATTRIBUTES = (*COLUMN_ATTRIBUTES.values(), *PASSWORD_ATTRIBUTES, *TEXT_ATTRIBUTES)
#: trustAttributes (MS-ADTS 6.1.6.7.9)
TRUST_NON_TRANSITIVE = 0x1
TRUST_UPLEVEL_ONLY = 0x2
TRUST_QUARANTINED_DOMAIN = 0x4  # SID filtering on an external trust
TRUST_FOREST_TRANSITIVE = 0x8
TRUST_WITHIN_FOREST = 0x20
TRUST_TREAT_AS_EXTERNAL = 0x40  # a forest trust filtered like an external one
TRUST_USES_RC4_ENCRYPTION = 0x80
TRUST_CROSS_ORGANIZATION_NO_TGT_DELEGATION = 0x200
TRUST_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION = 0x800
TRUST_TYPE_DOWNLEVEL = 1  # trustType: a Windows NT 4 style (NetBIOS) trust
TRUST_DIRECTION_OUTBOUND = 0x2  # trustDirection: this domain trusts the partner
#: msDS-SupportedEncryptionTypes bits
ENC_DES_CBC_CRC, ENC_DES_CBC_MD5, ENC_RC4, ENC_AES128, ENC_AES256 = 0x1, 0x2, 0x4, 0x8, 0x10


@dataclass(frozen=True)
class Extra:
    """The hygiene attributes of one account (None: not set; lists None: not read)."""

    enc_types: int | None
    sid_history: tuple[str, ...] | None
    delegate_to: tuple[str, ...] | None
    os: str | None
    os_version: str | None
    laps_legacy_expires: str | None
    laps_expires: str | None
    secrets: tuple[str, ...] | None


@dataclass(frozen=True)
class Trust:
    """One trustedDomain object (None: not readable)."""

    name: str
    partner: str | None
    flat_name: str | None
    direction: int | None
    type: int | None
    attributes: int | None
    enc_types: int | None
    changed: str | None
    sid: str | None


_TRUST_FIELDS = ("partner", "flat_name", "direction", "type", "attributes", "enc_types",
                 "changed", "sid")


class Hygiene:
    """What the hygiene part of one `ad.accounts` document says, and what it cannot say."""

    def __init__(self, data: dict[str, Any], errors: dict[str, Reason]):
        columns = data.get("account_columns")
        columns = columns if isinstance(columns, list) else []
        self.missing_columns = [c for c in HYGIENE_COLUMNS if c not in columns]
        index = {c: columns.index(c) for c in HYGIENE_COLUMNS if c in columns}
        self.extras: dict[str, Extra] = {}
        if not self.missing_columns:
            for row in data.get("accounts") or []:
                if isinstance(row, list) and row and isinstance(row[0], str):
                    self.extras[row[0]] = _extra(row, index)
        part = data.get("hygiene")
        self.part: dict[str, Any] = part if isinstance(part, dict) else {}
        self.errors = errors
        #: why the domain-wide part is missing as a whole (empty: it is there)
        self.problem: Reason = errors.get("hygiene") or (
            "" if isinstance(part, dict) else msg("the hygiene part is missing from the evidence"))

    def extra(self, dn: str) -> Extra | None:
        """By the DN as the account row spells it (the Account's own DN)."""
        return self.extras.get(dn)

    def section(self, name: str) -> tuple[Any, Reason | None]:
        """A domain-wide section (`domain`, `trusts`, `schema`) or why it cannot be used."""
        if self.problem:
            return None, self.problem
        error = self.errors.get(f"hygiene.{name}")
        if error:
            return None, error
        if name not in self.part:
            return None, msg("{section} is missing from the hygiene evidence",
                             section=repr(name))
        return self.part[name], None

    def unreadable(self, attributes: tuple[str, ...] | list[str]) -> Reason | None:
        """Why one of `attributes` may not have been readable for the bound account, or None."""
        if self.problem:
            return self.problem
        readable = self.part.get("readable")
        if not isinstance(readable, dict):
            return msg("the readability of the attributes was not recorded")
        reasons = []
        for name in attributes:
            entry = readable.get(name)
            if not isinstance(entry, dict) or entry.get("readable") is not True:
                why = entry.get("why") if isinstance(entry, dict) else None
                reasons.append(msg("{attribute} ({why})", attribute=name, why=why or msg(
                    "its readability was not recorded")))
        if reasons:
            return msg("not readable for the bound account: {attributes}",
                       attributes=msg_list(reasons))
        return None

    def schema_has(self, attribute: str) -> bool | None:
        schema, problem = self.section("schema")
        if problem or not isinstance(schema, dict):
            return None
        entry = schema.get(attribute)
        present = entry.get("present") if isinstance(entry, dict) else None
        return present if isinstance(present, bool) else None

    def trusts(self) -> tuple[list[Trust] | None, Reason | None]:
        listed, problem = self.section("trusts")
        if problem:
            return None, problem
        if not isinstance(listed, list) or not all(isinstance(t, dict) for t in listed):
            return None, msg("the trusts are not a list of objects")
        out = []
        for t in listed:
            if not isinstance(t.get("name"), str):
                return None, msg("a trust has no name")
            out.append(Trust(t["name"], *(t.get(k) for k in _TRUST_FIELDS)))
        return out, None


def _extra(row: list[Any], index: dict[str, int]) -> Extra:
    """One row's cells as an Extra; a cell of the wrong type is None (lists: "not read")."""
    width = len(row)
    values = [row[index[c]] if index[c] < width else None for c in HYGIENE_COLUMNS]
    enc, sidh, deleg, os_, osv, legacy, laps, secrets = values
    return Extra(
        enc if type(enc) is int else None, _strings(sidh), _strings(deleg),
        os_ if type(os_) is str else None, osv if type(osv) is str else None,
        legacy if type(legacy) is str else None, laps if type(laps) is str else None,
        _strings(secrets))


def _strings(value: Any) -> tuple[str, ...] | None:
    if type(value) is not list:
        return None
    if not value:
        return ()
    return tuple(value) if all(type(v) is str for v in value) else None


def enc_types_text(value: int | None) -> Message | str:
    """msDS-SupportedEncryptionTypes as a value with its types' names ("28 (RC4, AES128,
    AES256)"), or a phrase when it is not set or names none."""
    if value is None:
        return msg("not set (the domain's default applies)")
    names = [n for bit, n in ((ENC_DES_CBC_CRC, "DES-CBC-CRC"), (ENC_DES_CBC_MD5, "DES-CBC-MD5"),
                              (ENC_RC4, "RC4"), (ENC_AES128, "AES128"), (ENC_AES256, "AES256"))
             if value & bit]
    if not names:
        return msg("{value} (none)", value=value)
    return f"{value} ({', '.join(names)})"
