"""Binary Windows security identifiers (objectSid, tokenGroups) as S-1-... text."""

from __future__ import annotations


def sid_to_str(raw: bytes) -> str:
    """Decode a binary SID (revision, sub-authority count, 48-bit big-endian authority, then
    little-endian 32-bit sub-authorities)."""
    if len(raw) < 8 or len(raw) != 8 + 4 * raw[1]:
        raise ValueError(f"not a binary SID ({len(raw)} bytes)")
    authority = int.from_bytes(raw[2:8], "big")
    subs = [int.from_bytes(raw[8 + 4 * i:12 + 4 * i], "little") for i in range(raw[1])]
    return "-".join(["S", str(raw[0]), str(authority), *map(str, subs)])
