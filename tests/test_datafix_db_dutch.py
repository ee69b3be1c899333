"""Dutch for the datafix and database checks: every msgid of the area (messages, titles,
remediations, descriptions) has a translation with the same placeholders, the demo's results of
these checks render in Dutch from their templates, and the English text is the template filled
with its values (so converting to templates changed no English)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitc_agent.cli import main
from gitc_agent.i18n import Translator, extract, tools
from gitc_agent.model.message import render

AREA = "checks_datafix_db"
PREFIXES = ("datafix.", "db.")
#: templates that are only a frame around phrases (a parameter): the frame reads the same in
#: Dutch, the phrases in it are translated (tests/test_datafix_db_phrases_nl.py)
FRAMES = {"{problems}", "{problem}"}


def test_every_msgid_of_the_area_has_dutch() -> None:
    problems = [p.line() for p in tools.problems(extract.catalog(), "nl") if p.area == AREA]
    assert problems == []
    po = Path(extract.PACKAGE) / "i18n" / "locale" / "nl" / "LC_MESSAGES" / f"{AREA}.po"
    assert len([m for m in tools.read(po) if m.id]) > 100


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--quiet", "--lang", "en"]) == 3
    report = json.loads((out / "latest" / "report.json").read_text())
    return [r for r in report["results"] if r["check"].startswith(PREFIXES)]


def test_demo_results_are_templates_that_render_the_english(demo_results: list[dict]) -> None:
    assert {r["check"] for r in demo_results} >= {
        "datafix.log.unticketed", "datafix.sod.execute_and_review", "db.audit.enabled",
        "db.privileged.unapproved_member", "datafix.ticket.approval_timing"}
    for r in demo_results:
        assert r.get("message_template"), (r["check"], r["subject"], r["message"])
        english = render(r["message_template"], r["message_params"])
        assert r["message"] == english or r["message"].startswith(english + " "), r["subject"]


def test_demo_results_render_in_dutch(demo_results: list[dict]) -> None:
    dutch = Translator("nl")
    for r in demo_results:
        if r["message_template"] in FRAMES:
            continue
        text = dutch.message(r)
        assert text != r["message"], (r["check"], r["message"])
        assert dutch.title(r["title"]) != r["title"]
    sample = next(r for r in demo_results if r["check"] == "db.audit.enabled")
    assert dutch.message(sample).startswith("De audit op pg-kassa staat aan")
