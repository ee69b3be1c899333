"""The AD checks speak Dutch: every message is a template whose English is what report.json has
always said, and whose Dutch (catalog checks_ad.po) is a whole sentence, also where a branch
changes the wording (a disabled or expired account, the domain policy or a PSO, why a group's
membership is unknown)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitc_agent.core.check_api import Outcome, Status
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.registry import discover
from gitc_agent.i18n.translator import Translator
from tests.cli_run import gitc, latest_report
from tests.test_ad_accounts_unit import BASE, acct, dn, evidence, grp

REGISTRY = discover(use_entry_points=False)
NL, EN = Translator("nl"), Translator("en")
#: the ad.* checks whose messages checks_ad.po translates (the event-based ones are elsewhere)
OTHERS = {"ad.accounts.created_without_ticket", "ad.accounts.impersonal_interactive_logon",
          "ad.accounts.impersonal_logon_unexpected_host", "ad.privileged.change_without_approval"}
CHECKS = Path(__file__).resolve().parents[1] / "checks"


def _ours(check_id: str) -> bool:
    """Built from a module of this catalog: ad.* checks that are not the event-based ones, nor the
    HR checks and the group re-certification checks, ad.groups.* (their own catalogs)."""
    module = CHECKS / f"{check_id.replace('.', '_')}.py"
    text = module.read_text(encoding="utf-8") if module.exists() else ""
    owned = ("._ad_accounts import", "._ad_hygiene import", "._ad_trusts import",
             "._password_objects import")
    return (check_id.startswith("ad.") and check_id not in OTHERS and "._hr import" not in text
            and not check_id.startswith("ad.groups.") and any(o in text for o in owned))


def _as_result(outcome: Outcome) -> dict[str, Any]:
    return {"message": outcome.message, "message_template": outcome.template,
            "message_params": outcome.params}


def _dutch(outcome: Outcome) -> str:
    text = NL.compose(_as_result(outcome))
    assert text != outcome.message, f"no Dutch for {outcome.template or outcome.message!r}"
    return text


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    run = gitc("demo", "--out", out, "--quiet", "--lang", "en")
    assert run.code == 3, run.output
    return [r for r in latest_report(out)["results"] if _ours(r["check"])]


def test_every_demo_result_of_the_ad_checks_has_its_english_and_a_dutch_sentence(
        demo_results: list[dict[str, Any]]) -> None:
    checks = {r["check"] for r in demo_results}
    assert len(checks) >= 35, sorted(checks)  # the demo exercises nearly all of them
    for result in demo_results:
        assert EN.compose(result) == result["message"]  # the English did not change shape
        dutch = NL.compose(result)
        assert dutch != result["message"], result["message"]
        assert "{" not in dutch or "{" in result["message"], dutch  # no placeholder left over
        template = result.get("message_template")
        if template:  # the catalog has the template itself, not only a rendered text
            assert NL.gettext(template) != template, template


def test_every_check_title_remediation_and_description_has_dutch() -> None:
    specs = [s for s in REGISTRY.sorted() if _ours(s.id)]
    assert len(specs) == 40
    for spec in specs:
        for text in (spec.title, spec.remediation, spec.description):
            assert NL.title(text) != text, (spec.id, text)


def _disabled_and_expired() -> EvidenceSet:
    return evidence([acct("jdoe", 1101), acct("old", 1102, uac=514),
                     acct("temp", 1103, expires="2026-01-01T00:00:00Z")],
                    [grp("Backup Operators", "S-1-5-32-551", dn("jdoe"), dn("old"), dn("temp"))])


def test_disabled_and_expired_members_get_whole_sentences_of_their_own() -> None:
    out = {o.subject: o for o in REGISTRY.get("ad.privileged.unapproved_member").func(
        _disabled_and_expired(), REGISTRY.get("ad.privileged.unapproved_member").params())}
    active, disabled, expired = (out[f"group:S-1-5-32-551/account:{n}"] for n in ("jdoe", "old", "temp"))
    assert {o.status for o in (active, disabled, expired)} == {Status.FAIL}
    # the English is the sentence plus the note, as it always was
    assert active.message == "jdoe is in Backup Operators (jdoe → Backup Operators) without an " \
                             "approval in the policy."
    assert disabled.message.endswith("without an approval in the policy. The account is disabled, "
                                     "so the likelihood is lowered; it can be re-enabled with its "
                                     "rights intact.")
    assert expired.message.endswith("The account has expired, so the likelihood is lowered; "
                                    "extending it restores its rights.")
    assert len({active.template, disabled.template, expired.template}) == 3
    assert _dutch(active) == ("jdoe is lid van Backup Operators (jdoe → Backup Operators) zonder "
                              "goedkeuring in het beleid.")
    assert "uitgeschakeld" in _dutch(disabled) and disabled.likelihood == 2
    assert "verlopen" in _dutch(expired) and expired.likelihood == 2


def _password_doc(psos: list[dict[str, Any]]) -> EvidenceSet:
    data = {"base_dn": BASE, "pso_container": f"CN=PSC,{BASE}",
            "domain": {"dn": BASE, "min_length": 8, "history": 24, "max_age_days": 90,
                       "max_age_never": False, "lockout_threshold": 5, "complexity": True,
                       "reversible_encryption": False},
            "psos": psos}
    return EvidenceSet([EvidenceDoc(kind="ad.password_policy", target=BASE, collector="test",
                                    data=data, collected_at="2026-06-30T08:00:00+00:00")])


def test_the_domain_policy_and_a_pso_are_named_in_dutch_words_of_their_own() -> None:
    pso = {"dn": f"CN=PSO-Apps,CN=PSC,{BASE}", "name": "PSO-Apps", "min_length": 6,
           "precedence": 10, "applies_to": [dn("Apps")]}
    spec = REGISTRY.get("ad.password.min_length")
    out = {o.subject: o for o in spec.func(_password_doc([pso]), spec.params())}
    domain, weak = out[f"domain:{BASE}"], out[f"pso:{pso['dn']}"]
    assert domain.message == f"default domain policy ({BASE}): minimum length 8 is below the norm of 12."
    assert weak.message == ("PSO PSO-Apps: minimum length 6 is below the norm of 12. It overrides the "
                            "domain policy for 1 user(s)/group(s).")
    assert _dutch(domain) == (f"standaarddomeinbeleid ({BASE}): minimale lengte 8 ligt onder de "
                              "norm van 12.")
    assert _dutch(weak).startswith("PSO PSO-Apps: minimale lengte 6 ligt onder de norm van 12.")
    settings = REGISTRY.get("ad.password.settings")
    for outcome in settings.func(_password_doc([pso]), settings.params()):
        assert outcome.template, outcome.message
        _dutch(outcome)


def test_an_unreadable_membership_is_said_whole_in_each_check() -> None:
    broken = {**grp("Backup Operators", "S-1-5-32-551", dn("jdoe")), "members_incomplete": True}
    ev = evidence([acct("jdoe", 1101)], [broken])
    unapproved = {o.subject: o for o in REGISTRY.get("ad.privileged.unapproved_member").func(
        ev, REGISTRY.get("ad.privileged.unapproved_member").params())}
    group = unapproved["group:S-1-5-32-551"]
    assert group.status is Status.ERROR
    assert group.message == ("Backup Operators: the members of Backup Operators could not be read "
                             "completely, so its membership was not assessed.")
    assert _dutch(group) == ("Backup Operators: de leden van Backup Operators konden niet volledig "
                             "worden gelezen, dus het lidmaatschap is niet beoordeeld.")
