"""What the commands print, in the user's language: --lang, else the loaded policy's
`language:`, else the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads them),
else English. A report never follows the environment (audit files are reproducible).

Every run sets or clears the four variables itself, so the machine's locale cannot decide a test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gitc_agent import demo
from gitc_agent.model.language import command_language, from_environment, report_language
from tests.cli_run import Run, gitc

LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def env(**values: str) -> dict[str, str]:
    """The locale variables all cleared (empty is unset for gettext), then `values` set."""
    return {**{name: "" for name in LOCALE_VARS}, **values}


ENGLISH, DUTCH = env(), env(LANG="nl_NL.UTF-8")


# --- the order in which the language is decided ------------------------------------------------

@pytest.mark.parametrize(("variables", "expected"), [
    ({}, None),
    ({"LANG": "nl_NL.UTF-8"}, "nl"),
    ({"LANG": "nl"}, "nl"),
    ({"LANG": "nl_BE@euro"}, "nl"),
    ({"LANG": "de_DE.UTF-8"}, None),
    ({"LANG": "C.UTF-8"}, None),
    ({"LC_MESSAGES": "nl_NL", "LANG": "en_GB"}, "nl"),
    ({"LC_MESSAGES": "en_GB", "LANG": "nl_NL"}, None),
    ({"LC_ALL": "nl_NL", "LC_MESSAGES": "en_GB"}, "nl"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "nl_NL"}, None),
    ({"LANGUAGE": "nl", "LC_ALL": "en_US.UTF-8"}, "nl"),
    ({"LANGUAGE": "en", "LC_ALL": "nl_NL.UTF-8"}, None),
    ({"LANGUAGE": "fr:nl", "LANG": "en_US"}, "nl"),  # a list, tried in order
    ({"LANGUAGE": "fr:de", "LANG": "nl_NL"}, None),  # LANGUAGE is set, so it decides
    ({"LANGUAGE": "", "LANG": "nl_NL"}, "nl"),  # empty is not set
])
def test_the_environment_is_read_as_gettext_reads_it(variables: dict[str, str],
                                                     expected: str | None) -> None:
    assert from_environment(env(**variables)) == expected


def test_lang_then_policy_then_environment_then_english() -> None:
    dutch_env, english_env = env(LANG="nl_NL.UTF-8"), env()
    assert command_language("en", "nl", dutch_env) == "en"
    assert command_language(None, "en", dutch_env) == "en"
    assert command_language(None, None, dutch_env) == "nl"
    assert command_language(None, "nl", english_env) == "nl"
    assert command_language(None, None, english_env) == "en"


def test_a_report_never_follows_the_environment() -> None:
    assert report_language(None, None) == "en"
    assert report_language(None, "nl") == "nl"
    assert report_language("en", "nl") == "en"


# --- the commands --------------------------------------------------------------------------

def _ok(run: Run, code: int = 0) -> Run:
    assert run.code == code, run.output
    assert "Traceback" not in run.output
    return run


def test_keygen_in_english_and_dutch(tmp_path: Path) -> None:
    english = _ok(gitc("keygen", "--out", tmp_path / "a", env=ENGLISH))
    assert "private key (keep it secret, mode 0600):" in english.stdout
    dutch = _ok(gitc("keygen", "--out", tmp_path / "b", env=DUTCH))
    assert "privésleutel (geheim houden, modus 0600):" in dutch.stdout
    assert "publieke sleutel:" in dutch.stdout
    again = _ok(gitc("keygen", "--out", tmp_path / "b", "--lang", "en", env=DUTCH), 2)
    assert again.stderr.startswith("gitc-agent: error: ") and "refusing to overwrite" in again.stderr
    again = _ok(gitc("keygen", "--out", tmp_path / "b", env=env(LANGUAGE="nl")), 2)
    assert again.stderr.startswith("gitc-agent: fout: ")
    assert "een bestaand sleutelbestand wordt niet overschreven" in again.stderr


def _policy(tmp_path: Path, language: str | None = None, extra: str = "") -> Path:
    path = tmp_path / "policy.yaml"
    lang = f"  language: {language}\n" if language else ""
    path.write_text("policy:\n  id: test\n  title: Test\n  version: '1'\n" + lang
                    + "scale:\n  likelihood: {1: low, 2: high}\n  impact: {1: low, 2: high}\n"
                    "priorities:\n  - {id: laag, label: Laag}\n  - {id: hoog, label: Hoog}\n"
                    "matrix:\n  1: [laag, laag]\n  2: [laag, hoog]\n"
                    "checks:\n  ad.password.min_length: {}\n" + extra)
    return path


def test_policy_validate_valid_in_english_and_dutch(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    english = _ok(gitc("policy", "validate", policy, env=ENGLISH))
    assert ": valid policy test 1 with 1 check(s) and 0 exception(s)" in english.stdout
    dutch = _ok(gitc("policy", "validate", policy, env=DUTCH))
    assert ": geldig beleid test 1 met 1 controle(s) en 0 uitzondering(en)" in dutch.stdout
    assert "valid policy" in _ok(gitc("policy", "validate", policy, "--lang", "en",
                                      env=DUTCH)).stdout


def test_the_policy_language_wins_over_the_environment(tmp_path: Path) -> None:
    dutch_policy = _policy(tmp_path, "nl")
    run = _ok(gitc("policy", "validate", dutch_policy, env=ENGLISH))
    assert "geldig beleid" in run.stdout
    run = _ok(gitc("policy", "validate", _policy(tmp_path, "en"), env=DUTCH))
    assert "valid policy" in run.stdout


def test_a_policy_error_keeps_file_and_line_and_reads_dutch(tmp_path: Path) -> None:
    policy = _policy(tmp_path, extra="  ad.password.history:\n    likelihood: 7\n")
    line = policy.read_text().splitlines().index("    likelihood: 7") + 1
    english = _ok(gitc("policy", "validate", policy, env=ENGLISH), 2)
    assert english.stderr.strip() == (f"gitc-agent: error: {policy}:{line}: checks."
                                      "ad.password.history.likelihood: 7 is not on the "
                                      "likelihood scale ([1, 2])")
    dutch = _ok(gitc("policy", "validate", policy, env=DUTCH), 2)
    assert dutch.stderr.strip() == (f"gitc-agent: fout: {policy}:{line}: checks."
                                    "ad.password.history.likelihood: 7 staat niet op de schaal "
                                    "likelihood ([1, 2])")


def test_a_pydantic_error_reads_dutch_by_its_type(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    text = policy.read_text().replace("  version: '1'\n", "  version: '1'\n  colour: red\n")
    policy.write_text(text)
    dutch = _ok(gitc("policy", "validate", policy, "--lang", "nl", env=ENGLISH), 2)
    assert f"{policy}:5: policy.colour: onbekende sleutel (controleer de spelling)" in dutch.stderr
    english = _ok(gitc("policy", "validate", policy, env=ENGLISH), 2)
    assert f"{policy}:5: policy.colour: unknown key (check the spelling)" in english.stderr


def test_policy_list_takes_lang(tmp_path: Path) -> None:
    assert "adr-gitc" in _ok(gitc("policy", "list", "--lang", "nl", env=ENGLISH)).stdout


def _feeds_config(tmp_path: Path) -> Path:
    (tmp_path / "kev.json").write_text(json.dumps({"catalogVersion": "2026.12.01",
                                                   "dateReleased": "2026-12-01T00:00:00Z",
                                                   "vulnerabilities": []}))
    config = tmp_path / "gitc-agent.yaml"
    config.write_text("feeds: {kev_catalog: kev.json}\n")
    return config


def test_collect_in_english_and_dutch(tmp_path: Path) -> None:
    config = _feeds_config(tmp_path)
    english = _ok(gitc("collect", "--config", config, "--out", tmp_path / "en", env=ENGLISH))
    assert ": ok" in english.stdout
    assert "plan.json: 1 target(s) of 1 kind(s) planned" in english.stdout
    dutch = _ok(gitc("collect", "--config", config, "--out", tmp_path / "nl", "--lang", "nl",
                     env=ENGLISH))
    assert "plan.json: 1 doel(en) van 1 soort(en) gepland" in dutch.stdout
    # the evidence itself is the same in either language
    en_files = sorted(p.name for p in (tmp_path / "en").iterdir())
    assert en_files == sorted(p.name for p in (tmp_path / "nl").iterdir())


def test_feeds_status_in_english_and_dutch(tmp_path: Path) -> None:
    config = _feeds_config(tmp_path)
    english = _ok(gitc("feeds", "status", "--config", config, env=ENGLISH))
    assert "cisa-kev: " in english.stdout and "days ago)" in english.stdout
    dutch = _ok(gitc("feeds", "status", "--config", config, env=DUTCH))
    assert "cisa-kev: " in dutch.stdout and "dagen geleden)" in dutch.stdout
    as_json = _ok(gitc("feeds", "status", "--config", config, "--json", env=DUTCH))
    assert json.loads(as_json.stdout)[0]["source"] == "cisa-kev"  # JSON stays as it is


def test_an_input_error_of_a_config_reads_dutch(tmp_path: Path) -> None:
    config = tmp_path / "gitc-agent.yaml"
    config.write_text("feeds:\n  kev_catalog: missing.json\n")
    dutch = _ok(gitc("collect", "--config", config, "--out", tmp_path / "out", env=DUTCH), 2)
    assert dutch.stderr.startswith("gitc-agent: fout: ")
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, evaluated once with English status lines (the demo policy is Dutch)."""
    out = tmp_path_factory.mktemp("demo") / "out"
    run = gitc("demo", "--out", out, "--quiet", env=ENGLISH)
    assert run.code == 3, run.output
    return out


