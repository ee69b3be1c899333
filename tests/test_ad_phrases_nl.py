"""No English phrase inside a Dutch sentence in the AD, HR and group-review checks (issue #14).

A reason ("no employeeID"), a problem ("the accounts are not a list"), a fragment ("(nested in
Domain Admins)", "none names it") or a logon ("1× type 10 (RDP) on HOST from WS") is a message
of its own inside the check's sentence, so the Dutch report says it in Dutch; the English text of
every result stays what it was. What stays a plain value is data: names, dates, counts, the
policy's texts and what a collector or server recorded.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitc_agent import demo
from gitc_agent.core.check_api import Outcome, Status
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet, load_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.i18n.translator import Translator
from gitc_agent.model.directory import ACCOUNT_COLUMNS
from gitc_agent.model.message import leaves
from tests import events_samples as es
from tests import test_events_checks as ev
from tests import test_hr_checks as hr
from tests.cli_run import gitc, latest_report
from tests.phrases import has_dutch, looks_english, nested_templates
from tests.test_ad_accounts_unit import BASE, COLLECTED, REGISTRY, acct, dn, evidence, grp, run
from tests.test_ad_hygiene_unit import demo_doc
from tests.test_ad_hygiene_unit import run as run_doc
from tests.test_group_reviews_checks import SCOPE
from tests.test_group_reviews_checks import of as review_of

NL, EN = Translator("nl"), Translator("en")
AREA = ("ad.",)
#: nested templates whose Dutch is the English (names of attributes, a protocol, punctuation)
SAME_IN_DUTCH = {"{part}: {error}", "{attribute} ({why})", "RDP", "batch"}
#: (check, param) the heuristic lists although the value is data, and why
DATA_PARAMS = {
    ("ad.accounts.impersonal_unregistered", "monitoring"): "the register's text in the policy",
    ("ad.accounts.impersonal_unregistered", "justification"): "the register's text in the policy",
    ("ad.groups.review_overdue", "reviewer"): "a reviewer's name and role from the record",
    ("ad.groups.changed_since_review", "reviewer"): "a reviewer's name and role from the record",
}
def translated(template: str) -> bool:
    return has_dutch(template) or template in SAME_IN_DUTCH


def as_result(outcome: Outcome) -> dict[str, Any]:
    return {"message": outcome.message, "message_template": outcome.template,
            "message_params": outcome.params}


def dutch(result: dict[str, Any] | Outcome, *phrases: str, english: tuple[str, ...] = (),
          was: str | None = None) -> str:
    """The Dutch rendering, after asserting: every nested template is translated, the Dutch
    phrases are in it and the English ones are not, every value is still shown, and the English
    is the recorded message (and `was`, the text before phrases were messages)."""
    result = as_result(result) if isinstance(result, Outcome) else result
    assert EN.compose(result) == result["message"]
    if was is not None:
        assert result["message"] == was
    params = result["message_params"]
    nested = list(nested_templates(params))
    assert nested, f"no nested phrase in {result['message']!r}"
    assert all(translated(t) for t in nested), [t for t in nested if not translated(t)]
    text = NL.compose(result)
    for phrase in phrases:
        assert phrase in text, (phrase, text)
    for phrase in english:
        assert phrase not in text, (phrase, text)
    for value in leaves(params):
        assert str(value) in text, (value, text)
    return text


# --- the demo ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    done = gitc("demo", "--out", out, "--quiet", "--as-of", "2026-11-16")
    assert done.code == 3, done.output
    return [r for r in latest_report(out)["results"] if r["check"].startswith(AREA)]


def test_every_nested_phrase_of_the_demo_has_dutch_and_no_param_reads_english(
        demo_results: list[dict[str, Any]]) -> None:
    nested = 0
    for result in demo_results:
        assert EN.compose(result) == result["message"]
        for template in nested_templates(result.get("message_params") or {}):
            nested += 1
            assert translated(template), (result["check"], template)
    assert nested >= 10  # reasons, logons, nested groups, "none names it", patterns
    listed = {(r["check"], k) for r in demo_results
              for k, v in (r.get("message_params") or {}).items()
              if isinstance(v, str) and looks_english(v)}
    assert listed <= set(DATA_PARAMS), listed - set(DATA_PARAMS)


def test_the_demo_phrases_known_from_the_issue_are_dutch(
        demo_results: list[dict[str, Any]]) -> None:
    by = {(r["check"], r["subject"]): r for r in demo_results}
    unregistered = by["ad.accounts.impersonal_unregistered", "account:test-kassa"]
    dutch(unregistered, "geen van de persoonsattributen employeeID, of givenName en sn",
          "naam past op 'test-*'", english=("none of the", "name matches", " and sn"))
    changes = [r for r in demo_results if r["check"] == "ad.privileged.change_without_approval"]
    nested = [r for r in changes if "(nested in Domain Admins)" in r["message"]]
    assert nested
    dutch(nested[0], "GG-Tier0-Admins (genest in Domain Admins)", english=("nested in",))
    unnamed = [r for r in changes if "(none names it)" in r["message"]]
    assert unnamed
    dutch(unnamed[0], "(geen goedkeuring noemt dit lidmaatschap)", english=("none names it",))
    logons = [r for r in demo_results if r["check"].startswith("ad.accounts.impersonal_")
              and "type 10 (RDP)" in r["message"]]
    assert {r["check"] for r in logons} == {"ad.accounts.impersonal_interactive_logon",
                                            "ad.accounts.impersonal_logon_unexpected_host"}
    for result in logons:
        dutch(result, "1× type 10 (RDP) op app02.corp.vbz.example vanaf ws-fin-014",
              english=(" on app02", " from ws-fin"))


# --- impersonal accounts: each reason --------------------------------------------------------

def test_each_impersonal_reason_is_dutch_and_the_english_is_unchanged() -> None:
    ev_set = evidence([acct("svc-x", 1200, employee_id=None, spn=2)],
                      [grp("Backup Operators", "S-1-5-32-551", dn("svc-x"))])
    rules = {"no_employee_id": True}
    old = ("none of the person attributes employeeID, or givenName and sn; no employeeID; name "
           "matches 'svc-*'; has 2 service principal name(s)")
    unregistered = run("ad.accounts.impersonal_unregistered", ev_set, rules=rules)["account:svc-x"]
    assert unregistered.status is Status.FAIL
    assert unregistered.evidence["reasons"] == old.split("; ")  # evidence keeps the English text
    dutch(unregistered, "geen van de persoonsattributen employeeID, of givenName en sn",
          "geen employeeID", "naam past op 'svc-*'", "heeft 2 service principal name(s)",
          english=("none of the", "no employeeID", "name matches", "has 2"),
          was=f"svc-x is an enabled impersonal account ({old}) that is not in the register.")
    privileged = run("ad.accounts.impersonal_privileged", ev_set, rules=rules)
    member = privileged["group:S-1-5-32-551/account:svc-x"]
    dutch(member, "geen employeeID; naam past op 'svc-*'", english=("no employeeID",),
          was=f"svc-x is an impersonal account ({old}) in Backup Operators (svc-x → Backup "
              "Operators) and is not in the register.")


def test_three_sets_of_person_attributes_are_joined_in_dutch() -> None:
    ev_set = evidence([acct("kiosk", 1201, employee_id=None)])
    sets = [["employeeID"], ["givenName", "sn", "mail"], ["mail"]]
    out = run("ad.accounts.impersonal_unregistered", ev_set,
              rules={"person_attributes": sets})["account:kiosk"]
    dutch(out, "employeeID, of givenName en sn en mail, of mail", english=(" and ", ", or "),
          was="kiosk is an enabled impersonal account (none of the person attributes "
              "employeeID, or givenName and sn and mail, or mail) that is not in the register.")


# --- the AD walker: why the users and groups cannot be read -----------------------------------

def _doc(data: dict[str, Any], collected_at: str = COLLECTED,
         errors: list[dict[str, str]] = ()) -> EvidenceSet:
    return EvidenceSet([EvidenceDoc(kind="ad.accounts", target=BASE, collector="test", data=data,
                                    errors=list(errors), collected_at=collected_at)])


def _data(**changes: Any) -> dict[str, Any]:
    data = {"base_dn": BASE, "domain_sid": "S-1-5-21-1-2-3",
            "account_columns": list(ACCOUNT_COLUMNS),
            "accounts": [acct("Administrator", 500)],
            "groups": [grp("Administrators", "S-1-5-32-544", dn("Administrator"))]}
    return {**data, **changes}


def _domain_error(ev_set: EvidenceSet) -> Outcome:
    (error,) = run("ad.accounts.dormant", ev_set).values()
    assert error.status is Status.ERROR
    return error


PREFIX_NL = "gebruikers en groepen konden niet worden gelezen, dus dit is niet beoordeeld: "


@pytest.mark.parametrize(("data", "collected_at", "english", "nl"), [
    (_data(accounts=None), COLLECTED, "accounts missing from the evidence",
     "accounts ontbreekt in het bewijs"),
    (_data(), "yesterday", "unreadable collection time 'yesterday'",
     "onleesbaar verzameltijdstip 'yesterday'"),
    (_data(accounts={"x": 1}), COLLECTED, "the evidence is malformed: the accounts are not a list",
     "het bewijs is misvormd: de accounts zijn geen lijst"),
    (_data(accounts=[[None] * len(ACCOUNT_COLUMNS)]), COLLECTED,
     "the evidence is malformed: 1 account row(s) have no DN",
     "het bewijs is misvormd: 1 accountrij(en) hebben geen DN"),
    (_data(groups=[{"name": "x"}]), COLLECTED, "the evidence is malformed: 1 group(s) have no DN",
     "het bewijs is misvormd: 1 groep(en) hebben geen DN"),
    (_data(groups="x"), COLLECTED, "the evidence is malformed: the groups are not a list",
     "het bewijs is misvormd: de groepen zijn geen lijst"),
    (_data(account_columns="x"), COLLECTED,
     "the evidence is malformed: the account table has no column list",
     "het bewijs is misvormd: de accounttabel heeft geen kolomlijst"),
    (_data(unreadable=[1]), COLLECTED,
     "the evidence is malformed: the counts of unreadable attributes are not a mapping",
     "het bewijs is misvormd: de tellingen van onleesbare attributen zijn geen mapping"),
    (_data(accounts=[]), COLLECTED,
     "no user or computer account is listed, though every domain has the built-in "
     "Administrator and krbtgt",
     "er is geen gebruikers- of computeraccount vermeld, terwijl elk domein de ingebouwde "
     "Administrator en krbtgt heeft"),
])
def test_why_the_directory_cannot_be_read_is_dutch(data, collected_at, english, nl) -> None:
    if data.get("accounts") is None:
        data.pop("accounts")
    error = _domain_error(_doc(data, collected_at))
    dutch(error, PREFIX_NL + nl, english=(english,),
          was="users and groups could not be read, so this was not assessed: " + english)


def test_a_missing_column_is_dutch_and_a_collector_error_stays_its_own_text() -> None:
    columns = [c for c in ACCOUNT_COLUMNS if c != "mail"]
    row = [dict(zip(ACCOUNT_COLUMNS, acct("Administrator", 500), strict=True))[c] for c in columns]
    error = _domain_error(_doc(_data(account_columns=columns, accounts=[row])))
    dutch(error, "de accounttabel mist de kolom(men) mail", english=("lacks the column",))
    recorded = _domain_error(_doc(_data(), errors=[{"part": "groups", "message": "LDAP 53"},
                                                   {"part": "connection", "message": "refused"}]))
    assert recorded.message == ("users and groups could not be read, so this was not assessed: "
                                "refused; LDAP 53")
    assert NL.compose(as_result(recorded)) == PREFIX_NL + "refused; LDAP 53"


@pytest.mark.parametrize(("changes", "english", "nl"), [
    ({"sam": None}, "its sAMAccountName could not be read",
     "de sAMAccountName ervan kon niet worden gelezen"),
    ({"sid": None}, "its objectSid could not be read", "de objectSid ervan kon niet worden gelezen"),
    ({"sam": None, "sid": None}, "its sAMAccountName and objectSid could not be read",
     "de sAMAccountName en objectSid ervan konden niet worden gelezen"),
    ({"type": "contact"}, "its type 'contact' is neither user nor computer",
     "het type 'contact' is gebruiker noch computer"),
    ({"spn": "2"}, "its servicePrincipalName count could not be read",
     "het aantal servicePrincipalNames ervan kon niet worden gelezen"),
])
def test_why_an_account_is_not_judged_is_dutch(changes, english, nl) -> None:
    row = dict(zip(ACCOUNT_COLUMNS, acct("odd", 1300), strict=True)) | changes
    out = run("ad.accounts.dormant", evidence([[row[c] for c in ACCOUNT_COLUMNS]]))
    (error,) = [o for o in out.values() if o.status is Status.ERROR]
    name = error.message.split(":", 1)[0]
    dutch(error, nl, english=(english,), was=f"{name}: {english}, so this account was not assessed.")


def test_two_unreadable_protected_groups_are_each_a_dutch_reason() -> None:
    ev_set = evidence([])
    groups = ev_set.of_kind("ad.accounts")[0].data["groups"]
    for group in groups:
        group["members_incomplete"] = True
    (error,) = run("ad.privileged.admincount_orphan", ev_set).values()
    dutch(error, "Administrators: de leden van Administrators, Domain Admins konden niet "
                 "volledig worden gelezen; Domain Admins: de leden van Domain Admins",
          english=("could not be read completely",),
          was="Administrators: the members of Administrators, Domain Admins could not be read "
              "completely; "
              "Domain Admins: the members of Domain Admins could not be read completely, so "
              "protected membership cannot be established.")


# --- hygiene and trusts ------------------------------------------------------------------------

def _hygiene(change) -> EvidenceDoc:
    doc = demo_doc()
    doc.data = copy.deepcopy(doc.data)
    change(doc.data["hygiene"])
    return doc


def _only(check_id: str, doc: EvidenceDoc) -> Outcome:
    errors = [o for o in run_doc(check_id, doc).values() if o.status is Status.ERROR]
    assert len(errors) == 1, errors
    return errors[0]


def test_an_attribute_whose_readability_was_not_recorded_is_said_in_dutch() -> None:
    doc = _hygiene(lambda h: h["readable"].pop("sIDHistory"))
    dutch(_only("ad.hygiene.sid_history", doc),
          "niet leesbaar voor het bind-account: sIDHistory (de leesbaarheid ervan is niet "
          "vastgelegd)", english=("not readable", "was not recorded"),
          was="sIDHistory is not readable for the bound account: sIDHistory (its readability "
              "was not recorded), so SID history was not assessed.")
    doc = _hygiene(lambda h: h["readable"]["sIDHistory"].update(readable=False))
    why = doc.data["hygiene"]["readable"]["sIDHistory"]["why"]  # the collector's words: data
    dutch(_only("ad.hygiene.sid_history", doc), f"niet leesbaar voor het bind-account: "
          f"sIDHistory ({why})")
    doc = _hygiene(lambda h: h.update(readable=None))
    dutch(_only("ad.hygiene.sid_history", doc), "de leesbaarheid van de attributen is niet "
          "vastgelegd", english=("was not recorded",))


@pytest.mark.parametrize(("change", "check_id", "nl", "english"), [
    (lambda h: h.pop("trusts"), "ad.trusts.sid_filtering",
     "'trusts' ontbreekt in het hygiënebewijs", "'trusts' is missing from the hygiene evidence"),
    (lambda h: h.update(trusts={"x": 1}), "ad.trusts.sid_filtering",
     "de trusts zijn geen lijst van objecten", "the trusts are not a list of objects"),
    (lambda h: h["trusts"][0].pop("name"), "ad.trusts.sid_filtering", "een trust heeft geen naam",
     "a trust has no name"),
    (lambda h: h["domain"].pop("machine_account_quota"), "ad.hygiene.machine_account_quota",
     "machine_account_quota staat niet in het bewijs (niet leesbaar voor het bind-account)",
     "machine_account_quota is not in the evidence (not readable for the bound account)"),
])
def test_a_hygiene_section_that_cannot_be_used_is_said_in_dutch(change, check_id, nl,
                                                               english) -> None:
    error = _only(check_id, _hygiene(change))
    assert english in error.message
    dutch(error, nl, english=(english,))


def test_the_hygiene_part_missing_is_dutch() -> None:
    doc = demo_doc()
    doc.data = {k: v for k, v in doc.data.items() if k != "hygiene"}
    dutch(_only("ad.hygiene.recycle_bin", doc), "het hygiënedeel ontbreekt in het bewijs",
          english=("is missing",))


@pytest.mark.parametrize(("enc_types", "english", "nl"), [
    (None, "not set (the domain's default applies)", "niet ingesteld (de standaard van het "
                                                      "domein geldt)"),
    (0, "0 (none)", "0 (geen)"),
])
def test_a_trust_without_encryption_types_says_so_in_dutch(enc_types, english, nl) -> None:
    doc = _hygiene(lambda h: h["trusts"][0].update(enc_types=enc_types))
    (out,) = run_doc("ad.trusts.encryption", doc).values()
    assert out.status is Status.FAIL
    dutch(out, nl, english=(english,) if enc_types is None else (),
          was=f"The trust with partner.example: its encryption types are {english}: no AES.")


def test_a_password_attribute_that_is_set_is_said_in_dutch() -> None:
    doc = demo_doc()
    doc.data = copy.deepcopy(doc.data)
    at = doc.data["account_columns"].index("secrets")
    (row,) = [r for r in doc.data["accounts"] if r[1] == "test-kassa"]
    row[at] = ["userPassword", "info:pw-colon"]
    out = run_doc("ad.hygiene.password_in_attributes", doc, attributes=["userPassword", "info"])
    found = out["account:test-kassa"]
    dutch(found, "userPassword (gevuld), info (patroon 'pw-colon')", english=("(set)", "pattern"),
          was="test-kassa has a password-like value in userPassword (set), info (pattern "
              "'pw-colon').")


# --- HR: rejected rows and damaged HR evidence ----------------------------------------------

def _hr_results(tmp_path: Path, *docs: EvidenceDoc) -> dict[str, dict[str, dict[str, Any]]]:
    """{check: {subject: result dict}} of the lifecycle checks, on the shipped profile's header."""
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    head = shipped.split("\nchecks:")[0]
    sections = "".join(f"  {c}: {{}}\n" for c in hr.CHECKS)
    (tmp_path / "p.yaml").write_text(head + "\nchecks:\n" + sections
                                     + "exceptions: []\nshared: {}\n")
    policy = load_policy(str(tmp_path / "p.yaml"), REGISTRY)
    out: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in hr.CHECKS}
    for r in evaluate(policy, REGISTRY, EvidenceSet(list(docs)), date(2026, 11, 16)):
        if r.check in out:
            out[r.check][r.subject] = r.to_dict()
    return out


