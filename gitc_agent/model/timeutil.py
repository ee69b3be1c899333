"""One reading of the timestamps in evidence (ISO 8601, as the collectors write them).

Unreadable is None, never an exception and never a default: each caller decides what an unknown
time means for its verdict (an `error`, not a pass). A time without a zone is taken as UTC, the
zone the collectors write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """An aware datetime, or None for a missing, non-text or unparseable value."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
