"""A WS-Management server on loopback that answers WinRS shell requests like a Windows host.

One ``WSManServer`` is one simulated Windows host: its own port, credentials, latency and a
pluggable *behaviour* deciding what each command prints. The wire format follows what
Windows' WinRM service returns (and what pywinrm 0.5 parses): SOAP 1.2 envelopes, ShellId in
``x:ResourceCreated``, base64 ``rsp:Stream`` output, ``CommandState/Done`` with ``ExitCode``,
HTTP 500 ``s:Fault`` with a ``WSManFault Code`` and the Receive operation-timeout fault
(2150858793) when a command has no output within ``w:OperationTimeout``.

Authentication is what Windows offers: Basic, and Negotiate through a real pyspnego acceptor
(NTLM checked against the server's own users, Kerberos against a keytab from a KDC), bound to
the TCP connection like HTTP.sys does, with the TLS channel binding checked over HTTPS. Over
HTTP a Negotiate session must seal every message (MS-WSMV 2.2.9.1.1,
``multipart/encrypted; protocol="application/HTTP-SPNEGO-session-encrypted"``), as Windows'
default ``AllowUnencrypted=false`` demands; the answers are sealed the same way.

Many servers must coexist in one process (a benchmark runs 200 hosts), so idle servers cost a
listening socket only: a single shared thread accepts connections for all of them and each
connection gets its own handler thread.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import contextvars
import datetime as dt
import functools
import ipaddress
import json
import os
import re
import selectors
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Protocol
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "OPERATION_TIMEOUT_FAULT_CODE",
    "SHELL_NOT_FOUND_FAULT_CODE",
    "AuthRecord",
    "Behaviour",
    "CommandRecord",
    "EchoBehaviour",
    "LoopbackPKI",
    "Reply",
    "RuleBehaviour",
    "ShellRecord",
    "StaticBehaviour",
    "WSManServer",
    "clixml_stderr",
    "current_shell",
    "decode_powershell",
    "default_pki",
    "fleet",
]

# --- protocol constants -------------------------------------------------------------------

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_ADDR = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_FAULT = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
NS_MSWSMAN = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"

ACTION_CREATE = f"{NS_TRANSFER}/Create"
ACTION_DELETE = f"{NS_TRANSFER}/Delete"
ACTION_COMMAND = f"{NS_SHELL}/Command"
ACTION_RECEIVE = f"{NS_SHELL}/Receive"
ACTION_SIGNAL = f"{NS_SHELL}/Signal"
ACTION_SEND = f"{NS_SHELL}/Send"
ACTION_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
RESOURCE_CMD = f"{NS_SHELL}/cmd"
STATE_DONE = f"{NS_SHELL}/CommandState/Done"
STATE_RUNNING = f"{NS_SHELL}/CommandState/Running"
SIGNAL_TERMINATE = f"{NS_SHELL}/signal/terminate"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
_BOUNDARY = b"--Encrypted Boundary"
_OCTET_STREAM = b"\tContent-Type: application/octet-stream\r\n"
_NEGOTIATE_SCHEMES = ("negotiate", "ntlm", "kerberos")

#: ERROR_WSMAN_OPERATION_TIMEDOUT: pywinrm turns exactly this code into
#: WinRMOperationTimeoutError and retries Receive forever.
OPERATION_TIMEOUT_FAULT_CODE = 2150858793
#: ERROR_WINRS_SHELL_NOT_FOUND (0x8033805B), seen when a ShellId is unknown or already deleted.
SHELL_NOT_FOUND_FAULT_CODE = 2150858843
#: ERROR_WSMAN_RESOURCE_NOT_FOUND (0x80338000), for resource URIs other than the cmd shell.
RESOURCE_NOT_FOUND_FAULT_CODE = 2150858752
#: MaxShellsPerUser quota fault. The number is as reported in the wild (0x803381A5); the
#: message text is Windows'. Treat the exact code as unverified.
SHELL_QUOTA_FAULT_CODE = 2150859173

_TIMEOUT_TEXT = (
    "The WS-Management service cannot complete the operation within the time specified in "
    "OperationTimeout.  "
)
_CMD_TOO_LONG = b"The command line is too long.\r\n"
_DURATION = re.compile(
    r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_WINDOWS_DEFAULT_OPERATION_TIMEOUT = 60.0  # MaxTimeoutms default when the header is absent


# --- what a behaviour returns --------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What a simulated command does.

    ``stdout``/``stderr`` as ``str`` are encoded in the shell's code page (WINRS_CODEPAGE), like
    a console program's output on Windows: with pywinrm's default 437 a "ß" arrives as cp437.
    ``bytes`` are sent unchanged.
    """

    stdout: bytes | str = b""
    stderr: bytes | str = b""
    exit_code: int = 0
    #: Seconds after Command before the output (and Done) become available.
    delay: float = 0.0
    #: Never completes: every Receive ends in the operation-timeout fault until Signal/Delete.
    hang: bool = False
    #: Written immediately, before ``delay``/``hang``: Receive returns it with State Running.
    progress: bytes | str = b""
    #: If set, the first Receive for this command is answered with this raw body instead of SOAP.
    garbage: bytes | None = None
    #: HTTP status used with ``garbage`` (200 makes pywinrm parse it; 500 makes it a fault).
    garbage_status: int = 200
    #: Receive is never answered at all (no operation-timeout fault either): a host whose WinRM
    #: service hangs. Only the client's own read timeout, or stopping the server, ends it.
    silent: bool = False

    @classmethod
    def json(cls, obj: Any, exit_code: int = 0, **kwargs: Any) -> Reply:
        """A script that writes one JSON document, like ``ConvertTo-Json -Compress``."""
        return cls(stdout=json.dumps(obj, ensure_ascii=False) + "\r\n", exit_code=exit_code,
                   **kwargs)


class Behaviour(Protocol):
    """Decides what a command does on one simulated host.

    ``command`` is ``rsp:Command`` verbatim, ``args`` the ``rsp:Arguments`` elements (pywinrm
    joins all arguments into one), ``script`` the decoded ``-EncodedCommand`` if the command
    line runs PowerShell that way. Runs in the handler thread at Command time;
    ``current_shell()`` gives the shell (environment, code page) if needed.
    """

    def run(self, command: str, args: list[str], script: str | None) -> Reply: ...


BehaviourLike = Behaviour | Callable[[str, list[str], str | None], Reply]


@dataclass
class StaticBehaviour:
    """Every command gets the same reply."""

    reply: Reply

    def run(self, command: str, args: list[str], script: str | None) -> Reply:
        return self.reply


