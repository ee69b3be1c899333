"""Degradations of real evidence, and the invariant they must keep: verdicts can only be lost.

Used by tests/test_degradation.py. A *site* is one concrete degradation of one evidence
document (drop this key, null that cell, ...); the harness enumerates every site of a baseline
once, lets hypothesis pick among them, and compares each degraded run with the baseline.

What counts as a degradation is derived from the evidence itself: nulling a value or emptying a
list at a position where real evidence of the same kind already holds a null or an empty list
(a never-logged-on account, a fully patched host) produces valid evidence of another state, not
unknown evidence, so such sites are not drawn.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import Policy
from gitc_agent.core.registry import Registry
from gitc_agent.core.results import Result, Status

FAMILIES = ("drop_key", "empty_list", "null_value", "add_error", "drop_document",
            "unknown_enum")
UNKNOWN_ENUM = "gitc-degraded-unknown"
ARBITRARY_PART = "gitc-degraded-part"
# Part names the collectors write in `errors` (grep of collectors/ and the checks' error_for);
# a document's own top-level data keys are added per document.
COLLECTOR_PARTS = ("connection", "collector", "script", "domain", "psos", "accounts", "groups",
                   "updates", "agents", "reboot", "file", "targets", "missing_updates",
                   "password_hashes", "hba", "database:kassa",  # db.instance parts
                   # ad.accounts: the AD hygiene reads that fail on their own (collectors/ad/hygiene.py)
                   "hygiene.domain", "hygiene.recycle_bin", "hygiene.trusts", "hygiene.schema")
# Keys (dict keys or tabular column names) whose string values come from a fixed vocabulary the
# checks compare against; replacing one by an unknown word is unknown evidence, not another state.
# Names and identifiers (accounts, roles, tickets, products) are deliberately absent: a different
# name is a different, valid subject.
ENUM_KEYS = frozenset({"status", "start_type", "severity", "type", "statement", "manager",
                       "package_managers", "description", "knownRansomwareCampaignUse",
                       "vendorProject", "vendor_filter", "system", "id", "format", "search",
                       "engine", "auth_method", "password_hash", "scope"})  # db.instance
# Lists whose emptiness real evidence of a compliant subject has, even where the shipped evidence
# happens to hold none: an empty copy is another valid state, not a degradation.
VALID_EMPTY = (("host.state", re.compile(r"^updates_[a-z]+/packages$")),
               # a domain without trusts (most have none); completeness of the read is
               # recorded separately (hygiene readability), and degrading that is an error
               ("ad.accounts", re.compile(r"^hygiene/trusts$")))
_ENUM_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9 _.+-]{0,40}$")

Path = tuple[str | int, ...]
PASS, ERROR, NOT_APPLICABLE = Status.PASS.value, Status.ERROR.value, Status.NOT_APPLICABLE.value
VERDICTS = frozenset({PASS, ERROR, Status.FAIL.value, Status.ACCEPTED.value})
ABSENT = "absent"


@dataclass(frozen=True)
class Site:
    """One degradation of one document: `doc` indexes the scenario's documents."""

    family: str
    doc: int
    path: Path = ()
    part: str = ""  # add_error: the part named in the new errors entry

    def describe(self, docs: Sequence[EvidenceDoc]) -> str:
        target = docs[self.doc]
        where = f"{target.kind}@{target.target}"
        spot = render_path(self.path) or "<data>"
        what = {"drop_key": f"dropped key {spot}", "empty_list": f"emptied list {spot}",
                "null_value": f"set {spot} to null",
                "add_error": (f"added errors entry part={self.part!r}"
                              + (f" and emptied {spot}" if self.path else "")),
                "drop_document": "removed the document",
                "unknown_enum": f"replaced {spot} by {UNKNOWN_ENUM!r}"}[self.family]
        return f"{where}: {what}"


def render_path(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p)
                   for i, p in enumerate(path))


def _columns(data: dict[str, Any]) -> dict[str, list[str]]:
    """Tabular lists (rows of cells) and their column names: 'accounts' -> account_columns."""
    out: dict[str, list[str]] = {}
    for key, cols in data.items():
        if not key.endswith("_columns") or not isinstance(cols, list):
            continue
        for rows_key, rows in data.items():
            if (isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows)
                    and len(rows[0]) == len(cols)):
                out[rows_key] = [str(c) for c in cols]
    return out


