"""Command line: scan, collect, evaluate, demo, report, diff, keygen, verify, checks, policy.

Every input is validated before anything is collected or written (exit 2). Exit codes are for
schedulers: 0 clean, 1 findings at or above --fail-on, 2 invalid input, 3 incomplete, 4 locked.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
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
from rich.text import Text

from gitc_agent import __version__, demo
from gitc_agent.collectors.run import (
    SECTIONS,
    InputFiles,
    collect_all,
    collection_plan,
    configured_sections,
    expected_kinds,
    read_input_files,
)
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import (
    EvidenceDoc,
    EvidenceSet,
    copy_evidence,
    load_evidence,
    name_evidence,
    release_data,
    save_evidence,
)
from gitc_agent.core.evidence_collections import Collections, load_collections
from gitc_agent.core.plan import Plan, copy_plan, load_plan, save_plan
from gitc_agent.core.policy import Policy, load_policy, shipped_profiles
from gitc_agent.core.registry import Registry, discover
from gitc_agent.core.results import Result
from gitc_agent.errors import InputError, LockedError, OutputError
from gitc_agent.i18n import Translator
from gitc_agent.model.language import DEFAULT, LANGUAGES, command_language, report_language
from gitc_agent.model.message import N_, Message, msg, phrase
from gitc_agent.model.printable import printable
from gitc_agent.report import console, followup
from gitc_agent.report.finding_report import add_findings, fails_on
from gitc_agent.report.followup import load_report
from gitc_agent.report.formats import RenderOptions, parse_formats, parse_separator, render_all
from gitc_agent.report.previous_report import load_previous, read_previous
from gitc_agent.report.report import RunInfo, build_report
from gitc_agent.report.sample_run import sample_command, samples_in
from gitc_agent.report.view import ReportView
from gitc_agent.review import command as review_command
from gitc_agent.run import run_log
from gitc_agent.run.atomic import write_bytes_atomic
from gitc_agent.run.gc_pause import paused as gc_paused
from gitc_agent.run.interrupt import RunInterrupted, stop_on_signals
from gitc_agent.run.locking import LOCK_NAME, check_lock_path, output_lock
from gitc_agent.run.output import (
    check_latest,
    check_output_dir,
    link_path,
    previous_in,
    run_stamp,
    write_run,
)
from gitc_agent.run.redact import redact
from gitc_agent.run.retention import apply_retention
from gitc_agent.run.signing import keygen, load_private_key, load_public_key
from gitc_agent.run.verify import verify
from gitc_agent.settings.config import Config, load_config

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
INTERRUPTED = N_("gitc-agent: interrupted; no report was written")
ENVIRONMENT_LANGUAGE = "the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else en"
#: an evidence file's status in `collect`'s lines (EvidenceDoc.status)
EVIDENCE_STATUS = {"ok": N_("ok"), "partial": N_("partial"), "error": N_("error")}
log = logging.getLogger("gitc_agent.run")


def _say(console: Console, text: str, style: str = "") -> None:
    """Print as text: paths, names, labels and messages can come from evidence, servers, plugins
    and policy files, so no markup, no emoji codes, and control characters shown escaped."""
    console.print(Text(printable(text), style=style), soft_wrap=not console.is_terminal)


def _speaks(args: argparse.Namespace | None) -> Translator:
    """The command's language (model.language.command_language): --lang, else the language of
    the policy the command loaded (`args.policy_language`), else the environment, else en."""
    return Translator(command_language(getattr(args, "lang", None),
                                       getattr(args, "policy_language", None)))


def _tell(out: Console, args: argparse.Namespace, message: Message, style: str = "") -> None:
    """`message` in the command's language (its English is the msgid)."""
    _say(out, _speaks(args).text(message), style)


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
        sp.add_argument("--details", action="store_true",
                        help="list the subjects under each finding, and coverage per check")
        sp.add_argument("--heatmap", choices=("findings", "subjects"), default="findings",
                        help="what the heatmap counts: findings (default) or deviating subjects")
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
        lang_arg(sp)

    def lang_arg(sp: argparse.ArgumentParser, what: str = "the policy's `language:`, "
                                                            "else en") -> None:
        sp.add_argument("--lang", choices=LANGUAGES, default=None,
                        help=f"language of everything a reader sees (default: {what})")

    def output_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--format", action="append", default=[], metavar="FORMAT",
                        help="also write html, csv, oscal, junit, xlsx, pdf or all (repeatable "
                             "or comma list; report.json is always written)")
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
    lang_arg(sp, ENVIRONMENT_LANGUAGE)
    sp = sub.add_parser("evaluate", help="evaluate saved evidence offline")
    evaluation_args(sp)
    sp.add_argument("--evidence", type=Path, required=True, action="append",
                    help="evidence folder (repeatable: several collections evaluated together, "
                         "each keeping its own plan and hashes; a target in two is refused)")
    sp = sub.add_parser("demo", help="evaluate the embedded demo organisation")
    evaluation_args(sp, policy_required=False)
    sp.set_defaults(policy=None)  # the demo organisation's own copy of adr-gitc

    sp = sub.add_parser("report", help="render a saved report.json into other formats")
    sp.add_argument("report", type=Path)
    output_args(sp)
    sp.add_argument("--out", type=Path, help="folder to write into (default: the report's folder)")
    lang_arg(sp, "the language the report was made in")
    sp = sub.add_parser("sample", help="draw a re-performable sample from a finding's population")
    sp.add_argument("run", type=Path, help="run folder, OUT/latest or its report.json")
    sp.add_argument("--check", required=True, metavar="ID", help="the finding's check id")
    sp.add_argument("--scope", default=None, help="the finding's scope, when the check has several")
    size = sp.add_mutually_exclusive_group(required=True)
    size.add_argument("--size", type=_positive_int, metavar="N", help="sample size")
    size.add_argument("--policy-sizes", action="store_true",
                      help="the size the policy's sampling section sets for the check's frequency")
    sp.add_argument("--seed", required=True, help="seed (record it: same seed, same sample)")
    sp.add_argument("--policy", default=None, help="policy for --policy-sizes (default: the "
                                                   "run's own policy file)")
    sp.add_argument("--sign", type=Path, default=None, metavar="KEY",
                    help="the run's Ed25519 private key: re-sign its manifest (a signed run "
                         "needs it)")
    sp.add_argument("--like", type=Path, default=None, metavar="SAMPLE_JSON",
                    help="an earlier sample record: say whether population and sample are the same")
    lang_arg(sp, ENVIRONMENT_LANGUAGE + "; the sample files are English")
    sp = sub.add_parser("diff", help="follow-up table: what is new, open, resolved, accepted")
    sp.add_argument("old", type=Path)
    sp.add_argument("new", type=Path)
    lang_arg(sp, "the language of the new report")
    sp = sub.add_parser("keygen", help="make an Ed25519 key pair for --sign and verify --key")
    sp.add_argument("--out", type=Path, required=True)
    lang_arg(sp, ENVIRONMENT_LANGUAGE)
    sp = sub.add_parser("verify", help="check a run's signature, manifest and report chain")
    sp.add_argument("target", type=Path, help="run folder, OUT/latest or a report.json")
    sp.add_argument("--key", type=Path, help="Ed25519 public key (.pub from `keygen`)")
    sp.add_argument("--allow-additions", action="store_true",
                    help="files and folders added to a run folder after it was written are "
                         "notes, not failures (a symlink still fails)")
    sp.add_argument("--allow-pruned", action="store_true",
                    help="an earlier run removed whole (as --keep/--keep-days do) is a note, "
                         "not a failure; a gap in the chain still fails")
    sp.add_argument("--strict", action="store_true",
                    help="fail on anything the manifest does not list: the default now, "
                         "accepted so that older scripts keep working")
    lang_arg(sp, ENVIRONMENT_LANGUAGE)

    checks = sub.add_parser("checks", help="about checks").add_subparsers(dest="action",
                                                                           required=True)
    sp = checks.add_parser("list", help="list every registered check")
    sp.add_argument("--checks-dir", type=Path, action="append", default=[])
    sp.add_argument("--json", action="store_true")
    lang_arg(sp, ENVIRONMENT_LANGUAGE + "; --json stays English")
    pol = sub.add_parser("policy", help="about policies").add_subparsers(dest="action",
                                                                         required=True)
    sp = pol.add_parser("validate", help="check a policy file")
    sp.add_argument("file")
    sp.add_argument("--checks-dir", type=Path, action="append", default=[])
    lang_arg(sp, "the policy's `language:` once it is read, else " + ENVIRONMENT_LANGUAGE)
    lang_arg(pol.add_parser("list", help="list the shipped policy profiles"), ENVIRONMENT_LANGUAGE)
    feeds = sub.add_parser("feeds", help="about the vulnerability sources on disk").add_subparsers(
        dest="action", required=True)
    sp = feeds.add_parser("status", help="what each advisory source holds and how old it is")
    sp.add_argument("--config", required=True, type=Path)
    sp.add_argument("--json", action="store_true")
    lang_arg(sp, ENVIRONMENT_LANGUAGE + "; --json stays English")
    review_command.add_parser(sub)  # review export | import (gitc_agent/review/)
    return p