def test_a_report_does_not_follow_the_environment(tmp_path: Path) -> None:
    """nist-800-63b has no `language:`: the report is English whatever the locale says."""
    out = tmp_path / "out"
    run = gitc("evaluate", "--evidence", demo.evidence_dir(), "--policy", "nist-800-63b",
               "--out", out, "--as-of", demo.AS_OF.isoformat(), env=env(LANGUAGE="nl",
                                                                        LANG="nl_NL.UTF-8"))
    assert run.code in (0, 1, 3) and "Traceback" not in run.output, run.output
    report = json.loads((out / "latest" / "report.json").read_text())
    assert report["language"] == "en"
    assert "Management summary" in run.stdout


def test_verify_ok_and_tampered_in_english_and_dutch(demo_run: Path, tmp_path: Path) -> None:
    english = _ok(gitc("verify", demo_run / "latest", env=ENGLISH))
    assert "note: signatures not checked: pass --key PUBLIC_KEY to check them" in english.stdout
    assert "OK: 1 run(s) verified" in english.stdout
    dutch = _ok(gitc("verify", demo_run / "latest", env=DUTCH))
    assert "opmerking: handtekeningen niet gecontroleerd" in dutch.stdout
    assert "OK: 1 run(s) geverifieerd" in dutch.stdout

    copy = tmp_path / "copy"
    shutil.copytree(demo_run, copy, symlinks=True)
    report = copy / "latest" / "report.json"
    report.write_bytes(report.read_bytes().replace(b'"schema"', b'"schema" ', 1))
    english = _ok(gitc("verify", copy / "latest", env=ENGLISH), 1)
    assert "FAILED: " in english.stdout and "SHA-256 does not match the manifest" in english.stdout
    assert "verification FAILED: 1 problem(s) in " in english.stdout
    dutch = _ok(gitc("verify", copy / "latest", "--lang", "nl", env=ENGLISH), 1)
    assert "MISLUKT: " in dutch.stdout
    assert "SHA-256 komt niet overeen met het manifest (verwacht " in dutch.stdout
    assert "verificatie MISLUKT: 1 probleem/problemen in " in dutch.stdout


