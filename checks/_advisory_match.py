"""Match every advisory to every host once per evaluation, and decide each match.

Why one shared computation: four checks judge the same (host, advisory) pairs (overdue,
undecidable, tickets), and 10,000 advisories against 2,000 hosts must stay in seconds. Product
entries are indexed by name token and each distinct installed-software name is matched once;
a product matches an installed item when every word of the product's name is in the item's name
(`Windows Server 2022` in `Microsoft Windows Server 2022 Datacenter`), or the package name of
its purl equals the item's name.

A match is decided from the advisory alone: an affected range or version list with the host's
version, the first fixed version, the `vendor_fix` KB numbers against the installed updates.
What the advisory does not say (no version to compare, no fixed version, no KB) is
`undecidable`, unless the user's CVE fix map (`feed.cve_fix_map`) has a row for one of the
product's CVEs and the host's product: the hand-made map overrides only what the advisory leaves
open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gitc_agent.core.check_api import EvidenceSet
from gitc_agent.model import subjects
from gitc_agent.model.kinds import FEED_CVE_FIX_MAP
from gitc_agent.model.message import Message, MessageList, msg, msg_list
from gitc_agent.model.versions import compare, is_version, parse_range

from ._advisory_model import Advisory, Entry, Problem, advisories
from ._vuln_hosts import Inventory, Item, inventories

OPEN, FIXED, UNDECIDABLE, NOT_AFFECTED = "open", "fixed", "undecidable", "not_affected"
_RANK = {OPEN: 3, UNDECIDABLE: 2, FIXED: 1, NOT_AFFECTED: 0}
#: a phrase the checks put in their sentence: a Message, a list of them, or plain data
Phrase = Message | MessageList | str
_OR = msg("or")  # between the fixes of an `either`: one object for all of them


@dataclass(frozen=True)
class Decision:
    state: str
    expected_fix: Phrase | None = None  # what fixes it: "KB5066782 or version >= 10.0.20348.4294"
    reason: Phrase | None = None  # why undecidable, or what showed it fixed
    by_fix_map: bool = False

    @cached_property
    def fix_text(self) -> str:
        """The English of `expected_fix` for the evidence, once per decision (a decision is
        shared by the hosts with the same program and version)."""
        return str(self.expected_fix or "")


@dataclass(frozen=True)
class Pair:
    inventory: Inventory
    advisory: Advisory
    state: str
    products: tuple[str, ...]  # the matched installed items, "name version" (for the evidence)
    expected_fix: Phrase | None
    reason: Phrase | None
    by_fix_map: bool
    named: tuple[Phrase, ...] = ()  # the same items for a sentence: "(no version)" translated
    fix_text: str = ""  # the English of expected_fix, for the evidence

    @property
    def installed(self) -> Phrase:
        """The matched items, comma-separated, for a check's sentence."""
        if all(isinstance(n, str) for n in self.named):
            return ", ".join(self.products)
        return msg_list(self.named, sep=", ")

    @property
    def subject(self) -> str:
        return subjects.host_advisory(self.inventory.name, self.advisory.tracking_id)

    @property
    def source(self) -> dict[str, str]:
        return self.inventory.source


@dataclass
class Matching:
    pairs: list[Pair]
    problems: list[Problem]
    hosts: list[Inventory]
    advisories: list[Advisory]
    by_host: dict[str, list[Pair]] = field(default_factory=dict)


def matching(evidence: EvidenceSet) -> Matching:
    return evidence.derived("vuln.matching", lambda: _build(evidence))


def _fix_rows(evidence: EvidenceSet) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in evidence.of_kind(FEED_CVE_FIX_MAP):
        for row in (doc.data or {}).get("fixes") or []:
            if isinstance(row, dict) and isinstance(row.get("cve"), str) \
                    and isinstance(row.get("product"), str) and row["product"].strip():
                rows[row["cve"]].append(row)
    return rows


