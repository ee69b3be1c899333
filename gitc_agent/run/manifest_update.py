"""Add files to a finished run folder and keep its manifest (and signature) true.

A sample is drawn after the run (`gitc-agent sample`): its files belong to the run's audit
trail, so they must be in the manifest, or verify would rightly call them additions. Adding them
must not bless anything else: the folder is checked against its manifest first (every listed
file present with its hash, nothing unlisted), and only then are the new files written and
their hashes added. A signed run stays signed: it is re-signed with the key given, and without
one nothing is written (the old signature would no longer verify).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.run.atomic import write_bytes_atomic
from gitc_agent.run.input_files import parse_json, read_regular
from gitc_agent.run.signing import MANIFEST, SIGNATURE, key_id, sha256_file, walk_folder

MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise InputError(msg("the run folder has no manifest.json, so files cannot be added to it"),
                         folder)
    manifest = parse_json(read_regular(path, MAX_MANIFEST_BYTES, N_("manifest"), follow=False), path,
                          N_("manifest"))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise InputError(msg("not a readable run manifest (no files)"), path)
    return manifest


def check_untouched(folder: Path, manifest: dict[str, Any]) -> None:
    """The folder is what its manifest says, else InputError naming the first difference."""
    listed: dict[str, str] = manifest["files"]
    actual: dict[str, str] = {}
    for path, kind in walk_folder(folder):
        rel = path.relative_to(folder).as_posix()
        if kind in ("symlink", "special file"):
            raise InputError(msg("the run folder holds a {kind} ({rel}); verify it first", kind=kind,
                                 rel=rel), folder)
        if kind == "file" and rel not in (MANIFEST, SIGNATURE):
            actual[rel] = sha256_file(path)
    for rel, expected in sorted(listed.items()):
        if actual.get(rel) != expected:
            why = msg("is missing") if rel not in actual else msg("does not match its SHA-256")
            raise InputError(msg("{rel} {why} in the manifest: the run folder was changed after it was "
                                 "written (run `gitc-agent verify`); nothing was added", rel=rel,
                                 why=why), folder)
    extra = sorted(set(actual) - set(listed))
    if extra:
        raise InputError(msg("{extra} is not in the manifest (added after the run was written); nothing "
                             "was added", extra=extra[0]), folder)


def add_files(folder: Path, files: dict[str, bytes], key: Ed25519PrivateKey | None) -> None:
    """Write `files` (plain names) into the run folder and record them in its manifest."""
    manifest = read_manifest(folder)
    signed = (folder / SIGNATURE).exists() or manifest.get("signature") is not None
    if signed and key is None:
        raise InputError(msg("the run is signed: pass --sign KEY (the run's private key) so that its "
                             "manifest can be re-signed; nothing was added"), folder)
    named = (manifest.get("signature") or {}).get("public_key_sha256")
    if key is not None and named and named != key_id(key.public_key()):
        raise InputError(msg("--sign is not the key this run was signed with (the manifest names key "
                             "sha256 {named}); nothing was added", named=named), folder)
    check_untouched(folder, manifest)
    for name, data in files.items():
        write_bytes_atomic(folder / name, data)
        manifest["files"][name] = hashlib.sha256(data).hexdigest()
    manifest["files"] = dict(sorted(manifest["files"].items()))
    if key is not None:
        manifest["signature"] = {"algorithm": "ed25519", "file": SIGNATURE,
                                 "public_key_sha256": key_id(key.public_key())}
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    write_bytes_atomic(folder / MANIFEST, data)
    if key is not None:
        write_bytes_atomic(folder / SIGNATURE, base64.b64encode(key.sign(data)) + b"\n")
