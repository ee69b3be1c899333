"""Benchmark (not a unit test): collect 5 million security events from a Winlogbeat NDJSON export.

Run: python bench/bench_events.py [events] [--evtx-repeat N]. Generates a month of ECS events
(logons of 2,000 accounts on 40 hosts, special-privilege and logoff events, a few group changes
and creations), then in a fresh process collects them with the real collector and reports wall
time, events per second, peak RSS of that process and the size of the evidence document. Side by
side, the reference: the same file read and parsed with orjson and nothing else (the floor any
Python reader of this file has), and `jq` counting the event ids when it is installed. Targets:
5 million events in under 60 s with a peak RSS under 1 GB. `--evtx-repeat N` also times the EVTX
path on the shipped sample (N copies of Security_with_size_t.evtx) against the parser alone.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = 1_791_849_600  # 2026-10-16T00:00:00Z
SPAN = 31 * 86400
DOMAIN = "S-1-5-21-1004336348-1177238915-682003330"


def generate(path: Path, count: int) -> None:
    """`count` ECS events, written with string templates (json.dumps would dominate)."""
    hosts = [f"dc0{i}.corp.example" for i in range(1, 4)] + [f"srv{i:03}.corp.example"
                                                              for i in range(37)]
    logon = ('{{"@timestamp":"{ts}","event":{{"code":"4624"}},"winlog":{{"channel":"Security",'
             '"event_id":4624,"computer_name":"{host}","record_id":{rec},"provider_name":'
             '"Microsoft-Windows-Security-Auditing","event_data":{{"SubjectUserSid":"S-1-0-0",'
             '"TargetUserSid":"{dom}-{rid}","TargetUserName":"{user}","TargetDomainName":"CORP",'
             '"LogonType":"{lt}","LogonProcessName":"Kerberos","AuthenticationPackageName":'
             '"Kerberos","WorkstationName":"WS{ws:04}","IpAddress":"10.1.{a}.{b}","IpPort":'
             '"0"}}}}}}\n')
    other = ('{{"@timestamp":"{ts}","event":{{"code":"{eid}"}},"winlog":{{"channel":"Security",'
             '"event_id":{eid},"computer_name":"{host}","record_id":{rec},"event_data":'
             '{{"SubjectUserSid":"S-1-5-18","SubjectUserName":"SYSTEM"}}}}}}\n')
    with open(path, "w", encoding="utf-8") as out:
        step = SPAN / count
        for n in range(count):
            seconds = START + n * step
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".123Z"
            host = hosts[n % len(hosts)]
            if n % 4:
                rid = 1100 + (n * 7919) % 2000
                out.write(logon.format(ts=ts, host=host, rec=n, dom=DOMAIN, rid=rid,
                                       user=f"user{rid}", lt=(3, 3, 3, 2, 5, 10)[n % 6],
                                       ws=rid % 500, a=rid % 250, b=n % 250))
            else:
                out.write(other.format(ts=ts, host=host, rec=n, eid=(4672, 4634, 4688)[n % 3]))


def collect_child(export: str, fmt: str) -> None:
    """In a fresh process: the real collector, then its own peak RSS."""
    from gitc_agent.collectors.events.collect import collect
    from gitc_agent.settings.config import load_config

    folder = Path(export).parent
    (folder / "gitc-agent.yaml").write_text(
        f"events:\n  sources: [{{file: {Path(export).name}, format: {fmt}}}]\n")
    settings = load_config(folder / "gitc-agent.yaml").events
    began = time.perf_counter()
    doc = collect(settings)
    seconds = time.perf_counter() - began
    size = len(json.dumps(doc.to_dict()))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "evidence_bytes": size,
                      "counts": doc.data.get("counts"), "errors": doc.errors}))


def floor_child(export: str) -> None:
    """The reference: read every line and parse it with orjson, keep nothing."""
    import orjson

    began = time.perf_counter()
    n = 0
    with open(export, "rb") as handle:
        for line in handle:
            orjson.loads(line)
            n += 1
    print(json.dumps({"seconds": time.perf_counter() - began, "lines": n,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def evtx_floor_child(folder: str) -> None:
    import evtx

    began = time.perf_counter()
    n = 0
    for path in sorted(Path(folder).glob("*.evtx")):
        for _ in evtx.PyEvtxParser(str(path)).records_json():
            n += 1
    print(json.dumps({"seconds": time.perf_counter() - began, "records": n}))


def evtx_collect_child(folder: str) -> None:
    from gitc_agent.collectors.events.collect import collect
    from gitc_agent.settings.config import load_config

    files = sorted(p.name for p in Path(folder).glob("*.evtx"))
    (Path(folder) / "gitc-agent.yaml").write_text(
        "events:\n  sources: [" + ", ".join(f"{{file: {f}}}" for f in files) + "]\n")
    settings = load_config(Path(folder) / "gitc-agent.yaml").events
    began = time.perf_counter()
    doc = collect(settings)
    print(json.dumps({"seconds": time.perf_counter() - began, "records": doc.data["counts"]["read"],
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 5_000_000
    repeat = int(sys.argv[sys.argv.index("--evtx-repeat") + 1]) if "--evtx-repeat" in sys.argv \
        else 0
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "winlogbeat.ndjson"
        began = time.perf_counter()
        generate(export, count)
        size = export.stat().st_size
        print(f"generated {count:,} ECS events, {size / 1e9:.2f} GB, in "
              f"{time.perf_counter() - began:.1f} s")
        floor = child("--floor", str(export))
        print(f"reference (orjson parse of every line, nothing kept): {floor['seconds']:.1f} s, "
              f"{count / floor['seconds']:,.0f} events/s")
        if shutil.which("jq"):
            began = time.perf_counter()
            subprocess.run(f"jq -c .winlog.event_id {export} | sort | uniq -c > /dev/null",
                           shell=True, check=True)
            print(f"reference (jq event ids | sort | uniq -c): {time.perf_counter() - began:.1f} s")
        got = child("--collect", str(export), "ecs")
        ok_time = got["seconds"] < 60
        ok_rss = got["rss_mb"] < 1024
        print(f"gitc-agent events collector: {got['seconds']:.1f} s, "
              f"{count / got['seconds']:,.0f} events/s ({got['seconds'] / floor['seconds']:.2f}x "
              f"the orjson floor); target < 60 s: {'met' if ok_time else 'MISSED'}")
        print(f"peak RSS of the collecting process: {got['rss_mb']:.0f} MB (target < 1024 MB: "
              f"{'met' if ok_rss else 'MISSED'}); evidence document "
              f"{got['evidence_bytes'] / 1e6:.2f} MB")
        print(f"counts: {got['counts']}")
        if repeat:
            folder = Path(tmp) / "evtx"
            folder.mkdir()
            sample = ROOT / "tests" / "data" / "evtx" / "Security_with_size_t.evtx"
            for i in range(repeat):
                shutil.copy(sample, folder / f"copy{i:04}.evtx")
            ref = child("--evtx-floor", str(folder))
            got = child("--evtx-collect", str(folder))
            print(f"EVTX: {got['records']:,} records; parser alone (records_json) "
                  f"{ref['seconds']:.2f} s ({ref['records'] / ref['seconds']:,.0f}/s); "
                  f"collector {got['seconds']:.2f} s ({got['records'] / got['seconds']:,.0f}/s, "
                  f"{got['seconds'] / ref['seconds']:.2f}x), peak RSS {got['rss_mb']:.0f} MB")


if __name__ == "__main__":
    if "--collect" in sys.argv:
        collect_child(sys.argv[sys.argv.index("--collect") + 1], sys.argv[-1])
    elif "--floor" in sys.argv:
        floor_child(sys.argv[sys.argv.index("--floor") + 1])
    elif "--evtx-floor" in sys.argv:
        evtx_floor_child(sys.argv[sys.argv.index("--evtx-floor") + 1])
    elif "--evtx-collect" in sys.argv:
        evtx_collect_child(sys.argv[sys.argv.index("--evtx-collect") + 1])
    else:
        main()
