"""The domain-wide hygiene facts (domain object, Recycle Bin, functional levels) for the checks.

Why shared: each such check reads one value of the `domain` section; a missing section, a part
the collector could not read, or a value that is absent or not of its type must all be `error`.
"""

from __future__ import annotations

from typing import Any

from gitc_agent.core.check_api import msg
from gitc_agent.model.hygiene import Reason

from ._ad_hygiene import HygieneDomain


def domain_value(hd: HygieneDomain, key: str, kind: type, part: str = "hygiene.domain"
                 ) -> tuple[Any, Reason | None]:
    """(value, None) or (None, why it cannot be used: a phrase for the check's sentence)."""
    error = hd.hygiene.errors.get(part)
    if error and not hd.hygiene.problem:
        return None, error
    section, problem = hd.hygiene.section("domain")
    if problem:
        return None, problem
    value = section.get(key) if isinstance(section, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return None, msg("{key} is not in the evidence (not readable for the bound account)",
                         key=key)
    return value, None