def _registry(dirs: list[Path]) -> Registry:
    for folder in dirs:
        if not folder.is_dir():
            raise InputError(msg("--checks-dir is not a folder"), folder)
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
    log_file: Path | None = None
    details: bool = False  # console: the subjects under each finding
    language: str = DEFAULT  # --lang, else the policy's language:, else English
    heatmap: str = "findings"  # console heatmap: findings or subjects
    previous_report: tuple[dict[str, Any], str] | None = None  # --previous, read once up front


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
    plan: Plan | None = None  # kinds x targets the collection set out to read (None: unknown)
    collections: Collections | None = None  # several evidence folders (evaluate --evidence x2)


def _prepare(args: argparse.Namespace, config: Config | None) -> Prepared:
    registry = _registry(args.checks_dir)
    policy = load_policy(args.policy, registry)
    args.policy_language = policy.language  # what the command says from here on
    fail_rank: int | None = 0
    if args.fail_on is not None:
        if args.fail_on.lower() == "none":
            fail_rank = None
        else:
            band = policy.matrix.find_band(args.fail_on)
            if band is None:
                raise InputError(msg("--fail-on {fail_on!r} is not a priority of policy {policy} "
                                     "({bands})", fail_on=args.fail_on, policy=policy.id,
                                     bands=", ".join(b.id for b in policy.matrix.bands)))
            fail_rank = policy.matrix.rank(band.id)
    out_dir = args.out or (config.output.dir if config else Path("gitc-reports"))
    _check_out(out_dir, "--out" if args.out else
               f"output.dir (config {config.source})" if config else "the output folder")
    if args.log_file is not None:
        _check_log_file(args.log_file)
    run_id = str(uuid.uuid4())
    previous = None  # --previous: invalid input before anything is collected; read once
    if args.previous is not None:  # (unless read whole: then too large to keep until follow-up)
        report, sha, lean = read_previous(args.previous)
        previous = (report, sha) if lean else None
    return Prepared(policy=policy, registry=registry, fail_rank=fail_rank, out_dir=out_dir,
                    as_of=args.as_of or date.today(), run_id=run_id,
                    formats=parse_formats(args.format),
                    render_options=RenderOptions(csv_separator=parse_separator(args.csv_separator)),
                    sign_key=load_private_key(args.sign) if args.sign else None,
                    previous=args.previous, keep=args.keep, keep_days=args.keep_days,
                    quiet=args.quiet, log_file=args.log_file, details=args.details,
                    heatmap=args.heatmap, language=report_language(args.lang, policy.language),
                    previous_report=previous)


