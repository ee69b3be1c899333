"""The operations checks speak through templates, and Dutch has every one of them.

The checks of vuln.*, windows.*, host.*, governance.*, monitoring.* and the four events-based AD
checks: each demo result carries the template and values it was made from, the template filled
with those values is the English message exactly, and the Dutch catalog turns every template the
demo uses into Dutch with the same values (so no result of these checks reads English in a Dutch
report, apart from the values themselves)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitc_agent.i18n import Translator
from gitc_agent.model.message import leaves, render
from tests.cli_run import gitc

PREFIXES = ("vuln.", "windows.", "host.", "governance.", "monitoring.")
EVENT_CHECKS = {"ad.accounts.created_without_ticket", "ad.accounts.impersonal_interactive_logon",
                "ad.accounts.impersonal_logon_unexpected_host",
                "ad.privileged.change_without_approval"}


def _mine(check: str) -> bool:
    return check.startswith(PREFIXES) or check in EVENT_CHECKS


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("ops") / "out"
    run = gitc("demo", "--out", out, "--quiet")
    assert run.code == 3, run.output
    report = json.loads((Path(out) / "latest" / "report.json").read_text())
    mine = [r for r in report["results"] if _mine(r["check"])]
    assert len({r["check"] for r in mine}) >= 20  # the demo exercises most of these checks
    return mine


def test_every_result_keeps_its_template_and_the_english_is_the_template_filled(
        results: list[dict[str, Any]]) -> None:
    without = [(r["check"], r["subject"]) for r in results if not r.get("message_template")]
    assert not without, without
    for r in results:
        english = render(r["message_template"], r["message_params"])
        assert r["message"] == english or r["message"].startswith(english + " "), r["check"]


# templates that are nothing but values (a reason the collector recorded, in its own words)
ONLY_VALUES = {"{host}: {unassessed}", "{host}: {reason}.", "{reason}."}


def test_every_template_the_demo_uses_reads_dutch(results: list[dict[str, Any]]) -> None:
    dutch = Translator("nl")
    worded = [r for r in results if r["message_template"] not in ONLY_VALUES]
    untranslated = sorted({r["message_template"] for r in worded
                           if dutch.gettext(r["message_template"]) == r["message_template"]})
    assert not untranslated, untranslated
    for r in worded:
        text = dutch.message(r)
        assert text != r["message"], (r["check"], text)
        for value in leaves(r["message_params"]):  # nested phrases' values too
            assert str(value) in text, (r["check"], value, text)  # the same values, in Dutch


def test_titles_remediation_and_descriptions_of_these_checks_read_dutch() -> None:
    from gitc_agent.core.registry import discover

    dutch = Translator("nl")
    specs = [s for s in discover(use_entry_points=False).sorted() if _mine(s.id)]
    assert len(specs) >= 23
    for spec in specs:
        for text in (spec.title, spec.remediation, spec.description):
            assert dutch.gettext(text) != text, (spec.id, text)
