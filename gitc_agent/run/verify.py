"""Verify a run folder: signature, manifest hashes, the chain of earlier reports, and `latest`.

Every mismatch is named: which file, expected and actual SHA-256. Without a public key the
hashes and the chain are still checked, and the output says that signatures were not. Hashes
alone do not make the trail tamper-evident: whole runs can be renamed, swapped, copied or
deleted, and `latest` re-pointed, without changing a hashed byte. So verify also checks

- each run folder's name against the run id in its (signed) manifest: `<stamp>-<run id[:8]>`;
- every link of the chain: a missing earlier run or report.json fails (`allow_pruned`: a run
  removed whole, as retention does, is a note; a gap is still caught by the next point);
- through `latest` (the target is OUT/latest or the run it points at): `latest` is a link to a
  run folder of OUT and every run folder of OUT is in latest's chain, so `latest` cannot be
  pointed back at an older run without the newer ones showing;
- anything in a run folder the manifest does not list: it fails, since the folder is no longer
  what was signed (`allow_additions`: a note). A symlink fails always, listed or not: verify
  never follows one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, Message, msg, phrase
from gitc_agent.run.input_files import parse_json, read_regular
from gitc_agent.run.retention import run_folders
from gitc_agent.run.signing import MANIFEST, SIGNATURE, check_signature, key_id, sha256_file, walk_folder

_RUN_NAME = re.compile(r"^\d{8}T\d{6}Z-([0-9a-f]{8})$")  # as run/output.py names a run folder
MAX_JSON_BYTES = 512 * 1024 * 1024  # a manifest or report; a run's evidence is up to this too
ENTRY_KINDS = {"file": N_("file"), "folder": N_("folder"), "special file": N_("special file")}


@dataclass
class Verification:
    problems: list[Message] = field(default_factory=list)  # str() is the English text
    notes: list[Message] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)
    allow_additions: bool = False
    allow_pruned: bool = False

    def added(self, message: Message) -> None:
        (self.notes if self.allow_additions else self.problems).append(message)

    @property
    def ok(self) -> bool:
        return not self.problems


def run_folder(target: Path) -> Path:
    """A run folder, a `latest` link or a report.json inside one."""
    folder = target.parent if target.is_file() else target
    if not (folder / "report.json").is_file():
        raise InputError(msg("not a run folder or report (no report.json)"), target)
    return folder.resolve()


def verify(target: Path, public: Ed25519PublicKey | None, allow_additions: bool = False,
           allow_pruned: bool = False) -> Verification:
    """Check `target`'s run, the runs its report chain leads to and, when `target` is (what)
    `latest` (points at), that every run of the output folder is in that chain."""
    result = Verification(allow_additions=allow_additions, allow_pruned=allow_pruned)
    folder: Path | None = run_folder(target)
    out_dir = _latest_of(target, folder)
    if public is None:
        result.notes.append(msg("signatures not checked: pass --key PUBLIC_KEY to check them"))
    while folder is not None and folder not in result.runs:
        result.runs.append(folder)
        folder = _verify_one(folder, public, result)
    if out_dir is not None:
        _check_latest(out_dir, result)
    return result


def _latest_of(target: Path, head: Path) -> Path | None:
    """The output folder when `target` is its `latest` (or the run `latest` points at)."""
    given = Path(os.path.abspath(target))
    if given.name == "report.json":
        given = given.parent
    if given.name == "latest":
        return given.parent
    latest = head.parent / "latest"
    return head.parent if latest.is_symlink() and latest.resolve() == head else None


def _check_latest(out_dir: Path, result: Verification) -> None:
    """`latest` is a link to a run folder here, and no run folder here is outside its chain."""
    latest, head = out_dir / "latest", result.runs[0]
    if not latest.is_symlink():
        result.problems.append(msg("{latest}: not a symlink to a run folder (something was put in its "
                                   "place)", latest=latest))
    elif head.parent != out_dir.resolve() or not _RUN_NAME.match(head.name):
        result.problems.append(msg("{latest}: points at {head}, not at a run folder of {out_dir}",
                                   latest=latest, head=head, out_dir=out_dir))
    chained = set(result.runs)
    chain = " <- ".join(p.name for p in result.runs)
    for _, path in run_folders(out_dir):
        if path.resolve() in chained:
            continue
        newer = (msg(" and is newer than the run latest points at, so latest was pointed back")
                 if path.name[:16] > head.name[:16] else "")
        result.problems.append(msg("{path}: run folder not in the chain of latest ({chain}){newer}: latest "
                                   "does not point at the newest run, or runs were deleted, swapped or "
                                   "copied", path=path, chain=chain, newer=newer))


def _verify_one(folder: Path, public: Ed25519PublicKey | None, result: Verification) -> Path | None:
    """Check one run folder; return the previous run folder to check next, if present."""
    problems = result.problems
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        problems.append(msg("{manifest_path}: missing, so nothing in {run} can be verified",
                            manifest_path=manifest_path, run=folder.name))
        return _previous(folder, result)
    try:
        manifest_bytes = read_regular(manifest_path, MAX_JSON_BYTES, N_("manifest"), follow=False)
        manifest = parse_json(manifest_bytes, manifest_path, N_("manifest"))
        files = manifest["files"]
        assert isinstance(files, dict)
    except (InputError, ValueError, KeyError, TypeError, AssertionError):
        problems.append(msg("{manifest_path}: not a readable manifest", manifest_path=manifest_path))
        return _previous(folder, result)
    run_id = manifest.get("run_id")
    match = _RUN_NAME.match(folder.name)
    if not isinstance(run_id, str) or match is None or match.group(1) != run_id[:8]:
        problems.append(msg("{folder}: the folder name does not match the run it holds (manifest run id "
                            "{run_id}, so named <stamp>-{run_id2}): run folders were renamed, swapped or "
                            "copied", folder=folder, run_id=run_id, run_id2=str(run_id)[:8]))
    sig_path = folder / SIGNATURE
    if public is not None:
        if not sig_path.is_file():
            problems.append(msg("{sig_path}: missing: run {run} is not signed",
                                sig_path=sig_path, run=folder.name))
        elif not check_signature(manifest_bytes, sig_path.read_bytes(), public):
            signer = (manifest.get("signature") or {}).get("public_key_sha256", "?")
            problems.append(msg("{sig_path}: the signature does not verify with the given key (key sha256 "
                                "{key_id}; manifest names key {signer}): signed by another key, or "
                                "manifest.json was changed", sig_path=sig_path,
                                key_id=key_id(public), signer=signer))
    elif not sig_path.is_file():
        result.notes.append(msg("{run}: not signed", run=folder.name))
    actual = {path.relative_to(folder).as_posix(): sha256_file(path)
              for path, kind in walk_folder(folder) if kind == "file"}
    for rel, expected in sorted(files.items()):
        if rel not in actual:
            problems.append(msg("{folder}: listed in the manifest but missing", folder=folder / rel))
        elif actual[rel] != expected:
            problems.append(msg("{folder}: SHA-256 does not match the manifest (expected {expected}, "
                                "actual {actual})", folder=folder / rel, expected=expected,
                                actual=actual[rel]))
    for path, kind in _unlisted(folder, set(files)):
        if kind == "symlink":  # what it points at can change at will: never part of a run
            problems.append(msg("{path}: symlink inside a run folder (a run never holds one)",
                                path=path))
        else:
            result.added(msg("{path}: {kind} not covered by the manifest (added later)", path=path,
                             kind=phrase(ENTRY_KINDS.get(kind, kind))))
    return _previous(folder, result, run_id)


def _unlisted(folder: Path, listed: set[str]) -> list[tuple[Path, str]]:
    """Entries the manifest does not account for: files, symlinks, special files and folders
    holding no listed file (reported as the folder, not each thing inside it)."""
    parents = {p.as_posix() for rel in listed for p in Path(rel).parents if p != Path(".")}
    found: list[tuple[Path, str]] = []

    def walk(directory: Path) -> None:
        for path in sorted(directory.iterdir()):
            rel = path.relative_to(folder).as_posix()
            if rel in (MANIFEST, SIGNATURE) and not path.is_symlink() and path.is_file():
                continue
            if path.is_symlink():
                found.append((path, "symlink"))
            elif path.is_dir():
                if rel in parents:
                    walk(path)
                else:
                    found.append((path, "folder"))
            elif rel not in listed:
                found.append((path, "file" if path.is_file() else "special file"))

    walk(folder)
    return found


def _previous(folder: Path, result: Verification, run_id: object = None) -> Path | None:
    """The previous run folder this run's report chains to; a missing link is a problem."""
    try:
        report_path = folder / "report.json"
        report = parse_json(read_regular(report_path, MAX_JSON_BYTES, N_("report"), follow=False),
                            report_path, N_("report"))
        link = report["run"].get("previous_report")
        report_id = report["run"].get("id")
    except (InputError, ValueError, KeyError, TypeError, AttributeError):
        result.problems.append(msg("{folder}: cannot be read, so the chain stops here",
                                   folder=folder / 'report.json'))
        return None
    if run_id is not None and report_id != run_id:
        result.problems.append(msg("{report_path}: is run {report_id}, the manifest is run {run_id}",
                                   report_path=report_path, report_id=report_id, run_id=run_id))
    if not link:
        return None
    path = Path(str(link.get("path") or ""))
    prev = Path(os.path.normpath(folder / path))  # folder is resolved: `..` is its parent
    if not link.get("path") or not prev.is_file() or prev.is_symlink():
        _missing(folder, prev, link, result)
        return None
    try:
        actual = sha256_file(prev)
    except OSError as exc:
        result.problems.append(msg("{prev}: cannot be read ({reason}), so the chain stops here",
                                   prev=prev, reason=exc.strerror))
        return None
    if actual != link.get("sha256"):
        result.problems.append(msg("{target}: SHA-256 does not match what run {run} recorded "
                                   "(expected {sha256}, actual {actual})", target=prev.resolve(),
                                   run=folder.name, sha256=link.get('sha256'), actual=actual))
    return prev.resolve().parent


def _missing(folder: Path, prev: Path, link: dict[str, Any], result: Verification) -> None:
    """A link whose report is gone: deleted from a run that is still there, or a whole run."""
    where = msg("run {run} chains to {path} (run {run_id})", run=folder.name,
                path=link.get("path"), run_id=link.get("run_id"))
    if not link.get("path"):
        result.problems.append(msg("{folder}: the previous-report link has no path",
                                   folder=folder / 'report.json'))
    elif prev.is_symlink():
        result.problems.append(msg("{prev}: {where}, which is a symlink (a run never holds one)",
                                   prev=prev, where=where))
    elif prev.parent.is_dir():
        result.problems.append(msg("{prev}: missing: {where}; the report was deleted from its run",
                                   prev=prev, where=where))
    elif result.allow_pruned:
        result.notes.append(msg("{run}: {where}, which is gone (pruned); the chain is not checked "
                                "further", run=folder.name, where=where))
    else:
        result.problems.append(msg("{parent}: missing: {where}, so a run was deleted from the chain (if "
                                   "retention --keep/--keep-days removed it, verify with --allow-pruned)",
                                   parent=prev.parent, where=where))