def test_rejected_hr_rows_are_named_in_dutch_with_the_collectors_reason(tmp_path: Path) -> None:
    rejected = [{"file": "hr.csv", "row": 4, "line": 5, "reason": "employee id is empty"}]
    got = _hr_results(tmp_path, hr.ad_doc({"sam": "a.user", "employee_id": "1001"}),
                      hr.hr_doc([hr.person("1001", end="2026-01-31")], rejected))
    anonymous = [r for r in got[hr.LEAVER].values() if "name no readable" in r["message"]]
    assert len(anonymous) == 1
    dutch(anonymous[0], "(hr.csv rij 4: employee id is empty)", english=(" row 4",),
          was="1 row(s) of the HR export name no readable employee id (hr.csv row 4: employee "
              "id is empty), so leavers among them were not assessed.")


def test_a_joiners_rejected_request_rows_are_dutch(tmp_path: Path) -> None:
    rejected = [{"file": "req.csv", "row": 3, "line": 4, "account": "n.new",
                 "reason": "requested_at '31-02-2026' matches none of the date formats"}]
    ad = hr.ad_doc({"sam": "n.new", "employee_id": "3001", "created": "2026-11-01T09:00:00Z"})
    docs = [ad, hr.hr_doc([hr.person("3001")]), hr.req_doc([], rejected)]
    got = _hr_results(tmp_path, *docs)
    (result,) = [r for r in got[hr.JOINER].values() if r["status"] == "error"]
    dutch(result, "req.csv rij 3: requested_at", english=(" row 3",))


