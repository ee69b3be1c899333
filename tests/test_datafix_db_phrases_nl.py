"""No English phrase inside a Dutch sentence (issue #14) for the datafix and database checks.

Reasons, problems and "how" fragments (a ticket's problems, a role holder's path, a login's
weak password, why the audit is off) are messages of their own, nested in the sentence. On the
demo and on evidence that reaches the other paths (the generated datafix register, the recorded
SQL Server catalog, PostgreSQL and AD evidence degraded part by part) every nested template has
Dutch, the Dutch rendering holds no English phrase, and the English text is what it was.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from gitc_agent import demo
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet, load_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.results import Result
from gitc_agent.i18n import Translator
from gitc_agent.model.db_audit import audit_state
from gitc_agent.model.db_principals import Instance, MalformedInstance
from gitc_agent.model.message import leaves, render
from tests import degrade
from tests.datafix_exports import generate
from tests.db_helpers import DATA, REGISTRY, demo_ad
from tests.db_helpers import run as run_db
from tests.phrases import dutch as catalog_nl
from tests.phrases import has_dutch, looks_english, nested_nodes
from tests.test_datafix_checks import run as run_datafix

PREFIXES = ("datafix.", "db.")
NL, EN = Translator("nl"), Translator("en")
#: top-level params whose English-looking text is data, not a phrase we write
DATA_PARAMS = {
    "justification": "the register's justification, as the policy states it",
    "result": "the English text of a verdict on the guard path is replaced by its Message",
}
#: errors the scenarios below record as a collector would: data, quoted as they are
INJECTED = {"permission denied for table pg_authid", "permission denied", "timeout",
            "permission denied for view pg_hba_file_rules", "sizeLimitExceeded"}
REPR = ("{", "[", "'")  # a value quoted from the evidence as Python shows it (a malformed row)
def assert_no_english_phrase(results: list[Result], docs: list[EvidenceDoc] = ()) -> set[str]:
    """What this test holds every result of the area to; returns the nested templates seen.
    A collector's recorded error (in `docs`) is data: it is quoted, not translated."""
    recorded = {str(e.get("message")) for d in docs for e in d.errors} | INJECTED
    seen: set[str] = set()
    for r in results:
        if not r.check.startswith(PREFIXES) or not r.message_template:
            continue
        where = (r.check, r.subject)
        assert EN.compose(r) == r.message, where
        dutch = NL.compose(r)
        for node in nested_nodes(r.message_params or {}):
            template = node["template"]
            seen.add(template)
            assert has_dutch(template), (where, template)
            english = render(template, node.get("params", {}))
            if catalog_nl()[template] != template and english.strip():
                assert english not in dutch, (where, english, dutch)
        params = [r.message_params or {}, *(n.get("params", {}) for n in
                                            nested_nodes(r.message_params or {}))]
        for key, value in ((k, v) for p in params for k, v in p.items()):
            if isinstance(value, str) and looks_english(value) and not (
                    set(value.split("; ")) <= recorded or value.startswith(REPR)):
                assert key in DATA_PARAMS, (where, key, value)
    return seen


# --- evidence ------------------------------------------------------------------------------

AS_OF = date(2026, 11, 16)


def demo_docs() -> list[EvidenceDoc]:
    return list(load_evidence(demo.evidence_dir())[0])


def demo_run(docs: list[EvidenceDoc], roles: str | None = None,
             tmp: Path | None = None) -> list[Result]:
    """The demo policy on `docs`; `roles`: the datafix role lines instead of the demo's."""
    path = demo.policy_path()
    if roles is not None:
        assert tmp is not None
        text = path.read_text()
        start = text.index("    executor: {db_roles:")
        end = text.index("\n", text.index("    audit_admin: ", start))
        path = tmp / "policy.yaml"
        path.write_text(text[:start] + roles + text[end:])
    return evaluate(load_policy(str(path), REGISTRY), REGISTRY, EvidenceSet(docs), AS_OF)


