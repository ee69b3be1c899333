"""Hostile files through the real command: exit 2 naming the file (and line), no traceback,
nothing written, and no hang.

Each case runs `python -m gitc_agent` in a subprocess with a timeout (a FIFO that blocks fails
the test instead of hanging it) and a memory ceiling (so `/dev/zero` read to the end fails the
test instead of the machine).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gitc_agent import demo
from gitc_agent.errors import InputError
from gitc_agent.run.input_files import MAX_JSON_DEPTH, parse_json
from gitc_agent.settings.yaml_source import load_yaml
from tests.cli_run import Run

DEMO_POLICY = demo.policy_path()
DEMO_EVIDENCE = demo.evidence_dir()
EXPIRES = "    expires: 2027-06-30\n"  # the demo policy's one exception, replaced below
CLI = settings(max_examples=6, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MEMORY = 3 * 1024 ** 3


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def gitc(*args: str | Path, timeout: float = 60, user: int | None = None) -> Run:
    """Like tests.cli_run.gitc, with a memory ceiling; a hang raises TimeoutExpired."""
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "gitc_agent", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=timeout,
                          preexec_fn=_bounded, user=user, cwd="/")
    return Run(proc.returncode, proc.stdout, proc.stderr)


def refused(run: Run, named: Path | str, out: Path | None = None, line: int | None = None) -> None:
    """Exit 2, the file (and line) named, no traceback, no report written."""
    assert "Traceback" not in run.output, run.output
    assert run.code == 2, run.output
    where = f"{named}:{line}" if line else str(named)
    assert where in run.stderr, run.stderr
    if out is not None:
        written = [p for p in out.rglob("*") if p.name != ".gitc-agent.lock"] \
            if out.exists() else []
        assert not written, written


def evaluate(tmp: Path, evidence: Path = DEMO_EVIDENCE, policy: Path = DEMO_POLICY,
             *extra: str | Path, **kw) -> Run:
    return gitc("evaluate", "--policy", policy, "--evidence", evidence, "--out", tmp / "out",
                "--as-of", demo.AS_OF.isoformat(), *extra, **kw)


def scan(config: Path, *args: str | Path, **kw) -> Run:
    return gitc("scan", "--policy", "adr-gitc", "--config", config, *args, **kw)


def policy_with_expires(tmp: Path, value: str) -> tuple[Path, int]:
    """The demo policy with its exception's `expires:` set to `value`; the file and its line."""
    text = DEMO_POLICY.read_text()
    assert text.count(EXPIRES) == 1
    path = tmp / "policy.yaml"
    path.write_text(text.replace(EXPIRES, f"    expires: {value}\n"))
    return path, text[:text.index(EXPIRES)].count("\n") + 1


def evidence_copy(tmp: Path) -> Path:
    folder = tmp / "ev"
    shutil.copytree(DEMO_EVIDENCE, folder)
    return folder


def evidence_doc(**fields) -> dict:
    return {"schema": "gitc-agent/evidence/v1", "kind": "ad.password_policy", "target": "t",
            "collector": "test", "collected_at": "2026-11-16T07:00:00+00:00", "errors": [],
            "data": {}, **fields}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- YAML standard tags on the wrong value, impossible dates, huge integers ---------------------

