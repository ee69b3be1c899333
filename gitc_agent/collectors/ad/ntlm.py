"""NTLM bind over TLS as SASL GSS-SPNEGO (pyspnego), because ldap3's own NTLM bind does not work
on Samba.

ldap3 binds NTLM with Microsoft's "Sicily" bind, which Samba AD does not implement (the server
drops the session). SASL GSS-SPNEGO carrying NTLM works on both Windows and Samba. Over TLS the
directory refuses SASL signing or sealing (MS-ADTS 5.1.2.1), so the context asks for neither, and
the KEY_EXCH flag is dropped: without signing it has no use, and pyspnego's 1-byte placeholder
session key is refused by Samba. The TLS channel binding (tls-server-end-point) is sent, so
domain controllers that enforce LDAP channel binding accept the bind.
"""

from __future__ import annotations

import hashlib

import spnego
from ldap3 import Connection
from ldap3.protocol.sasl.sasl import send_sasl_negotiation
from spnego.channel_bindings import GssChannelBindings

_SASL_BIND_IN_PROGRESS = 14
_MAX_ROUNDS = 5


class NtlmBindError(Exception):
    """The NTLM bind was refused; the message carries the server's answer, never the password."""


def _channel_bindings(conn: Connection) -> GssChannelBindings | None:
    cert = conn.socket.getpeercert(binary_form=True) if conn.socket else None
    if not cert:
        return None
    return GssChannelBindings(application_data=b"tls-server-end-point:" + hashlib.sha256(cert).digest())


def _without_key_exchange(context: spnego.ContextProxy) -> None:
    from spnego._ntlm_raw.messages import NegotiateFlags  # not public API: see module docstring

    if not hasattr(context, "_context_req"):
        raise NtlmBindError("this pyspnego version cannot drop NTLM key exchange; "
                            "use a simple bind over LDAPS or Kerberos")
    context._context_req &= ~NegotiateFlags.key_exch


def ntlm_bind(conn: Connection, user: str, password: str, host: str) -> None:
    """Bind an open TLS connection as DOMAIN\\user; raises NtlmBindError when refused."""
    if not conn.tls_started and not conn.server.ssl:
        raise NtlmBindError("NTLM binds are only made over LDAPS or StartTLS")
    context = spnego.client(user, password, hostname=host, service="ldap", protocol="ntlm",
                            context_req=spnego.ContextReq.none,
                            channel_bindings=_channel_bindings(conn))
    _without_key_exchange(context)
    conn.sasl_mechanism = "GSS-SPNEGO"
    token = context.step()
    for _ in range(_MAX_ROUNDS):
        result = send_sasl_negotiation(conn, None, token)
        code = result.get("result")
        if code == 0:
            conn.bound = True
            return
        if code != _SASL_BIND_IN_PROGRESS:
            raise NtlmBindError(f"{result.get('description', code)} {result.get('message', '')}".strip())
        token = context.step(result.get("saslCreds"))
    raise NtlmBindError("the NTLM exchange did not finish")
