"""Command line: scan, collect, evaluate, demo, report, diff, keygen, verify, checks, policy.

Every input is validated before anything is collected or written (exit 2). Exit codes are for
schedulers: 0 clean, 1 findings at or above --fail-on, 2 invalid input, 3 incomplete, 4 locked.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table

from gitc_agent import __version__, demo
from gitc_agent.collectors.run import SECTIONS, collect_all, configured_sections, expected_kinds
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import (
    EvidenceDoc,
    EvidenceSet,
    copy_evidence,
    load_evidence,
    save_evidence,
)
from gitc_agent.core.policy import Policy, load_policy, shipped_profiles
from gitc_agent.core.registry import Registry, discover
from gitc_agent.core.results import Result, Status
from gitc_agent.errors import InputError, LockedError
from gitc_agent.report import console, followup
from gitc_agent.report.followup import load_report
from gitc_agent.report.formats import RenderOptions, parse_formats, parse_separator, render_all
from gitc_agent.report.report import RunInfo, build_report
from gitc_agent.run import run_log
from gitc_agent.run.atomic import write_bytes_atomic
from gitc_agent.run.interrupt import RunInterrupted, stop_on_signals
from gitc_agent.run.locking import output_lock
from gitc_agent.run.output import link_path, previous_in, run_stamp, write_run
from gitc_agent.run.redact import redact
from gitc_agent.run.retention import apply_retention
from gitc_agent.run.signing import keygen, load_private_key, load_public_key
from gitc_agent.run.verify import verify
from gitc_agent.settings.config import Config, load_config

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
log = logging.getLogger("gitc_agent.run")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gitc-agent", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"gitc-agent {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def evaluation_args(sp: argparse.ArgumentParser, policy_required: bool = True) -> None:
        sp.add_argument("--policy", required=policy_required, default="adr-gitc",
                        help="policy file, or a shipped profile name (see `policy list`)")
        sp.add_argument("--out", type=Path, help="output folder (default: config output.dir)")
        sp.add_argument("--fail-on", default=None, metavar="PRIORITY",
                        help="exit 1 if a finding has this priority or higher (default: the "
                             "lowest band, i.e. any finding); 'none' never exits 1")
        sp.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="date used for exception expiry (YYYY-MM-DD; default: today)")
        sp.add_argument("--checks-dir", type=Path, action="append", default=[],
                        help="folder with extra check modules (repeatable)")
        sp.add_argument("--quiet", action="store_true", help="print only the summary line")
        sp.add_argument("--log-file", type=Path, default=None,
                        help="append JSON lines (run id, target, check, duration, errors) here")
        sp.add_argument("--keep", type=_positive_int, default=None, metavar="N",
                        help="after writing, keep only the newest N run folders")
        sp.add_argument("--keep-days", type=_positive_int, default=None, metavar="DAYS",
                        help="after writing, remove run folders older than DAYS")
        output_args(sp)
        sp.add_argument("--previous", type=Path, default=None, metavar="REPORT",
                        help="earlier report.json for follow-up and the hash chain (default: "
                             "the report OUT/latest points at, if any)")
        sp.add_argument("--sign", type=Path, default=None, metavar="KEY",
                        help="Ed25519 private key (from `keygen`): sign the run's manifest")

    def output_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--format", action="append", default=[], metavar="FORMAT",
                        help="also write html, csv, oscal, junit or all (repeatable or comma "
                             "list; report.json is always written)")
        sp.add_argument("--csv-separator", default=",", metavar="SEP",
                        help="CSV field separator: , ; tab | (';' for Dutch Excel)")

    sp = sub.add_parser("scan", help="collect evidence, evaluate it and write the report")
    evaluation_args(sp)
    sp.add_argument("--config", type=Path, required=True)
    sp.add_argument("--deadline", type=_positive_float, default=None, metavar="SECONDS",
                    help="stop collecting after SECONDS and report what was collected "
                         "(marked incomplete, exit 3)")
    sp = sub.add_parser("collect", help="collect evidence only")
    sp.add_argument("--config", type=Path, required=True)
    sp.add_argument("--out", type=Path, required=True, help="folder for the evidence files")
    sp = sub.add_parser("evaluate", help="evaluate saved evidence offline")
    evaluation_args(sp)
    sp.add_argument("--evidence", type=Path, required=True)
    sp = sub.add_parser("demo", help="evaluate the embedded demo organisation")
    evaluation_args(sp, policy_required=False)
    sp.set_defaults(policy=None)  # the demo organisation's own copy of adr-gitc

    sp = sub.add_parser("report", help="render a saved report.json into other formats")
    sp.add_argument("report", type=Path)
    output_args(sp)
    sp.add_argument("--out", type=Path, help="folder to write into (default: the report's folder)")
    sp = sub.add_parser("diff", help="follow-up table: what is new, open, resolved, accepted")
    sp.add_argument("old", type=Path)
    sp.add_argument("new", type=Path)
    sp = sub.add_parser("keygen", help="make an Ed25519 key pair for --sign and verify --key")
    sp.add_argument("--out", type=Path, required=True)
    sp = sub.add_parser("verify", help="check a run's signature, manifest and report chain")
    sp.add_argument("target", type=Path, help="run folder, OUT/latest or a report.json")
    sp.add_argument("--key", type=Path, help="Ed25519 public key (.pub from `keygen`)")

    checks = sub.add_parser("checks", help="about checks").add_subparsers(dest="action",
                                                                           required=True)
    sp = checks.add_parser("list", help="list every registered check")
    sp.add_argument("--checks-dir", type=Path, action="append", default=[])
    sp.add_argument("--json", action="store_true")
    pol = sub.add_parser("policy", help="about policies").add_subparsers(dest="action",
                                                                         required=True)
    sp = pol.add_parser("validate", help="check a policy file")
    sp.add_argument("file")
    sp.add_argument("--checks-dir", type=Path, action="append", default=[])
    pol.add_parser("list", help="list the shipped policy profiles")
    return p


def _registry(dirs: list[Path]) -> Registry:
    for folder in dirs:
        if not folder.is_dir():
            raise InputError("--checks-dir is not a folder", folder)
    return discover(dirs)


@dataclass
class Prepared:
    """What a run needs from its arguments, all checked before anything is collected."""

    policy: Policy
    registry: Registry
    fail_rank: int | None  # exit 1 for a finding of this priority rank or higher; None: never
    out_dir: Path
    as_of: date
    run_id: str
    formats: list[str]
    render_options: RenderOptions
    sign_key: Ed25519PrivateKey | None
    previous: Path | None
    keep: int | None
    keep_days: int | None
    quiet: bool


@dataclass
class Collected:
    """The evidence a run evaluates, and where it came from."""

    mode: str  # scan, evaluate or demo
    started: str
    docs: list[EvidenceDoc]
    files: list[dict[str, str]] = field(default_factory=list)  # the saved files read
    source: Path | None = None  # their folder: the run keeps them byte for byte
    expected: set[str] = field(default_factory=set)  # kinds the config set out to collect
    interrupted: str | None = None  # why collection stopped early


def _prepare(args: argparse.Namespace, config: Config | None) -> Prepared:
    registry = _registry(args.checks_dir)
    policy = load_policy(args.policy, registry)
    fail_rank: int | None = 0
    if args.fail_on is not None:
        if args.fail_on.lower() == "none":
            fail_rank = None
        else:
            band = policy.matrix.find_band(args.fail_on)
            if band is None:
                raise InputError(f"--fail-on {args.fail_on!r} is not a priority of policy "
                                 f"{policy.id} ({', '.join(b.id for b in policy.matrix.bands)})")
            fail_rank = policy.matrix.rank(band.id)
    out_dir = args.out or (config.output.dir if config else Path("gitc-reports"))
    run_id = str(uuid.uuid4())
    run_log.configure(run_id, args.log_file)
    if args.previous is not None:
        load_report(args.previous)  # invalid input before anything is collected
    return Prepared(policy=policy, registry=registry, fail_rank=fail_rank, out_dir=out_dir,
                    as_of=args.as_of or date.today(), run_id=run_id,
                    formats=parse_formats(args.format),
                    render_options=RenderOptions(csv_separator=parse_separator(args.csv_separator)),
                    sign_key=load_private_key(args.sign) if args.sign else None,
                    previous=args.previous, keep=args.keep, keep_days=args.keep_days,
                    quiet=args.quiet)


@contextmanager
def _progress(out: Console) -> Iterator[Callable[[str], None]]:
    """A transient status line while collecting, shown only on a terminal."""
    if not out.is_terminal:
        yield lambda _msg: None
        return
    with out.status("collecting evidence") as status:
        yield lambda msg: status.update(redact(msg))


def _collect(config: Config, out: Console, services: Sequence[str] = (),
             deadline: float | None = None) -> tuple[list[EvidenceDoc], str | None]:
    """Run the collectors; on SIGTERM/SIGINT or the deadline keep what came, and say why."""
    docs: list[EvidenceDoc] = []
    try:
        with stop_on_signals(deadline), _progress(out) as progress:
            collect_all(config, progress, services=services, sink=docs)
    except RunInterrupted as exc:
        return docs, exc.reason
    return docs, None


def required_windows_services(policy: Policy) -> list[str]:
    """Service names the enabled windows.monitoring.agent_running check will look for, from its
    validated parameters (so its defaults count too). Collection is handed the plain names: it
    knows neither the policy nor the checks."""
    return [name for pcheck in policy.checks
            if pcheck.id == "windows.monitoring.agent_running" and pcheck.params is not None
            for req in pcheck.params.required for name in req.any_of]


def _run(prep: Prepared, collected: Collected, out: Console) -> int:
    """Evaluate, compare with the previous run, write the run folder, prune old runs, report."""
    info = RunInfo(id=prep.run_id, mode=collected.mode, started_at=collected.started,
                   as_of=prep.as_of, interrupted=collected.interrupted)
    results = evaluate(prep.policy, prep.registry, EvidenceSet(collected.docs), prep.as_of,
                       expected_kinds=collected.expected)
    info.finished_at = _now()
    report = build_report(info, prep.policy, results, collected.docs, collected.files)
    _follow_up(report, prep)
    outputs = render_all(report, prep.formats, prep.render_options)
    folder = _write_run_folder(report, outputs, collected, prep)
    removed = apply_retention(prep.out_dir, prep.keep, prep.keep_days)
    _log_finished(report, collected, folder, removed)
    _print_summary(report, folder / "report.json", prep.quiet, out)
    return _exit_code(report, results, prep)


def _follow_up(report: dict[str, Any], prep: Prepared) -> None:
    """Label each result against the previous report: --previous, or the one OUT/latest is."""
    prev_path = prep.previous or previous_in(prep.out_dir)
    if prev_path is None:
        followup.apply(report, None, None, None)
        return
    previous, prev_sha = load_report(prev_path)
    followup.apply(report, previous, prev_sha, link_path(prep.out_dir, prev_path))


def _write_run_folder(report: dict[str, Any], outputs: dict[str, bytes], collected: Collected,
                      prep: Prepared) -> Path:
    """The run's folder with its evidence, every output and the (signed) manifest."""

    def write_evidence(folder: Path) -> None:
        if collected.source is not None:
            copy_evidence(collected.docs, collected.source, folder)
        else:
            save_evidence(collected.docs, folder)

    return write_run(prep.out_dir, run_stamp(), prep.run_id, report, write_evidence, outputs,
                     prep.sign_key)