BAD_VALUES = {
    "int-on-text": '!!int "abc"',
    "float-on-text": '!!float "abc"',
    "bool-maybe": '!!bool "maybe"',
    "map-on-scalar": '!!map "x"',
    "seq-on-scalar": '!!seq "x"',
    "timestamp-banana": '!!timestamp "banana"',
    "int-on-mapping": "!!int {a: 1}",
    "str-on-sequence": "!!str [1, 2]",
    "date-feb-30": "2027-02-30",
    "date-month-13": "2027-13-01",
    "timestamp-feb-30": "!!timestamp 2027-02-30",
    "int-5000-digits": "1" * 5000,
    "lone-surrogate": '"\\ud800"',
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_yaml_value_in_policy(tmp_path: Path, case: str) -> None:
    policy, line = policy_with_expires(tmp_path, BAD_VALUES[case])
    refused(evaluate(tmp_path, policy=policy), policy, tmp_path / "out", line)


@pytest.mark.parametrize("value", ['"CISO \\ud800"', '"\\udfff"'], ids=["high", "low"])
def test_lone_surrogate_in_policy_text(tmp_path: Path, value: str) -> None:
    """Valid YAML that is not Unicode: it would crash whatever writes the policy's owner out."""
    text = DEMO_POLICY.read_text()
    old = '  owner: "CISO"\n'
    policy = tmp_path / "policy.yaml"
    policy.write_text(text.replace(old, f"  owner: {value}\n", 1))
    line = text[:text.index(old)].count("\n") + 1
    refused(evaluate(tmp_path, policy=policy), policy, tmp_path / "out", line)


TAGS = ["!!int", "!!float", "!!bool", "!!null", "!!str", "!!timestamp", "!!map", "!!seq", ""]
VALUES = ['"abc"', '"maybe"', '"banana"', "2027-02-30", "2027-13-01", "2027-12-31", "{a: 1}",
          "[1]", '""', "1" * 4400, "0x1F", "1e999", ".nan", "yes"]


@CLI
@given(tag=st.sampled_from(TAGS), value=st.sampled_from(VALUES) | st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8).map(json.dumps))
def test_yaml_tags_times_values(tmp_path_factory, tag: str, value: str) -> None:
    tmp = tmp_path_factory.mktemp("tag")
    policy, line = policy_with_expires(tmp, f"{tag} {value}".strip())
    run = gitc("policy", "validate", policy)
    assert "Traceback" not in run.output, run.output
    assert run.code in (0, 2), run.output
    if run.code == 2:
        assert f"{policy}:{line}" in run.stderr, run.stderr


@settings(max_examples=200, deadline=None)
@given(tag=st.sampled_from(TAGS), value=st.sampled_from(VALUES) | st.text(max_size=8).map(json.dumps))
def test_yaml_tags_times_values_in_process(tag: str, value: str) -> None:
    """The same family, wider (any text, control characters and surrogates too), in-process."""
    try:
        load_yaml(Path("p.yaml"), f"expires: {tag} {value}\n")
    except InputError as exc:
        assert exc.file == "p.yaml"


def test_bad_yaml_value_in_config(tmp_path: Path) -> None:
    config = tmp_path / "gitc-agent.yaml"
    config.write_text('local_host: {}\noutput:\n  dir: !!int "abc"\n')
    run = scan(config, "--out", tmp_path / "out")
    refused(run, config, tmp_path / "out", 3)


DEEP_YAML = {
    "flow-sequence": "x: " + nested(3000) + "\n",
    "flow-mapping": "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "block-sequence": "x:\n" + "- " * 3000 + "1\n",
    "block-mapping": "".join(" " * i + "a:\n" for i in range(1500)),  # 1 MB of indentation
}


@pytest.mark.parametrize("case", sorted(DEEP_YAML))
def test_deeply_nested_yaml_policy(tmp_path: Path, case: str) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(DEEP_YAML[case])
    refused(evaluate(tmp_path, policy=policy), policy, tmp_path / "out")
    assert f"{policy}:" in gitc("policy", "validate", policy).stderr  # with a line


def test_deeply_nested_yaml_config(tmp_path: Path) -> None:
    config = tmp_path / "gitc-agent.yaml"
    config.write_text("local_host: {}\noutput: " + nested(3000) + "\n")
    refused(scan(config, "--out", tmp_path / "out"), config,
            tmp_path / "out", 2)


