"""The datafix checks and the audit-log collector exactly as they were at commit 953f08a, before
the audit log was streamed and reduced to groups: the oracle that tests/test_audit_log_scale.py
compares the new verdicts with. Frozen copies: never edit them to make a test pass."""
