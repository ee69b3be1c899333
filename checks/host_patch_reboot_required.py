"""host.patch.reboot_required: updates on the admin host are active (no restart outstanding).

Signals: the reboot-required flag (only where update-notifier or unattended-upgrades maintain
it) and a newer kernel installed than the one running. With neither signal available the state
is unknown: `error`.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

KIND = "host.state"


@check(
    id="host.patch.reboot_required",
    title="The admin host runs its installed updates (no restart outstanding)",
    likelihood=3,
    impact=3,
    evidence=[KIND],
    params=CheckParams,
    references=["ISO 27002:2022 8.8"],
    remediation="Restart the admin host so the new kernel and libraries are in use; "
                "install needrestart to restart services after library updates.",
)
def reboot_required(evidence: EvidenceSet, params: CheckParams) -> Iterator[Outcome]:
    for doc in evidence.of_kind(KIND):
        source = doc.source
        subject = f"host:{doc.target}"
        state = doc.data.get("reboot")
        if doc.error_for("reboot") or not isinstance(state, dict):
            yield Outcome(subject, Status.ERROR, f"{doc.target}: the reboot state could not be "
                          f"read ({doc.error_for('reboot') or 'missing'}).", source)
            continue
        evidence = {**source, **{k: state.get(k) for k in (
            "flag_present", "flag_supported", "running_kernel", "newest_kernel", "packages")}}
        reasons = []
        if state.get("flag_present"):
            pkgs = state.get("packages") or []
            reasons.append(f"{state.get('flag_file')} exists"
                           + (f" (for {', '.join(pkgs[:8])})" if pkgs else ""))
        newest, running = state.get("newest_kernel"), state.get("running_kernel")
        if newest and running and newest != running:
            reasons.append(f"kernel {newest} is installed but {running} is running")
        if reasons:
            yield Outcome(subject, Status.FAIL,
                          f"{doc.target}: a restart is outstanding: {'; '.join(reasons)}.",
                          evidence)
        elif not state.get("flag_supported") and not newest:
            yield Outcome(subject, Status.ERROR,
                          f"{doc.target}: no reboot signal is available here (no "
                          "reboot-required flag maintained, no kernels under /boot), so "
                          "whether updates are active is unknown.", evidence)
        else:
            yield Outcome(subject, Status.PASS,
                          f"{doc.target}: no restart outstanding (running kernel {running}).",
                          evidence)
