"""gitc-agent: checks General IT Controls the way an IT auditor does and writes scored findings."""

__version__ = "0.1.0"