def _log_finished(report: dict[str, Any], collected: Collected, folder: Path,
                  removed: list[Path]) -> None:
    summary = report["summary"]
    log.info("run finished: %s", "complete" if summary["complete"] else "incomplete",
             extra={"event": "run_finished", "mode": collected.mode, "report": str(folder),
                    "status": summary["status"], "complete": summary["complete"],
                    "interrupted": collected.interrupted,
                    "removed_by_retention": [p.name for p in removed]})
    if collected.interrupted:
        log.warning("collection was interrupted (%s); the report is marked incomplete",
                    collected.interrupted)


def _print_summary(report: dict[str, Any], report_path: Path, quiet: bool, out: Console) -> None:
    if quiet:
        s = report["summary"]["status"]
        out.print(f"{s['fail']} finding(s), {s['accepted']} accepted, {s['pass']} passed, "
                  f"{s['error']} not assessed; report: {report_path}")
    else:
        console.render(report, out, str(report_path))


def _exit_code(report: dict[str, Any], results: list[Result], prep: Prepared) -> int:
    """3 if the run is incomplete, else 1 if a finding reaches --fail-on, else 0."""
    if not report["summary"]["complete"]:
        return EXIT_INCOMPLETE
    if prep.fail_rank is not None and any(
            r.status is Status.FAIL and prep.policy.matrix.rank(r.priority) >= prep.fail_rank
            for r in results):
        return EXIT_FINDINGS
    return EXIT_OK


