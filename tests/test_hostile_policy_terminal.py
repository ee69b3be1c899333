"""Hostile policies, reports, config URLs, terminal text, signals and plugins, each through the
real CLI: a clear exit 2 with file, line and field instead of a traceback; no secret in any output;
untrusted text shown as text; a plugin never ends the run, the user's Ctrl-C always does."""

from __future__ import annotations

import copy
import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitc_agent import demo
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet, save_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.model.printable import printable
from gitc_agent.run.interrupt import RunInterrupted
from tests.cli_run import every_file_text, gitc, latest_report

SHIPPED = Path(__file__).parents[1] / "policies" / "adr-gitc.yaml"
ESC = "\x1b"


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _clean_exit_2(run: Any) -> None:
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    assert run.stderr.startswith("gitc-agent: error: ")


# --- a policy's scale and matrix -----------------------------------------------------------------


def _policy(lik: tuple[int, ...] = (1, 2, 3, 4, 5), imp: tuple[int, ...] = (1, 2, 3, 4, 5),
            after_row_5: str = "", after_lik_3: str = "") -> str:
    """A small valid policy; `after_*` lines are inserted after the matrix row for 5 and the
    likelihood level 3."""
    lik_lines = "".join(f"    {n}: l{n}\n" + (after_lik_3 if n == 3 else "") for n in lik)
    imp_lines = "".join(f"    {n}: i{n}\n" for n in imp)
    rows = "".join(f"  {n}: [{', '.join(['laag'] * (len(imp) - 1) + ['hoog'])}]\n"
                   + (after_row_5 if n == 5 else "") for n in sorted(lik, reverse=True))
    return (f'policy: {{id: t, title: t, version: "1"}}\nscale:\n  likelihood:\n{lik_lines}'
            f"  impact:\n{imp_lines}priorities:\n  - {{id: laag, label: laag}}\n"
            f"  - {{id: hoog, label: hoog}}\nmatrix:\n{rows}checks:\n"
            "  ad.password.min_length: {min_length: 12}\n")


POLICY_CASES = {
    # case: (policy text, the text on the line the error must name, words the message must hold)
    "likelihood 1,2,3,5": (_policy(lik=(1, 2, 3, 5)), "likelihood:", ["scale.likelihood", "4"]),
    "impact 1,2,4,5": (_policy(imp=(1, 2, 4, 5)), "impact:", ["scale.impact", "3"]),
    "likelihood from 0": (_policy(lik=(0, 1, 2, 3, 4)), "likelihood:", ["scale.likelihood", "1"]),
    "matrix rows 5 and '5'": (_policy(after_row_5='  "5": [hoog, hoog, hoog, hoog, hoog]\n'),
                              '"5":', ["matrix", "5", "twice"]),
    "matrix rows 5 and 5.0": (_policy(after_row_5="  5.0: [hoog, hoog, hoog, hoog, hoog]\n"),
                              "5.0:", ["duplicate key 5.0"]),  # 5 == 5.0: the loader
    "likelihood levels 3 and '3'": (_policy(after_lik_3='    "3": again\n'), '"3":',
                                    ["scale.likelihood", "3", "twice"]),
}


@pytest.mark.parametrize("case", POLICY_CASES)
def test_policy_scale_and_matrix_are_refused_in_validate(tmp_path: Path, case: str) -> None:
    text, needle, words = POLICY_CASES[case]
    path = tmp_path / "p.yaml"
    path.write_text(text)
    run = gitc("policy", "validate", path)
    _clean_exit_2(run)
    assert f"{path}:{_line(path, needle)}:" in run.stderr
    assert all(w in run.stderr for w in words), run.stderr


def test_a_gap_in_the_scale_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(_policy(lik=(1, 2, 3, 5)))
    out = tmp_path / "out"
    run = gitc("evaluate", "--lang", "en", "--evidence", demo.evidence_dir(), "--policy", path, "--out", out)
    _clean_exit_2(run)
    assert "KeyError" not in run.output and not out.exists()