def _walk(value: Any, path: Path, pattern: tuple[str, ...],
          columns: dict[str, list[str]]) -> Iterator[tuple[Path, tuple[str, ...], Any]]:
    """Every node below `data` with its path and its pattern (list indexes as '*', tabular
    cells by column name), so that positions can be compared across rows and documents."""
    yield path, pattern, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, (*path, key), (*pattern, key), columns)
    elif isinstance(value, list):
        cols = columns.get(str(path[0])) if len(path) == 2 and isinstance(path[1], int) else None
        for i, child in enumerate(value):
            name = f"#{cols[i]}" if cols and i < len(cols) else "*"
            yield from _walk(child, (*path, i), (*pattern, name), columns)


def _key_name(pattern: tuple[str, ...]) -> str:
    """The name of a position: its dict key or column, or its list's key for list items."""
    for part in reversed(pattern):
        if part != "*":
            return part.lstrip("#")
    return ""


def _valid_empty(kind: str, pattern: tuple[str, ...]) -> bool:
    return any(kind == k and rx.match("/".join(pattern)) for k, rx in VALID_EMPTY)


def enumerate_sites(docs: Sequence[EvidenceDoc]) -> list[Site]:
    """Every degradation of every document, in a stable order."""
    seen_null: set[tuple[str, tuple[str, ...]]] = set()
    seen_empty: set[tuple[str, tuple[str, ...]]] = set()
    walked = []
    for index, doc in enumerate(docs):
        nodes = list(_walk(doc.data, (), (), _columns(doc.data)))
        walked.append((index, doc, nodes))
        for _path, pattern, value in nodes:
            if value is None:
                seen_null.add((doc.kind, pattern))
            elif isinstance(value, list) and not value:
                seen_empty.add((doc.kind, pattern))
    sites: list[Site] = []
    for index, doc, nodes in walked:
        sites.append(Site("drop_document", index))
        parts = dict.fromkeys((*COLLECTOR_PARTS, *doc.data, ARBITRARY_PART))
        for part in parts:
            sites.append(Site("add_error", index, part=part))
            if part in doc.data and doc.data[part] not in (None, [], {}):
                sites.append(Site("add_error", index, (part,), part=part))
        for path, pattern, value in nodes:
            if not path:
                continue
            if isinstance(path[-1], str):
                sites.append(Site("drop_key", index, path))
            if value is not None and (doc.kind, pattern) not in seen_null:
                sites.append(Site("null_value", index, path))
            if (isinstance(value, list) and value and (doc.kind, pattern) not in seen_empty
                    and not _valid_empty(doc.kind, pattern)):
                sites.append(Site("empty_list", index, path))
            if (isinstance(value, str) and _ENUM_VALUE.match(value)
                    and _key_name(pattern) in ENUM_KEYS):
                sites.append(Site("unknown_enum", index, path))
    return sites


def _set(root: Any, path: Path, value: Any, drop: bool = False) -> None:
    node = root
    for step in path[:-1]:
        node = node[step]
    if drop:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def _get(root: Any, path: Path) -> Any:
    for step in path:
        root = root[step]
    return root


def apply(docs: Sequence[EvidenceDoc], site: Site) -> list[EvidenceDoc]:
    """The scenario's documents with `site` applied (only the degraded one is copied)."""
    if site.family == "drop_document":
        return [d for i, d in enumerate(docs) if i != site.doc]
    old = docs[site.doc]
    data, errors = copy.deepcopy(old.data), copy.deepcopy(old.errors)
    if site.family == "drop_key":
        _set(data, site.path, None, drop=True)
    elif site.family == "null_value":
        _set(data, site.path, None)
    elif site.family == "empty_list":
        _set(data, site.path, [])
    elif site.family == "unknown_enum":
        _set(data, site.path, UNKNOWN_ENUM)
    elif site.family == "add_error":
        errors.append({"part": site.part, "message": "degraded: this part could not be read"})
        if site.path:  # what a collector writes when it could not read the part: no data
            current = _get(data, site.path)
            _set(data, site.path, type(current)() if isinstance(current, list | dict) else None)
    new = EvidenceDoc(kind=old.kind, target=old.target, collector=old.collector, data=data,
                      errors=errors, collected_at=old.collected_at,
                      tool_version=old.tool_version, file=old.file)
    return [new if i == site.doc else d for i, d in enumerate(docs)]