def _require_targets(config: Config) -> None:
    if not configured_sections(config):
        raise InputError(f"the config has none of the sections {', '.join(SECTIONS)}: "
                         "nothing to collect", config.source)


def _cmd_scan(args, out: Console) -> int:
    config = load_config(args.config)
    _require_targets(config)
    prep = _prepare(args, config)
    started = _now()
    with output_lock(prep.out_dir):
        log.info("scan started", extra={"event": "run_started", "config": str(config.source),
                                        "policy": prep.policy.id,
                                        "sections": configured_sections(config)})
        docs, interrupted = _collect(config, out, required_windows_services(prep.policy),
                                     args.deadline)
        return _run(prep, Collected("scan", started, docs, expected=expected_kinds(config),
                                    interrupted=interrupted), out)


def _cmd_collect(args, out: Console) -> int:
    config = load_config(args.config)
    _require_targets(config)
    with output_lock(args.out):
        docs, interrupted = _collect(config, out)
        if interrupted:
            out.print(f"collection {interrupted}: saving what was collected")
            missing = expected_kinds(config) - {d.kind for d in docs}
            docs.extend(EvidenceDoc(kind=kind, target="(not collected)", collector="gitc-agent",
                                    data={}, errors=[{"part": "connection",
                                                      "message": f"collection {interrupted}"}])
                        for kind in sorted(missing))
        written = save_evidence(docs, args.out)
    for doc, info in zip(docs, written, strict=True):
        out.print(f"{info['file']}: {doc.status}"
                  + "".join(f"\n  {e['part']}: {e['message']}" for e in doc.errors))
    return EXIT_INCOMPLETE if any(d.errors for d in docs) else EXIT_OK


