"""Verify a run folder: signature, manifest hashes, and the chain of earlier reports.

Every mismatch is named: which file, expected and actual SHA-256. Without a public key the
hashes and the chain are still checked, and the output says that signatures were not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gitc_agent.errors import InputError
from gitc_agent.run.signing import MANIFEST, SIGNATURE, check_signature, hash_folder, key_id, sha256_file


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def run_folder(target: Path) -> Path:
    """A run folder, a `latest` link or a report.json inside one."""
    folder = target.parent if target.is_file() else target
    if not (folder / "report.json").is_file():
        raise InputError("not a run folder or report (no report.json)", target)
    return folder.resolve()


def verify(target: Path, public: Ed25519PublicKey | None) -> Verification:
    result = Verification()
    folder: Path | None = run_folder(target)
    if public is None:
        result.notes.append("signatures not checked: pass --key PUBLIC_KEY to check them")
    while folder is not None and folder not in result.runs:
        result.runs.append(folder)
        folder = _verify_one(folder, public, result)
    return result


def _verify_one(folder: Path, public: Ed25519PublicKey | None, result: Verification) -> Path | None:
    """Check one run folder; return the previous run folder to check next, if present."""
    problems = result.problems
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        problems.append(f"{manifest_path}: missing, so nothing in {folder.name} can be verified")
        return _previous(folder, result)
    manifest_bytes = manifest_path.read_bytes()
    try:
        manifest = json.loads(manifest_bytes)
        files = manifest["files"]
        assert isinstance(files, dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        problems.append(f"{manifest_path}: not a readable manifest")
        return _previous(folder, result)
    sig_path = folder / SIGNATURE
    if public is not None:
        if not sig_path.is_file():
            problems.append(f"{sig_path}: missing: run {folder.name} is not signed")
        elif not check_signature(manifest_bytes, sig_path.read_bytes(), public):
            signer = (manifest.get("signature") or {}).get("public_key_sha256", "?")
            problems.append(f"{sig_path}: the signature does not verify with the given key "
                            f"(key sha256 {key_id(public)}; manifest names key {signer}): "
                            "signed by another key, or manifest.json was changed")
    elif not sig_path.is_file():
        result.notes.append(f"{folder.name}: not signed")
    actual = hash_folder(folder)
    for rel, expected in sorted(files.items()):
        if rel not in actual:
            problems.append(f"{folder / rel}: listed in the manifest but missing")
        elif actual[rel] != expected:
            problems.append(f"{folder / rel}: SHA-256 does not match the manifest "
                            f"(expected {expected}, actual {actual[rel]})")
    for rel in sorted(set(actual) - set(files)):
        result.notes.append(f"{folder / rel}: not covered by the manifest (added later)")
    return _previous(folder, result)


def _previous(folder: Path, result: Verification) -> Path | None:
    try:
        report = json.loads((folder / "report.json").read_bytes())
        link = report["run"].get("previous_report")
    except (ValueError, KeyError, TypeError, AttributeError):
        result.problems.append(f"{folder / 'report.json'}: cannot be read, so the chain stops here")
        return None
    if not link:
        return None
    path = Path(str(link.get("path") or ""))
    prev = (folder / path) if not path.is_absolute() else path
    if not link.get("path") or not prev.is_file():
        result.notes.append(f"{folder.name}: previous report {link.get('path')} is not present; "
                            "the chain is not checked further")
        return None
    actual = sha256_file(prev)
    if actual != link.get("sha256"):
        result.problems.append(f"{prev.resolve()}: SHA-256 does not match what run "
                               f"{folder.name} recorded (expected {link.get('sha256')}, "
                               f"actual {actual})")
    return prev.resolve().parent
