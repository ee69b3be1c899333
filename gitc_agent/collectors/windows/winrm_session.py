"""The requests session under a pywinrm Transport, built without reading os.environ.

pywinrm's `Transport.build_session` lets requests merge proxy settings from the environment,
and requests does that by briefly rewriting `os.environ['no_proxy']`; another thread iterating
the environment then fails (KeyError: 'no_proxy', seen at 32 workers). A process-wide lock
around it serialised every worker's session set-up, including NTLM's encryption handshake over
HTTP (a network round trip). So the session is built here with `trust_env = False` from the
start: no proxy (the collector never uses one), and the certificate is checked against the
configured CA file, else the default trust store (REQUESTS_CA_BUNDLE, as pywinrm reads it).
Auth and message encryption are set up as pywinrm 0.5 does.
"""

from __future__ import annotations

import os

import requests
from requests.auth import HTTPBasicAuth
from winrm.exceptions import WinRMError
from winrm.transport import Transport

_ENV_TRUST = "legacy_requests"  # pywinrm's marker for "CA bundle from the environment"


def _verify(transport: Transport) -> bool | str:
    if transport.server_cert_validation != "validate":
        return False
    if transport.ca_trust_path not in (None, _ENV_TRUST):
        return str(transport.ca_trust_path)
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def attach_session(transport: Transport) -> requests.Session:
    """Give `transport` its session (once); pywinrm's send_message then uses it as is."""
    if transport.session is not None:
        return transport.session
    session = requests.Session()
    session.trust_env = False
    session.verify = _verify(transport)
    method = transport.auth_method
    encryption_available = False
    if method in ("basic", "plaintext"):
        session.auth = HTTPBasicAuth(transport.username or "", transport.password or "")
    elif method == "ntlm":
        from requests_ntlm import HttpNtlmAuth

        session.auth = HttpNtlmAuth(username=transport.username, password=transport.password,
                                    send_cbt=transport.send_cbt)
        encryption_available = hasattr(session.auth, "session_security")
    elif method == "kerberos":
        try:
            from winrm.vendor.requests_kerberos import REQUIRED, HTTPKerberosAuth
        except ImportError as exc:
            raise WinRMError(f"Kerberos needs pykerberos or winkerberos: {exc}") from None
        session.auth = HTTPKerberosAuth(
            mutual_authentication=REQUIRED, delegate=transport.kerberos_delegation,
            force_preemptive=True, principal=transport.username,
            hostname_override=transport.kerberos_hostname_override,
            sanitize_mutual_error_response=False, service=transport.service,
            send_cbt=transport.send_cbt)
        encryption_available = bool(getattr(session.auth, "winrm_encryption_available", False))
    else:
        raise WinRMError(f"unsupported auth method: {method}")
    session.headers.update(transport.default_headers)
    transport.session = session
    mode = transport.message_encryption
    if mode == "always" and not encryption_available:
        raise WinRMError(f"message encryption is required but {method} cannot encrypt")
    over_http = not transport.endpoint.lower().startswith("https")
    if encryption_available and (mode == "always" or (mode == "auto" and over_http)):
        transport.setup_encryption(session)  # a round trip: per worker, not under any lock
    return session