def _check_out(out_dir: Path, what: str, runs: bool = True) -> None:
    """The output folder, its lock and (`runs`: a folder of run folders) `latest` as a run will
    need them, checked before anything is collected: a bad one is exit 2 with nothing written,
    not a traceback later."""
    check_output_dir(out_dir, what)
    if out_dir.is_dir():
        check_lock_path(out_dir / LOCK_NAME)
        if runs:
            check_latest(out_dir)


def _check_log_file(path: Path) -> None:
    """Checked without creating it: the log file is opened only once all input is valid."""
    if path.is_symlink() and not path.exists():
        raise InputError(msg("--log-file is a dangling symbolic link"), path)
    if path.exists() and not path.is_file():
        raise InputError(msg("--log-file is not a regular file"), path)
    check_output_dir(path.parent, N_("the folder of --log-file"))


@contextmanager
def _started(prep: Prepared) -> Iterator[None]:
    """Everything a run creates before collecting, once all input was found valid: the log
    file, then the output folder and its lock."""
    run_log.configure(prep.run_id, prep.log_file)
    with output_lock(prep.out_dir):
        yield


@contextmanager
def _progress(out: Console) -> Iterator[Callable[[str], None]]:
    """A transient status line while collecting, shown only on a terminal."""
    if not out.is_terminal:
        yield lambda _msg: None
        return
    with out.status("collecting evidence") as status:
        yield lambda msg: status.update(Text(printable(redact(msg))))