#: datafix roles that cannot all be resolved: each problem is a phrase of its own
BROKEN_ROLES = (
    '    executor: {ad_groups: ["CN=GG-Missing,OU=Groepen,DC=corp,DC=vbz,DC=example"], '
    'db_roles: [{role: db_owner, database: "KASSA*"}, {role: nope, server: pg-kassa}, '
    '{role: dba_super, server: pg-kassa, database: kassa}, {role: dba_super, server: sql-x}]}\n'
    '    approver: {ad_groups: ["CN=GG-App-Kassa-Beheer,OU=Groepen,DC=corp,DC=vbz,DC=example"]}\n'
    '    reviewer: {accounts: [i.peters, o.dekker]}\n'
    '    audit_admin: {db_roles: [{role: AuditAdmins}]}')


def replaced(docs: list[EvidenceDoc], kind: str, change=None, errors=None) -> list[EvidenceDoc]:
    """The docs with the `kind` document changed (`change(data)`) or its errors replaced."""
    out = []
    for d in docs:
        if d.kind == kind:
            data = copy.deepcopy(d.data)
            if change:
                change(data)
            d = EvidenceDoc(d.kind, d.target, d.collector, data,
                            errors=list(d.errors) if errors is None else errors,
                            collected_at=d.collected_at)
        out.append(d)
    return out


def _weak_pg(data: dict) -> None:
    for p in data["principals"]:
        if p["name"] == "rapportage_ro":
            p["password_hash"] = "plain"
        if p["name"] == "j.willems":
            p["password_hash"] = None
    data["hba_rules"].append({"address": None, "auth_method": "trust", "database": ["all"],
                              "error": None, "line": 7, "netmask": None, "type": "local",
                              "user_name": ["@admins"]})
    data["settings"].pop("password_encryption", None)
    data["audit"]["log_classes"] = ["ddl", "write"]
    data["audit"]["overrides"] = [{"database": "kassa", "role": "*", "setting": "pgaudit.log",
                                   "value": "ddl"}]


def _sqlserver(sets_change=None) -> EvidenceDoc:
    from gitc_agent.collectors.db.result_sets import read_result_sets
    from tests.test_db_sqlserver import doc_from

    sets = read_result_sets(DATA / "sqlserver-catalog.txt")
    if sets_change:
        sets_change(sets)
    return doc_from(sets)


def db_run(docs: list[EvidenceDoc], tmp: Path) -> list[Result]:
    return [r for results in run_db(docs, tmp).values() for r in results]


def _audit_off(sets: dict) -> None:
    sets["server_audits"] = [{**sets["server_audits"][0], "enabled": "0"}]


def _no_hba_no_pgaudit(data: dict) -> None:
    data["hba_rules"] = []
    data["audit"]["loaded"] = False


def _approver_group_truncated() -> list[EvidenceDoc]:
    group = "CN=GG-App-Kassa-Beheer,OU=Groepen,DC=corp,DC=vbz,DC=example"
    ad = next(d for d in demo_docs() if d.kind == "ad.accounts")
    return replaced(demo_docs(), "ad.accounts", errors=[
        *ad.errors, {"part": f"group:{group}", "message": "sizeLimitExceeded"}])


def _owner_unknown(sets: dict) -> None:
    sets["databases"] = [{**db, "owner": None} for db in sets["databases"]]