@dataclass
class EchoBehaviour:
    """Prints the decoded script (or the command line) back: handy for round-trip tests."""

    exit_code: int = 0

    def run(self, command: str, args: list[str], script: str | None) -> Reply:
        text = script if script is not None else " ".join([command, *args])
        return Reply(stdout=text, exit_code=self.exit_code)


@dataclass
class RuleBehaviour:
    """First rule whose needle occurs in the script (or command line) wins; else ``default``."""

    rules: list[tuple[str, Reply]]
    default: Reply = field(default_factory=lambda: Reply(stderr="unexpected script\r\n",
                                                         exit_code=1))

    def run(self, command: str, args: list[str], script: str | None) -> Reply:
        haystack = script if script is not None else " ".join([command, *args])
        for needle, reply in self.rules:
            if needle in haystack:
                return reply
        return self.default


def clixml_stderr(*messages: str) -> bytes:
    """stderr as powershell.exe writes it under WinRS (CLIXML), which ``run_ps`` cleans up."""
    parts = "".join(
        f'<S S="Error">{escape(m)}_x000D__x000A_</S>' for m in messages
    )
    return (
        "#< CLIXML\r\n"
        '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        f"{parts}</Objs>"
    ).encode()


def decode_powershell(command_line: str) -> str | None:
    """The script of ``powershell [...] -EncodedCommand <base64 UTF-16LE>``, else None.

    Accepts any unambiguous abbreviation (``-enc``, ``-e``) and ``-Command <text>``, as
    powershell.exe does; ``Session.run_ps`` sends ``powershell -encodedcommand <b64>``.
    """
    tokens = command_line.split()
    if not tokens or not re.fullmatch(r"(?i)(.*[\\/])?powershell(\.exe)?", tokens[0]):
        return None
    for i, token in enumerate(tokens[1:], start=1):
        low = token.lower().lstrip("-/")
        if not token.startswith(("-", "/")) or not low:
            continue
        is_encoded = low == "ec" or ("encodedcommand".startswith(low) and low[0] == "e")
        if is_encoded and i + 1 < len(tokens):
            try:
                return base64.b64decode(tokens[i + 1], validate=True).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError):
                return None
        if low in ("command", "c") and i + 1 < len(tokens):
            return " ".join(tokens[i + 1:])
    return None


# --- records a test can assert on ------------------------------------------------------------


@dataclass
class ShellRecord:
    """A shell as the client asked for it (Create options honoured or recorded)."""

    shell_id: str
    user: str
    codepage: int
    noprofile: bool
    input_streams: str
    output_streams: str
    working_directory: str | None
    environment: dict[str, str]
    idle_timeout: str | None
    closed: bool = False


@dataclass
class CommandRecord:
    """One Command request and what became of it."""

    shell_id: str
    command_id: str
    command: str
    args: list[str]
    script: str | None
    user: str
    skip_cmd_shell: bool
    receives: int = 0
    timeouts: int = 0
    completed: bool = False  # Done was delivered
    signals: list[str] = field(default_factory=list)
    stdin: bytes = b""
    rejected: str | None = None  # e.g. "command line too long"


@dataclass(frozen=True)
class AuthRecord:
    """How one HTTP request was authenticated and carried (what crossed the wire)."""

    mechanism: str  # "basic", "ntlm" or "kerberos" (as the acceptor negotiated it)
    user: str  # the configured user it mapped to
    principal: str  # what the client proved: "DOMAIN\\user", "user@REALM" or the Basic name
    encrypted: bool  # the body arrived sealed (multipart/encrypted) and was unsealed
    body: bytes = b""  # the raw request body, with ``record_wire=True`` only


_CURRENT_SHELL: contextvars.ContextVar[ShellRecord | None] = contextvars.ContextVar(
    "wsman_current_shell", default=None
)


def current_shell() -> ShellRecord | None:
    """The shell a behaviour is running in (only valid inside ``Behaviour.run``)."""
    return _CURRENT_SHELL.get()