@dataclass
class Scenario:
    """Real evidence, its policy and date, and the baseline verdicts."""

    name: str
    docs: list[EvidenceDoc]
    policy: Policy
    registry: Registry
    today: date
    baseline: dict[tuple[str, str], str] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.expected = frozenset(d.kind for d in self.docs)
        self.baseline = self.verdicts(self.docs)
        self.sites = enumerate_sites(self.docs)
        self.reads: dict[str, set[str]] = {}
        for pcheck in self.policy.checks:
            spec = pcheck.spec
            self.reads[pcheck.id] = set((*spec.evidence, *spec.optional_evidence)) if spec else set()

    def run(self, docs: Sequence[EvidenceDoc]) -> list[Result]:
        return evaluate(self.policy, self.registry, EvidenceSet(docs), self.today,
                        expected_kinds=self.expected)

    def verdicts(self, docs: Sequence[EvidenceDoc]) -> dict[tuple[str, str], str]:
        return {(r.check, r.subject): r.status.value for r in self.run(docs)}

    def checks_reading(self, site: Site) -> list[str]:
        kind = self.docs[site.doc].kind
        return [check for check, kinds in self.reads.items() if kind in kinds]

    def families(self) -> dict[str, list[Site]]:
        out: dict[str, list[Site]] = defaultdict(list)
        for site in self.sites:
            out[site.family].append(site)
        return out


@dataclass(frozen=True)
class Violation:
    """One subject of one check whose verdict the degradation changed against the invariant."""

    check: str
    family: str
    rule: str  # gained_pass or lost_silently (see judge)
    subject: str
    before: str  # baseline status, or ABSENT
    after: str  # degraded status, or ABSENT
    site: str  # what was done to which evidence

    def line(self) -> str:
        return (f"{self.check} [{self.family}/{self.rule}] {self.subject}: {self.before} -> "
                f"{self.after}; {self.site}")


def judge(scenario: Scenario, site: Site) -> list[Violation]:
    """Compare the degraded run with the baseline, check by check.

    `gained_pass`: a subject passes that did not pass in the baseline (or was not there).
    `lost_silently`: a verdict (pass, fail, accepted or error) was lost, out of the report or to
    not_applicable, and the check gives no new `error` to say it could not look, so the run may
    look complete. A change towards `fail` is conservative and allowed. Removing one document
    of several of its kind is exempt from the second rule: the run knows the kinds it expected,
    not each target (issue 12, defect 9).
    """
    degraded = scenario.verdicts(apply(scenario.docs, site))
    base = scenario.baseline
    described = site.describe(scenario.docs)
    kind = scenario.docs[site.doc].kind
    kind_survives = site.family == "drop_document" and any(
        d.kind == kind for i, d in enumerate(scenario.docs) if i != site.doc)
    found: list[Violation] = []
    for check in scenario.reads:
        before = {s: st for (c, s), st in base.items() if c == check}
        after = {s: st for (c, s), st in degraded.items() if c == check}
        if before == after:
            continue
        for subject, status in sorted(after.items()):
            if status == PASS and before.get(subject) != PASS:
                found.append(Violation(check, site.family, "gained_pass", subject,
                                       before.get(subject, ABSENT), status, described))
        new_error = any(st == ERROR and before.get(s) != ERROR for s, st in after.items())
        if new_error or kind_survives:
            continue
        lost = sorted(s for s, st in before.items()
                      if st in VERDICTS and after.get(s, ABSENT) in (ABSENT, NOT_APPLICABLE))
        if lost:
            found.append(Violation(check, site.family, "lost_silently", lost[0], before[lost[0]],
                                   after.get(lost[0], ABSENT),
                                   f"{described} ({len(lost)} verdict(s) lost, no new error)"))
    return found
