"""Shipped policy profiles (YAML), installed as `gitc_agent.policies`."""