def _cmd_evaluate(args, out: Console, evidence_dir: Path | None = None, mode="evaluate") -> int:
    prep = _prepare(args, None)
    folder = evidence_dir or args.evidence
    started = _now()
    evidence, files = load_evidence(folder)
    with output_lock(prep.out_dir):
        return _run(prep, Collected(mode, started, list(evidence), files, folder), out)


def _cmd_checks_list(args, out: Console) -> int:
    registry = _registry(args.checks_dir)
    specs = registry.sorted()
    if args.json:
        print(json.dumps([s.describe() for s in specs], indent=2))
    else:
        table = Table(title="Registered checks")
        for col in ("Id", "Title", "K", "I", "Evidence", "References", "Source"):
            table.add_column(col, overflow="fold")
        for s in specs:
            kinds = [*s.evidence, *(f"{k} (optional)" for k in s.optional_evidence)]
            table.add_row(s.id, s.title, str(s.likelihood), str(s.impact), ", ".join(kinds),
                          "; ".join(s.references), s.source)
        out.print(table)
    for problem in registry.problems:
        out.print(f"[magenta]plugin problem[/] {problem.source}: {problem.message}")
    return EXIT_INCOMPLETE if registry.problems else EXIT_OK


def _cmd_policy(args, out: Console) -> int:
    if args.action == "list":
        for name in shipped_profiles():
            out.print(name)
        return EXIT_OK
    registry = _registry(args.checks_dir)
    policy = load_policy(args.file, registry)
    out.print(f"{policy.source}: valid policy {policy.id} {policy.version} with "
              f"{len(policy.checks)} check(s) and {len(policy.exceptions)} exception(s)")
    return EXIT_OK


def _cmd_report(args, out: Console) -> int:
    report, _ = load_report(args.report)
    formats = [f for f in parse_formats(args.format) if f != "json"]
    if not formats:
        raise InputError("say which formats to render: --format html,csv,oscal,junit or all")
    options = RenderOptions(csv_separator=parse_separator(args.csv_separator))
    target = args.out or args.report.parent
    for name, data in render_all(report, formats, options).items():
        write_bytes_atomic(target / name, data)
        out.print(f"wrote {target / name}")
    return EXIT_OK


def _cmd_diff(args, out: Console) -> int:
    old, _ = load_report(args.old)
    new, _ = load_report(args.new)
    labels, resolved = followup.compare(old["results"], new["results"])
    console.render_follow_up(new, labels, resolved, out, title=f"Follow-up: {args.old} -> {args.new}")
    return EXIT_OK


def _cmd_keygen(args, out: Console) -> int:
    private, public = keygen(args.out)
    out.print(f"private key (keep it secret, mode 0600): {private}\npublic key: {public}")
    return EXIT_OK


def _cmd_verify(args, out: Console) -> int:
    public = load_public_key(args.key) if args.key else None
    result = verify(args.target, public)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    for problem in result.problems:
        out.print(f"FAILED: {problem}", markup=False, style="bold red")
    checked = ", ".join(p.name for p in result.runs)
    if result.ok:
        out.print(f"OK: {len(result.runs)} run(s) verified ({checked})", markup=False)
        return EXIT_OK
    out.print(f"verification FAILED: {len(result.problems)} problem(s) in {checked}",
              markup=False, style="bold red")
    return EXIT_FINDINGS


COMMANDS = {"scan": _cmd_scan, "collect": _cmd_collect, "evaluate": _cmd_evaluate,
            "checks": _cmd_checks_list, "policy": _cmd_policy, "report": _cmd_report,
            "diff": _cmd_diff, "keygen": _cmd_keygen, "verify": _cmd_verify}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = Console(highlight=False, soft_wrap=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command == "demo":
            if args.out is None:
                args.out = Path("gitc-demo-reports")
            if args.as_of is None:
                args.as_of = demo.AS_OF
            if args.policy is None:
                args.policy = str(demo.policy_path())
            return _cmd_evaluate(args, out, evidence_dir=demo.evidence_dir(), mode="demo")
        return COMMANDS[args.command](args, out)
    except InputError as exc:
        err.print(f"gitc-agent: error: {redact(str(exc))}", markup=False)
        return exc.exit_code
    except LockedError as exc:
        err.print(f"gitc-agent: {exc}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("gitc-agent: interrupted; no report was written", markup=False)
        return EXIT_INCOMPLETE


if __name__ == "__main__":
    sys.exit(main())
