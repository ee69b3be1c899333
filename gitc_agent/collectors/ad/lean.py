"""A lean ldap3 SYNC strategy for bulk reads: search entries are decoded straight from BER.

Why: on one connection the client's pure-Python decoding, not the directory, sets the pace
(field notes: ldap3 ~1.9x `ldapsearch`). ldap3 decodes every message into a generic tree of
tuples, then builds two dictionaries per entry (raw values and schema-decoded values, the latter
never used here). This strategy parses a searchResEntry with a parser that knows its layout and
keeps only the DN and the raw values under lower-cased attribute names; every other message
(bind, search done, referrals, extended responses) still takes ldap3's own path. It also reads
the socket in large chunks and splits messages without re-copying the buffer per message.

Use `make_lean(conn)` before `conn.open()`. Entries then look like ldap3's
(`{"type", "dn", "raw_attributes"}`) but without the decoded `attributes`, so the connection
must not use ldap3's auto-range or empty-attribute filling (they touch `attributes`).
"""

from __future__ import annotations

from ldap3 import DIGEST_MD5, Connection
from ldap3.core.exceptions import LDAPSocketReceiveError
from ldap3.strategy.base import RESPONSE_COMPLETE, SESSION_TERMINATED_BY_SERVER
from ldap3.strategy.sync import SyncStrategy
from ldap3.utils.asn1 import decode_message_fast

_CHUNK = 256 * 1024
_ENTRY = 0x64  # [APPLICATION 4] constructed: searchResEntry
_STREAMING = ("searchResEntry", "searchResRef", "intermediateResponse")


def _length(buf: bytes, i: int) -> tuple[int, int]:
    """BER definite length at buf[i]: (length, index of the first content byte)."""
    first = buf[i]
    if first < 0x80:
        return first, i + 1
    count = first & 0x7F
    return int.from_bytes(buf[i + 1:i + 1 + count], "big"), i + 1 + count


class LowerKeyed(dict):
    """Raw attributes whose names are already lower-case (what `parse_entry` returns), so a
    reader of many entries can skip normalising them."""

    __slots__ = ()


#: attribute name as sent -> lower-cased text; a directory has few names, but a hostile server
#: could send many: the cache stops growing at _MAX_NAMES.
_NAMES: dict[bytes, str] = {}
_MAX_NAMES = 4096


def parse_entry(msg: bytes) -> tuple[int, str, LowerKeyed] | None:
    """(messageID, DN, {lower-cased attribute: [raw values]}) of a searchResEntry, else None.

    Short-form lengths (below 0x80: nearly every value) are read inline; this loop runs once
    per attribute value of every entry, so a function call per length was a third of its time.
    """
    _, i = _length(msg, 1)  # LDAPMessage SEQUENCE
    size, i = _length(msg, i + 1)  # messageID INTEGER
    message_id = int.from_bytes(msg[i:i + size], "big", signed=True)
    i += size
    if msg[i] != _ENTRY:
        return None
    _, i = _length(msg, i + 1)
    size, i = _length(msg, i + 1)  # objectName OCTET STRING
    dn = msg[i:i + size].decode("utf-8")
    i += size
    size, i = _length(msg, i + 1)  # attributes SEQUENCE OF
    end = i + size
    attrs = LowerKeyed()
    names = _NAMES
    while i < end:
        size = msg[i + 1]  # PartialAttribute SEQUENCE
        if size < 0x80:
            i += 2
        else:
            size, i = _length(msg, i + 1)
        next_attr = i + size
        size = msg[i + 1]  # type OCTET STRING
        if size < 0x80:
            i += 2
        else:
            size, i = _length(msg, i + 1)
        raw_name = msg[i:i + size]
        name = names.get(raw_name)
        if name is None:
            name = raw_name.decode("ascii", "replace").lower()
            if len(names) < _MAX_NAMES:
                names[raw_name] = name
        i += size
        size = msg[i + 1]  # vals SET OF
        if size < 0x80:
            i += 2
        else:
            size, i = _length(msg, i + 1)
        stop = i + size
        values = []
        while i < stop:
            size = msg[i + 1]
            if size < 0x80:
                i += 2
            else:
                size, i = _length(msg, i + 1)
            values.append(msg[i:i + size])
            i += size
        attrs[name] = values
        i = next_attr
    return message_id, dn, attrs


class LeanSyncStrategy(SyncStrategy):
    """SyncStrategy with a fast path for search entries (see the module docstring)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self._pending = b""

    def receiving(self) -> list[bytes]:
        if self.connection.sasl_mechanism == DIGEST_MD5:  # signed messages: ldap3's own path
            return super().receiving()
        buf = self._pending
        messages: list[bytes] = []
        while not messages:
            try:
                data = self.connection.socket.recv(_CHUNK)
            except (OSError, AttributeError) as exc:
                self.connection.last_error = f"error receiving data: {exc}"
                raise LDAPSocketReceiveError(self.connection.last_error) from None
            if not data:
                self._pending = b""
                return messages
            buf = buf + data if buf else data
            pos, total = 0, len(buf)
            while total - pos > 2:
                if buf[pos + 1] < 0x80:
                    head, length = 2, buf[pos + 1]
                else:
                    count = buf[pos + 1] & 0x7F
                    if total - pos < 2 + count:
                        break
                    head = 2 + count
                    length = int.from_bytes(buf[pos + 2:pos + head], "big")
                if total - pos < head + length:
                    break
                messages.append(buf[pos:pos + head + length])
                pos += head + length
            buf = buf[pos:]
        self._pending = buf
        return messages

    def _get_response(self, message_id: int, timeout: float | None):
        responses: list[dict] = []
        while True:
            messages = self.receiving()
            if not messages:
                return SESSION_TERMINATED_BY_SERVER
            for raw in messages:
                entry = parse_entry(raw) if raw[0] == 0x30 else None
                if entry is not None and entry[0] == message_id:
                    responses.append({"type": "searchResEntry", "dn": entry[1],
                                      "raw_attributes": entry[2]})
                    continue
                decoded = decode_message_fast(raw)
                response = self.decode_response_fast(decoded)
                received_id = int(decoded["messageID"])
                if received_id == message_id:
                    responses.append(response)
                    if response["type"] not in _STREAMING:
                        responses.append(RESPONSE_COMPLETE)
                        return responses
                elif received_id == 0 and response.get("responseName") == "1.3.6.1.4.1.1466.20036":
                    return SESSION_TERMINATED_BY_SERVER  # notice of disconnection
                else:
                    self.connection.last_error = f"unexpected LDAP message id {received_id}"
                    raise LDAPSocketReceiveError(self.connection.last_error)


def make_lean(conn: Connection) -> Connection:
    """Switch a not yet opened SYNC connection to the lean strategy."""
    strategy = LeanSyncStrategy(conn)
    conn.strategy = strategy
    # Connection binds these at construction: point them at the new strategy too.
    conn.send = strategy.send
    conn.open = strategy.open
    conn.get_response = strategy.get_response
    conn.post_send_single_response = strategy.post_send_single_response
    conn.post_send_search = strategy.post_send_search
    conn.auto_range = False
    conn.empty_attributes = False
    return conn
