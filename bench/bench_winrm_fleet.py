"""Benchmark: collect from many simulated Windows hosts (not a unit test).

The hosts run in a child process (the WS-Management test server, HTTPS with a test CA, each
request answered after --latency seconds), so the memory measured is the collector's own.
Prints the median wall time of several runs against the ideal (hosts x per-host time / workers),
the CPU time of the collector and of the servers, and the peak memory (from a separate traced
run: tracemalloc slows the collector it measures). With --hung, one extra host never answers
Receive and must cost no more than its deadline.

    PYTHONPATH=. python bench/bench_winrm_fleet.py --hosts 200 --workers 32 --latency 0.2
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

import psutil

from gitc_agent.collectors.windows.hosts import collect_fleet
from gitc_agent.settings.config import WinRMHost, WinRMSettings
from gitc_agent.settings.credentials import Secret


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


def _collect(hosts: list[WinRMHost], workers: int, deadline: float) -> tuple[float, list]:
    t = time.monotonic()
    docs = collect_fleet(WinRMSettings(tuple(hosts), workers, deadline, 20, ()), lambda _m: None)
    return time.monotonic() - t, docs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--deadline", type=float, default=30)
    p.add_argument("--hung", type=int, default=1)
    p.add_argument("--runs", type=int, default=5, help="timed fleet runs; the median counts")
    p.add_argument("--target", type=float, default=1.3, help="acceptable ratio to the ideal")
    args = p.parse_args()

    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_serve,
                                          args=(args.hosts + 1, args.hung, args.latency, child))
    proc.start()
    server = psutil.Process(proc.pid)
    endpoints, ca, auth = parent.recv()
    hosts = _hosts(endpoints, ca, auth)
    probe, fleet, hung = hosts[0], hosts[1:args.hosts + 1], hosts[args.hosts + 1:]

    # Per-host time: one host alone (5 requests: Create, Command, Receive, Signal, Delete),
    # the median of three warm runs.
    probes = []
    for _ in range(3):
        seconds, [doc] = _collect([probe], 1, args.deadline)
        assert doc.status == "ok", doc.errors
        probes.append(seconds)
    per_host = statistics.median(probes)
    ideal = args.hosts * per_host / args.workers
    # Whole hosts per worker: ceil(hosts / workers) hosts in a row is the best any pool can do.
    floor = math.ceil(args.hosts / args.workers) * per_host

    # Timed runs without tracemalloc: tracing every allocation slows the collector itself.
    walls, client_cpu, server_cpu = [], [], []
    docs: list = []
    for _ in range(args.runs):
        c0, s0 = resource.getrusage(resource.RUSAGE_SELF), server.cpu_times()
        wall, docs = _collect(fleet, args.workers, args.deadline)
        c1, s1 = resource.getrusage(resource.RUSAGE_SELF), server.cpu_times()
        walls.append(wall)
        client_cpu.append(c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime)
        server_cpu.append(s1.user + s1.system - s0.user - s0.system)
        assert all(d.status == "ok" for d in docs), [d.errors for d in docs if d.errors][:3]
    wall = statistics.median(walls)

    # Memory: one more run under tracemalloc (its time is shown, not counted).
    tracemalloc.start()
    traced_wall, _ = _collect(fleet, args.workers, args.deadline)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    hung_wall = None
    if hung:
        hung_wall, hdocs = _collect(hung, 1, args.deadline / 3)
        assert all(d.status == "error" for d in hdocs)

    parent.send("stop")
    cleaned = parent.recv()
    proc.join(10)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = wall / ideal
    print(f"hosts={args.hosts} workers={args.workers} latency={args.latency}s per request, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"one host alone:      {per_host:.3f} s (median of {', '.join(f'{x:.3f}' for x in probes)})")
    print(f"ideal:               {ideal:.2f} s (hosts x per-host / workers); whole-host floor "
          f"{floor:.2f} s = {floor / ideal:.2f}x")
    print(f"fleet wall time:     median {wall:.2f} s of {args.runs} runs "
          f"({', '.join(f'{w:.2f}' for w in walls)})")
    print(f"ratio to the ideal:  median {ratio:.2f}x, worst {max(walls) / ideal:.2f}x; "
          f"target {args.target}x {'met' if ratio <= args.target else 'NOT met'}")
    print(f"CPU per run:         collector {statistics.median(client_cpu):.2f} s, "
          f"test servers {statistics.median(server_cpu):.2f} s (child process)")
    print(f"hosts ok:            {sum(d.status == 'ok' for d in docs)}/{args.hosts}; "
          f"servers left with no open shell: {cleaned}/{args.hosts + 1}")
    print(f"peak traced memory:  {peak / 1e6:.1f} MB during collection (traced run took "
          f"{traced_wall:.2f} s); peak RSS {rss:.0f} MB (collector process)")
    if hung_wall is not None:
        limit = args.deadline / 3
        print(f"hung host:           {hung_wall:.2f} s with a deadline of {limit:.1f} s "
              f"({'within' if hung_wall <= limit + 0.5 else 'OVER'} its deadline)")


if __name__ == "__main__":
    main()