@pytest.mark.parametrize(("damage", "english", "nl"), [
    (lambda d: d.data["counts"].update(used=5), "the evidence holds 1 persons and 0 rejected "
     "row(s), but the collector counted", "het bewijs bevat 1 persons en 0 afgekeurde rij(en), "
     "maar de collector telde"),
    (lambda d: d.data.pop("counts"), "persons, rejected rows or counts missing from the evidence",
     "persons, afgekeurde rijen of tellingen ontbreken in het bewijs"),
    (lambda d: d.data["persons"][0].pop("row"), "person record 1 in the evidence is incomplete",
     "persoonsrecord 1 in het bewijs is onvolledig"),
    (lambda d: d.data.update(match=None), "the account match (attribute and mapping) is missing "
     "from the evidence", "de accountkoppeling (attribuut en mapping) ontbreekt in het bewijs"),
    (lambda d: d.data["rejected"].append("x") or d.data["counts"].update(rejected=1, read=2),
     "a rejected row in the evidence is not a record", "een afgekeurde rij in het bewijs is geen "
     "record"),
])
def test_damaged_hr_evidence_is_said_in_dutch(tmp_path: Path, damage, english, nl) -> None:
    doc = hr.hr_doc([hr.person("1001")])
    damage(doc)
    got = _hr_results(tmp_path, hr.ad_doc({"sam": "a.user", "employee_id": "1001"}), doc)
    errors = [r for r in got[hr.LEAVER].values() if r["status"] == "error"]
    assert len(errors) == 1, errors
    dutch(errors[0], nl, english=(english,))


