"""Test lab: a throwaway Samba AD domain controller on a loopback address, for real LDAP tests."""