def _collect(config: Config, out: Console, files: InputFiles, services: Sequence[str] = (),
             deadline: float | None = None) -> tuple[list[EvidenceDoc], str | None]:
    """Run the collectors; on SIGTERM/SIGINT or the deadline keep what came, and say why.
    `files`: the local input files, read (and found valid) before the run started."""
    docs: list[EvidenceDoc] = []
    try:
        with stop_on_signals(deadline), _progress(out) as progress:
            collect_all(config, progress, services=services, sink=docs, files=files)
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
    with gc_paused():  # see run/gc_pause: a large register gives 300,000 results
        return _run_paused(prep, collected, out)


def _run_paused(prep: Prepared, collected: Collected, out: Console) -> int:
    info = RunInfo(id=prep.run_id, mode=collected.mode, started_at=collected.started,
                   as_of=prep.as_of, interrupted=collected.interrupted)
    if collected.source is None and collected.collections is None:  # fresh evidence: name
        # its files before results cite them
        collected.files = name_evidence(collected.docs)
    results = evaluate(prep.policy, prep.registry, EvidenceSet(collected.docs), prep.as_of,
                       expected_kinds=collected.expected, plan=collected.plan)
    info.finished_at = _now()
    report = build_report(info, prep.policy, results, collected.docs, collected.files,
                          collected.plan)
    if collected.source is not None or collected.collections is not None:
        release_data(collected.docs)  # judged and copied from their files: free the memory
    if collected.collections is not None:
        report["run"]["collections"] = collected.collections.describe()
    report["language"] = prep.language  # what the renderers show; messages stay English
    add_findings(report, prep.policy)  # findings[] (the control level) before their follow-up
    _follow_up(report, prep)
    outputs = render_all(report, prep.formats, prep.render_options)
    folder = _write_run_folder(report, outputs, collected, prep)
    with _ctrl_c_ignored():  # the run folder is in place: Ctrl-C must not say nothing was written
        removed = apply_retention(prep.out_dir, prep.keep, prep.keep_days)
        _log_finished(report, collected, folder, removed)
        _print_summary(report, folder / "report.json", prep, out)
    return _exit_code(report, results, prep)


@contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread (an embedding caller): leave its handler alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _follow_up(report: dict[str, Any], prep: Prepared) -> None:
    """Label each result against the previous report: --previous, or the one OUT/latest is."""
    prev_path = prep.previous or previous_in(prep.out_dir)
    if prev_path is None:
        followup.apply(report, None, None, None)
        return
    previous, prev_sha = prep.previous_report or load_previous(prev_path)
    followup.apply(report, previous, prev_sha, link_path(prep.out_dir, prev_path))


def _write_run_folder(report: dict[str, Any], outputs: dict[str, bytes], collected: Collected,
                      prep: Prepared) -> Path:
    """The run's folder with its evidence, every output and the (signed) manifest."""

    def write_evidence(folder: Path) -> None:
        if collected.collections is not None:
            collected.collections.copy_into(folder)
        elif collected.source is not None:
            copy_evidence(collected.docs, collected.source, folder)
            copy_plan(collected.source, folder)
        else:
            save_evidence(collected.docs, folder, fresh=True)
            if collected.plan is not None:
                save_plan(collected.plan, folder, fresh=True)

    try:
        return write_run(prep.out_dir, run_stamp(), prep.run_id, report, write_evidence,
                         outputs, prep.sign_key)
    except OSError as exc:  # a full disk, a name raced into the staging folder
        raise OutputError(msg("cannot write the run folder in {out}: {reason}; no report was "
                              "written (nothing half-written is left, 'latest' is unchanged)",
                              out=prep.out_dir, reason=exc.strerror or exc)) from None


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


