"""No English phrase inside a Dutch sentence, over every check the demo runs.

A value in a message is data (a name, a date, a title the evidence or the policy gives) or a
phrase we write (a reason, a problem, a "how"); a phrase is a message of its own, translated with
the sentence. This test reads the demo's report.json: every nested template must have Dutch, and
no top-level text value may look like an English phrase unless the (check, value) is listed here
as data, with where the text comes from.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cli_run import gitc, latest_report
from tests.phrases import OUR_WORDS, english_values, has_dutch, nested_templates

# (check, value name): where the text comes from
DATA = {
    ("vuln.advisory.remediation_overdue", "advisory"): "the advisory's id and title from the feed",
    ("vuln.advisory.undecidable", "advisory"): "the advisory's id and title from the feed",
    ("windows.patch.update_age", "title"): "the update's title from Windows Update",
    ("windows.patch.missing_updates", "reason"): "the host's own error text (HRESULT)",
    ("ad.accounts.impersonal_unregistered", "monitoring"): "the register's monitoring text",
    ("db.logins.impersonal_unregistered", "justification"): "the register's justification",
    ("db.logins.orphaned", "justification"): "the register's justification",
    ("ad.groups.review_overdue", "reviewer"): "the reviewer's name and role from the policy",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("phrases") / "out"
    run = gitc("demo", "--out", out, "--quiet", "--as-of", "2026-11-16")
    assert run.code == 3, run.output
    return latest_report(out)["results"]


def test_every_nested_phrase_has_dutch(results: list[dict[str, Any]]) -> None:
    nested = {t for r in results for t in nested_templates(r.get("message_params") or {})}
    assert nested, "the demo's messages carry nested phrases"
    untranslated = sorted(t for t in nested if not has_dutch(t) and re.search(r"[a-z]{3}", t))
    assert not untranslated, untranslated


def test_no_text_value_is_an_english_phrase(results: list[dict[str, Any]]) -> None:
    found = english_values(results, DATA, OUR_WORDS)
    assert not found, "\n".join(f"{c} {n}={v!r}" for c, n, v in found)


def test_the_listed_data_values_still_occur(results: list[dict[str, Any]]) -> None:
    """A stale entry would hide a phrase that later lands under the same name."""
    seen = {(r["check"], name) for r in results for name in (r.get("message_params") or {})}
    assert not sorted(set(DATA) - seen)
