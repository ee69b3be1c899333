"""A loopback WS-Management (WinRM/WinRS) server for tests.

It speaks the SOAP messages a Windows host's WinRM service speaks, so the collector can be
tested against unmodified pywinrm: real HTTP(S), Basic auth, shells, commands, Receive
operation timeouts, faults and cleanup, without a Windows machine.
"""
