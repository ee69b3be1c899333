"""A seeded Samba lab kept as a tarball, keyed by what was seeded.

Why: loading 20,000 users into sam.ldb takes minutes, the benchmark itself seconds. The DC's
folder is seeded offline (samba not running, `ldbadd` straight on sam.ldb in batches: one huge
transaction is much slower) and packed; later runs unpack it. TLS files and runtime folders are
left out: the lab regenerates them for whatever loopback address it runs on.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from bench.ad_directory import GENERATOR_VERSION, Generator, Plan
from tests.lab.samba_lab import DEFAULT_ADMIN_PASSWORD, SambaLab, samba_version

BATCH = 500  # records per ldbadd call
_EXCLUDE = ("./tls", "./run", "./log", "./cache")


def cache_dir() -> Path:
    return Path(os.environ.get("GITC_LAB_CACHE") or Path.home() / ".cache/gitc-agent-lab")


def cache_key(users: int, groups: int, seed: int) -> str:
    material = json.dumps([GENERATOR_VERSION, users, groups, seed, samba_version(),
                           DEFAULT_ADMIN_PASSWORD])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _ldbadd(lab: SambaLab, records: Iterable[str]) -> int:
    count, batch = 0, []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH:
            lab.ldb("ldbadd", "--nosync", stdin="\n".join(batch))
            count += len(batch)
            batch.clear()
    if batch:
        lab.ldb("ldbadd", "--nosync", stdin="\n".join(batch))
        count += len(batch)
    return count


def seed_offline(lab: SambaLab, users: int, groups: int, seed: int,
                 say=print) -> tuple[Plan, dict[str, float]]:
    """Provision (from the lab's own cache), then load the directory with samba stopped."""
    timings: dict[str, float] = {}
    began = time.perf_counter()
    lab._provision_or_copy()
    lab._write_tls()
    lab._write_configs()
    gen = Generator(lab.base_dn, users, groups, seed)
    steps = (("containers", gen.containers), ("users", gen.users),
             ("computers", gen.computers), ("groups", gen.groups))
    for name, records in steps:
        t0 = time.perf_counter()
        count = _ldbadd(lab, records())
        timings[name] = time.perf_counter() - t0
        say(f"  seeded {count} {name} in {timings[name]:.1f} s")
    for change in gen.privileged():
        lab.ldb("ldbmodify", stdin=change)
    found = lab.search(f"OU=Groups,{gen.base}", "(objectClass=group)", "one", "cn")
    if len(found) != groups:  # ldbadd may stop at a bad record without failing
        raise SystemExit(f"seeding made {len(found)} of {groups} groups")
    timings["total"] = time.perf_counter() - began
    return gen.plan, timings


def pack(lab: SambaLab, tarball: Path, info: dict) -> float:
    """Pack the (stopped) lab with `info` (what was seeded, how long it took) beside it."""
    began = time.perf_counter()
    tarball.parent.mkdir(parents=True, exist_ok=True)
    (lab.workdir / "bench-info.json").write_text(json.dumps(info))
    partial = tarball.with_suffix(".partial")
    subprocess.run(["tar", "--sparse", "-C", str(lab.workdir), "-I", "gzip -1", "-cf", str(partial),
                    *(f"--exclude={e}" for e in _EXCLUDE), "."], check=True)
    partial.rename(tarball)
    return time.perf_counter() - began


def unpack(tarball: Path, workdir: Path) -> tuple[dict, float]:
    began = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-C", str(workdir), "-xzf", str(tarball)], check=True)
    info = json.loads((workdir / "bench-info.json").read_text())
    return info, time.perf_counter() - began
