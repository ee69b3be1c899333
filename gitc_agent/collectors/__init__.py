"""Collectors talk to the outside world and produce evidence documents."""