def _build(evidence: EvidenceSet) -> Matching:
    found, problems = advisories(evidence)
    hosts, host_problems = inventories(evidence)
    fix_rows = _fix_rows(evidence)
    index: dict[str, list[tuple[Advisory, Entry]]] = defaultdict(list)
    by_purl: dict[str, list[tuple[Advisory, Entry]]] = defaultdict(list)
    for adv in found:
        for entry in adv.entries:
            if entry.tokens:
                index[min(entry.tokens)].append((adv, entry))
            if entry.purl_name:
                by_purl[entry.purl_name].append((adv, entry))
    seen: dict[tuple[str, frozenset[str]], list[tuple[Advisory, Entry]]] = {}
    decided: dict[tuple[int, str, str | None], Decision] = {}
    pairs: list[Pair] = []
    by_host: dict[str, list[Pair]] = {}
    for inv in hosts:
        per: dict[str, list[tuple[Entry, Item, Decision]]] = defaultdict(list)
        advs: dict[str, Advisory] = {}
        for item in inv.items:
            key = (item.name.lower(), item.tokens)
            if key not in seen:
                candidates = [c for t in item.tokens for c in index.get(t, ())
                              if c[1].tokens <= item.tokens]
                candidates += by_purl.get(item.name.lower(), [])
                seen[key] = list({(id(a), id(e)): (a, e) for a, e in candidates}.values())
            for adv, entry in seen[key]:
                memo = (id(entry), item.name, item.version)
                decision = decided.get(memo) if not entry.kbs else None
                if decision is None:
                    decision = decide(entry, item, inv)
                    if not entry.kbs:  # without KBs the installed updates do not matter
                        decided[memo] = decision
                if decision.state == UNDECIDABLE:
                    decision = _override(entry, item, inv, fix_rows) or decision
                if decision.state != NOT_AFFECTED:
                    per[adv.tracking_id].append((entry, item, decision))
                    advs[adv.tracking_id] = adv
        host_pairs = [_pair(inv, advs[tid], decided) for tid, decided in per.items()]
        by_host[inv.name] = host_pairs
        pairs += host_pairs
    return Matching(pairs, problems + host_problems, hosts, found, by_host)


def _pair(inv: Inventory, adv: Advisory, decided: list[tuple[Entry, Item, Decision]]) -> Pair:
    if len(decided) == 1:  # the usual case: one installed item matches one product
        _, item, d = decided[0]
        return Pair(inv, adv, d.state, (_label(item),), d.expected_fix, d.reason, d.by_fix_map,
                    (_named(item),), d.fix_text)
    worst = max(_RANK[d.state] for _, _, d in decided)
    chosen = [d for _, _, d in decided if _RANK[d.state] == worst]
    items = {_label(i): _named(i) for _, i, _ in decided}
    expected = _distinct(d.expected_fix for d in chosen)
    return Pair(inv, adv, chosen[0].state, tuple(sorted(items)), expected,
                _distinct(d.reason for d in chosen), any(d.by_fix_map for d in chosen),
                tuple(items[k] for k in sorted(items)), str(expected or ""))


def _label(item: Item) -> str:
    return f"{item.name} {item.version or '(no version)'}"


def _named(item: Item) -> Phrase:
    if item.version:
        return f"{item.name} {item.version}"
    return msg("{product} (no version)", product=item.name)


def _distinct(phrases: Iterable[Phrase | None]) -> MessageList | None:
    """The different phrases in the order of their English text ("; " between them)."""
    found = {str(p): p for p in phrases if p}
    return msg_list([found[k] for k in sorted(found)]) if found else None


def either(options: Iterable[Phrase]) -> Phrase | None:
    """`KB1 or KB2 or version >= 2.0`, with `or` translated (one level deep however long)."""
    items: list[Phrase] = []
    for option in options:
        items += [_OR, option] if items else [option]
    if not items:
        return None
    return items[0] if len(items) == 1 else msg_list(items, sep=" ")


def _fix_text(entry: Entry, fixed_in: str | None) -> Phrase | None:
    """What fixes it; the usual one KB and a fixed version (Microsoft's) as one sentence."""
    if fixed_in and len(entry.kbs) == 1:
        return msg("{kb} or version >= {version}", kb=entry.kbs[0], version=fixed_in)
    return either([*entry.kbs, *([msg("version >= {version}", version=fixed_in)]
                                 if fixed_in else [])])


