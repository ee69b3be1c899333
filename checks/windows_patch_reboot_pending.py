"""windows.patch.reboot_pending: updates installed but not active until the host restarts.

Component Based Servicing `RebootPending` and Windows Update `RebootRequired` are strong signals;
`PendingFileRenameOperations` is set by many installers, so it counts only if the profile says so.
An indicator the check counts must read true or false: anything else is unknown, not "clear".
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import WINDOWS_HOST_STATE

from ._windows_hosts import Host, windows_hosts


class Params(CheckParams):
    count_file_rename: bool = False


@check(
    id="windows.patch.reboot_pending",
    title="Installed updates are active (no pending reboot)",
    likelihood=3,
    impact=3,
    evidence=[WINDOWS_HOST_STATE],
    each=windows_hosts,
    params=Params,
    references=["ISO 27002:2022 8.8"],
    remediation="Restart the host in the next maintenance window so the installed updates "
                "take effect, and make restarts part of the patch process.",
)
def judge(host: Host, params: Params) -> Verdict:
    state = host.part("reboot", "reboot")
    if not isinstance(state, dict) or not {"cbs", "wu"} <= set(state):
        return unknown(msg("{host}: the pending-reboot indicators could not be read ({reason}), "
                           "so this was not assessed.", host=host.name,
                           reason=host.reason("reboot")))
    signals = [name for key, name in (("cbs", "Component Based Servicing RebootPending"),
                                      ("wu", "Windows Update RebootRequired"))
               if state.get(key) is True]
    if params.count_file_rename and state.get("pfro") is True:
        signals.append("PendingFileRenameOperations")
    last_boot = (host.data.get("os") or {}).get("last_boot")
    if signals:
        if last_boot:
            return fail(msg("{host}: a restart is pending ({signals}); installed updates are "
                            "not active. Last boot: {last_boot}.", host=host.name,
                            signals=", ".join(signals), last_boot=last_boot),
                        indicators=state, last_boot=last_boot)
        return fail(msg("{host}: a restart is pending ({signals}); installed updates are not "
                        "active. Last boot: unknown.", host=host.name, signals=", ".join(signals)),
                    indicators=state, last_boot=last_boot)
    judged = ("cbs", "wu", "pfro") if params.count_file_rename else ("cbs", "wu")
    unread = [k for k in judged if not isinstance(state.get(k), bool)]
    if unread:  # an indicator that is neither set nor clear is not "no restart pending"
        return unknown(msg("{host}: the pending-reboot indicator(s) {indicators} could not be "
                           "read ({reason}), so this was not assessed.", host=host.name,
                           indicators=", ".join(unread), reason=host.reason("reboot")))
    if state.get("pfro"):
        return ok(msg("{host}: no pending restart (PendingFileRenameOperations is set, a weak "
                      "signal not counted).", host=host.name), indicators=state,
                  last_boot=last_boot)
    return ok(msg("{host}: no pending restart.", host=host.name), indicators=state,
              last_boot=last_boot)