@CLI
@given(depth=st.integers(min_value=1, max_value=6000))
def test_yaml_nesting_depths(tmp_path_factory, depth: int) -> None:
    tmp = tmp_path_factory.mktemp("deep")
    policy = tmp / "policy.yaml"
    policy.write_text("x: " + nested(depth) + "\n")
    refused(gitc("policy", "validate", policy), policy, line=1)


# --- JSON nested 100,000 levels and integers over 4,300 digits -----------------------------------

DEEP = nested(100_000)
HUGE_INT = "1" * 5000


@pytest.mark.parametrize("payload", [DEEP, HUGE_INT], ids=["nested-100000", "int-5000-digits"])
def test_json_evidence(tmp_path: Path, payload: str) -> None:
    folder = evidence_copy(tmp_path)
    bad = folder / "bad.json"
    bad.write_text(json.dumps(evidence_doc()).replace('"data": {}', f'"data": {{"x": {payload}}}'))
    refused(evaluate(tmp_path, folder), bad, tmp_path / "out")


@CLI
@given(depth=st.integers(min_value=101, max_value=200_000))
def test_json_evidence_nesting_depths(tmp_path_factory, depth: int) -> None:
    tmp = tmp_path_factory.mktemp("deep")
    folder = tmp / "ev"
    folder.mkdir()
    bad = folder / "bad.json"
    bad.write_text(json.dumps(evidence_doc()).replace('"data": {}',
                                                      f'"data": {{"x": {nested(depth)}}}'))
    refused(evaluate(tmp, folder), bad, tmp / "out")


@settings(max_examples=200, deadline=None)
@given(depth=st.integers(min_value=1, max_value=200_000), leaf=st.sampled_from(["1", '"x"']),
       shape=st.sampled_from([("[", "]"), ('{"a": ', "}")]))
@example(depth=MAX_JSON_DEPTH, leaf="1", shape=("[", "]"))
@example(depth=MAX_JSON_DEPTH + 1, leaf="1", shape=("[", "]"))
@example(depth=100_000, leaf="1", shape=('{"a": ', "}"))
def test_json_nesting_depths_in_process(depth: int, leaf: str, shape: tuple[str, str]) -> None:
    """Refused exactly when deeper than the limit, at any depth, and never a RecursionError."""
    text = shape[0] * depth + leaf + shape[1] * depth
    try:
        parse_json(text.encode(), Path("x.json"), "file")
    except InputError as exc:
        assert depth > MAX_JSON_DEPTH and "nested" in exc.message
    else:
        assert depth <= MAX_JSON_DEPTH


def _feed_config(tmp: Path, feed: Path) -> Path:
    config = tmp / "gitc-agent.yaml"
    config.write_text(f"feeds: {{kev_catalog: {feed}}}\nlocal_host: {{}}\n")
    return config


@pytest.mark.parametrize("payload", [DEEP, HUGE_INT], ids=["nested-100000", "int-5000-digits"])
def test_json_feed(tmp_path: Path, payload: str) -> None:
    feed = tmp_path / "kev.json"
    feed.write_text('{"vulnerabilities": [{"cveID": ' + payload + "}]}")
    run = scan(_feed_config(tmp_path, feed), "--out", tmp_path / "out")
    refused(run, feed, tmp_path / "out")


@pytest.mark.parametrize("payload", [DEEP, HUGE_INT], ids=["nested-100000", "int-5000-digits"])
def test_json_datafix_export(tmp_path: Path, payload: str) -> None:
    export = tmp_path / "roles.json"
    export.write_text('[{"principal": "a", "role": "r", "x": ' + payload + "}]")
    config = tmp_path / "gitc-agent.yaml"
    config.write_text("datafix:\n  db_roles: {file: roles.json}\n")
    run = scan(config, "--out", tmp_path / "out")
    refused(run, export, tmp_path / "out")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "out"
    assert gitc("demo", "--out", out).code == 3
    return (out / "latest").resolve()