def test_report_and_sample_in_english_and_dutch(demo_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(demo_run, copy, symlinks=True)
    run_dir = (copy / "latest").resolve()
    english = _ok(gitc("report", run_dir / "report.json", "--format", "csv", "--out",
                       tmp_path / "en", env=ENGLISH))
    assert english.stdout.startswith("wrote ")
    dutch = _ok(gitc("report", run_dir / "report.json", "--format", "csv", "--out",
                     tmp_path / "nl", env=DUTCH))
    assert "geschreven" in dutch.stdout
    report = json.loads((run_dir / "report.json").read_text())
    check = next(f["check"] for f in report["findings"] if f["counts"]["deviations"] >= 1
                 and f["check"].startswith("ad."))
    dutch = _ok(gitc("sample", run_dir, "--check", check, "--size", "1", "--seed", "s1",
                     "--lang", "nl", env=ENGLISH))
    assert f"steekproef van {check} op " in dutch.stdout and "methode: " in dutch.stdout
    english = _ok(gitc("sample", run_dir, "--check", check, "--size", "1", "--seed", "s1",
                       env=ENGLISH))
    assert "this sample was drawn before" in english.stdout


def test_review_export_in_english_and_dutch(tmp_path: Path) -> None:
    policy = str(demo.policy_path())
    english = _ok(gitc("review", "export", "--policy", policy, "--evidence",
                       demo.evidence_dir(), "--out", tmp_path / "en", env=ENGLISH))
    assert english.stdout.startswith("campaign ") and " workbook(s) under " in english.stdout
    dutch = _ok(gitc("review", "export", "--policy", policy, "--evidence",
                     demo.evidence_dir(), "--out", tmp_path / "nl", env=DUTCH))
    assert dutch.stdout.startswith("campagne ") and " werkmap(pen) onder " in dutch.stdout


def test_argparse_keeps_its_own_english(tmp_path: Path) -> None:
    run = _ok(gitc("keygen", env=DUTCH), 2)
    assert "the following arguments are required: --out" in run.stderr


def test_command_texts_have_their_own_catalog_area() -> None:
    from gitc_agent.i18n import catalog, extract

    assert extract.area_of("gitc_agent/cli.py:12") == "commands"
    assert extract.area_of("gitc_agent/settings/yaml_source.py:3") == "commands"
    assert extract.area_of("gitc_agent/run/verify.py:3") == "commands"
    assert extract.area_of("gitc_agent/report/sample_run.py:3") == "commands"
    assert extract.area_of("gitc_agent/report/view.py:3") == "report"
    assert "commands" in {p.stem for p in catalog.po_files("nl")}
