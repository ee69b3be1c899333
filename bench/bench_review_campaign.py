"""Benchmark (not a unit test): a re-certification campaign of one large application group.

Run: python bench/bench_review_campaign.py [members]. The demo directory gets `members` extra
accounts in GG-App-Kassa-Beheer (nested into GG-App-Kassa-Sleutelgebruikers, so both sheets hold
them); prints wall time and peak RSS of `review export`, of filling every decision with openpyxl
(the reference: what a script or office suite does with the same file) and of `review import`.
"""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "gitc_agent" / "demo"


def _evidence(folder: Path, members: int) -> None:
    source = next((DEMO / "evidence").glob("ad.accounts@*.json"))
    doc = json.loads(source.read_text())
    data = doc["data"]
    cols, template = data["account_columns"], data["accounts"][20]
    group = next(g for g in data["groups"] if g["name"] == "GG-App-Kassa-Beheer")
    for i in range(members):
        row = copy.deepcopy(template)
        dn = f"CN=Bench {i},OU=Medewerkers,{data['base_dn']}"
        for name, value in (("dn", dn), ("sam", f"bench{i}"), ("upn", f"bench{i}@x"),
                            ("sid", f"{data['domain_sid']}-{100000 + i}")):
            row[cols.index(name)] = value
        data["accounts"].append(row)
        group["members"].append(dn)
    folder.mkdir()
    (folder / source.name).write_text(json.dumps(doc))


def _timed(label: str, args: list[str]) -> None:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gitc_agent", *args], capture_output=True,
                          text=True)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    assert done.returncode == 0, done.stderr
    print(f"{label:<28} {seconds:7.1f} s   peak RSS (largest child so far) {peak} MB")


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _evidence(folder / "evidence", members)
        print(f"{2 * (members + 2)} memberships in 2 sheets")
        _timed("review export", ["review", "export", "--policy",
                                 str(DEMO / "adr-gitc-demo.yaml"), "--evidence",
                                 str(folder / "evidence"), "--out", str(folder / "campaign")])
        (book_path,) = (folder / "campaign").glob("*.xlsx")
        print(f"{'workbook size':<28} {book_path.stat().st_size // 1024} KiB")
        began = time.perf_counter()
        book = openpyxl.load_workbook(book_path)
        for name in book.sheetnames[:-1]:
            ws = book[name]
            ws["B7"], ws["B8"] = "bench", "2026-12-01"
            for row in range(11, ws.max_row + 1):
                ws.cell(row, 8).value = "keep"
        book.save(folder / "returned.xlsx")
        print(f"{'openpyxl load+fill+save':<28} {time.perf_counter() - began:7.1f} s")
        (folder / "records").mkdir()
        _timed("review import", ["review", "import", str(folder / "returned.xlsx"), "--out",
                                 str(folder / "records"), "--campaign",
                                 str(folder / "campaign" / "campaign.json")])


if __name__ == "__main__":
    main()
