"""userAccountControl flags (MS-ADTS 2.2.16) that the collectors and checks read."""

from __future__ import annotations

ACCOUNT_DISABLED = 0x2  # ADS_UF_ACCOUNTDISABLE
PASSWORD_NEVER_EXPIRES = 0x10000  # ADS_UF_DONT_EXPIRE_PASSWD