def test_an_employee_id_twice_is_said_in_dutch(tmp_path: Path) -> None:
    doc = hr.hr_doc([hr.person("1001"), hr.person("1001", row=2)])
    got = _hr_results(tmp_path, hr.ad_doc({"sam": "a.user", "employee_id": "1001"}), doc)
    (error,) = got[hr.NO_HR].values()
    dutch(error, "personeelsnummer 1001 staat twee keer in het bewijs", english=("twice",))


# --- group reviews: damaged review records ------------------------------------------------

@pytest.fixture()
def review_docs() -> list[EvidenceDoc]:
    """The demo's AD and review-record evidence, a copy per test."""
    found, _ = load_evidence(demo.evidence_dir())
    return [copy.deepcopy(d) for d in found if d.kind in ("ad.accounts", "ad.group_reviews")]


def _review_error(docs: list[EvidenceDoc]) -> dict[str, Any]:
    spec = REGISTRY.get("ad.groups.review_overdue")
    params = spec.params.model_validate({"review_groups": SCOPE})
    out = [o for o in spec.func(EvidenceSet(docs), params) if o.status is Status.ERROR
           and "review records could not all be read" in o.message]
    assert out, "no group reported its unreadable review records"
    return as_result(out[0])


def test_a_malformed_or_inconsistent_review_record_is_said_in_dutch(review_docs) -> None:
    docs = copy.deepcopy(review_docs)
    records = review_of(docs, "ad.group_reviews")
    records.data["records"][0]["schema"] = "x"
    text = dutch(_review_error(docs), "een reviewvastlegging van", "is misvormd: schema is 'x', "
                 "niet", english=("is malformed", ", not "))
    assert "'gitc-agent" in text or "schema" in text
    docs = copy.deepcopy(review_docs)
    review_of(docs, "ad.group_reviews").data["count"] += 1
    dutch(_review_error(docs), "zijn onvolledig of inconsistent", english=("incomplete or",))
    docs = copy.deepcopy(review_docs)
    review_of(docs, "ad.group_reviews").errors.append({"part": "records"})
    dutch(_review_error(docs), "records: onbekende fout", english=("unknown error",))