def _tampered(tmp: Path, run_folder: Path, name: str, payload: str) -> Path:
    folder = tmp / run_folder.name
    shutil.copytree(run_folder, folder)
    text = (folder / name).read_text()
    (folder / name).write_text(text[:1] + f'"x": {payload}, ' + text[1:])
    return folder


@pytest.mark.parametrize("payload", [DEEP, HUGE_INT], ids=["nested-100000", "int-5000-digits"])
@pytest.mark.parametrize("name", ["manifest.json", "report.json"])
def test_json_read_by_verify(tmp_path: Path, run_folder: Path, name: str, payload: str) -> None:
    """A tampered manifest or report is a failed verification (exit 1), never a crash."""
    folder = _tampered(tmp_path, run_folder, name, payload)
    run = gitc("verify", folder)
    assert "Traceback" not in run.output, run.output
    assert run.code in (1, 2) and str(folder / name) in run.output, run.output


@pytest.mark.parametrize("payload", [DEEP, HUGE_INT], ids=["nested-100000", "int-5000-digits"])
@pytest.mark.parametrize("command", ["previous", "report", "diff"])
def test_json_saved_report(tmp_path: Path, run_folder: Path, command: str, payload: str) -> None:
    report = _tampered(tmp_path, run_folder, "report.json", payload) / "report.json"
    out = tmp_path / "out"
    if command == "previous":
        run = evaluate(tmp_path, DEMO_EVIDENCE, DEMO_POLICY, "--previous", report)
    elif command == "report":
        run = gitc("report", report, "--format", "csv", "--out", out)
    else:
        run = gitc("diff", run_folder / "report.json", report)
    refused(run, report, out)


# --- Evidence files that are not evidence --------------------------------------------------------

def _bad_evidence(folder: Path, case: str) -> Path:
    path = folder / "bad.json"
    if case == "tool-is-a-string":
        path.write_text(json.dumps(evidence_doc(tool="gitc-agent")))
    elif case == "tool-is-a-list":
        path.write_text(json.dumps(evidence_doc(tool=["gitc-agent"])))
    elif case == "directory":
        path.mkdir()
    elif case == "dangling-symlink":
        path.symlink_to(folder / "nowhere.json")
    elif case == "surrogate-in-target":
        path.write_text(json.dumps(evidence_doc(target="dc\ud800.corp")))
    elif case == "surrogate-in-data":
        path.write_text(json.dumps(evidence_doc(data={"name\ud800": "x"})))
    elif case == "surrogate-in-kind":
        path.write_text(json.dumps(evidence_doc(kind="ad.password\udfff")))
    elif case == "fifo":
        os.mkfifo(path)
    elif case == "dev-zero":
        path.symlink_to("/dev/zero")
    return path


EVIDENCE_CASES = ["tool-is-a-string", "tool-is-a-list", "directory", "dangling-symlink",
                  "surrogate-in-target", "surrogate-in-data", "surrogate-in-kind", "fifo",
                  "dev-zero"]


@pytest.mark.parametrize("case", EVIDENCE_CASES)
def test_bad_evidence_file(tmp_path: Path, case: str) -> None:
    folder = evidence_copy(tmp_path)
    bad = _bad_evidence(folder, case)
    refused(evaluate(tmp_path, folder, timeout=15), bad, tmp_path / "out")


UNREADABLE = """
import builtins, io, os, runpy, sys
target = sys.argv.pop(1)
def refuse(real):
    def opener(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == target:
            raise PermissionError(13, "Permission denied", target)
        return real(file, *args, **kwargs)
    return opener
os.open = refuse(os.open)
builtins.open = io.open = refuse(io.open)
runpy.run_module("gitc_agent", run_name="__main__")
"""


