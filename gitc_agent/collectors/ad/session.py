"""LDAP connections and reads for the AD collectors (ldap3).

TLS (LDAPS or StartTLS) with certificate validation by default; servers are tried in order.
Reads return raw values: ldap3's schema-aware decoding is slow and not needed. A read that the
server refuses or that returns nothing where something must exist raises LdapReadError, so the
caller records an error instead of an empty list.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from ldap3 import BASE, SASL, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException

from gitc_agent.collectors.ad.lean import make_lean
from gitc_agent.run.redact import redact

if TYPE_CHECKING:  # reader processes pass ReaderSettings (same field names) and never import it
    from gitc_agent.collectors.ad.reader_settings import ReaderSettings
    from gitc_agent.settings.config import ADSettings

RawEntry = tuple[str, dict[str, list[bytes]]]


class LdapReadError(Exception):
    """The directory could not be read (connection, bind, access or missing object)."""


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return redact(f"{type(exc).__name__}: {text}")


def _tls(settings: ADSettings | ReaderSettings) -> Tls:
    if not settings.validate_certificate:
        return Tls(validate=ssl.CERT_NONE)
    return Tls(validate=ssl.CERT_REQUIRED,
               ca_certs_file=str(settings.ca_file) if settings.ca_file else None)


def _password(settings: ADSettings | ReaderSettings) -> str:
    secret = settings.bind.secret
    if secret is None:
        raise LdapReadError(f"a {settings.bind.method} bind needs the password, and none was read")
    return secret.reveal()


def open_connection(url: str, settings: ADSettings | ReaderSettings) -> Connection:
    """Connect and bind to one server (`settings.servers` is not consulted)."""
    parsed = urlparse(url)
    use_ssl = parsed.scheme == "ldaps"
    server = Server(parsed.hostname, port=parsed.port or (636 if use_ssl else 389),
                    use_ssl=use_ssl, tls=_tls(settings), get_info="NO_INFO",
                    connect_timeout=settings.timeout_seconds)
    kwargs: dict = {"auto_bind": "NONE", "read_only": True, "raise_exceptions": False,
                    "receive_timeout": math.ceil(settings.timeout_seconds), "client_strategy": "SYNC"}
    bind = settings.bind
    service_host = bind.service_host or parsed.hostname
    if bind.method == "kerberos":
        # The ticket is for ldap/<DC host name>; the URL may hold an address instead.
        kwargs.update(authentication=SASL, sasl_mechanism="GSSAPI",
                      sasl_credentials=(service_host,))
    elif bind.method == "simple":
        kwargs.update(authentication=SIMPLE, user=bind.user, password=_password(settings))
    conn = make_lean(Connection(server, **kwargs))
    try:
        conn.open()
        if settings.starttls and not use_ssl and not conn.start_tls():
            raise LdapReadError(f"StartTLS refused: {conn.result.get('description')}")
        if bind.method == "ntlm":
            # imported here: spnego (with gssapi and krb5) costs every process ~17 MB and 0.1 s
            from gitc_agent.collectors.ad.ntlm import NtlmBindError, ntlm_bind

            try:
                ntlm_bind(conn, bind.user, _password(settings), service_host)
            except NtlmBindError as exc:
                raise LdapReadError(redact(f"NTLM bind as {bind.user} refused: {exc}")) from None
        elif not conn.bind():
            result = conn.result or {}
            detail = result.get("message") or ""
            raise LdapReadError(redact(f"bind as {bind.user or 'Kerberos principal'} refused: "
                                       f"{result.get('description', 'unknown')} {detail}".strip()))
    except LDAPException as exc:
        conn.unbind()
        raise LdapReadError(_describe(exc)) from None
    except ImportError as exc:  # Kerberos needs the optional 'gssapi' package
        conn.unbind()
        if bind.method == "ntlm":  # pyspnego is a dependency: a broken installation
            raise LdapReadError(f"NTLM bind needs the 'pyspnego' package: {exc}") from None
        raise LdapReadError(f"Kerberos bind needs the 'gssapi' package "
                            f"(pip install 'gitc-agent[kerberos]'): {exc}") from None
    except Exception as exc:  # gssapi errors (no ticket, unknown server) are not LDAPExceptions
        conn.unbind()
        if isinstance(exc, LdapReadError):
            raise
        raise LdapReadError(_describe(exc)) from None
    return conn


def connect(settings: ADSettings) -> tuple[Connection, str]:
    """Bind to the first server that answers; the error names every server that failed."""
    failures = []
    for url in settings.servers:
        try:
            return open_connection(url, settings), url
        except LdapReadError as exc:
            failures.append(f"{url}: {exc}")
    raise LdapReadError("; ".join(failures))


def _check(conn: Connection, what: str) -> None:
    result = conn.result or {}
    code = result.get("result", 0)
    if code != 0:
        raise LdapReadError(f"{what}: {result.get('description', code)} "
                            f"{result.get('message', '')}".strip())


def read_entry(conn: Connection, dn: str, attributes: list[str]) -> RawEntry:
    """One object by DN; missing or invisible is an error."""
    try:
        conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=attributes)
    except LDAPException as exc:
        raise LdapReadError(f"reading {dn}: {_describe(exc)}") from None
    _check(conn, f"reading {dn}")
    entries = [(e["dn"], e["raw_attributes"]) for e in conn.response or []
               if e.get("type") == "searchResEntry"]
    if not entries:
        raise LdapReadError(f"{dn} is not visible to the bound account")
    return entries[0]


def paged_search(conn: Connection, base: str, ldap_filter: str, attributes: list[str],
                 page_size: int, scope=SUBTREE) -> Iterator[RawEntry]:
    """Stream entries page by page (simple paged results control)."""
    cookie: bytes | None = None
    while True:
        try:
            conn.search(base, ldap_filter, search_scope=scope, attributes=attributes,
                        paged_size=page_size, paged_cookie=cookie)
        except LDAPException as exc:
            raise LdapReadError(f"searching {base}: {_describe(exc)}") from None
        _check(conn, f"searching {base} for {ldap_filter}")
        for entry in conn.response or []:
            if entry.get("type") == "searchResEntry":
                yield entry["dn"], entry["raw_attributes"]
        controls = (conn.result or {}).get("controls", {})
        cookie = controls.get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie")
        if not cookie:
            return


def attr(raw: dict[str, list[bytes]], name: str) -> list[str] | None:
    """Values of an attribute (case-insensitive name) as text; None when absent."""
    return [v.decode("utf-8", "replace") for v in raw_values(raw, name)] or None


def default_naming_context(conn: Connection) -> str:
    _, raw = read_entry(conn, "", ["defaultNamingContext"])
    values = attr(raw, "defaultNamingContext")
    if not values:
        raise LdapReadError("the RootDSE does not name a defaultNamingContext; set ad.base_dn")
    return values[0]


def raw_values(raw: dict[str, list[bytes]], name: str) -> list[bytes]:
    """Binary values of an attribute (case-insensitive name); empty when absent."""
    lowered = name.lower()
    for key, values in raw.items():
        if key.lower() == lowered:
            return [v if isinstance(v, bytes) else str(v).encode() for v in values]
    return []


# --- range retrieval -----------------------------------------------------------------------------

def ranged_key(raw: dict[str, list[bytes]], name: str) -> tuple[str, int] | None:
    """The `name;range=lo-hi` key of a partial multi-valued attribute and its `hi` (-1 for `*`).

    Windows DCs return at most MaxValRange (1,500) values per request under such a key, and an
    empty plain `name`; None means the attribute came back whole (or not at all).
    """
    prefix = f"{name.lower()};range="
    for key in raw:
        lowered = key.lower()
        if lowered.startswith(prefix):
            high = lowered[len(prefix):].split("-", 1)[1]
            return key, -1 if high == "*" else int(high)
    return None


def read_ranged(conn: Connection, dn: str, name: str,
                raw: dict[str, list[bytes]]) -> list[str]:
    """All values of a multi-valued attribute, following `;range=` until the server says `*`.

    Call it after a paged search has finished (it issues its own searches on `conn`).
    """
    values = attr(raw, name) or []
    found = ranged_key(raw, name)
    guard = 0
    while found is not None:
        key, high = found
        values.extend(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                      for v in raw.get(key, []))
        if high < 0:
            break
        guard += 1
        if guard > 100_000:
            raise LdapReadError(f"range retrieval of {name} on {dn} did not end")
        _, raw = read_entry(conn, dn, [f"{name};range={high + 1}-*"])
        found = ranged_key(raw, name)
        if found is None:
            raise LdapReadError(f"range retrieval of {name} on {dn} stopped before the last "
                                f"range (no {name};range= in the answer after {high})")
    return values
