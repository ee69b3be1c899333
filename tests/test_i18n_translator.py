"""The translator on hand-made results: templates, plain messages, exceptions, bad input."""

from __future__ import annotations

import pytest

from gitc_agent.core.exception_note import exception_note
from gitc_agent.errors import InputError
from gitc_agent.i18n import Translator
from gitc_agent.report.view import ReportView

TEMPLATE = "the check yielded subject '{subject}' twice"  # core.po has its Dutch
VALID = {"owner": "CIO", "expires": "2027-06-30", "reason": "vervangen in Q2", "state": "valid"}
EXPIRED = {**VALID, "state": "expired"}


def _result(**extra):
    message = TEMPLATE.format(subject="host:a")
    return {"message": message, "message_template": TEMPLATE,
            "message_params": {"subject": "host:a"}, "exception": None, **extra}


def test_a_template_is_translated_and_filled() -> None:
    nl = Translator("nl")
    assert nl.message(_result()) == "de controle leverde object 'host:a' twee keer op"
    assert Translator("en").message(_result()) == _result()["message"]


def test_english_shows_the_record_even_when_the_template_disagrees() -> None:
    edited = {**_result(), "message": "edited by hand"}
    assert Translator("en").message(edited) == "edited by hand"
    assert Translator("en").compose(edited) == TEMPLATE.format(subject="host:a")


def test_the_exception_sentence_is_rebuilt_in_the_language() -> None:
    for exc, dutch in ((VALID, "Risico geaccepteerd door CIO tot 2027-06-30: vervangen in Q2"),
                       (EXPIRED, "De uitzondering van CIO is verlopen op 2027-06-30 en dekt "
                                 "deze bevinding niet meer.")):
        english = f"{_result()['message']} {exception_note(exc)}"
        r = _result(message=english, exception=exc)
        assert Translator("en").compose(r) == english
        assert Translator("nl").message(r) == ("de controle leverde object 'host:a' twee keer op "
                                               + dutch)
        plain = {"message": f"no template here {exception_note(exc)}", "exception": exc}
        assert Translator("nl").message(plain) == "no template here " + dutch  # kept English


def test_a_plain_message_is_looked_up_whole() -> None:
    r = {"message": "the check yielded no result, so nothing was assessed"}
    assert Translator("nl").message(r) == ("de controle leverde geen resultaat op, dus er is "
                                           "niets beoordeeld")
    assert Translator("nl").message({"message": "not in any catalog"}) == "not in any catalog"


def test_params_that_do_not_fit_fall_back_to_the_record() -> None:
    r = {**_result(), "message_params": {"other": 1}}
    assert Translator("nl").message(r) == r["message"]


def test_a_translation_with_broken_placeholders_falls_back_to_english(monkeypatch) -> None:
    nl = Translator("nl")
    monkeypatch.setattr(nl, "gettext", lambda text: "kapot {onbekend}")
    assert nl("{n} finding(s)", n=3) == "3 finding(s)"
    assert nl.message(_result()) == _result()["message"]


def test_languages_are_a_closed_set() -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        Translator("de")
    assert Translator(None).language == "en"


def test_a_report_view_keeps_template_params_and_language(tmp_path) -> None:
    from tests.cli_run import gitc, latest_report

    out = tmp_path / "out"
    assert gitc("demo", "--out", out, "--quiet", timeout=600).code == 3
    report = latest_report(out)
    view = ReportView.of(report)
    assert view.language == "nl"
    nl = Translator("nl")
    with_template = [r for r in report["results"] if "message_template" in r]
    views = {r.id: r for r in view.results}
    for r in with_template:
        v = views[r["id"]]
        assert (v.message_template, dict(v.message_params or {})) == (r["message_template"],
                                                                     r["message_params"])
        assert nl.message(v) == nl.message(r)
    bad = {**report, "language": "de"}
    with pytest.raises(InputError, match=r"report\.language"):
        ReportView.of(bad)
    older = {k: v for k, v in report.items() if k != "language"}
    assert ReportView.of(older).language == "en"  # a report from before languages is English