# --- reports that pass the loader but lack what a reader touches ---------------------------------


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    run = gitc("demo", "--lang", "en", "--out", out, "--quiet")
    assert run.code == 3, run.output
    return out / "latest" / "report.json"


def _first(d: dict[str, Any], status: str) -> dict[str, Any]:
    return next(r for r in d["results"] if r["status"] == status)


def _index(d: dict[str, Any], status: str) -> int:
    return next(i for i, r in enumerate(d["results"]) if r["status"] == status)


def _cell(d: dict[str, Any], lik: int, imp: int) -> int:
    return next(i for i, c in enumerate(d["summary"]["heatmap"])
                if (c["likelihood"], c["impact"]) == (lik, imp))


REPORT_CASES: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[dict[str, Any]], str]]] = {
    # case: (the damage, the field the message must name)
    "no scoring": (lambda d: d.pop("scoring"), lambda d: "report.scoring"),
    "no tool": (lambda d: d.pop("tool"), lambda d: "report.tool"),
    "no tool.version": (lambda d: d["tool"].pop("version"), lambda d: "report.tool.version"),
    "no scoring.priorities": (lambda d: d["scoring"].pop("priorities"),
                              lambda d: "report.scoring.priorities"),
    "no impact scale": (lambda d: d["scoring"].pop("impact"), lambda d: "report.scoring.impact"),
    "a heatmap cell missing": (lambda d: d["summary"]["heatmap"].pop(_cell(d, 5, 4)),
                               lambda d: "report.summary.heatmap"),
    "a heatmap cell of an unknown priority": (
        lambda d: d["summary"]["heatmap"][3].update(priority="nope"),
        lambda d: "report.summary.heatmap[3].priority"),
    "a finding of an unknown priority": (
        lambda d: _first(d, "fail").update(priority="nope"),
        lambda d: f"report.results[{_index(d, 'fail')}].priority"),
    "a finding without priority": (
        lambda d: _first(d, "fail").update(priority=None),
        lambda d: f"report.results[{_index(d, 'fail')}].priority"),
    "counts of an unknown priority": (lambda d: d["summary"]["priority"].update(nope=1),
                                      lambda d: "report.summary.priority"),
    "no summary.complete": (lambda d: d["summary"].pop("complete"),
                            lambda d: "report.summary.complete"),
    "no run.policy.version": (lambda d: d["run"]["policy"].pop("version"),
                              lambda d: "report.run.policy.version"),
    "a target without kind": (lambda d: d["run"]["targets"][0].pop("kind"),
                              lambda d: "report.run.targets[0].kind"),
}


