"""Phrases inside messages: a reason or a problem is a message of its own, so it is translated with
the sentence it stands in, and a saved report renders it again in any language from its JSON."""

from __future__ import annotations

import json

import pytest

from gitc_agent.core import engine
from gitc_agent.core.results import Outcome, Status
from gitc_agent.i18n import Translator
from gitc_agent.model.message import MAX_DEPTH, leaves, msg, msg_list, plain, render
from gitc_agent.run.redact import register_secret

DUTCH = {"{account} is impersonal: {reasons}": "{account} is onpersoonlijk: {reasons}",
         "no employeeID": "geen employeeID",
         "name matches {pattern}": "naam past op {pattern}"}


def _nl(text: str) -> str:
    return DUTCH.get(text, text)


def _impersonal():
    return msg("{account} is impersonal: {reasons}", account="svc-backup",
               reasons=msg_list([msg("no employeeID"),
                                 msg("name matches {pattern}", pattern="'svc-*'")]))


def test_a_nested_phrase_renders_in_english_and_in_the_language_of_the_sentence() -> None:
    message = _impersonal()
    assert str(message) == "svc-backup is impersonal: no employeeID; name matches 'svc-*'"
    assert render(message.template, message.params, _nl) == (
        "svc-backup is onpersoonlijk: geen employeeID; naam past op 'svc-*'")


def test_the_json_form_survives_a_round_trip_and_renders_the_same() -> None:
    message = _impersonal()
    saved = json.loads(json.dumps(plain(message.params)))
    assert saved["reasons"] == {"join": "; ", "items": [
        {"template": "no employeeID", "params": {}},
        {"template": "name matches {pattern}", "params": {"pattern": "'svc-*'"}}]}
    assert render(message.template, saved) == str(message)
    assert render(message.template, saved, _nl) == render(message.template, message.params, _nl)
    assert sorted(map(str, leaves(saved))) == ["'svc-*'", "svc-backup"]


def test_an_outcome_keeps_nested_params_as_json_values() -> None:
    outcome = Outcome("ad:user:svc-backup", Status.FAIL, _impersonal())
    assert outcome.message == str(_impersonal())
    json.dumps(outcome.params)  # plain JSON, no Message objects left
    assert outcome.params["reasons"]["items"][0]["template"] == "no employeeID"


def test_a_translation_with_broken_placeholders_costs_only_that_phrase() -> None:
    broken = {**DUTCH, "name matches {pattern}": "naam past op {patroon}"}
    message = _impersonal()
    assert render(message.template, message.params, lambda t: broken.get(t, t)) == (
        "svc-backup is onpersoonlijk: geen employeeID; name matches 'svc-*'")


def test_the_engine_redacts_nested_values_too() -> None:
    secret = "N3sted-s3cret-for-redaction"
    register_secret(secret)
    message = msg("bind failed: {why}", why=msg("server said {detail}", detail=f"pw {secret}"))
    fields = engine._template(message.template, plain(message.params))
    assert secret not in json.dumps(fields)
    assert fields["message_params"]["why"]["template"] == "server said {detail}"


def _report_result(params: dict) -> dict:
    return {"id": "x", "check": "ad.x", "subject": "s", "status": "fail",
            "message": "svc-backup is impersonal: no employeeID", "exception": None,
            "message_template": "{account} is impersonal: {reasons}", "message_params": params}


@pytest.mark.parametrize("reasons", [
    {"template": 3},                                   # a template that is not text
    {"join": "; ", "items": "no employeeID"},          # items that are not a list
    {"template": "no employeeID", "params": [], "x": 1},
    ["no employeeID"],                                 # a bare list
    {"template": "{missing}", "params": {}},          # a placeholder without its value
])
def test_a_hand_edited_nested_value_falls_back_to_the_recorded_english(reasons) -> None:
    result = _report_result({"account": "svc-backup", "reasons": reasons})
    assert Translator("nl").compose(result) == result["message"]


def test_nesting_deeper_than_the_limit_is_refused_not_recursed() -> None:
    value: dict = {"template": "end", "params": {}}
    for _ in range(MAX_DEPTH + 5):
        value = {"template": "{v}", "params": {"v": value}}
    with pytest.raises(ValueError, match="nested deeper"):
        render("{v}", {"v": value})
    result = _report_result({"account": "a", "reasons": value})
    assert Translator("nl").compose(result) == result["message"]
