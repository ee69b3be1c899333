"""Messages as templates with values: what a renderer in another language needs to start from."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pytest

from gitc_agent.core.results import Outcome, Result, Status
from gitc_agent.core.verdict import fail
from gitc_agent.model.message import msg, template_fields
from gitc_agent.run.redact import register_secret


def test_a_template_renders_its_values_and_keeps_them_as_scalars() -> None:
    message = msg("{account} left on {end} ({days:,} days ago)", account="jdoe",
                  end=date(2026, 3, 31), days=1234)
    assert str(message) == "jdoe left on 2026-03-31 (1,234 days ago)"
    assert message.params == {"account": "jdoe", "end": "2026-03-31", "days": 1234}


@pytest.mark.parametrize(("template", "values"), [
    ("{account} is enabled", {}),                        # a placeholder without a value
    ("account is enabled", {"account": "x"}),            # a value no template uses
    ("{0} is enabled", {"0": "x"}),                      # positional: a translation may reorder
    ("{account.name} is enabled", {"account": "x"}),     # attribute access is not a plain value
])
def test_a_template_and_its_values_must_match(template: str, values: dict) -> None:
    with pytest.raises(ValueError, match="message template"):
        msg(template, **values)


def test_escaped_braces_are_text_not_placeholders() -> None:
    assert template_fields("set {{x}} for {name}") == {"name"}
    assert str(msg("set {{x}} for {name}", name="y")) == "set {x} for y"


def test_an_outcome_built_from_a_message_keeps_text_template_and_values() -> None:
    outcome = Outcome("ad:user:jdoe", Status.FAIL, msg("{n} groups", n=3))
    assert (outcome.message, outcome.template, outcome.params) == ("3 groups", "{n} groups",
                                                                   {"n": 3})
    plain = Outcome("ad:user:jdoe", Status.FAIL, "no groups")
    assert (plain.message, plain.template, plain.params) == ("no groups", None, None)


class _Item:
    subject = "ad:domain:corp.example"
    source: ClassVar[dict[str, str]] = {"target": "corp.example"}


def test_a_verdict_carries_its_template_into_the_outcome() -> None:
    outcome = fail(msg("minimum length {n} is below the norm", n=8), min_length=8).about(_Item())
    assert outcome.message == "minimum length 8 is below the norm"
    assert outcome.template == "minimum length {n} is below the norm"
    assert outcome.params == {"n": 8}
    assert outcome.evidence == {"target": "corp.example", "min_length": 8}


def test_the_engine_redacts_the_values_as_it_redacts_the_text() -> None:
    from gitc_agent.core import engine

    secret = "S3cr3t-value-for-redaction"
    register_secret(secret)
    fields = engine._template("bind as {user} failed: {detail}",
                              {"user": "svc", "detail": f"password {secret} refused"})
    assert secret not in repr(fields)
    assert fields["message_params"]["user"] == "svc"
    assert engine._template(None, None) == {}


def test_a_report_result_carries_template_and_values_only_when_it_has_them() -> None:
    base = dict(check="ad.x", title="X", subject="s", status=Status.FAIL, evidence={},
                remediation="", references=[])
    with_template = Result(message="3 groups", message_template="{n} groups",
                           message_params={"n": 3}, **base).to_dict()
    assert (with_template["message_template"], with_template["message_params"]) == (
        "{n} groups", {"n": 3})
    assert "message_template" not in Result(message="no groups", **base).to_dict()
