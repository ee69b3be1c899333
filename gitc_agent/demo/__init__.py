"""The embedded demo: evidence of a fictional ministry, so a first run needs no server.

'Ministerie van Voorbeeldzaken' (corp.vbz.example): a weak default domain policy (length 8, no
lockout) and four fine-grained password policies; users, groups and nested administrators with
service, shared and dormant accounts; Windows hosts with stale patches, an open KEV CVE, a stopped
EDR agent and one whose Windows Update search was denied (so the demo run is incomplete, exit 3);
and the admin host. NCSC-NL and Microsoft CSAF mirrors (built by tests/csaf_demo_sources.py): an
overdue Urgent advisory, an undecidable one (also not assessed), a stale Microsoft mirror, and
the back office's ticket export with a patch round that has no CISO validation ticket.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

AS_OF = date(2026, 11, 16)  # the demo evidence was "collected" that morning


def evidence_dir() -> Path:
    return Path(str(resources.files("gitc_agent.demo") / "evidence"))


def policy_path() -> Path:
    """adr-gitc with the demo ministry's approvals, register, reviews, roles and accepted risks."""
    return Path(str(resources.files("gitc_agent.demo") / "adr-gitc-demo.yaml"))
