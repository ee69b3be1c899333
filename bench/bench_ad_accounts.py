"""Benchmark the AD accounts collection and the AD checks against `ldapsearch` on a Samba lab.

Not a test. Loads a synthetic directory (bench/ad_directory.py: default 20,000 users, 2,000
groups nested up to depth 6, service/shared/test/admin accounts, privileged members through
nesting) into a Samba AD DC with `ldbadd` on its sam.ldb while samba is stopped, and keeps the
loaded DC as a tarball keyed by the parameters (bench/lab_cache.py) for later runs. Then, in the
same run and alternating, it times:

- `ldapsearch` (OpenLDAP C client, Debian ldap-utils) doing the collector's bulk searches with
  its filters and attributes: the users/computers, the groups, and the one `memberOf` search of
  the privileged cross-check for the objects those two do not cover (simple bind over LDAPS, lab
  CA in LDAPTLS_CACERT, password on stdin). The collector's few small reads (password policy,
  RootDSE, domain object, trusts, schema) are left out of the reference;
- gitc-agent's AD collection (`collect_ad`: bind, password policy, hygiene reads, users,
  computers, groups, the cross-check and the privileged summary) in a fresh process, with its
  peak RSS and that of its reader processes; a separate run gives the tracemalloc peak;
- the evaluation of every check of the adr-gitc policy on that evidence.

Besides wall time it reports CPU time: user+sys of the `ldapsearch` processes against that of
the collecting process and its reader processes, and the DC's own CPU time (Samba's process
group, from /proc) for each side. On a shared machine the wall-clock ratio is noisy; the CPU
figures say whether the work itself grew. The RSS budgets are the figures before issue #17
(99 MB at 20,000 users, 162 MB at 50,000) plus 10%.

Heavy imports stay inside functions: the reader processes are started with `spawn`, which
imports the main script again in each of them (as the installed `gitc-agent` command's light
script is), so a heavy top of this file would be measured as the collector's cost.

    GITC_LAB_ADDRESS=127.0.0.9 PYTHONPATH=. python bench/bench_ad_accounts.py --users 20000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO, TARGET_EVAL_S = 1.3, 1.0


def target_mb(users: int) -> int:
    """Peak RSS before issue #17 (README: 99 MB at 20,000 users, 162 MB at 50,000) plus 10%."""
    return 109 if users <= 20_000 else 178


def dc_cpu_seconds(pgid: int | None) -> float:
    """User+sys CPU time of the DC: every process in Samba's process group (and its reaped
    children), read from /proc."""
    if pgid is None:
        return float("nan")
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- the measured child process ------------------------------------------------------------------

