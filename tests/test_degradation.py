"""Never a silent pass, for every check: degraded real evidence can only lose verdicts.

Issue 12, "The invariant, tested for every check". Real evidence (the demo's shipped files, the
WinRM profiles collected through the WS-Management test server, a Samba lab scan) is degraded one
way at a time (see tests/degrade.py) and evaluated with `expected_kinds` = the baseline's kinds.
For every check: no subject gains a `pass` it did not have, and a verdict that is lost (out of the
report or to not_applicable) comes with a new `error`, so the run says it is incomplete.

Budget: GITC_DEGRADE_EXAMPLES examples per scenario and degradation family (default 500,
derandomised, so CI sees the same draws every run). The per-check counts are printed at the end
of the session and written to <pytest basetemp>/degradation-counts.json.

Violations found and not yet fixed are listed in KNOWN_VIOLATIONS, each with one witness that
reproduces it; test_known_violation_still_present replays the witness as a strict xfail, so a fix
makes it fail until its entry is removed. Any other violation fails the harness.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gitc_agent import demo
from gitc_agent.collectors.run import collect_ad
from gitc_agent.collectors.windows.hosts import collect_host
from gitc_agent.core.evidence import EvidenceDoc, load_evidence
from gitc_agent.core.policy import Policy, load_policy
from gitc_agent.core.registry import Registry, discover
from gitc_agent.settings.config import ADSettings, BindSettings
from gitc_agent.settings.credentials import Secret
from tests.degrade import FAMILIES, Scenario, Site, Violation, judge
from tests.lab.samba_lab import SambaLab
from tests.winrm_helpers import host_for
from tests.wsman import windows_profiles as wp
from tests.wsman.server import WSManServer

EXAMPLES = int(os.environ.get("GITC_DEGRADE_EXAMPLES", "500"))
SAMBA_EXAMPLES = max(1, EXAMPLES // 3)  # the lab's evidence has fewer checks behind it


@dataclass(frozen=True)
class Witness:
    """One site that shows a violation (the family is the entry's): scenario, document
    `kind@target`, the path in its data, and the part of an added errors entry."""

    scenario: str
    doc: str
    path: tuple[str | int, ...] = ()
    part: str = ""


_AD = "ad.accounts@DC=corp,DC=vbz,DC=example"
_PWD = "ad.password_policy@DC=corp,DC=vbz,DC=example"
_REG = "datafix.register@corp.vbz.example"

# (check id, degradation family) -> (what is wrong, one witness). Remove an entry when its fix
# lands (its strict xfail then fails); never add one without routing it to whoever owns the check.
KNOWN_VIOLATIONS: dict[tuple[str, str], tuple[str, Witness]] = {}


def _registry() -> Registry:
    return discover(use_entry_points=False)


def _demo_policy(registry: Registry) -> Policy:
    return load_policy(str(demo.policy_path()), registry)


def demo_scenario() -> Scenario:
    """The shipped demo evidence, as `gitc-agent demo` evaluates it."""
    registry = _registry()
    evidence, _ = load_evidence(demo.evidence_dir())
    return Scenario("demo", list(evidence), _demo_policy(registry), registry, demo.AS_OF)


def required_services(policy: Policy) -> list[str]:
    """The service names windows.monitoring.agent_running asks for, as the CLI hands them to
    the collector (kept here so this harness does not depend on the CLI's imports)."""
    return [name for pcheck in policy.checks
            if pcheck.id == "windows.monitoring.agent_running" and pcheck.params is not None
            for req in pcheck.params.required for name in req.any_of]


WINRM_PROFILES = {"win-patched": wp.PATCHED, "win-behind": wp.behind, "win-denied": wp.denied,
                  "win-reboot": wp.reboot_pending, "win-edr-stopped": wp.edr_stopped}


def winrm_scenario() -> Scenario:
    """Host state of each WinRM profile, collected through the test server, with the demo's
    KEV feed and fix map so that windows.patch.kev_overdue judges them too."""
    registry = _registry()
    policy = _demo_policy(registry)
    services = required_services(policy)
    docs: list[EvidenceDoc] = []
    for name, body in WINRM_PROFILES.items():
        with WSManServer(wp.profile(body), scheme="https") as server:
            doc = collect_host(host_for(server, name), services, 10, 2)
        doc.collected_at = f"{wp.COLLECTED}T08:00:00+00:00"
        docs.append(doc)
    evidence, _ = load_evidence(demo.evidence_dir())
    docs += [d for d in evidence if d.kind.startswith("feed.")]
    return Scenario("winrm", docs, policy, registry, date.fromisoformat(wp.COLLECTED))


_SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, lab: SambaLab | None = None) -> Scenario:
    """Built once per session: the baseline and its sites do not change between tests."""
    if name not in _SCENARIOS:
        if name == "samba":
            assert lab is not None, "the samba scenario needs the lab"
            _SCENARIOS[name] = samba_scenario(lab)
        else:
            _SCENARIOS[name] = {"demo": demo_scenario, "winrm": winrm_scenario}[name]()
    return _SCENARIOS[name]


# ---- bookkeeping: what was tried, per check, for the closing note -------------------------------

TRIED: Counter[tuple[str, str, str]] = Counter()  # (scenario, check, family) -> degradations
FOUND: dict[tuple[str, str], list[Violation]] = defaultdict(list)  # (check, family) -> seen
SECONDS: dict[str, float] = {}


class _Summary:
    """Prints the per-check table in pytest's terminal summary and keeps it as JSON."""

    def __init__(self, out: Path):
        self.out = out

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not TRIED:
            return
        rows: dict[str, Counter[str]] = defaultdict(Counter)  # summed over the scenarios
        for (_, check, family), count in TRIED.items():
            rows[check][family] += count
        checks = sorted(rows)
        tw = terminalreporter
        tw.write_sep("-", f"degradations tried per check ({EXAMPLES} examples per scenario "
                          f"and family; {', '.join(f'{k} {v:.1f}s' for k, v in SECONDS.items())})")
        head = f"{'check':<48}" + "".join(f"{f:>14}" for f in FAMILIES) + f"{'total':>8}{'viol.':>7}"
        tw.write_line(head)
        for check in checks:
            viol = sum(len(v) for (c, _), v in FOUND.items() if c == check)
            tw.write_line(f"{check:<48}" + "".join(f"{rows[check][f]:>14}" for f in FAMILIES)
                          + f"{sum(rows[check].values()):>8}{viol:>7}")
        self.out.write_text(json.dumps({
            "examples_per_family": EXAMPLES, "seconds": SECONDS,
            "tried": [{"scenario": s, "check": c, "family": f, "count": n}
                      for (s, c, f), n in sorted(TRIED.items())],
            "violations": {f"{c} {f}": [v.line() for v in vs[:5]]
                           for (c, f), vs in sorted(FOUND.items())}}, indent=2))
        tw.write_line(f"degradation counts written to {self.out}")


@pytest.fixture(scope="session", autouse=True)
def _summary(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             ) -> Iterator[None]:
    plugin = _Summary(tmp_path_factory.getbasetemp() / "degradation-counts.json")
    request.config.pluginmanager.register(plugin, "gitc-degradation-summary")
    yield


# ---- the harness --------------------------------------------------------------------------------


def explore(sc: Scenario, family: str, examples: int) -> list[Violation]:
    """Let hypothesis draw `examples` degradations of one family; return every violation."""
    sites = sc.families().get(family, [])
    if not sites:
        return []
    found: list[Violation] = []
    began = time.monotonic()

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(sites))
    def degrade(site: Site) -> None:
        for check in sc.checks_reading(site):
            TRIED[(sc.name, check, family)] += 1
        found.extend(judge(sc, site))

    degrade()
    SECONDS[sc.name] = SECONDS.get(sc.name, 0.0) + time.monotonic() - began
    for violation in found:
        FOUND[(violation.check, violation.family)].append(violation)
    return found


