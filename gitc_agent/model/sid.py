"""Windows security identifiers: binary objectSid/tokenGroups as S-1-... text, and how a policy
names a group (by SID, domain RID or DN, never by its name)."""

from __future__ import annotations

import re

_SID = re.compile(r"S-1-\d+(-\d+)*", re.IGNORECASE)
_RID = re.compile(r"RID:\d+", re.IGNORECASE)


def sid_to_str(raw: bytes) -> str:
    """Decode a binary SID (revision, sub-authority count, 48-bit big-endian authority, then
    little-endian 32-bit sub-authorities)."""
    if len(raw) < 8 or len(raw) != 8 + 4 * raw[1]:
        raise ValueError(f"not a binary SID ({len(raw)} bytes)")
    authority = int.from_bytes(raw[2:8], "big")
    subs = [int.from_bytes(raw[8 + 4 * i:12 + 4 * i], "little") for i in range(raw[1])]
    return "-".join(["S", str(raw[0]), str(authority), *map(str, subs)])


def group_key(value: str) -> str:
    """`value` stripped when it names a group by SID, domain RID (`RID:512`) or DN.

    Names are refused: they are localised ('Administrateurs') and can be renamed, so a policy that
    names a group would silently stop matching it."""
    text = value.strip()
    if _SID.fullmatch(text) or _RID.fullmatch(text) or "=" in text:
        return text
    raise ValueError(f"{value!r}: name a group by SID (S-1-5-32-544), domain RID (RID:512) or "
                     f"DN, not by name (names are localised and can be renamed)")
