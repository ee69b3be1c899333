"""The engine: exceptions, scoring, plugins from every source, and broken checks as errors."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

from gitc_agent import demo
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Status, fingerprint
from tests.cli_run import gitc, latest_report

DEMO_DAY = date(2026, 11, 16)


def _doc(min_length: int = 8, psos: list | None = None, errors: list | None = None) -> EvidenceDoc:
    data = {"base_dn": "DC=x,DC=test", "pso_container": "CN=PSC,DC=x,DC=test",
            "domain": {"dn": "DC=x,DC=test", "min_length": min_length, "history": 24,
                       "max_age_days": 90, "max_age_never": False, "lockout_threshold": 5,
                       "complexity": True, "reversible_encryption": False, "unreadable": []},
            "psos": psos if psos is not None else []}
    return EvidenceDoc(kind="ad.password_policy", target="DC=x,DC=test", collector="test",
                       data=data, errors=errors or [])


def _policy_text(extra: str = "", checks: str = "") -> str:
    """The shipped adr-gitc text with `extra` instead of its empty exceptions list and `checks`
    added to its checks section."""
    shipped = Path(__file__).parents[1] / "policies" / "adr-gitc.yaml"
    text = shipped.read_text().replace("exceptions: []", extra or "exceptions: []")
    return text.replace("\nchecks:\n", "\nchecks:\n" + checks, 1)


def _results(tmp_path: Path, evidence: EvidenceSet, extra: str = "", registry=None,
             checks: str = "") -> dict:
    path = tmp_path / "p.yaml"
    path.write_text(_policy_text(extra, checks))
    registry = registry or discover()
    policy = load_policy(str(path), registry)
    return {(r.check, r.subject): r for r in evaluate(policy, registry, evidence, DEMO_DAY)}


def test_fingerprint_depends_on_check_and_subject_only() -> None:
    assert fingerprint("a.b", "s") == fingerprint("a.b", "s")
    assert fingerprint("a.b", "s") != fingerprint("a.b", "t")
    assert fingerprint("a.b", "s") != fingerprint("a.c", "s")


def test_weak_domain_policy_is_scored_from_the_matrix(tmp_path: Path) -> None:
    results = _results(tmp_path, EvidenceSet([_doc(8)]))
    r = results[("ad.password.min_length", "domain:DC=x,DC=test")]
    assert (r.status, r.likelihood, r.impact, r.priority) == (Status.FAIL, 4, 4, "hoog")
    assert "8 is below the norm of 12" in r.message
    assert results[("ad.password.settings", "domain:DC=x,DC=test#history")].status is Status.PASS
    assert results[("ad.password.settings", "domain:DC=x,DC=test#history")].priority is None


def test_pso_applied_to_nobody_is_latent_and_scored_lower(tmp_path: Path) -> None:
    pso = {"dn": "CN=P,CN=PSC", "name": "P", "min_length": 6, "precedence": 1, "applies_to": [],
           "history": 24, "max_age_days": 90, "max_age_never": False, "lockout_threshold": 5,
           "complexity": True, "reversible_encryption": False, "unreadable": []}
    r = _results(tmp_path, EvidenceSet([_doc(12, [pso])]))[("ad.password.min_length",
                                                             "pso:CN=P,CN=PSC")]
    assert r.status is Status.FAIL and r.likelihood == 2 and r.priority == "laag"
    assert "applies to no user or group" in r.message


def test_unreadable_pso_part_is_an_error_never_a_pass(tmp_path: Path) -> None:
    doc = _doc(12, errors=[{"part": "psos", "message": "insufficientAccessRights"}])
    doc.data.pop("psos")
    results = _results(tmp_path, EvidenceSet([doc]))
    errors = [r for r in results.values() if r.status is Status.ERROR]
    assert {r.check for r in errors} == {"ad.password.min_length", "ad.password.settings"}
    assert all("insufficientAccessRights" in r.message for r in errors)
    assert all(r.priority is None for r in errors)


def test_no_evidence_at_all_is_an_error(tmp_path: Path) -> None:
    results = _results(tmp_path, EvidenceSet([]))
    assert {r.status for r in results.values()} == {Status.ERROR}
    assert ("ad.password.min_length", "evidence:ad.password_policy") in results


def test_missing_attribute_is_an_error(tmp_path: Path) -> None:
    doc = _doc(8)
    del doc.data["domain"]["min_length"]
    r = _results(tmp_path, EvidenceSet([doc]))[("ad.password.min_length", "domain:DC=x,DC=test")]
    assert r.status is Status.ERROR and "could not be read" in r.message


EXC = """exceptions:
  - check: ad.password.min_length
    subject: "domain:*"
    owner: "CISO"
    reason: "Legacy app"
    expires: {day}"""


@pytest.mark.parametrize(("day", "status", "state"), [("2026-11-16", Status.ACCEPTED, "valid"),
                                                      ("2026-11-15", Status.FAIL, "expired")])
def test_exception_valid_through_its_expiry_day(tmp_path: Path, day: str, status: Status,
                                                state: str) -> None:
    r = _results(tmp_path, EvidenceSet([_doc(8)]), EXC.format(day=day))[
        ("ad.password.min_length", "domain:DC=x,DC=test")]
    assert r.status is status and r.exception["state"] == state
    assert r.priority == "hoog"


def test_exception_does_not_touch_passing_results(tmp_path: Path) -> None:
    r = _results(tmp_path, EvidenceSet([_doc(14)]), EXC.format(day="2030-01-01"))[
        ("ad.password.min_length", "domain:DC=x,DC=test")]
    assert r.status is Status.PASS and r.exception is None


PLUGIN_OK = '''
from gitc_agent.core.check_api import CheckParams, Outcome, Status, check

@check(id="acme.demo.always_fails", title="Acme demo", likelihood=5, impact=5,
       evidence=["ad.password_policy"], references=["ACME-1"])
def always_fails(evidence, params):
    for doc in evidence.of_kind("ad.password_policy"):
        yield Outcome(f"acme:{doc.target}", Status.FAIL, "acme says no")
'''
PLUGIN_RAISES = '''
from gitc_agent.core.check_api import check

@check(id="acme.demo.raises", title="Acme bug", likelihood=5, impact=5,
       evidence=["ad.password_policy"])
def raises(evidence, params):
    raise RuntimeError("plugin bug")
'''


def test_checks_dir_plugins_run_and_a_broken_one_becomes_an_error(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "acme_ok.py").write_text(PLUGIN_OK)
    (plugins / "acme_raises.py").write_text(PLUGIN_RAISES)
    (plugins / "acme_syntax.py").write_text("def broken(:\n")
    registry = discover([plugins])
    assert registry.get("acme.demo.always_fails").source.endswith("acme_ok.py")
    assert any("acme_syntax.py" in p.source for p in registry.problems)
    plugin_checks = "  acme.demo.always_fails: {}\n  acme.demo.raises: {}\n"
    results = _results(tmp_path, EvidenceSet([_doc(8)]), registry=registry, checks=plugin_checks)
    ok = results[("acme.demo.always_fails", "acme:DC=x,DC=test")]
    assert (ok.status, ok.priority, ok.references) == (Status.FAIL, "zeer-hoog", ["ACME-1"])
    bad = results[("acme.demo.raises", "check:acme.demo.raises")]
    assert bad.status is Status.ERROR and "plugin bug" in bad.message
    load = [r for (c, _), r in results.items() if c == "gitc_agent.plugin"]
    assert load and load[0].status is Status.ERROR and "SyntaxError" in load[0].message


def test_checks_list_shows_ids_scores_and_references() -> None:
    run = gitc("checks", "list", "--json")
    assert run.code == 0, run.output
    listed = {c["id"]: c for c in json.loads(run.stdout)}
    assert listed["ad.password.min_length"]["likelihood"] == 4
    assert listed["ad.password.min_length"]["references"]
    assert set(listed) >= {"ad.password.min_length", "ad.password.settings"}


def test_demo_report_follows_the_contract(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = gitc("demo", "--lang", "en", "--out", out)
    assert run.code == 3, run.output  # one demo host refused its Windows Update search
    report = latest_report(out)
    assert report["schema"] == "gitc-agent/report/v1"
    for key in ("id", "started_at", "finished_at", "host", "policy", "targets"):
        assert key in report["run"]
    assert set(report["run"]["policy"]) >= {"id", "version", "sha256"}
    keys = {"id", "check", "title", "subject", "status", "likelihood", "impact", "priority",
            "message", "evidence", "remediation", "references", "exception", "follow_up"}
    assert all(keys <= set(r) for r in report["results"])
    fails = [r for r in report["results"] if r["status"] == "fail"]
    cells = report["summary"]["heatmap"]
    assert sum(c["findings"] for c in cells) == len(fails) == report["summary"]["status"]["fail"]
    for r in fails:
        cell = next(c for c in cells if (c["likelihood"], c["impact"]) ==
                    (r["likelihood"], r["impact"]))
        assert cell["priority"] == r["priority"]
    assert "Heatmap" in run.stdout and "Findings by priority" in run.stdout


@pytest.mark.parametrize(("fail_on", "code"), [("zeer-hoog", 0), ("hoog", 1), ("none", 0)])
def test_fail_on_sets_the_exit_code(tmp_path: Path, fail_on: str, code: int) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    shutil.copy(demo.evidence_dir() / "ad.password_policy@corp.vbz.example.json", evidence)
    run = gitc("evaluate", "--lang", "en",
               "--policy", "adr-gitc", "--evidence", evidence, "--out", tmp_path / "o",
               "--fail-on", fail_on, "--quiet", "--as-of", "2026-11-16")
    assert run.code == code, run.output


def test_unknown_fail_on_band_is_invalid_input(tmp_path: Path) -> None:
    run = gitc("demo", "--lang", "en", "--out", tmp_path / "o", "--fail-on", "critical")
    assert run.code == 2 and "critical" in run.stderr
    assert not (tmp_path / "o").exists()


def test_malformed_evidence_is_invalid_input(tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "x.json").write_text('{"schema": "gitc-agent/evidence/v1",\n "kind": }')
    run = gitc("evaluate", "--lang", "en", "--policy", "adr-gitc", "--evidence", ev, "--out", tmp_path / "o")
    assert run.code == 2
    assert f"{ev / 'x.json'}:2:" in run.stderr
    assert not (tmp_path / "o").exists()


def test_entry_point_plugins_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution that declares `gitc_agent.checks` entry points is loaded like pip would."""
    site = tmp_path / "site"
    (site / "acme_gitc").mkdir(parents=True)
    (site / "acme_gitc" / "__init__.py").write_text(PLUGIN_OK)
    info = site / "acme_gitc-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-gitc\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[gitc_agent.checks]\nacme = acme_gitc\n"
                                           "broken = acme_gitc_missing\n")
    monkeypatch.syspath_prepend(str(site))
    registry = discover()
    assert registry.get("acme.demo.always_fails").source.startswith("entry point acme")
    assert any(p.source.startswith("entry point broken") for p in registry.problems)