def _print_summary(report: dict[str, Any], report_path: Path, prep: Prepared,
                   out: Console) -> None:
    if prep.quiet:
        s, f = report["summary"]["status"], report["summary"]["findings"]["status"]
        tr = Translator(prep.language)
        _say(out, tr("{findings} finding(s), {accepted} risk(s) accepted ({failing} failing, "
                     "{accepted_results} accepted, {passed} passed, {errors} not assessed "
                     "result(s)); report: {report}", findings=f["finding"],
                     accepted=f["accepted"], failing=s["fail"],
                     accepted_results=s["accepted"], passed=s["pass"], errors=s["error"],
                     report=str(report_path)))
    else:
        console.render(report, out, str(report_path), show_details=prep.details,
                       heatmap_of=prep.heatmap, language=prep.language)


def _exit_code(report: dict[str, Any], results: list[Result], prep: Prepared) -> int:
    """3 if the run is incomplete, else 1 if a finding reaches --fail-on, else 0."""
    if not report["summary"]["complete"]:
        return EXIT_INCOMPLETE
    if prep.fail_rank is not None and fails_on(report, prep.policy.matrix.rank, prep.fail_rank):
        return EXIT_FINDINGS
    return EXIT_OK


def _require_targets(config: Config) -> None:
    if not configured_sections(config):
        raise InputError(msg("the config has none of the sections {sections}: nothing to collect",
                             sections=", ".join(SECTIONS)), config.source)


def _cmd_scan(args, out: Console) -> int:
    config = load_config(args.config)
    _require_targets(config)
    prep = _prepare(args, config)
    files = read_input_files(config)  # a broken feed or export: exit 2 before anything exists
    started = _now()
    with _started(prep):
        log.info("scan started", extra={"event": "run_started", "config": str(config.source),
                                        "policy": prep.policy.id,
                                        "sections": configured_sections(config)})
        docs, interrupted = _collect(config, out, files,
                                     required_windows_services(prep.policy), args.deadline)
        return _run(prep, Collected("scan", started, docs, expected=expected_kinds(config),
                                    interrupted=interrupted,
                                    plan=collection_plan(config, docs)), out)


def _cmd_collect(args, out: Console) -> int:
    config = load_config(args.config)
    _require_targets(config)
    _check_out(args.out, "collect --out", runs=False)
    files = read_input_files(config)  # a broken feed or export: exit 2 before anything exists
    with output_lock(args.out):
        docs, interrupted = _collect(config, out, files)
        if interrupted:
            _tell(out, args, msg("collection {why}: saving what was collected", why=interrupted))
            missing = expected_kinds(config) - {d.kind for d in docs}
            docs.extend(EvidenceDoc(kind=kind, target="(not collected)", collector="gitc-agent",
                                    data={}, errors=[{"part": "connection",
                                                      "message": f"collection {interrupted}"}])
                        for kind in sorted(missing))
        plan = collection_plan(config, docs)
        try:
            written = save_evidence(docs, args.out)
            save_plan(plan, args.out)
        except OSError as exc:  # a full disk: each file written is whole, the set is not
            raise OutputError(msg("cannot write the evidence into {out}: {reason}; the collection "
                                  "is incomplete", out=args.out, reason=exc.strerror or exc)) from None
    for doc, info in zip(docs, written, strict=True):
        _tell(out, args, msg("{file}: {status}", file=info["file"],
                             status=phrase(EVIDENCE_STATUS.get(doc.status, doc.status))))
        for e in doc.errors:  # what the collector recorded (a server's or library's words)
            _say(out, f"  {e['part']}: {e['message']}")
    _tell(out, args, msg("plan.json: {targets} target(s) of {kinds} kind(s) planned",
                         targets=len(plan.targets), kinds=len(plan.kinds)))
    return EXIT_INCOMPLETE if any(d.errors for d in docs) else EXIT_OK


