"""Built-in checks, installed as `gitc_agent.checks`. One module per check."""