def test_checks_outside_the_runs_scope_are_not_applicable_not_errors(tmp_path: Path) -> None:
    results = _results(tmp_path, EvidenceSet([_doc(8)]))
    scoped = results[("windows.patch.update_age", "scope:windows.patch.update_age")]
    assert scoped.status is Status.NOT_APPLICABLE and scoped.priority is None
    assert "windows.host_state" in scoped.message
    # a check that has part of its evidence (hosts, but no KEV feed) could not look: error
    host = EvidenceDoc(kind="windows.host_state", target="ws01", collector="test", data={})
    results = _results(tmp_path, EvidenceSet([_doc(8), host]))
    kev = [r for (c, _), r in results.items() if c == "windows.patch.kev_overdue"]
    assert kev and {r.status for r in kev} == {Status.ERROR}


def test_optional_evidence_checks_follow_the_scope_rule(tmp_path: Path) -> None:
    """Datafix checks read any of three exports: none and not configured is out of scope; none
    although the run set out to collect them (say it was interrupted) is an error."""
    path = tmp_path / "p.yaml"
    path.write_text(_policy_text())
    registry = discover()
    policy = load_policy(str(path), registry)
    kinds = {"datafix.register", "datafix.db_roles", "datafix.audit_log"}
    out = {r.check: r for r in evaluate(policy, registry, EvidenceSet([_doc(8)]), DEMO_DAY)
           if r.check == "datafix.ticket.review"}
    assert out["datafix.ticket.review"].status is Status.NOT_APPLICABLE
    results = [r for r in evaluate(policy, registry, EvidenceSet([_doc(8)]), DEMO_DAY,
                                   expected_kinds=kinds) if r.check == "datafix.ticket.review"]
    assert {r.status for r in results} == {Status.ERROR}
    assert {r.subject for r in results} == {f"evidence:{k}" for k in kinds}


