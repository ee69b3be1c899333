"""No English phrase inside a Dutch sentence, over every check the demo runs.

A value in a message is data (a name, a date, a title the evidence or the policy gives) or a
phrase we write (a reason, a problem, a "how"); a phrase is a message of its own, translated with
the sentence. This test reads the demo's report.json: every nested template must have Dutch, and
no top-level text value may look like an English phrase unless the (check, value) is listed here
as data, with where the text comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from gitc_agent.i18n import catalog
from tests.cli_run import gitc, latest_report

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
ENGLISH = {
    "the", "is", "has", "not", "of", "and", "or", "by", "with", "without", "was", "were", "are",
    "be", "been", "matches", "none", "than", "for", "to", "in", "on", "at", "from", "which",
    "whose", "days", "day", "working", "after", "before", "published", "class", "version",
    "build", "nested", "named", "policy", "same", "name", "it", "its", "as", "also", "listed",
    "given", "hidden", "them", "start", "type", "stopped", "running", "disabled", "enabled",
    "expired", "unknown", "missing", "set", "since", "until", "older", "newer", "earlier",
    "later", "member", "members", "reviewer", "executor", "approver", "approved", "reviewed",
    "executed", "statement", "first", "last",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("phrases") / "out"
    run = gitc("demo", "--out", out, "--quiet", "--as-of", "2026-11-16")
    assert run.code == 3, run.output
    return latest_report(out)["results"]


def _nested(params: Mapping[str, Any]) -> Iterator[str]:
    for value in params.values():
        if isinstance(value, Mapping):
            if isinstance(value.get("template"), str):
                yield value["template"]
                yield from _nested(value.get("params") or {})
            for item in value.get("items") or ():
                if isinstance(item, Mapping):
                    yield item["template"]
                    yield from _nested(item.get("params") or {})


def _looks_english(text: str) -> bool:
    hits = sum(word in ENGLISH for word in re.findall(r"[a-z]+", text))
    return hits >= 2 or (hits >= 1 and " " in text.strip())


def test_every_nested_phrase_has_dutch(results: list[dict[str, Any]]) -> None:
    dutch = catalog.load("nl")._catalog  # the msgids with Dutch ("build >= {build}" reads the same)
    nested = {t for r in results for t in _nested(r.get("message_params") or {})}
    assert nested, "the demo's messages carry nested phrases"
    untranslated = sorted(t for t in nested if t not in dutch and re.search(r"[a-z]{3}", t))
    assert not untranslated, untranslated


def test_no_text_value_is_an_english_phrase(results: list[dict[str, Any]]) -> None:
    found = sorted({(r["check"], name, value) for r in results
                    for name, value in (r.get("message_params") or {}).items()
                    if isinstance(value, str) and (r["check"], name) not in DATA
                    and _looks_english(value)})
    assert not found, "\n".join(f"{c} {n}={v!r}" for c, n, v in found)


def test_the_listed_data_values_still_occur(results: list[dict[str, Any]]) -> None:
    """A stale entry would hide a phrase that later lands under the same name."""
    seen = {(r["check"], name) for r in results for name in (r.get("message_params") or {})}
    assert not sorted(set(DATA) - seen)
