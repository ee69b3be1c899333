"""host.patch.reboot_required: updates on the admin host are active (no restart outstanding).

Signals: the reboot-required flag (only where update-notifier or unattended-upgrades maintain
it) and a newer kernel installed than the one running. With neither signal available the state
is unknown: `error`.
"""

from __future__ import annotations

from typing import Any

from gitc_agent.core.check_api import CheckParams, Message, Verdict, check, fail, msg, ok, unknown
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
        return unknown(msg("{host}: the reboot state could not be read ({reason}).",
                           host=host.name, reason=host.error_for("reboot") or msg("missing")))
    evidence = {k: state.get(k) for k in (
        "flag_present", "flag_supported", "running_kernel", "newest_kernel", "packages")}
    newest, running = state.get("newest_kernel"), state.get("running_kernel")
    outstanding = _outstanding(host.name, state, newest, running)
    if outstanding is not None:
        return fail(outstanding, **evidence)
    if not state.get("flag_supported") and not newest:
        return unknown(msg("{host}: no reboot signal is available here (no reboot-required "
                           "flag maintained, no kernels under /boot), so whether updates are "
                           "active is unknown.", host=host.name), **evidence)
    return ok(msg("{host}: no restart outstanding (running kernel {running}).", host=host.name,
                  running=str(running)), **evidence)


def _outstanding(name: str, state: dict[str, Any], newest: Any, running: Any) -> Message | None:
    """Why a restart is outstanding (the flag file, a newer kernel, or both), or None."""
    flag, pkgs = state.get("flag_present"), state.get("packages") or []
    kernel = bool(newest and running and newest != running)
    values = {"host": name, "flag": str(state.get("flag_file")),
              "packages": ", ".join(pkgs[:8]), "newest": str(newest), "running": str(running)}
    if flag and pkgs and kernel:
        return msg("{host}: a restart is outstanding: {flag} exists (for {packages}); kernel "
                   "{newest} is installed but {running} is running.", **values)
    if flag and kernel:
        return msg("{host}: a restart is outstanding: {flag} exists; kernel {newest} is "
                   "installed but {running} is running.", **_without(values, "packages"))
    if flag and pkgs:
        return msg("{host}: a restart is outstanding: {flag} exists (for {packages}).",
                   **_without(values, "newest", "running"))
    if flag:
        return msg("{host}: a restart is outstanding: {flag} exists.",
                   **_without(values, "packages", "newest", "running"))
    if kernel:
        return msg("{host}: a restart is outstanding: kernel {newest} is installed but "
                   "{running} is running.", **_without(values, "flag", "packages"))
    return None


def _without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in names}