def test_unreadable_evidence_file(tmp_path: Path) -> None:
    """chmod 000 stops everyone but root, and the tests run as root: there the command runs with
    every open of that one file failing as it would for another user (EACCES)."""
    folder = evidence_copy(tmp_path)
    bad = folder / "bad.json"
    bad.write_text(json.dumps(evidence_doc()))
    bad.chmod(0)
    args = ["evaluate", "--policy", DEMO_POLICY, "--evidence", folder, "--out", tmp_path / "out"]
    if os.geteuid() != 0:
        run = gitc(*args)
    else:
        proc = subprocess.run([sys.executable, "-c", UNREADABLE, str(bad), *map(str, args)],
                              capture_output=True, text=True, timeout=60)
        run = Run(proc.returncode, proc.stdout, proc.stderr)
    refused(run, bad, tmp_path / "out")
    assert "Permission denied" in run.stderr


# --- Datafix encodings -------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["bogus-enc", "rot13", "base64", "zlib", "hex"])
def test_datafix_encoding_is_a_text_codec(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "roles.csv").write_text("principal,role\na,r\n")
    config = tmp_path / "gitc-agent.yaml"
    config.write_text(f"datafix:\n  db_roles:\n    file: roles.csv\n    encoding: {encoding}\n")
    run = scan(config, "--out", tmp_path / "out")
    refused(run, config, tmp_path / "out", 4)
    assert encoding in run.stderr


# --- Files that are not regular files ----------------------------------------------------------

def _special(tmp: Path, kind: str) -> Path:
    if kind == "fifo":
        path = tmp / "special.json"
        os.mkfifo(path)
        return path
    return Path("/dev/zero")


SPECIAL = ["fifo", "dev-zero"]


@pytest.mark.parametrize("kind", SPECIAL)
def test_special_file_as_policy(tmp_path: Path, kind: str) -> None:
    path = _special(tmp_path, kind)
    refused(evaluate(tmp_path, policy=path, timeout=15), path, tmp_path / "out")


@pytest.mark.parametrize("kind", SPECIAL)
def test_special_file_as_config(tmp_path: Path, kind: str) -> None:
    path = _special(tmp_path, kind)
    refused(scan(path, "--out", tmp_path / "out", timeout=15), path,
            tmp_path / "out")


@pytest.mark.parametrize("kind", SPECIAL)
def test_special_file_as_feed(tmp_path: Path, kind: str) -> None:
    path = _special(tmp_path, kind)
    run = scan(_feed_config(tmp_path, path), "--out", tmp_path / "out",
               timeout=15)
    refused(run, path, tmp_path / "out")


@pytest.mark.parametrize("kind", SPECIAL)
def test_special_file_as_previous_report(tmp_path: Path, kind: str) -> None:
    path = _special(tmp_path, kind)
    run = evaluate(tmp_path, DEMO_EVIDENCE, DEMO_POLICY, "--previous", path, timeout=15)
    refused(run, path, tmp_path / "out")


@pytest.mark.parametrize("kind", SPECIAL)
def test_special_file_as_report_to_render(tmp_path: Path, kind: str) -> None:
    path = _special(tmp_path, kind)
    run = gitc("report", path, "--format", "csv", "--out", tmp_path / "out", timeout=15)
    refused(run, path, tmp_path / "out")


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("option", ["--sign", "--key"])
def test_special_file_as_key(tmp_path: Path, run_folder: Path, kind: str, option: str) -> None:
    path = _special(tmp_path, kind)
    if option == "--sign":
        run = evaluate(tmp_path, DEMO_EVIDENCE, DEMO_POLICY, "--sign", path, timeout=15)
    else:
        run = gitc("verify", run_folder, "--key", path, timeout=15)
    refused(run, path, tmp_path / "out")


def test_fifo_as_datafix_export(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "roles.csv")
    config = tmp_path / "gitc-agent.yaml"
    config.write_text("datafix:\n  db_roles: {file: roles.csv}\n")
    run = scan(config, "--out", tmp_path / "out", timeout=15)
    refused(run, config, tmp_path / "out", 2)