def _unknown(found: list[Violation]) -> list[str]:
    unknown = [v for v in found if (v.check, v.family) not in KNOWN_VIOLATIONS]
    first: dict[tuple[str, str, str], Violation] = {}
    for v in unknown:
        first.setdefault((v.check, v.family, v.rule), v)
    return [v.line() for v in first.values()]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("name", ["demo", "winrm"])
def test_degraded_evidence_only_loses_verdicts(name: str, family: str) -> None:
    sc = scenario(name)
    assert sc.baseline and any(st == "pass" for st in sc.baseline.values())
    unknown = _unknown(explore(sc, family, EXAMPLES))
    assert not unknown, "silent verdicts on degraded evidence:\n" + "\n".join(unknown)


def _witness_params() -> list[object]:
    params = []
    for key, (reason, witness) in sorted(KNOWN_VIOLATIONS.items()):
        marks = [pytest.mark.xfail(strict=True, reason=reason)]
        if witness.scenario == "samba":
            marks.append(pytest.mark.samba)
        params.append(pytest.param(key, witness, id=f"{key[0]}-{key[1]}", marks=marks))
    return params


@pytest.mark.parametrize(("key", "witness"), _witness_params())
def test_known_violation_still_present(key: tuple[str, str], witness: Witness,
                                       request: pytest.FixtureRequest) -> None:
    """Strict xfail: passes (and so fails the run) once the check is fixed."""
    lab = request.getfixturevalue("samba") if witness.scenario == "samba" else None
    sc = scenario(witness.scenario, lab)
    labels = [f"{d.kind}@{d.target}" for d in sc.docs]
    site = Site(key[1], labels.index(witness.doc), witness.path, witness.part)
    assert site in sc.sites, f"witness {site} is not a degradation of {witness.scenario}"
    still = [v.line() for v in judge(sc, site) if v.check == key[0]]
    assert not still, "\n".join(still)


# ---- a Samba lab scan ---------------------------------------------------------------------------


def samba_scenario(lab: SambaLab) -> Scenario:
    """A scan of the lab DC with a nested administrator, a service account and a PSO-less domain,
    judged by the demo policy (its approvals do not name the lab's accounts: those fail)."""
    lab.create_user("adm-degrade")
    lab.create_group("Degrade-Tier0")
    lab.add_members("Degrade-Tier0", "adm-degrade")
    lab.add_members("Domain Admins", "Degrade-Tier0")
    lab.create_user("svc-degrade")
    bind = BindSettings(method="simple", user=lab.admin_user,
                        secret=Secret(lab.admin_password, "test"))
    ad = ADSettings(servers=[lab.ldaps_url], base_dn=lab.base_dn, bind=bind, starttls=False,
                    ca_file=lab.ca_file, validate_certificate=True, timeout_seconds=30,
                    page_size=500, parallel_reads=1)
    docs = collect_ad(ad, lambda _msg: None)
    assert docs and all(not d.errors for d in docs), [d.errors for d in docs]
    registry = _registry()
    return Scenario("samba", docs, _demo_policy(registry), registry,
                    date.fromisoformat(docs[0].collected_at[:10]))


@pytest.mark.samba
def test_degraded_samba_scan_only_loses_verdicts(samba: SambaLab) -> None:
    sc = scenario("samba", samba)
    unknown: list[str] = []
    for family in FAMILIES:
        unknown += _unknown(explore(sc, family, SAMBA_EXAMPLES))
    assert not unknown, "silent verdicts on degraded evidence:\n" + "\n".join(unknown)
