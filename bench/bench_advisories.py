"""Benchmark (not a unit test): 10,000 CSAF advisories matched against 2,000 hosts.

Run: python bench/bench_advisories.py [advisories] [hosts] [--read N]. Generates advisories in
the NCSC-NL / Microsoft shapes (tests/csaf_docs.py; 5,000 product names, version ranges, fixed
versions and KBs), validates and normalises them with the real CSAF reader, builds Windows
hosts with 40 installed programs each (10 of them named in advisories), and times the evaluation of
the five vuln.* checks (matching included) under the adr-gitc profile. Target: matching and
evaluation in under 10 s. `--read N` also times reading N documents from disk with schema
validation, side by side with jsonschema validating the same documents alone (the floor any
validating reader has to pay).
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checks._advisory_match import matching
from gitc_agent.collectors.vuln import csaf_normalise, schema_check
from gitc_agent.collectors.vuln.csaf_source import collect_source
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.settings.vuln_config import CsafSource
from tests.csaf_docs import NCSC, document, ncsc_notes, write
from tests.vuln_helpers import software, windows_host

PRODUCTS = [f"Product{i} Suite" for i in range(5000)]  # the products advisories are about
LONG_TAIL = [f"Internal Tool {i}" for i in range(20000)]  # installed, in no advisory
LABELS = ["Urgent", "Normaal", None]


def advisory_doc(i: int, rnd: random.Random) -> dict:
    products = []
    for j in range(rnd.randint(1, 3)):
        name = rnd.choice(PRODUCTS)
        fixed = f"{rnd.randint(1, 9)}.{rnd.randint(0, 30)}"
        spec = rnd.choice([{"range": f"<{fixed}"}, {"range": f"vers:generic/>=1.0|<{fixed}"},
                           {"version": f"{rnd.randint(1, 9)}.0"}])
        products.append((f"Vendor{j}", name, spec, f"P{i}-{j}"))
    label = rnd.choice(LABELS)
    return document(NCSC, f"NCSC-2026-{i:05d}", f"Advies {i}", f"2026-{rnd.randint(1, 11):02d}-"
                    f"{rnd.randint(1, 28):02d}T09:00:00Z", products, [f"CVE-2026-{i:05d}"],
                    severity=label, version="1.0.0",
                    notes=ncsc_notes(*(("high", "high") if label is None else (None, None))),
                    kbs={products[0][3]: f"KB{5000000 + i}"} if i % 4 == 0 else None)


def main() -> None:
    argv = sys.argv[1:]
    read = int(argv[argv.index("--read") + 1]) if "--read" in argv else 0
    if "--read" in argv:
        del argv[argv.index("--read"):argv.index("--read") + 2]
    args = [a for a in argv if not a.startswith("--")]
    n_adv = int(args[0]) if args else 10_000
    n_hosts = int(args[1]) if len(args) > 1 else 2_000
    rnd = random.Random(19)
    t0 = time.perf_counter()
    docs = [advisory_doc(i, rnd) for i in range(n_adv)]
    records = [csaf_normalise.advisory(d, f"{i}.json") for i, d in enumerate(docs)]
    feed = EvidenceDoc(kind="feed.csaf", target="ncsc-nl", collector="bench",
                       collected_at="2026-11-16T08:00:00+00:00",
                       data={"advisories": records, "newest_release": max(
                           r["current_release"] for r in records), "counts": {}})
    hosts = [windows_host(f"host{h:04d}", "Microsoft Windows Server 2022 Standard", 20348,
                          4405, software(*((p, f"{rnd.randint(1, 9)}.{rnd.randint(0, 30)}")
                                           for p in rnd.sample(PRODUCTS, 10)
                                           + rnd.sample(LONG_TAIL, 30))))
             for h in range(n_hosts)]
    t1 = time.perf_counter()
    registry = discover(use_entry_points=False)
    policy = load_policy("adr-gitc", registry)
    policy.checks = [c for c in policy.checks if c.id.startswith("vuln.")]
    t2 = time.perf_counter()
    found = matching(EvidenceSet([feed, *hosts]))  # what the checks share, built once
    t_match = time.perf_counter() - t2
    t2 = time.perf_counter()
    results = evaluate(policy, registry, EvidenceSet([feed, *hosts]), date(2026, 11, 16))
    t3 = time.perf_counter()
    counts = Counter((r.check, r.status.value) for r in results)
    print(f"generated {n_adv} advisories (normalised) and {n_hosts} hosts x 40 programs: "
          f"{t1 - t0:.2f} s")
    print(f"matching {n_adv} advisories x {n_hosts} hosts: {t_match:.2f} s, "
          f"{len(found.pairs)} (host, advisory) pairs (target < 10 s: "
          f"{'met' if t_match < 10 else 'MISSED'})")
    print(f"evaluation of the 5 vuln checks (matching again, judging, scoring every result): "
          f"{t3 - t2:.2f} s, {len(results)} results")
    for (check, status), n in sorted(counts.items()):
        print(f"  {check:<40} {status:<8} {n}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    if read:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "ncsc-nl"
            for i, doc in enumerate(docs[:read]):
                write(folder, f"{i}.json", doc)
            t4 = time.perf_counter()
            doc = collect_source(CsafSource(name="ncsc-nl", path=folder))
            t5 = time.perf_counter()
            validator = schema_check.validator()
            for path in sorted(folder.glob("*.json")):
                validator.is_valid(json.loads(path.read_text()))
            t6 = time.perf_counter()
        print(f"reading {read} documents from disk (schema-validated, normalised): "
              f"{t5 - t4:.2f} s ({doc.data['counts']['valid']} valid); jsonschema alone "
              f"on the same files: {t6 - t5:.2f} s")


if __name__ == "__main__":
    main()