def child(spec: dict) -> dict:
    """Collect (and evaluate) in this fresh process; the spec arrives on stdin with the password."""
    import tracemalloc
    from datetime import date

    from gitc_agent.collectors.run import collect_ad
    from gitc_agent.core.engine import evaluate
    from gitc_agent.core.evidence import EvidenceSet
    from gitc_agent.core.policy import load_policy
    from gitc_agent.core.registry import discover
    from gitc_agent.settings.config import ADSettings, BindSettings
    from gitc_agent.settings.credentials import Secret

    bind = BindSettings(method="simple", user=spec["user"],
                        secret=Secret(spec["password"], "bench"))
    settings = ADSettings(servers=(spec["url"],), base_dn=spec["base_dn"], bind=bind,
                          starttls=False, ca_file=Path(spec["ca_file"]), validate_certificate=True,
                          timeout_seconds=300, page_size=spec["page_size"],
                          parallel_reads=spec["parallel_reads"])
    registry = discover(use_entry_points=False)
    policy = load_policy("adr-gitc", registry)
    from gitc_agent.collectors.ad import accounts as ad_accounts

    out: dict = {"rss_start_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if spec["tracemalloc"]:
        tracemalloc.start()
    own = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    docs = collect_ad(settings, lambda _m: None)
    out["collect_s"] = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = (after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
                    + children_cpu())  # the reader processes have been reaped by now
    if spec["tracemalloc"]:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["workers_rss_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    doc = next(d for d in docs if d.kind == ad_accounts.KIND)
    out["errors"] = [e for d in docs for e in d.errors]
    out["counts"] = doc.data.get("counts")
    out["privileged_members"] = sum(len(g["members"]) for g in doc.data.get("privileged", []))
    out["privileged_dns"] = [g["dn"] for g in doc.data.get("privileged", [])]
    out["evidence_mb"] = len(json.dumps(doc.data)) / 2**20
    began = time.perf_counter()
    results = evaluate(policy, registry, EvidenceSet(docs), date.today())
    out["evaluate_s"] = time.perf_counter() - began
    ad_results = [r for r in results if r.check.startswith(("ad.accounts.", "ad.privileged."))]
    out["ad_results"] = len(ad_results)
    by_status: dict[str, int] = {}
    for r in ad_results:
        by_status[r.status.value] = by_status.get(r.status.value, 0) + 1
    out["ad_by_status"] = by_status
    out["rss_after_eval_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run_child(lab, args: argparse.Namespace, tracemalloc: bool) -> dict:
    spec = {"url": lab.ldaps_url, "base_dn": lab.base_dn, "user": lab.admin_user,
            "password": lab.admin_password, "ca_file": str(lab.ca_file), "page_size": args.page_size,
            "parallel_reads": args.parallel_reads, "tracemalloc": tracemalloc}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                      os.environ.get("PYTHONPATH")]))}
    dc_before = dc_cpu_seconds(lab.pid)
    done = subprocess.run([sys.executable, __file__, "--child"], input=json.dumps(spec), text=True,
                          capture_output=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"collection process failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout)
    out["dc_cpu_s"] = dc_cpu_seconds(lab.pid) - dc_before  # includes the evaluation's idle time
    return out


# --- ldapsearch ----------------------------------------------------------------------------------

def reference_searches(privileged_dns: list[str]) -> list[tuple[str, list[str]]]:
    """The collector's bulk searches: filters and attributes as it asks for them."""
    from gitc_agent.collectors.ad import accounts as ad_accounts
    from gitc_agent.collectors.ad import memberof

    searches = [(ad_accounts.ACCOUNT_FILTER, list(ad_accounts.ACCOUNT_ATTRS)),
                (ad_accounts.GROUP_FILTER, list(ad_accounts.GROUP_ATTRS))]
    if privileged_dns:
        searches.append((memberof.residual_filter([ad_accounts.ACCOUNT_FILTER,
                                                   ad_accounts.GROUP_FILTER], privileged_dns),
                         [memberof.ATTRIBUTE]))
    return searches


def ldapsearch(lab, page_size: int, searches: list[tuple[str, list[str]]]) -> dict:
    """Wall, client CPU (user+sys of the ldapsearch processes) and DC CPU of the searches."""
    program = shutil.which("ldapsearch")
    if program is None:
        raise SystemExit("ldapsearch not found: apt-get install -y ldap-utils")
    env = {**os.environ, "LDAPTLS_CACERT": str(lab.ca_file)}
    dc_before, cpu_before = dc_cpu_seconds(lab.pid), children_cpu()
    began = time.perf_counter()
    for ldap_filter, attrs in searches:
        subprocess.run([program, "-LLL", "-x", "-H", lab.ldaps_url, "-D", lab.admin_user,
                        "-y", "/dev/stdin", "-b", lab.base_dn, "-E", f"pr={page_size}/noprompt",
                        ldap_filter, *attrs], input=lab.admin_password.encode(), env=env,
                       stdout=subprocess.DEVNULL, check=True)
    return {"wall_s": time.perf_counter() - began, "cpu_s": children_cpu() - cpu_before,
            "dc_cpu_s": dc_cpu_seconds(lab.pid) - dc_before}


# --- main ----------------------------------------------------------------------------------------

def prepare(workdir: Path, args: argparse.Namespace) -> tuple:
    """Unpack the cached lab for these parameters, or seed one and cache it."""
    from bench.lab_cache import cache_dir, cache_key, pack, seed_offline, unpack
    from tests.lab.samba_lab import SambaLab

    tarball = cache_dir() / f"bench-{cache_key(args.users, args.groups, args.seed)}.tar.gz"
    lab = SambaLab(workdir, address=args.address)
    if tarball.exists() and not args.reseed:
        info, seconds = unpack(tarball, workdir)
        print(f"lab: unpacked {tarball} in {seconds:.1f} s (seeded earlier in "
              f"{info['seed_timings']['total']:.0f} s)")
    else:
        print(f"lab: seeding {args.users} users, {args.groups} groups with ldbadd on sam.ldb "
              f"(samba stopped)")
        plan, timings = seed_offline(lab, args.users, args.groups, args.seed,
                                     say=lambda m: print(m, flush=True))
        info = {"plan": plan.__dict__, "seed_timings": timings}
        seconds = pack(lab, tarball, info)
        print(f"lab: seeded in {timings['total']:.1f} s "
              f"({args.users / timings['users']:.0f} users/s); cached as {tarball} in {seconds:.1f} s")
    return lab, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--groups", type=int, default=None, help="default: users / 10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--parallel-reads", type=int, default=2)
    parser.add_argument("--address", default=os.environ.get("GITC_LAB_ADDRESS", "127.0.0.9"))
    parser.add_argument("--reseed", action="store_true", help="ignore the cached lab")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(sys.stdin.read()))))
        return
    if not 1 <= args.users <= 50_000:
        parser.error("--users must be between 1 and 50000")
    args.groups = args.groups or max(args.users // 10, 10)
    with tempfile.TemporaryDirectory(prefix="gitc-bench-") as tmp:
        lab, info = prepare(Path(tmp) / "dc", args)
        kinds = info["plan"]["kinds"]
        print(f"directory: {args.users} users ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
              f"{info['plan']['computers']} computers, {args.groups} groups")
        lab.start()
        try:
            measure(lab, args)
        finally:
            lab.stop()


def _median(values: list[float]) -> float:
    return statistics.median(values)


def measure(lab, args: argparse.Namespace) -> None:
    warm = run_child(lab, args, tracemalloc=False)  # warms the DC's caches; names the groups
    searches = reference_searches(warm["privileged_dns"])
    ldapsearch(lab, args.page_size, searches)
    reference, ours = [], []
    for _ in range(args.runs):  # alternating pairs
        reference.append(ldapsearch(lab, args.page_size, searches))
        ours.append(run_child(lab, args, tracemalloc=False))
    traced = run_child(lab, args, tracemalloc=True)
    walls = [r["wall_s"] for r in reference]
    ref_s = _median(walls)
    collected = [r["collect_s"] for r in ours]
    col_s = _median(collected)
    eval_s = _median([r["evaluate_s"] for r in ours])
    rss = max(r["rss_peak_mb"] for r in ours)
    workers = max(r["workers_rss_peak_mb"] for r in ours)
    last = ours[-1]
    if last["errors"]:
        print(f"COLLECTION ERRORS: {last['errors']}")
    print(f"evidence: {last['counts']}, {last['privileged_members']} privileged memberships, "
          f"{last['evidence_mb']:.1f} MB as JSON")
    print(f"ldapsearch ({len(searches)} searches: users+computers, groups, memberOf rest): "
          f"{', '.join(f'{w:.2f}' for w in walls)} s; median {ref_s:.2f} s")
    print(f"gitc-agent collection ({args.parallel_reads} reader processes): "
          f"{', '.join(f'{s:.2f}' for s in collected)} s; median {col_s:.2f} s")
    ratio = col_s / ref_s
    pairs = [o["collect_s"] / r["wall_s"] for r, o in zip(reference, ours, strict=True)]
    print(f"ratio collection / ldapsearch (wall): {ratio:.2f}x (target <= {TARGET_RATIO}x: "
          f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}); per pair "
          f"{', '.join(f'{p:.2f}' for p in pairs)}")
    ref_cpu, our_cpu = _median([r["cpu_s"] for r in reference]), _median([o["cpu_s"] for o in ours])
    ref_dc, our_dc = (_median([r["dc_cpu_s"] for r in reference]),
                      _median([o["dc_cpu_s"] for o in ours]))
    print(f"client CPU (user+sys): ldapsearch {ref_cpu:.2f} s, collection (process + readers) "
          f"{our_cpu:.2f} s; DC CPU: for ldapsearch {ref_dc:.2f} s, for the collection "
          f"{our_dc:.2f} s; all CPU: {ref_cpu + ref_dc:.2f} s against {our_cpu + our_dc:.2f} s "
          f"({(our_cpu + our_dc) / (ref_cpu + ref_dc):.2f}x)")
    mb = target_mb(args.users)
    print(f"peak RSS of the collecting process: {rss:.0f} MB (budget <= {mb} MB: "
          f"{'met' if rss <= mb else 'MISSED'}); largest reader process: {workers:.0f} MB; "
          f"tracemalloc peak (collecting process): {traced['tracemalloc_peak_mb']:.0f} MB")
    print(f"evaluation of all checks: {eval_s:.2f} s, {last['ad_results']} AD results "
          f"{last['ad_by_status']} (target < {TARGET_EVAL_S:.0f} s: "
          f"{'met' if eval_s < TARGET_EVAL_S else 'MISSED'})")


if __name__ == "__main__":
    main()