PLUGIN_EACH = '''
"""acme.demo.each: judged one password policy object at a time."""
from gitc_agent.core.check_api import Outcome, Status, check, fail, ok


def objects(evidence):
    for doc in evidence.of_kind("ad.password_policy"):
        if doc.error_for("connection"):
            yield Outcome(f"domain:{doc.target}", Status.ERROR, "unreadable", doc.source)
            continue
        yield Obj(f"domain:{doc.target}", doc.source, doc.data["domain"]["min_length"])


class Obj:
    def __init__(self, subject, source, min_length):
        self.subject, self.source, self.min_length = subject, source, min_length


@check(id="acme.demo.each", title="Acme each", likelihood=3, impact=3,
       evidence=["ad.password_policy"], each=objects, remediation="Lengthen it.")
def judge(obj, params):
    if obj.min_length < 10:
        return [fail("too short", min_length=obj.min_length),
                ok("checked", subject=obj.subject + "#checked")]
    return ok("long enough", min_length=obj.min_length)
'''


def test_each_hands_the_judge_one_item_and_turns_walker_outcomes_into_results(
        tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "acme_each.py").write_text(PLUGIN_EACH)
    registry = discover([plugins])
    spec = registry.get("acme.demo.each")
    assert spec is not None and spec.description == "Judged one password policy object at a time."
    weak = _doc(8)
    weak.file = "ad.password_policy@weak.json"
    unreadable = EvidenceDoc(kind="ad.password_policy", target="DC=y,DC=test", collector="test",
                             data={}, errors=[{"part": "connection", "message": "refused"}])
    out = {o.subject: o for o in spec.func(EvidenceSet([weak, unreadable]), spec.params())}
    assert out["domain:DC=x,DC=test"].status is Status.FAIL
    assert out["domain:DC=x,DC=test"].evidence == {**weak.source, "min_length": 8}
    assert out["domain:DC=x,DC=test#checked"].status is Status.PASS
    assert out["domain:DC=y,DC=test"].status is Status.ERROR
    strong = {o.subject: o for o in spec.func(EvidenceSet([_doc(14)]), spec.params())}
    assert [o.status for o in strong.values()] == [Status.PASS]


