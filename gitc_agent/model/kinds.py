"""Every evidence kind, named once: collectors write these, checks and the collection plan read them.

A kind is part of the evidence contract auditors keep: renaming one orphans saved evidence, so the
strings live here and nowhere else.
"""

from __future__ import annotations

AD_PASSWORD_POLICY = "ad.password_policy"  # the default domain policy and every PSO
AD_ACCOUNTS = "ad.accounts"  # users, computers and groups with their direct members
WINDOWS_HOST_STATE = "windows.host_state"  # one Windows host over WinRM
WINDOWS_TARGETS = "windows.targets"  # the Windows hosts found in the directory
HOST_STATE = "host.state"  # the admin host gitc-agent runs on
FEED_CISA_KEV = "feed.cisa_kev"  # the CISA Known Exploited Vulnerabilities catalog
FEED_CVE_FIX_MAP = "feed.cve_fix_map"  # the user's CVE -> KB / fixed build map
FEED_CSAF = "feed.csaf"  # one CSAF 2.0 advisory source (NCSC-NL, Microsoft): folder or mirror
VULN_INVENTORY = "vuln.inventory"  # installed software per host from an endpoint-manager export
VULN_TICKETS = "vuln.tickets"  # the back office's ticket export (advisories, patch rounds)
DATAFIX_REGISTER = "datafix.register"  # the datafix tickets
DATAFIX_DB_ROLES = "datafix.db_roles"  # database role memberships and the login mapping
DATAFIX_AUDIT_LOG = "datafix.audit_log"  # the database's own change log
EVENTS_SECURITY = "events.security"  # Windows Security events, reduced (logons, changes, coverage)
CONTROLS_REGISTER = "controls.register"  # the internal-control log (executions per period)
DB_INSTANCE = "db.instance"  # one database server: principals, memberships, hba, settings, audit
AD_GROUP_REVIEWS = "ad.group_reviews"  # review records of group re-certifications (`review import`)
HR_PERSONS = "hr.persons"  # the HR export: persons with start, end and department
HR_REQUESTS = "hr.requests"  # the joiner request (ticket) export

DATAFIX = (DATAFIX_REGISTER, DATAFIX_DB_ROLES, DATAFIX_AUDIT_LOG)
