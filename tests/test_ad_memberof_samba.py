"""The privileged cross-check against a real Samba AD DC, on one connection and with reader processes.

The bulk reads gather `memberOf` of users, computers and groups; an object that is none of these
(here a contact) is found by the one search for the rest. A privileged group whose `member` the
bound account cannot read must come out incomplete (an error), never as "no members"."""

from __future__ import annotations

import pytest

from gitc_agent.collectors.ad import accounts as ad_accounts
from gitc_agent.collectors.ad.session import connect
from gitc_agent.settings.config import ADSettings, BindSettings
from gitc_agent.settings.credentials import Secret
from tests.lab.samba_lab import SambaLab

pytestmark = pytest.mark.samba
MEMBER_GUID = "bf9679c0-0de6-11d0-a285-00aa003049e2"  # schemaIDGUID of `member`


def _collect(lab: SambaLab, user: str, password: str, parallel: int) -> tuple[dict, list[dict]]:
    bind = BindSettings(method="simple", user=user, secret=Secret(password, "test"))
    settings = ADSettings(servers=[lab.ldaps_url], base_dn=lab.base_dn, bind=bind, starttls=False,
                          ca_file=lab.ca_file, validate_certificate=True, timeout_seconds=30,
                          page_size=100, parallel_reads=parallel)
    conn, url = connect(settings)
    try:
        return ad_accounts.collect(conn, lab.base_dn, settings.page_size, settings, url)
    finally:
        conn.unbind()


@pytest.mark.parametrize("parallel", [1, 2])
def test_contact_in_a_group_with_unreadable_member_makes_it_incomplete(
        samba: SambaLab, parallel: int) -> None:
    contact = f"CN=ext-contact,CN=Users,{samba.base_dn}"
    printers = f"CN=Print Operators,CN=Builtin,{samba.base_dn}"
    samba.ldb("ldbadd", stdin=f"dn: {contact}\nobjectClass: contact\n")
    try:
        samba.ldb("ldbmodify", stdin=f"dn: {printers}\nchangetype: modify\nadd: member\n"
                                     f"member: {contact}\n")
        password = samba.create_user("auditor-mo")
        user = f"auditor-mo@{samba.realm}"

        data, errors = _collect(samba, user, password, parallel)  # member readable: complete
        group = next(g for g in data["groups"] if g["dn"].lower() == printers.lower())
        assert [m.lower() for m in group["members"]] == [contact.lower()]
        assert not any(e["part"] == f"group:{printers}" for e in errors), errors

        (rec,) = samba.search(samba.base_dn, "(sAMAccountName=auditor-mo)", "sub", "objectSid")
        samba.samba_tool("dsacl", "set", f"--objectdn={printers}",
                         f"--sddl=(OD;;RP;{MEMBER_GUID};;{rec['objectsid'][0]})")
        data, errors = _collect(samba, user, password, parallel)
        group = next(g for g in data["groups"] if g["dn"].lower() == printers.lower())
        assert group["members"] == [] and group["members_incomplete"] is True  # looked empty
        (error,) = [e for e in errors if e["part"].lower() == f"group:{printers}".lower()]
        assert "1 more object(s)" in error["message"] and "ext-contact" in error["message"]
    finally:  # the lab's restore removes users and groups only
        samba.ldb("ldbdel", contact)