def decide(entry: Entry, item: Item, inv: Inventory) -> Decision:
    """What the advisory says about this installed item (see the module docstring)."""
    if any(kb in inv.kbs for kb in entry.kbs):
        return Decision(FIXED, _fix_text(entry, None),
                        msg("{kbs} installed", kbs=", ".join(k for k in entry.kbs
                                                            if k in inv.kbs)))
    first_fixed = entry.first_fixed
    version = item.version
    if entry.investigating and not (entry.affected or entry.fixed or entry.kbs):
        return Decision(UNDECIDABLE, reason=msg("the publisher lists the product as under "
                                                "investigation"))
    if not entry.affected and not first_fixed and not entry.kbs:
        return _not_affected_only(entry, version)
    if version is None or not is_version(version):
        if (entry.kbs and any(s.get("any") for s in entry.affected)) or (
                entry.kbs and not entry.affected):
            return Decision(OPEN, _fix_text(entry, None), msg("none of the fix KBs is installed"))
        return Decision(UNDECIDABLE, _fix_text(entry, first_fixed),
                        msg("the installed version of {product} is not known",
                            product=item.name))
    hit, ranges_only, upper = False, bool(entry.affected), None
    for spec in entry.affected:
        if spec.get("any"):
            hit, ranges_only = True, False
        elif "version" in spec:
            ranges_only = False
            hit = hit or (is_version(spec["version"]) and compare(version, spec["version"]) == 0)
        else:
            rng = parse_range(spec["range"])
            if rng is None:
                return Decision(UNDECIDABLE, _fix_text(entry, first_fixed),
                                msg("the affected range {range} cannot be read",
                                    range=repr(spec["range"])))
            upper = upper or rng.fixed_in
            hit = hit or rng.contains(version)
    fixed_in = first_fixed or upper
    if not entry.affected:  # only fixed versions or KBs listed: older versions are affected
        hit = not fixed_in or compare(version, fixed_in) < 0
    if hit:
        if fixed_in and compare(version, fixed_in) >= 0:
            return Decision(FIXED, _fix_text(entry, fixed_in), f"{version} >= {fixed_in}")
        if fixed_in or entry.kbs:
            return Decision(OPEN, _fix_text(entry, fixed_in),
                            msg("{product} {version} is affected", product=item.name,
                                version=version))
        return Decision(UNDECIDABLE, reason=msg("{product} {version} is listed as affected, but "
                                                "no fixed version or KB is given",
                                                product=item.name, version=version))
    if fixed_in and compare(version, fixed_in) >= 0:
        return Decision(FIXED, _fix_text(entry, fixed_in), f"{version} >= {fixed_in}")
    if ranges_only:
        return Decision(NOT_AFFECTED)
    return Decision(UNDECIDABLE, _fix_text(entry, fixed_in),
                    msg("{product} {version} is not among the listed affected versions and no "
                        "fixed version says whether it is fixed", product=item.name,
                        version=version))


def _not_affected_only(entry: Entry, version: str | None) -> Decision:
    for spec in entry.not_affected:
        if spec.get("any") or (version and "version" in spec
                               and compare(version, spec["version"]) == 0):
            return Decision(NOT_AFFECTED)
        if version and "range" in spec:
            rng = parse_range(spec["range"])
            if rng is not None and rng.contains(version):
                return Decision(NOT_AFFECTED)
    return Decision(UNDECIDABLE, reason=msg("only versions that are not affected are listed, "
                                            "and the installed one is not among them"))


def _override(entry: Entry, item: Item, inv: Inventory,
              rows: dict[str, list[dict[str, Any]]]) -> Decision | None:
    """The user's fix-map row for one of the entry's CVEs and this product, if any."""
    name = item.name.lower()
    matched = [r for cve in entry.cves for r in rows.get(cve, ())
               if r["product"].strip().lower() in name]
    if not matched:
        return None
    fixes = [r for r in matched if not r.get("not_affected")]
    if not fixes:
        return Decision(NOT_AFFECTED, by_fix_map=True)
    for row in fixes:
        kbs = [str(k).upper() for k in row.get("kbs") or []]
        build = row.get("fixed_build")
        if any(k in inv.kbs for k in kbs):
            return Decision(FIXED, either(kbs), msg("fix map: KB installed"), True)
        if build and item.version and _build_reached(item.version, str(build)):
            return Decision(FIXED, msg("build >= {build}", build=build),
                            msg("fix map: build reached"), True)
    builds = {f"build >= {r['fixed_build']}": msg("build >= {build}", build=r["fixed_build"])
              for r in fixes if r.get("fixed_build")}
    options: dict[str, Phrase] = {str(k): str(k) for r in fixes for k in r.get("kbs") or []}
    options.update(builds)  # in the order of their English text, as before
    expected = either(options[k] for k in sorted(options))
    return Decision(OPEN, expected, msg("fix map: fix not installed"), True)


def _build_reached(version: str, build: str) -> bool:
    """`20348.4294` (build.UBR, as the fix map writes it) against `10.0.20348.4405`."""
    need = build.split(".")
    have = version.split(".")[-len(need):]
    return compare(".".join(have), build) >= 0
