"""The environment config: secrets are referenced, never written; insecure binds need opt-in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_run import gitc


def _config(tmp_path: Path, servers: str = "ldaps://dc1.example:636", bind: str = "",
            extra: str = "") -> Path:
    secret = tmp_path / "bind.secret"
    if not secret.exists():
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"S3cret-Value-For-Test\n")
        os.close(fd)
    bind = bind or f"""    method: simple
    user: svc-gitc@EXAMPLE.TEST
    password: {{file: {secret}}}"""
    path = tmp_path / "gitc-agent.yaml"
    path.write_text(f"""ad:
  servers: [{servers}]
  base_dn: DC=example,DC=test
  bind:
{bind}
{extra}""")
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_plain_ldap_simple_bind_is_refused(tmp_path: Path) -> None:
    cfg = _config(tmp_path, servers="ldap://dc1.example")
    run = gitc("scan", "--policy", "adr-gitc", "--config", cfg, "--out", tmp_path / "o")
    assert run.code == 2
    assert f"{cfg}:{_line(cfg, 'servers')}:" in run.stderr and "plain LDAP" in run.stderr
    assert not (tmp_path / "o").exists()


def test_plain_ldap_ntlm_is_refused_even_with_opt_in(tmp_path: Path) -> None:
    cfg = _config(tmp_path, servers="ldap://dc1.example", extra="  allow_plain_bind: true",
                  bind="""    method: ntlm
    user: EXAMPLE\\\\svc
    password: {env: GITC_TEST_PW}""")
    run = gitc("scan", "--policy", "adr-gitc", "--config", cfg, env={"GITC_TEST_PW": "x" * 12})
    assert run.code == 2 and "NTLM binds are made only over TLS" in run.stderr


def test_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    os.chmod(tmp_path / "bind.secret", 0o644)
    run = gitc("scan", "--policy", "adr-gitc", "--config", cfg)
    assert run.code == 2
    assert "mode 0644" in run.stderr and "S3cret-Value-For-Test" not in run.output


def test_missing_environment_variable_is_named(tmp_path: Path) -> None:
    cfg = _config(tmp_path, bind="""    method: simple
    user: svc
    password: {env: GITC_NOT_SET_ANYWHERE}""")
    run = gitc("scan", "--policy", "adr-gitc", "--config", cfg)
    assert run.code == 2 and "GITC_NOT_SET_ANYWHERE" in run.stderr


@pytest.mark.parametrize("bind", ["""    method: simple
    user: svc
    password: Literal-Secret-In-File""", """    method: simple
    user: svc
    password: {env: X, file: /y}"""])
def test_a_secret_written_in_the_config_is_refused(tmp_path: Path, bind: str) -> None:
    cfg = _config(tmp_path, bind=bind)
    run = gitc("scan", "--policy", "adr-gitc", "--config", cfg)
    assert run.code == 2
    assert f"{cfg}:{_line(cfg, 'password')}:" in run.stderr
    assert "Literal-Secret-In-File" not in run.output