@pytest.mark.parametrize(("damage", "nl"), [
    (lambda r: r.pop("group"), "group ontbreekt"),
    (lambda r: r.update(date="gisteren"), "date 'gisteren' is geen datum (JJJJ-MM-DD)"),
    (lambda r: r.update(members=None), "members ontbreekt of is geen lijst"),
    (lambda r: r.update(member_count=99), "member_count 99 komt niet overeen met de"),
    (lambda r: r["members"].__setitem__(0, "x"), "members[0] is geen object"),
    (lambda r: r["members"][0].update(decision="maybe"), "members[0].decision 'maybe' is keep "
                                                          "noch remove"),
    (lambda r: r.update(reviewer=""), "reviewer ontbreekt of is geen tekst"),
])
def test_each_review_record_problem_is_dutch(review_docs, damage, nl) -> None:
    docs = copy.deepcopy(review_docs)
    damage(review_of(docs, "ad.group_reviews").data["records"][0])
    dutch(_review_error(docs), nl)


# --- security events: additions to privileged groups and logons --------------------------------

def test_an_expired_or_missing_approval_and_no_reference_are_dutch(tmp_path: Path) -> None:
    t = ev.START + timedelta(days=1)
    shared = {**ev.SHARED, "approved": [
        {"account": "adm-pbakker", "group": "RID:512", "until": "2026-10-01",
         "approved_by": "Hoofd IV", "reference": "TOP-9", "granted": "2026-01-01"},
        {"account": "adm-jdevries", "group": "RID:512", "until": "2027-02-28",
         "approved_by": "Hoofd IV", "granted": "2026-01-01"}]}
    events = [*ev.covered(),
              es.added(t, ev.DC, "Domain Admins", ev.sid(512), ev.sid(1145),
                       "CN=adm-pbakker,OU=Beheer"),
              es.added(t, ev.DC, "Domain Admins", ev.sid(512), ev.sid(1142),
                       "CN=adm-jdevries,OU=Beheer")]
    docs = [ev.ad_doc(), ev.events_doc(tmp_path, events)]
    got = [r.to_dict() for r in evaluate(ev.policy(tmp_path, shared=shared), REGISTRY,
                                         EvidenceSet(docs), ev.END.date())
           if r.check == "ad.privileged.change_without_approval"]
    expired = [r for r in got if "had expired" in r["message"]]
    assert len(expired) == 1 and expired[0]["status"] == "fail"
    dutch(expired[0], english=("had expired",))
    no_ref = [r for r in got if "(no ref," in r["message"]]
    assert len(no_ref) == 1 and no_ref[0]["status"] == "pass"
    dutch(no_ref[0], "(geen referentie, 2026-01-01", english=("no ref",))


