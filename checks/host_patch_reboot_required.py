"""host.patch.reboot_required: updates on the admin host are active (no restart outstanding).

Signals: the reboot-required flag (only where update-notifier or unattended-upgrades maintain
it) and a newer kernel installed than the one running. With neither signal available the state
is unknown: `error`.
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok, unknown
from gitc_agent.model.kinds import HOST_STATE

from ._admin_host import AdminHost, admin_hosts


@check(
    id="host.patch.reboot_required",
    title="The admin host runs its installed updates (no restart outstanding)",
    likelihood=3,
    impact=3,
    evidence=[HOST_STATE],
    each=admin_hosts,
    params=CheckParams,
    references=["ISO 27002:2022 8.8"],
    remediation="Restart the admin host so the new kernel and libraries are in use; "
                "install needrestart to restart services after library updates.",
)
def judge(host: AdminHost, params: CheckParams) -> Verdict:
    state = host.data.get("reboot")
    if host.error_for("reboot") or not isinstance(state, dict):
        return unknown(f"{host.name}: the reboot state could not be read "
                       f"({host.error_for('reboot') or 'missing'}).")
    evidence = {k: state.get(k) for k in (
        "flag_present", "flag_supported", "running_kernel", "newest_kernel", "packages")}
    reasons = []
    if state.get("flag_present"):
        pkgs = state.get("packages") or []
        reasons.append(f"{state.get('flag_file')} exists"
                       + (f" (for {', '.join(pkgs[:8])})" if pkgs else ""))
    newest, running = state.get("newest_kernel"), state.get("running_kernel")
    if newest and running and newest != running:
        reasons.append(f"kernel {newest} is installed but {running} is running")
    if reasons:
        return fail(f"{host.name}: a restart is outstanding: {'; '.join(reasons)}.", **evidence)
    if not state.get("flag_supported") and not newest:
        return unknown(f"{host.name}: no reboot signal is available here (no reboot-required flag "
                       "maintained, no kernels under /boot), so whether updates are active is "
                       "unknown.", **evidence)
    return ok(f"{host.name}: no restart outstanding (running kernel {running}).", **evidence)