@pytest.mark.parametrize("command", ["report", "diff"])
@pytest.mark.parametrize("case", REPORT_CASES)
def test_report_missing_a_field_is_exit_2_naming_it(tmp_path: Path, demo_report: Path,
                                                    case: str, command: str) -> None:
    damage, field = REPORT_CASES[case]
    report = json.loads(demo_report.read_text())
    broken = copy.deepcopy(report)
    damage(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    out = tmp_path / "rendered"
    if command == "report":
        run = gitc("report", path, "--format", "all", "--out", out)
    else:
        run = gitc("diff", demo_report, path)
    _clean_exit_2(run)
    assert str(path) in run.stderr and field(report) in run.stderr, run.stderr
    assert not out.exists() and run.stdout == ""


# --- credentials in URLs -------------------------------------------------------------------------

SECRET = "Url-Pw-4f9c1e"
WINRM = "winrm:\n  user: svc\n  password: {env: GITC_TEST_PW}\n"
AD = ("ad:\n  servers: [{url}]\n  base_dn: DC=example,DC=test\n  allow_plain_bind: true\n"
      "  bind: {{method: simple, user: svc@example.test, password: {{env: GITC_TEST_PW}}}}\n")
URL_CASES = {
    # case: (config text, the text on the line the error must name)
    "ldaps server": (AD.format(url=f"ldaps://svc:{SECRET}@dc1.example:636"), "servers:"),
    "ldap server": (AD.format(url=f"ldap://svc:{SECRET}@dc1.example"), "servers:"),
    "percent-encoded password": (AD.format(url=f"ldaps://svc:{SECRET}%40x@dc1.example"),
                                 "servers:"),
    "winrm host as a URL": (WINRM + f"  hosts: ['https://svc:{SECRET}@ws01:5986/wsman']\n",
                            "hosts:"),
    "winrm host address": (WINRM + f"  hosts:\n    - {{name: ws01, address: 'svc:{SECRET}@10.0.0.5'}}\n",
                           "address:"),
    "winrm host name": (WINRM + f"  hosts:\n    - name: 'svc:{SECRET}@ws01'\n", "name:"),
    "a feed URL": (f"local_host: {{}}\nfeeds: {{kev_catalog: 'https://u:{SECRET}@feeds.example/k.json'}}\n",
                   "feeds:"),
}


@pytest.mark.parametrize("case", URL_CASES)
def test_credentials_in_a_url_are_refused_and_masked(tmp_path: Path, case: str) -> None:
    text, needle = URL_CASES[case]
    cfg = tmp_path / "gitc-agent.yaml"
    cfg.write_text(text)
    out, log_file = tmp_path / "out", tmp_path / "run.log"
    run = gitc("scan", "--lang", "en", "--policy", "adr-gitc", "--config", cfg, "--out", out, "--log-file",
               log_file, env={"GITC_TEST_PW": "env-secret-xyz"})
    _clean_exit_2(run)
    assert f"{cfg}:{_line(cfg, needle)}:" in run.stderr and "********" in run.stderr, run.stderr
    assert "credentials" in run.stderr
    assert SECRET not in run.output and SECRET.replace("-", "") not in run.output
    assert not out.exists() and not log_file.exists()


def test_collect_refuses_credentials_in_a_url_too(tmp_path: Path) -> None:
    cfg = tmp_path / "gitc-agent.yaml"
    cfg.write_text(URL_CASES["ldaps server"][0])
    out = tmp_path / "out"
    run = gitc("collect", "--config", cfg, "--out", out, env={"GITC_TEST_PW": "e" * 12})
    _clean_exit_2(run)
    assert "********" in run.stderr and SECRET not in run.output and not out.exists()


def test_a_user_name_alone_in_a_url_is_refused_too(tmp_path: Path) -> None:
    cfg = tmp_path / "gitc-agent.yaml"
    cfg.write_text(AD.format(url="ldaps://svc@dc1.example"))
    run = gitc("scan", "--lang", "en",
               "--policy", "adr-gitc", "--config", cfg, env={"GITC_TEST_PW": "x" * 12})
    _clean_exit_2(run)
    assert f"{cfg}:{_line(cfg, 'servers:')}:" in run.stderr and "credentials" in run.stderr


# --- untrusted text on the terminal --------------------------------------------------------------


def _password_doc(dn: str) -> EvidenceDoc:
    data = {"base_dn": dn, "pso_container": f"CN=PSC,{dn}",
            "domain": {"dn": dn, "min_length": 8, "history": 24, "max_age_days": 90,
                       "max_age_never": False, "lockout_threshold": 5, "complexity": True,
                       "reversible_encryption": False, "unreadable": []},
            "psos": [], "pso_reader": {"privileged": True}}  # it could see every PSO: none
    return EvidenceDoc(kind="ad.password_policy", target=dn, collector="test", data=data,
                       errors=[])


TERMINAL_CASES = {
    # case: (a domain DN from the evidence, what the console must show for it)
    "closing markup tag": ("DC=corp[/bold]", "DC=corp[/bold]"),
    "markup that restyles": ("DC=[red]x[/red]", "DC=[red]x[/red]"),
    "emoji code": ("DC=:warning:", "DC=:warning:"),
    "ANSI clear screen": ("DC=corp\x1b[2J\x1b[H", "DC=corp\\x1b[2J\\x1b[H"),
    "OSC window title": ("DC=corp\x1b]0;pwned\x07", "DC=corp\\x1b]0;pwned\\x07"),
    "C1 CSI": ("DC=corp\x9b31m", "DC=corp\\x9b31m"),
    "right-to-left override": ("DC=corp\u202egpj.exe", "DC=corp\\u202egpj.exe"),
    "bidi isolate": ("DC=\u2067corp\u2069", "DC=\\u2067corp\\u2069"),
    "forged console line": ("DC=corp\nRun complete.", "DC=corp\\nRun complete."),
    "carriage return": ("DC=corp\rNo findings.", "DC=corp\\rNo findings."),
}


@pytest.mark.parametrize("case", TERMINAL_CASES)
def test_evidence_text_is_shown_as_text(tmp_path: Path, case: str) -> None:
    dn, shown = TERMINAL_CASES[case]
    evidence = tmp_path / "ev"
    save_evidence([_password_doc(dn)], evidence)
    out = tmp_path / "out"
    run = gitc("evaluate", "--lang", "en", "--evidence", evidence, "--policy", "adr-gitc", "--out", out,
               "--details")  # the subjects under each finding, where the DN is shown too
    assert run.code == 1, run.output  # the weak domain policy is a finding; the run is complete
    assert "Traceback" not in run.output
    assert f"from {shown} " in run.stdout and f"domain:{shown}" in run.stdout, run.stdout
    for raw in (ESC, "\x9b", "\u202e", "\u2067", "\r", "⚠"):
        assert raw not in run.output
    assert not any(line.lstrip().startswith(("Run complete.", "No findings."))
                   for line in run.stdout.splitlines())
    report = latest_report(out)  # the record keeps the original
    assert report["run"]["targets"][0]["target"] == dn


def test_policy_version_and_labels_are_shown_as_text(tmp_path: Path) -> None:
    text = SHIPPED.read_text()
    text = text.replace('version: "2026.1"', 'version: "2026.1[/bold]\\e]0;pwned\\a"', 1)
    text = text.replace('label: "hoog"', 'label: "[red]hoog[/red]"', 1)
    text = text.replace('5: "zeer groot (very high)"', '5: "zeer groot\\e[5m [/]"', 1)
    policy = tmp_path / "p.yaml"
    policy.write_text(text)
    run = gitc("policy", "validate", policy)
    assert run.code == 0 and "Traceback" not in run.output, run.output
    assert "2026.1[/bold]\\x1b]0;pwned\\x07" in run.stdout and ESC not in run.output
    evidence = tmp_path / "ev"
    save_evidence([_password_doc("DC=x,DC=test")], evidence)
    run = gitc("evaluate", "--lang", "en",
               "--evidence", evidence, "--policy", policy, "--out", tmp_path / "o")
    assert run.code == 1 and "Traceback" not in run.output, run.output
    assert "2026.1[/bold]\\x1b]0;pwned\\x07" in run.stdout
    assert "[red]hoog[/red]" in run.stdout and "zeer groot\\x1b[5m [/]" in run.stdout
    assert ESC not in run.output and "\x07" not in run.output


def test_error_messages_on_stderr_are_escaped(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(SHIPPED.read_text().replace(
        "\nchecks:\n", '\nchecks:\n  "acme.\\e]0;pwned\\a[/bold]": {}\n', 1))
    run = gitc("policy", "validate", policy)
    _clean_exit_2(run)
    assert "acme.\\x1b]0;pwned\\x07[/bold]" in run.stderr and ESC not in run.output


def test_readable_log_lines_on_stderr_are_escaped() -> None:
    from gitc_agent.run import run_log

    run_log.configure("r", None)
    handler = logging.getLogger("gitc_agent").handlers[0]
    record = logging.makeLogRecord({"msg": "format %s: %s", "args": ("acme\x1b[2J", "x\nRun complete."),
                                    "levelname": "WARNING", "levelno": logging.WARNING})
    line = handler.format(record)
    run_log.configure("r", None)  # fresh handlers for whoever logs next
    assert ESC not in line and "\n" not in line
    assert line.endswith("acme\\x1b[2J: x\\nRun complete.")


@pytest.mark.parametrize(("text", "shown"), [
    ("plain DC=corp,DC=example \\ CORP\\svc", "plain DC=corp,DC=example \\ CORP\\svc"),
    ("tab\there", "tab\\there"), ("nul\x00", "nul\\x00"), ("del\x7f", "del\\x7f"),
    ("nel\x85", "nel\\x85"), ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"),
    ("lone \ud800", "lone \\ud800"), ("bom\ufeff", "bom\\ufeff"),
    ("tag \U000e0041", "tag \\U000e0041"), ("Zoë ☃ 日本", "Zoë ☃ 日本"),
])
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown


# --- signals and plugins -------------------------------------------------------------------------

EXITS_AT_IMPORT = "import sys\nsys.exit(0)\n"
INTERRUPTS_AT_IMPORT = "raise KeyboardInterrupt\n"
BASE_AT_IMPORT = "class Boom(BaseException):\n    pass\nraise Boom('plugin boom')\n"
RAISING_CHECK = '''
from gitc_agent.core.check_api import check

@check(id="acme.demo.raises", title="Acme", likelihood=5, impact=5,
       evidence=["ad.password_policy"])
def raises(evidence, params):
    {statement}
'''
SLOW_IMPORT = "import pathlib, time\npathlib.Path({marker!r}).touch()\ntime.sleep(60)\n"
SLOW_CHECK = RAISING_CHECK.replace(
    "    {statement}", "    import pathlib, time\n    pathlib.Path({marker!r}).touch()\n"
                      "    time.sleep(60)\n    yield")


def _plugin_run(tmp_path: Path, source: str, enable: bool) -> tuple[Any, Path]:
    plugins = tmp_path / "plugins"
    plugins.mkdir(exist_ok=True)
    (plugins / "acme_plugin.py").write_text(source)
    policy = tmp_path / "p.yaml"
    checks = "  acme.demo.raises: {}\n" if enable else ""
    policy.write_text(SHIPPED.read_text().replace("\nchecks:\n", "\nchecks:\n" + checks, 1))
    evidence = tmp_path / "ev"
    save_evidence([_password_doc("DC=x,DC=test")], evidence)
    out = tmp_path / "out"
    return gitc("evaluate", "--lang", "en",
                "--evidence", evidence, "--policy", policy, "--checks-dir", plugins,
                "--out", out), out


@pytest.mark.parametrize(("source", "message"), [
    (EXITS_AT_IMPORT, "SystemExit"), (INTERRUPTS_AT_IMPORT, "KeyboardInterrupt"),
    (BASE_AT_IMPORT, "Boom: plugin boom"),
], ids=["sys.exit(0)", "KeyboardInterrupt", "BaseException"])
def test_a_plugin_that_ends_the_process_at_import_is_an_error_result(
        tmp_path: Path, source: str, message: str) -> None:
    run, out = _plugin_run(tmp_path, source, enable=False)
    assert run.code == 3, run.output  # the plugin is an error: the run is incomplete
    assert "Traceback" not in run.output
    load = [r for r in latest_report(out)["results"] if r["check"] == "gitc_agent.plugin"]
    assert len(load) == 1 and load[0]["status"] == "error" and message in load[0]["message"]


@pytest.mark.parametrize("statement", ["raise SystemExit(0)", "raise KeyboardInterrupt",
                                       "raise GeneratorExit"])
def test_a_check_that_ends_the_process_is_an_error_result(tmp_path: Path, statement: str) -> None:
    run, out = _plugin_run(tmp_path, RAISING_CHECK.format(statement=statement), enable=True)
    assert run.code == 3, run.output
    assert "Traceback" not in run.output
    results = {r["check"]: r for r in latest_report(out)["results"]}
    bad = results["acme.demo.raises"]
    assert bad["status"] == "error" and statement.split()[1].split("(")[0] in bad["message"]
    assert results["ad.password.min_length"]["status"] == "fail"  # the other checks ran


def _interrupt_when(tmp_path: Path, source: str, enable: bool) -> subprocess.CompletedProcess:
    """Start the run, wait until the plugin signals it is running, then press Ctrl-C."""
    marker = tmp_path / "started"
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "acme_plugin.py").write_text(source.format(marker=str(marker)))
    policy = tmp_path / "p.yaml"
    checks = "  acme.demo.raises: {}\n" if enable else ""
    policy.write_text(SHIPPED.read_text().replace("\nchecks:\n", "\nchecks:\n" + checks, 1))
    evidence = tmp_path / "ev"
    save_evidence([_password_doc("DC=x,DC=test")], evidence)
    proc = subprocess.Popen([sys.executable, "-m", "gitc_agent", "evaluate", "--evidence",
                             str(evidence), "--policy", str(policy), "--checks-dir", str(plugins),
                             "--out", str(tmp_path / "out"), "--lang", "en"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize(("source", "enable"), [(SLOW_IMPORT, False), (SLOW_CHECK, True)],
                         ids=["during plugin import", "during a plugin check"])
def test_the_users_ctrl_c_still_stops_the_run(tmp_path: Path, source: str, enable: bool) -> None:
    done = _interrupt_when(tmp_path, source, enable)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "interrupted" in done.stderr
    assert not (tmp_path / "out" / "latest").exists()


@pytest.mark.parametrize("delay", [0.05, 0.1, 0.15, 0.25, 0.4])
def test_ctrl_c_right_after_start_is_a_clean_interruption(tmp_path: Path, delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "gitc_agent", "demo", "--out",
                             str(tmp_path / "out"), "--lang", "en"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    if "init_import_site" in stderr or ("Traceback" in stderr and "gitc_agent" not in stderr):
        pytest.skip("the signal came in Python's own start-up (site, runpy), before gitc-agent")
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    if proc.returncode == 3 and "interrupted" in stderr:
        assert not (tmp_path / "out" / "latest").exists()
    else:  # the run was quicker than the signal
        assert proc.returncode == 3 and (tmp_path / "out" / "latest").exists(), stderr


def test_run_interrupted_from_a_check_still_propagates(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "acme_plugin.py").write_text(RAISING_CHECK.format(
        statement="from gitc_agent.run.interrupt import RunInterrupted\n"
                  "    raise RunInterrupted('stopped by SIGTERM')"))
    registry = discover([plugins], use_entry_points=False)
    policy_path = tmp_path / "p.yaml"
    policy_path.write_text(SHIPPED.read_text().replace(
        "\nchecks:\n", "\nchecks:\n  acme.demo.raises: {}\n", 1))
    policy = load_policy(str(policy_path), registry)
    with pytest.raises(RunInterrupted):
        evaluate(policy, registry, EvidenceSet([_password_doc("DC=x,DC=test")]),
                 demo.AS_OF)


def test_secret_is_absent_from_every_output_of_a_refused_config(tmp_path: Path) -> None:
    """Belt and braces over the URL cases: nothing at all is left behind."""
    cfg = tmp_path / "gitc-agent.yaml"
    cfg.write_text(AD.format(url=f"ldaps://svc:{SECRET}@dc1.example:636"))
    here = tmp_path / "cwd"
    here.mkdir()
    run = gitc("scan", "--lang", "en",
               "--policy", "adr-gitc", "--config", cfg, env={"GITC_TEST_PW": "x" * 12},
               cwd=here)
    _clean_exit_2(run)
    assert SECRET not in every_file_text(here) and not any(here.iterdir())