SCENARIOS = {
    "demo": lambda tmp: demo_run(demo_docs()),
    "demo, roles that cannot be resolved": lambda tmp: demo_run(demo_docs(), BROKEN_ROLES, tmp),
    "demo, roles without AD": lambda tmp: demo_run(
        [d for d in demo_docs() if d.kind != "ad.accounts"], BROKEN_ROLES, tmp),
    "demo, the approver group read partly": lambda tmp: demo_run(_approver_group_truncated()),
    "demo, pg-kassa without pg_hba rules and pgaudit": lambda tmp: demo_run(
        replaced(demo_docs(), "db.instance", _no_hba_no_pgaudit)),
    "demo without AD": lambda tmp: demo_run([d for d in demo_docs() if d.kind != "ad.accounts"]),
    "demo without the database server": lambda tmp: demo_run(
        [d for d in demo_docs() if d.kind != "db.instance"]),
    "demo, pg-kassa weak and audited partly": lambda tmp: demo_run(
        replaced(demo_docs(), "db.instance", _weak_pg)),
    "demo, pg-kassa parts unreadable": lambda tmp: demo_run(replaced(
        demo_docs(), "db.instance", errors=[
            {"part": "password_hashes", "message": "permission denied for table pg_authid"},
            {"part": "hba", "message": "permission denied for view pg_hba_file_rules"},
            {"part": "memberships", "message": "permission denied"}])),
    "demo, AD groups unreadable": lambda tmp: demo_run(replaced(
        demo_docs(), "ad.accounts", errors=[{"part": "groups", "message": "timeout"}])),
    "sql server with AD": lambda tmp: db_run([_sqlserver(), demo_ad()], tmp),
    "sql server without AD": lambda tmp: db_run([_sqlserver()], tmp),
    "sql server, owner unknown": lambda tmp: db_run([_sqlserver(_owner_unknown), demo_ad()], tmp),
    "sql server audit off": lambda tmp: db_run([_sqlserver(_audit_off), demo_ad()], tmp),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_phrase_of_the_area_is_dutch_and_english_is_unchanged(
        scenario: str, tmp_path: Path) -> None:
    results = SCENARIOS[scenario](tmp_path)
    mine = [r for r in results if r.check.startswith(PREFIXES)]
    assert mine, scenario
    assert_no_english_phrase(mine)


def test_the_demo_phrases_named_in_the_issue_are_nested_and_dutch() -> None:
    results = {(r.check, r.subject): r for r in demo_run(demo_docs())}
    seen = assert_no_english_phrase(list(results.values()))
    assert {"reviewed by its executor {reviewer}", "named in the policy as {role}",
            "approved {approved}, after the first statement {first}", "same name in AD",
            "reviewer {reviewer} is also the executor ({executor})", "maps to no person in AD",
            "its password is stored as MD5"} <= seen
    timing = results[("datafix.ticket.approval_timing", "ticket:DF-2026-0419")]
    assert NL.compose(timing) == ("Datafix DF-2026-0419: goedgekeurd op 2026-10-21T08:55:00+01:00, "
                                  "na het eerste statement op 2026-10-20T21:00:00+01:00.")
    assert timing.message == ("Datafix DF-2026-0419: approved 2026-10-21T08:55:00+01:00, after "
                              "the first statement 2026-10-20T21:00:00+01:00.")
    hashed = results[("db.logins.password_policy", "db:pg-kassa/login:kassa_app")]
    assert hashed.message == ("Login role kassa_app on pg-kassa: its password is stored as MD5; "
                              "pg_hba line 4 (hostssl kassa) lets it authenticate by md5.")
    assert NL.compose(hashed) == ("Loginrol kassa_app op pg-kassa: het wachtwoord is opgeslagen "
                                  "als MD5; pg_hba-regel 4 (hostssl kassa) laat de login "
                                  "authenticeren met md5.")


def test_nested_values_keep_every_datum_of_the_english_text() -> None:
    """A renderer in any language shows the same data: every leaf is in the Dutch text."""
    for r in demo_run(replaced(demo_docs(), "db.instance", _weak_pg)):
        if r.check.startswith(PREFIXES) and r.message_params:
            dutch = NL.compose(r)
            for value in leaves(r.message_params):
                assert str(value) in dutch, (r.check, r.subject, value)


#: the demo's documents the area reads, and how many degradations of them are judged here
MY_KINDS = ("db.instance", "datafix.register", "datafix.audit_log", "datafix.db_roles",
            "ad.accounts")
DEGRADED = 120


def _degradations() -> list[tuple[str, list[EvidenceDoc]]]:
    """An even spread over the degradation harness's sites of the area's documents (every
    family, stable across runs): the paths for broken evidence, each with its own phrase."""
    docs = demo_docs()
    sites = [s for s in degrade.enumerate_sites(docs) if docs[s.doc].kind in MY_KINDS]
    by_family: dict[str, list[degrade.Site]] = {}
    for site in sites:
        by_family.setdefault(site.family, []).append(site)
    chosen: list[degrade.Site] = []
    share = DEGRADED // len(by_family)
    for family in sorted(by_family):
        group = by_family[family]
        chosen += group[::max(1, len(group) // share)][:share]
    return [(site.describe(docs), degrade.apply(docs, site)) for site in chosen]


@pytest.mark.parametrize(("where", "docs"), _degradations(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_degraded_evidence_says_why_in_dutch(where: str, docs: list[EvidenceDoc]) -> None:
    assert_no_english_phrase(demo_run(docs), docs)


@pytest.fixture(scope="module")
def register_results(tmp_path_factory: pytest.TempPathFactory) -> list[Result]:
    tmp = tmp_path_factory.mktemp("dfx-phrases")
    lab = generate(tmp / "lab", tickets=3000, app_lines=5000)
    return run_datafix(lab, tmp, as_of=date(2026, 6, 1))


def test_the_generated_register_reaches_every_ticket_problem_in_dutch(
        register_results: list[Result]) -> None:
    seen = assert_no_english_phrase(register_results)
    assert {"{count} approval(s), {required} required",
            "last statement {last} after the approved window closed ({closed})",
            "reviewed by its approver {reviewer}",
            "reviewed {days} days after execution (period {max_days} days)",
            "requester {requester} is also the executor ({executor})",
            "approver {approver} is also the requester ({requester})",
            "reviewer {reviewer} is also an approver ({approver})",
            "AD group: {path}"} <= seen


# --- paths no evidence above reaches: built directly, Dutch and the old English ------------


def _nl(message) -> str:
    return render(message.template, message.params, NL.gettext)


@pytest.mark.parametrize(("audit", "english", "dutch"), [
    ({"loaded": False, "log_classes": [], "overrides": []},
     "pgaudit is not in shared_preload_libraries: nothing is audited",
     "pgaudit staat niet in shared_preload_libraries: er wordt niets geaudit"),
    ({"loaded": True, "log_classes": ["ddl"], "overrides": []},
     "pgaudit.log does not log role, write", "pgaudit.log logt role, write niet"),
    ({"loaded": True, "log_classes": ["ddl", "role", "write"],
      "overrides": [{"role": "etl", "database": "*", "setting": "pgaudit.log", "value": "x"}]},
     "role etl in database * sets pgaudit.log to 'x', which could not be understood",
     "rol etl in database * zet pgaudit.log op 'x', wat niet kon worden begrepen"),
    ({"loaded": None}, "the pgaudit state could not be read",
     "de pgaudit-status kon niet worden gelezen"),
])
def test_audit_reasons(audit: dict, english: str, dutch: str) -> None:
    state = audit_state({"engine": "postgresql", "audit": audit})
    assert str(state.reasons[0]) == english
    assert _nl(state.reasons[0]) == dutch


def test_sql_server_audit_reasons() -> None:
    audit = {"server_audits": [{"name": "A", "enabled": True}], "server_specifications": [],
             "database_specifications": []}
    state = audit_state({"engine": "sqlserver", "audit": audit}, audited_databases=["KASSA"])
    assert [str(r) for r in state.reasons] == [
        "no enabled server audit specification on an enabled audit covers "
        "SERVER_ROLE_MEMBER_CHANGE_GROUP (role membership changes)",
        "database KASSA: no enabled database audit specification covers INSERT, UPDATE, DELETE"]
    assert [_nl(r) for r in state.reasons] == [
        "geen ingeschakelde server audit specification op een ingeschakelde audit dekt "
        "SERVER_ROLE_MEMBER_CHANGE_GROUP (wijzigingen in rollidmaatschap)",
        "database KASSA: geen ingeschakelde database audit specification dekt INSERT, UPDATE, "
        "DELETE"]
    assert str(state.summary) == "1 enabled server audit(s)"
    assert _nl(state.summary) == "1 ingeschakelde server audit(s)"


def test_malformed_instance_reason() -> None:
    with pytest.raises(MalformedInstance) as caught:
        Instance.from_data({"engine": "postgresql", "principals": [], "memberships": [],
                            "databases": [{"name": "kassa", "users": "x"}]})
    assert str(caught.value) == "database 'kassa': users is not a list of named users"
    assert _nl(caught.value.reason) == ("database 'kassa': users is geen lijst van gebruikers "
                                        "met een naam")


def test_an_unreadable_server_says_why_in_dutch() -> None:
    from gitc_agent.checks._db import db_servers

    doc = EvidenceDoc("db.instance", "pg-x", "test", {"engine": "oracle"},
                      collected_at="2026-11-16T07:30:00+00:00")
    (outcome,) = db_servers(EvidenceSet([doc]))
    assert outcome.message == ("The database server could not be read, so it was not assessed: "
                               "unknown database engine 'oracle'")
    assert NL.compose({"message": outcome.message, "message_template": outcome.template,
                       "message_params": outcome.params}).endswith(
        ": onbekende database-engine 'oracle'")


def test_sql_server_settings_and_owner_phrases() -> None:
    from gitc_agent.checks._db import Member

    owner = Member("sa", ("sa", "owner of database KASSA"), None, owner_of="KASSA")
    assert str(owner.path_phrase) == owner.path_text == "sa → owner of database KASSA"
    assert _nl(owner.path_phrase) == "sa → eigenaar van database KASSA"
    assert Member("a", ("a", "sysadmin"), None).path_phrase == "a → sysadmin"


@pytest.mark.parametrize(("ticket", "english", "dutch"), [
    ({"ticket": "DF-1"}, "field(s) row, requester, approvers, executor, execution_start, "
     "reviewer, reviewed_at missing from the evidence", "veld(en) row, requester, approvers, "
     "executor, execution_start, reviewer, reviewed_at ontbreken in het bewijs"),
    ({"ticket": " ", "row": 1, "requester": "", "approvers": [], "executor": "",
      "execution_start": None, "reviewer": "", "reviewed_at": None},
     "the ticket id is empty", "het ticketnummer is leeg"),
    ({"ticket": "DF-1", "row": 1, "requester": "a", "approvers": [], "executor": None,
      "execution_start": None, "reviewer": "", "reviewed_at": None},
     "the executor field is not text", "het veld executor is geen tekst"),
    ({"ticket": "DF-1", "row": 1, "requester": "a", "approvers": [{"name": "b", "at": "x"}],
      "executor": "c", "execution_start": None, "reviewer": "", "reviewed_at": None},
     "unreadable time 'x'", "onleesbaar tijdstip 'x'"),
])
def test_a_register_row_this_reading_rejects_says_why_in_dutch(ticket, english, dutch) -> None:
    from gitc_agent.checks._datafix import Ticket, reason_of

    with pytest.raises(ValueError) as caught:
        Ticket.from_data(ticket)
    reason = reason_of(caught.value)
    assert str(reason) == str(caught.value) == english
    assert _nl(reason) == dutch


@pytest.mark.parametrize(("change", "english", "dutch"), [
    (lambda g: g.__setitem__(6, 0), "line count 0 is not a positive number",
     "aantal regels 0 is geen positief getal"),
    (lambda g: g.__setitem__(0, 7), "the principal is not text", "de principal is geen tekst"),
    (lambda g: g.__setitem__(7, "gisteren"), "unreadable first time 'gisteren'",
     "onleesbaar tijdstip van de eerste regel 'gisteren'"),
    (lambda g: g.__setitem__(11, [[3, "2026-10-20T21:01:00+01:00"]]),
     "3 line(s) listed for a count of 2", "3 regel(s) vermeld bij een aantal van 2"),
])
def test_an_audit_log_group_this_reading_rejects_says_why_in_dutch(change, english,
                                                                    dutch) -> None:
    from gitc_agent.checks._datafix_log import GROUP_KEYS, BadGroup, group

    cells = ["adm-x", "kassa", "2026-10-20", "UPDATE", "t", "", 2,
             "2026-10-20T21:00:00+01:00", 1, "2026-10-20T21:05:00+01:00", 2, []]
    group(list(cells), {k: i for i, k in enumerate(GROUP_KEYS)})  # the unchanged group reads
    change(cells)
    with pytest.raises(BadGroup) as caught:
        group(cells, {k: i for i, k in enumerate(GROUP_KEYS)})
    assert str(caught.value.reason) == str(caught.value) == english
    assert _nl(caught.value.reason) == dutch


def test_an_audit_that_is_off_is_said_in_dutch_on_the_datafix_log() -> None:
    from gitc_agent.checks._datafix_log import audit_off

    docs = replaced(demo_docs(), "db.instance", lambda d: d["audit"].update(loaded=False))
    why = audit_off(EvidenceSet(docs), {"pg-kassa", "pg-gone"}, {"kassa"})
    assert why is not None
    assert str(why) == ("pg-gone: no db.instance evidence was collected, so whether its audit "
                        "is on is unknown; pg-kassa: the audit is off or incomplete (pgaudit is "
                        "not in shared_preload_libraries: nothing is audited)")
    assert render("{x}", {"x": why}, NL.gettext) == (
        "pg-gone: er is geen db.instance-bewijs verzameld, dus of de audit aan staat is "
        "onbekend; pg-kassa: de audit staat uit of is onvolledig (pgaudit staat niet in "
        "shared_preload_libraries: er wordt niets geaudit)")
