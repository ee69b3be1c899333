"""Collect the domain password policy and every fine-grained password policy (PSO).

Evidence kind `ad.password_policy`. Values are normalised (days, booleans) and the raw attribute
values are kept beside them so an auditor can trace each number. Anything that could not be read
is listed under `errors` (whole parts) or `unreadable` (single attributes): never an empty list
that would look like "no PSOs".
"""

from __future__ import annotations

from typing import Any

from ldap3 import LEVEL, Connection

from gitc_agent.collectors.ad.session import (
    LdapReadError,
    attr,
    paged_search,
    raw_values,
    read_entry,
)
from gitc_agent.model import kinds
from gitc_agent.model.sid import sid_to_str

KIND = kinds.AD_PASSWORD_POLICY
_NEVER = -9223372036854775808
_TICKS_PER_DAY = 864_000_000_000

DOMAIN_ATTRS = {
    "min_length": "minPwdLength",
    "history": "pwdHistoryLength",
    "max_age": "maxPwdAge",
    "min_age": "minPwdAge",
    "lockout_threshold": "lockoutThreshold",
    "properties": "pwdProperties",
}
PSO_ATTRS = {
    "min_length": "msDS-MinimumPasswordLength",
    "history": "msDS-PasswordHistoryLength",
    "max_age": "msDS-MaximumPasswordAge",
    "min_age": "msDS-MinimumPasswordAge",
    "lockout_threshold": "msDS-LockoutThreshold",
    "complexity": "msDS-PasswordComplexityEnabled",
    "reversible_encryption": "msDS-PasswordReversibleEncryptionEnabled",
    "precedence": "msDS-PasswordSettingsPrecedence",
}


_HIDDEN_PSOS = (
    "no fine-grained password policy is visible to the bound account, and that account is not "
    "a member of Domain Admins, Enterprise Admins or Administrators: AD shows password settings "
    "objects only to those by default, so 'none visible' cannot be told from 'not allowed to "
    "see them'. Bind with an account that can read the Password Settings Container.")


def bound_account_reader(conn: Connection, domain_sid: str | None) -> dict[str, Any]:
    """Whether the bound account's token holds a group that can read PSOs by default.

    The RootDSE's tokenGroups lists the SIDs of the connection's own token, for any bind method.
    """
    try:
        _, raw = read_entry(conn, "", ["tokenGroups"])
        token = [sid_to_str(v) for v in raw_values(raw, "tokenGroups")]
    except (LdapReadError, ValueError) as exc:
        return {"privileged": False, "groups": [], "note": f"token not readable: {exc}"}
    readers = {"S-1-5-32-544"}
    if domain_sid:
        readers |= {f"{domain_sid}-512", f"{domain_sid}-519"}
    held = sorted(readers.intersection(token))
    return {"privileged": bool(held), "groups": held}


def interval_days(value: str) -> float | None:
    """AD intervals are negative 100-ns ticks; 0 and the minimum int64 mean 'never'."""
    ticks = int(value)
    if ticks in (0, _NEVER):
        return None
    return round(abs(ticks) / _TICKS_PER_DAY, 2)


def _single(raw: dict, name: str) -> str | None:
    values = attr(raw, name)
    return values[0] if values else None


def _settings(raw: dict, names: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    unreadable: list[str] = []
    for key, name in names.items():
        value = _single(raw, name)
        if value is None:
            unreadable.append(name)
            continue
        if key in ("max_age", "min_age"):
            days = interval_days(value)
            out[f"{key}_days"] = days
            out[f"{key}_never"] = days is None
        elif key in ("complexity", "reversible_encryption"):
            out[key] = value.upper() == "TRUE"
        else:
            out[key] = int(value)
    if "properties" in out:  # DOMAIN_PASSWORD_COMPLEX = 1, DOMAIN_PASSWORD_STORE_CLEARTEXT = 16
        props = out.pop("properties")
        out["complexity"] = bool(props & 1)
        out["reversible_encryption"] = bool(props & 16)
    out["raw"] = {name: _single(raw, name) for name in names.values()}
    return out, unreadable


def collect(conn: Connection, base_dn: str, page_size: int) -> tuple[dict[str, Any], list[dict]]:
    """Return (data, errors) for the evidence document."""
    data: dict[str, Any] = {"base_dn": base_dn}
    errors: list[dict[str, str]] = []
    try:
        dn, raw = read_entry(conn, base_dn, [*DOMAIN_ATTRS.values(), "objectSid"])
        sids = raw_values(raw, "objectSid")
        data["domain_sid"] = sid_to_str(sids[0]) if sids else None
        settings, unreadable = _settings(raw, DOMAIN_ATTRS)
        data["domain"] = {"dn": dn, **settings, "unreadable": unreadable}
    except LdapReadError as exc:
        errors.append({"part": "domain", "message": str(exc)})
    container = f"CN=Password Settings Container,CN=System,{base_dn}"
    data["pso_container"] = container
    try:
        read_entry(conn, container, ["objectClass"])
        psos = []
        # every child, not a filter on objectClass: a PSO whose attributes are denied does not
        # match a filter, and would vanish as if it did not exist
        for dn, raw in paged_search(conn, container, "(objectClass=*)",
                                    [*PSO_ATTRS.values(), "msDS-PSOAppliesTo", "name",
                                     "objectClass"], page_size, scope=LEVEL):
            classes = {c.lower() for c in attr(raw, "objectClass") or []}
            if classes and "msds-passwordsettings" not in classes:
                continue
            settings, unreadable = _settings(raw, PSO_ATTRS)
            if not classes or len(unreadable) == len(PSO_ATTRS):
                errors.append({"part": f"pso:{dn}", "message": "the object is visible in the "
                               "Password Settings Container, but its attributes could not be "
                               "read (access denied)"})
                continue
            if unreadable:
                errors.append({"part": f"pso:{dn}", "message": "attributes could not be read: "
                               + ", ".join(unreadable)})
            psos.append({"dn": dn, "name": _single(raw, "name") or dn, **settings,
                         "applies_to": attr(raw, "msDS-PSOAppliesTo") or [],
                         "unreadable": unreadable})
        data["psos"] = sorted(psos, key=lambda p: (p.get("precedence", 0), p["dn"]))
        if not psos and not any(e["part"].startswith("pso:") for e in errors):
            reader = bound_account_reader(conn, data.get("domain_sid"))
            data["pso_reader"] = reader
            if not reader["privileged"]:
                errors.append({"part": "psos", "message": _HIDDEN_PSOS})
    except LdapReadError as exc:
        errors.append({"part": "psos", "message": f"fine-grained password policies could not be "
                                                  f"read: {exc}"})
    return data, errors