def _logon(kind: int, source: str | None, count: int = 1) -> Any:
    from checks._events_model import Logon

    at = datetime(2026, 10, 17, tzinfo=UTC)
    return Logon("svc-x", "CORP", None, kind, "app02", source, at, at, count)


def test_every_logon_type_is_said_in_dutch() -> None:
    from checks._events import LOGON_TYPE_NAMES
    from checks._events_accounts import summary
    from gitc_agent.model.message import plain

    for kind, name in LOGON_TYPE_NAMES.items():
        phrase = summary([_logon(kind, "ws-1")])
        assert str(phrase) == f"1× type {kind} ({name}) on app02 from ws-1"  # as before
        params = plain({"logons": phrase})
        assert all(translated(t) for t in nested_templates(params)), kind
    both = summary([_logon(2, None, 3), _logon(10, "ws-1"), _logon(3, "app02")])
    assert str(both) == ("3× type 2 (interactive) on app02; 1× type 10 (RDP) on app02 from ws-1; "
                         "1× type 3 (network) on app02")
    result = {"message": "x: " + str(both), "message_template": "x: {logons}",
              "message_params": plain({"logons": both})}
    assert EN.compose(result) == result["message"]
    assert NL.compose(result) == ("x: 3× type 2 (interactief) op app02; 1× type 10 (RDP) op app02 "
                                  "vanaf ws-1; 1× type 3 (netwerk) op app02")
    unknown_type = summary([_logon(99, None)])
    assert str(unknown_type) == "1× type 99 (?) on app02"


def test_the_json_form_of_a_demo_result_renders_the_same_after_a_round_trip(
        demo_results: list[dict[str, Any]]) -> None:
    for result in demo_results:
        again = json.loads(json.dumps(result))
        assert NL.compose(again) == NL.compose(result)