def test_builtin_check_whose_id_does_not_match_its_module_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`checks/acme_wrong_name.py` declaring `acme.right.name` would make a report's check id
    lead nowhere: the registry refuses it as a load problem (an error result), not silently."""
    import gitc_agent.checks as builtin

    extra = tmp_path / "more_checks"
    extra.mkdir()
    (extra / "acme_wrong_name.py").write_text(PLUGIN_OK.replace("acme.demo.always_fails",
                                                                "acme.right.name"))
    (extra / "acme_demo_matches.py").write_text(PLUGIN_OK.replace("acme.demo.always_fails",
                                                                  "acme.demo.matches"))
    monkeypatch.setattr(builtin, "__path__", [*builtin.__path__, str(extra)])
    try:
        registry = discover(use_entry_points=False)
    finally:
        for name in ("acme_wrong_name", "acme_demo_matches"):
            sys.modules.pop(f"gitc_agent.checks.{name}", None)
    assert registry.get("acme.right.name") is None
    assert registry.get("acme.demo.matches") is not None
    problem = next(p for p in registry.problems if p.source.endswith("acme_wrong_name"))
    assert "acme.right.name" in problem.message and "acme_right_name.py" in problem.message
    results = _results(tmp_path, EvidenceSet([_doc(8)]), registry=registry)
    load = [r for (c, _), r in results.items() if c == "gitc_agent.plugin"]
    assert [r.status for r in load] == [Status.ERROR]


def test_every_builtin_check_says_what_it_checks_and_how_to_fix_it() -> None:
    registry = discover(use_entry_points=False)
    assert not registry.problems
    for spec in registry.sorted():
        assert spec.description and spec.remediation, spec.id
        assert not spec.description.startswith(spec.id), spec.id
        assert "\n" not in spec.description, spec.id


def test_checks_list_json_exports_description_and_remediation() -> None:
    run = gitc("checks", "list", "--json")
    assert run.code == 0, run.output
    listed = {c["id"]: c for c in json.loads(run.stdout)}
    spec = discover(use_entry_points=False).get("ad.password.min_length")
    assert spec is not None
    entry = listed["ad.password.min_length"]
    assert entry["description"] == spec.description
    assert entry["description"].startswith("The domain policy and every PSO")
    assert entry["remediation"] == spec.remediation and "msDS-MinimumPasswordLength" in \
        entry["remediation"]
    assert all(c["description"] and c["remediation"] for c in listed.values()
               if c["source"] == "built-in")