def _cmd_evaluate(args, out: Console, evidence_dir: Path | None = None, mode="evaluate") -> int:
    prep = _prepare(args, None)
    folders = [evidence_dir] if evidence_dir else args.evidence
    started = _now()
    if len(folders) > 1:
        several = load_collections(folders)
        with _started(prep):
            return _run(prep, Collected(mode, started, several.docs, several.files,
                                        plan=several.plan, collections=several), out)
    folder = folders[0]
    evidence, files = load_evidence(folder)
    plan = load_plan(folder)  # None for older or hand-made evidence: coverage says so
    with _started(prep):
        return _run(prep, Collected(mode, started, list(evidence), files, folder,
                                    plan=plan), out)


def _cmd_checks_list(args, out: Console) -> int:
    registry = _registry(args.checks_dir)
    specs = registry.sorted()
    tr = _speaks(args)
    if args.json:
        print(json.dumps([s.describe() for s in specs], indent=2))
    elif not out.is_terminal:  # a pipe: one whole line per check, so grep finds every id
        for s in specs:
            kinds = [*s.evidence, *(tr("{kind} (optional)", kind=k) for k in s.optional_evidence)]
            out.print(Text(printable("  ".join((s.id, tr.title(s.title), str(s.likelihood),
                                                 str(s.impact),
                                                 ", ".join(kinds), "; ".join(s.references),
                                                 s.source)))), soft_wrap=True)
    else:
        table = Table(title=tr("Registered checks"))
        for col in (tr("Id"), tr("Title"), tr("K"), tr("I"), tr("Evidence"), tr("References"),
                    tr("Source")):
            table.add_column(col, overflow="fold")
        for s in specs:
            kinds = [*s.evidence, *(tr("{kind} (optional)", kind=k) for k in s.optional_evidence)]
            cells = (s.id, tr.title(s.title), str(s.likelihood), str(s.impact), ", ".join(kinds),
                     "; ".join(s.references), s.source)
            table.add_row(*(Text(printable(c)) for c in cells))
        out.print(table)
    for problem in registry.problems:
        out.print(Text.assemble((tr("plugin problem"), "magenta"),
                                f" {printable(problem.source)}: {printable(problem.message)}"),
                  soft_wrap=not out.is_terminal)
    return EXIT_INCOMPLETE if registry.problems else EXIT_OK


def _cmd_policy(args, out: Console) -> int:
    if args.action == "list":
        for name in shipped_profiles():
            _say(out, name)
        return EXIT_OK
    registry = _registry(args.checks_dir)
    policy = load_policy(args.file, registry)
    args.policy_language = policy.language
    _tell(out, args, msg("{source}: valid policy {id} {version} with {checks} check(s) and "
                         "{exceptions} exception(s)", source=policy.source, id=policy.id,
                         version=policy.version, checks=len(policy.checks),
                         exceptions=len(policy.exceptions)))
    return EXIT_OK


def _cmd_report(args, out: Console) -> int:
    report, _ = load_report(args.report)
    formats = [f for f in parse_formats(args.format) if f != "json"]
    if not formats:
        raise InputError(msg("say which formats to render: --format html,csv,oscal,junit or all"))
    options = RenderOptions(csv_separator=parse_separator(args.csv_separator),
                            samples=samples_in(args.report.parent),  # the workbook's samples
                            language=args.lang)
    target = args.out or args.report.parent
    check_output_dir(target, "report --out" if args.out else N_("the report's folder"))
    rendered = render_all(report, formats, options)
    for name, data in rendered.items():
        try:
            write_bytes_atomic(target / name, data)
        except OSError as exc:  # a full disk: each file is whole or absent (atomic rename)
            raise OutputError(msg("cannot write {file}: {reason}", file=target / name,
                                  reason=exc.strerror or exc)) from None
        _tell(out, args, msg("wrote {file}", file=target / name))
    return EXIT_OK


def _cmd_sample(args, out: Console) -> int:
    key = load_private_key(args.sign) if args.sign else None
    for note in sample_command(args.run, args.check, args.scope, args.seed, args.size,
                               args.policy if args.policy_sizes else None, key, args.like,
                               args.policy_sizes):
        _tell(out, args, note)
    return EXIT_OK


