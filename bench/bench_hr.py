"""Benchmark (not a unit test): an HR export of 50,000 persons and a directory of 50,000 accounts
(plus adm- accounts), collected and judged by the four lifecycle checks.

Run: python bench/bench_hr.py [persons]. Prints wall time and peak memory for generation,
collection (the HR collector on a Dutch Excel CSV) and evaluation, beside the reference tools on
the same file: `awk` counting the leavers and Python's own `csv.reader` reading every row, so the
cost of the collector's checks (dates, duplicates, rejected rows) over plain reading shows.
"""

from __future__ import annotations

import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gitc_agent import demo
from gitc_agent.collectors.hr import collect
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.settings.config import load_config
from tests.hr_exports import PERSON_HEADER, REQUEST_HEADER, write_config

CHECKS = ("ad.accounts.leaver_enabled", "ad.accounts.no_hr_record",
          "ad.accounts.joiner_without_request", "ad.accounts.moved_rights_kept")
AS_OF = date(2026, 11, 16)


def generate(persons: int, rng: random.Random) -> tuple[str, str, list[list[object]]]:
    """The HR CSV, the request CSV (most joiners of the year have one) and the account rows."""
    raw = json.loads((demo.evidence_dir() / "ad.accounts@corp.vbz.example.json").read_text())
    columns = raw["data"]["account_columns"]
    template = dict(zip(columns, raw["data"]["accounts"][0], strict=True))
    lines, rows = [";".join(PERSON_HEADER)], []
    requests = [";".join(REQUEST_HEADER)]
    for n in range(persons):
        eid = str(200_000 + n)
        start = AS_OF - timedelta(days=rng.randint(30, 6000))
        end = AS_OF - timedelta(days=rng.randint(0, 400)) if rng.random() < 0.08 else None
        moved = rng.random() < 0.05
        if start > AS_OF - timedelta(days=365) and rng.random() < 0.9:
            day = (start - timedelta(days=3)).strftime("%d-%m-%Y")
            requests.append(";".join([f"REQ-{n}", f"p{n}", eid, f"{day} 09:00", f"{day} 15:00",
                                      "Manager"]))
        lines.append(";".join([eid, f"Persoon {n}", start.strftime("%d-%m-%Y"),
                               end.strftime("%d-%m-%Y") if end else "", f"Afdeling {n % 40}",
                               "", "", f"Afdeling {(n + 1) % 40}" if moved else "",
                               (AS_OF - timedelta(days=90)).strftime("%d-%m-%Y") if moved else ""]))
        for sam in ([f"p{n}"] + ([f"adm-p{n}"] if n % 50 == 0 else [])):
            enabled = end is None or rng.random() < 0.1
            row = {**template, "dn": f"CN={sam},OU=Medewerkers,DC=corp,DC=vbz,DC=example",
                          "sam": sam, "upn": f"{sam}@corp.vbz.example",
                          "sid": f"S-1-5-21-1004336348-1177238915-682003330-{10_000 + len(rows)}",
                          "uac": 512 if enabled else 514, "employee_id": eid,
                          "given_name": "P", "sn": sam, "mail": None, "spn": 0,
                          "description": None, "admin_count": None,
                          "created": f"{start.isoformat()}T09:00:00Z",
                          "last_logon": f"{(AS_OF - timedelta(days=rng.randint(0, 60)))}T08:00:00Z"}
            rows.append([row[c] for c in columns])
    return ("\ufeff" + "\r\n".join(lines) + "\r\n", "\r\n".join(requests) + "\r\n", rows)


def main() -> None:
    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        text, requests, rows = generate(persons, rng)
        config = write_config(folder, text, requests, date_formats=["%d-%m-%Y", "%d-%m-%Y %H:%M"])
        t1 = time.perf_counter()
        export = folder / "hr-personeel.csv"
        awk = subprocess.run(["awk", "-F;", "NR > 1 && $4 != \"\" {n++} END {print n}",
                              str(export)], capture_output=True, text=True, check=True)
        t2 = time.perf_counter()
        with export.open(encoding="utf-8-sig", newline="") as handle:
            read = sum(1 for _ in csv.reader(handle, delimiter=";")) - 1
        t3 = time.perf_counter()
        settings = load_config(config).hr
        assert settings is not None
        docs = list(collect.collect(settings))
        t4 = time.perf_counter()
        tracemalloc.start()  # a second read, traced: exact Python peak, but several times slower
        list(collect.collect(settings))
        _, peak_collect = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        raw = json.loads((demo.evidence_dir() / "ad.accounts@corp.vbz.example.json").read_text())
        raw["data"]["accounts"] = rows
        docs.append(EvidenceDoc("ad.accounts", raw["target"], "bench", raw["data"],
                                collected_at="2026-11-16T07:30:00+00:00"))
        registry = discover(use_entry_points=False)
        shipped = Path(load_policy("adr-gitc", registry).source).read_text()
        ties = {"department_groups": [{"department": "Afdeling 1", "groups": ["GG-*"]}]}
        (folder / "p.yaml").write_text(shipped.split("\nchecks:")[0] + "\nchecks:\n"
                                       + "".join(f"  {c}: {{}}\n" for c in CHECKS)
                                       + f"shared: {json.dumps(ties)}\nexceptions: []\n")
        policy = load_policy(str(folder / "p.yaml"), registry)
        t5 = time.perf_counter()
        results = evaluate(policy, registry, EvidenceSet(docs), AS_OF)
        t6 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by = {c: sum(1 for r in results if r.check == c and r.status.value == "fail") for c in CHECKS}
    print(f"persons {persons}, accounts {len(rows)}, results {len(results)}; fails {by}")
    print(f"generate              {t1 - t0:7.2f} s")
    print(f"awk (count leavers)   {t2 - t1:7.2f} s   ({awk.stdout.strip()} leavers)")
    print(f"csv.reader (read all) {t3 - t2:7.2f} s   ({read} rows)")
    print(f"HR collector          {t4 - t3:7.2f} s   peak {peak_collect / 2**20:6.1f} MiB "
          f"(tracemalloc)")
    print(f"evaluate (4 checks)   {t6 - t5:7.2f} s")
    print(f"max RSS               {rss:7.1f} MiB")


if __name__ == "__main__":
    main()
