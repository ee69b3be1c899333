"""Benchmark the AD accounts collection and the evaluation of the AD checks on the Samba lab.

Not a unit test. Seeds N users and N/10 groups (nested up to depth 6, some privileged members
through nesting, about 5% service accounts) straight into the lab's sam.ldb with ldbadd (LDAP
adds run at about 40 users/s), then times one collection over LDAPS and the checks, and reports
peak memory. With `ldapsearch` (Debian ldap-utils) on PATH it also times the same dump with the
OpenLDAP C client for comparison.

    GITC_LAB_ADDRESS=127.0.0.7 PYTHONPATH=. python bench/bench_ad_accounts.py --users 5000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gitc_agent.collectors import ad_accounts
from gitc_agent.collectors.run import collect_ad
from gitc_agent.config import ADSettings
from gitc_agent.credentials import Secret
from gitc_agent.engine import evaluate
from gitc_agent.evidence import EvidenceSet
from gitc_agent.policy import load_policy
from gitc_agent.registry import discover
from tests.lab.samba_lab import SambaLab


def seed(lab: SambaLab, users: int, rng: random.Random) -> None:
    ou = f"OU=Bench,{lab.base_dn}"
    lab.ldb("ldbadd", stdin=f"dn: {ou}\nobjectClass: organizationalUnit\n")
    batch: list[str] = []

    def flush() -> None:
        if batch:
            lab.ldb("ldbadd", stdin="\n".join(batch))
            batch.clear()

    for i in range(users):
        service = i % 20 == 0
        name = f"svc-b{i:06d}" if service else f"u{i:06d}"
        entry = [f"dn: CN={name},{ou}", "objectClass: user", f"sAMAccountName: {name}",
                 "userAccountControl: 544", f"description: bench account {i}"]
        if not service:
            entry += [f"employeeID: {100000 + i}", "givenName: Bench", f"sn: User{i}",
                      f"mail: {name}@bench.example"]
        else:
            entry.append(f"servicePrincipalName: HTTP/{name}.bench.example")
        batch.append("\n".join(entry) + "\n")
        if len(batch) >= 2000:
            flush()
    flush()
    groups = max(users // 10, 10)
    for g in range(groups):
        picks = {rng.randrange(users) for _ in range(rng.randint(5, 40))}
        members = [f"member: CN=u{i:06d},{ou}" for i in sorted(picks) if i % 20]  # not svc-
        if g % 6:  # chains of depth up to 6
            members.append(f"member: CN=G{g - 1:05d},{ou}")
        batch.append("\n".join([f"dn: CN=G{g:05d},{ou}", "objectClass: group",
                                f"sAMAccountName: G{g:05d}", *members]) + "\n")
        if len(batch) >= 500:
            flush()
    flush()
    # Some privileged members through nesting: the top of a few chains into Server Operators.
    tops = "".join(f"member: CN=G{g:05d},{ou}\n" for g in (5, 11, 17) if g < groups)
    found = lab.search(ou, "(objectClass=group)", "one", "cn")
    if len(found) != groups:  # ldbadd may stop at a bad record without failing
        raise SystemExit(f"seeding made {len(found)} of {groups} groups")
    lab.ldb("ldbmodify", stdin=f"dn: CN=Server Operators,CN=Builtin,{lab.base_dn}\n"
                               f"changetype: modify\nadd: member\n{tops}")


def ldapsearch_seconds(lab: SambaLab) -> float | None:
    program = shutil.which("ldapsearch")
    if program is None:
        return None
    env = {**os.environ, "LDAPTLS_CACERT": str(lab.ca_file)}
    start = time.perf_counter()
    for ldap_filter, attrs in ((ad_accounts.ACCOUNT_FILTER, ad_accounts.ACCOUNT_ATTRS),
                               (ad_accounts.GROUP_FILTER, ad_accounts.GROUP_ATTRS)):
        subprocess.run([program, "-LLL", "-x", "-H", lab.ldaps_url, "-D", lab.admin_user,
                        "-y", "/dev/stdin", "-b", lab.base_dn, "-E", "pr=1000/noprompt",
                        ldap_filter, *attrs], input=lab.admin_password.encode(), env=env,
                       stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--address", default=os.environ.get("GITC_LAB_ADDRESS", "127.0.0.7"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitc-bench-") as tmp:
        lab = SambaLab(Path(tmp) / "dc", address=args.address)
        lab.start()
        try:
            t0 = time.perf_counter()
            seed(lab, args.users, random.Random(args.seed))
            print(f"seeded {args.users} users, {max(args.users // 10, 10)} groups "
                  f"in {time.perf_counter() - t0:.1f} s")
            settings = ADSettings(servers=(lab.ldaps_url,), base_dn=lab.base_dn, method="simple",
                                  user=lab.admin_user, password=Secret(lab.admin_password, "lab"),
                                  starttls=False, ca_file=lab.ca_file, validate_certificate=True,
                                  timeout=120, page_size=1000)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            start = time.perf_counter()
            docs = collect_ad(settings, lambda _m: None)
            wall = time.perf_counter() - start
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            doc = next(d for d in docs if d.kind == ad_accounts.KIND)
            assert not doc.errors, doc.errors
            print(f"collection: {wall:.2f} s wall, counts {doc.data['counts']}")
            print(f"process max RSS: {rss_before / 1024:.0f} MB before, "
                  f"{rss_after / 1024:.0f} MB after collection")
            del docs, doc
            tracemalloc.start()
            docs = collect_ad(settings, lambda _m: None)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"collection peak Python allocations (tracemalloc, second run): "
                  f"{peak / 2**20:.0f} MB")
            registry = discover(use_entry_points=False)
            policy = load_policy("adr-gitc", registry)
            start = time.perf_counter()
            results = evaluate(policy, registry, EvidenceSet(docs), date.today())
            print(f"evaluation of all checks: {time.perf_counter() - start:.2f} s, "
                  f"{len(results)} results")
            reference = ldapsearch_seconds(lab)
            if reference is None:
                print("ldapsearch not installed (ldap-utils): no C-client comparison")
            else:
                print(f"ldapsearch same dump: {reference:.2f} s; ratio {wall / reference:.2f}x")
        finally:
            lab.stop()


if __name__ == "__main__":
    main()
