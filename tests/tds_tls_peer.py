"""A TCP peer that speaks just enough TDS to make a client negotiate TLS: it answers the
client's PRELOGIN with "encryption on" and runs the TLS handshake inside PRELOGIN packets
(MS-TDS 2.2.6.5, 3.2.5.2), then hangs up. It records whether the handshake completed or why it
failed, so a test can show that the client (pymssql's FreeTDS) validated the certificate:
a client that refuses the chain aborts the handshake, one that refuses the host name hangs up
right after it, and one that accepts it sends its LOGIN7.

Why not a SQL Server: none can run here. This tests the TLS part of the live path for real
(FreeTDS, OpenSSL, the generated freetds.conf); login and queries are not reached.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from pathlib import Path

PRELOGIN, REPLY = 0x12, 0x04
VERSION = bytes([16, 0, 0x10, 0x27, 0, 0])  # 16.0.4135, sub-build 0
ENCRYPT_ON = 0x01


def _packet(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BBHHBB", kind, 0x01, 8 + len(payload), 0, 1, 0) + payload


def _prelogin_reply() -> bytes:
    options = [(0x00, VERSION), (0x01, bytes([ENCRYPT_ON]))]
    offset = 5 * len(options) + 1
    head, data = b"", b""
    for token, value in options:
        head += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    return head + b"\xff" + data


def _read_packet(conn: socket.socket) -> tuple[int, bytes]:
    header = _exactly(conn, 8)
    kind, _status, length = struct.unpack(">BBH", header[:4])
    return kind, _exactly(conn, length - 8)


def _exactly(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the client closed the connection")
        data += chunk
    return data


class TdsTlsPeer:
    """`with TdsTlsPeer(address, cert, key) as peer:` ... `peer.outcomes` lists, per
    connection, "login sent" (the client accepted the certificate and went on), "handshake
    completed, then the client hung up" (it refused the certificate's name after the handshake)
    or the reason the handshake failed (it refused the chain)."""

    def __init__(self, address: str, cert: Path, key: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((address, 0))
        self.listener.listen()
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.outcomes: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TdsTlsPeer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            conn.settimeout(10)
            try:
                self.outcomes.append(self._handshake(conn))
            except (OSError, ConnectionError, ssl.SSLError) as exc:
                self.outcomes.append(f"failed: {exc}")
            finally:
                conn.close()

    def _handshake(self, conn: socket.socket) -> str:
        kind, _ = _read_packet(conn)
        if kind != PRELOGIN:
            return f"failed: first packet type {kind:#x}, not PRELOGIN"
        conn.sendall(_packet(REPLY, _prelogin_reply()))
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.context.wrap_bio(incoming, outgoing, server_side=True)
        while True:
            try:
                tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            pending = outgoing.read()
            if pending:
                conn.sendall(_packet(PRELOGIN, pending))
            if done:  # a client that accepts the certificate goes on to send its LOGIN7
                try:
                    more = conn.recv(8)
                except OSError:
                    more = b""
                return "login sent" if more else "handshake completed, then the client hung up"
            kind, payload = _read_packet(conn)
            incoming.write(payload)
