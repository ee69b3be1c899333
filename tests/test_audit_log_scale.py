"""The streamed, reduced audit log gives the verdicts the per-line code gave (the frozen copy in
tests/legacy_datafix, commit 953f08a) on the generated exports, clean and malformed; and where
the evidence only summarises a group, verdicts are lost to `error`, never turned into a pass."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from pathlib import Path

import pytest

import tests.legacy_datafix as legacy
from gitc_agent.collectors.datafix import audit_reduce
from gitc_agent.collectors.datafix import files as datafix_files
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import Registry, _specs_in, discover
from gitc_agent.core.results import Status
from gitc_agent.settings.config import load_config
from tests.datafix_exports import Lab, ad_evidence, config_yaml, generate
from tests.test_datafix_checks import CHECKS, policy_text

NEW = discover(use_entry_points=False)
LOG = "datafix.audit_log"


def _legacy_registry() -> Registry:
    registry = Registry()
    for info in pkgutil.iter_modules(legacy.__path__):
        if info.name.startswith("datafix_"):
            module = importlib.import_module(f"tests.legacy_datafix.{info.name}")
            for spec in _specs_in(module):
                registry.add(spec, f"legacy:{info.name}")
    assert set(registry.checks) == set(CHECKS)
    return registry


OLD = _legacy_registry()


def _docs(lab: Lab, collect) -> list[EvidenceDoc]:
    config_path = lab.folder / "gitc-agent.yaml"
    config_path.write_text(config_yaml(lab))
    config = load_config(config_path)
    docs = list(collect(config.datafix))
    ad = ad_evidence(lab)
    docs.append(EvidenceDoc(kind="ad.accounts", target=ad["target"], collector="test",
                            data=ad["data"], collected_at=ad["collected_at"]))
    return docs


def _verdicts(lab: Lab, tmp: Path, registry: Registry, collect) -> dict[tuple[str, str], tuple]:
    policy_file = tmp / "policy.yaml"
    policy_file.write_text(policy_text(lab))
    policy = load_policy(str(policy_file), registry)
    results = evaluate(policy, registry, EvidenceSet(_docs(lab, collect)), date(2026, 6, 1))
    out = {(r.check, r.subject): (r.status, r.message) for r in results if r.check in CHECKS}
    assert len(out) == len([r for r in results if r.check in CHECKS]), "subjects repeat"
    return out


def _old_collect(settings):
    from tests.legacy_datafix import files_953f08a
    return files_953f08a.collect(settings)


@pytest.mark.parametrize("malformed", [False, True], ids=["clean", "malformed"])
def test_reduced_log_gives_the_verdicts_of_the_per_line_code(malformed: bool,
                                                            tmp_path: Path) -> None:
    lab = generate(tmp_path / "x", tickets=2500, app_lines=4000, seed=7, malformed=malformed)
    old = _verdicts(lab, tmp_path, OLD, _old_collect)
    new = _verdicts(lab, tmp_path, NEW, datafix_files.collect)
    assert set(new) == set(old)
    differ = {k: (old[k], new[k]) for k in old if old[k] != new[k]}
    assert not differ, list(differ.items())[:3]
    statuses = {s for s, _ in new.values()}
    assert Status.FAIL in statuses and Status.PASS in statuses
    if malformed:
        assert Status.ERROR in statuses


def test_reduced_evidence_holds_groups_not_lines(tmp_path: Path) -> None:
    lab = generate(tmp_path / "x", tickets=1000, app_lines=20000, seed=3)
    log = next(d for d in _docs(lab, datafix_files.collect) if d.kind == LOG)
    groups = log.data["groups"]
    assert log.data["counts"] == {"read": lab.log_lines, "used": lab.log_lines, "rejected": 0}
    assert sum(g[6] for g in groups) == lab.log_lines
    assert len(groups) < lab.log_lines / 3
    app = [g for g in groups if g[0] == "CORP\\svc-kassa-app"]
    assert app and all(g[-1] is None for g in app if g[6] > audit_reduce.DETAIL)
    assert len(log.data["source"]["sha256"]) == 64


def test_summaries_lose_verdicts_to_error_never_to_pass(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lab = generate(tmp_path / "x", tickets=2500, app_lines=2000, seed=11)
    full = _verdicts(lab, tmp_path, NEW, datafix_files.collect)
    monkeypatch.setattr(audit_reduce, "DETAIL", 1)  # every group of 2+ lines is a summary
    summary = _verdicts(lab, tmp_path, NEW, datafix_files.collect)
    assert set(summary) == set(full)
    lost = 0
    for key, (status, _) in summary.items():
        before = full[key][0]
        if status is Status.PASS:
            assert before is Status.PASS, key
        if status is Status.FAIL:
            assert before is Status.FAIL, key
        lost += status is not before
        if status is not before:
            assert status is Status.ERROR, (key, before, status)
    assert lost  # the summaries made a difference somewhere: the test can fail
