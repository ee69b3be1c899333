"""Benchmark (not a unit test): collect and evaluate 20,000 tickets and ~100,000 audit-log lines.

Run: python bench/bench_datafix.py [tickets] [app_lines]. Prints wall time and peak Python memory
(tracemalloc) for generation, collection and evaluation, so regressions on large exports show.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gitc_agent.collectors.datafix import files as datafix_files
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.settings.config import load_config
from tests.datafix_exports import ad_evidence, config_yaml, generate
from tests.test_datafix_checks import policy_text


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tickets = int(args[0]) if args else 20_000
    app_lines = int(args[1]) if len(args) > 1 else 30_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        lab = generate(folder / "exports", tickets=tickets, app_lines=app_lines)
        t1 = time.perf_counter()
        (folder / "exports" / "gitc-agent.yaml").write_text(config_yaml(lab))
        trace = "--trace" in sys.argv  # tracemalloc: exact Python peaks, but several times slower
        if trace:
            tracemalloc.start()
        config = load_config(folder / "exports" / "gitc-agent.yaml")
        docs = list(datafix_files.collect(config.datafix))
        ad = ad_evidence(lab)
        docs.append(EvidenceDoc("ad.accounts", ad["target"], "bench", ad["data"],
                                collected_at=ad["collected_at"]))
        t2 = time.perf_counter()
        _, peak_collect = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        registry = discover(use_entry_points=False)
        (folder / "policy.yaml").write_text(policy_text(lab))
        policy = load_policy(str(folder / "policy.yaml"), registry)
        results = evaluate(policy, registry, EvidenceSet(docs), date(2026, 6, 1))
        t3 = time.perf_counter()
        _, peak_eval = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fails = sum(1 for r in results if r.status.value == "fail")
    print(f"tickets {lab.tickets}, audit-log lines {lab.log_lines}, results {len(results)} "
          f"({fails} fail)")
    print(f"generate {t1 - t0:.1f} s; collect {t2 - t1:.1f} s (peak {peak_collect / 2**20:.0f} MiB); "
          f"evaluate 7 checks {t3 - t2:.1f} s (peak {peak_eval / 2**20:.0f} MiB); "
          f"process peak RSS {rss:.0f} MiB" + ("" if trace else " (run with --trace for peaks)"))


if __name__ == "__main__":
    main()
