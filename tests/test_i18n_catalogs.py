"""The Dutch catalogs: complete, compiled, and with the placeholders of their English msgids.

`test_every_msgid_has_dutch` is the gate the issue asks for: it fails, grouped by catalog area,
while any message, check title, remediation, description or renderer string lacks Dutch.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

from gitc_agent.i18n import catalog, extract, terms, tools
from gitc_agent.i18n.translator import Translator
from gitc_agent.report import finding_build


@pytest.fixture(scope="module")
def template():
    return extract.catalog()


def test_every_msgid_has_dutch(template) -> None:
    found = tools.problems(template, "nl")
    assert not found, (f"{len(found)} msgid(s) without a usable Dutch translation "
                       f"(python3 -m gitc_agent.i18n check):\n" + tools.report(found))


def test_extraction_finds_every_kind_of_text(template) -> None:
    """Messages (msg, verdicts), the registry's titles and remediations, the template's tr(),
    terms with a context and the engine's exception sentence are all msgids."""
    ids = {(m.context, m.id) for m in template if m.id}
    assert (None, "the check yielded no result, so nothing was assessed") in ids  # core msg()
    assert (None, "Management summary") in ids  # console tr()
    assert (None, "Tested and met") in ids  # the Jinja2 template
    assert (None, "Risk accepted by {owner} until {expires}: {reason}") in ids
    assert ("status", "pass") in ids and ("follow-up", "partly_resolved") in ids
    assert ("csv column", "finding_status") in ids  # NP_ with a context
    from gitc_agent.core.registry import discover
    spec = discover((), use_entry_points=False).get("ad.password.min_length")
    assert spec is not None
    assert (None, spec.title) in ids and (None, spec.remediation) in ids
    assert (None, spec.description) in ids


def test_area_of_names_the_catalog_of_each_source() -> None:
    assert extract.area_of("checks/ad_password_min_length.py") == "checks_ad"
    assert extract.area_of("checks/_password_objects.py") == "checks_ad"
    assert extract.area_of("checks/windows_patch_missing_updates.py") == "checks_ops"
    assert extract.area_of("checks/_datafix_roles.py") == "checks_datafix_db"
    assert extract.area_of("gitc_agent/core/engine.py") == "core"
    assert extract.area_of("gitc_agent/report/templates/report.html.j2") == "report"


def test_mo_files_are_a_fresh_compile_of_the_po_files() -> None:
    """Compared by content (msgid -> msgstr), not bytes: the header records Babel's version."""
    pos = catalog.po_files("nl")
    assert {p.stem for p in pos} >= {"core", "report"}
    for po in pos:
        mo = po.with_suffix(".mo")
        assert mo.is_file(), f"{mo.name} missing: run python3 -m gitc_agent.i18n compile"
        fresh = read_mo(io.BytesIO(tools.compiled(po)))
        committed = read_mo(io.BytesIO(mo.read_bytes()))
        want = {(m.context, m.id): m.string for m in fresh if m.id}
        have = {(m.context, m.id): m.string for m in committed if m.id}
        assert have == want, f"{mo.name} is stale: run python3 -m gitc_agent.i18n compile"
        with mo.open("rb") as fp:  # and the stdlib (what runs) reads it
            gettext.GNUTranslations(fp)


def _po(tmp_path: Path, entries: str) -> Path:
    path = tmp_path / "x.po"
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                    + entries, encoding="utf-8")
    return path


def test_check_reports_missing_fuzzy_and_wrong_placeholders(tmp_path: Path) -> None:
    from babel.messages.catalog import Catalog

    template = Catalog()
    for text in ("{account} left", "fuzzy one", "missing one", "good {n}"):
        template.add(text, locations=[("checks/ad_x.py", 3)])
    po = _po(tmp_path, 'msgid "{account} left"\nmsgstr "{acount} vertrokken"\n\n'
                       '#, fuzzy\nmsgid "fuzzy one"\nmsgstr "vaag"\n\n'
                       'msgid "good {n}"\nmsgstr "goed {n}"\n')
    found = {(p.key[1], p.what) for p in tools.problems(template, "nl", [po])}
    assert found == {("{account} left", "placeholders differ"), ("{account} left", "missing"),
                     ("fuzzy one", "fuzzy"), ("missing one", "missing")}
    text = tools.report(tools.problems(template, "nl", [po]))
    assert text.startswith("checks_ad: 3 msgid(s)") and "\nx: 1 msgid(s)" in text


def test_every_population_noun_of_the_findings_is_a_term() -> None:
    nouns = {n for _ctx, n in terms.NOUNS}
    used = {*finding_build._NOUNS.values(), *finding_build._PAIR_NOUNS.values(),
            *(w for pair in finding_build.HOST_KINDS.values() for w in pair),
            "agents", "settings", "memberships", "subjects", "host", "hosts"}
    assert used <= nouns, used - nouns


def test_dutch_terms_are_the_auditors_words() -> None:
    tr = Translator("nl")
    assert terms.status(tr, "pass") == "voldoet"
    assert terms.status(tr, "error") == "niet beoordeeld"
    assert terms.status(tr, "not_applicable") == "niet van toepassing"
    assert terms.finding_status(tr, "finding") == "bevinding"
    assert terms.follow_up(tr, "resolved") == "opgelost"
    assert terms.follow_up(tr, "partly_resolved") == "deels opgelost"
    assert terms.follow_up(tr, "not_resolved") == "niet opgelost"
    assert terms.follow_up(tr, "risk_accepted") == "risico geaccepteerd"
    assert terms.follow_up(tr, "not_reassessed") == "niet opnieuw beoordeeld"
    assert tr("Likelihood") == "Kans" and tr("Priority") == "Prioriteit"
    assert tr("Population") == "Populatie"
    english = Translator("en")
    assert terms.status(english, "pass") == "pass"  # English: the contract's values


def test_no_two_catalogs_translate_one_msgid_differently() -> None:
    """The catalogs are chained (first in name order answers): a msgid in two areas with two
    Dutch texts would show one of them depending on file names, not on the author's intent."""
    seen: dict[tuple[str | None, str], tuple[str, str]] = {}
    conflicts = []
    for po in catalog.po_files("nl"):
        for m in tools.read(po):
            if not m.id or not m.string or m.fuzzy:
                continue
            key = (m.context, m.id)
            if key in seen and seen[key][1] != m.string:
                conflicts.append(f"{m.id!r}: {seen[key][0]} {seen[key][1]!r} vs {po.name} "
                                 f"{m.string!r}")
            seen.setdefault(key, (po.name, m.string))
    assert not conflicts, "\n".join(conflicts)
