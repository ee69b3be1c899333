"""Benchmark: collect from many simulated Windows hosts (not a unit test).

The hosts run in a child process (the WS-Management test server, HTTPS with a test CA, each
request answered after --latency seconds), so the memory measured is the collector's own.
Prints the wall time against the ideal (hosts x per-host time / workers) and the peak memory;
with --hung, one extra host never answers Receive and must cost no more than its deadline.

    PYTHONPATH=. python bench/bench_winrm_fleet.py --hosts 200 --workers 32 --latency 0.2
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time
import tracemalloc
from pathlib import Path

from gitc_agent.collectors.windows_hosts import collect_fleet
from gitc_agent.config import WinRMHost, WinRMSettings
from gitc_agent.credentials import Secret


def _serve(count: int, hung: int, latency: float, conn) -> None:
    from tests.wsman.server import Reply, StaticBehaviour, WSManServer
    from tests.wsman.windows_profiles import PATCHED, profile

    servers = [WSManServer(profile(PATCHED), latency=latency).start() for _ in range(count)]
    servers += [WSManServer(StaticBehaviour(Reply(hang=True, silent=True)),
                            latency=latency).start() for _ in range(hung)]
    conn.send(([s.endpoint for s in servers], servers[0].ca_file, servers[0].auth))
    conn.recv()  # wait until told to stop
    stats = [s.cleaned_up for s in servers[:count]]
    for s in servers:
        s.stop(timeout=1)
    conn.send(sum(stats))


def _hosts(endpoints: list[str], ca: str, auth: tuple[str, str]) -> list[WinRMHost]:
    password = Secret(auth[1], "bench")
    return [WinRMHost(name=f"host{i:04d}", endpoint=e, transport="basic", user=auth[0],
                      password=password, validate_certificate=True, ca_file=Path(ca),
                      message_encryption="auto") for i, e in enumerate(endpoints)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--deadline", type=float, default=30)
    p.add_argument("--hung", type=int, default=1)
    args = p.parse_args()

    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_serve,
                                          args=(args.hosts + 1, args.hung, args.latency, child))
    proc.start()
    endpoints, ca, auth = parent.recv()
    hosts = _hosts(endpoints, ca, auth)
    probe, fleet, hung = hosts[0], hosts[1:args.hosts + 1], hosts[args.hosts + 1:]

    # Per-host time: one host alone (5 requests: Create, Command, Receive, Signal, Delete).
    t = time.monotonic()
    [doc] = collect_fleet(WinRMSettings((probe,), 1, args.deadline, 20, ()), lambda _m: None)
    per_host = time.monotonic() - t
    assert doc.status == "ok", doc.errors

    tracemalloc.start()
    t = time.monotonic()
    docs = collect_fleet(WinRMSettings(tuple(fleet), args.workers, args.deadline, 20, ()),
                         lambda _m: None)
    wall = time.monotonic() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ok = sum(d.status == "ok" for d in docs)
    ideal = args.hosts * per_host / args.workers

    hung_wall = None
    if hung:
        t = time.monotonic()
        hdocs = collect_fleet(WinRMSettings(tuple(hung), 1, args.deadline / 3, 20, ()),
                              lambda _m: None)
        hung_wall = time.monotonic() - t
        assert all(d.status == "error" for d in hdocs)

    parent.send("stop")
    cleaned = parent.recv()
    proc.join(10)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"hosts={args.hosts} workers={args.workers} latency={args.latency}s per request")
    print(f"one host alone:      {per_host:.2f} s")
    print(f"fleet wall time:     {wall:.2f} s  (ideal {ideal:.2f} s, ratio {wall / ideal:.2f})")
    print(f"hosts ok:            {ok}/{args.hosts}; shells cleaned up: {cleaned}")
    print(f"peak traced memory:  {peak / 1e6:.1f} MB during collection; "
          f"peak RSS {rss:.0f} MB (collector process)")
    for d in [d for d in docs if d.status != "ok"][:3]:
        print(f"  failed {d.target}: {d.errors}")
    if hung_wall is not None:
        print(f"hung host:           {hung_wall:.2f} s with a deadline of {args.deadline / 3:.1f} s")


if __name__ == "__main__":
    main()