def _cmd_diff(args, out: Console) -> int:
    old, _ = load_report(args.old)
    new, _ = load_report(args.new)
    found = followup.compare(old, new)
    tr = Translator(args.lang or ReportView.of(new).language)
    console.render_finding_follow_up(old, new, out, tr("Progress of earlier findings: {old} -> "
                                                       "{new}", old=str(args.old),
                                                       new=str(args.new)), language=tr.language)
    console.render_follow_up(new, found.labels, found.resolved, out,
                             title=tr("Follow-up per subject: {old} -> {new}", old=str(args.old),
                                      new=str(args.new)),
                             not_reassessed=found.not_reassessed, language=tr.language)
    return EXIT_OK


def _cmd_keygen(args, out: Console) -> int:
    check_output_dir(args.out, "keygen --out")
    try:
        private, public = keygen(args.out)
    except OSError as exc:  # a full disk: no key file is left half written
        raise OutputError(msg("cannot write the key pair into {out}: {reason}; no key was "
                              "written", out=args.out, reason=exc.strerror or exc)) from None
    _tell(out, args, msg("private key (keep it secret, mode 0600): {path}", path=private))
    _tell(out, args, msg("public key: {path}", path=public))
    return EXIT_OK


def _cmd_verify(args, out: Console) -> int:
    public = load_public_key(args.key) if args.key else None
    result = verify(args.target, public, allow_additions=args.allow_additions and not args.strict,
                    allow_pruned=args.allow_pruned)
    for note in result.notes:
        _tell(out, args, msg("note: {note}", note=note))
    for problem in result.problems:
        _tell(out, args, msg("FAILED: {problem}", problem=problem), style="bold red")
    checked = ", ".join(p.name for p in result.runs)
    if result.ok:
        _tell(out, args, msg("OK: {count} run(s) verified ({runs})", count=len(result.runs),
                             runs=checked))
        return EXIT_OK
    _tell(out, args, msg("verification FAILED: {count} problem(s) in {runs}",
                         count=len(result.problems), runs=checked), style="bold red")
    return EXIT_FINDINGS


def _cmd_feeds(args, out: Console) -> int:
    from gitc_agent.collectors.vuln import status as feed_status

    rows = feed_status.status(load_config(args.config))
    if args.json:
        out.print_json(json.dumps(rows))
    else:
        for line in feed_status.lines(rows):
            _tell(out, args, line)
    return EXIT_OK


COMMANDS = {"scan": _cmd_scan, "collect": _cmd_collect, "evaluate": _cmd_evaluate,
            "checks": _cmd_checks_list, "policy": _cmd_policy, "report": _cmd_report,
            "diff": _cmd_diff, "sample": _cmd_sample, "keygen": _cmd_keygen, "verify": _cmd_verify,
            "feeds": _cmd_feeds, "review": review_command.run}


def main(argv: Sequence[str] | None = None) -> int:
    """Ctrl-C is handled from the first line on (argument parsing included): the same exit 3
    and message whenever it comes."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    args: argparse.Namespace | None = None  # argparse's own errors stay English (its texts)
    try:
        args = _parser().parse_args(argv)
        out = Console(highlight=False, soft_wrap=False)
        if args.command == "demo":
            if args.out is None:
                args.out = Path("gitc-demo-reports")
            if args.as_of is None:
                args.as_of = demo.AS_OF
            if args.policy is None:
                args.policy = str(demo.policy_path())
            return _cmd_evaluate(args, out, evidence_dir=demo.evidence_dir(), mode="demo")
        return COMMANDS[args.command](args, out)
    except (InputError, OutputError) as exc:
        _tell(err, args, msg("gitc-agent: error: {error}",
                             error=redact(exc.shown(_speaks(args).text))))
        return exc.exit_code
    except LockedError as exc:
        _say(err, "gitc-agent: " + exc.shown(_speaks(args).text))
        return exc.exit_code
    except RunInterrupted as exc:  # raised outside collection (by a plugin): still a stop
        _tell(err, args, msg("gitc-agent: interrupted ({reason}); no report was written",
                             reason=exc.reason))
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        _tell(err, args, msg(INTERRUPTED))
        return EXIT_INCOMPLETE


if __name__ == "__main__":
    sys.exit(main())