# --- certificates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoopbackPKI:
    """A throw-away CA and a server certificate for 127.0.0.1 / localhost (EC P-256: fast)."""

    directory: Path
    ca_file: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def create(cls, directory: Path, name: str = "gitc-wsman-test") -> LoopbackPKI:
        """Write ca.pem, server.pem and server.key under ``directory``."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
        ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name).issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ca_ski, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost"),
            ]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        pki = cls(directory, directory / "ca.pem", directory / "server.pem",
                  directory / "server.key")
        pki.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        pki.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        pki.key_file.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        return pki

    @functools.cached_property
    def channel_binding(self) -> bytes:
        """RFC 5929 ``tls-server-end-point`` data, what NTLM/Kerberos bind to over HTTPS."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization

        cert = x509.load_pem_x509_certificate(self.cert_file.read_bytes())
        algorithm = cert.signature_hash_algorithm
        if algorithm is None or algorithm.name in ("md5", "sha1"):
            algorithm = hashes.SHA256()
        digest = hashes.Hash(algorithm)
        digest.update(cert.public_bytes(serialization.Encoding.DER))
        return b"tls-server-end-point:" + digest.finalize()

    @functools.cached_property
    def server_context(self) -> ssl.SSLContext:
        """One context shared by every server using this PKI (loading it per server is slow)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


@functools.cache
def default_pki() -> LoopbackPKI:
    """The process-wide PKI, generated once and removed at exit."""
    directory = Path(tempfile.mkdtemp(prefix="wsman-pki-"))
    atexit.register(shutil.rmtree, directory, True)
    return LoopbackPKI.create(directory)


# --- sockets: one accept thread for every server -----------------------------------------------


class _AcceptHub:
    """Accepts connections for all servers on one thread, so an idle host costs no thread."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._ops: list[tuple[bool, _HTTPServer, threading.Event]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._run, name="wsman-accept", daemon=True).start()

    def add(self, httpd: _HTTPServer) -> None:
        self._submit(True, httpd)

    def remove(self, httpd: _HTTPServer) -> None:
        self._submit(False, httpd)

    def _submit(self, add: bool, httpd: _HTTPServer) -> None:
        # Selector changes happen on the hub thread only; we wait so a removed socket is
        # never closed while still registered (its fd number could be reused).
        done = threading.Event()
        with self._lock:
            self._ops.append((add, httpd, done))
        with contextlib.suppress(BlockingIOError):
            self._wake_w.send(b"\0")
        if not done.wait(10):
            raise RuntimeError("wsman accept thread did not respond")

    def _run(self) -> None:
        while True:
            for key, _ in self._selector.select():
                if key.data is None:
                    self._apply_ops()
                else:
                    self._accept(key.data)

    def _apply_ops(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._wake_r.recv(4096):
                pass
        with self._lock:
            ops, self._ops = self._ops, []
        for add, httpd, done in ops:
            try:
                if add:
                    self._selector.register(httpd.socket, selectors.EVENT_READ, httpd)
                else:
                    self._selector.unregister(httpd.socket)
            except (KeyError, ValueError, OSError):
                pass
            done.set()

    @staticmethod
    def _accept(httpd: _HTTPServer) -> None:
        for _ in range(64):  # drain the backlog, but stay fair to other servers
            try:
                request, address = httpd.get_request()
            except OSError:  # BlockingIOError: nothing left; others: socket closing
                return
            try:
                httpd.process_request(request, address)  # ThreadingMixIn: one thread each
            except RuntimeError:  # cannot start a thread: refuse like an overloaded host
                httpd.shutdown_request(request)


_hub_lock = threading.Lock()
_hub: _AcceptHub | None = None


def _get_hub() -> _AcceptHub:
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = _AcceptHub()
        return _hub


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # many clients may connect at once (benchmark)

    def __init__(self, owner: WSManServer, address: tuple[str, int]) -> None:
        self.owner = owner
        super().__init__(address, _Handler)
        self.socket.setblocking(False)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Runs in the connection's thread: TLS handshake here keeps the accept thread free."""
        self.owner._serve_connection(self, request, client_address)


class _Abort(Exception):
    """The server is stopping: drop the connection without an answer."""


@dataclass
class _Negotiation:
    """A Negotiate (NTLM/Kerberos) security context; HTTP.sys binds it to the TCP connection."""

    context: Any  # spnego.ContextProxy
    user: str | None = None  # set once the context is complete and the user is known
    principal: str = ""


# pyspnego's NTLM acceptor reads its user store from NTLM_USER_FILE and GSSAPI its keytab from
# KRB5_KTNAME; both are process-wide, so every acceptor step runs under this lock with the
# stepping server's own files in place. The keys are set once and then only change value, so a
# thread iterating os.environ meanwhile is not disturbed.
_ACCEPTOR_ENV_LOCK = threading.Lock()


@contextlib.contextmanager
def _acceptor_env(values: Mapping[str, str]) -> Iterator[None]:
    with _ACCEPTOR_ENV_LOCK:
        for key, value in values.items():
            if os.environ.get(key) != value:
                os.environ[key] = value
        yield


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests/pywinrm expect
    server_version = "Microsoft-HTTPAPI/2.0"
    timeout = 120  # idle keep-alive connections
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        try:
            self.server.owner._handle_post(self)
        except _Abort:
            self.close_connection = True

    def _not_allowed(self) -> None:
        self.server.owner._send(self, 405, b"", "text/plain")

    do_GET = do_PUT = do_DELETE = _not_allowed

    # per connection: the Negotiate context (NTLM/Kerberos authenticate the connection)
    negotiation: _Negotiation | None = None
    # per request: the context that unsealed the request (the answer is sealed with it) and
    # headers for the answer (the acceptor's last token, Kerberos' mutual authentication)
    seal: Any = None
    auth_headers: list[tuple[str, str]] = []  # noqa: RUF012 - replaced per request


# --- the simulated host ---------------------------------------------------------------------------


@dataclass
class _Command:
    record: CommandRecord
    reply: Reply
    codepage: int
    ready_at: float
    out: bytearray = field(default_factory=bytearray)
    err: bytearray = field(default_factory=bytearray)
    final_released: bool = False
    garbage_pending: bool = False
    gone: bool = False
    wake: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Shell:
    record: ShellRecord
    commands: dict[str, _Command] = field(default_factory=dict)


@dataclass
class _Request:
    action: str
    message_id: str
    resource_uri: str
    operation_timeout: float
    selectors: dict[str, str]
    options: dict[str, str]
    body: ET.Element
    user: str


def _encode(data: bytes | str, codepage: int) -> bytes:
    if isinstance(data, bytes):
        return data
    encoding = "utf-8" if codepage == 65001 else f"cp{codepage}"
    try:
        return data.encode(encoding, errors="replace")
    except LookupError:
        return data.encode("utf-8")


def _parse_duration(text: str | None) -> float:
    m = _DURATION.match((text or "").strip())
    if not m or not any(m.groups()):
        return _WINDOWS_DEFAULT_OPERATION_TIMEOUT
    d, h, mi, s = m.groups()
    return int(d or 0) * 86400 + int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def _seal(context: Any, body: bytes, ctype: str) -> bytes:
    """One MS-WSMV 2.2.9.1.1 encrypted part: the length-prefixed signature, then the sealed data."""
    wrapped = context.wrap_winrm(body)
    payload = struct.pack("<I", len(wrapped.header)) + wrapped.header + wrapped.data
    return (_BOUNDARY + b"\r\n\tContent-Type: " + ENCRYPTED_PROTOCOL.encode() + b"\r\n"
            + b"\tOriginalContent: type=" + ctype.encode() + b";Length=" + str(len(body)).encode()
            + b"\r\n" + _BOUNDARY + b"\r\n" + _OCTET_STREAM + payload + _BOUNDARY + b"--\r\n")


def _unseal(context: Any, body: bytes) -> tuple[bytes, str]:
    """The plain message and its original content type; ValueError if it is not well formed."""
    if not body.endswith(_BOUNDARY + b"--\r\n"):
        raise ValueError("no closing boundary")
    parts = [p for p in body[: -len(_BOUNDARY) - 4].split(_BOUNDARY + b"\r\n") if p]
    if len(parts) != 2 or not parts[1].startswith(_OCTET_STREAM):
        raise ValueError("expected one header part and one octet-stream part")
    header = parts[0].decode("ascii")
    m = re.search(r"OriginalContent:\s*type=([^\r\n]*?);Length=(\d+)", header)
    if ENCRYPTED_PROTOCOL not in header or m is None:
        raise ValueError("no OriginalContent")
    payload = parts[1][len(_OCTET_STREAM):]
    (length,) = struct.unpack("<I", payload[:4])
    plain = context.unwrap_winrm(payload[4:4 + length], payload[4 + length:])
    if len(plain) != int(m.group(2)):
        raise ValueError("length does not match OriginalContent")
    return plain, m.group(1)


class WSManServer:
    """One simulated Windows host answering ``POST /wsman`` (WinRS cmd shell) on loopback.

    Use as a context manager; ``endpoint``, ``ca_file`` and ``auth`` tell a client how to reach
    it, and the record properties (``scripts``, ``commands``, ``shells``, ``actions``...) tell
    a test what the client did.
    """

    def __init__(
        self,
        behaviour: BehaviourLike | None = None,
        *,
        scheme: Literal["http", "https"] = "https",
        users: Mapping[str, str] | None = None,
        latency: float = 0.0,
        pki: LoopbackPKI | None = None,
        max_operation_timeout: float | None = None,
        max_shells_per_user: int | None = 30,
        max_command_line: int | None = 8191,
        max_receive_bytes: int = 65536,
        garbage: bytes | None = None,
        machine: str = "WIN-GITC-TEST",
        host: str = "127.0.0.1",
        auth: Sequence[str] = ("basic", "negotiate"),
        keytab: Path | str | None = None,
        server_name: str | None = None,
        allow_unencrypted: bool = False,
        record_wire: bool = False,
    ) -> None:
        """
        behaviour: what commands do (an object with ``run`` or a plain callable).
        users: accepted credentials, usernames case-insensitive like Windows. Basic and NTLM
            check the password (NTLM as ``user``, ``MACHINE\\user`` or ``DOMAIN\\user`` if the
            key names a domain); Kerberos accepts a listed ``user@REALM`` (or bare ``user``)
            whose ticket the keytab's key decrypts.
        latency: seconds slept before answering every HTTP request (simulated RTT/load).
        max_operation_timeout: caps how long a Receive waits, whatever ``w:OperationTimeout``
            the client sent; a test knob (not Windows) so pywinrm's default PT20S is fast.
        max_shells_per_user: Windows' MaxShellsPerUser quota (default 30), None = unlimited.
        max_command_line: cmd.exe's limit; longer command lines fail like cmd does.
        max_receive_bytes: output bytes per Receive; more stays pending with State Running.
        garbage: answer every POST (after auth) with this non-SOAP body: a host that is not
            WinRM.
        auth: the schemes offered, "basic" and/or "negotiate" (NTLM, and Kerberos if
            ``keytab`` is given).
        keytab: the service key(s) for ``HTTP/<server_name>``, exported from a KDC.
        server_name: the host name in ``endpoint`` (default ``host``); Kerberos' SPN uses it.
        allow_unencrypted: Windows' AllowUnencrypted. False (Windows' default): over HTTP,
            Basic is refused and a Negotiate session must seal every message.
        record_wire: keep every authenticated request's raw body in ``auth_log``.
        """
        self.behaviour = behaviour if behaviour is not None else EchoBehaviour()
        self.scheme = scheme
        self.users = dict(users) if users is not None else {"Administrator": "Passw0rd!"}
        self.latency = latency
        self.pki = (pki or default_pki()) if scheme == "https" else pki
        self.max_operation_timeout = max_operation_timeout
        self.max_shells_per_user = max_shells_per_user
        self.max_command_line = max_command_line
        self.max_receive_bytes = max_receive_bytes
        self.garbage = garbage
        self.machine = machine
        self.host = host
        self.auth_schemes = tuple(a.lower() for a in auth)
        self.keytab = Path(keytab) if keytab is not None else None
        self.server_name = server_name or host
        self.allow_unencrypted = allow_unencrypted
        self.record_wire = record_wire
        self._ntlm_store: Path | None = None
        self._auth_log: list[AuthRecord] = []
        self._auth_errors: list[str] = []
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._shells: dict[str, _Shell] = {}
        self._shell_records: list[ShellRecord] = []
        self._command_records: list[CommandRecord] = []
        self._actions: list[str] = []
        self._auth_users: list[str] = []
        self._auth_failures: list[str | None] = []
        self._errors: list[str] = []
        self._requests = 0
        self._timeouts = 0
        self._tls_failures = 0
        self._connections: set[Any] = set()
        self._idle = threading.Condition(self._lock)
        self._httpd: _HTTPServer | None = None
        self.port = 0

    # -- lifecycle --

    def start(self) -> WSManServer:
        """Bind an ephemeral port and start answering."""
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer(self, (self.host, 0))
        self.port = self._httpd.server_address[1]
        _get_hub().add(self._httpd)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, wake waiting Receives and drop open connections (bounded)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        _get_hub().remove(httpd)
        httpd.server_close()
        if self._ntlm_store is not None:
            shutil.rmtree(self._ntlm_store.parent, ignore_errors=True)
        self._closing.set()
        with self._lock:
            for shell in self._shells.values():
                for cmd in shell.commands.values():
                    cmd.wake.set()
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._idle.wait_for(lambda: not self._connections, timeout)

    def __enter__(self) -> WSManServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a client needs --

    @property
    def endpoint(self) -> str:
        return f"{self.scheme}://{self.server_name}:{self.port}/wsman"

    @property
    def ca_file(self) -> str | None:
        return str(self.pki.ca_file) if self.pki is not None else None

    @property
    def auth(self) -> tuple[str, str]:
        """The first configured (username, password)."""
        return next(iter(self.users.items()))

    # -- what the client did (copies, safe to read while the server runs) --

    @property
    def requests(self) -> int:
        """HTTP POSTs received, including rejected ones."""
        with self._lock:
            return self._requests

    @property
    def actions(self) -> list[str]:
        """Short action names in arrival order (Create, Command, Receive, Signal, Delete...)."""
        with self._lock:
            return list(self._actions)

    @property
    def auth_users(self) -> list[str]:
        """Username of every authenticated request."""
        with self._lock:
            return list(self._auth_users)

    @property
    def auth_log(self) -> list[AuthRecord]:
        """Mechanism, user and sealing of every authenticated request, in order."""
        with self._lock:
            return list(self._auth_log)

    @property
    def auth_errors(self) -> list[str]:
        """Why the Negotiate acceptor refused a token (pyspnego's/GSSAPI's message)."""
        with self._lock:
            return list(self._auth_errors)

    @property
    def auth_failures(self) -> list[str | None]:
        """Username (None if no Basic header or the Negotiate context failed) of every request
        answered with a final 401 (a Negotiate challenge leg is not a failure)."""
        with self._lock:
            return list(self._auth_failures)

    @property
    def commands(self) -> list[CommandRecord]:
        with self._lock:
            return [replace(c, args=list(c.args), signals=list(c.signals))
                    for c in self._command_records]

    @property
    def scripts(self) -> list[str | None]:
        """Decoded PowerShell scripts (None for non-PowerShell commands), in order."""
        with self._lock:
            return [c.script for c in self._command_records]

    @property
    def shells(self) -> list[ShellRecord]:
        with self._lock:
            return [replace(s, environment=dict(s.environment)) for s in self._shell_records]

    @property
    def open_shells(self) -> list[str]:
        with self._lock:
            return list(self._shells)

    @property
    def shells_opened(self) -> int:
        with self._lock:
            return len(self._shell_records)

    @property
    def shells_closed(self) -> int:
        with self._lock:
            return sum(s.closed for s in self._shell_records)

    @property
    def timeouts(self) -> int:
        """Operation-timeout faults sent for Receive."""
        with self._lock:
            return self._timeouts

    @property
    def tls_failures(self) -> int:
        with self._lock:
            return self._tls_failures

    @property
    def errors(self) -> list[str]:
        """Exceptions raised by the behaviour (answered with an InternalError fault)."""
        with self._lock:
            return list(self._errors)

    @property
    def cleaned_up(self) -> bool:
        """Every command was signalled to terminate and every shell deleted."""
        with self._lock:
            return not self._shells and all(
                SIGNAL_TERMINATE in c.signals for c in self._command_records
            )

    # -- connection handling --

    def _serve_connection(self, httpd: _HTTPServer, sock: socket.socket,
                          client_address: Any) -> None:
        with self._lock:
            self._connections.add(sock)
        try:
            conn: Any = sock
            # Answer without Nagle's delay: headers and body go out in two writes, and the
            # client's delayed ACK would otherwise add ~40 ms to every request (Windows' HTTP.sys
            # sends an answer at once).
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.scheme == "https":
                assert self.pki is not None
                sock.settimeout(10)  # bound the handshake
                try:
                    conn = self.pki.server_context.wrap_socket(sock, server_side=True)
                except (OSError, ValueError):
                    with self._lock:
                        self._tls_failures += 1
                    return
                with self._lock:
                    self._connections.discard(sock)
                    self._connections.add(conn)
            if self._closing.is_set():
                return
            with contextlib.suppress(OSError, ValueError):
                _Handler(conn, client_address, httpd)
        finally:
            with self._lock:
                self._connections.discard(sock)
                self._connections.discard(conn)
                self._idle.notify_all()
            with contextlib.suppress(OSError):
                conn.close()

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str,
              headers: Sequence[tuple[str, str]] = ()) -> None:
        seal = getattr(h, "seal", None)
        if seal is not None and body:
            body = _seal(seal, body, ctype)
            ctype = (f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";'
                     'boundary="Encrypted Boundary"')
        h.send_response(status)
        for name, value in [*getattr(h, "auth_headers", ()), *headers]:
            h.send_header(name, value)
        if body or status != 401:
            h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._closing.wait(seconds):
            raise _Abort

    def _challenge(self) -> list[tuple[str, str]]:
        offered = []
        if "negotiate" in self.auth_schemes:
            offered.append(("WWW-Authenticate", "Negotiate"))
        if "basic" in self.auth_schemes:
            offered.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return offered

    def _refuse(self, h: BaseHTTPRequestHandler, user: str | None) -> None:
        h.negotiation = None  # type: ignore[attr-defined]
        h.auth_headers = []  # type: ignore[attr-defined]
        with self._lock:
            self._auth_failures.append(user)
            self._actions.append("401")
        self._send(h, 401, b"", "", self._challenge())

    def _check_auth(self, h: BaseHTTPRequestHandler) -> tuple[str, str, str] | None:
        """(user, mechanism, principal), or None after answering 401 (refused or a challenge)."""
        header = h.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        user: str | None = None
        plain_http = self.scheme == "http" and not self.allow_unencrypted
        if scheme.lower() == "basic" and "basic" in self.auth_schemes:
            try:
                raw = base64.b64decode(value.strip(), validate=True)
            except binascii.Error:
                raw = b""
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # what requests sends for non-ASCII str
            user, sep, password = text.partition(":")
            if sep and not plain_http:  # Windows refuses Basic over HTTP unless allowed
                for known, secret in self.users.items():
                    if known.lower() == user.lower() and secret == password:
                        return known, "basic", user
        elif scheme.lower() in _NEGOTIATE_SCHEMES and "negotiate" in self.auth_schemes:
            return self._negotiate(h, scheme, value)
        elif not header:
            done = getattr(h, "negotiation", None)
            if done is not None and done.user is not None:  # the connection is authenticated
                return done.user, done.context.negotiated_protocol, done.principal
        self._refuse(h, user)
        return None

    def _acceptor_files(self) -> dict[str, str]:
        """The env pyspnego's acceptor reads: this server's NTLM user store and keytab."""
        if self._ntlm_store is None:
            lines = []
            for name, password in self.users.items():
                if ":" in name + password or "\n" in name + password:
                    continue  # the store's line format cannot hold it: NTLM refuses this user
                domain, sep, bare = name.rpartition("\\")
                domains = [domain] if sep else ["", self.machine]
                lines += [f"{d}:{bare}:{password}" for d in domains]
            store = Path(tempfile.mkdtemp(prefix="wsman-ntlm-")) / "users"
            store.write_text("\n".join(lines) + "\n")
            self._ntlm_store = store
        # no keytab: a missing file, so another server's keytab is never used for this one
        keytab = self.keytab or self._ntlm_store.parent / "no.keytab"
        return {"NTLM_USER_FILE": str(self._ntlm_store), "KRB5_KTNAME": f"FILE:{keytab}"}

    def _known_user(self, principal: str, mechanism: str) -> str | None:
        """The configured user a proven principal is; Kerberos needs it listed as well."""
        bare = principal.rpartition("\\")[2].partition("@")[0].lower()
        for known in self.users:
            if known.lower() == principal.lower():
                return known
        for known in self.users:
            if mechanism == "kerberos" and "@" in known:
                continue  # a listed user@REALM must match in full
            if known.rpartition("\\")[2].lower() == bare:
                return known
        return None

    def _negotiate(self, h: BaseHTTPRequestHandler, scheme: str,
                   value: str) -> tuple[str, str, str] | None:
        import spnego
        from spnego.channel_bindings import GssChannelBindings

        try:
            token = base64.b64decode(value.strip(), validate=True)
        except binascii.Error:
            token = b""
        state: _Negotiation | None = getattr(h, "negotiation", None)
        if not token:
            self._refuse(h, None)
            return None
        try:
            with _acceptor_env(self._acceptor_files()):
                if state is None or state.context.complete:
                    cbt = None
                    if self.scheme == "https" and self.pki is not None:
                        cbt = GssChannelBindings(application_data=self.pki.channel_binding)
                    state = _Negotiation(spnego.server(
                        hostname=self.server_name, service="http", channel_bindings=cbt,
                        protocol="negotiate"))
                    h.negotiation = state  # type: ignore[attr-defined]
                out = state.context.step(token)
        except Exception as exc:  # a bad password, a foreign ticket, a broken token: all just 401
            with self._lock:
                self._auth_errors.append(f"{type(exc).__name__}: {exc}")
            self._refuse(h, None)
            return None
        reply = [("WWW-Authenticate", f"{scheme} {base64.b64encode(out).decode()}")] if out else []
        if not state.context.complete:
            h.auth_headers = []  # type: ignore[attr-defined]
            self._send(h, 401, b"", "", reply)  # the challenge leg: keep the connection
            return None
        mechanism = state.context.negotiated_protocol
        principal = str(state.context.client_principal or "")
        user = self._known_user(principal, mechanism)
        if user is None:
            self._refuse(h, principal)
            return None
        state.user, state.principal = user, principal
        h.auth_headers = reply  # type: ignore[attr-defined]  # e.g. Kerberos' AP-REP
        return user, mechanism, principal

    def _handle_post(self, h: BaseHTTPRequestHandler) -> None:
        if "chunked" in h.headers.get("Transfer-Encoding", "").lower():
            self._send(h, 411, b"", "text/plain")
            h.close_connection = True
            return
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        h.rfile_body = body  # type: ignore[attr-defined]
        with self._lock:
            self._requests += 1
        self._sleep(self.latency)
        if h.path.split("?")[0].rstrip("/").lower() != "/wsman":
            self._send(h, 404, b"", "text/plain")
            return
        h.seal = None  # type: ignore[attr-defined]
        h.auth_headers = []  # type: ignore[attr-defined]
        authenticated = self._check_auth(h)
        if authenticated is None:
            return
        user, mechanism, principal = authenticated
        ctype = h.headers.get("Content-Type", "")
        encrypted = ctype.lower().startswith("multipart/encrypted")
        negotiation = getattr(h, "negotiation", None)
        if encrypted:
            if mechanism == "basic" or negotiation is None or ENCRYPTED_PROTOCOL not in ctype:
                self._send(h, 415, b"", "text/plain")
                return
            try:
                body, ctype = _unseal(negotiation.context, body)
            except Exception:  # tampered, out of sequence or not ours: Windows drops it too
                self._refuse(h, user)
                return
            h.seal = negotiation.context  # type: ignore[attr-defined]
        with self._lock:
            self._auth_users.append(user)
            self._auth_log.append(AuthRecord(
                mechanism, user, principal, encrypted,
                h.rfile_body if self.record_wire else b""))  # type: ignore[attr-defined]
        if not body and mechanism != "basic":
            # pywinrm's empty POST that sets up the context for message encryption
            self._send(h, 200, b"", "text/plain")
            return
        if self.scheme == "http" and not self.allow_unencrypted and not encrypted:
            with self._lock:
                self._actions.append("unencrypted")
            self._send(h, 400, b"", "text/plain")  # AllowUnencrypted=false
            return
        if self.garbage is not None:
            with self._lock:
                self._actions.append("garbage")
            self._send(h, 200, self.garbage, "text/html")
            return
        if not ctype.lower().startswith("application/soap+xml"):
            self._send(h, 415, b"", "text/plain")
            return
        try:
            req = self._parse(body, user)
        except (ET.ParseError, ValueError) as exc:
            self._reply_fault(h, "", "s:Sender", "w:SchemaValidationError",
                              f"The SOAP XML in the message does not match the schema: {exc}",
                              None)
            return
        short = req.action.rsplit("/", 1)[-1]
        with self._lock:
            self._actions.append(short)
        if req.resource_uri != RESOURCE_CMD:
            self._reply_fault(h, req.message_id, "s:Sender", "w:DestinationUnreachable",
                              "The WS-Management service cannot process the request. The "
                              "resource URI is not supported.", RESOURCE_NOT_FOUND_FAULT_CODE)
            return
        handler = {
            ACTION_CREATE: self._create,
            ACTION_COMMAND: self._command,
            ACTION_RECEIVE: self._receive,
            ACTION_SIGNAL: self._signal,
            ACTION_SEND: self._send_input,
            ACTION_DELETE: self._delete,
        }.get(req.action)
        if handler is None:
            self._reply_fault(h, req.message_id, "s:Sender", "a:ActionNotSupported",
                              f"The action is not supported by the service: {req.action}", None)
            return
        handler(h, req)

    @staticmethod
    def _parse(body: bytes, user: str) -> _Request:
        root = ET.fromstring(body)
        header = root.find(f"{{{NS_SOAP}}}Header")
        soap_body = root.find(f"{{{NS_SOAP}}}Body")
        if header is None or soap_body is None:
            raise ValueError("missing s:Header or s:Body")
        action = (header.findtext(f"{{{NS_ADDR}}}Action") or "").strip()
        message_id = (header.findtext(f"{{{NS_ADDR}}}MessageID") or "").strip()
        if not action or not message_id:
            raise ValueError("missing a:Action or a:MessageID")
        sels = {s.get("Name", ""): (s.text or "").strip()
                for s in header.iterfind(f"{{{NS_WSMAN}}}SelectorSet/{{{NS_WSMAN}}}Selector")}
        opts = {o.get("Name", ""): (o.text or "").strip()
                for o in header.iterfind(f"{{{NS_WSMAN}}}OptionSet/{{{NS_WSMAN}}}Option")}
        return _Request(
            action=action,
            message_id=message_id,
            resource_uri=(header.findtext(f"{{{NS_WSMAN}}}ResourceURI") or "").strip(),
            operation_timeout=_parse_duration(header.findtext(f"{{{NS_WSMAN}}}OperationTimeout")),
            selectors=sels,
            options=opts,
            body=soap_body,
            user=user,
        )

    # -- SOAP responses --

    def _envelope(self, action: str, relates_to: str, body: str) -> bytes:
        return (
            f'<s:Envelope xml:lang="en-US" xmlns:s="{NS_SOAP}" xmlns:a="{NS_ADDR}" '
            f'xmlns:x="{NS_TRANSFER}" xmlns:w="{NS_WSMAN}" xmlns:rsp="{NS_SHELL}" '
            f'xmlns:p="{NS_MSWSMAN}">'
            f"<s:Header><a:Action>{action}</a:Action>"
            f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
            f"<a:To>{ANONYMOUS}</a:To><a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header>"
            f"<s:Body>{body}</s:Body></s:Envelope>"
        ).encode()

    def _reply(self, h: BaseHTTPRequestHandler, action: str, relates_to: str, body: str) -> None:
        self._send(h, 200, self._envelope(action, relates_to, body), SOAP_CONTENT_TYPE)

    def _reply_fault(self, h: BaseHTTPRequestHandler, relates_to: str, code: str, subcode: str,
                     reason: str, wsman_code: int | None) -> None:
        detail = ""
        if wsman_code is not None:
            detail = (
                f'<s:Detail><f:WSManFault xmlns:f="{NS_FAULT}" Code="{wsman_code}" '
                f"Machine={quoteattr(self.machine)}><f:Message>{escape(reason)}</f:Message>"
                "</f:WSManFault></s:Detail>"
            )
        body = (
            f"<s:Fault><s:Code><s:Value>{code}</s:Value><s:Subcode><s:Value>{subcode}"
            f'</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">'
            f"{escape(reason)}</s:Text></s:Reason>{detail}</s:Fault>"
        )
        self._send(h, 500, self._envelope(ACTION_FAULT, relates_to, body), SOAP_CONTENT_TYPE)

    def _shell_not_found(self, h: BaseHTTPRequestHandler, req: _Request, what: str) -> None:
        self._reply_fault(
            h, req.message_id, "s:Sender", "w:InvalidSelectors",
            f"The request for the Windows Remote Shell with ShellId {what} failed because the "
            "shell was not found on the server. Possible causes are: the specified ShellId is "
            "incorrect or the shell no longer exists on the server. Provide the correct ShellId "
            "or create a new shell and retry the operation.",
            SHELL_NOT_FOUND_FAULT_CODE,
        )

    def _lookup_shell(self, req: _Request) -> _Shell | None:
        shell = self._shells.get(req.selectors.get("ShellId", "").upper())
        if shell is None or shell.record.user.lower() != req.user.lower():
            return None  # Windows hides other users' shells
        return shell

    # -- actions --

    def _create(self, h: BaseHTTPRequestHandler, req: _Request) -> None:
        shell_el = req.body.find(f"{{{NS_SHELL}}}Shell")
        if shell_el is None:
            self._reply_fault(h, req.message_id, "s:Sender", "w:SchemaValidationError",
                              "rsp:Shell is missing", None)
            return
        try:
            codepage = int(req.options.get("WINRS_CODEPAGE", "437"))
        except ValueError:
            codepage = 437
        env = {v.get("Name", ""): v.text or ""
               for v in shell_el.iterfind(f"{{{NS_SHELL}}}Environment/{{{NS_SHELL}}}Variable")}
        shell_id = str(uuid.uuid4()).upper()
        record = ShellRecord(
            shell_id=shell_id,
            user=req.user,
            codepage=codepage,
            noprofile=req.options.get("WINRS_NOPROFILE", "FALSE").upper() == "TRUE",
            input_streams=(shell_el.findtext(f"{{{NS_SHELL}}}InputStreams") or "").strip(),
            output_streams=(shell_el.findtext(f"{{{NS_SHELL}}}OutputStreams") or "").strip(),
            working_directory=shell_el.findtext(f"{{{NS_SHELL}}}WorkingDirectory"),
            environment=env,
            idle_timeout=shell_el.findtext(f"{{{NS_SHELL}}}IdleTimeOut"),
        )
        with self._lock:
            mine = sum(s.record.user.lower() == req.user.lower() for s in self._shells.values())
            over = self.max_shells_per_user is not None and mine >= self.max_shells_per_user
            if not over:
                self._shells[shell_id] = _Shell(record)
                self._shell_records.append(record)
        if over:
            self._reply_fault(
                h, req.message_id, "s:Receiver", "w:InternalError",
                "The WS-Management service cannot process the request. This user is allowed a "
                f"maximum number of {self.max_shells_per_user} concurrent shells, which has "
                "been exceeded. Close existing shells or raise the quota for this user.",
                SHELL_QUOTA_FAULT_CODE)
            return
        self._reply(h, f"{NS_TRANSFER}/CreateResponse", req.message_id, (
            f"<x:ResourceCreated><a:Address>{escape(self.endpoint)}</a:Address>"
            f"<a:ReferenceParameters><w:ResourceURI>{RESOURCE_CMD}</w:ResourceURI>"
            f'<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
            "</a:ReferenceParameters></x:ResourceCreated>"
            f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId>"
            f"<rsp:ResourceUri>{RESOURCE_CMD}</rsp:ResourceUri>"
            f"<rsp:Owner>{escape(req.user)}</rsp:Owner><rsp:ClientIP>127.0.0.1</rsp:ClientIP>"
            "<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>"
            f"<rsp:InputStreams>{escape(record.input_streams)}</rsp:InputStreams>"
            f"<rsp:OutputStreams>{escape(record.output_streams)}</rsp:OutputStreams>"
            "</rsp:Shell>"
        ))

    def _command(self, h: BaseHTTPRequestHandler, req: _Request) -> None:
        line = req.body.find(f"{{{NS_SHELL}}}CommandLine")
        with self._lock:
            shell = self._lookup_shell(req)
        if shell is None:
            self._shell_not_found(h, req, req.selectors.get("ShellId", "?"))
            return
        if line is None:
            self._reply_fault(h, req.message_id, "s:Sender", "w:SchemaValidationError",
                              "rsp:CommandLine is missing", None)
            return
        command = (line.findtext(f"{{{NS_SHELL}}}Command") or "").strip()
        args = [a.text or "" for a in line.iterfind(f"{{{NS_SHELL}}}Arguments")]
        full = " ".join([command, *args])
        skip_cmd = req.options.get("WINRS_SKIP_CMD_SHELL", "FALSE").upper() == "TRUE"
        command_id = (line.get("CommandId") or str(uuid.uuid4())).upper()
        record = CommandRecord(
            shell_id=shell.record.shell_id, command_id=command_id, command=command, args=args,
            script=decode_powershell(full), user=req.user, skip_cmd_shell=skip_cmd)
        if not skip_cmd and self.max_command_line is not None and len(full) > self.max_command_line:
            record.rejected = "command line too long"
            reply = Reply(stderr=_CMD_TOO_LONG, exit_code=1)
        else:
            token = _CURRENT_SHELL.set(shell.record)
            try:
                run = getattr(self.behaviour, "run", self.behaviour)
                reply = run(command, args, record.script)
            except Exception as exc:
                with self._lock:
                    self._errors.append(f"{type(exc).__name__}: {exc}")
                self._reply_fault(h, req.message_id, "s:Receiver", "w:InternalError",
                                  f"The behaviour raised {type(exc).__name__}: {exc}", 1359)
                return
            finally:
                _CURRENT_SHELL.reset(token)
        now = time.monotonic()
        cmd = _Command(
            record=record, reply=reply, codepage=shell.record.codepage,
            ready_at=float("inf") if reply.hang else now + max(0.0, reply.delay),
            garbage_pending=reply.garbage is not None,
        )
        cmd.out += _encode(reply.progress, cmd.codepage)
        with self._lock:
            if self._lookup_shell(req) is not shell:  # deleted meanwhile
                self._shell_not_found(h, req, shell.record.shell_id)
                return
            shell.commands[command_id] = cmd
            self._command_records.append(record)
        self._reply(h, f"{NS_SHELL}/CommandResponse", req.message_id,
                    f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId>"
                    "</rsp:CommandResponse>")

    def _find_command(self, req: _Request, command_id: str) -> _Command | None:
        shell = self._lookup_shell(req)
        if shell is None:
            return None
        cmd = shell.commands.get(command_id.upper())
        return None if cmd is None or cmd.gone else cmd

    def _receive(self, h: BaseHTTPRequestHandler, req: _Request) -> None:
        stream = req.body.find(f"{{{NS_SHELL}}}Receive/{{{NS_SHELL}}}DesiredStream")
        command_id = (stream.get("CommandId", "") if stream is not None else "").upper()
        wait = req.operation_timeout
        if self.max_operation_timeout is not None:
            wait = min(wait, self.max_operation_timeout)
        deadline = time.monotonic() + wait
        first = True
        while True:
            with self._lock:
                cmd = self._find_command(req, command_id)
                if cmd is None:
                    break
                if first:
                    cmd.record.receives += 1
                    first = False
                silent = cmd.reply.silent
            if silent:
                self._closing.wait()
                raise _Abort
            with self._lock:
                if cmd.garbage_pending:
                    cmd.garbage_pending = False
                    assert cmd.reply.garbage is not None
                    garbage, status = cmd.reply.garbage, cmd.reply.garbage_status
                    self._actions.append("garbage")
                    return self._send(h, status, garbage, "text/html")
                now = time.monotonic()
                if not cmd.final_released and now >= cmd.ready_at:
                    cmd.final_released = True
                    cmd.out += _encode(cmd.reply.stdout, cmd.codepage)
                    cmd.err += _encode(cmd.reply.stderr, cmd.codepage)
                if cmd.out or cmd.err or cmd.final_released:
                    return self._reply(h, f"{NS_SHELL}/ReceiveResponse", req.message_id,
                                       self._take_output(cmd))
                if now >= deadline:
                    cmd.record.timeouts += 1
                    self._timeouts += 1
                    break
                cmd.wake.clear()
                wake_at = min(deadline, cmd.ready_at)
            if self._closing.is_set():
                raise _Abort
            cmd.wake.wait(max(0.0, wake_at - time.monotonic()))
        if cmd is None:
            self._shell_not_found(h, req, req.selectors.get("ShellId", "?"))
        else:
            self._reply_fault(h, req.message_id, "s:Receiver", "w:TimedOut", _TIMEOUT_TEXT,
                              OPERATION_TIMEOUT_FAULT_CODE)

    def _take_output(self, cmd: _Command) -> str:
        """Up to max_receive_bytes of pending output; Done + ExitCode once all is delivered."""
        budget = self.max_receive_bytes
        out = bytes(cmd.out[:budget])
        del cmd.out[:len(out)]
        err = bytes(cmd.err[:budget - len(out)])
        del cmd.err[:len(err)]
        done = cmd.final_released and not cmd.out and not cmd.err
        cid = cmd.record.command_id
        parts = []
        for name, data in (("stdout", out), ("stderr", err)):
            if data:
                parts.append(f'<rsp:Stream Name="{name}" CommandId="{cid}">'
                             f"{base64.b64encode(data).decode()}</rsp:Stream>")
        if done:
            cmd.record.completed = True
            parts.append(f'<rsp:Stream Name="stdout" CommandId="{cid}" End="true"></rsp:Stream>'
                         f'<rsp:Stream Name="stderr" CommandId="{cid}" End="true"></rsp:Stream>'
                         f'<rsp:CommandState CommandId="{cid}" State="{STATE_DONE}">'
                         f"<rsp:ExitCode>{cmd.reply.exit_code}</rsp:ExitCode></rsp:CommandState>")
        else:
            parts.append(f'<rsp:CommandState CommandId="{cid}" State="{STATE_RUNNING}"/>')
        return f"<rsp:ReceiveResponse>{''.join(parts)}</rsp:ReceiveResponse>"

    def _signal(self, h: BaseHTTPRequestHandler, req: _Request) -> None:
        signal = req.body.find(f"{{{NS_SHELL}}}Signal")
        command_id = (signal.get("CommandId", "") if signal is not None else "").upper()
        code = ((signal.findtext(f"{{{NS_SHELL}}}Code") if signal is not None else None)
                or "").strip()
        with self._lock:
            cmd = self._find_command(req, command_id)
            if cmd is not None:
                cmd.record.signals.append(code)
                if code == SIGNAL_TERMINATE:
                    cmd.gone = True
                    shell = self._lookup_shell(req)
                    if shell is not None:
                        shell.commands.pop(command_id, None)
                    cmd.wake.set()
        if cmd is None:
            self._shell_not_found(h, req, req.selectors.get("ShellId", "?"))
            return
        self._reply(h, f"{NS_SHELL}/SignalResponse", req.message_id, "<rsp:SignalResponse/>")

    def _send_input(self, h: BaseHTTPRequestHandler, req: _Request) -> None:
        stream = req.body.find(f"{{{NS_SHELL}}}Send/{{{NS_SHELL}}}Stream")
        command_id = (stream.get("CommandId", "") if stream is not None else "").upper()
        with self._lock:
            cmd = self._find_command(req, command_id)
            if cmd is not None and stream is not None and stream.text:
                with contextlib.suppress(binascii.Error):
                    cmd.record.stdin += base64.b64decode(stream.text)
        if cmd is None:
            self._shell_not_found(h, req, req.selectors.get("ShellId", "?"))
            return
        self._reply(h, f"{NS_SHELL}/SendResponse", req.message_id, "<rsp:SendResponse/>")

    def _delete(self, h: BaseHTTPRequestHandler, req: _Request) -> None:
        with self._lock:
            shell = self._lookup_shell(req)
            if shell is not None:
                del self._shells[shell.record.shell_id]
                shell.record.closed = True
                for cmd in shell.commands.values():
                    cmd.gone = True
                    cmd.wake.set()
        if shell is None:
            self._shell_not_found(h, req, req.selectors.get("ShellId", "?"))
            return
        self._reply(h, f"{NS_TRANSFER}/DeleteResponse", req.message_id, "")


@contextlib.contextmanager
def fleet(count: int, behaviour: Callable[[int], BehaviourLike] | None = None,
          **kwargs: Any) -> Iterator[list[WSManServer]]:
    """Start ``count`` hosts (``behaviour(i)`` picks each one's behaviour), stop them all after."""
    servers: list[WSManServer] = []
    try:
        for i in range(count):
            servers.append(WSManServer(behaviour(i) if behaviour else None, **kwargs).start())
        yield servers
    finally:
        for srv in servers:
            srv.stop()
